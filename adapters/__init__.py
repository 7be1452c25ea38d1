"""Frontends that carry the engine to a person: terminal, Telegram and Discord.

Each adapter converts its platform's updates into the engine's events and the
engine's replies into the platform's calls; none of them holds lesson logic.
"""
