"""Judging short text answers: did the learner name the ideas the question is after?

A checkpoint's content lists the ideas a good answer contains, each with words and
short phrases that express it. An idea counts as named when one of its synonyms
appears in the learner's text. Words are compared by a light stem, so "persisted"
meets "persist" and "servers" meets "server"; a stem of five to seven letters may be
one edit off (rapidfuzz's OSA distance, a swap counting as one), a longer one two,
and a shorter one must match exactly. The words of a phrase may come in any order,
with one other word among them ("spread the load" for "load spread").

The negation guard looks at the three words before a match, within the same clause,
for a negator ("not", "doesn't", "without", …). It is a window, not a parser: "I'd
never say it's only for speed, it spreads traffic" is fine, but a negator further
back ("we don't need it so that traffic gets distributed") goes unnoticed, and a
double negative reads as a negative. Synonyms that name a problem ("lose data",
"crash", "downtime") are exempt, because denying the problem ("so we don't lose
data") still names the idea; those that name a remedy for one ("survive crashes")
are not.

The same question can be asked as multiple choice: `choices` shuffles the model
answer among the distractors, and `judge_choice` reads a key or an option's text.
"""

from __future__ import annotations

import bisect
import functools
import random
import re
import string
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tutorbot.content.models import Idea, TextAnswer

MAX_CHARS = 1_000
"""Longer answers are judged on their first thousand characters."""

READ_AS_CHARS = 80
NEGATION_WINDOW = 3
PHRASE_SLACK = 1
"""How many extra words may sit between the words of a phrase."""

NEG = "¬"
"""The stem every negator reads as, so "no downtime" also matches "without downtime"."""

_APOSTROPHES = str.maketrans("", "", "'’‘ʼ`´")
_TOKEN = re.compile(r"(\d+(?:[.,]\d+)*|[^\W_]+)|[.,;:!?()\[\]{}–—]")
"""A word or number, or else a mark that ends a clause."""


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NEGATORS = _wordset(
    "not no never none nothing nobody nor neither without cannot dont doesnt didnt "
    "isnt arent wasnt werent wont cant couldnt shouldnt wouldnt hasnt havent aint"
)
_FILLERS = _wordset(
    "a an the of to is are was were be been being would will it its their our your my "
    "this that these those all"
)
_CLAUSE_WORDS = _wordset("is are was were has have can cannot must should will would")
_PRONOUNS = _wordset("they it we you this these those")
_LINKS = _wordset("for from and or with in on by as")
_GERUNDS = {
    "absorb": "absorbing", "avoid": "avoiding", "balance": "balancing",
    "compress": "compressing", "decouple": "decoupling", "detect": "detecting",
    "distribute": "distributing", "handle": "handling", "isolate": "isolating",
    "keep": "keeping", "measure": "measuring", "monitor": "monitoring",
    "persist": "persisting", "prevent": "preventing", "protect": "protecting",
    "provide": "providing", "reduce": "reducing", "replicate": "replicating",
    "retry": "retrying", "route": "routing", "save": "saving", "scale": "scaling",
    "separate": "separating", "serve": "serving", "split": "splitting",
    "spread": "spreading", "store": "storing", "survive": "surviving",
}
"""Verbs an idea's name may start with; other names read as noun phrases."""

ASK_FOR_WORDS = "I didn't catch any words there. Answer in a few words and I'll check them."


@dataclass(frozen=True)
class IdeaMatch:
    """Whether one idea was named, and the learner's words that named it."""

    idea: str
    found: bool
    evidence: str | None


@dataclass(frozen=True)
class TextVerdict:
    """The judgement of one answer: correct when every idea was named."""

    correct: bool
    matches: tuple[IdeaMatch, ...]
    message: str
    read_as: str


@dataclass(frozen=True)
class Choice:
    """One option of the multiple-choice rendering, under its key ("A", "B", …)."""

    key: str
    text: str
    correct: bool


class _Token(NamedTuple):
    word: str
    stem: str
    clause: int


@dataclass(frozen=True, slots=True)
class _Phrase:
    stems: tuple[str, ...]
    exempt: bool
    needed: frozenset[str]


