"""Every language finding on real transcripts, for judging by hand (docs/language.md).

    .venv/bin/python scripts/measure_language.py [REPORT.json ...]

Runs the language rules (voicecoach.analysis.language) on the verbatim reference transcripts of the
real recordings in ../shared/audio/real and on Whisper medium's transcript of the lecture, and prints
each hedge, repetition, weak opening and weak ending with its context, numbered, so each can be
marked right or wrong. No audio is needed: word times are spread evenly over the text. Reports
given as arguments (`voicecoach score FILE --json`) are judged on their own (Whisper base) transcripts.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import toolbox

ROOT = Path(__file__).resolve().parent.parent
REAL = toolbox.DATA
sys.path.insert(0, str(ROOT / "tests"))


def texts() -> dict[str, str]:
    out = {}
    for f in sorted(
        [*REAL.glob("*.txt"), *REAL.glob("*.lab"), *(REAL / "mfa").glob("*.lab"), *(REAL / "mfa").glob("*.txt")]
    ):
        out[f.name] = f.read_text().strip()
    with open(REAL / "physicsworks.whisper_medium_segments.tsv") as fh:
        rows = [r for r in csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")][1:]
    out["physicsworks (Whisper medium)"] = " ".join(r[2] for r in rows)
    import re

    for line in (REAL / "mfa").glob("*.tsv").__next__().read_text().splitlines():
        name, _, text = line.partition("\t")
        text = re.sub(r"<[^>]*>", " ", text).split()  # annotations such as <cutoff-montreal>
        if text:
            out[f"mfa/{name}"] = " ".join(text)
    return out


def main() -> None:
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("reports", nargs="*", type=Path, metavar="REPORT.json", help="reports to judge as well")
    a = ap.parse_args()

    from helpers import transcript

    from voicecoach import questions
    from voicecoach.analysis.fillers import find_fillers
    from voicecoach.analysis.language import analyse_language

    q = questions.get("tell-me-about-yourself")
    n = 0
    words = 0
    sources = {k: transcript(v) for k, v in texts().items()}
    for arg in a.reports:
        from voicecoach.asr.types import Segment, Transcript, Word

        d = json.loads(Path(arg).read_text())
        segs = tuple(
            Segment(
                s["text"],
                s["start_s"],
                s["end_s"],
                tuple(Word(w["text"], w["start_s"], w["end_s"]) for w in s["words"]),
            )
            for s in d["transcript"]["segments"]
        )
        sources[f"{Path(arg).name} (Whisper base)"] = Transcript(segments=segs, duration_s=d["audio"]["duration_s"])
    for name, tr in sources.items():
        words += len(tr.words)
        r = analyse_language(tr, q, tuple(find_fillers(tr)))
        if not r.phrases:
            continue
        print(f"== {name} ({len(tr.words)} words)")
        toks = [w.text for w in tr.words]
        for p in r.phrases:
            n += 1
            i = next(k for k, w in enumerate(tr.words) if w.start_s == p.start_s)
            ctx = (
                " ".join(toks[max(0, i - 6) : i])
                + " ["
                + p.text
                + "] "
                + " ".join(toks[i + len(p.text.split()) : i + len(p.text.split()) + 6])
            )
            print(f"  {n:3d} {p.kind:13s} {ctx}")
    print(f"{n} findings in {words} words")


if __name__ == "__main__":
    main()
