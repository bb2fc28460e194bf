"""The exceptions voicecoach raises, and the one table of exit codes. The CLI turns each error into
one line on stderr and its exit code."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code of the ``voicecoach`` command (the README's troubleshooting table lists them)."""

    OK = 0
    FAILED = 1  # done, but something was left out and named: files that failed, damaged sessions
    USAGE = 2  # a bad invocation: unknown question, malformed question bank, bad option or manifest
    INPUT = 3  # a recording that cannot be read, or holds nothing to score (silence, another language)
    MODEL = 4  # a model is unknown, missing or corrupt
    OUTPUT = 5  # a result cannot be written where the user asked
    SESSION = 6  # the session store cannot be read or written
    DEVICE = 7  # no usable microphone or speaker
    RECORDING = 8  # the recording stopped on an error (what was recorded is kept)
    SPEECH = 9  # the question could not be spoken (text-to-speech)
    INTERNAL = 70  # a bug (EX_SOFTWARE); `voicecoach --debug` shows its traceback
    INTERRUPTED = 130  # Ctrl-C outside a recording


class VoicecoachError(Exception):
    """Base class: a problem the user can act on. ``str(err)`` is the message to show."""

    exit_code = ExitCode.FAILED


class AudioError(VoicecoachError):
    """An input recording cannot be read, or holds no usable audio."""

    exit_code = ExitCode.INPUT


class ModelError(VoicecoachError):
    """A model is unknown, missing or corrupt."""

    exit_code = ExitCode.MODEL


class QuestionError(VoicecoachError):
    """A question id is unknown, or a question bank file is malformed."""

    exit_code = ExitCode.USAGE


class OutputError(VoicecoachError):
    """A result cannot be written where the user asked."""

    exit_code = ExitCode.OUTPUT
