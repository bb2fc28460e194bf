"""The HTML report: the page's structure without a browser (fast), then real pages made by the real
commands, opened in headless Chromium with the network cut off (tests/browser.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from helpers import transcript, write_audio

from voicecoach import questions
from voicecoach.analysis.score import build_report
from voicecoach.errors import ExitCode
from voicecoach.render import charts, html
from voicecoach.schema.report import to_dict

EXE = shutil.which("voicecoach", path=str(Path(sys.executable).parent)) or "voicecoach"
BROWSER = Path(__file__).parent / "browser.py"
Q = questions.get("tell-me-about-yourself")
TEXT = "So I um built the data pipeline you know <pause 3> and then I uh led a team of four. I like Python."


def report_of(text: str = TEXT, **kw) -> dict:
    return to_dict(build_report(Q, transcript(text, **kw), encoder=None))


class Text(HTMLParser):
    """The text a reader sees with script off (script and style bodies left out)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @classmethod
    def of(cls, page: str) -> str:
        p = cls()
        p.feed(page)
        return " ".join(" ".join(p.parts).split())


# ---- the page, without a browser ----


def test_the_page_is_one_file_that_loads_nothing():
    page = html.answer_page(report_of(), np.zeros(16000, np.float32))
    policy = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in policy and "media-src data:" in policy and "unsafe-inline" not in policy
    # the script and style run because their hashes are in the policy, not because inline code is allowed
    for tag in ("script", "style"):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy, tag
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert re.search(r'<audio id="answer" controls preload="auto" src="data:audio/ogg;base64,', page)


def test_numbers_and_transcript_read_without_script():
    r = report_of()
    text = Text.of(html.answer_page(r, None))
    assert f"{r['score']:.0f} out of 100" in text
    assert f"{r['pace']['wpm']:.0f} wpm overall" in text
    assert "So I um built the data pipeline you know" in text and "led a team of four." in text
    assert "‖ 3.1 s pause" in text or "‖ 3.0 s pause" in text
    for tip in r["tips"]:
        assert tip["text"] in text


def test_words_carry_their_times_and_fillers_are_marked():
    r = report_of()
    page = html.answer_page(r, None)
    words = re.findall(r'<span class="w( filler)?" data-s="([\d.]+)" data-e="([\d.]+)">([^<]*)</span>', page)
    assert [w[3] for w in words] == TEXT.replace("<pause 3> ", "").split()
    starts = [w["start_s"] for s in r["transcript"]["segments"] for w in s["words"]]
    assert [float(w[1]) for w in words] == pytest.approx(starts, abs=0.0005)
    marked = [w[3] for w in words if w[0]]
    # "So" opens the answer as a discourse marker; "like" in "I like Python" is not a filler
    assert marked == ["So", "um", "you", "know", "uh"], marked
    assert len(r["fillers"]["occurrences"]) == 4


def test_the_timeline_has_one_marker_per_filler_and_long_pause():
    r = report_of()
    page = html.answer_page(r, None)
    assert page.count('class="marker filler written"') == r["fillers"]["count"] == 4
    assert page.count('class="marker pause"') == len(r["pauses"]["long_pauses"]) == 1
    tl = charts.timeline(r)
    pause = next(m for m in tl.markers if m.kind == "pause")
    assert pause.x == pytest.approx(
        r["pauses"]["long_pauses"][0]["start_s"] / r["audio"]["duration_s"] * 1000, abs=0.01
    )


def test_heard_fillers_and_gaps_sit_between_words():
    r = report_of("we built it <pause 2.5> and shipped it")
    r["fillers"]["occurrences"].append(
        {"text": "um", "kind": "hesitation", "start_s": 1.5, "end_s": 1.9, "source": "heard"}
    )
    paras = html.paragraphs(r)
    kinds = [(t.kind, t.text) for p in paras for t in p.tokens]
    pause = f"{r['pauses']['long_pauses'][0]['duration_s']:.1f} s pause"
    assert kinds == [
        ("word", "we"),
        ("word", "built"),
        ("word", "it"),
        ("pause", pause),
        ("heard", "um"),
        ("word", "and"),
        ("word", "shipped"),
        ("word", "it"),
    ]
    page = html.answer_page(r, None)
    assert page.count('class="marker filler heard"') == 1


def test_transcript_text_is_escaped():
    page = html.answer_page(report_of("I wrote <script>alert(1)</script> & more"), None)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_unscored_answer_still_makes_a_page():
    from voicecoach.asr.types import Transcript

    r = to_dict(build_report(Q, Transcript(segments=(), duration_s=20.0), encoder=None))
    page = html.answer_page(r, np.zeros(20 * 16000, np.float32))
    assert r["score"] is None and r["notices"][0] in Text.of(page)
    assert 'id="timeline"' not in page and "nothing was transcribed" in page


