"""Rubric coverage: which points of the question the answer made, recognised by meaning.

Each rubric item is compared with every sentence of the answer (and every pair of neighbouring
sentences, since a point often spans two; a pair's embedding is the normalised sum of its two
sentences' embeddings, which keeps the cost at one encoder pass per sentence). Similarity is the cosine between
MiniLM sentence
embeddings of the answer text and of the item's description and example phrasings, so "I did my
master's at..." matches "academic background". Keywords add evidence: a match raises the
similarity by ``keyword_bonus``. The best-scoring stretch of the answer is the evidence shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voicecoach.analysis.tokens import sentences
from voicecoach.asr.types import Transcript
from voicecoach.questions import Question, RubricItem

COVERED, PARTLY, MISSED = "covered", "partly", "missed"
# When a pair of sentences scores best but one of them alone comes within this margin, that one
# sentence is shown as the evidence (shorter and just as telling); the status keeps the pair's score.
EVIDENCE_SINGLE_MARGIN = 0.05


class Encoder(Protocol):
    def encode(self, sentences: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class RubricOptions:
    """Thresholds for coverage.

    Attributes:
        covered_at: evidence score (cosine similarity plus keyword bonus) at which an item is
            covered (0.55).
        partly_at: score at which it is partly covered (0.40).
        keyword_bonus: added to the similarity when the stretch contains one of the item's
            keywords (0.10).
    """

    covered_at: float = 0.55
    partly_at: float = 0.40
    keyword_bonus: float = 0.10


@dataclass(frozen=True)
class ItemCoverage:
    """How one rubric item was covered.

    Attributes:
        id / description: the rubric item.
        status: "covered", "partly" or "missed".
        score: the best evidence score found (similarity + keyword bonus).
        similarity: the cosine similarity part of it.
        evidence: the stretch of the answer that scored best ("" when missed).
        evidence_start_s: where that stretch starts in the recording (None when missed).
        keywords: the item's keywords found in the evidence.
    """

    id: str
    description: str
    status: str
    score: float
    similarity: float
    evidence: str
    evidence_start_s: float | None
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class RubricResult:
    """Coverage of the question's rubric.

    Attributes:
        items: one entry per rubric item, in the rubric's order.
        coverage: (covered + half of partly) / items, 0..1 (1.0 for a question with no rubric).
    """

    items: tuple[ItemCoverage, ...]
    coverage: float

    def count(self, status: str) -> int:
        return sum(i.status == status for i in self.items)


@dataclass(frozen=True)
class _Stretch:
    text: str
    start_s: float


def sentence_texts(words) -> list[str]:
    """The answer's sentences as the rubric embeds them (one text per sentence)."""
    return [" ".join(w.text.strip() for w in s) for s in sentences(list(words)) if s]


def _stretches(transcript: Transcript) -> tuple[list[_Stretch], list[tuple[int, int]]]:
    """Sentences, then neighbouring pairs; the second list gives each pair's sentence indices."""
    sents = [s for s in sentences(transcript.words) if s]
    out = [_Stretch(text, s[0].start_s) for text, s in zip(sentence_texts(transcript.words), sents)]
    pairs = [(i, i + 1) for i in range(len(sents) - 1)]
    out += [_Stretch(out[i].text + " " + out[j].text, out[i].start_s) for i, j in pairs]
    return out, pairs


def _keyword_hits(item: RubricItem, text: str) -> tuple[str, ...]:
    low = " " + re.sub(r"[^\w'%/-]+", " ", text.lower().replace("’", "'")) + " "
    return tuple(k for k in item.keywords if f" {k.lower()} " in low or (k == "%" and "%" in low))


def reference_texts(question: Question) -> tuple[list[str], list[int]]:
    """The texts an answer is compared with (each rubric item's description and examples), and the
    index of the item each belongs to."""
    refs: list[str] = []
    owner: list[int] = []
    for k, item in enumerate(question.rubric):
        for text in (item.description, *item.examples):
            refs.append(text)
            owner.append(k)
    return refs, owner


def analyse_rubric(
    transcript: Transcript, question: Question, encoder: Encoder | None, options: RubricOptions = RubricOptions()
) -> RubricResult:
    """Coverage of ``question.rubric`` by ``transcript``; ``encoder`` embeds sentences."""
    items = question.rubric
    if not items:
        return RubricResult(items=(), coverage=1.0)
    stretches, pairs = _stretches(transcript)
    if not stretches or encoder is None:
        missed = tuple(ItemCoverage(i.id, i.description, MISSED, 0.0, 0.0, "", None, ()) for i in items)
        return RubricResult(items=missed, coverage=0.0)
    refs, owner = reference_texts(question)
    n_sent = len(stretches) - len(pairs)
    emb = encoder.encode([s.text for s in stretches[:n_sent]] + refs)
    s_emb, r_emb = emb[:n_sent], emb[n_sent:]
    if pairs:
        pair_emb = np.array([s_emb[i] + s_emb[j] for i, j in pairs])
        pair_emb /= np.maximum(np.linalg.norm(pair_emb, axis=1, keepdims=True), 1e-12)
        s_emb = np.vstack([s_emb, pair_emb])
    # (stretches, refs); embeddings are unit length. In float64, where the products of float32 values
    # are exact, so the order BLAS sums them in moves a similarity by ~1e-14 at most (embed.DTYPE)
    sim = s_emb.astype(np.float64) @ r_emb.astype(np.float64).T
    owner_arr = np.array(owner)
    results = []
    for k, item in enumerate(items):
        item_sim = sim[:, owner_arr == k].max(axis=1)
        hits = [_keyword_hits(item, s.text) for s in stretches]
        scores = item_sim + np.array([options.keyword_bonus if h else 0.0 for h in hits])
        best = int(np.argmax(scores))
        score, similarity = float(scores[best]), float(item_sim[best])
        if best >= n_sent:  # a pair won: show one sentence of it if that alone nearly matches
            i, j = pairs[best - n_sent]
            single = i if scores[i] >= scores[j] else j
            if scores[single] >= score - EVIDENCE_SINGLE_MARGIN:
                best = single
        status = COVERED if score >= options.covered_at else PARTLY if score >= options.partly_at else MISSED
        found = status != MISSED
        results.append(
            ItemCoverage(
                id=item.id,
                description=item.description,
                status=status,
                score=score,
                similarity=similarity,
                evidence=stretches[best].text if found else "",
                evidence_start_s=stretches[best].start_s if found else None,
                keywords=hits[best] if found else (),
            )
        )
    cov = sum(1.0 if r.status == COVERED else 0.5 if r.status == PARTLY else 0.0 for r in results) / len(results)
    return RubricResult(items=tuple(results), coverage=cov)
