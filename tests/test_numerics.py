"""Reproducible mode (voicecoach.numerics): the switch, the CPU check, the pins reaching the libraries,
and native mode beside it. The golden numbers themselves: tests/test_golden.py."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import golden  # noqa: E402
from test_cli import EXE  # noqa: E402

from voicecoach import numerics  # noqa: E402

AVX2_FLAGS = "flags\t\t: fpu sse sse2 avx avx2 fma f16c bmi1 bmi2 movbe abm\n"


def native_env(**more) -> dict:
    """This environment without reproducible mode (the suite runs in it; see conftest)."""
    env = {k: v for k, v in os.environ.items() if k not in (*numerics.PINS, *numerics.CLEARED, numerics.SWITCH)}
    return {**env, **more}


def test_the_switch_reads_one_and_zero(monkeypatch):
    monkeypatch.setenv(numerics.SWITCH, "1")
    assert numerics.requested() == numerics.REPRODUCIBLE
    monkeypatch.setenv(numerics.SWITCH, "0")
    assert numerics.requested() == numerics.NATIVE
    assert numerics.requested(True) == numerics.REPRODUCIBLE
    monkeypatch.setenv(numerics.SWITCH, "maybe")
    with pytest.raises(numerics.NumericsError, match="VOICECOACH_REPRODUCIBLE='maybe' is not understood"):
        numerics.requested()


def test_the_cpu_check_names_what_is_missing():
    assert numerics.cpu_problem("x86_64", AVX2_FLAGS) is None
    assert "this machine is aarch64" in numerics.cpu_problem("aarch64", AVX2_FLAGS)
    old = AVX2_FLAGS.replace(" avx2 fma", "")
    assert numerics.cpu_problem("x86_64", old).endswith("this one lacks avx2, fma")


@pytest.mark.skipif(not shutil.which("qemu-x86_64"), reason="needs qemu-user (scripts/setup.sh installs it)")
def test_a_cpu_without_avx2_gets_one_line(data):
    """On an emulated Nehalem (SSE4.2, no AVX2): one line and exit 2, before anything is scored.
    (/proc/cpuinfo there is the host's, so this is numpy's own check of the CPU.)"""
    p = subprocess.run(
        [
            "qemu-x86_64",
            "-cpu",
            "Nehalem",
            sys.executable,
            "-m",
            "voicecoach.cli.app",
            "score",
            str(data / "whisper_jfk.flac"),
            "--reproducible",
        ],
        env=native_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = [line for line in p.stderr.splitlines() if not line.startswith("qemu-x86_64: warning")]
    assert p.returncode == 2 and said == [
        "voicecoach: error: reproducible mode needs an x86-64 CPU with AVX2 (x86-64-v3); numpy finds none here"
    ], p.stderr


def test_a_process_that_loaded_whisper_natively_cannot_become_reproducible(monkeypatch):
    monkeypatch.setattr(numerics, "_ct2_env", {k: None for k in (*numerics.PINS, *numerics.CLEARED)})
    with pytest.raises(numerics.NumericsError, match="already loaded in this process with native numerics"):
        numerics.use(numerics.REPRODUCIBLE)
    assert numerics.active() == numerics.NATIVE


def test_numpy_started_without_the_pin_is_refused(tmp_path):
    """A process that imported numpy before choosing (a Dask worker started without the variable)
    is refused on every CPU, with what to do."""
    code = "import numpy\nfrom voicecoach import numerics\nnumerics.use(numerics.REPRODUCIBLE)\n"
    p = subprocess.run([sys.executable, "-c", code], env=native_env(), capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "numpy was started before reproducible mode was chosen" in p.stderr
    p = subprocess.run(
        [sys.executable, "-c", code],
        env=native_env(NPY_ENABLE_CPU_FEATURES="X86_V3"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr


def test_a_malformed_switch_is_one_line_and_exit_2():
    p = subprocess.run(
        [EXE, "score", "nothing.wav"],
        env=native_env(VOICECOACH_REPRODUCIBLE="maybe"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        "voicecoach: error: VOICECOACH_REPRODUCIBLE='maybe' is not understood: use 1 or 0"
    ]


def test_the_batch_key_says_which_mode():
    from dataclasses import replace

    from voicecoach import questions
    from voicecoach.batch.jobs import settings_key
    from voicecoach.pipeline import score_options

    q = questions.get("tell-me-about-yourself")
    o = score_options()
    assert o.numerics == numerics.REPRODUCIBLE  # what this process asks for (conftest)
    assert settings_key(o, q) != settings_key(replace(o, numerics=numerics.NATIVE), q)


@pytest.mark.model
def test_the_pins_reach_the_libraries_and_override_the_users_variables(data, golden_set):
    """`score --reproducible` with variables set that would change the path: each is named on
    stderr, CTranslate2 and oneDNN report the AVX2 path (no MKL, no AVX-512 kernel), and the report
    is the one this session's reproducible scorer gave for JFK (conftest.golden_set). Against
    tests/data/golden.json, another host's numbers: tests/test_golden.py."""
    env = native_env(
        CT2_FORCE_CPU_ISA="AVX",
        CT2_USE_MKL="1",
        ONEDNN_MAX_CPU_ISA="SSE41",
        DNNL_MAX_CPU_ISA="SSE41",
        CT2_VERBOSE="1",
        ONEDNN_VERBOSE="1",
    )
    p = subprocess.run(
        [EXE, "score", str(data / "whisper_jfk.flac"), "--json", "--reproducible"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    notes = [line for line in p.stderr.splitlines() if line.startswith("voicecoach: note:")]
    assert notes == [
        "voicecoach: note: CT2_FORCE_CPU_ISA=AVX is overridden in reproducible mode (CT2_FORCE_CPU_ISA=AVX2)",
        "voicecoach: note: CT2_USE_MKL=1 is overridden in reproducible mode (CT2_USE_MKL=0)",
        "voicecoach: note: ONEDNN_MAX_CPU_ISA=SSE41 is overridden in reproducible mode (ONEDNN_MAX_CPU_ISA=AVX2)",
        "voicecoach: note: DNNL_MAX_CPU_ISA=SSE41 is ignored in reproducible mode",
    ]
    assert "Selected ISA: AVX2" in p.stderr and "Use Intel MKL: false" in p.stderr
    dnnl = [line for line in p.stdout.splitlines() if line.startswith("onednn_verbose")]  # (oneDNN logs to stdout)
    assert "onednn_verbose,info,cpu,isa:Intel AVX2" in dnnl
    kernels = {line.split(",")[4] for line in dnnl if line.startswith("onednn_verbose,exec")}
    assert "brgconv:avx2" in kernels and not any("avx512" in k or "vnni" in k for k in kernels), kernels
    report = json.loads("\n".join(line for line in p.stdout.splitlines() if not line.startswith("onednn_verbose")))
    assert report["asr"] == {"numerics": "reproducible"}
    want = golden_set[0]["whisper_jfk.flac"]
    got = {**golden.fingerprint(report), "sampled": want["sampled"]}
    assert golden.differences({"jfk": want}, {"jfk": got}) == []


@pytest.mark.model
def test_native_mode_is_close_to_reproducible(data):
    """Native mode's own kernels give another path: not the same numbers, but as good (a tolerance,
    not an exact answer: the words differ by CPU)."""
    from jiwer import wer

    p = subprocess.run(
        [EXE, "score", str(data / "mfa_acoustic_corpus.flac"), "--json"],
        env=native_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["asr"] == {"numerics": "native"}
    want = json.loads(golden.GOLDEN.read_text())["recordings"]["mfa_acoustic_corpus.flac"]
    words = [w.split(" ")[0].lower().strip(",.?!") for w in want["words"]]
    got = [w["text"].lower().strip(",.?!") for s in report["transcript"]["segments"] for w in s["words"]]
    assert wer(" ".join(words), " ".join(got)) <= 0.15
    assert abs(report["fillers"]["count"] - want["fillers"][0]) <= 2
    assert abs(report["score"] - want["score"]) <= 10
