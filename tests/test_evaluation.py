"""The evaluation harness: reference layouts, filler matching, precision/recall arithmetic."""

from pathlib import Path

import pytest
from evaluation import (
    Counts,
    Reference,
    Utterance,
    find_references,
    match_fillers,
    parse_textgrid,
    recordings_without_reference,
    reference_wpm,
    wer_words,
)

TEXTGRID = """File type = "ooTextFile"
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
"""


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


# The same two utterances as TEXTGRID, as Praat's short format writes them, with an aligner's
# phone tier and a point tier that are not words, and a silence label.
SHORT_TEXTGRID = """File type = "ooTextFile"
Object class = "TextGrid"

0
10
<exists>
3
"IntervalTier"
"words"
0
10
4
0
1
"sil"
1
4
"um this is yknow a test"
5
8
"and uh that is all"
8
10
""
"IntervalTier"
"phones"
0
10
1
1
4
"AH1"
"TextTier"
"events"
0
10
1
2.5
"cough"
"""


def test_textgrid_short_format_phone_tiers_and_silence_labels():
    utts = parse_textgrid(SHORT_TEXTGRID)
    assert [(u.start_s, u.end_s, u.text) for u in utts] == [
        (1.0, 4.0, "um this is yknow a test"),
        (5.0, 8.0, "and uh that is all"),
    ]
    assert utts == parse_textgrid(TEXTGRID)  # long and short formats read alike


def test_textgrid_tiers_are_merged_in_time_order():
    two_speakers = TEXTGRID.replace("size = 1", "size = 2", 1) + TEXTGRID.split("item []:")[1].replace(
        "item [1]", "item [2]"
    ).replace('"spk"', '"other"').replace("xmin = 1\n", "xmin = 4.5\n").replace("xmax = 4\n", "xmax = 4.8\n").replace(
        '"um this is yknow a test"', '"right"'
    )
    assert [u.text for u in parse_textgrid(two_speakers)] == [
        "um this is yknow a test",
        "right",
        "and uh that is all",
        "and uh that is all",
    ]


def test_textgrid_that_is_not_one_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not a TextGrid"):
        parse_textgrid('File type = "ooTextFile"\nObject class = "TextGrid"\n0\n')
    (tmp_path / "a.flac").write_bytes(b"x")
    (tmp_path / "a.TextGrid").write_text('Object class = "TextGrid"\n0\n')
    (tmp_path / "b.flac").write_bytes(b"x")
    (tmp_path / "b.lab").write_text("still found")
    assert [r.audio.name for r in find_references(tmp_path)] == ["b.flac"]  # the broken one is skipped


def test_reference_files_in_utf16_and_tsv_names_with_extensions(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "a.TextGrid").write_bytes(SHORT_TEXTGRID.replace("a test", "a café").encode("utf-16"))
    (tmp_path / "b.flac").write_bytes(b"x")
    (tmp_path / "c.flac").write_bytes(b"x")
    (tmp_path / "reference_transcripts.tsv").write_text("file\ttext\nb.flac\tum hello\nc\t0.0\t2.0\tuh hi\n")
    refs = {r.audio.name: r for r in find_references(tmp_path)}
    assert refs["a.wav"].utterances[0].text == "um this is yknow a café"
    assert refs["b.flac"].text == "um hello" and refs["c.flac"].text == "uh hi"  # last column is the text
    (tmp_path / "ls").mkdir()
    (tmp_path / "ls" / "61-70968-0000.flac").write_bytes(b"x")
    (tmp_path / "ls" / "61-70968.trans.txt").write_text(
        "61-70968-0000 HE BEGAN {NOISE} A COMPLAINT\n61-70968-0001 NO AUDIO\n"
    )
    refs.update({r.audio.name: r for r in find_references(tmp_path)})
    assert refs["61-70968-0000.flac"].text == "HE BEGAN {NOISE} A COMPLAINT"
    assert wer_words(refs["61-70968-0000.flac"].text) == ["he", "began", "a", "complaint"]
    (tmp_path / "no_reference.mp3").write_bytes(b"x")
    assert [p.name for p in recordings_without_reference(tmp_path, list(refs.values()))] == ["no_reference.mp3"]


def test_word_error_rate_words_keep_fillers_in_one_spelling():
    assert wer_words("Ummmmm, I mean, hm... Uhh, yknow") == ["um", "i", "mean", "hmm", "uh", "you", "know"]
    assert wer_words("Hmm, summer, errr, her") == ["hmm", "summer", "er", "her"]


def test_clean_recordings_are_named_by_glob():
    assert Reference(Path("x/whisper_jfk.flac"), ()).clean()
    assert not Reference(Path("x/mfa_um.flac"), ()).clean()
    assert Reference(Path("x/read_001.wav"), ()).clean(("read_*",))
