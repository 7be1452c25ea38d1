"""The design as text, for the terminal, screen readers and a picture's alt text.

One line per box, numbered by layer from the client down, then the connections
as chains (`client → lb → app ×8 → db_primary, db_replica`), each edge said
once. Both renderings stay within a length a chat message or an image
description allows, saying what was left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tutorbot.content.models import Catalogue
from tutorbot.design.graph import Design
from tutorbot.render.layout import Edge
from tutorbot.render.overlay import Overlay
from tutorbot.render.scene import Box, Scene, scene

TEXT_LIMIT = 1900
"""Characters of a text picture: under Discord's 2,000 per message."""
ALT_LIMIT = 1000
"""Characters of alt text: under the 1,024 Discord and Telegram allow."""
LABEL_LIMIT = 32
LINE_WIDTH = 100
"""Characters a line of connections runs to before it goes on below."""
ARROW = " → "
BOTTLENECK = "⚠️ bottleneck"


def render_text(design: Design, catalogue: Catalogue, overlay: Overlay | None = None,
                *, limit: int = TEXT_LIMIT) -> str:
    """A compact text picture: boxes layer by layer, then the connections."""
    drawn = scene(design, catalogue, overlay)
    if not drawn.boxes:
        return "An empty design: nothing to draw yet."
    boxes = []
    for number, layer in enumerate(drawn.layering.layers, start=1):
        prefix = f"{number}. "
        for index, node_id in enumerate(layer):
            lead = prefix if index == 0 else " " * len(prefix)
            boxes.append(lead + _box_line(drawn.boxes[node_id]))
    if drawn.layering.loose:
        boxes.append("Not connected:")
        boxes += ["   " + _box_line(drawn.boxes[node_id]) for node_id in drawn.layering.loose]
    links = ["Connections:", *_chains(drawn, counted=True)] if drawn.edges else []
    if drawn.layering.upward:
        links.append("Loops back up: " + ", ".join(_arrows(drawn, drawn.layering.upward)))
    if not drawn.edges:
        links.append("No connections yet.")
    return _fit(boxes, links, limit)


def alt_text(design: Design, catalogue: Catalogue, overlay: Overlay | None = None,
             *, limit: int = ALT_LIMIT) -> str:
    """One paragraph describing the picture, for screen readers."""
    drawn = scene(design, catalogue, overlay)
    if not drawn.boxes:
        return "An empty architecture diagram."
    layers = drawn.layering.layers
    size = f"{_many(len(drawn.boxes), 'component')} in {_many(len(layers), 'layer')}"
    sentences = [f"Architecture diagram of {size}, top to bottom: " + "; ".join(
        _and([_spoken(drawn.boxes[node_id]) for node_id in layer]) for layer in layers
    ) + "."] if layers else [f"Architecture diagram of {_many(len(drawn.boxes), 'component')}."]
    if drawn.edges:
        sentences.append("Arrows: " + "; ".join(_chains(drawn, counted=False)) + ".")
    if drawn.layering.upward:
        sentences.append("Loops back up: " + ", ".join(_arrows(drawn, drawn.layering.upward))
                         + ".")
    loose = [_spoken(drawn.boxes[node_id]) for node_id in drawn.layering.loose]
    if loose:
        sentences.append(f"Not connected: {_and(loose)}.")
    sentences += _overlay_sentences(drawn)
    return _cut(" ".join(sentences), limit)


def _label(box: Box) -> str:
    label = " ".join(box.label.split())
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1].rstrip() + "…"


def _box_line(box: Box) -> str:
    parts = [box.emoji, _label(box), box.times]
    if _label(box).lower() != box.id:
        parts.append(f"({box.id})")
    line = " ".join(part for part in parts if part)
    if box.figure is not None:
        line += f": {box.figure}"
    if box.bottleneck:
        line += f" {BOTTLENECK}"
    if box.failed:
        line += " — " + _down(box)
    return line