def test_a_four_minute_answer_stays_under_3_mb(data):
    """Real speech tiled to 4 minutes, with a transcript of a 4-minute answer's length (600 words)."""
    from voicecoach.audio.load import load

    speech = load(data / "librispeech_61-70968-0000.flac").samples
    four_min = np.tile(speech, int(np.ceil(240 * 16000 / len(speech))))[: 240 * 16000]
    words = " ".join(["we", "shipped", "the", "pipeline", "in", "March,", "um,", "and"] * 75)
    page = html.answer_page(report_of(words, word_s=0.3, gap_s=0.1), four_min)
    assert len(page.encode()) < 3_000_000, len(page)


def test_opus_keeps_the_length(data, tmp_path):
    from voicecoach.audio.encode import opus_bytes
    from voicecoach.audio.load import load

    a = load(data / "whisper_jfk.flac")
    (tmp_path / "a.ogg").write_bytes(opus_bytes(a.samples))
    assert load(tmp_path / "a.ogg").duration_s == pytest.approx(a.duration_s, abs=0.03)


def test_best_session_and_round_axes():
    assert charts.best_index([50, 70, 70, 60], True, None) == 2  # ties: the later one
    assert charts.best_index([5.0, 1.0, 3.0], False, None) == 1
    assert charts.best_index([180, 140, 90], None, (100, 165)) == 1  # nearest the band's middle
    assert charts.best_index([180, 140], None, None) is None
    c = charts.series(
        "score",
        "Score",
        [30, 35, 50],
        ["a", "b", "c"],
        lambda v: f"{v:.0f}",
        band=(75, 100),
        band_label="",
        higher_better=True,
        limits=(0, 100),
    )
    assert [t[1] for t in c.y_ticks] == ["0", "25", "50", "75", "100"]
    assert [p.best for p in c.points] == [False, False, True]
    h = charts.histogram("score", "Score", [5, 12, 18, 95], lambda v: f"{v:.0f}", (0, 100))
    assert [b.count for b in h.bins] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]


