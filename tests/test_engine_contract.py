"""The contract with faster-whisper (voicecoach.asr.engine), checked by behaviour.

voicecoach reaches past faster-whisper's public API only in engine.HookedWhisperModel. The tests
marked ``model`` run faster-whisper for real (tiny.en) and check what each hook receives and returns;
the others use faster-whisper's real tokenizer, feature extractor and prompt builder with a stand-in
decoder, to see every path of voicecoach's own logic. An upgrade that changes what a hook relies on
fails here; one that only changes faster-whisper's source text does not.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
from types import SimpleNamespace

import numpy as np
import pytest

from voicecoach import models
from voicecoach.asr import engine
from voicecoach.asr.probe import PRIMING_TEXT, hesitation_ids
from voicecoach.asr.types import VERBATIM_PROMPT, Tuning
from voicecoach.audio import SAMPLE_RATE, load

fw = pytest.importorskip("faster_whisper")
from ctranslate2.models import Whisper as CT2Whisper  # noqa: E402  (the class itself: the fast tier's guard replaces the name)
from faster_whisper import WhisperModel, feature_extractor, tokenizer, transcribe  # noqa: E402


@pytest.fixture(scope="module")
def hf_tokenizer():
    import tokenizers

    folder = models.registry_folder(models.registry()["tiny.en"])
    return tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))


def test_the_verbatim_prompt_reaches_every_window(hf_tokenizer):
    """hotwords go into the prompt of a window with no previous text (condition_on_previous_text
    off), which is every window of the default."""
    tok = tokenizer.Tokenizer(hf_tokenizer, False, task="transcribe", language="en")
    bare = object.__new__(WhisperModel)
    bare.max_length = 448
    prompt = bare.get_prompt(tok, [], without_timestamps=False, hotwords=VERBATIM_PROMPT)
    words = tok.encode(" " + VERBATIM_PROMPT)
    assert prompt[0] == tok.sot_prev and prompt[1 : 1 + len(words)] == words
    assert prompt[1 + len(words) :] == list(tok.sot_sequence)


def test_probe_text_from_the_real_tokenizer(hf_tokenizer):
    model = SimpleNamespace(hf_tokenizer=hf_tokenizer, model=SimpleNamespace(is_multilingual=False))
    text = engine.probe_text(model, PRIMING_TEXT, "en")
    tok = tokenizer.Tokenizer(hf_tokenizer, False, task="transcribe", language="en")
    assert text.head[0] == tok.sot_prev and text.head[-1] == tok.no_timestamps
    assert text.decode(list(text.head[1 : -1 - len(tok.sot_sequence)])) == PRIMING_TEXT
    assert all(t < text.eot for t in tok.encode(" um, uh"))
    ids = hesitation_ids(text)
    assert len(ids) >= 8 and text.decode([ids[0]]) == " um"


def test_window_job_reads_the_window_from_its_segments():
    model = SimpleNamespace(feature_extractor=feature_extractor.FeatureExtractor())
    fields = {f.name for f in dataclasses.fields(transcribe.Segment)}
    assert {"seek", "tokens", "words", "start", "end", "text"} <= fields
    word = transcribe.Word(start=31.0, end=31.4, word=" um", probability=0.9)
    seg = transcribe.Segment(
        id=1,
        seek=3000,
        start=31.0,
        end=33.0,
        text=" um yes",
        tokens=[1, 2],
        avg_logprob=0.0,
        compression_ratio=1.0,
        no_speech_prob=0.0,
        words=[word],
        temperature=0.0,
    )
    enc, tokens, words, span, offset = engine.window_job(model, [seg], "ENC", 300.0)
    assert (enc, tokens, words, span, offset) == ("ENC", [1, 2], [word], (30.0, 60.0), 300.0)
    assert model.feature_extractor.nb_max_frames == 3000


def test_a_short_later_window_is_left_not_encoded():
    """With a Call's ``leave_frames``, HookedWhisperModel.encode raises Remainder for a window after
    the first one holding no more than that many frames, and encodes any other window (here: the
    cached encoding); the first window is encoded whatever it holds."""
    model = object.__new__(engine.HookedWhisperModel)
    model.feature_extractor = feature_extractor.FeatureExtractor()

    def window(real_frames: int) -> np.ndarray:
        w = np.zeros((80, 3000), dtype=np.float32)
        w[:, :real_frames] = -0.5  # (log-mel values of quiet audio: never exactly 0)
        return w

    def encode(real_frames: int) -> str:
        model._last = (window(real_frames), "ENCODED")
        return model.encode(window(real_frames))

    model.call = engine.Call(leave_frames=200)
    assert encode(150) == "ENCODED"  # the first window of a 1.5-s piece
    with pytest.raises(engine.Remainder) as left:
        encode(150)  # 1.5 s after the last word of the piece
    assert left.value.frames == 150
    assert encode(250) == "ENCODED"  # more than may be carried
    model.call = engine.Call(leave_frames=3000)
    assert encode(3000) == "ENCODED"  # the first window of a 33-s piece
    with pytest.raises(engine.Remainder):
        encode(2999)  # any later window, when every remainder may be carried
    model.call = engine.Call()
    assert encode(3000) == encode(150) == "ENCODED"  # no carrying asked for


def test_speech_spans_and_storage():
    rng = np.random.default_rng(0)
    assert engine.speech_spans(np.zeros(16000, dtype=np.float32), 250) == []
    st = transcribe.get_ctranslate2_storage(rng.standard_normal((1, 80, 3000)).astype(np.float32))
    assert list(st.shape) == [1, 80, 3000]
    assert "return_logits_vocab" in CT2Whisper.generate.__doc__  # the probe asks for every token's logits


@pytest.mark.model
def test_two_transcribers_share_weights_not_hooks(caplog):
    """Two transcribers in one process (a batch worker and a rescore, say) each get their own
    model object with hooks of its own; the weights and the decoder load once."""
    from voicecoach.asr.transcriber import WhisperTranscriber
    from voicecoach.asr.types import TranscriptionOptions

    caplog.set_level(logging.WARNING, "voicecoach")
    a = WhisperTranscriber(TranscriptionOptions(model="tiny.en", cpu_threads=1))
    b = WhisperTranscriber(TranscriptionOptions(model="tiny.en", cpu_threads=1))
    ma, mb = a.model, b.model
    assert ma is not mb and engine.decoder(ma) is engine.decoder(mb)
    quick = engine.draft_model(ma, 20.0)
    assert quick.hooks.context_frames == 2000 and ma.hooks.context_frames is None and mb.hooks == ma.hooks
    assert not caplog.records


def test_an_open_last_segment_is_read_on_from_its_timestamp(hf_tokenizer, monkeypatch):
    """In the window that ends a recording (``Call.finish_open``, audio shorter than the window), a
    decoding that ends with two timestamps (the last segment's end, the next one's start) is taken
    on from the second on the same encoding: this window's tokens go before the start of transcript
    as previous text, the opening timestamp is the prefix, and what comes back after it is added.
    A loop in it is cut before its first repetition and the segment closed at the audio's end; a
    closed ending, a full window or a piece that is not the last is left as Whisper wrote it.
    The decoder here is a stand-in: the real one is tests/test_transcription.py's."""
    tok = tokenizer.Tokenizer(hf_tokenizer, False, task="transcribe", language="en")
    ts = tok.timestamp_begin
    bare = object.__new__(WhisperModel)
    bare.max_length = 448
    prompt = bare.get_prompt(tok, [], without_timestamps=False)
    options = transcribe.TranscriptionOptions(
        beam_size=5,
        best_of=5,
        patience=1,
        length_penalty=1,
        repetition_penalty=1,
        no_repeat_ngram_size=0,
        log_prob_threshold=-1.0,
        no_speech_threshold=0.6,
        compression_ratio_threshold=2.4,
        condition_on_previous_text=True,
        prompt_reset_on_temperature=0.5,
        temperatures=[0.0, 0.2],
        initial_prompt=None,
        prefix=None,
        suppress_blank=True,
        suppress_tokens=[-1],
        without_timestamps=False,
        max_initial_timestamp=1.0,
        word_timestamps=True,
        prepend_punctuations="",
        append_punctuations="",
        multilingual=False,
        max_new_tokens=None,
        clip_timestamps="0",
        hallucination_silence_threshold=None,
        hotwords=None,
    )
    first = [ts] + tok.encode(" Hello there.") + [ts + 100, ts + 100]  # open at 2.00 s
    written = {"tokens": first}

    def whisper(self, encoder_output, prompt_, tokenizer_, opts):
        return (SimpleNamespace(no_speech_prob=0.01, sequences_ids=[list(written["tokens"])]), -0.2, 0.0, 1.2)

    asked, more = [], {"tokens": tok.encode(" And more.") + [ts + 200]}

    class Decoder:
        def generate(self, encoder_output, prompts, **kw):
            asked.append((prompts[0], kw))
            return [SimpleNamespace(sequences_ids=[[prompts[0][-1]] + more["tokens"]], no_speech_prob=0.02)]

    monkeypatch.setattr(WhisperModel, "generate_with_fallback", whisper)
    model = object.__new__(engine.HookedWhisperModel)
    model.model, model.max_length, model.time_precision = Decoder(), 448, 0.02
    model.feature_extractor = SimpleNamespace(chunk_length=30)
    model.call = engine.Call(window_s=5.0, finish_open=True)

    got = model.generate_with_fallback("ENC", prompt, tok, options)
    assert got[0].sequences_ids[0] == first + tok.encode(" And more.") + [ts + 200]
    assert got[1:] == (-0.2, 0.0, 1.2) and got[0].no_speech_prob == 0.01
    start, kw = asked[0]
    assert start == [tok.sot_prev] + first[:-1] + list(tok.sot_sequence) + [ts + 100]
    assert kw["suppress_blank"] and kw["beam_size"] == 5
    assert kw["max_length"] - len(start) == int(engine.MAX_TOKENS_PER_S * 3.0) + engine.EXTRA_TOKENS

    asked.clear()  # a loop: the words before it, then the segment closed at the audio's end (5.00 s)
    more["tokens"] = tok.encode(" You just," + " er," * 9)
    got = model.generate_with_fallback("ENC", prompt, tok, options)
    assert got[0].sequences_ids[0] == first + tok.encode(" You just,") + [ts + 250]

    asked.clear()  # a long previous text gives way first; the window prompt stays whole
    more["tokens"] = tok.encode(" And more.") + [ts + 200]
    hot = tok.encode(" " + VERBATIM_PROMPT.strip())
    long_prompt = bare.get_prompt(tok, tok.encode(" word" * 300), without_timestamps=False, hotwords=VERBATIM_PROMPT)
    model.generate_with_fallback("ENC", long_prompt, tok, dataclasses.replace(options, hotwords=VERBATIM_PROMPT))
    start, kw = asked[0]
    assert start[: 1 + len(hot)] == [tok.sot_prev] + hot and kw["max_length"] <= 448
    assert start[-len(tok.sot_sequence) - len(first) :] == first[:-1] + list(tok.sot_sequence) + [ts + 100]

    for change in ({"finish_open": False}, {"window_s": 30.0}):
        asked.clear()
        m = copy.copy(model)
        m.call = dataclasses.replace(model.call, **change)
        assert m.generate_with_fallback("ENC", prompt, tok, options)[0].sequences_ids[0] == first and not asked
    model.hooks = engine.Hooks(tuning=Tuning(read_on=0))
    assert model.generate_with_fallback("ENC", prompt, tok, options)[0].sequences_ids[0] == first and not asked
    model.hooks = engine.Hooks()
    written["tokens"] = first[:-1]  # closed: "no speech after the last timestamp"
    assert model.generate_with_fallback("ENC", prompt, tok, options)[0].sequences_ids[0] == first[:-1] and not asked


