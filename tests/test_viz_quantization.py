"""The pure plotting functions of chapter 5 and their slider wrappers.

The figures are checked through their data (bar lengths, line and marker
coordinates, titles), against values computed here by an independent route:
loops, explicit formulas, or :mod:`ragmath.quantization` functions other than
the one that drew the figure. The cached experiments the figures draw
(``pq_tradeoff_table``, ``lsh_experiment``, ``lsh_curve``) are computed in
:mod:`ragmath.quantization` and tested in ``tests/test_quantization.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.quantization import (
    HNSW,
    LSH_B_MAX,
    ProductQuantizer,
    gaussian_mixture,
    hnsw_ef_table,
    ivf_nprobe_table,
    kmeans,
    lsh_curve,
    lsh_experiment,
    pq_tradeoff_table,
)
from ragmath.viz.quantization import (
    plot_adc_tables,
    plot_ann_recall,
    plot_collision_probability,
    plot_hnsw_layers,
    plot_ivf_cells,
    plot_ivf_tradeoff,
    plot_ivf_tradeoff_grid,
    plot_lsh_grid,
    plot_lsh_tradeoff,
    plot_pq_tradeoff,
    plot_pq_tradeoff_grid,
    plot_product_quantization_2d,
)
from ragmath.widgets import SliderFigure
from ragmath.widgets.quantization import ivf_nprobe_explorer, lsh_banding_explorer, pq_tradeoff_explorer

SMALL = {"ms": (2, 4), "ks": (4, 16), "n": 800, "d": 8, "n_queries": 20, "n_train": 400, "n_iter": 5, "seed": 1}


@pytest.fixture(scope="module")
def small_table():
    return pq_tradeoff_table(**SMALL)


def lines_by_label(ax) -> dict:
    return {line.get_label(): line.get_xydata() for line in ax.lines}


# ------------------------------------------------------------------ PQ figures
def test_plot_pq_tradeoff_shows_memory_distortion_and_recall(small_table):
    fig = plot_pq_tradeoff(4, 16, table=small_table, d=8)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    ax_mem, ax_dist, ax_rec = fig.axes
    widths = {t.get_text(): p.get_width() for t, p in zip(ax_mem.get_yticklabels(), ax_mem.patches)}
    assert widths == {"raw float32": 32, "PQ code": 2.0}
    row = small_table[3]
    np.testing.assert_allclose(lines_by_label(ax_dist)["current"], [[2.0, row["distortion"]]])
    np.testing.assert_allclose(lines_by_label(ax_rec)["current"], [[2.0, row["recall"]]])
    assert ax_rec.get_title() == f"recall@10 = {row['recall']:.2f}"
    assert ax_mem.get_title() == "m = 4, k = 16: 16× smaller"
    with pytest.raises(ValueError, match=r"\(m, k\) = \(8, 16\)"):
        plot_pq_tradeoff(8, 16, table=small_table, d=8)


def test_plot_pq_tradeoff_grid_has_one_line_per_k(small_table):
    fig = plot_pq_tradeoff_grid(small_table)
    ax_rec, ax_dist = fig.axes
    lines = lines_by_label(ax_rec)
    assert set(lines) == {"k = 4", "k = 16"}
    expected = [(r["bytes_per_vector"], r["recall"]) for r in small_table if r["k"] == 16]
    np.testing.assert_allclose(lines["k = 16"], expected)
    expected = [(r["bytes_per_vector"], r["distortion"]) for r in small_table if r["k"] == 4]
    np.testing.assert_allclose(lines_by_label(ax_dist)["k = 4"], expected)


def test_plot_product_quantization_2d_draws_the_grid_of_all_pairs():
    fig = plot_product_quantization_2d(k=3, n=600, seed=2)
    ax_km, ax_pq = fig.axes
    X, _ = gaussian_mixture(600, 2, n_clusters=6, spread=0.5, seed=2, dtype=np.float64)
    pq = ProductQuantizer(m=2, k=3, n_iter=50, seed=2).fit(X)
    grid = lines_by_label(ax_pq)["reconstructions"]
    expected = {(a, b) for a in pq.codebooks_[0][:, 0] for b in pq.codebooks_[1][:, 0]}
    assert len(grid) == 9 and set(map(tuple, grid)) == expected
    verticals = sorted(line.get_xdata()[0] for line in ax_pq.lines if line.get_label() == "codebook 1")
    np.testing.assert_allclose(verticals, np.sort(pq.codebooks_[0][:, 0]))
    C, labels = kmeans(X, 9, n_iter=50, seed=2)
    assert len(lines_by_label(ax_km)["centroids"]) == 9
    distortion = np.mean(((X - C[labels]) ** 2).sum(1))
    assert f"distortion {distortion:.3f}" in ax_km.get_title()


def test_plot_collision_probability():
    fig = plot_collision_probability(n_bits=4000, lengths=(0.5, 3.0), seed=1)
    ax0, ax1 = fig.axes
    lines = lines_by_label(ax0)
    theta, p = lines["1 − θ/π"].T
    np.testing.assert_allclose(p, 1 - np.radians(theta) / math.pi, atol=1e-12)
    sim_theta, sim_p = lines["simulated"].T
    expected = 1 - np.radians(sim_theta) / math.pi
    assert np.all(np.abs(sim_p - expected) <= 5 * np.sqrt(expected * (1 - expected) / 4000) + 1e-12)
    curves = lines_by_label(ax1)
    # lifted vectors (ℓ, 0, 1) and (ℓ cos θ, ℓ sin θ, 1): the angle between them
    for length in (0.5, 3.0):
        t, q = curves[f"ℓ = {length:g}"].T
        cos = (length**2 * np.cos(np.radians(t)) + 1) / (length**2 + 1)
        np.testing.assert_allclose(q, 1 - np.arccos(np.clip(cos, -1, 1)) / math.pi, atol=1e-9)
    short, long = curves["ℓ = 0.5"][90, 1], curves["ℓ = 3"][90, 1]  # θ = 90°
    assert short > long > 0.5


# ----------------------------------------------------------------- LSH figures
def test_plot_lsh_tradeoff_draws_the_s_curve_and_the_current_point():
    fig = plot_lsh_tradeoff(5, 12)
    ax_s, ax_r = fig.axes
    p, S = lines_by_label(ax_s)["1 − (1 − pʳ)ᵇ"].T
    np.testing.assert_allclose(S, 1 - (1 - p**5) ** 12, atol=1e-12)
    threshold = lines_by_label(ax_s)["threshold"][0, 0]
    assert threshold == pytest.approx((1 / 12) ** (1 / 5))
    curve = lsh_curve(5)
    n = lsh_experiment()["n"]
    np.testing.assert_allclose(lines_by_label(ax_r)["current"], [[curve["candidates"][11] / n, curve["recall"][11]]])
    assert len(lines_by_label(ax_r)[f"r = 5, b = 1..{LSH_B_MAX}"]) == LSH_B_MAX
    with pytest.raises(ValueError, match="plot_lsh_tradeoff"):
        plot_lsh_tradeoff(5, LSH_B_MAX + 1)
    with pytest.raises(ValueError, match="plot_lsh_tradeoff: r"):
        plot_lsh_tradeoff(0, 1)


def test_plot_lsh_grid():
    fig = plot_lsh_grid(rs=(2, 8), bs=(1, 16))
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["r = 2", "r = 8", "recall@10"]
    p, S = lines_by_label(fig.axes[1])["b = 16"].T
    np.testing.assert_allclose(S, 1 - (1 - p**8) ** 16, atol=1e-12)
    recall = lines_by_label(fig.axes[2])["r = 8"][:, 1]
    np.testing.assert_allclose(recall, lsh_curve(8)["recall"][[0, 15]])


# ---------------------------------------------------------------- the widgets
def test_pq_tradeoff_explorer_redraws_on_slider_moves():
    w = pq_tradeoff_explorer()
    assert isinstance(w, SliderFigure) and set(w.controls) == {"m", "k"}
    first = w.figure
    w.controls["m"].value = 4
    w.controls["k"].value = 16
    assert w.figure is not first and w.params == {"m": 4, "k": 16}
    row = next(r for r in pq_tradeoff_table() if (r["m"], r["k"]) == (4, 16))
    assert w.figure.axes[2].get_title() == f"recall@10 = {row['recall']:.2f}"
    widths = [p.get_width() for p in w.figure.axes[0].patches]
    assert widths == [128, 2.0]


def test_lsh_banding_explorer_redraws_on_slider_moves():
    w = lsh_banding_explorer()
    w.controls["r"].value = 12
    w.controls["b"].value = 30
    assert w.params == {"r": 12, "b": 30}
    assert w.figure.axes[0].get_title().startswith("r = 12, b = 30")
    curve = lsh_curve(12)
    assert f"recall@10 = {curve['recall'][29]:.2f}" in w.figure.axes[1].get_title()


# ------------------------------------------------------- IVFADC and HNSW figures
@pytest.fixture(scope="module")
def small_ivf():
    return ivf_nprobe_table(n_lists=(4, 8), nprobes=(1, 2, 4), seeds=(0, 1))


@pytest.fixture(scope="module")
def small_hnsw():
    return hnsw_ef_table(efs=(5, 20), params=(4, 16), seeds=(0, 1))


def test_plot_adc_tables_stacks_the_looked_up_entries():
    fig = plot_adc_tables(m=3, k=4, n_codes=2, seed=0)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    points, _ = gaussian_mixture(401, 6, n_clusters=8, seed=0, dtype=np.float64)
    pq = ProductQuantizer(3, 4, n_iter=20, seed=0).fit(points[:400])
    T = pq.distance_tables(points[400])
    codes = pq.encode(points[:2])
    bars = fig.axes[1].patches
    assert len(bars) == 6
    for i in range(2):
        heights = [bars[3 * i + j].get_height() for j in range(3)]
        np.testing.assert_allclose(heights, T[np.arange(3), codes[i]])
    outlines = [p for p in fig.axes[0].patches if not p.get_fill()]
    assert len(outlines) == 6


@pytest.mark.parametrize("kwargs, name", [({"m": 0}, "m"), ({"m": 17}, "m"), ({"k": 1}, "k"),
                                          ({"k": 33}, "k"), ({"n_codes": 6}, "n_codes")])
def test_plot_adc_tables_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plot_adc_tables(**kwargs)


def test_plot_ivf_cells_counts_the_points_of_the_visited_cells():
    fig = plot_ivf_cells(n_lists=8, nprobes=(1, 8), seed=2)
    assert len(fig.axes) == 2
    X, _ = gaussian_mixture(1200, 2, n_clusters=6, spread=0.6, seed=2, dtype=np.float64)
    kmeans(X, 8, n_iter=30, seed=2)
    assert "1200 of 1200 points compared" in fig.axes[1].get_title()
    assert "10 of 10 true neighbours inside" in fig.axes[1].get_title()
    assert "1 of 8 cells visited" in fig.axes[0].get_title()


@pytest.mark.parametrize("kwargs, name", [({"n_lists": 1}, "n_lists"), ({"n_lists": 65}, "n_lists"),
                                          ({"nprobes": (13,)}, "nprobes"), ({"nprobes": ()}, "nprobes"),
                                          ({"n_neighbours": 0}, "n_neighbours")])
def test_plot_ivf_cells_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plot_ivf_cells(**kwargs)


def test_plot_hnsw_layers_draws_every_layer_of_the_graph():
    fig = plot_hnsw_layers(n=120, M=4, seed=1)
    X = np.random.default_rng(1).random((120, 2))
    graph = HNSW(4, 32, 1).build(X)
    assert len(fig.axes) == graph.top_ + 1
    for ax, layer in zip(fig.axes, range(graph.top_, -1, -1)):
        n_nodes = len(graph.layers_[layer])
        assert ax.get_title().startswith(f"layer {layer}: {n_nodes} node{'s' * (n_nodes != 1)}, ")
    assert fig.axes[0].get_title().startswith(f"layer {graph.top_}: 1 node, ")  # one entry point, singular
    path = graph.greedy_path(1.0 - X[graph.entry_point_])
    route_0 = [node for layer, node in path if layer == 0]
    drawn = fig.axes[-1].lines[0].get_xydata()
    np.testing.assert_allclose(drawn, X[route_0])


@pytest.mark.parametrize("kwargs, name", [({"n": 10}, "n"), ({"M": 1}, "M"), ({"M": 17}, "M")])
def test_plot_hnsw_layers_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plot_hnsw_layers(**kwargs)


def test_plot_ann_recall_draws_the_tables(small_ivf, small_hnsw):
    fig = plot_ann_recall(small_ivf, small_hnsw)
    assert len(fig.axes) == 2
    first = fig.axes[0].lines[0].get_xydata()
    np.testing.assert_allclose(first[:, 0], small_ivf[0]["scanned"].mean(axis=0) / 859)
    np.testing.assert_allclose(first[:, 1], small_ivf[0]["recall"].mean(axis=0))
    hnsw_line = fig.axes[1].lines[0].get_xydata()
    np.testing.assert_allclose(hnsw_line[:, 1], small_hnsw["recall"].mean(axis=0))
    with pytest.raises(ValueError, match="table"):
        plot_ann_recall((), small_hnsw)


def test_plot_ivf_tradeoff_and_its_grid(small_ivf):
    fig = plot_ivf_tradeoff(8, 2, small_ivf)
    row = small_ivf[1]
    assert fig.axes[0].get_title().startswith(f"recall@10 {row['recall'][:, 1].mean():.3f}")
    widths = [p.get_width() for p in fig.axes[1].patches]
    assert widths[:2] == [8 * 384, 2 * 16 * 384] and widths[-1] == 859 * 384
    with pytest.raises(ValueError, match="n_lists"):
        plot_ivf_tradeoff(5, 1, small_ivf)
    with pytest.raises(ValueError, match="nprobe"):
        plot_ivf_tradeoff(4, 8, small_ivf)
    grid = plot_ivf_tradeoff_grid(small_ivf)
    assert len(grid.axes) == 2 and grid.axes[0].get_title() == "4 lists"
    labels = [t.get_text() for t in grid.axes[0].texts]
    assert labels == [f"{f:.0%}" for f in small_ivf[0]["scanned"].mean(axis=0) / 859]
    with pytest.raises(ValueError, match="table"):
        plot_ivf_tradeoff_grid(())


def test_ivf_nprobe_explorer_redraws_on_slider_moves():
    w = ivf_nprobe_explorer()
    assert isinstance(w, SliderFigure) and set(w.controls) == {"n_lists", "nprobe"}
    first = w.figure
    w.controls["n_lists"].value = 32
    w.controls["nprobe"].value = 2
    assert w.figure is not first and w.params == {"n_lists": 32, "nprobe": 2}
    row = ivf_nprobe_table()[2]
    assert w.figure.axes[0].get_title().startswith(f"recall@10 {row['recall'][:, 1].mean():.3f}")
