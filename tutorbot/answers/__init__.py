"""Checking learners' answers: safe reading of numbers, units, slips, short texts."""

from tutorbot.answers.judge import Verdict, judge

__all__ = ["Verdict", "judge"]
