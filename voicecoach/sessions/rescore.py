"""Scoring saved answers again (`voicecoach sessions rescore`), so `progress` compares like with like."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicecoach.errors import AudioError
from voicecoach.schema.report import to_dict
from voicecoach.sessions.store import ANSWER, RECORDING, SessionInfo, SessionStore

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
        q = questions.get(info.question_id)
        answer = store.folder(info.id) / ANSWER
        if info.status == RECORDING:
            out.append(RescoreResult(info, None, "still recording, or interrupted: see `voicecoach sessions recover`"))
            continue
        if q is None:
            out.append(RescoreResult(info, None, f"question '{info.question_id}' is no longer in the question bank"))
            continue
        if not answer.exists():
            out.append(RescoreResult(info, None, "its recording is missing"))
            continue
        try:
            report = scorer.score(answer, q, tolerant=True)
        except AudioError as e:
            out.append(RescoreResult(info, None, str(e)))
            continue
        store.archive_report(info)
        store.finish(info, to_dict(report), report.transcript.duration_s)
        out.append(RescoreResult(info, report))
    return out
