"""Recovering the hesitations Whisper heard but did not write (analysis.recovery, asr.probe).

The rule is tested on hand-made cues and audio; the probe and the rule together on real speech
(the MFA monologue half, and clean read speech in test_transcription.py) through the CLI.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.analysis.fillers import find_fillers, is_hesitation
from voicecoach.analysis.recovery import RecoveryOptions, recover_hesitations
from voicecoach.asr.types import HesitationCue, Transcript, Word
from voicecoach.schema.report import schema as report_schema

sys.path.insert(0, str(Path(__file__).parent))
from test_cli import run  # noqa: E402

SR = 16000


def audio(seconds: float, voiced: list[tuple[float, float]], seed: int = 0) -> np.ndarray:
    """Room noise at about -60 dBFS with a 110-Hz voice (-20 dBFS) in the ``voiced`` spans."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.001, int(seconds * SR)).astype(np.float32)
    t = np.arange(len(x)) / SR
    for a, b in voiced:
        m = (t >= a) & (t < b)
        x[m] += 0.1 * np.sin(2 * np.pi * 110 * t[m])
    return x


def words(*spans: tuple[str, float, float]) -> list[Word]:
    return [Word(w, a, b) for w, a, b in spans]


# "I built it [um] and shipped it": the words leave a gap from 1.0 to 2.0 s.
WORDS = words(
    ("I", 0.0, 0.3), ("built", 0.3, 0.6), ("it", 0.6, 1.0), ("and", 2.0, 2.3), ("shipped", 2.3, 2.7), ("it.", 2.7, 3.0)
)
SPEECH = [(0.0, 1.0), (2.0, 3.0)]


def make(cues, ws=WORDS, duration=3.5):
    return Transcript(segments=Transcript.from_words(ws).segments, duration_s=duration, cues=tuple(cues))


def test_a_likely_hesitation_in_a_sounding_gap_is_recovered():
    t = make([HesitationCue(1.0, 2.0, 0.6)])
    got = recover_hesitations(t, audio(3.5, SPEECH + [(1.3, 1.7)]))
    assert [(f.text, f.kind, f.source, f.start_s, f.end_s) for f in got] == [("um/uh", "hesitation", "heard", 1.0, 2.0)]


@pytest.mark.parametrize(
    "why,cue,voiced",
    [
        ("probability under the threshold", HesitationCue(1.0, 2.0, 0.1), [(1.3, 1.7)]),
        ("no gap, and the model is not sure", HesitationCue(1.0, 1.0, 0.2), [(1.3, 1.7)]),
        ("gap shorter than a hesitation", HesitationCue(1.0, 1.2, 0.2), [(1.0, 1.2)]),
        ("a silent pause", HesitationCue(1.0, 2.0, 0.9), []),
    ],
)
def test_cues_that_are_not_hesitations(why, cue, voiced):
    assert recover_hesitations(make([cue]), audio(3.5, SPEECH + voiced)) == [], why


@pytest.mark.parametrize("model,recovered", [("base", 1), ("", 1), ("/my/models/small-ct2", 1), ("tiny.en", 0)])
def test_each_model_has_its_own_bar_in_a_gap(model, recovered):
    """tiny.en's probabilities run higher where nothing was said, so its bar is 0.5 (base: 0.15)."""
    t = Transcript(segments=make([]).segments, duration_s=3.5, model=model, cues=(HesitationCue(1.0, 2.0, 0.3),))
    got = recover_hesitations(t, audio(3.5, SPEECH + [(1.3, 1.7)]))
    assert len(got) == recovered
    # a bar the caller sets is kept, whatever the model
    assert len(recover_hesitations(t, audio(3.5, SPEECH + [(1.3, 1.7)]), RecoveryOptions(min_probability=0.2))) == 1


def test_digital_silence_around_the_recording_does_not_lower_the_noise_floor():
    """Padded with zeros (two thirds of the file), the gap's room noise is still not "audible":
    the floor is the room's (-60 dBFS), not the zeros' -120 dBFS."""
    pad = 3.5
    ws = [Word(w.text, w.start_s + pad, w.end_s + pad) for w in WORDS]
    t = Transcript(
        segments=Transcript.from_words(ws).segments,
        duration_s=3 * pad,
        cues=(HesitationCue(1.0 + pad, 2.0 + pad, 0.9),),
    )
    zeros = np.zeros(int(pad * SR), dtype=np.float32)
    assert recover_hesitations(t, np.concatenate([zeros, audio(pad, SPEECH), zeros])) == []
    # ...while a voice in that gap still is
    voiced = np.concatenate([zeros, audio(pad, SPEECH + [(1.3, 1.7)]), zeros])
    assert [(f.start_s, f.end_s) for f in recover_hesitations(t, voiced)] == [(1.0 + pad, 2.0 + pad)]


