"""Compress an answer for a web page: Ogg/Opus through PyAV (FFmpeg's libopus, already in PyAV's wheel).

Opus at 24 kbit/s is clear for speech (its SILK/hybrid modes were built for it). At libopus's
default complexity (10) a 4-minute answer took 3.8 s to encode here, at 5 it takes 0.8 s and comes
out at 0.9 MB instead of 0.74 MB (1.2 MB as base64 in the page): the page must not keep the user
waiting after the report, and it stays far under 3 MB (docs/results/perf-the-html-report.md, HTML report).
"""

from __future__ import annotations

import io

import numpy as np

from voicecoach.audio.load import SAMPLE_RATE

OPUS_BITRATE_BPS = 24_000  # speech; 16 kbit/s starts to sound thin, 32 kbit/s grows the page a third
OPUS_COMPLEXITY = "5"  # libopus 0-10; 10 (its default) is 5x slower here for a fifth less size
FRAME_SAMPLES = 960 * SAMPLE_RATE // 48_000  # 20 ms, Opus's default frame, at our rate


def opus_bytes(samples: np.ndarray, bitrate_bps: int = OPUS_BITRATE_BPS) -> bytes:
    """``samples`` (mono float32 at 16 kHz, as voicecoach.audio.load returns) as an Ogg/Opus file."""
    import av  # heavy: imported here so `voicecoach --help` stays fast

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = bitrate_bps
        stream.options = {"compression_level": OPUS_COMPLEXITY}
        pcm = np.clip(np.asarray(samples, np.float32), -1.0, 1.0)
        for start in range(0, len(pcm), FRAME_SAMPLES * 50):  # 1-s chunks; the encoder frames them
            chunk = pcm[start : start + FRAME_SAMPLES * 50]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()
