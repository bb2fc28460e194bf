"""The exceptions voicecoach raises. The CLI turns each into one line on stderr."""


class VoicecoachError(Exception):
    """Base class: a problem the user can act on. ``str(err)`` is the message to show."""

    exit_code = 1


class AudioError(VoicecoachError):
    """An input recording cannot be read, or holds no usable audio."""

    exit_code = 3


class ModelError(VoicecoachError):
    """A model is unknown, missing or corrupt."""

    exit_code = 4


class QuestionError(VoicecoachError):
    """A question id is unknown, or a question bank file is malformed."""

    exit_code = 2


class OutputError(VoicecoachError):
    """A result cannot be written where the user asked."""

    exit_code = 5
