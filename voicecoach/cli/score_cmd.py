"""`voicecoach score FILE --question ID`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from voicecoach.analysis.report import SCHEMA_VERSION
from voicecoach.atomic import check_target
from voicecoach.cli.options import (
    bank_option,
    beam_size_option,
    check_wpm,
    checked_filler_method,
    filler_method_option,
    make_options,
    max_wpm_option,
    min_wpm_option,
    reproducible_option,
    skip_language_option,
    written_only_option,
)
from voicecoach.errors import AudioError


def score(
    file: Path = typer.Argument(
        ...,
        help="The recorded answer: wav, flac, mp3, m4a, ogg/opus, webm; any rate, mono or stereo.",
        show_default=False,
        metavar="FILE",
    ),
    question: str = typer.Option(
        "tell-me-about-yourself",
        "--question",
        "-q",
        metavar="ID",
        help="Question id (see `voicecoach questions list`).",
    ),
    model: str = typer.Option(
        "base",
        "--model",
        "-m",
        metavar="NAME",
        help="Whisper model: base or tiny.en (offline), a CTranslate2 model folder, "
        "or a faster-whisper name (downloads; needs internet).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help=f"Print the full report as JSON (schema {SCHEMA_VERSION}) instead of the summary."
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", metavar="FILE", help="Also write the JSON report to this file."
    ),
    html: Optional[Path] = typer.Option(
        None,
        "--html",
        metavar="FILE",
        help="Also write the report as one HTML page, with the answer's audio, to play and read (works offline).",
    ),
    open_page: bool = typer.Option(False, "--open", help="Open the --html page in your browser when done."),
    transcript: bool = typer.Option(False, "--transcript", "-t", help="Show the transcript under the report."),
    bank: list[Path] = bank_option(),
    beam_size: int = beam_size_option(),
    min_wpm: float = min_wpm_option(),
    max_wpm: float = max_wpm_option(),
    skip_language_check: bool = skip_language_option(),
    fillers: str = filler_method_option(),
    written_only: bool = written_only_option(),
    reproducible: bool = reproducible_option(),
    save: bool = typer.Option(
        False, "--save", help="Keep the recording and report as a session (see `voicecoach sessions`)."
    ),
    max_minutes: float = typer.Option(
        120.0, "--max-minutes", metavar="MIN", min=0.01, help="Refuse recordings longer than this."
    ),
) -> None:
    """Score a recorded answer: length, pace, fillers, pauses, rubric coverage, voice and wording (advisory), and
    tips."""
    from rich.console import Console

    from voicecoach import questions
    from voicecoach.atomic import write_atomic
    from voicecoach.audio.load import check_path
    from voicecoach.pipeline import Scorer
    from voicecoach.render import terminal
    from voicecoach.schema import report as json_report

    # Cheap checks first: a typo must cost milliseconds, not a model load.
    check_wpm(min_wpm, max_wpm)
    method = checked_filler_method(fillers, written_only)
    check_path(file)
    q = questions.get(question, bank)
    for target in (out, html):
        if target is not None:
            check_target(target)
    if open_page and html is None:
        raise typer.BadParameter("--open opens the --html page; give --html FILE")
    scorer = Scorer(make_options(model, beam_size, min_wpm, max_wpm, skip_language_check, method, max_minutes))
    err = Console(stderr=True)
    if err.is_terminal and not as_json:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[pos]}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as prog:
            task = prog.add_task("Loading", total=None, pos="")

            def on_progress(stage: str, done: float, total: float) -> None:
                from voicecoach.timefmt import clock

                prog.update(
                    task,
                    description=stage.capitalize(),
                    completed=done,
                    total=total,
                    pos=f"{clock(done)}/{clock(total)}",
                )

            report = scorer.score(file, q, on_progress=on_progress)
    else:
        report = scorer.score(file, q)
    info = None
    if save:
        from voicecoach.sessions.store import keep_recording

        info = keep_recording(file, q, json_report.to_dict(report), report.transcript.duration_s)
        Console(stderr=True).print(f"[dim]saved as session {info.id}[/dim]")
    if out is not None:
        write_atomic(out, json_report.dumps(report) + "\n")
    if as_json:
        sys.stdout.write(json_report.dumps(report) + "\n")
    elif report.score is not None:
        terminal.render(json_report.to_dict(report), Console(), show_transcript=transcript)
    if html is not None:  # after the report is on screen: encoding the audio takes a second
        write_page(html, json_report.to_dict(report), file, open_page)
    if report.score is None:  # silence, noise, another language: one line and exit 3 (--json still has the report)
        raise AudioError(f"{file}: {why_not_scored(report, info.id if info else None)}")


def write_page(path: Path, report: dict, audio: Path | None, open_page: bool, when=None, announce: bool = True) -> None:
    """Write the HTML page (score, practice, sessions); say where it is (unless the caller prints
    the path itself), and open it if asked."""
    from voicecoach.render import html

    html.write_answer(path, report, audio, when=when)
    page_written(path, open_page, announce)


def page_written(path: Path, open_page: bool, announce: bool = True) -> None:
    """Say where a page was written (unless the caller prints the path itself); open it if asked."""
    from rich.console import Console

    from voicecoach.render import html

    err = Console(stderr=True)
    if announce:
        err.print(f"[dim]page written to {path}[/dim]", highlight=False)
    if open_page and not html.open_in_browser(path):
        err.print(f"[yellow]no browser to open it with; open {path} yourself[/yellow]", highlight=False)


def why_not_scored(report, session_id: str | None = None) -> str:
    """The report's reason for not scoring, on one line, with what the user can do about it: the
    library's notice names no command, the CLI adds the one that helps here (by the notice's code)."""
    from voicecoach.analysis.report import NOT_ENGLISH

    why = report.why_not_scored
    if report.not_scored_because.code == NOT_ENGLISH:
        why += (
            f" The session is kept; if it is English, `voicecoach sessions rescore {session_id} "
            "--skip-language-check` scores it."
            if session_id
            else " If it is English, score it anyway with --skip-language-check."
        )
    return why
