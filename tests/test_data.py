"""Integrity tests of the book's corpus (:mod:`ragmath.data`).

Two kinds of checks: the shipped files themselves, read here directly with ``json`` and
``csv`` (so that the loader is never compared with itself), and the loader's contract
(columns, dtypes, copies, ``qrels_dict``). Any edit of the data that breaks an id, an
offset, a judgement or the file format makes one of these fail.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from ragmath.data import BOOK_TOPICS, DISTRACTOR_TOPICS, TOPICS, Corpus, load_corpus

DATA = Path(__file__).resolve().parent.parent / "ragmath" / "data"

ALLOWED_TOPICS = {
    "retrieval", "linear-algebra", "probability", "optimisation", "language-models",
    "cooking", "geography", "sport", "gardening", "music", "history",
}  # fmt: skip
KEYS = {
    "passages.jsonl": ["passage_id", "topic", "title", "text"],
    "queries.jsonl": ["query_id", "text", "topic"],
    "qa.jsonl": ["qa_id", "question", "answer", "passage_id", "answer_start"],
}
STRING = pd.StringDtype()
DTYPES = {
    "passages": {"passage_id": STRING, "topic": STRING, "title": STRING, "text": STRING},
    "queries": {"query_id": STRING, "text": STRING, "topic": STRING},
    "qrels": {"query_id": STRING, "passage_id": STRING, "grade": "int64"},
    "qa": {
        "qa_id": STRING, "question": STRING, "answer": STRING,
        "passage_id": STRING, "answer_start": "int64",
    },
}  # fmt: skip


# ------------------------------------------------------------------ raw files, read directly
def read_jsonl(name: str) -> list[dict]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def read_qrels() -> list[tuple[str, str, int]]:
    with open(DATA / "qrels.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    assert rows[0] == ["query_id", "passage_id", "grade"], f"qrels.tsv header is {rows[0]}"
    for number, row in enumerate(rows[1:], start=2):
        assert len(row) == 3, f"qrels.tsv line {number} has {len(row)} fields: {row}"
        assert re.fullmatch(r"[0-3]", row[2]), f"qrels.tsv line {number}: grade {row[2]!r}"
    return [(q, p, int(g)) for q, p, g in rows[1:]]


@pytest.fixture(scope="module")
def passages() -> list[dict]:
    return read_jsonl("passages.jsonl")


@pytest.fixture(scope="module")
def queries() -> list[dict]:
    return read_jsonl("queries.jsonl")


@pytest.fixture(scope="module")
def qrels() -> list[tuple[str, str, int]]:
    return read_qrels()


@pytest.fixture(scope="module")
def qa() -> list[dict]:
    return read_jsonl("qa.jsonl")


@pytest.fixture(scope="module")
def by_query(qrels) -> dict[str, dict[str, int]]:
    judged: dict[str, dict[str, int]] = defaultdict(dict)
    for q, p, g in qrels:
        judged[q][p] = g
    return judged


# ------------------------------------------------------------------ file format
@pytest.mark.parametrize("name", ["passages.jsonl", "queries.jsonl", "qrels.tsv", "qa.jsonl"])
def test_file_is_shipped_as_package_data_and_plain_utf8(name):
    shipped = resources.files("ragmath.data").joinpath(name)
    assert shipped.is_file(), f"{name} is not inside the package ragmath.data"
    raw = (DATA / name).read_bytes()
    text = raw.decode("utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n"), f"{name}: one trailing newline"
    assert "\r" not in text and "\t\t" not in text
    assert all(line.strip() == line and line for line in text.split("\n")[:-1]), (
        f"{name} has a blank line or stray whitespace"
    )


@pytest.mark.parametrize("name", sorted(KEYS))
def test_jsonl_lines_are_canonical(name):
    """One object per line, keys in the documented order, written with ensure_ascii=False."""
    for number, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        record = json.loads(line)
        assert list(record) == KEYS[name], f"{name} line {number}: keys {list(record)}"
        assert json.dumps(record, ensure_ascii=False) == line, (
            f"{name} line {number} is not in the canonical form (json.dumps, ensure_ascii=False)"
        )
        for key, value in record.items():
            expected_type = int if key == "answer_start" else str
            assert type(value) is expected_type, f"{name} line {number}: {key} is {type(value)}"


# ------------------------------------------------------------------ passages
def test_passage_counts(passages):
    assert len(passages) >= 300
    per_topic = Counter(p["topic"] for p in passages)
    for topic in BOOK_TOPICS:
        assert per_topic[topic] >= 40, f"only {per_topic[topic]} passages on {topic}"
    for topic in DISTRACTOR_TOPICS:
        assert 10 <= per_topic[topic] <= 15, f"{per_topic[topic]} passages on {topic}"


def test_passage_ids_are_consecutive_in_file_order(passages):
    ids = [p["passage_id"] for p in passages]
    assert ids == [f"p{i:03d}" for i in range(1, len(ids) + 1)]


def test_topic_lists_match_the_allowed_set(passages, queries):
    assert set(TOPICS) == ALLOWED_TOPICS
    assert set(BOOK_TOPICS) | set(DISTRACTOR_TOPICS) == ALLOWED_TOPICS
    assert {p["topic"] for p in passages} == ALLOWED_TOPICS
    bad = [q["query_id"] for q in queries if q["topic"] not in ALLOWED_TOPICS]
    assert not bad, f"queries with an unknown topic: {bad}"


def test_passages_have_40_to_120_words(passages):
    lengths = {p["passage_id"]: len(p["text"].split()) for p in passages}
    bad = {pid: n for pid, n in lengths.items() if not 40 <= n <= 120}
    assert not bad, f"passages outside 40-120 words: {bad}"
    # Lengths must vary, or BM25's length normalisation has nothing to do.
    assert min(lengths.values()) < 50 and max(lengths.values()) > 100


def test_passages_are_plain_distinct_text(passages):
    normalised = Counter(" ".join(p["text"].lower().split()) for p in passages)
    duplicates = [text[:60] for text, n in normalised.items() if n > 1]
    assert not duplicates, f"passages with identical text: {duplicates}"
    titles = Counter(p["title"] for p in passages)
    assert not [t for t, n in titles.items() if n > 1], "two passages share a title"
    for p in passages:
        text = p["text"]
        assert text == " ".join(text.split()), f"{p['passage_id']}: irregular whitespace"
        assert not re.search(r"\$|`|\\|\*\*|<[a-z/]|\]\(", text), (
            f"{p['passage_id']} contains markup"
        )
        assert text[0].isupper() and text[-1] in ".?!", f"{p['passage_id']}: not a full sentence"
        assert p["title"].strip() == p["title"] and p["title"]


# ------------------------------------------------------------------ queries and judgements
def test_query_counts_and_ids(queries):
    assert len(queries) >= 60
    ids = [q["query_id"] for q in queries]
    assert len(set(ids)) == len(ids), "duplicate query ids"
    assert all(re.fullmatch(r"q\d{2,}", i) for i in ids), ids
    assert ids == sorted(ids, key=lambda i: int(i[1:])), "query ids out of order"
    texts = Counter(q["text"].lower() for q in queries)
    assert not [t for t, n in texts.items() if n > 1], "two identical queries"
    assert all(q["text"].strip() == q["text"] and q["text"] for q in queries)


def test_qrels_point_at_existing_queries_and_passages(passages, queries, qrels):
    passage_ids = {p["passage_id"] for p in passages}
    query_ids = {q["query_id"] for q in queries}
    unknown_q = sorted({q for q, _, _ in qrels} - query_ids)
    unknown_p = sorted({p for _, p, _ in qrels} - passage_ids)
    assert not unknown_q, f"qrels name unknown queries: {unknown_q}"
    assert not unknown_p, f"qrels name unknown passages: {unknown_p}"
    assert {q for q, _, _ in qrels} == query_ids, "a query has no judgements"


def test_grades_and_no_duplicate_judgements(qrels):
    assert {g for _, _, g in qrels} <= {0, 1, 2, 3}
    pairs = Counter((q, p) for q, p, _ in qrels)
    duplicates = [pair for pair, n in pairs.items() if n > 1]
    assert not duplicates, f"judged twice: {duplicates}"
    assert qrels == sorted(qrels, key=lambda r: (int(r[0][1:]), int(r[1][1:]))), (
        "qrels.tsv is not sorted by query, then passage"
    )


def test_every_query_has_graded_relevant_and_judged_negative_passages(by_query, queries):
    for q in queries:
        grades = list(by_query[q["query_id"]].values())
        where = f"{q['query_id']} ({q['text']!r}): grades {sorted(grades)}"
        assert any(g >= 2 for g in grades), where
        assert 1 <= grades.count(3) <= 3, where
        assert 0 in grades, f"{where}: no judged non-relevant passage"
        assert 2 <= sum(g > 0 for g in grades) <= 12, where


def test_relevant_passages_are_never_distractors(by_query, queries, passages):
    """Grades 2 and 3 go to passages on the book's subjects; distractors get 0 or 1 at most."""
    topic = {p["passage_id"]: p["topic"] for p in passages}
    for q in queries:
        for pid, grade in by_query[q["query_id"]].items():
            if grade >= 2:
                assert topic[pid] in BOOK_TOPICS, f"{q['query_id']} -> {pid} ({topic[pid]})"


