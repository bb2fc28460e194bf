"""How long the last piece of a live answer takes after the stop key.

    .venv/bin/python scripts/benchmark_last_piece.py [--audio FILE] [--pause 1.0 | --at T,T...] [--whole-windows
    [--step 20]] [--against TSV]
        [--ab PIECE]

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

``--ab PIECE`` compares two builds, the second with one piece of the ASR layer off, on the same stops: each build cuts
its own pieces, and every stop is run with both (two transcribers on the same weights), in alternating order, so
that a shared host's drift in speed falls on both alike.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import toolbox

ROOT = Path(__file__).resolve().parent.parent
LECTURE = toolbox.LECTURE
# Whisper medium's words of the lecture: what the last pieces' words are compared with (a proxy, not
# a human reference; it reads the lecture closer than base does)
MEDIUM = toolbox.MEDIUM_WORDS


def timed_last_piece(t, samples, start: int, carry, offset_s: float) -> tuple[float, list]:
    """Seconds to transcribe ``samples[start:]`` as the last piece, after ``carry`` (a PieceRun's
    ``state.carry`` from the piece before, or None); and the words it wrote."""
    run = t.begin()
    run._detected = True  # (practice found the language on the answer's first piece)
    run.state.carry = carry
    # (the model reuses the encoding of a window it has just encoded: a stop run twice in a row,
    # as --ab does, would skip its first window's encoder the second time; practice never meets
    # the same window twice)
    t.model._last = None
    try:
        t0 = time.monotonic()
        segs = run.add(samples[start:], offset_s, last=True)
        return time.monotonic() - t0, [w for s in segs for w in s.words]
    finally:
        run.close()


def pieces_as_spoken(t, samples) -> tuple[list[tuple[int, object]], list[float]]:
    """The pieces as practice cuts them while the whole recording is spoken: (start sample, the
    carry before it) each; and the times (s) where Whisper ends a sentence."""
    from voicecoach.audio.load import SAMPLE_RATE

    run = t.begin()
    states, start = [], 0  # (start sample, the carry before it)
    sentence_ends = []
    try:
        while True:
            states.append((start, run.state.carry))
            cut = run.next_cut(samples, start)
            segs = run.add(samples[start:cut], start / SAMPLE_RATE, last=cut is None)
            sentence_ends += [w.end_s for s in segs for w in s.words if w.text.endswith((".", "?", "!"))]
            if cut is None:
                break
            start = cut
    finally:
        run.close()
    return states, sentence_ends


def stop_at(t, samples, states, stop: int) -> tuple[float, float, list]:
    """(where the last piece begins (s), seconds to transcribe it, its words) for a stop at sample
    ``stop``, with the pieces before it as ``states`` (pieces_as_spoken) cut them."""
    from voicecoach.audio.load import SAMPLE_RATE

    # the piece practice is on at this stop: the last one that began before it (a cut depends
    # only on the audio before it, so the pieces before are cut as in the whole recording)
    begin, carry = next((b, c) for b, c in reversed(states) if b < stop)
    begin_s = begin / SAMPLE_RATE if carry is None else carry[1]
    dt, words = timed_last_piece(t, samples[:stop], begin, carry, begin / SAMPLE_RATE)
    return begin_s, dt, words


def after_sentences(
    builds: list, samples, pause_s: float, at: list[float] | None = None
) -> list[list[tuple[float, float, float, list]]]:
    """For each build (a WhisperTranscriber; a second one has a piece off, on the same weights),
    (stop time, where the last piece
    begins (s), seconds to transcribe it, its words) for a stop ``pause_s`` after each sentence
    that ends after the first 30 s in the first build's pieces (or at each time in ``at``). With two
    builds, each stop is run with both on the same warmed model, in A B, B A, A B ... order, so that
    drift in a shared host's speed falls on both alike."""
    from voicecoach.audio.load import SAMPLE_RATE

    states = [pieces_as_spoken(t, samples) for t in builds]
    stops = sorted(at) if at else [end_s + pause_s for end_s in sorted(states[0][1]) if end_s >= 30]
    out: list[list] = [[] for _ in builds]
    for n, stop_s in enumerate(s for s in stops if s * SAMPLE_RATE <= len(samples)):
        stop = int(stop_s * SAMPLE_RATE)
        line = []
        for i in range(len(builds)) if n % 2 == 0 else reversed(range(len(builds))):
            begin_s, dt, words = stop_at(builds[i], samples, states[i][0], stop)
            out[i].append((stop / SAMPLE_RATE, begin_s, dt, words))
        for i, _build in enumerate(builds):
            _, begin_s, dt, words = out[i][-1]
            line.append(
                f"{'B ' if i else 'A ' if len(builds) > 1 else ''}last piece {stop / SAMPLE_RATE - begin_s:4.1f} s "
                f"of audio, {dt:.2f} s, {len(words)} words"
            )
        print(f"stop at {stop / SAMPLE_RATE:6.1f} s: " + "; ".join(line), flush=True)
    return out


