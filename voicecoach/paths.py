"""Where voicecoach keeps its files: one per-user folder, overridable by VOICECOACH_HOME."""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "VOICECOACH_HOME"


def home() -> Path:
    """The per-user data folder (``$VOICECOACH_HOME`` if set, else the platform's data dir)."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach", appauthor=False))


def models_dir() -> Path:
    """Assembled and verified model folders."""
    return home() / "models"


def user_prompts_dir() -> Path:
    """Question banks the user adds: every ``*.toml`` here is loaded after the bundled ones."""
    return home() / "prompts"
