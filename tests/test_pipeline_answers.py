"""Tests of the answer-level measures, the reader, de-duplication, late interaction and ordering of
ragmath.pipeline (chapter 10): worked examples, independent implementations, properties, bad inputs."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from ragmath.pipeline import (
    answer_in_text,
    answer_recall_at_k,
    answer_support,
    ends_first_order,
    exact_match,
    extract_answer,
    maxsim_scores,
    mmr_select,
    normalize_answer,
    token_f1,
    top_k_distinct_parents,
)


def test_normalize_answer_drops_case_punctuation_and_articles():
    assert normalize_answer("The  Best-Match, an Okapi!") == ["best", "match", "okapi"]
    assert normalize_answer("") == []
    with pytest.raises(TypeError, match="normalize_answer: text"):
        normalize_answer(3)


@pytest.mark.parametrize("pred,truth,em,f1", [
    ("Porter stemmer", "the Porter stemmer", 1.0, 1.0),
    ("Porter", "Porter stemmer", 0.0, 2 / 3),
    ("stemmer Porter", "Porter stemmer", 0.0, 1.0),  # F1 ignores order, EM does not
    ("a b", "the b", 1.0, 1.0),  # articles dropped on both sides
    ("a b", "b b", 0.0, 2 / 3),  # multiplicity: one common b
    ("x y y", "y y z w", 0.0, 2 * 2 / (3 + 4)),  # multiplicity: y counted twice
    ("", "", 1.0, 1.0),
    ("", "okapi", 0.0, 0.0),
])
def test_exact_match_and_f1_worked_examples(pred, truth, em, f1):
    assert exact_match(pred, truth) == em
    assert math.isclose(token_f1(pred, truth), f1)


def test_token_f1_equals_the_counter_form_on_random_bags():
    rng = np.random.default_rng(0)
    words = ["okapi", "bm25", "idf", "term", "the", "k1"]
    for _ in range(300):
        p = " ".join(rng.choice(words, rng.integers(0, 5)))
        t = " ".join(rng.choice(words, rng.integers(1, 5)))
        P, T = Counter(normalize_answer(p)), Counter(normalize_answer(t))
        common = sum((P & T).values())
        if not P or not T:
            want = float(P == T)
        else:
            want = 0.0 if common == 0 else 2 * common / (sum(P.values()) + sum(T.values()))
        assert math.isclose(token_f1(p, t), want)
        assert exact_match(p, t) <= token_f1(p, t)  # EM = 1 forces F1 = 1


def test_answer_in_text_is_a_contiguous_run():
    assert answer_in_text("postings list", "its postings list holds")
    assert not answer_in_text("postings list", "list postings")
    assert not answer_in_text("postings list", "postings of the list")
    assert answer_in_text("The Okapi", "built for okapi at city")  # the article is dropped
    assert not answer_in_text("", "anything")
    with pytest.raises(TypeError, match="answer_in_text: text"):
        answer_in_text("a", None)


def test_answer_recall_at_k_against_a_loop_and_bad_inputs():
    texts = [["x", "okapi system", "y"], ["a b", "c d", "e"], ["1972 was", "z", "w"]]
    answers = ["okapi", "e", "1972"]
    for k in (1, 2, 3):
        want = [float(any(a in t.split() for t in ts[:k])) for ts, a in zip(texts, answers)]
        assert answer_recall_at_k(texts, answers, k).tolist() == want
    with pytest.raises(ValueError, match="answer_recall_at_k: ranked_texts and answers"):
        answer_recall_at_k(texts, answers[:2], 1)
    with pytest.raises(ValueError, match=r"answer_recall_at_k: ranked_texts\[0\]"):
        answer_recall_at_k(texts, answers, 4)
    with pytest.raises(ValueError, match="answer_recall_at_k: k"):
        answer_recall_at_k(texts, answers, 0)


def _span_scores_by_loop(question, texts, max_length, penalty):
    """Every candidate (score, text, start, length, answer) of cap-reader, by brute force."""
    from ragmath.lexical import tokenize
    from ragmath.pipeline import _READER_STOPWORDS

    q = set(tokenize(question))
    content = sorted(q - _READER_STOPWORDS)
    out = []
    for j, text in enumerate(texts):
        tokens = tokenize(text)
        present = [t for t in content if t in tokens]
        if not present:
            continue
        for a in range(1, max_length + 1):
            for s in range(len(tokens) - a + 1):
                span = tokens[s : s + a]
                if any(t in q or t in _READER_STOPWORDS for t in span):
                    continue
                e = s + a - 1
                score = math.fsum(1 / (1 + min(s - i - 1 if i < s else i - e - 1
                                               for i, x in enumerate(tokens) if x == t)) for t in present)
                out.append((score - penalty * (a - 1), j, s, a, " ".join(span)))
    return out


@pytest.mark.parametrize("max_length,penalty", [(1, 0.0), (3, 0.0), (3, 0.5), (4, 0.1)])
def test_extract_answer_matches_a_loop_over_every_span(max_length, penalty):
    rng = np.random.default_rng(max_length)
    vocab = ["okapi", "bm25", "was", "built", "for", "the", "system", "city", "london", "in", "1994", "term"]
    for _ in range(40):
        texts = [" ".join(rng.choice(vocab, rng.integers(3, 12))) for _ in range(rng.integers(1, 4))]
        question = "which system was bm25 built for in " + str(rng.choice(vocab))
        got = extract_answer(question, texts, max_length, penalty)
        candidates = _span_scores_by_loop(question, texts, max_length, penalty)
        if not candidates:
            assert got == ("", -1)
            continue
        best = max(c[0] for c in candidates)
        near = [c for c in candidates if c[0] > best - 1e-12]  # equal up to rounding: the tie rule decides
        first = min(near, key=lambda c: (c[1], c[2], c[3]))
        assert got == (first[4], first[1])
        assert answer_support(got[0], texts[got[1]]) == 1.0  # extractive: supported by its source


def test_extract_answer_abstains_and_rejects_bad_input():
    assert extract_answer("what is okapi", ["nothing relevant here"]) == ("", -1)
    with pytest.raises(ValueError, match="extract_answer: texts"):
        extract_answer("q", [])
    with pytest.raises(ValueError, match="extract_answer: max_length"):
        extract_answer("q", ["a"], max_length=0)
    with pytest.raises(ValueError, match="extract_answer: penalty"):
        extract_answer("q", ["a"], penalty=-1)
    with pytest.raises(TypeError, match="extract_answer: question"):
        extract_answer(None, ["a"])


def test_answer_support_counts_a_bag():
    assert answer_support("okapi okapi", "okapi system") == 0.5
    assert answer_support("", "x") == 0.0
    assert answer_support("not 1972", "in 1972") == 0.5  # the proxy's limit: it only counts words


def test_top_k_distinct_parents_against_a_walk():
    rng = np.random.default_rng(3)
    for _ in range(50):
        parent = np.sort(rng.integers(0, 6, 15))
        s = rng.integers(0, 5, 15).astype(float)  # ties on purpose
        k = int(rng.integers(1, 8))
        seen, want = set(), []
        for c in sorted(range(15), key=lambda c: (-s[c], c)):
            if parent[c] not in seen:
                seen.add(parent[c])
                want.append(c)
        assert top_k_distinct_parents(s, parent, k).tolist() == want[:k]
    with pytest.raises(ValueError, match="top_k_distinct_parents: parent"):
        top_k_distinct_parents([1.0, 2.0], [0], 1)


def test_mmr_against_brute_force_and_its_limits():
    rng = np.random.default_rng(4)
    for _ in range(30):
        X = rng.standard_normal((7, 3))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        rel, sim = rng.random(7), X @ X.T
        lam = float(rng.choice([0.0, 0.3, 0.5, 1.0]))
        chosen = []
        for _ in range(4):
            value = {c: lam * rel[c] - (1 - lam) * max((sim[c, d] for d in chosen), default=0.0)
                     for c in range(7) if c not in chosen}
            if not chosen:
                value = {c: rel[c] for c in range(7)}
            chosen.append(max(value, key=lambda c: (value[c], -c)))
        assert mmr_select(rel, sim, 4, lam).tolist() == chosen
        assert mmr_select(rel, sim, 4, 1.0).tolist() == np.argsort(-rel, kind="stable")[:4].tolist()
    with pytest.raises(ValueError, match="mmr_select: k"):
        mmr_select([1.0, 2.0], np.eye(2), 3)
    with pytest.raises(ValueError, match="mmr_select: lam"):
        mmr_select([1.0, 2.0], np.eye(2), 1, lam=2)
    with pytest.raises(ValueError, match="mmr_select: similarity"):
        mmr_select([1.0, 2.0], np.eye(3), 1)


def test_maxsim_against_a_loop_and_the_mask():
    rng = np.random.default_rng(5)
    Q, D = rng.standard_normal((3, 4)), rng.standard_normal((5, 6, 4))
    mask = rng.random((5, 6)) < 0.7
    mask[:, 0] = True
    want = [sum(max(Q[i] @ D[n, j] for j in range(6) if mask[n, j]) for i in range(3)) for n in range(5)]
    assert np.allclose(maxsim_scores(Q, D, mask), want)
    assert np.allclose(maxsim_scores(Q, D), [sum(max(Q[i] @ D[n, j] for j in range(6)) for i in range(3))
                                             for n in range(5)])
    with pytest.raises(ValueError, match="maxsim_scores: doc_mask keeps no token"):
        maxsim_scores(Q, D, np.zeros((5, 6)))
    with pytest.raises(ValueError, match="maxsim_scores: doc_tokens"):
        maxsim_scores(Q, D[:, :, :3])


@pytest.mark.parametrize("k", range(1, 12))
def test_ends_first_order_is_a_permutation_with_the_best_at_both_ends(k):
    order = ends_first_order(k)
    assert sorted(order.tolist()) == list(range(k))
    assert order[0] == 0 and (k == 1 or order[-1] == 1)
    # the rank sitting at each position never exceeds what the middle holds: ranks fall towards the middle
    left, right = order[: (k + 1) // 2], order[(k + 1) // 2:][::-1]
    assert all(a < b for a, b in itertools.pairwise(left)) and all(a < b for a, b in itertools.pairwise(right))


def test_ends_first_order_rejects_k_below_one():
    with pytest.raises(ValueError, match="ends_first_order: k"):
        ends_first_order(0)
