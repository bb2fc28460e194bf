"""Pauses between words, and transcription gaps that must never count as pauses or speech.

Whisper sometimes stretches one word over seconds of audio and loses the words inside it. Such a
word (longer than ``max_word_s``) is a *transcription gap*: its time is neither pause nor speech,
and pauses next to it are not measured (their edges are unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.asr.types import Word


@dataclass(frozen=True)
class PauseOptions:
    """How pauses are measured.

    Attributes:
        min_pause_s: a silence between two words at least this long is a pause (0.5 s: shorter
            silences are part of normal phrasing).
        long_pause_s: a pause at least this long reads as a stall and is listed with its time (2 s).
        max_word_s: a single word longer than this is a transcription gap, not speech (2 s).
    """

    min_pause_s: float = 0.5
    long_pause_s: float = 2.0
    max_word_s: float = 2.0


@dataclass(frozen=True)
class Pause:
    """A silence between two words: ``start_s`` is where the word before ends."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Gap:
    """A word Whisper stretched over ``duration_s``: the speech inside it was not transcribed."""

    start_s: float
    end_s: float
    text: str

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class PauseResult:
    """Pause statistics.

    Attributes:
        count: pauses of at least ``min_pause_s``.
        total_s: their summed length.
        longest_s: the longest pause (0 if none).
        long_pauses: pauses of at least ``long_pause_s``, in time order.
        pauses: every counted pause.
        gaps: transcription gaps, excluded from pause and speaking time.
        min_pause_s / long_pause_s: the thresholds used.
    """

    count: int
    total_s: float
    longest_s: float
    long_pauses: tuple[Pause, ...]
    pauses: tuple[Pause, ...]
    gaps: tuple[Gap, ...]
    min_pause_s: float
    long_pause_s: float

    @property
    def gap_total_s(self) -> float:
        return sum(g.duration_s for g in self.gaps)


def is_gap(word: Word, options: PauseOptions = PauseOptions()) -> bool:
    return word.duration_s > options.max_word_s


def analyse_pauses(words: list[Word], options: PauseOptions = PauseOptions()) -> PauseResult:
    words = sorted(words, key=lambda w: w.start_s)
    gaps = tuple(Gap(w.start_s, w.end_s, w.text.strip()) for w in words if is_gap(w, options))
    pauses: list[Pause] = []
    for a, b in zip(words, words[1:]):
        if is_gap(a, options) or is_gap(b, options):
            continue
        silence = b.start_s - a.end_s
        if silence >= options.min_pause_s:
            pauses.append(Pause(a.end_s, b.start_s))
    longs = tuple(p for p in pauses if p.duration_s >= options.long_pause_s)
    return PauseResult(
        count=len(pauses),
        total_s=sum(p.duration_s for p in pauses),
        longest_s=max((p.duration_s for p in pauses), default=0.0),
        long_pauses=longs,
        pauses=tuple(pauses),
        gaps=gaps,
        min_pause_s=options.min_pause_s,
        long_pause_s=options.long_pause_s,
    )
