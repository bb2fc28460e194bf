"""Fuzzed audio: a real recording mutated as files get damaged in the wild (cut short, bytes flipped in
the header or the data, the wrong extension, empty, absurd sample rates and channel counts in a WAV
header, a 10-hour header over 1 s of data), each run through `voicecoach score` and all of them
through one `voicecoach batch`. Every file either scores or gets one line and exit 3: never a
traceback, a hang over 30 s, or a half-written output file.

The mutations are drawn from a seed: `VOICECOACH_FUZZ_SEED=N pytest tests/test_fuzz.py` replays a run
(a failure prints its seed and the file's name, which says how it was made).
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess

import numpy as np
import pytest
from test_cli import EXE

pytestmark = pytest.mark.model

SEED = int(os.environ.get("VOICECOACH_FUZZ_SEED", "46"))
HANG_S = 30
SAMPLE_RATE = 16000


def wav_header(data_bytes: int, rate: int = SAMPLE_RATE, channels: int = 1, bits: int = 16) -> bytes:
    """A canonical 44-byte PCM WAV header, whatever its fields say."""
    block = channels * bits // 8
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        (36 + data_bytes) & 0xFFFFFFFF,
        b"WAVE",
        b"fmt ",
        16,
        1,
        channels & 0xFFFF,
        rate & 0xFFFFFFFF,
        (rate * block) & 0xFFFFFFFF,
        block & 0xFFFF,
        bits & 0xFFFF,
        b"data",
        data_bytes & 0xFFFFFFFF,
    )


def flipped(rng: random.Random, raw: bytes, lo: int, hi: int, n: int) -> bytes:
    b = bytearray(raw)
    for i in rng.sample(range(lo, min(hi, len(b))), n):
        b[i] ^= rng.randrange(1, 256)
    return bytes(b)


def mutants(rng: random.Random, samples: np.ndarray) -> dict[str, bytes]:
    """File name -> bytes. The name says how the file was made."""
    import soundfile as sf

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    wav = wav_header(len(pcm)) + pcm
    buf = io.BytesIO()
    sf.write(buf, samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    flac = buf.getvalue()
    one_s = pcm[: 2 * SAMPLE_RATE]
    out = {}
    for raw, ext, header in ((wav, "wav", 44), (flac, "flac", 42)):
        for _ in range(2):
            cut = rng.randrange(1, len(raw))
            out[f"truncated-at-{cut}.{ext}"] = raw[:cut]
        out[f"header-flipped.{ext}"] = flipped(rng, raw, 0, header, 4)
        out[f"data-flipped.{ext}"] = flipped(rng, raw, header, len(raw), 64)
        out[f"empty.{ext}"] = b""
    out["flac-named.wav"] = flac
    out["wav-named.mp3"] = wav
    out["text-named.flac"] = b"this is not audio at all\n" * 40
    out["random-bytes.m4a"] = rng.randbytes(20000)
    for name, fields in (
        ("rate-0", {"rate": 0}),
        ("rate-1", {"rate": 1}),
        ("rate-4294967295", {"rate": 0xFFFFFFFF}),
        ("channels-0", {"channels": 0}),
        ("channels-65535", {"channels": 65535}),
        ("bits-0", {"bits": 0}),
        ("bits-7", {"bits": 7}),
    ):
        out[f"{name}.wav"] = wav_header(len(one_s), **fields) + one_s
    out["ten-hour-header.wav"] = wav_header(10 * 3600 * SAMPLE_RATE * 2) + one_s
    return out


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    from conftest import DATA

    from voicecoach.audio.load import load

    rng = random.Random(SEED)
    speech = load(DATA / "whisper_jfk.flac").samples[: 4 * SAMPLE_RATE]
    folder = tmp_path_factory.mktemp(f"fuzz-{SEED}")
    for name, raw in mutants(rng, speech).items():
        (folder / name).write_bytes(raw)
    return folder


def score(f, out):
    try:
        return subprocess.run([EXE, "score", f, "--out", out], capture_output=True, text=True, timeout=HANG_S)
    except subprocess.TimeoutExpired:
        return None


def test_every_mutant_scores_or_gets_one_line_and_exit_3(fuzzed, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    files = sorted(fuzzed.iterdir())
    outs = [tmp_path / f"{f.name}.json" for f in files]
    with ThreadPoolExecutor(2) as pool:  # (two at a time: most of each run is starting Python)
        runs = list(pool.map(score, files, outs))
    wrong = []  # every file is tried; the failures are listed together
    for f, out, p in zip(files, outs, runs):
        if p is None:
            wrong.append(f"{f.name}: still running after {HANG_S} s")
            continue
        said = p.stderr.strip().splitlines()
        if "Traceback" in p.stderr or p.returncode not in (0, 3):
            wrong.append(f"{f.name}: exit {p.returncode}: {p.stderr[-600:]}")
        elif p.returncode == 3 and len(said) != 1:
            wrong.append(f"{f.name}: exit 3 with {len(said)} lines: {p.stderr[-600:]}")
        elif p.returncode == 0 and not out.exists():
            wrong.append(f"{f.name}: scored, but no report written")
        elif out.exists():  # (a file read but with nothing to score keeps its report, score null)
            try:
                json.loads(out.read_text())["audio"]
            except (ValueError, KeyError):
                wrong.append(f"{f.name}: the report written is not a whole report")
    assert not wrong, f"seed {SEED}:\n" + "\n".join(wrong)


def test_a_batch_of_mutants_gives_every_file_one_row(fuzzed, tmp_path):
    results = tmp_path / "results.jsonl"
    files = sorted(f.name for f in fuzzed.iterdir())
    try:
        p = subprocess.run(
            [EXE, "batch", fuzzed, "-q", "tell-me-about-yourself", "-o", results],
            capture_output=True,
            text=True,
            timeout=HANG_S * len(files),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"seed {SEED}: the batch still ran after {HANG_S} s a file")
    assert "Traceback" not in p.stderr and p.returncode in (0, 1), p.stderr[-2000:]
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(os.path.basename(r["file"]) for r in rows) == files, f"seed {SEED}"
