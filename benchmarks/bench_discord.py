"""Benchmark: the Discord frontend through the fake Discord on 127.0.0.1.

Learners, each in their own lesson thread, run a script of slash commands and
button presses (open the blog, start, answer, build, check, help, progress) with
1 and with 200 of them at once. It measures interactions handled per second and
the time from an interaction's dispatch to its first response (the callback
Discord must have within 3 s), on durable SQLite. The same is measured for a
bare discord.py client that answers a command at once, the floor that discord.py
and the fake cost anyway, and our figures are printed as ratios of it. Last, the
database is made slow (every turn waits 2.5 s before it starts) to show that the
acknowledgement still comes in time, by deferring.

The fake and the bot share one process and one event loop, so the figures include
the fake's own work.  Run:  python benchmarks/bench_discord.py [--learners N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes.discord import Channel, FakeDiscord, FakeInteraction, User

from adapters.discord_bot.config import Settings
from adapters.discord_bot.frontend import DiscordFrontend, serve
from tutorbot.content import load_content
from tutorbot.engine.engine import Engine
from tutorbot.store import Store
from tutorbot.store.turn import Turn

CONTENT = load_content()
BLOG = "tutorial-simple-blog"
WINDOW = 3.0

Step = tuple[str, str | None, dict[str, Any]]
SCRIPT: list[Step] = [
    ("slash", "tutor start", {"tutorial": BLOG}),
    ("press", "lesson:start", {}),
    ("slash", "answer", {"value": "4"}),
    ("slash", "answer", {"value": "1000/200"}),
    ("slash", "design add", {"component": "client"}),
    ("slash", "design add", {"component": "app", "count": 2}),
    ("slash", "design connect", {"from": "client", "to": "app"}),
    ("slash", "design check", {}),
    ("slash", "tutor help", {}),
    ("slash", "tutor progress", {}),
]


class SlowStore(Store):
    delay = 0.0

    @contextlib.contextmanager
    def turn(self, conversation: str) -> Iterator[Turn]:
        time.sleep(self.delay)
        with super().turn(conversation) as turn:
            yield turn


@contextlib.asynccontextmanager
async def bot(fake: FakeDiscord, store: Store) -> AsyncIterator[DiscordFrontend]:
    settings = Settings(token=fake.token, guild_ready_timeout=0.05, quick_identify=True)
    frontend = DiscordFrontend(Engine(CONTENT, store), store, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(frontend, stop))
    while frontend.readies < 1:
        await asyncio.sleep(0.01)
    await fake.wait_until_connected()
    try:
        yield frontend
    finally:
        stop.set()
        await task


async def until(check: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not answer")
        await asyncio.sleep(0.002)


async def learner(fake: FakeDiscord, user: User, lessons: Channel,
                  first: list[float]) -> None:
    """One learner: a thread, then the script; each step's time to first response."""
    started = await fake.slash(user, lessons, "tutor", "start", timeout=60)
    await until(lambda: started.followups or (started.original and not started.original.loading
                                              and "lesson is in" in started.original.content))
    thread = next(t for t in fake.threads_of(lessons) if user.id in t.thread_members)
    for kind, name, options in SCRIPT:
        interaction: FakeInteraction
        if kind == "press":
            message = next(m for m in reversed(fake.channel_messages(thread))
                           if f"tb:{user.id}:{name}" in m.custom_ids)
            interaction = await fake.press(user, message, f"tb:{user.id}:{name}", timeout=60)
        else:
            assert name is not None
            command, _, sub = name.partition(" ")
            interaction = await fake.slash(user, thread, command, sub or None, options,
                                           timeout=60)
        callback = await interaction.wait_for_callback(timeout=60)
        first.append(callback.at - interaction.sent_at)
        await interaction.wait_for_original(timeout=60)


async def run(learners: int, store: Store, rounds: int = 1) -> tuple[float, list[float]]:
    """`learners` at once, `rounds` times over (fresh learners each round)."""
    async with FakeDiscord() as fake:
        with fake.patch_discord_py():
            users = [fake.user(f"learner{n}") for n in range(learners * rounds)]
            lessons = fake.text_channel(fake.guild("Bench", members=users), "lessons")
            async with bot(fake, store):
                first: list[float] = []
                started = time.perf_counter()
                for round_ in range(rounds):
                    group = users[round_ * learners:(round_ + 1) * learners]
                    await asyncio.gather(*(learner(fake, user, lessons, first)
                                           for user in group))
                took = time.perf_counter() - started
    return took, first


