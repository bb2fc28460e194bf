"""Speaking a question: pyttsx3 renders it to a WAV, which is then played like any audio.

pyttsx3 on Linux drives espeak-ng. Its pitfalls (measured, see DESIGN.md): ``runAndWait()`` can
return before the file is written, only the last queued utterance runs, and an unknown voice id is
silently ignored. So: one utterance per call, wait for the ``finished-utterance`` callback (with a
timeout) and for the file to be complete, and check the voice against the engine's list.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ExitCode, VoicecoachError

RENDER_TIMEOUT_S = 30.0


class SpeechError(VoicecoachError):
    """The question could not be spoken."""

    exit_code = ExitCode.SPEECH


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...]


def _engine():
    try:
        import pyttsx3

        return pyttsx3.init()
    except Exception as e:  # pyttsx3 raises RuntimeError/OSError/ImportError when espeak-ng is missing
        raise SpeechError(f"text-to-speech is unavailable ({e}); install espeak-ng, or use --no-speak") from e


def voices() -> list[Voice]:
    eng = _engine()
    out = []
    for v in eng.getProperty("voices"):
        langs = tuple(x.decode(errors="ignore") if isinstance(x, bytes) else str(x) for x in (v.languages or []))
        out.append(Voice(id=v.id, name=v.name, languages=langs))
    return out


def render(text: str, path: str | Path, rate_wpm: int = 160, voice: str | None = None) -> Path:
    """Render ``text`` as speech to the WAV file ``path`` (16-bit mono, the engine's own rate)."""
    path = Path(path)
    eng = _engine()
    if voice:
        known = {v.id for v in eng.getProperty("voices")} | {v.name for v in eng.getProperty("voices")}
        if voice not in known:
            raise SpeechError(f"unknown voice '{voice}'; `voicecoach devices --voices` lists them")
        match = next(v for v in eng.getProperty("voices") if voice in (v.id, v.name))
        eng.setProperty("voice", match.id)
    eng.setProperty("rate", int(rate_wpm))
    done = threading.Event()
    eng.connect("finished-utterance", lambda name, completed: done.set())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.wav")
    eng.save_to_file(text, str(tmp))
    # The espeak driver prints "Audio saved to ..." from its synthesis callback, just before it
    # signals finished-utterance, and runAndWait can return first: keep stdout redirected until the
    # signal, or the line lands in `voicecoach practice --json` output (seen once in CI).
    with contextlib.redirect_stdout(io.StringIO()):
        eng.runAndWait()
        finished = done.wait(RENDER_TIMEOUT_S)
    if not finished:
        tmp.unlink(missing_ok=True)
        raise SpeechError("text-to-speech did not finish within 30 s")
    # the file may still be growing after the callback: wait until its size settles
    deadline, last = time.monotonic() + 5.0, -1
    while time.monotonic() < deadline:
        size = tmp.stat().st_size if tmp.exists() else 0
        if size > 44 and size == last:
            break
        last = size
        time.sleep(0.05)
    if not tmp.exists() or tmp.stat().st_size <= 44:
        tmp.unlink(missing_ok=True)
        raise SpeechError("text-to-speech produced no audio")
    os.chmod(tmp, 0o600)  # kept in a session folder, private like the rest (voicecoach.paths)
    os.replace(tmp, path)
    return path