class _Occurrence(NamedTuple):
    first: int
    last: int


@functools.lru_cache(maxsize=8_192)
def _stem(word: str) -> str:
    """A light stem, applied alike to synonyms and answers: 'servers' and 'server' meet."""
    if word in _NEGATORS:
        return NEG
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    word = _strip_ending(word)
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _strip_ending(word: str) -> str:
    for ending, keep in (("ing", 3), ("ied", 3), ("ed", 3), ("ion", 4), ("ly", 4)):
        if word.endswith(ending) and len(word) - len(ending) >= keep:
            stem = word[: -len(ending)] + ("y" if ending == "ied" else "")
            if ending in ("ing", "ed") and _doubled(stem):
                stem = stem[:-1]
            return stem
    return word


def _doubled(stem: str) -> bool:
    return len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz"


_PROBLEMS = _wordset(
    "lose loses losing lost loss crash crashes crashed crashing fails failed failing failure "
    "failures down dead dies died overload overloaded overwhelm overwhelmed downtime outage "
    "outages wipe wiped slow slower lag lagging delay delays drop dropped broken error errors "
    "bottleneck"
)
"""Words naming a problem; bare "fail" is left out, since "fail over" is the remedy."""

_REMEDIES = frozenset(map(_stem, _wordset("survive avoid prevent handle tolerate recover")))


def _read(text: str) -> list[_Token]:
    """Words of the text, normalised, each with its stem and clause number."""
    clean = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    clean = clean.translate(_APOSTROPHES)[:MAX_CHARS]
    tokens: list[_Token] = []
    clause = 0
    for match in _TOKEN.finditer(clean):
        word = match.group(1)
        if word is None:
            clause += 1
        else:
            tokens.append(_Token(word, _stem(word), clause))
    return tokens


