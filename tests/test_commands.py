"""The command grammar: every form a learner may type, every refusal, and replay."""

# The replies use the multiplication sign on purpose, as in "App Server ×8".

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorbot.content.loader import load_catalogue
from tutorbot.content.models import Catalogue, Node, Reference, Tier
from tutorbot.design.commands import Outcome, Palette, commands_for, run
from tutorbot.design.graph import Design

CONTENT = Path(__file__).resolve().parent.parent / "content"
CATALOGUE: Catalogue = load_catalogue(CONTENT)
BLOG = Palette(CATALOGUE, ["client", "lb", "app", "db_primary", "db_replica"])
CHAT = Palette(CATALOGUE, [
    "client", "cdn", "lb", "app", "websocket", "stream", "cache", "db_primary",
    "db_replica", "s3", "monitoring",
])
BLOG_SETUP = [
    "add client", "add lb", "add 8 app", "add db_primary",
    "connect client -> lb -> app -> db_primary",
]


def play(lines: list[str], palette: Palette = CHAT) -> Design:
    """A design built by commands that must all be accepted."""
    design = Design()
    for line in lines:
        outcome = run(design, palette, line)
        assert outcome.ok, (line, outcome.message)
    return design


def snapshot(design: Design) -> object:
    nodes = {n.id: (n.type, n.label, n.count, dict(n.params)) for n in design.nodes}
    return nodes, sorted(design.edges)


def counts(design: Design) -> dict[str, tuple[str, int]]:
    return {node.id: (node.type, node.count) for node in design.nodes}


# --- add -----------------------------------------------------------------------

ADDS: list[tuple[list[str], str, dict[str, tuple[str, int]], str]] = [
    # (setup, command, nodes afterwards, fragment of the reply)
    ([], "add 8 app", {"app": ("app", 8)}, "Added 🖥️ App Server ×8 as 'app'"),
    ([], "add app x8", {"app": ("app", 8)}, "×8"),
    ([], "add app X8", {"app": ("app", 8)}, "×8"),
    ([], "add app ×8", {"app": ("app", 8)}, "×8"),
    ([], "add app *8", {"app": ("app", 8)}, "×8"),
    ([], "add app * 8", {"app": ("app", 8)}, "×8"),
    ([], "add app 8", {"app": ("app", 8)}, "×8"),
    ([], "add app", {"app": ("app", 1)}, "×1"),
    ([], "add apps", {"app": ("app", 1)}, "App Server"),
    ([], "ADD 8 APP", {"app": ("app", 8)}, "×8"),
    ([], "/add 8 app", {"app": ("app", 8)}, "×8"),
    ([], "/add@TutorBot 8 app", {"app": ("app", 8)}, "×8"),
    ([], "  add 8 app.  ", {"app": ("app", 8)}, "×8"),
    ([], "add 1,000 app", {"app": ("app", 1000)}, "×1,000"),
    ([], "add 2 db_replica", {"db_replica": ("db_replica", 2)}, "Read Replica ×2"),
    ([], "add 2 db-replica", {"db_replica": ("db_replica", 2)}, "×2"),
    ([], "add 2 db_replicas", {"db_replica": ("db_replica", 2)}, "×2"),
    ([], "add 2 read replicas", {"db_replica": ("db_replica", 2)}, "×2"),
    ([], "add load balancer", {"lb": ("lb", 1)}, "Load Balancer"),
    ([], "add redis", {"cache": ("cache", 1)}, "⚡ Cache"),
    ([], "add 3 servers", {"app": ("app", 3)}, "×3"),
    ([], "add kafka", {"stream": ("stream", 1)}, "Message Stream"),
    (["add 8 app"], "add 2 app", {"app": ("app", 10)}, "App Server ×10 (2 added)"),
    (["add 8 app"], "add 2 servers", {"app": ("app", 10)}, "(2 added)"),
    (["add lb"], "add lb as ws_lb", {"lb": ("lb", 1), "ws_lb": ("lb", 1)},
     "as 'ws_lb'"),
    (["add lb"], "add lb as ws-lb", {"lb": ("lb", 1), "ws_lb": ("lb", 1)}, "ws_lb"),
    (["add lb as ws_lb"], "add 2 ws_lb", {"ws_lb": ("lb", 3)}, "(2 added)"),
    (["add lb as ws_lb"], "add lb", {"ws_lb": ("lb", 2)}, "(1 added)"),
    (["add lb", "add lb as ws_lb"], "add 2 lb as ws_lb",
     {"lb": ("lb", 1), "ws_lb": ("lb", 3)}, "(2 added)"),
]


