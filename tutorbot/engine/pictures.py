"""Runs and pictures of a learner's design, for the dialogue and for `Engine.draw`.

A run (`simulate`, `fail app 2`) is quick and answered inside the turn. Its
picture, like the one `show` sends, is slow, so the turn only asks for it with
a `Drawing`, and `draw` makes it afterwards from the design's commands alone.
"""

from __future__ import annotations

from tutorbot.content.loader import Content
from tutorbot.content.models import Checkpoint, Tutorial
from tutorbot.design import commands, simulate
from tutorbot.design.graph import Design
from tutorbot.engine.messages import Drawing, Image, Reply
from tutorbot.render import Overlay, alt_text, render_png, render_text


def run_reply(content: Content, tutorial: Tutorial, design: Design, text: str) -> Reply:
    """The answer to `simulate …` or `fail …`: the figures, and a picture to draw."""
    try:
        run = simulate.parse_run(text)
        result = _simulated(content, tutorial, design, run)
    except simulate.SimulationError as error:
        return Reply(f"✗ {error}")
    drawing = Drawing(tutorial.id, tuple(commands.commands_for(design)), run.command)
    return Reply(result.describe(), drawing=drawing)


def reveal_reply(content: Content, tutorial: Tutorial, checkpoint: Checkpoint) -> Reply | None:
    """Predict, then reveal: the figure the learner just predicted, run for real on
    the reference design, with its picture; None when the checkpoint reveals nothing."""
    reveal = checkpoint.reveal
    if reveal is None:
        return None
    result = simulate.reference_run(tutorial, content.catalogue, reveal.run)
    shown = result.component(reveal.component)
    figure = f"{shown.load:,.0f} {shown.unit}"
    if shown.capacity and shown.utilisation is not None:
        share = shown.utilisation
        digits = 1 if share < 0.1 else 0
        figure += f" of the {shown.capacity:,.0f} it can take ({share:.{digits}%})"
    run = simulate.parse_run(reveal.run)
    drawing = Drawing(tutorial.id, tuple(commands.commands_for(tutorial.reference)),
                      run.command)
    return Reply(f"🔬 Let's check: `{reveal.run}` on the reference design. "
                 f"{shown.emoji} **{shown.name}** gets **{figure}**.", drawing=drawing)


def draw(content: Content, drawing: Drawing) -> Image:
    """The picture a `Drawing` asks for (raises only on a bug or a stale drawing)."""
    tutorial = content.tutorial(drawing.tutorial_id)
    palette = commands.Palette.for_tutorial(content.catalogue, tutorial)
    design = commands.build(palette, drawing.design)
    overlay, title = None, tutorial.title
    if drawing.run:
        result = _simulated(content, tutorial, design, simulate.parse_run(drawing.run))
        overlay = _overlay(design, result)
        title = f"Simulated: {result.phase}"
    catalogue = content.catalogue
    return Image(
        render_png(design, catalogue, overlay, title=title),
        alt_text(design, catalogue, overlay),
        f"{tutorial.id}.png",
        render_text(design, catalogue, overlay),
    )


def _simulated(content: Content, tutorial: Tutorial, design: Design,
               run: simulate.Run) -> simulate.SimulationResult:
    return simulate.simulate(design, tutorial, content.catalogue, load=run.load,
                             peak=run.peak, fail=run.fail)


def _overlay(design: Design, result: simulate.SimulationResult) -> Overlay:
    failed = {}
    for component in result.components:
        node = design.node(component.id)
        if node is None:
            continue
        lost = node.count if component.down else node.count - component.instances
        if lost > 0:
            failed[component.id] = lost
    return Overlay(utilisation=result.utilisation, bottleneck=result.bottleneck, failed=failed)
