"""Score one recording end to end: decode, transcribe, analyse. The CLI and batch call this."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach import numerics
from voicecoach.analysis.fillers import FillerMethod
from voicecoach.analysis.pace import PaceOptions
from voicecoach.analysis.recovery import RecoveryOptions
from voicecoach.analysis.report import NOT_ENGLISH, Notice, Report
from voicecoach.analysis.score import AnalysisOptions, build_report
from voicecoach.asr.types import VERBATIM_PROMPT, TranscriptionOptions
from voicecoach.audio.load import DEFAULT_MAX_DURATION_S, load
from voicecoach.questions import Question

LANGUAGE_NAMES = {
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ru": "Russian",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "ar": "Arabic",
    "hi": "Hindi",
    "pl": "Polish",
    "tr": "Turkish",
    "sv": "Swedish",
    "uk": "Ukrainian",
    "cs": "Czech",
    "el": "Greek",
    "th": "Thai",
    "vi": "Vietnamese",
    "id": "Indonesian",
    "ms": "Malay",
    "fa": "Persian",
    "he": "Hebrew",
    "bn": "Bengali",
    "ta": "Tamil",
    "ur": "Urdu",
    "ro": "Romanian",
    "hu": "Hungarian",
    "fi": "Finnish",
    "da": "Danish",
    "no": "Norwegian",
    "nn": "Norwegian Nynorsk",
    "ca": "Catalan",
    "cy": "Welsh",
    "la": "Latin",
}


SURE = 0.5  # language detection this sure of another language "seems" it; below, it only ranks first


def not_english_notice(lang: str, probability: float, english: float | None) -> Notice:
    """Why a recording was not scored, when language detection ranked ``lang`` above English."""
    name = LANGUAGE_NAMES.get(lang, f"language '{lang}'")
    if probability >= SURE:
        said = f"This recording seems to be in {name} (language detection {probability:.0%} sure), not English."
    else:  # unsure of every language, but English is not even the likeliest
        eng = f" and English at {english:.0%}" if english is not None else ""
        said = (
            f"This recording does not sound like English: language detection ranks {name} first "
            f"({probability:.0%}){eng}."
        )
    return Notice(NOT_ENGLISH, f"{said} voicecoach scores English answers only, so it was not scored.")


@dataclass(frozen=True)
class ScoreOptions:
    """Everything that decides a score (batch uses it, with the file's hash, as a cache key).

    Attributes:
        transcription: how to transcribe.
        analysis: how to analyse.
        max_duration_s: longer recordings are refused before decoding finishes.
        numerics: "reproducible" or "native" (voicecoach.numerics); by default what the process
            was asked for (``--reproducible`` or VOICECOACH_REPRODUCIBLE).
    """

    transcription: TranscriptionOptions = TranscriptionOptions()
    analysis: AnalysisOptions = AnalysisOptions()
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    numerics: str = field(default_factory=numerics.requested)


FILLER_METHODS = tuple(FillerMethod)
DEFAULT_FILLER_METHOD = FillerMethod.VERBATIM


def score_options(
    method: str | FillerMethod = DEFAULT_FILLER_METHOD,
    *,
    pace: PaceOptions | None = None,
    max_duration_s: float = DEFAULT_MAX_DURATION_S,
    **transcription,
) -> ScoreOptions:
    """The ScoreOptions that count fillers by ``method`` (a FillerMethod or its name); ``transcription``
    sets the other TranscriptionOptions fields (model, beam_size, check_language...)."""
    method = FillerMethod.parse(method)
    verbatim, heard = method.verbatim, method.heard
    t = TranscriptionOptions(
        window_prompt=VERBATIM_PROMPT if verbatim else None,
        # a plain transcript keeps Whisper's conditioning on the text before; a
        # verbatim one drops it, or a clean earlier window talks it out of the fillers
        condition_on_previous_text=not verbatim,
        probe_hesitations=heard,
        **transcription,
    )
    a = AnalysisOptions(
        pace=pace or PaceOptions(), recovery=RecoveryOptions(enabled=heard, skip_after_written=verbatim and heard)
    )
    return ScoreOptions(transcription=t, analysis=a, max_duration_s=max_duration_s)


def audio_tracks(samples):
    from voicecoach.audio.features import tracks

    return tracks(samples)


class Scorer:
    """Holds the loaded models, so many files are scored with one model load."""

    def __init__(self, options: ScoreOptions | None = None):
        from voicecoach.asr.transcriber import WhisperTranscriber

        self.options = options = options or ScoreOptions()  # (the mode asked for now, not at import)
        numerics.use(options.numerics)
        if numerics.active() != options.numerics:  # (a process pinned by its environment, asked for native)
            raise numerics.NumericsError(
                f"this process computes in {numerics.active()} mode, not {options.numerics} "
                f"as asked (see {numerics.SWITCH})"
            )
        self.transcriber = WhisperTranscriber(options.transcription)  # resolves (and verifies) now
        self._encoder = None

    @property
    def encoder(self):
        if self._encoder is None:
            from voicecoach.analysis.embed import load_encoder

            self._encoder = load_encoder()
        return self._encoder

    def _embed_rubric(self, question: Question) -> None:
        from voicecoach.analysis.rubric import reference_texts

        self.encoder.remember(reference_texts(question)[0])

    def embed_finished_sentences(self, question: Question, words) -> None:
        """Embed the sentences of ``words`` (the answer so far) but the last, which may go on, so
        the report of a live answer embeds only its last sentences after the stop (the rubric's
        embeddings of a 10-minute answer took 2 s there;
        docs/results/perf-0-5-2-the-report-s-embeddings-ahead-drafts-before.md)."""
        if not question.rubric:
            return
        from voicecoach.analysis.rubric import sentence_texts

        self.encoder.remember(sentence_texts(words)[:-1])

    def score(
        self,
        path: str | Path,
        question: Question,
        on_progress: Callable[[str, float, float], None] | None = None,
        tolerant: bool = False,
    ) -> Report:
        """Score the recording at ``path`` as an answer to ``question``.

        ``on_progress(stage, done, total)`` is called with stage "transcribing" (seconds of audio).
        ``tolerant``: score what decodes of a recording damaged at the end (see audio.load).
        """
        audio = load(path, self.options.max_duration_s, tolerant=tolerant)
        cb = (
            (lambda done: on_progress("transcribing", min(done, audio.duration_s), audio.duration_s))
            if on_progress
            else None
        )
        # The rubric is embedded, and the pitch and level tracked, on the core the transcription
        # leaves free. An error in the embedding (a damaged model) is raised again below, and only
        # if an answer needs the rubric.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="voicecoach-rubric") as pool:
            if question.rubric:
                pool.submit(self._embed_rubric, question)
            tracked = pool.submit(audio_tracks, audio.samples)
            transcript = self.transcriber.transcribe(audio, on_progress=cb)
        return self.report(question, transcript, audio.samples, str(path), tracks=tracked.result())

    def report(
        self, question: Question, transcript, samples, audio_path: str | None, live: bool = False, tracks=None
    ) -> Report:
        """The report on ``transcript`` (of ``samples``), however it was transcribed (``live``: while
        the answer was recorded, voicecoach.asr.live). ``tracks`` (voicecoach.audio.features) are made
        from ``samples`` when not given."""
        if tracks is None and samples is not None and transcript.segments:
            tracks = audio_tracks(samples)
        notices: tuple[Notice, ...] = ()
        lang = transcript.detected_language
        if lang and lang != "en" and not transcript.segments:
            notices = (not_english_notice(lang, transcript.language_probability, transcript.english_probability),)
        encoder = self.encoder if transcript.segments and question.rubric else None
        return build_report(
            question,
            transcript,
            encoder,
            self.options.analysis,
            audio_path=audio_path,
            notices=notices,
            samples=samples,
            live=live,
            tracks=tracks,
        )
