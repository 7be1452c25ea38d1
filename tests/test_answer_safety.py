"""Hostile text against the reader and the judge: nothing runs, hangs or raises."""

from __future__ import annotations

import builtins
import string
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorbot.answers.judge import Verdict, judge
from tutorbot.answers.reader import _PLAIN, Ambiguous, Reading, Unreadable, _read, read_number
from tutorbot.content import load_content

# --- the corpus -------------------------------------------------------------------

FROM_THE_ISSUE = [
    "", " ", "\n", "x" * 10_000, "🎉🎉🎉", "__import__('os')", "().__class__", "9**9**9**9",
    "factorial(10**7)", "1E310", "1/0", "0**-1", "(" * 2000 + ")" * 2000, "7" * 5000, "\x00",
    "\u202e5", "５", "10**10**8",
]
PYTHON_TRICKS = [
    "__import__('os').system('id')",
    "__import__('os').getcwd()",
    "().__class__.__base__.__subclasses__()",
    "''.__class__.__mro__[1].__subclasses__()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "__builtins__",
    "__builtins__.__dict__['eval']('1')",
    "globals()",
    "locals()",
    "vars()",
    "dir()",
    "lambda: 1",
    "(lambda x: x)(5)",
    "exec('import os')",
    "eval('1+1')",
    "compile('1', '', 'eval')",
    "open('/etc/passwd').read()",
    "open('/etc/passwd')",
    "getattr(1, 'real')",
    "type('X', (), {})",
    "breakpoint()",
    "input()",
    "print(1)",
    "import os",
    "from os import system",
    "os.system('ls')",
    "sys.exit()",
    "exit()",
    "quit()",
    "help()",
    "Symbol('x')",
    "Integer(5)",
    "Rational(1, 2)",
    "S(5)",
    "N(pi, 10**6)",
    "pi",
    "E",
    "oo",
    "zoo",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "NaN",
    "1j",
    "5j",
    "0x1F",
    "0b101",
    "0o17",
    "1_000_000j",
    "True",
    "None",
    "...",
    "Ellipsis",
    "__debug__",
    "self",
    "{0.__class__}",
    "{0.__class__.__init__.__globals__}",
    "{0!r:>{1}}",
    "%s%s%s%s",
    "%n%n%n",
    "%(x)s",
    "f'{1+1}'",
    "'{}'.format(1)",
    "{{5}}",
    "[5]",
    "{5}",
    "5;5",
    "5\\",
    "'5'",
    '"5"',
    "`5`",
    "5#comment",
    "# 5",
    "5 if True else 6",
    "5 and 6",
    "not 5",
    "5 or __import__('os')",
    "[*range(10**9)]",
    "range(10**9)",
    "sum(range(10**12))",
    "max(1, 2)",
    "abs(-5)",
    "pow(2, 10**100, 7)",
    "int('9' * 5000)",
    "float('1e308')",
    "float('nan')",
    "Decimal('1e999999')",
    "x",
    "x**2",
    "sqrt(2)",
    "log(0)",
    "ceiling(5.5)",
    "5 @ 5",
    "5 // 2",
    "5 % 2",
    "5 << 1000000",
    "5 >> 1",
    "~5",
    "5 & 3",
    "5 | 3",
    "5 ^ 3 ^ 9 ^ 9",
    "5 == 5",
    "5 != 5",
    "5 := 5",
    "a = 5",
]
SHELL_AND_SQL = [
    "$(id)",
    "${IFS}",
    "`id`",
    "; rm -rf /",
    "&& shutdown -h now",
    "| cat /etc/passwd",
    "> /dev/sda",
    "5; ls",
    "' OR 1=1 --",
    "1; DROP TABLE answers;",
    "1' UNION SELECT * FROM users --",
    "admin'--",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "%00",
    "%2e%2e%2f",
    "\\x00",
    "\\u0000",
    "{{7*7}}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "@{7*7}",
    "*{7*7}",
    "file:///etc/passwd",
    "http://169.254.169.254/",
    "A" * 199,
    "5" + " " * 195,
]
HUGE = [
    "9**9**9",
    "2**2**2**2**2**2",
    "10**10**10",
    "10^10^10",
    "2^64^64",
    "(2^64)^64",
    "((2^64)^64)^64",
    "2" + "^2" * 30,
    "9" * 30 + "^64",
    "99^64",
    "(1/3)^64",
    "0.5^64",
    "0.0000001^64",
    "1e100^64",
    "1e100 * 1e100",
    "1e100 ^ 2",
    "1e-100 * 1e-100",
    "1e100 / 1e-100",
    "1e100 + 1e-100",
    "1e99999999",
    "1e-99999999",
    "1e" + "9" * 190,
    "9" * 199,
    "9" * 30,
    "9" * 31,
    "0." + "0" * 29 + "1",
    "0." + "0" * 197 + "1",
    "1" + "0" * 100,
    "9" * 30 + "e100",
    "9" * 30 + " trillion",
    "9" * 30 + "e100 trillion",
    "1e100 trillion",
    "999 trillion trillion",
    "-" * 150 + "5",
    "+-" * 30 + "5",
    "(" * 199,
    ")" * 199,
    "(" * 20 + "5" + ")" * 20,
    "(" * 25 + "5" + ")" * 25,
    "()" * 60,
    "(" * 60 + ")" * 60,
    "1+" * 30 + "1",
    "1+" * 99 + "1",
    "1/" * 60 + "1",
    "2^-64",
    "2^-65",
    "0^0",
    "0^-1",
    "(-1)^64",
    "(-1)^-64",
    "1^100000",
    "1.000001^64",
    "$" * 100 + "5",
    "%" * 100,
    "5" + "%" * 50,
    "5" + "k" * 50,
    "5 " + "thousand " * 20,
    "a " * 70,
    "twenty-" * 25 + "one",
    "one " * 60,
    "1,000" * 30,
    "1," + "000," * 40 + "000",
    "1_000" * 30,
    "1 000" * 30,
    "." * 150,
    "1." * 60,
    "e" * 150,
    "1e1e1e1",
    "1e1.5",
    "1.5e",
    "1e--5",
]
TEXT_TRICKS = [
    "\u202e5 servers",
    "5\u202d",
    "\u2066" + "5" + "\u2069",
    "\u200e5",
    "5\u200f",
    "1\u200b000",
    "1\u200c000",
    "1\u200d000",
    "\ufeff5",
    "5\u2060",
    "5\u00ad0",
    "\u0000" * 10,
    "5\x00",
    "5\x1b[31m",
    "\x7f",
    "\x85",
    "\x9b",
    "\r\n5\r\n",
    "5\t",
    "\t5 servers\t",
    "5\u2028",
    "\u30005\u3000",
    "\ud800",
    "5\udfff",
    "\ue000",
    "\U0010ffff",
    "\u0378",
    "🎉",
    "👍🏽",
    "👨‍👩‍👧",
    "🇬🇧",
    "5️⃣",
    "#️⃣",
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "❤️",
    "©",
    "™",
    "5 🚀",
    "🚀 5",
    "𝟓",
    "𝟓𝟎𝟎",
    "٥٠٠",
    "५००",
    "৫",
    "五",
    "五百",
    "пять",
    "5 серверов",
    "cinq",
    "fünf",
    "Ⅻ",
    "ⅻ",
    "½",
    "1½",
    "⅓ × 3",
    "2³²",
    "10⁸",
    "10⁻⁹⁹⁹",
    "³",
    "５％",
    "＄５",
    "（５）",
    "ﹰ",
    "ﷺ" * 20,
    "㍱",
    "e\u0301",
    "5\u0301",
    "Ａｂｏｕｔ　５",
    "I think it's about 5",
    "5 or 6",
    "5-6",
    "5–6",
    "5—6",
    "between 5 and 6",
    "5?",
    "?",
    "-",
    "+",
    "=",
    "≈",
    "~",
    "$",
    "%",
    "k",
    "M",
    "B",
    "m",
    "e",
    "x",
]

