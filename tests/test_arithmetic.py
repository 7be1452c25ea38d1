"""Worked arithmetic in lesson prose: correct lines pass, slips are found."""

# The cases are lesson text, with the lessons' own multiplication and minus signs.

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorbot.content.arithmetic import ArithmeticSlip, check_line, check_text

SEED = Path("/work/shared/seed/system-design-tutorials.md")

CORRECT_LINES = [
    # From the issue.
    "  - Servers needed = 1,000 ÷ 150 = 6.67",
    "  - Chance BOTH fail simultaneously: 0.01 × 0.01 = 0.0001",
    "  - Add 20% headroom for spikes: 6.67 × 1.2 = 8 servers",
    "- Reads: 1,000 × 0.9 = 900 queries/sec",
    "- Compute: $18,250 (API: 25 × $0.17/hr × 730 = $3,100 + WS: 12 × $0.34/hr"
    " × 730 = $2,980 + LB: $200 = $6,280)",
    "- Messages/day: 10M DAU × 25 = 250M messages",
    "- Bytes/day: 250M × 500 bytes = 125 GB/day",
    "  - = 95,625 ÷ 112,500 = 85% reduction!",
    "- With RF=3: 125 × 3 = **375 GB/day**",
    "  - Single primary availability = 99.95% = 0.9995",
    "⚠️ **Cost**: (12 + 23) × $100/mo = **$3,500/mo** for API layer",
    # From the seed's calculation blocks, mental math and cost breakdowns.
    "For 1,000 req/sec: 1000 ÷ 150 = 7 servers. Read replicas handle the rest.",
    "With 8 app servers × 150 req/sec = 1,200 req/sec capacity (20% headroom).",
    "  - System availability: 1 - 0.0001 = 0.9999",
    "Now we can handle **2 servers × 150 req/sec = 300 requests/sec**.",
    "- Writes: 1,000 × 0.1 = 100 queries/sec",
    "  - Replicas needed: 900 ÷ 5,000 = 0.18 (1 replica is enough!)",
    "only ~1% of requests hit the database! (10,000 × 0.1 × 0.1 = 100 QPS)",
    "- WebSocket servers: 12 × 10K connections = 120K capacity",
    "- API servers: 25 × 500 msg/sec = 12.5K msg/sec capacity",
    "  - = 250M ÷ 100k = **2,500 avg write QPS**",
    "- **Peak write QPS**: 2,500 × 3 = **7,500 peak**",
    "- **Read capacity**: 75,000 × 1.5 = 112,500 QPS",
    "- 11,250 QPS ÷ 1,000 per instance = **12 instances**",
    "- 112,500 QPS ÷ 5,000 per instance = **23 instances**",
    "  - **Result:** **12 write + 23 read = 35 API instances | $3,500/mo**",
    "- Cache: 112,500 × 0.85 = 95,625 QPS (sub-1ms)",
    "- DB: 112,500 × 0.15 = **16,875 QPS** (manageable!)",
    "- After: 50ms API + 1ms cache = **51ms** (95% of requests)",
    "- Replicas needed: 16,875 ÷ 20,000 = **1 replica**",
    "Keep hot data (30 days) in PostgreSQL: 375 GB × 30 = **11 TB**",
    "  - Hot data (30 days) = 125 GB × 30 = 3,750 GB",
    "  - Cold archive per year = 125 GB × 365 = 45,625 GB",
    "- Wasteful: 10M users × 1 QPS = 10M QPS!",
    "- 10M DAU × 0.3 (30% online) = **3M concurrent users**",
    "- Servers needed: 3M ÷ 50k = **60 WS servers**",
    "- Workers needed: 7,500 ÷ 10,000 = **1 worker** (add N+1 = 3)",
    "- Partitions: 450k ÷ 100k = **5 partitions**",
    "  - Concurrent users = 10M × 0.30 = 3,000,000",
    "  - With 1.5× headroom = 60 × 1.5 = 90 servers",
    "  - Failure rate = 1 - 0.9995 = 0.0005",
    "  - P(both fail) = 0.0005 × 0.0005 = 0.00000025",
    # Labels such as "per second" do not hide the operator that follows them.
    "1,000 requests per second × 3,600 seconds × 730 hours = 2,628M requests a month",
]

SLIPS = [
    # (line, stated figure as written, computed value as shown)
    (
        "- Compute: $1,920 (8 servers × $0.0416/hour × 730 hours = $1,920/month)",
        "$1,920/month",
        "242.944",
    ),
    ("- Storage: 2 × $0.034/hour × 730 hours = $320/month", "$320/month", "49.64"),
    (
        "- Compute: $2,960 (12 × $0.0416/hr × 730 = $2,880 + ALB $80 = $2,960)",
        "$2,880",
        "364.416",
    ),
    ("  - Servers needed = 1,000 ÷ 150 = 7.67", "7.67", "6.67"),
    ("  - Hint: 0.999 × 0.999 × 0.999 = 99.8%", "99.8%", "99.7%"),
    ("- Bytes/day: 250M × 500 bytes = 130 GB/day", "130 GB/day", "125 GB"),
    ("- Messages/day: 10M DAU × 25 = 2.5M messages", "2.5M messages", "250M"),
    ("- 11,250 QPS ÷ 1,000 per instance = **13 instances**", "13 instances", "11.25"),
    (
        "- Cost per user = $22,500 ÷ 10,000,000 = 2.25 cents",
        "2.25 cents",
        "0.225 cents",
    ),
]

