"""Geometry for the HTML report's inline SVG charts: plain numbers in viewBox units, drawn by the
templates (voicecoach/render/templates/). No drawing library: a chart here is a few rectangles,
circles and a polyline, and inline SVG keeps the page one offline file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from voicecoach.analysis.fillers import HEARD
from voicecoach.timefmt import clock

TIMELINE_W = 1000.0  # viewBox width of the answer's timeline
PACE_TOP, PACE_BOTTOM = 8.0, 98.0  # the pace chart's plot area (viewBox y)
# Below it answer.html.j2 draws the fillers' lane (centre y 116), the pauses' lane (y 134-144)
# and the time axis (y 150, labels at 164).
TIMELINE_H = 172.0
MIN_WPM_SCALE = 220.0  # the pace axis reaches at least this far, so a slow answer does not fill it


@dataclass(frozen=True)
class Marker:
    """One event on the timeline. ``kind``: "written" or "heard" (a filler), "pause" or "gap"
    (a long pause or a transcription gap, drawn from x to x + width)."""

    kind: str
    t_s: float
    x: float
    label: str
    width: float = 0.0


@dataclass(frozen=True)
class Bar:
    """One 30-s pace window: x, width, top y and height in viewBox units."""

    x: float
    width: float
    y: float
    height: float
    wpm: float
    verdict: str
    label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    """The answer's timeline: pace bars against the comfortable band (band_y .. band_y + band_h),
    markers for fillers, long pauses and transcription gaps, and the time axis."""

    duration_s: float
    bars: tuple[Bar, ...]
    band_y: float
    band_h: float
    band_label: str
    markers: tuple[Marker, ...]
    ticks: tuple[Tick, ...]
    width: float = TIMELINE_W
    height: float = TIMELINE_H
    wpm_ticks: tuple[tuple[float, str], ...] = field(default=())


def _tick_step(duration_s: float) -> float:
    for step in (10, 15, 30, 60, 120, 300, 600):
        if duration_s / step <= 10:
            return step
    return 1200


def timeline(report: dict) -> Timeline:
    """The timeline of a report dict (voicecoach.schema.report.to_dict)."""
    dur = max(float(report["audio"]["duration_s"] or 0.0), 0.001)
    x = lambda t: round(min(max(t, 0.0), dur) / dur * TIMELINE_W, 2)  # noqa: E731
    p = report.get("pace") or {}
    windows = p.get("windows") or []
    lo, hi = float(p.get("min_wpm") or 100), float(p.get("max_wpm") or 165)
    top = max(MIN_WPM_SCALE, hi * 1.2, *(w["wpm"] * 1.1 for w in windows)) if windows else max(MIN_WPM_SCALE, hi * 1.2)
    y = lambda wpm: round(PACE_BOTTOM - min(wpm, top) / top * (PACE_BOTTOM - PACE_TOP), 2)  # noqa: E731
    bars = tuple(
        Bar(
            x(w["start_s"]),
            max(x(w["end_s"]) - x(w["start_s"]) - 2, 1),
            y(w["wpm"]),
            round(PACE_BOTTOM - y(w["wpm"]), 2),
            w["wpm"],
            w["verdict"] or "ok",
            f"{clock(w['start_s'])}–{clock(w['end_s'])}: {w['wpm']:.0f} wpm ({w['verdict'] or 'ok'})",
        )
        for w in windows
    )
    markers: list[Marker] = []
    for f in (report.get("fillers") or {}).get("occurrences") or ():
        kind = HEARD if f["source"] == HEARD else "written"
        how = "heard, not written" if kind == HEARD else "written"
        markers.append(Marker(kind, f["start_s"], x(f["start_s"]), f"{clock(f['start_s'])} “{f['text']}” ({how})"))
    pa = report.get("pauses") or {}
    for lp in pa.get("long_pauses") or ():
        markers.append(
            Marker(
                "pause",
                lp["start_s"],
                x(lp["start_s"]),
                f"{clock(lp['start_s'])} pause of {lp['duration_s']:.1f} s",
                max(x(lp["end_s"]) - x(lp["start_s"]), 2),
            )
        )
    for g in pa.get("transcription_gaps") or ():
        markers.append(
            Marker(
                "gap",
                g["start_s"],
                x(g["start_s"]),
                f"{clock(g['start_s'])} transcription gap of {g['end_s'] - g['start_s']:.1f} s (not a pause)",
                max(x(g["end_s"]) - x(g["start_s"]), 2),
            )
        )
    step = _tick_step(dur)
    ticks = tuple(Tick(x(t), clock(t)) for t in (i * step for i in range(int(dur // step) + 1)))
    wpm_ticks = tuple((y(v), f"{v:.0f}") for v in (lo, hi))
    return Timeline(
        dur,
        bars,
        y(hi),
        round(y(lo) - y(hi), 2),
        f"comfortable {lo:.0f}–{hi:.0f} wpm",
        tuple(sorted(markers, key=lambda m: m.t_s)),
        ticks,
        wpm_ticks=wpm_ticks,
    )


# ---- progress and batch charts ----

CHART_W, CHART_H = 600.0, 200.0
PLOT_L, PLOT_R, PLOT_T, PLOT_B = 48.0, 588.0, 12.0, 172.0


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    value_text: str
    label: str  # what the point is (a session's date)
    best: bool = False


@dataclass(frozen=True)
class SeriesChart:
    """One metric over the sessions: points joined by a line, a target band (band_h 0: none) and
    the y axis's ticks."""

    metric: str
    title: str
    points: tuple[Point, ...]
    band_y: float
    band_h: float
    band_label: str
    y_ticks: tuple[tuple[float, str], ...]
    x_labels: tuple[tuple[float, str], ...]
    width: float = CHART_W
    height: float = CHART_H

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def _nice_step(span: float, steps: tuple[float, ...] | None) -> float:
    """A round tick step giving about four intervals over ``span``: from ``steps`` if given (times:
    15 s, 30 s, 1 min ...), else 1, 2, 2.5 or 5 times a power of ten."""
    raw = span / 4
    if steps:
        return next((s for s in steps if s >= raw), steps[-1])
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def _nice_range(
    values: list[float],
    band: tuple[float, float] | None,
    limits: tuple[float, float] | None,
    steps: tuple[float, ...] | None,
) -> tuple[float, float, float]:
    """(low, high, step) of the y axis: round numbers covering the values and the band."""
    vals = list(values) + (list(band) if band else [])
    lo, hi = min(min(vals), 0.0), max(vals)  # every metric here starts at 0
    if hi - lo < 1e-9:
        hi = lo + (abs(lo) or 1.0)
    step = _nice_step(hi - lo, steps)
    lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    if limits:
        lo, hi = max(lo, limits[0]), min(hi, limits[1])
    return lo, hi, step