ASCII_CHARACTERS = [chr(code) for code in range(128)]

REALISTIC = [
    "5", "1000/200", "11,250", "11 250", "11.25k", "1.2M", "1e4", "7 servers", "≈ 6.67",
    "99.7%", "0.997", "750 GB", "0.75 TB", "$2,320/mo", "2^10", "3 × 4", "3x10^8",
    "3×10^8", "five", "twelve", "about 9500 QPS", "16,875 queries/sec", "$225k per month",
    "５", "0.999^3", "(1 - 0.85) × 112500", "22500*1.5/1000", "34 instances", "100 servers",
]


def _with_units(texts: list[str]) -> list[str]:
    units = ["GB", "servers", "$", "per month", "%", "qps"]
    return [f"{text} {unit}" for text in texts[:20] for unit in units]


CORPUS = list(
    dict.fromkeys(
        FROM_THE_ISSUE + PYTHON_TRICKS + SHELL_AND_SQL + HUGE + TEXT_TRICKS
        + ASCII_CHARACTERS + _with_units(PYTHON_TRICKS + HUGE) + ["$" + t for t in HUGE]
    )
)


def _outcome(text: str) -> Reading | Unreadable | Ambiguous:
    try:
        return read_number(text)
    except (Unreadable, Ambiguous) as error:
        return error


