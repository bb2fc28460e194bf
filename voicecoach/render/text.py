"""Short texts the terminal view and the HTML page both show, made from a report's dict."""

from __future__ import annotations

from voicecoach.analysis.language import HEDGE, REPETITION, WEAK_ENDING, WEAK_OPENING

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
