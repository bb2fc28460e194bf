"""Words as the analysers see them: normalised text plus the punctuation around each word."""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicecoach.asr.types import Word

_STRIP = re.compile(r"[^\w'’-]+")
_SENTENCE_END = (".", "?", "!", "…")
_CLAUSE_BREAK = (",", ";", ":", "—", "–", "...", "…")


@dataclass(frozen=True)
class Token:
    """A transcribed word with what the context rules need.

    Attributes:
        norm: lower case, punctuation stripped ("Um," -> "um", "I'm" -> "i'm").
        word: the original word with its timing.
        sentence_start: first word of a sentence (or of the transcript).
        break_before / break_after: a comma, dash or sentence end sits before / after the word.
        sentence_end: the word ends a sentence (. ? !).
    """

    norm: str
    word: Word
    sentence_start: bool
    break_before: bool
    break_after: bool
    sentence_end: bool


def normalise(text: str) -> str:
    t = _STRIP.sub("", text.lower().replace("’", "'")).strip("'-")
    return t


def tokenize(words: list[Word]) -> list[Token]:
    out: list[Token] = []
    prev_end = True
    prev_break = True
    for w in words:
        raw = w.text.strip()
        norm = normalise(raw)
        ends = raw.endswith(_SENTENCE_END)
        brk = ends or raw.endswith(_CLAUSE_BREAK)
        starts_break = raw.startswith(("-", "—", "…", "..."))
        if not norm:  # a bare punctuation mark: it only marks a break
            prev_break = prev_break or brk or True
            prev_end = prev_end or ends
            continue
        out.append(
            Token(
                norm=norm,
                word=w,
                sentence_start=prev_end,
                break_before=prev_break or starts_break,
                break_after=brk,
                sentence_end=ends,
            )
        )
        prev_end, prev_break = ends, brk
    return out


def sentences(words: list[Word]) -> list[list[Word]]:
    """Split words into sentences at . ? ! (Whisper punctuates its output)."""
    out: list[list[Word]] = []
    cur: list[Word] = []
    for w in words:
        cur.append(w)
        if w.text.strip().endswith(_SENTENCE_END):
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


_ANNOTATION = re.compile(r"<[^>]*>|\[[^\]]*\]|\{[^}]*\}")


def normalise_text(text: str, split_yknow: bool = True) -> list[str]:
    """Words for comparing transcripts: lower case, no punctuation, fillers KEPT.

    (Whisper's own normaliser deletes um/uh/hmm, which would hide exactly what we measure.)
    Reference annotations such as ``<cutoff-x>``, ``[laughter]`` and ``{noise}`` are dropped; "yknow" is "you know"
    (kept as one token with ``split_yknow=False``, so the filler rules see the annotator's filler).
    """
    text = _ANNOTATION.sub(" ", text.lower().replace("’", "'"))
    out = []
    for raw in text.replace("-", " ").replace("—", " ").split():
        for part in ["her" if raw in ("'er", "’er") else normalise(raw)]:  # "I hardly know 'er"
            if part in ("yknow", "y'know") and split_yknow:
                out.extend(["you", "know"])
            elif part:
                out.append(part)
    return out
