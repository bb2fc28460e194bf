"""Playing audio through a speaker, in short chunks so Ctrl-C and a progress callback work."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from voicecoach.audio.devices import DeviceError, sounddevice
from voicecoach.audio.load import SAMPLE_RATE

CHUNK_S = 0.1
# PortAudio's default output buffer on PulseAudio is 35 ms: a model loading in another thread can hold
# the GIL longer than that between two writes, and the speaker underruns (a click, a gap, and an ALSA
# message). A longer buffer absorbs that. Stopping the stream does not wait for PulseAudio to play all
# of it, so the sound is followed by one buffer of silence: the sound itself is heard to its end before
# play() returns (before the recording starts, after the question).
LATENCY_S = 0.3


def play(
    samples: np.ndarray,
    rate: int = SAMPLE_RATE,
    device: int | None = None,
    start_s: float = 0.0,
    on_position: Callable[[float], bool | None] | None = None,
) -> float:
    """Play mono ``samples`` from ``start_s``; ``on_position(seconds)`` after each chunk may return
    True to stop. Returns the position reached. The device is released in ``finally``."""
    sd = sounddevice()
    pos = int(start_s * rate)
    step = int(CHUNK_S * rate)
    try:
        stream = sd.OutputStream(samplerate=rate, channels=1, dtype="float32", device=device, latency=LATENCY_S)
        stream.start()
    except (sd.PortAudioError, ValueError) as e:
        raise DeviceError(f"cannot open the speaker ({e}); see `voicecoach devices`") from e
    try:
        while pos < len(samples):
            block = np.ascontiguousarray(samples[pos : pos + step], dtype=np.float32)
            stream.write(block.reshape(-1, 1))
            pos += len(block)
            if on_position and on_position(pos / rate):
                break
        else:
            stream.write(np.zeros((int(LATENCY_S * rate), 1), dtype=np.float32))
    finally:
        stream.stop()
        stream.close()
    return pos / rate


def beep(rate: int = SAMPLE_RATE, freq_hz: float = 880.0, seconds: float = 0.15) -> np.ndarray:
    """A short start cue with soft edges (no click)."""
    t = np.arange(int(rate * seconds)) / rate
    env = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)
    return (0.3 * np.sin(2 * np.pi * freq_hz * t) * env).astype(np.float32)
