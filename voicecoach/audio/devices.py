"""Sound devices: listing them, and turning PortAudio's failures into messages a user can act on."""

from __future__ import annotations

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


def sounddevice():
    """Import sounddevice (it loads the PortAudio library), with a clear error if it cannot."""
    try:
        import sounddevice as sd
    except OSError as e:  # "PortAudio library not found"
        raise DeviceError(f"the PortAudio library is missing ({e}); install it: sudo apt-get install libportaudio2") from e
    return sd


def list_devices() -> list[Device]:
    sd = sounddevice()
    try:
        devs = sd.query_devices()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as e:
        raise DeviceError(f"cannot list sound devices: {e}") from e
    return [Device(index=i, name=d["name"], max_input_channels=d["max_input_channels"],
                   max_output_channels=d["max_output_channels"], default_sample_rate_hz=d["default_samplerate"],
                   is_default_input=i == default_in, is_default_output=i == default_out)
            for i, d in enumerate(devs)]


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
