"""What the dialogue engine reads and writes about a learner, free of any database type.

The record itself is defined beside the engine's other ports, so the engine can
use it without importing this package and its database libraries.
"""

from tutorbot.engine.ports import ProgressRecord

__all__ = ["ProgressRecord"]
