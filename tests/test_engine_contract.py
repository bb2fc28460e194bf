"""The contract with faster-whisper's internals (voicecoach.asr.engine), checked without running a model.

An upgrade of faster-whisper that changes any internal voicecoach touches must fail here, not show up
later as fewer hesitations counted. Two kinds of check:
- what each touched piece must do, on real objects (the tokenizer of tiny.en, the feature extractor,
  the prompt builder), so the failure says what broke;
- a fingerprint of the source of every touched function, so a change the first kind cannot see (the
  order encode -> decode -> yield in generate_segments, the tuple of generate_with_fallback) is caught.
When a fingerprint fails: read what the engine relies on (voicecoach/asr/engine.py's docstring), run
the model tests and `scripts/evaluate.py`, then update FINGERPRINTS and engine.TESTED_VERSION.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import inspect
import logging
from types import SimpleNamespace

import numpy as np
import pytest

from voicecoach.asr import engine, models
from voicecoach.asr.probe import PRIMING_TEXT, hesitation_ids
from voicecoach.asr.types import VERBATIM_PROMPT, Tuning

fw = pytest.importorskip("faster_whisper")
from ctranslate2.models import Whisper as CT2Whisper  # noqa: E402  (the class itself: the fast tier's guard replaces the name)
from faster_whisper import WhisperModel, feature_extractor, tokenizer, transcribe, utils, vad  # noqa: E402

FINGERPRINTS = {  # sha256 of inspect.getsource, first 16 hex digits, faster-whisper 1.2.1
    "WhisperModel.__init__": "2adf7bbb9675af51",
    "WhisperModel.encode": "ad054a9f61ded845",
    "WhisperModel.detect_language": "fc6cd6d19d6b3502",
    "WhisperModel.generate_with_fallback": "6af592a31747d886",
    "WhisperModel.generate_segments": "d6594a8b7ab42335",
    "WhisperModel.get_prompt": "aecf23dca143ccac",
    "WhisperModel._split_segments_by_timestamps": "f1fd49eace123225",
    "transcribe.get_compression_ratio": "e906a41c187d3e27",
    "tokenizer.Tokenizer": "a341f6bd8351c70c",
    "feature_extractor.FeatureExtractor.__init__": "7827abb1966870f8",
    "transcribe.get_ctranslate2_storage": "f556bb80af447eff",
    "transcribe.Segment": "8135814d97b5c0e4",
    "vad.get_speech_timestamps": "e255011ceea1d409",
}
TOUCHED = {
    "WhisperModel.__init__": WhisperModel.__init__,
    "WhisperModel.encode": WhisperModel.encode,
    "WhisperModel.detect_language": WhisperModel.detect_language,
    "WhisperModel.generate_with_fallback": WhisperModel.generate_with_fallback,
    "WhisperModel.generate_segments": WhisperModel.generate_segments,
    "WhisperModel.get_prompt": WhisperModel.get_prompt,
    "WhisperModel._split_segments_by_timestamps": WhisperModel._split_segments_by_timestamps,
    "transcribe.get_compression_ratio": transcribe.get_compression_ratio,
    "tokenizer.Tokenizer": tokenizer.Tokenizer,
    "feature_extractor.FeatureExtractor.__init__": feature_extractor.FeatureExtractor.__init__,
    "transcribe.get_ctranslate2_storage": transcribe.get_ctranslate2_storage,
    "transcribe.Segment": transcribe.Segment,
    "vad.get_speech_timestamps": vad.get_speech_timestamps,
}


@pytest.fixture(scope="module")
def hf_tokenizer():
    import tokenizers

    folder = models.registry_folder(models.registry()["tiny.en"])
    return tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))


@pytest.mark.parametrize("name", sorted(TOUCHED))
def test_fingerprint(name):
    got = hashlib.sha256(inspect.getsource(TOUCHED[name]).encode()).hexdigest()[:16]
    assert got == FINGERPRINTS[name], (
        f"faster-whisper's {name} changed (installed {fw.__version__}, tested {engine.TESTED_VERSION}): "
        "check what voicecoach/asr/engine.py relies on, run the model tests and scripts/evaluate.py, "
        "then update FINGERPRINTS")


def test_overridden_methods_keep_their_signatures():
    params = {n: list(inspect.signature(getattr(WhisperModel, n)).parameters)
              for n in ("encode", "detect_language", "generate_with_fallback")}
    assert params["encode"] == ["self", "features"]
    assert params["detect_language"][:3] == ["self", "audio", "features"]
    assert params["generate_with_fallback"] == ["self", "encoder_output", "prompt", "tokenizer", "options"]
    # CapturingWhisperModel reads the temperature as the third item of this tuple
    ret = inspect.signature(WhisperModel.generate_with_fallback).return_annotation
    assert "WhisperGenerationResult, float, float, float" in str(ret), ret
    for n in ("encode", "detect_language", "generate_with_fallback"):
        assert getattr(engine.CapturingWhisperModel, n) is not getattr(WhisperModel, n)


def test_generate_segments_encodes_decodes_then_yields():
    """ProbeQueue takes the segments between two encodings as one window."""
    src = inspect.getsource(WhisperModel.generate_segments)
    loop = src.index("while ")
    enc, dec, yld = (src.index(s, loop) for s in ("self.encode(", "self.generate_with_fallback(", "yield Segment("))
    assert loop < enc < dec < yld
    assert src.count("self.encode(") == 1 and src.count("yield") == 1


def test_transcribe_takes_the_options_voicecoach_passes():
    params = inspect.signature(WhisperModel.transcribe).parameters
    for name in ("language", "beam_size", "word_timestamps", "vad_filter", "initial_prompt", "hotwords",
                 "condition_on_previous_text", "hallucination_silence_threshold"):
        assert name in params, name
    init = inspect.getsource(WhisperModel.__init__)
    for attr in ("self.model =", "self.hf_tokenizer =", "self.feature_extractor ="):
        assert attr in init, attr
    assert "local_files_only" in inspect.signature(utils.download_model).parameters


def test_the_verbatim_prompt_reaches_every_window(hf_tokenizer):
    """hotwords go into the prompt of a window with no previous text (condition_on_previous_text
    off), which is every window of the default."""
    tok = tokenizer.Tokenizer(hf_tokenizer, False, task="transcribe", language="en")
    bare = object.__new__(WhisperModel)
    bare.max_length = 448
    prompt = bare.get_prompt(tok, [], without_timestamps=False, hotwords=VERBATIM_PROMPT)
    words = tok.encode(" " + VERBATIM_PROMPT)
    assert prompt[0] == tok.sot_prev and prompt[1:1 + len(words)] == words
    assert prompt[1 + len(words):] == list(tok.sot_sequence)


def test_probe_text_from_the_real_tokenizer(hf_tokenizer):
    model = SimpleNamespace(hf_tokenizer=hf_tokenizer, model=SimpleNamespace(is_multilingual=False))
    text = engine.probe_text(model, PRIMING_TEXT, "en")
    tok = tokenizer.Tokenizer(hf_tokenizer, False, task="transcribe", language="en")
    assert text.head[0] == tok.sot_prev and text.head[-1] == tok.no_timestamps
    assert text.decode(list(text.head[1:-1 - len(tok.sot_sequence)])) == PRIMING_TEXT
    assert all(t < text.eot for t in tok.encode(" um, uh"))
    ids = hesitation_ids(text)
    assert len(ids) >= 8 and text.decode([ids[0]]) == " um"


def test_window_job_reads_the_window_from_its_segments():
    model = SimpleNamespace(feature_extractor=feature_extractor.FeatureExtractor())
    fields = set(inspect.signature(transcribe.Segment).parameters)
    assert {"seek", "tokens", "words", "start", "end", "text"} <= fields
    word = transcribe.Word(start=31.0, end=31.4, word=" um", probability=0.9)
    seg = transcribe.Segment(id=1, seek=3000, start=31.0, end=33.0, text=" um yes", tokens=[1, 2], avg_logprob=0.0,
                             compression_ratio=1.0, no_speech_prob=0.0, words=[word], temperature=0.0)
    enc, tokens, words, span, offset = engine.window_job(model, [seg], "ENC", 300.0)
    assert (enc, tokens, words, span, offset) == ("ENC", [1, 2], [word], (30.0, 60.0), 300.0)
    assert model.feature_extractor.nb_max_frames == 3000


def test_a_later_window_tells_how_much_audio_is_left():
    """PieceRun carries a piece's remainder by the frames its window holds: faster-whisper's window
    at seek s is features[:, s : s + min(3000, content - s)], padded with zero frames, where content
    is one frame per 160 samples of the input."""
    src = inspect.getsource(WhisperModel.generate_segments)
    for line in ("content_frames = features.shape[-1] - 1", "content_frames - seek,",
                 "segment = features[:, seek : seek + segment_size]", "segment = pad_or_trim(segment)"):
        assert line in src, line
    fe = feature_extractor.FeatureExtractor()
    for n in (16000, 16000 * 7 + 123, 16000 * 29 + 159):
        assert fe(np.zeros(n, dtype=np.float32)).shape[-1] - 1 == n // fe.hop_length


def test_a_short_later_window_is_left_not_encoded():
    """After leave(most), CapturingWhisperModel.encode raises Remainder for a window after the first
    one holding no more than ``most`` frames, and encodes any other window (here: the cached
    encoding); the first window is encoded whatever it holds."""
    model = object.__new__(engine.CapturingWhisperModel)
    model.feature_extractor = feature_extractor.FeatureExtractor()

    def window(real_frames: int) -> np.ndarray:
        w = np.zeros((80, 3000), dtype=np.float32)
        w[:, :real_frames] = -0.5  # (log-mel values of quiet audio: never exactly 0)
        return w

    def encode(real_frames: int) -> str:
        model._last = (window(real_frames), "ENCODED")
        return model.encode(window(real_frames))

    model.leave(200)
    assert encode(150) == "ENCODED"  # the first window of a 1.5-s piece
    with pytest.raises(engine.Remainder) as left:
        encode(150)  # 1.5 s after the last word of the piece
    assert left.value.frames == 150
    assert encode(250) == "ENCODED"  # more than may be carried
    model.leave(3000)
    assert encode(3000) == "ENCODED"  # the first window of a 33-s piece
    with pytest.raises(engine.Remainder):
        encode(2999)  # any later window, when every remainder may be carried
    model.leave(None)
    assert encode(3000) == encode(150) == "ENCODED"  # no carrying asked for


def test_speech_spans_and_storage():
    rng = np.random.default_rng(0)
    assert engine.speech_spans(np.zeros(16000, dtype=np.float32), 250) == []
    st = transcribe.get_ctranslate2_storage(rng.standard_normal((1, 80, 3000)).astype(np.float32))
    assert list(st.shape) == [1, 80, 3000]
    assert "return_logits_vocab" in CT2Whisper.generate.__doc__  # the probe asks for every token's logits


def test_another_version_is_named_once_at_load(monkeypatch):
    assert engine.check_version() is None  # the installed one is the tested one
    monkeypatch.setattr(fw, "__version__", "9.9.9")
    warning = engine.check_version()
    assert warning.startswith("faster-whisper 9.9.9 is installed") and engine.TESTED_VERSION in warning
    assert "\n" not in warning


@pytest.mark.model
def test_two_transcribers_share_weights_not_hooks(caplog):
    """Two transcribers in one process (a batch worker and a rescore, say) each get their own
    model object: a probe hook set by one never fires for the other; the weights load once."""
    from voicecoach.asr.types import TranscriptionOptions
    from voicecoach.asr.whisper import WhisperTranscriber

    caplog.set_level(logging.WARNING, "voicecoach")
    a = WhisperTranscriber(TranscriptionOptions(model="tiny.en", cpu_threads=1))
    b = WhisperTranscriber(TranscriptionOptions(model="tiny.en", cpu_threads=1))
    ma, mb = a.model, b.model
    assert ma is not mb and engine.decoder(ma) is engine.decoder(mb)
    ma.on_encoded = lambda enc: None
    ma.use_encoder = False
    assert mb.on_encoded is None and mb.use_encoder
    assert not [r for r in caplog.records if "is installed" in r.getMessage()]


def test_a_loop_at_temperature_zero_is_decoded_again_without_the_window_prompt(hf_tokenizer, monkeypatch):
    """CapturingWhisperModel runs Whisper's fallback one temperature at a time through
    faster-whisper's own decoding. After a temperature-0 decoding that fails the compression test
    (a loop), it decodes once more at 0 with the prompt from start-of-transcript on (no window
    prompt): kept if it passes Whisper's tests; otherwise the temperatures go on, prompt and all,
    and the best of them is chosen as faster-whisper chooses it. Whisper's stand-in here decodes a
    loop whenever the window prompt is there, so every path is seen without a model."""
    tok = tokenizer.Tokenizer(hf_tokenizer, False, task="transcribe", language="en")
    bare = object.__new__(WhisperModel)
    bare.max_length = 448
    prompted = bare.get_prompt(tok, [], without_timestamps=False, hotwords=VERBATIM_PROMPT)
    plain = bare.get_prompt(tok, [], without_timestamps=False)
    options = transcribe.TranscriptionOptions(
        beam_size=5, best_of=5, patience=1, length_penalty=1, repetition_penalty=1, no_repeat_ngram_size=0,
        log_prob_threshold=-1.0, no_speech_threshold=0.6, compression_ratio_threshold=2.4,
        condition_on_previous_text=False, prompt_reset_on_temperature=0.5, temperatures=[0.0, 0.2, 0.4],
        initial_prompt=None, prefix=None, suppress_blank=True, suppress_tokens=[-1], without_timestamps=False,
        max_initial_timestamp=1.0, word_timestamps=True, prepend_punctuations="", append_punctuations="",
        multilingual=False, max_new_tokens=None, clip_timestamps="0", hallucination_silence_threshold=None,
        hotwords=VERBATIM_PROMPT)
    calls = []
    plain_passes = [True]

    def whisper(self, encoder_output, prompt, tokenizer_, opts):
        (temperature,) = opts.temperatures
        calls.append((prompt == prompted, temperature))
        result = SimpleNamespace(no_speech_prob=0.01, sequences_ids=[[]])
        if prompt == prompted:  # (result, avg_logprob, temperature, compression ratio): a loop
            return (result, -0.2 - temperature, temperature, 9.0)
        return (result, -0.3 if plain_passes[0] else -1.5, temperature, 1.3)

    monkeypatch.setattr(WhisperModel, "generate_with_fallback", whisper)
    model = object.__new__(engine.CapturingWhisperModel)
    model.model = object()  # (the decoder, marked as sampled when a result's temperature is > 0)
    got = model.generate_with_fallback("ENC", prompted, tok, options)
    assert calls == [(True, 0.0), (False, 0.0)] and got[1:] == (-0.3, 0.0, 1.3)

    calls.clear()
    plain_passes[0] = False  # the retry decodes badly too: the fallback goes on as Whisper's
    got = model.generate_with_fallback("ENC", prompted, tok, options)
    assert calls == [(True, 0.0), (False, 0.0), (True, 0.2), (True, 0.4)]
    assert got[1:] == (-0.2, 0.4, 9.0)  # all too repetitive: the likeliest, at the last temperature

    calls.clear()
    got = model.generate_with_fallback("ENC", plain, tok, options)  # no window prompt: nothing to drop
    assert calls == [(False, 0.0), (False, 0.2), (False, 0.4)] and got[1:] == (-1.5, 0.4, 1.3)

    calls.clear()  # a plain transcript's previous text (--fillers written) is not a window prompt
    got = model.generate_with_fallback("ENC", prompted, tok, dataclasses.replace(options, hotwords=None))
    assert calls == [(True, 0.0), (True, 0.2), (True, 0.4)] and got[1:] == (-0.2, 0.4, 9.0)
    engine._SAMPLED.discard(id(model.model))


def test_an_open_last_segment_is_read_on_from_its_timestamp(hf_tokenizer, monkeypatch):
    """In the window that ends a recording (``finish_open``, audio shorter than the window), a
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
        beam_size=5, best_of=5, patience=1, length_penalty=1, repetition_penalty=1, no_repeat_ngram_size=0,
        log_prob_threshold=-1.0, no_speech_threshold=0.6, compression_ratio_threshold=2.4,
        condition_on_previous_text=True, prompt_reset_on_temperature=0.5, temperatures=[0.0, 0.2],
        initial_prompt=None, prefix=None, suppress_blank=True, suppress_tokens=[-1], without_timestamps=False,
        max_initial_timestamp=1.0, word_timestamps=True, prepend_punctuations="", append_punctuations="",
        multilingual=False, max_new_tokens=None, clip_timestamps="0", hallucination_silence_threshold=None,
        hotwords=None)
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
    model = object.__new__(engine.CapturingWhisperModel)
    model.model, model.max_length, model.time_precision = Decoder(), 448, 0.02
    model.feature_extractor = SimpleNamespace(chunk_length=30)
    model._window_s, model.finish_open = 5.0, True

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

    for change in ({"finish_open": False}, {"_window_s": 30.0}):
        asked.clear()
        m = copy.copy(model)
        for k, v in change.items():
            setattr(m, k, v)
        assert m.generate_with_fallback("ENC", prompt, tok, options)[0].sequences_ids[0] == first and not asked
    model.tuning = Tuning(read_on=0)
    assert model.generate_with_fallback("ENC", prompt, tok, options)[0].sequences_ids[0] == first and not asked
    model.tuning = Tuning()
    written["tokens"] = first[:-1]  # closed: "no speech after the last timestamp"
    assert model.generate_with_fallback("ENC", prompt, tok, options)[0].sequences_ids[0] == first[:-1] and not asked
