"""Throughput and overhead of `voicecoach batch`, measured side by side in one run.

    .venv/bin/python scripts/benchmark_batch.py [FOLDER]     (default: the 20 MFA clips in ../shared/audio/real/mfa)

1. Bare transcription (toolbox.BARE): faster-whisper on each file with voicecoach's settings (base,
   int8, beam 5, word timestamps, the verbatim prompt), model loaded once, audio decoded: the
   transcription itself, on as many threads as voicecoach's decoder. Like voicecoach, it gives the
   decoder new threads after a file that fell back to sampling, so both decode every file alike;
   that reload is not timed here (it is voicecoach's overhead).
2. `voicecoach batch --jobs 1`, `--jobs 2` and `--scheduler local --jobs 2` on the same files, each
   into a fresh results file: wall time, audio minutes per wall-clock minute, and the peak RSS of
   each process doing the work (sampled every 0.2 s with psutil).
Per-file overhead = (batch --jobs 1 wall time - sum of bare transcription) / files: everything
beyond transcription (start-up, model load, decoding, language check, hesitation probe, analysis,
embeddings, writing); the same with --written-fillers-only (a plain transcript) tells the prompt's share apart.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import toolbox

ROOT = Path(__file__).resolve().parent.parent
VC = str(Path(sys.executable).parent / "voicecoach")
DEFAULT = toolbox.DATA / "mfa"


def watched(cmd: list[str]) -> tuple[float, dict[int, float]]:
    """Wall time of ``cmd`` and the peak RSS (MB) of it and each of its descendants."""
    t = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak: dict[int, float] = {}
    while proc.poll() is None:
        try:
            for p in [proc] + proc.children(recursive=True):
                try:
                    peak[p.pid] = max(peak.get(p.pid, 0.0), p.memory_info().rss / 2**20)
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        sys.exit(f"benchmark: {' '.join(cmd)} failed: {proc.stderr.read().decode()[-400:]}")
    return wall, {pid: mb for pid, mb in peak.items() if pid != proc.pid or len(peak) == 1}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    a = ap.parse_args()
    files = sorted(str(p) for p in a.folder.iterdir() if p.suffix in (".flac", ".wav"))
    subprocess.run([VC, "models", "verify"], check=True, capture_output=True)
    from voicecoach.asr.transcriber import ThreadPlan

    # the decoder's threads in a --jobs 1 batch (the default), voicecoach's default prompt
    bare = toolbox.bare(files, verbatim=True, threads=ThreadPlan.for_threads().decode)
    minutes = bare["audio_s"] / 60
    print(
        f"{len(files)} files, {bare['audio_s']:.0f} s of audio; bare transcription {bare['seconds']:.1f} s "
        f"({minutes / (bare['seconds'] / 60):.1f} audio min per min)"
    )
    print("\n| run | wall time | audio min / wall min | peak RSS per worker |\n|---|---|---|---|")
    walls = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in [
            ("--jobs 1", ["--jobs", "1"]),
            ("--jobs 1 --written-fillers-only", ["--jobs", "1", "--written-fillers-only"]),
            ("--jobs 2", ["--jobs", "2"]),
            ("--scheduler local --jobs 2", ["--scheduler", "local", "--jobs", "2"]),
        ]:
            out = Path(tmp) / f"{len(walls)}.csv"
            wall, peaks = watched([VC, "batch", *files, "-q", "tell-me-about-yourself", "-o", str(out), *extra])
            walls[label] = wall
            workers = sorted(peaks.values(), reverse=True)[: 1 if label.startswith("--jobs 1") else 2]
            print(
                f"| {label} | {wall:.1f} s | {minutes / (wall / 60):.1f} | "
                f"{', '.join(f'{mb:.0f} MB' for mb in workers)} |"
            )
    over = (walls["--jobs 1"] - bare["seconds"]) / len(files)
    plain = (walls["--jobs 1 --written-fillers-only"] - bare["seconds"]) / len(files)
    print(
        f"\nper-file overhead beyond transcription (--jobs 1): {over:.2f} s (target <= 0.3 s); "
        f"{plain:.2f} s with a plain transcript (--written-fillers-only), "
        f"so the verbatim prompt adds {over - plain:.2f} s"
    )


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "120")
    main()
