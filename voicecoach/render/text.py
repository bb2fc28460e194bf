"""Short texts made from report dicts: what the terminal view and the HTML page both show, and what
moved between two takes of a question."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.analysis.language import HEDGE, REPETITION, WEAK_ENDING, WEAK_OPENING
from voicecoach.timefmt import clock

# The wording findings each view lists one by one (numbers, STAR and "I"/"we" are summed up instead):
# the answer's edges, then what it repeats
EDGES, REPEATS = (WEAK_OPENING, WEAK_ENDING), (HEDGE, REPETITION)
LISTED_PHRASES = EDGES + REPEATS


def language_summary(lg: dict) -> str:
    """One line from a report's ``wording`` section: hedges, repetitions, numbers, STAR where the
    question asks for it, "I" and "we" (the terminal and the page both show it)."""

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    kinds = [x["kind"] for x in lg["phrases"]]
    bits = [
        n(kinds.count(HEDGE), "hedge", "hedges"),
        n(kinds.count(REPETITION), "repetition or restart", "repetitions or restarts"),
        n(len(lg["numbers"]), "number", "numbers"),
    ]
    if lg["star_asked"]:
        got = [k[0].upper() for k, t in lg["star"].items() if t is not None]
        bits.append("STAR " + ("in order" if lg["star_in_order"] else f"{'/'.join(got) or 'none'} heard, not in order"))
    if lg["i_count"] + lg["we_count"]:
        bits.append(f'"I" {lg["i_count"]} / "we" {lg["we_count"]}')
    return ", ".join(bits)


@dataclass(frozen=True)
class Moved:
    """One figure of a take against the take before: its label, both values as shown, the arrow
    (↑, ↓ or =), and whether it got better by its part of the score (None: that part did not move)."""

    label: str
    before: str
    now: str
    arrow: str
    better: bool | None


def what_moved(before: dict, now: dict) -> list[Moved]:
    """Score, length, pace, fillers per minute and coverage of report ``now`` against ``before``
    (both report dicts, scored). Better or worse is the figure's part score moving up or down, so
    a longer answer is better only while it nears the target, a faster pace only while it nears
    the comfortable band."""

    def arrow(a: float | None, b: float | None) -> str:
        return "=" if a is None or b is None or round(a, 1) == round(b, 1) else ("↑" if b > a else "↓")

    def better(part: str | None, a: float | None = None, b: float | None = None) -> bool | None:
        if part is None:  # the overall score itself
            return None if a == b else b > a
        pa, pb = before["parts"].get(part), now["parts"].get(part)
        return None if pa is None or pb is None or round(pa) == round(pb) else pb > pa

    def figure(section: str, key: str) -> tuple[float | None, float | None]:
        return (before.get(section) or {}).get(key), (now.get(section) or {}).get(key)

    rows = []
    a, b = before["score"], now["score"]
    rows.append(Moved("score", f"{a:.0f}", f"{b:.0f}", arrow(a, b), better(None, round(a), round(b))))
    a, b = figure("length", "answer_s")
    rows.append(Moved("length", clock(a), clock(b), arrow(a, b), better("length")))
    a, b = figure("pace", "wpm")
    if a is not None and b is not None:
        rows.append(Moved("pace", f"{a:.0f} wpm", f"{b:.0f} wpm", arrow(a, b), better("pace")))
    a, b = figure("fillers", "per_minute")
    if a is not None and b is not None:
        rows.append(Moved("fillers", f"{a:.1f}/min", f"{b:.1f}/min", arrow(a, b), better("fillers")))
    a, b = figure("rubric", "coverage")
    if a is not None and b is not None:
        rows.append(Moved("coverage", f"{a:.0%}", f"{b:.0%}", arrow(a, b), better("coverage")))
    # a change too small to show is no change
    return [Moved(m.label, m.before, m.now, "=", None) if m.before == m.now else m for m in rows]
