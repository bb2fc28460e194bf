"""The evaluation harness: reference layouts, filler matching, precision/recall arithmetic."""

from pathlib import Path

import pytest

from voicecoach.evaluation import Counts, Reference, Utterance, find_references, match_fillers, parse_textgrid, reference_wpm

TEXTGRID = '''File type = "ooTextFile"
Object class = "TextGrid"
xmin = 0
xmax = 10
tiers? <exists>
size = 1
item []:
    item [1]:
        class = "IntervalTier"
        name = "spk"
        xmin = 0
        xmax = 10
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 1
            text = ""
        intervals [2]:
            xmin = 1
            xmax = 4
            text = "um this is yknow a test"
        intervals [3]:
            xmin = 5
            xmax = 8
            text = "and uh that
is all"
'''


def test_layouts(tmp_path, data):
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "a.lab").write_text("hello um world")
    (tmp_path / "b.flac").write_bytes(b"x")
    (tmp_path / "b.txt").write_text("clean text")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.flac").write_bytes(b"x")
    (tmp_path / "sub" / "reference_transcripts.tsv").write_text("c\tuh you know\nmissing\tno audio\n")
    (tmp_path / "d.flac").write_bytes(b"x")
    (tmp_path / "d.TextGrid").write_text(TEXTGRID)
    refs = {r.audio.name: r for r in find_references(tmp_path)}
    assert set(refs) == {"a.wav", "b.flac", "c.flac", "d.flac"}
    assert refs["d.flac"].timed and not refs["a.wav"].timed
    assert [u.text for u in refs["d.flac"].utterances] == ["um this is yknow a test", "and uh that is all"]
    assert len(find_references(data)) >= 10  # the test data's own layouts


def test_textgrid_and_reference_pace():
    utts = parse_textgrid(TEXTGRID)
    assert [(u.start_s, u.end_s) for u in utts] == [(1.0, 4.0), (5.0, 8.0)]
    ref = Reference(Path("d.flac"), tuple(utts))
    assert reference_wpm(ref) == pytest.approx(12 * 60 / 7)  # "yknow" is two words


def test_timed_matching_uses_the_utterance():
    ref = Reference(Path("d.flac"), tuple(parse_textgrid(TEXTGRID)))
    heard = [("hesitation", 1.2), ("hesitation", 4.8), ("hesitation", 9.5), ("discourse", 2.0)]
    c = match_fillers(ref, heard)
    assert (c["hesitation"].tp, c["hesitation"].fp, c["hesitation"].fn) == (2, 1, 0)
    assert (c["discourse"].tp, c["discourse"].fp, c["discourse"].fn) == (1, 0, 0)


def test_untimed_matching_counts():
    ref = Reference(Path("a.wav"), (Utterance(None, None, "um so like, um, it works, you know"),))
    c = match_fillers(ref, [("hesitation", 0.0)])
    assert (c["hesitation"].tp, c["hesitation"].fn) == (1, 1)


def test_precision_recall_f1():
    c = Counts(tp=9, fp=1, fn=3)
    assert c.precision == 0.9 and c.recall == 0.75 and c.f1 == pytest.approx(2 * 0.9 * 0.75 / 1.65)
    assert Counts().precision == 1.0 and Counts().recall == 1.0
