"""The store's SQL, written out once for both databases.

The tables are declared in `tables` (and built by the migrations); the store
tests check these statements against them on SQLite and PostgreSQL. The two
databases differ only in `FOR UPDATE`, which SQLite leaves out (its writing
transactions lock the whole database instead), and in how a moment is kept:
SQLite has no time type, so moments are UTC text in the form SQLAlchemy writes
(`2026-12-03 18:40:00.123456`), which the migrations and older rows share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

ANSWER_LIMIT = 1000  # characters of an answer kept; longer ones are cut
PROGRESS_COLUMNS = (
    "learner_id", "tutorial_id", "step", "steps_done", "checkpoints_done", "tiers_passed",
    "hints_used", "design", "started_at", "completed_at", "updated_at",
)
_KEYS = ("learner_id", "tutorial_id")


@dataclass(frozen=True)
class Queries:
    """Every statement of a turn, with `:name` parameters."""

    conversation_state: str  # key
    create_conversation: str  # key, state, version, updated_at
    save_conversation: str  # conversation, state, updated_at
    find_learner: str  # platform, user_id
    create_learner: str  # platform, user_id, display_name, created_at
    rename_learner: str  # learner, display_name
    progress: str  # learner_id, tutorial_id
    learner_progress: str  # platform, user_id
    save_progress: str  # PROGRESS_COLUMNS
    add_attempt: str  # learner_id, tutorial_id, checkpoint_id, answer, correct, slip, created_at
    count_attempts: str  # learner_id, tutorial_id, checkpoint_id
    setting: str  # learner_id, name
    save_setting: str  # learner_id, name, value
    first_delivery: str  # platform, delivery_id, created_at
    forget_deliveries: str  # before
    move_conversations: str  # old, new
    save_chat: str  # platform, chat_id, active, reason, updated_at
    chat_active: str  # platform, chat_id
    peek_state: str  # key
    bot_setting: str  # key
    save_bot_setting: str  # key, value, updated_at
    revision: str
    revision_table: str  # how many tables named alembic_version there are (0 or 1)


@cache
def queries_for(dialect: str) -> Queries:
    """The statements for `dialect` ("sqlite" or "postgresql")."""
    lock = " FOR UPDATE" if dialect == "postgresql" else ""
    columns = ", ".join(PROGRESS_COLUMNS)
    updated = ", ".join(f"{name} = excluded.{name}" for name in PROGRESS_COLUMNS
                        if name not in _KEYS)
    return Queries(
        conversation_state=f"SELECT state FROM conversation WHERE key = :key{lock}",
        create_conversation=(
            "INSERT INTO conversation (key, state, version, updated_at) "
            "VALUES (:key, :state, :version, :updated_at) ON CONFLICT (key) DO NOTHING"
        ),
        save_conversation=(
            "UPDATE conversation SET state = :state, version = version + 1, "
            "updated_at = :updated_at WHERE key = :conversation"
        ),
        find_learner=(
            "SELECT id, display_name FROM learner "
            f"WHERE platform = :platform AND user_id = :user_id{lock}"
        ),
        create_learner=(
            "INSERT INTO learner (platform, user_id, display_name, created_at) "
            "VALUES (:platform, :user_id, :display_name, :created_at) "
            "ON CONFLICT (platform, user_id) DO UPDATE SET display_name = "
            "excluded.display_name RETURNING id"
        ),
        rename_learner="UPDATE learner SET display_name = :display_name WHERE id = :learner",
        progress=(
            f"SELECT {columns} FROM progress "
            f"WHERE learner_id = :learner_id AND tutorial_id = :tutorial_id{lock}"
        ),
        learner_progress=(
            f"SELECT {', '.join('progress.' + name for name in PROGRESS_COLUMNS)} "
            "FROM progress JOIN learner ON learner.id = progress.learner_id "
            "WHERE learner.platform = :platform AND learner.user_id = :user_id "
            "ORDER BY progress.tutorial_id"
        ),
        save_progress=(
            f"INSERT INTO progress ({columns}) "
            f"VALUES ({', '.join(':' + name for name in PROGRESS_COLUMNS)}) "
            f"ON CONFLICT (learner_id, tutorial_id) DO UPDATE SET {updated}"
        ),
        add_attempt=(
            "INSERT INTO attempt (learner_id, tutorial_id, checkpoint_id, answer, correct, "
            "slip, created_at) VALUES (:learner_id, :tutorial_id, :checkpoint_id, :answer, "
            ":correct, :slip, :created_at)"
        ),
        count_attempts=(
            "SELECT count(*) FROM attempt WHERE learner_id = :learner_id "
            "AND tutorial_id = :tutorial_id AND checkpoint_id = :checkpoint_id"
        ),
        setting="SELECT value FROM setting WHERE learner_id = :learner_id AND name = :name",
        save_setting=(
            "INSERT INTO setting (learner_id, name, value) VALUES (:learner_id, :name, :value) "
            "ON CONFLICT (learner_id, name) DO UPDATE SET value = excluded.value"
        ),
        first_delivery=(
            "INSERT INTO delivery (platform, delivery_id, created_at) "
            "VALUES (:platform, :delivery_id, :created_at) "
            "ON CONFLICT (platform, delivery_id) DO NOTHING"
        ),
        forget_deliveries="DELETE FROM delivery WHERE created_at < :before",
        move_conversations=(
            "UPDATE conversation SET key = CAST(:new AS TEXT) || "
            "substr(key, length(CAST(:old AS TEXT)) + 1) "
            "WHERE substr(key, 1, length(CAST(:old AS TEXT))) = CAST(:old AS TEXT)"
        ),
        save_chat=(
            "INSERT INTO chat (platform, chat_id, active, reason, updated_at) "
            "VALUES (:platform, :chat_id, :active, :reason, :updated_at) "
            "ON CONFLICT (platform, chat_id) DO UPDATE SET active = excluded.active, "
            "reason = excluded.reason, updated_at = excluded.updated_at"
        ),
        chat_active="SELECT active FROM chat WHERE platform = :platform AND chat_id = :chat_id",
        peek_state="SELECT state FROM conversation WHERE key = :key",
        bot_setting="SELECT value FROM bot_setting WHERE key = :key",
        save_bot_setting=(
            "INSERT INTO bot_setting (key, value, updated_at) VALUES (:key, :value, "
            ":updated_at) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at"
        ),
        revision="SELECT version_num FROM alembic_version",
        revision_table=(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename = 'alembic_version'" if dialect == "postgresql" else
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
            "AND name = 'alembic_version'"
        ),
    )


def moment_in(dialect: str, moment: datetime | None) -> datetime | str | None:
    """A moment as the database keeps it (naive UTC text on SQLite)."""
    if moment is None or dialect == "postgresql":
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def moment_out(stored: datetime | str | None) -> datetime | None:
    """A stored moment in UTC; SQLite's text and naive values are UTC already."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
