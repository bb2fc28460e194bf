"""Writing a file so that readers see the old version or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from voicecoach.errors import OutputError


def check_target(path: str | os.PathLike) -> Path:
    """Raise OutputError unless ``path`` could be written: its folder exists and it is not a folder."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder")
    return path


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to a temp file in the same folder, fsync it, then rename it over ``path``.

    Raises OSError (the temp file is removed first)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same folder and a rename: never half-written."""
    path = check_target(path)
    try:
        write_text(path, text)
    except OSError as e:
        raise OutputError(f"{path}: cannot write ({e.strerror or e})") from e
