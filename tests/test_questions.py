"""Question banks: the bundled bank, user banks, and errors that name file, entry and field."""

import pytest

from voicecoach import questions
from voicecoach.errors import QuestionError

GOOD = """
[[questions]]
id = "my-q"
text = "Why voicecoach?"
category = "motivation"
target_min_s = 30
target_max_s = 60
  [[questions.rubric]]
  id = "reason"
  description = "Gives a reason"
  examples = ["Because it is private"]
"""


def test_bundled_bank_has_the_seed_questions():
    qs = questions.load_all()
    tmay = qs["tell-me-about-yourself"]
    assert (tmay.target_min_s, tmay.target_max_s) == (180, 240)
    assert {i.id for i in tmay.rubric} >= {
        "academic-background",
        "work-experience",
        "projects",
        "passion",
        "long-term-goals",
    }
    for qid in [
        "what-excites-you",
        "why-this-company",
        "improve-model-performance",
        "evaluate-fairness",
        "ml-vs-traditional-software",
        "missing-corrupted-data",
        "regularization-overfitting",
        "deep-learning-advantages",
        "ml-in-daily-life",
        "cross-validation",
        "favourite-algorithm",
        "knn-vs-kmeans",
        "recommendation-system",
        "teammate-disagreement",
        "received-feedback",
        "measurable-impact",
    ]:
        assert qid in qs and qs[qid].rubric
    assert any(i.id == "quantified-result" for i in qs["measurable-impact"].rubric)


def test_user_bank_in_home_is_loaded_and_can_override(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path))
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "mine.toml").write_text(GOOD + GOOD.replace("my-q", "tell-me-about-yourself"))
    qs = questions.load_all()
    assert qs["my-q"].text == "Why voicecoach?"
    assert qs["tell-me-about-yourself"].target_max_s == 60


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda s: s.replace('text = "Why voicecoach?"\n', ""), "question 'my-q': missing field 'text'"),
        (
            lambda s: s.replace("target_min_s = 30", 'target_min_s = "thirty"'),
            "question 'my-q': field 'target_min_s' must be float",
        ),
        (
            lambda s: s.replace("target_min_s = 30", "target_min_s = 90"),
            "question 'my-q': fields 'target_min_s'/'target_max_s'",
        ),
        (
            lambda s: s.replace('category = "motivation"', 'category = "misc"'),
            "question 'my-q': field 'category' must be one of",
        ),
        (
            lambda s: s.replace('description = "Gives a reason"', ""),
            "question 'my-q', rubric item 'reason': missing field 'description'",
        ),
        (
            lambda s: s.replace('examples = ["Because it is private"]', "examples = [1]"),
            "rubric item 'reason': field 'examples' must be a list",
        ),
        (
            lambda s: s.replace('description = "Gives a reason"', 'description = "Gives a reason"\n  follow_up = 3'),
            "rubric item 'reason': field 'follow_up' must be str, not int",
        ),
        (lambda s: s.replace('id = "my-q"\n', ""), "question 1: missing field 'id'"),
        (lambda s: s + "[[[", "not valid TOML"),
    ],
)
def test_malformed_bank_names_file_entry_field(tmp_path, mutate, expected):
    bank = tmp_path / "bad.toml"
    bank.write_text(mutate(GOOD))
    with pytest.raises(QuestionError) as e:
        questions.load_bank(bank)
    assert str(e.value).startswith(str(bank)) and expected in str(e.value)


def test_every_rubric_item_of_the_bundled_bank_has_a_follow_up_question():
    items = [(q.id, r) for q in questions.load_all().values() for r in q.rubric]
    assert items
    assert all(r.follow_up.strip().endswith("?") for _, r in items), [(q, r.id) for q, r in items if not r.follow_up]
    assert len({r.follow_up for _, r in items}) == len(items)  # each asks for its own point


def test_unknown_question_suggests():
    with pytest.raises(QuestionError, match="did you mean 'tell-me-about-yourself'"):
        questions.get("tell-me-about-yoursef")
