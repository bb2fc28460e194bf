"""Where a recording is cut into the pieces Whisper transcribes one at a time.

Every recording is transcribed in pieces of at most PIECE_S, each cut at the quietest CUT_FRAME_S
of the last PIECE_SEARCH_S before its limit, so no word is split. A cut depends only on the audio
before it: a live transcriber that sees the answer as it is spoken (voicecoach.asr.live) finds the
same cuts as `voicecoach score` of the saved file, and so hears the same pieces, and writes the same
words. Pieces also bound memory: faster-whisper computes the spectrogram of its whole input at
once (an hour of audio peaked at 3.7 GB RSS).

The piece length is a trade (docs/live.md has the measurements): the shorter the pieces, the less
is left to transcribe when the speaker stops, and the more 30-s windows the encoder runs (a piece
of any length is padded to one window). A piece's remainder (the audio after the last word Whisper
wrote in it, at most CARRY_S) is carried into the next piece rather than run as a window of its own,
and the next piece is cut so that the two fit PIECE_S (voicecoach.asr.run.PieceRun.next_cut):
that cut depends on the transcription of the piece before it, which the live transcriber knows
when it cuts.
"""

from __future__ import annotations

import numpy as np

from voicecoach.audio.load import SAMPLE_RATE

WINDOW_S = 30.0  # Whisper hears 30 s at a time
# A piece's remainder after the last word Whisper wrote in it, however long, goes before the next
# piece, which is cut so that both fit one window: each window starts where the last one's words
# ended, as in a whole-file transcription
# (docs/results/perf-following-whisper-s-seek-each-piece-cut-at-30-s-mi.md, Following Whisper's seek).
CARRY_S = WINDOW_S
PIECE_S = WINDOW_S  # the carry and the next piece together
PIECE_SEARCH_S = 5.0
CUT_FRAME_S = 0.2


def next_cut(samples: np.ndarray, start: int, piece_s: float = PIECE_S, search_s: float = PIECE_SEARCH_S) -> int | None:
    """The end of the piece that begins at sample ``start``, if ``samples`` (the recording so far)
    already decide it: the middle of the quietest CUT_FRAME_S in the last ``search_s`` before the
    limit. None while the recording so far is not longer than the limit (the piece may be the last)."""
    limit = int(piece_s * SAMPLE_RATE)
    if len(samples) - start <= limit:
        return None
    frame, search = int(CUT_FRAME_S * SAMPLE_RATE), int(min(search_s, piece_s) * SAMPLE_RATE)
    lo, hi = start + limit - search, start + limit
    region = samples[lo:hi][: (hi - lo) // frame * frame].reshape(-1, frame)
    energy = (region.astype(np.float64) ** 2).mean(axis=1)
    return lo + int(np.argmin(energy)) * frame + frame // 2


def piece_bounds(
    samples: np.ndarray, piece_s: float = PIECE_S, search_s: float = PIECE_SEARCH_S
) -> list[tuple[int, int]]:
    """[start, end) sample ranges of the whole recording's pieces."""
    bounds, start = [], 0
    while (cut := next_cut(samples, start, piece_s, search_s)) is not None:
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(samples)))
    return bounds
