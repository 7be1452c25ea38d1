"""Telegram's flood limits as token buckets: per chat, per group chat and for the whole bot.

The buckets refill continuously, the way python-telegram-bot's AIORateLimiter spends
them, so a bot that honours that limiter is never refused by the group or overall
bucket. The per-chat bucket applies to every chat, groups included.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """How fast the bot may send; tests tighten or relax these."""

    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    overall_per_second: int = 30
    count_edits: bool = True

    @classmethod
    def relaxed(cls) -> Limits:
        """Limits no test reaches, for tests about something else."""
        return cls(
            chat_per_second=1e6, chat_burst=10**6, group_per_minute=10**8,
            overall_per_second=10**6,
        )


@dataclass
class TokenBucket:
    """Holds up to `capacity` tokens and gains `rate` tokens a second."""

    capacity: float
    rate: float
    clock: Callable[[], float]
    tokens: float = field(init=False)
    updated: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    def wait(self) -> float:
        """Seconds until one token is available."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class FloodControl:
    """Decides whether one more message may go to a chat now, and if not, for how long."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._overall = TokenBucket(limits.overall_per_second, limits.overall_per_second, clock)
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, TokenBucket] = {}

    def retry_after(self, chat_id: int, *, group: bool) -> int:
        """0 after spending a token from every bucket concerned, else whole seconds to wait."""
        limits = self.limits
        chat = self._bucket(self._chats, chat_id, limits.chat_burst, limits.chat_per_second)
        buckets = [self._overall, chat]
        if group:
            per_minute = limits.group_per_minute
            buckets.append(self._bucket(self._groups, chat_id, per_minute, per_minute / 60))
        wait = max(bucket.wait() for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take()
        return 0

    def _bucket(
        self, buckets: dict[int, TokenBucket], chat_id: int, capacity: float, rate: float
    ) -> TokenBucket:
        if chat_id not in buckets:
            buckets[chat_id] = TokenBucket(capacity, rate, self._clock)
        return buckets[chat_id]
