"""The one place matplotlib is met: a figure in inches, a font we trust, PNG out.

Only the drawing functions import this module, so importing `tutorbot.render`
costs nothing of matplotlib. Figures are made without pyplot, so nothing global
changes and threads do not share state. Every piece of text goes through
`drawable` first: DejaVu Sans, the font matplotlib ships, lacks emoji and many
scripts, and a missing glyph would draw an empty box and warn.

A `Sheet` keeps its words apart from its shapes. Matplotlib 3.11 lays out each
text through libraqm and renders it glyph by glyph, about 3 ms a line; once
matplotlib has drawn the shapes, Pillow (which matplotlib itself requires)
letters the same line in the same font, hinted, in a tenth of that.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.patches import PathPatch
from matplotlib.path import Path as Outline
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, Transform
from PIL import Image, ImageDraw, ImageFont

from tutorbot.render import pngfile

MAX_PIXELS = 1600
"""Longest side of a picture: wide enough to read, small enough for a chat photo."""
DPI = 100
FONT_FILE = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def resolution(width: float, height: float) -> float:
    """Dots per inch a sheet of this many inches is drawn at: DPI, or fewer
    if its longer side would not fit in MAX_PIXELS."""
    return min(DPI, MAX_PIXELS / max(width, height))


@dataclass(frozen=True)
class Words:
    """A line of text, placed in inches from the top left corner down."""

    x: float
    y: float
    text: str
    size: float
    colour: str
    anchor: str = "lm"
    """Pillow's anchor: 'l', 'm' or 'r' across, then 'a' (the top of the tallest
    letters), 'm' (their middle) or 'd' (the bottom of the lowest) down."""


class Sheet:
    """A white figure drawn on in inches from the top left corner down: shapes
    through matplotlib, words lettered onto its pixels afterwards."""

    def __init__(self, width: float, height: float) -> None:
        self.figure = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.inches: Transform = (Affine2D().scale(1, -1).translate(0, height)
                                  + self.figure.dpi_scale_trans)
        self.words: list[Words] = []

    def add(self, artist: Artist) -> None:
        """Draw `artist`, in inches unless it has a transform of its own."""
        if not artist.is_transform_set():
            artist.set_transform(self.inches)
        self.figure.add_artist(artist)

    def write(self, x: float, y: float, text: str, size: float, colour: str,
              anchor: str = "lm") -> None:
        self.words.append(Words(x, y, text, size, colour, anchor))

    def glyph(self, char: str, size: float, centre: tuple[float, float]) -> None:
        """A white symbol centred on `centre`, drawn as a filled outline: unlike a
        word it must sit on a shape matplotlib draws, and as a path it costs little."""
        place = Affine2D().scale(1, -1).translate(*centre)
        self.add(PathPatch(_outline(char, size), transform=place + self.inches,
                           facecolor="white", edgecolor="none", zorder=4))

    def png(self) -> bytes:
        """The sheet as PNG, scaled down until its longer side fits in MAX_PIXELS.

        The picture is opaque, so it is written as RGB: three quarters of the
        bytes of matplotlib's RGBA to compress, which is most of the time
        writing takes.
        """
        width, height = self.figure.get_size_inches()
        dpi = resolution(width, height)
        self.figure.set_dpi(dpi)
        self.canvas.draw()  # type: ignore[no-untyped-call]
        buffer = self.canvas.buffer_rgba()  # type: ignore[no-untyped-call]
        size = (buffer.shape[1], buffer.shape[0])
        picture = Image.frombuffer("RGBA", size, buffer, "raw", "RGBA", 0, 1).convert("RGB")
        pen = ImageDraw.Draw(picture)
        for line in self.words:
            pen.text((line.x * dpi, line.y * dpi), line.text, fill=line.colour,
                     font=_letters(line.size * dpi / 72, threading.get_ident()),
                     anchor=line.anchor)
        return pngfile.encode(picture.tobytes(), *size)


@functools.cache
def _outline(char: str, size: float) -> Outline:
    """The glyph's outline in inches, centred on the origin."""
    outline = TextPath((0, 0), char, size=size / 72, prop=font(size))
    box = outline.get_extents()
    return outline.transformed(Affine2D().translate(-box.x0 - box.width / 2,
                                                    -box.y0 - box.height / 2))


@functools.lru_cache(maxsize=64)
def _letters(pixels: float, thread: int) -> ImageFont.FreeTypeFont:
    """The font at `pixels` high, one per thread, as FreeType faces are not
    safe to share; the basic layout, so the same text draws the same anywhere."""
    return ImageFont.truetype(str(FONT_FILE), pixels, layout_engine=ImageFont.Layout.BASIC)


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
