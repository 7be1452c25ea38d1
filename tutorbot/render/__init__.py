"""Pictures of a design: a PNG diagram, the same graph as text, a utilisation chart.

Importing this package costs nothing of matplotlib or networkx; the functions
that need them import them when first called.
"""

from tutorbot.render.chart import utilisation_chart
from tutorbot.render.overlay import Overlay
from tutorbot.render.picture import render_png
from tutorbot.render.text import alt_text, render_text

__all__ = ["Overlay", "alt_text", "render_png", "render_text", "utilisation_chart"]