# ------------------------------------------------------------------ question-answer pairs
def test_qa_counts_ids_and_spans(qa, passages):
    assert len(qa) >= 60
    ids = [a["qa_id"] for a in qa]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"a\d{2,}", i) for i in ids)
    text = {p["passage_id"]: p["text"] for p in passages}
    for a in qa:
        assert a["passage_id"] in text, f"{a['qa_id']}: unknown passage {a['passage_id']}"
        start, answer = a["answer_start"], a["answer"]
        passage = text[a["passage_id"]]
        assert 0 <= start <= len(passage) - len(answer), f"{a['qa_id']}: offset out of range"
        assert passage[start : start + len(answer)] == answer, (
            f"{a['qa_id']}: {answer!r} is not at offset {start} of {a['passage_id']} "
            f"(found {passage[start : start + len(answer)]!r})"
        )
        assert answer and answer == answer.strip() and len(answer.split()) <= 8
        assert a["question"].endswith("?") and a["question"] != answer
        assert passage.find(answer) == start, f"{a['qa_id']}: an earlier occurrence exists"


# ------------------------------------------------------------------ the loader
def test_loader_returns_the_files_with_documented_columns_and_dtypes(passages, queries, qrels, qa):
    corpus = load_corpus()
    assert isinstance(corpus, Corpus)
    raw = {
        "passages": pd.DataFrame(passages),
        "queries": pd.DataFrame(queries),
        "qrels": pd.DataFrame(qrels, columns=["query_id", "passage_id", "grade"]),
        "qa": pd.DataFrame(qa),
    }
    for name, dtypes in DTYPES.items():
        frame = getattr(corpus, name)
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.columns) == list(dtypes), f"{name} columns {list(frame.columns)}"
        for column, dtype in dtypes.items():
            assert frame[column].dtype == dtype, f"{name}.{column} is {frame[column].dtype}"
        assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
        assert len(frame) == len(raw[name])
        for column in dtypes:
            assert frame[column].tolist() == raw[name][column].tolist(), f"{name}.{column}"
        assert not frame.isna().any().any(), f"{name} has missing values"


