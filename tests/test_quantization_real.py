"""Chapter 5 on real embeddings: the experiments of ragmath.quantization.experiments and their figures.

The database is the corpus's 859 stored chunk embeddings (all-MiniLM-L6-v2), the queries its 93
stored query embeddings; the baseline is isotropic unit vectors of the same size and dimension.
Every expected value is recomputed here by an independent route: plain loops over queries and
sub-spaces, brute-force searches with numpy.argsort, direct band comparisons, the S-curve written
out, or Monte Carlo with enough draws that a wrong formula fails by many standard errors. The
tests use small configurations (one seed, one or two (m, k)) so that they run in seconds; the
chapter's full tables are exercised by its notebook.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.data import load_embeddings
from ragmath.quantization import ProductQuantizer, RandomHyperplaneLSH
from ragmath.quantization.experiments import (
    EMBEDDING_DATA,
    EMBEDDING_LSH_BS,
    EMBEDDING_LSH_RS,
    EMBEDDING_PQ_CONFIGS,
    EMBEDDING_SEEDS,
    embedding_benchmark,
    embedding_lsh_table,
    embedding_pq_table,
    expected_candidate_fraction,
)
from ragmath.similarity import random_unit_vectors
from ragmath.viz.quantization import plot_embedding_lsh, plot_embedding_pq


def names(func: str, arg: str) -> str:
    """Regex for an error message of the documented shape '<function>: <argument> ...'."""
    return rf"^{re.escape(func)}: {re.escape(arg)}\b"


def exact_top10(queries, database):
    """Top 10 by inner product, by a stable argsort in float64 (ties by the lower index)."""
    scores = queries.astype(np.float64) @ database.astype(np.float64).T
    return np.argsort(-scores, axis=1, kind="stable")[:, :10]


def stream(seed: int, which: int) -> np.random.Generator:
    """The documented streams: SeedSequence(seed).spawn(4) = data, split, k-means, hyperplanes."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[which])


# ------------------------------------------------------------------------- the data
def test_constants_describe_the_chapters_experiment():
    assert EMBEDDING_DATA == ("chunks", "isotropic")
    assert len(EMBEDDING_SEEDS) >= 5 and len(set(EMBEDDING_SEEDS)) == len(EMBEDDING_SEEDS)
    for m, k in EMBEDDING_PQ_CONFIGS:
        assert 384 % m == 0 and k <= 859 // 2  # also trainable on half the chunks
    assert max(EMBEDDING_LSH_RS) * max(EMBEDDING_LSH_BS) <= 1024


def test_embedding_benchmark_chunks_are_the_stored_embeddings():
    database, queries = embedding_benchmark("chunks", seed=3)  # the seed does not matter
    np.testing.assert_array_equal(database, load_embeddings("chunks"))
    np.testing.assert_array_equal(queries, load_embeddings("queries"))
    database[0, 0] = 99.0  # a fresh copy: the next call is unchanged
    assert embedding_benchmark("chunks")[0][0, 0] != 99.0


def test_embedding_benchmark_isotropic_is_the_documented_draw():
    database, queries = embedding_benchmark("isotropic", seed=2)
    assert database.shape == (859, 384) and queries.shape == (93, 384) and database.dtype == np.float32
    expected = random_unit_vectors(952, 384, seed=stream(2, 0)).astype(np.float32)
    np.testing.assert_array_equal(np.concatenate([database, queries]), expected)
    other, _ = embedding_benchmark("isotropic", seed=3)
    assert not np.allclose(other, database)
    # sim-isotropic-cosine: cosines of mean 0 and variance 1/d (79,887 uncorrelated pairs)
    cosines = (queries.astype(np.float64) @ database.astype(np.float64).T).ravel()
    assert abs(cosines.mean()) < 4 / math.sqrt(384 * cosines.size)
    assert abs(384 * np.mean(cosines**2) - 1) < 0.05


def test_embedding_benchmark_rejects_bad_arguments():
    with pytest.raises(ValueError, match=names("embedding_benchmark", "data")):
        embedding_benchmark("gaussian")
    with pytest.raises(ValueError, match=names("embedding_benchmark", "seed")):
        embedding_benchmark("isotropic", seed=-1)
    with pytest.raises(TypeError, match=names("embedding_benchmark", "seed")):
        embedding_benchmark("isotropic", seed=1.5)


