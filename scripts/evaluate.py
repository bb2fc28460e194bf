"""Evaluate voicecoach on real recordings with verbatim references (../shared/audio/real by default).

    .venv/bin/python scripts/evaluate.py [DIR] [--models base tiny.en] [--compare] [--prompt TEXT] [--per-file] [--held-out]

Prints per file (with --per-file) and in total, for each model: word error rate with a normaliser
that keeps fillers; precision, recall and F1 for hesitation fillers (um, uh, er, ah, hmm as one
class) and for discourse fillers (like, you know, I mean...), matched by time where the reference
has times (voicecoach/evaluation.py); false fillers per minute on clean read speech (JFK,
LibriSpeech, english_slow/fast); and pace against the reference timings where there are any.

--held-out estimates how the recovery thresholds generalise: for each file, the thresholds
(min_probability x min_gap_s x min_above_floor_db, a small grid around the defaults) that give the
best hesitation F1 on the *other* files are applied to it, and the held-out results are summed.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from voicecoach import questions
from voicecoach.analysis.fillers import DISCOURSE, HESITATION
from voicecoach.analysis.recovery import RecoveryOptions
from voicecoach.analysis.score import AnalysisOptions, build_report
from voicecoach.audio.load import load
from voicecoach.asr.types import TranscriptionOptions
from voicecoach.evaluation import Counts, evaluate_file, find_references
from voicecoach.pipeline import ScoreOptions, Scorer

ROOT = Path(__file__).resolve().parent.parent


GRID = [RecoveryOptions(min_probability=p, min_gap_s=g, min_above_floor_db=d)
        for p in (0.05, 0.1, 0.15, 0.2, 0.3, 0.5) for g in (0.15, 0.25, 0.4) for d in (3.0, 6.0, 10.0)]


def defaults(model: str) -> RecoveryOptions:
    """The recovery thresholds voicecoach uses for ``model``, spelled out as in GRID."""
    o = RecoveryOptions()
    return replace(o, min_probability=o.probability_bar(model))


def held_out(refs, transcripts, q) -> tuple[Counts, list[RecoveryOptions]]:
    """Leave-one-file-out: each file scored with the GRID thresholds that are best on the others."""
    samples = [load(ref.audio).samples for ref in refs]
    counts = [[evaluate_file(ref, build_report(q, t, None, replace(AnalysisOptions(), recovery=o), samples=x))
               .fillers[HESITATION] for ref, t, x in zip(refs, transcripts, samples)] for o in GRID]
    default = GRID.index(defaults(transcripts[0].model))

    def f1(k, files):
        c = Counts()
        for i in files:
            c.add(counts[k][i])
        return c.f1

    out, chosen = Counts(), []
    for i in range(len(refs)):
        rest = [j for j in range(len(refs)) if j != i]
        best = max(range(len(GRID)), key=lambda k: (f1(k, rest), k == default))  # ties go to the default
        out.add(counts[best][i])
        chosen.append(GRID[best])
    return out, chosen


def run(model: str, refs, prompt: str | None, per_file: bool, vad: bool = False, recover: bool = True,
        lofo: bool = False) -> dict:
    scorer = Scorer(ScoreOptions(
        transcription=TranscriptionOptions(model=model, initial_prompt=prompt, vad_filter=vad, probe_hesitations=recover),
        analysis=replace(AnalysisOptions(), recovery=RecoveryOptions(enabled=recover))))
    q = questions.get("tell-me-about-yourself")
    t0 = time.perf_counter()
    reports = [scorer.score(ref.audio, q) for ref in refs]
    results = [evaluate_file(ref, r) for ref, r in zip(refs, reports)]
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
        "model": label, "name": model, "wer": sum(r.errors for r in results) / sum(r.ref_words for r in results),
        "hes": tot[HESITATION], "disc": tot[DISCOURSE],
        "false_per_min": sum(r.heard_fillers for r in clean) / clean_min if clean_min else 0.0,
        "pace": "; ".join(f"{r.name}: {r.wpm:.0f} vs {r.ref_wpm:.0f} wpm" for r in paced), "seconds": elapsed,
        "held_out": held_out(refs, [r.transcript for r in reports], q) if lofo and recover else None,
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
    ap.add_argument("--held-out", action="store_true",
                    help="also estimate held-out hesitation P/R/F1: thresholds chosen on the other files (leave one file out)")
    a = ap.parse_args()
    refs = find_references(a.folder)
    if not refs:
        raise SystemExit(f"evaluate: no recordings with reference transcripts in {a.folder}")
    rows = [run(m, refs, a.prompt, a.per_file, vad=a.vad, recover=rec, lofo=a.held_out) for m in a.models
            for rec in ((False, True) if a.compare else (True,))]
    print(f"\n{len(refs)} recordings, {a.folder}")
    print("\n| model | WER | hesitations P / R / F1 (TP/FP/FN) | discourse P / R / F1 (TP/FP/FN) | false fillers/min, clean | time |")
    print("|---|---|---|---|---|---|")
    for o in rows:
        h, d = o["hes"], o["disc"]
        print(f"| {o['model']} | {o['wer']:.3f} | {h.precision:.3f} / {h.recall:.3f} / {h.f1:.3f} ({h.tp}/{h.fp}/{h.fn}) "
              f"| {d.precision:.2f} / {d.recall:.2f} / {d.f1:.2f} ({d.tp}/{d.fp}/{d.fn}) | {o['false_per_min']:.2f} "
              f"| {o['seconds']:.0f} s |")
    for o in rows:
        if o["pace"]:
            print(f"pace ({o['model']}): {o['pace']}")
    for o in rows:
        if o["held_out"]:
            h, chosen = o["held_out"]
            mine = defaults(o["name"])
            same = sum(c == mine for c in chosen)
            print(f"held out ({o['model']}, leave one file out over {len(GRID)} threshold settings): hesitations "
                  f"P / R / F1 {h.precision:.3f} / {h.recall:.3f} / {h.f1:.3f} ({h.tp}/{h.fp}/{h.fn}); "
                  f"the defaults were chosen for {same} of {len(chosen)} files")
            for ref, c in zip(refs, chosen):
                if c != mine:
                    print(f"  {ref.audio.name}: scored with min_probability {c.min_probability}, min_gap_s {c.min_gap_s}, "
                          f"min_above_floor_db {c.min_above_floor_db}")


if __name__ == "__main__":
    main()
