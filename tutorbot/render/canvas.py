"""The one place matplotlib is met: a figure in inches, a font we trust, PNG out.

Pillow, which matplotlib itself requires and saves through, writes the PNG.

Only the drawing functions import this module, so importing `tutorbot.render`
costs nothing of matplotlib. Figures are made without pyplot, so nothing global
changes and threads do not share state. Every piece of text goes through
`drawable` first: DejaVu Sans, the font matplotlib ships, lacks emoji and many
scripts, and a missing glyph would draw an empty box and warn.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.patches import PathPatch
from matplotlib.path import Path as Outline
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D
from PIL import Image

MAX_PIXELS = 1600
"""Longest side of a picture: wide enough to read, small enough for a chat photo."""
DPI = 100
COMPRESSION = 1
"""zlib's fastest level: a diagram is flat colour, so the file stays small anyway."""
FONT_FILE = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def blank(width: float, height: float) -> Figure:
    """A white figure `width` by `height` inches."""
    drawing = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(drawing)
    return drawing


def figure(width: float, height: float) -> Figure:
    """A blank figure `width` by `height` inches, drawn on by data in inches
    from the top left corner down."""
    drawing = blank(width, height)
    axes = drawing.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)
    axes.set_axis_off()
    return drawing


def glyph(char: str, size: float, centre: tuple[float, float], axes: Axes) -> PathPatch:
    """A white symbol centred on `centre` (in inches, y down) as a filled outline:
    drawn as a path, it costs a fraction of a text's layout and rendering."""
    outline = _outline(char, size)
    place = Affine2D().scale(1, -1).translate(*centre)
    return PathPatch(outline, transform=place + axes.transData, facecolor="white",
                     edgecolor="none", zorder=4)


@functools.cache
def _outline(char: str, size: float) -> Outline:
    """The glyph's outline in inches, centred on the origin."""
    outline = TextPath((0, 0), char, size=size / 72, prop=font(size))
    box = outline.get_extents()
    return outline.transformed(Affine2D().translate(-box.x0 - box.width / 2,
                                                    -box.y0 - box.height / 2))


def png(drawing: Figure) -> bytes:
    """The figure as PNG, scaled down until its longer side fits in MAX_PIXELS.

    The picture is opaque, so it is saved as RGB: half the bytes of matplotlib's
    RGBA to compress, which is most of the time saving takes.
    """
    width, height = drawing.get_size_inches()
    drawing.set_dpi(min(DPI, MAX_PIXELS / max(width, height)))
    raw = io.BytesIO()
    drawing.savefig(raw, format="rgba", dpi=drawing.dpi)
    size = drawing.canvas.get_width_height(physical=True)
    pixels = Image.frombytes("RGBA", size, raw.getvalue())
    out = io.BytesIO()
    pixels.convert("RGB").save(out, format="png", compress_level=COMPRESSION)
    return out.getvalue()


@functools.cache
def font(size: float) -> FontProperties:
    return FontProperties(fname=FONT_FILE, size=size)


UNITS = 100.0
"""The size glyphs are measured at; widths scale linearly from it."""


@functools.cache
def _face() -> FT2Font:
    return FT2Font(str(FONT_FILE))


@functools.cache
def _covered() -> frozenset[int]:
    return frozenset(_face().get_charmap())


def drawable(text: str, fallback: str) -> str:
    """`text` without what the font cannot draw, or `fallback` if nothing readable
    is left (a label written wholly in emoji or in a script DejaVu lacks)."""
    kept = " ".join("".join(_drawable(char) for char in text).split())
    return kept if any(char.isalnum() for char in kept) else fallback


def _drawable(char: str) -> str:
    if char.isspace():
        return " "
    if ord(char) not in _covered() or unicodedata.category(char).startswith("C"):
        return ""
    return char


def width(text: str, size: float) -> float:
    """About how wide `text` is drawn at `size` points, in inches: the glyphs'
    advances, a little generously, as kerning and hinting move them slightly."""
    return sum(_advance(char) for char in text) * size * 1.03 / 72


@functools.cache
def _advance(char: str) -> float:
    """A glyph's advance at one point, in points."""
    face = _face()
    face.set_size(UNITS, 72)
    return float(face.load_char(ord(char)).horiAdvance) / 64 / UNITS


def fit(text: str, size: float, room: float, suffix: str = "") -> str:
    """`text` and `suffix` in at most `room` inches, shortening the text with '…'."""
    whole = f"{text}{suffix}"
    if width(whole, size) <= room:
        return whole
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if width(f"{text[:middle].rstrip()}…{suffix}", size) <= room:
            low = middle
        else:
            high = middle - 1
    return f"{text[:low].rstrip()}…{suffix}"
