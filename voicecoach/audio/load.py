"""Decode a recording (wav, flac, mp3, m4a, ogg/opus, webm, ...) to 16 kHz mono float32.

PyAV (which faster-whisper already brings, with FFmpeg inside its wheel) does the decoding and
resampling; this module adds the checks a user needs: a clear error for a missing path, a folder,
an empty or non-audio file, a truncated file, or a recording longer than the limit.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.errors import AudioError
from voicecoach.timefmt import clock as _clock

log = logging.getLogger("voicecoach")

SAMPLE_RATE = 16_000  # Hz; what Whisper and the analysers expect
# A file whose decoded length falls short of its declared length by more than this is truncated.
# Encoders round the declared duration to a frame or a container tick, so allow a little.
TRUNCATION_TOLERANCE_S = 0.5
DEFAULT_MAX_DURATION_S = 2 * 60 * 60  # 2 h: far beyond any answer, below what fits in memory


@dataclass(frozen=True)
class Audio:
    """A decoded recording.

    Attributes:
        samples: mono float32 samples in [-1, 1] at ``SAMPLE_RATE``.
        path: where it was read from (None for audio made in memory).
        source_sample_rate_hz: the file's own sample rate.
        source_channels: the file's own channel count.
        codec: the codec name FFmpeg reported ("flac", "aac", "opus", ...).
    """

    samples: np.ndarray
    path: Path | None = None
    source_sample_rate_hz: int = SAMPLE_RATE
    source_channels: int = 1
    codec: str = "pcm"

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def check_path(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    if not path.is_file():  # a device or a pipe reports 0 bytes: "empty" would be the wrong reason
        raise AudioError(f"{path}: not a regular file (a device, pipe or socket); give a saved recording")
    if not os.access(path, os.R_OK):
        raise AudioError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: file is empty (0 bytes)")


def load(path: str | os.PathLike, max_duration_s: float = DEFAULT_MAX_DURATION_S, tolerant: bool = False) -> Audio:
    """Decode ``path`` to 16 kHz mono float32.

    ``tolerant``: keep what decodes before damage at the end (a recording cut short by a kill or a
    full disk) instead of refusing the file.

    Raises:
        AudioError: the file is missing, a folder, empty, not audio, truncated, or longer than
            ``max_duration_s``.
    """
    import av  # heavy: imported here so `voicecoach --help` stays fast

    path = Path(path)
    check_path(path)
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise AudioError(f"{path}: not a readable audio file ({_reason(e)})") from e
    with container:
        if not container.streams.audio:
            raise AudioError(f"{path}: contains no audio stream")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # (FFmpeg found a stream but no decoder for it: a damaged header)
            raise AudioError(f"{path}: not a readable audio file (no decoder for its audio stream)")
        declared_s = _declared_duration_s(container, stream)
        if "wav" in container.format.name:
            _check_wav_size(path)
        if declared_s is not None and declared_s > max_duration_s:
            raise AudioError(
                f"{path}: recording is {_clock(declared_s)} long; the limit is {_clock(max_duration_s)} (--max-minutes)"
            )
        codec = stream.codec_context.name
        rate = stream.codec_context.sample_rate or 0
        channels = stream.codec_context.channels or 0
        # Channels are averaged here, not mixed by FFmpeg: its stereo-to-mono matrix adds the two at
        # -3 dB each, so a recording with two equal channels came out 3 dB louder, peaks above full
        # scale (which read as clipping) and a level 3 dB too high.
        resampler = av.audio.resampler.AudioResampler(format="fltp", layout=None, rate=SAMPLE_RATE)
        max_samples = int(max_duration_s * SAMPLE_RATE)
        # Decode into one preallocated buffer (grown if the header under-reports): an hour of
        # audio is 230 MB, and collecting chunks then concatenating would need twice that.
        buf = np.empty(int((declared_s or 60.0) * SAMPLE_RATE) + SAMPLE_RATE, np.float32)
        n = 0
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    buf, n = _append(buf, n, _mono(out))
                if n > max_samples:
                    raise AudioError(
                        f"{path}: recording is longer than the limit of {_clock(max_duration_s)} (--max-minutes)"
                    )
            for out in resampler.resample(None):
                buf, n = _append(buf, n, _mono(out))
        except av.FFmpegError as e:
            if tolerant and n > 0:
                log.info("%s: damaged after %s; keeping what decodes (%s)", path, _clock(n / SAMPLE_RATE), e)
                declared_s = None
            else:
                raise AudioError(
                    f"{path}: damaged or truncated audio (decoding stopped at {_clock(n / SAMPLE_RATE)}: {_reason(e)})"
                ) from e
    samples = buf[:n] if n > len(buf) // 2 else buf[:n].copy()
    del buf
    decoded_s = len(samples) / SAMPLE_RATE
    if decoded_s == 0:
        raise AudioError(f"{path}: holds no audio samples")
    if declared_s is not None and decoded_s < declared_s - TRUNCATION_TOLERANCE_S and not tolerant:
        raise AudioError(
            f"{path}: file is truncated or damaged (its header says {_clock(declared_s)}, "
            f"only {_clock(decoded_s)} decodes)"
        )
    log.debug("decoded %s: %.2f s, %s, %d Hz, %d ch", path, decoded_s, codec, rate, channels)
    return Audio(samples=samples, path=path, source_sample_rate_hz=rate, source_channels=channels, codec=codec)


def _mono(frame) -> np.ndarray:
    """A planar float frame as one channel: the mean of its channels."""
    x = frame.to_ndarray()
    return (x[0] if x.shape[0] == 1 else x.mean(axis=0)).astype(np.float32, copy=False)


def _append(buf: np.ndarray, n: int, chunk: np.ndarray) -> tuple[np.ndarray, int]:
    if n + len(chunk) > len(buf):
        grown = np.empty(max(2 * len(buf), n + len(chunk)), np.float32)
        grown[:n] = buf[:n]
        buf = grown
    buf[n : n + len(chunk)] = chunk
    return buf, n + len(chunk)


def _check_wav_size(path: Path) -> None:
    """FFmpeg trusts the file size for WAV, so compare the header's data size with the bytes present."""
    import struct

    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    pos = 12
    while pos + 8 <= len(head):
        cid, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if cid == b"data":
            present = path.stat().st_size - (pos + 8)
            # 0 and 0xFFFFFFFF mark streamed WAVs whose size was never filled in
            if size not in (0, 0xFFFFFFFF) and present < size:
                raise AudioError(
                    f"{path}: file is truncated (its header promises {size} bytes of audio, {present} are present)"
                )
            return
        pos += 8 + size + (size & 1)


def _declared_duration_s(container, stream) -> float | None:
    """The duration the file's header claims, if it claims one."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # av.time_base: microseconds
    return None


def _reason(e: BaseException) -> str:
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return text.strip().rstrip(".").lower()
