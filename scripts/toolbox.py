"""What the measuring scripts share, in one place (docs/performance.md, How to measure):

- where the recordings are: ``--data DIR`` on any script, else ``$VOICECOACH_DATA``, else
  ``../shared/audio/real`` beside the checkout (``DATA``, ``LECTURE``, ``MEDIUM_WORDS``);
- the baseline: faster-whisper's own transcription of a file, model loaded and audio decoded
  (``bare_seconds``);
- a child process's wall and CPU time and its peak memory (``timed``, ``peak_rss_mb``);
- the one way to turn a setting off for a comparison: a piece of the ASR layer by name (``PIECES``),
  in this process (``options_off``) or in a child (``command_off``).

Scripts run from the checkout (`.venv/bin/python scripts/NAME.py`), so this module is importable
as ``toolbox``; the tests import ``evaluation`` from here too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    """--data DIR from the command line (read before a script's own parser, so its defaults can
    use it), else $VOICECOACH_DATA, else ../shared/audio/real."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--data", type=Path)
    given = pre.parse_known_args()[0].data
    return (given or Path(os.environ.get("VOICECOACH_DATA", ROOT.parent / "shared" / "audio" / "real"))).resolve()


DATA = _data_dir()
LECTURE = DATA / "physicsworks_16k_mono.flac"  # 203 s of a physics lecture, no human reference
# Whisper medium's words of the lecture: a proxy reference (it reads the lecture closer than base)
MEDIUM_WORDS = DATA / "physicsworks.whisper_medium_words.tsv"


def add_data_option(ap: argparse.ArgumentParser) -> None:
    """Show --data in a script's --help (the value itself is read by _data_dir)."""
    ap.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="the folder of real recordings (default: $VOICECOACH_DATA, else ../shared/audio/real); now " + str(DATA),
    )


# faster-whisper alone: its model loaded, and each file decoded, before the clock starts.
# argv: model, threads, "verbatim" (voicecoach's prompt on every window, no conditioning: its
# default) or "plain" (faster-whisper's defaults: what a user would run instead), then the files.
# After a file that fell back to sampling the decoder restarts from the seed, untimed, as
# voicecoach's does (WhisperTranscriber.fresh_decoder), so both decode every file alike.
BARE = r"""
import sys, time, json
import ctranslate2
from faster_whisper import WhisperModel
from voicecoach.models import resolve
from voicecoach.asr.types import VERBATIM_PROMPT
from voicecoach.audio import load
ctranslate2.set_random_seed(0)
path, threads, verbatim = resolve(sys.argv[1]).path, int(sys.argv[2]), sys.argv[3] == "verbatim"
m = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads)
seconds, words, audio_s = 0.0, 0, 0.0
for f in sys.argv[4:]:
    audio = load(f)
    t = time.perf_counter()
    segments, _ = m.transcribe(audio.samples, language="en", beam_size=5, word_timestamps=True, vad_filter=False,
                               hallucination_silence_threshold=2.0, hotwords=VERBATIM_PROMPT if verbatim else None,
                               condition_on_previous_text=not verbatim)
    segments = list(segments)  # (the whole file decoded)
    seconds += time.perf_counter() - t
    words += sum(len(s.words) for s in segments)
    audio_s += audio.duration_s
    if any(s.temperature > 0 for s in segments):
        m.model = None
        m.model = ctranslate2.models.Whisper(path, device="cpu", compute_type="int8", intra_threads=threads)
print(json.dumps({"seconds": seconds, "words": words, "audio_s": audio_s}))
"""


def bare(files: list[Path], verbatim: bool, threads: int, model: str = "base") -> dict:
    """Bare transcriptions in one fresh process: {"seconds": transcription only, "words", "audio_s"}."""
    how = "verbatim" if verbatim else "plain"
    cmd = [sys.executable, "-c", BARE, model, str(threads), how, *map(str, files)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bare_seconds(audio: Path, verbatim: bool, threads: int, model: str = "base") -> float:
    return bare([audio], verbatim, threads, model)["seconds"]


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child and its children) of one run of ``cmd``; exits on failure."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    if status:
        sys.exit(f"{' '.join(map(str, cmd[:3]))}... failed: {p.stderr.read().decode()[-500:]}")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


def peak_rss_mb(cmd: list[str], env: dict | None = None) -> float:
    """Peak resident memory (MB) of a child process, from wait4's rusage; exits on failure."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"{' '.join(map(str, cmd[:3]))}... failed: {proc.stderr.read().decode()[-500:]}")
    return usage.ru_maxrss / 1024


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory (MB) so far of a running process (/proc's VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# The pieces of the ASR layer that can be turned off: name -> (Tuning fields, TranscriptionOptions
# fields) that turn it off (docs/performance.md, What each piece of the ASR layer buys).
PIECES: dict[str, tuple[dict, dict]] = {
    "own_encoder": ({"own_encoder": False}, {}),
    "encode_once": ({"encode_once": False}, {}),
    "token_cap": ({"token_cap": False}, {}),
    "read_on": ({"read_on": 0}, {}),
    "carry": ({}, {"carry_s": 0.0}),
    "refill": ({}, {"refill": False}),
    "probe_own_model": ({"probe_own_model": False}, {}),
}


def _off_fields(names: list[str]) -> tuple[dict, dict]:
    tuning, fields = {}, {}
    for n in names:
        tuning.update(PIECES[n][0])
        fields.update(PIECES[n][1])
    return tuning, fields


def options_off(options, names: list[str]):
    """``options`` (TranscriptionOptions) with the pieces ``names`` off, for a transcriber in this process."""
    tuning, fields = _off_fields(names)
    return dataclasses.replace(options, **fields, tuning=dataclasses.replace(options.tuning, **tuning))


# Run in a child before anything else: every WhisperTranscriber it makes gets the pieces off.
_PREAMBLE = r"""
import dataclasses, json, os, sys
from voicecoach import numerics
numerics.use(numerics.REPRODUCIBLE if os.environ.get("VOICECOACH_REPRODUCIBLE") == "1" else numerics.NATIVE)
from voicecoach.asr import transcriber as whisper
tuning, fields = json.loads(os.environ["VOICECOACH_PIECES_OFF"])
_init = whisper.WhisperTranscriber.__init__
def _off(self, options=whisper.TranscriptionOptions()):
    options = dataclasses.replace(options, **fields, tuning=dataclasses.replace(options.tuning, **tuning))
    _init(self, options)
whisper.WhisperTranscriber.__init__ = _off
"""


def command_off(names: list[str], argv: list[str]) -> tuple[list[str], dict]:
    """(command, environment) that run ``argv`` (``voicecoach ...`` or ``SCRIPT.py ...``) with the
    pieces ``names`` off."""
    if argv[0] == "voicecoach":
        tail = "from voicecoach.cli.app import main; sys.argv = ['voicecoach'] + sys.argv[1:]; main()"
        rest = argv[1:]
    else:
        tail = "import runpy; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
        rest = argv
    env = {**os.environ, "VOICECOACH_PIECES_OFF": json.dumps(list(_off_fields(names)))}
    return [sys.executable, "-c", _PREAMBLE + tail, *rest], env
