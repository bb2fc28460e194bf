"""A long answer: hesitations after the first minute are found as well as in minute 1.

faster-whisper's initial_prompt reaches only the first 30-s window, and the text of the windows
before conditions each later one; a verbatim prompt must reach every window (docs/fillers.md). The
recording is built here from real speech in tests/data (PROVENANCE.md): the acoustic-corpus half of
the MFA monologue (2 "um", 1 "uh" in its verbatim reference) at 0:00 and again at 2:20, with
clean read speech and the cold-corpus half (1 "um", 4 "uh") between and after: 3:13 in all.
"""

from pathlib import Path

import numpy as np
import pytest
from helpers import write_audio

from voicecoach.analysis.fillers import HESITATION
from voicecoach.audio import load

pytestmark = pytest.mark.model

GAP_S = 1.0  # quiet between clips (room-level noise, not digital silence)


def quiet(rng) -> np.ndarray:
    """GAP_S of room-level noise."""
    return (rng.standard_normal(int(GAP_S * 16000)) * 10 ** (-65 / 20)).astype(np.float32)


def build_long_answer(data: Path, out: Path, clips: int | None = None) -> dict[str, tuple[float, float]]:
    """Write the 3:13 recording (its first ``clips`` clips if given) to ``out``; return the span of
    each monologue copy by name."""
    rng = np.random.default_rng(0)
    names = [
        "mfa_acoustic_corpus.flac",
        "mfa_cold_corpus.flac",
        "whisper_jfk.flac",
        "librispeech_61-70968-0000.flac",
        "mfa_english_slow.wav",
        "mfa_english_fast.wav",
        "whisper_jfk.flac",
        "mfa_cold_corpus.flac",
        "librispeech_61-70968-0000.flac",
        "mfa_english_slow.wav",
        "mfa_english_fast.wav",
        "mfa_acoustic_corpus.flac",
        "mfa_cold_corpus.flac",
    ]
    parts, spans, t = [], {}, 0.0
    names = names[:clips]
    for i, name in enumerate(names):
        x = load(data / name).samples
        key = f"{name.split('.')[0]}#{sum(c == name for c in names[:i]) + 1}"
        spans[key] = (t, t + len(x) / 16000)
        parts += [x, quiet(rng)]
        t += len(x) / 16000 + GAP_S
    write_audio(out, np.concatenate(parts))
    return spans


def test_hesitations_in_minute_three_are_found_as_in_minute_one(long_answer):
    spans, report = long_answer.spans, long_answer.report
    assert 180 < load(long_answer.path).duration_s < 240
    first, again = spans["mfa_acoustic_corpus#1"], spans["mfa_acoustic_corpus#2"]
    assert first[1] < 60 and 120 < again[0] < 180  # minute 1 and minute 3
    hes = [f for f in report.fillers.fillers if f.kind == HESITATION]

    def found(span):
        return [f for f in hes if span[0] - 0.3 <= f.start_s < span[1]]

    early, late = found(first), found(again)
    cold_early, cold_late = found(spans["mfa_cold_corpus#1"]), found(spans["mfa_cold_corpus#3"])
    detail = {k: [(round(f.start_s, 1), f.text, f.source) for f in found(s)] for k, s in spans.items() if found(s)}
    # The reference has 3 in each acoustic copy and 5 in each cold copy. Whisper hears each copy
    # in a differently placed 30-s window, so one filler either way is allowed -- not more.
    assert len(early) >= 2, detail
    assert len(late) >= len(early) - 1, detail
    # The cold copies are not heard alike, and not because of the minute: what counts is the speech
    # before the copy in its window (test_a_hesitation_after_other_speech_in_its_window). Measured
    # on an AMD EPYC host: 5, 3 and 3 of 5 (the first copy opens its piece, the others follow JFK and
    # the acoustic copy); on the host of 2026-11-30 the last copy was found as the first.
    assert len(cold_early) >= 4 and len(cold_late) >= 3, detail
    # Clean read speech between them (52 s; english_fast aside, whose reader does say "um", see
    # test_clean_speech_matches_reference) stays clean but for at most one filler: measured, the
    # verbatim prompt wrote one "um" in the second english_slow ("but | there's", where the fast
    # reader hesitates), which alone it does not write (docs/fillers.md, false fillers).
    clean = [k for k in spans if not k.startswith(("mfa_acoustic", "mfa_cold", "mfa_english_fast"))]
    assert sum(len(found(spans[k])) for k in clean) <= 1, str(detail)


@pytest.mark.xfail(
    strict=True,
    reason="known recall defect: the cold monologue alone has 5 of its 5 hesitations "
    "written; after JFK in the same 30-s window fewer than 4 (reproducible mode, so on every host). "
    "The verbatim prompt does not make up for the clean speech before it in the window.",
)
def test_a_hesitation_after_other_speech_in_its_window(scorer, tell_me, data, tmp_path):
    lead = np.concatenate([load(data / "whisper_jfk.flac").samples, quiet(np.random.default_rng(0))])
    path = tmp_path / "jfk_then_cold.flac"
    write_audio(path, np.concatenate([lead, load(data / "mfa_cold_corpus.flac").samples]))
    start = len(lead) / 16000
    report = scorer.score(path, tell_me)
    hes = [f for f in report.fillers.fillers if f.kind == HESITATION and f.start_s >= start - 0.3]
    assert len(hes) >= 4, [(f.start_s, f.text) for f in hes]  # as alone (5 of 5), give or take one