@pytest.mark.parametrize(("setup", "command", "nodes", "fragment"), ADDS)
def test_add_forms(
    setup: list[str], command: str, nodes: dict[str, tuple[str, int]], fragment: str
) -> None:
    design = play(setup)

    outcome = run(design, CHAT, command)

    assert (outcome.ok, outcome.changed) == (True, True), outcome.message
    assert fragment in outcome.message
    assert counts(design) == nodes
    assert outcome.command == command.strip()


LABELS = [
    ('add 8 app as app "App Servers"', "app", "App Servers"),
    ("add 8 app as app 'App Servers'", "app", "App Servers"),
    ("add lb as api_lb “ALB (API)”", "api_lb", "ALB (API)"),
    ('add lb "Front door"', "lb", "Front door"),
    ('add lb as lb "Say \\"hi\\""', "lb", 'Say "hi"'),
    ("add cdn", "cdn", "CDN"),
    ('add app "   "', "app", "App Server"),
]


@pytest.mark.parametrize(("command", "node_id", "label"), LABELS)
def test_labels(command: str, node_id: str, label: str) -> None:
    design = Design()

    outcome = run(design, CHAT, command)

    node = design.node(node_id)
    assert outcome.ok, outcome.message
    assert node is not None and node.label == label


# --- remove and scale ------------------------------------------------------------

CHANGES: list[tuple[str, dict[str, tuple[str, int]], str]] = [
    # (command on the blog design, app-related nodes afterwards, fragment)
    ("remove app", {}, "Removed 🖥️ App Server (app) and its 2 connections"),
    ("rm app", {}, "Removed"),
    ("delete servers", {}, "Removed"),
    ("remove 2 app", {"app": ("app", 6)}, "App Server ×6 (2 removed)"),
    ("remove app 2", {"app": ("app", 6)}, "(2 removed)"),
    ("remove app x2", {"app": ("app", 6)}, "(2 removed)"),
    ("remove 8 app", {}, "Removed"),
    ("scale app 12", {"app": ("app", 12)}, "App Server ×12 (was 8)"),
    ("scale app to 12", {"app": ("app", 12)}, "×12"),
    ("scale app = 12", {"app": ("app", 12)}, "×12"),
    ("scale app x12", {"app": ("app", 12)}, "×12"),
    ("scale servers to 3", {"app": ("app", 3)}, "×3"),
]


@pytest.mark.parametrize(("command", "apps", "fragment"), CHANGES)
def test_remove_and_scale(
    command: str, apps: dict[str, tuple[str, int]], fragment: str
) -> None:
    design = play(BLOG_SETUP, BLOG)

    outcome = run(design, BLOG, command)

    assert (outcome.ok, outcome.changed) == (True, True), outcome.message
    assert fragment in outcome.message
    assert {k: v for k, v in counts(design).items() if v[0] == "app"} == apps
    if not apps:
        assert all("app" not in edge for edge in design.edges)


def test_scaling_to_the_same_count_is_unchanged() -> None:
    design = play(BLOG_SETUP, BLOG)

    outcome = run(design, BLOG, "scale app 8")

    assert (outcome.ok, outcome.changed) == (True, False)
    assert "already ×8" in outcome.message


# --- connect and disconnect ------------------------------------------------------

