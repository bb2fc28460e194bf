"""`voicecoach interview`: the plan, the follow-up rule, the interview's report, bad invocations, and
a real interview of two questions on the virtual sound card."""

import json
import os
import signal
import subprocess
import time

import pytest
from test_practice import EXE, sessions, wav16

from voicecoach import interview, questions


def start_interview(*args, follow_ups: bool = False):
    from test_practice import _ctrl_c_as_at_a_terminal

    return subprocess.Popen(
        [
            EXE,
            "interview",
            "--no-speak",
            "--no-live",
            "--follow-ups" if follow_ups else "--no-follow-ups",
            *map(str, args),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )


def answer_when_recording(p, home, pulse, wav, n: int, stop: str = "\n") -> None:
    """Once the ``n``-th answer is being recorded, play ``wav`` into the microphone and stop it."""
    deadline = time.monotonic() + 120
    while len(list((home / "sessions").glob("*/answer.flac"))) < n and time.monotonic() < deadline:
        assert p.poll() is None, p.stderr.read()
        time.sleep(0.05)
    pulse.play_into_mic(wav).wait(60)
    time.sleep(1.0)
    if stop == "ctrl-c":
        p.send_signal(signal.SIGINT)
    else:
        p.stdin.write(stop)
        p.stdin.flush()


def test_a_drawn_plan_follows_the_interview_order_and_a_seed_repeats_it():
    qs = questions.load_all()
    plan = interview.draw(qs, 5, seed=7)
    assert [q.category for q in plan] == list(interview.ORDER)
    assert [q.id for q in interview.draw(qs, 5, seed=7)] == [q.id for q in plan]
    assert len({q.id for q in interview.draw(qs, 12, seed=1)}) == 12  # round after round, never twice
    assert {q.category for q in interview.draw(qs, 3, "behavioral", seed=2)} == {"behavioral"}
    for bad in (0, len(qs) + 1):
        with pytest.raises(questions.QuestionError, match="--count must be 1 to"):
            interview.draw(qs, bad)


def report(items: dict[str, str], score=60.0) -> dict:
    return {"score": score, "rubric": {"items": [{"id": k, "status": v} for k, v in items.items()]}}


def test_the_first_missed_point_with_a_follow_up_is_followed_up():
    q = questions.get("measurable-impact")
    assert (
        interview.follow_up_item(q, report({"situation": "covered", "task": "missed", "action": "missed"})).id == "task"
    )
    assert (
        interview.follow_up_item(
            q, report({"situation": "partly", "task": "partly", "action": "covered", "quantified-result": "partly"})
        )
        is None
    )  # partly: it was raised
    assert interview.follow_up_item(q, report({}, score=None)) is None  # not scored: nothing to follow up
    fq = questions.get("measurable-impact~task")
    assert fq.text.endswith("?") and [r.id for r in fq.rubric] == ["task"]
    assert (fq.target_min_s, fq.target_max_s) == (questions.FOLLOW_UP_MIN_S, questions.FOLLOW_UP_MAX_S)


def full(score, answer_s, wpm, words, fillers, per_min, coverage, items, tips):
    return {
        "score": score,
        "question": {"text": "?"},
        "length": {"answer_s": answer_s},
        "pace": {"wpm": wpm, "words": words, "speaking_s": answer_s},
        "fillers": {"count": fillers, "per_minute": per_min},
        "rubric": {"coverage": coverage, "items": [{"id": k, "status": v} for k, v in items.items()]},
        "tips": [{"area": a, "text": t} for a, t in tips],
    }


def test_the_interview_report_totals_ranks_credits_follow_ups_and_merges_tips():
    iv = interview.Interview(
        id="x",
        created_at="now",
        plan=["a", "b"],
        finished=True,
        answers=[
            interview.Answer("a", "s1"),
            interview.Answer("a~task", "s2", follow_up="What did you do?"),
            interview.Answer("b", "s3"),
        ],
    )
    reports = {
        "s1": full(
            50.0, 60.0, 120, 120, 6, 6.0, 0.25, {"task": "missed"}, [("fillers", "Fewer ums."), ("pace", "Slow.")]
        ),
        "s2": full(70.0, 30.0, 120, 60, 0, 0.0, 1.0, {"task": "covered"}, []),
        "s3": full(80.0, 90.0, 140, 210, 3, 2.0, 0.5, {}, [("fillers", "Fewer uhs.")]),
    }
    s = interview.summary(iv, reports)
    assert [a["question_id"] for a in s["answers"]] == ["a", "a~task", "b"]
    assert s["answers"][0]["covered_on_follow_up"] == ["task"] and s["answers"][0]["coverage"] == 0.25
    assert s["strongest"] == "b" and s["weakest"] == "a"
    assert s["totals"] == {"speaking_s": 180.0, "fillers_per_min": 3.0, "wpm": 130.0, "score": 65.0}
    assert s["tips"] == ["In 2 of 2 answers — Fewer ums.", "Slow."]
    assert (s["planned"], s["answered"]) == (2, 2)


@pytest.mark.parametrize(
    "args, said",
    [
        (["--questions", "tell-me-about-yourself,no-such-question"], "unknown question 'no-such-question'"),
        (["--count", "0"], "--count must be 1 to"),
        (["--count", "99"], "--count must be 1 to"),
        (["--category", "gossip"], "no questions in category 'gossip'"),
        (["--resume"], "no interview to resume"),
        (["--feedback", "sometimes"], "--feedback must be none or each"),
    ],
)
def test_bad_invocations_are_one_line_and_exit_2(home, args, said):
    p = subprocess.run(
        [EXE, "interview", "--no-speak", *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert p.returncode == 2, p.stderr
    assert said in p.stderr, p.stderr


@pytest.mark.audio
@pytest.mark.model
def test_an_interview_with_a_follow_up_stopped_by_ctrl_c_and_resumed(pulse, home, data, tmp_path):
    """measurable-impact answered with a 4-s clip (no STAR point in it): its follow-up on the situation
    is asked and answered; Ctrl-C while bias-variance is answered keeps a partial interview (2 of 3
    questions); --resume asks what-excites-you, answered (espeak-ng) with each point at least partly
    made: no follow-up. One report for the four answers, each a session, as JSON and as a page that
    plays each answer in a real browser."""
    from test_html import offline_browser

    short = wav16(data / "mfa_english_fast.wav", tmp_path / "short.wav")
    excite = tmp_path / "excite.wav"
    subprocess.run(
        [
            "espeak-ng",
            "-w",
            str(excite),
            "-s",
            "150",
            "Reinforcement learning for robots excites me most. A good example is how AlphaFold predicted protein "
            "structures, and I read a paper last month about robots that learn to walk. That connects to my own "
            "work: I build control software for robots and want to solve such problems.",
        ],
        check=True,
    )
    plan = ["measurable-impact", "bias-variance", "what-excites-you"]
    p = start_interview("--questions", ",".join(plan), follow_ups=True)
    answer_when_recording(p, home, pulse, short, 1)
    answer_when_recording(p, home, pulse, short, 2)  # the follow-up
    answer_when_recording(p, home, pulse, short, 3, stop="ctrl-c")  # Ctrl-C while the second question is answered
    out, err = p.communicate(timeout=180)
    assert p.returncode == 130, err
    assert "stopped after 2 of 3 questions" in " ".join(out.split())
    [iv] = interview.all_interviews()
    assert not iv.finished
    assert [a.question_id for a in iv.answers] == ["measurable-impact", "measurable-impact~situation", "bias-variance"]

    report, page = tmp_path / "interview.json", tmp_path / "interview.html"
    p = start_interview("--resume", "-o", report, "--html", page, follow_ups=True)
    answer_when_recording(p, home, pulse, excite, 4)
    out, err = p.communicate(timeout=180)
    assert p.returncode == 0, err
    s = json.loads(report.read_text())
    assert [(a["question_id"], a["follow_up"] is not None) for a in s["answers"]] == [
        ("measurable-impact", False),
        ("measurable-impact~situation", True),
        ("bias-variance", False),
        ("what-excites-you", False),
    ]
    assert s["answers"][1]["follow_up"] == questions.get("measurable-impact~situation").text
    assert s["finished"] and (s["planned"], s["answered"]) == (3, 3)
    kept = sessions(home)
    assert [a["session_id"] for a in s["answers"]] == [x["id"] for x in kept]
    assert all(a["score"] is not None for a in s["answers"])
    print(out)
    said = " ".join(out.split())  # (rich wraps the table's title to the table's width)
    assert "Strongest answer" in said and "3 of 3 questions answered" in said, out
    again = subprocess.run(
        [EXE, "interview", "--resume", "--no-speak"], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert again.returncode == 2 and "no interview to resume" in again.stderr

    seen = offline_browser("interview", page)
    assert seen["console"] == [] and all(x.startswith("data:") for x in seen["resources"]), seen
    assert [a["session"] for a in seen["answers"]] == [x["id"] for x in kept]
    for shown, x in zip(seen["answers"], kept):
        words = sum(
            len(seg["words"])
            for seg in json.loads((home / "sessions" / x["id"] / "report.json").read_text())["transcript"]["segments"]
        )
        assert shown["players"] == 1 and shown["words"] == words > 0, (shown, x)
        assert shown["duration_s"] == pytest.approx(x["duration_s"], abs=0.1), (shown, x)
    for click in seen["clicks"]:  # the clicked answer plays from the word; every other one is paused
        for k, state in enumerate(click["state"]):
            if k == click["answer"]:
                assert not state["paused"] and abs(state["t"] - click["start_s"]) <= 0.1, click
                assert float(state["now"]) == click["start_s"], click
            else:
                assert state["paused"], click


@pytest.mark.model
def test_sessions_list_groups_an_interview_and_show_gives_its_report(home, data, save_scored):
    """Sessions kept by `score --save` stand in for answers (the interview record links them): `sessions
    list` shows which interview and answer each is, `sessions show interview:1` the interview's report,
    made from the sessions' reports as they are now (a rescored follow-up shows its new figures), and a
    deleted answer leaves a row without figures."""
    from voicecoach.sessions import SessionStore

    iv = interview.new([questions.get("what-excites-you")], follow_ups=True)
    for q in ("what-excites-you", "what-excites-you~example"):
        save_scored(data / "whisper_jfk.flac", q)
    a, b = SessionStore().list()
    iv.answers = [interview.Answer(a.question_id, a.id), interview.Answer(b.question_id, b.id, follow_up="?")]
    iv.finished = True
    interview.save(iv)
    listed = subprocess.run(
        [EXE, "sessions", "list"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
    )
    assert listed.returncode == 0 and "interview" in listed.stdout
    rows = [line.split() for line in listed.stdout.splitlines() if "what-excites-you" in line]
    assert [r[1] for r in rows] == ["1.1", "1.1f"], listed.stdout
    shown = subprocess.run([EXE, "sessions", "show", "interview:1", "--json"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    s = json.loads(shown.stdout)
    assert [x["session_id"] for x in s["answers"]] == [a.id, b.id] and s["answers"][0]["score"] is not None
    # the follow-up rescored (its question found from its id): the interview's report shows the new figures
    stored = SessionStore().folder(b.id) / "report.json"
    stored.write_text(json.dumps({**json.loads(stored.read_text()), "score": 1.0}))
    r = subprocess.run([EXE, "sessions", "rescore", b.id], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    show = lambda: json.loads(  # noqa: E731
        subprocess.run([EXE, "sessions", "show", "interview:1", "--json"], capture_output=True, text=True).stdout
    )
    assert show()["answers"][1]["score"] == s["answers"][1]["score"] != 1.0
    assert subprocess.run([EXE, "sessions", "delete", b.id, "--yes"], capture_output=True).returncode == 0
    s = json.loads(
        subprocess.run([EXE, "sessions", "show", "interview:last", "--json"], capture_output=True, text=True).stdout
    )
    assert s["answers"][1]["score"] is None and s["answers"][0]["score"] is not None
    bad = subprocess.run([EXE, "sessions", "show", "interview:nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no interview 'nope'" in bad.stderr