# --- tests ------------------------------------------------------------------------


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 300


@pytest.mark.parametrize("text", CORPUS)
def test_hostile_text_gets_a_reading_or_our_error(text: str) -> None:
    outcome = _outcome(text)

    assert isinstance(outcome, Reading | Unreadable | Ambiguous)
    if isinstance(outcome, Reading):
        assert len(outcome.shown()) < 60
    else:
        assert "\n" not in str(outcome) and len(str(outcome)) < 200


def test_every_hostile_text_is_read_within_5_ms() -> None:
    slowest = 0.0

    for text in CORPUS:
        best = float("inf")
        for _ in range(3):  # the best of three, so a busy machine doesn't fail the test
            start = time.perf_counter()
            _outcome(text)
            best = min(best, time.perf_counter() - start)
        slowest = max(slowest, best)

    assert slowest < 0.005


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # Each refusal names the bound, so the work was refused, not attempted.
        ("9**9**9**9", "powers go up to 64"),
        ("10**10**8", "powers go up to 64"),
        ("2^64^64", "that power is too large to check"),
        ("((2^64)^64)^64", "too large to check"),
        ("1e99999999", "the power of ten must be between"),
        ("9" * 31, "more than 30 digits"),
        ("7" * 5000, "longer than 200 characters"),
        ("(" * 2000 + ")" * 2000, "longer than 200 characters"),
        ("(" * 25 + "5" + ")" * 25, "nested more than 20 deep"),
        ("1+" * 99 + "1", "more than 60"),
    ],
)
def test_bounds_refuse_before_computing(text: str, reason: str) -> None:
    with pytest.raises(Unreadable) as raised:
        read_number(text)

    assert reason in str(raised.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("５", Fraction(5)), ("𝟓𝟎𝟎", Fraction(500)), ("1E100", Fraction(10**100)),
     ("٥٠٠", Fraction(500)), ("(" * 20 + "5" + ")" * 20, Fraction(5))],
)
def test_real_numbers_among_the_oddities_are_read(text: str, value: Fraction) -> None:
    reading = read_number(text)

    assert reading.value == value


_CONTENT = load_content()
JUDGED = [_CONTENT.checkpoint("boe-write-capacity")[1], _CONTENT.checkpoint("blog-lb-purpose")[1]]


_WATCHED = {"exec", "compile", "import"}
_events: list[str] = []
_watching = False
_hooked = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _watching and event in _WATCHED:
        _events.append(event)


@contextmanager
def _audited() -> Iterator[list[str]]:
    """Record exec, compile and import events; a hook can't be removed, so it is gated."""
    global _watching, _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    _events.clear()
    _watching = True
    try:
        yield _events
    finally:
        _watching = False


def test_no_code_runs_while_reading_the_corpus() -> None:
    texts = CORPUS + REALISTIC
    for text in texts:  # warm up: every lazy import happens now, outside the hook
        _outcome(text)

    with _audited() as events:
        outcomes = [_outcome(text) for text in texts]

    assert events == []
    assert len(outcomes) == len(texts)


def _judged(texts: list[str]) -> list[Verdict]:
    """Every text judged against a numeric and a short-text checkpoint."""
    return [judge(checkpoint, text) for checkpoint in JUDGED for text in texts]


def test_no_code_runs_while_judging_the_corpus() -> None:
    texts = CORPUS + REALISTIC
    _judged(texts)  # warm up outside the hook, as above

    with _audited() as events:
        verdicts = _judged(texts)

    assert events == []
    assert all(isinstance(verdict, Verdict) for verdict in verdicts)


