"""The one seam to faster-whisper's internals.

voicecoach uses faster-whisper's public API (``WhisperModel.transcribe`` and the ``Segment`` and
``Word`` it yields) everywhere, and reaches past it only here:

- ``WhisperModel.encode`` (overridden): each 30-s window's encoder output goes to the hesitation
  probe, a second CTranslate2 model can encode (see ThreadPlan), the same features are encoded
  once in a row, and a draft's short window is encoded without most of its padding
  (``context_frames``);
- ``WhisperModel.detect_language`` (overridden): reads the frames the transcription reads;
- ``WhisperModel.generate_with_fallback`` (wrapped): called once per temperature, its result a
  tuple (result, avg_logprob, temperature, compression_ratio), temperature > 0 when the window
  fell back to sampling; its ``options.temperatures`` are cut to the first for a window under
  SHORT_WINDOW_S (``pad_or_trim`` pads a window with zero frames), its ``options.max_new_tokens``
  to MAX_TOKENS_PER_S a second of the window's audio, and a loop at temperature 0 is decoded
  again without the window prompt (``get_prompt``'s layout: ``sot_prev``, the prompt, ``sot``...);
  in the window that ends a recording, a decoding left open (``_split_segments_by_timestamps``
  would drop its last start timestamp and seek to it) is taken on from that timestamp by one more
  ``model.generate`` on the same encoding, and its result handed back in a stand-in holding what
  ``generate_segments`` reads (``sequences_ids``, ``no_speech_prob``);
- ``WhisperModel.model`` (the CTranslate2 decoder, replaced to restart its threads),
  ``max_length``, ``time_precision``, ``hf_tokenizer``, ``feature_extractor`` (``time_per_frame``,
  ``chunk_length``, ``nb_max_frames``), ``Segment.seek`` and ``Segment.tokens``;
- ``faster_whisper.tokenizer.Tokenizer`` (``sot_prev``, ``sot``, ``sot_sequence``,
  ``no_timestamps``, ``eot``, ``timestamp_begin``, ``encode``, ``decode``),
  ``transcribe.get_ctranslate2_storage``, ``transcribe.get_compression_ratio``, ``vad.get_speech_timestamps``,
  ``utils.download_model``;
- the order of ``generate_segments``: a window is encoded, decoded, its segments yielded, then the
  next window is encoded. ProbeQueue relies on it: the segments between two encodings are one window.

``tests/test_engine_contract.py`` checks each of these against the installed faster-whisper without
running a model, and fails when one changes shape; ``load_model`` logs a warning when a version
other than TESTED_VERSION is installed. This module imports faster-whisper at import time: import it
only inside the functions that need it (voicecoach.asr.whisper does).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import ctranslate2
import faster_whisper
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.feature_extractor import FeatureExtractor
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_compression_ratio, get_ctranslate2_storage

from voicecoach import __version__, numerics
from voicecoach.asr.loops import loop_start
from voicecoach.asr.types import Tuning
from voicecoach.errors import ModelError

log = logging.getLogger("voicecoach")

# The decoders (by id) that fell back to sampling since their threads started: their threads' random
# sequences moved on, so the next file would not be heard as in a fresh process (replace_decoder).
_SAMPLED: set[int] = set()
TESTED_VERSION = "1.2.1"  # the faster-whisper release the contract test and the evaluation ran on
RANDOM_SEED = 0
ENCODED_WINDOW_FRAMES = 1500  # a 30-s window's 3000 mel frames, halved by the encoder
SHORT_WINDOW_S = 1.0  # a window with less audio than this is not decoded again at higher temperatures
# Speech runs at ~3 words (~4 tokens) a second; Whisper adds two timestamp tokens a segment. A window
# may write at most this many tokens a second of its audio, plus EXTRA_TOKENS (a loop, not speech,
# goes beyond: docs/live.md, "A window that loops").
MAX_TOKENS_PER_S = 10
EXTRA_TOKENS = 16
# In the window that holds the end of a recording, Whisper can end its decoding with the timestamp
# that opens a segment and no text after it: "the next segment starts here and goes on past this
# window". faster-whisper then encodes a new window from that timestamp to read the last sentence
# (about a second of encoder, after the stop key in practice). Nothing follows the
# recording's end, so the decoding is taken on from that timestamp on the window's own encoding
# (``finish_open``), up to ``Tuning.read_on`` times (docs/performance.md, The last window finishes
# its sentence).


class Remainder(Exception):
    """Raised out of a transcription (from ``CapturingWhisperModel.encode``) instead of encoding a
    window that is a short remainder of its input: ``frames`` spectrogram frames were left after the
    last word Whisper wrote. Everything before them is already yielded."""

    def __init__(self, frames: int):
        super().__init__(f"{frames} frames left")
        self.frames = frames


class CapturingWhisperModel(WhisperModel):
    """faster-whisper's WhisperModel, handing each window's encoder output to ``on_encoded`` (the
    hesitation probe reuses it, so the probe costs a decoder pass and no second encoding),
    encoding with ``encoder`` when set and ``use_encoder`` (a model with more threads; see
    ThreadPlan), and encoding the same features only once in a row.

    The hook state (``on_encoded``, ``encoder``, ``use_encoder``, the last encoding) belongs to one
    transcriber: ``load_model`` hands each caller its own object, sharing only the CTranslate2
    decoder. Whether that decoder has sampled belongs to the decoder (``has_sampled``), so a
    transcriber whose shared decoder sampled for another one restarts it too."""

    encoder = None
    use_encoder = True
    on_encoded = None
    _last = None  # (features, encoding) of the last call
    _window_s = None  # seconds of audio in the window encoded last (the rest of its 30 s is padding)
    # Most frames to leave: a window after the first of a transcription with no more audio than
    # that raises Remainder rather than being encoded (voicecoach.asr.whisper.PieceRun carries it
    # into the next piece). None: every window is transcribed. Set with leave().
    leave_remainder: int | None = None
    _windows = 0  # windows encoded since leave()
    # The encoder hears only this many spectrogram frames of a window whose audio fits in them
    # (the audio, then zero frames); None: all 30 s, as Whisper was trained. For the cue line's
    # drafts only (voicecoach.live.drafter): a draft of 3 s is otherwise encoded as a whole window.
    context_frames: int | None = None
    # The transcription under way is of a recording's end: no audio will follow its last window
    # (voicecoach.asr.whisper.PieceRun sets it for the last piece; see Tuning.read_on).
    finish_open = False
    tuning = Tuning()  # which of the pieces above are on (load_model sets the transcriber's)

    def leave(self, most_frames: int | None) -> None:
        """From the next transcription on, leave a later window of at most ``most_frames`` (see
        ``leave_remainder``); None: transcribe every window."""
        self.leave_remainder, self._windows = most_frames, 0

    def generate_with_fallback(self, encoder_output, prompt, tokenizer, options):
        tuning = self.tuning
        if tuning.short_window_greedy and self._window_s is not None and self._window_s < SHORT_WINDOW_S \
                and len(options.temperatures) > 1:
            # A remainder window (Whisper's last segment ended just before the piece's end; seen:
            # 0.26 s left of a 30-s piece of the lecture) decodes badly at temperature 0 and then
            # samples at every other temperature: 19 s for nothing on 2 cores. It is decoded once.
            options = dataclasses.replace(options, temperatures=list(options.temperatures[:1]))
        if tuning.token_cap and self._window_s is not None:
            # A window that loops ("you know, you know, ...") is decoded to Whisper's 448 tokens at
            # every temperature: 6.2 s of the lecture's end took 19 s that way. Speech needs far
            # fewer tokens than MAX_TOKENS_PER_S, so a loop is cut where no speech could go on.
            cap = max(1, min(self.max_length - len(prompt), int(MAX_TOKENS_PER_S * self._window_s) + EXTRA_TOKENS))
            if options.max_new_tokens is None or options.max_new_tokens > cap:
                options = dataclasses.replace(options, max_new_tokens=cap)
        if tuning.loop_retry:
            result = self._fallback(encoder_output, prompt, tokenizer, options)
        else:
            result = super().generate_with_fallback(encoder_output, prompt, tokenizer, options)
        if self.finish_open and tuning.read_on and result[2] == 0 and self._window_s is not None \
                and self._window_s < self.feature_extractor.chunk_length:
            result = self._finish(encoder_output, prompt, tokenizer, options, result)
        if result[2] > 0:  # (result, avg_logprob, temperature, compression_ratio): sampled
            _SAMPLED.add(id(self.model))
        return result

    def _fallback(self, encoder_output, prompt, tokenizer, options):
        """Whisper's temperature fallback, one temperature at a time through faster-whisper's own
        decoding, choosing as it chooses; but a loop at temperature 0 (too repetitive: the
        compression test) is decoded once more at temperature 0 without the window prompt
        (``hotwords``; with it goes any previous text), and that is kept if it passes. The
        prompt's own words can lock the decoder into a loop ("I mean, I mean, ...", docs/live.md,
        "A loop of the prompt's own words"), which sampling at 0.2 and 0.4 repeated: 12-23 s for
        one window on 2 cores."""
        tried = []
        for temperature in options.temperatures:
            one = dataclasses.replace(options, temperatures=[temperature])
            result = super().generate_with_fallback(encoder_output, prompt, tokenizer, one)
            if not _needs_fallback(result, options):
                return result
            tried.append(result)
            if len(tried) == 1 and _too_repetitive(result, options) and options.hotwords \
                    and prompt[0] == tokenizer.sot_prev:
                # (faster-whisper's get_prompt: sot_prev, the window prompt, [previous text,] then
                # the start of transcript; beam search, so no random sequence moves)
                retry = super().generate_with_fallback(encoder_output, prompt[prompt.index(tokenizer.sot):],
                                                       tokenizer, one)
                log.debug("a loop at temperature 0 (compression ratio %.1f); without the window prompt %.1f",
                          result[3], retry[3])
                if not _needs_fallback(retry, options):
                    return retry
        # all failed: the likeliest of those not too repetitive (else of all), at the last temperature
        best = max([r for r in tried if not _too_repetitive(r, options)] or tried, key=lambda r: r[1])
        return (best[0], best[1], options.temperatures[-1], best[3])

    def _finish(self, encoder_output, prompt, tokenizer, options, result):
        """``result`` (a decoding at temperature 0 of the window that ends the recording) with its
        last segment written, if Whisper left it open: its tokens end with two timestamps (the last
        segment's end, the next one's start) where audio is left after the second. The decoding
        goes on from there, on the same encoding, as beam search (no random sequence moves);
        CTranslate2's ``suppress_blank`` keeps it from ending at once. It is kept only if it writes
        text that is not a loop (a loop's words before it are kept)."""
        tokens = list(result[0].sequences_ids[0])
        ts = tokenizer.timestamp_begin
        added = False
        for _ in range(self.tuning.read_on):
            if len(tokens) < 2 or tokens[-1] < ts or tokens[-2] < ts:
                break
            opened_s = (tokens[-1] - ts) * self.time_precision
            if opened_s >= self._window_s - SHORT_WINDOW_S / 2:
                break
            # (as many tokens as the audio after it could hold: a loop is cut where speech could not go on)
            room = min((options.max_new_tokens or self.max_length) - len(tokens),
                       int(MAX_TOKENS_PER_S * (self._window_s - opened_s)) + EXTRA_TOKENS)
            if room < 2:
                break
            # This window's text so far goes before the start of transcript, as the previous text
            # of a new window would (one decoder pass over it), and the decoding begins at the
            # opening timestamp (``get_prompt``'s layout: sot_prev, [window prompt,] previous text, sot...)
            sot = prompt.index(tokenizer.sot) if tokenizer.sot in prompt else 0
            before = list(prompt[1:sot]) + tokens[:-1]
            # (the window prompt stays whole; the oldest previous text goes first if it is too long)
            fixed = len(tokenizer.encode(" " + options.hotwords.strip())) if options.hotwords and sot else 0
            room = min(room, self.max_length // 2)
            # (at least 1: the room is within the window's cap, max_length less the prompt)
            fits = self.max_length - room - (len(prompt) - sot) - 2 - fixed
            head = [tokenizer.sot_prev] + before[:fixed] + before[fixed:][-fits:]
            start = head + list(prompt[sot:]) + [tokens[-1]]
            more = self.model.generate(
                encoder_output, [start], beam_size=options.beam_size, patience=options.patience,
                length_penalty=options.length_penalty, repetition_penalty=options.repetition_penalty,
                no_repeat_ngram_size=options.no_repeat_ngram_size, max_length=len(start) + room,
                return_scores=True, return_no_speech_prob=True, suppress_blank=True,
                suppress_tokens=options.suppress_tokens,
                max_initial_timestamp_index=int(round(options.max_initial_timestamp / self.time_precision)),
            )[0]
            new = list(more.sequences_ids[0])
            if new[:1] == tokens[-1:]:  # (CTranslate2 returns the prefix after the start of transcript)
                new = new[1:]
            text = tokenizer.decode([t for t in new if t < tokenizer.eot]).strip()
            said = text.split()
            keep = loop_start(said, keep_first=False)
            if keep < len(said):
                # A loop ("You just, er, er, er, ..."): the words before it are kept, and the segment
                # closed at the end of the audio, as the cue line's drafts keep theirs (a closing
                # timestamp after text: faster-whisper seeks past the window).
                k = next(k for k in range(1, len(new) + 1)
                         if len(tokenizer.decode([t for t in new[:k] if t < tokenizer.eot]).split()) > keep) - 1
                new = [t for t in new[:k] if t < tokenizer.eot]
                new.append(ts + min(int(self._window_s / self.time_precision), ENCODED_WINDOW_FRAMES))
                text = tokenizer.decode(new[:-1]).strip()
            if not text or (options.compression_ratio_threshold is not None
                            and get_compression_ratio(text) > options.compression_ratio_threshold):
                break  # (nothing written, or a loop: faster-whisper's own way reads it again)
            log.debug("the window's last segment was open at %.2f s: read on, %d token(s): %s", opened_s, len(new), text)
            tokens += new
            added = True
        if not added:
            return result
        return (_Decoded([tokens], result[0].no_speech_prob), *result[1:])

    def detect_language(self, audio=None, features=None, **kwargs):
        # faster-whisper 1.2 hands the language check the spectrogram with one frame more than
        # the transcription reads (its content_frames leave out the last one). In a piece under
        # 30 s the two first windows then differ, and the window was encoded twice (0.4 s of a
        # 1.2-s clip on 2 cores). Without that frame the check hears what is transcribed.
        if self.tuning.encode_once and audio is None and features is not None \
                and 1 < features.shape[-1] <= self.feature_extractor.nb_max_frames:
            features = features[..., :-1]
        return super().detect_language(audio=audio, features=features, **kwargs)

    def encode(self, features):
        # faster-whisper pads a window's spectrogram with zero frames (pad_or_trim); a real frame,
        # even of digital silence, is never all zero after its log-mel normalisation
        frames = features if features.ndim == 2 else features[0]
        real = np.flatnonzero(np.any(frames != 0, axis=0))
        frames_in = int(real[-1]) + 1 if real.size else 0
        self._window_s = frames_in * self.feature_extractor.time_per_frame
        if self.context_frames is not None and frames_in <= self.context_frames // 2:
            # (at least as much padding as audio: with none, base looped on 6 s of the lecture)
            features = features[..., : self.context_frames]
        if self.leave_remainder is not None:
            # a later window starts where the last word Whisper wrote ended; it holds the rest
            self._windows += 1
            if self._windows > 1 and frames_in <= self.leave_remainder:
                raise Remainder(frames_in)
        if self.tuning.encode_once and self._last is not None and self._last[0].shape == features.shape \
                and np.array_equal(self._last[0], features):
            # faster-whisper 1.2 encodes the first window twice: to detect the language, then
            # to transcribe it (0.4 s on 2 cores; see detect_language for pieces under 30 s)
            encoding = self._last[1]
        elif self.encoder is None or not self.use_encoder:
            encoding = super().encode(features)
        else:
            batch = features if features.ndim == 3 else np.expand_dims(features, 0)
            encoding = self.encoder.encode(get_ctranslate2_storage(batch))
        self._last = (features, encoding)
        if self.on_encoded:
            self.on_encoded(encoding)
        return encoding


@dataclass(frozen=True)
class _Decoded:
    """What generate_segments reads of a CTranslate2 WhisperGenerationResult."""

    sequences_ids: list
    no_speech_prob: float


def _too_repetitive(result, options) -> bool:
    return options.compression_ratio_threshold is not None and result[3] > options.compression_ratio_threshold


def _needs_fallback(result, options) -> bool:
    """faster-whisper's test of one decoding ``(result, avg_logprob, temperature, compression_ratio)``."""
    low = options.log_prob_threshold is not None and result[1] < options.log_prob_threshold
    if low and options.no_speech_threshold is not None and result[0].no_speech_prob > options.no_speech_threshold:
        return False  # silence
    return _too_repetitive(result, options) or low


class FixedOrderFeatures(FeatureExtractor):
    """Whisper's log-mel spectrogram (faster-whisper's FeatureExtractor), with the mel projection
    summed bin by bin in a fixed order instead of by BLAS, whose kernel (and so the order of its
    sums, and the last bit of each band) is chosen per CPU. For reproducible mode (voicecoach.numerics);
    each band has a handful of non-zero bins, so it costs about what the matrix product does
    (docs/reproducibility.md)."""

    def __init__(self, base: FeatureExtractor):
        self.__dict__.update(base.__dict__)
        self._bins = [np.flatnonzero(row) for row in self.mel_filters]

    def __call__(self, waveform: np.ndarray, padding=160, chunk_length=None):
        if chunk_length is not None:
            self.n_samples = chunk_length * self.sampling_rate
            self.nb_max_frames = self.n_samples // self.hop_length
        waveform = np.pad(np.asarray(waveform, np.float32), (0, padding)) if padding else np.asarray(waveform, np.float32)
        window = np.hanning(self.n_fft + 1)[:-1].astype("float32")
        stft = self.stft(waveform, self.n_fft, self.hop_length, window=window, return_complex=True).astype("complex64")
        magnitudes = np.abs(stft[..., :-1]) ** 2
        mel_spec = np.zeros(magnitudes.shape[:-2] + (len(self._bins), magnitudes.shape[-1]), np.float32)
        for m, bins in enumerate(self._bins):
            for j in bins:  # (a product, then a sum: each rounded once, in the same order on any CPU)
                mel_spec[..., m, :] += self.mel_filters[m, j] * magnitudes[..., j, :]
        log_spec = np.log10(np.clip(mel_spec, a_min=1e-10, a_max=None))
        log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
        return (log_spec + 4.0) / 4.0


def ct2_whisper(path: str, compute_type: str, threads: int, replicas: int = 1):
    """A CTranslate2 Whisper on the weights in ``path`` with ``threads`` threads of its own, and
    ``replicas`` workers that run calls from different Python threads side by side (they share
    the weights: a second one costs no memory to speak of)."""
    numerics.freeze()
    model = ctranslate2.models.Whisper(path, device="cpu", compute_type=compute_type, intra_threads=threads,
                                       inter_threads=replicas)
    _SAMPLED.discard(id(model))  # (a new model has not sampled; a dead one's id can be reused)
    return model


def decoder_seconds(path: str, compute_type: str, threads: tuple[int, ...], steps: int, rounds: int) -> list[float]:
    """For each thread count, the best of ``rounds`` timings of ``steps`` beam-search steps (beam 5)
    of the Whisper in ``path``, alternating between the counts (voicecoach.asr.threads).

    The encoder output is fixed noise of a 30-s window's shape, and the end of text is suppressed,
    so every timing runs its steps whatever the weights write; a step's work does not depend on
    the values."""
    import time

    from tokenizers import Tokenizer as HFTokenizer

    models = [ct2_whisper(path, compute_type, t) for t in threads]
    probe = models[0].encode(get_ctranslate2_storage(np.zeros((1, models[0].n_mels, 2), np.float32)), to_cpu=True)
    width = np.asarray(probe).shape[-1]  # the model's width, read from a two-frame encoding
    shape = (1, ENCODED_WINDOW_FRAMES, width)
    memory = get_ctranslate2_storage(np.random.default_rng(RANDOM_SEED).standard_normal(shape, dtype=np.float32))
    vocab = HFTokenizer.from_file(f"{path}/tokenizer.json")
    start, end = vocab.token_to_id("<|startoftranscript|>"), vocab.token_to_id("<|endoftext|>")
    best = [float("inf")] * len(models)
    for _ in range(rounds):
        for i, model in enumerate(models):
            t = time.perf_counter()
            model.generate(memory, [[start]], beam_size=5, max_length=1 + steps, suppress_tokens=[-1, end],
                           suppress_blank=False)
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def check_version() -> str | None:
    """A one-line warning when the installed faster-whisper is not the tested one (else None)."""
    if faster_whisper.__version__ == TESTED_VERSION:
        return None
    return (f"faster-whisper {faster_whisper.__version__} is installed; voicecoach {__version__} was tested with "
            f"{TESTED_VERSION}, and counts could differ (run pytest tests/test_engine_contract.py)")


@lru_cache(maxsize=2)
def _load_shared(path: str, compute_type: str, threads: int, downloads: bool) -> CapturingWhisperModel:
    warning = check_version()
    if warning:
        log.warning(warning)
    # Whisper falls back to sampling (temperature > 0) when a window decodes badly, as a run of
    # "uh uh uh" often does. CTranslate2 seeds each worker thread's generator from this seed when
    # the thread first samples, so the same file gives the same transcript; after a file that
    # sampled, WhisperTranscriber restarts the decoder's threads (replace_decoder).
    ctranslate2.set_random_seed(RANDOM_SEED)
    numerics.freeze()
    try:
        model = None
        if downloads:
            try:
                model = CapturingWhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=threads,
                                              local_files_only=True)
            except Exception:  # not cached yet: the user named a model that must be downloaded
                log.warning("downloading model '%s' (needs internet)", path)
        if model is None:
            model = CapturingWhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=threads)
    except Exception as e:  # CTranslate2 and huggingface_hub raise many types
        how = ("it could not be downloaded (no internet?); use an offline model such as base or tiny.en"
               if downloads else "its files are damaged or not a CTranslate2 Whisper model")
        detail = " ".join(str(e).split())[:120]
        raise ModelError(f"cannot load model '{path}': {how} ({type(e).__name__}: {detail})") from e
    if numerics.active() == numerics.REPRODUCIBLE:
        model.feature_extractor = FixedOrderFeatures(model.feature_extractor)
    _SAMPLED.discard(id(model.model))
    return model