@pytest.mark.parametrize("probability,recovered", [(0.15, 0), (0.5, 1)])
def test_with_no_gap_the_bar_is_higher(probability, recovered):
    # "uh uh [uh] forced": Whisper stretched the written "uh" over the next one, leaving no gap
    ws = words(("uh", 0.0, 1.0), ("uh", 1.0, 2.0), ("forced", 2.0, 2.5))
    t = make([HesitationCue(2.0, 2.0, probability)], ws)
    got = recover_hesitations(t, audio(3.5, [(0.0, 2.5)]))
    assert [(f.start_s, f.end_s) for f in got] == [(2.0, 2.0)] * recovered


def test_before_a_written_hesitation_the_cue_is_that_filler_itself():
    ws = words(("I", 0.0, 0.3), ("built", 0.3, 0.6), ("it,", 0.6, 1.0), ("um,", 2.0, 2.4), ("and", 2.4, 2.7))
    t = make([HesitationCue(1.0, 2.0, 0.99)], ws)
    assert recover_hesitations(t, audio(3.5, [(0.0, 1.0), (1.3, 1.7), (2.0, 2.7)])) == []


def test_overlapping_cues_count_once_and_disabled_means_none():
    # the last boundary of one 30-s window and the first of the next describe the same gap
    t = make([HesitationCue(1.0, 2.0, 0.5), HesitationCue(1.0, 1.9, 0.6)])
    x = audio(3.5, SPEECH + [(1.3, 1.7)])
    assert len(recover_hesitations(t, x)) == 1
    assert recover_hesitations(t, x, RecoveryOptions(enabled=False)) == []
    # two windows can report the same boundary with no gap
    ws = words(("uh", 0.0, 1.0), ("uh", 1.0, 2.0), ("forced", 2.0, 2.5))
    t = make([HesitationCue(2.0, 2.0, 0.6), HesitationCue(2.0, 2.0, 0.7)], ws)
    assert len(recover_hesitations(t, audio(3.5, [(0.0, 2.5)]))) == 1


def test_gaps_parted_only_by_words_without_duration_are_one_hesitation():
    # "it [...] oh [...] oh [...] and": Whisper could not place the two "oh" (zero length), so the
    # three gaps are one stretch of audio; a word with a duration between gaps keeps them apart.
    ws = words(
        ("I", 0.0, 0.3),
        ("built", 0.3, 0.6),
        ("it.", 0.6, 1.0),
        ("oh,", 1.4, 1.4),
        ("oh,", 1.7, 1.7),
        ("and", 2.0, 2.3),
        ("shipped", 2.3, 2.7),
        ("it.", 2.7, 3.0),
    )
    cues = [HesitationCue(1.0, 1.4, 0.3), HesitationCue(1.4, 1.7, 0.3), HesitationCue(1.7, 2.0, 0.3)]
    x = audio(3.5, SPEECH + [(1.1, 1.3), (1.45, 1.65), (1.75, 1.95)])
    assert [(f.start_s, f.end_s) for f in recover_hesitations(make(cues, ws), x)] == [(1.0, 2.0)]
    ws = [*ws[:3], Word("oh,", 1.4, 1.5), *ws[4:]]
    cues = [HesitationCue(1.0, 1.4, 0.3), HesitationCue(1.5, 1.7, 0.3), HesitationCue(1.7, 2.0, 0.3)]
    assert [(f.start_s, f.end_s) for f in recover_hesitations(make(cues, ws), x)] == [(1.0, 1.4), (1.5, 2.0)]


def test_drawn_out_spellings_are_hesitations_and_letters_are_not():
    for w in ["ummmmm,", "Uhhh...", "Hmmm.", "mm", "erm", "Ahh"]:
        assert is_hesitation(w), w
    for w in ["m", "a", "her", "Mum", "hum", "arm"]:
        assert not is_hesitation(w), w


def test_so_after_an_opening_hesitation_is_a_discourse_filler():
    from helpers import transcript

    got = [(f.text, f.kind) for f in find_fillers(transcript("uh so this is the sick corpus"))]
    assert got == [("uh", "hesitation"), ("so", "discourse")]
    assert [f.text for f in find_fillers(transcript("I was there so I went"))] == []


