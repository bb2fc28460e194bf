"""Batch result rows: one per file, appended as whole lines (CSV or JSON lines) and read back to resume."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from voicecoach.atomic import check_target
from voicecoach.errors import OutputError

OK, UNSCORED, FAILED = "scored", "not scored", "failed"


@dataclass(frozen=True)
class Row:
    """One file's result.

    Attributes:
        file / question / speaker: the job.
        duration_s: the recording's length.
        wpm / fillers_per_min / pauses / coverage / score: the main metrics (None when not scored).
        status: "scored", "not scored" (silence, noise, another language: see ``error``) or "failed".
        error: why it failed or was not scored (one line).
        key: content hash + settings hash; a rerun skips files whose key is already in the output.
    """

    file: str
    question: str
    speaker: str = ""
    duration_s: float | None = None
    wpm: float | None = None
    fillers_per_min: float | None = None
    pauses: int | None = None
    coverage: float | None = None
    score: int | None = None
    status: str = FAILED
    error: str = ""
    key: str = ""


FIELDS = [f.name for f in fields(Row)]
NUMERIC = {"duration_s": float, "wpm": float, "fillers_per_min": float, "pauses": int, "coverage": float, "score": int}


def row_from_report(job, report) -> Row:
    """The row for a scored report (``report.score`` None: not scored, with the notice as reason)."""
    r2 = lambda x, n=2: None if x is None else round(float(x), n)  # noqa: E731
    base = dict(
        file=job.path,
        question=job.question,
        speaker=job.speaker,
        key=job.key,
        duration_s=r2(report.transcript.duration_s),
    )
    if report.score is None:
        return Row(**base, status=UNSCORED, error=report.why_not_scored)
    return Row(
        **base,
        wpm=r2(report.pace.wpm, 1),
        fillers_per_min=r2(report.fillers.per_minute),
        pauses=report.pauses.count,
        coverage=r2(report.rubric.coverage if report.rubric else None, 3),
        score=int(report.score),
        status=OK,
    )


def row_failed(job, message: str) -> Row:
    if message.startswith(f"{job.path}: "):  # the row already names the file
        message = message[len(job.path) + 2 :]
    return Row(
        file=job.path,
        question=job.question,
        speaker=job.speaker,
        key=job.key,
        status=FAILED,
        error=" ".join(message.split()),
    )


def _line(row: Row, fmt: str) -> str:
    d = asdict(row)
    if fmt == "jsonl":
        return json.dumps(d, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["" if d[k] is None else d[k] for k in FIELDS])
    return buf.getvalue()


def _parse(line: str, fmt: str) -> Row | None:
    try:
        if fmt == "jsonl":
            d = json.loads(line)
        else:
            vals = next(csv.reader([line]))
            if vals == FIELDS or len(vals) != len(FIELDS):
                return None
            d = dict(zip(FIELDS, vals))
            for k, typ in NUMERIC.items():
                d[k] = typ(d[k]) if d[k] not in ("", None) else None
        return Row(**{k: d.get(k) for k in FIELDS if k in d})
    except (ValueError, TypeError, json.JSONDecodeError, StopIteration):
        return None


def format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"


class ResultFile:
    """The output file. Opening it repairs a last line cut off by a crash (only whole lines count)
    and reads the rows already there; :meth:`append` writes one whole line, flushed and synced."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt = path, fmt
        self.rows: list[Row] = []
        check_target(path)
        try:
            if path.exists():
                data = path.read_bytes()
                cut = data.rfind(b"\n") + 1
                if cut < len(data):  # a crash mid-write left part of a line: drop it
                    with open(path, "r+b") as f:
                        f.truncate(cut)
                    data = data[:cut]
                for line in data.decode("utf-8", errors="replace").splitlines():
                    row = _parse(line, fmt) if line.strip() else None
                    if row is not None:
                        self.rows.append(row)
                header = (",".join(FIELDS) + "\n").encode()
                if data and fmt == "csv" and not data.startswith(header):
                    raise OutputError(f"{path}: exists and is not a voicecoach batch CSV; choose another --out")
            self._f = open(path, "a", encoding="utf-8", newline="")
            if fmt == "csv" and self._f.tell() == 0:
                self._f.write(",".join(FIELDS) + "\n")
                self._flush()
        except OSError as e:
            raise OutputError(f"{path}: cannot write results ({e.strerror or e})") from e

    def _flush(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())

    def done_keys(self) -> set[str]:
        return {r.key for r in self.rows if r.key}

    def append(self, row: Row) -> None:
        try:
            self._f.write(_line(row, self.fmt))  # one write of one whole line
            self._flush()
        except OSError as e:
            raise OutputError(
                f"{self.path}: cannot write results ({e.strerror or e}); {len(self.rows)} rows already written are kept"
            ) from e
        self.rows.append(row)

    def close(self) -> None:
        self._f.close()
