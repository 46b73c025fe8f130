"""The pure plotting functions of chapter 8 and their slider wrappers, checked through their data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ragmath.rag import document_distribution, rag_marginals
from ragmath.viz.rag import (
    plot_rag_marginals,
    plot_rag_marginals_grid,
    plot_rag_pipeline,
    plot_retrieval_distribution,
    plot_retrieval_distribution_grid,
)
from ragmath.widgets.rag import rag_marginals_explorer, retrieval_explorer

RNG = np.random.default_rng(0)
DOCS = RNG.standard_normal((30, 4))
QUERY = RNG.standard_normal(4)


def softmax(values):
    m = max(values)
    e = [math.exp(v - m) for v in values]
    return [x / math.fsum(e) for x in e]


def test_pipeline_has_five_steps():
    fig = plot_rag_pipeline()
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for step in "12345":
        assert step in texts
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 7
    assert any("generator" in t for t in texts) and any("query encoder" in t for t in texts)


def test_plot_retrieval_distribution_bars():
    fig = plot_retrieval_distribution(QUERY, DOCS, k=3, temperature=0.2, n_show=8)
    assert isinstance(fig, Figure)
    heights = [p.get_height() for p in fig.axes[0].patches]
    d = document_distribution(QUERY, DOCS, k=3, temperature=0.2)
    np.testing.assert_allclose(heights[:8], d["full"][:8])
    np.testing.assert_allclose(heights[8:], d["truncated"][:8])
    assert f"dropped mass {d['dropped']:.3f}" in fig.axes[0].get_title()


def test_plot_retrieval_distribution_grid():
    fig = plot_retrieval_distribution_grid(QUERY, DOCS, temperatures=(0.1, 1.0), ks=(2, 5, 9))
    assert len(fig.axes) == 6
    assert "τ = 1, k = 9" in fig.axes[5].get_title()


def test_plot_retrieval_distribution_rejects_bad_k():
    with pytest.raises(ValueError, match="plot_retrieval_distribution: k"):
        plot_retrieval_distribution(QUERY, DOCS, k=0)


SCORES = np.array([2.0, 1.0, 0.0])
TOKENS = np.array([[0.9, 0.8], [0.2, 0.3], [0.05, 0.6]])


def test_plot_rag_marginals_data():
    fig = plot_rag_marginals(SCORES, TOKENS, temperature=0.5, tokens=["a", "b"])
    m = rag_marginals(SCORES, TOKENS, 0.5)
    table = np.asarray(fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(table[:3], TOKENS)
    np.testing.assert_allclose(table[3], m["token_mixture"])
    np.testing.assert_allclose([p.get_width() for p in fig.axes[1].patches], m["doc_probs"])
    heights = [p.get_height() for p in fig.axes[2].patches]
    assert heights == pytest.approx([m["log_sequence"], m["log_token"]])


def test_plot_rag_marginals_grid():
    fig = plot_rag_marginals_grid(SCORES, TOKENS, temperatures=(0.1, 1.0))
    assert len(fig.axes) == 3
    lines = {line.get_label(): line for line in fig.axes[-1].lines}
    t = lines["RAG-Sequence"].get_xdata()[10]
    m = rag_marginals(SCORES, TOKENS, t)
    assert lines["RAG-Sequence"].get_ydata()[10] == pytest.approx(m["log_sequence"])
    assert lines["RAG-Token"].get_ydata()[10] == pytest.approx(m["log_token"])


def test_retrieval_explorer_moves():
    w = retrieval_explorer(QUERY, DOCS, k=2, temperature=0.1, n_show=10)
    w.controls["k"].value = 6
    assert w.params["k"] == 6
    heights = [p.get_height() for p in w.figure.axes[0].patches][10:]
    assert np.count_nonzero(heights) == 6


def test_rag_marginals_explorer_moves():
    w = rag_marginals_explorer(SCORES, TOKENS)
    w.controls["temperature"].value = 1.0
    widths = [p.get_width() for p in w.figure.axes[1].patches]
    np.testing.assert_allclose(widths, softmax(SCORES.tolist()), rtol=1e-6)


# ------------------------------------------------------------------ issue 15: the new figures
from ragmath.viz.rag import (  # noqa: E402
    plot_in_batch_matrix,
    plot_prior_posterior,
    plot_seed_study,
    plot_training_curve,
)


def test_plot_prior_posterior_bars_and_step():
    prior, posterior = [0.5, 0.3, 0.2], [0.9, 0.05, 0.05]
    fig = plot_prior_posterior(prior, posterior, labels=["a", "b", "c"], temperature=0.5)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert np.allclose(heights, prior + posterior)
    steps = [p.get_height() for p in fig.axes[1].patches]
    assert np.allclose(steps, (np.array(posterior) - prior) / 0.5)
    with pytest.raises(ValueError, match="posterior"):
        plot_prior_posterior(prior, [0.9, 0.05, 0.5])
    with pytest.raises(ValueError, match="labels"):
        plot_prior_posterior(prior, posterior, labels=["a"])
    with pytest.raises(ValueError, match="temperature"):
        plot_prior_posterior(prior, posterior, temperature=0)


def test_plot_in_batch_matrix_marks_false_negatives():
    S = np.array([[2.0, 2.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 3.0]])
    M = np.zeros((3, 3), dtype=bool)
    M[0, 1] = True
    fig = plot_in_batch_matrix(S, M)
    ax = fig.axes[0]
    pi = ax.images[0].get_array()
    assert np.allclose(pi.sum(axis=1), 1) and math.isclose(pi[0, 0], pi[0, 1])
    assert list(zip(ax.lines[0].get_xdata(), ax.lines[0].get_ydata())) == [(1, 0)]
    with pytest.raises(ValueError, match="scores"):
        plot_in_batch_matrix(S[:2], M[:2])
    with pytest.raises(ValueError, match="false_negatives"):
        plot_in_batch_matrix(S, np.eye(3, dtype=bool))
    with pytest.raises(ValueError, match="labels"):
        plot_in_batch_matrix(S, M, labels=["x"])


def test_plot_seed_study_points():
    results = {"a": [0.70, 0.71, 0.69], "b": [0.72, 0.74, 0.73]}
    fig = plot_seed_study(results, baseline_name="a")
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and len(ax.collections) == 2
    assert np.allclose(ax.collections[1].get_offsets()[:, 1], results["b"])
    with pytest.raises(ValueError, match="baseline_name"):
        plot_seed_study(results, baseline_name="c")
    with pytest.raises(ValueError, match="seeds"):
        plot_seed_study({"a": [0.7, 0.71], "b": [0.7]})
    with pytest.raises(TypeError, match="results"):
        plot_seed_study([0.7, 0.71])


def test_plot_training_curve_lines():
    fig = plot_training_curve([1.0, 0.5, 0.4], {"NDCG@10": [0.7, 0.72, 0.71], "MRR": [0.9, 0.88, 0.9]},
                              stop_epoch=2)
    assert len(fig.axes) == 2 and np.allclose(fig.axes[0].lines[0].get_ydata(), [1.0, 0.5, 0.4])
    assert [line.get_label() for line in fig.axes[1].lines[:2]] == ["NDCG@10", "MRR"]
    with pytest.raises(ValueError, match="held_out"):
        plot_training_curve([1.0, 0.5], {"x": [0.7]})
    with pytest.raises(ValueError, match="stop_epoch"):
        plot_training_curve([1.0, 0.5], {"x": [0.7, 0.8]}, stop_epoch=3)
