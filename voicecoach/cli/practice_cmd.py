"""`voicecoach practice` and `voicecoach devices`: the live loop a job seeker practises in."""

from __future__ import annotations

import os
import random
import sys
import threading
from pathlib import Path
from typing import Optional

import typer

from voicecoach.atomic import check_target
from voicecoach.cli.options import (
    bank_option,
    checked_filler_method,
    filler_method_option,
    model_option,
    reproducible_option,
    skip_language_option,
)
from voicecoach.cli.score_cmd import why_not_scored, write_page
from voicecoach.errors import ExitCode


def _key_reader(stop: threading.Event) -> None:
    """Set ``stop`` on Enter or q. On a terminal single keys count; otherwise a line of input does."""
    fd = sys.stdin.fileno() if sys.stdin else -1
    if fd < 0:
        return
    if os.isatty(fd):
        import termios
        import tty

        old = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            while not stop.is_set():
                import select

                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready and os.read(fd, 1) in (b"\n", b"\r", b"q", b"Q"):
                    stop.set()
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
    else:
        _LINES.attach(stop)


class _Lines:
    """Piped input, for every answer the process records (an interview records several): one
    thread reads the lines, and an empty line or q stops the answer being recorded now. EOF (no
    input at all) never stops a recording."""

    def __init__(self) -> None:
        self.current: threading.Event | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def attach(self, stop: threading.Event) -> None:
        with self.lock:
            self.current = stop
            if self.thread is None:
                self.thread = threading.Thread(target=self._read, daemon=True)
                self.thread.start()

    def _read(self) -> None:
        for line in sys.stdin:
            if line.strip().lower() in ("", "q"):
                with self.lock:
                    if self.current is not None:
                        self.current.set()
                        self.current = None


_LINES = _Lines()


def _meter(dbfs: float, width: int = 20) -> str:
    filled = int(round(max(0.0, min(1.0, (dbfs + 60) / 60)) * width))
    return "█" * filled + "·" * (width - filled)


def _ask(console, prompt: str) -> str:
    """One key at the terminal after ``prompt``: "r", "n", or "" for anything else."""
    import termios
    import tty

    console.print(prompt)
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        key = os.read(fd, 1).decode(errors="replace").lower()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
    return key if key in ("r", "n") else ""


def _another(qs: dict, q, category: str | None):
    """Another question than ``q``: from ``category`` if given, else from ``q``'s own category,
    else from the whole bank."""
    for pool in ([x for x in qs.values() if x.category == (category or q.category)], list(qs.values())):
        pool = [x for x in pool if x.id != q.id]
        if pool:
            return random.choice(pool)
    return q


def _one_line(r: dict) -> str:
    """An answer's figures on one line: score, length, pace, fillers per minute, coverage."""
    from voicecoach.timefmt import clock

    bits = [f"score {r['score']:.0f}", f"length {clock(r['length']['answer_s'])}"]
    if r.get("pace"):
        bits.append(f"pace {r['pace']['wpm']:.0f} wpm")
    if r.get("fillers"):
        bits.append(f"fillers {r['fillers']['per_minute']:.1f}/min")
    if r.get("rubric"):
        bits.append(f"coverage {r['rubric']['coverage']:.0%}")
    return "  ".join(bits)


def _dict(result) -> dict:
    from voicecoach.schema.report import to_dict

    return to_dict(result.report)


def _show_moved(console, before: dict, now: dict) -> None:
    """What moved against the take before: each figure with its arrow, green where its part of the
    score went up, yellow where it went down."""
    from rich.text import Text

    from voicecoach.render.text import what_moved

    line = Text("Against your take before: ", style="bold")
    for i, m in enumerate(what_moved(before, now)):
        style = "green" if m.better else "yellow" if m.better is False else "dim"
        line.append(("  " if i else "") + f"{m.label} {m.before} → {m.now} {m.arrow}", style=style)
    console.print(line)


