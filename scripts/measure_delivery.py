"""Delivery findings on the real recordings (docs/delivery.md): what voicecoach says of real speakers.

    .venv/bin/python scripts/measure_delivery.py [files...]

None of these speakers is monotone, and their recordings are neither too quiet nor clipped, so
every such finding here is a false one. Trailing-off findings are listed with the words, to be
checked by ear.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import toolbox

ROOT = Path(__file__).resolve().parent.parent
REAL = toolbox.DATA


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("files", nargs="*", type=Path)
    a = ap.parse_args()
    files = a.files or sorted([*REAL.glob("*.wav"), *REAL.glob("*.flac")])
    from voicecoach import questions
    from voicecoach.audio import load
    from voicecoach.audio.features import tracks
    from voicecoach.pipeline import Scorer

    scorer, q = Scorer(), questions.get("tell-me-about-yourself")
    total_s = tracks_s = 0.0
    for f in files:
        audio = load(f)
        transcript = scorer.transcriber.transcribe(audio)
        t0 = time.perf_counter()
        tr = tracks(audio.samples)
        tracks_s += time.perf_counter() - t0
        total_s += audio.duration_s
        d = scorer.report(q, transcript, audio.samples, str(f), tracks=tr).delivery
        if d is None:
            print(f"{f.name}: not scored")
            continue
        spreads = " ".join("-" if w.spread_st is None else f"{w.spread_st:.1f}" for w in d.windows)
        print(
            f"{f.name:34s} {audio.duration_s:5.0f} s  pitch {d.pitch_median_hz or 0:5.0f} Hz  spread "
            f"{d.pitch_spread_st or 0:4.1f} st  windows [{spreads}]  level {d.level_dbfs or 0:5.1f} dBFS "
            f"±{d.level_spread_db or 0:4.1f}  sentences {d.sentences}"
        )
        for x in d.findings:
            print(f"    {x.kind:13s} {x.start_s:6.1f} s  {x.text}")
    print(f"tracks: {tracks_s:.2f} s for {total_s:.0f} s of audio ({tracks_s / total_s * 60:.2f} s per minute)")


if __name__ == "__main__":
    main()
