"""How long the last piece of a live answer takes after the stop key.

    .venv/bin/python scripts/benchmark_last_piece.py [--audio FILE] [--pause 1.0 | --at T,T...] [--whole-windows [--step 20]] [--share-cores]

After the stop, `practice` transcribes what no piece has yet: the remainder carried from the piece
before, plus what came after the last cut (up to 30 s in all). scripts/benchmark_practice.py
measures the two stops it makes; this measures many, on a warmed model, the language already
known, as in practice:

- by default, **stops after a sentence**: the recording is cut into pieces as `practice` cuts it
  while it is spoken (each piece transcribed in turn, its remainder carried into the next), and
  for every sentence Whisper ends after the first 30 s, the speaker stops ``--pause`` seconds
  after its last word; the last piece is what those pieces leave, transcribed as practice does
  after the stop (``PieceRun.add(..., last=True)``);
- with ``--whole-windows``, the worst case: 30-s stretches every ``--step`` seconds, each
  transcribed as a last piece (they start and end mid-word).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LECTURE = ROOT.parent / "shared" / "audio" / "real" / "physicsworks_16k_mono.flac"


def timed_last_piece(t, samples, start: int, carry, offset_s: float) -> tuple[float, int]:
    """Seconds to transcribe ``samples[start:]`` as the last piece, after ``carry`` (a PieceRun's
    ``_carry`` from the piece before, or None); and the words it wrote."""
    run = t.begin()
    run._detected = True  # (practice found the language on the answer's first piece)
    run._carry = carry
    try:
        t0 = time.monotonic()
        segs = run.add(samples[start:], offset_s, last=True)
        return time.monotonic() - t0, sum(len(s.words) for s in segs)
    finally:
        run.close()


def after_sentences(t, samples, pause_s: float, at: list[float] | None = None) -> list[tuple[float, float, float, int]]:
    """(stop time, seconds of audio in the last piece, seconds to transcribe it, words) for a stop
    ``pause_s`` after each sentence that ends after the first 30 s (or at each time in ``at``)."""
    from voicecoach.audio.load import SAMPLE_RATE

    # The pieces as practice cuts them while the whole recording is spoken, and what each left.
    run = t.begin()
    states, start = [], 0  # (start sample, the carry before it)
    sentence_ends = []
    try:
        while True:
            states.append((start, run._carry))
            cut = run.next_cut(samples, start)
            segs = run.add(samples[start:cut], start / SAMPLE_RATE, last=cut is None)
            sentence_ends += [w.end_s for s in segs for w in s.words if w.text.endswith((".", "?", "!"))]
            if cut is None:
                break
            start = cut
    finally:
        run.close()
    out = []
    stops = sorted(at) if at else [end_s + pause_s for end_s in sorted(sentence_ends) if end_s >= 30]
    for stop_s in stops:
        stop = int(stop_s * SAMPLE_RATE)
        if stop > len(samples):
            continue
        heard = samples[:stop]
        # the piece practice is on at this stop: the last one that began before it (a cut depends
        # only on the audio before it, so the pieces before are cut as in the whole recording)
        begin, carry = next((b, c) for b, c in reversed(states) if b < stop)
        carried = 0.0 if carry is None else len(carry[0]) / SAMPLE_RATE
        dt, words = timed_last_piece(t, heard, begin, carry, begin / SAMPLE_RATE)
        out.append((stop / SAMPLE_RATE, carried + (stop - begin) / SAMPLE_RATE, dt, words))
        print(f"stop at {stop / SAMPLE_RATE:6.1f} s: last piece {out[-1][1]:4.1f} s of audio, {dt:.2f} s, {words} words",
              flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--audio", type=Path, default=LECTURE)
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between the last word and the stop key (default 1)")
    ap.add_argument("--at", type=lambda v: [float(x) for x in v.split(",")],
                    help="stop at these times (s, comma-separated) instead: to compare two builds on the same stops")
    ap.add_argument("--whole-windows", action="store_true", help="30-s stretches instead (the worst case)")
    ap.add_argument("--step", type=float, default=20.0, help="with --whole-windows: seconds between the stretches' starts")
    ap.add_argument("--share-cores", action="store_true",
                    help="the decoder on its share of the cores (one of two), as practice decoded its last piece "
                         "before 0.5.5 (default: the measured plan, as since 0.5.5)")
    a = ap.parse_args()

    import numpy as np

    from voicecoach.asr.pieces import WINDOW_S
    from voicecoach.asr.whisper import WhisperTranscriber
    from voicecoach.audio import load
    from voicecoach.audio.load import SAMPLE_RATE

    samples = load(a.audio).samples
    t = WhisperTranscriber()
    if a.share_cores:
        t.share_cores()
    warm = t.begin()
    warm.add(samples[: 10 * SAMPLE_RATE], 0.0, last=True)  # the model loaded, the language found
    warm.close()
    print(f"decoder threads: {t.plan.decode}, encoder threads: {t.plan.encode}")
    if not a.whole_windows:
        stops = after_sentences(t, samples, a.pause, a.at)
        times = [dt for *_, dt, _ in stops]
        what = "stops at the times given" if a.at else f"stops {a.pause:.1f} s after a sentence"
        print(f"{what} ({len(times)} in {a.audio.name}): last piece median "
              f"{np.median(times):.2f} s, 90th percentile {np.percentile(times, 90):.2f} s, most {max(times):.2f} s; "
              f"over 3 s: {sum(dt > 3 for dt in times)}")
        return
    times = []
    start = 0.0
    while start + WINDOW_S <= len(samples) / SAMPLE_RATE:
        i = int(start * SAMPLE_RATE)
        dt, words = timed_last_piece(t, samples[: i + int(WINDOW_S * SAMPLE_RATE)], i, None, start)
        times.append(dt)
        print(f"{start:6.1f}-{start + WINDOW_S:.1f} s: {dt:.2f} s, {words} words", flush=True)
        start += a.step
    print(f"a whole window as the last piece: median {np.median(times):.2f} s, most {max(times):.2f} s "
          f"({len(times)} stretches of {a.audio.name})")


if __name__ == "__main__":
    main()
