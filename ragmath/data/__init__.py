"""The book's own corpus: passages, queries, relevance judgements and QA pairs.

Every text in it was written for the book (no external data set, nothing to
download), so every chapter that retrieves, ranks or answers runs offline on the
same small collection. The page ``book/corpus.md`` describes how it was made and
how relevance was graded.

>>> from ragmath.data import load_corpus
>>> corpus = load_corpus()
>>> corpus.passages.columns.tolist()
['passage_id', 'topic', 'title', 'text']
>>> qrels = corpus.qrels_dict()   # {query_id: {passage_id: grade}}, for ragmath.metrics.evaluate

The four tables of :class:`Corpus` (pandas DataFrames with a default
``RangeIndex``, rows in file order; ``string`` is :class:`pandas.StringDtype`,
whose values are Python ``str``):

``passages`` (``passages.jsonl``), one row per passage, ids ``p001``, ``p002``, ... in order:
    ``passage_id`` string, ``topic`` string (one of :data:`TOPICS`), ``title`` string,
    ``text`` string (plain English, 40 to 120 words).
``queries`` (``queries.jsonl``), one row per query, ids ``q01``, ``q02``, ...:
    ``query_id`` string, ``text`` string, ``topic`` string (one of :data:`TOPICS`).
``qrels`` (``qrels.tsv``), one row per judged (query, passage) pair, sorted by query then passage:
    ``query_id`` string, ``passage_id`` string, ``grade`` int64 in {0, 1, 2, 3}:
    3 answers the query directly and fully, 2 highly relevant, 1 marginally relevant,
    0 judged and not relevant (deliberate near misses). Unjudged passages count as not relevant.
``qa`` (``qa.jsonl``), one row per question-answer pair, ids ``a01``, ``a02``, ...:
    ``qa_id`` string, ``question`` string, ``answer`` string (a short exact span of the
    passage), ``passage_id`` string, ``answer_start`` int64, the character offset of the
    answer in the passage's text: ``text[answer_start:answer_start + len(answer)] == answer``.

The files are read once (cached); every call of :func:`load_corpus` returns fresh
copies of the DataFrames, so a chapter may modify what it gets without affecting
the next call.

The corpus's all-MiniLM-L6-v2 embeddings (:func:`load_embeddings`) are stored beside
it: float32 ``.npy`` files made once by ``tools/embed_corpus.py`` with
:mod:`ragmath.encoder`, and a manifest, ``minilm.json``, holding the SHA-256 of the
weights, of the corpus files they were computed from and of each array. Loading checks
the hashes, so a corpus edited without re-embedding fails loudly instead of silently
pairing new texts with old vectors.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

__all__ = [
    "BOOK_TOPICS",
    "DISTRACTOR_TOPICS",
    "TOPICS",
    "COLUMNS",
    "Corpus",
    "load_corpus",
    "EMBEDDING_KINDS",
    "CHUNK_SIZE",
    "CHUNK_OVERLAP",
    "embedding_texts",
    "embedding_manifest",
    "load_embeddings",
]

#: The subjects of the book, roughly 40 to 50 passages each.
BOOK_TOPICS = ("retrieval", "linear-algebra", "probability", "optimisation", "language-models")
#: Unrelated subjects (about a dozen passages each): distractors and hard negatives.
DISTRACTOR_TOPICS = ("cooking", "geography", "sport", "gardening", "music", "history")
#: Every topic label a passage or a query may carry.
TOPICS = BOOK_TOPICS + DISTRACTOR_TOPICS

_STRING = pd.StringDtype()

#: Column name -> dtype of each table, in column order (the contract of the docstring).
COLUMNS: dict[str, dict[str, object]] = {
    "passages": {"passage_id": _STRING, "topic": _STRING, "title": _STRING, "text": _STRING},
    "queries": {"query_id": _STRING, "text": _STRING, "topic": _STRING},
    "qrels": {"query_id": _STRING, "passage_id": _STRING, "grade": "int64"},
    "qa": {
        "qa_id": _STRING,
        "question": _STRING,
        "answer": _STRING,
        "passage_id": _STRING,
        "answer_start": "int64",
    },
}

_FILES = {
    "passages": "passages.jsonl",
    "queries": "queries.jsonl",
    "qrels": "qrels.tsv",
    "qa": "qa.jsonl",
}


@dataclass(frozen=True, eq=False)
class Corpus:
    """The corpus of the book: four DataFrames (columns and dtypes in the module docstring).

    Attributes
    ----------
    passages, queries, qrels, qa : pandas.DataFrame
        Copies owned by the caller (see :func:`load_corpus`).
    """

    passages: pd.DataFrame = field(repr=False)
    queries: pd.DataFrame = field(repr=False)
    qrels: pd.DataFrame = field(repr=False)
    qa: pd.DataFrame = field(repr=False)

    def qrels_dict(self) -> dict[str, dict[str, int]]:
        """The judgements as ``{query_id: {passage_id: grade}}`` (the TREC dict convention).

        Every judged pair is included, grade 0 too (``ragmath.metrics.evaluate`` uses all
        of a query's judgements for the ideal ranking and counts grades <= 0 as not
        relevant). Keys are ``str``, grades Python ``int``; queries and passages appear
        in the order of ``self.qrels``. A new dictionary is built at every call.
        """
        result: dict[str, dict[str, int]] = {}
        for query_id, passage_id, grade in zip(
            self.qrels["query_id"], self.qrels["passage_id"], self.qrels["grade"], strict=True
        ):
            result.setdefault(str(query_id), {})[str(passage_id)] = int(grade)
        return result

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(getattr(self, name))} rows" for name in _FILES)
        return f"Corpus({sizes})"


def load_corpus() -> Corpus:
    """Load the book's corpus (the files shipped inside :mod:`ragmath.data`).

    The files are parsed once per process; each call returns a new :class:`Corpus`
    holding deep copies of the cached DataFrames, so modifying them is safe.

    Returns
    -------
    Corpus
        ``passages``, ``queries``, ``qrels`` and ``qa`` DataFrames, with the columns
        and dtypes listed in the module docstring, and :meth:`Corpus.qrels_dict`.
    """
    cached = _load_cached()
    return Corpus(**{name: getattr(cached, name).copy(deep=True) for name in _FILES})


@functools.lru_cache(maxsize=1)
def _load_cached() -> Corpus:
    return Corpus(
        passages=_read_jsonl("passages"),
        queries=_read_jsonl("queries"),
        qrels=_read_tsv("qrels"),
        qa=_read_jsonl("qa"),
    )


def _read_text(table: str) -> str:
    return resources.files(__name__).joinpath(_FILES[table]).read_text(encoding="utf-8")


def _read_jsonl(table: str) -> pd.DataFrame:
    columns = COLUMNS[table]
    expected = list(columns)
    records = []
    for number, line in enumerate(_read_text(table).splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"load_corpus: {_FILES[table]} line {number} is not JSON ({error})"
            ) from None
        if not isinstance(record, dict) or list(record) != expected:
            keys = list(record) if isinstance(record, dict) else type(record).__name__
            raise ValueError(
                f"load_corpus: {_FILES[table]} line {number} has keys {keys}; expected {expected}"
            )
        for key, dtype in columns.items():
            wanted = int if dtype == "int64" else str
            value = record[key]
            if type(value) is not wanted:
                raise ValueError(
                    f"load_corpus: {_FILES[table]} line {number}: {key} is "
                    f"{type(value).__name__} {value!r}; expected {wanted.__name__}"
                )
        records.append(record)
    return _typed(pd.DataFrame.from_records(records, columns=expected), table)


def _read_tsv(table: str) -> pd.DataFrame:
    expected = list(COLUMNS[table])
    frame = pd.read_csv(
        io.StringIO(_read_text(table)), sep="\t", dtype=str, keep_default_na=False
    )
    if list(frame.columns) != expected:
        raise ValueError(
            f"load_corpus: {_FILES[table]} has columns {list(frame.columns)}; expected {expected}"
        )
    return _typed(frame, table)


def _typed(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast every column to its documented dtype (a bad value raises ValueError naming it)."""
    for column, dtype in COLUMNS[table].items():
        try:
            frame[column] = frame[column].astype(dtype)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"load_corpus: {_FILES[table]} column {column!r} "
                f"cannot be read as {dtype} ({error})"
            ) from None
    return frame


