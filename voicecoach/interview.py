"""A mock interview: a plan of questions asked in a row, a follow-up where an answer missed a point,
and one report for the whole interview.

Each answer (and each follow-up's answer) is a session of its own; the interview is a small JSON
record in ``$VOICECOACH_HOME/interviews/`` that lists them, written after every answer, so an
interview stopped half-way keeps what was answered and can be resumed (``voicecoach interview
--resume``). The report is made from the sessions' report dicts, so `sessions rescore` of an answer
shows in its interview's report.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from voicecoach import atomic, paths
from voicecoach.errors import ExitCode, QuestionError, VoicecoachError
from voicecoach.questions import FOLLOW_UP_SEP, Question, RubricItem

# A full interview's shape: an opener, why this field or company, a technical question, a
# behavioural one (STAR), a design question (the order the seed guides describe).
ORDER = ("general", "motivation", "technical", "behavioral", "design")
DEFAULT_COUNT = 5
FOLDER = "interviews"
MISSED = "missed"  # only a missed point gets a follow-up: a partly covered one was at least raised


class InterviewError(VoicecoachError):
    """No interview to resume, a plan that contradicts --resume, or a record that cannot be read."""

    exit_code = ExitCode.USAGE


def draw(qs: dict[str, Question], count: int, category: str | None = None, seed: int | None = None) -> list[Question]:
    """``count`` different questions: one per category of ORDER in turn (only ``category`` if
    given), each drawn at random (``seed``: repeatable)."""
    pool = [q for q in qs.values() if FOLLOW_UP_SEP not in q.id and (category is None or q.category == category)]
    if category is not None and not pool:
        raise QuestionError(f"no questions in category '{category}'")
    if not 1 <= count <= len(pool):
        raise QuestionError(f"--count must be 1 to {len(pool)} (the questions available), not {count}")
    rng = random.Random(seed)
    chosen: list[Question] = []
    turn = 0
    while len(chosen) < count:
        want = category or ORDER[turn % len(ORDER)]
        left = [q for q in pool if q.category == want and q not in chosen]
        if left:
            chosen.append(rng.choice(sorted(left, key=lambda q: q.id)))
        elif not [q for q in pool if q not in chosen and q.category in ORDER]:
            chosen.append(rng.choice([q for q in pool if q not in chosen]))
        turn += 1
    return chosen


def follow_up_item(question: Question, report: dict | None) -> RubricItem | None:
    """The point to follow up after ``question`` was answered with ``report`` (a report dict): the
    first rubric item, in rubric order, that the answer missed and that has a follow-up; None if
    there is none (or the answer was not scored)."""
    if not report or report.get("score") is None or not report.get("rubric"):
        return None
    status = {i["id"]: i["status"] for i in report["rubric"]["items"]}
    return next((r for r in question.rubric if r.follow_up and status.get(r.id) == MISSED), None)


@dataclass
class Answer:
    """One answer of an interview: the question asked (a follow-up's id is "<question>~<item>"),
    the follow-up's text (None for a main question), and its session."""

    question_id: str
    session_id: str
    follow_up: str | None = None


@dataclass
class Interview:
    """The record of one interview (``$VOICECOACH_HOME/interviews/<id>.json``)."""

    id: str
    created_at: str
    plan: list[str]
    follow_ups: bool = True
    answers: list[Answer] = field(default_factory=list)
    finished: bool = False

    @property
    def asked(self) -> int:
        """How many questions of the plan have an answer."""
        return sum(1 for a in self.answers if a.follow_up is None)


def folder() -> Path:
    return paths.home() / FOLDER


def new(plan: list[Question], follow_ups: bool) -> Interview:
    now = datetime.now().astimezone()
    iid = f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    return Interview(
        id=iid, created_at=now.isoformat(timespec="seconds"), plan=[q.id for q in plan], follow_ups=follow_ups
    )


def save(iv: Interview) -> Path:
    """Write the record atomically (after every answer: a crash keeps what was answered)."""
    d = folder()
    paths.private_dir(d)
    path = d / f"{iv.id}.json"
    try:
        atomic.write_text(path, json.dumps(asdict(iv), indent=2) + "\n")
    except OSError as e:
        raise InterviewError(f"cannot write the interview record {path}: {e.strerror or e}") from e
    paths.private_file(path)
    return path


def load(iid: str) -> Interview:
    path = folder() / f"{iid}.json"
    try:
        d = json.loads(path.read_text())
        return Interview(**{**d, "answers": [Answer(**a) for a in d.get("answers", [])]})
    except FileNotFoundError:
        raise InterviewError(f"no interview '{iid}' (`voicecoach sessions list` shows them)") from None
    except (OSError, ValueError, TypeError) as e:
        raise InterviewError(f"the interview record {path} is damaged ({e})") from e


def all_interviews() -> list[Interview]:
    """Every readable interview, oldest first (a damaged record is skipped, not fatal)."""
    out = []
    for p in sorted(folder().glob("*.json")) if folder().is_dir() else []:
        try:
            out.append(load(p.stem))
        except InterviewError:
            continue
    return out


def find(ref: str) -> Interview:
    """The interview ``ref`` names: its id, a unique prefix of it, or "last"."""
    every = all_interviews()
    if ref == "last" and every:
        return every[-1]
    hits = [iv for iv in every if iv.id.startswith(ref)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise InterviewError(f"no interview '{ref}' (`voicecoach sessions list` shows them)")
    raise InterviewError(f"'{ref}' names {len(hits)} interviews: give more of the id")


def memberships() -> dict[str, str]:
    """Session id -> "<interview number>.<answer>" ("2.3f": interview 2, answer 3, a follow-up),
    numbering the interviews oldest first as `sessions list` shows them."""
    out = {}
    for n, iv in enumerate(all_interviews(), 1):
        k = 0
        for a in iv.answers:
            k += a.follow_up is None
            out[a.session_id] = f"{n}.{k}" + ("f" if a.follow_up else "")
    return out


def unfinished() -> Interview | None:
    """The latest interview that was stopped before its end."""
    return next((iv for iv in reversed(all_interviews()) if not iv.finished), None)


def summary(iv: Interview, reports: dict[str, dict | None]) -> dict:
    """The interview's report (a dict; docs/interview.md has its fields) from its answers' report
    dicts (``reports``: session id -> report dict, None where the answer was not scored)."""
    rows = []
    for a in iv.answers:
        r = reports.get(a.session_id)
        scored = r is not None and r.get("score") is not None
        rows.append(
            {
                "question_id": a.question_id,
                "question": (r or {}).get("question", {}).get("text"),
                "follow_up": a.follow_up,
                "session_id": a.session_id,
                "score": r["score"] if scored else None,
                "length_s": (r or {}).get("length", {}).get("answer_s") if scored else None,
                "wpm": ((r or {}).get("pace") or {}).get("wpm") if scored else None,
                "fillers_per_min": ((r or {}).get("fillers") or {}).get("per_minute") if scored else None,
                "fillers": ((r or {}).get("fillers") or {}).get("count", 0) if scored else 0,
                "words": ((r or {}).get("pace") or {}).get("words", 0) if scored else 0,
                "speaking_s": ((r or {}).get("pace") or {}).get("speaking_s", 0.0) if scored else 0.0,
                "coverage": ((r or {}).get("rubric") or {}).get("coverage") if scored else None,
                "covered_on_follow_up": [],
                "tips": [(t["area"], t["text"]) for t in (r or {}).get("tips", [])] if scored else [],
                "rubric": {i["id"]: i["status"] for i in ((r or {}).get("rubric") or {}).get("items", [])},
            }
        )
    # a follow-up that covers its point credits the main answer, shown apart from its own coverage
    for i, row in enumerate(rows):
        if row["follow_up"] is None:
            continue
        parent_id, _, item = row["question_id"].partition(FOLLOW_UP_SEP)
        parent = next((p for p in reversed(rows[:i]) if p["question_id"] == parent_id), None)
        if parent is not None and row["rubric"].get(item) == "covered":
            parent["covered_on_follow_up"].append(item)
    main = [r for r in rows if r["follow_up"] is None and r["score"] is not None]
    speaking = sum(r["speaking_s"] for r in rows)
    minutes = speaking / 60
    tips = _merged_tips([r for r in rows if r["follow_up"] is None])
    for r in rows:
        del r["tips"], r["rubric"], r["words"], r["speaking_s"]
    return {
        "interview_id": iv.id,
        "created_at": iv.created_at,
        "finished": iv.finished,
        "planned": len(iv.plan),
        "answered": iv.asked,
        "answers": rows,
        "totals": {
            "speaking_s": round(speaking, 3),
            "fillers_per_min": round(sum(r["fillers"] for r in rows) / minutes, 2) if minutes else None,
            "wpm": round(sum(_words(r, reports) for r in rows) / minutes, 1) if minutes else None,
            "score": round(sum(r["score"] for r in main) / len(main), 1) if main else None,
        },
        "strongest": max(main, key=lambda r: r["score"])["question_id"] if main else None,
        "weakest": min(main, key=lambda r: r["score"])["question_id"] if len(main) > 1 else None,
        "tips": tips,
    }


def _words(row: dict, reports: dict) -> int:
    r = reports.get(row["session_id"]) or {}
    return ((r.get("pace") or {}).get("words") or 0) if r.get("score") is not None else 0


def _merged_tips(rows: list[dict], most: int = 3) -> list[str]:
    """The three tips that matter most across the answers: an area that comes up in several answers
    is one tip that says in how many ("in 4 of 5 answers: ..."), most answers first, each with the
    first answer's wording."""
    scored = [r for r in rows if r["score"] is not None]
    by_area: dict[str, list[str]] = {}
    for r in scored:
        first: dict[str, str] = {}
        for area, text in r["tips"]:
            first.setdefault(area, text)  # (an area once per answer, in its first wording)
        for area, text in first.items():
            by_area.setdefault(area, []).append(text)
    ranked = sorted(by_area.items(), key=lambda kv: -len(kv[1]))
    out = []
    for _area, texts in ranked[:most]:
        n = len(texts)
        out.append(f"In {n} of {len(scored)} answers — {texts[0]}" if n > 1 else texts[0])
    return out