def test_bad_html_target_fails_before_any_work(tmp_path, data):
    p = subprocess.run(
        [EXE, "score", str(data / "whisper_jfk.flac"), "--html", str(tmp_path / "no" / "x.html")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == ExitCode.OUTPUT and "folder" in p.stderr and "does not exist" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


# ---- real pages in a real browser, offline ----


def offline_browser(mode: str, page: Path, shot: Path | None = None) -> dict:
    """tests/browser.py in a network namespace with only loopback; skips where that or Chromium is missing."""
    if not Path("/usr/bin/chromium").exists() or not Path("/usr/bin/chromedriver").exists():
        pytest.skip("chromium and chromium-driver are not installed (scripts/setup.sh installs them)")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip(f"network namespaces are not permitted here ({probe.stderr.decode().strip()})")
    cmd = [
        "unshare",
        "-n",
        "sh",
        "-c",
        'ip link set lo up 2>/dev/null; exec "$@"',
        "sh",
        sys.executable,
        str(BROWSER),
        mode,
        str(page),
        *([str(shot)] if shot else []),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def run(*args, env=None, cwd=None):
    return subprocess.run(
        [EXE, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd, env={**os.environ, **(env or {})}
    )


@pytest.mark.model
def test_answer_page_in_a_real_browser(data, tmp_path):
    """A real answer with a long pause: JFK, 3 s of silence, then a speaker who says "uh" often."""
    from voicecoach.audio.load import load

    jfk, cold = load(data / "whisper_jfk.flac").samples, load(data / "mfa_cold_corpus.flac").samples
    answer = write_audio(tmp_path / "answer.flac", np.concatenate([jfk, np.zeros(3 * 16000, np.float32), cold]))
    page, report = tmp_path / "page.html", tmp_path / "report.json"
    p = run("score", answer, "--html", page, "--out", report)
    assert p.returncode == 0, p.stderr
    r = json.loads(report.read_text())
    assert len(r["pauses"]["long_pauses"]) >= 1 and r["fillers"]["count"] >= 3
    seen = offline_browser("answer", page)
    assert seen["console"] == [] and all(x.startswith("data:") for x in seen["resources"]), seen
    assert seen["duration_s"] == pytest.approx(r["audio"]["duration_s"], abs=0.1)
    assert seen["words"] == sum(len(s["words"]) for s in r["transcript"]["segments"])
    for c in seen["clicks"]:
        assert abs(c["current_s"] - c["start_s"]) <= 0.1, c
        assert c["highlighted_s"] == c["start_s"], c
    occ = r["fillers"]["occurrences"]
    assert seen["markers"]["written"] == sum(x["source"] != "heard" for x in occ)
    assert seen["markers"]["heard"] == sum(x["source"] == "heard" for x in occ)
    assert seen["markers"]["pause"] == len(r["pauses"]["long_pauses"])
    assert seen["markers"]["gap"] == len(r["pauses"]["transcription_gaps"])
    assert abs(seen["marker_click"]["current_s"] - seen["marker_click"]["t"]) <= 0.1
    assert seen["after_right_s"] == pytest.approx(5.0, abs=0.05)
    assert seen["playing_after_space"] and seen["paused_after_space"]
    assert seen["printed"] == {".player": False, "footer .keys": False, "#summary": True, "#transcript": True}
    assert seen["printed_pdf_bytes"] > 10_000


@pytest.mark.model
def test_sessions_open_and_progress_page(data, home, tmp_path, save_scored):
    for f in ("whisper_jfk.flac", "mfa_english_fast.wav", "mfa_acoustic_corpus.flac"):
        save_scored(data / f)
    opened = tmp_path / "opened.txt"
    fake_browser = tmp_path / "browser.sh"  # $BROWSER is how Python's webbrowser finds the user's browser
    fake_browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    fake_browser.chmod(0o755)
    p = run("sessions", "open", "last", env={"BROWSER": str(fake_browser)})
    assert p.returncode == 0, p.stderr
    page = Path(p.stdout.strip())
    assert page.name == "report.html" and page.parent.parent == home / "sessions"
    assert page.stat().st_mode & 0o777 == 0o600
    assert opened.read_text().strip() == page.as_uri()
    assert run("sessions", "open", "1", "--no-open").returncode == 0
    assert run("sessions", "show", "2", "--html", tmp_path / "two.html").returncode == 0
    seen = offline_browser("answer", tmp_path / "two.html")
    assert seen["console"] == [] and seen["duration_s"] > 4

    prog = tmp_path / "progress.html"
    p = run("progress", "--html", prog)
    assert p.returncode == 0, p.stderr
    seen = offline_browser("progress", prog)
    assert seen["console"] == [] and seen["resources"] == []
    assert set(seen["charts"]) == {"score", "coverage", "fillers_per_min", "wpm", "duration_s"}
    for metric, c in seen["charts"].items():
        assert c["points"] == 3 and c["height_px"] > 100, (metric, c)
        assert c["bands"] == 1, metric
        assert c["best"] == 1, metric


@pytest.mark.model
def test_batch_summary_links_a_page_per_file(data, tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    for f in ("whisper_jfk.flac", "mfa_english_fast.wav"):
        shutil.copy(data / f, folder / f)
    (folder / "notes.txt").write_text("not audio")
    summary = tmp_path / "summary.html"
    p = run("batch", folder, "-q", "tell-me-about-yourself", "-o", tmp_path / "r.csv", "--html", summary, "-j", "1")
    assert p.returncode == 1, p.stderr  # notes.txt failed
    pages = sorted((tmp_path / "summary_files").iterdir())
    assert [x.name.split("-")[0] for x in pages] == ["mfa_english_fast", "whisper_jfk"]
    seen = offline_browser("batch", summary)
    assert seen["console"] == [] and seen["resources"] == []
    assert sorted(Path(u[len("file://") :]).resolve() for u in seen["links"]) == [x.resolve() for x in pages]
    assert set(seen["charts"]) == {"score", "wpm", "fillers_per_min", "coverage"}
    assert all(sum(1 for _ in range(c["bars"])) >= 1 for c in seen["charts"].values())
    assert 'href="../summary.html"' in pages[0].read_text()
    # a rerun with the pages gone scores those files again, to make their pages
    for x in pages:
        x.unlink()
    p = run("batch", folder, "-q", "tell-me-about-yourself", "-o", tmp_path / "r.csv", "--html", summary, "-j", "1")
    assert len(list((tmp_path / "summary_files").iterdir())) == 2, p.stderr


def test_progress_page_needs_two_sessions(home, tmp_path):
    p = run("progress", "--html", tmp_path / "p.html")
    assert p.returncode == ExitCode.SESSION and not (tmp_path / "p.html").exists()
    assert (
        p.stderr.strip()
        == "voicecoach: error: no page written: progress needs at least two scored sessions; you have 0"
    )
    p = run("sessions", "open", "last")
    assert p.returncode == ExitCode.SESSION and len(p.stderr.strip().splitlines()) == 1, p.stderr
