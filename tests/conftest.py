"""Shared fixtures. Tests never touch the user's real data folder: VOICECOACH_HOME points at a temp dir.

The whole suite runs in reproducible mode (voicecoach.numerics), set here before numpy loads, and so do
the commands it starts: what Whisper writes is the same on every host, so tests assert it exactly
(tests/data/golden.json). A test of native mode starts its own process without it.
"""

from __future__ import annotations

import os

os.environ["VOICECOACH_REPRODUCIBLE"] = "1"
from voicecoach import numerics  # noqa: E402  (no numpy yet: that is the point)

numerics.use(numerics.REPRODUCIBLE)

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

# the measuring toolbox (scripts/toolbox.py) and its evaluation helpers, which the tests use too
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _session_home(tmp_path_factory):
    """One voicecoach home for the session, and one model cache (the assembled base model is
    prepared there once, as it is once per user outside the tests)."""
    home = tmp_path_factory.mktemp("voicecoach-home")
    env = {"VOICECOACH_HOME": str(home), "VOICECOACH_MODELS": str(tmp_path_factory.mktemp("voicecoach-models"))}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield home
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def scorer():
    """The real default pipeline (Whisper base, MiniLM), loaded once for all tests that need it."""
    from voicecoach.pipeline import Scorer

    return Scorer()


@pytest.fixture
def save_scored(scorer, home):
    """``save_scored(path, question_id)``: what `voicecoach score PATH -q ID --save` keeps, made with
    the session's loaded pipeline (no process to start, no model to load again); its SessionInfo."""
    from voicecoach import questions
    from voicecoach.schema.report import to_dict
    from voicecoach.sessions.store import keep_recording

    def save(path, question_id: str = "tell-me-about-yourself"):
        q = questions.get(question_id)
        report = scorer.score(path, q)
        return keep_recording(path, q, to_dict(report), report.transcript.duration_s)

    return save


@pytest.fixture(scope="session")
def tell_me():
    from voicecoach import questions

    return questions.get("tell-me-about-yourself")


@pytest.fixture(scope="session")
def long_answer(scorer, tell_me, tmp_path_factory):
    """The 3:13 answer built from the test recordings (test_long_answer.build_long_answer), scored
    once for the session: its path, each recording's span, the report, and whether Whisper fell
    back to sampling in it (tests/golden.py's fingerprint records that)."""
    from types import SimpleNamespace

    from test_long_answer import build_long_answer

    from voicecoach.asr import engine

    path = tmp_path_factory.mktemp("long-answer") / "long_answer.flac"
    spans = build_long_answer(DATA, path)
    report = scorer.score(path, tell_me)
    return SimpleNamespace(path=path, spans=spans, report=report, sampled=engine.has_sampled(scorer.transcriber.model))


@pytest.fixture(scope="session")
def pulse(tmp_path_factory):
    """A running PulseAudio server with a virtual microphone and speaker. PULSE_SERVER is set for
    this process too (before anything imports sounddevice) and so for every child process."""
    from pulse import PulseServer

    server = PulseServer(tmp_path_factory.mktemp("pulse")).start()
    old = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server.server
    yield server
    server.stop()
    if old is None:
        os.environ.pop("PULSE_SERVER", None)
    else:
        os.environ["PULSE_SERVER"] = old


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch, _session_home):
    """A fresh voicecoach home for every test (its sessions land here, so no test sees another's);
    the model cache is shared."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("VOICECOACH_HOME", str(h))
    return h


@pytest.fixture(autouse=True)
def _tiers(request, monkeypatch):
    """The fast tier (`pytest -m "not model and not audio"`) must stay fast: a test that loads
    Whisper or MiniLM in this process without the `model` marker, or starts the sound server without
    the `audio` marker, fails and says which marker it needs. (Models a test's child process loads
    are not seen here: those tests are marked by hand; see docs/testing.md.)"""
    marks = {m.name for m in request.node.iter_markers()}
    if "audio" not in marks and "pulse" in request.fixturenames:
        pytest.fail("this test uses the sound server: mark it @pytest.mark.audio")
    if "model" in marks or "audio" in marks:
        return

    def refuse(what):
        def loader(*args, **kwargs):
            raise AssertionError(f"this test loads {what}: mark it @pytest.mark.model")

        return loader

    import ctranslate2
    import safetensors.numpy

    monkeypatch.setattr(ctranslate2.models, "Whisper", refuse("Whisper"))
    monkeypatch.setattr(safetensors.numpy, "load_file", refuse("the MiniLM sentence encoder"))


@pytest.fixture(scope="session")
def golden_set(scorer, long_answer):
    """tests/golden.py's recordings scored once for the session, backwards (each follows other files
    than when tests/data/golden.json was written): (fingerprints, {name: Report})."""
    import golden

    reports: dict = {}
    return golden.compute(scorer=scorer, backwards=True, long_answer=long_answer, reports=reports), reports
