"""The end-of-batch summary: counts, percentiles of the main metrics, failed files with reasons."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.batch.results import FAILED, OK, UNSCORED, Row

METRICS = (
    ("score", "score"),
    ("wpm", "words per minute"),
    ("fillers_per_min", "fillers per minute"),
    ("coverage", "rubric coverage"),
    ("pauses", "pauses"),
    ("duration_s", "length (s)"),
)
PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class Summary:
    """Counts by status, (p10, median, p90) per metric over scored files, and the failures."""

    total: int
    scored: int
    not_scored: int
    failed: int
    percentiles: dict[str, tuple[float, float, float]]
    failures: tuple[tuple[str, str], ...]


def _percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    v = sorted(values)
    k = (len(v) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def summarise(rows: list[Row]) -> Summary:
    scored = [r for r in rows if r.status == OK]
    pct = {}
    for key, _ in METRICS:
        vals = [float(getattr(r, key)) for r in scored if getattr(r, key) is not None]
        if vals:
            pct[key] = tuple(_percentile(vals, p) for p in PERCENTILES)
    return Summary(
        total=len(rows),
        scored=len(scored),
        not_scored=sum(r.status == UNSCORED for r in rows),
        failed=sum(r.status == FAILED for r in rows),
        percentiles=pct,
        failures=tuple((r.file, r.error) for r in rows if r.status == FAILED),
    )
