"""Recording from a microphone straight to disk.

The PortAudio callback only copies each block into a queue; a writer thread appends the blocks to
a FLAC file and flushes it every ``flush_every_s``, so a killed process leaves a playable file
holding all but the last moment. The writer also keeps the level meter and the silence timer, and
hands finished chunks of audio to an ``on_chunk`` consumer while recording continues (so a later
stage can transcribe during the answer).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach import paths
from voicecoach.audio.devices import DeviceError, sounddevice
from voicecoach.audio.load import SAMPLE_RATE
from voicecoach.errors import ExitCode, VoicecoachError

log = logging.getLogger("voicecoach")


class RecordingError(VoicecoachError):
    """The recording could not continue; what was recorded is kept."""

    exit_code = ExitCode.RECORDING


@dataclass(frozen=True)
class RecorderOptions:
    """How to record.

    Attributes:
        device: input device index (None = the system default).
        sample_rate_hz: recording rate (16 kHz: what Whisper uses; PulseAudio/ALSA resample).
        block_s: audio handed over per callback (0.1 s).
        flush_every_s: how often the FLAC file is flushed to disk (0.5 s: at most this is lost on a kill).
        silence_dbfs: a block quieter than this counts as silence (-50 dBFS).
        chunk_s: length of the chunks given to ``on_chunk`` (5 s).
        stall_timeout_s: if no audio arrives for this long the device is taken as gone (3 s).
    """

    device: int | None = None
    sample_rate_hz: int = SAMPLE_RATE
    block_s: float = 0.1
    flush_every_s: float = 0.5
    silence_dbfs: float = -50.0
    chunk_s: float = 5.0
    stall_timeout_s: float = 3.0


@dataclass(frozen=True)
class RecorderStatus:
    """A snapshot for the live view."""

    elapsed_s: float
    level_dbfs: float
    silent_for_s: float
    error: str | None
    overflows: int = 0


@dataclass(frozen=True)
class Recording:
    """What was recorded: ``path`` holds ``duration_s`` of audio; ``error`` says why it stopped early;
    ``overflows``: how many times the sound card had audio this process did not collect in time
    (PortAudio's input overflow: that audio is lost, and the file is shorter than the answer)."""

    path: Path
    duration_s: float
    error: str | None = None
    overflows: int = 0


def dbfs(block: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))) if block.size else 0.0
    return 20 * np.log10(max(rms, 1e-10))


class Recorder:
    """``with Recorder(path) as rec: ... rec.status() ... rec.stop()``"""

    def __init__(
        self,
        path: str | Path,
        options: RecorderOptions = RecorderOptions(),
        on_chunk: Callable[[float, np.ndarray], None] | None = None,
    ):
        self.path = Path(path)
        self.options = options
        self.on_chunk = on_chunk
        self._q: queue.Queue = queue.Queue()
        self._frames = 0
        self._level = -100.0
        self._silent_frames = 0
        self._error: str | None = None
        self._stream = None
        self._writer: threading.Thread | None = None
        self._last_block = 0.0
        self._stopped = threading.Event()
        self._overflows = 0

    # PortAudio's thread: never block, never allocate more than a copy.
    def _callback(self, indata, frames, time_info, status) -> None:
        if status.input_overflow:
            self._overflows += 1
        self._q.put(indata[:, 0].copy())

    def start(self) -> Recorder:
        import soundfile as sf

        sd = sounddevice()
        o = self.options
        try:
            paths.private_file(self.path)  # a recording of the user's voice: 0600 from the first byte
            self._file = sf.SoundFile(
                self.path, "w", samplerate=o.sample_rate_hz, channels=1, format="FLAC", subtype="PCM_16"
            )
        except (OSError, RuntimeError) as e:
            raise RecordingError(f"cannot write the recording to {self.path}: {e}") from e
        try:
            self._stream = sd.InputStream(
                samplerate=o.sample_rate_hz,
                channels=1,
                dtype="float32",
                blocksize=int(o.block_s * o.sample_rate_hz),
                device=o.device,
                callback=self._callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as e:
            self._file.close()
            self.path.unlink(missing_ok=True)
            raise DeviceError(f"cannot open the microphone ({e}); see `voicecoach devices`") from e
        self._t0 = self._last_block = time.monotonic()
        self._writer = threading.Thread(target=self._write_loop, name="voicecoach-writer", daemon=True)
        self._writer.start()
        return self

    def _write_loop(self) -> None:
        o = self.options
        rate = o.sample_rate_hz
        last_flush = time.monotonic()
        chunk: list[np.ndarray] = []
        chunk_frames = chunk_start = 0
        while True:
            try:
                block = self._q.get(timeout=0.2)
            except queue.Empty:
                if self._stopped.is_set():
                    break
                if time.monotonic() - self._last_block > o.stall_timeout_s and self._error is None:
                    self._error = "the microphone stopped sending audio (unplugged?)"
                    self._stopped.set()
                continue
            if block is None:
                break
            self._last_block = time.monotonic()
            try:
                self._file.write(block)
                if time.monotonic() - last_flush >= o.flush_every_s:
                    self._file.flush()
                    last_flush = time.monotonic()
            except (OSError, RuntimeError) as e:  # disk full, folder gone
                import shutil

                try:
                    full = shutil.disk_usage(self.path.parent).free < 1_000_000
                except OSError:
                    full = False
                why = "the disk is full" if full else str(e).strip().rstrip(".")
                self._error = f"cannot write the recording ({why}); what was recorded so far is kept"
                self._stopped.set()
                break
            self._frames += len(block)
            self._level = dbfs(block)
            self._silent_frames = self._silent_frames + len(block) if self._level < o.silence_dbfs else 0
            if self.on_chunk:
                chunk.append(block)
                chunk_frames += len(block)
                if chunk_frames >= o.chunk_s * rate:
                    self._emit(chunk_start, chunk)
                    chunk_start += chunk_frames
                    chunk, chunk_frames = [], 0
        if self.on_chunk and chunk:
            self._emit(chunk_start, chunk)

    def _emit(self, start: int, chunk: list[np.ndarray]) -> None:
        try:
            self.on_chunk(start / self.options.sample_rate_hz, np.concatenate(chunk))
        except Exception:  # a consumer's failure must not lose the recording
            log.exception("chunk consumer failed")

    def status(self) -> RecorderStatus:
        rate = self.options.sample_rate_hz
        return RecorderStatus(
            elapsed_s=self._frames / rate,
            level_dbfs=self._level,
            silent_for_s=self._silent_frames / rate,
            error=self._error,
            overflows=self._overflows,
        )

    @property
    def stopped(self) -> bool:
        """True once recording stopped by itself (device gone, disk full)."""
        return self._stopped.is_set()

    def stop(self) -> Recording:
        """Stop, write out everything queued, close the file. Safe to call twice."""
        sd = sounddevice()
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except sd.PortAudioError as e:
                log.debug("closing the input stream: %s", e)
            self._stream = None
        if self._writer is not None:
            self._stopped.set()
            self._q.put(None)
            self._writer.join(timeout=10)
            self._writer = None
            try:
                self._file.close()
            except (OSError, RuntimeError) as e:
                self._error = self._error or f"cannot finish the recording file: {e}"
        if self._overflows:
            log.warning("the microphone's input overflowed %d time(s): some audio was lost", self._overflows)
        return Recording(
            path=self.path,
            duration_s=self._frames / self.options.sample_rate_hz,
            error=self._error,
            overflows=self._overflows,
        )

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