NODES = ["add client", "add lb", "add app", "add db_primary", "add db_replica"]
CONNECTS: list[tuple[str, list[tuple[str, str]]]] = [
    ("connect lb app", [("lb", "app")]),
    ("connect lb to app", [("lb", "app")]),
    ("connect lb -> app", [("lb", "app")]),
    ("connect lb → app", [("lb", "app")]),
    ("connect lb->app", [("lb", "app")]),
    ("connect lb => app", [("lb", "app")]),
    ("connect lb > app", [("lb", "app")]),
    ("connect load balancer to servers", [("lb", "app")]),
    ("connect lb, app", [("lb", "app")]),
    ("link lb app", [("lb", "app")]),
    ("Connect LB -> APP", [("lb", "app")]),
    ("connect client -> lb -> app -> db_primary",
     [("client", "lb"), ("lb", "app"), ("app", "db_primary")]),
    ("connect client lb app", [("client", "lb"), ("lb", "app")]),
    ("connect app -> db_primary, app -> db_replica",
     [("app", "db_primary"), ("db_primary", "app"), ("app", "db_replica")]),
]


@pytest.mark.parametrize(("command", "edges"), CONNECTS)
def test_connect_forms(command: str, edges: list[tuple[str, str]]) -> None:
    design = play(NODES, BLOG)

    outcome = run(design, BLOG, command)

    assert (outcome.ok, outcome.changed) == (True, True), outcome.message
    assert outcome.message.startswith("Connected")
    assert sorted(design.edges) == sorted(edges)


def test_a_chain_is_one_undo_point() -> None:
    design = play(NODES, BLOG)

    run(design, BLOG, "connect client -> lb -> app -> db_primary")
    outcome = run(design, BLOG, "undo")

    assert outcome.message == "Undid: connect client → lb → app → db_primary"
    assert design.edges == []


def test_connecting_an_existing_edge_is_ok_and_unchanged() -> None:
    design = play([*NODES, "connect lb app"], BLOG)

    again = run(design, BLOG, "connect lb -> app")
    longer = run(design, BLOG, "connect client lb app")

    assert (again.ok, again.changed) == (True, False)
    assert again.message == "Already connected: lb → app."
    assert (longer.ok, longer.changed) == (True, True)
    assert "(lb → app was already there)" in longer.message


ALL_OR_NOTHING = [
    ("connect client -> lb -> app -> cache", "there is no cache in your design yet"),
    ("connect client -> lb -> lb", "'lb' cannot connect to itself"),
    ("connect client -> lb -> aap", "did you mean 'app'?"),
    ("connect client -> lb -> worker", "this tutorial has no Worker"),
    ("disconnect client -> lb -> app", "no connection"),
]


@pytest.mark.parametrize(("command", "fragment"), ALL_OR_NOTHING)
def test_chains_are_all_or_nothing(command: str, fragment: str) -> None:
    design = play([*NODES, "add cdn", "remove cdn", "connect client lb"], CHAT)
    before, revision = snapshot(design), design.revision

    outcome = run(design, CHAT, command)

    assert (outcome.ok, outcome.changed) == (False, False)
    assert fragment in outcome.message
    assert snapshot(design) == before and design.revision == revision


@pytest.mark.parametrize("command", ["disconnect lb app", "disconnect lb -> app",
                                     "unlink lb to app"])
def test_disconnect_forms(command: str) -> None:
    design = play([*NODES, "connect client -> lb -> app"], BLOG)

    outcome = run(design, BLOG, command)

    assert (outcome.ok, outcome.changed) == (True, True), outcome.message
    assert design.edges == [("client", "lb")]


def test_names_by_id_when_a_type_has_two_nodes() -> None:
    design = play(["add client", "add lb as api_lb", "add lb as ws_lb", "add app"])

    outcome = run(design, CHAT, "connect client -> api_lb -> app")

    assert outcome.ok, outcome.message
    assert design.edges == [("client", "api_lb"), ("api_lb", "app")]


# --- set -------------------------------------------------------------------------

