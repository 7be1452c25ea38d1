"""Short text answers: the ideas they name, the nudges they get, and multiple choice."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorbot.answers.text import (
    READ_AS_CHARS,
    Choice,
    choices,
    judge_choice,
    judge_text,
)
from tutorbot.content import load_content
from tutorbot.content.models import TextAnswer

ANSWERS: dict[str, TextAnswer] = {
    checkpoint.id: checkpoint.answer
    for tutorial in load_content().tutorials.values()
    for checkpoint in tutorial.checkpoints()
    if isinstance(checkpoint.answer, TextAnswer)
}

RIGHT = {
    "blog-lb-purpose": [
        "Distribute traffic and provide failover",
        "distribte trafic and failovr",
        "It spreads the load across the servers, and if one of them dies it reroutes "
        "requests to the healthy ones.",
        "load spread + health checks",
        "failover, and balancing requests between servers",
        "share the load between servers; redundancy",
        "Honestly I think the main thing is that when you have a lot of users you can't "
        "have one box doing everything, so the load balancer sends requests round robin to "
        "each app server, and it also keeps checking them so that if a server goes down "
        "nobody notices because the traffic just goes somewhere else",
    ],
    "blog-why-database": [
        "To persist data permanently",
        "to persst the data",
        "App servers are stateless and lose everything when they restart",
        "so we don't lose data when the app server restarts",
        "Without a database, data would be lost whenever the app server crashes.",
        "storing the posts and comments",
        "well the app server is just code running in memory, it can be restarted or "
        "replaced at any time, and if the blog posts only lived there they would vanish, "
        "so the database is where posts and comments are saved for the long term",
    ],
    "chat-why-separate-ws": [
        "WebSocket connections are long-lived and stateful, while HTTP API calls are "
        "stateless and can go to any server.",
        "websockets are persistant connections, http is statless",
        "because websocket connections stay open for hours and http requests are short, so "
        "they need to be scaled separately",
        "ws connections are sticky to one server but api calls can hit any server",
        "they scale on different things: open connections vs requests",
        "stateful long-lived sockets versus stateless HTTP",
        "so the thing is, a websocket is not like a normal request, the connection is kept "
        "open for as long as the user is in the chat, and that server has to remember who "
        "is connected, whereas the API servers don't care which one answers, so it makes "
        "sense to scale the two fleets independently",
    ],
    "chat-what-to-monitor": [
        "Message delivery latency and Kafka queue lag",
        "latency and consumer lag",
        "p99 latency and kafka backlog",
        "latncy, queue depth",
        "queue lag plus delivery time",
        "lag in the queue and how slow messages are",
        "first I'd look at what users feel, which is the response time of sending a "
        "message, then whether kafka is keeping up, so the consumer lag on each partition, "
        "and maybe connection drops and errors too",
    ],
    "images-why-s3": [
        "S3 is far cheaper per GB (5x) and suits large files; the database keeps the small "
        "metadata fields we need to query.",
        "s3 is cheaper and the db is for querying metadata",
        "S3 costs 5x less per GB, and we search the metadata in the database",
        "storage in s3 is cheep while the database handles lookups on filename and user",
        "metadata is small and structured so it goes in the db, files go to s3 because of "
        "the price",
        "images are huge and we only ever download them whole, so it'd be a waste of money "
        "to keep them in the database, s3 costs a fraction of that; the database is where "
        "we look up which images a user uploaded and when",
    ],
}

PARTIAL = [
    # (checkpoint, answer, words naming the found idea, words naming the missing one)
    ("blog-lb-purpose", "it balances traffic", "distributing traffic", "providing failover"),
    ("blog-lb-purpose", "so the site stays up when one server goes down",
     "providing failover", "distributing traffic"),
    ("blog-lb-purpose", "round robin", "distributing traffic", "providing failover"),
    ("blog-lb-purpose", "health checks", "providing failover", "distributing traffic"),
    ("chat-why-separate-ws", "they're stateful",
     "stateful WebSocket connections", "scaling apart from stateless HTTP"),
    ("chat-why-separate-ws", "because they scale differently",
     "scaling apart from stateless HTTP", "stateful WebSocket connections"),
    ("chat-why-separate-ws", "http is stateless",
     "scaling apart from stateless HTTP", "stateful WebSocket connections"),
    ("chat-what-to-monitor", "just latency", "message delivery latency", "queue lag"),
    ("chat-what-to-monitor", "consumer lag", "queue lag", "message delivery latency"),
    ("chat-what-to-monitor", "p99 response times", "message delivery latency", "queue lag"),
    ("images-why-s3", "it's cheaper", "cheap storage for large files", "queryable metadata"),
    ("images-why-s3", "the database lets us query metadata",
     "queryable metadata", "cheap storage for large files"),
    ("images-why-s3", "S3 costs less", "cheap storage for large files", "queryable metadata"),
]

WRONG = {
    "blog-lb-purpose": ["to make pages look nicer", "it caches pages", "it encrypts passwords"],
    "blog-why-database": ["to make it faster", "to run the code", "for the CSS"],
    "chat-why-separate-ws": [
        "because WebSockets are newer",
        "they need a different programming language",
        "to save money on the database",
    ],
    "chat-what-to-monitor": [
        "cpu temperature of my laptop",
        "the colour of the logo",
        "how many engineers are on call",
    ],
    "images-why-s3": [
        "because S3 is faster",
        "because databases can't store pictures",
        "it's just a convention",
    ],
}

NEGATED = [
    ("blog-lb-purpose", "not to distribute traffic"),
    ("blog-lb-purpose", "It doesn't distribute traffic and doesn't fail over"),
    ("blog-lb-purpose", "it doesn't spread traffic and has no failover"),
    ("blog-why-database", "doesn't persist anything"),
    ("blog-why-database", "not to store data"),
    ("blog-why-database", "it does not save posts"),
    ("chat-why-separate-ws", "websockets are not persistent and http is not stateless"),
    ("chat-why-separate-ws", "websockets are not stateful, and they never scale independently"),
    ("chat-what-to-monitor", "don't monitor latency, only queue lag"),
    ("images-why-s3", "s3 is not cheaper, and the database is not for queries"),
    ("images-why-s3", "s3 isn't cheaper and we never query the metadata"),
]

NO_WORDS = ["", "   ", "😀😀😀", "?!…", "\x00\u202e", "🚀 — 🎉"]

HOSTILE = [
    "__import__('os').system('ls')",
    "().__class__.__bases__[0].__subclasses__()",
    "9**9**9**9",
    "(" * 2_000 + ")" * 2_000,
    "distribute traffic\x00 and failover",
    "\u202edistribute traffic and failover",
    "x" * 10_000,
    "é" * 5_000,
    "ﷺ" * 1_000,
]


def cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(checkpoint, text) for checkpoint, texts in table.items() for text in texts]


def correct_key(options: list[Choice]) -> str:
    return next(option.key for option in options if option.correct)


def test_the_tables_cover_every_text_checkpoint() -> None:
    assert set(RIGHT) == set(ANSWERS)
    assert set(WRONG) == set(ANSWERS)
    assert all(len(texts) >= 5 for texts in RIGHT.values())
    assert {checkpoint for checkpoint, _ in NEGATED} == set(ANSWERS)


@pytest.mark.parametrize("checkpoint", sorted(ANSWERS))
def test_the_model_answer_is_right(checkpoint: str) -> None:
    answer = ANSWERS[checkpoint]

    verdict = judge_text(answer, answer.answer)

    assert verdict.correct, verdict.message
    assert verdict.message.startswith("Yes — you ")


@pytest.mark.parametrize(("checkpoint", "text"), cases(RIGHT))
def test_natural_right_answers_are_accepted(checkpoint: str, text: str) -> None:
    verdict = judge_text(ANSWERS[checkpoint], text)

    found = [match for match in verdict.matches if match.found]
    assert verdict.correct, verdict.message
    assert len(found) >= (ANSWERS[checkpoint].min_ideas or len(verdict.matches))
    assert all(match.evidence for match in found)


@pytest.mark.parametrize(("checkpoint", "text", "found", "missing"), PARTIAL)
def test_partial_answers_name_what_was_found_and_nudge_to_the_rest(
    checkpoint: str, text: str, found: str, missing: str
) -> None:
    verdict = judge_text(ANSWERS[checkpoint], text)

    named, asked = verdict.message.split(". What about ")
    assert not verdict.correct
    assert found in named
    assert missing in asked


@pytest.mark.parametrize(
    ("checkpoint", "text"),
    cases(WRONG) + [(checkpoint, text) for checkpoint, answer in ANSWERS.items()
                    for text in answer.distractors],
)
def test_wrong_answers_and_distractors_are_refused(checkpoint: str, text: str) -> None:
    verdict = judge_text(ANSWERS[checkpoint], text)

    assert not verdict.correct
    assert not verdict.message.startswith("Yes")


@pytest.mark.parametrize(("checkpoint", "text"), NEGATED)
def test_negated_answers_are_not_right(checkpoint: str, text: str) -> None:
    verdict = judge_text(ANSWERS[checkpoint], text)

    assert not verdict.correct, verdict.message


@pytest.mark.parametrize(("text", "found"), [
    ("spread traffic", True),
    ("it spreads traffic", True),
    ("not to spread traffic", False),
    ("it does not really spread traffic", False),
    ("it won't spread traffic", False),
    ("it is not slow, it spreads traffic", True),  # the negator is in another clause
    ("no server overwhelmed", True),  # a synonym may carry its own negator
    ("so that no server gets overloaded", True),
])
def test_the_negation_guard_reads_the_words_just_before(text: str, found: bool) -> None:
    verdict = judge_text(ANSWERS["blog-lb-purpose"], text)

    assert verdict.matches[0].found is found


@pytest.mark.parametrize(("text", "found"), [
    ("so we don't lose data", True),  # denying the problem still names it
    ("no data is lost on restart", True),
    ("it can't survive a restart", False),  # denying the remedy does not
])
def test_denying_a_problem_still_names_the_idea(text: str, found: bool) -> None:
    verdict = judge_text(ANSWERS["blog-why-database"], text)

    assert verdict.matches[0].found is found


@pytest.mark.parametrize(("text", "evidence"), [
    ("distribte trafic and failovr", ("distribte", "failovr")),
    ("Health checks, and spreading the load", ("spreading", "health checks")),
    ("FAIL-OVER and round-robin", ("round robin", "fail over")),
])
def test_evidence_quotes_the_learners_words(text: str, evidence: tuple[str, str]) -> None:
    verdict = judge_text(ANSWERS["blog-lb-purpose"], text)

    assert tuple(match.evidence for match in verdict.matches) == evidence


@pytest.mark.parametrize(("text", "distribute"), [
    ("the load balancer is for failover", False),  # 'balancer' is not 'balance'
    ("a distributed system with failover", True),
    ("trafic is sprad", True),
    ("it spits traffic", False),  # short words must match exactly: "spit" is not "split"
    ("it splitts traffic", True),
])
def test_typos_are_forgiven_but_other_words_are_not(text: str, distribute: bool) -> None:
    verdict = judge_text(ANSWERS["blog-lb-purpose"], text)

    assert verdict.matches[0].found is distribute


@pytest.mark.parametrize(("checkpoint", "text", "message"), [
    ("blog-lb-purpose", "spread traffic and fail over",
     "Yes — you named distributing traffic and providing failover."),
    ("blog-lb-purpose", "spread traffic",
     "You named distributing traffic. What about providing failover?"),
    ("blog-lb-purpose", "it makes things nicer",
     "Not quite yet. Think about traffic, and try again in a few words."),
    ("blog-why-database", "it makes things nicer",
     "Not quite yet. Think about data, and try again in a few words."),
    ("images-why-s3", "cheap, and we query the metadata",
     "Yes — you named cheap storage for large files and small, queryable metadata in "
     "the database."),
])
def test_messages_read_as_sentences(checkpoint: str, text: str, message: str) -> None:
    verdict = judge_text(ANSWERS[checkpoint], text)

    assert verdict.message == message


@pytest.mark.parametrize("checkpoint", sorted(ANSWERS))
def test_the_nudge_gives_no_answer_away(checkpoint: str) -> None:
    answer = ANSWERS[checkpoint]
    giveaways = {synonym.casefold() for idea in answer.ideas for synonym in idea.synonyms}

    verdict = judge_text(answer, "I have no idea")

    words = set(verdict.message.casefold().rstrip(".").replace(",", "").split())
    assert not verdict.correct
    assert verdict.message.startswith("Not quite yet. Think about ")
    assert not words & giveaways


@pytest.mark.parametrize("text", NO_WORDS)
def test_text_without_words_asks_for_a_few(text: str) -> None:
    verdict = judge_text(ANSWERS["blog-lb-purpose"], text)

    assert not verdict.correct
    assert "a few words" in verdict.message
    assert verdict.read_as == ""
    assert not any(match.found for match in verdict.matches)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gets_a_calm_verdict(text: str) -> None:
    verdict = judge_text(ANSWERS["blog-lb-purpose"], text)

    assert verdict.message
    assert len(verdict.read_as) <= READ_AS_CHARS
    assert "error" not in verdict.message.casefold()


@pytest.mark.parametrize(("text", "read_as"), [
    ("  Distribute, TRAFFIC!!  ", "distribute traffic"),
    # fullwidth letters
    ("ｄｉｓｔｒｉｂｕｔｅ　ｔｒａｆｆｉｃ", "distribute traffic"),
    ("It doesn't\tfail-over…", "it doesnt fail over"),
    ("Straße", "strasse"),
])
def test_read_as_shows_the_normalised_text(text: str, read_as: str) -> None:
    verdict = judge_text(ANSWERS["blog-lb-purpose"], text)

    assert verdict.read_as == read_as


def test_read_as_is_shortened_at_a_word() -> None:
    text = "the load balancer spreads requests across all of the servers " * 5

    verdict = judge_text(ANSWERS["blog-lb-purpose"], text)

    assert len(verdict.read_as) <= READ_AS_CHARS
    assert verdict.read_as.endswith("…")
    assert text.startswith(verdict.read_as[:-1].rstrip())


def test_only_the_first_thousand_characters_are_judged() -> None:
    answer = ANSWERS["blog-lb-purpose"]
    padding = "and so on " * 100

    early = judge_text(answer, "spread traffic and failover " + padding)
    late = judge_text(answer, padding + "spread traffic and failover")

    assert early.correct
    assert not late.correct
    assert late.message.startswith("Not quite yet.")


def test_a_typical_answer_is_judged_well_under_a_millisecond() -> None:
    answer = ANSWERS["blog-lb-purpose"]
    text = "it spreads the load across servers and reroutes when one dies"
    judge_text(answer, text)

    start = time.perf_counter()
    for _ in range(500):
        judge_text(answer, text)
    each = (time.perf_counter() - start) / 500

    assert each < 0.001


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(sorted(ANSWERS)), st.text(max_size=2_000))
def test_judge_text_never_raises(checkpoint: str, text: str) -> None:
    answer = ANSWERS[checkpoint]

    verdict = judge_text(answer, text)

    assert verdict.message
    assert len(verdict.read_as) <= READ_AS_CHARS
    assert len(verdict.matches) == len(answer.ideas)
    assert verdict.correct == all(match.found for match in verdict.matches)


# --- multiple choice ---------------------------------------------------------------


@pytest.mark.parametrize("checkpoint", sorted(ANSWERS))
def test_choices_hold_the_answer_once_and_every_distractor(checkpoint: str) -> None:
    answer = ANSWERS[checkpoint]

    options = choices(answer, seed=7)

    texts = [option.text for option in options]
    assert [option.key for option in options] == ["A", "B", "C", "D"]
    assert texts.count(answer.answer) == 1
    assert sorted(texts) == sorted([answer.answer, *answer.distractors])
    assert [option.correct for option in options].count(True) == 1
    assert next(option for option in options if option.correct).text == answer.answer


def test_choices_are_deterministic_for_a_seed_and_vary_between_seeds() -> None:
    answer = ANSWERS["blog-lb-purpose"]

    orders = {tuple(option.text for option in choices(answer, seed)) for seed in range(20)}

    assert choices(answer, 3) == choices(answer, 3)
    assert len(orders) > 1
    assert len({correct_key(choices(answer, seed)) for seed in range(20)}) > 1


@pytest.mark.parametrize("form", [
    "{key}", "{lower}", " {lower}) ", "({key})", "{key}.", "{key}: ",
    "{text}", "{text_upper}", "  {text}!  ", "{key}) {text}",
])
def test_judge_choice_reads_a_key_or_the_options_text(form: str) -> None:
    answer = ANSWERS["blog-lb-purpose"]
    options = choices(answer, seed=1)
    key = correct_key(options)
    picked = form.format(
        key=key, lower=key.lower(), text=answer.answer, text_upper=answer.answer.upper()
    )

    verdict = judge_choice(answer, options, picked)

    assert verdict.correct, verdict.message
    assert verdict.message == f"Yes — {key} is right."
    assert verdict.read_as == f"{key}: {answer.answer}"


def test_judge_choice_reads_a_fullwidth_key() -> None:
    answer = ANSWERS["blog-lb-purpose"]
    options = choices(answer, seed=1)
    key = correct_key(options)

    verdict = judge_choice(answer, options, chr(ord(key) - ord("A") + ord("Ａ")))

    assert verdict.correct


@pytest.mark.parametrize("checkpoint", sorted(ANSWERS))
def test_judge_choice_refuses_a_distractor(checkpoint: str) -> None:
    answer = ANSWERS[checkpoint]
    options = choices(answer, seed=5)
    wrong = next(option for option in options if not option.correct)

    by_key = judge_choice(answer, options, wrong.key.lower())
    by_text = judge_choice(answer, options, wrong.text)

    assert not by_key.correct
    assert by_key == by_text
    assert by_key.message.startswith(f"{wrong.key} isn't it. Think about ")
    assert by_key.message.endswith("and pick again.")


@pytest.mark.parametrize(("picked", "message"), [
    ("E", "There's no option E. Pick A, B, C or D."),
    ("z)", "There's no option Z. Pick A, B, C or D."),
    ("", "Pick A, B, C or D, or type the text of the option you choose."),
    ("maybe the second one", "Pick A, B, C or D, or type the text of the option you choose."),
    ("AB", "Pick A, B, C or D, or type the text of the option you choose."),
    ("🙂", "Pick A, B, C or D, or type the text of the option you choose."),
])
def test_judge_choice_explains_what_it_cannot_read(picked: str, message: str) -> None:
    answer = ANSWERS["blog-lb-purpose"]

    verdict = judge_choice(answer, choices(answer, seed=2), picked)

    assert not verdict.correct
    assert verdict.message == message


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ANSWERS)), st.integers(), st.text(max_size=200))
def test_judge_choice_never_raises(checkpoint: str, seed: int, picked: str) -> None:
    answer = ANSWERS[checkpoint]

    verdict = judge_choice(answer, choices(answer, seed), picked)

    assert verdict.message
    assert len(verdict.read_as) <= READ_AS_CHARS
