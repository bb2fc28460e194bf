"""Speed and memory of `voicecoach score`, measured side by side in one run.

    .venv/bin/python scripts/benchmark.py [--audio FILE] [--repeats 3] [--long]

1. `voicecoach --help` wall time (median of 5).
2. End to end (`voicecoach score FILE --json`, a fresh process: start-up, decoding, model load,
   transcription, analysis, embeddings, JSON) against faster-whisper's bare transcription of the
   same file with the same settings (the verbatim prompt on every window, no conditioning; model
   already loaded, audio already decoded), interleaved. The bare transcription runs with half the
   cores (voicecoach's decoder when the probe runs beside it) and with one thread per core (its
   decoder by default, and faster-whisper's usual setting); the ratio is taken against the faster. A plain bare
   transcription
   (no prompt, faster-whisper's defaults) shows what the prompt itself costs.
3. voicecoach 0.2's way of counting (`--fillers written+heard`: a plain transcript and the
   hesitation probe beside it), interleaved in the same loop.
4. With --long: peak RSS of scoring a 60-minute file (the lecture looped to an hour).
Numbers go in docs/performance.md; the machine is shared and noisy, so compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import toolbox

from voicecoach.asr.transcriber import ThreadPlan

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_AUDIO = toolbox.LECTURE


def timed_run(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"benchmark: {' '.join(cmd)} failed:\n{p.stderr}")
    return time.perf_counter() - t, p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--audio", type=Path, default=DEFAULT_AUDIO)
    ap.add_argument("--model", default="base")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--long", action="store_true", help="also measure peak memory on a 60-minute file")
    a = ap.parse_args()
    vc = str(BIN / "voicecoach")
    subprocess.run([vc, "models", "verify"], check=True, capture_output=True)  # warm: joins base once

    helps = [timed_run([vc, "--help"])[0] for _ in range(5)]
    print(f"voicecoach --help: median {statistics.median(helps):.3f} s (min {min(helps):.3f})")

    half, cores = ThreadPlan.for_threads().decode, os.cpu_count() or 1
    bare_half, bare_all, bare_plain, e2e, old = [], [], [], [], []
    for i in range(a.repeats):
        bare_half.append(toolbox.bare_seconds(a.audio, True, half, a.model))
        bare_all.append(toolbox.bare_seconds(a.audio, True, cores, a.model))
        bare_plain.append(toolbox.bare_seconds(a.audio, False, cores, a.model))
        s, p = timed_run([vc, "score", str(a.audio), "--model", a.model, "--json"])
        e2e.append(s)
        report = json.loads(p.stdout)
        words = len(report["transcript"]["text"].split())
        hes = report["fillers"]["hesitation_count"]
        s, p = timed_run([vc, "score", str(a.audio), "--model", a.model, "--json", "--fillers", "written+heard"])
        old.append(s)
        old_hes = json.loads(p.stdout)["fillers"]["hesitation_count"]
        print(
            f"  run {i + 1}: bare transcription {bare_half[-1]:.2f} s ({half} thread(s)) / {bare_all[-1]:.2f} s "
            f"({cores} threads), plain bare {bare_plain[-1]:.2f} s; end to end {e2e[-1]:.2f} s ({words} words, "
            f"{hes} hesitations), --fillers written+heard {old[-1]:.2f} s ({old_hes} hesitations)"
        )
    bh, ba, bp = statistics.median(bare_half), statistics.median(bare_all), statistics.median(bare_plain)
    b, e, w = min(bh, ba), statistics.median(e2e), statistics.median(old)
    print(
        f"{a.audio.name}: bare faster-whisper {bh:.2f} s ({half} thread(s)) / {ba:.2f} s ({cores} threads), "
        f"voicecoach score end to end {e:.2f} s, ratio {e / b:.2f} against the faster (target <= 1.20)"
    )
    print(
        f"the verbatim prompt: bare {ba:.2f} s against {bp:.2f} s plain ({ba / bp - 1:+.0%}); end to end against "
        f"plain bare {e / bp:.2f}"
    )
    print(f"voicecoach 0.2's way (--fillers written+heard): {w:.2f} s end to end, {w / b:.2f} x the bare time")

    if a.long:
        with tempfile.TemporaryDirectory() as tmp:
            hour = Path(tmp) / "hour.flac"
            subprocess.run(["sox", *[str(a.audio)] * (3600 // 200 + 1), str(hour), "trim", "0", "3600"], check=True)
            t = time.perf_counter()
            mb = toolbox.peak_rss_mb([vc, "score", str(hour), "--model", a.model, "--json"])
            print(f"60-minute file: peak RSS {mb:.0f} MB (target < 1536 MB), {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
