"""`voicecoach`: the typer app, its sub-commands, and the mapping of errors to exit codes."""

from __future__ import annotations

import logging
import sys

import typer

from voicecoach import __version__
from voicecoach.cli import batch_cmd, interview_cmd, models_cmd, practice_cmd, questions_cmd, score_cmd, sessions_cmd
from voicecoach.errors import ExitCode, VoicecoachError

app = typer.Typer(
    name="voicecoach",
    help="Practise spoken answers to interview questions, scored on your own machine.\n\n"
    "Start with `voicecoach questions list`, then `voicecoach practice --question ID` to answer out "
    "loud, or `voicecoach score answer.m4a --question ID` for a recording you already have.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("score")(score_cmd.score)
app.command("batch")(batch_cmd.batch)
app.command("practice")(practice_cmd.practice)
app.command("interview")(interview_cmd.interview)
app.add_typer(sessions_cmd.app, name="sessions")
app.command("progress")(sessions_cmd.progress)
app.add_typer(questions_cmd.app, name="questions")
app.command("devices")(practice_cmd.devices_cmd)
app.add_typer(models_cmd.app, name="models")

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"voicecoach {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what voicecoach does to stderr."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for unexpected errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="voicecoach: %(message)s", stream=sys.stderr
    )
    logging.getLogger("faster_whisper").setLevel(logging.DEBUG if verbose else logging.ERROR)
    if debug:
        _state["debug"] = True


def main() -> None:
    """Entry point. typer/click handle usage errors (exit 2) and SystemExit; voicecoach's own errors
    become one line on stderr and their exit code; anything else is an internal error."""
    from voicecoach.allocator import limit_malloc_arenas

    limit_malloc_arenas()
    try:
        # VOICECOACH_REPRODUCIBLE=1 holds for every command, set before anything that computes starts
        # (the commands that transcribe also take --reproducible).
        from voicecoach import numerics

        for note in numerics.use(numerics.requested()):
            print(f"voicecoach: note: {note}", file=sys.stderr)
        app()
    except VoicecoachError as e:
        print(f"voicecoach: error: {' '.join(str(e).split())}", file=sys.stderr)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        print("voicecoach: interrupted", file=sys.stderr)
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as e:
        if _state["debug"]:
            raise
        print(f"voicecoach: internal error: {type(e).__name__}: {e} (run with --debug for details)", file=sys.stderr)
        sys.exit(ExitCode.INTERNAL)


if __name__ == "__main__":
    main()
