"""Recover the "um" and "uh" that Whisper heard but did not write.

Input: the hesitation cues of the transcript (voicecoach.asr.probe: at each word boundary, the
decoder's probability that a hesitation comes next) and the recording's samples. A cue becomes a
filler, reported as "um/uh" with source "heard", when

- the probability is at least ``min_probability`` (0.005: on the real recordings in the README's
  table, clean read speech never exceeds 0.001 and laughter, breaths and cut-off words stay below
  that, while 12 of the 14 spoken hesitations between two written words score 0.008-0.08);
- the written words leave a gap of at least ``min_gap_s`` there (a hesitation takes time; a high
  probability between two touching words is the model guessing, as in "but there's" read fast,
  p = 0.30) -- unless the model is more sure than not, ``no_gap_probability`` (0.5): then Whisper
  has stretched a neighbouring word over the filler (mfa_uhuh: six "uh" spoken, four written and
  stretched over the others; after the fourth, p = 0.58 before "forced"). A word longer than
  ``max_word_s`` (2 s, the transcription gap of voicecoach.analysis.pauses) is such a stretch by
  itself: a boundary next to one is treated as a gap (the "hm" inside a "lot" timed at 2.3 s in
  mfa_cutoffprogressive, p = 0.015);
- something is audible in the gap: its loudest 30-ms frame (50 ms clear of the words) is
  ``min_above_floor_db`` over the recording's noise floor (a silent pause is not an "um"); with no
  gap there is nothing apart from the words to listen to, and the probability decides alone;
- the next word is not a written hesitation: there the probability is that filler's own (the
  probe feeds the written text, so the boundary before a written "um" predicts that "um");
- after a written hesitation the bar is ``min_probability_after_filler`` (0.05): the model expects
  another filler after one. Measured: where one filler was spoken, the boundary after it scores
  0.018 at most (below 0.001 after both "um" in mfa_crossword); after a run the speaker went on
  with ("uh um uh hm hm um"), 0.11.

Overlapping cues (the last boundary of one 30-s window and the first of the next) count once, and
so do two cues at the same instant.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.analysis.fillers import HEARD, HESITATION, Filler, is_hesitation
from voicecoach.analysis.pauses import PauseOptions
from voicecoach.asr.types import Transcript
from voicecoach.audio.levels import FRAME_S, frame_dbfs

RECOVERED_TEXT = "um/uh"
EDGE_S = 0.05


@dataclass(frozen=True)
class RecoveryOptions:
    """When a hesitation cue counts as a filler (see the module docstring for the measurements).

    Attributes:
        enabled: recover fillers at all.
        min_probability: the decoder's probability of a hesitation at the boundary.
        min_probability_after_filler: the same, right after a written hesitation.
        min_gap_s: the written words must leave at least this much time there...
        no_gap_probability: ...unless the probability is at least this.
        max_word_s: a word longer than this hides speech (a transcription gap): a boundary next to
            it counts as a gap.
        min_above_floor_db: the gap's loudest frame above the recording's noise floor (its
            10th-percentile 30-ms frame).
    """

    enabled: bool = True
    min_probability: float = 0.005
    min_probability_after_filler: float = 0.05
    min_gap_s: float = 0.25
    no_gap_probability: float = 0.5
    max_word_s: float = PauseOptions.max_word_s
    min_above_floor_db: float = 6.0


def recover_hesitations(transcript: Transcript, samples, options: RecoveryOptions = RecoveryOptions()) -> list[Filler]:
    """Hesitations heard at the transcript's cues but not written, in time order."""
    import numpy as np

    if not options.enabled or not transcript.cues:
        return []
    db = frame_dbfs(samples, FRAME_S)
    if not len(db):
        return []
    floor = float(np.percentile(db, 10))
    words = transcript.words
    starts = {round(w.start_s, 3): w for w in words}
    ends = {round(w.end_s, 3): w for w in words}
    chosen = []
    for cue in sorted(transcript.cues, key=lambda c: -c.probability):
        end = min(cue.end_s, transcript.duration_s)
        before, after = ends.get(round(cue.start_s, 3)), starts.get(round(cue.end_s, 3))
        if after and is_hesitation(after.text):
            continue
        bar = options.min_probability_after_filler if before and is_hesitation(before.text) else options.min_probability
        if cue.probability < bar:
            continue
        if end - cue.start_s < options.min_gap_s:
            stretched = any(w and w.end_s - w.start_s > options.max_word_s for w in (before, after))
            if not stretched and cue.probability < options.no_gap_probability:
                continue
        else:
            # frames wholly inside the gap, EDGE_S clear of the words (whose ends Whisper places loosely)
            a, b = int(np.ceil((cue.start_s + EDGE_S) / FRAME_S)), int((end - EDGE_S) / FRAME_S)
            if b <= a or float(db[a:b].max()) < floor + options.min_above_floor_db:
                continue
        if any((c.start_s < end and cue.start_s < c_end) or (c.start_s, c_end) == (cue.start_s, end)
               for c in chosen for c_end in [min(c.end_s, transcript.duration_s)]):
            continue
        chosen.append(cue)
    return [Filler(text=RECOVERED_TEXT, kind=HESITATION, start_s=c.start_s,
                   end_s=min(c.end_s, transcript.duration_s), source=HEARD)
            for c in sorted(chosen, key=lambda c: c.start_s)]
