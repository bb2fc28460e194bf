"""Loudness of short frames, in dB relative to full scale (numpy only, no I/O)."""

from __future__ import annotations

FRAME_S = 0.03
SAMPLE_RATE = 16000
BLOCK_FRAMES = 4096


def frame_dbfs(samples, frame_s: float = FRAME_S, sample_rate: int = SAMPLE_RATE):
    """Mean-square level of each whole ``frame_s`` frame, in dBFS (a numpy array)."""
    import numpy as np

    n = int(frame_s * sample_rate)
    x = np.asarray(samples)
    frames = x[: len(x) // n * n].reshape(-1, n)
    power = np.empty(len(frames))
    # in blocks: the float64 copy of an hour's samples in one piece is 460 MB, and its square as much
    for a in range(0, len(frames), BLOCK_FRAMES):
        block = frames[a:a + BLOCK_FRAMES].astype(np.float64)
        power[a:a + BLOCK_FRAMES] = np.mean(block ** 2, axis=1)
    return 10 * np.log10(power + 1e-12)
