"""Evaluate voicecoach on real recordings with verbatim references (../shared/audio/real by default).

    .venv/bin/python scripts/evaluate.py [DIR] [--models base tiny.en] [--compare] [--prompt TEXT] [--per-file]

Prints per file (with --per-file) and in total, for each model: word error rate with a normaliser
that keeps fillers; precision, recall and F1 for hesitation fillers (um, uh, er, ah, hmm as one
class) and for discourse fillers (like, you know, I mean...), matched by time where the reference
has times (voicecoach/evaluation.py); false fillers per minute on clean read speech (JFK,
LibriSpeech, english_slow/fast); and pace against the reference timings where there are any.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from voicecoach import questions
from voicecoach.analysis.fillers import DISCOURSE, HESITATION
from voicecoach.analysis.recovery import RecoveryOptions
from voicecoach.analysis.score import AnalysisOptions
from voicecoach.asr.types import TranscriptionOptions
from voicecoach.evaluation import Counts, evaluate_file, find_references
from voicecoach.pipeline import ScoreOptions, Scorer

ROOT = Path(__file__).resolve().parent.parent


def run(model: str, refs, prompt: str | None, per_file: bool, vad: bool = False, recover: bool = True) -> dict:
    scorer = Scorer(ScoreOptions(
        transcription=TranscriptionOptions(model=model, initial_prompt=prompt, vad_filter=vad, probe_hesitations=recover),
        analysis=replace(AnalysisOptions(), recovery=RecoveryOptions(enabled=recover))))
    q = questions.get("tell-me-about-yourself")
    t0 = time.perf_counter()
    results = [evaluate_file(ref, scorer.score(ref.audio, q)) for ref in refs]
    elapsed = time.perf_counter() - t0
    label = model if recover else f"{model}, written fillers only"
    if per_file:
        print(f"\n### {label}\n\n| file | WER | hes. TP/FP/FN | disc. TP/FP/FN | wpm (ref) |\n|---|---|---|---|---|")
        for r in results:
            h, d = r.fillers[HESITATION], r.fillers[DISCOURSE]
            pace = f"{r.wpm:.0f} ({r.ref_wpm:.0f})" if r.ref_wpm and r.wpm else ""
            print(f"| {r.name} | {r.wer:.2f} | {h.tp}/{h.fp}/{h.fn} | {d.tp}/{d.fp}/{d.fn} | {pace} |")
    tot = {HESITATION: Counts(), DISCOURSE: Counts()}
    for r in results:
        for k in tot:
            tot[k].add(r.fillers[k])
    clean = [r for r in results if r.clean]
    clean_min = sum(r.minutes for r in clean)
    paced = [r for r in results if r.ref_wpm and r.wpm]
    return {
        "model": label, "wer": sum(r.errors for r in results) / sum(r.ref_words for r in results),
        "hes": tot[HESITATION], "disc": tot[DISCOURSE],
        "false_per_min": sum(r.heard_fillers for r in clean) / clean_min if clean_min else 0.0,
        "pace": "; ".join(f"{r.name}: {r.wpm:.0f} vs {r.ref_wpm:.0f} wpm" for r in paced), "seconds": elapsed,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "audio" / "real")
    ap.add_argument("--models", nargs="+", default=["base", "tiny.en"])
    ap.add_argument("--prompt", default=None, help="initial prompt for Whisper (e.g. a disfluent one)")
    ap.add_argument("--per-file", action="store_true")
    ap.add_argument("--vad", action="store_true", help="cut non-speech with Silero VAD before Whisper (off by default, as in voicecoach)")
    ap.add_argument("--compare", action="store_true",
                    help="also run each model without recovering unwritten hesitations (voicecoach --written-fillers-only)")
    a = ap.parse_args()
    refs = find_references(a.folder)
    if not refs:
        raise SystemExit(f"evaluate: no recordings with reference transcripts in {a.folder}")
    rows = [run(m, refs, a.prompt, a.per_file, vad=a.vad, recover=rec) for m in a.models
            for rec in ((False, True) if a.compare else (True,))]
    print(f"\n{len(refs)} recordings, {a.folder}")
    print("\n| model | WER | hesitations P / R / F1 (TP/FP/FN) | discourse P / R / F1 (TP/FP/FN) | false fillers/min, clean | time |")
    print("|---|---|---|---|---|---|")
    for o in rows:
        h, d = o["hes"], o["disc"]
        print(f"| {o['model']} | {o['wer']:.3f} | {h.precision:.2f} / {h.recall:.2f} / {h.f1:.2f} ({h.tp}/{h.fp}/{h.fn}) "
              f"| {d.precision:.2f} / {d.recall:.2f} / {d.f1:.2f} ({d.tp}/{d.fp}/{d.fn}) | {o['false_per_min']:.2f} "
              f"| {o['seconds']:.0f} s |")
    for o in rows:
        if o["pace"]:
            print(f"pace ({o['model']}): {o['pace']}")


if __name__ == "__main__":
    main()