SETS = [
    ("set cdn hit_rate 0.9", "cdn", "hit_rate", "0.9", "hit_rate = 0.9 (90%)"),
    ("set cdn.hit_rate 0.9", "cdn", "hit_rate", "0.9", "0.9"),
    ("set cache.hit_rate 92%", "cache", "hit_rate", "0.92", "0.92 (92%)"),
    ("set cache hit_rate = 0.92", "cache", "hit_rate", "0.92", "0.92"),
    ("set cache hit_rate to .92", "cache", "hit_rate", "0.92", "0.92"),
    ("set cache hit_rate 92 %", "cache", "hit_rate", "0.92", "0.92"),
    ("set cache hit_rate 1", "cache", "hit_rate", "1", "(100%)"),
    ("set cache hit_rate 0%", "cache", "hit_rate", "0", "(0%)"),
    ("set redis hit-rate 0.5", "cache", "hit_rate", "0.5", "0.5"),
    ("set cache ttl_s 300", "cache", "ttl_s", "300", "ttl_s = 300"),
    ("set cache ttl_s 300s", "cache", "ttl_s", "300", "300"),
    ("set cache ttl_s 5m", "cache", "ttl_s", "300", "300"),
    ("set cache ttl 1h", "cache", "ttl_s", "3600", "3600"),
    ("set cache ttl_s 2 min", "cache", "ttl_s", "120", "120"),
    ("set cache ttl_s 1.5m", "cache", "ttl_s", "90", "90"),
    ("set cdn ttl_s 1d", "cdn", "ttl_s", "86400", "86400"),
    ("set stream partitions 100", "stream", "partitions", "100", "= 100"),
    ("set kafka partitions 1,000", "stream", "partitions", "1000", "= 1000"),
    ("set app zones 3", "app", "zones", "3", "= 3"),
]


@pytest.mark.parametrize(("command", "node_id", "param", "value", "fragment"), SETS)
def test_set_forms(
    command: str, node_id: str, param: str, value: str, fragment: str
) -> None:
    design = play(["add cdn", "add cache", "add stream", "add app"])

    outcome = run(design, CHAT, command)

    node = design.node(node_id)
    assert (outcome.ok, outcome.changed) == (True, True), outcome.message
    assert fragment in outcome.message
    assert node is not None and node.params == {param: Decimal(value)}


# --- refusals --------------------------------------------------------------------

