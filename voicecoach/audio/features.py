"""Frame tracks of a recording: pitch (YIN) and level, in numpy.

YIN (de Cheveigné & Kawahara 2002, "YIN, a fundamental frequency estimator for speech and music",
JASA 111(4)) follows librosa's ``librosa.yin`` step by step (difference function through the FFT,
cumulative-mean normalisation, first trough under a threshold, parabolic interpolation). It is
written here rather than imported: librosa brings numba, llvmlite, scipy and scikit-learn (about
400 MB) and compiles on its first call; the measurements that decided this are in docs/delivery.md.
Unlike ``librosa.yin`` each frame also says whether it is voiced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOP_S = 0.01  # one frame every 10 ms, as Praat's default for a 75-Hz floor (0.75 / floor)


@dataclass(frozen=True)
class PitchOptions:
    """How the pitch track is made.

    Attributes:
        fmin_hz / fmax_hz: the search range (60-500 Hz covers adult speaking voices, low male to high
            female; Praat's default floor is 75 Hz).
        frame_s: analysis frame (64 ms holds two periods of 60 Hz, as YIN needs).
        trough: the period is the first trough of the normalised difference below this (YIN's
            absolute threshold; 0.1 as in the paper and librosa), else the deepest one.
        aperiodicity: a frame is voiced when that trough is below this (0.4: measured against
            Praat's voicing on the real recordings, docs/delivery.md).
        silence: and its peak amplitude is at least this share of the recording's (Praat's
            "silence threshold", 0.03).
    """

    fmin_hz: float = 60.0
    fmax_hz: float = 500.0
    frame_s: float = 0.064
    trough: float = 0.1
    aperiodicity: float = 0.4
    silence: float = 0.03


@dataclass(frozen=True)
class Tracks:
    """Per-frame tracks of one recording, every ``hop_s`` from 0 (frame i is centred at i * hop_s).

    Attributes:
        f0_hz: fundamental frequency, NaN where the frame is not voiced.
        level_db: RMS level of the frame in dBFS (-120 for digital silence).
        clipped_s: start times of runs of 3 or more samples at full scale.
    """

    hop_s: float
    f0_hz: np.ndarray
    level_db: np.ndarray
    clipped_s: tuple[float, ...] = ()

    def times(self) -> np.ndarray:
        return np.arange(len(self.f0_hz)) * self.hop_s


def _frames(x: np.ndarray, length: int, hop: int) -> np.ndarray:
    padded = np.pad(x, (length // 2, length // 2))
    n = 1 + (len(padded) - length) // hop if len(padded) >= length else 0
    return np.lib.stride_tricks.sliding_window_view(padded, length)[::hop][:n]


def yin(samples: np.ndarray, rate: int = 16000, options: PitchOptions = PitchOptions(),
        hop_s: float = HOP_S, block: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(f0 in Hz, aperiodicity) per frame; f0 is the YIN estimate whether or not the frame is voiced."""
    x = np.asarray(samples, dtype=np.float64)
    length = int(round(options.frame_s * rate))
    win = length // 2
    hop = int(round(hop_s * rate))
    tau_min = max(1, int(np.floor(rate / options.fmax_hz)))
    tau_max = min(int(np.ceil(rate / options.fmin_hz)), win - 1)
    frames = _frames(x, length, hop)
    f0 = np.full(len(frames), np.nan)
    ap = np.ones(len(frames))
    taus = np.arange(1, tau_max + 1)
    for s in range(0, len(frames), block):  # in blocks: a 10-minute answer in one go is ~2 GB of float64
        fr = frames[s:s + block]
        a = np.fft.rfft(fr, length, axis=1)
        b = np.fft.rfft(fr[:, win:0:-1], length, axis=1)
        acf = np.fft.irfft(a * b, length, axis=1)[:, win:]
        acf[np.abs(acf) < 1e-6] = 0
        energy = np.cumsum(fr ** 2, axis=1)
        energy = energy[:, win:] - energy[:, :-win]
        energy[np.abs(energy) < 1e-6] = 0
        diff = energy[:, :1] + energy - 2 * acf
        cmean = np.cumsum(diff[:, 1:tau_max + 1], axis=1) / taus
        d = diff[:, tau_min:tau_max + 1] / (cmean[:, tau_min - 1:tau_max] + np.finfo(float).tiny)
        # parabolic interpolation of each trough
        shift = np.zeros_like(d)
        c, l, r = d[:, 1:-1], d[:, :-2], d[:, 2:]
        den = l + r - 2 * c
        with np.errstate(divide="ignore", invalid="ignore"):
            shift[:, 1:-1] = np.where(np.abs(den) > 0, 0.5 * (l - r) / den, 0.0)
        shift = np.clip(shift, -1, 1)
        trough = np.zeros_like(d, dtype=bool)
        trough[:, 1:-1] = (c <= l) & (c < r)
        trough[:, 0] = d[:, 0] < d[:, 1]
        below = trough & (d < options.trough)
        first = np.where(below.any(axis=1), np.argmax(below, axis=1), np.argmin(d, axis=1))
        rows = np.arange(len(d))
        period = tau_min + first + shift[rows, first]
        f0[s:s + block] = rate / period
        ap[s:s + block] = d[rows, first]
    return f0, ap


def tracks(samples: np.ndarray, rate: int = 16000, options: PitchOptions = PitchOptions(),
           hop_s: float = HOP_S) -> Tracks:
    """Pitch, level and clipping of a mono recording (float samples in [-1, 1])."""
    x = np.asarray(samples, dtype=np.float64)
    if not len(x):
        return Tracks(hop_s, np.zeros(0), np.zeros(0))
    f0, ap = yin(x, rate, options, hop_s)
    length, hop = int(round(options.frame_s * rate)), int(round(hop_s * rate))
    frames = _frames(x, length, hop)[:len(f0)]
    peak = np.abs(frames).max(axis=1)
    rms = np.sqrt((frames ** 2).mean(axis=1))
    level = 20 * np.log10(np.maximum(rms, 1e-6))
    voiced = (ap < options.aperiodicity) & (peak >= options.silence * np.abs(x).max())
    voiced &= (f0 >= options.fmin_hz) & (f0 <= options.fmax_hz)
    return Tracks(hop_s, np.where(voiced, f0, np.nan), level, clipping(x, rate))


def clipping(x: np.ndarray, rate: int = 16000, run: int = 3, full: float = 32767 / 32768) -> tuple[float, ...]:
    """Start times of runs of ``run`` or more consecutive samples at full scale (Audacity's "Find
    Clipping" flags 3 in a row by default), at most one per 0.5 s."""
    hot = np.abs(x) >= full
    if not hot.any():
        return ()
    edges = np.diff(np.concatenate([[0], hot.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out: list[float] = []
    for s, e in zip(starts, ends):
        if e - s >= run and (not out or s / rate - out[-1] >= 0.5):
            out.append(s / rate)
    return tuple(out)
