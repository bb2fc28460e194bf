"""Where did Whisper expect an "um" it did not write? Forced decoder passes over each 30-s window.

Whisper's decoder, fed the window's audio and its own transcript token by token (teacher forcing),
gives at every word boundary a probability for each next token. Trained on clean text, it rarely
*writes* a hesitation, yet at the place where one was spoken the probability of " um" / " uh" jumps
from below 0.001 to 0.002–0.9 (measured on the MFA recordings; see the README). The probe reuses the
encoder output faster-whisper already computed for the window, so it costs only the decoder pass.

Each window is read twice: as it is, and *primed* -- after a
previous text full of fillers (PRIMING_TEXT), the way Whisper conditions a window on the text
before it. Primed, the decoder expects a verbatim transcript: where a hesitation was spoken between
two sentences it gives 0.46–0.95 (plain: 0.002–0.08), while laughter, breaths, cut-off words and
silent pauses stay at 0.19 or less (plain: up to 0.033, inside the range of the real ones). This is
the disfluent prompt of the Whisper literature used only to *score*, never to write, so it cannot
make Whisper invent text.

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
# A verbatim previous text full of fillers (see the module docstring). Two wordings were measured
# (this one and "Um, well, uh, I think that, um, the, uh, the main thing is, uh, hmm, the, um, team."):
# the real hesitations scored alike under both.
PRIMING_TEXT = " So, um, I was, uh, I mean, uh, we, um, we went, uh, there. Um, and, uh, yeah."
MIN_KEEP = 1e-3  # boundaries below this (plain)...
MIN_KEEP_PRIMED = 1e-2  # ...and this (primed) are not kept
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


def probe_windows(model, tokenizer, windows: list, ids: list[int]) -> list[HesitationCue]:
    """Hesitation cues for one or more windows: two forced decoder passes (plain and primed).

    ``model``: a CTranslate2 ``Whisper`` on the transcribing model's weights; ``tokenizer``: its
    ``Tokenizer`` for this transcription; ``windows``: (encoder_output, tokens, words, (start_s, end_s), offset_s) per
    window: its encoding, the text tokens written for it, faster-whisper's words for them, the
    window's span, and where the piece starts in the recording (other times are relative to it).
    Each window is decoded twice: plain and after PRIMING_TEXT.
    """
    import ctranslate2
    import numpy as np

    priming = [tokenizer.sot_prev] + tokenizer.encode(PRIMING_TEXT)
    jobs = []
    for enc, tokens, words, span, offset in windows:
        tokens = [t for t in tokens if t < tokenizer.eot]
        plain = list(tokenizer.sot_sequence) + [tokenizer.no_timestamps] + tokens
        if tokens and words and len(priming) + len(plain) + 2 <= MAX_DECODER_TOKENS:
            jobs.append((np.asarray(enc)[0], tokens, words, span, offset, plain))
    if not jobs:
        return []
    # CTranslate2 returns logits for the forced steps too. Measured: the number of steps it runs is
    # about half of max_length, so this bound runs the forced tokens plus one or two more, instead of
    # letting the decoder go on writing text nobody reads. The plain and primed prompts go in two
    # calls: CTranslate2 needs <|startoftranscript|> at the same place in every prompt of a batch.
    feats = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack([j[0] for j in jobs])))
    runs = []
    for head in ([], priming):
        longest = max(len(head) + len(j[5]) for j in jobs)
        runs.append(model.generate(feats, [head + j[5] for j in jobs], beam_size=1,
                                   max_length=min(MAX_DECODER_TOKENS, 2 * (longest + 2)),
                                   return_logits_vocab=True, suppress_blank=False, suppress_tokens=[]))
    cues = []
    for (_, tokens, words, span, offset, _), plain, primed in zip(jobs, *runs):
        if plain.logits and primed.logits:
            cues += _cues(np.asarray(plain.logits[0]), np.asarray(primed.logits[0]), tokenizer, tokens, words,
                          span, offset, ids)
    return cues


def _boundary_probabilities(logits, rows, ids):
    """P(a hesitation token) at each of ``rows`` of [steps, vocab] logits."""
    import numpy as np

    sel = logits[rows].astype(np.float64)
    top = sel.max(axis=1, keepdims=True)
    logp = sel - top - np.log(np.exp(sel - top).sum(axis=1, keepdims=True))
    return np.exp(logp[:, ids]).sum(axis=1)


def _cues(logits, primed_logits, tokenizer, tokens, words, window_s, offset_s, ids) -> list[HesitationCue]:
    """Cues from one window's forced-decoding logits, plain and primed ([steps, vocab]; step i
    predicts tokens[i])."""
    if min(logits.shape[0], primed_logits.shape[0]) < len(tokens) + 1:
        log.debug("hesitation probe: %d/%d logits for %d tokens; window skipped",
                  logits.shape[0], primed_logits.shape[0], len(tokens))
        return []
    bounds = _boundaries(tokenizer, tokens, words)
    rows = [i for i, _ in bounds] + [len(tokens)]
    plain, primed = _boundary_probabilities(logits, rows, ids), _boundary_probabilities(primed_logits, rows, ids)
    cues = []
    for r, (prob, prob_primed) in enumerate(zip(plain, primed)):
        if prob < MIN_KEEP and prob_primed < MIN_KEEP_PRIMED:
            continue
        if r < len(bounds):
            k = bounds[r][1]
            start = words[k - 1].end if k > 0 else window_s[0]
            end = words[k].start
        else:  # after the window's last word
            start, end = words[-1].end, max(words[-1].end, window_s[1])
        cues.append(HesitationCue(start_s=round(offset_s + float(start), 3), end_s=round(offset_s + float(end), 3),
                                  probability=round(float(prob), 5), primed_probability=round(float(prob_primed), 5)))
    return cues
