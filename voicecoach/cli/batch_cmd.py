"""`voicecoach batch`: score folders of recordings, resumably, here or on a Dask cluster."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from voicecoach.cli.options import (
    bank_option,
    beam_size_option,
    check_wpm,
    checked_filler_method,
    filler_method_option,
    make_options,
    max_wpm_option,
    min_wpm_option,
    model_option,
    reproducible_option,
    skip_language_option,
    written_only_option,
)
from voicecoach.errors import ExitCode


def _default_jobs() -> int:
    # One single-threaded worker per core beat one worker using every core by 1.7x on 20 short
    # recordings here (docs/results/perf-batch-0-2.md, Batch); each worker holds a model (~600 MB), hence the cap.
    return max(1, min(os.cpu_count() or 1, 4))


def batch(
    paths: list[str] = typer.Argument(
        None,
        metavar="[PATH]...",
        help="Recordings, folders (searched recursively) or globs (quote them: 'answers/*.m4a').",
    ),
    question: Optional[str] = typer.Option(
        None,
        "--question",
        "-q",
        metavar="ID",
        help="The question every recording answers (or the default for manifest rows without one).",
    ),
    manifest: Optional[Path] = typer.Option(
        None,
        "--manifest",
        "-m",
        metavar="CSV",
        help="CSV with a header: file, question, speaker (file names relative to the CSV).",
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", metavar="FILE", help="Results file; rows are appended as files finish."
    ),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", metavar="csv|jsonl", help="Output format (default: from the --out suffix, else csv)."
    ),
    jobs: int = typer.Option(
        _default_jobs(),
        "--jobs",
        "-j",
        metavar="N",
        min=1,
        max=256,
        help="Worker processes on this machine (each loads the model once).",
    ),
    scheduler: Optional[str] = typer.Option(
        None,
        "--scheduler",
        metavar="ADDR",
        help="Run on Dask: 'local' starts a LocalCluster of --jobs workers; tcp://HOST:PORT uses a running scheduler.",
    ),
    html: Optional[Path] = typer.Option(
        None,
        "--html",
        metavar="FILE",
        help="Also write an HTML summary (distributions, one row per file) linking to a page "
        "per file, kept in FILE's folder under <name>_files/.",
    ),
    force: bool = typer.Option(False, "--force", help="Rescore everything (the old results file is kept as FILE.bak)."),
    model: str = model_option(),
    bank: list[Path] = bank_option(),
    beam_size: int = beam_size_option(),
    min_wpm: float = min_wpm_option(),
    max_wpm: float = max_wpm_option(),
    skip_language_check: bool = skip_language_option("every file"),
    fillers: str = filler_method_option(),
    written_only: bool = written_only_option(),
    reproducible: bool = reproducible_option(),
    native: bool = typer.Option(
        False,
        "--native",
        help="With --scheduler: compute natively (each worker's fastest "
        "kernels; their numbers can differ by CPU). A cluster batch is reproducible by default.",
    ),
    max_minutes: float = typer.Option(
        120.0, "--max-minutes", metavar="MIN", min=0.01, help="Refuse recordings longer than this."
    ),
) -> None:
    """Score many recordings: one row per file (CSV or JSON lines), a summary, exit 1 if any failed.

    Resumable: each row is written as its file finishes; rerunning the same command skips files already scored with
    the same content and settings.
    """
    from voicecoach import numerics

    if native and numerics.requested(reproducible) == numerics.REPRODUCIBLE:
        raise typer.BadParameter(f"--native contradicts --reproducible (or {numerics.SWITCH}=1)")
    if scheduler and not native:
        # A cluster's workers may run on different CPUs: their numbers must not depend on it
        # (docs/reproducibility.md). Chosen now, before anything computes; a LocalCluster's workers inherit it.
        numerics.use(numerics.REPRODUCIBLE)
    from rich.console import Console

    from voicecoach import questions as qmod
    from voicecoach.batch.jobs import BatchInputError, expand, read_manifest, settings_key, with_key
    from voicecoach.batch.results import FAILED, ResultFile, format_for
    from voicecoach.batch.run import page_name
    from voicecoach.models import resolve

    check_wpm(min_wpm, max_wpm)
    method = checked_filler_method(fillers, written_only)
    fmt = format_for(out, fmt)
    if fmt not in ("csv", "jsonl"):
        raise typer.BadParameter(f"--format must be csv or jsonl, not {fmt!r}")
    if manifest is None and not paths:
        raise BatchInputError("give recordings (files, folders, globs) or --manifest CSV")
    if manifest is None and not question:
        raise BatchInputError("--question is required without a manifest (see `voicecoach questions list`)")
    if scheduler and scheduler != "local" and "://" not in scheduler:
        raise BatchInputError(f"--scheduler must be 'local' or an address like tcp://host:8786, not {scheduler!r}")

    todo = (read_manifest(manifest, question) if manifest else []) + (expand(paths, question, [out]) if paths else [])
    asked = {j.question: qmod.get(j.question, bank) for j in todo}  # unknown ids fail here, before any work
    options = make_options(model, beam_size, min_wpm, max_wpm, skip_language_check, method, max_minutes)
    resolve(model)  # a missing or damaged model is one error now, not one per file
    pages = _pages_folder(html) if html is not None else None
    if force and out.is_file():
        out.replace(out.with_name(out.name + ".bak"))
    results = ResultFile(out, fmt)  # before hashing: a bad --out fails at once
    settings = {qid: settings_key(options, q) for qid, q in asked.items()}
    todo = [with_key(j, settings[j.question]) for j in todo]
    done = results.done_keys()
    if pages is not None:  # a file scored before without its page (no --html then) is scored again
        done = {
            r.key
            for r in results.rows
            if r.key in done and (r.status == FAILED or (pages / page_name(r.file, r.key)).exists())
        }
    fresh = [j for j in todo if j.key not in done]
    skipped = len(todo) - len(fresh)
    err = Console(stderr=True)
    if skipped:
        err.print(f"{skipped} of {len(todo)} files already in {out} with the same settings: skipped (--force rescores)")
    rows = _run(fresh, asked, options, jobs, scheduler, results, err, pages, html)
    keys = {j.key for j in todo}
    # a file scored again (its page was missing): its last row; two copies of one file keep a row each
    final = list({(r.file, r.key): r for r in results.rows if r.key in keys}.values())
    results.close()
    _print_summary(final, out, len(rows), skipped)
    if html is not None:
        from voicecoach.render.html import batch_page, write

        names = {(r.file, r.key): page_name(r.file, r.key) for r in final}
        links = {k: f"{pages.name}/{n}" for k, n in names.items() if (pages / n).exists()}
        write(html, batch_page(final, links, results=str(out)))
        err.print(f"[dim]summary page written to {html} (pages in {pages}/)[/dim]", highlight=False)
    if any(r.status == FAILED for r in final):
        raise typer.Exit(ExitCode.FAILED)


def _pages_folder(summary: Path) -> Path:
    """Where the per-file pages go: <summary name>_files/ beside the summary (made now, so that a bad
    --html fails before any work)."""
    from voicecoach.atomic import check_target
    from voicecoach.errors import OutputError

    check_target(summary)
    folder = summary.with_name(summary.stem + "_files")
    try:
        folder.mkdir(exist_ok=True)
    except OSError as e:
        raise OutputError(f"{folder}: cannot make the folder for the pages ({e.strerror or e})") from e
    return folder


def _run(jobs, asked, options, workers, scheduler, results, err, pages=None, summary=None) -> list:
    from dataclasses import replace

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from voicecoach.batch.results import FAILED
    from voicecoach.batch.run import run_dask, run_inline, run_processes

    if not jobs:
        return []
    local_pool = scheduler == "local" or (not scheduler and workers > 1 and len(jobs) > 1)
    if local_pool:  # share this machine's cores among the workers (the settings key ignores threads)
        threads = max(1, (os.cpu_count() or 1) // workers)
        options = replace(options, transcription=replace(options.transcription, cpu_threads=threads))
    write_page = None
    if pages is not None:
        from functools import partial

        from voicecoach.render.html import batch_answer_page

        back = f"../{summary.name}" if summary is not None else None
        write_page = partial(batch_answer_page, str(pages.resolve()), back)
    if scheduler:
        stream = run_dask(jobs, asked, options, scheduler, workers, write_page)
    elif local_pool:
        stream = run_processes(jobs, asked, options, workers, write_page)
    else:
        stream = run_inline(jobs, asked, options, write_page)
    written = []
    failed = 0
    with Progress(
        TextColumn("Scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    ) as prog:
        task = prog.add_task("", total=len(jobs), failed="")
        try:
            for row in stream:
                results.append(row)
                written.append(row)
                failed += row.status == FAILED
                prog.update(task, advance=1, failed=f"[red]{failed} failed[/red]" if failed else "")
                if not err.is_terminal:
                    err.print(
                        f"[{len(written)}/{len(jobs)}] {row.status}: {row.file}"
                        + (f" ({row.error})" if row.error else ""),
                        highlight=False,
                    )
        finally:
            stream.close()
    return written


def _print_summary(rows, out: Path, new: int, skipped: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from voicecoach.batch.summary import METRICS, summarise

    s = summarise(rows)
    c = Console()
    c.print(
        f"[bold]{s.total} files[/bold]: {s.scored} scored, {s.not_scored} not scored (no speech or not English), "
        f"{s.failed} failed  —  {new} done now, {skipped} from earlier runs  →  {out}",
        highlight=False,
    )
    if s.percentiles:
        t = Table(title="Across scored files", title_justify="left")
        for col in ("", "p10", "median", "p90"):
            t.add_column(col, justify="right" if col else "left")
        for key, label in METRICS:
            if key in s.percentiles:
                t.add_row(label, *(f"{v:.2f}" if key == "coverage" else f"{v:.1f}" for v in s.percentiles[key]))
        c.print(t)
    if s.failures:
        c.print("[bold red]Failed[/bold red]")
        for f, why in s.failures:
            c.print(f"  {f}: {why}", highlight=False)
