"""Speech Whisper passed over, transcribed again on its own, and words said into silence, dropped.

Whisper can jump its timestamps past speech: under the verbatim prompt, without the previous
window's text, base skipped 59.8-73.9 s of the 203-s lecture (bare faster-whisper alike). Each
stretch of at least UNTRANSCRIBED_S where Silero hears speech and no word lies is decoded on its own
(a short window Whisper reads through), and the words the first pass does not already have are put
in place (``new_words``). In the 3:13 answer of tests/test_long_answer.py it restores 12 s of speech
(docs/performance.md, "What each piece of the ASR layer buys").
"""

from __future__ import annotations

import logging

import numpy as np

from voicecoach.asr.types import Segment, Word
from voicecoach.audio.load import SAMPLE_RATE

log = logging.getLogger("voicecoach")

SILENCE_DBFS = -55.0  # a word whose every 30-ms frame is quieter than this was said in silence
UNTRANSCRIBED_S = 2.0  # speech with no word in it for this long is transcribed again
REFILL_PAD_S = 0.3  # audio either side of a stretch transcribed again
SPEECH_JOIN_S = 0.5  # Silero's speech spans closer than this are one stretch
OVERLAP_TOLERANCE_S = 0.05  # a refilled word whose middle is this close to a first-pass word is that word


def untranscribed(
    spans: list[tuple[float, float]], words: list[tuple[float, float]], min_s: float = UNTRANSCRIBED_S
) -> list[tuple[float, float]]:
    """Stretches of speech (Silero's ``spans``, joined across gaps under SPEECH_JOIN_S) that no word
    (``words``: start, end) covers for at least ``min_s``. Times in seconds, sorted."""
    joined: list[list[float]] = []
    for a, b in sorted(spans):
        if joined and a - joined[-1][1] < SPEECH_JOIN_S:
            joined[-1][1] = max(joined[-1][1], b)
        else:
            joined.append([a, b])
    covered = sorted(words)
    out = []
    for a, b in joined:
        t = a
        for w0, w1 in covered:
            if w1 <= t or w0 >= b:
                continue
            if w0 - t >= min_s:
                out.append((t, w0))
            t = max(t, w1)
        if b - t >= min_s:
            out.append((t, b))
    return out


def new_words(refilled: list, first_pass: list[tuple[float, float]]) -> list:
    """The refilled words (``.start_s``, ``.end_s``) the first pass does not have: none whose middle
    lies on a first-pass word (start, end), give or take OVERLAP_TOLERANCE_S. A refill's window is
    padded, and Whisper can read on past the stretch into words the first pass wrote (seen: "say. I'm
    not saying" twice at a window's edge); those would be counted twice."""
    out = []
    for w in refilled:
        mid = (w.start_s + w.end_s) / 2
        if not any(a - OVERLAP_TOLERANCE_S <= mid <= b + OVERLAP_TOLERANCE_S for a, b in first_pass):
            out.append(w)
    return out


class Loudness:
    """Which 30-ms frames of a piece are louder than SILENCE_DBFS, computed once for the piece."""

    def __init__(self, samples):
        from voicecoach.audio.levels import FRAME_S, frame_dbfs

        self.frame_s = FRAME_S
        self.loud = frame_dbfs(samples, FRAME_S) > SILENCE_DBFS

    def audible(self, start_s: float, end_s: float) -> bool:
        """Is any frame of the span loud? Whisper can repeat earlier text into a long silence; such
        words sit in near-silent audio."""
        a = max(int(start_s / self.frame_s), 0)
        return bool(self.loud[a : max(a + 1, int(np.ceil(end_s / self.frame_s)))].any())


def heard_words(segment, shift_s: float, level: Loudness | None, level_shift_s: float = 0.0) -> tuple[Word, ...]:
    """faster-whisper's words of ``segment``, ``shift_s`` later, without those said into silence
    (``level``'s frames start ``level_shift_s`` before the segment's times)."""
    return tuple(
        Word(
            text=w.word.strip(),
            start_s=round(shift_s + float(w.start), 3),
            end_s=round(shift_s + float(w.end), 3),
            probability=round(float(w.probability), 4),
        )
        for w in (segment.words or [])
        if w.word.strip()
        and (level is None or level.audible(level_shift_s + float(w.start), level_shift_s + float(w.end)))
    )


def refill(transcribe, piece, offset_s: float, spans, words, level: Loudness | None) -> list[Segment]:
    """Segments for the stretches of ``piece`` (Silero's ``spans`` in it) that none of ``words``
    (the first pass's, in the recording's time) covers; ``transcribe(samples)`` is the
    transcriber's faster-whisper call."""
    out = []
    near = [(w.start_s - offset_s, w.end_s - offset_s) for w in words]
    for a_s, b_s in untranscribed(spans, near):
        lo = max(0, int((a_s - REFILL_PAD_S) * SAMPLE_RATE))
        hi = min(len(piece), int((b_s + REFILL_PAD_S) * SAMPLE_RATE))
        shift = lo / SAMPLE_RATE
        for seg in transcribe(piece[lo:hi]):
            ws = tuple(
                Word(w.text, round(offset_s + w.start_s, 3), round(offset_s + w.end_s, 3), w.probability)
                for w in new_words(heard_words(seg, shift, level, shift), near)
            )
            if ws:
                out.append(
                    Segment(text=" ".join(w.text for w in ws), start_s=ws[0].start_s, end_s=ws[-1].end_s, words=ws)
                )
        log.info(
            "re-transcribed %.1f-%.1f s, which Whisper had passed over: %d word(s)",
            offset_s + a_s,
            offset_s + b_s,
            sum(len(x.words) for x in out),
        )
    return out