# ----------------------------------------------------------------- embeddings
#: What :func:`load_embeddings` holds, one row per text, in the corpus's order:
#: ``passages`` (the passages' texts), ``queries`` (the queries' texts), ``questions``
#: (the QA questions) and ``chunks`` (the windows of ``ragmath.pipeline.chunk_corpus``
#: with ``CHUNK_SIZE`` and ``CHUNK_OVERLAP``, the capstone's chunks).
EMBEDDING_KINDS = ("passages", "queries", "questions", "chunks")
#: The chunk window of the stored chunk embeddings, in tokens (chapter 10's).
CHUNK_SIZE = 40
#: The overlap of consecutive chunks of the stored chunk embeddings, in tokens.
CHUNK_OVERLAP = 10
_MANIFEST = "minilm.json"
_SOURCES = {"passages": "passages", "queries": "queries", "questions": "qa", "chunks": "passages"}


def embedding_texts(kind: str) -> list[str]:
    """The texts behind the stored embeddings of ``kind``, in row order.

    Parameters
    ----------
    kind : str
        One of :data:`EMBEDDING_KINDS`.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For an unknown kind.

    Examples
    --------
    >>> embedding_texts("chunks")[0].split()[:4]
    ['an', 'inverted', 'index', 'maps']
    """
    _check_kind(kind, "embedding_texts")
    corpus = _load_cached()
    if kind == "passages":
        return corpus.passages["text"].tolist()
    if kind == "queries":
        return corpus.queries["text"].tolist()
    if kind == "questions":
        return corpus.qa["question"].tolist()
    from ..pipeline import chunk_corpus

    passages = corpus.passages
    return chunk_corpus(passages["text"].tolist(), passages["passage_id"].tolist(),
                        size=CHUNK_SIZE, overlap=CHUNK_OVERLAP).texts


