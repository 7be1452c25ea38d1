"""Checking learners' answers: safe reading of numbers, units, slips, short texts.

`judge.judge` is the entry point; the reader and units import only the standard
library, so they stay cheap to load on their own.
"""
