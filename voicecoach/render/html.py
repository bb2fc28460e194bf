"""The report as one HTML page to look at and listen to; also the progress page and a batch's summary.

Each page is one file that works offline: CSS, script, inline SVG charts and the answer's audio
(Ogg/Opus as a data: URI) are inside it, and its Content-Security-Policy forbids every network load:
``default-src 'none'``, audio only from data:, and the page's own script and style allowed by their
SHA-256 (no 'unsafe-inline'). The pages read the stored report dict (voicecoach.schema.report), so a
fresh report and a session's look the same. Templates are Jinja2 (voicecoach/render/templates/).
Everything a reader needs (numbers, transcript, rubric, tips) is in the HTML itself; the script only
adds playing: click to seek, the current word highlighted, the keyboard.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.analysis.fillers import HEARD
from voicecoach.render import charts
from voicecoach.timefmt import clock

if TYPE_CHECKING:
    import numpy as np

    from voicecoach.batch.results import Row
    from voicecoach.sessions.progress import Progress


@dataclass(frozen=True)
class Token:
    """One piece of the transcript as shown: a word ("word", maybe a filler), a filler heard in a gap
    ("heard"), a long pause ("pause") or a transcription gap ("gap"), at ``start_s``."""

    kind: str
    text: str
    start_s: float
    end_s: float
    filler: bool = False


@dataclass(frozen=True)
class Paragraph:
    start_s: float
    tokens: tuple[Token, ...]


def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("voicecoach.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = lambda t: "" if t is None else clock(t)
    env.filters["t"] = lambda t: f"{float(t):.3f}"
    from voicecoach.render.text import EDGES, LISTED_PHRASES, language_summary

    env.globals["language_summary"] = language_summary
    env.globals["HEARD"] = HEARD
    env.globals["listed_phrases"], env.globals["edges"] = list(LISTED_PHRASES), list(EDGES)
    return env


def _asset(name: str) -> str:
    from importlib import resources

    return resources.files("voicecoach.render").joinpath("templates", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def csp(script: str, style: str) -> str:
    """The page's policy: nothing from anywhere, except audio from data: and this script and style."""
    return (
        f"default-src 'none'; media-src data:; img-src data:; script-src '{_sha256(script)}'; "
        f"style-src '{_sha256(style)}'; base-uri 'none'; form-action 'none'"
    )


SCRIPTS = {"answer.html.j2": "report.js", "interview.html.j2": "interview.js"}  # the pages that play audio


def _render(template: str, **context) -> str:
    from markupsafe import Markup

    style = _asset("report.css")
    script = _asset(SCRIPTS[template]) if template in SCRIPTS else ""
    from voicecoach import __version__

    return (
        _env()
        .get_template(template)
        .render(csp=csp(script, style), style=Markup(style), script=Markup(script), version=__version__, **context)
    )


def paragraphs(report: dict) -> tuple[Paragraph, ...]:
    """The transcript as shown: one paragraph per segment; written fillers flagged on their words,
    heard fillers, long pauses and transcription gaps placed where they happened."""
    segs = (report.get("transcript") or {}).get("segments") or []
    f = report.get("fillers") or {}
    # a written filler covers the words that start inside it ("you know": two words)
    written = [(x["start_s"] - 1e-3, x["end_s"] - 1e-3) for x in f.get("occurrences") or () if x["source"] != HEARD]
    extra = [
        Token(HEARD, x["text"], x["start_s"], x["end_s"]) for x in f.get("occurrences") or () if x["source"] == HEARD
    ]
    pa = report.get("pauses") or {}
    extra += [
        Token("pause", f"{x['duration_s']:.1f} s pause", x["start_s"], x["end_s"]) for x in pa.get("long_pauses") or ()
    ]
    extra += [
        Token("gap", f"transcription gap {clock(g['start_s'])}–{clock(g['end_s'])}", g["start_s"], g["end_s"])
        for g in pa.get("transcription_gaps") or ()
    ]
    extra.sort(key=lambda t: t.start_s)
    out: list[Paragraph] = []
    k = 0
    for n, s in enumerate(segs):
        toks: list[Token] = []
        last = n == len(segs) - 1
        for w in s["words"]:
            while k < len(extra) and extra[k].start_s <= w["start_s"]:
                toks.append(extra[k])
                k += 1
            is_filler = any(a <= w["start_s"] < b for a, b in written)
            toks.append(Token("word", w["text"].strip(), w["start_s"], w["end_s"], is_filler))
        if last:
            toks.extend(extra[k:])
            k = len(extra)
        if toks:
            out.append(Paragraph(s["start_s"], tuple(toks)))
    if k < len(extra):  # no segments (an unscored answer): the events alone
        out.append(Paragraph(extra[k].start_s, tuple(extra[k:])))
    return tuple(out)


