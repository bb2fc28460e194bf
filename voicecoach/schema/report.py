"""The report's stored form: JSON with a documented, versioned schema (voicecoach/schema/report-1.6.json).

A ``Report`` becomes a dict here (``to_dict``) once; `--json`, `--out`, the session folders and the
views all use that dict, and voicecoach.schema.read reads it back, whichever version wrote it.
Times are seconds (floats, 3 decimals); rates are per minute; scores are 0-100.
Version policy: a new optional field bumps the minor version; a removed or changed field bumps
the major version.
"""

from __future__ import annotations

import json

from voicecoach.analysis.report import SCHEMA_VERSION, WEIGHTS, Report


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def to_dict(r: Report) -> dict:
    q = r.question
    d: dict = {
        "schema_version": r.schema_version,
        "voicecoach_version": r.voicecoach_version,
        "audio": {"path": r.audio_path, "duration_s": _r(r.transcript.duration_s)},
        "model": r.model,
        "asr": {"numerics": r.numerics},
        "transcribed_live": r.live,
        "language": {
            "transcribed": r.transcript.language,
            "detected": r.transcript.detected_language,
            "probability": _r(r.transcript.language_probability),
            "english": _r(r.transcript.english_probability),
        },
        "question": {
            "id": q.id,
            "text": q.text,
            "category": q.category,
            "target_min_s": q.target_min_s,
            "target_max_s": q.target_max_s,
        },
        "score": _r(r.score, 1),
        "weights": dict(WEIGHTS),
        "parts": {k: _r(v, 1) for k, v in r.parts.items()},
        "notices": [n.text for n in r.notices],
        "notice_codes": [n.code for n in r.notices],
        "tips": [{"text": t.text, "area": t.area, "at_s": _r(t.at_s)} for t in r.tips],
    }
    L = r.length
    d["length"] = {
        "answer_s": _r(L.answer_s),
        "recording_s": _r(L.recording_s),
        "target_min_s": L.target_min_s,
        "target_max_s": L.target_max_s,
        "verdict": L.verdict,
        "off_by_s": _r(L.off_by_s),
    }
    p = r.pace
    d["pace"] = (
        None
        if p is None
        else {
            "words": p.words,
            "wpm": _r(p.wpm, 1),
            "speaking_wpm": _r(p.speaking_wpm, 1),
            "speaking_s": _r(p.speaking_s),
            "verdict": p.verdict,
            "min_wpm": p.min_wpm,
            "max_wpm": p.max_wpm,
            "windows": [
                {
                    "start_s": _r(w.start_s),
                    "end_s": _r(w.end_s),
                    "words": w.words,
                    "wpm": _r(w.wpm, 1),
                    "verdict": w.verdict,
                }
                for w in p.windows
            ],
        }
    )
    f = r.fillers
    d["fillers"] = (
        None
        if f is None
        else {
            "count": f.count,
            "hesitation_count": f.hesitation_count,
            "discourse_count": f.discourse_count,
            "per_minute": _r(f.per_minute, 2),
            "per_100_words": _r(f.per_100_words, 2),
            "by_word": f.by_word,
            "method": f.method,
            "occurrences": [
                {"text": x.text, "kind": x.kind, "start_s": _r(x.start_s), "end_s": _r(x.end_s), "source": x.source}
                for x in f.fillers
            ],
        }
    )
    pa = r.pauses
    d["pauses"] = (
        None
        if pa is None
        else {
            "count": pa.count,
            "total_s": _r(pa.total_s),
            "longest_s": _r(pa.longest_s),
            "min_pause_s": pa.min_pause_s,
            "long_pause_s": pa.long_pause_s,
            "long_pauses": [
                {"start_s": _r(x.start_s), "end_s": _r(x.end_s), "duration_s": _r(x.duration_s)} for x in pa.long_pauses
            ],
            "transcription_gaps": [{"start_s": _r(g.start_s), "end_s": _r(g.end_s), "text": g.text} for g in pa.gaps],
        }
    )
    rb = r.rubric
    d["rubric"] = (
        None
        if rb is None
        else {
            "coverage": _r(rb.coverage),
            "items": [
                {
                    "id": i.id,
                    "description": i.description,
                    "status": i.status,
                    "score": _r(i.score),
                    "similarity": _r(i.similarity),
                    "evidence": i.evidence,
                    "evidence_start_s": _r(i.evidence_start_s),
                    "keywords": list(i.keywords),
                }
                for i in rb.items
            ],
        }
    )
    dv = r.delivery
    d["delivery"] = (
        None
        if dv is None
        else {
            "pitch_median_hz": _r(dv.pitch_median_hz, 1),
            "pitch_spread_st": _r(dv.pitch_spread_st, 2),
            "monotone_below_st": dv.monotone_st,
            "windows": [
                {
                    "start_s": _r(w.start_s),
                    "end_s": _r(w.end_s),
                    "spread_st": _r(w.spread_st, 2),
                    "monotone": w.monotone,
                }
                for w in dv.windows
            ],
            "level_dbfs": _r(dv.level_dbfs, 1),
            "level_spread_db": _r(dv.level_spread_db, 1),
            "sentences": dv.sentences,
            "trailing_off_db": dv.trail_db,
            "findings": [
                {"kind": f.kind, "start_s": _r(f.start_s), "end_s": _r(f.end_s), "text": f.text} for f in dv.findings
            ],
        }
    )
    lg = r.wording
    phrase = lambda x: {"text": x.text, "start_s": _r(x.start_s), "end_s": _r(x.end_s)}
    d["wording"] = (
        None
        if lg is None
        else {
            "phrases": [{"kind": x.kind, **phrase(x)} for x in lg.phrases],
            "numbers": [phrase(x) for x in lg.numbers],
            "numbers_asked": lg.numbers_asked,
            "star_asked": lg.star_asked,
            "star": {k: _r(v) for k, v in lg.star.items()},
            "star_in_order": lg.star_in_order,
            "i_count": lg.i_count,
            "we_count": lg.we_count,
            "we_flagged": lg.we_flagged,
        }
    )
    d["transcript"] = {
        "text": r.transcript.text,
        "segments": [
            {
                "start_s": _r(s.start_s),
                "end_s": _r(s.end_s),
                "text": s.text,
                "words": [
                    {"text": w.text, "start_s": _r(w.start_s), "end_s": _r(w.end_s), "probability": _r(w.probability)}
                    for w in s.words
                ],
            }
            for s in r.transcript.segments
        ],
    }
    return d


def dumps(r: Report) -> str:
    return json.dumps(to_dict(r), indent=2, ensure_ascii=False)


def schema() -> dict:
    """The JSON Schema of the current version."""
    from importlib import resources

    return json.loads(resources.files("voicecoach.schema").joinpath(f"report-{SCHEMA_VERSION}.json").read_text())
