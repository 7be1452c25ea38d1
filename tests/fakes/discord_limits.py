"""Discord's size limits on messages, embeds, components, choices and commands.

A body that breaks them is refused the way Discord refuses it: HTTP 400 with
`{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`, the errors
nested along the path of the offending field and ending in `_errors`. Also here:
which mentions a message would actually ping once `allowed_mentions` and the
sender's permissions are applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .discord_model import ApiError, Json, Pings

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000
ACTION_ROWS = 5
ROW_WIDTH = 5
CUSTOM_ID = 100
LABEL = 80
SELECT_OPTIONS = 25
CHOICES = 25
CHOICE_TEXT = 100
FILES = 10
COMMANDS = 100
COMMAND_OPTIONS = 25

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")

BUTTON, SELECT, ROW = 2, 3, 1
SELECTS = {3, 5, 6, 7, 8}
LINK_STYLE, PREMIUM_STYLE = 5, 6


class FormErrors:
    """Collects field errors under their paths, then refuses the body if there were any."""

    def __init__(self) -> None:
        self.errors: Json = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.errors
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: Sequence[str | int], value: Any, limit: int) -> None:
        if isinstance(value, str | list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: Sequence[str | int], value: Any) -> bool:
        if value is None or value == "":
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(400, 50035, "Invalid Form Body", self.errors)


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def check_message(body: Json, *, files: int = 0, creating: bool = True) -> None:
    """Refuse a message body (create, edit, interaction reply or follow-up) over any limit."""
    errors = FormErrors()
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(["content"], "STRING_TYPE_CONVERT", "Could not interpret value as string.")
    else:
        errors.too_long(["content"], content, CONTENT)
    _check_embeds(errors, body.get("embeds") or [])
    _check_components(errors, body.get("components") or [])
    _check_allowed_mentions(errors, body.get("allowed_mentions"))
    if files > FILES:
        errors.add(["files"], "BASE_TYPE_MAX_LENGTH", f"Must be {FILES} or fewer in length.")
    errors.raise_if_any()
    has_something = content or body.get("embeds") or files or body.get("sticker_ids") or (
        body.get("poll"))
    if creating and not has_something:
        raise empty_message()


def _check_embeds(errors: FormErrors, embeds: list[Json]) -> None:
    errors.too_long(["embeds"], embeds, EMBEDS)
    total = 0
    for index, embed in enumerate(embeds):
        path: list[str | int] = ["embeds", index]
        errors.too_long([*path, "title"], embed.get("title"), EMBED_TITLE)
        errors.too_long([*path, "description"], embed.get("description"), EMBED_DESCRIPTION)
        footer = embed.get("footer") or {}
        author = embed.get("author") or {}
        errors.too_long([*path, "footer", "text"], footer.get("text"), FOOTER)
        errors.too_long([*path, "author", "name"], author.get("name"), AUTHOR)
        fields = embed.get("fields") or []
        errors.too_long([*path, "fields"], fields, EMBED_FIELDS)
        for number, embed_field in enumerate(fields):
            where: list[str | int] = [*path, "fields", number]
            if errors.required([*where, "name"], embed_field.get("name")):
                errors.too_long([*where, "name"], embed_field["name"], FIELD_NAME)
            if errors.required([*where, "value"], embed_field.get("value")):
                errors.too_long([*where, "value"], embed_field["value"], FIELD_VALUE)
        total += sum(len(str(text or "")) for text in (
            embed.get("title"), embed.get("description"), footer.get("text"), author.get("name"),
            *(part for f in fields for part in (f.get("name"), f.get("value"))),
        ))
    if total > EMBED_TOTAL:
        errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED",
                   f"Embed size exceeds maximum size of {EMBED_TOTAL}")


def _check_components(errors: FormErrors, rows: list[Json]) -> None:
    errors.too_long(["components"], rows, ACTION_ROWS)
    seen: set[str] = set()
    for index, row in enumerate(rows):
        path: list[str | int] = ["components", index]
        if row.get("type") != ROW:
            errors.add([*path, "type"], "UNION_TYPE_CHOICES",
                       "Value of field \"type\" must be one of (1,).")
            continue
        children = row.get("components") or []
        if not children:
            errors.add([*path, "components"], "BASE_TYPE_MIN_LENGTH",
                       "Must be 1 or more in length.")
        errors.too_long([*path, "components"], children, ROW_WIDTH)
        if any(child.get("type") in SELECTS for child in children) and len(children) > 1:
            errors.add([*path, "components"], "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                       "The specified component exceeds the maximum width")
        for number, child in enumerate(children):
            _check_component(errors, [*path, "components", number], child, seen)


def _check_component(
    errors: FormErrors, path: list[str | int], component: Json, seen: set[str]
) -> None:
    kind = component.get("type")
    custom_id = component.get("custom_id")
    if kind == BUTTON:
        style = component.get("style")
        errors.too_long([*path, "label"], component.get("label"), LABEL)
        if style == LINK_STYLE:
            errors.required([*path, "url"], component.get("url"))
            if custom_id is not None:
                errors.add([*path, "custom_id"], "BUTTON_COMPONENT_CUSTOM_ID_FORBIDDEN",
                           "A custom id cannot be specified for link buttons")
            return
        if style == PREMIUM_STYLE:
            return
        if component.get("url") is not None:
            errors.add([*path, "url"], "BUTTON_COMPONENT_URL_FORBIDDEN",
                       "A url cannot be specified for non-link buttons")
        if not component.get("label") and not component.get("emoji"):
            errors.add([*path, "label"], "BASE_TYPE_REQUIRED", "This field is required")
    elif kind in SELECTS:
        errors.too_long([*path, "placeholder"], component.get("placeholder"), 150)
        options = component.get("options") or []
        errors.too_long([*path, "options"], options, SELECT_OPTIONS)
        for number, option in enumerate(options):
            errors.too_long([*path, "options", number, "label"], option.get("label"), 100)
            errors.too_long([*path, "options", number, "value"], option.get("value"), 100)
    else:
        errors.add([*path, "type"], "UNION_TYPE_CHOICES", "Unknown component type")
        return
    if not errors.required([*path, "custom_id"], custom_id) or not isinstance(custom_id, str):
        return
    errors.too_long([*path, "custom_id"], custom_id, CUSTOM_ID)
    if custom_id in seen:
        errors.add([*path, "custom_id"], "COMPONENT_CUSTOM_ID_DUPLICATED",
                   "Component custom id cannot be duplicated")
    seen.add(custom_id)


def _check_allowed_mentions(errors: FormErrors, allowed: Json | None) -> None:
    if allowed is None:
        return
    parse = allowed.get("parse") or []
    for index, kind in enumerate(parse):
        if kind not in ("everyone", "roles", "users"):
            errors.add(["allowed_mentions", "parse", index], "ENUM_TYPE_COERCE",
                       f"Value \"{kind}\" is not a valid enum value.")
    for kind in ("users", "roles"):
        listed = allowed.get(kind) or []
        errors.too_long(["allowed_mentions", kind], listed, 100)
        if kind in parse and listed:
            errors.add(["allowed_mentions"], "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                       f"parse:[\"{kind}\"] and {kind}: [ids...] are mutually exclusive.")


def check_choices(choices: Any) -> None:
    """Refuse an autocomplete answer with too many or too long choices."""
    errors = FormErrors()
    if not isinstance(choices, list):
        errors.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
        return
    errors.too_long(["data", "choices"], choices, CHOICES)
    for index, choice in enumerate(choices):
        path: list[str | int] = ["data", "choices", index]
        if errors.required([*path, "name"], choice.get("name")):
            errors.too_long([*path, "name"], choice["name"], CHOICE_TEXT)
        value = choice.get("value")
        if errors.required([*path, "value"], value):
            errors.too_long([*path, "value"], value, CHOICE_TEXT)
    errors.raise_if_any()


def check_commands(commands: Any) -> None:
    """Refuse a bulk overwrite of application commands that Discord would refuse."""
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add([], "ARRAY_TYPE_CONVERT", "Could not interpret value as array.")
        errors.raise_if_any()
        return
    errors.too_long([], commands, COMMANDS)
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(commands):
        kind = command.get("type", 1)
        _check_named(errors, [index], command, described=kind == 1)
        key = (str(command.get("name")), kind)
        if key in seen:
            errors.add([index, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME",
                       f"Application command names must be unique: {key[0]}")
        seen.add(key)
        _check_options(errors, [index, "options"], command.get("options") or [])
    errors.raise_if_any()


def _check_named(
    errors: FormErrors, path: list[str | int], item: Json, *, described: bool
) -> None:
    name = item.get("name")
    if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
        errors.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME",
                   f"Command name is invalid: {name!r}")
    description = item.get("description") or ""
    if described and not 1 <= len(description) <= 100:
        errors.add([*path, "description"], "BASE_TYPE_BAD_LENGTH",
                   "Must be between 1 and 100 in length.")


def _check_options(errors: FormErrors, path: list[str | int], options: list[Json]) -> None:
    errors.too_long(path, options, COMMAND_OPTIONS)
    optional_seen = False
    for index, option in enumerate(options):
        where = [*path, index]
        _check_named(errors, where, option, described=True)
        errors.too_long([*where, "choices"], option.get("choices") or [], CHOICES)
        if option.get("type") in (1, 2):
            _check_options(errors, [*where, "options"], option.get("options") or [])
            continue
        if option.get("required") and optional_seen:
            errors.add([*where, "required"], "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                       "Required options must be placed before non-required options")
        optional_seen = optional_seen or not option.get("required")


@dataclass(frozen=True)
class Audience:
    """Who could be pinged where the message is posted."""

    can_mention_everyone: bool
    mentionable_roles: frozenset[int]
    known_roles: frozenset[int]
    replied_user: int | None = None


def compute_pings(content: str, allowed: Json | None, audience: Audience) -> Pings:
    """The mentions in `content` that would notify someone, given `allowed_mentions`."""
    parse: Iterable[str] = ("everyone", "roles", "users") if allowed is None else (
        allowed.get("parse") or [])
    parse = set(parse)
    listed_users = {int(user) for user in (allowed or {}).get("users") or []}
    listed_roles = {int(role) for role in (allowed or {}).get("roles") or []}
    may_everyone = "everyone" in parse and audience.can_mention_everyone
    users = {int(found) for found in _USER_MENTION.findall(content)}
    roles = {int(found) for found in _ROLE_MENTION.findall(content)} & audience.known_roles
    pinged_users = {user for user in users if "users" in parse or user in listed_users}
    if audience.replied_user is not None and (allowed is None or allowed.get("replied_user")):
        pinged_users.add(audience.replied_user)
    pinged_roles = {
        role for role in roles
        if ("roles" in parse or role in listed_roles)
        and (role in audience.mentionable_roles or audience.can_mention_everyone)
    }
    return Pings(
        everyone=may_everyone and "@everyone" in content,
        here=may_everyone and "@here" in content,
        roles=frozenset(pinged_roles),
        users=frozenset(pinged_users),
    )
