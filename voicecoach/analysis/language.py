"""What the answer says, beyond the rubric: hedges, repetitions and restarts, weak openings and
endings, quantified results, STAR order and "I" against "we".

Precision first, as with the filler rules: each rule names the contexts where the words are not
what they look like ("I think about scaling" is not a hedge; "that that" and "very very" are not
restarts). Fillers are counted by voicecoach.analysis.fillers and skipped here, so "sort of" and
"kind of" are never counted twice. The precision measured on real transcripts is in docs/language.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicecoach.analysis.fillers import Filler
from voicecoach.analysis.tokens import Token, tokenize
from voicecoach.asr.types import Transcript
from voicecoach.questions import Question

HEDGE, REPETITION, WEAK_OPENING, WEAK_ENDING = "hedge", "repetition", "weak-opening", "weak-ending"
NO_NUMBERS, STAR_ORDER, WE_NOT_I = "no-numbers", "star", "we-not-i"

# "I think" is a claim about thinking before these: "I think about latency", "I think of it as".
_THINK_LITERAL_AFTER = frozenset({"about", "of", "through", "so", "back", "ahead", "twice", "hard", "differently"})
_BELIEVE_LITERAL_AFTER = frozenset({"in"})
SINGLE_HEDGES = frozenset({"maybe", "probably", "perhaps", "possibly", "hopefully", "somewhat"})
# Words said twice on purpose: "that that", "had had", "very very", "no no", "bye bye".
_DOUBLE_OK = frozenset(
    {
        "that",
        "had",
        "very",
        "really",
        "no",
        "yes",
        "bye",
        "ha",
        "so",
        "many",
        "more",
        "far",
        "long",
        "again",
        "over",
        "round",
        "around",
        "on",
        "and",
        "is",
        "do",
        "go",
        "knock",
        "step",
    }
)
WEAK_OPENERS = (
    "so",
    "well",
    "okay",
    "ok",
    "yeah",
    "alright",
    "right",
    "basically",
    "um",
    "uh",
    "i guess",
    "i mean",
    "let me see",
    "let me think",
    "hmm",
    "oh",
)
_SO_NOT_OPENER = frozenset({"far", "much", "many", "long"})
WEAK_ENDINGS = (
    "so yeah",
    "yeah",
    "that's it",
    "that's about it",
    "that's all",
    "and stuff",
    "or something",
    "or whatever",
    "i guess",
    "anyway",
    "and so on",
    "so that's it",
    "so that's that",
    "that's pretty much it",
    "so yeah that's it",
    "and yeah",
)
NUMBER_WORDS = frozenset(
    {
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "hundred",
        "hundreds",
        "thousand",
        "thousands",
        "million",
        "millions",
        "billion",
        "half",
        "third",
        "quarter",
        "double",
        "doubled",
        "tripled",
        "twice",
        "percent",
        "dozen",
        "dozens",
    }
)
_NUMBER = re.compile(r"^[$€£]?\d[\d,.]*(%|k|m|x|s)?$")
# STAR: words that open each part (the first cue of each part is what counts)
STAR_CUES = {
    "situation": (
        "at my last",
        "at my previous",
        "in my last",
        "in my previous",
        "when i was",
        "when i worked",
        "a few years ago",
        "last year",
        "last spring",
        "last summer",
        "last winter",
        "last autumn",
        "there was a time",
        "once we",
        "our team was",
        "we had a",
        "the situation",
        "back when",
        "in my first",
        "during my",
        "at the time",
    ),
    "task": (
        "my job was",
        "my task was",
        "my role was",
        "i was responsible",
        "i was asked",
        "i needed to",
        "i had to",
        "the goal was",
        "our goal was",
        "we needed to",
        "we had to",
        "the challenge was",
        "my responsibility",
    ),
    "action": (
        "so i",
        "i decided",
        "i started",
        "i built",
        "i wrote",
        "i set up",
        "i organised",
        "i organized",
        "i talked",
        "i spoke",
        "i proposed",
        "i suggested",
        "i created",
        "i designed",
        "i led",
        "i asked",
        "i sat down",
        "i scheduled",
        "i reached out",
        "i worked with",
        "first i",
        "then i",
        "i ran",
    ),
    "result": (
        "as a result",
        "in the end",
        "the result",
        "the outcome",
        "which led to",
        "which meant",
        "we ended up",
        "it ended up",
        "we shipped",
        "we reduced",
        "we cut",
        "we saved",
        "we increased",
        "it reduced",
        "it cut",
        "it saved",
        "it increased",
        "this reduced",
        "this cut",
        "that reduced",
        "i learned",
        "we learned",
        "since then",
        "ultimately",
    ),
}
I_WORDS = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "myself", "mine"})
WE_WORDS = frozenset({"we", "we're", "we've", "we'd", "we'll", "us", "our", "ours", "ourselves"})


@dataclass(frozen=True)
class LanguageOptions:
    """What the language findings need.

    Attributes:
        min_pronouns: "I" against "we" is judged once there are this many of them (10).
        we_share: "we" this much of them (and more than "I") is flagged (0.6).
        edge_words: a weak opening is in the first, a weak ending in the last, this many words (6).
    """

    min_pronouns: int = 10
    we_share: float = 0.6
    edge_words: int = 6


@dataclass(frozen=True)
class Phrase:
    """One hedge, repetition, weak opening or weak ending."""

    kind: str
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class LanguageResult:
    """Language figures of one answer.

    Attributes:
        phrases: hedges, repetitions and restarts, weak opening and ending, in time order.
        numbers: the quantities said (numbers, percentages, money, durations), in order.
        numbers_asked: the question asks for impact, so an answer without numbers is flagged.
        star: each STAR part's first cue time (None when not found); judged only when ``star_asked``.
        star_asked: the question's guidance asks for STAR.
        i_count / we_count: "I" and "we" words (behavioural questions flag mostly "we").
        we_flagged: mostly "we" in a behavioural answer.
    """

    phrases: tuple[Phrase, ...]
    numbers: tuple[Phrase, ...]
    numbers_asked: bool
    star: dict[str, float | None]
    star_asked: bool
    i_count: int
    we_count: int
    we_flagged: bool

    def of(self, kind: str) -> tuple[Phrase, ...]:
        return tuple(p for p in self.phrases if p.kind == kind)

    @property
    def star_in_order(self) -> bool:
        times = list(self.star.values())
        return all(t is not None for t in times) and times == sorted(times)


def _span(kind: str, toks: list[Token]) -> Phrase:
    return Phrase(kind, " ".join(t.word.text.strip() for t in toks), toks[0].word.start_s, toks[-1].word.end_s)


def _starts(toks: list[Token], i: int, phrase: str) -> bool:
    words = phrase.split()
    return [t.norm for t in toks[i : i + len(words)]] == words


def hedges(toks: list[Token]) -> list[Phrase]:
    out = []
    for i, t in enumerate(toks):
        nxt = toks[i + 1].norm if i + 1 < len(toks) else ""
        after = toks[i + 2].norm if i + 2 < len(toks) else ""
        if t.norm == "i" and nxt in ("think", "guess", "believe", "suppose"):
            if nxt == "think" and (
                after in _THINK_LITERAL_AFTER or (i > 0 and toks[i - 1].norm in ("what", "do", "how"))
            ):
                continue
            if nxt == "believe" and after in _BELIEVE_LITERAL_AFTER:
                continue
            out.append(_span(HEDGE, toks[i : i + 2]))
        elif t.norm in SINGLE_HEDGES:
            out.append(_span(HEDGE, [t]))
    return out


def repetitions(toks: list[Token]) -> list[Phrase]:
    """A word or a phrase of up to three words said twice in a row ("we built, we built the, the
    pipeline"), and a word cut off and restarted ("pipe- pipeline")."""
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if (
            t.word.text.strip().endswith(("-", "—"))
            and i + 1 < len(toks)
            and toks[i + 1].norm.startswith(t.norm)
            and len(t.norm) >= 2
        ):
            out.append(_span(REPETITION, toks[i : i + 2]))
            i += 2
            continue
        for n in (3, 2, 1):
            a, b = toks[i : i + n], toks[i + n : i + 2 * n]
            if len(b) < n or [x.norm for x in a] != [x.norm for x in b]:
                continue
            if n == 1 and a[0].norm in _DOUBLE_OK:
                break
            if a[-1].sentence_end:  # "Thanks. Thanks for ..." is two sentences, not a restart
                continue
            out.append(_span(REPETITION, toks[i : i + 2 * n]))
            i += 2 * n - 1
            break
        i += 1
    return out


def weak_opening(toks: list[Token], edge: int) -> list[Phrase]:
    """The answer's first words, as long as they are openers ("Um, so", "Okay so", "Well,")."""
    k = 0
    while k < min(edge, len(toks)):
        opener = next((o for o in sorted(WEAK_OPENERS, key=len, reverse=True) if _starts(toks, k, o)), None)
        if opener is None:
            break
        nxt = toks[k + len(opener.split())].norm if k + len(opener.split()) < len(toks) else ""
        if opener == "so" and nxt in _SO_NOT_OPENER:  # "So far, ..."
            break
        if opener in ("right", "well", "okay", "ok") and not toks[k].break_after and nxt not in ("so", "um", "uh"):
            break  # "Right now I...", "Well-known", "Okay means": words of the sentence, not openers
        k += len(opener.split())
    return [_span(WEAK_OPENING, toks[:k])] if k else []


def weak_ending(toks: list[Token], edge: int) -> list[Phrase]:
    tail = toks[-edge:]
    for k in range(len(tail)):
        rest = [x.norm for x in tail[k:]]
        for ending in sorted(WEAK_ENDINGS, key=len, reverse=True):
            if rest == ending.split() and (
                k == 0
                or tail[k - 1].break_after
                or tail[k].sentence_start
                or ending not in ("yeah", "i guess", "anyway")
            ):
                return [_span(WEAK_ENDING, tail[k:])]
    return []


def numbers(toks: list[Token]) -> list[Phrase]:
    out = []
    for i, t in enumerate(toks):
        raw = t.word.text.strip().rstrip(".,;:!?")
        if _NUMBER.match(raw.lower()) or t.norm in NUMBER_WORDS:
            if t.norm == "one" and (i + 1 < len(toks) and toks[i + 1].norm in ("of", "thing", "day", "more", "way")):
                continue  # "one of the", "one thing": not a quantity
            if (
                out
                and out[-1].end_s >= toks[i - 1].word.end_s
                and i > 0
                and (
                    _NUMBER.match(toks[i - 1].word.text.strip().rstrip(".,").lower())
                    or toks[i - 1].norm in NUMBER_WORDS
                )
            ):
                prev = out.pop()  # "two million dollars": one quantity
                out.append(Phrase("number", f"{prev.text} {t.word.text.strip()}", prev.start_s, t.word.end_s))
            else:
                out.append(_span("number", [t]))
    return out


def star(toks: list[Token]) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for part, cues in STAR_CUES.items():
        found[part] = None
        for i in range(len(toks)):
            if any(_starts(toks, i, c) for c in cues):
                found[part] = toks[i].word.start_s
                break
    return found


def asks_for_numbers(question: Question) -> bool:
    return bool(re.search(r"\b(number|numbers|quantif\w*|metric\w*|impact|measurable)\b", question.guidance, re.I))


def asks_for_star(question: Question) -> bool:
    return bool(re.search(r"\bSTAR\b", question.guidance))


def analyse_language(
    transcript: Transcript,
    question: Question,
    fillers: tuple[Filler, ...] = (),
    options: LanguageOptions = LanguageOptions(),
) -> LanguageResult:
    every = tokenize(transcript.words)
    spans = [(f.start_s - 1e-3, f.end_s + 1e-3) for f in fillers]
    toks = [t for t in every if not any(a <= t.word.start_s <= b for a, b in spans)]
    # an opening "Um, so" is weak whether or not its words are also counted as fillers
    phrases = (
        hedges(toks)
        + repetitions(toks)
        + weak_opening(every, options.edge_words)
        + weak_ending(every, options.edge_words)
    )
    phrases.sort(key=lambda p: p.start_s)
    i_count = sum(t.norm in I_WORDS for t in toks)
    we_count = sum(t.norm in WE_WORDS for t in toks)
    behavioural = question.category == "behavioral"
    we_flagged = (
        behavioural
        and i_count + we_count >= options.min_pronouns
        and we_count > i_count
        and we_count / (i_count + we_count) >= options.we_share
    )
    return LanguageResult(
        phrases=tuple(phrases),
        numbers=tuple(numbers(toks)),
        numbers_asked=asks_for_numbers(question),
        star=star(every),
        star_asked=asks_for_star(question),
        i_count=i_count,
        we_count=we_count,
        we_flagged=we_flagged,
    )
