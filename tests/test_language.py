"""Language rules, in both directions: what they find, and the look-alikes they must leave alone."""

from __future__ import annotations

import pytest
from helpers import transcript

from voicecoach.analysis.fillers import find_fillers
from voicecoach.analysis.language import HEDGE, REPETITION, WEAK_ENDING, WEAK_OPENING, analyse_language
from voicecoach.questions import get

TELL = get("tell-me-about-yourself")


def behavioural_star():
    from voicecoach.questions import load_all

    return next(
        q for q in load_all().values() if q.category == "behavioral" and "STAR" in q.guidance and "number" in q.guidance
    )


def phrases(text: str, kind: str, question=TELL) -> list[str]:
    tr = transcript(text)
    return [p.text for p in analyse_language(tr, question, tuple(find_fillers(tr))).of(kind)]


@pytest.mark.parametrize(
    "text, found",
    [
        ("I think the model was overfitting.", ["I think"]),
        ("It was maybe two weeks of work.", ["maybe"]),
        ("We would probably ship it again.", ["probably"]),
        ("I guess it worked out.", ["I guess"]),
        ("I believe the second design was better.", ["I believe"]),
        ("The cause was the data, I think.", ["I think."]),
    ],
)
def test_hedges_found(text, found):
    assert phrases(text, HEDGE) == found


@pytest.mark.parametrize(
    "text",
    [
        "I think about latency every day.",  # thinking as an activity
        "I think of a model as a function.",
        "What do I think makes a good engineer?",  # a question
        "I believe in writing tests first.",  # a conviction
        "It was kind of slow at first.",  # a filler, counted there, not twice
        "I thought it through and chose the simpler model.",
    ],
)
def test_not_hedges(text):
    assert phrases(text, HEDGE) == []


@pytest.mark.parametrize(
    "text, found",
    [
        ("We built, we built the, the pipeline in a month.", ["We built, we built", "the, the"]),
        ("I was responsible for the for the whole migration.", ["for the for the"]),
        ("It was a pipe- pipeline problem.", ["pipe- pipeline"]),
        ("And I I moved to the data team.", ["I I"]),
    ],
)
def test_repetitions_found(text, found):
    assert phrases(text, REPETITION) == found


@pytest.mark.parametrize(
    "text",
    [
        "I knew that that would fail.",
        "It had had problems for years.",
        "It was very very hard.",
        "Thanks. Thanks to the team we shipped.",  # two sentences
        "We tested it again and again.",
    ],
)
def test_not_repetitions(text):
    assert phrases(text, REPETITION) == []


@pytest.mark.parametrize(
    "text, found",
    [
        ("So, I studied physics at Leeds.", ["So,"]),
        ("Um, so I studied physics.", ["Um, so"]),
        ("Okay so my background is in physics.", ["Okay so"]),
        ("Well, I have always liked building things.", ["Well,"]),
    ],
)
def test_weak_openings_found(text, found):
    assert phrases(text, WEAK_OPENING) == found


@pytest.mark.parametrize(
    "text",
    [
        "So far my career has been in logistics.",
        "Right now I lead a team of five.",
        "I studied physics at Leeds.",
        "Well-known problems were my first projects.",
    ],
)
def test_not_weak_openings(text):
    assert phrases(text, WEAK_OPENING) == []


@pytest.mark.parametrize(
    "text, found",
    [
        ("That is why I want this role. So yeah.", ["So yeah."]),
        ("I want to grow as a lead. That's it.", ["That's it."]),
        ("We used Spark and Kafka and stuff.", ["and stuff."]),
        ("I like the team, I guess.", ["I guess."]),
    ],
)
def test_weak_endings_found(text, found):
    assert phrases(text, WEAK_ENDING) == found


@pytest.mark.parametrize(
    "text",
    [
        "That is why I want to join your team.",
        "I could not guess what it meant, but I asked.",
        "My first answer to the offer was a clear yeah.",  # not a tag after the last point
    ],
)
def test_not_weak_endings(text):
    assert phrases(text, WEAK_ENDING) == []


def test_numbers_and_when_they_are_asked_for():
    q = behavioural_star()
    tr = transcript(
        "We cut the build time by 40% and saved about two million dollars in three months. One of the engineers stayed."
    )
    r = analyse_language(tr, q)
    assert [n.text for n in r.numbers] == ["40%", "two million", "three"] and r.numbers_asked
    assert not analyse_language(tr, TELL).numbers_asked  # "tell me about yourself" does not ask for impact


def test_star_order():
    q = behavioural_star()
    in_order = transcript(
        "At my last job our releases kept failing. My task was to fix the pipeline. "
        "So I wrote tests and I set up a staging server. As a result we cut failures by half."
    )
    r = analyse_language(in_order, q)
    assert r.star_asked and r.star_in_order and None not in r.star.values()
    shuffled = transcript(
        "As a result we cut failures by half. At my last job our releases kept failing. So I wrote tests."
    )
    r2 = analyse_language(shuffled, q)
    assert not r2.star_in_order and r2.star["task"] is None
    assert not analyse_language(in_order, TELL).star_asked


def test_we_against_i_only_in_behavioural_answers():
    q = behavioural_star()
    team = transcript(
        "We planned it. We built it. We tested it and we shipped it. Our users liked it and we "
        "learned a lot. We did it together, and I helped. Then we moved on and we hired two people."
    )
    r = analyse_language(team, q)
    assert r.we_flagged and r.we_count > r.i_count
    assert not analyse_language(team, TELL).we_flagged
    mine = transcript(
        "I planned it. I built the tests and I shipped it with my team. We learned a lot, and I "
        "led the review. I would do it again and I told my manager."
    )
    assert not analyse_language(mine, q).we_flagged


def test_the_report_keeps_its_transcription_language_and_adds_wording():
    """`language` in the JSON is the language the answer was transcribed in (since 1.0); the
    findings here are under `wording` (1.5), and the whole report validates against the schema."""
    import jsonschema

    from voicecoach.analysis.score import build_report
    from voicecoach.schema.report import schema, to_dict

    d = to_dict(build_report(TELL, transcript("So, I think I built the pipeline. That's it."), None))
    jsonschema.validate(d, schema())
    assert d["language"]["transcribed"] == "en" and [x["kind"] for x in d["wording"]["phrases"]] == [
        "weak-opening",
        "hedge",
        "weak-ending",
    ]
