"""Practice on a real (virtual) sound card: PulseAudio null sinks, real recording and playback.

Every test has a hard timeout; a stuck stream fails the test instead of hanging CI.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers import JFK_MODEL_CHOICE, cue_start, digital_gaps, espeak, word_errors

from voicecoach.analysis.tokens import normalise_text

pytestmark = [pytest.mark.audio, pytest.mark.timeout(240)]
EXE = shutil.which("voicecoach", path=str(Path(sys.executable).parent)) or "voicecoach"


def wav16(src: Path, dst: Path) -> Path:
    """16 kHz mono WAV of a test recording (paplay plays WAV in real time)."""
    subprocess.run(["sox", "-D", str(src), "-r", "16000", "-c", "1", "-b", "16", str(dst)], check=True)
    return dst


def _ctrl_c_as_at_a_terminal() -> None:
    """A shell starts a command with Ctrl-C (SIGINT) at its default. A test run started in the
    background (`bash .ci/run &` without job control) hands SIGINT down *ignored*, and Python keeps
    an ignored SIGINT ignored, so the Ctrl-C test would wait forever: give the child the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_practice(*args, env=None, stdin=subprocess.PIPE, offline: bool = False):
    """`voicecoach practice ARGS`; ``offline``: in a network namespace with only loopback up (the
    sound server is a unix socket, so it is still there)."""
    cut = ["unshare", "-n", "sh", "-c", 'ip link set lo up 2>/dev/null; exec "$@"', "sh"] if offline else []
    return subprocess.Popen(
        [*cut, EXE, "practice", *map(str, args)],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or os.environ.copy(),
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )


def wait_for_recording(home: Path, timeout_s: float = 60, takes: int = 1) -> Path:
    """The answer file appears when recording starts (the ``takes``-th: the newest)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = sorted((home / "sessions").glob("*/answer.flac")) if (home / "sessions").exists() else []
        if len(found) >= takes:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError("recording never started")


def aligned_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of ``a`` and ``b`` after shifting by the lag that best aligns them."""
    n = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    xc = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    lag = int(np.argmax(xc))
    if lag > n // 2:
        lag -= n
    a2, b2 = (a[lag:], b) if lag >= 0 else (a, b[-lag:])
    m = min(len(a2), len(b2))
    return float(np.corrcoef(a2[:m], b2[:m])[0, 1])


def answer_with(pulse, home: Path, source: Path, *args, stdin=subprocess.DEVNULL):
    """Start `practice --no-speak`, wait until it records, and start playing ``source`` into the
    microphone. Returns (practice process, player process, when recording started)."""
    p = start_practice("-q", "tell-me-about-yourself", "--no-speak", *args, stdin=stdin)
    answer = wait_for_recording(home)
    started = time.monotonic()
    return p, pulse.play_into_mic(source), answer, started


def sessions(home: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((home / "sessions").glob("*/session.json"))]


