"""`voicecoach sessions ...` and `voicecoach progress`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from voicecoach.atomic import check_target
from voicecoach.cli.options import (
    checked_filler_method,
    filler_method_option,
    model_option,
    reproducible_option,
    skip_language_option,
)
from voicecoach.errors import ExitCode

app = typer.Typer(
    help="Your saved sessions: list, show, replay, delete, export, recover, rescore, repair.", no_args_is_help=True
)

SPARKS = "▁▂▃▄▅▆▇█"


def _store():
    from voicecoach.sessions import SessionStore

    return SessionStore()


def _fmt(x, spec: str = ".0f", none: str = "–") -> str:
    return none if x is None else format(x, spec)


@app.command("list")
def list_(
    question: Optional[str] = typer.Option(None, "--question", "-q", metavar="ID", help="Only this question."),
    ids: bool = typer.Option(False, "--ids", help="Show session ids (refer to a session by its # or its id)."),
) -> None:
    """Every session: date, question, length, pace, fillers per minute, coverage, score."""
    from datetime import datetime

    from rich import box
    from rich.console import Console
    from rich.table import Table

    from voicecoach import interview
    from voicecoach.timefmt import clock

    sessions = _store().list(question)
    groups = interview.memberships()  # session id -> "interview.answer"
    c = Console()
    if not sessions:
        c.print("No sessions yet. Start one with `voicecoach practice --question tell-me-about-yourself`.")
        return
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    grouped = any(s.id in groups for s in sessions)
    cols = [
        "#",
        *(["id"] if ids else []),
        *(["interview"] if grouped else []),
        "date",
        "question",
        "length",
        "wpm",
        "fill/min",
        "cover",
        "score",
    ]
    for col in cols:
        t.add_column(
            col,
            no_wrap=True,
            overflow="ellipsis",
            max_width=22 if col == "question" else None,
            justify="right" if col in ("#", "wpm", "fill/min", "cover", "score") else "left",
        )
    for n, s in enumerate(sessions, 1):
        local = datetime.fromisoformat(s.created_at).astimezone().strftime("%d %b %H:%M")
        score = _fmt(s.score) if s.status == "scored" else s.status
        row = [
            str(n),
            *([s.id] if ids else []),
            *([groups.get(s.id, "")] if grouped else []),
            local,
            s.question_id,
            clock(s.duration_s) if s.duration_s is not None else "–",
            _fmt(s.wpm),
            _fmt(s.fillers_per_min, ".1f"),
            "–" if s.coverage is None else f"{s.coverage:.0%}",
            score,
        ]
        t.add_row(*row)
    c.print(t)
    if any(s.status == "damaged" for s in sessions):
        c.print(
            "[yellow]damaged: a file of the session cannot be read; "
            "`voicecoach sessions repair N` rebuilds it from the recording[/yellow]"
        )
    if grouped:
        c.print(
            "[dim]interview: its number and the answer's (f: a follow-up); "
            "`voicecoach sessions show interview:N` shows an interview's report[/dim]"
        )


@app.command("show")
def show(
    ref: str = typer.Argument(
        ...,
        metavar="ID",
        help="Session id, a unique prefix, its number in `sessions list`, or last; "
        "interview:N (its number in `sessions list`), interview:ID or interview:last for an interview's report.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the stored report as JSON."),
    html: Optional[Path] = typer.Option(
        None,
        "--html",
        metavar="FILE",
        help="Write the report as an HTML page with the answer's audio (an interview's: every "
        "answer's; `sessions open` writes a session's into its folder and opens it).",
    ),
) -> None:
    """Show a session's report."""
    import json

    from rich.console import Console

    from voicecoach.render import terminal
    from voicecoach.sessions.store import SessionError

    if html is not None:
        check_target(html)
    store = _store()
    if ref.startswith("interview:"):
        _show_interview(store, ref.removeprefix("interview:"), as_json, html)
        return
    info = store.get(ref)
    report = store.report(info)
    if report is None:
        Console().print(f"Session {info.id} ({info.question_id}, {info.status}) has no report.")
        if html is not None:
            raise SessionError(f"session {info.id} has no report to write as a page")
        return
    if html is not None:
        _write_page(store, info, report, html, open_page=False)
    elif as_json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        terminal.render(report, Console())