HUGE = "9" * 400
REFUSALS: list[tuple[list[str], str, str]] = [
    # (setup, command, fragment of the one-line refusal)
    ([], "ad 8 app", "'ad 8 app' — did you mean 'add 8 app'?"),
    ([], "shw", "did you mean 'show'?"),
    ([], "conect lb app", "did you mean 'connect lb app'?"),
    ([], "app", "did you mean 'add app'?"),
    ([], "frobnicate the thing", "I don't know 'frobnicate' — 'help' lists commands"),
    ([], "add 8 aap", "'aap' is not a component here — did you mean 'app'?"),
    ([], "add 8 frobnicator", "it offers client, lb, app, db_primary, db_replica"),
    ([], "add worker", "this tutorial has no Worker (worker); it offers client, lb"),
    ([], "add redis", "this tutorial has no Cache (cache)"),
    ([], "add 0 app", "'0' is not a count — use a whole number from 1 to 10,000"),
    ([], "add -3 app", "'-3' is not a count — use a whole number from 1 to 10,000"),
    ([], "add 10^9 app", "'10^9' is not a count"),
    ([], "add 1e9 app", "'1e9' is not a count"),
    ([], "add 1000000000 app", "'1000000000' is not a count"),
    ([], "add 10001 app", "from 1 to 10,000"),
    ([], "add lots app", "'lots' is not a count"),
    ([], "add app lots", "'lots' is not a count"),
    ([], "add 1.5 app", "'1.5' is not a count"),
    ([], f"add {HUGE} app", "a 400-character number is not a count — use a whole"),
    ([], f"add app x{HUGE}", "a 400-character number is not a count"),
    (["add 8 app"], "add 9999 app", "a component's total must be between 1 and"),
    ([], "add 2 app x3", "give the count once"),
    ([], "add 8", "add which component?"),
    ([], "add", "add which component?"),
    ([], "add lb as", "an id follows 'as' — e.g. 'add lb as ws_lb'"),
    ([], "add lb as app", "'app' already means something else; choose another id"),
    ([], "add lb as to", "choose another id, e.g. 'lb_2'"),
    ([], "add lb as 9lives", "an id is up to 40 lower-case letters"),
    (["add app as ws_lb"], "add lb as ws_lb", "'ws_lb' is already a app"),
    (["add lb as api_lb", "add lb as ws_lb"], "add lb",
     "there are 2 lb nodes (api_lb, ws_lb)"),
    ([], 'add app as app "App', "a quote is not closed"),
    ([], "add 8 app as app App Servers",
     "I don't follow 'app servers' at the end — e.g. 'add 8 app as app \"App"),
    ([], 'add app "' + "x" * 90 + '"', "a label has 1 to 80 characters"),
    ([], "remove cache", "this tutorial has no Cache"),
    ([], "remove db_replica", "there is no db_replica in your design yet"),
    (BLOG_SETUP, "remove 9 app",
     "'app' has only 8 instances; 'remove 8 app' removes them all"),
    (BLOG_SETUP, "remove 0 app", "'0' is not a count"),
    (BLOG_SETUP, "remove", "remove which component?"),
    (BLOG_SETUP, "scale app", "scale which component to how many?"),
    (BLOG_SETUP, "scale app to 0", "'0' is not a count"),
    (BLOG_SETUP, "scale app to 20000", "from 1 to 10,000"),
    (BLOG_SETUP, "connect lb db_replica",
     "there is no db_replica in your design yet — 'add db_replica' first"),
    (BLOG_SETUP, "connect app app", "'app' cannot connect to itself"),
    (BLOG_SETUP, "connect lb", "name two components — e.g. 'connect lb -> app'"),
    (BLOG_SETUP, "connect lb -> -> app", "I don't follow '->' there"),
    (BLOG_SETUP, "connect lb \"app\"", "I don't follow 'app' there"),
    (BLOG_SETUP, "disconnect client app", "there is no connection client → app"),
    (BLOG_SETUP, "set app zones 9",
     "'9' won't do: zones is a whole number from 1 to 6"),
    (BLOG_SETUP, "set app zones 2.5", "zones is a whole number"),
    (BLOG_SETUP, "set client zones 2", "Client has no parameters to set"),
    (BLOG_SETUP, "set app", "set which parameter of what to what?"),
    (BLOG_SETUP, "set app zones", "set which parameter of what to what?"),
    (BLOG_SETUP, "set app color blue", "no parameter 'color' — its parameters: zones"),
    (BLOG_SETUP, "set app zone 2.5", "zones is a whole number"),
    ([], "undo", "nothing to undo yet"),
    ([], "show me", "I don't follow 'me' at the end — e.g. 'show'"),
    ([], "help frob", "I don't know 'frob'"),
    ([], "", "that was empty — type a command such as 'add app', or 'help'"),
    ([], "   ", "that was empty"),
    ([], "/", "I read commands that start with a word"),
    ([], "🚀🚀", "I read commands that start with a word — type a command"),
    ([], "42", "I read commands that start with a word"),
    ([], "-> app", "I read commands that start with a word"),
    ([], "x" * 501, "over 500 characters"),
    ([], "add " + "9" * 5000 + " app", "over 500 characters"),
    ([], "add app\x00", "control characters"),
    ([], "add\x1b[31m app", "control characters"),
    ([], "add \u202eppa", "control characters"),
    ([], "add \ud800 app", "control characters"),
    ([], "add app\nadd lb", "one command at a time"),
]
CHAT_REFUSALS: list[tuple[list[str], str, str]] = [
    (["add cache"], "set cache hit_rate 92", "hit_rate is a fraction — did you mean "
                                             "92% (0.92)?"),
    (["add cache"], "set cache hit_rate 150",
     "'150' won't do: hit_rate is a fraction from 0 to 1, such as 0.9 or 90%"),
    (["add cache"], "set cache hit_rate 120%", "a fraction from 0 to 1"),
    (["add cache"], "set cache hit_rate -0.1", "a fraction from 0 to 1"),
    (["add cache"], "set cache hit_rate 0.5s", "a fraction from 0 to 1"),
    (["add cache"], "set cache ttl_s 2000000",
     "ttl_s is seconds from 1 to 604,800, such as 300, 300s, 5m, 1h"),
    (["add cache"], "set cache ttl_s soon", "'soon' won't do: ttl_s is seconds"),
    (["add cache"], "set cache ttl_s 5 fortnights", "ttl_s is seconds"),
    (["add cache"], "set cache ttl_s 0", "ttl_s is seconds from 1"),
    (["add cache"], f"set cache ttl_s {HUGE}", "that won't do: ttl_s is seconds"),
    (["add stream"], "set stream partitions 1.5",
     "partitions is a whole number from 1 to 1,000"),
    (["add cache"], "set cache hitrate 0.5",
     "Cache has no parameter 'hitrate' — did you mean 'hit_rate'? its parameters: "
     "hit_rate, ttl_s, zones"),
    (["add cache"], "set cache.hitrate 0.5", "did you mean 'hit_rate'?"),
    (["add cache"], "set redis.color 0.5", "its parameters: hit_rate, ttl_s, zones"),
    ([], "set cache hit_rate 0.5", "there is no cache in your design yet"),
    (["add cache"], "set cahce hit_rate 0.5", "did you mean 'cache'?"),
]


