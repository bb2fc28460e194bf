"""Scoring saved answers again (`voicecoach sessions rescore`), so `progress` compares like with like."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.errors import AudioError, QuestionError
from voicecoach.questions import find
from voicecoach.schema.report import to_dict
from voicecoach.sessions.store import (
    ANSWER,
    META,
    RECORDING,
    REPORT,
    UNKNOWN_QUESTION,
    SessionError,
    SessionInfo,
    SessionStore,
    created_at,
    read_meta,
    read_report,
)

if TYPE_CHECKING:
    from voicecoach.pipeline import Scorer
    from voicecoach.questions import Question


@dataclass(frozen=True)
class RescoreResult:
    """One session scored again: its new report (None if it could not be), or why not."""

    session: SessionInfo
    report: object | None  # voicecoach.analysis.report.Report
    error: str | None = None


def rescore(
    store: SessionStore,
    scorer: Scorer,
    questions: dict[str, Question],
    sessions: list[SessionInfo],
    on_session: Callable[[SessionInfo], None] | None = None,
) -> list[RescoreResult]:
    """Score saved answers again with the current voicecoach (a new model, or fillers counted the
    current way). The old report is kept beside the new one as report.<time>.json; a session whose
    answer cannot be scored is left exactly as it was."""
    out = []
    for info in sessions:
        if on_session:
            on_session(info)
        if info.status == RECORDING:
            out.append(RescoreResult(info, None, "still recording, or interrupted: see `voicecoach sessions recover`"))
            continue
        if info.question_id == UNKNOWN_QUESTION:
            why = f"nothing says which question it answered: `voicecoach sessions repair {info.id} --question ID`"
            out.append(RescoreResult(info, None, why))
            continue
        try:  # (a damaged session's files are kept aside, as `sessions repair` keeps them)
            info, report = repair(store, scorer, questions, info.id)
        except (AudioError, QuestionError, SessionError) as e:
            out.append(RescoreResult(info, None, str(e).removeprefix(f"session {info.id}: ")))
            continue
        out.append(RescoreResult(info, report))
    return out


def repair(store: SessionStore, scorer: Scorer, questions: dict[str, Question], session_id: str, question_id=None):
    """Rebuild a damaged session from its recording (`voicecoach sessions repair`): the question from
    ``question_id``, else its session.json, else its report; the report by scoring the recording
    again; session.json and the index written anew. Nothing is deleted: a damaged file is kept
    beside as <name>.damaged-<time>.json, a readable old report as report.<time>.json. Returns
    (SessionInfo, Report). Raises (files untouched) when no question is named or known, when the
    recording is missing, or when it cannot be scored."""
    from datetime import datetime, timezone

    folder = store.folder(session_id)
    if not folder.is_dir():
        raise SessionError(f"no session folder {session_id} in {store.root}")
    info, meta_problem = read_meta(folder)
    report, report_problem = read_report(folder)
    named = info.question_id if info is not None and info.question_id != UNKNOWN_QUESTION else None
    qid = question_id or named or ((report or {}).get("question") or {}).get("id")
    if not qid:
        raise QuestionError(f"session {session_id}: nothing says which question it answered; add --question ID")
    q = find(questions, qid)
    if q is None:
        raise QuestionError(
            f"session {session_id}: question '{qid}' is no longer in the question bank; add --question ID"
        )
    answer = folder / ANSWER
    if not answer.is_file():
        raise SessionError(f"session {session_id}: no recording to score again ({ANSWER} is missing); nothing changed")
    new = scorer.score(answer, q, tolerant=True)  # (AudioError: one line, nothing changed)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    try:
        for name, problem in ((META, meta_problem), (REPORT, report_problem)):
            if problem and (folder / name).exists():
                os.replace(folder / name, folder / f"{Path(name).stem}.damaged-{stamp}.json")
    except OSError as e:
        raise SessionError(f"session {session_id}: cannot keep its damaged files aside: {e.strerror or e}") from e
    if info is None:
        info = SessionInfo(session_id, created_at(folder), q.id, q.text, source="repaired")
    else:
        info.question_id, info.question_text = q.id, q.text
        if report is not None:
            store.archive_report(info)
    store.finish(info, to_dict(new), new.transcript.duration_s)
    return info, new
