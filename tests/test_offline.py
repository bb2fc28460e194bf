"""Nothing reaches for the network: `score` run with the network cut off (a network namespace with
only loopback, `unshare -n`) writes the same report byte for byte; and, where namespaces are not
permitted, the pipeline scores in a process whose sockets refuse every non-local address.
`practice` offline on the virtual sound card is in test_practice.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model
EXE = shutil.which("voicecoach", path=str(Path(sys.executable).parent)) or "voicecoach"


def offline(cmd: list[str]) -> list[str]:
    """``cmd`` inside a new network namespace with only loopback up; skips where not permitted."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip(f"network namespaces are not permitted here ({probe.stderr.decode().strip()})")
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up 2>/dev/null; exec "$@"', "sh", *cmd]


def test_no_network_inside_the_namespace():
    """The namespace really has no way out (else the next test would prove nothing)."""
    code = "import socket; s = socket.socket(); s.settimeout(3); print(s.connect_ex(('1.1.1.1', 443)))"
    r = subprocess.run(offline([sys.executable, "-c", code]), capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and int(r.stdout) != 0


ARGS = [
    "score",
    str(Path(__file__).parent / "data" / "mfa_acoustic_corpus.flac"),
    "-q",
    "tell-me-about-yourself",
    "--json",
]


@pytest.fixture(scope="module")
def online() -> str:
    """The report `score` writes with the network as it is (one run for both tests below)."""
    p = subprocess.run([EXE, *ARGS], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_score_offline_gives_the_same_report(online):
    cut = subprocess.run(offline([EXE, *ARGS]), capture_output=True, text=True, timeout=300)
    assert cut.returncode == 0, cut.stderr
    assert cut.stdout == online
    assert json.loads(cut.stdout)["fillers"]["count"] >= 3


GUARD = """
import socket, sys
tried = []
real_connect = socket.socket.connect
def guarded(self, address, *rest):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        tried.append(address)
        raise OSError("network cut off by the test")
    return real_connect(self, address, *rest)
def no_dns(*a, **k):
    tried.append(a)
    raise OSError("no DNS")
socket.socket.connect = guarded
socket.getaddrinfo = no_dns
from voicecoach.cli.app import main
sys.argv = ["voicecoach", *sys.argv[1:]]
try:
    main()
finally:
    print("NETWORK TRIED:", tried, file=sys.stderr)
"""


def test_a_fresh_process_opens_no_socket_beyond_this_machine(online):
    """Needs no namespace: a fresh `voicecoach score` whose sockets refuse every non-local address
    (model loading included) tries none and writes the same report."""
    guarded = subprocess.run([sys.executable, "-c", GUARD, *ARGS], capture_output=True, text=True, timeout=300)
    assert "NETWORK TRIED: []" in guarded.stderr, guarded.stderr[-500:]
    assert guarded.stdout == online
