"""Judging answers to the shipped checkpoints: natural phrasings pass, slips are named."""

from __future__ import annotations

import pytest

from tutorbot.answers.judge import Verdict, judge
from tutorbot.content import load_content
from tutorbot.content.models import Checkpoint, NumberAnswer

CONTENT = load_content()
CHECKPOINTS = {cp.id: cp for t in CONTENT.tutorials.values() for cp in t.checkpoints()}

PHRASINGS = {
    "blog-servers-at-200": ["5", "five", "1000/200", "1,000 ÷ 200", "5 servers"],
    "blog-read-qps": ["9500", "9,500", "9.5k", "10000*0.95", "about 9,500 QPS"],
    "images-db-storage-cost": ["575", "$575", "$575/mo", "575 USD per month", "5000*0.115"],
    "images-origin-at-85": ["1500", "1,500", "1.5k", "10000 × 0.15", "1500 req/s"],
    "images-db-qps-at-targets": ["50", "50 QPS", "10000*0.1*0.05", "≈50", "fifty"],
    "images-replica-when-redis-fails": ["950", "950 qps", "9500 * 0.1", "~950",
                                        "950 reads per second"],
    "images-servers-with-uploads": ["8", "eight", "8 servers", "~8", "8 instances"],
    "images-compute-cost": ["364.42", "$364.42", "$364/mo", "12 × 0.0416 × 730",
                            "about $365 per month"],
    "chat-partition-load-peak": ["1000", "1,000", "1k", "100000/100",
                                 "1,000 messages per second"],
    "chat-shards-at-1-25b": ["13", "thirteen", "13 shards", "13 shards.", "~13"],
    "chat-ws-at-peak": ["15", "fifteen", "150000/10000", "15 servers", "15 instances"],
    "chat-api-at-peak": ["40", "forty", "100000/2500", "40 servers", "100k / 2.5k"],
    "chat-downtime-9999": ["52.56", "52.56 minutes", "52.6 min", "525600 × 0.0001",
                           "about 53 minutes"],
    "boe-write-capacity": ["11250", "11,250", "11.25k", "7500 × 1.5", "11 250 QPS"],
    "boe-write-instances-at-3x": ["34", "thirty-four", "34 instances", "34 servers",
                                  "34 machines"],
    "boe-db-qps-at-90": ["11250", "11.25k", "112,500 × 0.1", "112500*(1-0.9)",
                         "≈ 11,250 QPS"],
    "boe-storage-at-1kb": ["750", "750 GB", "0.75 TB", "750 GB/day", "750 gigabytes"],
    "boe-ws-at-50pct": ["100", "one hundred", "100 servers", "5M/50k",
                        "5,000,000 ÷ 50,000"],
    "boe-three-in-series": ["99.7", "99.7%", "99.70%", "≈99.7%", "99.7 percent"],
    "boe-cost-at-100m": ["225000", "$225,000", "$225k", "225k per month", "22500 × 10"],
}


def test_every_numeric_checkpoint_has_phrasings() -> None:
    numeric = {cp_id for cp_id, cp in CHECKPOINTS.items()
               if isinstance(cp.answer, NumberAnswer)}

    assert numeric == set(PHRASINGS)


@pytest.mark.parametrize(("checkpoint", "text"), [
    (cp_id, text) for cp_id, texts in PHRASINGS.items() for text in texts
])
def test_natural_phrasings_of_the_expected_answer_are_accepted(
    checkpoint: str, text: str
) -> None:
    verdict = judge(CHECKPOINTS[checkpoint], text)

    assert verdict.correct, verdict.message
    assert verdict.message.startswith("✅ Correct")
    assert verdict.retry is False


