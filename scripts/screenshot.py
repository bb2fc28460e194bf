"""Make the README's screenshot of the HTML report (docs/img/report.png), from a real answer.

    .venv/bin/python scripts/screenshot.py            # scores the sample answer, writes the page, shoots it

The answer is a real recording from tests/data (a speaker from the Montreal Forced Aligner corpus
who says "uh" often) with 2.5 s of its own room tone added after its first sentence (8.9 s), so the
page shows pace, written fillers and a long pause. Needs chromium and chromium-driver (scripts/setup.sh installs them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "report.png")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=1500)
    args = ap.parse_args()

    from browser import driver
    from helpers import write_audio

    from voicecoach.audio.load import load

    data = ROOT / "tests" / "data"
    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / "answer.flac"
        speech = load(data / "mfa_cold_corpus.flac").samples
        frames = speech[: len(speech) // 4000 * 4000].reshape(-1, 4000)
        room = frames[np.argmin((frames**2).mean(axis=1))]  # its quietest quarter second
        cut = int(8.9 * 16000)  # after "... than the acoustic corpus."
        write_audio(answer, np.concatenate([speech[:cut], np.tile(room, 10), speech[cut:]]))
        page = Path(tmp) / "report.html"
        exe = Path(sys.executable).parent / "voicecoach"
        subprocess.run([str(exe), "score", str(answer), "--html", str(page)], check=True, stdout=subprocess.DEVNULL)
        d = driver(args.width, args.height)
        try:
            d.get(page.as_uri())
            # play a moment in, so the playhead and the highlighted word show
            d.execute_script("const a = document.getElementById('answer'); a.currentTime = 15.0;")
            d.execute_script("window.scrollTo(0, 0)")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            d.save_screenshot(str(args.out))
        finally:
            d.quit()
    print(args.out)


if __name__ == "__main__":
    main()
