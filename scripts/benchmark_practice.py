"""Practice loop timings on a virtual sound card (PulseAudio null sinks, as in the tests).

    .venv/bin/python scripts/benchmark_practice.py [--seconds 240]

Plays a real recording (the lecture, cut to --seconds) into the virtual microphone while
`voicecoach practice --no-speak` records it, then presses Enter and measures:
- stop key -> full report on screen (practice's output last grew), and -> the process exited;
- the recorder's CPU use while recording: CPU seconds of the practice process between 30 s into
  the answer and the stop, divided by the wall time (the model warm-up in the first seconds is excluded);
- whether the microphone's input overflowed (practice says so when it did: audio was lost);
- the cue line's lag behind the speech (from practice's -v log) and the peak memory while recording.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import toolbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from pulse import PulseServer  # noqa: E402  (the tests' virtual sound card)

LECTURE = toolbox.LECTURE
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def thread_cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds per thread name (threads of one name added up)."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / TICKS
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    toolbox.add_data_option(ap)
    ap.add_argument("--seconds", type=float, default=240.0)
    ap.add_argument("--audio", type=Path, default=LECTURE)
    ap.add_argument("--practice-args", default="", help="more arguments for `voicecoach practice` (e.g. --no-live)")
    ap.add_argument("--log", type=Path, help="write practice's log (-v) here")
    ap.add_argument(
        "--quiet-end",
        type=float,
        default=0.0,
        metavar="S",
        help="S seconds of quiet after the answer before the stop key (a speaker who has finished; "
        "default 0: the key comes 0.5 s after the playback, mid-sentence)",
    )
    ap.add_argument(
        "--off",
        action="append",
        default=[],
        metavar="PIECE",
        help="turn a piece of the ASR layer off in the practice process (toolbox.PIECES; "
        "also drafts: the same as --practice-args --no-live)",
    )
    ap.add_argument(
        "--rescore",
        action="store_true",
        help="then `voicecoach sessions rescore` the saved answer and compare its words with the live report's",
    )
    ap.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="copy the session's folder (the answer as recorded, its report) into DIR, to replay a run's pieces",
    )
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pulse = PulseServer(tmp / "pulse").start()
        try:
            answer = tmp / "answer.wav"
            # the lecture is 203 s: repeat it as needed, then cut to the answer's length
            reps = int(a.seconds // 200) + 1
            subprocess.run(
                [
                    "sox",
                    *[str(a.audio)] * reps,
                    "-r",
                    "16000",
                    "-c",
                    "1",
                    "-b",
                    "16",
                    str(answer),
                    "trim",
                    "0",
                    str(a.seconds),
                    *(["pad", "0", str(a.quiet_end)] if a.quiet_end else []),
                ],
                check=True,
            )
            env = {**pulse.env, "VOICECOACH_HOME": str(tmp / "home")}
            subprocess.run(
                [str(Path(sys.executable).parent / "voicecoach"), "models", "verify"],
                env=env,
                check=True,
                capture_output=True,
            )
            verbose = ["-v"]  # the log says how far behind the cue line was
            # Output goes to files, not pipes read at the end: a pipe holds 64 KB, and once the -v log
            # filled it (about 400 s into an answer) practice blocked in its logging until the stop.
            # That was 0.4's "piece that took 154 s" and a 186-s draft measured on 2026-12-02.
            out_f, err_f = open(tmp / "stdout.txt", "w+"), open(tmp / "stderr.txt", "w+")
            command, run_env = toolbox.command_off([x for x in a.off if x != "drafts"], ["voicecoach"])
            env = {**run_env, **env}
            if "drafts" in a.off:
                a.practice_args += " --no-live"
            p = subprocess.Popen(
                [
                    *command,
                    *verbose,
                    "practice",
                    "-q",
                    "tell-me-about-yourself",
                    "--no-speak",
                    "--margin",
                    str(int(a.seconds)),
                    *a.practice_args.split(),
                ],
                stdin=subprocess.PIPE,
                stdout=out_f,
                stderr=err_f,
                text=True,
                env=env,
            )
            while (
                not list((tmp / "home" / "sessions").glob("*/answer.flac"))
                if (tmp / "home" / "sessions").exists()
                else True
            ):
                time.sleep(0.05)
            player = subprocess.Popen(["paplay", "--latency-msec=1000", "-d", "micfeed", str(answer)], env=pulse.env)
            time.sleep(30)
            c0, t0, th0 = cpu_s(p.pid), time.monotonic(), thread_cpu_s(p.pid)
            player.wait()
            c1, t1, th1 = cpu_s(p.pid), time.monotonic(), thread_cpu_s(p.pid)
            time.sleep(0.5)
            peak_mb = toolbox.vm_hwm_mb(p.pid)
            stop = time.monotonic()
            p.stdin.write("\n")
            p.stdin.close()
            # The report is on screen when practice's output last grew before it exited (rich flushes
            # every print); the exit comes later (threads and models are torn down).
            printed = (tmp / "stdout.txt").stat
            grown, size = stop, printed().st_size
            while p.poll() is None and time.monotonic() - stop < 600:
                if printed().st_size != size:
                    grown, size = time.monotonic(), printed().st_size
                time.sleep(0.01)
            p.wait(timeout=60)
            done = time.monotonic()
            if printed().st_size != size:
                grown = done
            out, err = (tmp / "stdout.txt").read_text(), (tmp / "stderr.txt").read_text()
            out_f.close(), err_f.close()
            if a.log:
                a.log.write_text(err)
            if a.keep:
                import shutil

                for folder in (tmp / "home" / "sessions").iterdir():
                    shutil.copytree(folder, a.keep / folder.name, dirs_exist_ok=True)
            if "maximum length" in out:
                sys.exit("practice stopped at its maximum length before the stop key: the timings would be wrong")
            if p.returncode != 0 or "Overall score" not in out:
                sys.exit(f"practice failed: {err[-800:]}")
            print(
                f"answer {a.seconds:.0f} s; practice process CPU while recording: "
                f"{100 * (c1 - c0) / (t1 - t0):.1f}% of one "
                f"core (over {t1 - t0:.0f} s); by thread:"
            )
            for name in sorted(th1, key=lambda n: th0.get(n, 0.0) - th1[n]):
                share = 100 * (th1[name] - th0.get(name, 0.0)) / (t1 - t0)
                if share >= 0.1:
                    print(f"    {name}: {share:.1f}%")
            print(f"peak memory while recording (VmHWM): {peak_mb:.0f} MB")
            print(
                f"stop key -> full report on screen: {grown - stop:.1f} s (the process exited after "
                f"{done - stop:.1f} s)"
            )
            import re

            lags = sorted(
                float(m[1]) - float(m[2])
                for m in re.finditer(r"live: cue at ([\d.]+) s recorded: heard to ([\d.]+) s", err)
                if float(m[1]) >= 35
            )
            if lags:
                print(
                    f"cue line behind the speech (from 35 s on, {len(lags)} reads): median "
                    f"{lags[len(lags) // 2]:.1f} s, "
                    f"90th percentile {lags[int(len(lags) * 0.9)]:.1f} s, most {lags[-1]:.1f} s"
                )
            m = re.search(r"live: the last piece took ([\d.]+) s after the stop, the report ([\d.]+) s", err)
            if m:
                print(f"after the stop: the last piece {m[1]} s, the report {m[2]} s")
            if a.rescore:
                import json

                from evaluation import edit_distance

                report = next((tmp / "home" / "sessions").glob("*/report.json"))
                words = lambda: [
                    w["text"] for seg in json.loads(report.read_text())["transcript"]["segments"] for w in seg["words"]
                ]
                fillers = lambda: (json.loads(report.read_text()).get("fillers") or {}).get("count")
                verdicts = lambda: [
                    (i["id"], i["status"])
                    for i in (json.loads(report.read_text()).get("rubric") or {}).get("items", [])
                ]
                live_words, live_fillers, live_verdicts = words(), fillers(), verdicts()
                subprocess.run(
                    [str(Path(sys.executable).parent / "voicecoach"), "sessions", "rescore", "last"],
                    env=env,
                    check=True,
                    capture_output=True,
                )
                again = words()
                print(
                    f"sessions rescore: {len(again)} words against {len(live_words)} live, WER "
                    f"{edit_distance(again, live_words) / max(1, len(again)):.3f}"
                    + (" (the same words)" if again == live_words else "")
                    + f"; fillers {fillers()} against {live_fillers} live; rubric verdicts "
                    + ("the same" if verdicts() == live_verdicts else f"{verdicts()} against {live_verdicts} live")
                )
            lost = "overflowed" in out or "overflowed" in err
            print(
                "input overflows (audio lost between the sound card and the file): "
                + ("some, see the report" if lost else "none")
            )
        finally:
            pulse.stop()


if __name__ == "__main__":
    main()
