"""Decoding: every format users record in, any rate, mono or stereo; and the bad files."""

import os
from pathlib import Path

import numpy as np
import pytest
from helpers import write_audio

from voicecoach.audio import SAMPLE_RATE, load
from voicecoach.errors import AudioError


def tone(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.mark.parametrize(
    "ext,rate,channels",
    [
        (".wav", 44100, 2),
        (".wav", 8000, 1),
        (".flac", 22050, 1),
        (".mp3", 44100, 2),
        (".m4a", 48000, 1),
        (".ogg", 48000, 2),
        (".opus", 24000, 1),
        (".webm", 48000, 1),
    ],
)
def test_formats_rates_channels(tmp_path, ext, rate, channels):
    path = write_audio(tmp_path / f"a{ext}", tone(3.0, rate), rate=rate, channels=channels)
    a = load(path)
    assert a.duration_s == pytest.approx(3.0, abs=0.06)  # encoders pad a frame at most
    assert a.samples.dtype == np.float32 and a.samples.ndim == 1
    # the tone survives decoding and resampling: energy at 220 Hz dominates
    spec = np.abs(np.fft.rfft(a.samples[:SAMPLE_RATE]))
    assert abs(np.argmax(spec) - 220) <= 2


def test_real_stereo_44k_file(data):
    a = load(data / "whisper_jfk.flac")
    assert a.source_channels == 2 and a.source_sample_rate_hz == 44100
    assert a.duration_s == pytest.approx(11.0, abs=0.01)
    # the two channels are averaged: the file peaks at 25678/32768, and so does the mono signal
    # (FFmpeg's own stereo-to-mono mix made it 1.41x louder, over full scale: "clipped")
    assert np.abs(a.samples).max() == pytest.approx(25678 / 32768, abs=0.02)


def test_stereo_channels_are_averaged(tmp_path):
    x = tone(2.0, 16000)
    both = load(write_audio(tmp_path / "same.wav", x, rate=16000, channels=2)).samples
    assert np.abs(both).max() == pytest.approx(0.4, abs=0.005)
    import soundfile as sf

    sf.write(tmp_path / "one.wav", np.stack([x, np.zeros_like(x)], axis=1), 16000)  # one silent channel
    assert np.abs(load(tmp_path / "one.wav").samples).max() == pytest.approx(0.2, abs=0.005)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.mkdir(), p)[1], "is a folder"),
        (lambda p: (p.write_bytes(b""), p)[1], "file is empty"),
        (lambda p: (os.mkfifo(p), p)[1], "not a regular file"),  # (opening it would wait for a writer)
        (lambda p: Path("/dev/urandom"), "not a regular file"),  # (was "file is empty (0 bytes)")
        (lambda p: (p.write_text("this is not audio\n" * 50), p)[1], "not a readable audio file"),
    ],
)
def test_bad_paths(tmp_path, make, match):
    path = make(tmp_path / "answer.wav")
    with pytest.raises(AudioError, match=match):
        load(path)


