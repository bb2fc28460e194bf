"""`voicecoach interview`: several questions in a row, a follow-up where a point was missed, one report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from voicecoach.cli.options import (
    bank_option,
    checked_filler_method,
    filler_method_option,
    model_option,
    reproducible_option,
    skip_language_option,
)
from voicecoach.errors import ExitCode


def interview(
    plan: Optional[str] = typer.Option(
        None, "--questions", metavar="ID,ID,...", help="The questions to ask, in order (default: drawn, see --count)."
    ),
    count: int = typer.Option(
        5,
        "--count",
        "-n",
        metavar="N",
        help="How many questions to draw: an opener, motivation, technical, behavioural, design, then again.",
    ),
    category: Optional[str] = typer.Option(
        None, "--category", "-c", metavar="NAME", help="Draw only from this category."
    ),
    seed: Optional[int] = typer.Option(None, "--seed", metavar="N", help="Draw the same questions every time."),
    feedback: str = typer.Option(
        "none",
        "--feedback",
        metavar="WHEN",
        help="none (as in a real interview; the default) or each (a line per answer).",
    ),
    follow_ups: bool = typer.Option(
        True, "--follow-ups/--no-follow-ups", help="Ask a follow-up when an answer misses a point that has one."
    ),
    resume: bool = typer.Option(False, "--resume", help="Go on with the last interview that was stopped half-way."),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", metavar="FILE", help="Also write the interview report as JSON."
    ),
    html: Optional[Path] = typer.Option(
        None, "--html", metavar="FILE", help="Also write the report as one HTML page with each answer's audio."
    ),
    open_page: bool = typer.Option(
        False,
        "--open",
        help="Open that page in your browser (written beside the interview record unless --html names a file).",
    ),
    speak: bool = typer.Option(True, "--speak/--no-speak", help="Say each question aloud first."),
    live_cues: bool = typer.Option(True, "--live/--no-live", help="Show the live cue line while you answer."),
    model: str = model_option(),
    skip_language_check: bool = skip_language_option("the answers"),
    fillers: str = filler_method_option(),
    reproducible: bool = reproducible_option(),
    bank: list[Path] = bank_option(),
) -> None:
    """A mock interview: the questions are asked one after another, each answer recorded (Enter or q
    stops it) and kept as a session; a follow-up is asked where an answer missed a point; then one
    report for the whole interview. Ctrl-C keeps what was answered: --resume goes on from there."""
    from rich.console import Console

    from voicecoach import interview as iv_mod
    from voicecoach import questions
    from voicecoach.atomic import check_target
    from voicecoach.audio import devices
    from voicecoach.cli.practice_cmd import make_taker
    from voicecoach.pipeline import Scorer, score_options
    from voicecoach.practice import PracticeOptions
    from voicecoach.sessions import SessionStore

    method = checked_filler_method(fillers)
    if feedback not in ("none", "each"):
        raise typer.BadParameter(f"--feedback must be none or each, not {feedback!r}")
    for target in (out, html):
        if target is not None:
            check_target(target)
    qs = questions.load_all(bank)
    if resume:
        if plan or category or seed is not None:
            raise iv_mod.InterviewError(
                "--resume goes on with the stopped interview's own questions: drop --questions/--category/--seed"
            )
        iv = iv_mod.unfinished()
        if iv is None:
            raise iv_mod.InterviewError("no interview to resume: every interview so far was finished")
        asked = [questions.get(qid, bank) for qid in iv.plan]
    else:
        if plan:
            asked = [questions.get(qid.strip(), bank) for qid in plan.split(",") if qid.strip()]
            if not asked:
                raise iv_mod.InterviewError("--questions names no question")
        else:
            asked = iv_mod.draw(qs, count, category, seed)
        iv = iv_mod.new(asked, follow_ups)
    store = SessionStore()
    store.check_writable()
    opts = PracticeOptions(
        speak=speak,
        input_device=devices.resolve(None, "input"),
        output_device=devices.resolve(None, "output"),
        drafts=live_cues,
    )
    scorer = Scorer(score_options(method, model=model, check_language=not skip_language_check))
    console = Console()
    take = make_taker(
        store, scorer, opts, console, live_cues=live_cues, show="summary" if feedback == "each" else "none"
    )
    iv_mod.save(iv)
    total = len(asked)

    def stopped() -> None:
        iv_mod.save(iv)
        console.print(
            f"[yellow]Interview {iv.id} stopped after {iv.asked} of {total} questions; what was answered is "
            "kept. `voicecoach interview --resume` goes on from there.[/yellow]"
        )
        raise typer.Exit(ExitCode.INTERRUPTED)

    try:
        for n, q in enumerate(asked[iv.asked :], iv.asked + 1):
            console.rule(f"Question {n} of {total}")
            result = take(q)
            iv.answers.append(iv_mod.Answer(question_id=q.id, session_id=result.session.id))
            iv_mod.save(iv)
            if result.stopped_by == "interrupt":  # (Ctrl-C while answering: the answer is kept)
                stopped()
            item = iv_mod.follow_up_item(q, _report_dict(result)) if iv.follow_ups else None
            if item is not None:
                fq = questions.follow_up(q, item)
                console.rule(f"Follow-up to question {n}")
                result = take(fq)
                iv.answers.append(iv_mod.Answer(question_id=fq.id, session_id=result.session.id, follow_up=fq.text))
                iv_mod.save(iv)
                if result.stopped_by == "interrupt":
                    stopped()
        iv.finished = True
        iv_mod.save(iv)
    except KeyboardInterrupt:  # (between answers: while a question is spoken or scored)
        stopped()
    reports = answer_reports(store, iv)
    summary = iv_mod.summary(iv, reports)
    render(summary, console)
    if out is not None:
        from voicecoach.atomic import write_atomic

        write_atomic(out, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    if html is not None or open_page:
        write_page(store, summary, reports, html or iv_mod.folder() / f"{iv.id}.html", open_page)


def answer_reports(store, iv) -> dict[str, dict | None]:
    """Each answer's report dict as stored now (a rescored answer shows), by session id; None where
    the session was deleted or cannot be read (its row says so, the rest is shown)."""
    from voicecoach.errors import VoicecoachError

    reports: dict[str, dict | None] = {}
    for a in iv.answers:
        try:
            reports[a.session_id] = store.report(store.get(a.session_id))
        except VoicecoachError:
            reports[a.session_id] = None
    return reports


def write_page(store, summary: dict, reports: dict, path: Path, open_page: bool) -> None:
    """Write the interview's page (each answer's audio from its session), say where, open it if asked."""
    from voicecoach.cli.score_cmd import page_written
    from voicecoach.render import html
    from voicecoach.sessions.store import ANSWER

    answers = [(reports.get(a["session_id"]), store.folder(a["session_id"]) / ANSWER) for a in summary["answers"]]
    html.write_interview(path, summary, answers)
    page_written(path, open_page)


def _report_dict(result) -> dict | None:
    from voicecoach.schema.report import to_dict

    return to_dict(result.report) if result.report is not None else None


def render(s: dict, console) -> None:
    """The interview report in the terminal: a row per answer, the totals, strongest and weakest,
    and the tips that matter most across the interview."""
    from rich.table import Table

    from voicecoach.timefmt import clock

    t = Table(title=f"Interview {s['interview_id']}: {s['answered']} of {s['planned']} questions answered")
    for col in ("#", "question", "score", "length", "pace", "fillers/min", "coverage"):
        t.add_column(col)
    n = 0
    for a in s["answers"]:
        if a["follow_up"] is None:
            n += 1
        label = f"  ↳ {a['follow_up']}" if a["follow_up"] else a["question_id"]
        cov = "" if a["coverage"] is None else f"{a['coverage']:.0%}"
        if a["covered_on_follow_up"]:
            cov += f" (+{len(a['covered_on_follow_up'])} on follow-up)"
        t.add_row(
            "" if a["follow_up"] else str(n),
            label,
            "–" if a["score"] is None else f"{a['score']:.0f}",
            "–" if a["length_s"] is None else clock(a["length_s"]),
            "–" if a["wpm"] is None else f"{a['wpm']:.0f}",
            "–" if a["fillers_per_min"] is None else f"{a['fillers_per_min']:.1f}",
            cov,
        )
    console.print(t)
    tot = s["totals"]
    bits = [f"speaking {clock(tot['speaking_s'])}"]
    if tot["score"] is not None:
        bits.append(f"average score {tot['score']:.0f}")
    if tot["wpm"] is not None:
        bits.append(f"pace {tot['wpm']:.0f} wpm")
    if tot["fillers_per_min"] is not None:
        bits.append(f"fillers {tot['fillers_per_min']:.1f}/min")
    console.print("Overall: " + ", ".join(bits))
    if s["strongest"]:
        console.print(f"Strongest answer: {s['strongest']}" + (f"; weakest: {s['weakest']}" if s["weakest"] else ""))
    for i, tip in enumerate(s["tips"], 1):
        console.print(f"{i}. {tip}")
    if not s["finished"]:
        console.print("[yellow]Not finished: `voicecoach interview --resume` goes on.[/yellow]", file=sys.stderr)
