"""Benchmark: the Telegram bot end to end, against the fake Bot API on 127.0.0.1.

The bot runs in a process of its own (as in production), on a durable SQLite file
and without the rate limiter, so that the figures are its own and not Telegram's
30 messages a second. Learners in this process type a round of ordinary turns
(`/start`, `1`, `/help`, `/progress`), each waiting for the answer before typing
again, as people do. Measured: updates handled per second, and the time from an
update's arrival at the fake until the bot's sendMessage lands there (p50, p99),
for 1 learner and for 200 at once; and the bot's CPU time per update, which gives
the rate at which its own work would fill one core, set against Telegram's limit of
30 messages a second per bot.  Run:  python benchmarks/bench_telegram.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes.telegram import Chat, FakeMessage, FakeTelegram, Limits, User  # noqa: E402

TELEGRAM_LIMIT = 30
ROUND = ("/start", "1", "/help", "/progress")


def serve(base_url: str, token: str, database: str) -> None:
    """The bot, until SIGTERM; prints its CPU seconds on every SIGUSR1."""
    from adapters.telegram.frontend import TelegramFrontend
    from adapters.telegram.frontend import serve as serve_bot
    from adapters.telegram.settings import Settings
    from tutorbot.content import load_content
    from tutorbot.engine.engine import Engine
    from tutorbot.store import Store

    async def run() -> None:
        store = Store(database)
        store.migrate()
        settings = Settings(token=token, base_url=base_url, rate_limits=None, poll_timeout=1)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(
            signal.SIGUSR1, lambda: print(f"cpu {time.process_time()}", flush=True)
        )
        print("ready", flush=True)
        await serve_bot(TelegramFrontend(Engine(load_content(), store), store, settings), stop)
        store.close()

    asyncio.run(run())


class Bot:
    """The bot's process, and its CPU clock read on demand."""

    def __init__(self, tg: FakeTelegram, database: str) -> None:
        environment = {**os.environ, "NO_PROXY": "127.0.0.1,localhost",
                       "PYTHONPATH": str(ROOT), "TUTORBOT_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", tg.base_url, tg.token, database],
            stdout=subprocess.PIPE, text=True, env=environment,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    async def cpu(self) -> float:
        assert self.process.stdout is not None
        self.process.send_signal(signal.SIGUSR1)
        line = await asyncio.to_thread(self.process.stdout.readline)
        return float(line.split()[1])

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class Arrivals:
    """When the bot's messages reach the fake, per chat. (The fake's own waiting helpers
    scan every message on every change, which 200 waiting learners would make the
    bottleneck of this benchmark.)"""

    def __init__(self, tg: FakeTelegram) -> None:
        self.events: dict[int, asyncio.Event] = {}
        original = tg._new_message

        def recorded(chat: Chat, sender: User) -> FakeMessage:
            message = original(chat, sender)
            if sender.is_bot and chat.id in self.events:
                self.events[chat.id].set()
            return message

        tg._new_message = recorded  # type: ignore[method-assign]

    async def next(self, chat: Chat, timeout: float = 60) -> None:
        event = self.events[chat.id]
        await asyncio.wait_for(event.wait(), timeout)
        event.clear()


async def learner(tg: FakeTelegram, arrivals: Arrivals, user: User, chat: Chat, rounds: int,
                  latencies: list[float]) -> int:
    """Types `rounds` rounds, each turn waiting for its answer; how many updates it sent."""
    arrivals.events[chat.id] = asyncio.Event()
    sent = 0
    for _ in range(rounds):
        for text in ROUND:
            start = time.perf_counter()
            tg.send_text(user, chat, text)
            await arrivals.next(chat)
            latencies.append(time.perf_counter() - start)
            sent += 1
    return sent


async def scenario(tg: FakeTelegram, arrivals: Arrivals, bot: Bot, learners: int,
                   rounds: int) -> dict[str, float]:
    users = [tg.user(f"L{index}") for index in range(learners)]
    chats = [tg.private_chat(user) for user in users]
    latencies: list[float] = []
    cpu_before = await bot.cpu()
    start = time.perf_counter()
    counts = await asyncio.gather(*(learner(tg, arrivals, user, chat, rounds, latencies)
                                    for user, chat in zip(users, chats, strict=True)))
    wall = time.perf_counter() - start
    cpu = await bot.cpu() - cpu_before
    ordered = sorted(latencies)
    updates = sum(counts)
    return {
        "updates": updates, "rate": updates / wall,
        "p50": ordered[len(ordered) // 2], "p99": ordered[int(len(ordered) * 0.99)],
        "cpu_per_update": cpu / updates,
    }


async def measure(rounds: int) -> None:
    async with FakeTelegram(limits=Limits.relaxed()) as tg:
        with tempfile.TemporaryDirectory() as folder:
            arrivals = Arrivals(tg)
            bot = Bot(tg, f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                await scenario(tg, arrivals, bot, 1, 1)  # warm up: imports, first queries
                results = {
                    1: await scenario(tg, arrivals, bot, 1, rounds * 10),
                    200: await scenario(tg, arrivals, bot, 200, rounds),
                }
            finally:
                await asyncio.to_thread(bot.stop)
    for learners, figures in results.items():
        saturation = 1 / figures["cpu_per_update"]
        print(f"{learners:>3} learner(s): {figures['updates']:,.0f} updates, "
              f"{figures['rate']:,.0f} updates/s, update → sendMessage p50 "
              f"{figures['p50'] * 1000:.1f} ms, p99 {figures['p99'] * 1000:.1f} ms")
        print(f"    bot CPU {figures['cpu_per_update'] * 1000:.2f} ms per update: one core "
              f"saturates at {saturation:,.0f} updates/s = {saturation / TELEGRAM_LIMIT:.1f}× "
              f"Telegram's {TELEGRAM_LIMIT} messages/s per bot")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per learner (×10 alone)")
    parser.add_argument("--serve", nargs=3, metavar=("BASE_URL", "TOKEN", "DATABASE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    asyncio.run(measure(args.rounds))


if __name__ == "__main__":
    main()