def make_taker(
    store,
    scorer,
    opts,
    console,
    *,
    live_cues: bool,
    as_json: bool = False,
    html=None,
    open_page: bool = False,
    show: str = "report",
):
    """``take(q)``: ask ``q``, record the answer, score and keep it as a session. ``show``: "report"
    (the full report, or JSON with ``as_json``), "summary" (one line), or "none". Returns the
    PracticeResult; an answer that could not be scored exits with its code unless ``show`` is not
    "report" (an interview goes on: the session is kept)."""
    from rich.live import Live
    from rich.text import Text

    from voicecoach.practice import max_length_s
    from voicecoach.practice import practice as run
    from voicecoach.render import terminal
    from voicecoach.schema import report as json_report
    from voicecoach.timefmt import clock

    def take(q):
        console.print(
            f"[bold]{q.text}[/bold]  [dim]({q.id}; aim for {clock(q.target_min_s)}–{clock(q.target_max_s)})[/dim]"
        )
        stop, keys = threading.Event(), []
        limit = max_length_s(q, opts)
        live = Live(console=console, refresh_per_second=8, transient=True)

        def on_stage(stage: str) -> None:
            if stage == "recording":
                console.print("[green]● Recording.[/green] Press Enter or q to stop (Ctrl-C also stops and keeps it).")
                keys.append(threading.Thread(target=_key_reader, args=(stop,), daemon=True))
                keys[-1].start()
                live.start()
            elif stage == "scoring":
                live.stop()
                console.print("[dim]Scoring…[/dim]")

        def timeline(elapsed: float, width: int = 30) -> Text:
            """Elapsed time on a bar to the stop point; the target window is shaded."""
            bar = Text()
            for i in range(width):
                at = (i + 0.5) / width * limit
                in_target = q.target_min_s <= at <= q.target_max_s
                if at <= elapsed:
                    bar.append("█", style="green" if in_target else "yellow" if at > q.target_max_s else "cyan")
                else:
                    bar.append("░" if in_target else "·", style="green" if in_target else "dim")
            return bar

        def cue_line(s, f) -> Text:
            """Pace over the last 30 s, fillers so far, and one short cue (voicecoach.asr.live)."""
            t = Text("\n")
            if not f.keeping_up:
                t.append(
                    f"Live figures paused: the transcription is {f.behind_s:.0f} s behind (a busy machine?); "
                    "the report will take longer.",
                    style="yellow",
                )
                return t
            pace = scorer.options.analysis.pace
            t.append("pace ")
            if f.pace_wpm is None:
                t.append("…", style="dim")
            else:
                ok = pace.min_wpm <= f.pace_wpm <= pace.max_wpm
                t.append(f"{f.pace_wpm:.0f} wpm", style="green" if ok else "yellow")
                t.append(" (last 30 s)", style="dim")
            t.append(f"   fillers {f.fillers}")
            t.append(f"   heard to {clock(f.heard_s)}", style="dim")
            cue = None
            if q.target_max_s - 30 <= s.elapsed_s < q.target_max_s:
                cue = "30 s to your target's end: start wrapping up"
            elif s.elapsed_s >= q.target_max_s:
                cue = "past your target: finish your sentence"
            elif f.pace_wpm is not None and f.pace_wpm > pace.max_wpm:
                cue = "fast: slow down a little"
            elif f.pace_wpm is not None and f.pace_wpm < pace.min_wpm:
                cue = "slow: pick up the pace a little"
            if cue:
                t.append(f"   ▶ {cue}", style="bold yellow")
            return t

        def on_status(s, figures=None) -> None:
            t = Text()
            t.append_text(timeline(s.elapsed_s))
            t.append(" ")
            t.append(f"{clock(s.elapsed_s)}", style="bold")
            style = (
                "green"
                if q.target_min_s <= s.elapsed_s <= q.target_max_s
                else "yellow"
                if s.elapsed_s > q.target_max_s
                else "white"
            )
            t.append(f"  target {clock(q.target_min_s)}–{clock(q.target_max_s)}", style=style)
            t.append(f"  (stops at {clock(limit)})   level {_meter(s.level_dbfs)}")
            if live_cues and figures is not None:
                t.append_text(cue_line(s, figures))
            if s.silent_for_s >= 4:
                t.append(f"\nNo sound for {s.silent_for_s:.0f} s: is your microphone muted?", style="bold red")
            live.update(t)

        try:
            result = run(q, store, scorer, opts, stop, on_status=on_status, on_stage=on_stage)
        finally:
            live.stop()
            stop.set()
            if sys.stdin is not None and sys.stdin.isatty():
                for k in keys:  # (at a terminal it lets go of it within 0.2 s; a pipe's reader just stays blocked)
                    k.join()
        rec = result.recording
        why = {
            "key": "stopped",
            "interrupt": "interrupted (kept)",
            "max-length": "reached the maximum length",
            "error": "stopped by an error",
        }[result.stopped_by]
        kept = "saved" if result.report is not None else "kept"
        console.print(f"Recorded {clock(rec.duration_s)} — {why}. Session {result.session.id} {kept}.")
        if rec.overflows:
            console.print(
                f"[yellow]The microphone's input overflowed {rec.overflows} time(s): a little audio was lost, "
                "so the recording is shorter than your answer (a busy machine?).[/yellow]"
            )
        if rec.error:
            print(f"voicecoach: error: {rec.error}", file=sys.stderr)
        strict = show == "report"  # (an interview goes on after an answer it could not score)
        if result.report is None:
            print(f"voicecoach: error: the answer could not be scored or saved: {result.score_error}", file=sys.stderr)
            if strict:
                raise typer.Exit(ExitCode.RECORDING if rec.error else ExitCode.INPUT)
            return result
        if show == "report" and as_json:
            sys.stdout.write(json_report.dumps(result.report) + "\n")
        elif show == "report" and result.report.score is not None:
            from rich.console import Console

            terminal.render(json_report.to_dict(result.report), Console())
        elif show == "summary" and result.report.score is not None:
            console.print(_one_line(json_report.to_dict(result.report)))
        if html is not None or open_page:  # after the report is on screen: encoding the audio takes a second
            from datetime import datetime

            from voicecoach.sessions.store import ANSWER, PAGE

            folder = store.folder(result.session.id)
            write_page(
                html or folder / PAGE,
                json_report.to_dict(result.report),
                folder / ANSWER,
                open_page,
                when=datetime.fromisoformat(result.session.created_at).astimezone(),
            )
        if result.report.score is None:  # no speech (a muted microphone?) or another language; the session is kept
            print(f"voicecoach: error: {why_not_scored(result.report, result.session.id)}", file=sys.stderr)
            if strict:
                raise typer.Exit(ExitCode.RECORDING if rec.error else ExitCode.INPUT)
        if rec.error and strict:
            raise typer.Exit(ExitCode.RECORDING)
        return result

    return take