NO_CLAIMS = [
    "",
    "   ",
    "🎉 **Congratulations! You've designed a production-ready chat system!**",
    "Each app server handles 150 req/sec and the database 5,000 QPS.",
    "**Translation:** 99.95% = 22 minutes downtime/month",
    "  - Round up for safety = 7 servers",
    "| 💾 **Durability** | RPO = 0 | RF=3 + backups | ✅ Met |",
    "  - Hint: (22,500 × 1.5) ÷ 1,000 = ?",
    'Query: "SELECT WHERE room_id = X".',
    "- N+1 redundancy: (1 - (1-0.9995)²) ≈ 99.999%",
    "- Cache + DB in parallel: max(99.9%, 99.95%) ≈ 99.95%",
    "- 7,500 msgs/sec = 450k msgs/min",
    "2^10 = 1024",
    "0x1F = 31",
    "  - Write instances = Write QPS ÷ Per-Instance",
    # The first operand is lost in prose, so the claim cannot be checked.
    "50,000 messages each second × 3,600 seconds × 730 hours = 999M messages",
]

TOLERANCE = [
    # (line, is it a slip?)
    ("25 × 0.17 × 730 = 3,100", False),  # 3,102.5 shown to the hundred
    ("100 × 9.8 = 1,000", True),  # trailing zeros allow at most 1%
    ("100 × 9.95 = 1,000", False),
    ("1,150 × 2,000 = 2.3M", False),
    ("1,140 × 2,000 = 2.3M", False),  # 2.28M is within 0.05M
    ("1,100 × 2,000 = 2.3M", True),
    ("0.9999 × 0.9995 = 99.94%", False),
    ("0.9999 × 0.9995 = 99.95%", True),
    ("1 - 0.05 = 95%", False),
    ("95% × 2 = 1.9", False),
    ("1/3 = 0.33", False),
    ("1/3 = 0.34", True),
    ("4.5 × 1 = 5", False),  # exactly half a unit away still rounds
    ("11,250 ÷ 1,000 = 12", False),  # a quotient may be rounded up
    ("11,250 × 0.001 = 12", True),  # but a product may not
    ("11,250 ÷ 1,000 = 11", False),
    ("11,250 ÷ 1,000 = 13", True),
    ("2 × (3 + 4) = 14", False),
    ("2 × 3 + 4 = 14", True),
    ("-5 × 2 = -10", False),
    ("10 − 3 − 2 = 5", False),
    ("2 x 3 = 6", False),
    ("2 x 3 = 7", True),
    ("10 ÷ 0 = 5", False),  # division by zero is skipped, not reported
    ("1KB × 250M = 250 GB", False),
    ("375 × 365 = 999 TB", False),  # only one side has a size unit: skipped
    ("$22,500 ÷ 10,000,000 = 0.225 cents", False),
    ("22,500 ÷ 10,000,000 = 0.225 cents", False),  # cents without a dollar: skipped
]


@pytest.mark.parametrize("line", CORRECT_LINES)
def test_correct_lines_have_no_slip(line: str) -> None:
    slips = check_line(line)

    assert slips == []


@pytest.mark.parametrize(("line", "stated", "computed"), SLIPS)
def test_slips_are_found(line: str, stated: str, computed: str) -> None:
    slips = check_line(line)

    assert [(slip.stated, slip.computed) for slip in slips] == [(stated, computed)]


@pytest.mark.parametrize(("line", "stated", "computed"), SLIPS)
def test_message_names_computed_value_and_stated_figure(
    line: str, stated: str, computed: str
) -> None:
    (slip,) = check_line(line)

    assert computed in slip.message
    assert stated.lstrip("$").split()[0].split("/")[0] in slip.message


def test_slip_reads_as_the_lesson_wrote_it() -> None:
    line = "- Compute: $1,920 (8 servers × $0.0416/hour × 730 hours = $1,920/month)"

    slips = check_line(line)

    assert slips == [
        ArithmeticSlip(
            claim="8 servers × $0.0416/hour × 730 hours = $1,920/month",
            stated="$1,920/month",
            computed="242.944",
            message="8 × 0.0416 × 730 is 242.944, not 1,920",
        )
    ]


@pytest.mark.parametrize("line", NO_CLAIMS)
def test_lines_without_claims_yield_nothing(line: str) -> None:
    slips = check_line(line)

    assert slips == []


