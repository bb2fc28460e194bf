"""What to score: paths, folders and globs, or a CSV manifest, turned into jobs with content keys."""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from voicecoach.errors import ExitCode, VoicecoachError

HASH_CHUNK = 1 << 20


class BatchInputError(VoicecoachError):
    """The list of recordings or the manifest is unusable."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Job:
    """One recording to score.

    Attributes:
        path: the recording, as given (relative paths stay relative, for readable output).
        question: the question id.
        speaker: who answered (from a manifest; empty otherwise).
        key: content hash of the file plus the scoring settings (empty until :func:`with_keys`).
    """

    path: str
    question: str
    speaker: str = ""
    key: str = ""


def _files_in(folder: Path, exclude: set[Path]) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            p = Path(root) / f
            if not f.startswith(".") and p.resolve() not in exclude:
                out.append(p)
    return out


def expand(paths: list[str], question: str, exclude: list[Path] = ()) -> list[Job]:
    """Jobs for every file named, found in a named folder (recursively, hidden files skipped) or
    matched by a glob. Every file found becomes a job, audio or not: a file that is not a recording
    gets an error row, so nothing a coach dropped in the folder is silently skipped. ``exclude``:
    files never to score (the output file itself)."""
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            found += _files_in(p, skip)
        elif p.exists():
            found.append(p)
        elif glob.has_magic(arg):
            hits = sorted(Path(h) for h in glob.glob(arg, recursive=True))
            if not hits:
                raise BatchInputError(f"{arg}: no file matches this pattern")
            for h in hits:
                found += _files_in(h, skip) if h.is_dir() else ([h] if h.resolve() not in skip else [])
        else:
            raise BatchInputError(f"{arg}: no such file or folder")
    seen, jobs = set(), []
    for f in found:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            jobs.append(Job(path=str(f), question=question))
    if not jobs:
        raise BatchInputError(f"no recordings found in {' '.join(paths)}")
    return jobs


def read_manifest(path: Path, default_question: str | None) -> list[Job]:
    """Jobs from a CSV with a header: ``file`` (or ``path``), optional ``question`` and ``speaker``.
    Relative file names are relative to the manifest's folder. A row without a question uses
    ``default_question`` (``--question``)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BatchInputError(f"{path}: cannot read the manifest ({e.__class__.__name__})") from e
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise BatchInputError(
            f"{path}: the manifest has no rows (a header line with 'file' and 'question', then one row per recording)"
        )
    cols = {c.strip().lower(): c for c in rows[0].keys() if c}
    file_col = cols.get("file") or cols.get("path")
    if not file_col:
        raise BatchInputError(f"{path}: no 'file' column in the header (found: {', '.join(cols) or 'nothing'})")
    q_col, s_col = cols.get("question"), cols.get("speaker")
    jobs = []
    for n, row in enumerate(rows, start=2):
        name = (row.get(file_col) or "").strip()
        if not name:
            raise BatchInputError(f"{path}, line {n}: empty file name")
        q = ((row.get(q_col) or "").strip() if q_col else "") or default_question
        if not q:
            raise BatchInputError(
                f"{path}, line {n}: no question for {name} (add a 'question' column or pass --question)"
            )
        f = Path(name)
        if not f.is_absolute():
            f = path.parent / f
        jobs.append(Job(path=str(f), question=q, speaker=(row.get(s_col) or "").strip() if s_col else ""))
    return jobs


def _canonical(x):
    """A stable text form: sets sorted (their repr order changes from one process to the next)."""
    import dataclasses

    if dataclasses.is_dataclass(x):
        return {f.name: _canonical(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, (set, frozenset)):
        return sorted(map(repr, x))
    if isinstance(x, dict):
        return {str(k): _canonical(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    if isinstance(x, (list, tuple)):
        return [_canonical(v) for v in x]
    return x if isinstance(x, (str, int, float, bool, type(None))) else repr(x)


def settings_key(options, question) -> str:
    """A hash of everything that decides a file's result, apart from its content: the scoring
    options (the numerics mode among them; minus the thread count, which only changes speed: on
    the 27 real recordings 2 and 4 threads gave the same words, times and cues, sampled windows
    included), the question with its rubric, and the voicecoach version."""
    from voicecoach import __version__

    opts = replace(options, transcription=replace(options.transcription, cpu_threads=0))
    import json

    text = json.dumps([__version__, _canonical(opts), _canonical(question)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def content_hash(path: str) -> str | None:
    """SHA-256 of the file's bytes, or None if it cannot be read or is not a regular file (reading
    a pipe waits for a writer, which held a whole batch; a device such as /dev/urandom never ends).
    Such a file gets its error row when it is loaded."""
    h = hashlib.sha256()
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as f:
            while chunk := f.read(HASH_CHUNK):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()[:24]


def with_key(job: Job, settings: str) -> Job:
    """The job with its key: content hash + settings, or the path for a file that cannot be read."""
    digest = content_hash(job.path)
    return replace(job, key=f"{digest}-{settings}" if digest else f"unreadable:{Path(job.path).resolve()}-{settings}")
