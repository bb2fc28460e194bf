"""Sound devices: listing them, and turning PortAudio's failures into messages a user can act on."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from dataclasses import dataclass

from voicecoach.errors import ExitCode, VoicecoachError


class DeviceError(VoicecoachError):
    """No usable microphone or speaker."""

    exit_code = ExitCode.DEVICE


@dataclass(frozen=True)
class Device:
    """A sound device as PortAudio sees it."""

    index: int
    name: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate_hz: float
    is_default_input: bool
    is_default_output: bool


log = logging.getLogger(__name__)

# alsa-lib prints its own messages ("ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred") straight
# to stderr, under our one-line errors. They go to the debug log instead (`voicecoach -v`).
_ALSA_HANDLER_TYPE = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)
_alsa_handler = None  # kept referenced: alsa-lib calls it for the life of the process


def _alsa_message(file, line, function, err, fmt):
    # the message's own arguments are variadic and cannot be read here; its format says what happened
    log.debug(
        "ALSA %s:%d (%s): %s",
        (file or b"").decode(errors="replace"),
        line,
        (function or b"").decode(errors="replace"),
        (fmt or b"").decode(errors="replace"),
    )


def quiet_alsa() -> bool:
    """Route alsa-lib's messages to the debug log; False where there is no alsa-lib (not Linux)."""
    global _alsa_handler
    if _alsa_handler is not None:
        return True
    name = ctypes.util.find_library("asound")
    if not name:
        return False
    try:
        lib = ctypes.CDLL(name)
        handler = _ALSA_HANDLER_TYPE(_alsa_message)
        lib.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):
        return False
    _alsa_handler = handler
    return True


def sounddevice():
    """Import sounddevice (it loads the PortAudio library), with a clear error if it cannot."""
    try:
        import sounddevice as sd
    except OSError as e:  # "PortAudio library not found"
        raise DeviceError(
            f"the PortAudio library is missing ({e}); install it: sudo apt-get install libportaudio2"
        ) from e
    quiet_alsa()
    return sd


def list_devices() -> list[Device]:
    sd = sounddevice()
    try:
        devs = sd.query_devices()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as e:
        raise DeviceError(f"cannot list sound devices: {e}") from e
    return [
        Device(
            index=i,
            name=d["name"],
            max_input_channels=d["max_input_channels"],
            max_output_channels=d["max_output_channels"],
            default_sample_rate_hz=d["default_samplerate"],
            is_default_input=i == default_in,
            is_default_output=i == default_out,
        )
        for i, d in enumerate(devs)
    ]


def resolve(device: str | int | None, kind: str) -> int | None:
    """A device index from a number or part of a name (None = the default); checks it can do ``kind``."""
    devs = list_devices()
    channels = (lambda d: d.max_input_channels) if kind == "input" else (lambda d: d.max_output_channels)
    usable = [d for d in devs if channels(d) > 0]
    word = "microphone" if kind == "input" else "speaker"
    if not usable:
        raise DeviceError(f"no {word} found; check it is connected and see `voicecoach devices`")
    if device is None or device == "":
        return None
    if isinstance(device, int) or str(device).isdigit():
        idx = int(device)
        if not any(d.index == idx for d in usable):
            raise DeviceError(f"device {idx} is not a {word}; see `voicecoach devices`")
        return idx
    hits = [d for d in usable if str(device).lower() in d.name.lower()]
    if len(hits) != 1:
        how = "no" if not hits else f"{len(hits)}"
        raise DeviceError(f"{how} {word}s match '{device}'; see `voicecoach devices`")
    return hits[0].index
