"""The lessons as data: the component catalogue and the tutorials, validated on load."""

from tutorbot.content.loader import Content, content_root, load_content
from tutorbot.content.models import Catalogue, Component, Tutorial

__all__ = ["Catalogue", "Component", "Content", "Tutorial", "content_root", "load_content"]