def test_practice_end_to_end(pulse, home, data, tmp_path):
    """With the network cut off (a network namespace with only loopback), the question is spoken, the
    answer played into the microphone is recorded, scored and kept, and its report is the one
    `voicecoach score` gives for the saved recording."""
    from voicecoach.audio import load

    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("network namespaces are not permitted here")

    source = wav16(data / "whisper_jfk.flac", tmp_path / "jfk.wav")
    question_capture = pulse.capture_speaker(tmp_path / "question.wav")
    time.sleep(0.3)
    opened = tmp_path / "opened.txt"
    fake_browser = tmp_path / "browser.sh"  # $BROWSER: how Python's webbrowser finds the user's browser
    fake_browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    fake_browser.chmod(0o755)
    p = start_practice(
        "-q",
        "tell-me-about-yourself",
        "--json",
        "--open",
        env={**os.environ, "BROWSER": str(fake_browser)},
        offline=True,
    )
    answer = wait_for_recording(home)
    question_capture.terminate()
    question_capture.wait(10)
    player = pulse.play_into_mic(source)
    player.wait(60)
    time.sleep(1.0)
    out, err = p.communicate("\n", timeout=120)
    assert p.returncode == 0, err
    assert "overflowed" not in err  # nothing was lost between the sound card and the file
    report = json.loads(out)

    # the saved audio is what the microphone heard
    saved, ref = load(answer).samples, load(source).samples
    assert aligned_correlation(saved, ref) >= 0.95
    assert not digital_gaps(answer), "the test's player ran dry: the microphone heard digital silence"
    # and it transcribes to the reference
    hyp = normalise_text(report["transcript"]["text"])
    assert word_errors((data / "whisper_jfk.txt").read_text(), report["transcript"]["text"]) <= JFK_MODEL_CHOICE, hyp
    [info] = sessions(home)
    assert info["status"] == "scored" and info["score"] == report["score"] and info["source"] == "practice"
    folder = answer.parent
    assert {"answer.flac", "question.wav", "report.json", "session.json", "transcript.txt"} <= {
        f.name for f in folder.iterdir()
    }
    # private to the user: the recording of their voice, the report, the index, the folders
    assert {f.name: oct(f.stat().st_mode & 0o777) for f in folder.iterdir()} == {
        f.name: "0o600" for f in folder.iterdir()
    }
    assert oct(folder.stat().st_mode & 0o777) == oct(home.stat().st_mode & 0o777) == "0o700"
    assert oct((home / "sessions.db").stat().st_mode & 0o777) == "0o600"
    # --open: the page was written into the session folder and handed to the browser, with the answer inside
    page = folder / "report.html"
    assert opened.read_text().strip() == page.as_uri()
    audio = re.search(r'src="data:audio/ogg;base64,([^"]+)"', page.read_text()).group(1)
    (tmp_path / "page.ogg").write_bytes(base64.b64decode(audio))
    assert load(tmp_path / "page.ogg").duration_s == pytest.approx(load(answer).duration_s, abs=0.05)
    lines = (folder / "transcript.txt").read_text().splitlines()
    assert lines and all(line.startswith("[0:") for line in lines)
    assert normalise_text(" ".join(line.split("] ", 1)[1] for line in lines)) == hyp
    # The live report is the one `score` makes of the saved file: the same pieces, the same words at
    # the same times (voicecoach.asr.live).
    again = json.loads(
        subprocess.run(
            [EXE, "score", answer, "-q", "tell-me-about-yourself", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )
    words = lambda r: [
        (w["text"], w["start_s"], w["end_s"]) for seg in r["transcript"]["segments"] for w in seg["words"]
    ]  # noqa: E731
    assert again["score"] == report["score"]
    assert words(again) == words(report)

    # the spoken question, captured from the virtual speaker, then the start cue: the question is
    # non-silent, plausible and intelligible. Only what precedes the cue is transcribed: Whisper's
    # reading of an 880 Hz tone is no part of the question (once, on a CI host, "I don't ...").
    captured = load(tmp_path / "question.wav").samples
    cue = cue_start(captured)
    assert cue is not None, "the start cue was not played after the question"
    spoken = captured[:cue]
    voiced = np.flatnonzero(np.abs(spoken) > 0.02)
    assert len(voiced) and 0.8 <= (voiced[-1] - voiced[0]) / 16000 <= 5.0
    sf.write(tmp_path / "question_only.wav", spoken, 16000)
    q = subprocess.run(
        [EXE, "score", tmp_path / "question_only.wav", "--json"], capture_output=True, text=True, timeout=120
    )
    # espeak-ng's "Tell" and "about" are borderline for Whisper base: measured "Tell me I'm out
    # yourself" from the rendered file itself and, once, "Sell me up out yourself" from the capture.
    # The words it always hears are checked; silence or garbled playback still fails.
    heard = normalise_text(json.loads(q.stdout)["transcript"]["text"])
    assert 3 <= len(heard) <= 6 and heard[1] == "me" and heard[-1] == "yourself", heard


def test_stop_key_in_a_real_terminal(pulse, home, tmp_path):
    """q in a real terminal (tmux) stops the recording; the session is saved."""
    session = f"vc{os.getpid()}"
    log = tmp_path / "screen.txt"
    cmd = f"{EXE} practice -q tell-me-about-yourself --no-speak > {log} 2>&1; echo EXIT $? >> {log}"
    env = {"PULSE_SERVER": pulse.server, "VOICECOACH_HOME": str(home)}
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "100",
            "-y",
            "30",
            *sum((["-e", f"{k}={v}"] for k, v in env.items()), []),
            cmd,
        ],
        check=True,
    )
    try:
        wait_for_recording(home)
        time.sleep(2.0)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "EXIT" not in (log.read_text() if log.exists() else ""):
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    text = log.read_text()
    [info] = sessions(home)
    assert info["status"] in ("scored", "unscored") and 1.5 <= info["duration_s"] <= 10
    # nothing was played into the microphone: "No speech was detected", the session kept, exit 3
    assert "stopped" in text and ("EXIT 0" if info["status"] == "scored" else "EXIT 3") in text, text


