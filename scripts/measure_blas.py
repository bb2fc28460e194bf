"""Do the rubric's embeddings and similarities depend on numpy's BLAS kernel?

numpy's OpenBLAS picks its matrix-product kernel per CPU (OPENBLAS_CORETYPE forces one). This embeds
every sentence of tests/data/rubric_labels.toml's answers and every rubric text of the bank, in
float32 and in float64 (voicecoach.analysis.embed.DTYPE), once per kernel this CPU can run, each in
a fresh process, and compares with the first kernel: embeddings (elements that differ, largest
difference), the similarity of each answer sentence to each rubric text, and the rubric verdicts of
the labelled answers. It also times the embedding of the set in each precision.

    .venv/bin/python scripts/measure_blas.py [--cores Haswell,Zen,Sandybridge,Nehalem,Prescott]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def embed_here(out: Path) -> None:
    """In this process: embeddings, similarities and verdicts in both precisions, saved to ``out``."""
    import numpy as np
    import tomllib

    from voicecoach import questions
    from voicecoach.analysis import rubric
    from voicecoach.analysis.embed import load_encoder
    from voicecoach.asr.types import Segment, Transcript, Word

    labels = tomllib.loads((ROOT / "tests/data/rubric_labels.toml").read_text())["answers"]
    refs = [t for q in questions.load_all().values() for t in rubric.reference_texts(q)[0]]
    texts = [s for a in labels for s in rubric.sentence_texts(_words(a["text"], Word))] + refs
    result = {}
    for name, dtype in (("float32", np.float32), ("float64", np.float64)):
        enc = load_encoder(dtype=dtype)
        t = time.perf_counter()
        emb = enc.encode(texts)
        seconds = time.perf_counter() - t
        verdicts = []
        for a in labels:
            words = _words(a["text"], Word)
            tr = Transcript(
                segments=(Segment(a["text"], words[0].start_s, words[-1].end_s, tuple(words)),), duration_s=60.0
            )
            got = rubric.analyse_rubric(tr, questions.get(a["question"]), enc)
            verdicts += [(f"{a['name']}:{i.id}:{i.status}", i.score) for i in got.items]
        result[name] = {"emb": emb.tolist(), "seconds": seconds, "verdicts": verdicts}
    out.write_text(json.dumps(result))


def _words(text: str, Word) -> list:
    return [Word(w, i * 0.4, i * 0.4 + 0.3, 1.0) for i, w in enumerate(text.split())]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--cores",
        default="Haswell,Zen,Sandybridge,Nehalem,Prescott",
        help="OpenBLAS core types to force, comma-separated (the first is the reference)",
    )
    ap.add_argument("--here", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.here:
        embed_here(args.here)
        return 0
    import numpy as np

    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for core in args.cores.split(","):
            out = Path(tmp) / f"{core}.json"
            env = dict(os.environ, OPENBLAS_CORETYPE=core, OPENBLAS_VERBOSE="2")
            p = subprocess.run([sys.executable, __file__, "--here", str(out)], env=env, capture_output=True, text=True)
            if p.returncode:
                print(f"{core}: failed: {p.stderr.strip().splitlines()[-1:]}")
                continue
            used = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in p.stdout.splitlines() + p.stderr.splitlines()
                    if "Core:" in line
                ),
                "?",
            )
            runs[core] = (used, json.loads(out.read_text()))
    ref_core, (_, ref) = next(iter(runs.items()))
    print(
        f"reference kernel: {ref_core}; {len(ref['float32']['emb'])} texts, {len(ref['float32']['verdicts'])} verdicts"
    )
    print(
        "| kernel (OpenBLAS says) | precision | embedding elements differing | largest difference | verdicts differing "
        "| largest score difference | seconds |"
    )
    print("|---|---|---|---|---|---|---|")
    for core, (used, run) in runs.items():
        for name in ("float32", "float64"):
            a, b = np.array(ref[name]["emb"], np.float32), np.array(run[name]["emb"], np.float32)
            pairs = list(zip(ref[name]["verdicts"], run[name]["verdicts"]))
            moved = sum(x[0] != y[0] for x, y in pairs)
            score = max(abs(x[1] - y[1]) for x, y in pairs)
            print(
                f"| {core} ({used}) | {name} | {int((a != b).sum())} of {a.size} | {float(np.abs(a - b).max()):.2e} "
                f"| {moved} of {len(pairs)} | {score:.1e} | {run[name]['seconds']:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