def _spoken(box: Box) -> str:
    words = " ".join(part for part in (_label(box), box.times) if part)
    if box.figure is not None:
        words += f" at {box.figure}"
    return words


def _down(box: Box) -> str:
    if box.all_down:
        return "down" if box.count == 1 else f"all {box.count:,} down"
    return f"{box.failed:,} of {box.count:,} down"


def _overlay_sentences(drawn: Scene) -> list[str]:
    sentences = []
    for box in drawn.boxes.values():
        if box.bottleneck:
            at = f" at {box.figure}" if box.figure else ""
            sentences.append(f"Bottleneck: {_label(box)} ({box.id}){at}.")
    down = [f"{_label(box)} ({_down(box)})" for box in drawn.boxes.values() if box.failed]
    if down:
        sentences.append(f"Failed: {'; '.join(down)}.")
    return sentences


def _chains(drawn: Scene, *, counted: bool) -> list[str]:
    """Every downward edge once, as chains that run on while a node has one target."""
    order = [node_id for layer in drawn.layering.layers for node_id in layer]
    place = {node_id: index for index, node_id in enumerate(order)}
    targets: dict[str, list[str]] = {}
    for source, target in drawn.edges:
        if (source, target) not in drawn.layering.upward:
            targets.setdefault(source, []).append(target)

    def name(node_id: str) -> str:
        times = drawn.boxes[node_id].times
        return f"{node_id} {times}" if counted and times else node_id

    chains = []
    for start in order:
        if start not in targets:
            continue
        chain, node = name(start), start
        while node in targets:
            ends = sorted(targets.pop(node), key=place.__getitem__)
            if len(chain) + len(ARROW) + len(name(ends[0])) > LINE_WIDTH and chain != name(node):
                chains.append(chain)
                chain = name(node)
            groups = _groups([name(end) for end in ends], LINE_WIDTH - len(chain) - len(ARROW))
            chains += [chain + ARROW + group for group in groups[:-1]]
            chain += ARROW + groups[-1]
            if len(ends) > 1:
                break
            node = ends[0]
        chains.append(chain)
    return chains


def _groups(names: Sequence[str], width: int) -> list[str]:
    """Names joined by commas into lines of about `width` characters."""
    groups = [names[0]]
    for item in names[1:]:
        if len(groups[-1]) + 2 + len(item) > width:
            groups.append(item)
        else:
            groups[-1] += ", " + item
    return groups


def _arrows(drawn: Scene, edges: Iterable[Edge]) -> list[str]:
    order = {edge: index for index, edge in enumerate(drawn.edges)}
    return [ARROW.join(edge) for edge in sorted(edges, key=order.__getitem__)]


def _fit(boxes: list[str], links: list[str], limit: int) -> str:
    """Both parts whole if they fit; else the boxes get at least half the room."""
    if _length(boxes) + _length(links) + 1 <= limit:
        return "\n".join(boxes + links)
    room = max(limit // 2, limit - _length(links) - 1)
    kept_boxes = _first_lines(boxes, room, "component lines")
    kept_links = _first_lines(links, limit - _length(kept_boxes) - 1, "connection lines")
    return "\n".join(kept_boxes + kept_links)


def _first_lines(lines: Sequence[str], room: int, what: str) -> list[str]:
    """As many whole lines as fit in `room`, and a note of how many were left out."""
    if _length(lines) <= room:
        return list(lines)
    kept: list[str] = []
    for index, line in enumerate(lines):
        note = f"… and {len(lines) - index:,} more {what}"
        if _length([*kept, line, note]) > room:
            fitted = _cut(line, max(room - _length(kept) - len(note) - 2, 0))
            return [*kept, *([fitted] if len(fitted) > 1 else []), note]
        kept.append(line)
    return kept


def _length(lines: Sequence[str]) -> int:
    return sum(len(line) for line in lines) + max(len(lines) - 1, 0)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"


def _many(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
