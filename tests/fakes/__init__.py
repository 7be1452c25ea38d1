"""Fakes of the chat platforms at their network boundary, for tests that run the real clients."""