def practice(
    question: Optional[str] = typer.Option(
        None, "--question", "-q", metavar="ID", help="Question id (see `voicecoach questions list`)."
    ),
    random_q: bool = typer.Option(False, "--random", help="A random question (from --category, if given)."),
    category: Optional[str] = typer.Option(
        None, "--category", "-c", metavar="NAME", help="With --random: only this category."
    ),
    speak: bool = typer.Option(True, "--speak/--no-speak", help="Say the question aloud first."),
    voice: Optional[str] = typer.Option(
        None, "--voice", metavar="ID", help="Text-to-speech voice (see `voicecoach devices --voices`)."
    ),
    rate: int = typer.Option(160, "--rate", metavar="WPM", min=60, max=400, help="Speaking rate of the question."),
    device: Optional[str] = typer.Option(
        None, "--device", "-d", metavar="DEV", help="Microphone: number or part of its name (see `voicecoach devices`)."
    ),
    output_device: Optional[str] = typer.Option(
        None, "--output-device", metavar="DEV", help="Speaker for the question."
    ),
    margin: float = typer.Option(
        60.0, "--margin", metavar="S", min=0, help="Stop recording this many seconds after the target maximum."
    ),
    model: str = model_option(),
    skip_language_check: bool = skip_language_option("the answer"),
    fillers: str = filler_method_option(),
    reproducible: bool = reproducible_option(),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON when done."),
    html: Optional[Path] = typer.Option(
        None, "--html", metavar="FILE", help="Also write the report as an HTML page to play and read."
    ),
    live_cues: bool = typer.Option(
        True,
        "--live/--no-live",
        help="Show the live cue line while you answer: pace over "
        "the last 30 s, fillers so far, and a short cue when pace stays out of the comfortable "
        "band or the target's end is 30 s away.",
    ),
    open_page: bool = typer.Option(
        False,
        "--open",
        help="Open the report's HTML page in your browser when scoring ends "
        "(written to --html, or into the session folder).",
    ),
    bank: list[Path] = bank_option(),
) -> None:
    """Answer a question out loud: it is spoken, you answer, Enter or q stops, you get the report.

    Then r asks the same question again and shows what moved against the take before, n asks another
    question, Enter ends. Ctrl-C also stops and keeps what was recorded. Every take is saved as a
    session (see `voicecoach sessions`).
    """
    from rich.console import Console

    from voicecoach import questions
    from voicecoach.audio import devices
    from voicecoach.errors import QuestionError
    from voicecoach.pipeline import Scorer, score_options
    from voicecoach.practice import PracticeOptions
    from voicecoach.sessions import SessionStore
    from voicecoach.timefmt import clock

    method = checked_filler_method(fillers)
    if html is not None:
        check_target(html)
    qs = questions.load_all(bank)
    if random_q:
        pool = [q for q in qs.values() if not category or q.category == category]
        if not pool:
            raise QuestionError(f"no questions in category '{category}'")
        q = random.choice(pool)
    elif question:
        q = questions.get(question, bank)
    else:
        raise QuestionError("choose a question: --question ID or --random (see `voicecoach questions list`)")
    store = SessionStore()
    store.check_writable()
    opts = PracticeOptions(
        speak=speak,
        voice=voice,
        rate_wpm=rate,
        margin_s=margin,
        input_device=devices.resolve(device, "input"),
        output_device=devices.resolve(output_device, "output"),
        drafts=live_cues,
    )
    scorer = Scorer(score_options(method, model=model, check_language=not skip_language_check))
    console = Console(stderr=as_json)
    interrupted = store.interrupted()
    if interrupted:
        from voicecoach.practice import recover

        console.print(f"Found {len(interrupted)} interrupted recording(s); scoring and keeping them first…")
        for r in recover(store, scorer, qs):
            console.print(f"  recovered session {r.session.id} ({clock(r.recording.duration_s)})")

    take = make_taker(
        store, scorer, opts, console, live_cues=live_cues, as_json=as_json, html=html, open_page=open_page
    )
    before = _dict(take(q))
    # Try again (the same question, with what moved against the take before) or another question,
    # at a terminal only: a script that pipes Enter in, or reads the output, gets one take.
    while not as_json and sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty():
        key = _ask(console, "[bold]r[/bold] try again · [bold]n[/bold] another question · [bold]Enter[/bold] done")
        if key == "r":
            now = _dict(take(q))
            _show_moved(console, before, now)
            before = now
        elif key == "n":
            q = _another(qs, q, category)
            before = _dict(take(q))
        else:
            break


