"""Where the time of one `voicecoach score` goes, step by step, in one process.

    .venv/bin/python scripts/profile_score.py [--audio FILE] [--piece-s 30] [--carry-s 0] [--no-refill]

Times (wall clock, main thread) the start-up imports, decoding, model load, Silero's speech check,
the language check, each 30-s window's encoding and decoding, the refills, the report and the JSON,
by wrapping voicecoach's and faster-whisper's functions in this process only. Used to find what
`voicecoach score` spends beyond faster-whisper's bare transcription (docs/performance.md).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import collections  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import toolbox  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AUDIO = toolbox.LECTURE

spent: dict[str, float] = collections.defaultdict(float)
count: dict[str, int] = collections.Counter()
main_thread = threading.main_thread()


def timed(owner, name: str, label: str) -> None:
    """Wrap ``owner.name`` to add its wall time (on any thread) to ``spent[label]``."""
    fn = getattr(owner, name)
    where = lambda: label if threading.current_thread() is main_thread else f"{label} (aside)"  # noqa: E731

    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[where()] += time.perf_counter() - t
            count[where()] += 1

    static = isinstance(getattr(owner, "__dict__", {}).get(name), staticmethod)
    setattr(owner, name, staticmethod(wrapper) if static else wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--audio", type=Path, default=DEFAULT_AUDIO)
    ap.add_argument("--question", default="tell-me-about-yourself")
    ap.add_argument("--piece-s", type=float, default=None)
    ap.add_argument("--no-refill", action="store_true")
    ap.add_argument("--carry-s", type=float, default=None)
    a = ap.parse_args()

    from faster_whisper import transcribe as fw

    from voicecoach import pipeline, questions
    from voicecoach.analysis import score as score_mod
    from voicecoach.asr import engine, run, transcriber
    from voicecoach.schema import report as schema

    spent["imports (voicecoach, faster-whisper)"] = time.perf_counter() - T0
    timed(pipeline, "load", "decode the file")
    timed(pipeline, "audio_tracks", "pitch and level tracks")
    timed(transcriber.WhisperTranscriber, "speech_spans", "Silero speech check")
    timed(engine, "load_model", "load Whisper")
    timed(engine.HookedWhisperModel, "detect_language", "language check (incl. its encoding)")
    timed(engine.HookedWhisperModel, "encode", "encoder, per 30-s window")
    timed(engine.HookedWhisperModel, "generate_with_fallback", "decoder, per window")
    timed(fw.WhisperModel, "add_word_timestamps", "word timestamps (alignment)")
    timed(run, "refill", "refill of passed-over speech")
    timed(pipeline.Scorer, "_embed_rubric", "rubric embeddings (load + encode)")
    timed(score_mod, "build_report", "build the report")

    opts = {}
    if a.piece_s:
        opts["piece_s"] = a.piece_s
    if a.carry_s is not None:
        opts["carry_s"] = a.carry_s
    if a.no_refill:
        opts["refill"] = False
    t = time.perf_counter()
    scorer = pipeline.Scorer(pipeline.score_options(**opts))
    spent["Scorer() (resolve the model)"] = time.perf_counter() - t
    question = questions.get(a.question)
    t = time.perf_counter()
    rep = scorer.score(a.audio, question)
    total_score = time.perf_counter() - t
    t = time.perf_counter()
    text = schema.dumps(rep)
    spent["JSON"] = time.perf_counter() - t
    words = sum(len(seg.words) for seg in rep.transcript.segments)
    print(
        f"{a.audio.name}: Scorer.score {total_score:.2f} s, process {time.perf_counter() - T0:.2f} s, "
        f"{words} words, {len(text)} JSON chars"
    )
    for label, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        n = count.get(label)
        print(f"  {s:7.2f} s  {label}" + (f"  ({n} calls)" if n else ""))


if __name__ == "__main__":
    main()