def assert_refused(
    design: Design, palette: Palette, command: str, fragment: str
) -> None:
    before, revision = snapshot(design), design.revision

    outcome = run(design, palette, command)

    assert not outcome.ok, outcome.message
    assert not outcome.changed
    assert fragment in outcome.message
    assert "\n" not in outcome.message
    assert snapshot(design) == before and design.revision == revision


@pytest.mark.parametrize(("setup", "command", "fragment"), REFUSALS)
def test_refusals(setup: list[str], command: str, fragment: str) -> None:
    assert_refused(play(setup, BLOG), BLOG, command, fragment)


@pytest.mark.parametrize(("setup", "command", "fragment"), CHAT_REFUSALS)
def test_refusals_of_params(setup: list[str], command: str, fragment: str) -> None:
    assert_refused(play(setup, CHAT), CHAT, command, fragment)


@pytest.mark.parametrize("command", [f"add {HUGE} app", f"set cache ttl_s {HUGE}"])
def test_a_huge_number_is_never_echoed(command: str) -> None:
    design = play(["add cache"])

    outcome = run(design, CHAT, command)

    assert "9999999999999" not in outcome.message


def test_ambiguous_names_list_the_ids() -> None:
    design = play(["add client", "add lb as api_lb", "add lb as ws_lb"])

    outcome = run(design, CHAT, "connect client lb")

    assert outcome.message == (
        "there are 2 lb nodes (api_lb, ws_lb) — name one by its id, e.g. 'api_lb'"
    )


# --- undo, reset, show, check, help ------------------------------------------------

UNDOS = [
    (["add 8 app"], "Undid: add 8 app"),
    (["add app x8", "add 2 app"], "Undid: add 2 app"),
    (["add lb as ws_lb"], "Undid: add 1 lb as ws_lb"),
    (["add lb", "add app", "connect lb -> app"], "Undid: connect lb → app"),
    (["add lb", "add app", "connect lb app", "disconnect lb app"],
     "Undid: disconnect lb → app"),
    (["add cache", "set redis hit_rate 92%"], "Undid: set cache hit_rate 0.92"),
    (["add 8 app", "remove 2 app"], "Undid: remove 2 app"),
    (["add 8 app", "remove servers"], "Undid: remove app"),
    (["add 8 app", "scale app to 3"], "Undid: scale app 3"),
    (["add 8 app", "reset"], "Undid: reset"),
]


@pytest.mark.parametrize(("lines", "message"), UNDOS)
def test_undo_names_what_it_undid(lines: list[str], message: str) -> None:
    design = play(lines[:-1])
    before = snapshot(design)
    play_into(design, lines[-1:])

    outcome = run(design, CHAT, "undo")

    assert (outcome.ok, outcome.changed, outcome.message) == (True, True, message)
    assert snapshot(design) == before


def play_into(design: Design, lines: list[str]) -> None:
    for line in lines:
        assert run(design, CHAT, line).ok