def audio_data_uri(samples: np.ndarray) -> str:
    from voicecoach.audio.encode import opus_bytes

    return "data:audio/ogg;base64," + base64.b64encode(opus_bytes(samples)).decode("ascii")


def answer_page(
    report: dict,
    samples: np.ndarray | None,
    *,
    when: datetime | None = None,
    title: str | None = None,
    back: str | None = None,
) -> str:
    """The page of one answer. ``samples``: the answer's audio (16 kHz mono float32), embedded as
    Opus; None leaves the page without a player. ``when``: when it was recorded (or scored).
    ``back``: a link to the page this one belongs to (a batch summary)."""
    return _render(
        "answer.html.j2",
        r=report,
        audio=audio_data_uri(samples) if samples is not None else None,
        when=(when or datetime.now().astimezone()).strftime("%d %b %Y, %H:%M"),
        title=title or report["question"]["text"],
        timeline=charts.timeline(report) if report["score"] is not None else None,
        paragraphs=paragraphs(report),
        back=back,
    )


def interview_page(summary: dict, answers: list[tuple[dict | None, np.ndarray | None]]) -> str:
    """The page of a whole interview (``summary``: voicecoach.interview.summary): the totals, a row per
    answer, the tips that matter most, then each answer with its player and transcript. ``answers``:
    (report dict or None, audio samples or None) for each of ``summary["answers"]``, in order."""
    shown, n = [], 0
    for row, (report, samples) in zip(summary["answers"], answers):
        n += row["follow_up"] is None
        shown.append(
            {
                "row": row,
                "label": f"{n}" if row["follow_up"] is None else f"{n}f",
                "audio": audio_data_uri(samples) if samples is not None else None,
                "paragraphs": paragraphs(report) if report is not None else None,
            }
        )
    return _render(
        "interview.html.j2",
        s=summary,
        answers=shown,
        when=datetime.fromisoformat(summary["created_at"]).astimezone().strftime("%d %b %Y, %H:%M"),
    )


PROGRESS_METRICS = (
    # (metric, title, SessionInfo field, higher is better, value format, the metric's range, tick steps)
    ("score", "Overall score", "score", True, lambda v: f"{v:.0f}", (0, 100), None),
    ("coverage", "Rubric coverage", "coverage", True, lambda v: f"{v:.0%}", (0, 1), None),
    ("fillers_per_min", "Fillers per minute", "fillers_per_min", False, lambda v: f"{v:.1f}", None, None),
    ("wpm", "Pace (words per minute)", "wpm", None, lambda v: f"{v:.0f}", None, None),
    ("duration_s", "Length", "duration_s", None, clock, None, (15, 30, 60, 120, 300, 600, 1200)),
)
SCORE_GOOD = 75.0  # the terminal shows a score or part this high in green
COVERAGE_GOOD = 0.75


def progress_page(
    p: Progress, *, question: str | None, pace_band: tuple[float, float], length_band: tuple[float, float] | None
) -> str:
    """One chart per metric over ``p.sessions``, with its target band and the best session marked.
    ``length_band``: the question's target (None when the sessions answer different questions)."""
    from voicecoach.analysis.score import FILLERS_FREE_PER_MIN

    bands = {
        "score": ((SCORE_GOOD, 100.0), f"{SCORE_GOOD:.0f} or more"),
        "coverage": ((COVERAGE_GOOD, 1.0), f"{COVERAGE_GOOD:.0%} or more"),
        "fillers_per_min": ((0.0, FILLERS_FREE_PER_MIN), f"{FILLERS_FREE_PER_MIN:g} or fewer a minute (full marks)"),
        "wpm": (pace_band, f"comfortable {pace_band[0]:.0f}–{pace_band[1]:.0f} wpm"),
        "duration_s": (length_band, f"target {clock(length_band[0])}–{clock(length_band[1])}" if length_band else ""),
    }
    chart_list = []
    for metric, title, fld, higher, fmt, limits, steps in PROGRESS_METRICS:
        pairs = [(getattr(s, fld), s) for s in p.sessions if getattr(s, fld) is not None]
        if not pairs:
            continue
        labels = [datetime.fromisoformat(s.created_at).astimezone().strftime("%d %b %H:%M") for _, s in pairs]
        band, band_label = bands[metric]
        chart_list.append(
            charts.series(
                metric,
                title,
                [float(v) for v, _ in pairs],
                labels,
                fmt,
                band=band,
                band_label=band_label,
                higher_better=higher,
                limits=limits,
                steps=steps,
            )
        )
    rows = [(datetime.fromisoformat(s.created_at).astimezone().strftime("%d %b %Y %H:%M"), s) for s in p.sessions]
    return _render(
        "progress.html.j2",
        charts=chart_list,
        p=p,
        rows=rows,
        question=question,
        when=datetime.now().astimezone().strftime("%d %b %Y, %H:%M"),
    )