@pytest.fixture(scope="module")
def tiny():
    """tiny.en's model object, on one thread (its own encoder model then: none)."""
    from voicecoach.asr.transcriber import WhisperTranscriber
    from voicecoach.asr.types import TranscriptionOptions

    return WhisperTranscriber(TranscriptionOptions(model="tiny.en", cpu_threads=1)).model


def two_windows(data) -> np.ndarray:
    """35 s of real speech (JFK, then 24 s of the lecture): two 30-s windows."""
    return np.concatenate([load(data / "whisper_jfk.flac").samples, load(data / "physicsworks_42-66s.flac").samples])


def spy(monkeypatch, events: list) -> None:
    """Record what faster-whisper's own encode and generate_with_fallback receive and return."""
    real_encode, real_generate = WhisperModel.encode, WhisperModel.generate_with_fallback

    def encode(self, features):
        out = real_encode(self, features)
        events.append(("encode", features.shape, out))
        return out

    def generate(self, encoder_output, prompt, tokenizer_, options):
        out = real_generate(self, encoder_output, prompt, tokenizer_, options)
        events.append(("generate", (list(prompt), tokenizer_, options), out))
        return out

    monkeypatch.setattr(WhisperModel, "encode", encode)
    monkeypatch.setattr(WhisperModel, "generate_with_fallback", generate)


