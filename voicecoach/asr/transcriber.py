"""The faster-whisper transcriber (CTranslate2, int8 on CPU): models loaded once per process,
recordings transcribed piece by piece (voicecoach.asr.run)."""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache

from voicecoach.asr.run import PieceRun
from voicecoach.asr.types import ENGLISH, Transcript, TranscriptionOptions
from voicecoach.audio.load import SAMPLE_RATE, Audio
from voicecoach.models import ResolvedModel, resolve

log = logging.getLogger("voicecoach")

MIN_SPEECH_MS = 250  # a piece with no speech this long is skipped (not shown to Whisper)
HALLUCINATION_SILENCE_S = 2.0  # faster-whisper skips silences this long around suspected hallucinations
# Workers on the encoder's own CTranslate2 model: the pieces encode on one, the cue line's drafts on
# the other (docs/live.md, Drafts beside the pieces).
ENCODER_REPLICAS = 2
PROBE_BATCH = 8  # windows per probe call when no core is idle (each holds a 3-MB encoder output)


@dataclass(frozen=True)
class ThreadPlan:
    """CTranslate2 threads for each job of a transcription.

    Whisper's beam search works on small matrices, where a second thread helps little or not at
    all, while the encoder's large matrices use every core. So the decoder gets half the cores, the
    encoder all of them (a CTranslate2 model of its own on the same weights), and the hesitation
    probe the other half, reading window k while the decoder writes window k+1. With one thread in
    all (a batch worker) no core is idle: the probe reads ``probe_windows`` windows in one batched
    call on the decoder's own model. docs/results/perf-0-5-5-the-decoder-s-threads-measured-on-each-host.md
    has the measurements.
    """

    decode: int
    encode: int
    probe: int
    probe_windows: int = 1
    probe_own_model: bool = True

    @property
    def own_encoder(self) -> bool:
        """Does the encoder get a CTranslate2 model of its own (the live drafts run there too)?"""
        return self.encode > 1

    @classmethod
    def for_threads(cls, cpu_threads: int = 0) -> ThreadPlan:
        """The plan for ``cpu_threads`` in all (0 = one per core)."""
        cores = max(1, cpu_threads or (os.cpu_count() or 1))
        decode = max(1, cores // 2)
        return cls(
            decode=decode,
            encode=cores,
            probe=max(1, cores - decode),
            probe_windows=1 if cores > 1 else PROBE_BATCH,
            probe_own_model=cores > 1,
        )


@lru_cache(maxsize=4)
def _load_helper(path: str, compute_type: str, threads: int, replicas: int = 1):
    """A CTranslate2 Whisper on the same weights with its own thread count (see ThreadPlan)."""
    from voicecoach.asr import engine

    return engine.ct2_whisper(path, compute_type, threads, replicas)


class WhisperTranscriber:
    """Transcribes with word timestamps. Build once, call :meth:`transcribe` for many files."""

    def __init__(self, options: TranscriptionOptions = TranscriptionOptions()):
        self.options = options
        self.plan = ThreadPlan.for_threads(options.cpu_threads)
        self.resolved: ResolvedModel = resolve(options.model)
        self._model = None
        self._probe_tools = None

    @property
    def model(self):
        """This transcriber's faster-whisper model (voicecoach.asr.engine), loaded on first use."""
        if self._model is None:
            from voicecoach.asr import engine

            o, plan = self.options, self.plan
            own_encoder = plan.own_encoder and o.tuning.own_encoder
            # The encoder's model loads beside the main one (a downloaded model's folder is known
            # only once the main one is loaded).
            with ThreadPoolExecutor(max_workers=1) as pool:
                early = (
                    pool.submit(self._helper, plan.encode, ENCODER_REPLICAS)
                    if own_encoder and not self.resolved.downloads
                    else None
                )
                hooks = engine.Hooks(tuning=o.tuning)
                model = engine.load_model(
                    self.resolved.path, o.compute_type, plan.decode, self.resolved.downloads, hooks
                )
                if own_encoder:
                    encoder = early.result() if early else self._helper(plan.encode, ENCODER_REPLICAS)
                    model = engine.with_hooks(model, replace(hooks, encoder=encoder))
            self._model = model
        return self._model

    def drafter(self, options: TranscriptionOptions, context_s: float) -> WhisperTranscriber:
        """A transcriber with ``options`` on this one's weights, for quick drafts on another thread
        beside this one's transcriptions (voicecoach.asr.live): its model object hears ``context_s``
        of a short window and runs on the encoder's CTranslate2 model if there is one
        (engine.draft_model)."""
        from voicecoach.asr import engine

        quick = copy.copy(self)  # (not a new WhisperTranscriber: that resolves the model again)
        quick.options = options
        quick._model = engine.draft_model(self.model, context_s)
        quick._probe_tools = None
        return quick

    def speech_spans(self, samples) -> list[tuple[float, float]]:
        """Where Silero VAD hears speech in ``samples``, in seconds (none: Whisper would only invent
        text in its silence or noise)."""
        from voicecoach.asr import engine

        return [(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in engine.speech_spans(samples, MIN_SPEECH_MS)]

    def segments(self, samples, language: str | None, call=None):
        """faster-whisper's segments of ``samples`` with these options and ``call``'s hooks
        (engine.Call; None: none)."""
        from voicecoach.asr import engine

        o = self.options
        extra = dict(o.extra)
        if not o.vad_filter:
            extra.setdefault("hallucination_silence_threshold", HALLUCINATION_SILENCE_S)
        return self.model.run(
            samples,
            call or engine.Call(),
            language=language,
            beam_size=o.beam_size,
            word_timestamps=True,
            vad_filter=o.vad_filter,
            initial_prompt=o.initial_prompt,
            hotwords=o.window_prompt,
            condition_on_previous_text=o.condition_on_previous_text,
            **extra,
        )

    def transcribe(self, audio: Audio, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """Transcribe ``audio``; ``on_progress`` receives seconds of audio done as pieces finish.

        The recording is transcribed piece by piece (voicecoach.asr.pieces), as voicecoach.asr.live
        does while it is recorded, so both write the same words. For a multilingual model the
        language is detected first; speech where another language ranks above English comes back
        as an empty transcript whose ``detected_language`` says which (``english_probability``: how
        likely English was).
        """
        samples = audio.samples
        run = self.begin(on_progress)
        try:
            start = 0
            while not run.declined:
                cut = run.next_cut(samples, start)
                end = len(samples) if cut is None else cut
                run.add(samples[start:end], start / SAMPLE_RATE, last=cut is None)
                if cut is None:
                    break
                start = cut
            return run.result(audio.duration_s)
        finally:
            run.close()

    def begin(self, on_progress: Callable[[float], None] | None = None) -> PieceRun:
        """Start transcribing one recording piece by piece (voicecoach.asr.run.PieceRun): ``add``
        each piece in order, then ``result``, and ``close`` in any case."""
        return PieceRun(self, on_progress)

    def _local_path(self) -> str:
        if self.resolved.downloads:  # the main model is loaded, so its files are in the local cache
            from voicecoach.asr import engine

            return engine.local_path(self.resolved.path)
        return self.resolved.path

    def _helper(self, threads: int, replicas: int = 1):
        """A CTranslate2 Whisper on this model's weights with ``threads`` threads (see ThreadPlan)
        and ``replicas`` workers."""
        return _load_helper(self._local_path(), self.options.compute_type, threads, replicas)

    def fresh_decoder(self) -> None:
        """Give the decoder new threads if the last file fell back to sampling.

        Each CTranslate2 worker thread draws from its own random generator, seeded once. Without
        this, a file scored after one that sampled would continue that sequence and could be heard
        differently than when scored alone: of the 27 real recordings scored in one process, 3 read
        differently from a fresh process (one "uh" more or less). New threads start from the seed,
        as in a fresh process; it costs a reload of the decoder's weights (0.2 s for base), and
        only after a file that sampled."""
        from voicecoach.asr import engine

        model = self.model
        if not engine.has_sampled(model):
            return
        log.info("Whisper fell back to sampling in the last file: its decoder restarts from the seed")
        engine.replace_decoder(model, self._local_path(), self.options.compute_type, self.plan.decode)

    def probe(self, windows: list) -> list:
        """Hesitation cues for finished 30-s windows, (segments, encoder output, offset_s) each, in
        one call (see voicecoach.asr.probe)."""
        from voicecoach.asr import engine
        from voicecoach.asr.probe import PRIMING_TEXT, hesitation_ids, probe_windows

        m = self.model
        if self._probe_tools is None:
            text = engine.probe_text(m, PRIMING_TEXT, ENGLISH)
            own = self.plan.probe_own_model and self.options.tuning.probe_own_model
            self._probe_tools = (text, hesitation_ids(text), self._helper(self.plan.probe) if own else None)
        text, ids, own = self._probe_tools
        prober = own if own is not None else engine.decoder(m)  # as it is now (fresh_decoder replaces it)
        return probe_windows(prober, text, [engine.window_job(m, *w) for w in windows], ids)
