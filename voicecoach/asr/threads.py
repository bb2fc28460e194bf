"""How many threads Whisper's decoder gets on this machine: measured once, then remembered.

Whisper's beam search works on small matrices, and hosts disagree on whether a second thread helps
it: some decoded the lecture 15-35 % faster on one thread, others 18-35 % faster on two
(docs/performance.md, 0.5.5). So the
first load of a model on a machine times the decoder both ways (a few seconds, once), and the
answer is kept in the models folder, per CPU, core count, CTranslate2 version, model and compute
type. The measurement itself lives in ``voicecoach.asr.engine.decoder_seconds``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from voicecoach import atomic, paths

log = logging.getLogger("voicecoach")

STORE_NAME = "decoder-threads.json"
STEPS = 32  # beam-search steps per timing: ~0.3-0.5 s on base here
ROUNDS = 2  # timings per thread count, alternating; the best of each is compared
MARGIN = 0.10  # more threads only when at least this much faster (they leave no core for the rest)


@dataclass(frozen=True)
class DecoderTiming:
    """One measurement: the best time of ``STEPS`` steps on ``few`` and on ``many`` threads."""

    few: int
    many: int
    few_s: float
    many_s: float

    @property
    def threads(self) -> int:
        """The thread count the decoder gets: ``many`` if at least ``MARGIN`` faster."""
        return self.many if self.many_s <= (1 - MARGIN) * self.few_s else self.few


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def machine_key(model_path: str, compute_type: str, few: int, many: int) -> str:
    """What the answer depends on: this CPU, its cores, CTranslate2, the model and its compute type."""
    import ctranslate2

    weights = Path(model_path) / "model.bin"
    size = weights.stat().st_size if weights.exists() else 0
    return (f"{_cpu_name()} | {os.cpu_count()} cores | ctranslate2 {ctranslate2.__version__} | "
            f"{Path(model_path).name} {size} | {compute_type} | {few} or {many} threads")


def store_path() -> Path:
    return paths.models_dir() / STORE_NAME


def _read(store: Path) -> dict:
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):  # none yet, or damaged: measured again and written whole
        return {}


def decoder_threads(model_path: str, compute_type: str, few: int, many: int) -> int:
    """The decoder's threads for this model here: ``few`` or ``many``, as measured once (see the module)."""
    if many <= few:
        return few
    store = store_path()
    key = machine_key(model_path, compute_type, few, many)
    known = _read(store).get(key)
    if isinstance(known, dict) and known.get("threads") in (few, many):
        return int(known["threads"])
    from voicecoach.asr import engine

    log.info("timing Whisper's decoder on %d and %d threads (once on this machine)", few, many)
    few_s, many_s = engine.decoder_seconds(model_path, compute_type, (few, many), STEPS, ROUNDS)
    timing = DecoderTiming(few, many, few_s, many_s)
    log.info("decoder: %.3f s on %d thread%s, %.3f s on %d; it gets %d", few_s, few, "" if few == 1 else "s",
             many_s, many, timing.threads)
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        data = _read(store)
        data[key] = {"threads": timing.threads, "seconds": {str(few): round(few_s, 4), str(many): round(many_s, 4)}}
        atomic.write_text(store, json.dumps(data, indent=1, sort_keys=True) + "\n")
    except OSError as e:  # a read-only cache: measured again next time
        log.warning("cannot keep the decoder's timing in %s (%s)", store, e.strerror or e)
    return timing.threads
