"""The cue line's figures while an answer is recorded: words, fillers and pace of what the live
transcript holds so far (voicecoach.asr.live.LiveTranscriber.heard), counted as the report counts them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from voicecoach.analysis.fillers import find_fillers
from voicecoach.analysis.pauses import PauseOptions, is_gap
from voicecoach.asr.live import BEHIND_S, Heard
from voicecoach.asr.types import Transcript

log = logging.getLogger("voicecoach")

PACE_WINDOW_S = 30.0  # the pace is over the last 30 s heard
PACE_AFTER_S = 20.0  # ... once this much speech is heard


@dataclass(frozen=True)
class LiveFigures:
    """What the cue line shows.

    Attributes:
        heard_s: how far into the answer the transcript (pieces and drafts) reaches.
        words: words so far.
        fillers: fillers so far (as the report counts them).
        pace_wpm: words per minute over the last PACE_WINDOW_S heard, once PACE_AFTER_S are (else None).
        behind_s: recorded audio no piece has transcribed yet.
        keeping_up: False while the pieces are more than BEHIND_S behind (a slow machine or a big
            model): the cue figures lag, the report is still complete, only later.
    """

    heard_s: float
    words: int
    fillers: int
    pace_wpm: float | None
    behind_s: float
    keeping_up: bool


def figures(heard: Heard, verbatim: bool) -> LiveFigures:
    """The figures of ``heard`` (``behind_s`` 0: :class:`CueLine` sets it)."""
    t = Transcript(segments=heard.segments, duration_s=heard.heard_s, verbatim=verbatim)
    spoken = [w for w in t.words if not is_gap(w, PauseOptions())]
    pace = None
    if spoken and heard.heard_s - spoken[0].start_s >= PACE_AFTER_S:
        lo = max(spoken[0].start_s, heard.heard_s - PACE_WINDOW_S)
        pace = float(sum(lo <= w.start_s < heard.heard_s for w in spoken) * 60 / max(heard.heard_s - lo, 1e-6))
    return LiveFigures(
        heard_s=heard.heard_s,
        words=len(spoken),
        fillers=len(find_fillers(t)),
        pace_wpm=pace,
        behind_s=0.0,
        keeping_up=True,
    )


class CueLine:
    """The cue line's figures, recomputed only when the live transcript grew (it is read every 0.1 s)."""

    def __init__(self, verbatim: bool):
        self.verbatim = verbatim
        self._last: tuple[int, LiveFigures] | None = None
        self._logged_at = -1.0

    def figures(self, heard: Heard, elapsed_s: float) -> LiveFigures:
        if self._last is None or self._last[0] != heard.version:
            self._last = (heard.version, figures(heard, self.verbatim))
        f = self._last[1]
        if elapsed_s - self._logged_at >= 1.0:  # (scripts/benchmark_practice.py reads the cue line's lag here)
            self._logged_at = elapsed_s
            log.debug(
                "live: cue at %.1f s recorded: heard to %.1f s, %d fillers, pace %s",
                elapsed_s,
                f.heard_s,
                f.fillers,
                "-" if f.pace_wpm is None else f"{f.pace_wpm:.0f}",
            )
        behind = max(0.0, elapsed_s - heard.committed_s)
        return replace(f, behind_s=behind, keeping_up=behind <= BEHIND_S)