# --------------------------------------------------------------------------- PQ
def test_embedding_pq_table_by_an_independent_route():
    (row,) = embedding_pq_table("chunks", configs=((16, 16),), seeds=(1,))
    database, queries = load_embeddings("chunks"), load_embeddings("queries")
    pq = ProductQuantizer(16, 16, n_iter=5, seed=stream(1, 2), init="random").fit(database)
    codes = pq.encode(database)
    recon = pq.decode(codes).astype(np.float64)
    x = database.astype(np.float64)
    # ADC ranks by ‖q − x̂‖²: a brute-force search over the reconstructions, then recall by sets
    truth = exact_top10(queries, database)
    hits = []
    for q, t in zip(queries.astype(np.float64), truth):
        found = np.argsort(((recon - q) ** 2).sum(axis=1), kind="stable")[:10]
        hits.append(len(set(found.tolist()) & set(t.tolist())) / 10)
    assert row["m"] == 16 and row["k"] == 16 and row["bytes_per_vector"] == 16 * 4 / 8
    np.testing.assert_allclose(row["recall_per_query"][0], hits)
    assert row["recall"][0] == pytest.approx(np.mean(hits))
    errors = ((x - recon) ** 2).sum(axis=1)
    assert row["distortion"][0] == pytest.approx(math.fsum(errors) / len(x), rel=1e-9)
    spread = ((x - x.mean(axis=0)) ** 2).sum(axis=1).mean()
    assert row["relative_distortion"][0] == pytest.approx(row["distortion"][0] / spread, rel=1e-9)
    assert row["distortion_train"][0] == pytest.approx(row["distortion"][0], rel=1e-9)  # trained on all
    assert math.isnan(row["distortion_heldout"][0])
    with pytest.raises(ValueError):
        row["recall"][0] = 1.0  # the cached arrays are read-only


def test_embedding_pq_table_half_trains_on_the_documented_half():
    (row,) = embedding_pq_table("chunks", "half", configs=((8, 16),), seeds=(0,))
    database = load_embeddings("chunks")
    order = stream(0, 1).permutation(859)
    train, held = np.sort(order[:429]), np.sort(order[429:])
    pq = ProductQuantizer(8, 16, n_iter=5, seed=stream(0, 2), init="random").fit(database[train])
    recon = pq.decode(pq.encode(database)).astype(np.float64)
    err = ((database.astype(np.float64) - recon) ** 2).sum(axis=1)
    assert row["distortion_train"][0] == pytest.approx(err[train].mean(), rel=1e-9)
    assert row["distortion_heldout"][0] == pytest.approx(err[held].mean(), rel=1e-9)
    assert row["distortion_heldout"][0] > row["distortion_train"][0]  # unseen vectors are worse


def test_embedding_pq_table_on_isotropic_data_uses_the_draw_of_each_seed():
    rows = embedding_pq_table("isotropic", configs=((8, 16),), seeds=(0, 1))
    for s, seed in enumerate((0, 1)):
        database, queries = embedding_benchmark("isotropic", seed)
        pq = ProductQuantizer(8, 16, n_iter=5, seed=stream(seed, 2), init="random").fit(database)
        found, _ = pq.search(queries, pq.encode(database), 10)
        truth = exact_top10(queries, database)
        recall = np.mean([np.isin(t, f).mean() for f, t in zip(found, truth)])
        assert rows[0]["recall"][s] == pytest.approx(recall)


def test_embedding_pq_table_rejects_bad_arguments():
    func = "embedding_pq_table"
    with pytest.raises(ValueError, match=names(func, "data")):
        embedding_pq_table("gaussian", configs=((8, 16),), seeds=(0,))
    with pytest.raises(ValueError, match=names(func, "train")):
        embedding_pq_table("chunks", "some", configs=((8, 16),), seeds=(0,))
    with pytest.raises(ValueError, match=names(func, "seeds")):
        embedding_pq_table("chunks", configs=((8, 16),), seeds=())
    with pytest.raises(ValueError, match=names(func, "configs")):
        embedding_pq_table("chunks", configs=((0, 16),), seeds=(0,))
    with pytest.raises(ValueError, match=r"must divide the dimension"):
        embedding_pq_table("chunks", configs=((7, 16),), seeds=(0,))
    with pytest.raises(ValueError, match=r"at least k training rows"):
        embedding_pq_table("chunks", "half", configs=((8, 512),), seeds=(0,))
    with pytest.raises(TypeError):
        embedding_pq_table("chunks", configs=[(8, 16)], seeds=(0,))  # a list is not hashable


