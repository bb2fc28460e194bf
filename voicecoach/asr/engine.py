"""The one seam to faster-whisper: ``HookedWhisperModel``, its ``WhisperModel.transcribe`` with the
hooks that earned their place (docs/performance.md, "What each piece of the ASR layer buys").

The rest of voicecoach uses faster-whisper's public API (``transcribe`` and the ``Segment`` and
``Word`` it yields) through this module only. Here it reaches past that API, and
``tests/test_engine_contract.py`` checks each of these on a real tiny.en run (what each hook receives
and returns), so an upgrade that changes one fails there:

- ``encode`` (overridden): each 30-s window's encoder output goes to the call's ``on_encoded``
  (the hesitation probe), a second CTranslate2 model can encode (``Hooks.encoder``), a draft's
  short window is encoded without most of its padding (``Hooks.context_frames``), a later window
  that holds only a short remainder raises ``Remainder`` instead (the carry), and the first window
  is encoded once for the language check and the transcription (with ``detect_language``);
- ``generate_with_fallback`` (overridden, calling faster-whisper's own): its result a tuple
  (result, avg_logprob, temperature, compression_ratio); its prompt laid out as ``get_prompt``
  lays it out (``sot_prev``, the window prompt, ``sot``...);
- ``model`` (the CTranslate2 decoder), ``max_length``, ``time_precision``, ``hf_tokenizer``,
  ``feature_extractor``, ``Segment.seek`` and ``Segment.tokens``; the ``Tokenizer``'s special tokens;
- the order of ``generate_segments``: a window is encoded, decoded, its segments yielded, then the
  next window is encoded (the probe takes the segments between two encodings as one window).

What is fixed for a model object is one frozen ``Hooks``; what changes per transcription is one
``Call``. This module imports faster-whisper at import time: import it inside the functions that
need it.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.feature_extractor import FeatureExtractor
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_compression_ratio, get_ctranslate2_storage

from voicecoach import numerics
from voicecoach.asr.loops import loop_start
from voicecoach.asr.types import Tuning
from voicecoach.errors import ModelError

log = logging.getLogger("voicecoach")

RANDOM_SEED = 0
ENCODED_WINDOW_FRAMES = 1500  # a 30-s window's 3000 mel frames, halved by the encoder
SHORT_WINDOW_S = 1.0  # the read-on stops this close (half of it) to the end of a window's audio
# Speech runs at ~3 words (~4 tokens) a second; Whisper adds two timestamp tokens a segment. A window
# may write at most this many tokens a second of its audio, plus EXTRA_TOKENS (a loop, not speech,
# goes beyond: docs/live.md, "A window that loops").
MAX_TOKENS_PER_S = 10
EXTRA_TOKENS = 16


class Remainder(Exception):
    """Raised out of a transcription (from ``HookedWhisperModel.encode``) instead of encoding a
    window that is a short remainder of its input: ``frames`` spectrogram frames were left after the
    last word Whisper wrote. Everything before them is already yielded."""

    def __init__(self, frames: int):
        super().__init__(f"{frames} frames left")
        self.frames = frames


@dataclass(frozen=True)
class Hooks:
    """What is fixed for one model object (``with_hooks``).

    Attributes:
        tuning: which of voicecoach's pieces are on (voicecoach.asr.types.Tuning).
        encoder: a CTranslate2 Whisper that encodes (more threads than the decoder; ThreadPlan), or None.
        context_frames: the encoder hears only this many spectrogram frames of a window whose audio
            fits in half of them (the audio, then zero frames); None: all 30 s, as Whisper was
            trained. For the cue line's drafts (voicecoach.asr.live.drafter).
    """

    tuning: Tuning = Tuning()
    encoder: object | None = None
    context_frames: int | None = None


@dataclass
class Call:
    """One transcription's state (``HookedWhisperModel.run``).

    Attributes:
        on_encoded: gets each window's encoder output (the hesitation probe), or None.
        leave_frames: a window after the first with at most this many frames of audio raises
            Remainder rather than being encoded (the carry into the next piece); None: every window
            is transcribed.
        finish_open: no audio follows this transcription's last window (``Tuning.read_on``).
        windows: windows encoded so far.
        window_s: seconds of audio in the window encoded last (the rest of its 30 s is padding).
    """

    on_encoded: Callable | None = None
    leave_frames: int | None = None
    finish_open: bool = False
    windows: int = 0
    window_s: float | None = None


@dataclass
class _Decoder:
    """Whether a CTranslate2 decoder fell back to sampling since its threads started (its threads'
    random sequences moved on, so the next file would not be heard as in a fresh process). Shared
    by every model object on that decoder."""

    sampled: bool = False


class HookedWhisperModel(WhisperModel):
    """faster-whisper's WhisperModel with voicecoach's hooks (the module docstring lists them).

    ``load_model`` hands each transcriber its own object (the weights shared), ``with_hooks`` sets
    its ``Hooks``, and ``run`` transcribes with one ``Call``."""

    hooks = Hooks()
    call = Call()
    decoder_state = _Decoder()
    _last = None  # (features, encoding) of the last window encoded (Tuning.encode_once)

    def run(self, samples, call: Call, **options):
        """faster-whisper's ``transcribe(samples, **options)``, its segments, with ``call``'s hooks."""
        self.call = call
        try:
            segments, _ = self.transcribe(samples, **options)
            yield from segments
        finally:
            self.call = Call()

    def generate_with_fallback(self, encoder_output, prompt, tokenizer, options):
        tuning, window_s = self.hooks.tuning, self.call.window_s
        if tuning.token_cap and window_s is not None:
            # A window that loops ("you know, you know, ...") is decoded to Whisper's 448 tokens at
            # every temperature: 6.2 s of the lecture's end took 19 s that way. Speech needs far
            # fewer tokens than MAX_TOKENS_PER_S, so a loop is cut where no speech could go on.
            cap = max(1, min(self.max_length - len(prompt), int(MAX_TOKENS_PER_S * window_s) + EXTRA_TOKENS))
            if options.max_new_tokens is None or options.max_new_tokens > cap:
                options = dataclasses.replace(options, max_new_tokens=cap)
        result = super().generate_with_fallback(encoder_output, prompt, tokenizer, options)
        if (
            self.call.finish_open
            and tuning.read_on
            and result[2] == 0
            and window_s is not None
            and window_s < self.feature_extractor.chunk_length
        ):
            result = self._finish(encoder_output, prompt, tokenizer, options, result)
        if result[2] > 0:  # (result, avg_logprob, temperature, compression_ratio): sampled
            self.decoder_state.sampled = True
        return result

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
        window_s = self.call.window_s
        for _ in range(self.hooks.tuning.read_on):
            if len(tokens) < 2 or tokens[-1] < ts or tokens[-2] < ts:
                break
            opened_s = (tokens[-1] - ts) * self.time_precision
            if opened_s >= window_s - SHORT_WINDOW_S / 2:
                break
            # (as many tokens as the audio after it could hold: a loop is cut where speech could not go on)
            room = min(
                (options.max_new_tokens or self.max_length) - len(tokens),
                int(MAX_TOKENS_PER_S * (window_s - opened_s)) + EXTRA_TOKENS,
            )
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
                encoder_output,
                [start],
                beam_size=options.beam_size,
                patience=options.patience,
                length_penalty=options.length_penalty,
                repetition_penalty=options.repetition_penalty,
                no_repeat_ngram_size=options.no_repeat_ngram_size,
                max_length=len(start) + room,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
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
                k = (
                    next(
                        k
                        for k in range(1, len(new) + 1)
                        if len(tokenizer.decode([t for t in new[:k] if t < tokenizer.eot]).split()) > keep
                    )
                    - 1
                )
                new = [t for t in new[:k] if t < tokenizer.eot]
                new.append(ts + min(int(window_s / self.time_precision), ENCODED_WINDOW_FRAMES))
                text = tokenizer.decode(new[:-1]).strip()
            if not text or (
                options.compression_ratio_threshold is not None
                and get_compression_ratio(text) > options.compression_ratio_threshold
            ):
                break  # (nothing written, or a loop: faster-whisper's own way reads it again)
            log.debug(
                "the window's last segment was open at %.2f s: read on, %d token(s): %s", opened_s, len(new), text
            )
            tokens += new
            added = True
        if not added:
            return result
        return (_Decoded([tokens], result[0].no_speech_prob), *result[1:])

    def detect_language(self, audio=None, features=None, **kwargs):
        # faster-whisper 1.2 hands the language check the spectrogram with one frame more than
        # the transcription reads (its content_frames leave out the last one). In a piece under
        # 30 s the two first windows then differ, and the window was encoded twice (JFK's 11 s scored
        # in 1.33 x the time; docs/performance.md). Without that frame the check hears what is transcribed.
        if (
            self.hooks.tuning.encode_once
            and audio is None
            and features is not None
            and 1 < features.shape[-1] <= self.feature_extractor.nb_max_frames
        ):
            features = features[..., :-1]
        return super().detect_language(audio=audio, features=features, **kwargs)

    def encode(self, features):
        hooks, call = self.hooks, self.call
        # faster-whisper pads a window's spectrogram with zero frames (pad_or_trim); a real frame,
        # even of digital silence, is never all zero after its log-mel normalisation
        frames = features if features.ndim == 2 else features[0]
        real = np.flatnonzero(np.any(frames != 0, axis=0))
        frames_in = int(real[-1]) + 1 if real.size else 0
        call.window_s = frames_in * self.feature_extractor.time_per_frame
        if hooks.context_frames is not None and frames_in <= hooks.context_frames // 2:
            # (at least as much padding as audio: with none, base looped on 6 s of the lecture)
            features = features[..., : hooks.context_frames]
        if call.leave_frames is not None:
            # a later window starts where the last word Whisper wrote ended; it holds the rest
            call.windows += 1
            if call.windows > 1 and frames_in <= call.leave_frames:
                raise Remainder(frames_in)
        if (
            hooks.tuning.encode_once
            and self._last is not None
            and self._last[0].shape == features.shape
            and np.array_equal(self._last[0], features)
        ):
            # faster-whisper 1.2 encodes the first window twice: to detect the language, then
            # to transcribe it (0.4 s on 2 cores; see detect_language for pieces under 30 s)
            encoding = self._last[1]
        elif hooks.encoder is None:
            encoding = super().encode(features)
        else:
            batch = features if features.ndim == 3 else np.expand_dims(features, 0)
            encoding = hooks.encoder.encode(get_ctranslate2_storage(batch))
        if hooks.tuning.encode_once:
            self._last = (features, encoding)
        if call.on_encoded:
            call.on_encoded(encoding)
        return encoding


@dataclass(frozen=True)
class _Decoded:
    """What generate_segments reads of a CTranslate2 WhisperGenerationResult."""

    sequences_ids: list
    no_speech_prob: float


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
        waveform = (
            np.pad(np.asarray(waveform, np.float32), (0, padding)) if padding else np.asarray(waveform, np.float32)
        )
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
    return ctranslate2.models.Whisper(
        path, device="cpu", compute_type=compute_type, intra_threads=threads, inter_threads=replicas
    )


@lru_cache(maxsize=2)
def _load_shared(path: str, compute_type: str, threads: int, downloads: bool) -> HookedWhisperModel:
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
                model = HookedWhisperModel(
                    path, device="cpu", compute_type=compute_type, cpu_threads=threads, local_files_only=True
                )
            except Exception:  # not cached yet: the user named a model that must be downloaded
                log.warning("downloading model '%s' (needs internet)", path)
        if model is None:
            model = HookedWhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=threads)
    except Exception as e:  # CTranslate2 and huggingface_hub raise many types
        how = (
            "it could not be downloaded (no internet?); use an offline model such as base or tiny.en"
            if downloads
            else "its files are damaged or not a CTranslate2 Whisper model"
        )
        detail = " ".join(str(e).split())[:120]
        raise ModelError(f"cannot load model '{path}': {how} ({type(e).__name__}: {detail})") from e
    if numerics.active() == numerics.REPRODUCIBLE:
        model.feature_extractor = FixedOrderFeatures(model.feature_extractor)
    model.decoder_state = _Decoder()
    return model


def load_model(path: str, compute_type: str, threads: int, downloads: bool, hooks: Hooks) -> HookedWhisperModel:
    """A model object for one transcriber, with ``hooks``. The weights are loaded once per process
    and shared (so is the decoder, and whether it sampled); the object is the caller's own."""
    return with_hooks(_load_shared(path, compute_type, threads, downloads), hooks)


