"""The numpy MiniLM encoder gives the embeddings sentence-transformers gives."""

import json

import numpy as np
import pytest

from voicecoach.analysis.embed import load_encoder

pytestmark = pytest.mark.model  # MiniLM


def test_matches_sentence_transformers(data):
    ref = json.loads((data / "minilm_reference.json").read_text())
    ours = load_encoder().encode(ref["sentences"])
    theirs = np.array(ref["embeddings"], dtype=np.float32)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() > 0.999, cos


def test_paraphrase_is_closer_than_unrelated():
    enc = load_encoder()
    a, b, c = enc.encode(
        ["I did my master's at Stanford.", "academic background and education", "I enjoy cooking pasta on weekends."]
    )
    assert a @ b > a @ c + 0.1


def test_empty_input():
    assert load_encoder().encode([]).shape == (0, 384)


def test_remembered_texts_give_the_same_embeddings(data):
    """A rubric embedded ahead of time (Scorer embeds it while the answer is transcribed) gives the
    rows it would have got in one call with the answer's sentences."""
    from voicecoach.analysis.embed import SentenceEncoder

    enc = load_encoder()
    fresh = SentenceEncoder(weights=enc.weights, tokenizer=enc.tokenizer, n_layers=enc.n_layers, n_heads=enc.n_heads)
    sentences = json.loads((data / "minilm_reference.json").read_text())["sentences"]
    together = fresh.encode(sentences)
    fresh.remember(sentences[::2])
    assert set(fresh.remembered) == set(sentences[::2])
    mixed = fresh.encode(sentences)
    assert np.allclose(mixed, together, atol=1e-5)
