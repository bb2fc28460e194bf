"""Shared fixtures. Tests never touch the user's real data folder: VOICECOACH_HOME points at a temp dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _session_home(tmp_path_factory):
    """One voicecoach home for the session (the assembled base model is prepared here once)."""
    home = tmp_path_factory.mktemp("voicecoach-home")
    old = os.environ.get("VOICECOACH_HOME")
    os.environ["VOICECOACH_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("VOICECOACH_HOME", None)
    else:
        os.environ["VOICECOACH_HOME"] = old


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def scorer():
    """The real default pipeline (Whisper base, MiniLM), loaded once for all tests that need it."""
    from voicecoach.pipeline import Scorer

    return Scorer()


@pytest.fixture(scope="session")
def tell_me():
    from voicecoach import questions

    return questions.get("tell-me-about-yourself")