SLIPS = [
    # (checkpoint, answer, slip, a fragment of the message). Where the author
    # foresaw the answer, the message is theirs and the slip still names it.
    ("images-servers-with-uploads", "7.25", "not_rounded", "round up"),
    ("images-servers-with-uploads", "7", "rounded_down", "Round up"),
    ("images-servers-with-uploads", "0.125", "reciprocal", "upside down"),
    ("boe-three-in-series", "0.997", "percent_fraction", "multiply by 100"),
    ("boe-storage-at-1kb", "750000", "off_by_thousand", "1,000"),
    ("boe-storage-at-1kb", "0.75", "off_by_thousand", "units"),
    ("boe-storage-at-1kb", "768000", "binary_decimal", "1,024"),
    ("boe-storage-at-1kb", "250", "forgot_replication", "RF=3"),
    ("boe-storage-at-1kb", "22500", "per_month_per_day", "30 days"),
    ("boe-storage-at-1kb", "750 seconds", "wrong_unit", "a data size (GB)"),
    ("boe-write-capacity", "7500", "forgot_headroom", "without headroom"),
    ("boe-write-capacity", "3750", "forgot_peak", "Start from the peak"),
    ("boe-write-capacity", "33750", "twice_peak", "peak factor (×3) went in twice"),
    ("boe-write-instances-at-3x", "22.5", "forgot_headroom", "left out the headroom (×1.5)"),
    ("boe-write-capacity", "972000000", "per_day_per_second", "86,400"),
    ("boe-ws-at-50pct", "200", "forgot_online_ratio", "per-server capacity"),
    ("blog-read-qps", "950", "off_by_ten", "factor of ten"),
    ("blog-read-qps", "10000", "forgot_read_ratio", "share of reads"),
    ("chat-api-at-peak", "400", "off_by_ten", "factor of ten"),
    ("boe-cost-at-100m", "1,5", "ambiguous", "1.5 or 15"),
]


@pytest.mark.parametrize(("checkpoint", "text", "slip", "fragment"), SLIPS)
def test_slips_are_named(checkpoint: str, text: str, slip: str, fragment: str) -> None:
    verdict = judge(CHECKPOINTS[checkpoint], text)

    assert not verdict.correct
    assert verdict.slip == slip, verdict.message
    assert fragment in verdict.message
    assert verdict.retry is True


def test_the_reply_shows_how_the_answer_was_read() -> None:
    verdict = judge(CHECKPOINTS["boe-storage-at-1kb"], "11.25k")

    assert verdict.read_as == "11,250 GB"
    assert "I read 11,250 GB" in verdict.message


def test_foreseen_mistakes_get_the_authors_message() -> None:
    checkpoint = CHECKPOINTS["blog-servers-at-200"]
    mistake = checkpoint.mistakes[0]

    verdict = judge(checkpoint, mistake.answer)

    assert verdict.slip is not None
    assert mistake.message in verdict.message


HOSTILE = [
    "", " ", "x" * 10_000, "🙂🙂", "__import__('os')", "().__class__", "9**9**9**9",
    "factorial(10**7)", "1E310", "1/0", "0**-1", "(" * 2000 + "1" + ")" * 2000,
    "9" * 5000, "\x00", "\u202e5", "lambda: 1",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_answers_get_a_one_line_verdict(text: str) -> None:
    verdict = judge(CHECKPOINTS["boe-write-capacity"], text)

    assert isinstance(verdict, Verdict)
    assert not verdict.correct
    assert "\n" not in verdict.message
    assert len(verdict.message) < 300


def test_fullwidth_digits_are_read_as_digits() -> None:
    verdict = judge(CHECKPOINTS["blog-servers-at-200"], "５")

    assert verdict.correct


@pytest.mark.parametrize("checkpoint", sorted(CHECKPOINTS))
def test_every_checkpoint_accepts_its_own_answer(checkpoint: str) -> None:
    cp: Checkpoint = CHECKPOINTS[checkpoint]
    text = (format(cp.answer.value, "f") if isinstance(cp.answer, NumberAnswer)
            else cp.answer.answer)

    assert judge(cp, text).correct
