"""A batch of a thousand short recordings: memory, throughput, overhead, and three kills.

    .venv/bin/python scripts/benchmark_batch_scale.py [--files 1000] [--kill-files 300] [--bare-files 100]

The recordings are built from tests/data's real speech: each file is 3 s of one recording from a
start that moves with the file's number, then 0-0.6 s of silence, so no two files have the same
content (and key). Then:
1. `voicecoach batch --jobs 1` over all of them, uninterrupted: the batch process's resident memory
   (RSS, with its children) when 100 rows are written and when the last is, and throughput; bare
   faster-whisper on the first --bare-files files (toolbox.BARE), scaled to all of them, beside it.
   The overhead is also measured inside voicecoach: in one warmed process, the time `score` spends
   outside WhisperTranscriber.transcribe, a file (bare faster-whisper is no baseline for clips this
   short: without the token cap, a window that loops decodes to 448 tokens).
2. A batch over the first --kill-files files killed with SIGKILL at three random points (after a
   random number of new rows each time), resumed each time, then run to its end: every file must be
   in the output exactly once, and each resume must skip exactly the rows already written (nothing
   scored twice).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import toolbox

ROOT = Path(__file__).resolve().parent.parent
VC = str(Path(sys.executable).parent / "voicecoach")
Q = "tell-me-about-yourself"
SOURCES = sorted((ROOT / "tests" / "data").glob("*.flac")) + sorted((ROOT / "tests" / "data").glob("*.wav"))


def build(folder: Path, n: int) -> list[Path]:
    import soundfile as sf

    from voicecoach.audio.load import SAMPLE_RATE, load

    speech = [load(p).samples for p in SOURCES]
    speech = [s for s in speech if len(s) >= 4 * SAMPLE_RATE]
    out = []
    for i in range(n):
        s = speech[i % len(speech)]
        start = (i * 7919) % (len(s) - 3 * SAMPLE_RATE)
        pad = np.zeros(int((i % 7) * 0.1 * SAMPLE_RATE), np.float32)
        path = folder / f"f{i:04d}.flac"
        sf.write(path, np.concatenate([s[start : start + 3 * SAMPLE_RATE], pad]), SAMPLE_RATE, subtype="PCM_16")
        out.append(path)
    return out


def rows(results: Path) -> list[dict]:
    if not results.exists():
        return []
    out = []
    for line in results.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # (a line cut by a kill)
    return out


def rss_mb(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss / 2**20
        except psutil.Error:
            pass
    return total


def batch(folder: Path, results: Path, kill_after: int | None = None, watch_at: tuple[int, ...] = ()):
    """Run a batch; kill it (SIGKILL, its whole group) once ``kill_after`` new rows are written.
    Returns (wall s, stderr, {rows: RSS MB when that many rows were first seen})."""
    before = len(rows(results))
    err = tempfile.TemporaryFile("w+")
    t = time.perf_counter()
    proc = psutil.Popen(
        [VC, "batch", str(folder), "-q", Q, "-o", str(results), "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=err,
        start_new_session=True,
    )
    seen: dict[int, float] = {}
    last_rss = 0.0
    while proc.poll() is None:
        n = len(rows(results)) - before if kill_after is not None or watch_at else 0
        last_rss = rss_mb(proc) or last_rss
        for w in watch_at:
            if n >= w and w not in seen:
                seen[w] = last_rss
        if kill_after is not None and n >= kill_after:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.1)
    wall = time.perf_counter() - t
    for w in watch_at:
        seen.setdefault(w, last_rss)  # (the last rows came just before the exit)
    err.seek(0)
    return wall, err.read(), seen


OVERHEAD = r"""
import json, sys, time
from voicecoach import questions
from voicecoach.asr.transcriber import WhisperTranscriber
from voicecoach.pipeline import Scorer
inside = [0.0]
real = WhisperTranscriber.transcribe
def timed(self, *a, **k):
    t = time.perf_counter()
    try:
        return real(self, *a, **k)
    finally:
        inside[0] += time.perf_counter() - t
