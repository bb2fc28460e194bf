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
:meth:`SessionStore.interrupted` finds those so they can be scored and kept. A folder whose
session.json or report.json cannot be read, but which holds a recording or a readable report, is
indexed as "damaged" by :meth:`SessionStore.rebuild_index` (never dropped), and `voicecoach sessions
repair` scores its recording again (voicecoach.sessions.rescore.repair).
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

RECORDING, SCORED, UNSCORED, DAMAGED = "recording", "scored", "unscored", "damaged"
UNKNOWN_QUESTION = "?"  # a damaged session whose files do not say what it answered
META = "session.json"
ANSWER = "answer.flac"
QUESTION_AUDIO = "question.wav"
REPORT = "report.json"
TRANSCRIPT = "transcript.txt"
PAGE = "report.html"  # written by `sessions open` and `practice --open`, from report.json


class SessionError(VoicecoachError):
    """The session store cannot be read or written."""

    exit_code = ExitCode.SESSION


class DamagedSession(SessionError):
    """One session's file cannot be read; the message names the session, the file and the way out."""

    def __init__(self, session_id: str, problem: str):
        super().__init__(
            f"session {session_id}: {problem}; `voicecoach sessions repair {session_id}` scores its recording again"
        )
        self.session_id = session_id


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


BUSY_TIMEOUT_S = 10.0  # how long a writer waits for another process's write to the index


def _when_unlocked(step: Callable[[], object]) -> object:
    """``step`` retried while another process holds the index (SQLite does not wait on its busy
    timeout for every statement, e.g. switching the journal mode)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return step()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _migrate(db: sqlite3.Connection, home: Path) -> None:
    """Run the migrations not yet run, in one write transaction: processes that open a new data
    folder at once (two `score --save` and a `practice`) migrate it once, the others wait."""
    ran = "SELECT name FROM migrations"
    has_table = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
    if db.execute(has_table).fetchone() and {r[0] for r in db.execute(ran)} >= {n for n, _ in MIGRATIONS}:
        return
    db.isolation_level = None  # (explicit transaction; executescript would commit it half-way)
    try:
        _when_unlocked(lambda: db.execute("BEGIN IMMEDIATE"))
        try:
            db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {r[0] for r in db.execute(ran)}
            for name, step in MIGRATIONS:
                if name in done:
                    continue
                if callable(step):
                    step(db, home)
                else:
                    for statement in filter(str.strip, step.split(";")):
                        db.execute(statement)
                db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", [name])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        db.isolation_level = ""


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
            db = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_S)
            db.row_factory = sqlite3.Row
            _when_unlocked(lambda: db.execute("PRAGMA journal_mode=WAL"))
            _migrate(db, self.home)
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
            _headline(info, report)
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
        """The session's stored report; None if it has none. Raises DamagedSession if it cannot be read."""
        report, problem = read_report(self.folder(info.id))
        if problem:
            raise DamagedSession(info.id, problem)
        return report

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
        """Every session folder's metadata from its session.json (the index is not consulted)."""
        return self.scan_all(reports=False)[0]

    def scan_all(self, reports: bool = True) -> tuple[list[SessionInfo], list[tuple[Path, str, bool]]]:
        """Every session folder, read from its files: (sessions, problems). A folder whose session.json
        or (with ``reports``) report.json cannot be read is still a session, "damaged", when it holds
        a recording or a readable report (what is known is kept: the question, the length); a folder
        with neither is a problem only. Each problem is (folder, what is wrong, whether it was indexed as
        damaged), for the user to see."""
        out: list[SessionInfo] = []
        problems: list[tuple[Path, str, bool]] = []
        if not self.root.is_dir():
            return out, problems
        for d in sorted(self.root.iterdir()):
            if not d.is_dir() or d.name.startswith("."):
                continue
            info, meta_problem = read_meta(d)
            report, report_problem = read_report(d) if reports or info is None else (None, None)
            if info is None:
                if not (d / ANSWER).is_file() and report is None:
                    problems.append((d, f"not indexed: {meta_problem}, and it holds no recording or report", False))
                    continue
                question = (report or {}).get("question") or {}
                info = SessionInfo(
                    id=d.name,
                    created_at=created_at(d),
                    question_id=question.get("id") or UNKNOWN_QUESTION,
                    question_text=question.get("text") or "",
                    duration_s=((report or {}).get("audio") or {}).get("duration_s"),
                    source="damaged",
                )
                if report is not None and report.get("score") is not None:
                    _headline(info, report)
            if meta_problem or report_problem:
                info.status = DAMAGED
                info.pid = None
                problems.append((d, f"indexed as damaged: {meta_problem or report_problem}", True))
            out.append(info)
        return out, problems

    def rebuild_index(self) -> tuple[int, Path | None, list[tuple[Path, str, bool]]]:
        """Recreate sessions.db from the folders: (sessions indexed, where a damaged index was moved
        aside, not deleted, or None; each folder with a problem and what it is, see ``scan_all``)."""
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
        infos, problems = self.scan_all()
        for info in infos:
            self._index(info)
        return len(infos), moved, problems


def _headline(info: SessionInfo, report: dict) -> None:
    """The report's headline figures into ``info`` (what the index holds)."""
    info.score = report["score"]
    info.wpm = (report.get("pace") or {}).get("wpm")
    info.fillers_per_min = (report.get("fillers") or {}).get("per_minute")
    info.coverage = (report.get("rubric") or {}).get("coverage")


def _reason(e: Exception) -> str:
    return (e.strerror or str(e)) if isinstance(e, OSError) else str(e) or type(e).__name__


def read_meta(folder: Path) -> tuple[SessionInfo | None, str | None]:
    """A folder's session.json as a SessionInfo, or None and what is wrong with it."""
    try:
        data = json.loads((folder / META).read_text())
        if not isinstance(data, dict) or data.get("id") != folder.name:
            return None, f"{META} does not describe this session"
        info = SessionInfo(**{c: data[c] for c in COLUMNS if c in data})
        if not (info.created_at and info.question_id and info.status):
            return None, f"{META} lacks its date, question or status"
        return info, None
    except FileNotFoundError:
        return None, f"no {META}"
    except (OSError, ValueError, TypeError) as e:
        return None, f"{META}: {_reason(e)}"


def read_report(folder: Path) -> tuple[dict | None, str | None]:
    """A folder's report.json, or None (none kept, or damaged: then what is wrong)."""
    try:
        report = json.loads((folder / REPORT).read_text())
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as e:
        return None, f"{REPORT}: {_reason(e)}"
    return (report, None) if isinstance(report, dict) else (None, f"{REPORT}: not a report")


def created_at(folder: Path) -> str:
    """When a session was made, from its id ("20261121-203612-3fa9", UTC), else its folder's time."""
    try:
        return datetime.strptime(folder.name[:15], "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc).isoformat()
    except ValueError:
        return datetime.fromtimestamp(folder.stat().st_mtime, timezone.utc).isoformat()


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
