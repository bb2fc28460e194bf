"""Two takes of a question (`practice`, then r): what moved between them, and another question (n)."""

from voicecoach import questions
from voicecoach.cli.practice_cmd import _another
from voicecoach.render.text import what_moved


def report(score, parts, answer_s, wpm, per_min, coverage) -> dict:
    return {
        "score": score,
        "parts": dict(zip(("length", "pace", "fillers", "coverage", "pauses"), parts)),
        "length": {"answer_s": answer_s},
        "pace": {"wpm": wpm},
        "fillers": {"per_minute": per_min},
        "rubric": {"coverage": coverage},
    }


def test_each_figure_moves_by_its_arrow_and_is_better_by_its_part_of_the_score():
    before = report(52.3, (40, 90, 60, 20, 100), 95.0, 171, 4.1, 0.2)
    # longer (nearer the target), slower (into the band), fewer fillers, more covered
    now = report(61.0, (70, 100, 80, 40, 100), 150.0, 150, 2.0, 0.4)
    got = {m.label: (m.before, m.now, m.arrow, m.better) for m in what_moved(before, now)}
    assert got == {
        "score": ("52", "61", "↑", True),
        "length": ("1:35", "2:30", "↑", True),
        "pace": ("171 wpm", "150 wpm", "↓", True),
        "fillers": ("4.1/min", "2.0/min", "↓", True),
        "coverage": ("20%", "40%", "↑", True),
    }
    # past the target: longer is worse; a pace that stays in the band moves without a verdict
    later = report(58.0, (50, 100, 80, 40, 100), 280.0, 140, 2.0, 0.4)
    got = {m.label: (m.arrow, m.better) for m in what_moved(now, later)}
    assert got["length"] == ("↑", False) and got["pace"] == ("↓", None) and got["score"] == ("↓", False)
    assert got["fillers"] == ("=", None) and got["coverage"] == ("=", None)


def test_another_question_is_a_different_one_of_the_same_category_first():
    qs = questions.load_all([])
    q = qs["what-excites-you"]
    for _ in range(20):
        other = _another(qs, q, None)
        assert other.id != q.id and other.category == q.category
    assert _another(qs, q, "design").category == "design"
    assert _another({q.id: q}, q, None) is q  # nothing else to ask
