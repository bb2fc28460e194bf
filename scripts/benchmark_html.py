"""How long the HTML page of an answer takes to make, and how big it is, for answers of 1, 4 and 10
minutes (real speech from tests/data tiled to length; a transcript of 150 words a minute).

    .venv/bin/python scripts/benchmark_html.py [--repeats 3]

Reported in docs/results/perf-the-html-report.md. The page is made after the report is shown, so its
time adds to the wait only for `--html`/`--open`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from test_html import report_of

    from voicecoach.audio.encode import opus_bytes
    from voicecoach.audio.load import load
    from voicecoach.render import html

    speech = load(ROOT / "tests" / "data" / "librispeech_61-70968-0000.flac").samples
    print(f"{'answer':>7} {'encode s':>9} {'page s':>7} {'page MB':>8} {'audio kbit/s':>13}")
    for minutes in (1, 4, 10):
        n = minutes * 60 * 16000
        samples = np.tile(speech, int(np.ceil(n / len(speech))))[:n]
        report = report_of(
            " ".join(["we", "shipped", "the", "pipeline", "in", "March,", "um,", "and"] * (minutes * 150 // 8))
        )
        enc, total = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            audio = opus_bytes(samples)
            enc.append(time.perf_counter() - t)
            t = time.perf_counter()
            page = html.answer_page(report, samples)
            total.append(time.perf_counter() - t)
        print(
            f"{minutes:>5} m {statistics.median(enc):>9.2f} {statistics.median(total):>7.2f} "
            f"{len(page.encode()) / 1e6:>8.2f} {len(audio) * 8 / (minutes * 60) / 1000:>13.1f}"
        )


if __name__ == "__main__":
    main()
