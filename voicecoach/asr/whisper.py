"""The faster-whisper engine (CTranslate2, int8 on CPU), loaded once per process."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

from voicecoach import numerics
from voicecoach.asr.models import ResolvedModel, resolve
from voicecoach.asr.pieces import PIECE_SEARCH_S, next_cut
from voicecoach.asr.types import Segment, Transcript, TranscriptionOptions, Word
from voicecoach.audio.load import SAMPLE_RATE, Audio

log = logging.getLogger("voicecoach")

ENGLISH = "en"
MIN_SPEECH_MS = 250  # a piece with no speech this long is skipped (not shown to Whisper)
HALLUCINATION_SILENCE_S = 2.0  # faster-whisper skips silences this long around suspected hallucinations
SILENCE_DBFS = -55.0  # a word whose every 30-ms frame is quieter than this was said in silence
# Workers on the encoder's own CTranslate2 model: the pieces encode on one, the cue line's drafts run
# on the other (0.5.3: the cue line at most 4.0-4.5 s behind the speech in 4- and 10-minute answers,
# against 5.0 and 6.3 s with one worker; ~90 MB more at the peak; docs/live.md, Drafts beside the
# pieces). `score` never calls the second one, and still pays ~27 MB for it (peak 944 against 916 MB
# on the lecture, measured once): not worth a switch through every caller.
ENCODER_REPLICAS = 2
PROBE_BATCH = 8  # windows per probe call when no core is idle (each holds a 3-MB encoder output)
# Speech Whisper passed over: at least this long with no word in it is transcribed again on its own
# (WhisperTranscriber._refill), with this much audio either side.
UNTRANSCRIBED_S = 2.0
# ... and at the end of a recording, speech after the last word that is audible (above SILENCE_DBFS)
# for at least this long, decoded without the window prompt: Whisper can end a window early and
# then drop the short window left (faster-whisper's hallucination check, with silence after it).
# On JFK after 0-4 s of quiet this lost "do for your country" in 5 of 34 starts, and in none with
# this; the 27 references' scores did not move (docs/evaluation.md, Where the answer starts).
TRAILING_UNTRANSCRIBED_S = 1.0
REFILL_PAD_S = 0.3
SPEECH_JOIN_S = 0.5  # Silero's speech spans closer than this are one stretch
OVERLAP_TOLERANCE_S = 0.05  # a refilled word whose middle is this close to a first-pass word is that word


def untranscribed(spans: list[tuple[float, float]], words: list[tuple[float, float]],
                  min_s: float = UNTRANSCRIBED_S) -> list[tuple[float, float]]:
    """Stretches of speech (Silero's ``spans``, joined across gaps under SPEECH_JOIN_S) that no word
    (``words``: start, end) covers for at least ``min_s``. Times in seconds, sorted."""
    joined: list[list[float]] = []
    for a, b in sorted(spans):
        if joined and a - joined[-1][1] < SPEECH_JOIN_S:
            joined[-1][1] = max(joined[-1][1], b)
        else:
            joined.append([a, b])
    covered = sorted(words)
    out = []
    for a, b in joined:
        t = a
        for w0, w1 in covered:
            if w1 <= t or w0 >= b:
                continue
            if w0 - t >= min_s:
                out.append((t, w0))
            t = max(t, w1)
        if b - t >= min_s:
            out.append((t, b))
    return out


def new_words(refilled: list, first_pass: list[tuple[float, float]]) -> list:
    """The refilled words (``.start_s``, ``.end_s``) the first pass does not have: none whose middle
    lies on a first-pass word (start, end), give or take OVERLAP_TOLERANCE_S. A refill's window is
    padded, and Whisper can read on past the stretch into words the first pass wrote (seen: "say. I'm
    not saying" twice at a window's edge, "and here's" twice); those would be counted twice."""
    out = []
    for w in refilled:
        mid = (w.start_s + w.end_s) / 2
        if not any(a - OVERLAP_TOLERANCE_S <= mid <= b + OVERLAP_TOLERANCE_S for a, b in first_pass):
            out.append(w)
    return out


class _Loudness:
    """Which 30-ms frames of a piece are louder than SILENCE_DBFS, computed once for the piece."""

    def __init__(self, samples):
        from voicecoach.audio.levels import FRAME_S, frame_dbfs

        self.frame_s = FRAME_S
        self.loud = frame_dbfs(samples, FRAME_S) > SILENCE_DBFS

    def audible(self, start_s: float, end_s: float) -> bool:
        """Is any frame of the span loud? Whisper can repeat earlier text into a long silence; such
        words sit in near-silent audio."""
        import numpy as np

        a = max(int(start_s / self.frame_s), 0)
        return bool(self.loud[a:max(a + 1, int(np.ceil(end_s / self.frame_s)))].any())

    def seconds(self, start_s: float, end_s: float) -> float:
        """How much of the span is loud."""
        a, b = (max(int(t / self.frame_s), 0) for t in (start_s, end_s))
        return float(self.loud[a:b].sum() * self.frame_s)


@dataclass(frozen=True)
class ThreadPlan:
    """CTranslate2 threads for each job of a transcription.

    Measured on the 203-s lecture (2 cores): Whisper's beam search works on small matrices, and a
    second thread slows it down (bare faster-whisper took 12.7 s with 1 thread, 14.8-16.7 s with 2),
    while the encoder's large matrices use both (0.43 s per 30-s window against 0.72 s). So the
    decoder gets half the cores, the encoder all of them, and the hesitation probe the other half,
    reading window k while the decoder writes window k+1. Each job with its own thread count needs
    its own CTranslate2 model on the same weights.

    With one thread (a batch worker, one per core) no core is idle: the probe's CPU time adds to the
    decoder's. Then it reads ``probe_windows`` windows in one batched call, which halves its CPU time
    (the 8 windows of the lecture: 2.1 s batched against 4.4 s one by one, the same cues), and it
    reads on the decoder's own model (``probe_own_model`` False): a second model gains nothing
    without an idle core, and costs its weights and buffers. Measured on the lecture, one thread,
    two runs each: 15.0-15.2 s and 817-883 MB at the end with a model of its own, 15.1-15.5 s and
    459-476 MB on the decoder's, the same words and cues (the probe decodes greedily, so it draws
    nothing from the decoder's random sequence). With two cores the probe keeps its own model:
    on the encoder's (two threads) the lecture took 13.2-13.6 s against 11.4-12.5 s, and on the
    decoder's, where it waits for the decoder, 14.5 s.

    Without the probe (``--fillers verbatim``, the default since 0.3) the decoder keeps half the
    cores too, and the encoder all of them: two hosts of three decoded faster on one thread, by
    about a third, the third on two (docs/performance.md, 0.5.5).

    Since 0.5.5 that choice is measured on each machine: without the probe, ``widen`` is every
    core, and the decoder gets them when a timing at its first load finds them at least 10 %
    faster (voicecoach.asr.threads; docs/performance.md has the timings). `practice` keeps the
    decoder on its half (WhisperTranscriber.share_cores). With more than one core the encoder has a
    model of its own even when its threads equal the decoder's, as it had before.
    """

    decode: int
    encode: int
    probe: int
    probe_windows: int = 1
    probe_own_model: bool = True
    widen: int = 0  # the decoder's threads if measured faster on them (0: no choice to make)

    @property
    def own_encoder(self) -> bool:
        """Does the encoder get a CTranslate2 model of its own (the live drafts run there too)?"""
        return self.encode > 1

    @classmethod
    def for_threads(cls, cpu_threads: int = 0, probe: bool = True) -> "ThreadPlan":
        """The plan for ``cpu_threads`` in all (0 = one per core); ``probe``: whether the hesitation
        probe runs beside the decoder (it gets the cores the decoder leaves)."""
        cores = max(1, cpu_threads or (os.cpu_count() or 1))
        decode = max(1, cores // 2)
        return cls(decode=decode, encode=cores, probe=max(1, cores - decode),
                   probe_windows=1 if cores > 1 else PROBE_BATCH, probe_own_model=cores > 1,
                   widen=cores if cores > decode and not probe else 0)

    def measured(self, model_path: str, compute_type: str) -> "ThreadPlan":
        """This plan with the decoder's threads chosen by a timing on this machine (once; see
        voicecoach.asr.threads), if it has a choice."""
        if not self.widen:
            return self
        from voicecoach.asr.threads import decoder_threads

        return replace(self, decode=decoder_threads(model_path, compute_type, self.decode, self.widen), widen=0)


@lru_cache(maxsize=4)
def _load_helper(path: str, compute_type: str, threads: int, replicas: int = 1):
    """A CTranslate2 Whisper on the same weights with its own thread count (see ThreadPlan)."""
    from voicecoach.asr import engine

    return engine.ct2_whisper(path, compute_type, threads, replicas)


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

    def take(self, other: "ProbeQueue") -> None:
        """Probe ``other``'s windows as this queue's, after its own (PieceRun.adopt)."""
        self.flush()
        self._hand_over()
        other.flush()
        other._hand_over()
        self._futures.extend(other._futures)


class WhisperTranscriber:
    """Transcribes with word timestamps. Build once, call :meth:`transcribe` for many files."""

    def __init__(self, options: TranscriptionOptions = TranscriptionOptions()):
        self.options = options
        self.plan = ThreadPlan.for_threads(options.cpu_threads, probe=options.probe_hesitations)
        self.resolved: ResolvedModel = resolve(options.model)
        self._alone: ThreadPlan | None = None  # the plan before share_cores
        self._model = None
        self._probe_tools = None

    def share_cores(self) -> None:
        """Keep the decoder on its share of the cores, not measured for more: for a transcription
        beside a recording, as practice's is: on a host where `score` is faster with the decoder on
        both cores, practice's pieces were slower that way beside the cue line's drafts, and so was
        the stop key -> report (docs/performance.md, 0.5.5). Call it before the model loads; :meth:`decode_alone` takes
        the measured threads back for the work left after the recording."""
        self._alone = self.plan
        self.plan = replace(self.plan, widen=0)

    def decode_alone(self) -> None:
        """From now on decode as if alone on the machine (after :meth:`share_cores`; practice's last
        piece, after the stop key): on every core, if a timing found the decoder faster there
        (ThreadPlan.measured). The decoder then runs on the encoder's CTranslate2 model, which has
        every core already, so nothing is loaded. Where the timing chose every core, the last
        piece was faster that way, with the same words (docs/performance.md, 0.5.5)."""
        model = self.model
        alone, self._alone = self._alone, None
        if alone is not None and model.encoder is not None and alone.decode == self.plan.encode != self.plan.decode:
            model.model = model.encoder
            log.info("decoding on %d threads from now on (as timed alone on this machine)", alone.decode)

    @property
    def model(self):
        """This transcriber's faster-whisper model (voicecoach.asr.engine), loaded on first use."""
        if self._model is None:
            from voicecoach.asr import engine

            o = self.options
            if not self.resolved.downloads and o.tuning.time_decoder:  # (a downloaded model's folder: once loaded)
                self.plan = self.plan.measured(self.resolved.path, o.compute_type)
                if self._alone is not None:  # (timed now, while loading, not after the stop)
                    self._alone = self._alone.measured(self.resolved.path, o.compute_type)
            plan = self.plan
            own_encoder = plan.own_encoder and o.tuning.own_encoder
            # The encoder's model loads beside the main one (a downloaded model's folder is known
            # only once the main one is loaded).
            with ThreadPoolExecutor(max_workers=1) as pool:
                early = pool.submit(self._helper, plan.encode, ENCODER_REPLICAS) if own_encoder and not self.resolved.downloads else None
                model = engine.load_model(self.resolved.path, o.compute_type, plan.decode, self.resolved.downloads)
                model.tuning = o.tuning
                if own_encoder and model.encoder is None:
                    model.encoder = early.result() if early else self._helper(plan.encode, ENCODER_REPLICAS)
            self._model = model
        return self._model

    @staticmethod
    def _speech_spans(samples) -> list[tuple[float, float]]:
        """Where Silero VAD hears speech in this piece, in seconds (none: Whisper would only invent
        text in its silence or noise)."""
        from voicecoach.asr import engine

        return [(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in engine.speech_spans(samples, MIN_SPEECH_MS)]

    def _refill(self, piece, offset_s: float, language: str, spans, words, level: "_Loudness") -> list[Segment]:
        """Transcribe again, alone, each stretch of speech Whisper passed over without a word.

        Whisper can jump its timestamps past speech: under the verbatim prompt, without the previous
        window's text, base skipped 59.8-73.9 s of the 203-s lecture (bare faster-whisper alike).
        Each stretch of at least UNTRANSCRIBED_S where Silero hears speech and no word lies is decoded
        on its own (a short window Whisper reads through), and the words the first pass does not
        already have are put in place (``new_words``). At the end of the recording a shorter
        stretch counts too, if it is audible for TRAILING_UNTRANSCRIBED_S: the last words of an
        answer are the ones a window ended early leaves alone in a short window of their own."""
        out = []
        model = self.model
        hook, model.on_encoded = model.on_encoded, None  # refills are not probed: their windows overlap
        try:
            near = [(w.start_s - offset_s, w.end_s - offset_s) for w in words]
            trailing = TRAILING_UNTRANSCRIBED_S if self.options.tuning.trailing_refill else UNTRANSCRIBED_S
            for a_s, b_s in untranscribed(spans, near, trailing):
                short = b_s - a_s < UNTRANSCRIBED_S
                if short and (any(w0 >= b_s for w0, _ in near) or level is None or level.seconds(a_s, b_s) < TRAILING_UNTRANSCRIBED_S):
                    continue  # (short and not at the end, or mostly quiet: breaths, a pause, noise)
                lo = max(0, int((a_s - REFILL_PAD_S) * SAMPLE_RATE))
                hi = min(len(piece), int((b_s + REFILL_PAD_S) * SAMPLE_RATE))
                shift = lo / SAMPLE_RATE
                # A short stretch is decoded plainly: under the verbatim prompt a 1-2 s window was
                # written as "and er do for your country", or "er er er er er er and".
                segs, _ = self._run(piece[lo:hi], language, plain=short)
                for seg in segs:
                    heard = [Word(text=w.word.strip(), start_s=round(shift + float(w.start), 3),
                                  end_s=round(shift + float(w.end), 3), probability=round(float(w.probability), 4))
                             for w in (seg.words or []) if w.word.strip()
                             and (level is None or level.audible(shift + float(w.start), shift + float(w.end)))]
                    ws = tuple(Word(w.text, round(offset_s + w.start_s, 3), round(offset_s + w.end_s, 3), w.probability)
                               for w in new_words(heard, near))
                    if ws:
                        out.append(Segment(text=" ".join(w.text for w in ws), start_s=ws[0].start_s, end_s=ws[-1].end_s,
                                           words=ws))
                log.info("re-transcribed %.1f-%.1f s, which Whisper had passed over: %d word(s)",
                         offset_s + a_s, offset_s + b_s, sum(len(x.words) for x in out))
        finally:
            model.on_encoded = hook
        return out

    def _run(self, samples, language: str | None, plain: bool = False):
        """faster-whisper's transcription of ``samples`` with these options (``plain``: without
        the window prompt)."""
        o = self.options
        extra = dict(o.extra)
        if not o.vad_filter:
            extra.setdefault("hallucination_silence_threshold", HALLUCINATION_SILENCE_S)
        return self.model.transcribe(samples, language=language, beam_size=o.beam_size, word_timestamps=True,
                                     vad_filter=o.vad_filter, initial_prompt=o.initial_prompt,
                                     hotwords=None if plain else o.window_prompt, condition_on_previous_text=o.condition_on_previous_text,
                                     **extra)

    def transcribe(self, audio: Audio, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """Transcribe ``audio``; ``on_progress`` receives seconds of audio done as pieces finish.

        The recording is transcribed piece by piece (voicecoach.asr.pieces), as voicecoach.live does
        while it is recorded, so both write the same words. For a multilingual model the language
        is detected first; speech where another language ranks above English comes back as an
        empty transcript whose ``detected_language`` says which (``english_probability``: how
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

    def begin(self, on_progress: Callable[[float], None] | None = None) -> "PieceRun":
        """Start transcribing one recording piece by piece: :meth:`PieceRun.add` each piece in order
        (the language is detected on the first piece with speech), then :meth:`PieceRun.result`,
        and :meth:`PieceRun.close` in any case."""
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

    def _fresh_decoder(self) -> None:
        """Give the decoder new threads if the last file fell back to sampling.

        Each CTranslate2 worker thread draws from its own random generator, seeded once. Without
        this, a file scored after one that sampled would continue that sequence and could be heard
        differently than when scored alone: of the 27 real recordings scored in one process, 3 read
        differently from a fresh process (one "uh" more or less). New threads start from the seed,
        as in a fresh process; it costs a reload of the decoder's weights (0.2 s for base), and
        only after a file that sampled."""
        from voicecoach.asr import engine

        model = self._model
        if model is None or not engine.has_sampled(model):
            return
        log.info("Whisper fell back to sampling in the last file: its decoder restarts from the seed")
        engine.replace_decoder(model, self._local_path(), self.options.compute_type, self.plan.decode)

    def _probe(self, windows: list) -> list:
        """Hesitation cues for finished 30-s windows, (segments, encoder output, offset_s) each, in
        one call (see voicecoach.asr.probe)."""
        from voicecoach.asr import engine
        from voicecoach.asr.probe import PRIMING_TEXT, hesitation_ids, probe_windows

        m = self.model
        if self._probe_tools is None:
            text = engine.probe_text(m, PRIMING_TEXT, ENGLISH)
            self._probe_tools = (text, hesitation_ids(text),
                                 self._helper(self.plan.probe)
                                 if self.plan.probe_own_model and self.options.tuning.probe_own_model else None)
        text, ids, own = self._probe_tools
        prober = own if own is not None else engine.decoder(m)  # as it is now (_fresh_decoder replaces it)
        return probe_windows(prober, text, [engine.window_job(m, *w) for w in windows], ids)


@dataclass(frozen=True)
class LastTry:
    """A last piece transcribed ahead by PieceRun.try_last: the run's state after it (its
    attributes), the probe's queue of its windows, and the segments it wrote."""

    state: dict
    probes: ProbeQueue
    segments: tuple


def engine_remainder():
    """voicecoach.asr.engine.Remainder (that module imports faster-whisper: not at import time)."""
    from voicecoach.asr.engine import Remainder

    return Remainder


class PieceRun:
    """One recording being transcribed, a piece at a time (see WhisperTranscriber.begin).

    ``score`` hands over every piece of a file at once; voicecoach.live hands them over as the
    answer is recorded. Both go through here in the same order with the same samples, so they
    write the same words."""

    def __init__(self, transcriber: WhisperTranscriber, on_progress: Callable[[float], None] | None = None):
        self.t = transcriber
        self.on_progress = on_progress
        o = transcriber.options
        self.language = o.language or ENGLISH
        self.probability, self.detected, self.english = 1.0, None, None
        self.declined = False
        self.segments: list[Segment] = []
        # One thread beside the transcription: Silero's speech check, then the hesitation probe.
        self.aside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voicecoach-aside")
        self._probes = ProbeQueue(self.aside, transcriber._probe, transcriber.plan.probe_windows)
        self._started = False
        self._detected = False
        self._carry: tuple | None = None  # (samples, offset_s, Silero's spans in them) left for the next piece
        self.done_s = 0.0

    def _start(self):
        if not self._started:
            model = self.t.model
            self.t._fresh_decoder()  # (a decoder shared with another transcriber may have sampled for it)
            model.on_encoded = self._probes.encoded if self.t.options.probe_hesitations else None
            self._started = True
        return self.t.model

    def _detect(self, piece) -> None:
        """Detect the language on ``piece`` (the first piece where Silero hears speech; Whisper
        hears its first 30 s, as it would of a whole file) when the model is multilingual and the
        options ask for it; set ``declined`` when another language ranks above English (nothing
        more is transcribed). Not on a shorter excerpt: on 10-15 s of the lecture base ranked its
        Dutch-accented English as Dutch (docs/live.md)."""
        o = self.t.options
        self._detected = True
        if not self.t.resolved.multilingual or not (o.language is None or (o.language == ENGLISH and o.check_language)):
            return
        model = self._start()
        # the piece's own spectrogram, as transcribe computes it, so its first window is encoded
        # once for both (CapturingWhisperModel.encode, .detect_language)
        lang, prob, probs = model.detect_language(features=model.feature_extractor(piece))
        self.detected, self.probability = lang, float(prob)
        self.english = dict(probs or ()).get(ENGLISH)
        if o.language is None:
            self.language = lang
        elif lang != ENGLISH:
            # Declined whenever another language ranks above English, however unsure. Real English
            # here ranks first at 0.915-0.999 (28 recordings); speech that ranks another language
            # first, even at 0.22-0.49, came out of a transcription forced to English as gibberish
            # (docs/evaluation.md, Which speech counts as English).
            self.declined = True

    def next_cut(self, samples, start: int) -> int | None:
        """Where the piece that begins at sample ``start`` ends, if ``samples`` (the recording so
        far) already decide it (voicecoach.asr.pieces.next_cut); None while it may be the last. With
        the remainder carried from the last piece, the piece is cut so that both fit ``piece_s``."""
        carry = self._carry  # (read once: the cue line's drafts ask from another thread)
        carried = 0.0 if carry is None else len(carry[0]) / SAMPLE_RATE
        return next_cut(samples, start, max(self.t.options.piece_s - carried, PIECE_SEARCH_S))

    def add(self, piece, offset_s: float, speech: list[tuple[float, float]] | None = None,
            last: bool = False) -> list[Segment]:
        """Transcribe the next piece (samples starting ``offset_s`` into the recording); ``speech``:
        Silero's spans in it if already known; ``last``: no piece follows. Returns the segments
        written now.

        A short remainder of a piece that is not the last (at most ``carry_s`` after the last word
        Whisper wrote) is not transcribed on its own: it goes before the next piece (``_carry``), as
        Whisper would read on in a whole file. ``done_s`` says how far the recording is transcribed."""
        t, o = self.t, self.t.options
        self._start()
        if self.declined:
            return []
        if speech is None and not o.vad_filter:
            speech = t._speech_spans(piece)
        if self._carry is not None:
            import numpy as np

            before, before_s, before_speech = self._carry
            self._carry = None
            shift = len(before) / SAMPLE_RATE
            piece = np.concatenate([before, piece])
            if speech is not None:
                speech = before_speech + [(a + shift, b + shift) for a, b in speech]
            offset_s = before_s
        return self._transcribe(piece, offset_s, speech, 0.0 if last else o.carry_s)

    def _transcribe(self, piece, offset_s: float, speech, carry_s: float) -> list[Segment]:
        t, o = self.t, self.t.options
        end_s = offset_s + len(piece) / SAMPLE_RATE
        level = None
        if not o.vad_filter:
            # Whisper hears each whole piece. A piece where Silero hears no speech is skipped, and a
            # word whose audio never rises above SILENCE_DBFS (earlier text repeated into a long
            # silence) is dropped. Silero is not trusted word by word: it missed 12 s of a quiet,
            # hoarse voice in the MFA monologue that Whisper transcribed correctly.
            if not speech:
                self.done_s = end_s
                if self.on_progress:
                    self.on_progress(end_s)
                return []
            level = _Loudness(piece)
        if not self._detected:
            self._detect(piece)
            if self.declined:
                return []
        self._probes.offset_s = offset_s
        first = len(self.segments)
        probe = o.probe_hesitations and self.language == ENGLISH
        model = t.model
        hop = model.feature_extractor.hop_length
        content = len(piece) // hop
        left = None  # where the remainder starts (samples), if one is carried
        model.leave(int(carry_s * SAMPLE_RATE) // hop if carry_s > 0 else None)
        model.finish_open = carry_s <= 0  # (nothing follows this piece: engine.FINISH_OPEN_TRIES)
        try:
            segments_iter, _ = t._run(piece, self.language)
            for s in segments_iter:
                if probe:
                    self._probes.add(s)
                words = tuple(Word(text=w.word.strip(), start_s=round(offset_s + float(w.start), 3),
                                   end_s=round(offset_s + float(w.end), 3), probability=round(float(w.probability), 4))
                              for w in (s.words or []) if w.word.strip()
                              and (level is None or level.audible(float(w.start), float(w.end))))
                if words:
                    kept_all = len(words) == sum(1 for w in (s.words or []) if w.word.strip())
                    text = s.text.strip() if kept_all else " ".join(w.text for w in words)
                    self.segments.append(Segment(text=text, start_s=round(offset_s + float(s.start), 3),
                                                 end_s=round(offset_s + float(s.end), 3), words=words))
                if self.on_progress:
                    self.on_progress(offset_s + float(s.end))
        except engine_remainder() as r:
            left = (content - r.frames) * hop
        finally:
            model.leave(None)
            model.finish_open = False
        self._probes.flush()
        done = piece if left is None else piece[:left]
        if left is not None:
            left_s = left / SAMPLE_RATE
            carried = [(max(a, left_s) - left_s, b - left_s) for a, b in (speech or []) if b > left_s]
            self._carry = (piece[left:], offset_s + left_s, carried)
            log.debug("carried %.2f s from %.2f s into the next piece", (len(piece) - left) / SAMPLE_RATE, offset_s + left_s)
            speech = [(a, min(b, left_s)) for a, b in (speech or []) if a < left_s]
            end_s = offset_s + left_s
        if speech and o.refill:
            piece_words = [w for seg in self.segments[first:] for w in seg.words]
            refilled = t._refill(done, offset_s, self.language, speech, piece_words, level)
            if refilled:
                self.segments[first:] = sorted(self.segments[first:] + refilled, key=lambda x: x.start_s)
        self.done_s = end_s
        if self.on_progress:
            self.on_progress(end_s)
        return self.segments[first:]

    def try_last(self, piece, offset_s: float) -> "LastTry":
        """Transcribe ``piece`` as :meth:`add` with ``last`` would, without changing this run: what
        it wrote is kept in the returned LastTry, which :meth:`adopt` makes this run's. For the live
        worker, which reads the open piece at a pause before the stop key (voicecoach.live). A try
        that falls back to sampling draws from the decoder's random sequence as the pieces do."""
        self._start()
        before = dict(self.__dict__, segments=list(self.segments))
        model = self.t.model
        hook = model.on_encoded
        probes = self._probes = ProbeQueue(self.aside, self.t._probe, self.t.plan.probe_windows)
        if hook is not None:
            model.on_encoded = probes.encoded
        try:
            written = self.add(piece, offset_s, last=True)
            after = dict(self.__dict__)
        finally:
            self.__dict__.update(before)
            model.on_encoded = hook
        return LastTry(state=after, probes=probes, segments=tuple(written))

    def adopt(self, tried: "LastTry") -> list[Segment]:
        """Make ``tried`` (from :meth:`try_last` on this run, no piece added since) what this run
        wrote for its last piece; returns those segments."""
        probes = self._probes
        self.__dict__.update(tried.state)
        probes.take(tried.probes)
        self._probes = probes
        return list(tried.segments)

    def flush(self) -> list[Segment]:
        """Transcribe the remainder carried from the last piece, if any: when no piece came with
        ``last`` (a remainder alone lacks the speech before it; on JFK's applause tiny.en wrote
        "Yeah." 17 times where the piece it came from wrote nothing)."""
        if self._carry is None or self.declined:
            return []
        piece, offset_s, speech = self._carry
        self._carry = None
        return self._transcribe(piece, offset_s, speech, 0.0)

    def result(self, duration_s: float) -> Transcript:
        t = self.t
        self.flush()
        if self.declined:
            return Transcript(segments=(), duration_s=duration_s, language=self.detected,
                              language_probability=self.probability, detected_language=self.detected,
                              english_probability=self.english, model=t.resolved.name, numerics=numerics.active())
        cues = self._probes.cues()
        return Transcript(segments=tuple(self.segments), duration_s=duration_s, language=self.language,
                          language_probability=self.probability, detected_language=self.detected,
                          english_probability=self.english, model=t.resolved.name, numerics=numerics.active(),
                          cues=tuple(cues),
                          verbatim=bool(t.options.window_prompt))

    def close(self) -> None:
        if self.t._model is not None:
            self.t._model.on_encoded = None
        self.aside.shutdown(cancel_futures=True)
