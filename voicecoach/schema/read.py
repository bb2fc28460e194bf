"""Reading stored reports (the dicts of voicecoach.schema.report), whichever schema version wrote them."""

from __future__ import annotations

from voicecoach.analysis.fillers import HEARD, WRITTEN, WRITTEN_AND_HEARD
from voicecoach.timefmt import clock


def transcript_text(report: dict) -> str:
    """``[m:ss] text`` per segment, from a report dict."""
    segs = (report.get("transcript") or {}).get("segments") or []
    return "".join(f"[{clock(s['start_s'])}] {s['text']}\n" for s in segs)


def filler_method(report: dict | None) -> str | None:
    """How a stored report counted fillers (FillerResult.method); None if it has no filler figures.
    Reports older than schema 1.1 do not say: every occurrence carries a "source" ("transcript"
    since the first version), and one "heard" means hesitations were being recovered; otherwise
    the report counts as "written"."""
    f = (report or {}).get("fillers")
    if not f:
        return None
    if f.get("method"):
        return f["method"]
    return WRITTEN_AND_HEARD if any(x.get("source") == HEARD for x in f.get("occurrences") or ()) else WRITTEN
