"""Pictures of a design: every reference design drawn as PNG and as text, a
deliberately messy design drawn within bounds, and the import kept light."""

from __future__ import annotations

import io
import itertools
import math
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator

import pytest
from sample_designs import chain, wide

from tutorbot.content import Catalogue, Tutorial, load_content
from tutorbot.design.commands import Palette, commands_for, run
from tutorbot.design.graph import MAX_INSTANCES, MAX_LABEL, Design
from tutorbot.render import Overlay, alt_text, render_png, render_text, utilisation_chart
from tutorbot.render.layout import layer
from tutorbot.render.plan import LABEL_SIZE, LEGIBLE_PIXELS, Passage, Place, Plan, Tag, plan
from tutorbot.render.scene import scene
from tutorbot.render.text import ALT_LIMIT, TEXT_LIMIT

CONTENT = load_content()
CATALOGUE: Catalogue = CONTENT.catalogue
TUTORIALS = list(CONTENT.tutorials.values())
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def reference(tutorial: Tutorial) -> Design:
    design = Design()
    palette = Palette.for_tutorial(CATALOGUE, tutorial)
    for command in commands_for(tutorial.reference):
        outcome = run(design, palette, command)
        assert outcome.ok, (command, outcome.message)
    return design


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking it is one."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def messy() -> Design:
    """Cycles, isolated nodes, 46 nodes, 10,000 instances, long and foreign labels."""
    design = Design()
    types = [component.type for component in CATALOGUE.components]
    for index in range(46):
        label = f"Node {index} " + "with a very long label " * 4
        design.add(f"n{index}", types[index % len(types)], label[:MAX_LABEL], 1 + index * 7)
    design.add("huge", "app", "服务器 🚀 $x^2$ fleet", MAX_INSTANCES)
    design.add("emoji", "cache", "🚀🚀🚀", 3)
    design.add("alone", "monitoring", "Nobody talks to me", 1)
    design.add("mystery", "quantum", "Not in the catalogue", 2)
    for index in range(45):
        design.connect(f"n{index}", f"n{index + 1}")
    for source, target in [("n10", "n2"), ("n30", "n0"), ("n45", "n20"), ("n0", "huge"),
                           ("huge", "n44"), ("emoji", "n5"), ("n7", "mystery")]:
        design.connect(source, target)
    for index in range(5, 42, 3):
        design.connect("n1", f"n{index}")
    return design


def busy(design: Design) -> Overlay:
    return Overlay({node.id: index / 10 for index, node in enumerate(design.nodes)},
                   {"huge": "4,000 req/s"}, bottleneck="huge", failed={"n3": 1})


