"""Where two hosts part in reproducible mode: a hash of each stage of one 30-s window.

    .venv/bin/python scripts/numerics_stages.py [--audio FILE] [--model base] [--threads 2]

Reproducible mode (voicecoach.numerics) on, it hashes the window's log-mel spectrogram (as voicecoach
computes it: engine.FixedOrderFeatures) and the encoder's output (CTranslate2). Run it on two hosts
(or under `qemu-x86_64 -cpu NAME`, about half an hour for tiny.en) and compare the lines: the first
that differs is where the paths part (docs/reproducibility.md, Intel CPUs).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from voicecoach import numerics

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--audio", type=Path, default=ROOT / "tests" / "data" / "whisper_jfk.flac")
    ap.add_argument("--model", default="base", help="a registry name (tiny.en is quicker under emulation)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    numerics.use(numerics.REPRODUCIBLE)  # (before numpy and CTranslate2 start)
    import ctranslate2
    import numpy as np
    from faster_whisper.feature_extractor import FeatureExtractor

    from voicecoach.asr.engine import FixedOrderFeatures
    from voicecoach.audio import load
    from voicecoach.models import resolve

    def digest(x) -> str:
        return hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()[:12]

    frames = 3000  # one 30-s window
    mel = FixedOrderFeatures(FeatureExtractor(feature_size=80))(load(a.audio).samples)[:, :frames]
    mel = np.pad(mel, ((0, 0), (0, frames - mel.shape[1]))).astype(np.float32)
    print(f"log-mel {mel.shape}: {digest(mel)}", flush=True)
    path = resolve(a.model).path
    model = ctranslate2.models.Whisper(path, device="cpu", compute_type="int8", intra_threads=a.threads)
    encoded = np.array(model.encode(ctranslate2.StorageView.from_array(mel[None])))
    print(f"encoder {encoded.shape}: {digest(encoded)}", flush=True)
    print(f"({numerics.active()} mode, {a.model}, {a.threads} threads, {sys.platform})")


if __name__ == "__main__":
    main()