class Bare(discord.Client):
    """discord.py answering one command at once: the floor."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ping", description="pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def baseline(learners: int, each: int) -> tuple[float, list[float]]:
    async with FakeDiscord() as fake:
        with fake.patch_discord_py():
            users = [fake.user(f"u{n}") for n in range(learners)]
            lessons = fake.text_channel(fake.guild("Bench", members=users), "lessons")
            client = Bare()
            task = asyncio.create_task(client.start(fake.token))
            await fake.wait_until_connected()
            while not fake.commands():
                await asyncio.sleep(0.01)
            first: list[float] = []

            async def one(user: User) -> None:
                for _ in range(each):
                    interaction = await fake.slash(user, lessons, "ping", timeout=60)
                    callback = await interaction.wait_for_callback(timeout=60)
                    first.append(callback.at - interaction.sent_at)

            started = time.perf_counter()
            await asyncio.gather(*(one(user) for user in users))
            took = time.perf_counter() - started
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return took, first


async def slow_acknowledgements(folder: Path, learners: int) -> list[float]:
    """Time to acknowledge while every turn waits 2.5 s for the database."""
    store = SlowStore(f"sqlite:///{(folder / 'slow.db').as_posix()}")
    store.migrate()
    async with FakeDiscord() as fake:
        with fake.patch_discord_py():
            users = [fake.user(f"slow{n}") for n in range(learners)]
            dms = [fake.dm_channel(user) for user in users]
            async with bot(fake, store):
                store.delay = 2.5
                asked = await asyncio.gather(*(fake.slash(user, dm, "tutor", "help")
                                               for user, dm in zip(users, dms, strict=True)))
                callbacks = await asyncio.gather(*(i.wait_for_callback(10) for i in asked))
                await asyncio.gather(*(i.wait_for_original(60) for i in asked))
                store.delay = 0.0
    store.close()
    return [callback.at - interaction.sent_at
            for callback, interaction in zip(callbacks, asked, strict=True)]


def p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def report(name: str, took: float, times: list[float]) -> None:
    print(f"{name}: {len(times)} interactions in {took:.2f} s = {len(times) / took:,.0f}/s; "
          f"first response p50 {statistics.median(times) * 1000:.1f} ms, "
          f"p99 {p99(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")


async def main_async(many: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    floor_took, floor = await baseline(1, len(SCRIPT) * 5)
    report("bare discord.py, 1 learner", floor_took, floor)
    floor_many_took, floor_many = await baseline(many, len(SCRIPT))
    report(f"bare discord.py, {many} learners", floor_many_took, floor_many)
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for count in (1, many):
            store = Store(f"sqlite:///{(Path(folder) / f'bench{count}.db').as_posix()}")
            store.migrate()
            took, times = await run(count, store, rounds=5 if count == 1 else 1)
            store.close()
            report(f"tutorbot, {count} learner(s)", took, times)
            results[count] = (took, times)
        acknowledged = await slow_acknowledgements(Path(folder), 20)
    _one_took, one = results[1]
    many_took, many_times = results[many]
    print(f"ratio p50 first response, tutorbot / bare, 1 learner: "
          f"{statistics.median(one) / statistics.median(floor):.1f}")
    print(f"ratio throughput, tutorbot / bare, {many} learners: "
          f"{(len(many_times) / many_took) / (len(floor_many) / floor_many_took):.2f}")
    print(f"ratio p99 first response / Discord's 3 s window, {many} learners: "
          f"{p99(many_times) / WINDOW:.3f}")
    print(f"slow database (2.5 s per turn), 20 at once: acknowledged in max "
          f"{max(acknowledged) * 1000:.0f} ms, p50 {statistics.median(acknowledged) * 1000:.0f}"
          f" ms; ratio to the 3 s window {max(acknowledged) / WINDOW:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=200)
    asyncio.run(main_async(parser.parse_args().learners))


if __name__ == "__main__":
    main()
