"""Evaluate voicecoach on real recordings with verbatim references (../shared/audio/real by default).

    .venv/bin/python scripts/evaluate.py [DIR] [--models base tiny.en] [--fillers METHOD...] [--per-file] [--held-out]
        [--window-prompt TEXT] [--no-condition] [--prompt TEXT] [--carry-s S] [--native]

It computes in reproducible mode (the same numbers on every x86-64 CPU with AVX2; docs/reproducibility.md)
unless --native is given.

--fillers names the ways of counting fillers to measure (voicecoach's --fillers; default: verbatim,
the default of voicecoach score). --window-prompt and --no-condition override what the method sets,
to try other prompt wordings (scripts/compare_fillers.py runs the whole comparison).

Prints per file (with --per-file) and in total, for each model: word error rate with a normaliser
that keeps fillers; precision, recall and F1 for hesitation fillers (um, uh, er, ah, hmm as one
class) and for discourse fillers (like, you know, I mean...), matched by time where the reference
has times (scripts/evaluation.py); false fillers per minute on clean read speech (JFK,
LibriSpeech, english_slow/fast; --clean names others); and pace against the reference timings
where there are any. Recordings without a reference, and recordings that cannot be scored, are
named on stderr and left out (exit status 1 when any recording could not be scored).

--held-out estimates how the recovery thresholds generalise: for each file, the thresholds
(min_probability x min_gap_s x min_above_floor_db, a small grid around the defaults) that give the
best hesitation F1 on the *other* files are applied to it, and the held-out results are summed.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import toolbox

from voicecoach import numerics

# Reproducible by default (--native to compare), chosen before numpy loads, so before the imports below
try:
    numerics.use(numerics.NATIVE if "--native" in sys.argv[1:] else numerics.REPRODUCIBLE)
except numerics.NumericsError as e:
    sys.exit(f"evaluate: {e}")

from evaluation import CLEAN_GLOBS, Counts, evaluate_file, find_references, recordings_without_reference  # noqa: E402

from voicecoach import questions  # noqa: E402
from voicecoach.analysis.fillers import DISCOURSE, HESITATION  # noqa: E402
from voicecoach.analysis.recovery import RecoveryOptions  # noqa: E402
from voicecoach.analysis.score import AnalysisOptions, build_report  # noqa: E402
from voicecoach.asr.pieces import WINDOW_S  # noqa: E402
from voicecoach.audio.load import load  # noqa: E402
from voicecoach.errors import VoicecoachError  # noqa: E402
from voicecoach.pipeline import DEFAULT_FILLER_METHOD, FILLER_METHODS, ScoreOptions, Scorer, score_options  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


GRID = [
    RecoveryOptions(min_probability=p, min_gap_s=g, min_above_floor_db=d)
    for p in (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
    for g in (0.15, 0.25, 0.4)
    for d in (3.0, 6.0, 10.0)
]


def defaults(model: str) -> RecoveryOptions:
    """The recovery thresholds voicecoach uses for ``model``, spelled out as in GRID."""
    o = RecoveryOptions()
    return replace(o, min_probability=o.probability_bar(model))


def held_out(refs, transcripts, q) -> tuple[Counts, list[RecoveryOptions]]:
    """Leave-one-file-out: each file scored with the GRID thresholds that are best on the others."""
    samples = [load(ref.audio).samples for ref in refs]
    counts = [
        [
            evaluate_file(ref, build_report(q, t, None, replace(AnalysisOptions(), recovery=o), samples=x)).fillers[
                HESITATION
            ]
            for ref, t, x in zip(refs, transcripts, samples)
        ]
        for o in GRID
    ]
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


def score_all(scorer: Scorer, refs, q, label: str) -> tuple[list, list]:
    """Score every reference's recording (a progress bar on stderr). A recording that cannot be
    scored is reported in one line and left out; the rest are still scored."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    kept, reports = [], []
    console = Console(stderr=True)
    with Progress(
        TextColumn(f"{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(refs), name="")
        for ref in refs:
            bar.update(task, name=ref.audio.name)
            try:
                reports.append(scorer.score(ref.audio, q))
                kept.append(ref)
            except VoicecoachError as e:
                console.print(
                    f"evaluate: skipping {ref.audio.name}: {e}", markup=False, highlight=False, soft_wrap=True
                )
            bar.advance(task)
    return kept, reports


KEEP = object()  # leave the method's own setting


def options_for(
    model: str,
    method: str = DEFAULT_FILLER_METHOD,
    prompt: str | None = None,
    vad: bool = False,
    window_prompt=KEEP,
    condition=KEEP,
    skip_after_written=KEEP,
    carry_s=KEEP,
) -> ScoreOptions:
    """voicecoach's options for ``method`` on ``model``, with the overrides an experiment names."""
    o = score_options(method, model=model, initial_prompt=prompt, vad_filter=vad)
    t, rec = o.transcription, o.analysis.recovery
    if window_prompt is not KEEP:
        t = replace(t, window_prompt=window_prompt)
    if condition is not KEEP:
        t = replace(t, condition_on_previous_text=condition)
    if carry_s is not KEEP:
        t = replace(t, carry_s=carry_s, piece_s=WINDOW_S)
    if skip_after_written is not KEEP:
        rec = replace(rec, skip_after_written=skip_after_written)
    return replace(o, transcription=t, analysis=replace(o.analysis, recovery=rec))


def run(
    model: str,
    refs,
    per_file: bool = False,
    method: str = DEFAULT_FILLER_METHOD,
    lofo: bool = False,
    clean_globs: tuple[str, ...] = CLEAN_GLOBS,
    label: str | None = None,
    **overrides,
) -> dict:
    options = options_for(model, method, **overrides)
    recover = options.analysis.recovery.enabled
    scorer = Scorer(options)
    q = questions.get("tell-me-about-yourself")
    label = label or f"{model}, --fillers {method}"
    t0 = time.perf_counter()
    refs, reports = score_all(scorer, refs, q, label)
    results = [evaluate_file(ref, r, clean_globs) for ref, r in zip(refs, reports)]
    elapsed = time.perf_counter() - t0
    if per_file:
        print(
            f"\n### {label}\n\n| file | WER | WER w/o hes. | hes. TP/FP/FN | disc. TP/FP/FN | wpm (ref) |\n"
            "|---|---|---|---|---|---|"
        )
        for r in results:
            h, d = r.fillers[HESITATION], r.fillers[DISCOURSE]
            pace = f"{r.wpm:.0f} ({r.ref_wpm:.0f})" if r.ref_wpm and r.wpm else ""
            print(
                f"| {r.name} | {r.wer:.2f} | {r.plain_wer:.2f} | {h.tp}/{h.fp}/{h.fn} | {d.tp}/{d.fp}/{d.fn} | {pace} |"
            )
    tot = {HESITATION: Counts(), DISCOURSE: Counts()}
    for r in results:
        for k in tot:
            tot[k].add(r.fillers[k])
    clean = [r for r in results if r.clean]
    clean_min = sum(r.minutes for r in clean)
    paced = [r for r in results if r.ref_wpm and r.wpm]
    return {
        "model": label,
        "name": model,
        "wer": sum(r.errors for r in results) / max(sum(r.ref_words for r in results), 1),
        "plain_wer": sum(r.plain_errors for r in results) / max(sum(r.plain_ref_words for r in results), 1),
        "hes": tot[HESITATION],
        "disc": tot[DISCOURSE],
        "false_per_min": sum(r.heard_fillers for r in clean) / clean_min if clean_min else None,
        "clean": f"{len(clean)} file{'' if len(clean) == 1 else 's'}, {clean_min * 60:.0f} s",
        "pace": "; ".join(f"{r.name}: {r.wpm:.0f} vs {r.ref_wpm:.0f} wpm" for r in paced),
        "seconds": elapsed,
        "held_out": held_out(refs, [r.transcript for r in reports], q) if lofo and recover and refs else None,
        "refs": refs,
    }


def in_fresh_process(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a new process. Whisper's sampling fallback continues one random
    sequence per process, so a second row scored in the same process would hear some files
    differently (docs/evaluation.md); each row gets the fresh start a user's
    ``voicecoach score`` gets."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
        return ex.submit(fn, *args, **kwargs).result()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=toolbox.DATA,
        help="recordings with verbatim references, searched recursively (default: --data)",
    )
    ap.add_argument(
        "--models", nargs="+", default=["base", "tiny.en"], help="models to evaluate (default: base tiny.en)"
    )
    ap.add_argument(
        "--fillers",
        nargs="+",
        default=[DEFAULT_FILLER_METHOD],
        choices=FILLER_METHODS,
        metavar="METHOD",
        help=f"ways of counting fillers to measure, a row each ({', '.join(FILLER_METHODS)}; "
        f"default: {DEFAULT_FILLER_METHOD})",
    )
    ap.add_argument("--per-file", action="store_true", help="also print a row per recording")
    ap.add_argument(
        "--reproducible",
        action="store_true",
        help="compute in reproducible mode, the same numbers on every x86-64 CPU with AVX2 (the default)",
    )
    ap.add_argument("--native", action="store_true", help="compute with this CPU's own kernels instead")
    ap.add_argument("--prompt", default=None, help="initial prompt for Whisper (reaches the first 30-s window only)")
    ap.add_argument(
        "--window-prompt",
        default=KEEP,
        metavar="TEXT",
        help="the prompt placed before every 30-s window (faster-whisper's hotwords), instead of the "
        "method's ('' for none)",
    )
    ap.add_argument(
        "--no-condition",
        action="store_true",
        help="do not feed each window the text of the one before it (condition_on_previous_text=False)",
    )
    ap.add_argument(
        "--carry-s",
        type=float,
        default=None,
        help="carry remainders up to this long into the next piece, each piece cut at 30 s minus its carry "
        "(default: voicecoach's)",
    )
    ap.add_argument(
        "--vad",
        action="store_true",
        help="cut non-speech with Silero VAD before Whisper (off by default, as in voicecoach)",
    )
    ap.add_argument(
        "--clean",
        nargs="+",
        metavar="GLOB",
        default=list(CLEAN_GLOBS),
        help="file names of clean read speech, where every filler heard is a false one "
        f"(default: {' '.join(CLEAN_GLOBS)})",
    )
    ap.add_argument(
        "--held-out",
        action="store_true",
        help="also estimate held-out hesitation P/R/F1: thresholds chosen on the other files (leave one file out)",
    )
    a = ap.parse_args()
    if not a.folder.is_dir():
        raise SystemExit(f"evaluate: {a.folder} is not a folder")
    refs = find_references(a.folder)
    if not refs:
        raise SystemExit(f"evaluate: no recordings with reference transcripts in {a.folder}")
    alone = recordings_without_reference(a.folder, refs)
    if alone:
        print(
            f"evaluate: {len(alone)} recording(s) without a reference left out: "
            + ", ".join(p.name for p in alone[:5])
            + (" ..." if len(alone) > 5 else ""),
            file=sys.stderr,
        )
    overrides = {"prompt": a.prompt, "vad": a.vad}
    if a.window_prompt is not KEEP:
        overrides["window_prompt"] = a.window_prompt or None
    if a.no_condition:
        overrides["condition"] = False
    if a.carry_s is not None:
        overrides["carry_s"] = a.carry_s
    rows = [
        in_fresh_process(run, m, refs, a.per_file, method, lofo=a.held_out, clean_globs=tuple(a.clean), **overrides)
        for m in a.models
        for method in a.fillers
    ]
    scored = max(len(o["refs"]) for o in rows)
    if not scored:
        raise SystemExit(f"evaluate: none of the {len(refs)} recordings with a reference could be scored")
    print(
        f"\n{scored} recordings"
        + (f" ({len(refs) - scored} could not be scored)" if scored < len(refs) else "")
        + f", {a.folder}"
    )
    print(f"\nnumerics: {numerics.active()} (voicecoach.numerics)")
    print(
        "| model | WER | WER w/o hes. | hesitations P / R / F1 (TP/FP/FN) | discourse P / R / F1 (TP/FP/FN) "
        "| false fillers/min, clean | time |"
    )
    print("|---|---|---|---|---|---|---|")
    for o in rows:
        h, d = o["hes"], o["disc"]
        fpm = "—" if o["false_per_min"] is None else f"{o['false_per_min']:.2f} ({o['clean']})"
        print(
            f"| {o['model']} | {o['wer']:.3f} | {o['plain_wer']:.3f} | {h.precision:.3f} / {h.recall:.3f} / "
            f"{h.f1:.3f} ({h.tp}/{h.fp}/{h.fn}) "
            f"| {d.precision:.2f} / {d.recall:.2f} / {d.f1:.2f} ({d.tp}/{d.fp}/{d.fn}) | {fpm} "
            f"| {o['seconds']:.0f} s |"
        )
    for o in rows:
        if o["pace"]:
            print(f"pace ({o['model']}): {o['pace']}")
    for o in rows:
        if o["held_out"]:
            h, chosen = o["held_out"]
            mine = defaults(o["name"])
            same = sum(c == mine for c in chosen)
            print(
                f"held out ({o['model']}, leave one file out over {len(GRID)} threshold settings): hesitations "
                f"P / R / F1 {h.precision:.3f} / {h.recall:.3f} / {h.f1:.3f} ({h.tp}/{h.fp}/{h.fn}); "
                f"the defaults were chosen for {same} of {len(chosen)} files"
            )
            for ref, c in zip(o["refs"], chosen):
                if c != mine:
                    print(
                        f"  {ref.audio.name}: scored with min_probability {c.min_probability}, min_gap_s "
                        f"{c.min_gap_s}, "
                        f"min_above_floor_db {c.min_above_floor_db}"
                    )
    if scored < len(refs):
        raise SystemExit(1)  # the table stands for the recordings that could be scored; say that some could not


if __name__ == "__main__":
    main()
