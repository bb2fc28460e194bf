"""The ways of counting fillers (voicecoach.pipeline.FILLER_METHODS) and the default, verbatim."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.asr.types import VERBATIM_PROMPT
from voicecoach.pipeline import DEFAULT_FILLER_METHOD, FILLER_METHODS, ScoreOptions, score_options
from voicecoach.schema.report import schema as report_schema

EXE = shutil.which("voicecoach", path=str(Path(sys.executable).parent)) or "voicecoach"


def test_each_method_sets_prompt_conditioning_and_probe_together():
    want = {  # method: (prompt on every window, conditioning on the previous window, probe, recovery)
        "verbatim": (VERBATIM_PROMPT, False, False, False),
        "verbatim+heard": (VERBATIM_PROMPT, False, True, True),
        "written+heard": (None, True, True, True),
        "written": (None, True, False, False),
    }
    assert set(want) == set(FILLER_METHODS) and DEFAULT_FILLER_METHOD == "verbatim"
    for method, (prompt, condition, probe, recovery) in want.items():
        o = score_options(method, model="tiny.en", beam_size=1)
        t = o.transcription
        assert (t.window_prompt, t.condition_on_previous_text, t.probe_hesitations, o.analysis.recovery.enabled) == (
            prompt,
            condition,
            probe,
            recovery,
        ), method
        assert t.initial_prompt is None and (t.model, t.beam_size) == ("tiny.en", 1)
    # the option classes' own defaults are the default method, so every command that builds them
    # (score, practice, batch, rescore, recover, evaluate) counts the same way
    assert ScoreOptions() == score_options()
    with pytest.raises(ValueError):
        score_options("heard")


def test_the_batch_cache_key_follows_the_method():
    from voicecoach import questions
    from voicecoach.batch.jobs import settings_key

    q = questions.get("tell-me-about-yourself")
    keys = {settings_key(score_options(m), q) for m in FILLER_METHODS}
    assert len(keys) == len(FILLER_METHODS)


@pytest.mark.parametrize("args", [["--fillers", "heard"], ["--fillers", "written+heard", "--written-fillers-only"]])
def test_a_bad_filler_method_is_refused_before_any_work(args, data):
    r = subprocess.run([EXE, "score", data / "whisper_jfk.flac", *args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--fillers" in r.stderr, r.stderr


@pytest.mark.model
def test_the_default_writes_the_hoarse_monologue_hesitations(data, tmp_path):
    """mfa_cold_corpus: 1 "um" and 4 "uh" in the verbatim reference. In a plain transcript Whisper
    base writes none of them (voicecoach 0.2 recovered 4 with its probe); under the verbatim prompt
    it wrote all 5 (measured), each a word of the transcript with its own time."""
    import jsonschema

    out = tmp_path / "r.json"
    r = subprocess.run(
        [EXE, "score", data / "mfa_cold_corpus.flac", "--out", out], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    jsonschema.validate(report, report_schema())
    f = report["fillers"]
    assert f["method"] == "verbatim"
    hes = [x for x in f["occurrences"] if x["kind"] == "hesitation"]
    assert len(hes) >= 4 and all(x["source"] == "transcript" for x in hes), hes
    words = {(w["start_s"], w["end_s"]) for s in report["transcript"]["segments"] for w in s["words"]}
    assert all((x["start_s"], x["end_s"]) in words for x in hes)
    assert "(heard, not transcribed)" not in r.stdout and "uh" in r.stdout


def test_untranscribed_speech_is_found_between_words():
    """Where Silero hears speech and Whisper wrote no word for 2 s or more (it can jump its
    timestamps past speech), voicecoach transcribes that stretch again (WhisperTranscriber._refill)."""
    from voicecoach.asr.refill import untranscribed

    # speech 0-20 s (two spans 0.2 s apart are one stretch); words cover 0-5 s and 18-19 s
    assert untranscribed([(0, 10), (10.2, 20)], [(0, 1), (1.1, 5), (18, 19)]) == [(5, 18)]
    assert untranscribed([(0, 3)], []) == [(0, 3)]
    # ordinary pauses between words, and speech after the last word shorter than 2 s, are not gaps
    assert untranscribed([(0, 3)], [(0.5, 1.0), (1.5, 2.9)]) == []
    assert untranscribed([(0, 10)], [(0, 8.5)]) == []
    assert untranscribed([(0, 10)], [(0, 7.5)]) == [(7.5, 10)]
    # words outside any speech span change nothing; a span with none of them is untranscribed whole
    assert untranscribed([(30, 33)], [(0, 10)]) == [(30, 33)]
