"""Filler detection on hand-built transcripts: what counts, and what must not."""

import pytest
from helpers import transcript

from voicecoach.analysis.fillers import find_fillers, summarise


def found(text: str) -> list[str]:
    return [f.text for f in find_fillers(transcript(text))]


@pytest.mark.parametrize(
    "text", ["Um, I think so.", "I, uh, built it.", "Hmm. Okay.", "Er, yes.", "Ah, right.", "Umm, yes"]
)
def test_hesitations_count(text):
    hits = find_fillers(transcript(text))
    assert len(hits) == 1 and hits[0].kind == "hesitation"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("It was, like, really hard.", ["like"]),
        ("Like, I was not ready.", ["like"]),
        ("We had like 20 people there.", ["like"]),
        ("And like we just shipped it.", ["like"]),
        ("You know, we shipped it.", ["you know"]),
        ("We shipped it, you know.", ["you know"]),
        ("It was hard, you know, at first.", ["you know"]),
        ("You know I think it worked.", ["you know"]),
        ("I mean, it worked in the end.", ["i mean"]),
        ("I mean we could have tested more.", ["i mean"]),
        ("Basically the model overfit.", ["basically"]),
        ("It was actually fine.", ["actually"]),
        ("It was kind of slow.", ["kind of"]),
        ("I sort of knew it.", ["sort of"]),
        ("So I studied physics.", ["so"]),
        ("I finished. So I moved on.", ["so"]),
    ],
)
def test_discourse_fillers_count(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I like Python.",
        "We really like this team.",
        "I would like to join.",
        "It looks like a tree.",
        "It felt like a long year.",
        "Something like that.",
        "Do you know the answer?",
        "If you know how it works, say so.",
        "You know the answer.",
        "What I mean is simple.",
        "I mean it.",
        "What kind of model did you use?",
        "This sort of problem is common.",
        "It is a kind of tree.",
        "So far, so good.",
        "I said so.",
        "It was so good.",
        "He likes it.",
    ],
)
def test_not_fillers(text):
    assert found(text) == []


def test_filler_timestamps_are_the_words():
    t = transcript("I, um, built a model, you know, for fraud.")
    hits = find_fillers(t)
    words = t.words
    assert [(h.text, h.start_s) for h in hits] == [("um", words[1].start_s), ("you know", words[5].start_s)]
    assert hits[1].end_s == words[6].end_s


def test_summary_rates():
    t = transcript("um uh um like, yes " * 3)
    f = find_fillers(t)
    s = summarise(f, n_words=15, answer_s=60.0)
    assert s.count == len(f) and s.hesitation_count == 9
    assert s.per_minute == pytest.approx(len(f)) and s.per_100_words == pytest.approx(100 * len(f) / 15)
    assert list(s.by_word)[0] == "um"


def test_all_fillers_and_empty():
    assert len(find_fillers(transcript("um uh um uh"))) == 4
    assert find_fillers(transcript("")) == []
    s = summarise([], 0, 0.0)
    assert s.count == 0 and s.per_minute == 0 and s.per_100_words == 0


def test_a_hesitation_written_again_without_audio_is_counted_once():
    """Whisper wrote "uh" ten times for six in mfa_uhuh; its aligner gave four of them no audio at
    all (5.54-5.54, 5.54-5.54, 5.56-5.56, 5.56-5.56 s, right after a real one at 5.30-5.52 s)."""
    from helpers import timed

    echoes = timed(
        ("Montreal,", 0.86, 1.3),
        ("uh,", 4.62, 4.82),
        ("uh,", 5.3, 5.52),
        ("uh,", 5.54, 5.54),
        ("uh,", 5.54, 5.54),
        ("uh,", 5.56, 5.56),
        ("uh,", 5.56, 5.56),
        ("forced", 5.62, 5.9),
    )
    assert [(f.start_s, f.end_s) for f in find_fillers(echoes)] == [(4.62, 4.82), (5.3, 5.52)]


@pytest.mark.parametrize(
    "spec",
    [
        # two said one after the other, each with its own audio
        (("uh,", 1.0, 1.2), ("uh,", 1.2, 1.45)),
        # no audio of its own, but far from the one before: Whisper squeezed a spoken one
        (("uh,", 1.0, 1.2), ("uh,", 2.0, 2.0)),
        # no audio of its own, alone
        (("so", 0.5, 0.8), ("um,", 0.8, 0.8)),
        # a word between them: a new hesitation
        (("uh,", 1.0, 1.2), ("the", 1.2, 1.2), ("uh,", 1.22, 1.22)),
    ],
)
def test_hesitations_with_audio_or_apart_all_count(spec):
    from helpers import timed

    assert sum(f.kind == "hesitation" for f in find_fillers(timed(*spec))) == sum(
        w[0] != "the" and w[0] != "so" for w in spec
    )
