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

from voicecoach.audio.load import SAMPLE_RATE

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


def _yin_frames(frames: np.ndarray, rate: int, options: PitchOptions) -> tuple[np.ndarray, np.ndarray]:
    """(f0 in Hz, aperiodicity) of each frame (a row); f0 is the YIN estimate, voiced or not."""
    length = frames.shape[1]
    win = length // 2
    tau_min = max(1, int(np.floor(rate / options.fmax_hz)))
    tau_max = min(int(np.ceil(rate / options.fmin_hz)), win - 1)
    if not len(frames):
        return np.zeros(0), np.zeros(0)
    taus = np.arange(1, tau_max + 1)
    a = np.fft.rfft(frames, length, axis=1)
    b = np.fft.rfft(frames[:, win:0:-1], length, axis=1)
    acf = np.fft.irfft(a * b, length, axis=1)[:, win:]
    acf[np.abs(acf) < 1e-6] = 0
    energy = np.cumsum(frames**2, axis=1)
    energy = energy[:, win:] - energy[:, :-win]
    energy[np.abs(energy) < 1e-6] = 0
    diff = energy[:, :1] + energy - 2 * acf
    cmean = np.cumsum(diff[:, 1 : tau_max + 1], axis=1) / taus
    d = diff[:, tau_min : tau_max + 1] / (cmean[:, tau_min - 1 : tau_max] + np.finfo(float).tiny)
    # parabolic interpolation of each trough
    shift = np.zeros_like(d)
    c, lft, rgt = d[:, 1:-1], d[:, :-2], d[:, 2:]
    den = lft + rgt - 2 * c
    with np.errstate(divide="ignore", invalid="ignore"):
        shift[:, 1:-1] = np.where(np.abs(den) > 0, 0.5 * (lft - rgt) / den, 0.0)
    shift = np.clip(shift, -1, 1)
    trough = np.zeros_like(d, dtype=bool)
    trough[:, 1:-1] = (c <= lft) & (c < rgt)
    trough[:, 0] = d[:, 0] < d[:, 1]
    below = trough & (d < options.trough)
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), np.argmin(d, axis=1))
    rows = np.arange(len(d))
    return rate / (tau_min + first + shift[rows, first]), d[rows, first]


class TrackBuilder:
    """Tracks made as the audio arrives (practice feeds it piece by piece while the answer is
    recorded): each frame is computed once its samples are all there, exactly as ``tracks``
    computes it from the whole file. ``finish`` decides voicing, which needs the loudest sample."""

    def __init__(
        self, rate: int = SAMPLE_RATE, options: PitchOptions = PitchOptions(), hop_s: float = HOP_S, block: int = 2000
    ):
        self.rate, self.options, self.hop_s, self.block = rate, options, hop_s, block
        self.length = int(round(options.frame_s * rate))
        self.hop = int(round(hop_s * rate))
        self._x = np.zeros(self.length // 2)  # the signal so far, after the centring pad
        self._offset = 0  # samples of _x dropped from the front (frames before them are done)
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._frames = 0
        self._peak = 0.0
        self._clipped: list[float] = []
        self._tail = np.zeros(0)  # the last samples, for clipping runs across two pieces
        self._seen = 0

    def add(self, samples: np.ndarray) -> None:
        step = 30 * self.rate  # a slice at a time: an hour in float64 at once would be 460 MB, thrice
        for i in range(0, len(samples), step):
            self._add(samples[i : i + step])

    def _add(self, samples: np.ndarray) -> None:
        x = np.asarray(samples, dtype=np.float64)
        if not len(x):
            return
        self._peak = max(self._peak, float(np.abs(x).max()))
        joined = np.concatenate([self._tail, x])
        start = self._seen - len(self._tail)
        for t in clipping(joined, self.rate):
            if not self._clipped or start / self.rate + t - self._clipped[-1] >= 0.5:
                self._clipped.append(round(start / self.rate + t, 6))
        self._tail = joined[-2:]
        self._seen += len(x)
        self._x = np.concatenate([self._x, x])
        self._run(final=False)

    def _run(self, final: bool) -> None:
        x = self._x
        if final:
            x = np.concatenate([x, np.zeros(self.length // 2)])
        avail = (
            1 + (self._offset + len(x) - self.length) // self.hop - self._frames
            if self._offset + len(x) >= self.length
            else 0
        )
        if final and self._seen == 0:
            avail = 0
        while avail > 0:
            n = min(avail, self.block)
            lo = self._frames * self.hop - self._offset
            frames = np.lib.stride_tricks.sliding_window_view(
                x[lo : lo + (n - 1) * self.hop + self.length], self.length
            )[:: self.hop][:n]
            f0, ap = _yin_frames(frames, self.rate, self.options)
            self._parts.append((f0, ap, np.abs(frames).max(axis=1), np.sqrt((frames**2).mean(axis=1))))
            self._frames += n
            avail -= n
        keep = self._frames * self.hop - self._offset  # the samples later frames no longer need
        if keep > 0 and not final:
            self._x = self._x[keep:]
            self._offset += keep

    def finish(self) -> Tracks:
        self._run(final=True)
        if not self._parts:
            return Tracks(self.hop_s, np.zeros(0), np.zeros(0))
        f0, ap, peak, rms = (np.concatenate(c) for c in zip(*self._parts))
        o = self.options
        voiced = (ap < o.aperiodicity) & (peak >= o.silence * self._peak) & (f0 >= o.fmin_hz) & (f0 <= o.fmax_hz)
        level = 20 * np.log10(np.maximum(rms, 1e-6))
        return Tracks(self.hop_s, np.where(voiced, f0, np.nan), level, tuple(self._clipped))


def tracks(
    samples: np.ndarray, rate: int = SAMPLE_RATE, options: PitchOptions = PitchOptions(), hop_s: float = HOP_S
) -> Tracks:
    """Pitch, level and clipping of a mono recording (float samples in [-1, 1])."""
    b = TrackBuilder(rate, options, hop_s)
    b.add(samples)
    return b.finish()


def clipping(x: np.ndarray, rate: int = SAMPLE_RATE, run: int = 3, full: float = 32767 / 32768) -> tuple[float, ...]:
    """Start times of runs of ``run`` or more consecutive samples at full scale (Audacity's "Find
    Clipping" flags 3 in a row by default), at most one per 0.5 s."""
    out: list[float] = []
    for s, e in runs(np.abs(x) >= full):
        if e - s >= run and (not out or s / rate - out[-1] >= 0.5):
            out.append(s / rate)
    return tuple(out)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of True in ``mask``, end exclusive."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))
