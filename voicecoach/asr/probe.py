"""Where did Whisper expect an "um" it did not write? One forced decoder pass per 30-s window.

Whisper's decoder, fed the window's audio and its own transcript token by token (teacher forcing),
gives at every word boundary a probability for each next token. Trained on clean text, it rarely
*writes* a hesitation, yet at the place where one was spoken the probability of " um" / " uh" jumps
from below 0.001 to 0.002–0.9 (measured on the MFA recordings; see the README). The probe reuses the
encoder output faster-whisper already computed for the window, so it costs only the decoder pass.

The probability alone is not proof: it also rises after a transcribed "um" or before a stretched
word. ``voicecoach.analysis.recovery`` decides with the audio at that place.
"""

from __future__ import annotations

import logging

from voicecoach.asr.types import HesitationCue

log = logging.getLogger("voicecoach")

# Tokens whose probability counts as "a hesitation comes next" (with and without a leading space,
# capitalised after a sentence end). Looked up in the model's own tokenizer.
HESITATION_TOKENS = (" um", " uh", " Um", " Uh", " umm", " Umm", " uhm", " hmm", " Hmm", " mm", " Mm",
                     " er", " Er", " erm", "Um", "Uh", "Hmm")
MIN_KEEP = 1e-3  # boundaries below this are not kept (clean read speech stays below it everywhere)
MAX_DECODER_TOKENS = 448  # Whisper's decoder context


def hesitation_ids(hf_tokenizer) -> list[int]:
    """The single-token ids of HESITATION_TOKENS in this model's vocabulary."""
    ids = []
    for text in HESITATION_TOKENS:
        enc = hf_tokenizer.encode(text, add_special_tokens=False).ids
        if len(enc) == 1 and enc[0] not in ids:
            ids.append(enc[0])
    return ids


def _boundaries(tokenizer, tokens: list[int], words) -> list[tuple[int, int]]:
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
        pos += len(tokenizer.decode([t]))
    return out


def probe_window(model, tokenizer, encoder_output, tokens: list[int], words, window_s: tuple[float, float],
                 offset_s: float, ids: list[int]) -> list[HesitationCue]:
    """Hesitation cues for one window.

    ``model``: faster-whisper's ``WhisperModel``; ``tokenizer``: its ``Tokenizer`` for this
    transcription; ``encoder_output``: the window's encoding; ``tokens``: the text tokens written
    for the window; ``words``: faster-whisper's words for them; ``window_s``: the window's span;
    ``offset_s``: where the piece starts in the recording (all other times are relative to it).
    """
    import numpy as np

    tokens = [t for t in tokens if t < tokenizer.eot]
    if not tokens or not words:
        return []
    bounds = _boundaries(tokenizer, tokens, words)
    prompt = list(tokenizer.sot_sequence) + [tokenizer.no_timestamps] + tokens
    if len(prompt) + 1 > MAX_DECODER_TOKENS:
        return []
    res = model.model.generate(encoder_output, [prompt], beam_size=1, max_length=MAX_DECODER_TOKENS,
                               return_logits_vocab=True, suppress_blank=False, suppress_tokens=[])[0]
    if not res.logits:
        return []
    logits = np.asarray(res.logits[0], dtype=np.float64)  # [steps, vocab]; step i predicts tokens[i]
    if logits.shape[0] < len(tokens) + 1:
        log.debug("hesitation probe: %d logits for %d tokens; window skipped", logits.shape[0], len(tokens))
        return []
    rows = [i for i, _ in bounds] + [len(tokens)]
    sel = logits[rows]
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
        cues.append(HesitationCue(start_s=round(offset_s + float(start), 3), end_s=round(offset_s + float(end), 3),
                                  probability=round(float(prob), 5)))
    return cues
