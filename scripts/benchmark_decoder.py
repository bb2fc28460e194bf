"""What Whisper's beam search costs per token here, on real windows, under a few settings.

    .venv/bin/python scripts/benchmark_decoder.py [--configs int8:1:5,int8:2:5] [--patience 1.0]

Each 30-s window of the lecture (every --step s) is encoded once; then each setting
(compute type : decoder threads : beam size) decodes it in turn, the settings alternating, twice
each, with the verbatim prompt as voicecoach gives it (faster-whisper's hotwords) and the options
faster-whisper passes. The second round is timed. Prints, per setting, the time per token written
and in how many windows it wrote the first setting's tokens exactly. Run it on a quiet machine;
read the settings against each other, not the seconds (docs/performance.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import toolbox

ROOT = Path(__file__).resolve().parent.parent
LECTURE = toolbox.LECTURE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--configs", default="int8:1:5,int8:2:5", help="compute:threads:beam, comma-separated")
    ap.add_argument("--patience", default="1.0", help="beam-search patience per setting, comma-separated (one for all)")
    ap.add_argument("--audio", type=Path, default=LECTURE)
    ap.add_argument("--step", type=float, default=30.0, help="seconds between windows' starts")
    a = ap.parse_args()

    import ctranslate2
    import soundfile as sf
    import tokenizers
    from faster_whisper.feature_extractor import FeatureExtractor
    from faster_whisper.tokenizer import Tokenizer

    from voicecoach import models
    from voicecoach.asr.types import VERBATIM_PROMPT

    path = str(models.registry_folder(models.registry()["base"]))
    audio, _ = sf.read(str(a.audio), dtype="float32")
    features = FeatureExtractor(80)
    tok = Tokenizer(tokenizers.Tokenizer.from_file(path + "/tokenizer.json"), True, task="transcribe", language="en")
    prompt = [tok.sot_prev] + tok.encode(" " + VERBATIM_PROMPT) + list(tok.sot_sequence)
    configs = [tuple(c.split(":")) for c in a.configs.split(",")]
    patience = [float(p) for p in a.patience.split(",")]
    patience = patience * len(configs) if len(patience) == 1 else patience
    settings = list(zip(configs, patience))
    loaded = {
        c: ctranslate2.models.Whisper(path, device="cpu", compute_type=c[0], intra_threads=int(c[1])) for c in configs
    }
    seconds = [0.0] * len(settings)
    tokens = [0] * len(settings)
    same = [0] * len(settings)
    windows = 0
    start = 0.0
    while start + 1 < len(audio) / 16000:
        piece = audio[int(start * 16000) : int((start + 30) * 16000)]
        mel = np.ascontiguousarray(features(piece, padding=480000 - len(piece))[:, :3000][None])
        written = []
        for i, (c, p) in enumerate(settings):
            model = loaded[c]
            encoded = model.encode(ctranslate2.StorageView.from_array(mel), to_cpu=False)
            for timed in (False, True):
                t = time.perf_counter()
                r = model.generate(
                    encoded,
                    [prompt],
                    beam_size=int(c[2]),
                    patience=p,
                    max_length=448,
                    return_scores=True,
                    return_no_speech_prob=True,
                    suppress_tokens=[-1],
                    max_initial_timestamp_index=50,
                )
                if timed:
                    seconds[i] += time.perf_counter() - t
            written.append(r[0].sequences_ids[0])
            tokens[i] += len(written[-1])
            same[i] += written[-1] == written[0]
        windows += 1
        start += a.step
    for i, (c, p) in enumerate(settings):
        print(
            f"{':'.join(c)} patience {p}: {1000 * seconds[i] / max(tokens[i], 1):.1f} ms per token "
            f"({tokens[i]} tokens, {seconds[i]:.2f} s); the first setting's tokens in {same[i]} of {windows} windows"
        )


if __name__ == "__main__":
    main()