@pytest.mark.model
@pytest.mark.xfail(
    strict=True,
    reason="known: tiny.en's probe gives more than its bar of 0.5 after the written 'uh' of "
    "mfa_uh (0.27-0.45 when the bar was chosen), so the old method (--fillers written+heard, no "
    "longer the default) hears one false hesitation (reproducible mode, so on every host); docs/fillers.md",
)
def test_tiny_en_hears_no_second_hesitation_after_a_written_one(data, tell_me):
    """mfa_uh and mfa_um hold one hesitation each, which tiny.en writes. Its probe then gives
    0.27-0.45 in the next gap (base's bar, 0.15, makes that a second, false "um"); tiny.en's bar
    (0.5) does not."""
    from dataclasses import replace

    from voicecoach.pipeline import Scorer, score_options

    def hesitations(name, recovery):
        options = score_options("written+heard", model="tiny.en")
        options = replace(options, analysis=replace(options.analysis, recovery=recovery))
        report = Scorer(options).score(data / "mfa" / f"mfa_{name}.flac", tell_me)
        return [(f.text, f.source) for f in report.fillers.fillers if f.kind == "hesitation"]

    for name in ("uh", "um"):
        got = hesitations(name, RecoveryOptions())
        assert len(got) == 1 and got[0][1] == "transcript", (name, got)
        assert len(hesitations(name, RecoveryOptions(min_probability=0.15))) == 2, name


@pytest.mark.model
def test_monologue_hesitations_are_heard_reported_and_marked(data, tmp_path):
    """The hoarse half of the MFA monologue counted as voicecoach 0.2 did (--fillers written+heard):
    in a plain transcript Whisper writes none of its 5 um/uh (reference)."""
    import jsonschema

    out = tmp_path / "r.json"
    p = run(
        "score",
        data / "mfa_cold_corpus.flac",
        "-q",
        "tell-me-about-yourself",
        "--out",
        out,
        "--fillers",
        "written+heard",
    )
    assert p.returncode == 0, p.stderr
    assert "um/uh (heard, not transcribed)" in p.stdout
    report = json.loads(out.read_text())
    schema = report_schema()
    jsonschema.validate(report, schema)
    heard = [x for x in report["fillers"]["occurrences"] if x["source"] == "heard"]
    written = [x for x in report["fillers"]["occurrences"] if x["source"] == "transcript" and x["kind"] == "hesitation"]
    # measured: 4 of the 5 heard (the fifth sits between touching words: "the uh acoustic"), none
    # written; the "um" after "acoustic corpus" (8.8-10.0 s) scores 0.65 after the disfluent
    # previous text, 0.002 without it
    assert 4 <= len(heard) <= 5 and not written, report["fillers"]
    assert any(x["start_s"] < 9.5 < x["end_s"] for x in heard), heard
    assert all(x["text"] == "um/uh" and x["kind"] == "hesitation" and x["end_s"] - x["start_s"] >= 0.25 for x in heard)
    assert report["fillers"]["hesitation_count"] == len(heard)
    # the first "uh" opens the recording, before "so this is the sick corpus"
    assert heard[0]["start_s"] < 1.5

    p = run("score", data / "mfa_cold_corpus.flac", "-q", "tell-me-about-yourself", "--json", "--written-fillers-only")
    assert p.returncode == 0, p.stderr
    assert all(x["source"] == "transcript" for x in json.loads(p.stdout)["fillers"]["occurrences"])


def test_probe_queue_hands_over_each_window_when_the_next_is_encoded():
    """faster-whisper encodes a window, yields its segments, then encodes the next: the segments
    between two encodings are one window, probed with the first encoding and its piece's offset.
    With group=2 (no idle core) windows go two at a time, the rest at the end, in the same order."""
    from concurrent.futures import ThreadPoolExecutor

    from voicecoach.asr.probe import ProbeQueue

    for group, calls in ((1, [[0.0], [0.0], [300.0]]), (2, [[0.0, 0.0], [300.0]])):
        seen = []

        def probe(windows):
            seen.append([offset for _, _, offset in windows])
            return [f"{encoding}:{''.join(segs)}" for segs, encoding, _ in windows]

        with ThreadPoolExecutor(max_workers=1) as pool:
            q = ProbeQueue(pool, probe, group)
            q.encoded("language")  # the language check: nothing yielded from it
            q.encoded("w1")
            q.add("a")
            q.add("b")
            q.encoded("w2")  # skipped by faster-whisper (a hallucination in silence): no segments
            q.encoded("w3")
            q.add("c")
            q.flush()  # end of a 5-minute piece
            q.offset_s = 300.0
            q.encoded("w4")
            q.add("d")
            assert q.cues() == ["w1:ab", "w3:c", "w4:d"]
        assert seen == calls