def test_the_audit_hook_would_see_code_run() -> None:
    with _audited() as events:
        exec("1 + 1")  # the control: proves the hook is live

    assert "exec" in events


def _forbidden(name: str) -> Callable[..., object]:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"{name} was called on learner text")

    return refuse


def test_sympy_parsers_and_eval_are_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import sympy
    import sympy.core.sympify
    import sympy.parsing.sympy_parser

    for target, name in [
        (sympy, "sympify"), (sympy, "parse_expr"), (sympy.core.sympify, "sympify"),
        (sympy.parsing.sympy_parser, "parse_expr"), (builtins, "eval"), (builtins, "exec"),
        (builtins, "compile"),
    ]:
        if hasattr(target, name):
            monkeypatch.setattr(target, name, _forbidden(name))

    outcomes = [_outcome(text) for text in CORPUS + REALISTIC]
    verdicts = _judged(CORPUS + REALISTIC)

    assert all(isinstance(outcome, Reading) for outcome in outcomes[len(CORPUS):])
    assert all(isinstance(verdict, Verdict) for verdict in verdicts)


# --- properties -------------------------------------------------------------------

_PIECES = [
    *string.digits, "0", "1", "5", "12", "250", "000", ",", ",", "_", ".", " ", " ", "\u2009",
    "\u202f", "\u00a0", "+", "-", "−", "*", "**", "/", "^", "×", "÷", "·", "x", "X", "(", ")",
    "%", "$", "e", "E", "e-", "k", "K", "M", "B", "bn", "m", " thousand", " million",
    " billion", "five", "twenty", "-five", " hundred", " and ", "a ", " GB", " TB", " KiB",
    " servers", " qps", "/s", "/mo", " per month", " a month", " req/s", " USD", " percent",
    "≈", "~", "about ", "approx. ", "=", "!", ".", "１", "٥", "⁸", "½", "\u200b", "\u202e",
    "🎉", "é", "__", "'", "lambda", "()",
]
GRAMMAR_TEXT = st.lists(st.sampled_from(_PIECES), max_size=25).map("".join)
_FIGURES = st.one_of(
    st.integers(0, 10**16).map(str),
    st.integers(0, 10**13).map("{:,}".format),
    st.integers(0, 10**13).map(lambda n: f"{n:,}".replace(",", " ")),
    st.sampled_from(["0,500", "1,5", "12,50", "1,50,000", "1_000", "007", ".5"]),
)
PLAIN_TEXT = st.tuples(
    st.sampled_from(["", " ", "about ", "About ", "≈ ", "~", "= ", "approx. ", "circa "]),
    st.sampled_from(["", "$", "$ ", "-"]),
    _FIGURES,
    st.sampled_from(["", ".5", ".25", ".0", ".1234567890123", "e3"]),
    st.sampled_from(["", "k", "K", "M", "B", "bn", "m", " k", " B", " m", " thousand"]),
    st.sampled_from([
        "", "%", " %", " GB", "GB", "gb", " servers", " Servers", " qps", "/mo", " per month",
        " a month", " percent", " USD/month", " $/mo", " $", " x", " m/s", " b", " req/s",
    ]),
    st.sampled_from(["", ".", "!", " .", "  "]),
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.text(max_size=250))
def test_any_text_gets_a_reading_or_our_error(text: str) -> None:
    outcome = _outcome(text)

    assert isinstance(outcome, Reading | Unreadable | Ambiguous)


@settings(max_examples=3000, deadline=None)
@given(GRAMMAR_TEXT)
def test_answer_shaped_text_gets_a_reading_or_our_error(text: str) -> None:
    outcome = _outcome(text)

    assert isinstance(outcome, Reading | Unreadable | Ambiguous)
    if isinstance(outcome, Reading):
        assert outcome.value.numerator.bit_length() <= 500
        outcome.shown()


@settings(max_examples=3000, deadline=None)
@given(st.one_of(PLAIN_TEXT, GRAMMAR_TEXT))
def test_fast_path_agrees_with_full_path(text: str) -> None:
    if len(text) > 200 or _PLAIN.fullmatch(text) is None:
        return
    fast = _outcome(text)

    try:
        full: Reading | Unreadable | Ambiguous = _read(text)
    except (Unreadable, Ambiguous) as error:
        full = error

    if isinstance(fast, Reading):
        assert full == fast
    else:
        assert type(full) is type(fast) and str(full) == str(fast)
