"""A private PulseAudio server with a virtual microphone and speaker (recipe in ../shared/DESIGN.md).

- ``micfeed``: a null sink; whatever is played into it (``paplay -d micfeed``) is heard by the
  default microphone, its monitor.
- ``spk``: the default speaker, a null sink; ``parec -d spk.monitor`` captures what the app plays.
``norewinds=1`` keeps the first seconds from being lost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

CONFIG = """
load-module module-native-protocol-unix auth-anonymous=1 socket={dir}/native
load-module module-null-sink sink_name=spk norewinds=1
load-module module-null-sink sink_name=micfeed norewinds=1
set-default-sink spk
set-default-source micfeed.monitor
"""


class PulseServer:
    def __init__(self, folder: Path):
        self.dir = Path(folder)
        self.server = f"unix:{self.dir}/native"
        self.proc: subprocess.Popen | None = None

    @property
    def env(self) -> dict:
        return {**os.environ, "PULSE_SERVER": self.server}

    def start(self, timeout_s: float = 10.0) -> PulseServer:
        if not shutil.which("pulseaudio"):
            raise RuntimeError("pulseaudio is not installed: run scripts/setup.sh")
        self.dir.mkdir(parents=True, exist_ok=True)
        conf = self.dir / "pulse.pa"
        conf.write_text(CONFIG.format(dir=self.dir))
        env = {**os.environ, "HOME": str(self.dir), "XDG_RUNTIME_DIR": str(self.dir), "XDG_CONFIG_HOME": str(self.dir)}
        env.pop("PULSE_SERVER", None)
        self.proc = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "-n", "-F", str(conf)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "pulse.log", "w"),
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True, timeout=5).returncode == 0:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"PulseAudio did not start: {(self.dir / 'pulse.log').read_text()[-500:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def play_into_mic(self, wav: Path) -> subprocess.Popen:
        """Start playing a WAV into the virtual microphone (paplay reads WAV in real time). A second
        of buffer: with live transcription busy on both cores, paplay's default 250 ms could run dry,
        and the microphone would hear a gap of digital silence the speaker never made."""
        return subprocess.Popen(["paplay", "--latency-msec=1000", "-d", "micfeed", str(wav)], env=self.env)

    def capture_speaker(self, wav: Path) -> subprocess.Popen:
        """Start recording what is played to the default speaker into ``wav``."""
        return subprocess.Popen(
            ["parec", "-d", "spk.monitor", "--file-format=wav", "--channels=1", "--rate=16000", str(wav)], env=self.env
        )