def best_index(values: list[float], higher_better: bool | None, band: tuple[float, float] | None) -> int | None:
    """The best session: the highest or lowest value, or, for a metric with a band and no better
    direction (pace, length), the one nearest the band's middle. Ties go to the later session."""
    if not values:
        return None
    if higher_better is not None:
        key = (lambda i: (values[i], i)) if higher_better else (lambda i: (-values[i], i))
        return max(range(len(values)), key=key)
    if band is None:
        return None
    mid = (band[0] + band[1]) / 2
    return max(range(len(values)), key=lambda i: (-abs(values[i] - mid), i))


def series(
    metric: str,
    title: str,
    values: list[float],
    labels: list[str],
    fmt,
    *,
    band: tuple[float, float] | None,
    band_label: str,
    higher_better: bool | None,
    limits: tuple[float, float] | None = None,
    steps: tuple[float, ...] | None = None,
) -> SeriesChart:
    """A chart of ``values`` (one per session, oldest first); ``fmt`` formats a value; ``limits``: the
    metric's own range (0-100 for a score), which the axis never passes; ``steps``: tick steps to
    choose from (for times)."""
    lo, hi, step = _nice_range(values, band, limits, steps)
    y = lambda v: round(PLOT_B - (v - lo) / (hi - lo) * (PLOT_B - PLOT_T), 2)  # noqa: E731
    n = len(values)
    x = lambda i: round(PLOT_L + (i + 0.5) / n * (PLOT_R - PLOT_L), 2)  # noqa: E731
    best = best_index(values, higher_better, band)
    pts = tuple(Point(x(i), y(v), v, fmt(v), labels[i], i == best) for i, v in enumerate(values))
    band_y = band_h = 0.0
    if band:
        b_lo, b_hi = max(band[0], lo), min(band[1], hi)
        band_y, band_h = y(b_hi), round(y(b_lo) - y(b_hi), 2)
    every = max(1, math.ceil(n / 8))  # at most 8 dates under the chart
    x_labels = tuple((x(i), labels[i]) for i in range(0, n, every))
    y_ticks = tuple((y(v), fmt(v)) for v in (lo + step * k for k in range(int(round((hi - lo) / step)) + 1)))
    return SeriesChart(metric, title, pts, band_y, band_h, band_label, y_ticks, x_labels)


@dataclass(frozen=True)
class HistBin:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str


@dataclass(frozen=True)
class Histogram:
    """The distribution of one metric over a batch's scored files."""

    metric: str
    title: str
    bins: tuple[HistBin, ...]
    x_ticks: tuple[tuple[float, str], ...]
    n: int
    width: float = CHART_W
    height: float = CHART_H


def histogram(
    metric: str, title: str, values: list[float], fmt, domain: tuple[float, float] | None = None, bins: int = 10
) -> Histogram:
    """Counts of ``values`` in equal bins: over ``domain`` (0-100 for a score) in ``bins`` bins, or
    over round numbers covering the values (about 8 bins)."""
    if not values:
        return Histogram(metric, title, (), (), 0)
    if domain:
        lo, step = domain[0], (domain[1] - domain[0]) / bins
    else:
        span = max(values) - min(values)
        step = _nice_step(span * 4 / 8 if span > 0 else max(abs(values[0]), 1.0) / 4, None)
        lo = math.floor(min(values) / step + 1e-9) * step
        bins = max(1, math.ceil((max(values) - lo) / step + 1e-9))
    counts = [0] * bins
    for v in values:
        counts[min(max(int((v - lo) / step + 1e-9), 0), bins - 1)] += 1
    top = max(counts)
    w = (PLOT_R - PLOT_L) / bins
    out = []
    for k, c in enumerate(counts):
        h = round(c / top * (PLOT_B - PLOT_T - 12), 2)
        out.append(
            HistBin(
                round(PLOT_L + k * w + 1, 2),
                round(PLOT_B - h, 2),
                round(w - 2, 2),
                h,
                c,
                f"{fmt(lo + k * step)}–{fmt(lo + (k + 1) * step)}: {c} file{'s' if c != 1 else ''}",
            )
        )
    every = max(1, math.ceil(bins / 6))
    ticks = tuple((round(PLOT_L + k * w, 2), fmt(lo + k * step)) for k in range(0, bins + 1, every))
    return Histogram(metric, title, tuple(out), ticks, len(values))