def test_a_refusal_leaves_nothing_to_undo() -> None:
    design = play(["add 8 app"])
    run(design, CHAT, "add 0 app")

    outcome = run(design, CHAT, "undo")
    again = run(design, CHAT, "undo")

    assert outcome.message == "Undid: add 8 app"
    assert not again.ok and "nothing to undo" in again.message


def test_reset_clears_and_is_undoable() -> None:
    design = play([*BLOG_SETUP, "set app zones 2"])
    before = snapshot(design)

    cleared = run(design, BLOG, "reset")
    empty = snapshot(design)
    undone = run(design, BLOG, "undo")

    assert (cleared.ok, cleared.changed) == (True, True)
    assert "'undo' brings it back" in cleared.message
    assert empty == ({}, [])
    assert undone.ok and snapshot(design) == before


def test_reset_of_an_empty_design_is_unchanged() -> None:
    outcome = run(Design(), BLOG, "clear")

    assert (outcome.ok, outcome.changed) == (True, False)
    assert outcome.message == "Your design is already empty."


def test_show_renders_nodes_params_and_connections() -> None:
    design = play([*BLOG_SETUP, 'add lb as ws_lb "WS LB"', "set app zones 2",
                   "connect app -> lb"], CHAT)

    outcome = run(design, CHAT, "show")

    assert (outcome.ok, outcome.changed) == (True, False)
    assert outcome.message.splitlines() == [
        "👤 Client (client) ×1",
        "⚖️ Load Balancer (lb) ×1",
        "🖥️ App Server (app) ×8 · zones=2",
        "🗄️ Primary Database (db_primary) ×1",
        "⚖️ WS LB (ws_lb) ×1",
        "Connections:",
        "  client → lb",
        "  lb → app",
        "  app → db_primary, lb",
    ]


@pytest.mark.parametrize(("palette", "message"), [
    (BLOG, "Your design is empty — start with 'add client'."),
    (Palette(CATALOGUE, []), "Your design is empty — start with 'add app'."),
])
def test_show_of_an_empty_design(palette: Palette, message: str) -> None:
    assert run(Design(), palette, "show").message == message


def test_show_without_connections() -> None:
    design = play(["add app"])

    assert run(design, CHAT, "show").message.endswith("No connections yet.")


def test_check_reports_the_tiers() -> None:
    tiers = [
        Tier.model_validate({"id": "T1", "title": "Balanced", "emoji": "⚖️", "rules": [
            {"kind": "must_include", "component": "lb"}]}),
        Tier.model_validate({"id": "T2", "title": "Scaled", "emoji": "📈", "rules": [
            {"kind": "min_count", "component": "app", "count": 7}]}),
    ]
    palette = Palette(CATALOGUE, ["lb", "app"], tiers)
    design = play(["add lb", "add 3 app"], palette)

    outcome = run(design, palette, "check")

    assert (outcome.ok, outcome.changed) == (True, False)
    assert "T1" in outcome.message and "T2" in outcome.message
    assert "you have 3" in outcome.message


def test_check_without_tiers() -> None:
    outcome = run(Design(), BLOG, "check")

    assert (outcome.ok, outcome.message) == (True, "There are no tiers to check here.")


def test_help_lists_every_command_and_the_components() -> None:
    outcome = run(Design(), BLOG, "help")

    assert (outcome.ok, outcome.changed) == (True, False)
    for verb in ["add", "remove", "scale", "connect", "disconnect", "set", "show",
                 "check", "undo", "reset", "help"]:
        assert f"\n  {verb} " in outcome.message
    assert "Components here: client, lb, app, db_primary, db_replica" in outcome.message


HELPS = [
    ("help add", ["add [count] <component>", "add 8 app", "add lb as ws_lb"]),
    ("help connect", ["connect <a>", "connect client -> lb -> app -> db_primary"]),
    ("help rm", ["remove [count] <component>", "remove 2 app"]),
    ("help set", ["set cache.hit_rate 92%"]),
    ("/help undo", ["undo — take back the last change"]),
    ("help sett", ["did you mean 'set'?"]),
]


