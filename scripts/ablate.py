"""What each piece voicecoach adds to faster-whisper's transcription buys: each turned off alone.

    .venv/bin/python scripts/ablate.py speed [--rounds 3] [--pieces NAME,...] [--audio FILE | --answer]
    .venv/bin/python scripts/ablate.py accuracy [--pieces NAME,...]
    .venv/bin/python scripts/ablate.py golden [--pieces NAME,...]
    .venv/bin/python scripts/ablate.py lecture [--pieces NAME,...]
    .venv/bin/python scripts/ablate.py run --off NAME -- voicecoach ARGS...   (one command with a piece off)

speed: `voicecoach score FILE --json` in a fresh process (native numerics, as users run it), each piece
off in --rounds pairs with every piece on (alternating which runs first); prints the medians of wall and
CPU seconds and their ratio; then bare faster-whisper (the same prompt and settings, model loaded,
audio decoded) and plain faster-whisper (its defaults) against all-on, interleaved. --answer scores the 3:13 answer that
tests/test_long_answer.py builds from other recordings instead of the lecture.

accuracy: scripts/evaluate.py (reproducible numerics, base) with every piece on and with each off;
prints WER, WER without hesitations and the hesitation TP/FP/FN of each.

lecture: the lecture (203 s, no human reference) with each piece off, its words against Whisper
medium's (a proxy reference), reproducible numerics.

golden: tests/golden.py (reproducible) with each piece off: what moved against tests/data/golden.json,
recording by recording (the 3:13 answer's words and fillers among them), and which fell back to sampling.

The pieces (voicecoach.asr.types.Tuning, and two of TranscriptionOptions) are turned off in the
process that runs the command, by replacing the options every WhisperTranscriber is built with: the
one way these comparisons change a setting. docs/performance.md has the results and the rule.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import toolbox
from toolbox import LECTURE, MEDIUM_WORDS, PIECES, bare_seconds, timed

ROOT = toolbox.ROOT


def command_with(names: list[str], argv: list[str]) -> tuple[list[str], dict]:
    return toolbox.command_off(names, argv)


def speed(a) -> None:
    """Each piece in pairs with all-on (alternating which goes first), so a shared host's drift falls
    on both alike; its ratio is median(off) / median(its own all-on runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        audio = a.audio
        if a.answer:
            sys.path.insert(0, str(ROOT / "tests"))
            from test_long_answer import build_long_answer

            audio = Path(tmp) / "answer.flac"
            build_long_answer(ROOT / "tests" / "data", audio)  # (built from tests/data's copies)
        score = ["voicecoach", "score", str(audio), "--json", *a.args.split()]
        rows = []
        every_on: list[tuple[float, float]] = []
        for piece in a.pieces:
            on, off = [], []
            for r in range(a.rounds):
                for which in ("on", "off") if r % 2 == 0 else ("off", "on"):
                    cmd, env = command_with([] if which == "on" else [piece], score)
                    (on if which == "on" else off).append(timed(cmd, env))
            every_on += on
            m = lambda runs, i: statistics.median(x[i] for x in runs)  # noqa: E731
            rows.append((piece, m(on, 0), m(off, 0), m(on, 1), m(off, 1)))
            print(
                f"{piece}: on {[f'{x[0]:.1f}' for x in on]}, off {[f'{x[0]:.1f}' for x in off]}",
                file=sys.stderr,
                flush=True,
            )
        cores = os.cpu_count() or 1
        bare, plain = [], []
        for _ in range(a.rounds):
            # (the faster of one thread and one per core, as scripts/benchmark.py takes it)
            bare.append(min(bare_seconds(audio, True, n) for n in {1, cores}))
            plain.append(bare_seconds(audio, False, cores))
            every_on.append(timed(*command_with([], score)))
        print(f"\n{audio.name} {a.args}, {a.rounds} pairs a piece, medians\n")
        print("| piece off | wall s, on → off | × | CPU s, on → off | × |\n|---|---|---|---|---|")
        for piece, won, woff, con, coff in rows:
            print(
                f"| {piece} | {won:.2f} → {woff:.2f} | {woff / won:.2f} | {con:.1f} → {coff:.1f} | {coff / con:.2f} |"
            )
        e2e = statistics.median(x[0] for x in every_on[-a.rounds :])
        print(
            f"\nbare faster-whisper (same prompt) {statistics.median(bare):.2f} s, plain faster-whisper "
            f"{statistics.median(plain):.2f} s, voicecoach score (all on, the same rounds) {e2e:.2f} s: "
            f"{e2e / statistics.median(bare):.2f} × bare, {e2e / statistics.median(plain):.2f} × plain"
        )


def accuracy(a) -> None:
    for c in ["all on", *a.pieces]:
        cmd, env = command_with(
            [] if c == "all on" else [c], [str(ROOT / "scripts" / "evaluate.py"), "--models", "base"]
        )
        env["VOICECOACH_REPRODUCIBLE"] = "1"
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        print(f"\n## {c} (exit {out.returncode})\n{out.stdout.strip()}", flush=True)


def golden(a) -> None:
    """tests/golden.py (15 recordings and the 3:13 answer, reproducible) with each piece off: what moved."""
    for c in a.pieces:
        cmd, env = command_with([c], [str(ROOT / "tests" / "golden.py")])
        env["VOICECOACH_REPRODUCIBLE"] = "1"
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        print(f"\n## {c} off (exit {out.returncode})\n{out.stdout.strip()}", flush=True)


LECTURE_CHECK = r"""
import json, sys
sys.path.insert(0, sys.argv.pop(1))
from evaluation import edit_distance, wer_words
medium = [l.split("\t")[2] for l in open(sys.argv[2]).read().splitlines() if l and not l.startswith(("#", "start"))]
report = json.load(sys.stdin)
words = [w["text"] for seg in report["transcript"]["segments"] for w in seg["words"]]
ref, hyp = wer_words(" ".join(medium)), wer_words(" ".join(words))
print(f"{len(hyp)} words, WER against Whisper medium {edit_distance(ref, hyp) / len(ref):.3f}")
"""


def lecture(a) -> None:
    """The lecture (no human reference) scored with each piece off, its words against Whisper medium's
    (a proxy: ../shared/audio/real/physicsworks.whisper_medium_words.tsv), reproducible numerics."""
    medium = MEDIUM_WORDS
    for c in ["all on", *a.pieces]:
        cmd, env = command_with([] if c == "all on" else [c], ["voicecoach", "score", str(LECTURE), "--json"])
        env["VOICECOACH_REPRODUCIBLE"] = "1"
        report = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        out = subprocess.run(
            [sys.executable, "-c", LECTURE_CHECK, str(ROOT / "scripts"), "-", str(medium)],
            input=report,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"{c}: {out}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    sub = ap.add_subparsers(dest="what", required=True)
    names = ",".join(PIECES)
    for what in ("speed", "accuracy", "golden", "lecture"):
        p = sub.add_parser(what)
        p.add_argument("--pieces", type=lambda s: s.split(","), default=list(PIECES), help=f"of {names}")
        if what == "speed":
            p.add_argument("--rounds", type=int, default=3)
            p.add_argument("--audio", type=Path, default=LECTURE)
            p.add_argument("--answer", action="store_true", help="score the 3:13 built answer instead")
            p.add_argument(
                "--args", default="", help="more arguments for `voicecoach score` (e.g. '--fillers verbatim+heard')"
            )
    p = sub.add_parser("run")
    p.add_argument("--off", action="append", default=[], choices=list(PIECES))
    p.add_argument("argv", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    if a.what == "run":
        argv = a.argv[1:] if a.argv[:1] == ["--"] else a.argv
        cmd, env = command_with(a.off, argv)
        sys.exit(subprocess.run(cmd, env=env).returncode)
    for n in getattr(a, "pieces", []):
        if n not in PIECES:
            sys.exit(f"ablate: unknown piece {n!r}; use one of {names}")
    {"speed": speed, "accuracy": accuracy, "golden": golden, "lecture": lecture}[a.what](a)


if __name__ == "__main__":
    main()