@pytest.mark.model
def test_a_real_run_encodes_decodes_and_yields_window_by_window(tiny, data, monkeypatch):
    """What the hooks rely on, on a real tiny.en run of two windows with the verbatim prompt:
    - faster-whisper encodes a window, decodes it, yields its segments, then encodes the next (the
      probe's queue takes the segments between two encodings as one window);
    - ``encode`` gets the window's spectrogram, (n_mels, 3000) or a batch of one, and its output is
      what the call's ``on_encoded`` receives;
    - ``generate_with_fallback`` gets the prompt as ``get_prompt`` lays it out (``sot_prev``, the
      window prompt, ``sot_sequence``: the retry without the prompt and the read-on cut it there),
      and returns (result with ``sequences_ids`` and ``no_speech_prob``, avg_logprob, temperature,
      compression ratio);
    - each segment has its window's ``seek`` (in frames) and its ``tokens`` (the probe's input), and
      words with times and probabilities;
    - the call's ``window_s`` is the audio in the window, the rest padding (the carry and the token
      cap depend on it)."""
    events, heard = [], []
    spy(monkeypatch, events)
    samples = two_windows(data)
    call = engine.Call(on_encoded=heard.append)
    segments = []
    for seg in tiny.run(
        samples,
        call,
        language="en",
        beam_size=5,
        word_timestamps=True,
        hotwords=VERBATIM_PROMPT,
        condition_on_previous_text=False,
    ):
        events.append(("segment", seg, call.window_s))
        segments.append(seg)
    kinds = "".join(e[0][0] for e in events)  # e(ncode), g(enerate), s(egment)
    windows = kinds.split("e")
    assert windows[0] == "" and len(windows) >= 3, kinds
    assert all(re.fullmatch("g+s*", w) for w in windows[1:]), kinds  # (the last window may write nothing)
    encoded = [e for e in events if e[0] == "encode"]
    assert [e[2] for e in encoded] == heard  # on_encoded gets each encoding, in order
    for _, shape, out in encoded:
        assert shape[-2:] == (tiny.model.n_mels, 3000) and (len(shape) == 2 or shape[0] == 1)
        assert list(out.shape)[:2] == [1, engine.ENCODED_WINDOW_FRAMES]
    tok = next(e[1][1] for e in events if e[0] == "generate")
    words = tok.encode(" " + VERBATIM_PROMPT)
    for kind, (prompt, _, options), out in (e for e in events if e[0] == "generate"):
        assert prompt[0] == tok.sot_prev and prompt[1 : 1 + len(words)] == words
        assert prompt[1 + len(words) : 1 + len(words) + len(tok.sot_sequence)] == list(tok.sot_sequence)
        assert prompt.index(tok.sot) == 1 + len(words)
        result, avg_logprob, temperature, ratio = out
        assert isinstance(result.sequences_ids[0], list) and 0 <= result.no_speech_prob <= 1
        assert temperature in options.temperatures and isinstance(avg_logprob, float) and ratio > 0
        assert all(isinstance(t, int) for t in result.sequences_ids[0])
    fe = tiny.feature_extractor
    seeks = sorted({s.seek for s in segments})
    assert len(seeks) >= 2 and seeks[0] == 0
    for seg in segments:
        assert seg.tokens and all(t < tok.eot for t in seg.tokens if t < tok.timestamp_begin)
        assert seg.seek * fe.time_per_frame <= seg.start + 0.02 and seg.words
        assert all(0 <= w.probability <= 1 and w.start <= w.end for w in seg.words)
    last = [e for e in events if e[0] == "segment"][-1]
    assert last[2] == pytest.approx(len(samples) / SAMPLE_RATE - last[1].seek * fe.time_per_frame, abs=0.02)
    text = " ".join(s.text for s in segments).lower()
    assert "ask not what your country" in text and "demolish a building" in text