@pytest.mark.parametrize(("command", "fragments"), HELPS)
def test_help_for_one_command(command: str, fragments: list[str]) -> None:
    outcome = run(Design(), BLOG, command)

    for fragment in fragments:
        assert fragment in outcome.message


# --- replaying a reference ---------------------------------------------------------


def test_commands_for_rebuild_the_reference() -> None:
    reference = Reference(
        description="Two balancers in front of the chat.",
        nodes=[
            Node(id="users", type="client", label="100K Users"),
            Node(id="edge", type="cdn", label="CloudFront",
                 params={"hit_rate": Decimal("0.9"), "ttl_s": Decimal(86400)}),
            Node(id="api_lb", type="lb", label="ALB (API)"),
            Node(id="ws_lb", type="lb", label='NLB "WebSocket"', count=2),
            Node(id="api", type="app", label="API Servers", count=25,
                 params={"zones": Decimal(3)}),
            Node(id="cache", type="cache", label="Redis \\ Cluster",
                 params={"hit_rate": Decimal("0.95")}),
            Node(id="stream", type="stream", label="Kafka",
                 params={"partitions": Decimal(100)}),
        ],
        edges=[("users", "edge"), ("edge", "api_lb"), ("edge", "ws_lb"),
               ("api_lb", "api"), ("api", "cache"), ("api", "stream")],
    )
    design = Design()

    outcomes = [run(design, CHAT, line) for line in commands_for(reference)]

    assert [o.message for o in outcomes if not o.ok] == []
    assert snapshot(design) == (
        {n.id: (n.type, n.label, n.count, dict(n.params)) for n in reference.nodes},
        sorted(reference.edges),
    )


# --- nothing a learner types raises --------------------------------------------------

WORDS = [
    "add", "remove", "rm", "scale", "connect", "disconnect", "set", "show", "check",
    "undo", "reset", "help", "/add", "as", "to", "app", "apps", "lb", "ws_lb",
    "db-replica", "read", "replica", "redis", "kafka", "client", "cdn", "worker",
    "cache.hit_rate", "hit_rate", "ttl_s", "zones", "partitions", "92%", "5m", "1h",
    "0.9", ".5", "-3", "1,000", "10^9", "x8", "×", "*", "->", "→", "=", ">", ",",
    '"App Servers"', "“ALB”", "'", '"', "\\", "🚀", "",
]
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=6),
)
COMMANDS = st.one_of(
    st.text(),
    st.lists(TOKENS, max_size=10).map(" ".join),
    st.lists(TOKENS, max_size=10).map("".join),
)


def populated() -> Design:
    design = Design()
    nodes = [("client", "client", 1), ("lb", "lb", 1), ("ws_lb", "lb", 2),
             ("app", "app", 8), ("cache", "cache", 1), ("db_primary", "db_primary", 1)]
    for node_id, type_, count in nodes:
        design.add(node_id, type_, type_.title(), count)
    for source, target in [("client", "lb"), ("lb", "app"), ("app", "cache")]:
        design.connect(source, target)
    return design


def check_outcome(design: Design, text: str) -> None:
    before = snapshot(design)

    outcome = run(design, CHAT, text)

    assert isinstance(outcome, Outcome)
    assert outcome.command == text.strip()
    if not outcome.ok:
        assert "\n" not in outcome.message and len(outcome.message) <= 300
        assert not outcome.changed and snapshot(design) == before
    if snapshot(design) != before:
        assert outcome.changed


@settings(max_examples=2000, deadline=None)
@given(COMMANDS)
def test_run_never_raises_on_an_empty_design(text: str) -> None:
    check_outcome(Design(), text)


@settings(max_examples=2000, deadline=None)
@given(COMMANDS)
def test_run_never_raises_on_a_populated_design(text: str) -> None:
    check_outcome(populated(), text)


def test_a_palette_leaves_out_types_the_catalogue_lacks() -> None:
    palette = Palette(CATALOGUE, ["app", "mongo"])

    outcome = run(Design(), palette, "add mongo")

    assert palette.offered == ("app",)
    assert outcome.message == "'mongo' is not a component here — it offers app"
