"""What reproducible mode costs: `voicecoach score FILE --json` end to end, natively and with
--reproducible, alternating in one run on one host (docs/reproducibility.md, The default).

    .venv/bin/python scripts/benchmark_numerics.py [--audio FILE] [--repeats 3]

Prints each run's wall time, the medians, their ratio, the CPU, and whether the two modes wrote the
same words (they need not: the paths differ; each mode is the same on every run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import toolbox

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_AUDIO = toolbox.LECTURE


def cpu() -> str:
    flags = ""
    name = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            name = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            flags = line
    return f"{name}, {'with' if ' avx512f' in flags else 'without'} AVX-512, {os.cpu_count()} cores"


def run(audio: Path, reproducible: bool) -> tuple[float, dict]:
    env = {k: v for k, v in os.environ.items() if k != "VOICECOACH_REPRODUCIBLE"}
    cmd = [str(BIN / "voicecoach"), "score", str(audio), "--json"] + (["--reproducible"] if reproducible else [])
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if p.returncode:
        sys.exit(f"benchmark_numerics: {' '.join(cmd)} failed: {p.stderr.strip()}")
    return seconds, json.loads(p.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--audio", type=Path, default=DEFAULT_AUDIO, help="the recording (default: the 203-s lecture)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per mode, alternating (default 3)")
    args = ap.parse_args()
    times: dict[str, list[float]] = {"native": [], "reproducible": []}
    words = {}
    for i in range(args.repeats):
        for mode in ("native", "reproducible") if i % 2 == 0 else ("reproducible", "native"):
            seconds, report = run(args.audio, mode == "reproducible")
            assert report["asr"]["numerics"] == mode, report["asr"]
            times[mode].append(seconds)
            words.setdefault(mode, report["transcript"]["text"])
            print(f"run {i + 1} {mode}: {seconds:.1f} s", flush=True)
    med = {m: statistics.median(t) for m, t in times.items()}
    print(f"\n{args.audio.name}, {cpu()}")
    print("| mode | runs (s) | median (s) |\n|---|---|---|")
    for m, t in times.items():
        print(f"| {m} | {', '.join(f'{x:.1f}' for x in t)} | {med[m]:.1f} |")
    print(
        f"reproducible / native: {med['reproducible'] / med['native']:.3f}; "
        f"the same words: {words['native'] == words['reproducible']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