def load_model(path: str, compute_type: str, threads: int, downloads: bool) -> CapturingWhisperModel:
    """A model for one transcriber. The weights are loaded once per process and shared; the
    returned object and its hook state are this caller's own (a shallow copy)."""
    return copy.copy(_load_shared(path, compute_type, threads, downloads))


def draft_model(model: CapturingWhisperModel, context_s: float) -> CapturingWhisperModel:
    """A model object for quick drafts on another thread beside ``model``'s transcriptions: the
    same weights, hook state of its own (no probe hook, no last encoding, no remainder left), the
    encoder hearing ``context_s`` of a short window (``context_frames``). When ``model`` encodes on a
    CTranslate2 model of its own (ThreadPlan), the drafts encode and decode on that one, so they
    never queue behind the decoder; ``model`` only encodes there, which a draft does not change."""
    quick = copy.copy(model)
    quick.on_encoded, quick._last, quick.leave_remainder, quick.finish_open = None, None, None, False
    if quick.encoder is not None:
        quick.model, quick.encoder = quick.encoder, None
    quick.context_frames = int(context_s / quick.feature_extractor.time_per_frame)
    return quick


def has_sampled(model: CapturingWhisperModel) -> bool:
    """Did ``model``'s decoder fall back to sampling since its threads started (for any transcriber)?"""
    return id(model.model) in _SAMPLED


