"""The gap in a mock interview between the stop key and the next question, on a virtual sound card.

    .venv/bin/python scripts/benchmark_interview.py [--seconds 120] [--quiet-end 2] [--runs 3]

Runs `voicecoach interview --no-speak` with two questions and no follow-ups. The first answer is the
lecture cut to --seconds, then --quiet-end seconds of silence (a speaker who has finished), played
into the virtual microphone; then Enter. The gap is the time from the key to the second question's
heading on screen ("Question 2 of 2"); with speech on, the question would be spoken from there. The
second answer is a few seconds of the lecture, then Enter again. Each run is a fresh process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import toolbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from pulse import PulseServer  # noqa: E402  (the tests' virtual sound card)

EXE = str(Path(sys.executable).parent / "voicecoach")


def clip(source: Path, target: Path, seconds: float, quiet_end: float) -> Path:
    reps = int(seconds // 200) + 1  # the lecture is 203 s
    pad = ["pad", "0", str(quiet_end)] if quiet_end else []
    sox = ["sox", *[str(source)] * reps, "-r", "16000", "-c", "1", "-b", "16", str(target)]
    subprocess.run([*sox, "trim", "0", str(seconds), *pad], check=True)
    return target


def one_run(tmp: Path, pulse, first: Path, second: Path, log: Path | None = None) -> float:
    """One interview; the seconds from the first stop key to the second question's heading. ``log``:
    where its -v log goes (how long the last piece and the report took after the stop)."""
    home = tmp / "home"
    env = {**pulse.env, "VOICECOACH_HOME": str(home), "COLUMNS": "120"}
    out_path = tmp / "stdout.txt"
    with open(out_path, "w") as out_f, open(log or os.devnull, "w") as err_f:
        p = subprocess.Popen(
            [
                EXE,
                *(["-v"] if log else []),
                "interview",
                "--no-speak",
                "--no-follow-ups",
                "--questions",
                "tell-me-about-yourself,why-this-company",
            ],
            stdin=subprocess.PIPE,
            stdout=out_f,
            stderr=err_f,
            text=True,
            env=env,
        )

        def recording(n: int) -> None:
            while len(list(home.glob("sessions/*/answer.flac"))) < n:
                if p.poll() is not None:
                    sys.exit(f"interview ended early:\n{out_path.read_text()[-800:]}")
                time.sleep(0.02)

        recording(1)
        subprocess.run(["paplay", "--latency-msec=1000", "-d", "micfeed", str(first)], env=pulse.env, check=True)
        stop = time.monotonic()
        p.stdin.write("\n")
        p.stdin.flush()
        while "Question 2 of 2" not in out_path.read_text():
            if p.poll() is not None or time.monotonic() - stop > 300:
                sys.exit(f"no second question:\n{out_path.read_text()[-800:]}")
            time.sleep(0.01)
        gap = time.monotonic() - stop
        recording(2)
        subprocess.run(["paplay", "--latency-msec=1000", "-d", "micfeed", str(second)], env=pulse.env, check=True)
        p.stdin.write("\n")
        p.stdin.close()
        p.wait(timeout=300)
    if p.returncode != 0:
        sys.exit(f"interview failed ({p.returncode}):\n{out_path.read_text()[-800:]}")
    return gap


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--seconds", type=float, default=120.0, help="the first answer's speech (default 120)")
    ap.add_argument("--quiet-end", type=float, default=2.0, metavar="S", help="silence before the key (default 2)")
    ap.add_argument("--runs", type=int, default=3, help="interviews to run, one after another (default 3)")
    ap.add_argument("--log", type=Path, metavar="FILE", help="write the last run's -v log here")
    a = ap.parse_args()
    gaps = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pulse = PulseServer(tmp / "pulse").start()
        try:
            first = clip(toolbox.LECTURE, tmp / "first.wav", a.seconds, a.quiet_end)
            second = clip(toolbox.LECTURE, tmp / "second.wav", 6, 1)
            subprocess.run([EXE, "models", "verify"], check=True, capture_output=True)
            for k in range(a.runs):
                run_dir = tmp / f"run{k}"
                run_dir.mkdir()
                gaps.append(one_run(run_dir, pulse, first, second, a.log if k == a.runs - 1 else None))
                print(f"run {k + 1}: stop key -> next question {gaps[-1]:.2f} s", flush=True)
        finally:
            pulse.stop()
    print(
        f"answer {a.seconds:.0f} s + {a.quiet_end:g} s quiet; stop key -> next question over {len(gaps)} runs: "
        f"median {statistics.median(gaps):.2f} s, most {max(gaps):.2f} s"
    )


if __name__ == "__main__":
    main()