BATCH_METRICS = (  # (Row field, title, value format, the metric's whole range or None)
    ("score", "Overall score", lambda v: f"{v:.0f}", (0, 100)),
    ("wpm", "Pace (words per minute)", lambda v: f"{v:.0f}", None),
    ("fillers_per_min", "Fillers per minute", lambda v: f"{v:g}", None),
    ("coverage", "Rubric coverage", lambda v: f"{v:.0%}", (0, 1)),
)


def batch_page(rows: list[Row], links: dict[tuple[str, str], str], *, results: str) -> str:
    """The batch summary: one row per file (linked to its page where ``links`` has its (file, key)) and the
    distributions of score, pace, fillers and coverage over the scored files."""
    from voicecoach.batch.results import OK
    from voicecoach.batch.summary import summarise

    scored = [r for r in rows if r.status == OK]
    hists = [
        charts.histogram(m, t, [float(getattr(r, m)) for r in scored if getattr(r, m) is not None], fmt, domain)
        for m, t, fmt, domain in BATCH_METRICS
    ]
    return _render(
        "batch.html.j2",
        rows=sorted(rows, key=lambda r: r.file),
        links=links,
        hists=hists,
        s=summarise(rows),
        results=results,
        when=datetime.now().astimezone().strftime("%d %b %Y, %H:%M"),
    )


def write_answer(
    out: str | Path,
    report: dict,
    audio_path: str | Path | None,
    *,
    when: datetime | None = None,
    back: str | None = None,
) -> Path:
    """Write the page of ``report``, with the audio of ``audio_path`` (a page without a player if it
    cannot be read: the report is still worth seeing)."""
    return write(out, answer_page(report, _samples(audio_path), when=when, back=back))


def write_interview(out: str | Path, summary: dict, answers: list[tuple[dict | None, Path | None]]) -> Path:
    """Write an interview's page; ``answers``: (report dict, recording) for each of ``summary["answers"]``."""
    return write(out, interview_page(summary, [(report, _samples(audio)) for report, audio in answers]))


def _samples(audio_path: str | Path | None):
    """The recording's samples for a page's player; None (a page without one) if it cannot be read."""
    import logging

    from voicecoach.audio.load import load
    from voicecoach.errors import AudioError

    if audio_path is None or not Path(audio_path).exists():
        return None
    try:
        return load(audio_path, tolerant=True).samples
    except AudioError as e:
        logging.getLogger("voicecoach").warning("the page has no player: %s", e)
        return None


def open_in_browser(path: Path) -> bool:
    """Open the page with the default browser ($BROWSER, else the desktop's); False if there is none."""
    import webbrowser

    try:
        return webbrowser.open(Path(path).resolve().as_uri())
    except webbrowser.Error:
        return False


def write(path: str | Path, page: str) -> Path:
    """Write the page atomically (private, like every report voicecoach keeps)."""
    from voicecoach.atomic import write_atomic

    write_atomic(path, page)
    return Path(path)


def batch_answer_page(html_dir: str, back: str | None, job, report) -> None:
    """Write a batch file's page into ``html_dir`` (``back``: the link to the summary). Bound with
    functools.partial, it is the batch's page writer (voicecoach.batch.run.PageWriter), picklable
    for worker processes."""
    from voicecoach.batch.run import page_name
    from voicecoach.schema.report import to_dict

    write_answer(Path(html_dir) / page_name(job.path, job.key), to_dict(report), job.path, back=back)
