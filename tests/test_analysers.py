"""Length, pace, pauses and the overall score on hand-built transcripts, edges included."""

import pytest
from helpers import timed, transcript, words_from_text

from voicecoach.analysis.length import analyse_length
from voicecoach.analysis.pace import PaceOptions, analyse_pace
from voicecoach.analysis.pauses import analyse_pauses
from voicecoach.analysis.report import WEIGHTS
from voicecoach.analysis.score import build_report, overall_score
from voicecoach.asr.types import Transcript
from voicecoach.questions import Question, RubricItem

Q = Question(
    id="q",
    text="Q?",
    category="general",
    target_min_s=180,
    target_max_s=240,
    rubric=(RubricItem("a", "academic background"),),
)


@pytest.mark.parametrize(
    "answer_s,verdict,off",
    [
        (179.9, "short", 0.1),
        (180.0, "on target", 0.0),
        (240.0, "on target", 0.0),
        (240.1, "long", 0.1),
        (0.0, "short", 180.0),
    ],
)
def test_length_limits_are_inclusive(answer_s, verdict, off):
    r = analyse_length(answer_s, answer_s + 2, 180, 240)
    assert r.verdict == verdict and r.off_by_s == pytest.approx(off)


def test_pauses_and_gaps():
    t = timed(
        ("I", 0.0, 0.2),
        ("built", 0.3, 0.6),
        ("it.", 1.2, 1.5),
        ("Then", 4.5, 4.8),
        ("wow", 5.0, 9.0),
        ("and", 12.0, 12.2),
        ("done.", 12.3, 12.6),
    )
    r = analyse_pauses(t.words)
    # 0.6 s and 3.0 s pauses count; the 4-second "wow" is a transcription gap: no pause around it.
    assert [round(p.duration_s, 2) for p in r.pauses] == [0.6, 3.0]
    assert [p.start_s for p in r.long_pauses] == [1.5]
    assert r.longest_s == pytest.approx(3.0)
    assert [(g.text, g.duration_s) for g in r.gaps] == [("wow", 4.0)]


def test_pause_exactly_at_thresholds():
    t = timed(("a", 0.0, 0.5), ("b", 1.0, 1.5), ("c", 3.5, 4.0))
    r = analyse_pauses(t.words)
    assert r.count == 2 and len(r.long_pauses) == 1  # 0.5 s is a pause, 2.0 s is long


def test_pace_known_rate():
    # 150 words, each 0.3 s + 0.1 s gap -> 0.4 s per word -> 150 wpm (the last gap is not spoken).
    words = words_from_text(" ".join(["word"] * 150))
    pauses = analyse_pauses(words)
    p = analyse_pace(words, pauses)
    span = words[-1].end_s - words[0].start_s
    assert p.wpm == pytest.approx(150 * 60 / span)
    assert p.verdict == "ok" and p.words == 150
    assert p.speaking_wpm == pytest.approx(p.wpm)  # no pause reaches 0.5 s


def test_pace_timeline_flags_rushed_window():
    slow = words_from_text(" ".join(["a"] * 40), word_s=0.3, gap_s=0.45)  # 80 wpm for 30 s
    fast = words_from_text(" ".join(["b"] * 100), start_s=30.0, word_s=0.2, gap_s=0.1)  # 200 wpm
    words = slow + fast
    p = analyse_pace(words, analyse_pauses(words), PaceOptions())
    assert [w.verdict for w in p.windows[:2]] == ["slow", "fast"]
    assert p.flagged[0].start_s == 0.0 and p.flagged[1].start_s == 30.0


def test_pace_excludes_gap_time():
    words = words_from_text("one two three") + [w for w in timed(("long", 2.0, 12.0)).words]
    p = analyse_pace(words, analyse_pauses(words))
    assert p.words == 3  # the gap word is not speech


def test_no_words_one_word_zero_length():
    empty = build_report(Q, Transcript(segments=(), duration_s=30.0), encoder=None)
    assert (
        empty.score is None
        and empty.length.verdict == "no speech"
        and "No speech" in empty.notices[0].text
        and empty.notices[0].code == "no-speech"
    )
    zero = build_report(Q, Transcript(segments=(), duration_s=0.0), encoder=None)
    assert zero.score is None
    one = build_report(Q, transcript("Hello."), encoder=None)
    assert one.pace.words == 1 and one.length.verdict == "short" and 0 <= one.score <= 100
    assert one.rubric.items[0].status == "missed"


def test_all_fillers_answer_scores_low_on_fillers():
    r = build_report(Q, transcript("um uh um uh " * 30), encoder=None)
    assert r.fillers.count == 120 and r.parts["fillers"] == 0.0


def test_overall_is_weighted_mean():
    parts = {k: 100.0 for k in WEIGHTS}
    assert overall_score(parts) == 100
    parts["coverage"] = 0.0
    assert overall_score(parts) == pytest.approx(100 - WEIGHTS["coverage"])


def test_tips_three_to_five_in_priority_order():
    text = "um " * 20 + "I like it. <pause 6> " + "so it was fine. " * 10
    r = build_report(Q, transcript(text), encoder=None)
    assert 3 <= len(r.tips) <= 5
    pri = [t.priority for t in r.tips]
    assert pri == sorted(pri, reverse=True)
    pause_tip = [t for t in r.tips if t.area == "pauses"][0]
    assert "paused 6 s at 0:" in pause_tip.text


def test_tips_for_a_clean_answer_are_still_three():
    words = words_from_text(" ".join(["word"] * 460))  # 184 s at 150 wpm: on target, no fillers
    r = build_report(Q, Transcript.from_words(words), encoder=None)
    assert r.length.verdict == "on target" and r.fillers.count == 0
    assert len(r.tips) >= 3


def test_parse_clock():
    from voicecoach.timefmt import clock, parse_clock

    assert parse_clock("90") == 90 and parse_clock("1:30") == 90 and parse_clock("1:02:03") == 3723
    for bad in ("abc", "1::2", "", "1:2:3:4"):
        with pytest.raises(ValueError, match="not a time"):
            parse_clock(bad)
    assert clock(3723) == "1:02:03" and clock(59.6) == "1:00"


def test_a_refill_adds_only_words_the_first_pass_lacks():
    """A refill's window is padded and Whisper reads on past it: words lying on first-pass words are
    the same words again (seen at a 30-s window's edge: "did not say. I'm not saying" twice)."""
    from voicecoach.asr.refill import new_words
    from voicecoach.asr.types import Word

    first = [(30.0, 30.08), (30.08, 30.38)]  # "I'm", "saying"
    refill = [Word("did", 29.85, 29.93), Word("not", 29.93, 30.11), Word("say.", 30.11, 30.27), Word("Uh,", 21.5, 21.7)]
    assert [w.text for w in new_words(refill, first)] == ["did", "Uh,"]  # "not" centres on "I'm"
