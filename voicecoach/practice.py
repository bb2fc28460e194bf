"""The practice loop: speak the question, record the answer to disk, score it, keep it as a session.

The CLI supplies the live view (``on_status``) and the stop signal (``stop`` event); this module
owns the order of things and what is kept when something goes wrong: the session folder exists
before the first sample is recorded, audio streams into it, and a failure after recording leaves
the audio and a session that `voicecoach sessions recover` can finish.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from voicecoach import paths
from voicecoach.audio import load
from voicecoach.audio.load import SAMPLE_RATE
from voicecoach.audio.recorder import Recorder, RecorderOptions, RecorderStatus, Recording
from voicecoach.errors import AudioError
from voicecoach.pipeline import Scorer
from voicecoach.questions import Question
from voicecoach.questions import find as find_question
from voicecoach.schema.report import to_dict
from voicecoach.sessions.store import ANSWER, QUESTION_AUDIO, SessionError, SessionInfo, SessionStore

log = logging.getLogger("voicecoach")


@dataclass(frozen=True)
class PracticeOptions:
    """How to run one practice answer.

    Attributes:
        speak: say the question aloud before recording (pyttsx3).
        voice / rate_wpm: the speaking voice (None = the engine's default) and rate.
        input_device / output_device: device indexes (None = the system defaults).
        margin_s: recording stops by itself this long after the question's target maximum (60 s).
        recorder: recording options (the input device is taken from ``input_device``).
        drafts: draft the newest speech for the cue line (``LiveFigures``) while the answer is
            transcribed during recording (voicecoach.asr.live).
    """

    speak: bool = True
    voice: str | None = None
    rate_wpm: int = 160
    input_device: int | None = None
    output_device: int | None = None
    margin_s: float = 60.0
    # 1-s chunks: the cue line's drafts follow the speech within a few seconds (voicecoach.asr.live)
    recorder: RecorderOptions = field(default_factory=lambda: RecorderOptions(chunk_s=1.0))
    drafts: bool = True


@dataclass(frozen=True)
class PracticeResult:
    """The saved session, its report (None if it could not be scored) and why recording ended."""

    session: SessionInfo
    report: object | None
    recording: Recording
    stopped_by: str  # "key", "interrupt", "max-length", "error"
    score_error: str | None = None


def max_length_s(question: Question, options: PracticeOptions) -> float:
    return question.target_max_s + options.margin_s


def say_question(question: Question, store: SessionStore, info: SessionInfo, options: PracticeOptions) -> None:
    from voicecoach import tts
    from voicecoach.audio.playback import beep, play

    if options.speak:
        path = tts.render(question.text, store.folder(info.id) / QUESTION_AUDIO, options.rate_wpm, options.voice)
        audio = load(path)
        play(audio.samples, device=options.output_device)
    play(beep(), device=options.output_device)


def record_answer(
    path,
    question: Question,
    options: PracticeOptions,
    stop: threading.Event,
    on_status: Callable[[RecorderStatus], None] | None = None,
    on_chunk=None,
) -> tuple[Recording, str]:
    """Record until ``stop`` is set, the maximum length passes, or the device fails."""
    from dataclasses import replace

    limit = max_length_s(question, options)
    rec = Recorder(path, replace(options.recorder, device=options.input_device), on_chunk=on_chunk)
    rec.start()
    reason = "key"
    try:
        while not stop.is_set():
            status = rec.status()
            if on_status:
                on_status(status)
            if rec.stopped:
                reason = "error"
                break
            if status.elapsed_s >= limit:
                reason = "max-length"
                break
            time.sleep(0.1)
    except KeyboardInterrupt:
        reason = "interrupt"
    finally:
        t0 = time.monotonic()
        recording = rec.stop()
        log.debug("practice: the recorder closed in %.2f s", time.monotonic() - t0)
    return recording, reason


def score_and_save(
    store: SessionStore, info: SessionInfo, question: Question, scorer: Scorer, duration_s: float
) -> tuple[object | None, str | None]:
    """Score the session's answer and mark the session done; a recording with no usable audio is
    kept unscored."""
    try:
        report = scorer.score(store.folder(info.id) / ANSWER, question, tolerant=True)
    except AudioError as e:
        store.finish(info, None, duration_s)
        return None, str(e)
    store.finish(info, to_dict(report), duration_s)
    return report, None


def practice(
    question: Question,
    store: SessionStore,
    scorer: Scorer,
    options: PracticeOptions,
    stop: threading.Event,
    on_status: Callable[[RecorderStatus, object | None], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> PracticeResult:
    """Ask, record, score, keep. ``on_status(status, figures)`` gets the recorder's status and the
    cue line's ``LiveFigures`` (voicecoach.analysis.cues) every 0.1 s while recording."""
    store.check_writable()
    info = store.create(question.id, question.text, source="practice")
    # Load the models while the user speaks, so the report follows the stop key quickly.
    warm = threading.Thread(target=lambda: (scorer.transcriber.model, scorer.encoder), daemon=True)
    warm.start()
    if on_stage:
        on_stage("question")
    try:
        say_question(question, store, info, options)
    except BaseException:  # Ctrl-C or a speech/device error before any answer: nothing to keep
        store.delete(info)
        raise
    if on_stage:
        on_stage("recording")
    # the rubric is embedded now, not while the question plays (a busy CPU made ALSA underrun)
    embed = threading.Thread(
        target=lambda: (warm.join(), question.rubric and scorer._embed_rubric(question)), daemon=True
    )
    embed.start()
    from voicecoach.analysis.cues import CueLine
    from voicecoach.asr.live import LiveTranscriber

    live = LiveTranscriber(
        scorer.transcriber,
        drafts=options.drafts,
        after=warm,
        on_piece=lambda words: scorer.embed_finished_sentences(question, words),
    )
    cues = CueLine(verbatim=bool(scorer.transcriber.options.window_prompt))
    status = (lambda s: on_status(s, cues.figures(live.heard(), s.elapsed_s))) if on_status else None
    try:
        recording, reason = record_answer(
            store.folder(info.id) / ANSWER, question, options, stop, status, on_chunk=live.on_chunk
        )
    except BaseException:
        live.close()
        raise
    if on_stage:
        on_stage("scoring")
    warm.join()
    embed.join()
    err = None
    try:
        report = finish_live(live, recording, store, info, question, scorer)
        if report is None:
            report, err = score_and_save(store, info, question, scorer, recording.duration_s)
    except SessionError as e:  # e.g. the disk filled up: the audio stays, recover finishes it later
        report, err = (
            None,
            (
                f"{e}. The recording is kept in {store.folder(info.id)}; when the problem "
                "is fixed, run `voicecoach sessions recover`"
            ),
        )
    return PracticeResult(session=info, report=report, recording=recording, stopped_by=reason, score_error=err)


def finish_live(live, recording: Recording, store: SessionStore, info: SessionInfo, question: Question, scorer: Scorer):
    """The report made while the answer was recorded, saved; None when the saved file must be scored
    instead (the recording ended with an error, so the file may hold less than was heard, or the live
    transcription failed)."""
    if recording.error:
        live.close()
        return None
    try:
        t0 = time.monotonic()
        transcript = live.finish()
        t1 = time.monotonic()
        samples = live.samples
        if len(samples) != round(recording.duration_s * SAMPLE_RATE):
            log.warning(
                "live transcription heard %d samples, the file holds %.0f: scoring the file",
                len(samples),
                recording.duration_s * SAMPLE_RATE,
            )
            return None
        report = scorer.report(
            question, transcript, samples, str(store.folder(info.id) / ANSWER), live=True, tracks=live.tracks()
        )
        log.info("live: the last piece took %.1f s after the stop, the report %.1f s", t1 - t0, time.monotonic() - t1)
    except Exception as e:  # the file path still scores the answer
        log.warning("live transcription failed (%s): scoring the saved file", e)
        return None
    store.finish(info, to_dict(report), recording.duration_s)
    return report


def recover(
    store: SessionStore,
    scorer: Scorer,
    questions: dict[str, Question],
    on_session: Callable[[SessionInfo], None] | None = None,
) -> list[PracticeResult]:
    """Score and keep every interrupted recording (its process is gone, its status still "recording")."""
    import soundfile as sf

    out = []
    for info in store.interrupted():
        if on_session:
            on_session(info)
        answer = store.folder(info.id) / ANSWER
        q = find_question(questions, info.question_id)
        duration = 0.0
        if answer.exists() and answer.stat().st_size > 0:
            try:
                audio = load(answer, tolerant=True)
                # rewrite the FLAC so its header is complete (a killed writer never finished it)
                tmp = paths.private_file(answer.with_name(".answer.recovered.flac"))
                sf.write(tmp, audio.samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
                tmp.replace(answer)
                duration = audio.duration_s
            except (AudioError, OSError, RuntimeError) as e:
                log.warning("session %s: its recording cannot be read: %s", info.id, e)
        info.source = "recovered"
        if q is None or duration == 0:
            store.finish(info, None, duration)
            out.append(
                PracticeResult(
                    info,
                    None,
                    Recording(answer, duration),
                    "recovered",
                    "unknown question" if q is None else "no audio",
                )
            )
            continue
        report, err = score_and_save(store, info, q, scorer, duration)
        out.append(PracticeResult(info, report, Recording(answer, duration), "recovered", err))
    return out
