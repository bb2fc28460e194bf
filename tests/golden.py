"""Golden fingerprints: what reproducible mode gives for a fixed set of recordings, kept in
tests/data/golden.json and checked by tests/test_golden.py on every host.

    .venv/bin/python tests/golden.py            # score the set, print what moved against the file
    .venv/bin/python tests/golden.py --write    # ... and write the file (commit it with the change)
    .venv/bin/python tests/golden.py --threads 1 --out fp.json   # one run's fingerprints, for comparing runs

It runs in reproducible mode (it sets VOICECOACH_REPRODUCIBLE=1 before anything numeric loads).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data"
GOLDEN = DATA / "golden.json"
# The recordings: every reference in tests/data (PROVENANCE.md) and the 3:13 long answer built from them.
FILES = [
    "whisper_jfk.flac",
    "librispeech_61-70968-0000.flac",
    "mfa_english_slow.wav",
    "mfa_english_fast.wav",
    "mfa_acoustic_corpus.flac",
    "mfa_cold_corpus.flac",
    "physicsworks_42-66s.flac",
    *(f"mfa/mfa_{n}.flac" for n in ("um", "uh", "uhum", "uhuh", "youknow", "crossword", "reallylong")),
]
LONG_ANSWER = "long_answer (tests/test_long_answer.py)"
QUESTION = "tell-me-about-yourself"
# The libraries whose versions decide the numbers; the file records them.
DECIDING = ("voicecoach", "faster-whisper", "ctranslate2", "numpy", "av", "onnxruntime", "tokenizers")


def fingerprint(report: dict) -> dict:
    """What must not move: every word with its times (to 10 ms), the filler, pause and rubric
    figures, the scores, and the numerics mode."""
    cs = lambda t: round(t * 100)
    words = [
        f"{w['text']} {cs(w['start_s'])} {cs(w['end_s'])}" for s in report["transcript"]["segments"] for w in s["words"]
    ]
    f, p, r = report.get("fillers") or {}, report.get("pauses") or {}, report.get("rubric") or {}
    return {
        "numerics": (report.get("asr") or {}).get("numerics"),
        "score": report["score"],
        "parts": report["parts"],
        "fillers": [f.get("count"), f.get("hesitation_count"), f.get("discourse_count")],
        "filler_times": [f"{x['text']} {cs(x['start_s'])}" for x in f.get("occurrences") or ()],
        "pauses": [p.get("count"), p.get("longest_s")],
        "rubric": [f"{i['id']} {i['status']} {i['similarity']}" for i in r.get("items") or ()],
        "words": words,
    }


def versions() -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in DECIDING}


def compute(
    threads: int = 0, scorer=None, backwards: bool = False, long_answer=None, reports: dict | None = None
) -> dict:
    """The fingerprints of the set, scored in this process (in the mode it is in), one after the
    other with one Scorer; ``backwards``: in the reverse order, so each file follows other files
    than when the golden file was written (a file's numbers must not depend on what came before,
    the sampling fallback's random sequence included). Each says whether Whisper fell back to
    sampling in it. ``long_answer``: the suite's session fixture, whose report of the long answer
    (made with the same scorer) is used rather than scoring it again. ``reports``: filled with each
    file's Report by name, for other tests to read."""
    from test_long_answer import build_long_answer

    from voicecoach import questions
    from voicecoach.asr import engine
    from voicecoach.pipeline import Scorer, score_options
    from voicecoach.schema.report import to_dict

    scorer = scorer or Scorer(score_options(cpu_threads=threads))
    q = questions.get(QUESTION)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        long = Path(tmp) / "long_answer.flac"
        build_long_answer(DATA, long)
        todo = [*((n, DATA / n) for n in FILES), (LONG_ANSWER, long)]
        for name, path in reversed(todo) if backwards else todo:
            if name == LONG_ANSWER and long_answer is not None:
                out[name] = fingerprint(to_dict(long_answer.report))
                out[name]["sampled"] = long_answer.sampled
                continue
            report = scorer.score(path, q)
            if reports is not None:
                reports[name] = report
            out[name] = fingerprint(to_dict(report))
            out[name]["sampled"] = engine.has_sampled(scorer.transcriber.model)
            print(f"  {name}: {len(out[name]['words'])} words, score {out[name]['score']}", file=sys.stderr)
    return {name: out[name] for name, _ in todo}


def differences(want: dict, got: dict) -> list[str]:
    """One line per thing that moved, file by file."""
    import difflib

    lines = []
    for name in sorted(set(want) | set(got)):
        a, b = want.get(name), got.get(name)
        if a is None or b is None:
            lines.append(f"{name}: {'new' if a is None else 'missing'}")
            continue
        for key in a.keys() | b.keys():
            if a.get(key) == b.get(key):
                continue
            if key == "words":
                diff = [
                    d
                    for d in difflib.unified_diff(a[key], b[key], lineterm="", n=0)
                    if d[:1] in "+-" and d[:3] not in ("+++", "---")
                ]
                lines.append(f"{name}: words moved: {' | '.join(diff[:12])}{' ...' if len(diff) > 12 else ''}")
            else:
                lines.append(f"{name}: {key} {a.get(key)} -> {b.get(key)}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help=f"write {GOLDEN.relative_to(HERE.parent)}")
    ap.add_argument("--threads", type=int, default=0, help="CTranslate2 threads in all (0: one per core)")
    ap.add_argument("--out", type=Path, help="also write this run's fingerprints here")
    ap.add_argument("--native", action="store_true", help="score in native mode (for comparisons only)")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    if not args.native:
        os.environ["VOICECOACH_REPRODUCIBLE"] = "1"
        from voicecoach import numerics

        for note in numerics.use(numerics.REPRODUCIBLE):
            print(f"golden: {note}", file=sys.stderr)
    got = {"versions": versions(), "recordings": compute(args.threads)}
    if args.out:
        args.out.write_text(json.dumps(got, indent=1) + "\n")
    want = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {"recordings": {}}
    moved = differences(want["recordings"], got["recordings"])
    print("\n".join(moved) or "golden: nothing moved")
    if args.write:
        GOLDEN.write_text(json.dumps(got, indent=1) + "\n")
        print(f"golden: wrote {GOLDEN}")
    return 1 if moved and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
