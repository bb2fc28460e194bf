"""Speech recognition: the Transcript dataclasses, model resolution, and the Whisper engine."""

from voicecoach.asr.types import Segment, Transcript, TranscriptionOptions, Word

__all__ = ["Segment", "Transcript", "TranscriptionOptions", "Word"]
