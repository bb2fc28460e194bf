"""How long the last piece of a live answer takes after the stop key, when it is a whole window.

    .venv/bin/python scripts/benchmark_last_piece.py [--audio FILE] [--step 20]

After the stop, `practice` transcribes what no piece has yet: up to 30 s of audio (the carry
from the piece before, plus what came after the last cut). scripts/benchmark_practice.py measures
the stops it happens to make; this measures the worst case directly: 30-s stretches of a real
recording (the lecture by default), each transcribed as a last piece (``PieceRun.add(...,
last=True)``) on a warmed model, the language already known, as in practice.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LECTURE = ROOT.parent / "shared" / "audio" / "real" / "physicsworks_16k_mono.flac"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--audio", type=Path, default=LECTURE)
    ap.add_argument("--step", type=float, default=20.0, help="seconds between the stretches' starts (default 20)")
    a = ap.parse_args()

    import numpy as np

    from voicecoach.asr.pieces import WINDOW_S
    from voicecoach.asr.whisper import WhisperTranscriber
    from voicecoach.audio import load
    from voicecoach.audio.load import SAMPLE_RATE

    samples = load(a.audio).samples
    t = WhisperTranscriber()
    warm = t.begin()
    warm.add(samples[: 10 * SAMPLE_RATE], 0.0, last=True)  # the model loaded, the language found
    warm.close()
    times = []
    start = 0.0
    while start + WINDOW_S <= len(samples) / SAMPLE_RATE:
        piece = samples[int(start * SAMPLE_RATE): int((start + WINDOW_S) * SAMPLE_RATE)]
        run = t.begin()
        run._detected = True  # (practice found the language on the answer's first piece)
        t0 = time.monotonic()
        segs = run.add(piece, start, last=True)
        dt = time.monotonic() - t0
        run.close()
        times.append(dt)
        print(f"{start:6.1f}-{start + WINDOW_S:.1f} s: {dt:.2f} s, {sum(len(s.words) for s in segs)} words", flush=True)
        start += a.step
    print(f"a whole window as the last piece: median {np.median(times):.2f} s, most {max(times):.2f} s "
          f"({len(times)} stretches of {a.audio.name})")


if __name__ == "__main__":
    main()