@pytest.mark.parametrize(("line", "is_slip"), TOLERANCE)
def test_tolerance_follows_the_rounding_shown(line: str, is_slip: bool) -> None:
    slips = check_line(line)

    assert bool(slips) is is_slip


CORRECT_CHAINS = [
    [
        "  - Average write QPS = DAU × msgs/day ÷ sec/day",
        "  - = 10,000,000 × 25 ÷ 100,000",
        "  - = 250,000,000 ÷ 100,000",
        "  - = 2,500 QPS average",
    ],
    [
        "  - Database QPS = 112,500 × (1 - 0.85)",
        "  - = 112,500 × 0.15",
        "  - = 16,875 QPS",
    ],
    [
        "  - Reduction = (112,500 - 16,875) ÷ 112,500",
        "  - = 95,625 ÷ 112,500 = 85% reduction!",
    ],
    [
        "  - Write instances = Write QPS ÷ Per-Instance",
        "  - = 11,250 ÷ 1,000",
        "  - = 11.25 → ceiling = 12 instances",
    ],
    [
        "**Overall = 0.9999 × 0.9995 × 0.999 × 0.9995**",
        "= **99.79%** (21 hours downtime/year) ❌ Misses 99.95% SLO!",
    ],
    [
        "  - Cost per user per month = $22,500 ÷ 10,000,000",
        "  - = $0.00225 per user",
        "  - = 0.225 cents per user",
    ],
]


@pytest.mark.parametrize("lines", CORRECT_CHAINS)
def test_correct_continuation_chains_pass(lines: list[str]) -> None:
    text = "\n".join(lines)

    found = check_text(text)

    assert found == []


def test_continuation_with_a_wrong_middle_line_is_found() -> None:
    text = "\n".join(
        [
            "  - Average write QPS = DAU × msgs/day ÷ sec/day",
            "  - = 10,000,000 × 25 ÷ 100,000",
            "  - = 250,000,000 ÷ 10,000",
            "  - = 2,500 QPS average",
        ]
    )

    found = check_text(text)

    assert [(number, slip.stated) for number, slip in found] == [
        (3, "250,000,000 ÷ 10,000")
    ]
    assert found[0][1].message == (
        "10,000,000 × 25 ÷ 100,000 is 2,500, but 250,000,000 ÷ 10,000 is 25,000"
    )


def test_continuation_with_a_wrong_result_is_found() -> None:
    text = "**Overall = 0.9999 × 0.9995 × 0.999 × 0.9995**\n= **99.89%** (21 hours)"

    found = check_text(text)

    assert [(number, slip.computed) for number, slip in found] == [(2, "99.79%")]


@pytest.mark.parametrize(
    "text",
    [
        "Total = 12 + 23\n\n= 40 instances",
        "= 11,250 ÷ 1,000\n= 11.25 → ceiling = 12 instances\n= 12 × $100 = $1,200",
    ],
)
def test_continuation_stops_where_the_chain_breaks(text: str) -> None:
    found = check_text(text)

    assert found == []


def test_check_text_numbers_lines_from_one() -> None:
    text = "Intro\n1,000 ÷ 150 = 6.67\n1,000 ÷ 150 = 7.67"

    found = check_text(text)

    assert [number for number, _ in found] == [3]


@pytest.mark.skipif(not SEED.exists(), reason="the seed lessons are not present")
def test_seed_slips_are_the_known_ones() -> None:
    text = SEED.read_text(encoding="utf-8")

    found = check_text(text)

    assert [(number, slip.stated) for number, slip in found] == [
        (167, "$1,920/month"),
        (523, "$2,880"),
        (1264, "99.9998%"),
    ]


ARITHMETIC_TEXT = st.lists(
    st.one_of(
        st.sampled_from(list("0123456789,.$%kKMBx×*÷/+-−()=≈→:;! \n")),
        st.sampled_from(["**", " GB", " bytes", " cents", "/hr", "1,000", "- = "]),
        st.characters(),
    ),
    max_size=120,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(ARITHMETIC_TEXT)
def test_never_raises_on_any_text(text: str) -> None:
    slips = check_line(text)
    found = check_text(text)

    assert all(isinstance(slip, ArithmeticSlip) for slip in slips)
    assert all(number >= 1 for number, _ in found)


@pytest.mark.parametrize(
    "line",
    [
        ("Reads: 1,000 × 0.9 = 900 queries/sec; " * 60)[:2000],
        "1.5 × " * 333 + "= 7",
        "(" * 1000 + "1" + ")" * 999,
        "1(1(1(" * 333,
        "1 = " * 500,
        "9" * 2000 + " × 2 = 3",
        "999999999999999999999999999.9 × " * 60 + "= 1",
    ],
)
def test_long_lines_are_handled_quickly(line: str) -> None:
    best = float("inf")

    for _ in range(3):  # the best of three, so a busy machine doesn't fail the test
        started = time.perf_counter()
        check_line(line)
        best = min(best, time.perf_counter() - started)

    assert best < 0.25