@pytest.mark.model
def test_a_short_later_window_stops_the_run_after_the_window_before(tiny, data, monkeypatch):
    """Remainder raised from ``encode`` comes out of faster-whisper's generator after the first
    window's segments were yielded, and says how many frames were left (the carry's input)."""
    samples = two_windows(data)
    call = engine.Call(leave_frames=3000)
    got = []
    with pytest.raises(engine.Remainder) as left:
        for seg in tiny.run(samples, call, language="en", beam_size=5, word_timestamps=True):
            got.append(seg)
    assert got and {s.seek for s in got} == {0} and call.windows == 2
    seek = round(got[-1].end / tiny.feature_extractor.time_per_frame)  # (where the next window starts)
    assert abs(left.value.frames - (len(samples) // tiny.feature_extractor.hop_length - seek)) <= 2


@pytest.mark.model
def test_a_window_that_loops_is_cut_at_its_token_cap(tiny, monkeypatch):
    """The cap reaches faster-whisper's decoding as ``options.max_new_tokens``: a window of noise that
    tiny.en would decode at length stops there."""
    events = []
    spy(monkeypatch, events)
    noise = (np.random.default_rng(3).standard_normal(3 * SAMPLE_RATE) * 0.05).astype(np.float32)
    list(tiny.run(noise, engine.Call(), language="en", beam_size=5, word_timestamps=True, temperature=0.0))
    calls = [(options, out) for _, (_, _, options), out in (e for e in events if e[0] == "generate")]
    # The first window holds the whole 3 s; a window after it (where the first one's words end,
    # which depends on the numeric path) holds less and gets a smaller cap.
    cap = int(engine.MAX_TOKENS_PER_S * 3.0) + engine.EXTRA_TOKENS
    assert calls and calls[0][0].max_new_tokens == cap
    for options, out in calls:
        assert options.max_new_tokens <= cap and len(out[0].sequences_ids[0]) <= options.max_new_tokens