def overlaps(one: Place, other: Place) -> bool:
    return (one.left < other.right and other.left < one.right
            and one.top < other.bottom and other.top < one.bottom)


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[None]:
    """Rendering must not warn: a missing glyph, for one, is a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- the reference designs -------------------------------------------------------


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.id)
def test_reference_design_renders_as_a_sensible_png(tutorial: Tutorial) -> None:
    design = reference(tutorial)

    width, height = png_size(render_png(design, CATALOGUE, title=tutorial.title))

    assert 400 <= width <= 1600
    assert 300 <= height <= 1600
    assert 1 / 3 <= width / height <= 3


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.id)
def test_an_overlay_changes_the_picture(tutorial: Tutorial) -> None:
    design = reference(tutorial)
    app = design.nodes_of("app")[0].id
    overlay = Overlay({app: 1.11}, {app: "111% · 1,000 req/s"}, bottleneck=app,
                      failed={app: 1})

    plain = render_png(design, CATALOGUE)
    loaded = render_png(design, CATALOGUE, overlay)

    png_size(loaded)
    assert loaded != plain


def test_the_same_design_draws_the_same_bytes() -> None:
    design = reference(TUTORIALS[0])

    assert render_png(design, CATALOGUE) == render_png(design, CATALOGUE)


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.id)
def test_reference_design_as_text_shows_every_node_and_edge(tutorial: Tutorial) -> None:
    design = reference(tutorial)

    text = render_text(design, CATALOGUE)

    for node in design.nodes:
        component = CATALOGUE.get(node.type)
        assert component is not None
        line = next(line for line in text.splitlines() if f"({node.id})" in line
                    or line.strip().startswith(f"{component.emoji} {node.label}"))
        assert component.emoji in line
        if node.count > 1:
            assert f"×{node.count}" in line
    connections = text.split("Connections:\n")[1]
    for source, target in design.edges:
        assert any(source in chain and target in chain.split(source, 1)[1]
                   for chain in connections.splitlines()), (source, target)
    assert len(text) <= TEXT_LIMIT


def test_blog_text_reads_from_client_to_storage() -> None:
    design = reference(CONTENT.tutorial("tutorial-simple-blog"))

    text = render_text(design, CATALOGUE)

    assert text.splitlines() == [
        "1. 👤 Blog Readers (client)",
        "2. ⚖️ Load Balancer (lb)",
        "3. 🖥️ App Servers ×8 (app)",
        "4. 🗄️ Primary DB (db_primary)",
        "   📚 Read Replica (db_replica)",
        "Connections:",
        "client → lb → app ×8 → db_primary, db_replica",
    ]


def test_text_marks_the_bottleneck_with_its_figure_and_failures() -> None:
    design = reference(CONTENT.tutorial("tutorial-simple-blog"))
    overlay = Overlay({"app": 1.11, "lb": 0.2}, {"app": "111% · 1,000 req/s"},
                      bottleneck="app", failed={"app": 2, "ghost": 1})

    text = render_text(design, CATALOGUE, overlay)
    alt = alt_text(design, CATALOGUE, overlay)

    app_line = next(line for line in text.splitlines() if "(app)" in line)
    assert "111% · 1,000 req/s" in app_line
    assert "⚠️ bottleneck" in app_line
    assert "2 of 8 down" in app_line
    assert "20%" in next(line for line in text.splitlines() if "(lb)" in line)
    assert sum("bottleneck" in line for line in text.splitlines()) == 1
    assert "Bottleneck: App Servers (app) at 111% · 1,000 req/s." in alt


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.id)
def test_alt_text_is_one_bounded_paragraph_naming_every_label(tutorial: Tutorial) -> None:
    design = reference(tutorial)

    alt = alt_text(design, CATALOGUE)

    assert "\n" not in alt
    assert len(alt) <= ALT_LIMIT
    assert alt.startswith(f"Architecture diagram of {len(design.nodes)} components")
    for node in design.nodes:
        assert node.label[:20] in alt


# --- awkward designs -----------------------------------------------------------------


def test_a_messy_design_renders_quickly_and_within_bounds() -> None:
    design = messy()
    overlay = busy(design)

    start = time.perf_counter()
    picture = render_png(design, CATALOGUE, overlay, title="🚀 " + "long title " * 30)
    text = render_text(design, CATALOGUE, overlay)
    alt = alt_text(design, CATALOGUE, overlay)
    chart = utilisation_chart([(node.id, node.count / 100) for node in design.nodes])
    elapsed = time.perf_counter() - start

    width, height = png_size(picture)
    assert max(width, height) <= 1600
    assert 1 / 3 <= width / height <= 3
    assert max(png_size(chart)) <= 1600
    assert len(text) <= TEXT_LIMIT
    assert len(alt) <= ALT_LIMIT
    assert "more" in text
    assert elapsed < 10


def test_a_messy_design_as_text_counts_instances_and_cuts_long_labels() -> None:
    design = messy()

    text = render_text(design, CATALOGUE, limit=100_000)

    assert "×10,000 (huge)" in text
    assert "Not connected:" in text and "Nobody talks to me (alone)" in text
    assert "Loops back up: " in text
    assert all(len(line) < 200 for line in text.splitlines())
    assert "with a very long label with a very long label with" not in text


def test_cycles_are_broken_by_turning_round_the_edges_that_point_back() -> None:
    edges = [("client", "app"), ("app", "db"), ("db", "app"), ("db", "client")]

    laid_out = layer(["client", "app", "db"], edges, {"client"})

    assert laid_out.layers == (("client",), ("app",), ("db",))
    assert laid_out.upward == {("db", "app"), ("db", "client")}


def test_long_edges_get_waypoints_and_loose_nodes_are_set_aside() -> None:
    edges = [("a", "b"), ("b", "c"), ("a", "c")]

    laid_out = layer(["a", "b", "c", "lonely"], edges, {"a"})

    assert laid_out.layers == (("a",), ("b",), ("c",))
    assert laid_out.loose == ("lonely",)
    assert len(laid_out.path(("a", "c"))) == 3


def test_barycentre_ordering_uncrosses_a_crossed_pair() -> None:
    edges = [("top1", "low2"), ("top2", "low1")]

    laid_out = layer(["top1", "top2", "low1", "low2"], edges, set())

    assert laid_out.layers == (("top1", "top2"), ("low2", "low1"))


def test_an_empty_design_still_renders() -> None:
    design = Design()

    assert "nothing to draw" in render_text(design, CATALOGUE)
    assert alt_text(design, CATALOGUE)
    png_size(render_png(design, CATALOGUE))


# --- large designs stay legible ----------------------------------------------------


LARGE = {
    "a chain 44 deep": (chain, False),
    "a 30-wide layer of 49 boxes": (wide, False),
    "the messy design": (messy, False),
    "the messy design, simulated": (messy, True),
}


@pytest.mark.parametrize(("make", "simulated"), LARGE.values(), ids=LARGE.keys())
def test_a_large_design_is_drawn_within_the_cap_at_a_legible_size(
        make: Callable[[], Design], simulated: bool) -> None:
    design = make()
    drawn = scene(design, CATALOGUE, busy(design) if simulated else None)

    planned = plan(drawn, titled=True)
    width, height = png_size(render_png(design, CATALOGUE, busy(design) if simulated else None,
                                        title="A large design"))

    dpi = width / planned.width
    assert max(width, height) <= 1600
    assert 1 / 3 <= width / height <= 3
    assert height == pytest.approx(planned.height * dpi, abs=1)
    assert LABEL_SIZE * dpi / 72 >= LEGIBLE_PIXELS


@pytest.mark.parametrize(("make", "simulated"), LARGE.values(), ids=LARGE.keys())
def test_a_large_design_draws_every_box_once_and_none_on_another(
        make: Callable[[], Design], simulated: bool) -> None:
    design = make()
    drawn = scene(design, CATALOGUE, busy(design) if simulated else None)

    planned = plan(drawn, titled=False)

    assert sorted(planned.boxes) == sorted(node.id for node in design.nodes)
    for (one, here), (other, there) in itertools.combinations(planned.places.items(), 2):
        if isinstance(one, Passage) and isinstance(other, Passage):
            assert here.x != there.x or here.top != there.top, (one, other)
        else:
            assert not overlaps(here, there), (one, other)
    for place in planned.places.values():
        assert place.left >= 0 and place.right <= planned.width
        assert place.top >= 0 and place.bottom <= planned.height


@pytest.mark.parametrize(("make", "simulated"), LARGE.values(), ids=LARGE.keys())
def test_every_edge_runs_from_its_box_to_its_box_through_the_gaps(
        make: Callable[[], Design], simulated: bool) -> None:
    design = make()
    drawn = scene(design, CATALOGUE, busy(design) if simulated else None)

    planned = plan(drawn, titled=False)

    assert set(planned.routes) == set(design.edges)
    for edge, pieces in planned.routes.items():
        upper, lower = sorted(edge, key=drawn.layering.depth.__getitem__)
        assert pieces[0][0] == upper and pieces[-1][-1] == lower
        for piece in pieces:
            tops = [planned.places[item].top for item in piece]
            assert tops == sorted(tops) and len(set(tops)) == len(tops), edge
            assert all(isinstance(item, Passage) for item in piece[1:-1])
        if len(pieces) == 2:
            leaving, arriving = pieces[0][-1], pieces[1][0]
            assert isinstance(leaving, Tag) and isinstance(arriving, Tag)
            assert lower in leaving.text and upper in arriving.text


def test_a_deep_chain_flows_on_in_columns_joined_by_tags() -> None:
    drawn = scene(chain(), CATALOGUE)

    planned = plan(drawn, titled=False)

    tags = sorted(item.text for item in planned.places if isinstance(item, Tag))
    assert planned.columns > 1
    assert len(tags) == 2 * (planned.columns - 1)
    assert all(planned.boxes[f"s{index}"].top < planned.boxes[f"s{index + 1}"].top
               or planned.boxes[f"s{index}"].x < planned.boxes[f"s{index + 1}"].x
               for index in range(42))


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.id)
def test_a_reference_design_stands_in_one_column_at_full_size(tutorial: Tutorial) -> None:
    planned: Plan = plan(scene(reference(tutorial), CATALOGUE), titled=True)

    assert planned.columns == 1
    assert planned.dpi == 100
    assert not any(isinstance(item, Tag) for item in planned.places)


def test_a_label_in_a_large_picture_is_lettered_legibly() -> None:
    from PIL import Image

    design = chain()
    planned = plan(scene(design, CATALOGUE), titled=False)
    picture = Image.open(io.BytesIO(render_png(design, CATALOGUE))).convert("L")

    dpi = picture.width / planned.width
    box = planned.boxes["s20"]
    band = picture.crop((round((box.left + 0.58) * dpi), round((box.top + 0.06) * dpi),
                         round((box.right - 0.1) * dpi), round((box.top + 0.33) * dpi)))
    ink = band.point(lambda value: 255 if value < 110 else 0).getbbox()
    assert ink is not None
    assert ink[3] - ink[1] >= LEGIBLE_PIXELS - 1  # 'S' down to 'g' of "Stage 20 ×21"


def test_a_large_design_draws_the_same_bytes_every_time() -> None:
    design = messy()

    assert render_png(design, CATALOGUE, busy(design)) == render_png(design, CATALOGUE,
                                                                     busy(design))


# --- pixels and words ---------------------------------------------------------------


def test_the_png_writer_round_trips_through_pillow() -> None:
    from PIL import Image

    from tutorbot.render import pngfile

    pixels = bytes((index * 7) % 256 for index in range(5 * 3 * 3))

    data = pngfile.encode(pixels, 5, 3)

    decoded = Image.open(io.BytesIO(data))
    assert png_size(data) == (5, 3)
    assert decoded.mode == "RGB"
    assert decoded.tobytes() == pixels


def test_the_png_writer_refuses_pixels_of_the_wrong_size() -> None:
    from tutorbot.render import pngfile

    with pytest.raises(ValueError, match="are not 5×3 RGB pixels"):
        pngfile.encode(bytes(44), 5, 3)


@pytest.mark.parametrize(("width", "spot"), [(6.0, (2.0, 1.0)), (32.0, (20.0, 4.0))],
                         ids=["at 100 dpi", "shrunk to 1,600 px"])
def test_words_are_lettered_where_they_are_placed(width: float,
                                                   spot: tuple[float, float]) -> None:
    from PIL import Image

    from tutorbot.render import canvas

    sheet = canvas.Sheet(width, 8.0)
    sheet.write(*spot, "App Servers ×8", 9.5, "#000000")

    picture = Image.open(io.BytesIO(sheet.png())).convert("L")

    dpi = picture.width / width
    x, y = spot[0] * dpi, spot[1] * dpi
    assert dpi == min(100, 1600 / width)
    ink = picture.point(lambda value: 255 - value).getbbox()
    assert ink is not None
    left, top, right, bottom = ink
    assert left == pytest.approx(x, abs=2)
    assert top < y < bottom
    assert right - left == pytest.approx(canvas.width("App Servers ×8", 9.5) * dpi, rel=0.1)


# --- the utilisation chart -------------------------------------------------------------


@pytest.mark.parametrize("rows", [
    [("app", 0.83), ("db_primary", 0.4)],
    [("app", 1.11), ("cache", math.nan), ("stream", math.inf), ("s3", 0.0)],
    [],
    [(f"component {index}", index / 20) for index in range(60)],
], ids=["calm", "odd figures", "empty", "many rows"])
def test_utilisation_chart_is_a_sensible_png(rows: list[tuple[str, float]]) -> None:
    width, height = png_size(utilisation_chart(rows, title="Simple blog, peak"))

    assert 400 <= width <= 1600
    assert 100 <= height <= 1600


def test_the_chart_changes_with_the_figures() -> None:
    assert utilisation_chart([("app", 0.5)]) != utilisation_chart([("app", 1.5)])


# --- importing -------------------------------------------------------------------------


def test_importing_render_leaves_matplotlib_and_networkx_unloaded() -> None:
    code = ("import sys, tutorbot.render; "
            "print('matplotlib' in sys.modules, 'networkx' in sys.modules)")

    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)

    assert found.stdout.split() == ["False", "False"]
