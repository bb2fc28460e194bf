"""The options several commands share, defined once (each command's own options stay with it)."""

from __future__ import annotations

import sys

import typer


def model_option():
    """--model NAME, as every command that transcribes takes it."""
    return typer.Option(
        "base",
        "--model",
        "-m",
        metavar="NAME",
        help="Whisper model: base or tiny.en (offline), or a CTranslate2 model folder.",
    )


def bank_option():
    """--bank FILE, repeatable: question banks beyond the bundled one."""
    return typer.Option([], "--bank", metavar="FILE", help="Extra question bank (TOML); may be repeated.")


def beam_size_option():
    return typer.Option(
        5, "--beam-size", metavar="N", min=1, max=10, help="Beam search width (1 is faster, 5 more accurate)."
    )


def min_wpm_option():
    return typer.Option(100.0, "--min-wpm", metavar="WPM", min=1, help="Slowest comfortable pace (words per minute).")


def max_wpm_option():
    return typer.Option(165.0, "--max-wpm", metavar="WPM", min=1, help="Fastest comfortable pace (words per minute).")


def skip_language_option(what: str = "it"):
    """--skip-language-check, as every command that transcribes takes it."""
    return typer.Option(
        False,
        "--skip-language-check",
        help=f"Transcribe {what} as English even if language detection ranks another language first.",
    )


FILLER_METHOD_HELP = (
    "How fillers are counted: verbatim (Whisper writes them, prompted on every 30-s window; the default), "
    "verbatim+heard (plus um/uh heard in gaps), written+heard (a plain transcript plus um/uh heard; "
    "voicecoach 0.2), written (a plain transcript's fillers only)."
)


def filler_method_option():
    """--fillers METHOD, as every command that scores takes it."""
    return typer.Option("verbatim", "--fillers", metavar="METHOD", help=FILLER_METHOD_HELP)


def _numerics(value: bool) -> bool:
    """Choose the numerics mode now, while parsing: before any library that computes starts."""
    from voicecoach import numerics

    for note in numerics.use(numerics.requested(value)):
        print(f"voicecoach: note: {note}", file=sys.stderr)
    return value


def reproducible_option():
    """--reproducible, as every command that transcribes takes it (voicecoach.numerics)."""
    return typer.Option(
        False,
        "--reproducible",
        is_eager=True,
        callback=_numerics,
        help="Compute with the same kernels on any x86-64 CPU with AVX2, so a recording gives the "
        "same report on every machine (also VOICECOACH_REPRODUCIBLE=1).",
    )


def written_only_option():
    return typer.Option(False, "--written-fillers-only", help="Same as --fillers written.")


def checked_filler_method(method: str, written_only: bool = False):
    """The --fillers value checked (before any model loads); --written-fillers-only means 'written'."""
    from voicecoach.analysis.fillers import FillerMethod

    try:
        chosen = FillerMethod.parse(method)
    except ValueError:
        raise typer.BadParameter(
            f"--fillers must be one of {', '.join(m.value for m in FillerMethod)}, not {method!r}"
        ) from None
    if written_only:
        if chosen not in (FillerMethod.VERBATIM, FillerMethod.WRITTEN):
            raise typer.BadParameter(f"--fillers {method} contradicts --written-fillers-only (--fillers written)")
        return FillerMethod.WRITTEN
    return chosen


def check_wpm(min_wpm: float, max_wpm: float) -> None:
    if min_wpm >= max_wpm:
        raise typer.BadParameter(f"--min-wpm ({min_wpm:g}) must be below --max-wpm ({max_wpm:g})")


def make_options(
    model: str,
    beam_size: int,
    min_wpm: float,
    max_wpm: float,
    skip_language_check: bool,
    method: str,
    max_minutes: float,
    cpu_threads: int = 0,
):
    """The ScoreOptions the score and batch commands build from their shared flags."""
    from voicecoach.analysis.pace import PaceOptions
    from voicecoach.pipeline import score_options

    return score_options(
        method,
        pace=PaceOptions(min_wpm=min_wpm, max_wpm=max_wpm),
        max_duration_s=max_minutes * 60,
        model=model,
        beam_size=beam_size,
        cpu_threads=cpu_threads,
        check_language=not skip_language_check,
    )