def test_truncated_flac_and_wav(tmp_path, data):
    flac = (data / "mfa_acoustic_corpus.flac").read_bytes()
    (tmp_path / "t.flac").write_bytes(flac[: len(flac) // 2])
    with pytest.raises(AudioError, match="truncated"):
        load(tmp_path / "t.flac")
    wav = (data / "mfa_english_slow.wav").read_bytes()
    (tmp_path / "t.wav").write_bytes(wav[: len(wav) // 2])
    with pytest.raises(AudioError, match="truncated"):
        load(tmp_path / "t.wav")


def test_too_long_is_refused_before_decoding_it_all(tmp_path):
    path = write_audio(tmp_path / "long.flac", tone(12.0, 16000))
    with pytest.raises(AudioError, match="limit is 0:10"):
        load(path, max_duration_s=10)


def test_long_audio_is_cut_at_the_quietest_point():
    from voicecoach.asr.pieces import PIECE_S, piece_bounds

    rate, limit = SAMPLE_RATE, int(PIECE_S)
    x = tone(5 * limit + 7, rate)
    x[(limit - 3) * rate : (limit - 2) * rate] = 0  # a silence 3 s before the first limit
    b = piece_bounds(x)
    assert b[0][0] == 0 and b[-1][1] == len(x)
    assert all(e - s <= limit * rate for s, e in b) and all(b[i][1] == b[i + 1][0] for i in range(len(b) - 1))
    assert (limit - 3) * rate <= b[0][1] <= (limit - 2) * rate
    assert piece_bounds(x[: 10 * rate]) == [(0, 10 * rate)]


def test_pieces_cut_while_recording_are_the_pieces_of_the_file():
    """voicecoach.asr.live cuts the answer as it grows (1-s chunks); `score` cuts the saved file. A cut
    depends only on the audio before it, so both find the same pieces."""
    import numpy as np

    from voicecoach.asr.pieces import next_cut, piece_bounds

    rng = np.random.default_rng(7)
    x = (rng.standard_normal(200 * SAMPLE_RATE) * np.repeat(rng.uniform(0.01, 0.5, 2000), SAMPLE_RATE // 10)).astype(
        np.float32
    )
    live, start = [], 0
    for n in range(SAMPLE_RATE, len(x) + 1, SAMPLE_RATE):
        while (cut := next_cut(x[:n], start)) is not None:
            live.append((start, cut))
            start = cut
    live.append((start, len(x)))
    assert live == piece_bounds(x) and len(live) >= 7


def test_live_chunks_are_kept_as_the_flac_holds_them(tmp_path):
    """The live transcriber hears exactly the samples `score` reads back from the saved 16-bit FLAC."""
    import numpy as np
    import soundfile as sf

    from voicecoach.asr.live import as_saved

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(3 * SAMPLE_RATE) * 0.3).astype(np.float32)
    x[:8] = [1.0, -1.0, 1.3, -1.3, 0.5 / 32768, 1.5 / 32768, -0.5 / 32768, 2.5 / 32768]  # clipping, ties to even
    with sf.SoundFile(
        tmp_path / "a.flac", "w", samplerate=SAMPLE_RATE, channels=1, format="FLAC", subtype="PCM_16"
    ) as f:
        f.write(x[:20000])
        f.write(x[20000:])
    assert np.array_equal(np.concatenate([as_saved(x[:20000]), as_saved(x[20000:])]), load(tmp_path / "a.flac").samples)


def test_words_in_silence_are_not_audible():
    from voicecoach.asr.refill import Loudness

    x = np.zeros(10 * SAMPLE_RATE, np.float32)
    x[2 * SAMPLE_RATE : 3 * SAMPLE_RATE] = tone(1.0, SAMPLE_RATE)
    x[6 * SAMPLE_RATE : 7 * SAMPLE_RATE] = 0.001 * tone(1.0, SAMPLE_RATE)  # -63 dBFS: a whisper of noise
    audible = Loudness(x).audible
    assert audible(2.2, 2.5) and audible(1.9, 2.05)
    assert not audible(4.0, 5.0) and not audible(6.1, 6.9)


def test_input_overflows_are_counted(tmp_path):
    """PortAudio flags an input overflow when audio arrived that nobody collected in time: that audio
    is lost, and the recording says so. The flags are a stand-in here: importing sounddevice in this
    process before the virtual sound card's server is set would leave PortAudio without devices for
    the tests that record in-process (test_practice.py records through the real stream)."""
    from types import SimpleNamespace

    from voicecoach.audio.recorder import Recorder

    rec = Recorder(tmp_path / "a.flac")
    block = np.zeros((1600, 1), np.float32)
    rec._callback(block, 1600, None, SimpleNamespace(input_overflow=False))
    rec._callback(block, 1600, None, SimpleNamespace(input_overflow=True))
    assert rec.status().overflows == 1
    assert rec._q.qsize() == 2  # the block after the overflow is still kept


def test_a_draft_keeps_its_words_up_to_a_greedy_loop():
    from voicecoach.asr.live import before_loop
    from voicecoach.asr.types import Word

    def ws(text):
        return tuple(Word(t, i * 0.3, i * 0.3 + 0.2, 0.9) for i, t in enumerate(text.split()))

    said = ws("so I led the team uh uh uh and then")
    assert before_loop(said) == said  # a real run of three "uh" is speech, not a loop
    looped = ws("and I said you know you know you know you know you know")
    assert [w.text for w in before_loop(looped)] == ["and", "I", "said", "you", "know"]
    assert len(before_loop(ws("um " * 40))) == 6


def test_live_transcriber_says_when_it_falls_behind_and_still_finishes():
    """A stand-in for the transcriber that is slower than the speaker (a slow CPU, a big model): the
    cue figures say so past BEHIND_S, and finish() still hands back every piece, in order."""
    import threading
    from types import SimpleNamespace

    import numpy as np

    from voicecoach.analysis.cues import CueLine
    from voicecoach.asr.live import BEHIND_S, LiveTranscriber
    from voicecoach.asr.pieces import next_cut
    from voicecoach.asr.types import Segment, Transcript, Word

    release, added = threading.Event(), []

    class SlowRun:
        declined, language, done_s = False, "en", 0.0

        def next_cut(self, samples, start):
            return next_cut(samples, start, 30.0)

        def add(self, piece, offset_s, last=False):
            release.wait(10)
            added.append((offset_s, len(piece)))
            self.done_s = offset_s + len(piece) / SAMPLE_RATE
            w = Word("word", offset_s + 1.0, offset_s + 1.3, 0.9)
            return [Segment("word", w.start_s, w.end_s, (w,))]

        def result(self, duration_s):
            return Transcript(segments=(), duration_s=duration_s)

        def close(self):
            pass

    t = SimpleNamespace(options=SimpleNamespace(piece_s=30.0, window_prompt=None), begin=SlowRun)
    live = LiveTranscriber(t, drafts=False)
    rng = np.random.default_rng(1)
    for k in range(100):  # 100 s of audio arrives before the first piece is done
        live.on_chunk(float(k), (rng.standard_normal(SAMPLE_RATE) * 0.1).astype(np.float32))
    f = CueLine(verbatim=False).figures(live.heard(), 100.0)
    assert not f.keeping_up and f.behind_s > BEHIND_S
    release.set()
    live.finish(timeout_s=10)
    assert [a for a, _ in added] == sorted(a for a, _ in added) and len(added) == 4
    assert sum(n for _, n in added) == 100 * SAMPLE_RATE  # every sample in exactly one piece


ALSA_MESSAGE = """
import ctypes, ctypes.util, logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(message)s")
if sys.argv[1] == "quiet":
    from voicecoach.audio.devices import sounddevice
    sounddevice()
lib = ctypes.CDLL(ctypes.util.find_library("asound"))
pcm = ctypes.c_void_p()
print("open:", lib.snd_pcm_open(ctypes.byref(pcm), b"no_such_pcm_voicecoach", 0, 0))
"""


def test_alsa_messages_go_to_the_debug_log_not_stderr():
    """alsa-lib writes its own lines to stderr ("ALSA lib pcm.c:...: underrun occurred"), which broke
    the one-line error of `practice`. Once sounddevice is loaded through voicecoach they are logged."""
    import ctypes.util
    import subprocess
    import sys

    if not ctypes.util.find_library("asound"):
        pytest.skip("no alsa-lib on this machine")
    loud = subprocess.run([sys.executable, "-c", ALSA_MESSAGE, "loud"], capture_output=True, text=True, timeout=60)
    quiet = subprocess.run([sys.executable, "-c", ALSA_MESSAGE, "quiet"], capture_output=True, text=True, timeout=60)
    assert "ALSA lib" in loud.stderr and "no_such_pcm_voicecoach" in loud.stderr  # what users used to see
    assert "open: -" in quiet.stdout and quiet.stderr == "", quiet.stderr
    assert "ALSA " in quiet.stdout and "snd_pcm_open" in quiet.stdout, quiet.stdout


def test_the_last_piece_is_transcribed_when_the_stop_comes_mid_look():
    """The worker looks for a piece (none yet), and the stop key sets the end of the recording
    while it looks: the last piece is still transcribed (0.5.1's first version ended without it)."""
    import threading
    import time
    from types import SimpleNamespace

    import numpy as np

    from voicecoach.asr.live import LiveTranscriber
    from voicecoach.asr.types import Transcript

    looking, added = threading.Event(), []

    class Run:
        declined, language, done_s = False, "en", 0.0

        def next_cut(self, samples, start):
            looking.set()
            time.sleep(0.3)  # finish() sets the end meanwhile
            return None

        def add(self, piece, offset_s, last=False):
            added.append((offset_s, len(piece), last))
            return []

        def result(self, duration_s):
            return Transcript(segments=(), duration_s=duration_s)

        def close(self):
            pass

    t = SimpleNamespace(options=SimpleNamespace(piece_s=30.0, window_prompt=None), begin=Run)
    live = LiveTranscriber(t, drafts=False)
    live.on_chunk(0.0, np.zeros(SAMPLE_RATE, dtype=np.float32))
    looking.clear()
    assert looking.wait(5)
    live.finish(timeout_s=10)
    assert added == [(0.0, SAMPLE_RATE, True)]
