"""`voicecoach batch`: inputs, the results file, resuming after SIGKILL, bad files among good ones,
local worker processes, a Dask LocalCluster, and a Dask scheduler + workers on loopback."""

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voicecoach.batch.jobs import BatchInputError, Job, expand, read_manifest
from voicecoach.batch.results import FIELDS, ResultFile, Row
from voicecoach.batch.summary import summarise

sys.path.insert(0, str(Path(__file__).parent))
from test_cli import EXE  # noqa: E402

Q = "tell-me-about-yourself"
CLEAN = ["whisper_jfk.flac", "librispeech_61-70968-0000.flac", "mfa_english_slow.wav", "mfa_english_fast.wav"]


def run(*args, timeout=600, cwd=None, env=None):
    return subprocess.run(
        [EXE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


def rows_of(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def essentials(rows: list[dict]) -> dict:
    return {Path(r["file"]).name: (r["status"], r["score"], r["wpm"], r["fillers_per_min"]) for r in rows}


@pytest.fixture
def answers(tmp_path, data) -> Path:
    """A coach's folder: four real recordings (one in a sub-folder), a corrupt, an empty and a
    non-audio file, a named pipe, and a hidden file that is skipped."""
    d = tmp_path / "answers"
    (d / "week2").mkdir(parents=True)
    for name in CLEAN[:3]:
        shutil.copy(data / name, d / name)
    shutil.copy(data / CLEAN[3], d / "week2" / CLEAN[3])
    (d / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(3000))
    (d / "empty.flac").write_bytes(b"")
    (d / "notes.txt").write_text("ask about the gap year\n")
    os.mkfifo(d / "pipe.wav")  # (reading it would wait for a writer: it held the batch until 0.5.7)
    (d / ".DS_Store").write_bytes(b"\x00" * 10)
    return d


# ---- inputs and the results file (no model) ---------------------------------------------------


def test_expand_folders_globs_and_excludes(answers, tmp_path):
    out = answers / "results.csv"
    out.write_text("")
    jobs = expand([str(answers)], Q, exclude=[out])
    names = sorted(Path(j.path).name for j in jobs)
    assert names == sorted(CLEAN + ["corrupt.wav", "empty.flac", "notes.txt", "pipe.wav"])
    assert all(j.question == Q for j in jobs)
    # a glob and a file named twice give each file once
    g = expand([str(answers / "*.flac"), str(answers / "whisper_jfk.flac")], Q)
    assert sorted(Path(j.path).name for j in g) == ["empty.flac", "librispeech_61-70968-0000.flac", "whisper_jfk.flac"]
    with pytest.raises(BatchInputError, match="no such file"):
        expand([str(tmp_path / "nope")], Q)
    with pytest.raises(BatchInputError, match="no file matches"):
        expand([str(tmp_path / "*.m4a")], Q)


def test_manifest_maps_files_to_questions(tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("file,question,speaker\na.wav,why-data-science,Ana\nsub/b.wav,,Ben\n")
    jobs = read_manifest(m, Q)
    assert jobs == [Job(str(tmp_path / "a.wav"), "why-data-science", "Ana"), Job(str(tmp_path / "sub/b.wav"), Q, "Ben")]
    m.write_text("name,question\na.wav,x\n")
    with pytest.raises(BatchInputError, match="no 'file' column"):
        read_manifest(m, Q)
    m.write_text("file\na.wav\n")
    with pytest.raises(BatchInputError, match="line 2: no question"):
        read_manifest(m, None)


def test_results_file_drops_a_cut_off_line_and_reads_rows_back(tmp_path):
    p = tmp_path / "r.csv"
    f = ResultFile(p, "csv")
    f.append(Row(file="a.wav", question=Q, duration_s=1.5, wpm=120.0, score=70, status="scored", key="k1"))
    f.append(Row(file="b, with comma.wav", question=Q, status="failed", error='bad "file"', key="k2"))
    f.close()
    with p.open("a") as h:
        h.write("c.wav,tell-me")  # SIGKILL in the middle of a write
    again = ResultFile(p, "csv")
    assert [r.file for r in again.rows] == ["a.wav", "b, with comma.wav"] and again.done_keys() == {"k1", "k2"}
    assert again.rows[0].score == 70 and again.rows[0].wpm == 120.0 and again.rows[1].error == 'bad "file"'
    again.close()
    assert p.read_text().endswith("\n") and p.read_text().splitlines()[0] == ",".join(FIELDS)
    j = tmp_path / "r.jsonl"
    f = ResultFile(j, "jsonl")
    f.append(Row(file="a.wav", question=Q, status="scored", key="k"))
    f.close()
    assert json.loads(j.read_text())["key"] == "k"


def test_settings_key_is_the_same_in_every_process():
    """Sets inside the options print in a different order per process (hash randomisation): the key
    must not depend on that, or a rerun would rescore everything."""
    code = (
        "from voicecoach.batch.jobs import settings_key; from voicecoach.pipeline import ScoreOptions; "
        "from voicecoach import questions; print(settings_key(ScoreOptions(), questions.get('tell-me-about-yourself')))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(keys) == 1


def test_summary_counts_and_percentiles():
    rows = [
        Row(file=f"{i}.wav", question=Q, score=s, wpm=w, status="scored")
        for i, (s, w) in enumerate([(40, 100.0), (60, 140.0), (80, 180.0)])
    ]
    rows.append(Row(file="x.wav", question=Q, status="failed", error="file is empty (0 bytes)"))
    s = summarise(rows)
    assert (s.total, s.scored, s.failed) == (4, 3, 1)
    assert s.percentiles["score"] == pytest.approx((44.0, 60.0, 76.0))
    assert s.failures == (("x.wav", "file is empty (0 bytes)"),)


def test_bad_invocations_are_one_line_errors(tmp_path):
    for args, needle in [
        ((tmp_path, "-o", tmp_path / "r.csv"), "--question is required"),
        (("-q", Q, "-o", tmp_path / "r.csv"), "give recordings"),
        ((tmp_path / "missing", "-q", Q, "-o", tmp_path / "r.csv"), "no such file"),
        ((tmp_path, "-q", "no-such-question", "-o", tmp_path / "r.csv"), "no-such-question"),
        ((tmp_path, "-q", Q, "-o", tmp_path / "nodir" / "r.csv"), "does not exist"),
        ((tmp_path, "-q", Q, "-o", tmp_path / "r.csv", "--scheduler", "nonsense"), "--scheduler must be"),
    ]:
        (tmp_path / "a.wav").write_bytes(b"x")
        p = run("batch", *args)
        assert p.returncode not in (0, 1), (args, p.stderr)
        assert p.stderr.strip().splitlines()[-1].startswith("voicecoach: error:") and needle in p.stderr, (
            args,
            p.stderr,
        )


# ---- real recordings, the real model -------------------------------------------------------------


@pytest.mark.model
def test_bad_files_get_error_rows_good_ones_are_scored_and_a_rerun_skips(answers, tmp_path):
    out = tmp_path / "results.csv"
    p = run("batch", answers, "-q", Q, "-o", out, "--jobs", "1")
    assert p.returncode == 1, p.stderr
    got = essentials(rows_of(out))
    assert len(got) == 8
    for name in CLEAN:
        status, score, wpm, _ = got[name]
        assert status == "scored" and 0 <= int(score) <= 100 and 100 < float(wpm) < 260, (name, got[name])
    errors = {Path(r["file"]).name: r["error"] for r in rows_of(out) if r["status"] == "failed"}
    assert set(errors) == {"corrupt.wav", "empty.flac", "notes.txt", "pipe.wav"}
    assert "empty" in errors["empty.flac"] and "not a readable audio file" in errors["notes.txt"]
    assert "not a regular file" in errors["pipe.wav"]
    assert "8 files: 4 scored, 0 not scored" in p.stdout and "Failed" in p.stdout and "p10" in p.stdout
    before = out.read_text()
    t = time.perf_counter()
    again = run("batch", answers, "-q", Q, "-o", out, "--jobs", "1")
    assert again.returncode == 1 and "8 of 8 files already in" in again.stderr
    assert out.read_text() == before and time.perf_counter() - t < 60
    # --force rescores, keeping the old file beside the new one
    forced = run("batch", answers / "whisper_jfk.flac", "-q", Q, "-o", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "results.csv.bak").read_text() == before and len(rows_of(out)) == 1


@pytest.mark.model
def test_sigkill_halfway_then_resume_gives_the_uninterrupted_results(tmp_path, data):
    d = tmp_path / "six"
    d.mkdir()
    for name in CLEAN:
        shutil.copy(data / name, d / name)
    for name in ("mfa_youknow.flac", "mfa_reallylong.flac"):
        shutil.copy(data / "mfa" / name, d / name)
    whole = tmp_path / "whole.csv"
    assert run("batch", d, "-q", Q, "-o", whole, "--jobs", "1").returncode == 0
    cut = tmp_path / "cut.csv"
    proc = subprocess.Popen(
        [EXE, "batch", str(d), "-q", Q, "-o", str(cut), "--jobs", "1"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while time.time() < deadline and (not cut.exists() or len(cut.read_text().splitlines()) < 3):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    partial = rows_of(cut)
    assert 2 <= len(partial) < 6, "the kill was meant to land halfway"
    with cut.open("a") as h:
        h.write(f"{d}/half-written")  # as if the kill had landed mid-write
    p = run("batch", d, "-q", Q, "-o", cut, "--jobs", "1")
    assert p.returncode == 0, p.stderr
    assert f"{len(partial)} of 6 files already in" in p.stderr
    final = rows_of(cut)
    assert len(final) == 6 and len({r["file"] for r in final}) == 6
    assert essentials(final) == essentials(rows_of(whole))


@pytest.fixture(scope="module")
def four_scored_serially(tmp_path_factory):
    """The four clean recordings in a folder, and their rows from a serial batch (one run for both
    parallel ways below)."""
    d = tmp_path_factory.mktemp("four")
    for name in CLEAN:
        shutil.copy(Path(__file__).parent / "data" / name, d / name)
    serial = d.parent / "serial.csv"
    assert run("batch", d, "-q", Q, "-o", serial, "--jobs", "1").returncode == 0
    return d, essentials(rows_of(serial))


@pytest.mark.model
@pytest.mark.parametrize(
    "how", [("--jobs", "2"), ("--scheduler", "local", "--jobs", "2")], ids=["processes", "LocalCluster"]
)
def test_parallel_runs_match_the_serial_run(tmp_path, four_scored_serially, how):
    d, serial = four_scored_serially
    parallel = tmp_path / "parallel.jsonl"
    p = run("batch", d, "-q", Q, "-o", parallel, *how)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in parallel.read_text().splitlines()]
    got = {Path(r["file"]).name: (r["status"], str(r["score"]), str(r["wpm"]), str(r["fillers_per_min"])) for r in rows}
    assert got == serial


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.model
def test_dask_scheduler_and_workers_on_loopback_survive_a_dead_worker(tmp_path, data):
    """`dask scheduler` and two `dask worker` processes, as an organisation would run them; one
    worker is killed while files are being scored. Every file ends up with exactly one row."""
    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    ]
    try:
        time.sleep(2)
        for name in ("w1", "w2"):
            procs.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        f"tcp://127.0.0.1:{port}",
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--name",
                        name,
                        "--no-dashboard",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                    start_new_session=True,
                )
            )
        d = tmp_path / "eight"
        d.mkdir()
        for i in range(2):
            for name in CLEAN:
                shutil.copy(data / name, d / f"{i}-{name}")
        out = tmp_path / "r.csv"
        batch = subprocess.Popen(
            [EXE, "batch", str(d), "-q", Q, "-o", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.time() + 300
        while time.time() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 2):
            time.sleep(0.1)
        os.killpg(procs[1].pid, signal.SIGKILL)  # worker w1 dies, probably mid-file
        stdout, stderr = batch.communicate(timeout=600)
        assert batch.returncode == 0, stderr
        rows = rows_of(out)
        assert len(rows) == 8 and len({r["file"] for r in rows}) == 8, rows
        assert all(r["status"] == "scored" for r in rows)
        by_name = {}
        for r in rows:
            by_name.setdefault(Path(r["file"]).name.split("-", 1)[1], set()).add((r["score"], r["wpm"]))
        assert all(len(v) == 1 for v in by_name.values()), by_name  # the same file scores the same on any worker
    finally:
        _kill(procs)


def _kill(procs) -> None:
    """End the scheduler and worker processes (each leads its own process group)."""
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(timeout=30)


@pytest.mark.model
def test_every_dask_worker_computes_in_the_mode_the_batch_asked_for(tmp_path, data):
    """A cluster batch is reproducible by default, and each worker is checked, not assumed: one
    started without the numpy pin refuses (every file gets a row saying what to do); one started
    with it scores JFK as the golden file says; the same worker refuses a --native batch."""
    from test_numerics import native_env

    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    d = tmp_path / "one"
    d.mkdir()
    shutil.copy(data / "whisper_jfk.flac", d)
    golden = json.loads((data / "golden.json").read_text())["recordings"]["whisper_jfk.flac"]

    def cluster(worker_env):
        procs = [
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=native_env(),
                start_new_session=True,
            )
        ]
        time.sleep(2)
        procs.append(
            subprocess.Popen(
                [dask, "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=worker_env,
                start_new_session=True,
            )
        )
        return procs

    def batch(out, *more, env=None):
        p = subprocess.run(
            [EXE, "batch", str(d), "-q", Q, "-o", str(out), "--scheduler", f"tcp://127.0.0.1:{port}", *more],
            capture_output=True,
            text=True,
            timeout=600,
            env=env or native_env(),
        )
        return p, rows_of(out)

    for worker_env, expect in ((native_env(), "refused"), (native_env(NPY_ENABLE_CPU_FEATURES="X86_V3"), "scored")):
        procs = cluster(worker_env)
        try:
            p, rows = batch(tmp_path / f"{expect}.csv")
            assert len(rows) == 1
            if expect == "refused":
                assert p.returncode == 1 and rows[0]["status"] == "failed"
                assert "numpy was started before reproducible mode was chosen" in rows[0]["error"], rows[0]
            else:
                assert p.returncode == 0, p.stderr
                assert rows[0]["status"] == "scored" and float(rows[0]["score"]) == golden["score"], rows[0]
                p, rows = batch(tmp_path / "native.csv", "--native")
                assert p.returncode == 1 and rows[0]["status"] == "failed"
                assert "computes in reproducible mode, not native as asked" in rows[0]["error"], rows[0]
        finally:
            _kill(procs)