def _shorten(text: str, limit: int = READ_AS_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"


def _join(parts: Sequence[str], conjunction: str = "and") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def _topic(name: str) -> tuple[str, bool]:
    """The idea's name as a thing one names ('distributing traffic'), or as a clause."""
    words = name.split()
    first = words[0].casefold()
    if first in _GERUNDS:
        return " ".join([_GERUNDS[first], *words[1:]]), False
    lowered = {word.casefold().strip(",.;:") for word in words}
    return name, first in _PRONOUNS or bool(lowered & _CLAUSE_WORDS)


def _named(names: Sequence[str]) -> str:
    """'named distributing traffic', 'said that S3 is cheaper…', or both."""
    topics = [_topic(name) for name in names]
    nouns = [text for text, clause in topics if not clause]
    clauses = [f"that {text}" for text, clause in topics if clause]
    parts = []
    if nouns:
        parts.append(f"named {_join(nouns)}")
    if clauses:
        parts.append(f"said {_join(clauses)}")
    return " and ".join(parts)


def _asked(names: Sequence[str]) -> str:
    topics = [_topic(name) for name in names]
    return _join([f"the point that {text}" if clause else text for text, clause in topics])


class _Matcher:
    """An answer's synonyms, read once, with the lookups a judgement needs."""

    def __init__(self, answer: TextAnswer) -> None:
        self.ideas = tuple(idea.name for idea in answer.ideas)
        self.phrases = tuple(
            tuple(dict.fromkeys(filter(None, map(_phrase, idea.synonyms))))
            for idea in answer.ideas
        )
        vocabulary = {stem for phrases in self.phrases for p in phrases for stem in p.stems}
        self.vocabulary = frozenset(vocabulary)
        self.fuzzy = sorted(stem for stem in vocabulary if len(stem) >= 5 and stem.isalpha())
        self.themes = tuple(self._theme(idea) for idea in answer.ideas)
        self._hits: dict[str, frozenset[str]] = {}

    def hits(self, stem: str) -> frozenset[str]:
        """The synonym stems a word of the answer stands for, typos forgiven."""
        known = self._hits.get(stem)
        if known is not None:
            return known
        found = {stem} if stem in self.vocabulary else set()
        if len(stem) >= 5 and stem.isalpha():
            for choice, distance, _ in process.extract(
                stem, self.fuzzy, scorer=OSA.distance, score_cutoff=2, limit=None
            ):
                if distance <= (1 if len(choice) < 8 else 2):
                    found.add(choice)
        hits = frozenset(found)
        if len(self._hits) < 4_096:
            self._hits[stem] = hits
        return hits

    def _theme(self, idea: Idea) -> str | None:
        """The first words of the idea's name that none of its single-word synonyms give away."""
        giveaways = {p.stems[0] for p in map(_phrase, idea.synonyms) if p and len(p.stems) == 1}
        run: list[str] = []
        for word in re.findall(r"[^\W_][\w-]*", idea.name):
            stem = _stem(word.casefold().translate(_APOSTROPHES))
            given = stem in giveaways or any(
                OSA.distance(stem, other) <= 1 for other in giveaways if len(other) >= 5
            )
            quiet = word.casefold() in _FILLERS | _PRONOUNS | _LINKS
            if quiet or stem == NEG or given:
                if run:
                    break
                continue
            run.append(word)
        return " ".join(run) or None


def _phrase(synonym: str) -> _Phrase | None:
    tokens = _read(synonym)
    required = tuple(t.stem for t in tokens if t.stem not in _FILLERS) or tuple(
        t.stem for t in tokens
    )
    if not required:
        return None
    problem = required[0] not in _REMEDIES and any(t.word in _PROBLEMS for t in tokens)
    return _Phrase(required, NEG in required or problem, frozenset(required))


_MATCHERS: dict[int, tuple[TextAnswer, _Matcher]] = {}


def _matcher(answer: TextAnswer) -> _Matcher:
    """The answer's matcher, built on first use and kept while the answer lives."""
    cached = _MATCHERS.get(id(answer))
    if cached is not None and cached[0] is answer:
        return cached[1]
    if len(_MATCHERS) >= 256:
        _MATCHERS.clear()
    matcher = _Matcher(answer)
    _MATCHERS[id(answer)] = (answer, matcher)
    return matcher


class _Reading:
    """One answer's words, indexed by the synonym stems they stand for."""

    def __init__(self, tokens: list[_Token], matcher: _Matcher) -> None:
        self.tokens = tokens
        self.content = [i for i, token in enumerate(tokens) if token.stem not in _FILLERS]
        self.where: dict[str, list[int]] = {}
        for position, index in enumerate(self.content):
            for stem in matcher.hits(tokens[index].stem):
                self.where.setdefault(stem, []).append(position)

    def find(self, phrases: Sequence[_Phrase]) -> _Occurrence | None:
        """The earliest occurrence of any phrase that no negator cancels."""
        best: _Occurrence | None = None
        present = self.where.keys()
        for phrase in phrases:
            if not phrase.needed <= present:
                continue
            for found in self._occurrences(phrase):
                if not phrase.exempt and self._negated(found.first):
                    continue
                if best is None or (found.first, -found.last) < (best.first, -best.last):
                    best = found
                break
        return best

    def evidence(self, found: _Occurrence) -> str:
        return " ".join(token.word for token in self.tokens[found.first : found.last + 1])

    def _occurrences(self, phrase: _Phrase) -> Iterator[_Occurrence]:
        starts = sorted({p for stem in phrase.stems for p in self.where[stem]})
        width = len(phrase.stems) + PHRASE_SLACK
        for start in starts:
            used = self._place(phrase, start, start + width)
            if used is not None:
                yield _Occurrence(self.content[min(used)], self.content[max(used)])

    def _place(self, phrase: _Phrase, start: int, stop: int) -> set[int] | None:
        """Distinct positions in [start, stop), one clause, for every word of the phrase."""
        clause = self.tokens[self.content[start]].clause
        used: set[int] = set()
        for stem in phrase.stems:
            positions = self.where[stem]
            spots = positions[bisect.bisect_left(positions, start) :]
            spot = next((
                p for p in spots[: stop - start]
                if p not in used and self.tokens[self.content[p]].clause == clause
            ), None)
            if spot is None:
                return None
            used.add(spot)
        return used if start in used else None

    def _negated(self, first: int) -> bool:
        clause = self.tokens[first].clause
        before = self.tokens[max(0, first - NEGATION_WINDOW) : first]
        return any(token.stem == NEG and token.clause == clause for token in before)


def judge_text(answer: TextAnswer, text: str) -> TextVerdict:
    """Judge a short text answer by the ideas it names; never raises."""
    matcher = _matcher(answer)
    tokens = _read(text)
    read_as = _shorten(" ".join(token.word for token in tokens))
    if not tokens:
        misses = tuple(IdeaMatch(name, False, None) for name in matcher.ideas)
        return TextVerdict(False, misses, ASK_FOR_WORDS, read_as)

    reading = _Reading(tokens, matcher)
    matches = []
    for name, phrases in zip(matcher.ideas, matcher.phrases, strict=True):
        found = reading.find(phrases)
        evidence = reading.evidence(found) if found else None
        matches.append(IdeaMatch(name, found is not None, evidence))

    needed = answer.min_ideas or len(matches)
    correct = sum(match.found for match in matches) >= needed
    return TextVerdict(correct, tuple(matches), _message(matcher, matches, correct), read_as)


def _message(matcher: _Matcher, matches: Sequence[IdeaMatch], correct: bool) -> str:
    named = [match.idea for match in matches if match.found]
    missing = [match.idea for match in matches if not match.found]
    if correct or not missing:
        return f"Yes — you {_named(named)}."
    if named:
        return f"You {_named(named)}. What about {_asked(missing)}?"
    return _nudge(matcher, "Not quite yet.", "try again in a few words")


def _nudge(matcher: _Matcher, opening: str, then: str) -> str:
    """A nudge toward the first idea's theme, without the words that would give it away."""
    theme = next((theme for theme in matcher.themes if theme), None)
    if theme is None:
        return f"{opening} Look at the question again, and {then}."
    return f"{opening} Think about {theme}, and {then}."


def choices(answer: TextAnswer, seed: int) -> list[Choice]:
    """The model answer among the distractors, keyed A, B, C…, shuffled by `seed`.

    At most 26 options are offered; distractors beyond the 25th are left out.
    """
    options = [(answer.answer, True)] + [(text, False) for text in answer.distractors[:25]]
    random.Random(seed).shuffle(options)
    return [
        Choice(key, text, correct)
        for key, (text, correct) in zip(string.ascii_uppercase, options, strict=False)
    ]


def judge_choice(answer: TextAnswer, choices: Sequence[Choice], picked: str) -> TextVerdict:
    """Judge a pick given as a key ("b", " B) ") or as an option's text; never raises."""
    matcher = _matcher(answer)
    tokens = [token.word for token in _read(picked)]
    keys = [option.key for option in choices]
    chosen = _picked(choices, tokens)

    if chosen is None:
        read_as = _shorten(" ".join(tokens))
        misses = tuple(IdeaMatch(name, False, None) for name in matcher.ideas)
        return TextVerdict(False, misses, _refusal(keys, tokens), read_as)

    read_as = _shorten(f"{chosen.key}: {chosen.text}")
    matches = tuple(
        IdeaMatch(name, chosen.correct, chosen.text if chosen.correct else None)
        for name in matcher.ideas
    )
    if chosen.correct:
        return TextVerdict(True, matches, f"Yes — {chosen.key} is right.", read_as)
    nudge = _nudge(matcher, f"{chosen.key} isn't it.", "pick again")
    return TextVerdict(False, matches, nudge, read_as)


def _picked(options: Sequence[Choice], tokens: list[str]) -> Choice | None:
    by_key = {option.key.casefold(): option for option in options}
    if len(tokens) == 1 and tokens[0] in by_key:
        return by_key[tokens[0]]
    for option in options:
        words = [token.word for token in _read(option.text)]
        if tokens == words or (tokens[:1] == [option.key.casefold()] and tokens[1:] == words):
            return option
    return None


def _refusal(keys: Sequence[str], tokens: list[str]) -> str:
    listed = _join(keys, "or") or "an option"
    if len(tokens) == 1 and len(tokens[0]) == 1 and tokens[0].isalpha():
        return f"There's no option {tokens[0].upper()}. Pick {listed}."
    return f"Pick {listed}, or type the text of the option you choose."
