"""The decoder's threads, measured once per machine (voicecoach.asr.threads)."""

from __future__ import annotations

import json

import pytest

from voicecoach.asr import threads
from voicecoach.asr.threads import DecoderTiming
from voicecoach.asr.whisper import ThreadPlan


def test_more_threads_only_when_clearly_faster():
    assert DecoderTiming(1, 2, 0.70, 0.46).threads == 2  # the AMD EPYC host: a third faster
    assert DecoderTiming(1, 2, 0.70, 0.62).threads == 2  # just over 10 % faster
    assert DecoderTiming(1, 2, 0.70, 0.64).threads == 1  # faster, but by less than the margin
    assert DecoderTiming(1, 2, 0.50, 0.70).threads == 1  # the Intel host's way round
    assert DecoderTiming(4, 8, 1.0, 0.5).threads == 8


def test_only_a_plan_without_the_probe_has_a_choice():
    """The probe reads beside the decoder on the cores it leaves, so with the probe the halves stay;
    one core leaves nothing to choose."""
    assert ThreadPlan.for_threads(2, probe=False).widen == 2
    assert ThreadPlan.for_threads(8, probe=False).widen == 8
    assert ThreadPlan.for_threads(2, probe=True).widen == 0
    assert ThreadPlan.for_threads(1, probe=False).widen == 0
    fixed = ThreadPlan.for_threads(2, probe=True)
    assert fixed.measured("/nowhere", "int8") is fixed  # nothing timed, nothing read


def test_the_timing_is_taken_once_and_kept(tmp_path, monkeypatch):
    """A second load reads the kept answer; a damaged store is measured again and written whole;
    another model (or compute type) is timed for itself."""
    from voicecoach.asr import engine

    monkeypatch.setenv("VOICECOACH_MODELS", str(tmp_path))
    model = tmp_path / "base"
    model.mkdir()
    (model / "model.bin").write_bytes(b"x" * 10)
    calls = []

    def timing(path, compute_type, counts, steps, rounds):
        calls.append((path, compute_type, counts))
        return [0.7, 0.45]

    monkeypatch.setattr(engine, "decoder_seconds", timing)
    assert threads.decoder_threads(str(model), "int8", 1, 2) == 2
    assert threads.decoder_threads(str(model), "int8", 1, 2) == 2
    assert len(calls) == 1
    kept = json.loads(threads.store_path().read_text())
    (entry,) = kept.values()
    assert entry == {"threads": 2, "seconds": {"1": 0.7, "2": 0.45}}

    threads.store_path().write_text("{not json")
    assert threads.decoder_threads(str(model), "int8", 1, 2) == 2
    assert len(calls) == 2 and len(json.loads(threads.store_path().read_text())) == 1
    threads.decoder_threads(str(model), "float32", 1, 2)
    assert len(calls) == 3 and len(json.loads(threads.store_path().read_text())) == 2
    assert threads.decoder_threads(str(model), "int8", 2, 2) == 2 and len(calls) == 3  # no choice


def test_a_read_only_store_still_gives_an_answer(tmp_path, monkeypatch, caplog):
    from voicecoach.asr import engine

    monkeypatch.setenv("VOICECOACH_MODELS", str(tmp_path / "missing" / "models"))
    monkeypatch.setattr(engine, "decoder_seconds", lambda *a: [0.5, 0.6])
    monkeypatch.setattr(threads.atomic, "write_text", lambda *a: (_ for _ in ()).throw(PermissionError(13, "denied")))
    assert threads.decoder_threads(str(tmp_path), "int8", 1, 2) == 1
    assert "cannot keep the decoder's timing" in caplog.text


@pytest.mark.model
def test_the_real_decoder_is_timed_on_each_thread_count():
    """The timing runs Whisper base's beam search for real, on each count, and a first load on a
    new machine keeps what it measured; the plan's decoder gets what was kept."""
    from voicecoach.asr import engine, models
    from voicecoach.asr.types import TranscriptionOptions
    from voicecoach.asr.whisper import WhisperTranscriber

    path = models.resolve("base").path
    seconds = engine.decoder_seconds(path, "int8", (1, 2), 8, 1)
    assert len(seconds) == 2 and all(0 < s < 30 for s in seconds)

    t = WhisperTranscriber(TranscriptionOptions(cpu_threads=2))
    t.model
    kept = json.loads(threads.store_path().read_text())
    key = threads.machine_key(path, "int8", 1, 2)
    assert t.plan.decode == kept[key]["threads"] and t.plan.encode == 2 and t.plan.widen == 0
    assert t.model.encoder is not None  # drafts encode there, beside the decoder, whatever it got


@pytest.mark.model
@pytest.mark.parametrize("measured", [1, 2])
def test_practice_decodes_on_its_share_until_the_stop(data, monkeypatch, measured):
    """While recording, practice's decoder keeps one thread of two (share_cores); for the last piece
    it takes both where they were measured faster (decode_alone), on the encoder's model, and
    writes the same words there."""
    from voicecoach.asr import threads as timing
    from voicecoach.asr.types import TranscriptionOptions
    from voicecoach.asr.whisper import WhisperTranscriber
    from voicecoach.audio.load import load

    monkeypatch.setattr(timing, "decoder_threads", lambda path, compute_type, few, many: measured)
    t = WhisperTranscriber(TranscriptionOptions(cpu_threads=2))
    t.share_cores()
    model = t.model
    assert t.plan.decode == 1 and t.plan.encode == 2
    clip = load(data / "whisper_jfk.flac")
    before = [w.text for w in t.transcribe(clip).words]
    # (after the transcription: its start gives the decoder new threads if another test's sampled)
    shared = model.model
    t.decode_alone()
    assert (model.model is model.encoder) == (measured == 2) and (model.model is shared) == (measured == 1)
    assert [w.text for w in t.transcribe(clip).words] == before
    t.decode_alone()  # (a second call changes nothing)
    assert (model.model is model.encoder) == (measured == 2)