WhisperTranscriber.transcribe = timed
scorer, q = Scorer(), questions.get(sys.argv[1])
scorer.score(sys.argv[2], q)  # (the models loaded and warmed: a batch pays that once)
inside[0] = 0.0
t = time.perf_counter()
for f in sys.argv[2:]:
    scorer.score(f, q)
print(json.dumps({"total": time.perf_counter() - t, "transcription": inside[0]}))
"""


def overhead(files: list[Path]) -> tuple[float, float]:
    """(seconds a file in all, seconds a file outside the transcription) of `score` in one warmed process."""
    out = subprocess.run(
        [sys.executable, "-c", OVERHEAD, Q, *map(str, files)], check=True, capture_output=True, text=True
    )
    d = json.loads(out.stdout.strip().splitlines()[-1])
    return d["total"] / len(files), (d["total"] - d["transcription"]) / len(files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--kill-files", type=int, default=300, help="files in the batch killed three times")
    ap.add_argument("--bare-files", type=int, default=100, help="files transcribed bare for the overhead")
    ap.add_argument("--seed", type=int, default=46)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        everything = tmp / "all"
        everything.mkdir()
        files = build(everything, a.files)
        audio_s = sum(3 + (i % 7) * 0.1 for i in range(a.files))
        print(f"{a.files} files, {audio_s / 60:.0f} min of audio, built from {len(SOURCES)} recordings", flush=True)

        results = tmp / "all.jsonl"
        wall, err, rss = batch(everything, results, watch_at=(100, a.files))
        got = rows(results)
        assert len(got) == a.files and len({r["file"] for r in got}) == a.files, "not one row a file"
        scored = sum(r["status"] == "scored" for r in got)
        from voicecoach.asr.transcriber import ThreadPlan

        threads = ThreadPlan.for_threads().decode  # (as many as the batch's decoder)
        bare_s = toolbox.bare(files[: a.bare_files], verbatim=True, threads=threads)["seconds"] * a.files / a.bare_files
        print(
            f"batch --jobs 1: {wall:.0f} s, {a.files / wall * 60:.0f} files a minute, "
            f"{audio_s / wall:.1f} min of audio a minute; {scored} scored"
        )
        print(f"RSS of the batch: {rss[100]:.0f} MB after 100 files, {rss[a.files]:.0f} MB after {a.files}")
        print(f"bare faster-whisper, {a.bare_files} files scaled to {a.files}: {bare_s:.0f} s")
        per_file, beyond = overhead(files[: a.bare_files])
        print(
            f"in one warmed process, {a.bare_files} files: {per_file:.3f} s a file, of which "
            f"{beyond:.3f} s beyond the transcription (decoding, pitch, analysis, rubric, report)"
        )

        some = tmp / "some"
        some.mkdir()
        for f in files[: a.kill_files]:
            os.link(f, some / f.name)
        results = tmp / "some.jsonl"
        for k in range(3):
            before = len(rows(results))
            left = a.kill_files - before
            _, err, _ = batch(some, results, kill_after=rng.randrange(1, max(2, left // 3)))
            written = len(rows(results))
            if k > 0:
                m = re.search(r"(\d+) of (\d+) files already in", err)
                assert m and int(m[1]) == before, f"resume {k}: skipped {m and m[1]}, {before} rows were written"
            print(f"kill {k + 1}: after {written - before} new rows ({written} in all)", flush=True)
        _, err, _ = batch(some, results)
        m = re.search(r"(\d+) of (\d+) files already in", err)
        final = rows(results)
        names = [Path(r["file"]).name for r in final]
        assert sorted(names) == sorted(f.name for f in files[: a.kill_files]), "a file missing or written twice"
        assert m and int(m[1]) == written, f"the last resume skipped {m and m[1]} of {written} rows written"
        print(
            f"after three kills and resumes: {len(final)} rows, each file once; every resume skipped what was written"
        )


if __name__ == "__main__":
    main()
