"""Transcribing an answer while it is spoken, so the report follows the stop key at once.

The recorder hands its chunks to :meth:`LiveTranscriber.on_chunk`. The chunks are kept as the
saved FLAC holds them (16-bit). A worker thread cuts them into the pieces `voicecoach score` would
cut the file into (``PieceRun.next_cut``: a cut depends only on the audio before it and on what
the pieces before it left over) and transcribes each piece once it is cut, so after the stop only
the last piece is left. The transcript is the one `voicecoach sessions rescore` writes from the
saved file: the same samples, the same pieces, the same order (but see the tries below).

A second thread writes quick drafts of the newest few seconds (greedy, no refill), only for the
cue line (voicecoach.analysis.cues computes its figures from :meth:`LiveTranscriber.heard`): the
pieces are up to 30 s long, and the cues must follow the speech within seconds. The drafts run beside the pieces, on
a model object of their own (``drafter``), so a
piece being transcribed does not hold the cue line back. Drafts are never part of the report; they
are held back only when more than BEHIND_S of audio waits for a piece to begin (the machine is not
keeping up, and the cue line says so).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from voicecoach.asr.types import Segment, Transcript, Word
from voicecoach.audio.load import SAMPLE_RATE

log = logging.getLogger("voicecoach")

BEHIND_S = 45.0  # more untranscribed audio than this (a piece and a half): the machine is not keeping up
# Drafts (docs/results/live-drafts-beside-the-pieces.md has the measurements behind each figure):
DRAFT_MIN_S = 2.0  # a new draft waits for this much new audio (practice hands over 1-s chunks)
DRAFT_MAX_S = 6.0  # ... and reads at most this much
# A draft's encoder hears 20 s (its audio, then zero frames), not 30: half the time, read as well;
# at 15 s and 10 s the drafts wrote more false fillers.
DRAFT_CONTEXT_S = 20.0
# What a draft's first window leaves, up to this much, is not read as a window of its own (the next
# piece reads it): those windows were mostly false fillers, and doubled a draft's time.
DRAFT_REMAINDER_S = 1.0


def as_saved(block: np.ndarray) -> np.ndarray:
    """``block`` (float32 from the sound card) as the 16-bit FLAC stores it and voicecoach reads it
    back: libsndfile rounds x * 32768 to the nearest integer (ties to even) and clips."""
    return (np.clip(np.rint(block.astype(np.float64) * 32768), -32768, 32767) / 32768).astype(np.float32)


@dataclass(frozen=True)
class Heard:
    """What the live transcript holds now, for the cue line (voicecoach.analysis.cues).

    Attributes:
        version: grows whenever the transcript does.
        segments: the pieces' segments, then the drafts' after them.
        heard_s: how far into the answer the pieces and drafts reach.
        committed_s: how far the pieces (what the report will hold) reach.
    """

    version: int
    segments: tuple[Segment, ...]
    heard_s: float
    committed_s: float


class LiveTranscriber:
    """``on_chunk`` while recording, then :meth:`finish` after the recorder stopped."""

    def __init__(
        self,
        transcriber,
        drafts: bool = True,
        after: threading.Thread | None = None,
        on_piece: Callable[[list[Word]], None] | None = None,
    ):
        """``after``: a thread loading the models; the worker waits for it (one loader at a time).
        ``on_piece(words)``: called on the worker with the words transcribed so far, after each
        piece (the report's work that can be done ahead: embedding finished sentences)."""
        self.transcriber = transcriber
        self._after = after
        self._on_piece = on_piece
        self._drafts = drafts
        self._chunks: list[np.ndarray] = []
        self._samples = np.zeros(0, dtype=np.float32)
        self._start = 0  # where the open piece begins (samples)
        self._wake = threading.Event()  # a chunk arrived, or the recording ended (for the worker)
        self._wake_drafts = threading.Event()  # the same, for the drafts' thread
        self._loaded = threading.Event()  # the worker has its model: the drafts' thread may copy it
        self._final = threading.Event()  # the recorder handed over its last chunk
        self._closed = False
        self._lock = threading.Lock()
        self._committed: list[Segment] = []
        self._committed_to = 0  # samples transcribed by pieces
        self._draft: list[Segment] = []
        self._drafted_to = 0  # samples drafted
        self._version = 0
        self.error: BaseException | None = None
        self._run = transcriber.begin()
        from voicecoach.audio.features import TrackBuilder

        self._tracker: TrackBuilder | None = TrackBuilder()  # pitch and level, piece by piece
        self._worker = threading.Thread(target=self._work, name="voicecoach-live", daemon=True)
        self._worker.start()
        self._drafter = None
        if drafts:
            self._drafter = threading.Thread(target=self._draft_loop, name="voicecoach-drafts", daemon=True)
            self._drafter.start()

    # -- the recorder's writer thread --
    def on_chunk(self, start_s: float, block: np.ndarray) -> None:
        with self._lock:
            self._chunks.append(as_saved(block))
        self._wake.set()
        self._wake_drafts.set()

    @property
    def samples(self) -> np.ndarray:
        """Everything recorded so far, as the saved file holds it."""
        with self._lock:
            if self._chunks:
                self._samples = np.concatenate([self._samples, *self._chunks])
                self._chunks = []
            return self._samples

    def _next_piece(self, final: bool) -> tuple[np.ndarray, int, bool] | None:
        """(samples, start, last) of the next piece to transcribe, if the recording so far decides
        it; None while waiting for audio, and once the last piece is done. ``final``: the recording
        had ended when the caller looked (before the samples are read: no chunk is still to come)."""
        samples = self.samples
        start = self._start
        cut = self._run.next_cut(samples, start)
        if cut is not None:
            self._start = cut
            return samples[start:cut], start, False
        if final and self._start <= len(samples) and not self._closed:
            self._start = len(samples) + 1  # (done)
            return samples[start:], start, True
        return None

    # -- the worker --
    def _work(self) -> None:
        try:
            if self._after is not None:
                self._after.join()
            try:
                if self._drafts:
                    _ = self.transcriber.model  # (loaded here, once, before the drafts' thread copies it)
            finally:
                self._loaded.set()
            while not self._closed:
                # Read once, before the samples: finish() may set it at any moment, and a worker
                # that saw no piece and then saw it set would end without the last piece.
                final = self._final.is_set()
                job = self._next_piece(final)
                if job is None:
                    if final:
                        return
                    self._wake.wait(0.1)
                    self._wake.clear()
                    continue
                samples, start, last = job
                if not len(samples):
                    return
                self._track(samples)
                t0 = time.monotonic()
                segs = self._run.add(samples, start / SAMPLE_RATE, last=last)
                log.info(
                    "live: piece %.1f-%.1f s transcribed in %.1f s (%.1f s recorded by then)",
                    start / SAMPLE_RATE,
                    (start + len(samples)) / SAMPLE_RATE,
                    time.monotonic() - t0,
                    len(self.samples) / SAMPLE_RATE,
                )
                with self._lock:
                    self._committed.extend(segs)
                    self._committed_to = int(
                        round(self._run.done_s * SAMPLE_RATE)
                    )  # (a short remainder waits for the next piece)
                    self._draft = [s for s in self._draft if s.start_s * SAMPLE_RATE >= self._committed_to]
                    self._version += 1
                    words = [w for seg in self._committed for w in seg.words]
                if self._on_piece is not None and not last:
                    try:
                        self._on_piece(words)
                    except Exception:  # the report does that work after the stop instead
                        log.exception("live: work ahead for the report failed")
                        self._on_piece = None
        except BaseException as e:  # kept for finish(), which raises it in the caller's thread
            self.error = e
            log.exception("live transcription failed")

    def _track(self, samples: np.ndarray) -> None:
        if self._tracker is None:
            return
        try:
            self._tracker.add(samples)
        except Exception:  # the report then tracks the whole answer after the stop
            log.exception("live: pitch and level tracking failed")
            self._tracker = None

    def tracks(self):
        """The answer's pitch and level tracks (voicecoach.audio.features), after :meth:`finish`;
        None if tracking failed."""
        try:
            return self._tracker.finish() if self._tracker is not None else None
        except Exception:
            log.exception("live: pitch and level tracking failed")
            return None

    # -- the drafts' thread --
    def _draft_loop(self) -> None:
        try:
            self._loaded.wait()
            if self.error is not None:
                return
            quick = drafter(self.transcriber)
            while self._drafts and not self._closed and not self._final.is_set():
                if not self._draft_new(quick):
                    self._wake_drafts.wait(0.1)
                    self._wake_drafts.clear()
        except Exception:  # the cue line stops; the pieces, and so the report, go on
            log.exception("live: drafting for the cue line failed")
            self._drafts = False

    def _draft_new(self, quick) -> bool:
        """Draft the newest audio no piece or draft covers yet, once DRAFT_MIN_S of it arrived (at
        most DRAFT_MAX_S); False when there was nothing to draft. Short drafts leave the cores to the
        pieces: drafting the whole open piece with the refill tracked the report more closely, but
        took the machine to 181% of a core and left 11.5 s of pieces after the stop of a 4-minute
        answer (docs/live.md)."""
        samples = self.samples
        with self._lock:
            a = max(self._committed_to, self._drafted_to)
        # Held back only while more than BEHIND_S of audio waits for a piece to begin (the worker moves
        # _start on as it takes a piece): waiting whenever one piece was due left the cue line 7 s
        # behind after a piece that carried 27 s to the next (docs/live.md, Drafts while a piece waits).
        untaken = len(samples) - self._start
        if len(samples) - a < DRAFT_MIN_S * SAMPLE_RATE or self._run.declined or untaken > BEHIND_S * SAMPLE_RATE:
            return False
        b = min(len(samples), a + int(DRAFT_MAX_S * SAMPLE_RATE))
        t0 = time.monotonic()
        segs = draft(quick, samples[a:b], a / SAMPLE_RATE, self._run.language)
        log.debug("live: draft %.1f-%.1f s in %.1f s", a / SAMPLE_RATE, b / SAMPLE_RATE, time.monotonic() - t0)
        with self._lock:
            self._draft.extend(s for s in segs if s.start_s * SAMPLE_RATE >= self._committed_to)
            self._drafted_to = max(self._drafted_to, b)
            self._version += 1
        return True

    # -- the caller's thread --
    def heard(self) -> Heard:
        """The transcript so far: the pieces', then the drafts'."""
        with self._lock:
            return Heard(
                version=self._version,
                segments=tuple(self._committed) + tuple(self._draft),
                heard_s=max(self._committed_to, self._drafted_to) / SAMPLE_RATE,
                committed_s=self._committed_to / SAMPLE_RATE,
            )

    def finish(self, timeout_s: float | None = None) -> Transcript:
        """The whole transcript, once the recorder has stopped (it has handed over its last chunk)."""
        self._drafts = False
        self._final.set()
        self._wake.set()
        self._wake_drafts.set()
        self._worker.join(timeout_s)
        if self._drafter is not None:
            self._drafter.join(
                timeout_s
            )  # (a draft begun before the stop: tenths of a second, then the report has the cores)
        try:
            if self._worker.is_alive():
                raise TimeoutError(f"live transcription did not finish in {timeout_s:.0f} s")
            if self.error is not None:
                raise self.error
            return self._run.result(len(self.samples) / SAMPLE_RATE)
        finally:
            self._run.close()

    def close(self) -> None:
        """Give up without a transcript (the worker ends after its current job)."""
        self._drafts = False
        self._closed = True
        self._wake.set()
        self._wake_drafts.set()


def drafter(transcriber):
    """A transcriber for the cue line's drafts, on a thread beside the pieces: ``transcriber``'s
    weights and options, but greedy at temperature 0 (it never samples, so the pieces' random
    sequence stays the file path's), without the language check, the probe, the refill, the
    compression test, the hallucination check, or a window for a remainder of up to DRAFT_REMAINDER_S,
    on a model object of its own (the pieces' is untouched)."""
    o = transcriber.options
    return transcriber.drafter(
        replace(
            o,
            beam_size=1,
            check_language=False,
            probe_hesitations=False,
            refill=False,
            carry_s=DRAFT_REMAINDER_S,  # (what a piece would carry, a draft leaves: none follows)
            extra={
                **o.extra,
                "temperature": 0.0,
                "compression_ratio_threshold": None,
                "hallucination_silence_threshold": None,
            },
        ),
        DRAFT_CONTEXT_S,
    )


def draft(quick, samples: np.ndarray, offset_s: float, language: str) -> list[Segment]:
    """A quick transcript of ``samples`` for the cue line only, with a ``drafter``: as a piece is
    transcribed (Silero's check), but greedy, without the refill, and cut short at a greedy loop
    (``before_loop``; a greedy loop also stops at engine.MAX_TOKENS_PER_S, as in every window)."""
    run = quick.begin()
    run.state.language, run.state.checked = language, True
    try:
        segs = run.add(samples, offset_s)
    finally:
        run.close()
    out = []
    for seg in segs:
        words = before_loop(seg.words)
        if words:
            out.append(
                Segment(
                    text=" ".join(w.text for w in words) if words != seg.words else seg.text,
                    start_s=words[0].start_s,
                    end_s=words[-1].end_s,
                    words=words,
                )
            )
    return out


def before_loop(words: tuple) -> tuple:
    """``words`` up to where a greedy decoding loop starts (voicecoach.asr.loops.loop_start)."""
    from voicecoach.asr.loops import loop_start

    return words[: loop_start([w.text for w in words])]
