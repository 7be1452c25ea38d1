"""How a picture looks: a colour and a glyph per role, and colours for load.

The glyphs are symbols DejaVu Sans draws, the font matplotlib ships; it has no
colour emoji, so the catalogue's emoji stay in the text renderings. Role colours
follow Okabe and Ito's palette, which colour-blind readers can tell apart, and
keep clear of the green, amber and red that mean load.
"""

from __future__ import annotations

import itertools

ROLE_GLYPHS = {
    "entry": "☺",
    "edge": "☁",
    "balancer": "⚖",
    "compute": "⚙",
    "realtime": "⇄",
    "queue": "✉",
    "cache": "⚡",
    "database": "⛁",
    "storage": "▤",
    "observability": "◉",
}
OTHER_GLYPH = "■"

ROLE_COLOURS = {
    "entry": "#56606b",
    "edge": "#3a9bd9",
    "balancer": "#cc79a7",
    "compute": "#0072b2",
    "realtime": "#009e8a",
    "queue": "#b8860b",
    "cache": "#d18f00",
    "database": "#8c5a3c",
    "storage": "#6a4c93",
    "observability": "#7f7f7f",
}
OTHER_COLOUR = "#7f7f7f"

INK = "#1f1f1f"
MUTED = "#666666"
ALARM = "#c0001a"
EDGE_INK = "#4d4d4d"
LOOP_INK = "#8e44ad"
UNLOADED = "#f2f2f2"
DOWN = "#d6d6d6"

# Load colours, strong for bars and light for box fills, blended between stops.
_LOAD_STOPS = ((0.5, "#2e9e5b"), (0.75, "#f0a500"), (1.0, "#d62728"))
LOAD_LEGEND = ((0.5, "50%"), (0.75, "75%"), (1.0, "100%+"))


def glyph(role: str) -> str:
    return ROLE_GLYPHS.get(role, OTHER_GLYPH)


def role_colour(role: str) -> str:
    return ROLE_COLOURS.get(role, OTHER_COLOUR)


def load_colour(utilisation: float, *, light: bool = False) -> str:
    """Green when calm, amber when busy, red at or over capacity."""
    colour = _LOAD_STOPS[-1][1]
    for (low, low_colour), (high, high_colour) in itertools.pairwise(_LOAD_STOPS):
        if utilisation <= low:
            colour = low_colour
            break
        if utilisation < high:
            colour = _blend(low_colour, high_colour, (utilisation - low) / (high - low))
            break
    return tint(colour, 0.65) if light else colour


def tint(colour: str, whiteness: float) -> str:
    """The colour mixed with white; 0 leaves it, 1 makes it white."""
    return _blend(colour, "#ffffff", whiteness)


def _blend(start: str, end: str, share: float) -> str:
    a, b = _rgb(start), _rgb(end)
    mixed = (round(x + (y - x) * share) for x, y in zip(a, b, strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
