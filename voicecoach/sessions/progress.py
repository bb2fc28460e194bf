"""How each metric moved across a user's scored sessions (`voicecoach progress`), and whether the
sessions compared were counted alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from voicecoach.analysis.fillers import FillerMethod
from voicecoach.sessions.store import SCORED, DamagedSession, SessionInfo, SessionStore

# How a stored report counted its fillers (FillerResult.method), for the note on mixed sessions.
HOW_COUNTED = {
    FillerMethod.WRITTEN: "counted only the fillers Whisper wrote in a plain transcript (before 0.2; reads low)",
    FillerMethod.WRITTEN_AND_HEARD: "counted a plain transcript's fillers plus the um/uh heard in gaps (0.2)",
    FillerMethod.VERBATIM_AND_HEARD: "counted the verbatim transcript's fillers plus the um/uh heard in gaps",
    FillerMethod.VERBATIM: "counted the fillers of a verbatim transcript",
}
# (label, SessionInfo field, higher is better: True / False / None for neither)
METRICS = (
    ("score", "score", True),
    ("coverage", "coverage", True),
    ("fillers per minute", "fillers_per_min", False),
    ("words per minute", "wpm", None),
    ("length", "duration_s", None),
)


@dataclass(frozen=True)
class Trend:
    """One metric across the sessions (those that have it), oldest first.

    Attributes:
        better: whether last is better than first (None: no direction is better, or no change).
        best: the best value (None for a metric where no direction is better).
    """

    label: str
    field: str
    values: tuple[float, ...]
    better: bool | None
    best: float | None

    @property
    def first(self) -> float:
        return self.values[0]

    @property
    def last(self) -> float:
        return self.values[-1]


@dataclass(frozen=True)
class Progress:
    """The sessions compared and how each metric moved.

    Attributes:
        sessions: the scored sessions compared, oldest first.
        trends: one per metric with at least two values.
        counted_otherwise: sessions whose fillers were counted another way than ``method``, by way.
        older: sessions an earlier voicecoach scored.
        other_numerics: sessions computed in the other numerics mode (voicecoach.numerics): like an
            earlier version's, their words can differ from what this mode gives.
        skipped: why each scored session left out was (its report cannot be read), a line each.
    """

    sessions: tuple[SessionInfo, ...]
    trends: tuple[Trend, ...]
    counted_otherwise: dict[str, int]
    older: int
    other_numerics: int = 0
    skipped: tuple[str, ...] = ()

    @property
    def mixed_methods(self) -> bool:
        """Some sessions, not all, counted fillers another way: their fillers per minute do not compare."""
        return 0 < sum(self.counted_otherwise.values()) < len(self.sessions)

    @property
    def mixed_versions(self) -> bool:
        return 0 < self.older < len(self.sessions)

    @property
    def mixed_numerics(self) -> bool:
        return 0 < self.other_numerics < len(self.sessions)


def progress(
    store: SessionStore,
    question: str | None = None,
    last: int = 20,
    *,
    method: str,
    version: str,
    numerics: str = "native",
) -> Progress:
    """The last ``last`` scored sessions (of ``question``), compared; ``method``, ``version`` and
    ``numerics``: the filler method, voicecoach version and numerics mode that count as current."""
    from voicecoach.schema.read import filler_method

    reports, kept, skipped = [], [], []
    for s in reversed([s for s in store.list(question) if s.status == SCORED]):
        if len(kept) == last:
            break
        try:  # (a damaged report leaves its session out, said, not the others)
            reports.append(store.report(s) or {})
            kept.append(s)
        except DamagedSession as e:
            skipped.append(str(e))
    sessions, reports = tuple(reversed(kept)), reports[::-1]
    trends = []
    for label, field, higher_better in METRICS:
        vals = tuple(v for v in (getattr(s, field) for s in sessions) if v is not None)
        if len(vals) < 2:
            continue
        better = None if higher_better is None or vals[0] == vals[-1] else (vals[-1] > vals[0]) == higher_better
        best = None if higher_better is None else (max if higher_better else min)(vals)
        trends.append(Trend(label, field, vals, better, best))
    other = Counter(m for m in (filler_method(r) for r in reports) if m and m != method)
    older = sum(r.get("voicecoach_version") != version for r in reports)
    # (reports before schema 1.6 do not say: they were computed natively)
    moved = sum(((r.get("asr") or {}).get("numerics") or "native") != numerics for r in reports)
    return Progress(sessions, tuple(trends), dict(other.most_common()), older, moved, tuple(skipped[::-1]))