def _show_interview(store, ref: str, as_json: bool, html: Path | None) -> None:
    """An interview's report, made from its answers' reports as they are now (a rescored answer shows)."""
    import json

    from rich.console import Console

    from voicecoach import interview
    from voicecoach.cli.interview_cmd import answer_reports, render, write_page

    every = interview.all_interviews()
    iv = every[int(ref) - 1] if ref.isdigit() and 1 <= int(ref) <= len(every) else interview.find(ref)
    reports = answer_reports(store, iv)
    summary = interview.summary(iv, reports)
    if html is not None:
        write_page(store, summary, reports, html, open_page=False)
    elif as_json:
        sys.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    else:
        render(summary, Console())


@app.command("open")
def open_(
    ref: str = typer.Argument(
        ..., metavar="ID", help="Session id, a unique prefix, its number in `sessions list`, or last."
    ),
    open_page: bool = typer.Option(
        True, "--open/--no-open", help="Open the page in your browser (--no-open only writes it)."
    ),
) -> None:
    """Write the session's report as an HTML page in its folder (report.html) and open it in your browser."""
    from voicecoach.sessions.store import PAGE, SessionError

    store = _store()
    info = store.get(ref)
    report = store.report(info)
    if report is None:
        raise SessionError(f"session {info.id} ({info.question_id}, {info.status}) has no report")
    _write_page(store, info, report, store.folder(info.id) / PAGE, open_page, announce=False)
    typer.echo(str(store.folder(info.id) / PAGE))


def _write_page(store, info, report: dict, target: Path, open_page: bool, announce: bool = True) -> None:
    from datetime import datetime

    from voicecoach.cli.score_cmd import write_page
    from voicecoach.sessions.store import ANSWER

    answer = store.folder(info.id) / ANSWER
    write_page(
        target,
        report,
        answer if answer.exists() else None,
        open_page,
        when=datetime.fromisoformat(info.created_at).astimezone(),
        announce=announce,
    )


@app.command("replay")
def replay(
    ref: str = typer.Argument(..., metavar="ID", help="Session id, prefix, number, or last."),
    start: str = typer.Option("0", "--from", metavar="TIME", help="Start here (seconds or m:ss)."),
    device: Optional[str] = typer.Option(
        None, "--device", "-d", metavar="DEV", help="Speaker (see `voicecoach devices`)."
    ),
) -> None:
    """Play the answer while its transcript scrolls in time; fillers and long pauses stand out."""
    from rich.console import Console

    from voicecoach.analysis.fillers import HEARD
    from voicecoach.audio import devices, load
    from voicecoach.audio.playback import play
    from voicecoach.sessions.store import ANSWER, SessionError
    from voicecoach.timefmt import clock, parse_clock

    try:
        start_s = parse_clock(start)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--from") from e
    store = _store()
    info = store.get(ref)
    path = store.folder(info.id) / ANSWER
    if not path.exists():
        raise SessionError(f"session {info.id} has no recording")
    audio = load(path)
    if start_s >= audio.duration_s:
        raise typer.BadParameter(f"the recording is only {clock(audio.duration_s)} long", param_hint="--from")
    out = devices.resolve(device, "output")
    report = store.report(info) or {}
    words = [w for s in (report.get("transcript") or {}).get("segments", []) for w in s["words"]]
    occurrences = (report.get("fillers") or {}).get("occurrences") or []
    # written fillers are words (highlighted); heard ones sit in a gap between words (shown as a marker)
    fillers = {round(f["start_s"], 3) for f in occurrences if f.get("source") != HEARD}
    longs = {round(p["start_s"], 3): p["duration_s"] for p in ((report.get("pauses") or {}).get("long_pauses") or [])}
    events = sorted(
        [(w["start_s"], 1, w) for w in words if w["start_s"] >= start_s]
        + [(f["start_s"], 0, f) for f in occurrences if f.get("source") == HEARD and f["start_s"] >= start_s],
        key=lambda e: e[:2],
    )
    c = Console(highlight=False)
    c.print(
        f"[bold]{info.question_text}[/bold]  [dim]{info.id} · from {clock(start_s)} of {clock(audio.duration_s)}[/dim]"
    )
    state = {"i": 0, "line": 0}

    def on_position(pos: float) -> None:
        while state["i"] < len(events) and events[state["i"]][0] <= pos:
            _, is_word, w = events[state["i"]]
            state["i"] += 1
            if state["line"] == 0:
                c.print(f"[dim]{clock(w['start_s'])}[/dim] ", end="")
            state["line"] += 1
            if not is_word:
                c.print(f"[yellow]({w['text']})[/yellow] ", end="")
                continue
            style = "bold yellow" if round(w["start_s"], 3) in fillers else ""
            c.print(f"[{style}]{w['text']}[/{style}] " if style else w["text"] + " ", end="")
            pause = longs.get(round(w["end_s"], 3))
            if pause:
                c.print(f"\n[bold red]  ⏸ {pause:.1f} s pause[/bold red]")
                state["line"] = 0
            elif w["text"].endswith((".", "?", "!")) or state["line"] >= 14:
                c.print()
                state["line"] = 0

    end = play(audio.samples, device=out, start_s=start_s, on_position=on_position)
    if state["line"]:
        c.print()
    c.print(f"[dim]played to {clock(end)}[/dim]")


