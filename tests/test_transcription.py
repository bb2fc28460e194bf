"""The real Whisper model on real speech (tests/data, see PROVENANCE.md) and on espeak-ng speech."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from evaluation import edit_distance
from helpers import OTHER_PATH, OTHER_PATH_DEFECT, count_encodings, espeak, speech_span_s, write_audio

from voicecoach.analysis.fillers import HESITATIONS
from voicecoach.analysis.tokens import normalise_text
from voicecoach.pipeline import score_options

pytestmark = pytest.mark.model

# The engine's mechanics (threads, the probe, sampling) as voicecoach 0.2 ran them by default: a plain
# transcript with the hesitation probe (--fillers written+heard).
PROBED = score_options("written+heard").transcription


def wer(ref: list[str], hyp: list[str]) -> float:
    return edit_distance(ref, hyp) / max(len(ref), 1)


@pytest.mark.parametrize("name", ["whisper_jfk", "librispeech_61-70968-0000", "mfa_english_slow", "mfa_english_fast"])
def test_clean_speech_matches_reference(scorer, tell_me, data, name):
    path = next(p for p in data.glob(name + ".*") if p.suffix in (".flac", ".wav"))
    report = scorer.score(path, tell_me)
    ref = normalise_text((data / f"{name}.txt").read_text())
    hyp = [w for w in normalise_text(report.transcript.text) if w not in HESITATIONS]
    assert wer(ref, hyp) <= 0.05, (ref, hyp)
    # clean read speech: no filler may be invented
    fillers = report.fillers.fillers
    if name == "mfa_english_fast":
        # Except one: after "but" the fast reader holds a voiced sound for 0.5 s (2.66-3.15 s, steady
        # 100 -> 95 Hz, a vowel then a 10-dB quieter murmur) that the slow reading does not have and
        # the script-text reference leaves out; Whisper writes "but, um, there's" (docs/evaluation.md).
        fillers = [f for f in fillers if not (f.kind == "hesitation" and 2.5 <= f.start_s <= 3.2)]
    assert not fillers, report.fillers.fillers
    words = report.transcript.words
    assert all(a.start_s <= a.end_s <= b.start_s + 1e-6 for a, b in zip(words, words[1:]))


def _mfa_refs(data: Path) -> dict[Path, str]:
    refs = {
        data / "mfa" / f"{k}.flac": v
        for k, v in (line.rstrip("\n").split("\t") for line in (data / "mfa" / "reference_transcripts.tsv").open())
    }
    for name in ("mfa_acoustic_corpus", "mfa_cold_corpus"):
        refs[data / f"{name}.flac"] = (data / f"{name}.lab").read_text()
    return refs


# Measured with the default, --fillers verbatim (docs/fillers.md):
# Whisper base under the verbatim prompt wrote 18 of the 24 reference hesitations (mfa_uhuh 2 of 6,
# mfa_uhum 4 of 6: runs are written shorter) and all 8 of the two monologue halves. voicecoach 0.2's
# way (a plain transcript plus the probe) found 15 of 24 on the same machine, 7 of the 8.
# The floors sit one under the measurement: they catch a regression, not noise.
MIN_HESITATIONS_FOUND = 17
MIN_WRITTEN_ON_MONOLOGUE = 7


def test_hesitation_counts_against_verbatim_references(data, capsys, golden_set):
    # (the golden set holds every one of these recordings, scored once for the session)
    _, reports = golden_set
    refs = _mfa_refs(data)
    paths = list(refs)
    counts = []
    for path in paths:
        f = reports[str(path.relative_to(data))].fillers
        counts.append((f.hesitation_count, sum(x.source == "transcript" and x.kind == "hesitation" for x in f.fillers)))
    rows, found, expected, written_monologue = [], 0, 0, 0
    for path, (got, written) in zip(paths, counts):
        want = sum(w in HESITATIONS for w in normalise_text(refs[path]))
        if want == 0:
            assert got == 0, f"{path.name}: {got} hesitations found where the reference has none"
        rows.append(f"{path.name:28s} reference {want}  found {got} ({written} written)")
        found += min(got, want)
        expected += want
        if "corpus" in path.name:
            written_monologue += min(written, want)
    with capsys.disabled():
        print("\n" + "\n".join(rows) + f"\nhesitations found {found}/{expected} = {found / expected:.2f}")
    assert found >= MIN_HESITATIONS_FOUND
    assert written_monologue >= MIN_WRITTEN_ON_MONOLOGUE


@pytest.mark.parametrize("wpm", [120, 160, 200])
def test_espeak_pace_within_ten_percent(scorer, tell_me, tmp_path, wpm):
    text = (
        "I studied computer science at a large public university and then joined a small company "
        "that builds forecasting tools for farms. I trained models that predict crop yields from "
        "weather and soil data, and I learned how much clean data matters. Later I moved into a "
        "team that ships recommendation models to millions of people every day."
    )
    path = espeak(text, tmp_path / "answer.wav", wpm=wpm)
    reference_wpm = len(text.split()) * 60 / speech_span_s(path)
    report = scorer.score(path, tell_me)
    assert report.pace.wpm == pytest.approx(reference_wpm, rel=0.10), (report.pace.wpm, reference_wpm)


# On an AMD EPYC host with AVX2 only, two starts failed until 0.5.6 (docs/evaluation.md, Where the
# answer starts): at 2.0 s of quiet base ended its window at the timestamp opening "do for your
# country" and the window after it came back "Great."; at 4.0 s that window added an "And". Since
# the last window reads on from that timestamp on its own encoding (Tuning.read_on), both
# pass there.
LEADS_S = [float(x) for x in np.arange(0.0, 4.01, 0.25)]


@pytest.mark.parametrize("lead_s", LEADS_S)
def test_the_last_words_are_kept_wherever_the_answer_starts(scorer, data, lead_s):
    """JFK after 0-4 s of quiet (a recording started before the speaker): Whisper base can end its
    first window after "ask what you can" and then drop the short window left with the last words
    (faster-whisper's hallucination check, silence after them): 3 or 4 of these 17 starts once ended
    at "can". Now the last window reads on (Tuning.read_on) and the carry keeps each window where
    Whisper's words ended, and every start keeps them. The one word allowed is the "and" the model may write in JFK's
    pause
    (helpers.JFK_MODEL_CHOICE)."""
    from helpers import JFK_MODEL_CHOICE

    from voicecoach.audio import load
    from voicecoach.audio.load import Audio

    clip = load(data / "whisper_jfk.flac").samples
    ref = (data / "whisper_jfk.txt").read_text()
    rng = np.random.default_rng(0)
    for lead in LEADS_S:  # (the noise of each start as when they ran one after another)
        quiet = (rng.standard_normal(int(lead * 16000)) * 1e-4).astype(np.float32)
        after = (rng.standard_normal(32000) * 1e-4).astype(np.float32)
        if lead == lead_s:
            break
    text = scorer.transcriber.transcribe(Audio(samples=np.concatenate([quiet, clip, after]))).text
    hyp = normalise_text(text)
    assert hyp[-4:] == ["do", "for", "your", "country"], (lead_s, text)
    assert edit_distance(normalise_text(ref), hyp) <= JFK_MODEL_CHOICE, (lead_s, text)


def test_silence_and_noise_are_reported_not_scored(scorer, tell_me, tmp_path):
    rng = np.random.default_rng(0)
    for name, samples in [
        ("silence.wav", np.zeros(30 * 16000, np.float32)),
        ("noise.flac", (0.3 * rng.standard_normal(20 * 16000)).astype(np.float32).clip(-1, 1)),
    ]:
        report = scorer.score(write_audio(tmp_path / name, samples), tell_me)
        assert report.score is None and "No speech was detected" in report.notices[0].text, name


def test_non_english_speech_is_reported(scorer, tell_me, tmp_path):
    path = espeak(
        "Guten Tag. Ich heiße Anna und arbeite seit fünf Jahren als Softwareentwicklerin in Berlin. "
        "Ich interessiere mich besonders für maschinelles Lernen und Datenanalyse.",
        tmp_path / "de.wav",
        voice="de",
    )
    report = scorer.score(path, tell_me)
    assert report.score is None and "German" in report.notices[0].text and report.notices[0].code == "not-english"


def test_speech_that_ranks_another_language_first_is_not_scored(scorer, tell_me, tmp_path):
    """Four seconds of Russian that language detection is unsure of (no language reaches 50%: on
    base German ranks first at 0.22) and finds English hardly at all (0.03). Before, voicecoach
    transcribed such speech as English and scored it (espeak-ng's German at 175 wpm: "Rotentark, if
    I survive, and if I die tonight...", 35/100) without a word of doubt."""
    path = espeak(
        "Меня зовут Анна, я десять лет работаю инженером в Мюнхене.", tmp_path / "ru.wav", wpm=150, voice="ru"
    )
    report = scorer.score(path, tell_me)
    tr = report.transcript
    assert tr.language_probability < 0.5 and tr.detected_language != "en", (
        tr.detected_language,
        tr.language_probability,
    )
    assert tr.english_probability is not None and tr.english_probability < tr.language_probability
    assert report.score is None and not tr.segments
    assert "does not sound like English" in report.notices[0].text and report.notices[0].code == "not-english"


def test_tiny_en_model_also_scores(tell_me, data):
    from voicecoach.asr.types import TranscriptionOptions
    from voicecoach.pipeline import ScoreOptions, Scorer

    report = Scorer(ScoreOptions(transcription=TranscriptionOptions(model="tiny.en"))).score(
        data / "whisper_jfk.flac", tell_me
    )
    assert report.model == "tiny.en"
    assert wer(normalise_text((data / "whisper_jfk.txt").read_text()), normalise_text(report.transcript.text)) <= 0.1


def test_thread_plan_changes_speed_not_results(data):
    """Everything on one thread (the probe reading both windows in one batched call), and the default
    plan for two cores (the encoder on both, the probe beside the decoder, window by window), give
    the same words and cues; and a first window is encoded once,
    not once for the language check and again for the transcription."""
    from voicecoach.asr import engine
    from voicecoach.asr.transcriber import ThreadPlan, WhisperTranscriber
    from voicecoach.audio.load import Audio, load

    assert ThreadPlan.for_threads(1) == ThreadPlan(decode=1, encode=1, probe=1, probe_windows=8, probe_own_model=False)
    assert ThreadPlan.for_threads(2) == ThreadPlan(decode=1, encode=2, probe=1, probe_windows=1)
    assert ThreadPlan.for_threads(8) == ThreadPlan(decode=4, encode=8, probe=4, probe_windows=1)
    # 52 s: two 30-s pieces, two or three windows
    windows = []
    audio = Audio(samples=np.concatenate([load(data / f"mfa_{n}_corpus.flac").samples for n in ("cold", "acoustic")]))
    results = []
    for threads in (1, 2):
        t = WhisperTranscriber(replace(PROBED, cpu_threads=threads))
        model = t.model
        assert (model.hooks.encoder is None) == (threads == 1)
        asked, encoded, left = [], [], []  # windows asked for, encoded, left as a remainder
        outer, hooks = model.encode, model.hooks
        inner = hooks.encoder

        def counting_encode(features):
            asked.append(features.copy())
            try:
                return outer(features)
            except engine.Remainder:  # a piece's remainder, carried into the next piece: not encoded
                left.append(1)
                raise

        class CountingEncoder:
            def encode(self, *a, **k):
                encoded.append(1)
                return inner.encode(*a, **k)

        model.encode = counting_encode
        if inner is not None:
            model.hooks = replace(hooks, encoder=CountingEncoder())
        probe_calls = []
        real_probe = t.probe

        def counting_probe(windows):
            probe_calls.append(len(windows))
            return real_probe(windows)

        t.probe = counting_probe
        try:
            results.append(t.transcribe(audio))
        finally:
            del model.encode
            model.hooks = hooks
        if threads == 2:
            # the first window is asked for twice in a row (the language check, the transcription)
            # and encoded once; so is any window asked for again right after itself
            again = sum(1 for a, b in zip(asked, asked[1:]) if a.shape == b.shape and np.array_equal(a, b))
            assert len(asked) >= 3 and again >= 1
            assert len(encoded) == len(asked) - again - len(left), (len(asked), again, len(left), len(encoded))
        # windows probed: one by one beside the decoder, or all in one call on one thread
        windows.append(sum(probe_calls))
        assert probe_calls == ([windows[-1]] if threads == 1 else [1] * windows[-1]), probe_calls
    one, two = results
    assert windows[0] == windows[1] >= 2
    assert [(w.text, w.start_s, w.end_s) for w in one.words] == [(w.text, w.start_s, w.end_s) for w in two.words]
    assert len(one.cues) >= 2, "the probe found no cue in two windows of hesitant speech"
    assert [(c.start_s, c.end_s) for c in one.cues] == [(c.start_s, c.end_s) for c in two.cues]
    assert [c.probability for c in one.cues] == pytest.approx([c.probability for c in two.cues], rel=1e-2)


def test_a_short_clip_is_encoded_once(data, monkeypatch):
    """faster-whisper's language check reads one spectrogram frame more than its transcription of a
    clip under 30 s, so the two first windows differed and the 11-s JFK clip was encoded twice
    (0.4 s of 1.2 s); the language check now reads the transcription's frames, and the language
    found is still English. (The default plan on two cores encodes on an encoder model of its own,
    with both threads; the decoder has one.)"""
    from voicecoach.asr.transcriber import WhisperTranscriber
    from voicecoach.asr.types import TranscriptionOptions
    from voicecoach.audio.load import load

    t = WhisperTranscriber(TranscriptionOptions(cpu_threads=2))
    model = t.model
    assert model.hooks.encoder is not None and t.plan.encode == 2 and t.plan.decode == 1
    encoded = count_encodings(monkeypatch, model)
    tr = t.transcribe(load(data / "whisper_jfk.flac"))
    assert encoded == [1]
    assert (
        tr.detected_language == "en"
        and tr.language_probability > 0.9
        and tr.english_probability == tr.language_probability
    )
    assert "ask not what your country can do for you" in tr.text.lower()


def test_a_file_is_heard_the_same_whatever_was_scored_before(data):
    """Whisper samples when a window decodes badly (mfa_uhuh does), and CTranslate2's decoder threads
    keep one random sequence. Without new decoder threads after a file that sampled, mfa_um read
    "Montreal forced a liner." after mfa_uhuh and "Montreal, forced, ummmmmmmmmmm a liner." alone
    (measured when this test was written), so a batch and `voicecoach score` disagreed."""
    from voicecoach.asr import engine
    from voicecoach.asr.transcriber import WhisperTranscriber
    from voicecoach.audio.load import load

    t, other = WhisperTranscriber(PROBED), WhisperTranscriber(PROBED)  # two in one process share a decoder
    um, uhuh = load(data / "mfa" / "mfa_um.flac"), load(data / "mfa" / "mfa_uhuh.flac")
    other.model
    alone = t.transcribe(um)
    t.transcribe(uhuh)
    assert engine.has_sampled(t.model)  # the case this test is about
    heard_by_other = other.transcribe(um)
    assert [(w.text, w.start_s) for w in heard_by_other.words] == [(w.text, w.start_s) for w in alone.words]
    after = t.transcribe(um)
    assert [(w.text, w.start_s, w.end_s) for w in after.words] == [(w.text, w.start_s, w.end_s) for w in alone.words]
    assert after.cues == alone.cues


def test_the_thread_count_does_not_change_what_is_heard(data):
    """A batch worker decodes on one thread, `voicecoach score` on half the cores, and the batch's
    settings key leaves the thread count out (voicecoach.batch.jobs.settings_key), so a file must
    read the same whatever the thread count, even where Whisper samples (mfa_um does: the random
    sequence belongs to the decoding thread, not to CTranslate2's worker threads). Measured on the
    27 real recordings: 2 and 4 threads gave the same words, times and cues for every one."""
    from voicecoach.asr import engine
    from voicecoach.asr.transcriber import WhisperTranscriber
    from voicecoach.audio.load import load

    um = load(data / "mfa" / "mfa_um.flac")
    heard = []
    for threads in (1, 4):  # a batch worker's plan (1/1/1) and a 4-core score's (decode 2, encode 4, probe 2)
        t = WhisperTranscriber(replace(PROBED, cpu_threads=threads))
        tr = t.transcribe(um)
        assert engine.has_sampled(t.model)  # the case this test is about
        heard.append(([(w.text, w.start_s, w.end_s) for w in tr.words], tr.cues))
    assert heard[0] == heard[1]


@pytest.mark.xfail(OTHER_PATH, reason=OTHER_PATH_DEFECT, strict=True)
def test_a_pause_whisper_stretches_a_word_over_is_still_a_long_pause(scorer, tell_me, data, tmp_path):
    """5 s of the speaker's own room tone inserted at 0:12 of a real monologue: a stall any listener
    hears. Whisper (verbatim and plain alike) stretches the word before it ("low", 11.5-17.5 s) over
    it; the long word counts as a transcription gap, so no long pause is reported. Whether it happens
    depends on where the stall falls in a piece and on the numeric path: natively it was missed at
    0:12 on some hosts and found on others; in reproducible mode (the tests' mode) it is found, and
    this holds it (docs/evaluation.md, Pauses Whisper stretches a word over)."""
    from voicecoach.audio.load import load

    speech = load(data / "mfa_acoustic_corpus.flac").samples
    frames = speech[: len(speech) // 4000 * 4000].reshape(-1, 4000)
    room = frames[np.argmin((frames**2).mean(axis=1))]
    cut = 12 * 16000
    path = write_audio(tmp_path / "stall.flac", np.concatenate([speech[:cut], np.tile(room, 20), speech[cut:]]))
    report = scorer.score(path, tell_me)
    assert any(p.duration_s >= 4.0 and 11.0 <= p.start_s <= 13.5 for p in report.pauses.long_pauses), (
        report.pauses.long_pauses,
        report.pauses.gaps,
    )


def test_a_window_writes_at_most_its_share_of_tokens(scorer, data, monkeypatch):
    """A window that loops is cut at MAX_TOKENS_PER_S a second of its audio (plus EXTRA_TOKENS),
    not at Whisper's 448 tokens; speech stays well inside that (JFK's 11 s: the words all there)."""
    import faster_whisper

    from voicecoach.asr import engine
    from voicecoach.audio import load

    seen = []
    real = faster_whisper.WhisperModel.generate_with_fallback

    def spy(self, encoder_output, prompt, tokenizer, options):
        result = real(self, encoder_output, prompt, tokenizer, options)
        seen.append((self.call.window_s, options.max_new_tokens, len(result[0].sequences_ids[0])))
        return result

    monkeypatch.setattr(faster_whisper.WhisperModel, "generate_with_fallback", spy)
    transcript = scorer.transcriber.transcribe(load(data / "whisper_jfk.flac"))
    assert seen and "country" in transcript.text
    for window_s, cap, written in seen:
        assert cap == int(engine.MAX_TOKENS_PER_S * window_s) + engine.EXTRA_TOKENS and written <= cap


def test_the_last_window_finishes_its_sentence_on_its_own_encoding(scorer, data, monkeypatch):
    """The lecture from 42.4 to 66.1 s ends mid-sentence ("...you can demolish a building. You
    just|let it hit"). Whisper's one window of it ends with the timestamp that opens "a building.
    You just" and no text after it; faster-whisper would encode a second window from there.
    voicecoach reads on from that timestamp on the window's own encoding (Tuning.read_on),
    so the clip is encoded once, and the loop the reading-on falls into at the cut ("er, er, er, ...")
    is not kept (docs/results/perf-after-0-5-5-where-the-wait-after-the-stop-goes-on.md, The last window
    finishes its sentence)."""
    from voicecoach.asr.types import Tuning
    from voicecoach.audio.load import load

    t = scorer.transcriber
    model = t.model
    encoded = count_encodings(monkeypatch, model)
    audio = load(data / "physicsworks_42-66s.flac")
    model._last = None  # (nothing cached from an earlier test)
    words = [w.text for w in t.transcribe(audio).words]
    assert encoded == [1], encoded
    assert " ".join(words[-5:]).lower().strip(",.") == "demolish a building. you just", words[-8:]
    assert not any(w.lower().strip(",.") in ("er", "uh") for w in words[-8:])

    encoded.clear()
    monkeypatch.setattr(
        model, "hooks", replace(model.hooks, tuning=Tuning(read_on=0))
    )  # as Whisper does: a second window
    model._last = None
    t.transcribe(audio)
    assert len(encoded) >= 2, encoded
