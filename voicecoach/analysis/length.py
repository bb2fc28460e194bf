"""Answer length against the question's target window."""

from __future__ import annotations

from dataclasses import dataclass

SHORT, ON_TARGET, LONG, NO_SPEECH = "short", "on target", "long", "no speech"


@dataclass(frozen=True)
class LengthResult:
    """How long the answer ran.

    Attributes:
        answer_s: from the first word's start to the last word's end (silence before and after the
            answer is not counted).
        recording_s: the whole recording.
        target_min_s / target_max_s: the question's window (inclusive at both ends).
        verdict: "short", "on target", "long" or "no speech".
        off_by_s: how far outside the window (0 when on target).
    """

    answer_s: float
    recording_s: float
    target_min_s: float
    target_max_s: float
    verdict: str
    off_by_s: float


def analyse_length(
    answer_s: float, recording_s: float, target_min_s: float, target_max_s: float, has_speech: bool = True
) -> LengthResult:
    if not has_speech:
        verdict, off = NO_SPEECH, target_min_s
    elif answer_s < target_min_s:
        verdict, off = SHORT, target_min_s - answer_s
    elif answer_s > target_max_s:
        verdict, off = LONG, answer_s - target_max_s
    else:
        verdict, off = ON_TARGET, 0.0
    return LengthResult(
        answer_s=answer_s,
        recording_s=recording_s,
        target_min_s=target_min_s,
        target_max_s=target_max_s,
        verdict=verdict,
        off_by_s=off,
    )
