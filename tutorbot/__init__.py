"""tutorbot: a system-design tutor that lives in chat."""

__version__ = "0.1.0"