def _check_kind(kind, func: str) -> None:
    if kind not in EMBEDDING_KINDS:
        raise ValueError(f"{func}: kind must be one of {', '.join(EMBEDDING_KINDS)}, got {kind!r}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_hashes() -> dict[str, str]:
    """SHA-256 of each corpus file, by table name (what the manifest records)."""
    return {table: _sha256(_read_text(table).encode("utf-8")) for table in _FILES}


def embedding_manifest() -> dict:
    """The manifest of the stored embeddings (``minilm.json``): model, hashes, shapes.

    Returns
    -------
    dict
        ``model`` (name and the weights' SHA-256), ``sources`` (SHA-256 of each corpus
        file), ``chunking`` (size, overlap), ``arrays`` (per kind: file, shape, dtype,
        SHA-256 of the file) and ``made_by`` (the script).
    """
    return json.loads(resources.files(__name__).joinpath(_MANIFEST).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=len(EMBEDDING_KINDS))
def _load_embeddings(kind: str) -> np.ndarray:
    func = "load_embeddings"
    manifest = embedding_manifest()
    entry = manifest["arrays"][kind]
    current = source_hashes()[_SOURCES[kind]]
    if manifest["sources"][_SOURCES[kind]] != current:
        raise ValueError(
            f"{func}: the stored {kind} embeddings were computed from another version of "
            f"{_FILES[_SOURCES[kind]]} (SHA-256 {manifest['sources'][_SOURCES[kind]][:12]}…, now "
            f"{current[:12]}…); recompute them with 'python tools/embed_corpus.py'"
        )
    data = resources.files(__name__).joinpath(entry["file"]).read_bytes()
    if _sha256(data) != entry["sha256"]:
        raise ValueError(f"{func}: {entry['file']} does not match its SHA-256 in {_MANIFEST}; "
                         f"recompute it with 'python tools/embed_corpus.py'")
    array = np.load(io.BytesIO(data), allow_pickle=False)
    if array.dtype != np.float32 or list(array.shape) != entry["shape"]:
        raise ValueError(f"{func}: {entry['file']} holds {array.dtype} {array.shape}, "
                         f"the manifest says float32 {tuple(entry['shape'])}")
    array.flags.writeable = False
    return array


def load_embeddings(kind: str = "passages") -> np.ndarray:
    """The stored all-MiniLM-L6-v2 embeddings of the corpus, float32, unit rows.

    Row i is ``ragmath.encoder.load_minilm().encode(embedding_texts(kind))[i]``,
    computed once by ``tools/embed_corpus.py``; the hashes of the manifest are checked.

    Parameters
    ----------
    kind : str
        One of :data:`EMBEDDING_KINDS`: "passages" (308 × 384), "queries",
        "questions" or "chunks".

    Returns
    -------
    ndarray of float32, (n, 384)
        A copy the caller may modify.

    Raises
    ------
    ValueError
        For an unknown kind, or when a hash differs (the corpus changed since the
        embeddings were computed, or a file is damaged).

    Examples
    --------
    >>> E = load_embeddings("passages")
    >>> E.shape, E.dtype, bool(np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-6))
    ((308, 384), dtype('float32'), True)
    """
    _check_kind(kind, "load_embeddings")
    return _load_embeddings(kind).copy()