def read_words(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, word) rows of a TSV of timed words (``#`` comments and a header skipped)."""
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 3 or parts[0] == "start":
            continue
        rows.append((float(parts[0]), float(parts[1]), parts[2]))
    return rows


def pooled_wer(pieces: list[tuple[float, float, list]], reference: list[tuple[float, float, str]]) -> float:
    """Word error rate of the last pieces' words, pooled, against the reference words whose middle
    falls inside each piece ((begin s, end s, words) each)."""
    from evaluation import edit_distance, wer_words

    errors = total = 0
    for begin, end, words in pieces:
        ref = wer_words(" ".join(w for a, b, w in reference if begin <= (a + b) / 2 < end))
        errors += edit_distance(ref, wer_words(" ".join(w.text for w in words)))
        total += len(ref)
    return errors / max(total, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--audio", type=Path, default=LECTURE)
    ap.add_argument(
        "--pause", type=float, default=1.0, help="seconds between the last word and the stop key (default 1)"
    )
    ap.add_argument(
        "--at",
        type=lambda v: [float(x) for x in v.split(",")],
        help="stop at these times (s, comma-separated) instead: to compare two builds on the same stops",
    )
    ap.add_argument(
        "--ab",
        metavar="PIECE",
        choices=list(toolbox.PIECES),
        help="also run every stop with this piece of the ASR layer off (toolbox.PIECES), both builds "
        "on the same weights, in alternating order",
    )
    ap.add_argument("--whole-windows", action="store_true", help="30-s stretches instead (the worst case)")
    ap.add_argument(
        "--step", type=float, default=20.0, help="with --whole-windows: seconds between the stretches' starts"
    )
    ap.add_argument(
        "--against",
        type=Path,
        help="timed words (TSV: start, end, word) to compare the last pieces' "
        "words with (default: Whisper medium's, for the lecture)",
    )
    a = ap.parse_args()

    import numpy as np

    from voicecoach.asr.pieces import WINDOW_S
    from voicecoach.asr.transcriber import WhisperTranscriber
    from voicecoach.audio import load
    from voicecoach.audio.load import SAMPLE_RATE

    samples = load(a.audio).samples
    against = a.against or (MEDIUM if a.audio.resolve() == LECTURE.resolve() else None)
    reference = read_words(against) if against else None
    t = WhisperTranscriber()
    builds = [t] + ([WhisperTranscriber(toolbox.options_off(t.options, [a.ab]))] if a.ab else [])
    for b in builds:
        warm = b.begin()
        warm.add(samples[: 10 * SAMPLE_RATE], 0.0, last=True)  # the model loaded, the language found
        warm.close()
    print(f"decoder threads: {t.plan.decode}, encoder threads: {t.plan.encode}")
    if not a.whole_windows:
        what = "stops at the times given" if a.at else f"stops {a.pause:.1f} s after a sentence"
        for i, stops in enumerate(after_sentences(builds, samples, a.pause, a.at)):
            times = [dt for *_, dt, _ in stops]
            name = "" if not a.ab else (f"B ({a.ab} off): " if i else "A (as is): ")
            print(
                f"{name}{what} ({len(times)} in {a.audio.name}): last piece median "
                f"{np.median(times):.2f} s, 90th percentile {np.percentile(times, 90):.2f} s, most {max(times):.2f} s; "
                f"over 3 s: {sum(dt > 3 for dt in times)}"
            )
            if reference:
                print(
                    f"{name}the last pieces' words against {against.name}: "
                    f"WER {pooled_wer([(b, s, w) for s, b, _, w in stops], reference):.3f}"
                )
        return
    times, pieces = [], []
    start = 0.0
    while start + WINDOW_S <= len(samples) / SAMPLE_RATE:
        i = int(start * SAMPLE_RATE)
        dt, words = timed_last_piece(t, samples[: i + int(WINDOW_S * SAMPLE_RATE)], i, None, start)
        times.append(dt)
        pieces.append((start, start + WINDOW_S, words))
        print(f"{start:6.1f}-{start + WINDOW_S:.1f} s: {dt:.2f} s, {len(words)} words", flush=True)
        start += a.step
    print(
        f"a whole window as the last piece: median {np.median(times):.2f} s, most {max(times):.2f} s "
        f"({len(times)} stretches of {a.audio.name})"
    )
    if reference:
        print(f"their words against {against.name}: WER {pooled_wer(pieces, reference):.3f}")


if __name__ == "__main__":
    main()