def test_qrels_dict_agrees_with_the_table(qrels):
    corpus = load_corpus()
    expected: dict[str, dict[str, int]] = {}
    for q, p, g in qrels:
        expected.setdefault(q, {})[p] = g
    result = corpus.qrels_dict()
    assert result == expected
    assert list(result) == list(expected), "query order differs from qrels.tsv"
    for q, judged in result.items():
        assert type(q) is str and all(type(p) is str and type(g) is int for p, g in judged.items())
    # One more check against the DataFrame itself, row by row.
    table = corpus.qrels
    assert sum(map(len, result.values())) == len(table)
    for row in table.itertuples(index=False):
        assert result[row.query_id][row.passage_id] == row.grade
    # A fresh dictionary at every call.
    result["q01"].clear()
    assert corpus.qrels_dict() == expected


def test_load_corpus_returns_copies():
    first = load_corpus()
    pristine = {name: getattr(first, name).copy(deep=True) for name in DTYPES}
    first.passages.loc[0, "text"] = "changed"
    first.queries.loc[0, "text"] = "changed"
    first.qrels["grade"] = 0
    first.qa.loc[:, "answer_start"] = -1
    second = load_corpus()
    for name in DTYPES:
        assert getattr(second, name) is not getattr(first, name)
        pd.testing.assert_frame_equal(getattr(second, name), pristine[name])
    # and the other way round: mutating the second result leaves the first alone
    second.passages.loc[1, "title"] = "changed too"
    assert first.passages.loc[1, "title"] == pristine["passages"].loc[1, "title"]


