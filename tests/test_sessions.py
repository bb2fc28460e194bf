"""The session store on real SQLite and real folders, and the commands around it."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import voicecoach
from voicecoach.sessions.store import RECORDING, SCORED, SessionError, SessionStore

EXE = shutil.which("voicecoach", path=str(Path(sys.executable).parent)) or "voicecoach"


def report(score, fpm, wpm=140.0, cov=0.5):
    return {"score": score, "fillers": {"per_minute": fpm}, "pace": {"wpm": wpm}, "rubric": {"coverage": cov}}


def make(store, n=3, qid="tell-me-about-yourself"):
    out = []
    for i in range(n):
        info = store.create(qid, "Tell me about yourself.")
        out.append(store.finish(info, report(50 + 10 * i, 7.2 - 2 * i), 180 + i))
    return out


def test_create_finish_list_get(home):
    store = SessionStore()
    infos = make(store)
    listed = store.list()
    assert [s.id for s in listed] == [s.id for s in infos]
    assert listed[-1].status == SCORED and listed[-1].score == 70 and listed[-1].fillers_per_min == pytest.approx(3.2)
    assert store.get("1").id == infos[0].id and store.get("last").id == infos[-1].id
    assert store.get(infos[1].id).id == infos[1].id
    with pytest.raises(SessionError, match="matches 3 sessions"):
        store.get(infos[0].id[:9])  # the date alone is ambiguous
    with pytest.raises(SessionError, match="no session number 9"):
        store.get("9")
    with pytest.raises(SessionError, match="no session 'zzz'"):
        store.get("zzz")


def test_migrations_recorded_and_wal(home):
    store = SessionStore()
    make(store, 1)
    db = sqlite3.connect(home / "sessions.db")
    assert [r[0] for r in db.execute("SELECT name FROM migrations")] == ["001_sessions", "002_private"]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    SessionStore().list()  # reopening does not re-run migrations
    assert db.execute("SELECT count(*) FROM migrations").fetchone()[0] == 2


def test_damaged_index_is_rebuilt_from_folders(home):
    store = SessionStore()
    infos = make(store)
    store.close()
    (home / "sessions.db").write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(home / "sessions.db") + suffix).unlink(missing_ok=True)
    r = subprocess.run([EXE, "sessions", "list"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 6 and "rebuild-index" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run([EXE, "sessions", "rebuild-index"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "3 sessions" in r.stdout and "moved to" in r.stdout
    assert [s.id for s in SessionStore().list()] == [s.id for s in infos]
    assert list(home.glob("sessions.db.damaged-*"))  # the damaged file is kept, not deleted


def test_interrupted_means_recording_and_process_gone(home):
    store = SessionStore()
    live = store.create("q", "Q?")  # this process: alive
    dead = store.create("q", "Q?")
    dead.pid = 2**22 + 12345  # no such process
    store.save(dead)
    assert [s.id for s in store.interrupted()] == [dead.id]
    assert live.status == RECORDING


def test_read_only_home_fails_before_recording(home):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    home.chmod(0o500)
    try:
        with pytest.raises(SessionError, match="cannot save sessions"):
            SessionStore().check_writable()
    finally:
        home.chmod(0o700)


def test_unwritable_sessions_folder_is_a_clear_error(home):
    (home / "sessions").write_text("a file where the folder should be")
    with pytest.raises(SessionError, match="cannot save sessions in"):
        SessionStore().check_writable()


def test_cli_list_show_export_delete_progress(home, tmp_path):
    store = SessionStore()
    infos = make(store)
    folder = store.folder(infos[0].id)
    (folder / "answer.flac").write_bytes(b"fLaC")
    r = subprocess.run(
        [EXE, "sessions", "list", "--ids"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert r.returncode == 0 and infos[0].id in r.stdout and "tell-me-about-yourself" in r.stdout
    r = subprocess.run(
        [EXE, "progress"], capture_output=True, text=True, timeout=30, env={**os.environ, "COLUMNS": "100"}
    )
    assert "Fillers per minute 7.2 → 3.2 over 3 sessions" in r.stdout and "▁" in r.stdout
    zip_path = tmp_path / "s.zip"
    r = subprocess.run([EXE, "sessions", "export", "1", "--out", zip_path], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    names = zipfile.ZipFile(zip_path).namelist()
    assert f"{infos[0].id}/answer.flac" in names and f"{infos[0].id}/session.json" in names
    r = subprocess.run(
        [EXE, "sessions", "delete", "1"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    assert r.returncode != 0 and folder.exists()  # no confirmation, no deletion
    r = subprocess.run([EXE, "sessions", "delete", "1", "--yes"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and not folder.exists() and len(SessionStore().list()) == 2


@pytest.mark.model
def test_score_save_keeps_a_session(home, data):
    r = subprocess.run(
        [EXE, "score", data / "mfa_english_slow.wav", "--save", "--json"], capture_output=True, text=True, timeout=180
    )
    assert r.returncode == 0, r.stderr
    [info] = SessionStore().list()
    assert info.source == "score --save" and info.status == SCORED
    saved = json.loads((SessionStore().folder(info.id) / "report.json").read_text())
    assert saved == json.loads(r.stdout)
    r = subprocess.run([EXE, "sessions", "show", "last"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "Overall score" in r.stdout and "mfa_english_slow.wav" in r.stdout


def test_filler_method_of_old_and_new_reports():
    from voicecoach.schema.read import filler_method

    assert filler_method({"fillers": {"method": "written+heard", "occurrences": []}}) == "written+heard"
    assert filler_method({"fillers": {"occurrences": [{"text": "um", "source": "heard"}]}}) == "written+heard"
    assert filler_method({"fillers": {"occurrences": [{"text": "um"}]}}) == "written"  # before recovery existed
    # schema 1.0 wrote "source": "transcript" on every occurrence from the start
    assert (
        filler_method({"schema_version": "1.0", "fillers": {"occurrences": [{"text": "um", "source": "transcript"}]}})
        == "written"
    )
    assert filler_method({"fillers": None}) is None and filler_method(None) is None


@pytest.mark.model
def test_rescore_brings_old_sessions_to_the_current_filler_count(home, data, save_scored):
    """A session scored counting a plain transcript's fillers only (as before 0.2) and one scored the
    current way (verbatim): progress says they differ; rescore brings the old one up to date and keeps
    its old report."""
    clip = data / "mfa_cold_corpus.flac"
    r = subprocess.run([EXE, "score", clip, "--save", "--written-fillers-only"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    save_scored(clip)  # (scored the current way)
    store = SessionStore()
    old, new = store.list()
    assert store.report(old)["fillers"]["method"] == "written" and store.report(new)["fillers"]["method"] == "verbatim"
    assert old.fillers_per_min < new.fillers_per_min  # in a plain transcript Whisper writes none of this clip's um/uh
    progress = lambda: (
        subprocess.run(
            [EXE, "progress"],
            capture_output=True,
            text=True,
            timeout=60,  # noqa: E731
            env={**os.environ, "COLUMNS": "200"},
        ).stdout
    )
    said = " ".join(progress().split())  # rich wraps long lines
    assert "1 of these 2 sessions counted fillers another way than this version's default" in said, said
    assert "1 counted only the fillers Whisper wrote in a plain transcript" in said, said

    # bad invocations change nothing
    for args in ([], ["1", "--all"], ["--question", "tell-me-about-yourself", "1"]):
        r = subprocess.run([EXE, "sessions", "rescore", *args], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and r.stderr.strip(), args
    old_report = (store.folder(old.id) / "report.json").read_text()
    assert (
        subprocess.run([EXE, "sessions", "open", old.id, "--no-open"], capture_output=True, timeout=120).returncode == 0
    )
    page = store.folder(old.id) / "report.html"
    marked = page.read_text().count('<span class="w filler"')  # the fillers a plain transcript wrote

    r = subprocess.run([EXE, "sessions", "rescore", old.id], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "(counted written → verbatim)" in r.stdout
    assert page.read_text().count('<span class="w filler"') > marked  # the session's page tells the new report
    kept = list(store.folder(old.id).glob("report.*.json"))
    assert len(kept) == 1 and kept[0].read_text() == old_report
    again = store.get(old.id)
    assert store.report(again)["fillers"]["method"] == "verbatim"
    assert again.fillers_per_min == pytest.approx(new.fillers_per_min, abs=0.5)
    assert "counted fillers another way" not in progress()
    assert "scored by an earlier voicecoach" not in progress()

    # a session scored by an earlier release (its report says so): progress says the figures may
    # differ, and rescoring it with this version makes the note go
    path = store.folder(new.id) / "report.json"
    path.write_text(
        path.read_text().replace(f'"voicecoach_version": "{voicecoach.__version__}"', '"voicecoach_version": "0.0.9"')
    )
    assert "1 of these 2 sessions were scored by an earlier voicecoach" in progress()
    r = subprocess.run([EXE, "sessions", "rescore", new.id], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "scored by an earlier voicecoach" not in progress()

    # a session computed in native mode (these tests run reproducibly): the same, for the numerics mode
    path.write_text(path.read_text().replace('"numerics": "reproducible"', '"numerics": "native"'))
    said = " ".join(progress().split())
    assert "1 of these 2 sessions were computed in native mode, not reproducible as now" in said, said
    r = subprocess.run([EXE, "sessions", "rescore", new.id], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "computed in native mode" not in progress()

    # a session whose recording is gone: one line, exit 1, the session left as it was
    (store.folder(new.id) / "answer.flac").unlink()
    before = (store.folder(new.id) / "report.json").read_text()
    r = subprocess.run([EXE, "sessions", "rescore", "--all"], capture_output=True, text=True, timeout=300)
    assert (
        r.returncode == 1
        and f"{new.id}: not rescored: no recording to score again (answer.flac is missing)" in r.stderr
    )
    assert (store.folder(new.id) / "report.json").read_text() == before


def test_a_session_scored_again_without_a_score_keeps_no_old_figures(home):
    store = SessionStore()
    [info] = make(store, n=1)
    assert info.score is not None
    info = store.finish(info, {"score": None, "fillers": None}, 180)
    again = store.get(info.id)
    assert again.status == "unscored" and (again.score, again.wpm, again.fillers_per_min, again.coverage) == (None,) * 4


@pytest.mark.model
def test_a_declined_answer_is_kept_and_can_be_scored_as_english(home, tmp_path):
    """Speech that language detection does not rank English is not scored (exit 3) but the session
    is kept, and `sessions rescore --skip-language-check` scores it as English after all (for an
    accent the detection misjudges)."""
    from helpers import espeak

    path = espeak(
        "Меня зовут Анна, я десять лет работаю инженером в Мюнхене.", tmp_path / "ru.wav", wpm=150, voice="ru"
    )
    p = subprocess.run([EXE, "score", path, "--save"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 3 and "does not sound like English" in p.stderr, p.stderr
    [info] = SessionStore().list()
    assert info.score is None
    # the hint names what helps a kept session (the CLI adds it by the notice's code)
    assert f"`voicecoach sessions rescore {info.id} --skip-language-check` scores it" in p.stderr, p.stderr
    r = subprocess.run(
        [EXE, "sessions", "rescore", info.id, "--skip-language-check"], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    [info] = SessionStore().list()
    assert info.status == SCORED and info.score is not None
    assert json.loads((SessionStore().folder(info.id) / "report.json").read_text())["transcript"]["text"]


def test_progress_compares_and_names_sessions_counted_otherwise(home):
    """voicecoach.sessions.progress: trends oldest first, which direction is better, and the
    sessions whose fillers were counted another way (by their stored fillers.method)."""
    from voicecoach.sessions.progress import progress

    store = SessionStore()
    infos = []
    for i in range(3):  # scores 50, 60, 70; fillers/min 7.2, 5.2, 3.2
        r = {**report(50 + 10 * i, 7.2 - 2 * i), "voicecoach_version": "0.3.0"}
        r["fillers"]["method"] = "verbatim"
        infos.append(store.finish(store.create("tell-me-about-yourself", "Tell me about yourself."), r, 180 + i))
    p = progress(store, method="verbatim", version="0.3.0")
    score, fillers = ({t.field: t for t in p.trends}[f] for f in ("score", "fillers_per_min"))
    assert score.values == (50, 60, 70) and score.better and score.best == 70
    assert fillers.better and fillers.best == pytest.approx(3.2)  # fewer is better
    assert {t.field: t for t in p.trends}["duration_s"].best is None  # no direction is better
    assert not p.mixed_methods and p.counted_otherwise == {} and p.older == 0

    old = report(40, 9.0)
    old["fillers"]["method"] = "written+heard"
    old["voicecoach_version"] = "0.2.0"
    store.finish(store.get(infos[0].id), old, 180)
    p = progress(store, method="verbatim", version="0.3.0")
    assert p.mixed_methods and p.counted_otherwise == {"written+heard": 1} and p.older == 1
    assert len(progress(store, last=2, method="verbatim", version="0.3.0").sessions) == 2


WRITER = """
import sys
from voicecoach.sessions.store import SessionStore
s = SessionStore()
info = s.get(sys.argv[1])
if len(sys.argv) > 2:
    s.finish(info, {"score": 10, "fillers": {"per_minute": float(sys.argv[2])}}, 1.0)
