"""Product quantization and locality-sensitive hashing (chapter 5).

Every public function cites the label of the equation it implements in
``book/05-quantization.md`` (prefix ``pq-`` for k-means and product
quantization, ``lsh-`` for locality-sensitive hashing, ``ivf-`` and ``hnsw-``
for inverted files and graph indexes; the index memory and
the inner products from codes of chapter 10 are ``cap-``); the chapter checks
each one numerically. The package has one module per topic, and every public
name is importable from here (``ragmath.quantization.kmeans`` is the function):

- :mod:`~ragmath.quantization.kmeans`: k-means by Lloyd's algorithm;
- :mod:`~ragmath.quantization.pq`: :class:`ProductQuantizer` (Jégou, Douze &
  Schmid 2011) and the memory of an index;
- :mod:`~ragmath.quantization.lsh`: random-hyperplane LSH (Charikar 2002),
  collision probabilities, banding;
- :mod:`~ragmath.quantization.ivf`: :class:`IVFPQ`, the inverted file with
  product-quantized residuals (IVFADC, Jégou, Douze & Schmid 2011);
- :mod:`~ragmath.quantization.hnsw`: :class:`HNSW`, hierarchical navigable
  small-world graphs (Malkov & Yashunin 2020);
- :mod:`~ragmath.quantization.experiments`: the chapter's synthetic corpus,
  recall@k and the cached sweeps its figures and widgets draw.

::

    kmeans(X, k)                    -> (centroids (k, d), labels (n,))
    ProductQuantizer(m, k).fit(X)   -> codebooks_ (m, k, d/m)
        .encode(X)                  -> codes (n, m), uint8 (uint16 if k > 256)
        .decode(codes)              -> (n, d)
        .distance_tables(q)         -> (m, k) squared distances
        .search(queries, codes, k)  -> (indices, squared distances), best first
        .inner_product_scores(q, codes) -> q · x̂ for every code
    pq_memory_bytes(n, d, m, k)     -> {"codes", "codebooks", "total", "raw"}
    RandomHyperplaneLSH(n_bits, dim).hash(X)   -> (n, n_bits) bool
    hyperplane_collision_probability(theta)    -> 1 − θ/π
    s_curve(p, r, b)                           -> 1 − (1 − p^r)^b
    IVFPQ(n_lists, m, k).fit(X).add(X).search(queries, k, nprobe)
    HNSW(M, ef_construction).build(X).search(queries, k, ef)

Nothing here uses NumPy's global random state: every random choice comes
from ``seed``, an int (``numpy.random.default_rng(seed)``) or a
``numpy.random.Generator``. Ties are broken by the lower index.
"""

from .experiments import (
    EMBEDDING_DATA,
    EMBEDDING_LSH_BS,
    EMBEDDING_LSH_RS,
    EMBEDDING_PQ_CONFIGS,
    EMBEDDING_SEEDS,
    HNSW_EFS,
    HNSW_PARAMS,
    IVF_N_LISTS,
    IVF_NPROBES,
    IVF_PQ,
    LSH_B_MAX,
    LSH_R_MAX,
    PQ_KS,
    PQ_MS,
    embedding_benchmark,
    embedding_lsh_table,
    embedding_pq_table,
    expected_candidate_fraction,
    gaussian_mixture,
    hnsw_ef_table,
    ivf_nprobe_table,
    lsh_curve,
    lsh_experiment,
    pq_tradeoff,
    pq_tradeoff_table,
    recall_at_k,
)
from .hnsw import HNSW, hnsw_expected_top_level, hnsw_levels
from .ivf import IVFPQ, ivfadc_cost, ivfpq_memory_bytes
from .kmeans import INITS, kmeans, kmeans_history, kmeans_objective
from .lsh import (
    OffsetHyperplaneLSH,
    RandomHyperplaneLSH,
    angle_estimate,
    angle_estimate_variance,
    hyperplane_collision_probability,
    lsh_candidates,
    lsh_recall_curve,
    offset_collision_probability,
    s_curve,
    s_curve_inflection,
    s_curve_threshold,
)
from .pq import (
    ProductQuantizer,
    adc_cost,
    bytes_per_vector,
    dense_index_bytes,
    lsh_index_bytes,
    popular_pq_memory_formula,
    pq_distortion,
    pq_memory_bytes,
    sparse_index_bytes,
)

__all__ = [
    # k-means
    "kmeans",
    "kmeans_history",
    "kmeans_objective",
    "INITS",
    # product quantization and the memory of an index
    "ProductQuantizer",
    "pq_distortion",
    "pq_memory_bytes",
    "popular_pq_memory_formula",
    "adc_cost",
    "bytes_per_vector",
    "dense_index_bytes",
    "sparse_index_bytes",
    "lsh_index_bytes",
    # LSH
    "RandomHyperplaneLSH",
    "OffsetHyperplaneLSH",
    "hyperplane_collision_probability",
    "offset_collision_probability",
    "angle_estimate",
    "angle_estimate_variance",
    "s_curve",
    "s_curve_threshold",
    "s_curve_inflection",
    "lsh_candidates",
    "lsh_recall_curve",
    # the chapter's data, recall and sweeps
    "gaussian_mixture",
    "recall_at_k",
    "pq_tradeoff",
    "pq_tradeoff_table",
    "lsh_experiment",
    "lsh_curve",
    "PQ_MS",
    "PQ_KS",
    "LSH_R_MAX",
    "LSH_B_MAX",
    # the real chunk embeddings (all-MiniLM-L6-v2) beside isotropic vectors
    "embedding_benchmark",
    "embedding_pq_table",
    "embedding_lsh_table",
    "expected_candidate_fraction",
    "EMBEDDING_DATA",
    "EMBEDDING_SEEDS",
    "EMBEDDING_PQ_CONFIGS",
    "EMBEDDING_LSH_RS",
    "EMBEDDING_LSH_BS",
    # inverted files with residual codes (IVFADC) and graph indexes (HNSW)
    "IVFPQ",
    "ivfadc_cost",
    "ivfpq_memory_bytes",
    "HNSW",
    "hnsw_levels",
    "hnsw_expected_top_level",
    "ivf_nprobe_table",
    "hnsw_ef_table",
    "IVF_N_LISTS",
    "IVF_NPROBES",
    "IVF_PQ",
    "HNSW_EFS",
    "HNSW_PARAMS",
]
