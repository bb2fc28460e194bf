"""Replay a recorded answer into the live transcriber at the recorder's pace, without a sound card.

    .venv/bin/python scripts/replay_live.py SESSION/answer.flac [--words FILE]

Hands the answer's samples to `voicecoach.asr.live.LiveTranscriber` in 1-s chunks, one a second, as
practice's recorder does; reads the cue line's figures 8 times a second, as practice's timer does;
after the last chunk times `finish` (the last piece). `scripts/benchmark_practice.py --keep DIR`
keeps the answers to replay. Where benchmark_practice's playback lands a few milliseconds earlier
or later each run, and so moves every cut, a replay of one file cuts the same pieces every time: two
builds can be compared at the same moments of the same answer. Prints the cue line's lag behind the
answer (from 35 s on: median, 90th percentile, most, and each second it was over 5 s behind) and
the time after the last chunk; ``--words`` writes the transcript's words (to compare builds).
What it leaves out: the sound card, the recorder's own work, the report after the transcript.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

CHUNK_S = 1.0  # practice's recorder hands over 1-s chunks
READS_PER_S = 8  # the cue line is refreshed with the timer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("answer", type=Path)
    ap.add_argument("--words", type=Path, help="write the transcript's words here, one per line")
    ap.add_argument("-v", action="store_true", help="practice's log (-v) on stderr")
    a = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if a.v else logging.WARNING, format="%(name)s: %(message)s")

    from voicecoach.analysis.cues import CueLine
    from voicecoach.asr.live import LiveTranscriber
    from voicecoach.audio.load import SAMPLE_RATE, load
    from voicecoach.pipeline import Scorer, score_options

    samples = load(a.answer).samples
    scorer = Scorer(score_options())
    warm = threading.Thread(target=lambda: scorer.transcriber.model, daemon=True)
    warm.start()
    live = LiveTranscriber(scorer.transcriber, after=warm)
    cues = CueLine(verbatim=True)
    step = int(CHUNK_S * SAMPLE_RATE)
    lags, over = [], []
    t0 = time.monotonic()
    for i, at in enumerate(range(0, len(samples), step)):
        while True:  # the cue line's reads until this chunk is due
            now = time.monotonic() - t0
            if now >= (i + 1) * CHUNK_S:
                break
            f = cues.figures(live.heard(), now)
            if now >= 35:
                lag = now - f.heard_s
                lags.append(lag)
                if lag > 5 and (not over or int(now) != over[-1][0]):
                    over.append((int(now), round(lag, 1)))
            time.sleep(1 / READS_PER_S)
        live.on_chunk(at / SAMPLE_RATE, samples[at : at + step])
    stop = time.monotonic()
    transcript = live.finish()
    after = time.monotonic() - stop
    lags.sort()
    print(f"{a.answer}: {len(samples) / SAMPLE_RATE:.0f} s, {len(transcript.words)} words")
    if lags:
        print(
            f"cue line behind the answer (from 35 s on, {len(lags)} reads): median {lags[len(lags) // 2]:.1f} s, "
            f"90th percentile {lags[int(len(lags) * 0.9)]:.1f} s, most {lags[-1]:.1f} s"
        )
    print("over 5 s behind at: " + (", ".join(f"{s} s ({lag} s)" for s, lag in over) or "never"))
    print(f"after the last chunk: the transcript in {after:.1f} s")
    if a.words:
        a.words.write_text("".join(f"{w.start_s:.2f} {w.end_s:.2f} {w.text}\n" for w in transcript.words))
    live.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
