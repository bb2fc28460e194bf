"""Sessions on disk.

Layout under ``<VOICECOACH_HOME>``::

    sessions.db                      SQLite index (WAL), rebuildable from the folders
    sessions/<id>/session.json       metadata: the source of truth for the index
    sessions/<id>/answer.flac        the answer (streamed to disk while recording)
    sessions/<id>/question.wav       the question as spoken (practice only)
    sessions/<id>/report.json        the full report (voicecoach.schema.report), transcript with word timings included
    sessions/<id>/transcript.txt     the transcript as text, one timed line per segment

Everything here is private to the user: folders 0700, files 0600 (voicecoach.paths); a data
folder made by an earlier version is tightened once, by the migration "002_private".

A session whose ``status`` is "recording" and whose recorder process is gone was interrupted;
:meth:`SessionStore.interrupted` finds those so they can be scored and kept.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

from voicecoach import atomic, paths
from voicecoach.errors import ExitCode, VoicecoachError

RECORDING, SCORED, UNSCORED = "recording", "scored", "unscored"
META = "session.json"
ANSWER = "answer.flac"
QUESTION_AUDIO = "question.wav"
REPORT = "report.json"
TRANSCRIPT = "transcript.txt"
PAGE = "report.html"  # written by `sessions open` and `practice --open`, from report.json


class SessionError(VoicecoachError):
    """The session store cannot be read or written."""

    exit_code = ExitCode.SESSION


@dataclass
class SessionInfo:
    """One session's summary (what the index holds; also written to session.json).

    Attributes:
        id: "20261121-203612-3fa9": creation time (UTC) plus 4 random hex digits.
        created_at: ISO 8601 UTC with microseconds (orders sessions made within one second).
        question_id / question_text: what was answered.
        status: "recording" (in progress or interrupted), "scored", or "unscored" (kept, not scored).
        duration_s: recording length.
        wpm / fillers_per_min / coverage / score: the report's headline numbers (None if not scored).
        source: "practice", "score --save" or "recovered".
        pid: the recording process while status is "recording".
    """

    id: str
    created_at: str
    question_id: str
    question_text: str
    status: str = RECORDING
    duration_s: float | None = None
    wpm: float | None = None
    fillers_per_min: float | None = None
    coverage: float | None = None
    score: float | None = None
    source: str = "practice"
    pid: int | None = None


COLUMNS = [f.name for f in fields(SessionInfo)]


def _make_private(db: sqlite3.Connection, home: Path) -> None:
    """Up to 0.3.0, recordings, reports and the index were 0644 in 0755 folders."""
    import logging

    n = paths.tighten(home)
    if n:
        logging.getLogger("voicecoach").info("made %d file(s) and folder(s) in %s private to you", n, home)


# Ordered, named migrations; each runs once and is recorded in the migrations table. A migration is
# SQL, or a function of (connection, home folder) for changes to the files.
MIGRATIONS: list[tuple[str, str | Callable[[sqlite3.Connection, Path], None]]] = [
    (
        "001_sessions",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            question_id TEXT NOT NULL,
            question_text TEXT NOT NULL,
            status TEXT NOT NULL,
            duration_s REAL, wpm REAL, fillers_per_min REAL, coverage REAL, score REAL,
            source TEXT NOT NULL, pid INTEGER
        );
        CREATE INDEX sessions_question ON sessions(question_id, created_at);
    """,
    ),
    ("002_private", _make_private),
]


def _now_id() -> tuple[str, str]:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2), now.isoformat(timespec="microseconds")


def write_json_atomic(path: Path, data) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    try:
        atomic.write_text(path, text)
    except OSError as e:
        raise SessionError(f"cannot write {path}: {e.strerror or e}") from e


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


