"""Loudness of short frames, in dB relative to full scale (numpy only, no I/O)."""

from __future__ import annotations

FRAME_S = 0.03
SAMPLE_RATE = 16000


def frame_dbfs(samples, frame_s: float = FRAME_S, sample_rate: int = SAMPLE_RATE):
    """Mean-square level of each whole ``frame_s`` frame, in dBFS (a numpy array)."""
    import numpy as np

    n = int(frame_s * sample_rate)
    x = np.asarray(samples)
    frames = x[: len(x) // n * n].reshape(-1, n).astype(np.float64)
    return 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
