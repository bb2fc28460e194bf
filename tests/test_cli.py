"""The real `voicecoach` command, as a user runs it."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import write_audio

from voicecoach.schema.report import schema as report_schema

EXE = shutil.which("voicecoach", path=str(Path(sys.executable).parent)) or "voicecoach"


def run(*args, timeout=300, cwd=None):
    return subprocess.run(
        [EXE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100"},
    )


def assert_one_line_error(p, *needles):
    assert p.returncode not in (0, None), p
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("voicecoach: error:") and "Traceback" not in p.stderr
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.mark.model
def test_score_json_matches_schema_and_out_file(data, tmp_path):
    import jsonschema

    out = tmp_path / "report.json"
    p = run("score", data / "whisper_jfk.flac", "--question", "tell-me-about-yourself", "--json", "--out", out)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    schema = report_schema()
    jsonschema.validate(report, schema)
    assert json.loads(out.read_text()) == report
    assert report["question"]["id"] == "tell-me-about-yourself"
    assert report["length"]["verdict"] == "short" and report["fillers"]["count"] == 0
    words = [w for s in report["transcript"]["segments"] for w in s["words"]]
    assert words[0]["text"] == "And" and words[-1]["text"].startswith("country")
    assert 3 <= len(report["tips"]) <= 5


@pytest.mark.model
def test_score_terminal_report(data):
    p = run("score", data / "mfa_acoustic_corpus.flac", "-q", "tell-me-about-yourself", "--transcript")
    assert p.returncode == 0, p.stderr
    for needle in [
        "Overall score",
        "Length",
        "short by",
        "Pace",
        "wpm",
        "Fillers",
        "Pauses",
        "Rubric coverage",
        "Tips",
        "1.",
        "Transcript",
        "acoustic",
    ]:
        assert needle in p.stdout, needle


@pytest.mark.model
def test_silence_is_one_line_and_exit_3(tmp_path):
    """Nothing to score is an input problem: one line on stderr, exit 3; --json still prints the
    report (score null, the reason in notices) and --out still writes it."""
    path = write_audio(tmp_path / "silence.wav", np.zeros(30 * 16000, np.float32))
    p = run("score", path)
    assert p.returncode == 3 and p.stdout == ""
    assert p.stderr.strip().count("\n") == 0 and "silence.wav: No speech was detected" in p.stderr, p.stderr
    p = run("score", path, "--json", "--out", tmp_path / "r.json")
    assert p.returncode == 3 and json.loads(p.stdout)["score"] is None
    assert "No speech" in json.loads((tmp_path / "r.json").read_text())["notices"][0]


@pytest.mark.model
def test_sixty_minute_file_is_scored(data, tmp_path):
    """An hour-long recording (11 s of speech, then silence) decodes, transcribes and reports 'short'."""
    from voicecoach.audio import load

    jfk = load(data / "whisper_jfk.flac").samples
    hour = np.zeros(60 * 60 * 16000, np.float32)
    hour[: len(jfk)] = jfk
    path = write_audio(tmp_path / "hour.flac", hour)
    del hour
    p = run("score", path, "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["audio"]["duration_s"] == pytest.approx(3600, abs=0.1)
    assert report["length"]["verdict"] == "short" and "country" in report["transcript"]["text"]


def test_bad_inputs_one_line_and_nothing_written(tmp_path, data):
    text_wav = tmp_path / "notes.wav"
    text_wav.write_text("these are my notes, not audio\n" * 20)
    empty = tmp_path / "empty.m4a"
    empty.write_bytes(b"")
    flac = (data / "mfa_acoustic_corpus.flac").read_bytes()
    trunc = tmp_path / "cut.flac"
    trunc.write_bytes(flac[: len(flac) // 3])
    cases = [
        ((tmp_path / "missing.wav",), "no such file"),
        ((tmp_path,), "is a folder"),
        ((text_wav,), "not a readable audio file"),
        ((empty,), "file is empty"),
        ((trunc,), "truncated"),
        ((data / "whisper_jfk.flac", "--question", "tell-me-about-yurself"), "unknown question"),
        ((data / "whisper_jfk.flac", "--model", "enormous"), "unknown model 'enormous'"),
        ((data / "whisper_jfk.flac", "--max-minutes", "0.1"), "limit is 0:06"),
        ((data / "whisper_jfk.flac", "--bank", tmp_path / "nope.toml"), "no such question bank"),
    ]
    for args, needle in cases:
        out = tmp_path / "out.json"
        p = run("score", *args, "--out", out, timeout=60)
        assert_one_line_error(p, needle)
        assert not out.exists() and not list(tmp_path.glob(".out.json.*")), args


def test_out_into_missing_folder_fails_before_work(data, tmp_path):
    t = time.monotonic()
    p = run("score", data / "whisper_jfk.flac", "--out", tmp_path / "no" / "r.json")
    assert_one_line_error(p, "does not exist")
    assert time.monotonic() - t < 10  # no model was loaded


def test_existing_out_file_survives_a_failed_run(tmp_path):
    out = tmp_path / "report.json"
    out.write_text('{"kept": true}')
    p = run("score", tmp_path / "missing.wav", "--out", out)
    assert p.returncode != 0 and json.loads(out.read_text()) == {"kept": True}


def test_questions_and_models_commands():
    p = run("questions", "list")
    assert p.returncode == 0 and "tell-me-about-yourself" in p.stdout and "3:00–4:00" in p.stdout
    p = run("questions", "list", "--category", "behavioral")
    assert "teammate-disagreement" in p.stdout and "cross-validation" not in p.stdout
    p = run("questions", "show", "tell-me-about-yourself")
    assert p.returncode == 0 and "Academic background" in p.stdout and "Long-term goals" in p.stdout
    assert_one_line_error(run("questions", "show", "nope"), "unknown question 'nope'")
    p = run("models", "list")
    assert p.returncode == 0 and "tiny.en" in p.stdout and "MIT" in p.stdout
    p = run("models", "verify")
    assert p.returncode == 0 and "base: ok" in p.stdout


def test_help_and_version():
    p = run("--help")
    assert p.returncode == 0 and "score" in p.stdout and "questions" in p.stdout
    p = run("score", "--help")
    assert p.returncode == 0 and "--question" in p.stdout and "--json" in p.stdout
    p = run("--version")
    assert p.stdout.startswith("voicecoach ")


def test_malloc_arenas_are_capped_on_glibc():
    """The CLI caps glibc's malloc arenas (voicecoach.allocator: 250 MB less at the peak of a
    60-minute file); on this Debian/Ubuntu machine the call must take effect."""
    import platform

    from voicecoach.allocator import limit_malloc_arenas

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert limit_malloc_arenas() is True