def replace_decoder(model: CapturingWhisperModel, path: str, compute_type: str, threads: int) -> None:
    """Give ``model`` a new decoder on the same weights (new threads, seeded afresh). Other
    transcribers keep the old one (still marked as sampled) until they replace it too."""
    model.model = None  # the old weights go first: two copies at once raised the peak by ~100 MB
    model.model = ct2_whisper(path, compute_type, threads)


def decoder(model: CapturingWhisperModel):
    """The CTranslate2 Whisper that decodes for ``model`` now."""
    return model.model


def local_path(name: str) -> str:
    """The local folder of a model faster-whisper downloaded (it is in the cache once loaded)."""
    from faster_whisper.utils import download_model

    return download_model(name, local_files_only=True)


def speech_spans(samples, min_speech_ms: int, min_silence_ms: int = 2000, pad_ms: int = 400) -> list[tuple[int, int]]:
    """Silero VAD's speech spans in ``samples`` (16 kHz), as sample ranges: spans closer than
    ``min_silence_ms`` are one, each padded by ``pad_ms`` (faster-whisper's defaults); a span
    still open at the end of ``samples`` ends there."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(min_speech_duration_ms=min_speech_ms, min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms)
    return [(t["start"], t["end"]) for t in get_speech_timestamps(samples, vad)]


@dataclass(frozen=True)
class ProbeText:
    """What the hesitation probe needs of Whisper's tokenizer, as plain values.

    Attributes:
        head: the decoder prompt before a window's text: previous-text marker, ``previous`` text,
            start of transcript (English, transcribe), no timestamps.
        eot: the end-of-text token; text tokens are below it.
        decode: token ids -> text.
        single_token: text -> its token id if the text is one token, else None.
    """

    head: tuple[int, ...]
    eot: int
    decode: Callable[[list[int]], str]
    single_token: Callable[[str], int | None]


def probe_text(model: CapturingWhisperModel, previous: str, language: str) -> ProbeText:
    tok = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
    hf = model.hf_tokenizer

    def single(text: str) -> int | None:
        ids = hf.encode(text, add_special_tokens=False).ids
        return ids[0] if len(ids) == 1 else None

    head = (tok.sot_prev, *tok.encode(previous), *tok.sot_sequence, tok.no_timestamps)
    return ProbeText(head=head, eot=tok.eot, decode=tok.decode, single_token=single)


def window_job(model: CapturingWhisperModel, segments: list, encoding, offset_s: float) -> tuple:
    """One finished window for the probe: (encoder output, its text tokens, faster-whisper's words,
    (start_s, end_s) of the window, offset_s of the piece)."""
    fe = model.feature_extractor
    start = segments[0].seek * fe.time_per_frame
    return (encoding, [t for s in segments for t in s.tokens], [w for s in segments for w in (s.words or [])],
            (start, start + fe.chunk_length), offset_s)