def devices_cmd(
    voices: bool = typer.Option(False, "--voices", help="List text-to-speech voices instead."),
) -> None:
    """List sound devices (microphones and speakers), or the text-to-speech voices."""
    from rich.console import Console
    from rich.table import Table

    c = Console()
    if voices:
        from voicecoach import tts

        t = Table(show_edge=False)
        for col in ("id", "name", "languages"):
            t.add_column(col)
        for v in tts.voices():
            t.add_row(v.id, v.name, ", ".join(v.languages))
        c.print(t)
        return
    from voicecoach.audio import devices

    devs = devices.list_devices()
    if not devs:
        c.print(
            "No sound devices found. Check that a microphone is connected and that the sound server "
            "(PulseAudio/PipeWire) is running."
        )
        raise typer.Exit(ExitCode.DEVICE)
    t = Table(show_edge=False)
    for col in ("#", "name", "in", "out", "rate", ""):
        t.add_column(col)
    for d in devs:
        mark = " ".join(
            x for x, on in (("default mic", d.is_default_input), ("default speaker", d.is_default_output)) if on
        )
        t.add_row(
            str(d.index),
            d.name,
            str(d.max_input_channels),
            str(d.max_output_channels),
            f"{d.default_sample_rate_hz:.0f}",
            mark,
        )
    c.print(t)
