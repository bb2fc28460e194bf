"""The report's model: what voicecoach says about one answer (``Report``), its tips and notices,
the weights of its parts, and the version of its stored form.

Scoring (voicecoach.analysis.score) makes a Report; the stored form (voicecoach.schema.report),
the views (voicecoach.render) and the sessions read it. This module imports nothing of theirs
but the analysers' result types (for annotations only), so each of those imports it one way (docs/architecture.md,
The layers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicecoach import __version__

if TYPE_CHECKING:  # (only for the annotations: the CLI reads SCHEMA_VERSION before numpy may load)
    from voicecoach.analysis.delivery import DeliveryResult
    from voicecoach.analysis.fillers import FillerResult
    from voicecoach.analysis.language import LanguageResult
    from voicecoach.analysis.length import LengthResult
    from voicecoach.analysis.pace import PaceResult
    from voicecoach.analysis.pauses import PauseResult
    from voicecoach.analysis.rubric import RubricResult
    from voicecoach.asr.types import Transcript
    from voicecoach.questions import Question

# The overall score is the weighted mean of the part scores (voicecoach.analysis.score.part_scores);
# the rubric counts most, as the content of an answer does for an interviewer.
WEIGHTS = {"coverage": 35, "fillers": 20, "length": 15, "pace": 15, "pauses": 15}
SCHEMA_VERSION = "1.6"  # voicecoach/schema/report-<SCHEMA_VERSION>.json describes the stored form


@dataclass(frozen=True)
class Tip:
    """One piece of advice. ``priority`` is the points it could win back (higher first)."""

    text: str
    area: str
    priority: float
    at_s: float | None = None


NO_SPEECH, NOT_ENGLISH, TRANSCRIPTION_GAP = "no-speech", "not-english", "transcription-gap"


@dataclass(frozen=True)
class Notice:
    """A plain statement about the input. ``code`` (NO_SPEECH, NOT_ENGLISH, TRANSCRIPTION_GAP) lets
    a caller add its own hint (the CLI names the option or command that helps); ``text`` is the
    statement itself and names no command."""

    code: str
    text: str


@dataclass(frozen=True)
class Report:
    """Everything voicecoach says about one answer (its stored form: voicecoach.schema.report).

    Attributes:
        question: the question answered.
        transcript: the transcription with word timings.
        length / pace / fillers / pauses / rubric: the analysers' results (None when not scored).
        parts: the part scores 0-100 by name (see WEIGHTS); empty when not scored.
        score: overall 0-100, or None when the recording could not be scored.
        tips: 3-5 tips, most valuable first.
        notices: statements about the input (``Notice``: "No speech was detected ...").
        audio_path / model: provenance.
        numerics: how the numbers were computed, "reproducible" or "native" (voicecoach.numerics).
        live: transcribed while the answer was recorded (voicecoach.asr.live), piece by piece as
            `voicecoach score` transcribes the saved file.
        delivery: how it sounded (pitch, level, trailing off); None without the audio's tracks.
        wording: hedges, repetitions, weak opening and ending, numbers, STAR, "I" and "we"
            (analysis.language; not ``transcript.language``, the language it was transcribed in).
    """

    question: Question
    transcript: Transcript
    length: LengthResult
    pace: PaceResult | None
    fillers: FillerResult | None
    pauses: PauseResult | None
    rubric: RubricResult | None
    parts: dict[str, float]
    score: float | None
    tips: tuple[Tip, ...]
    notices: tuple[Notice, ...] = ()
    audio_path: str | None = None
    model: str = ""
    numerics: str = "native"
    live: bool = False
    delivery: DeliveryResult | None = None
    wording: LanguageResult | None = None
    schema_version: str = SCHEMA_VERSION
    voicecoach_version: str = __version__

    @property
    def not_scored_because(self) -> Notice | None:
        """Why the recording was not scored (None when it was scored)."""
        if self.score is not None:
            return None
        return self.notices[0] if self.notices else Notice(NO_SPEECH, "no speech")

    @property
    def why_not_scored(self) -> str | None:
        """Why the recording was not scored, on one line (None when it was scored)."""
        n = self.not_scored_because
        return None if n is None else " ".join(n.text.split())