def with_hooks(model: HookedWhisperModel, hooks: Hooks) -> HookedWhisperModel:
    """A model object on ``model``'s weights and decoder with ``hooks`` (nothing encoded yet)."""
    own = copy.copy(model)
    own.hooks, own.call, own._last = hooks, Call(), None
    return own


def draft_model(model: HookedWhisperModel, context_s: float) -> HookedWhisperModel:
    """A model object for quick drafts on another thread beside ``model``'s transcriptions: the
    same weights, the encoder hearing ``context_s`` of a short window. When ``model`` encodes on a
    CTranslate2 model of its own (ThreadPlan), the drafts encode and decode on that one, so they
    never queue behind the decoder. A draft never samples (greedy), so it never restarts a decoder."""
    frames = int(context_s / model.feature_extractor.time_per_frame)
    quick = with_hooks(model, dataclasses.replace(model.hooks, encoder=None, context_frames=frames))
    if model.hooks.encoder is not None:
        quick.model = model.hooks.encoder
    quick.decoder_state = _Decoder()
    return quick


def has_sampled(model: HookedWhisperModel) -> bool:
    """Did ``model``'s decoder fall back to sampling since its threads started (for any transcriber)?"""
    return model.decoder_state.sampled


def replace_decoder(model: HookedWhisperModel, path: str, compute_type: str, threads: int) -> None:
    """Give ``model`` a new decoder on the same weights (new threads, seeded afresh). Other
    transcribers keep the old one (still marked as sampled) until they replace it too."""
    model.model = None  # the old weights go first: two copies at once raised the peak by ~100 MB
    model.model = ct2_whisper(path, compute_type, threads)
    model.decoder_state = _Decoder()


def decoder(model: HookedWhisperModel):
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


def probe_text(model: HookedWhisperModel, previous: str, language: str) -> ProbeText:
    tok = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
    hf = model.hf_tokenizer

    def single(text: str) -> int | None:
        ids = hf.encode(text, add_special_tokens=False).ids
        return ids[0] if len(ids) == 1 else None

    head = (tok.sot_prev, *tok.encode(previous), *tok.sot_sequence, tok.no_timestamps)
    return ProbeText(head=head, eot=tok.eot, decode=tok.decode, single_token=single)


def window_job(model: HookedWhisperModel, segments: list, encoding, offset_s: float) -> tuple:
    """One finished window for the probe: (encoder output, its text tokens, faster-whisper's words,
    (start_s, end_s) of the window, offset_s of the piece)."""
    fe = model.feature_extractor
    start = segments[0].seek * fe.time_per_frame
    return (
        encoding,
        [t for s in segments for t in s.tokens],
        [w for s in segments for w in (s.words or [])],
        (start, start + fe.chunk_length),
        offset_s,
    )
