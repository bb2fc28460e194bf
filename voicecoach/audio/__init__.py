"""Audio in and out: decoding any recording to 16 kHz mono float32."""

from voicecoach.audio.load import SAMPLE_RATE, Audio, load

__all__ = ["SAMPLE_RATE", "Audio", "load"]
