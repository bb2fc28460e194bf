"""Where voicecoach keeps its files, and who may read them.

- ``home()``: the per-user data folder (sessions, the session index, the user's question banks),
  ``$VOICECOACH_HOME`` if set. It holds recordings of the user's voice, so it is private: folders
  0700, files 0600 (``private_dir`` / ``private_file``; see docs/architecture.md, *Privacy*).
- ``models_dir()``: the model weights voicecoach joins from their pip packages, once per user (a
  cache: they can always be joined again), ``$VOICECOACH_MODELS`` if set.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "VOICECOACH_HOME"
ENV_MODELS = "VOICECOACH_MODELS"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def home() -> Path:
    """The per-user data folder (``$VOICECOACH_HOME`` if set, else the platform's data dir)."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach", appauthor=False))


def models_dir() -> Path:
    """Assembled and verified model folders: ``$VOICECOACH_MODELS`` if set, else the per-user cache
    (``~/.cache/voicecoach/models`` on Linux), shared by every data folder of this user."""
    env = os.environ.get(ENV_MODELS)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach", appauthor=False)) / "models"


def user_prompts_dir() -> Path:
    """Question banks the user adds: every ``*.toml`` here is loaded after the bundled ones."""
    return home() / "prompts"


def _chmod(path: Path, mode: int) -> None:
    """chmod, where the file system allows it (a FAT or SMB mount may not: then it is left as the
    mount says, with a note in the log, rather than failing the recording)."""
    try:
        os.chmod(path, mode)
    except OSError as e:
        import errno
        import logging

        if e.errno not in (errno.EPERM, errno.EACCES, errno.ENOTSUP):
            raise

        logging.getLogger("voicecoach").warning(
            "cannot make %s private (%s); check the folder's permissions", path, e.strerror or e
        )


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed, and make it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if it does not exist, and make it readable by its owner only. Writers
    that open an existing file keep its mode, so a recording is never readable by others, even
    while it is being made."""
    # (an existing file is not opened: closing any descriptor of a file drops every POSIX lock this
    # process holds on it, and SQLite's locks on the session index are such locks)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except FileExistsError:
            pass
    _chmod(path, PRIVATE_FILE)
    return path


def tighten(root: Path) -> int:
    """Make every folder under ``root`` (itself included) 0700 and every file 0600; the number of
    entries changed. For data folders made by voicecoach 0.3.0 or earlier, which left them 0755/0644."""
    changed = 0
    for dirpath, _dirnames, filenames in os.walk(root):
        for name, mode in [(dirpath, PRIVATE_DIR)] + [(os.path.join(dirpath, f), PRIVATE_FILE) for f in filenames]:
            try:
                st = os.lstat(name)
                if not os.path.islink(name) and st.st_mode & 0o777 != mode:
                    os.chmod(name, mode)
                    changed += 1
            except OSError:
                continue
    return changed
