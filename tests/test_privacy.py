"""A data folder holds recordings of the user's voice: it is private (folders 0700, files 0600),
and one made by an earlier version is tightened on first use. Model weights live once per user."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

from voicecoach import paths
from voicecoach.sessions.store import SessionStore


def modes(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        out[os.path.relpath(dirpath, root)] = stat.S_IMODE(os.stat(dirpath).st_mode)
        for f in files:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, root)] = stat.S_IMODE(os.stat(p).st_mode)
    return out


def test_a_new_data_folder_is_private(tmp_path):
    old = os.umask(0o022)  # the usual umask, which leaves new files world-readable
    try:
        store = SessionStore(tmp_path / "home")
        info = store.create("tell-me-about-yourself", "Tell me about yourself.")
        store.finish(info, {"score": 50, "transcript": {"segments": [{"start_s": 0, "text": "hi"}]}}, 1.0)
        paths.private_file(store.folder(info.id) / "answer.flac")
        store.close()
    finally:
        os.umask(old)
    got = modes(tmp_path / "home")
    assert "sessions.db" in got and f"sessions/{info.id}/report.json" in got
    bad = {k: oct(v) for k, v in got.items() if v != (0o700 if os.path.isdir(tmp_path / "home" / k) else 0o600)}
    assert not bad


def test_an_old_data_folder_is_tightened_once(tmp_path):
    """A home as voicecoach 0.3 left it: 0755 folders, 0644 files, an index without the migration."""
    home = tmp_path / "home"
    folder = home / "sessions" / "20261121-203612-3fa9"
    folder.mkdir(parents=True)
    for name in ("answer.flac", "report.json"):
        (folder / name).write_bytes(b"x")
    (folder / "session.json").write_text(
        json.dumps(
            {
                "id": folder.name,
                "created_at": "2026-11-21T20:36:12",
                "question_id": "q",
                "question_text": "Q?",
                "status": "scored",
            }
        )
    )
    db = sqlite3.connect(home / "sessions.db")
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    db.commit()
    db.close()
    for p in [home, home / "sessions", folder]:
        os.chmod(p, 0o755)
    for p in [*folder.iterdir(), home / "sessions.db"]:
        os.chmod(p, 0o644)

    store = SessionStore(home)
    store.rebuild_index()  # any first use opens the index, which runs the migration
    store.list()
    store.close()
    got = modes(home)
    assert got[f"sessions/{folder.name}/answer.flac"] == got["sessions.db"] == 0o600
    assert got["."] == got["sessions"] == got[f"sessions/{folder.name}"] == 0o700
    applied = [r[0] for r in sqlite3.connect(home / "sessions.db").execute("SELECT name FROM migrations")]
    assert "002_private" in applied

    # once: a file the user opens up on purpose afterwards is left as they set it
    os.chmod(folder / "report.json", 0o644)
    SessionStore(home).list()
    assert stat.S_IMODE(os.stat(folder / "report.json").st_mode) == 0o644


def test_model_weights_live_once_per_user(tmp_path, monkeypatch):
    """Two data folders use one prepared copy of base; $VOICECOACH_MODELS moves it; by default it
    is the per-user cache, not the data folder."""
    from voicecoach import models

    monkeypatch.delenv(paths.ENV_MODELS, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(paths.ENV_HOME, str(tmp_path / "a"))
    assert paths.models_dir() == tmp_path / "cache" / "voicecoach" / "models"

    monkeypatch.setenv(paths.ENV_MODELS, str(tmp_path / "models"))
    first = models.resolve("base").path
    monkeypatch.setenv(paths.ENV_HOME, str(tmp_path / "b"))
    assert models.resolve("base").path == first == str(tmp_path / "models" / "base")
    assert not (tmp_path / "a" / "models").exists() and not (tmp_path / "b" / "models").exists()


def test_a_file_system_without_permissions_only_warns(tmp_path, monkeypatch, caplog):
    """On a mount that refuses chmod (FAT, some SMB shares) sessions still work; the log says why
    the folder could not be made private."""
    import errno

    def refuse(path, mode):
        raise OSError(errno.EPERM, "Operation not permitted", str(path))

    monkeypatch.setattr(os, "chmod", refuse)
    store = SessionStore(tmp_path / "fat")
    info = store.create("tell-me-about-yourself", "Tell me about yourself.")
    assert store.get(info.id).id == info.id
    assert "cannot make" in caplog.text and "private" in caplog.text