"""


def test_two_stores_in_one_process_see_what_another_process_writes(home):
    """`interview` and `practice` hold more than one SessionStore. Opening the second must not drop
    the first one's SQLite locks (closing any descriptor of a file drops all of a process's POSIX
    locks on it): without them a writer in another process took itself for the last connection,
    removed the WAL, and both stores here went on reading the index as it was."""
    first = SessionStore()
    info = first.create("q", "Q?")
    first.finish(info, {"score": 5, "fillers": {"per_minute": 2.0}}, 1.0)
    second = SessionStore()
    assert [s.fillers_per_min for s in second.list()] == [2.0]
    subprocess.run([sys.executable, "-c", WRITER, info.id], check=True, timeout=60)  # a reader (`progress`)
    subprocess.run([sys.executable, "-c", WRITER, info.id, "9.0"], check=True, timeout=60)  # a writer
    assert [s.fillers_per_min for s in second.list()] == [9.0]
    assert [s.fillers_per_min for s in first.list()] == [9.0]


def vc(*args, cwd=None):
    return subprocess.run(
        [EXE, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.mark.model
def test_a_damaged_session_hides_no_other_and_repair_rebuilds_it(home, data, save_scored, tmp_path):
    """Three real sessions. One report.json damaged: progress leaves it out with a line and compares
    the others; show and open name the file and the way out. One session.json replaced: rebuild-index
    indexes it as damaged, with its question from its report, instead of dropping it. One recording
    deleted: export says so. `sessions repair` rebuilds the first two from their recordings (the
    first needs --question once nothing names it) and keeps every damaged file beside."""
    a, b, c = (save_scored(data / f) for f in ("whisper_jfk.flac", "mfa_english_fast.wav", "mfa_english_slow.wav"))
    store = SessionStore()
    (store.folder(a.id) / "report.json").write_text('{"broken')

    p = vc("progress")
    assert p.returncode == 1 and "Progress over 2 sessions" in p.stdout, p.stdout + p.stderr
    said = " ".join(p.stderr.split())
    assert said.count("left out") == 1 and a.id in said and "report.json" in said and "sessions repair" in said, said
    for cmd in (["show", a.id], ["open", a.id, "--no-open"]):
        p = vc("sessions", *cmd)
        assert p.returncode == 6 and len(p.stderr.strip().splitlines()) == 1, (cmd, p.stderr)
        assert a.id in p.stderr and "report.json" in p.stderr and f"sessions repair {a.id}" in p.stderr, p.stderr
    assert vc("sessions", "show", b.id).returncode == 0

    (store.folder(b.id) / "session.json").write_text('{"x":1}')
    p = vc("sessions", "rebuild-index")
    assert p.returncode == 1 and "index rebuilt: 3 sessions, 2 of them damaged" in p.stdout, p.stdout + p.stderr
    problems = p.stderr.strip().splitlines()
    assert len(problems) == 2 and {line.split(":")[0] for line in problems} == {a.id, b.id}, problems
    rows = {line.split()[1]: line for line in vc("sessions", "list", "--ids").stdout.splitlines() if "-" in line[:30]}
    assert set(rows) == {a.id, b.id, c.id}, rows
    assert "damaged" in rows[a.id] and "damaged" in rows[b.id] and "tell-me-about-yourself" in rows[b.id]

    (store.folder(c.id) / "answer.flac").unlink()
    p = vc("sessions", "export", c.id, "-o", tmp_path / "c.zip")
    assert p.returncode == 1 and "answer.flac" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert {Path(n).name for n in zipfile.ZipFile(tmp_path / "c.zip").namelist()} >= {"session.json", "report.json"}
    p = vc("sessions", "repair", c.id)
    assert p.returncode == 6 and "answer.flac is missing" in p.stderr, p.stderr

    p = vc("sessions", "repair", b.id)  # the question from its report
    assert p.returncode == 0 and "repaired (tell-me-about-yourself)" in p.stdout, p.stdout + p.stderr
    [kept] = store.folder(b.id).glob("session.damaged-*.json")
    assert kept.read_text() == '{"x":1}\n' or kept.read_text() == '{"x":1}'
    (store.folder(a.id) / "session.json").write_text("")  # now nothing names a's question
    p = vc("sessions", "repair", a.id)
    assert p.returncode == 2 and "--question" in p.stderr, p.stderr
    p = vc("sessions", "repair", a.id, "--question", "what-excites-you")
    assert p.returncode == 0 and "repaired (what-excites-you)" in p.stdout, p.stdout + p.stderr
    assert [f.read_text() for f in store.folder(a.id).glob("report.damaged-*.json")] == ['{"broken']
    assert [f.read_text() for f in store.folder(a.id).glob("session.damaged-*.json")] == [""]
    after = {s.id: s for s in SessionStore().list()}
    assert after[a.id].status == after[b.id].status == "scored" and after[a.id].question_id == "what-excites-you"
    assert vc("progress").returncode == 0


RACER = """
import sys, time
from voicecoach.sessions.store import SessionStore
start, n = float(sys.argv[1]), int(sys.argv[2])
while time.time() < start:
    pass
store = SessionStore()
for k in range(n):
    info = store.create("tell-me-about-yourself", "Tell me about yourself.")
    store.finish(info, {"score": float(k)}, 1.0)
"""


def test_processes_opening_a_new_data_folder_at_once_lose_nothing(home):
    """Six processes open a data folder that has no index yet at the same instant (the first run of
    two `score --save` and a `practice`), then each saves 10 sessions: every one is saved and
    indexed once. (Each used to create the index's tables itself: all but one failed with "the
    session index is damaged".)"""
    import time

    start = time.time() + 2.0
    procs = [
        subprocess.Popen([sys.executable, "-c", RACER, str(start), "10"], stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    folders = {d.name for d in (home / "sessions").iterdir()}
    indexed = [s.id for s in SessionStore().list()]
    assert len(folders) == 60 and sorted(indexed) == sorted(folders)
    n, _, problems = SessionStore().rebuild_index()
    assert n == 60 and problems == []
