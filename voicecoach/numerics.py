"""How the numbers are computed: natively (each CPU's fastest kernels) or reproducibly (the same
kernels on every x86-64 CPU with AVX2, so the same recording gives the same report anywhere).

The libraries that decide the numbers pick their kernels by CPU when they first run: CTranslate2
(its own kernels, and MKL on Intel or oneDNN elsewhere for the matrix products), oneDNN (AVX-512 and
VNNI where present; its int8 products saturate differently there) and numpy (AVX-512 loops).
Reproducible mode pins each of them to its AVX2 path through the environment variables they read at
start-up, so it must be chosen before they start: ``use`` refuses once they have started another way.
What is left to the machine (OpenBLAS, which the mel projection and the sentence embeddings would
use) is kept off the reproducible path by the code itself (docs/reproducibility.md).

Nothing heavy is imported here: the CLI calls ``use`` before numpy or CTranslate2 load.
"""

from __future__ import annotations

import os
import platform
import sys
from functools import lru_cache
from pathlib import Path

from voicecoach.errors import ExitCode, VoicecoachError

REPRODUCIBLE = "reproducible"
NATIVE = "native"
MODES = (REPRODUCIBLE, NATIVE)
SWITCH = "VOICECOACH_REPRODUCIBLE"

# Read by the libraries when they first run (docs/reproducibility.md, What is pinned).
PINS = {
    "CT2_FORCE_CPU_ISA": "AVX2",  # CTranslate2's own kernels (softmax, layer norm, quantisation...)
    "CT2_USE_MKL": "0",  # matrix products through oneDNN on every vendor (MKL is Intel's choice per CPU)
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # oneDNN's JIT kernels: no AVX-512, no VNNI
    "ONEDNN_DEFAULT_FPMATH_MODE": "STRICT",  # no implicit bf16/tf32 down-conversion
    "NPY_ENABLE_CPU_FEATURES": "X86_V3",  # numpy's SIMD loops at the AVX2 level, no AVX-512 ones
}
# Older or competing names of the same knobs: removed, so they cannot reach the libraries.
CLEARED = (
    "DNNL_MAX_CPU_ISA",
    "DNNL_DEFAULT_FPMATH_MODE",
    "ONEDNN_CPU_ISA_HINTS",
    "DNNL_CPU_ISA_HINTS",
    "CT2_USE_EXPERIMENTAL_PACKED_GEMM",
    "NPY_DISABLE_CPU_FEATURES",
)
# x86-64-v3 as /proc/cpuinfo spells it (lzcnt is "abm"): what the pinned kernels execute.
NEEDED_FLAGS = ("avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "abm")
NUMPY_LEVEL = "X86_V3"

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
_ct2_env: dict[str, str | None] | None = None  # the variables CTranslate2 started with (freeze())


class NumericsError(VoicecoachError):
    """Reproducible mode cannot be had here (wrong CPU, libraries already started another way), or
    its switch is malformed."""

    exit_code = ExitCode.USAGE


def requested(flag: bool = False) -> str:
    """The mode asked for: REPRODUCIBLE if ``flag`` (a command's ``--reproducible``) or SWITCH is
    set true in the environment, else NATIVE."""
    value = os.environ.get(SWITCH, "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise NumericsError(f"{SWITCH}={os.environ[SWITCH]!r} is not understood: use 1 or 0")
    return REPRODUCIBLE if flag or value in _TRUE else NATIVE


def cpu_problem(machine: str | None = None, cpuinfo: str | None = None) -> str | None:
    """Why this CPU (or the one ``machine`` and ``cpuinfo`` describe) cannot run the reproducible
    path; None if it can."""
    machine = (platform.machine() if machine is None else machine).lower()
    if machine not in ("x86_64", "amd64"):
        return f"reproducible mode needs an x86-64 CPU with AVX2; this machine is {machine or 'unknown'}"
    try:
        text = Path("/proc/cpuinfo").read_text() if cpuinfo is None else cpuinfo
    except OSError:
        return "reproducible mode needs /proc/cpuinfo to check the CPU (Linux)"
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    missing = [f for f in NEEDED_FLAGS if f not in flags]
    if missing:
        return f"reproducible mode needs an x86-64 CPU with AVX2 (x86-64-v3); this one lacks {', '.join(missing)}"
    return None


@lru_cache(maxsize=1)
def _problem_here() -> str | None:
    return cpu_problem()


def _numpy_state() -> str | None:
    """How numpy dispatches, if it is imported: REPRODUCIBLE when exactly the X86_V3 loops are on."""
    if "numpy" not in sys.modules:
        return None
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    on = {f for f in __cpu_dispatch__ if __cpu_features__.get(f)}
    return REPRODUCIBLE if on == {NUMPY_LEVEL} else NATIVE


def _pinned(env) -> bool:
    return all(env.get(k) == v for k, v in PINS.items()) and not any(env.get(k) for k in CLEARED)


def use(mode: str) -> list[str]:
    """Put this process (and the processes it starts) in ``mode``; call before numpy or
    CTranslate2 start. Returns one line per environment variable the user set that reproducible
    mode overrides. NATIVE changes nothing. Raises NumericsError if the CPU cannot, or if the
    libraries already started another way."""
    if mode not in MODES:
        raise NumericsError(f"unknown numerics mode {mode!r}: use {' or '.join(MODES)}")
    if mode == NATIVE:
        return []
    problem = cpu_problem()
    if problem:
        raise NumericsError(problem)
    if _ct2_env is not None and not _pinned(_ct2_env):
        raise NumericsError(
            "Whisper was already loaded in this process with native numerics; "
            f"start a new process with --reproducible or {SWITCH}=1"
        )
    if "numpy" in sys.modules and (
        os.environ.get("NPY_ENABLE_CPU_FEATURES") != NUMPY_LEVEL
        or os.environ.get("NPY_DISABLE_CPU_FEATURES")
        or _numpy_state() == NATIVE
    ):
        # (numpy reads its variables once, at import; on a CPU without AVX-512 its loops would match,
        # but a process is not reproducible by luck of its CPU)
        raise NumericsError(
            "numpy was started before reproducible mode was chosen; start the process with "
            f"{SWITCH}=1, or a Dask worker with NPY_ENABLE_CPU_FEATURES={NUMPY_LEVEL}"
        )
    notes = [
        f"{k}={os.environ[k]} is overridden in reproducible mode ({k}={v})"
        for k, v in PINS.items()
        if os.environ.get(k) not in (None, v)
    ]
    notes += [f"{k}={os.environ[k]} is ignored in reproducible mode" for k in CLEARED if os.environ.get(k)]
    os.environ.update(PINS)
    for k in CLEARED:
        os.environ.pop(k, None)
    os.environ[SWITCH] = "1"  # (the processes this one starts inherit the mode)
    try:  # numpy reads its variable now, and checks the CPU itself (/proc/cpuinfo can be an emulator's host's)
        import numpy  # noqa: F401
    except RuntimeError as e:
        raise NumericsError("reproducible mode needs an x86-64 CPU with AVX2 (x86-64-v3); numpy finds none here") from e
    return notes


def freeze() -> None:
    """Note the variables CTranslate2 starts with (called before the first model loads; it reads
    them once per process)."""
    global _ct2_env
    if _ct2_env is None:
        _ct2_env = {k: os.environ.get(k) for k in (*PINS, *CLEARED)}


def active() -> str:
    """The mode this process computes in, as the libraries started (or will start)."""
    env = _ct2_env if _ct2_env is not None else os.environ
    if not _pinned(env) or _numpy_state() == NATIVE or _problem_here():
        return NATIVE
    return REPRODUCIBLE
