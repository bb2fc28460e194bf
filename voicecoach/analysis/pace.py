"""Speaking pace: words per minute over the whole answer, over speaking time, and in windows."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.analysis.pauses import PauseOptions, PauseResult, is_gap
from voicecoach.asr.types import Word

SLOW, OK, FAST = "slow", "ok", "fast"


@dataclass(frozen=True)
class PaceOptions:
    """How pace is judged.

    Attributes:
        min_wpm / max_wpm: the comfortable range (100-165 wpm, PowerPoint Speaker Coach's; US
            conversation averages ~150 and interview answers run a little slower).
        window_s: length of the timeline windows (30 s).
        min_window_s: a window with less transcribed time than this (the last one, say) is shown
            but never called out (10 s).
    """

    min_wpm: float = 100.0
    max_wpm: float = 165.0
    window_s: float = 30.0
    min_window_s: float = 10.0


@dataclass(frozen=True)
class PaceWindow:
    """One stretch of the timeline: ``wpm`` over its elapsed time (pauses included)."""

    start_s: float
    end_s: float
    words: int
    wpm: float
    verdict: str  # "slow", "ok", "fast", or "" when too short to judge


@dataclass(frozen=True)
class PaceResult:
    """Pace of the answer.

    Attributes:
        words: transcribed words (fillers included, transcription gaps excluded).
        wpm: words per minute over the answer (first word to last; gap time left out).
        speaking_wpm: words per minute over speaking time (pauses and gaps left out).
        speaking_s: the speaking time.
        verdict: "slow", "ok" or "fast" for ``wpm`` against the comfortable range.
        windows: the timeline.
        min_wpm / max_wpm: the comfortable range used.
    """

    words: int
    wpm: float
    speaking_wpm: float
    speaking_s: float
    verdict: str
    windows: tuple[PaceWindow, ...]
    min_wpm: float
    max_wpm: float

    @property
    def flagged(self) -> tuple[PaceWindow, ...]:
        return tuple(w for w in self.windows if w.verdict in (SLOW, FAST))


def _verdict(wpm: float, o: PaceOptions) -> str:
    return SLOW if wpm < o.min_wpm else FAST if wpm > o.max_wpm else OK


def analyse_pace(
    words: list[Word],
    pauses: PauseResult,
    options: PaceOptions = PaceOptions(),
    pause_options: PauseOptions = PauseOptions(),
) -> PaceResult:
    words = sorted(words, key=lambda w: w.start_s)
    spoken = [w for w in words if not is_gap(w, pause_options)]
    if not spoken:
        return PaceResult(0, 0.0, 0.0, 0.0, "", (), options.min_wpm, options.max_wpm)
    start, end = words[0].start_s, words[-1].end_s
    gap_s = pauses.gap_total_s
    answer_s = max(end - start - gap_s, 1e-6)
    speaking_s = max(answer_s - pauses.total_s, 1e-6)
    wpm = len(spoken) * 60 / answer_s
    windows = []
    t = start
    while t < end:
        w_end = min(t + options.window_s, end)
        n = sum(t <= w.start_s < w_end or (w_end == end and w.start_s == end) for w in spoken)
        gap_in = sum(max(0.0, min(g.end_s, w_end) - max(g.start_s, t)) for g in pauses.gaps)
        span = w_end - t - gap_in
        rate = n * 60 / span if span > 0 else 0.0
        verdict = _verdict(rate, options) if span >= options.min_window_s else ""
        windows.append(PaceWindow(start_s=t, end_s=w_end, words=n, wpm=rate, verdict=verdict))
        t = w_end
    return PaceResult(
        words=len(spoken),
        wpm=wpm,
        speaking_wpm=len(spoken) * 60 / speaking_s,
        speaking_s=speaking_s,
        verdict=_verdict(wpm, options),
        windows=tuple(windows),
        min_wpm=options.min_wpm,
        max_wpm=options.max_wpm,
    )