def test_corpus_is_frozen_and_has_a_short_repr():
    corpus = load_corpus()
    with pytest.raises(dataclasses.FrozenInstanceError):
        corpus.passages = pd.DataFrame()  # type: ignore[misc]
    assert repr(corpus) == (
        f"Corpus(passages={len(corpus.passages)} rows, queries={len(corpus.queries)} rows, "
        f"qrels={len(corpus.qrels)} rows, qa={len(corpus.qa)} rows)"
    )


def test_ragmath_exposes_data_lazily():
    import ragmath

    assert ragmath.data.load_corpus is load_corpus


@pytest.mark.parametrize(
    ("table", "content", "message"),
    [
        ("passages", '{"passage_id": "p001", "topic": "music", "title": "T", "text": "x"}\n{oops\n',
         r"passages\.jsonl line 2 is not JSON"),
        ("queries", '{"text": "a", "query_id": "q01", "topic": "music"}\n',
         r"queries\.jsonl line 1 has keys \['text', 'query_id', 'topic'\]"),
        ("qa", '{"qa_id": "a01", "question": "?", "answer": "x", "passage_id": "p001", '
               '"answer_start": "7"}\n',
         r"qa\.jsonl line 1: answer_start is str '7'; expected int"),
        ("qrels", "query_id\tpassage_id\tgrade\nq01\tp001\thigh\n",
         r"qrels\.tsv column 'grade' cannot be read as int64"),
        ("qrels", "query\tpassage\tgrade\nq01\tp001\t1\n", r"qrels\.tsv has columns"),
    ],
)  # fmt: skip
def test_malformed_files_raise_a_value_error_naming_the_file(monkeypatch, table, content, message):
    import ragmath.data as data

    monkeypatch.setattr(data, "_read_text", lambda name: content)
    reader = data._read_tsv if table == "qrels" else data._read_jsonl
    with pytest.raises(ValueError, match=rf"^load_corpus: {message}"):
        reader(table)


def test_book_page_examples_match_the_data(passages, queries, by_query):
    """book/corpus.md quotes one judged passage per grade: ids, titles, grades, quotes hold."""
    page = (DATA.parent.parent / "book" / "corpus.md").read_text(encoding="utf-8")
    query = re.search(r"For the keyword query `([^`]+)` \(query `(q\d+)`\)", page)
    assert query, "book/corpus.md no longer names its example query"
    text, query_id = query.groups()
    assert {q["query_id"]: q["text"] for q in queries}[query_id] == text
    examples = re.findall(r'\*\*grade (\d)\*\*, (p\d+) \*(.+?)\*: "(.+?)"', page, re.S)
    assert sorted(int(g) for g, *_ in examples) == [0, 1, 2, 3]
    by_id = {p["passage_id"]: p for p in passages}
    for grade, passage_id, title, quote in examples:
        assert by_query[query_id].get(passage_id) == int(grade), f"{passage_id} not grade {grade}"
        assert by_id[passage_id]["title"] == title
        assert " ".join(quote.split()) in by_id[passage_id]["text"], f"quote of {passage_id}"