@app.command("delete")
def delete(
    ref: str = typer.Argument(..., metavar="ID", help="Session id, prefix, number, or last."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
) -> None:
    """Delete a session (its folder and its index row)."""
    store = _store()
    info = store.get(ref)
    if not yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise typer.BadParameter("not deleting without confirmation; add --yes")
        typer.confirm(f"Delete session {info.id} ({info.question_id}, {info.created_at[:16]})?", abort=True)
    store.delete(info)
    typer.echo(f"deleted {info.id}")


@app.command("export")
def export(
    ref: str = typer.Argument(..., metavar="ID", help="Session id, prefix, number, or last."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Zip file (default: <id>.zip here)."),
) -> None:
    """Export a session as a zip of its audio and JSON.

    A session without its recording is exported without it, and said (exit code 1)."""
    from voicecoach.sessions.store import ANSWER

    store = _store()
    info = store.get(ref)
    target = out or Path(f"{info.id}.zip")
    typer.echo(str(store.export(info, target)))
    if not (store.folder(info.id) / ANSWER).is_file():
        typer.echo(f"session {info.id} has no recording ({ANSWER} is missing): the zip holds the rest", err=True)
        raise typer.Exit(ExitCode.FAILED)


@app.command("recover")
def recover(model: str = model_option()) -> None:
    """Find recordings interrupted by a crash or kill, score them and keep them as sessions."""
    from voicecoach import questions
    from voicecoach.pipeline import Scorer, score_options
    from voicecoach.practice import recover as run
    from voicecoach.timefmt import clock

    store = _store()
    if not store.interrupted():
        typer.echo("No interrupted recordings.")
        return
    scorer = Scorer(score_options(model=model))
    for r in run(store, scorer, questions.load_all(), on_session=lambda i: typer.echo(f"recovering {i.id} …")):
        what = f"score {r.session.score:.0f}" if r.session.score is not None else f"kept unscored ({r.score_error})"
        typer.echo(f"{r.session.id}: {clock(r.recording.duration_s)} recovered, {what}")


@app.command("rescore")
def rescore(
    refs: Optional[list[str]] = typer.Argument(
        None, metavar="[ID]...", help="Sessions to score again (id, prefix, number, or last)."
    ),
    all_: bool = typer.Option(False, "--all", help="Every scored or unscored session (of --question, if given)."),
    question: Optional[str] = typer.Option(
        None, "--question", "-q", metavar="ID", help="With --all: only this question."
    ),
    model: str = model_option(),
    skip_language_check: bool = skip_language_option("the answers"),
    fillers: str = filler_method_option(),
    reproducible: bool = reproducible_option(),
) -> None:
    """Score saved answers again with this version of voicecoach, so `progress` compares like with like.

    The old report is kept in the session folder as report.<time>.json. Exit code 1 if any session could not be
    scored again (it is left as it was).
    """
    from voicecoach import questions
    from voicecoach.pipeline import Scorer, score_options
    from voicecoach.sessions.rescore import rescore as run
    from voicecoach.sessions.store import PAGE, RECORDING

    method = checked_filler_method(fillers)
    store = _store()
    if bool(refs) == all_:
        raise typer.BadParameter("give session ids or --all (not both)")
    if question and not all_:
        raise typer.BadParameter("--question goes with --all")
    chosen = [store.get(r) for r in refs] if refs else [s for s in store.list(question) if s.status != RECORDING]
    if not chosen:
        typer.echo("No sessions to rescore.")
        return
    before = {s.id: (s.score, s.fillers_per_min, _method_or_none(store, s)) for s in chosen}
    scorer = Scorer(score_options(method, model=model, check_language=not skip_language_check))
    failed = 0
    for r in run(
        store,
        scorer,
        questions.load_all(),
        chosen,
        on_session=lambda i: typer.echo(f"rescoring {i.id} ({i.question_id}) …"),
    ):
        if r.error:
            failed += 1
            typer.echo(f"{r.session.id}: not rescored: {r.error}", err=True)
            continue
        score0, fpm0, method0 = before[r.session.id]
        s = r.session
        page = store.folder(s.id) / PAGE
        if page.exists():  # a page made from the old report would now tell another story
            _write_page(store, s, store.report(s), page, open_page=False, announce=False)
        typer.echo(
            f"{s.id}: score {_fmt(score0)} → {_fmt(s.score)}, fillers/min {_fmt(fpm0, '.1f')} → "
            f"{_fmt(s.fillers_per_min, '.1f')}"
            + (
                f" (counted {method0} → {r.report.fillers.method})"
                if r.report.fillers and method0 != r.report.fillers.method
                else ""
            )
        )
    if failed:
        raise typer.Exit(ExitCode.FAILED)


def _method_or_none(store, info):
    """How the session's stored report counted fillers; None if it has none or it is damaged."""
    from voicecoach.schema.read import filler_method
    from voicecoach.sessions.store import DamagedSession

    try:
        return filler_method(store.report(info))
    except DamagedSession:
        return None


@app.command("repair")
def repair(
    ref: str = typer.Argument(
        ...,
        metavar="ID",
        help="Session id (its folder's name), a unique prefix, its number in `sessions list`, or last.",
    ),
    question: Optional[str] = typer.Option(
        None, "--question", "-q", metavar="ID", help="The question it answered, when its files do not say."
    ),
    model: str = model_option(),
    skip_language_check: bool = skip_language_option("the answer"),
    fillers: str = filler_method_option(),
    reproducible: bool = reproducible_option(),
) -> None:
    """Rebuild a damaged session from its recording: its report by scoring it again, its session.json
    and index row anew. Nothing is deleted: damaged files are kept beside as *.damaged-<time>.json."""
    from voicecoach import questions
    from voicecoach.pipeline import Scorer, score_options
    from voicecoach.sessions.rescore import repair as run
    from voicecoach.sessions.store import SessionError

    method = checked_filler_method(fillers)
    store = _store()
    try:
        sid = store.get(ref).id
    except SessionError:
        if not (store.folder(ref).is_dir() and ref.strip("./") == ref):  # (a folder not in the index yet)
            raise
        sid = ref
    scorer = Scorer(score_options(method, model=model, check_language=not skip_language_check))
    info, report = run(store, scorer, questions.load_all(), sid, question)
    typer.echo(
        f"{info.id}: repaired ({info.question_id}), "
        + (f"score {_fmt(info.score)}" if info.score is not None else f"kept unscored: {report.why_not_scored}")
    )


@app.command("rebuild-index")
def rebuild_index() -> None:
    """Rebuild the session index from the session folders (after a crash or a damaged sessions.db).

    Every folder it cannot index as it is, it names with the reason: a damaged session.json or
    report.json is indexed as "damaged" (see `sessions repair`). Exit code 1 if any was named."""
    n, moved, problems = _store().rebuild_index()
    if moved:
        typer.echo(f"the damaged index was moved to {moved}")
    for folder, what, _ in problems:
        typer.echo(f"{folder.name}: {what}", err=True)
    damaged = sum(indexed for _, _, indexed in problems)
    typer.echo(f"index rebuilt: {n} sessions" + (f", {damaged} of them damaged" if damaged else ""))
    if damaged:
        typer.echo("`voicecoach sessions repair ID` scores a damaged session's recording again; nothing is deleted.")
    if problems:
        raise typer.Exit(ExitCode.FAILED)


def progress(
    question: Optional[str] = typer.Option(None, "--question", "-q", metavar="ID", help="Only this question."),
    last: int = typer.Option(20, "--last", metavar="N", min=2, help="Use the last N scored sessions."),
    html: Optional[Path] = typer.Option(
        None,
        "--html",
        metavar="FILE",
        help="Also write an HTML page with one chart per metric, its target band and your best session.",
    ),
    open_page: bool = typer.Option(False, "--open", help="Open the --html page in your browser."),
) -> None:
    """How each metric moved across your scored sessions.

    A session whose report cannot be read is left out, with a line naming it (exit code 1)."""
    from rich.console import Console
    from rich.table import Table

    from voicecoach import __version__, numerics
    from voicecoach.pipeline import DEFAULT_FILLER_METHOD
    from voicecoach.sessions.progress import HOW_COUNTED
    from voicecoach.sessions.progress import progress as compare
    from voicecoach.sessions.store import SessionError

    if html is not None:
        check_target(html)
    if open_page and html is None:
        raise typer.BadParameter("--open opens the --html page; give --html FILE")
    store = _store()
    mode = numerics.requested()
    p = compare(store, question, last, method=DEFAULT_FILLER_METHOD, version=__version__, numerics=mode)
    n = len(p.sessions)
    c = Console()
    for why in p.skipped:  # (said first, on stderr; the exit code says it at the end)
        Console(stderr=True).print(f"[yellow]left out: {why}[/yellow]", highlight=False, soft_wrap=True)
    if n < 2:
        need = f"progress needs at least two scored sessions{' for ' + question if question else ''}; you have {n}"
        if html is not None:
            raise SessionError(f"no page written: {need}")
        c.print(need[0].upper() + need[1:] + ".")
        if p.skipped:
            raise typer.Exit(ExitCode.FAILED)
        return
    formats = {"score": ".0f", "coverage": ".0%", "fillers_per_min": ".1f", "wpm": ".0f"}
    t = Table(
        title=f"Progress over {n} sessions" + (f" of {question}" if question else ""),
        title_justify="left",
        show_edge=False,
    )
    for col in ("metric", "first", "", "last", "trend", "best"):
        t.add_column(col)
    for tr in p.trends:
        lo, hi = min(tr.values), max(tr.values)
        spark = "".join(SPARKS[int((v - lo) / (hi - lo) * 7) if hi > lo else 3] for v in tr.values)
        arrow = "→" if tr.first == tr.last else ("↑" if tr.last > tr.first else "↓")
        style = "dim" if tr.first == tr.last else {True: "green", False: "red", None: ""}[tr.better]
        fmt = (
            (lambda v, spec=formats.get(tr.field): f"{v:{spec}}")
            if tr.field != "duration_s"
            else (lambda v: f"{int(v // 60)}:{int(v % 60):02d}")
        )
        t.add_row(
            tr.label,
            fmt(tr.first),
            f"[{style}]{arrow}[/{style}]" if style else arrow,
            fmt(tr.last),
            spark,
            fmt(tr.best) if tr.best is not None else "",
        )
    c.print(t)
    f = [s.fillers_per_min for s in p.sessions if s.fillers_per_min is not None]
    if len(f) >= 2:
        c.print(f"Fillers per minute {f[0]:.1f} → {f[-1]:.1f} over {n} sessions.")
    if p.mixed_methods:  # the trend would compare two ways of counting
        ways = ", ".join(f"{k} {HOW_COUNTED[m]}" for m, k in p.counted_otherwise.items())
        c.print(
            f"[yellow]{sum(p.counted_otherwise.values())} of these {n} sessions counted fillers another way than this "
            f"version's default ({ways}), so their fillers per minute are not comparable. "
            f"`voicecoach sessions rescore --all` scores them again the current way.[/yellow]"
        )
    elif p.mixed_versions:
        c.print(
            f"[yellow]{p.older} of these {n} sessions were scored by an earlier voicecoach, whose "
            f"figures can differ from this version's ({__version__}). `voicecoach sessions rescore --all` "
            f"scores them again with this one, so the trend compares like with like.[/yellow]"
        )
    elif p.mixed_numerics:
        flag = " --reproducible" if mode == numerics.REPRODUCIBLE else ""
        other = numerics.NATIVE if mode == numerics.REPRODUCIBLE else numerics.REPRODUCIBLE
        c.print(
            f"[yellow]{p.other_numerics} of these {n} sessions were computed in {other} mode, not {mode} as now, "
            f"so their words and figures can differ from this mode's. `voicecoach sessions rescore --all{flag}` "
            f"scores them again in {mode} mode, so the trend compares like with like.[/yellow]"
        )
    if html is not None:
        _progress_page(store, p, question, html, open_page)
    if p.skipped:
        raise typer.Exit(ExitCode.FAILED)


def _progress_page(store, p, question: Optional[str], target: Path, open_page: bool) -> None:
    from rich.console import Console

    from voicecoach.render import html

    latest = store.report(p.sessions[-1]) or {}
    pace = latest.get("pace") or {}
    pace_band = (float(pace.get("min_wpm") or 100), float(pace.get("max_wpm") or 165))
    asked = {s.question_id for s in p.sessions}
    q = (latest.get("question") or {}) if len(asked) == 1 else {}
    length_band = (q["target_min_s"], q["target_max_s"]) if q.get("target_min_s") is not None else None
    html.write(target, html.progress_page(p, question=question, pace_band=pace_band, length_band=length_band))
    err = Console(stderr=True)
    err.print(f"[dim]page written to {target}[/dim]", highlight=False)
    if open_page and not html.open_in_browser(target):
        err.print(f"[yellow]no browser to open it with; open {target} yourself[/yellow]", highlight=False)
