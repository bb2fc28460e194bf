"""Recover the "um" and "uh" that Whisper heard but did not write.

Input: the hesitation cues of the transcript (voicecoach.asr.probe: at each word boundary, the
decoder's probability that a hesitation comes next, read after a disfluent previous text) and the
recording's samples. A cue becomes a filler, reported as "um/uh" with source "heard", when the next
word is not a written hesitation (there the probability is that filler's own: the probe feeds the
written text) and

- where the written words leave a gap of at least ``min_gap_s`` (0.25 s): the probability is at
  least ``min_probability`` (0.15) and something is audible in the gap (its loudest 30-ms frame,
  50 ms clear of the words, is ``min_above_floor_db`` over the recording's noise floor, where
  stretches of digital silence do not count -- a silent pause is not an "um"). Measured on the
  real recordings in docs/probe.md's table: where a hesitation was spoken between sentences the
  probability is 0.46-0.95, after a cut-off word or at the end of a run 0.17-0.26, while laughter,
  breaths, cut-off words and silent pauses score 0.19 at most and mostly under 0.04;
- where the words touch: the probability is at least ``no_gap_probability`` (0.3). Whisper then
  has stretched a neighbouring word over the filler (mfa_uhuh: six "uh" spoken, four written and
  stretched over the others; after the fourth, 0.50 before "forced"), while two touching words read
  fast score up to 0.13 ("but there's" in mfa_english_fast) and every other boundary in clean read
  speech 0.022 at most.

The probabilities are the probing model's own. tiny.en's run higher where no hesitation was spoken
(after a written "uh", over a breath: 0.16-0.45 on the real recordings), so in a gap it needs 0.5
(MIN_PROBABILITY_FOR_MODEL; on the 27 recordings 4 of its 9 false hesitations go and no true one,
and chosen on the other files for each file held out, 0.5 won for all 27).

Overlapping cues (the last boundary of one 30-s window and the first of the next) count once, and
so do two cues at the same instant. Heard gaps that meet, with no word or only words Whisper gave
no duration between them, are one stretch of audio and count once (``_one_per_stretch``).
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.analysis.fillers import HEARD, HESITATION, Filler, is_hesitation
from voicecoach.asr.types import Transcript
from voicecoach.audio.levels import FRAME_S, frame_dbfs, noise_floor_db

RECOVERED_TEXT = "um/uh"
EDGE_S = 0.05
ZERO_LENGTH_S = 0.02  # a word shorter than this has no audio of its own (Whisper could not place it)
DEFAULT_MIN_PROBABILITY = 0.15
MIN_PROBABILITY_FOR_MODEL = {"tiny.en": 0.5}  # by the model's name as voicecoach knows it (--model)


@dataclass(frozen=True)
class RecoveryOptions:
    """When a hesitation cue counts as a filler (see the module docstring for the measurements).

    Attributes:
        enabled: recover fillers at all.
        min_gap_s: a boundary where the written words leave at least this much time is a gap...
        min_probability: ...where the probe's probability of a hesitation must be at least this
            (None: the transcribing model's own bar, see ``probability_bar``)
        min_above_floor_db: ...and the gap's loudest frame this much above the recording's noise
            floor (its 10th-percentile 30-ms frame, not counting digital silence).
        no_gap_probability: between touching words, the probability must be at least this.
        skip_after_written: no cue right after a written hesitation counts. There the probe's
            probability measures the run Whisper already wrote as much as the audio (after a
            written "uh" a second one is always likely).
    """

    enabled: bool = True
    min_gap_s: float = 0.25
    min_probability: float | None = None
    min_above_floor_db: float = 6.0
    no_gap_probability: float = 0.3
    skip_after_written: bool = False

    def probability_bar(self, model: str) -> float:
        """The probability a cue in a gap needs, for a transcript made by ``model``."""
        if self.min_probability is not None:
            return self.min_probability
        return MIN_PROBABILITY_FOR_MODEL.get(model, DEFAULT_MIN_PROBABILITY)


def recover_hesitations(transcript: Transcript, samples, options: RecoveryOptions = RecoveryOptions()) -> list[Filler]:
    """Hesitations heard at the transcript's cues but not written, in time order."""
    import numpy as np

    if not options.enabled or not transcript.cues:
        return []
    db = frame_dbfs(samples, FRAME_S)
    floor = noise_floor_db(db)
    if floor is None:
        return []
    bar = options.probability_bar(transcript.model)
    words = transcript.words
    starts = {round(w.start_s, 3): w for w in words}
    ends = {round(w.end_s, 3): w for w in words}
    chosen = []
    for cue in sorted(transcript.cues, key=lambda c: -c.probability):
        end = min(cue.end_s, transcript.duration_s)
        after = starts.get(round(cue.end_s, 3))
        if after and is_hesitation(after.text):
            continue
        before = ends.get(round(cue.start_s, 3))
        if options.skip_after_written and before and is_hesitation(before.text):
            continue
        if end - cue.start_s >= options.min_gap_s:
            if cue.probability < bar:
                continue
            # frames wholly inside the gap, EDGE_S clear of the words (whose ends Whisper places loosely)
            a, b = int(np.ceil((cue.start_s + EDGE_S) / FRAME_S)), int((end - EDGE_S) / FRAME_S)
            if b <= a or float(db[a:b].max()) < floor + options.min_above_floor_db:
                continue
        elif cue.probability < options.no_gap_probability:
            continue
        if any(
            (c.start_s < end and cue.start_s < c_end) or (c.start_s, c_end) == (cue.start_s, end)
            for c in chosen
            for c_end in [min(c.end_s, transcript.duration_s)]
        ):
            continue
        chosen.append(cue)
    spans = [(c.start_s, min(c.end_s, transcript.duration_s)) for c in sorted(chosen, key=lambda c: c.start_s)]
    return [
        Filler(text=RECOVERED_TEXT, kind=HESITATION, start_s=a, end_s=b, source=HEARD)
        for a, b in _one_per_stretch(spans)
    ]


def _one_per_stretch(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Join heard spans that no timed word separates: gaps that meet (a segment's end and the next
    one's first word leave two cues in one silence) or are parted only by words Whisper gave no
    duration (words it could not place in the audio). One stretch of audio is one hesitation.
    Measured: mfa_cutoffprogressive, transcribed "Fort forced. oh, oh, Uh," over cut-off words and
    one "hm", gave three heard hesitations in 5.96-7.30 s joined by two zero-length "oh"."""
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a - out[-1][1] < ZERO_LENGTH_S:  # only words without duration fit between
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
