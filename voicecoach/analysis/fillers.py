"""Filler words: hesitations (um, uh, er, ah, hmm) and discourse fillers (like, you know, I mean...).

Discourse fillers are ordinary words that are fillers only in some places. Context rules decide:
"I like Python" (a verb), "looks like a tree" (a comparison), "do you know the answer" (a question)
and "what kind of model" (a noun phrase) do not count; "it was, like, really hard", "you know, we
shipped it", "I mean, it worked" and "it was kind of slow" do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from voicecoach.analysis.tokens import Token, tokenize
from voicecoach.asr.types import Transcript

HESITATION = "hesitation"
DISCOURSE = "discourse"


class FillerMethod(str, Enum):
    """How fillers are counted: `--fillers`, and the report's fillers.method (docs/fillers.md has
    the measurements). A str, so it compares, prints and serialises as its value."""

    VERBATIM = "verbatim"  # Whisper writes them, under a verbatim prompt on every 30-s window (default)
    VERBATIM_AND_HEARD = "verbatim+heard"  # ... plus the um/uh the hesitation probe hears where none is written
    WRITTEN_AND_HEARD = "written+heard"  # a plain transcript plus the probe
    WRITTEN = "written"  # a plain transcript's fillers only (misses most um/uh)

    def __str__(self) -> str:
        return self.value

    @property
    def verbatim(self) -> bool:
        """Whisper is prompted to write fillers."""
        return self in (FillerMethod.VERBATIM, FillerMethod.VERBATIM_AND_HEARD)

    @property
    def heard(self) -> bool:
        """The hesitation probe adds the um/uh it hears where nothing was written."""
        return self in (FillerMethod.VERBATIM_AND_HEARD, FillerMethod.WRITTEN_AND_HEARD)

    @classmethod
    def of(cls, verbatim: bool, heard: bool) -> FillerMethod:
        return next(m for m in cls if m.verbatim == verbatim and m.heard == heard)

    @classmethod
    def parse(cls, text: str) -> FillerMethod:
        """The method named ``text``; ValueError naming the choices otherwise."""
        try:
            return cls(text)
        except ValueError:
            raise ValueError(f"unknown filler method {text!r}: use one of {', '.join(m.value for m in cls)}") from None


VERBATIM, VERBATIM_AND_HEARD = FillerMethod.VERBATIM, FillerMethod.VERBATIM_AND_HEARD
WRITTEN, WRITTEN_AND_HEARD = FillerMethod.WRITTEN, FillerMethod.WRITTEN_AND_HEARD
# where a Filler came from (see Filler.source)
TRANSCRIPT, HEARD = "transcript", "heard"

HESITATIONS = frozenset(
    {
        "um",
        "umm",
        "ummm",
        "uh",
        "uhh",
        "uhhh",
        "uhm",
        "er",
        "erm",
        "err",
        "ah",
        "ahh",
        "hmm",
        "hm",
        "hmmm",
        "mm",
        "mmm",
        "eh",
    }
)
# Drawn-out spellings Whisper writes ("ummmmm", "uhhh", "hmmm").
_STRETCHED = re.compile(r"^(u+m+|u+h+|u+h+m+|h+m+|mm+|e+r+m*|a+h+)$")
ALWAYS_DISCOURSE = frozenset({"basically", "actually", "literally"})
# Whisper can write a hesitation more often than it was said ("uh, uh, uh, uh" after one "uh"), and
# its aligner then gives the extra ones no audio: they end where they start (its timestamps step
# 0.02 s) and touch the hesitation before. A hesitation with no audio of its own that starts
# within ECHO_GAP_S of the last one is that one again, not another (docs/fillers.md).
NO_AUDIO_S = 0.02
ECHO_GAP_S = 0.1

# "like" after these is a verb or a comparison, not a filler.
_LIKE_NOT_AFTER = frozenset(
    {
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "people",
        "who",
        "would",
        "i'd",
        "you'd",
        "we'd",
        "they'd",
        "do",
        "don't",
        "didn't",
        "does",
        "doesn't",
        "to",
        "really",
        "also",
        "still",
        "always",
        "never",
        "look",
        "looks",
        "looked",
        "looking",
        "sound",
        "sounds",
        "sounded",
        "feel",
        "feels",
        "felt",
        "seem",
        "seems",
        "seemed",
        "something",
        "anything",
        "nothing",
        "things",
        "stuff",
        "more",
        "much",
        "just",
        "exactly",
        "not",
        "most",
        "would've",
        "might",
        "will",
        "can",
        "could",
        "should",
        "what's",
        "whats",
        "is",
        "it's",
        "was",
        "be",
    }
)
# After these a "like" followed by a clause or a number is the filler ("there were like 20").
_LIKE_FILLER_AFTER = frozenset({"and", "but", "or", "so", "um", "uh", "there", "then", "because"})
_LIKE_FILLER_BEFORE = frozenset(
    {
        "really",
        "super",
        "very",
        "totally",
        "literally",
        "basically",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "um",
        "uh",
        "the",
        "this",
        "that",
        "so",
        "just",
    }
)
# "you know" followed by these has an object: "you know the answer", "you know what I mean".
_KNOW_OBJECTS = frozenset(
    {
        "what",
        "how",
        "that",
        "where",
        "why",
        "who",
        "when",
        "which",
        "whether",
        "if",
        "about",
        "the",
        "a",
        "an",
        "him",
        "her",
        "them",
        "it",
        "this",
        "these",
        "those",
        "me",
        "us",
        "your",
        "my",
        "his",
        "their",
        "our",
        "some",
        "any",
        "anything",
        "nothing",
        "everything",
        "someone",
        "somebody",
        "everyone",
        "all",
        "exactly",
        "more",
        "each",
        "much",
        "best",
        "better",
        "enough",
        "yourself",
        "python",
        "java",
        "sql",
    }
)
_KNOW_QUESTION_BEFORE = frozenset(
    {
        "do",
        "did",
        "does",
        "don't",
        "didn't",
        "doesn't",
        "if",
        "as",
        "would",
        "will",
        "could",
        "should",
        "let",
        "what",
        "how",
        "whether",
        "to",
        "can",
        "might",
        "may",
        "whatever",
        "where",
        "who",
        "whom",
        "whoever",
        "things",
        "people",
    }
)
# "I mean" followed by these is literal: "I mean it", "what I mean is".
_MEAN_LITERAL_AFTER = frozenset({"it", "that", "to", "what", "by", "the", "a", "you", "this", "no"})
_MEAN_LITERAL_BEFORE = frozenset({"what", "which", "do", "did", "don't", "didn't", "that"})
# "kind of"/"sort of" after these is a noun phrase: "what kind of model".
_KIND_NOUN_AFTER = frozenset(
    {
        "a",
        "an",
        "the",
        "what",
        "this",
        "that",
        "some",
        "any",
        "every",
        "one",
        "which",
        "same",
        "different",
        "other",
        "all",
        "these",
        "those",
        "many",
        "most",
        "no",
        "each",
        "your",
        "my",
        "our",
        "their",
        "his",
        "her",
        "its",
        "new",
        "first",
        "right",
        "wrong",
        "whatever",
        "only",
        "particular",
        "certain",
        "specific",
        "similar",
        "another",
    }
)
# Sentence-initial "so" followed by these is not a filler: "So far, ...".
_SO_NOT_BEFORE = frozenset({"far", "much", "many", "long", "yes", "no"})


@dataclass(frozen=True)
class FillerOptions:
    """Which fillers to count.

    Attributes:
        hesitations: the words counted as hesitations.
        count_discourse: count discourse fillers (like, you know, I mean, basically, actually,
            literally, kind of, sort of, sentence-initial so) with the context rules above.
    """

    hesitations: frozenset = HESITATIONS
    count_discourse: bool = True


@dataclass(frozen=True)
class Filler:
    """One filler occurrence.

    Attributes:
        text: the filler as heard ("um", "you know").
        kind: "hesitation" or "discourse".
        start_s / end_s: its time span.
        source: how it was found: "transcript" (Whisper wrote it) or "heard" (Whisper's decoder
            expected a hesitation in a gap between written words; see analysis.recovery).
    """

    text: str
    kind: str
    start_s: float
    end_s: float
    source: str = TRANSCRIPT


@dataclass(frozen=True)
class FillerResult:
    """Filler counts and every occurrence.

    Attributes:
        count: all fillers.
        hesitation_count / discourse_count: by class.
        per_minute: fillers per minute of answer (0 when there is no speech).
        per_100_words: fillers per 100 transcribed words.
        by_word: count per filler text, most frequent first.
        fillers: each occurrence in time order.
        method: WRITTEN (the transcript's fillers only) or WRITTEN_AND_HEARD (plus the hesitations
            heard but not written, voicecoach.analysis.recovery); VERBATIM and VERBATIM_AND_HEARD
            the same for a transcript Whisper wrote under a verbatim prompt on every window
            (Transcript.verbatim). Reports made before voicecoach recovered hesitations carry no
            method: they are WRITTEN.
    """

    count: int
    hesitation_count: int
    discourse_count: int
    per_minute: float
    per_100_words: float
    by_word: dict[str, int] = field(default_factory=dict)
    fillers: tuple[Filler, ...] = ()
    method: str = WRITTEN


def is_hesitation(text: str, words: frozenset = HESITATIONS) -> bool:
    """Is this written word a hesitation ("Um,", "uhhh", "ummmmm...")?"""
    w = text.strip(" ,.!?;:-…\"'").lower()
    return w in words or (words is HESITATIONS and bool(_STRETCHED.match(w)))


def _opens_sentence(t: list[Token], i: int) -> bool:
    """Is token i the first word of its sentence, hesitations aside ("Uh, so this is...")?"""
    while i > 0 and not t[i].sentence_start and is_hesitation(t[i - 1].norm):
        i -= 1
    return i == 0 or t[i].sentence_start


def _prev(tokens: list[Token], i: int) -> str | None:
    """The previous word, unless a sentence boundary separates it."""
    if i == 0 or tokens[i].sentence_start:
        return None
    return tokens[i - 1].norm


def _next(tokens: list[Token], i: int) -> str | None:
    if i + 1 >= len(tokens) or tokens[i].sentence_end:
        return None
    return tokens[i + 1].norm


def _is_number(s: str | None) -> bool:
    return bool(s) and (
        s[0].isdigit()
        or s
        in {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "fifty", "hundred"}
    )


def _like_is_filler(t: list[Token], i: int) -> bool:
    prev, nxt = _prev(t, i), _next(t, i)
    if t[i].break_before and t[i].break_after and prev is not None:
        return True  # "it was, like, really hard"
    if prev in _LIKE_NOT_AFTER:
        return False
    if prev is None:  # sentence-initial: "Like, I ..." is a filler; "Like most people, ..." is not
        return t[i].break_after
    if t[i].break_before or t[i].break_after:
        return True  # "and, like we ..." / "we did like, three ..."
    if prev in _LIKE_FILLER_AFTER and (nxt in _LIKE_FILLER_BEFORE or _is_number(nxt)):
        return True
    if _is_number(nxt) and prev not in {"numbers", "items"}:
        return True  # approximation: "took like 20 minutes"
    return False


def _you_know_is_filler(t: list[Token], i: int) -> bool:
    prev = _prev(t, i)
    if prev in _KNOW_QUESTION_BEFORE:
        return False
    if t[i + 1].sentence_end or t[i + 1].break_after or (t[i].break_before and prev is not None):
        return True
    nxt = _next(t, i + 1)
    if nxt is None or nxt in _KNOW_OBJECTS:
        return nxt is None
    return True  # "you know we shipped it", "you know I think"


def _i_mean_is_filler(t: list[Token], i: int) -> bool:
    prev = _prev(t, i)
    if prev in _MEAN_LITERAL_BEFORE:
        return False
    if t[i + 1].break_after or t[i + 1].sentence_end:
        return True
    return _next(t, i + 1) not in _MEAN_LITERAL_AFTER


def _kind_of_is_filler(t: list[Token], i: int) -> bool:
    prev = _prev(t, i)
    return prev not in _KIND_NOUN_AFTER


def find_fillers(transcript: Transcript, options: FillerOptions = FillerOptions()) -> list[Filler]:
    """Every filler in the transcript, in time order."""
    t = tokenize(transcript.words)
    out: list[Filler] = []
    last_hesitation_end: float | None = None
    i = 0
    while i < len(t):
        w = t[i].norm
        nxt = t[i + 1].norm if i + 1 < len(t) else None
        span = 1
        hit: str | None = None
        kind = DISCOURSE
        if is_hesitation(w, options.hesitations):
            hit, kind = w, HESITATION
            word = t[i].word
            if (
                word.end_s - word.start_s < NO_AUDIO_S
                and last_hesitation_end is not None
                and word.start_s - last_hesitation_end < ECHO_GAP_S
            ):
                hit = None  # (an echo of the hesitation before)
            last_hesitation_end = word.end_s
        else:
            last_hesitation_end = None  # (a word between: not an echo)
        if kind == DISCOURSE and options.count_discourse:
            if w == "like" and _like_is_filler(t, i):
                hit = "like"
            elif w == "you" and nxt == "know" and _you_know_is_filler(t, i):
                hit, span = "you know", 2
            elif w in {"yknow", "y'know", "ya-know"}:
                hit = "you know"
            elif w == "i" and nxt == "mean" and _i_mean_is_filler(t, i):
                hit, span = "i mean", 2
            elif w in {"kind", "sort"} and nxt == "of" and _kind_of_is_filler(t, i):
                hit, span = f"{w} of", 2
            elif w in {"kinda", "sorta"} and _kind_of_is_filler(t, i):
                hit = w
            elif w in ALWAYS_DISCOURSE:
                hit = w
            elif (
                w == "so"
                and _opens_sentence(t, i)
                and i + 1 < len(t)
                and not t[i].sentence_end
                and nxt not in _SO_NOT_BEFORE
            ):
                hit = "so"
        if hit:
            out.append(Filler(text=hit, kind=kind, start_s=t[i].word.start_s, end_s=t[i + span - 1].word.end_s))
        i += span
    return out


def summarise(fillers: list[Filler], n_words: int, answer_s: float, method: str = WRITTEN) -> FillerResult:
    """Counts and rates for a list of fillers (``answer_s``: the answer's length in seconds)."""
    hes = sum(f.kind == HESITATION for f in fillers)
    by_word: dict[str, int] = {}
    for f in fillers:
        by_word[f.text] = by_word.get(f.text, 0) + 1
    by_word = dict(sorted(by_word.items(), key=lambda kv: (-kv[1], kv[0])))
    return FillerResult(
        count=len(fillers),
        hesitation_count=hes,
        discourse_count=len(fillers) - hes,
        per_minute=len(fillers) / (answer_s / 60) if answer_s > 0 else 0.0,
        per_100_words=100 * len(fillers) / n_words if n_words else 0.0,
        by_word=by_word,
        fillers=tuple(sorted(fillers, key=lambda f: f.start_s)),
        method=method,
    )