# -------------------------------------------------------------------------- LSH
def s_curve_by_hand(p, r, b):
    return 1.0 - (1.0 - p**r) ** b


def test_expected_candidate_fraction_by_hand():
    assert expected_candidate_fraction([1.0, 0.0, -1.0], 1, 1) == pytest.approx(0.5)
    assert expected_candidate_fraction([0.0], 2, 3) == pytest.approx(1 - 0.75**3)
    cosines = np.random.default_rng(0).uniform(-1, 1, size=(7, 11))
    p = 1 - np.arccos(cosines) / math.pi
    assert expected_candidate_fraction(cosines, 3, 5) == pytest.approx(s_curve_by_hand(p, 3, 5).mean())
    assert expected_candidate_fraction([1.0 + 1e-7], 4, 4) == 1.0  # rounding beyond 1 is clipped


def test_expected_candidate_fraction_against_simulation():
    """lsh-expected: mean over 400 independent hashings of the candidate fraction."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 6)) + np.array([2.0, 0, 0, 0, 0, 0])  # a common direction
    q = rng.standard_normal(6) + np.array([2.0, 0, 0, 0, 0, 0])
    cosines = X @ q / (np.linalg.norm(X, axis=1) * np.linalg.norm(q))
    r, b, trials = 3, 4, 400
    lsh = RandomHyperplaneLSH(r * b * trials, 6, seed=1)
    same = (lsh.hash(X) == lsh.hash(q)).reshape(40, trials, b, r)
    fractions = same.all(axis=3).any(axis=2).mean(axis=0)  # one candidate fraction per hashing
    expected = expected_candidate_fraction(cosines, r, b)
    assert abs(fractions.mean() - expected) < 4 * fractions.std(ddof=1) / math.sqrt(trials)
    naive = s_curve_by_hand(float(np.mean(1 - np.arccos(cosines) / math.pi)), r, b)
    assert abs(naive - expected) > 0.01  # the mean of S is not S of the mean here


def test_expected_candidate_fraction_rejects_bad_input():
    func = "expected_candidate_fraction"
    with pytest.raises(ValueError, match=names(func, "cosines")):
        expected_candidate_fraction([], 2, 2)
    with pytest.raises(ValueError, match=names(func, "cosines")):
        expected_candidate_fraction([0.5, 1.2], 2, 2)
    with pytest.raises(ValueError, match=names(func, "cosines")):
        expected_candidate_fraction([0.5, np.nan], 2, 2)
    with pytest.raises(ValueError, match=names(func, "r")):
        expected_candidate_fraction([0.5], 0, 2)
    with pytest.raises(TypeError, match=names(func, "b")):
        expected_candidate_fraction([0.5], 2, 2.0)


def test_embedding_lsh_table_by_direct_band_comparisons():
    table = embedding_lsh_table("chunks", rs=(4, 6), bs=(1, 3), seeds=(2,))
    database, queries = load_embeddings("chunks"), load_embeddings("queries")
    lsh = RandomHyperplaneLSH(6 * 3, 384, seed=stream(2, 3))
    Hq, Hd = lsh.hash(queries), lsh.hash(database)
    truth = exact_top10(queries, database)
    for i, r in enumerate((4, 6)):
        for j, b in enumerate((1, 3)):
            shares = np.zeros((93, 859), dtype=bool)
            for band in range(b):
                bits = slice(band * r, (band + 1) * r)
                shares |= (Hq[:, None, bits] == Hd[None, :, bits]).all(axis=2)
            assert table["candidates"][i, 0, j] == pytest.approx(shares.mean())
            found = np.take_along_axis(shares, truth, axis=1)
            assert table["recall"][i, 0, j] == pytest.approx(found.mean())
    agree = (Hq[:, None, :] == Hd[None, :, :]).mean()
    assert table["agreement"][0] == pytest.approx(agree)
    cosines = queries.astype(np.float64) @ database.astype(np.float64).T
    np.testing.assert_allclose(table["cosines"][0], np.clip(cosines, -1, 1))
    np.testing.assert_allclose(table["neighbour_cosines"][0], np.take_along_axis(cosines, truth, axis=1))
    assert table["r"] == (4, 6) and table["b"] == (1, 3) and table["n"] == 859


def test_embedding_lsh_table_rejects_bad_arguments():
    func = "embedding_lsh_table"
    with pytest.raises(ValueError, match=names(func, "data")):
        embedding_lsh_table("gaussian", rs=(4,), bs=(1,), seeds=(0,))
    with pytest.raises(ValueError, match=names(func, "rs")):
        embedding_lsh_table("chunks", rs=(0,), bs=(1,), seeds=(0,))
    with pytest.raises(ValueError, match=names(func, "rs")):
        embedding_lsh_table("chunks", rs=(), bs=(1,), seeds=(0,))
    with pytest.raises(TypeError, match=names(func, "seeds")):
        embedding_lsh_table("chunks", rs=(4,), bs=(1,), seeds=("0",))


# ------------------------------------------------------------------------ figures
@pytest.fixture(scope="module")
def pq_tables():
    configs = ((8, 16), (16, 16), (8, 32))
    return {data: embedding_pq_table(data, configs=configs, seeds=(0, 1)) for data in EMBEDDING_DATA}


@pytest.fixture(scope="module")
def lsh_tables():
    return {data: embedding_lsh_table(data, rs=(4, 8), bs=(1, 4, 16), seeds=(0, 1)) for data in EMBEDDING_DATA}


def test_plot_embedding_pq_draws_the_means_of_the_table(pq_tables):
    fig = plot_embedding_pq(pq_tables)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_rec, ax_dist = fig.axes
    for ax, key in ((ax_rec, "recall"), (ax_dist, "relative_distortion")):
        lines = {c.get_label(): c.lines[0].get_xydata() for c in ax.containers}  # errorbar containers
        assert set(lines) == {"chunks, k = 16", "chunks, k = 32", "isotropic, k = 16", "isotropic, k = 32"}
        rows = [r for r in pq_tables["chunks"] if r["k"] == 16]  # m = 8 then 16
        expected = [[r["bytes_per_vector"], r[key].mean()] for r in rows]
        np.testing.assert_allclose(lines["chunks, k = 16"], expected)
        (bars,) = [c for c in ax.containers if c.get_label() == "isotropic, k = 32"][0].lines[2]
        low_high = bars.get_segments()[0][:, 1]  # ±1 sd around the mean, sd over the 2 seeds
        (row,) = [r for r in pq_tables["isotropic"] if r["k"] == 32]
        sd = row[key].std(ddof=1)
        np.testing.assert_allclose(low_high, [row[key].mean() - sd, row[key].mean() + sd])


def test_plot_embedding_lsh_draws_the_means_of_the_table(lsh_tables):
    fig = plot_embedding_lsh(lsh_tables, bins=20)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_p, ax_r = fig.axes
    labels = {p.get_label() for p in ax_p.patches}
    assert labels == {"chunks, all pairs", "chunks, top 10", "isotropic, all pairs", "isotropic, top 10"}
    lines = {line.get_label(): line.get_xydata() for line in ax_r.lines}
    table = lsh_tables["isotropic"]
    expected = np.column_stack([table["candidates"][1].mean(axis=0), table["recall"][1].mean(axis=0)])
    np.testing.assert_allclose(lines["isotropic, r = 8"], expected)
    for patch in ax_p.patches:  # densities: each histogram integrates to 1 over its range
        values, edges, _ = patch.get_data()
        assert float(np.sum(values * np.diff(edges))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=names("plot_embedding_lsh", "bins")):
        plot_embedding_lsh(lsh_tables, bins=0)
    with pytest.raises(ValueError, match=names("plot_embedding_lsh", "tables")):
        plot_embedding_lsh({"chunks": lsh_tables["chunks"]})
    with pytest.raises(ValueError, match=names("plot_embedding_pq", "tables")):
        plot_embedding_pq({"chunks": ()})
