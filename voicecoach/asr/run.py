"""One recording transcribed a piece at a time (WhisperTranscriber.begin).

``score`` hands over every piece of a file at once; voicecoach.asr.live hands them over as the answer
is recorded. Both go through here in the same order with the same samples, so they write the same
words. What the run has written and carries is one ``RunState``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from voicecoach import numerics
from voicecoach.asr.pieces import PIECE_SEARCH_S, next_cut
from voicecoach.asr.probe import ProbeQueue
from voicecoach.asr.refill import Loudness, heard_words, refill
from voicecoach.asr.types import ENGLISH, Segment, Transcript
from voicecoach.audio.load import SAMPLE_RATE

log = logging.getLogger("voicecoach")


@dataclass
class RunState:
    """What a run has heard and written so far.

    Attributes:
        language: the language transcribed.
        probability / detected / english: what the language check found (if it ran).
        declined: another language ranks above English: nothing more is transcribed.
        checked: the language check is done (or not needed).
        segments: the segments written, in time order.
        carry: (samples, offset_s, Silero's spans in them) left for the next piece, or None.
        done_s: how far the recording is transcribed.
    """

    language: str
    probability: float = 1.0
    detected: str | None = None
    english: float | None = None
    declined: bool = False
    checked: bool = False
    segments: list[Segment] = field(default_factory=list)
    carry: tuple | None = None
    done_s: float = 0.0


class PieceRun:
    """One recording being transcribed, a piece at a time (see the module)."""

    def __init__(self, transcriber, on_progress: Callable[[float], None] | None = None):
        """``transcriber``: the voicecoach.asr.transcriber.WhisperTranscriber that began the run."""
        self.t = transcriber
        self.on_progress = on_progress
        self.state = RunState(language=transcriber.options.language or ENGLISH)
        # One thread beside the transcription: Silero's speech check, then the hesitation probe.
        self.aside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voicecoach-aside")
        self._probes = self._queue()
        self._started = False

    def _queue(self) -> ProbeQueue:
        return ProbeQueue(self.aside, self.t.probe, self.t.plan.probe_windows)

    @property
    def declined(self) -> bool:
        return self.state.declined

    @property
    def language(self) -> str:
        return self.state.language

    @property
    def done_s(self) -> float:
        return self.state.done_s

    def _start(self) -> None:
        if not self._started:
            self.t.fresh_decoder()  # (a decoder shared with another transcriber may have sampled for it)
            self._started = True

    def _detect(self, piece) -> None:
        """Detect the language on ``piece`` (the first piece where Silero hears speech; Whisper
        hears its first 30 s, as it would of a whole file) when the model is multilingual and the
        options ask for it; decline when another language ranks above English (nothing more is
        transcribed). Not on a shorter excerpt: on 10-15 s of the lecture base ranked its
        Dutch-accented English as Dutch (docs/live.md)."""
        o, st = self.t.options, self.state
        st.checked = True
        if not self.t.resolved.multilingual or not (o.language is None or (o.language == ENGLISH and o.check_language)):
            return
        model = self.t.model
        # the piece's own spectrogram, as transcribe computes it, so its first window is encoded
        # once for both (HookedWhisperModel.encode, .detect_language)
        lang, prob, probs = model.detect_language(features=model.feature_extractor(piece))
        st.detected, st.probability = lang, float(prob)
        st.english = dict(probs or ()).get(ENGLISH)
        if o.language is None:
            st.language = lang
        elif lang != ENGLISH:
            # Declined whenever another language ranks above English, however unsure. Real English
            # here ranks first at 0.915-0.999 (28 recordings); speech that ranks another language
            # first, even at 0.22-0.49, came out of a transcription forced to English as gibberish
            # (docs/evaluation.md, Which speech counts as English).
            st.declined = True

    def next_cut(self, samples, start: int) -> int | None:
        """Where the piece that begins at sample ``start`` ends, if ``samples`` (the recording so
        far) already decide it (voicecoach.asr.pieces.next_cut); None while it may be the last. With
        the remainder carried from the last piece, the piece is cut so that both fit ``piece_s``."""
        carry = self.state.carry  # (read once: the cue line's drafts ask from another thread)
        carried = 0.0 if carry is None else len(carry[0]) / SAMPLE_RATE
        return next_cut(samples, start, max(self.t.options.piece_s - carried, PIECE_SEARCH_S))

    def add(
        self, piece, offset_s: float, speech: list[tuple[float, float]] | None = None, last: bool = False
    ) -> list[Segment]:
        """Transcribe the next piece (samples starting ``offset_s`` into the recording); ``speech``:
        Silero's spans in it if already known; ``last``: no piece follows. Returns the segments
        written now.

        A short remainder of a piece that is not the last (at most ``carry_s`` after the last word
        Whisper wrote) is not transcribed on its own: it goes before the next piece (``carry``), as
        Whisper would read on in a whole file."""
        o, st = self.t.options, self.state
        self._start()
        if st.declined:
            return []
        if speech is None and not o.vad_filter:
            speech = self.t.speech_spans(piece)
        if st.carry is not None:
            before, before_s, before_speech = st.carry
            st.carry = None
            shift = len(before) / SAMPLE_RATE
            piece = np.concatenate([before, piece])
            if speech is not None:
                speech = before_speech + [(a + shift, b + shift) for a, b in speech]
            offset_s = before_s
        return self._transcribe(piece, offset_s, speech, 0.0 if last else o.carry_s)

    def _transcribe(self, piece, offset_s: float, speech, carry_s: float) -> list[Segment]:
        from voicecoach.asr.engine import Call, Remainder

        t, o, st = self.t, self.t.options, self.state
        end_s = offset_s + len(piece) / SAMPLE_RATE
        level = None
        if not o.vad_filter:
            # Whisper hears each whole piece. A piece where Silero hears no speech is skipped, and a
            # word whose audio never rises above SILENCE_DBFS (earlier text repeated into a long
            # silence) is dropped. Silero is not trusted word by word: it missed 12 s of a quiet,
            # hoarse voice in the MFA monologue that Whisper transcribed correctly.
            if not speech:
                self._done(end_s)
                return []
            level = Loudness(piece)
        if not st.checked:
            self._detect(piece)
            if st.declined:
                return []
        self._probes.offset_s = offset_s
        first = len(st.segments)
        probe = o.probe_hesitations and st.language == ENGLISH
        hop = t.model.feature_extractor.hop_length
        content = len(piece) // hop
        left = None  # where the remainder starts (samples), if one is carried
        call = Call(
            on_encoded=self._probes.encoded if o.probe_hesitations else None,
            leave_frames=int(carry_s * SAMPLE_RATE) // hop if carry_s > 0 else None,
            finish_open=carry_s <= 0,
        )  # (nothing follows this piece: Tuning.read_on)
        try:
            for s in t.segments(piece, st.language, call):
                if probe:
                    self._probes.add(s)
                words = heard_words(s, offset_s, level)
                if words:
                    kept_all = len(words) == sum(1 for w in (s.words or []) if w.word.strip())
                    text = s.text.strip() if kept_all else " ".join(w.text for w in words)
                    st.segments.append(
                        Segment(
                            text=text,
                            start_s=round(offset_s + float(s.start), 3),
                            end_s=round(offset_s + float(s.end), 3),
                            words=words,
                        )
                    )
                if self.on_progress:
                    self.on_progress(offset_s + float(s.end))
        except Remainder as r:
            left = (content - r.frames) * hop
        self._probes.flush()
        done = piece if left is None else piece[:left]
        if left is not None:
            left_s = left / SAMPLE_RATE
            carried = [(max(a, left_s) - left_s, b - left_s) for a, b in (speech or []) if b > left_s]
            st.carry = (piece[left:], offset_s + left_s, carried)
            log.debug(
                "carried %.2f s from %.2f s into the next piece", (len(piece) - left) / SAMPLE_RATE, offset_s + left_s
            )
            speech = [(a, min(b, left_s)) for a, b in (speech or []) if a < left_s]
            end_s = offset_s + left_s
        if speech and o.refill:
            piece_words = [w for seg in st.segments[first:] for w in seg.words]
            refilled = refill(lambda x: t.segments(x, st.language), done, offset_s, speech, piece_words, level)
            if refilled:
                st.segments[first:] = sorted(st.segments[first:] + refilled, key=lambda x: x.start_s)
        self._done(end_s)
        return st.segments[first:]

    def _done(self, end_s: float) -> None:
        self.state.done_s = end_s
        if self.on_progress:
            self.on_progress(end_s)

    def flush(self) -> list[Segment]:
        """Transcribe the remainder carried from the last piece, if any: when no piece came with
        ``last`` (a remainder alone lacks the speech before it; on JFK's applause tiny.en wrote
        "Yeah." 17 times where the piece it came from wrote nothing)."""
        st = self.state
        if st.carry is None or st.declined:
            return []
        piece, offset_s, speech = st.carry
        st.carry = None
        return self._transcribe(piece, offset_s, speech, 0.0)

    def result(self, duration_s: float) -> Transcript:
        self.flush()
        st, t = self.state, self.t
        common = dict(
            duration_s=duration_s,
            language_probability=st.probability,
            detected_language=st.detected,
            english_probability=st.english,
            model=t.resolved.name,
            numerics=numerics.active(),
        )
        if st.declined:
            return Transcript(segments=(), language=st.detected, **common)
        return Transcript(
            segments=tuple(st.segments),
            language=st.language,
            cues=tuple(self._probes.cues()),
            verbatim=bool(t.options.window_prompt),
            **common,
        )

    def close(self) -> None:
        self.aside.shutdown(cancel_futures=True)
