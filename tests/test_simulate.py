"""Running designs: the tutorials' own figures reproduced, bottlenecks named with
their numbers, peaks and failures changing what they should, and bad input
answered in one line."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorbot.checker import check
from tutorbot.content import content_root, load_content
from tutorbot.content.models import Simulation, Traffic, Tutorial
from tutorbot.design import commands
from tutorbot.design.graph import Design
from tutorbot.design.simulate import (
    BadFailure,
    BadLoadFactor,
    DesignLoop,
    Failure,
    NoSuchComponent,
    NotConnected,
    SimulationResult,
    parse_failure,
    parse_load,
    simulate,
)
from tutorbot.errors import InputError

CONTENT = load_content()
CATALOGUE = CONTENT.catalogue
BLOG = CONTENT.tutorials["tutorial-simple-blog"]
IMAGES = CONTENT.tutorials["tutorial-intermediate-images"]
CHAT = CONTENT.tutorials["tutorial-advanced-chat"]
WALKTHROUGH = CONTENT.tutorials["boe-walkthrough-chat"]


def build(tutorial: Tutorial, lines: list[str]) -> Design:
    """A design made by typing `lines`, as a learner would."""
    design = Design()
    palette = commands.Palette.for_tutorial(CATALOGUE, tutorial)
    for line in lines:
        outcome = commands.run(design, palette, line)
        assert outcome.ok, outcome.message
    return design


def reference(tutorial: Tutorial) -> Design:
    return build(tutorial, commands.commands_for(tutorial.reference))


def run(tutorial: Tutorial, design: Design | None = None,
        **options: Any) -> SimulationResult:
    return simulate(design or reference(tutorial), tutorial, CATALOGUE, **options)


# --- every reference runs ----------------------------------------------------------


@pytest.mark.parametrize("tutorial", CONTENT.tutorials.values(), ids=lambda t: t.id)
def test_every_reference_runs_serving_all_its_traffic(tutorial: Tutorial) -> None:
    result = run(tutorial)

    assert all(t.served == t.offered for t in result.traffic)
    assert result.bottleneck is not None
    assert result.max_load_factor is not None and result.max_load_factor >= 1
    assert result.p50_ms is not None and result.p99_ms is not None
    assert result.p50_ms <= result.p99_ms
    assert result.cost_per_month > 0
    assert 0.99 < result.availability < 1


@pytest.mark.parametrize("tutorial", CONTENT.tutorials.values(), ids=lambda t: t.id)
def test_every_reference_has_the_json_shape_tools_rely_on(tutorial: Tutorial) -> None:
    document = run(tutorial).to_json()

    assert {"components", "bottleneck", "max_load_factor", "latency_ms", "cost_per_month",
            "availability", "single_points_of_failure"} <= document.keys()
    assert set(document["latency_ms"]) == {"p50", "p99"}
    for component in document["components"]:
        assert {"id", "type", "instances", "load", "capacity", "utilisation"} <= component.keys()
    ids = {component["id"] for component in document["components"]}
    assert document["bottleneck"] in ids
    assert set(document["single_points_of_failure"]) <= ids


# --- the source's figures -------------------------------------------------------------


def test_blog_runs_its_eight_app_servers_at_83_percent() -> None:
    result = run(BLOG)

    app = result.component("app")
    assert app.load == pytest.approx(1000, rel=0.01)
    assert app.capacity == pytest.approx(1200, rel=0.01)
    assert app.utilisation == pytest.approx(0.833, rel=0.01)
    assert result.bottleneck == "app"
    assert result.utilisation["app"] == app.utilisation


def test_blog_takes_a_1_2x_spike_and_its_peak_fills_the_app_tier() -> None:
    normal = run(BLOG)
    peak = run(BLOG, peak=True)

    assert normal.max_load_factor == pytest.approx(1.2, rel=0.01)
    assert peak.component("app").load == pytest.approx(1200, rel=0.01)
    assert peak.component("app").utilisation == pytest.approx(1.0, rel=0.01)
    assert peak.p99_ms is None  # no steady state at 100%


def test_blog_losing_one_of_eight_app_servers_still_has_enough_capacity() -> None:
    result = run(BLOG, fail=Failure("app", 1))

    app = result.component("app")
    assert app.instances == 7
    assert app.capacity == pytest.approx(1050, rel=0.01)
    assert app.utilisation == pytest.approx(1000 / 1050, rel=0.01)
    assert not app.overloaded
    assert all(t.served == t.offered for t in result.traffic)
    assert "still works: reads, writes" in result.describe()


def test_blog_reads_go_to_the_replica_and_writes_to_the_primary() -> None:
    result = run(BLOG)

    assert result.component("db_replica").load == pytest.approx(900)
    assert result.component("db_primary").load == pytest.approx(100)


def test_image_service_sends_80_queries_a_second_to_the_database() -> None:
    # The source's arithmetic counts all 10,000 requests as views:
    # 10,000 × 10% CDN miss × 8% cache miss = 80.
    views_only = Simulation(peak_factor=IMAGES.simulation.peak_factor,  # type: ignore[union-attr]
                            traffic=[Traffic(kind="read", rate=10_000)])
    tutorial = IMAGES.model_copy(update={"simulation": views_only})

    result = run(tutorial)

    assert result.component("db_replica").load == pytest.approx(80, rel=0.01)


def test_image_service_with_its_uploads_matches_the_lesson() -> None:
    result = run(IMAGES)

    # 9,500 views × 10% × 8% = 76 reads; the 500 uploads write to the primary.
    assert result.component("db_replica").load == pytest.approx(76, rel=0.01)
    assert result.component("db_primary").load == pytest.approx(500, rel=0.01)
    # The lesson: 950 misses + 500 uploads = 1,450 of 2,400, 60%.
    assert result.component("app").load == pytest.approx(1450, rel=0.01)
    assert result.component("app").utilisation == pytest.approx(0.604, rel=0.01)
    # The analysis: P50 18 ms from the CDN, P99 85 ms on a cache miss.
    assert result.p50_ms == pytest.approx(18, rel=0.01)
    assert result.p99_ms == pytest.approx(85, rel=0.01)


def test_image_service_peak_needs_three_more_app_servers() -> None:
    result = run(IMAGES, peak=True)

    app = result.component("app")
    assert app.load == pytest.approx(2900, rel=0.01)
    assert result.bottleneck == "app"
    assert "add 3 servers" in result.describe()
    assert result.p50_ms == pytest.approx(18, rel=0.01)  # the CDN still answers most


def test_walkthrough_peak_matches_its_analysis() -> None:
    result = run(WALKTHROUGH, peak=True)

    assert result.component("app").utilisation == pytest.approx(7500 / 12000, rel=0.01)
    assert result.component("read_api").utilisation == pytest.approx(75000 / 115000, rel=0.01)
    replicas = result.component("db_replica")
    assert replicas.load == pytest.approx(11250, rel=0.01)
    assert replicas.capacity == pytest.approx(60000, rel=0.01)
    assert result.component("stream").utilisation == pytest.approx(0.90, rel=0.01)
    assert result.component("worker").utilisation == pytest.approx(0.25, rel=0.01)


def test_walkthrough_normal_load_uses_a_fifth_of_each_pool() -> None:
    result = run(WALKTHROUGH)

    assert result.component("app").utilisation == pytest.approx(2500 / 12000, rel=0.01)
    assert result.component("read_api").utilisation == pytest.approx(25000 / 115000, rel=0.01)
    assert result.p50_ms == pytest.approx(51, rel=0.01)  # 50 ms API + 1 ms cache hit


def test_walkthrough_cache_failure_fits_normal_reads_but_not_the_peak() -> None:
    normal = run(WALKTHROUGH, fail=Failure("cache"))
    peak = run(WALKTHROUGH, peak=True, fail=Failure("cache"))

    assert normal.component("db_replica").load == pytest.approx(25000, rel=0.01)
    assert not normal.component("db_replica").overloaded
    assert peak.component("db_replica").load == pytest.approx(75000, rel=0.01)
    assert peak.component("db_replica").overloaded
    assert peak.bottleneck == "db_replica"


def test_walkthrough_losing_a_zone_of_api_servers_still_carries_the_peak() -> None:
    writes = run(WALKTHROUGH, peak=True, fail=Failure("app", 4))
    reads = run(WALKTHROUGH, peak=True, fail=Failure("read_api", 8))

    assert writes.component("app").capacity == pytest.approx(8000, rel=0.01)
    assert not writes.component("app").overloaded
    assert reads.component("read_api").capacity == pytest.approx(75000, rel=0.01)
    assert reads.component("read_api").utilisation == pytest.approx(1.0, rel=0.01)


def test_advanced_chat_websockets_hold_the_connections_until_the_peak() -> None:
    normal = run(CHAT)
    peak = run(CHAT, peak=True)

    assert normal.component("websocket").utilisation == pytest.approx(100 / 120, rel=0.01)
    assert normal.component("stream").load == pytest.approx(50000, rel=0.01)
    assert peak.component("websocket").load == pytest.approx(150000, rel=0.01)
    assert peak.bottleneck == "websocket"
    assert "add 3 servers" in peak.describe()


# --- a learner's own designs ------------------------------------------------------------

BLOG_SIX = [
    "add client", "add lb", "add 6 app", "add db_primary", "add db_replica",
    "connect client lb", "connect lb app", "connect app db_primary",
    "connect app db_replica",
]


def test_one_server_short_shows_the_app_tier_as_the_bottleneck_with_its_numbers() -> None:
    result = run(BLOG, build(BLOG, BLOG_SIX))

    assert result.bottleneck == "app"
    assert result.component("app").utilisation == pytest.approx(1000 / 900, rel=0.001)
    assert "app: 1,000 req/s offered, 900 capacity, 111% — add 1 server" in result.describe()
    assert result.max_load_factor == pytest.approx(0.9, rel=0.001)
    assert result.p99_ms is None


def test_without_a_replica_reads_go_to_the_primary() -> None:
    design = build(BLOG, [*BLOG_SIX[:4], "connect client lb", "connect lb app",
                          "connect app db_primary"])

    result = run(BLOG, design)

    assert result.component("db_primary").load == pytest.approx(1000)


def test_a_larger_load_factor_scales_every_load() -> None:
    normal = run(BLOG)
    doubled = run(BLOG, load=2.0)

    for before, after in zip(normal.components, doubled.components, strict=True):
        assert after.load == pytest.approx(2 * before.load)
    assert doubled.component("app").overloaded
    assert doubled.max_load_factor == pytest.approx(0.6, rel=0.01)


def test_failing_the_primary_breaks_writes_and_nothing_else() -> None:
    result = run(BLOG, fail=Failure("db_primary"))

    writes = next(t for t in result.traffic if t.kind == "write")
    reads = next(t for t in result.traffic if t.kind == "read")
    assert writes.served == 0 and reads.served == reads.offered
    assert result.component("db_primary").down
    assert "breaks: 100 req/s of writes have nowhere to go" in result.describe()
    assert result.availability == 0


def test_failing_the_replica_sends_reads_to_the_primary() -> None:
    result = run(BLOG, fail=Failure("db_replica"))

    assert result.component("db_primary").load == pytest.approx(1000)
    assert "reads now end at db_primary instead of db_replica" in result.describe()


def test_failing_a_type_by_name_finds_its_only_node() -> None:
    result = run(IMAGES, fail=Failure("cdn"))

    assert all(t.served == 0 for t in result.traffic)


# --- cost and availability against hand calculations -------------------------------------


def test_blog_cost_is_every_instance_at_its_catalogue_price() -> None:
    result = run(BLOG)

    # ALB $80; 8 × t3.medium at $0.0416 × 730 = $30.368; 2 × db.t3.small at $24.82.
    assert result.cost_per_month == pytest.approx(80 + 8 * 30.368 + 2 * 24.82)
    assert result.component("app").cost_per_month == pytest.approx(242.944)


def test_blog_availability_is_series_across_tiers_parallel_within() -> None:
    result = run(BLOG)

    lb, app, primary, replica = 0.9999, 1 - 0.01**8, 0.9995, 0.9995
    assert result.availability == pytest.approx(lb * app * primary * replica, rel=1e-9)
    assert result.availability == pytest.approx(0.999, abs=0.0002)  # the analysis: 99.9%
    assert result.single_points_of_failure == ("lb", "db_primary", "db_replica")


def test_a_second_load_balancer_removes_it_from_the_single_points() -> None:
    design = reference(BLOG)
    build_more = commands.Palette.for_tutorial(CATALOGUE, BLOG)
    assert commands.run(design, build_more, "add 1 lb").ok

    result = run(BLOG, design)

    assert "lb" not in result.single_points_of_failure
    assert result.availability > run(BLOG).availability


def test_walkthrough_standby_primary_counts_for_availability_not_for_writes() -> None:
    result = run(WALKTHROUGH)

    primary = result.component("db_primary")
    assert primary.capacity == pytest.approx(10000)  # one active instance
    assert "db_primary" not in result.single_points_of_failure


# --- designs that cannot run ----------------------------------------------------------------


def test_a_design_with_no_path_to_storage_is_explained_not_simulated() -> None:
    design = build(BLOG, ["add client", "add lb", "add 8 app", "connect client lb",
                          "connect lb app"])

    with pytest.raises(NotConnected, match="nothing connects the client"):
        run(BLOG, design)


def test_an_empty_design_is_explained() -> None:
    with pytest.raises(NotConnected, match="empty"):
        run(BLOG, Design())


def test_a_loop_is_named_with_the_connection_to_remove() -> None:
    design = reference(BLOG)
    assert commands.run(design, commands.Palette.for_tutorial(CATALOGUE, BLOG),
                        "connect app lb").ok

    with pytest.raises(DesignLoop, match=r"lb → app → lb.*'disconnect app lb'"):
        run(BLOG, design)


BAD = [
    ({"load": 1_000_000.0}, BadLoadFactor, "not 1,000,000"),
    ({"load": -1.0}, BadLoadFactor, "above 0"),
    ({"load": 0.0}, BadLoadFactor, "above 0"),
    ({"load": math.nan}, BadLoadFactor, "not nan"),
    ({"fail": Failure("cache")}, NoSuchComponent, "no 'cache' in your design"),
    ({"fail": Failure("app", 9)}, BadFailure, "only 8 instances"),
    ({"fail": Failure("app", 0)}, BadFailure, "at least one"),
    ({"fail": Failure("client")}, BadFailure, "where the traffic comes from"),
]


@pytest.mark.parametrize(("options", "error", "fragment"), BAD)
def test_bad_requests_get_a_one_line_answer(options: dict[str, object],
                                            error: type[InputError], fragment: str) -> None:
    with pytest.raises(error, match=fragment) as raised:
        run(BLOG, **options)

    assert "\n" not in str(raised.value)


PHRASES = [("2x", 2.0), ("2", 2.0), ("1.5x", 1.5), ("×3", 3.0), ("150%", 1.5), (" 10 ", 10.0)]


@pytest.mark.parametrize(("text", "factor"), PHRASES)
def test_load_factors_read_as_learners_write_them(text: str, factor: float) -> None:
    assert parse_load(text) == factor


@pytest.mark.parametrize("text", ["1000000x", "0", "-2", "abc", "2xx", ""])
def test_unusable_load_factors_are_refused(text: str) -> None:
    with pytest.raises(BadLoadFactor):
        parse_load(text)


@pytest.mark.parametrize(("text", "failure"), [
    ("app", Failure("app")), ("app 2", Failure("app", 2)), ("App:3", Failure("app", 3)),
])
def test_failures_read_as_learners_write_them(text: str, failure: Failure) -> None:
    assert parse_failure(text) == failure


def test_an_unreadable_failure_says_how_to_write_it() -> None:
    with pytest.raises(BadFailure, match="'fail app 2'"):
        parse_failure("app two three")


# --- size and robustness -----------------------------------------------------------------------


def test_a_design_at_the_size_limits_runs_quickly() -> None:
    lines = ["add client", "add lb", "connect client lb", "add db_primary"]
    for i in range(46):
        lines += [f"add 200 app as app_{i}", f"connect lb app_{i}", f"connect app_{i} db_primary"]
    lines += ["add 800 db_replica", "connect app_0 db_replica"]
    design = build(BLOG, lines)

    start = time.perf_counter()
    result = run(BLOG, design, peak=True, fail=Failure("app_3", 100))
    elapsed = time.perf_counter() - start

    assert len(result.components) == 49
    assert elapsed < 1.0


TYPES = ["client", "cdn", "lb", "app", "websocket", "stream", "cache", "db_primary",
         "db_replica", "s3", "monitoring", "worker"]


@st.composite
def designs(draw: st.DrawFn) -> tuple[Design, float, Failure | None, bool]:
    design = Design()
    count = draw(st.integers(1, 7))
    for i in range(count):
        type_ = draw(st.sampled_from(TYPES))
        design.add(f"n{i}", type_, type_, draw(st.integers(1, 10_000)))
        if type_ in ("cache", "cdn"):
            design.set_param(f"n{i}", "hit_rate", draw(st.decimals(0, 1, places=2)))
    for _ in range(draw(st.integers(0, 12))):
        source, target = draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))
        if source != target:
            design.connect(f"n{source}", f"n{target}")
    factor = draw(st.floats(-10, 2000) | st.just(math.nan) | st.sampled_from([1.0, 2.0]))
    fail = draw(st.none() | st.builds(Failure, st.sampled_from([f"n{i}" for i in range(9)]),
                                      st.none() | st.integers(-1, 20_000)))
    return design, factor, fail, draw(st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs(), st.sampled_from(list(CONTENT.tutorials.values())))
def test_random_designs_raise_nothing_but_input_errors(
    case: tuple[Design, float, Failure | None, bool], tutorial: Tutorial
) -> None:
    design, factor, fail, peak = case

    try:
        result = simulate(design, tutorial, CATALOGUE, load=factor, peak=peak, fail=fail)
    except InputError as error:
        assert str(error) and "\n" not in str(error)
        return

    assert result.describe()
    for value in result.utilisation.values():
        assert value >= 0
    assert 0 <= result.availability <= 1


# --- the content block ----------------------------------------------------------------------


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    """Problems the checker finds after replacing `old` by `new` in the blog's file."""
    root = tmp_path / "content"
    shutil.copytree(content_root(), root)
    path = root / "tutorials" / "tutorial-simple-blog.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(problem) for problem in check(root)]


CONTENT_MISTAKES = [
    ("{kind: read, rate: read_qps,", "{kind: read, rate: read_qpss,",
     "simulation.traffic[0].rate: unknown constant 'read_qpss'"),
    ("{kind: read, rate: read_qps,", "{kind: reads, rate: read_qps,",
     "simulation.traffic[0].kind: Input should be 'read', 'write'"),
    ("{component: app, per_instance:", "{component: apps, per_instance:",
     "simulation.capacity[0].component: 'apps' is not among this tutorial's components"),
    ("{kind: write, rate: write_qps,", "{kind: read, rate: write_qps,",
     "simulation.traffic[1]: a second 'read' entry"),
    ("  peak_factor: 1.2\n", "  peak_factor: 0\n", "simulation.peak_factor: must be above 0"),
]


@pytest.mark.parametrize(("old", "new", "expected"), CONTENT_MISTAKES)
def test_mistakes_in_the_simulation_block_name_file_and_path(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    problems = broken(tmp_path, old, new)

    assert any("tutorials/tutorial-simple-blog.yaml" in p and expected in p
               for p in problems), problems
