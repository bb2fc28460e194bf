"""How the answer sounded: pitch variation, monotone stretches, level, trailing off, clipping.

Pure: it reads the frame tracks of the recording (voicecoach.audio.features) and the word timings.
Where each threshold comes from is in docs/delivery.md; the short version is in ``DeliveryOptions``.
Delivery is advisory: it gives findings and tips, not points (docs/delivery.md says why).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.analysis.tokens import sentences as split_sentences
from voicecoach.asr.types import Word
from voicecoach.audio.features import Tracks, runs
from voicecoach.timefmt import clock

MONOTONE, TRAILING_OFF, TOO_QUIET, TOO_LOUD, CLIPPED = "monotone", "trailing-off", "too-quiet", "too-loud", "clipped"


@dataclass(frozen=True)
class DeliveryOptions:
    """Thresholds of the delivery findings (sources in docs/delivery.md).

    Attributes:
        window_s: monotone is judged over windows of this length (30 s).
        min_voiced_s: a window with less voiced speech than this is not judged; nor is an answer
            shorter than half a window.
        monotone_st: a window whose pitch varies less than this (standard deviation in semitones
            around its median) is monotone. 1.0: below the 1.5-3 semitone differences listeners
            need to tell pitch movements apart ('t Hart 1981); real speakers measured 2.2-4.3.
        min_run_s: voiced runs shorter than this are tracking noise, not voice (50 ms).
        quiet_dbfs: speech whose active level is below this is too quiet: 20 dB under the
            -26 dBov nominal level of ITU-T P.56 / P.800 test speech.
        loud_dbfs: above this, speech peaks (12-20 dB over the active level) reach full scale.
        trail_db: a sentence's last word this many dB under the sentence's median word is
            trailing off: 10 dB is heard as half as loud (Stevens' sone scale).
        min_sentence_words: shorter sentences are not judged for trailing off.
    """

    window_s: float = 30.0
    min_voiced_s: float = 3.0
    monotone_st: float = 1.0
    min_run_s: float = 0.05
    quiet_dbfs: float = -46.0
    loud_dbfs: float = -12.0
    trail_db: float = 10.0
    min_sentence_words: int = 4


@dataclass(frozen=True)
class PitchWindow:
    """One window of the pitch timeline: its spread in semitones (None when too little was voiced)."""

    start_s: float
    end_s: float
    spread_st: float | None
    monotone: bool


@dataclass(frozen=True)
class Finding:
    """One thing to say about the delivery, with its time."""

    kind: str  # MONOTONE, TRAILING_OFF, TOO_QUIET, TOO_LOUD, CLIPPED
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class DeliveryResult:
    """Delivery figures of one answer.

    Attributes:
        pitch_median_hz: median pitch of voiced speech (None if nothing was voiced).
        pitch_spread_st: its standard deviation in semitones over the whole answer.
        windows: the monotone timeline (``window_s`` windows).
        level_dbfs: active speech level (power mean of voiced frames), dBFS.
        level_spread_db: standard deviation of the words' levels, dB.
        sentences: sentences judged for trailing off.
        findings: monotone stretches, trailing-off endings, level and clipping problems, in time order.
    """

    pitch_median_hz: float | None
    pitch_spread_st: float | None
    windows: tuple[PitchWindow, ...]
    level_dbfs: float | None
    level_spread_db: float | None
    sentences: int
    findings: tuple[Finding, ...]
    monotone_st: float
    trail_db: float

    def of(self, kind: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == kind)


def voiced_f0(tracks: Tracks, min_run_s: float) -> np.ndarray:
    """The pitch track with voiced runs shorter than ``min_run_s`` removed."""
    f0 = tracks.f0_hz.copy()
    short = max(1, int(round(min_run_s / tracks.hop_s)))
    for s, e in runs(~np.isnan(f0)):
        if e - s < short:
            f0[s:e] = np.nan
    return f0


def spread_st(f0: np.ndarray) -> float | None:
    """Standard deviation in semitones around the median; frames an octave or more away are
    tracking errors (octave jumps) and left out."""
    f = f0[~np.isnan(f0)]
    if not len(f):
        return None
    st = 12 * np.log2(f / np.median(f))
    st = st[np.abs(st) < 12]
    return float(st.std())


def _power_db(level_db: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(10 ** (level_db / 10))))


def sentences(words: list[Word], min_words: int) -> list[list[Word]]:
    """The sentences (Whisper punctuates) of at least ``min_words`` words."""
    return [s for s in split_sentences(words) if len(s) >= min_words]


WORD_GATE_DB = 20.0


def word_level_db(tracks: Tracks, w: Word) -> float | None:
    """The word's level: the median of its own frames, those within ``WORD_GATE_DB`` of its loudest
    tenth. Whisper often stretches a sentence's last word into the pause after it, and those silent
    frames would make the word look quiet; its edges also reach into the neighbouring words, which a
    power mean would follow (docs/delivery.md has the measurements)."""
    a, b = int(w.start_s / tracks.hop_s), int(np.ceil(w.end_s / tracks.hop_s))
    seg = tracks.level_db[a : max(b, a + 1)]
    if not len(seg):
        return None
    return float(np.median(seg[seg >= np.percentile(seg, 90) - WORD_GATE_DB]))


def analyse_delivery(tracks: Tracks, words: list[Word], options: DeliveryOptions = DeliveryOptions()) -> DeliveryResult:
    o = options
    f0 = voiced_f0(tracks, o.min_run_s)
    voiced = ~np.isnan(f0)
    findings: list[Finding] = []
    duration = len(f0) * tracks.hop_s
    # monotone: fixed windows from the first word; the last window judged if it is at least half a window
    start = words[0].start_s if words else 0.0
    end = words[-1].end_s if words else duration
    windows = []
    t = start
    while t < end - 1e-9:
        stop = min(t + o.window_s, end)
        if stop - t < o.window_s / 2 and windows:  # a short tail joins the window before
            prev = windows.pop()
            t = prev.start_s
        a, b = int(t / tracks.hop_s), int(stop / tracks.hop_s)
        seg = f0[a:b]
        enough = np.count_nonzero(~np.isnan(seg)) * tracks.hop_s >= o.min_voiced_s
        s = spread_st(seg) if enough else None
        mono = s is not None and s < o.monotone_st and stop - t >= o.window_s / 2  # a short answer is not a stretch
        windows.append(PitchWindow(t, stop, s, mono))
        t = stop
    for w in windows:
        if w.monotone:
            findings.append(
                Finding(
                    MONOTONE,
                    w.start_s,
                    w.end_s,
                    f"Your pitch hardly moved from {clock(w.start_s)} to {clock(w.end_s)} "
                    f"({w.spread_st:.1f} semitones of variation; lively speech varies 2-4).",
                )
            )
    level = _power_db(tracks.level_db[voiced]) if voiced.any() else None
    if level is not None and level < o.quiet_dbfs:
        findings.append(
            Finding(
                TOO_QUIET,
                start,
                end,
                f"Your voice was recorded quietly ({level:.0f} dBFS while "
                "speaking). Move closer to the microphone or raise its input level.",
            )
        )
    elif level is not None and level > o.loud_dbfs:
        findings.append(
            Finding(
                TOO_LOUD,
                start,
                end,
                f"Your voice was recorded very loud ({level:.0f} dBFS while "
                "speaking), close to distorting. Lower the microphone's input level.",
            )
        )
    if tracks.clipped_s:
        first = tracks.clipped_s[0]
        n = len(tracks.clipped_s)
        findings.append(
            Finding(
                CLIPPED,
                first,
                tracks.clipped_s[-1],
                f"The recording clipped (hit full scale) {n} time{'s' if n > 1 else ''}, first at "
                f"{clock(first)}: that is distortion. Lower the microphone's input level.",
            )
        )
    # trailing off: the sentence's last word far under the sentence's median word
    judged = sentences([w for w in words if w.end_s > w.start_s], o.min_sentence_words)
    levels_all = []
    for sent in judged:
        *before, last = [word_level_db(tracks, w) for w in sent]
        before = [x for x in before if x is not None]
        levels_all += before + ([last] if last is not None else [])
        if last is None or len(before) < o.min_sentence_words - 1:
            continue
        median = float(np.median(before))
        if median - last >= o.trail_db:
            findings.append(
                Finding(
                    TRAILING_OFF,
                    sent[-1].start_s,
                    sent[-1].end_s,
                    f'You trailed off at {clock(sent[-1].start_s)}: "{sent[-1].text.strip()}" was '
                    f"{median - last:.0f} dB quieter than the rest of the sentence.",
                )
            )
    findings.sort(key=lambda f: f.start_s)
    return DeliveryResult(
        pitch_median_hz=float(np.median(f0[voiced])) if voiced.any() else None,
        pitch_spread_st=spread_st(f0[int(start / tracks.hop_s) : int(np.ceil(end / tracks.hop_s))]),
        windows=tuple(windows),
        level_dbfs=level,
        level_spread_db=float(np.std(levels_all)) if len(levels_all) > 1 else None,
        sentences=len(judged),
        findings=tuple(findings),
        monotone_st=o.monotone_st,
        trail_db=o.trail_db,
    )
