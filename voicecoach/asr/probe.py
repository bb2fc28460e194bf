"""Where did Whisper expect an "um" it did not write? One forced decoder pass per 30-s window.

Whisper's decoder, fed the window's audio and its own transcript token by token (teacher forcing),
gives at every word boundary a probability for each next token. Trained on clean text, it rarely
*writes* a hesitation, yet at the place where one was spoken the probability of " um" / " uh" rises.
The probe reuses the encoder output faster-whisper already computed for the window, so it costs
only the decoder pass.

The window's text is fed after a *previous text* full of fillers (PRIMING_TEXT), the way Whisper
conditions each window on the text before it: primed so, the decoder expects a verbatim transcript.
Measured on the real recordings (see docs/probe.md): where a hesitation was spoken between two
sentences the primed probability is 0.46–0.95 (unprimed 0.002–0.08), while laughter, breaths,
cut-off words and silent pauses stay at 0.19 or less (unprimed up to 0.033, inside the range of the
real ones). This is the disfluent prompt of the Whisper literature used only to *score* the text
Whisper wrote, never to write it, so it cannot make Whisper invent words.

The probability alone is not proof: it also rises after a transcribed "um" or between two touching
words read fast. ``voicecoach.analysis.recovery`` decides with the audio at that place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from voicecoach.asr.types import HesitationCue

if TYPE_CHECKING:
    from voicecoach.asr.engine import ProbeText

log = logging.getLogger("voicecoach")

# Tokens whose probability counts as "a hesitation comes next" (with and without a leading space,
# capitalised after a sentence end). Looked up in the model's own tokenizer.
HESITATION_TOKENS = (
    " um",
    " uh",
    " Um",
    " Uh",
    " umm",
    " Umm",
    " uhm",
    " hmm",
    " Hmm",
    " mm",
    " Mm",
    " er",
    " Er",
    " erm",
    "Um",
    "Uh",
    "Hmm",
)
# A verbatim previous text full of fillers (see the module docstring). Two wordings were measured
# (this one and "Um, well, uh, I think that, um, the, uh, the main thing is, uh, hmm, the, um, team."):
# the real hesitations scored alike under both.
PRIMING_TEXT = " So, um, I was, uh, I mean, uh, we, um, we went, uh, there. Um, and, uh, yeah."
MIN_KEEP = 1e-2  # boundaries below this are not kept (recovery needs 0.15 in a gap, 0.3 without)
MAX_DECODER_TOKENS = 448  # Whisper's decoder context


def hesitation_ids(text: ProbeText) -> list[int]:
    """The single-token ids of HESITATION_TOKENS in this model's vocabulary."""
    ids = []
    for t in HESITATION_TOKENS:
        i = text.single_token(t)
        if i is not None and i not in ids:
            ids.append(i)
    return ids


def _boundaries(text: ProbeText, tokens: list[int], words) -> list[tuple[int, int]]:
    """(token index, word index) for each token that starts a word of ``words``.

    faster-whisper builds words from the same tokens and attaches punctuation to them, so a word
    starts at a token whose text begins where the word's text begins.
    """
    starts, pos = {}, 0
    for k, w in enumerate(words):
        starts[pos] = k
        pos += len(w.word)
    out, pos = [], 0
    for i, t in enumerate(tokens):
        if pos in starts:
            out.append((i, starts.pop(pos)))
        pos += len(text.decode([t]))
    return out