class SessionStore:
    """The sessions under one voicecoach home. Cheap to create; opens SQLite lazily."""

    def __init__(self, home: Path | None = None):
        self.home = Path(home) if home else paths.home()
        self.root = self.home / "sessions"
        self.db_path = self.home / "sessions.db"
        self._db: sqlite3.Connection | None = None

    # ---------------------------------------------------------------- index
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        try:
            paths.private_dir(self.home)
            paths.private_file(self.db_path)  # SQLite gives its -wal and -shm files the same mode
            db = sqlite3.connect(self.db_path, timeout=10)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {r[0] for r in db.execute("SELECT name FROM migrations")}
            for name, step in MIGRATIONS:
                if name in done:
                    continue
                if callable(step):
                    step(db, self.home)
                    with db:
                        db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", [name])
                else:
                    with db:
                        db.executescript(
                            "BEGIN;" + step + f"INSERT INTO migrations VALUES ('{name}', datetime('now'));COMMIT;"
                        )
            return db
        except sqlite3.DatabaseError as e:
            raise SessionError(
                f"the session index {self.db_path} is damaged ({e}); your sessions are safe in "
                f"{self.root}: run `voicecoach sessions rebuild-index`"
            ) from e
        except OSError as e:
            raise SessionError(f"cannot open the session index in {self.home}: {e.strerror or e}") from e

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _index(self, info: SessionInfo) -> None:
        try:
            with self.db:
                self.db.execute(
                    f"INSERT OR REPLACE INTO sessions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                    [getattr(info, c) for c in COLUMNS],
                )
        except sqlite3.DatabaseError as e:
            raise SessionError(f"cannot update the session index ({e}); run `voicecoach sessions rebuild-index`") from e

    # ---------------------------------------------------------------- sessions
    def folder(self, session_id: str) -> Path:
        return self.root / session_id

    def check_writable(self) -> None:
        """Fail early, before any recording starts, if sessions cannot be saved."""
        try:
            paths.private_dir(self.home)
            paths.private_dir(self.root)
            probe = self.root / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise SessionError(f"cannot save sessions in {self.root}: {e.strerror or e}") from e

    def create(self, question_id: str, question_text: str, source: str = "practice") -> SessionInfo:
        """A new session folder in status "recording", owned by this process."""
        self.check_writable()
        sid, created = _now_id()
        info = SessionInfo(
            id=sid,
            created_at=created,
            question_id=question_id,
            question_text=question_text,
            source=source,
            pid=os.getpid(),
        )
        try:
            self.folder(sid).mkdir(mode=paths.PRIVATE_DIR)
        except OSError as e:
            raise SessionError(f"cannot create session folder {self.folder(sid)}: {e.strerror or e}") from e
        self.save(info)
        return info

    def save(self, info: SessionInfo, report: dict | None = None) -> None:
        """Write the report (if given) and session.json atomically, then update the index."""
        folder = self.folder(info.id)
        if report is not None:
            from voicecoach.schema.read import transcript_text

            write_json_atomic(folder / REPORT, report)
            write_text_atomic(folder / TRANSCRIPT, transcript_text(report))
        write_json_atomic(folder / META, asdict(info))
        self._index(info)

    def finish(self, info: SessionInfo, report: dict | None, duration_s: float) -> SessionInfo:
        """Mark a session scored (with its report) or unscored (report None), and save it."""
        info.duration_s = round(duration_s, 3)
        info.pid = None
        if report is not None and report.get("score") is not None:
            info.status = SCORED
            info.score = report["score"]
            info.wpm = (report.get("pace") or {}).get("wpm")
            info.fillers_per_min = (report.get("fillers") or {}).get("per_minute")
            info.coverage = (report.get("rubric") or {}).get("coverage")
        else:  # (a rescored session may have had figures before)
            info.status = UNSCORED
            info.score = info.wpm = info.fillers_per_min = info.coverage = None
        self.save(info, report)
        return info

    def list(self, question_id: str | None = None) -> list[SessionInfo]:
        sql, args = "SELECT * FROM sessions", []
        if question_id:
            sql, args = sql + " WHERE question_id = ?", [question_id]
        try:
            rows = self.db.execute(sql + " ORDER BY created_at, id", args).fetchall()
        except sqlite3.DatabaseError as e:
            raise SessionError(f"the session index is damaged ({e}); run `voicecoach sessions rebuild-index`") from e
        return [SessionInfo(**{c: r[c] for c in COLUMNS}) for r in rows]

    def get(self, ref: str) -> SessionInfo:
        """A session by id, unique id prefix, its number in `sessions list` (1 = oldest), or "last"."""
        sessions = self.list()
        if ref in ("last", "latest"):
            ref = "-1"
        if ref.lstrip("-").isdigit() and len(ref) < 6:
            n = int(ref)
            if n == 0 or abs(n) > len(sessions):
                raise SessionError(
                    f"no session number {ref} (there are {len(sessions)}); see `voicecoach sessions list`"
                )
            return sessions[n - 1 if n > 0 else n]
        hits = [s for s in sessions if s.id.startswith(ref)]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise SessionError(f"no session '{ref}'; see `voicecoach sessions list`")
        raise SessionError(f"'{ref}' matches {len(hits)} sessions; give more of the id")

    def report(self, info: SessionInfo) -> dict | None:
        try:
            return json.loads((self.folder(info.id) / REPORT).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise SessionError(f"cannot read the report of session {info.id}: {e}") from e

    def archive_report(self, info: SessionInfo) -> Path | None:
        """Keep the current report as report.<UTC time>.json (before it is replaced by a new score)."""
        current = self.folder(info.id) / REPORT
        if not current.exists():
            return None
        target = current.with_name(f"report.{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S-%f')}.json")
        try:
            os.replace(current, target)
        except OSError as e:
            raise SessionError(f"cannot keep the old report of session {info.id}: {e.strerror or e}") from e
        return target

    def delete(self, info: SessionInfo) -> None:
        try:
            shutil.rmtree(self.folder(info.id))
        except FileNotFoundError:
            pass
        except OSError as e:
            raise SessionError(f"cannot delete {self.folder(info.id)}: {e.strerror or e}") from e
        with self.db:
            self.db.execute("DELETE FROM sessions WHERE id = ?", [info.id])

    def export(self, info: SessionInfo, target: Path) -> Path:
        """A zip of the session folder (audio and JSON), written atomically."""
        import zipfile

        folder = self.folder(info.id)
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
                for f in sorted(folder.iterdir()):
                    if f.is_file() and not f.name.startswith("."):
                        z.write(f, f"{info.id}/{f.name}")
            os.replace(tmp, target)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise SessionError(f"cannot write {target}: {e.strerror or e}") from e
        return target

    # ---------------------------------------------------------------- recovery
    def interrupted(self) -> list[SessionInfo]:
        """Sessions left in status "recording" by a process that no longer runs."""
        out = []
        for info in self.scan():
            if info.status == RECORDING and not pid_alive(info.pid):
                out.append(info)
        return out

    def scan(self) -> list[SessionInfo]:
        """Every session folder's metadata (the index is not consulted)."""
        out = []
        if not self.root.is_dir():
            return out
        for d in sorted(self.root.iterdir()):
            meta = d / META
            if not meta.is_file():
                continue
            try:
                data = json.loads(meta.read_text())
                out.append(SessionInfo(**{c: data.get(c) for c in COLUMNS if c in data}))
            except (OSError, ValueError, TypeError):
                continue  # a damaged folder is left for the user; rebuild-index reports it
        return out

    def rebuild_index(self) -> tuple[int, Path | None]:
        """Recreate sessions.db from the folders. A damaged index is moved aside, not deleted."""
        self.close()
        moved = None
        if self.db_path.exists():
            try:
                con = sqlite3.connect(self.db_path)
                con.execute("PRAGMA integrity_check").fetchone()
                con.execute("SELECT count(*) FROM sessions").fetchone()
                con.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(str(self.db_path) + suffix).unlink(missing_ok=True)
            except sqlite3.DatabaseError:
                moved = self.db_path.with_name(f"sessions.db.damaged-{int(time.time())}")
                os.replace(self.db_path, moved)
                for suffix in ("-wal", "-shm"):
                    Path(str(self.db_path) + suffix).unlink(missing_ok=True)
        infos = self.scan()
        for info in infos:
            self._index(info)
        return len(infos), moved


def keep_recording(
    path: Path, question, report: dict, duration_s: float, store: SessionStore | None = None
) -> SessionInfo:
    """Keep an existing recording and its report as a session (``score --save``): the audio is
    stored as 16 kHz mono FLAC."""
    import soundfile as sf

    from voicecoach.audio import load
    from voicecoach.audio.load import SAMPLE_RATE

    store = store or SessionStore()
    info = store.create(question.id, question.text, source="score --save")
    try:
        target = paths.private_file(store.folder(info.id) / ANSWER)
        sf.write(target, load(path).samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    except (OSError, RuntimeError) as e:
        store.delete(info)
        raise SessionError(f"cannot save the recording as a session: {e}") from e
    return store.finish(info, report, duration_s)
