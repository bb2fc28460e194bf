"""Loudness of short frames, in dB relative to full scale (numpy only, no I/O)."""

from __future__ import annotations

FRAME_S = 0.03
SAMPLE_RATE = 16000
BLOCK_FRAMES = 4096
# Frames quieter than this are digital silence (samples of zero: padding, a muted start), not the
# room: 16-bit audio's quietest real noise (one step of the last bit) is about -100 dBFS.
DIGITAL_SILENCE_DBFS = -110.0


def frame_dbfs(samples, frame_s: float = FRAME_S, sample_rate: int = SAMPLE_RATE):
    """Mean-square level of each whole ``frame_s`` frame, in dBFS (a numpy array)."""
    import numpy as np

    n = int(frame_s * sample_rate)
    x = np.asarray(samples)
    frames = x[: len(x) // n * n].reshape(-1, n)
    power = np.empty(len(frames))
    # in blocks: the float64 copy of an hour's samples in one piece is 460 MB, and its square as much
    for a in range(0, len(frames), BLOCK_FRAMES):
        block = frames[a : a + BLOCK_FRAMES].astype(np.float64)
        power[a : a + BLOCK_FRAMES] = np.mean(block**2, axis=1)
    return 10 * np.log10(power + 1e-12)


def noise_floor_db(db) -> float | None:
    """A recording's noise floor: the 10th percentile of its frame levels (``frame_dbfs``), not
    counting digital silence, which would put the floor at -120 dBFS and make every breath "loud".
    None when there is no frame at all; the lowest level when everything is digital silence."""
    import numpy as np

    db = np.asarray(db)
    if not len(db):
        return None
    room = db[db > DIGITAL_SILENCE_DBFS]
    return float(np.percentile(room, 10)) if len(room) else float(db.min())