def test_an_answer_in_another_language_is_kept_not_scored(pulse, home, tmp_path):
    """German played into the microphone: one error line naming the command that scores the kept
    session as English anyway, exit 3. (espeak-ng's short Russian, which detection is unsure of when
    read from the file, once ranked English first after the trip through the microphone.)"""
    src = espeak(
        "Guten Tag. Ich heiße Anna und arbeite seit fünf Jahren als Softwareentwicklerin in Berlin. "
        "Ich interessiere mich besonders für maschinelles Lernen und Datenanalyse.",
        tmp_path / "de.wav",
        voice="de",
    )
    p, player, _, _ = answer_with(pulse, home, wav16(src, tmp_path / "de16.wav"))
    player.wait(60)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    [info] = sessions(home)
    assert p.returncode == 3, out + err
    assert "so it was not scored" in err and f"sessions rescore {info['id']} --skip-language-check" in err, err
    assert "score it anyway" not in err, err  # the command for a kept session replaces score's hint
    assert len(err.strip().splitlines()) == 1 and info["status"] == "unscored"


def test_ctrl_c_keeps_the_recording_while_two_processes_save_sessions(pulse, home, data, tmp_path):
    """Ctrl-C stops the answer and keeps it; meanwhile two `score --save` processes save sessions into
    the same data folder: all three are saved, and the index holds each once."""
    from voicecoach.sessions import SessionStore

    p, player, _, _ = answer_with(pulse, home, wav16(data / "whisper_jfk.flac", tmp_path / "jfk.wav"))
    others = [
        subprocess.Popen([EXE, "score", data / f, "--save"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for f in ("mfa_english_fast.wav", "mfa_english_slow.wav")
    ]
    player.wait(60)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert "interrupted (kept)" in out
    assert [o.wait(120) for o in others] == [0, 0], [o.stderr.read() for o in others]
    kept = sessions(home)
    [info] = [x for x in kept if x["source"] == "practice"]
    assert info["status"] == "scored" and info["duration_s"] >= 10
    assert sorted(x["id"] for x in kept) == sorted(s.id for s in SessionStore().list()) and len(kept) == 3
    assert all(x["status"] == "scored" for x in kept), kept


def test_maximum_length_stops_recording(pulse, home, tmp_path):
    bank = tmp_path / "short.toml"
    bank.write_text(
        '[[questions]]\nid = "quick"\ntext = "Say hi."\ncategory = "general"\ntarget_min_s = 1\ntarget_max_s = 2\n'
    )
    p = start_practice("-q", "quick", "--bank", bank, "--no-speak", "--margin", "1", stdin=subprocess.DEVNULL)
    out, err = p.communicate(timeout=120)
    assert "reached the maximum length" in out, out + err
    [info] = sessions(home)
    assert 2.9 <= info["duration_s"] <= 4.0


def test_sigkill_then_recover(pulse, home, data, tmp_path):
    """Killed mid-answer: the FLAC on disk plays and holds all but about the last second; recover keeps it."""
    from voicecoach.audio import load

    source = wav16(data / "mfa_acoustic_corpus.flac", tmp_path / "monologue.wav")
    p, player, answer, started = answer_with(pulse, home, source, stdin=subprocess.PIPE)
    time.sleep(8.0)
    p.kill()
    killed_after = time.monotonic() - started
    p.communicate(timeout=30)
    player.kill()
    audio = load(answer)  # playable as it is
    assert killed_after - 1.5 <= audio.duration_s <= killed_after + 0.5
    [info] = sessions(home)
    assert info["status"] == "recording"

    r = subprocess.run([EXE, "sessions", "recover"], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "recovered" in r.stdout
    [info] = sessions(home)
    assert info["status"] == "scored" and info["source"] == "recovered"
    report = json.loads((answer.parent / "report.json").read_text())
    assert "acoustic corpus" in report["transcript"]["text"].lower()
    again = subprocess.run([EXE, "sessions", "recover"], capture_output=True, text=True, timeout=60)
    assert "No interrupted recordings" in again.stdout


def test_next_practice_recovers_an_interrupted_recording(pulse, home, data, tmp_path):
    p, player, _, _ = answer_with(
        pulse, home, wav16(data / "whisper_jfk.flac", tmp_path / "jfk.wav"), stdin=subprocess.PIPE
    )
    time.sleep(5.0)
    p.kill()
    p.communicate(timeout=30)
    player.kill()
    bank = tmp_path / "short.toml"
    bank.write_text(
        '[[questions]]\nid = "quick"\ntext = "Say hi."\ncategory = "general"\ntarget_min_s = 1\ntarget_max_s = 1\n'
    )
    p = start_practice("-q", "quick", "--bank", bank, "--no-speak", "--margin", "1", stdin=subprocess.DEVNULL)
    out, err = p.communicate(timeout=180)
    assert "Found 1 interrupted recording" in out and "recovered session" in out, out + err
    infos = sessions(home)
    assert [i["source"] for i in infos] == ["recovered", "practice"]
    assert infos[0]["status"] == "scored" and infos[0]["duration_s"] >= 3.5


def test_no_sound_device(home, tmp_path):
    env = {**os.environ, "PULSE_SERVER": f"unix:{tmp_path}/no-such-server"}
    p = start_practice("-q", "tell-me-about-yourself", "--no-speak", env=env, stdin=subprocess.DEVNULL)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 7
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "no microphone found" in lines[0] and "voicecoach devices" in lines[0]
    assert not (home / "sessions").exists() or not list((home / "sessions").iterdir())


def test_replay_plays_the_answer_from_a_time_with_its_transcript(pulse, home, data, tmp_path):
    """The hoarse monologue half counted as in 0.2 (--fillers written+heard), replayed from 0:15: its
    audio from there plays on the speaker, and the transcript scrolls from there, its last "uh"
    (heard, not written) before "And here's"."""
    from voicecoach.audio import load

    clip = data / "mfa_cold_corpus.flac"
    subprocess.run(
        [EXE, "score", clip, "--save", "--fillers", "written+heard"], check=True, capture_output=True, timeout=180
    )
    capture = pulse.capture_speaker(tmp_path / "replay.wav")
    time.sleep(0.3)
    r = subprocess.run(
        [EXE, "sessions", "replay", "1", "--from", "0:15"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    time.sleep(0.3)
    capture.terminate()
    capture.wait(10)
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "(um/uh)" in out and out.index("(um/uh)") < out.index("here's"), out
    assert "sick corpus" not in out  # (said in the first seconds: replay started at 0:15)
    heard = load(tmp_path / "replay.wav").samples
    rest_s = load(clip).duration_s - 15
    assert np.abs(heard).max() > 0.05 and rest_s - 1 <= len(heard) / 16000 <= rest_s + 4


def test_devices_lists_the_virtual_card(pulse):
    r = subprocess.run([EXE, "devices"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "default mic" in r.stdout


def test_recorder_hands_over_chunks_while_recording(pulse, tmp_path, data):
    """Finished chunks reach a consumer during the recording (for transcribing while the user speaks)."""
    from voicecoach.audio.recorder import Recorder, RecorderOptions

    source = espeak("one two three four five six seven eight nine ten", tmp_path / "count.wav", wpm=120)
    seen: list[tuple[float, float]] = []
    rec = Recorder(
        tmp_path / "r.flac",
        RecorderOptions(chunk_s=1.0),
        on_chunk=lambda start, x: seen.append((start, time.monotonic())),
    )
    rec.start()
    player = pulse.play_into_mic(wav16(source, tmp_path / "count16.wav"))
    player.wait(30)
    time.sleep(0.5)
    stopped_at = time.monotonic()
    result = rec.stop()
    assert result.error is None and result.duration_s >= 3
    assert [s for s, _ in seen][:3] == [0.0, 1.0, 2.0]
    assert sum(t < stopped_at - 1.0 for _, t in seen) >= 2  # delivered before the end


def test_disk_full_keeps_the_audio_and_recover_finishes_it(pulse, data, tmp_path, _session_home, monkeypatch):
    """A home on a tiny tmpfs fills up mid-answer: a clear error, the audio so far is kept, and
    after space is freed `sessions recover` scores it."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=120k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        monkeypatch.setenv("VOICECOACH_HOME", str(mnt))
        p, player, _, _ = answer_with(pulse, mnt, wav16(data / "whisper_jfk.flac", tmp_path / "jfk.wav"))
        out, err = p.communicate(timeout=120)
        player.kill()
        assert p.returncode == 8, out + err
        assert "stopped by an error" in out and "the disk is full" in err and "sessions recover" in err
        [info] = sessions(mnt)
        assert info["status"] == "recording"
        subprocess.run(["mount", "-o", "remount,size=20m", str(mnt)], check=True)
        r = subprocess.run([EXE, "sessions", "recover"], capture_output=True, text=True, timeout=180)
        assert r.returncode == 0 and "recovered, score" in r.stdout, r.stdout + r.stderr
        [info] = sessions(mnt)
        assert info["status"] == "scored" and info["duration_s"] > 1.0
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_microphone_unplugged_mid_answer(pulse, home, data, tmp_path):
    """The sound card disappears while recording: a clear error; the audio so far is kept and scored."""
    p, player, _, _ = answer_with(pulse, home, wav16(data / "whisper_jfk.flac", tmp_path / "jfk.wav"))
    time.sleep(4.0)
    mods = subprocess.run(["pactl", "list", "short", "modules"], capture_output=True, text=True, env=pulse.env).stdout
    try:
        for line in mods.splitlines():
            if "module-null-sink" in line:
                subprocess.run(["pactl", "unload-module", line.split()[0]], env=pulse.env, check=True)
        out, err = p.communicate(timeout=120)
    finally:
        player.kill()
        for sink in ("spk", "micfeed"):  # put the virtual card back for the other tests
            subprocess.run(
                ["pactl", "load-module", "module-null-sink", f"sink_name={sink}", "norewinds=1"],
                env=pulse.env,
                check=True,
                capture_output=True,
            )
        subprocess.run(["pactl", "set-default-sink", "spk"], env=pulse.env, check=True)
        subprocess.run(["pactl", "set-default-source", "micfeed.monitor"], env=pulse.env, check=True)
    assert p.returncode == 8, out + err
    assert "stopped by an error" in out and "the microphone stopped sending audio" in err
    [info] = sessions(home)
    assert info["status"] == "scored" and 3.0 <= info["duration_s"] <= 6.0


def test_read_only_data_folder_fails_before_recording(pulse, tmp_path, monkeypatch):
    mnt = tmp_path / "ro"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        monkeypatch.setenv("VOICECOACH_HOME", str(mnt))
        p = start_practice("-q", "tell-me-about-yourself", "--no-speak", stdin=subprocess.DEVNULL)
        out, err = p.communicate(timeout=60)
        assert p.returncode == 6
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "cannot save sessions in" in lines[0] and "Read-only file system" in lines[0]
        assert "Recording" not in out
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
