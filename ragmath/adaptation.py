"""Chapter 9, "Adapting RAG to a domain": training the retriever from the generator.

One function per equation of the chapter; each docstring cites its label
(prefix ``ada-``). Natural logarithms throughout.

- :func:`lsr_distribution` (``ada-lsr``) and :func:`lsr_distribution_from_log`
  (``ada-lsr-log``): the LM-supervised retrieval target of REPLUG;
- :func:`retriever_kl_loss` (``ada-kl-loss``) and its gradient in the
  retriever's scores, :func:`retriever_kl_grad` (``ada-kl-grad``);
- :func:`mixture_likelihood` (``ada-mixture``) and :func:`lm_loss`
  (``ada-lm-loss``): the two losses of dual training (RA-DIT, Atlas);
- :func:`gaussian_on_grid`, :func:`fit_gaussian_kl`: the direction of the KL
  (``ada-kl-directions``);
- :func:`stale_index_simulation`: asynchronous re-indexing (``ada-stale``).
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    _where,
    as_float_array,
    check_choice,
    check_positive_float,
    check_positive_int,
    check_probability_vectors,
    first_bad_index,
)

__all__ = [
    "lsr_distribution",
    "lsr_distribution_from_log",
    "retriever_kl_loss",
    "retriever_kl_grad",
    "mixture_likelihood",
    "lm_loss",
    "gaussian_on_grid",
    "fit_gaussian_kl",
    "stale_index_simulation",
]


def _softmax_last(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _likelihoods(x, name: str, func: str) -> np.ndarray:
    arr = as_float_array(x, name, func, ndim=(1, 2))
    if (arr < 0).any():
        raise ValueError(f"{func}: {name} has a negative likelihood{_where(first_bad_index(arr < 0))}; "
                         "likelihoods are probabilities in [0, 1]")
    if (arr > 1).any():
        raise ValueError(f"{func}: {name} has a likelihood above 1{_where(first_bad_index(arr > 1))}; "
                         "likelihoods are probabilities in [0, 1] (pass log-likelihoods to "
                         "lsr_distribution_from_log)")
    return arr


def lsr_distribution(lm_likelihoods, tau):
    """The LM-supervised retrieval distribution of REPLUG (equation ``ada-lsr``).

    p_LSR(c | x, y) = exp(p_LM(y | c∘x) / τ) / Σ_c' exp(p_LM(y | c'∘x) / τ),

    a softmax over the candidates of their *likelihoods* (probabilities in
    [0, 1]) divided by the temperature τ > 0. ``lm_likelihoods`` is (n,) for
    one query or (B, n) for a batch (one row per query); the result has the same
    shape and sums to 1 along the last axis. Since the likelihoods lie in
    [0, 1], the ratio of two probabilities is at most e^{1/τ}: for τ ≥ 1 no
    candidate gets more than e ≈ 2.7 times the probability of another, whatever
    the likelihoods.
    """
    func = "lsr_distribution"
    lik = _likelihoods(lm_likelihoods, "lm_likelihoods", func)
    tau = check_positive_float(tau, "tau", func)
    return _softmax_last(lik / tau)


def lsr_distribution_from_log(log_likelihoods, tau):
    """The log-likelihood variant of the LSR target (equation ``ada-lsr-log``).

    q_τ(c | x, y) = exp(log p_LM(y | c∘x) / τ) / Σ_c' exp(log p_LM(y | c'∘x) / τ)
                  = p_LM(y | c∘x)^{1/τ} / Σ_c' p_LM(y | c'∘x)^{1/τ};

    for τ = 1 it is the posterior of the candidate given the answer under a
    uniform prior. ``log_likelihoods`` (natural logs, ≤ 0, finite) is (n,) or
    (B, n); computed stably (the row maximum is subtracted first).
    """
    func = "lsr_distribution_from_log"
    log_lik = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=(1, 2))
    if (log_lik > 0).any():
        raise ValueError(f"{func}: log_likelihoods has a positive value{_where(first_bad_index(log_lik > 0))}; "
                         "the log of a probability is at most 0")
    tau = check_positive_float(tau, "tau", func)
    return _softmax_last(log_lik / tau)


def _kl_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Σ_c p log(p/q) per row, 0·log 0 = 0, +inf where p > 0 = q."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1.0)) - np.log(q)), 0.0)
    return terms.sum(axis=-1)


def _two_distributions(p_r, p_lsr, func: str) -> tuple[np.ndarray, np.ndarray]:
    p = check_probability_vectors(p_r, "p_r", func)
    q = check_probability_vectors(p_lsr, "p_lsr", func)
    if p.ndim > 2 or q.ndim > 2:
        raise ValueError(f"{func}: p_r and p_lsr must be 1-D (n,) or 2-D (B, n), got shapes {p.shape} and {q.shape}")
    if p.shape != q.shape:
        raise ValueError(f"{func}: p_r has shape {p.shape} but p_lsr has shape {q.shape}; they must match")
    return p, q


def retriever_kl_loss(p_r, p_lsr) -> float:
    """The retriever's loss KL(p_R ‖ p_LSR) (equation ``ada-kl-loss``).

    KL(p_R ‖ p_LSR) = Σ_c p_R(c | x) log(p_R(c | x) / p_LSR(c | x, y)), in nats,
    with 0·log 0 = 0 and +inf where p_R(c) > 0 = p_LSR(c). For (B, n) batches
    it returns the mean over the B rows. Both arguments are probability vectors
    (rows) of the same shape.
    """
    p, q = _two_distributions(p_r, p_lsr, "retriever_kl_loss")
    kl = _kl_rows(p.astype(np.float64), q.astype(np.float64))
    return float(np.mean(kl))


def retriever_kl_grad(scores, p_lsr) -> np.ndarray:
    """Gradient of KL(softmax(s) ‖ p_LSR) in the retriever's scores s (equation ``ada-kl-grad``).

    With p_R = softmax(s),

        ∂/∂s_c KL(p_R ‖ q) = p_R(c) · (log(p_R(c) / q(c)) − KL(p_R ‖ q)).

    ``scores`` is (n,) or (B, n); for a batch the loss is the mean over rows
    (as in :func:`retriever_kl_loss`), so every row of the gradient is divided
    by B. The components of each row sum to 0 (adding a constant to all scores
    does not change p_R). A zero in ``p_lsr`` makes the loss +inf and the
    gradient undefined: ValueError.
    """
    func = "retriever_kl_grad"
    s = as_float_array(scores, "scores", func, ndim=(1, 2))
    q = check_probability_vectors(p_lsr, "p_lsr", func)
    if q.shape != s.shape:
        raise ValueError(f"{func}: scores has shape {s.shape} but p_lsr has shape {q.shape}; they must match")
    if (q == 0).any():
        raise ValueError(f"{func}: p_lsr has a zero probability{_where(first_bad_index(q == 0))}; "
                         "the KL is +inf there and has no gradient")
    s64 = s.astype(np.float64)
    z = s64 - s64.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    p = np.exp(log_p)
    log_ratio = log_p - np.log(q.astype(np.float64))
    kl = (p * log_ratio).sum(axis=-1, keepdims=True)
    grad = p * (log_ratio - kl)
    if s.ndim == 2:
        grad = grad / s.shape[0]
    return grad.astype(s.dtype, copy=False)


def mixture_likelihood(lm_likelihoods, p_r):
    """The answer's likelihood marginalised over retrieved contexts (equation ``ada-mixture``).

    p_LM(y | x, C') = Σ_{c ∈ C'} p_LM(y | c∘x) p_R(c | x).

    ``lm_likelihoods`` (probabilities in [0, 1]) and ``p_r`` (probability rows)
    have the same shape, (n,) → float, or (B, n) → (B,) array.
    """
    func = "mixture_likelihood"
    lik = _likelihoods(lm_likelihoods, "lm_likelihoods", func)
    p = check_probability_vectors(p_r, "p_r", func)
    if p.shape != lik.shape:
        raise ValueError(f"{func}: lm_likelihoods has shape {lik.shape} but p_r has shape {p.shape}; they must match")
    out = (lik * p).sum(axis=-1)
    return float(out) if out.ndim == 0 else out


def lm_loss(log_likelihoods) -> float:
    """The generator's loss of dual training (equation ``ada-lm-loss``).

    L = − Σ_i Σ_j log p_LM(y_i | c_ij ∘ x_i)

    for an (n_examples, n_contexts) array of natural-log likelihoods (each ≤ 0;
    a 1-D array is one example). A log-likelihood of −inf (an impossible
    answer) gives +inf; nan and +inf raise ValueError.
    """
    func = "lm_loss"
    arr = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=(1, 2), finite=False)
    if np.isnan(arr).any():
        raise ValueError(f"{func}: log_likelihoods contains nan{_where(first_bad_index(np.isnan(arr)))}")
    if (arr > 0).any():
        raise ValueError(f"{func}: log_likelihoods has a positive value{_where(first_bad_index(arr > 0))}; "
                         "the log of a probability is at most 0")
    if np.isneginf(arr).any():
        return float("inf")
    return float(-np.sum(arr, dtype=np.float64))


# ------------------------------------------------------------------ the direction of the KL
def gaussian_on_grid(grid, mean, std) -> np.ndarray:
    """A Gaussian density N(mean, std²) evaluated on ``grid`` and normalised to sum to 1.

    The discrete stand-in for a density in equation ``ada-kl-directions``. The
    grid is 1-D and increasing; ``std`` > 0.
    """
    func = "gaussian_on_grid"
    x = as_float_array(grid, "grid", func, ndim=1)
    mean = float(as_float_array(mean, "mean", func, ndim=0))
    std = check_positive_float(std, "std", func)
    w = np.exp(-0.5 * ((x - mean) / std) ** 2)
    total = w.sum()
    if total == 0:
        raise ValueError(f"{func}: the Gaussian N({mean}, {std}²) has no mass on the grid")
    return w / total


def fit_gaussian_kl(target, grid, direction: str, means, stds):
    """The Gaussian (from a grid of means × stds) closest to ``target`` in one KL direction.

    direction "reverse" minimises KL(q ‖ target) (mode-seeking, the direction of
    ``ada-kl-loss`` with q in the role of p_R); "forward" minimises
    KL(target ‖ q) (mass-covering); equation ``ada-kl-directions``. ``target``
    is a probability vector on ``grid``. Returns (mean, std, kl) of the best
    pair (ties: the first in the order means × stds). A (mean, std) whose
    Gaussian has no mass on the grid (it underflows to 0 at every point) is not
    a distribution there: ValueError.
    """
    func = "fit_gaussian_kl"
    p = check_probability_vectors(target, "target", func)
    x = as_float_array(grid, "grid", func, ndim=1)
    if p.shape != x.shape:
        raise ValueError(f"{func}: target has shape {p.shape} but grid has shape {x.shape}; they must match")
    direction = check_choice(direction, "direction", func, ("reverse", "forward"))
    mu = as_float_array(means, "means", func, ndim=1)
    sd = as_float_array(stds, "stds", func, ndim=1)
    if (sd <= 0).any():
        raise ValueError(f"{func}: stds must be positive{_where(first_bad_index(sd <= 0))}")
    Q = np.exp(-0.5 * ((x[None, None, :] - mu[:, None, None]) / sd[None, :, None]) ** 2)
    total = Q.sum(axis=-1, keepdims=True)
    if (total == 0).any():
        i, j = np.argwhere(total[..., 0] == 0)[0]
        raise ValueError(f"{func}: the Gaussian N({mu[i]}, {sd[j]}²) of means[{i}] and stds[{j}] "
                         "has no mass on the grid")
    Q = Q / total
    P = np.broadcast_to(p, Q.shape)
    kl = _kl_rows(Q, P) if direction == "reverse" else _kl_rows(P, Q)
    i, j = np.unravel_index(int(np.argmin(kl)), kl.shape)
    return float(mu[i]), float(sd[j]), float(kl[i, j])


# ------------------------------------------------------------------ asynchronous re-indexing
def stale_index_simulation(refresh_every: int, *, steps: int = 200, n_passages: int = 400,
                           n_features: int = 24, dim: int = 12, k: int = 10, batch_size: int = 16,
                           lr: float = 0.5, noise: float = 2.0, seed: int = 0) -> dict:
    """Train a passage encoder while a stale index picks the candidates (equation ``ada-stale``).

    A synthetic retrieval task: passage c has features f_c (rows of F, Gaussian),
    the passage encoder is d(c) = f_c W, and a query about passage g has the
    fixed embedding q = f_g W* + noise for a hidden W*. W starts as W* plus
    Gaussian noise of scale ``noise`` (a pre-trained but imperfect encoder).
    Each step draws ``batch_size`` training queries; for each, the **index**
    (the embeddings F W_stale computed at the last refresh) chooses the top-k
    candidates, the **current** encoder scores them, s_c = q·(f_c W), and the
    loss is −log softmax(s)[g] when the gold g is among the candidates (the
    query gives no signal when the stale index missed it). One SGD step on W
    follows. Every ``refresh_every`` steps the index is rebuilt: ``n_passages``
    re-encodings. At the end, held-out queries (other noise draws) are ranked
    with a fresh index.

    Returns a dict: "mrr" (held-out mean reciprocal rank at the end), "recall"
    (held-out recall@k at the end), "mrr_start" (the same before training),
    "reencodings" (passage encodings after the initial index), "refreshes",
    "hit_rate" (fraction of training queries whose gold was among the stale
    candidates) and "curve" (held-out MRR with a fresh index after every 20 steps).
    """
    func = "stale_index_simulation"
    T = check_positive_int(refresh_every, "refresh_every", func)
    steps = check_positive_int(steps, "steps", func)
    n = check_positive_int(n_passages, "n_passages", func, minimum=2)
    f = check_positive_int(n_features, "n_features", func)
    dim = check_positive_int(dim, "dim", func)
    k = check_positive_int(k, "k", func)
    if k > n:
        raise ValueError(f"{func}: k must be at most n_passages={n}, got {k}")
    B = check_positive_int(batch_size, "batch_size", func)
    lr = check_positive_float(lr, "lr", func)
    noise = check_positive_float(noise, "noise", func, allow_zero=True)
    seed = check_positive_int(seed, "seed", func, minimum=0)

    rng = np.random.default_rng(seed)
    F = rng.standard_normal((n, f)) / np.sqrt(f)
    W_true = rng.standard_normal((f, dim))
    W = W_true + noise * rng.standard_normal((f, dim))
    train_gold = rng.integers(n, size=2000)
    train_q = F[train_gold] @ W_true + 0.3 * rng.standard_normal((2000, dim))
    test_gold = rng.integers(n, size=300)
    test_q = F[test_gold] @ W_true + 0.3 * rng.standard_normal((300, dim))

    def evaluate(W_now):
        S = test_q @ (F @ W_now).T
        gold_score = S[np.arange(len(test_gold)), test_gold]
        rank = 1 + (S > gold_score[:, None]).sum(axis=1)
        return float(np.mean(1.0 / rank)), float(np.mean(rank <= k))

    mrr_start, _ = evaluate(W)
    index = F @ W
    refreshes, hits, seen = 0, 0, 0
    curve = []
    for t in range(steps):
        if t > 0 and t % T == 0:
            index = F @ W
            refreshes += 1
        batch = rng.integers(len(train_gold), size=B)
        q, g = train_q[batch], train_gold[batch]
        cand = np.argsort(-(q @ index.T), axis=1, kind="stable")[:, :k]
        is_gold = cand == g[:, None]  # (B, k)
        hit = is_gold.any(axis=1)
        hits += int(hit.sum())
        seen += B
        Fc = F[cand[hit]]  # (h, k, f)
        p = _softmax_last(((Fc @ W) * q[hit][:, None, :]).sum(axis=-1))
        p = p - is_gold[hit]
        grad = (p[:, :, None] * Fc).sum(axis=1).T @ q[hit]
        W = W - lr * grad / B
        if (t + 1) % 20 == 0:
            curve.append(evaluate(W)[0])
    mrr, recall = evaluate(W)
    return {"mrr": mrr, "recall": recall, "mrr_start": mrr_start, "reencodings": refreshes * n,
            "refreshes": refreshes, "hit_rate": hits / seen, "curve": np.array(curve)}