def probe_windows(model, text: ProbeText, windows: list, ids: list[int]) -> list[HesitationCue]:
    """Hesitation cues for one or more windows in one forced decoder pass.

    ``model``: a CTranslate2 ``Whisper`` on the transcribing model's weights; ``text``: its
    tokenizer's values, with PRIMING_TEXT as the previous text (voicecoach.asr.engine); ``windows``: (encoder_output,
    tokens, words, (start_s, end_s), offset_s) per
    window: its encoding, the text tokens written for it, faster-whisper's words for them, the
    window's span, and where the piece starts in the recording (other times are relative to it).
    """
    import ctranslate2
    import numpy as np

    head = list(text.head)
    jobs = []
    for enc, tokens, words, span, offset in windows:
        tokens = [t for t in tokens if t < text.eot]
        if tokens and words and len(head) + len(tokens) + 2 <= MAX_DECODER_TOKENS:
            jobs.append((np.asarray(enc)[0], tokens, words, span, offset))
    if not jobs:
        return []
    # CTranslate2 returns logits for the forced steps too. Measured on the lecture and the MFA clips:
    # after the forced text the decoder ends within 1-12 steps; max_length (about twice the prompt)
    # only bounds a window where it would go on writing text nobody reads.
    longest = len(head) + max(len(j[1]) for j in jobs)
    feats = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack([j[0] for j in jobs])))
    results = model.generate(
        feats,
        [head + j[1] for j in jobs],
        beam_size=1,
        max_length=min(MAX_DECODER_TOKENS, 2 * (longest + 2)),
        return_logits_vocab=True,
        suppress_blank=False,
        suppress_tokens=[],
    )
    cues = []
    for (_, tokens, words, span, offset), res in zip(jobs, results):
        if res.logits:
            cues += _cues(np.asarray(res.logits[0]), text, tokens, words, span, offset, ids)
    return cues


def _cues(logits, text: ProbeText, tokens, words, window_s, offset_s, ids) -> list[HesitationCue]:
    """Cues from one window's forced-decoding logits ([steps, vocab]; step i predicts tokens[i])."""
    import numpy as np

    if logits.shape[0] < len(tokens) + 1:
        log.debug("hesitation probe: %d logits for %d tokens; window skipped", logits.shape[0], len(tokens))
        return []
    bounds = _boundaries(text, tokens, words)
    rows = [i for i, _ in bounds] + [len(tokens)]
    sel = logits[rows].astype(np.float64)
    top = sel.max(axis=1, keepdims=True)
    logp = sel - top - np.log(np.exp(sel - top).sum(axis=1, keepdims=True))
    p = np.exp(logp[:, ids]).sum(axis=1)
    cues = []
    for r, prob in enumerate(p):
        if prob < MIN_KEEP:
            continue
        if r < len(bounds):
            k = bounds[r][1]
            start = words[k - 1].end if k > 0 else window_s[0]
            end = words[k].start
        else:  # after the window's last word
            start, end = words[-1].end, max(words[-1].end, window_s[1])
        cues.append(
            HesitationCue(
                start_s=round(offset_s + float(start), 3),
                end_s=round(offset_s + float(end), 3),
                probability=round(float(prob), 5),
            )
        )
    return cues


class ProbeQueue:
    """Hands each finished 30-s window to the hesitation probe, which runs in a thread beside the
    transcription.

    faster-whisper encodes a window, decodes it, yields its segments, then encodes the next one. So
    when an encoding arrives, the segments added since the previous one are a finished window, and
    its probe starts right then: it reads window k while the decoder writes window k+1, rather than
    competing with the encoder for the cores. With ``group`` > 1 the windows are handed over
    ``group`` at a time (and the rest at the end), for one batched probe call (see ThreadPlan).
    """

    def __init__(self, pool: ThreadPoolExecutor, probe: Callable[[list], list], group: int = 1):
        self._pool, self._probe, self._group = pool, probe, max(1, group)
        self._futures: list = []
        self._ready: list = []  # finished windows not yet handed over: (segments, encoding, offset_s)
        self._window: list = []
        self._encoding = None
        self.offset_s = 0.0  # where the current piece starts in the recording

    def encoded(self, encoding) -> None:
        self.flush()
        self._encoding = encoding

    def add(self, segment) -> None:
        self._window.append(segment)

    def flush(self) -> None:
        """The window so far is finished: probe it (or keep it for the next group)."""
        if self._window and self._encoding is not None:
            self._ready.append((self._window, self._encoding, self.offset_s))
            if len(self._ready) >= self._group:
                self._hand_over()
        self._window = []

    def _hand_over(self) -> None:
        if self._ready:
            self._futures.append(self._pool.submit(self._probe, self._ready))
        self._ready = []

    def cues(self) -> list:
        self.flush()
        self._hand_over()
        return [c for f in self._futures for c in f.result()]
