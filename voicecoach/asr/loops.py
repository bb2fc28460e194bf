"""Where a decoding loop starts in a run of words (Whisper's greedy or beam decoding can repeat
a word or a few words until it runs out of tokens)."""

from __future__ import annotations

LOOP_REPEATS = 3  # a group of 2-4 words said this many times in a row is a loop
MAX_SAME_WORD = 6  # ... and so is one word more than this many times (the references' longest run of "uh": 6)


def loop_start(texts: list[str], keep_first: bool = True) -> int:
    """How many of the words ``texts`` come before a loop: where a group of 2-4 words is repeated
    LOOP_REPEATS times in a row (its first saying kept), or one word said more than MAX_SAME_WORD
    times (that many kept); with ``keep_first`` False, none of the repeated words is kept.
    ``len(texts)`` when there is no loop."""
    norm = [t.lower().strip(",.?!") for t in texts]
    for i in range(len(norm)):
        run = 1
        while i + run < len(norm) and norm[i + run] == norm[i]:
            run += 1
        if run > MAX_SAME_WORD:
            return i + MAX_SAME_WORD * keep_first
        for n in (2, 3, 4):
            group = norm[i : i + n]
            if len(group) == n and all(norm[i + k * n : i + (k + 1) * n] == group for k in range(LOOP_REPEATS)):
                return i + n * keep_first
    return len(norm)
