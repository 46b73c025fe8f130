"""Hierarchical navigable small-world graphs, HNSW (Malkov & Yashunin 2020), in NumPy (chapter 5).

Every vector is a node of a proximity graph. It gets a random top layer
⌊−ln U · m_L⌋ (``hnsw-level``), so that each layer holds about 1/M of the
nodes of the layer below; a search descends greedily through the sparse
upper layers and then explores the dense bottom layer with a beam of ``ef``
candidates (``hnsw-search``), after greedy steps (``hnsw-greedy``)::

    HNSW(M, ef_construction, seed).build(X)    -> self (the layered graph)
        .search(queries, k, ef)                -> (indices, squared distances), best first
        .n_distances                           -> distances computed by the last search
    hnsw_levels(n, M, seed)                     -> (n,) layer of every node
    hnsw_expected_top_level(n, M)               -> E[the highest layer of n nodes]

This is a teaching implementation: plain Python loops over the graph,
vectorised only over the neighbours of a node, and by default the *simple*
neighbour selection (the M nearest candidates, Algorithm 3 of the paper);
``selection="heuristic"`` uses the paper's heuristic (Algorithm 4, without
its extend-candidates and keep-pruned options). It is exact about the
algorithm, not fast.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from .._validation import (
    as_float_array,
    check_choice,
    check_is_fitted,
    check_positive_int,
    check_random_state,
)

__all__ = ["HNSW", "hnsw_levels", "hnsw_expected_top_level"]


def _check_M(M, func: str) -> int:
    M = check_positive_int(M, "M", func)
    if M < 2:
        raise ValueError(f"{func}: M must be at least 2 (m_L = 1/ln M), got {M}")
    return M


def hnsw_levels(n, M, seed=0) -> np.ndarray:
    """The top layer of every node, ⌊−ln U · m_L⌋ with m_L = 1/ln M (equation ``hnsw-level``).

    U is uniform on (0, 1], one independent draw per node.

    Parameters
    ----------
    n : int
        The number of nodes.
    M : int
        The number of neighbours per node, ≥ 2.
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    numpy.ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        If n < 1 or M < 2.

    Examples
    --------
    >>> levels = hnsw_levels(100_000, 16, seed=0)
    >>> int(levels.min()), bool(abs((levels >= 1).mean() - 1 / 16) < 0.003)
    (0, True)
    """
    func = "hnsw_levels"
    n = check_positive_int(n, "n", func)
    M = _check_M(M, func)
    rng = check_random_state(seed, func)
    u = 1.0 - rng.random(n)  # uniform on (0, 1]
    return np.floor(-np.log(u) / math.log(M)).astype(np.int64)


def hnsw_expected_top_level(n, M) -> float:
    """E[max level of n nodes] = Σ_{l≥1} [1 − (1 − M^{−l})^n] (equation ``hnsw-top-level``).

    Each level is at least l with probability M^{−l} (``hnsw-level-tail``),
    independently, so the highest is below l with probability
    (1 − M^{−l})^n; the expectation of a non-negative integer is the sum of
    its tail probabilities. The sum is cut where its terms fall below 1e-17.

    Parameters
    ----------
    n : int
        The number of nodes.
    M : int
        ≥ 2.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If n < 1 or M < 2.

    Examples
    --------
    >>> round(hnsw_expected_top_level(1, 2), 12)  # one node: E[level] = 1/(M − 1)
    1.0
    >>> round(hnsw_expected_top_level(859, 8), 3)
    3.032
    """
    func = "hnsw_expected_top_level"
    n = check_positive_int(n, "n", func)
    M = _check_M(M, func)
    total, level = 0.0, 1
    while True:
        tail = -math.expm1(n * math.log1p(-(float(M) ** -level)))  # 1 − (1 − M^−l)^n
        total += tail
        if tail < 1e-17:
            return total
        level += 1


class HNSW:
    """A hierarchical navigable small-world graph, descended by greedy steps (equation ``hnsw-greedy``).

    ``build`` inserts the rows one after the other in a random order
    (Algorithm 1 of Malkov & Yashunin): a new node draws its top layer
    (uses ``hnsw-level``), descends greedily from the entry point through the
    layers above it, and on each of its layers searches with a beam of
    ``ef_construction`` candidates and links itself to the M nearest (2M on
    layer 0); a neighbour that then has too many links keeps its nearest.
    Distances are squared Euclidean. On the upper layers a search moves to
    the nearest neighbour of the current node while that is nearer to the
    query (``hnsw-greedy``); on layer 0 it keeps a beam of ef (``hnsw-search``).

    Parameters
    ----------
    M : int, default 8
        Links per node on the upper layers (2M on layer 0), ≥ 2; m_L = 1/ln M.
    ef_construction : int, default 40
        The beam width while building, ≥ 1.
    seed : int, default 0
        Seeds the levels and the insertion order.
    selection : {"simple", "heuristic"}, default "simple"
        How a node chooses its links among the candidates found: the M
        nearest (Algorithm 3 of the paper), or the paper's heuristic
        (Algorithm 4, without its two options), which keeps a candidate
        only if it is nearer to the node than to every link already kept.

    Attributes
    ----------
    levels_ : numpy.ndarray of int64, shape (n,)
        The top layer of each node, after :meth:`build`.
    entry_point_ : int
        A node of the top layer.
    layers_ : list of dict
        ``layers_[l][node]`` is the list of the node's neighbours on layer l.
    n_distances : int
        The number of vector distances computed by the last :meth:`search`
        (or by :meth:`build`).

    Raises
    ------
    ValueError
        If an argument is out of range.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((300, 8))
    >>> graph = HNSW(M=6, ef_construction=32, seed=0).build(X)
    >>> ids, dist = graph.search(X[:5], 1, ef=16)
    >>> print(ids[:, 0])
    [0 1 2 3 4]
    """

    def __init__(self, M=8, ef_construction=40, seed=0, selection="simple"):
        func = "HNSW"
        self.M = _check_M(M, func)
        self.ef_construction = check_positive_int(ef_construction, "ef_construction", func)
        check_random_state(seed, func)
        self.seed = seed
        self.selection = check_choice(selection, "selection", func, ("simple", "heuristic"))
        self.layers_ = None

    def __repr__(self) -> str:
        return f"HNSW(M={self.M}, ef_construction={self.ef_construction}, seed={self.seed})"

    # ------------------------------------------------------------ the graph
    def _distances_from(self, q: np.ndarray, node=None):
        """dist(ids) -> squared distances (a list) from q to the rows ids, counted in ``n_distances``.

        For a small graph (n ≤ 4096) the distances from q to every row are
        computed at once (one matrix product, or a row of the matrix of all
        pairs while building) and looked up; for a large one, only the rows
        asked for are compared with q. Either way the count is of the
        distances the algorithm asks for.
        """
        if self._D is not None:
            row = (self._D[node] if node is not None else np.maximum(
                self._sq - 2.0 * (self._X @ q) + float(q @ q), 0.0)).tolist()

            def dist(ids):  # a list of Python floats, looked up
                self.n_distances += len(ids)
                return [row[i] for i in ids]

            return dist
        q_sq = float(q @ q)

        def dist(ids):
            self.n_distances += len(ids)
            ids = np.asarray(ids, dtype=np.intp)
            return np.maximum(self._sq[ids] - 2.0 * (self._X[ids] @ q) + q_sq, 0.0).tolist()

        return dist

    def _node_distances(self, node: int, ids: list) -> np.ndarray:
        """Squared distances from node to the nodes ids (an array), counted in ``n_distances``."""
        self.n_distances += len(ids)
        if self._D is not None:
            return self._D[node, ids]
        rows = self._X[np.asarray(ids, dtype=np.intp)]
        return np.maximum(self._sq[ids] - 2.0 * (rows @ self._X[node]) + self._sq[node], 0.0)

    def _search_layer(self, dist, entries, entry_dist, ef: int, layer: dict) -> list:
        """The ef nearest nodes found from ``entries`` on one layer, as (distance, node) pairs.

        Algorithm 2 of the paper: a min-heap of candidates to expand and a
        max-heap of the ef best so far; stop when the nearest candidate is
        farther than the worst of the best.
        """
        visited = set(entries)
        candidates = list(zip(entry_dist, entries))
        heapq.heapify(candidates)
        best = [(-d, v) for d, v in zip(entry_dist, entries)]
        heapq.heapify(best)
        while len(best) > ef:
            heapq.heappop(best)
        # the loop of the paper, with the size test and the worst distance of ``best`` kept in
        # locals; (−d, node) pairs are distinct, so the heaps hold the same pairs as with
        # push-then-pop, and every pop returns the same pair
        push, replace = heapq.heappush, heapq.heapreplace
        full = len(best) >= ef
        worst = -best[0][0]
        while candidates:
            d_c, c = heapq.heappop(candidates)
            if d_c > worst:
                break
            fresh = [v for v in layer[c] if v not in visited]
            if not fresh:
                continue
            visited.update(fresh)
            for d_v, v in zip(dist(fresh), fresh):
                if not full or d_v < worst:
                    push(candidates, (d_v, v))
                    if full:  # push, then drop the worst: (−d_v, v) is not the worst
                        replace(best, (-d_v, v))
                    else:
                        push(best, (-d_v, v))
                        full = len(best) >= ef
                    worst = -best[0][0]
        return sorted((-d, v) for d, v in best)

    def _descend(self, dist, top: int, bottom: int) -> tuple:
        """Greedy search (ef = 1) from the entry point down to layer ``bottom``."""
        ep = self.entry_point_
        d_ep = float(dist([ep])[0])
        for layer in range(top, bottom - 1, -1):
            ((d_ep, ep),) = self._search_layer(dist, [ep], [d_ep], 1, self.layers_[layer])
        return ep, d_ep

    def _select(self, found: list, cap: int) -> list:
        """The neighbours kept among ``found`` ((distance, node) pairs, nearest first).

        "simple": the cap nearest (Algorithm 3 of the paper). "heuristic"
        (Algorithm 4, without its options): a candidate is kept only if it is
        nearer to the base node than to every neighbour already kept, so the
        links spread over directions instead of crowding into one cluster.
        """
        if self.selection == "simple" or len(found) <= 1:
            return [v for _, v in found[:cap]]
        kept: list = []
        for d_v, v in found:
            if len(kept) >= cap:
                break
            if not kept or float(self._node_distances(v, kept).min()) > d_v:
                kept.append(v)
        return kept

    def _shrink(self, node: int, layer: dict, cap: int) -> None:
        links = layer[node]
        if len(links) > cap:
            d = self._node_distances(node, links)
            order = np.lexsort((links, d)).tolist()  # nearest first, ties by the lower id
            layer[node] = self._select([(float(d[i]), links[i]) for i in order], cap)

    def build(self, X):
        """Insert every row of X into the graph, in a random order.

        Uses ``hnsw-level`` for the layers and ``hnsw-search`` (with
        ef_construction) to find the neighbours of each new node.

        Parameters
        ----------
        X : array-like, shape (n, d)

        Returns
        -------
        HNSW
            self.

        Raises
        ------
        ValueError
            If X is not a finite 2-D array with at least 2 rows.

        Examples
        --------
        >>> X = np.random.default_rng(0).standard_normal((50, 4))
        >>> graph = HNSW(M=4, seed=1).build(X)
        >>> all(len(graph.layers_[0][v]) <= 8 for v in range(50))
        True
        """
        func = "HNSW.build"
        X = as_float_array(X, "X", func, ndim=2)
        if X.shape[0] < 2:
            raise ValueError(f"{func}: X needs at least 2 rows, got {X.shape[0]}")
        n = X.shape[0]
        rng = check_random_state(self.seed, func)
        self._X = X.astype(np.float64)
        self._sq = np.einsum("ij,ij->i", self._X, self._X)
        self._D = None
        if n <= 4096:  # all pairs at once: n² floats, cheaper than n² small products
            self._D = np.maximum(self._sq[:, None] + self._sq[None, :] - 2.0 * (self._X @ self._X.T), 0.0)
        self.levels_ = hnsw_levels(n, self.M, rng)
        order = rng.permutation(n)
        self.n_distances = 0
        M, M0, efc = self.M, 2 * self.M, self.ef_construction
        self.layers_ = [dict() for _ in range(int(self.levels_.max()) + 1)]
        first = int(order[0])
        for layer in range(self.levels_[first] + 1):
            self.layers_[layer][first] = []
        self.entry_point_, top = first, int(self.levels_[first])
        for node in order[1:].tolist():
            dist, level = self._distances_from(self._X[node], node), int(self.levels_[node])
            ep, d_ep = self._descend(dist, top, level + 1)
            entries, entry_dist = [ep], [d_ep]
            for layer in range(min(level, top), -1, -1):
                graph = self.layers_[layer]
                found = self._search_layer(dist, entries, entry_dist, efc, graph)
                cap = M0 if layer == 0 else M
                chosen = self._select(found, M)  # simple: the M nearest
                graph[node] = chosen
                for v in chosen:
                    graph[v].append(node)
                    self._shrink(v, graph, cap)
                entries = [v for _, v in found]
                entry_dist = [d for d, _ in found]
            for layer in range(top + 1, level + 1):
                self.layers_[layer][node] = []
            if level > top:
                self.entry_point_, top = node, level
        self.top_ = top
        return self

    def greedy_path(self, query) -> list:
        """The nodes a search visits on its way down: (layer, node) from the entry point.

        On every layer above 0, the greedy steps of ``hnsw-greedy`` (move to
        the nearest neighbour while it is nearer to the query), then, on
        layer 0, the same greedy steps (ef = 1) until none is nearer: the
        route the search of ``hnsw-search`` starts from, for drawing it.

        Parameters
        ----------
        query : array-like, shape (d,)

        Returns
        -------
        list of (int, int)
            (layer, node), the entry point first; a node is listed again on
            the next layer down, where the descent continues from it.

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`build`.
        ValueError
            If the query is bad.

        Examples
        --------
        >>> X = np.random.default_rng(0).standard_normal((300, 2))
        >>> graph = HNSW(M=4, seed=0).build(X)
        >>> path = graph.greedy_path(X[5])
        >>> path[0] == (graph.top_, graph.entry_point_), path[-1]
        (True, (0, 5))
        """
        func = "HNSW.greedy_path"
        check_is_fitted(self, "layers_", func, fit="build(X)")
        q = as_float_array(query, "query", func, ndim=1).astype(np.float64)
        if q.shape[0] != self._X.shape[1]:
            raise ValueError(
                f"{func}: query has dimension {q.shape[0]}, the graph was built on {self._X.shape[1]}")
        dist = self._distances_from(q)
        node = self.entry_point_
        d_node = float(dist([node])[0])
        path = []
        for layer in range(self.top_, -1, -1):
            path.append((layer, node))
            while True:
                links = self.layers_[layer][node]
                if not links:
                    break
                d = dist(links)
                best = int(np.lexsort((links, d))[0])
                if d[best] >= d_node:
                    break
                node, d_node = links[best], float(d[best])
                path.append((layer, node))
        return path

    def search(self, queries, k, ef=10):
        """The k nearest nodes: greedy descent, then a beam of ef on layer 0 (equation ``hnsw-search``).

        Parameters
        ----------
        queries : array-like, shape (d,) or (q, d)
        k : int
            The number of results, 1 ≤ k ≤ n.
        ef : int, default 10
            The beam width on layer 0; max(ef, k) is used.

        Returns
        -------
        indices : numpy.ndarray of intp, shape (k,) or (q, k)
            Best first, ties by the lower index.
        distances : numpy.ndarray of float64, same shape
            Squared Euclidean distances.

        Raises
        ------
        NotFittedError
            (a ValueError) Before :meth:`build`.
        ValueError
            If k or ef is out of range or the queries are bad.

        Examples
        --------
        >>> X = np.random.default_rng(0).standard_normal((300, 8))
        >>> graph = HNSW(M=6, seed=0).build(X)
        >>> ids, dist = graph.search(X[7] + 0.01, 3, ef=30)
        >>> int(ids[0]), bool(graph.n_distances < 300)
        (7, True)
        """
        func = "HNSW.search"
        check_is_fitted(self, "layers_", func, fit="build(X)")
        Q = as_float_array(queries, "queries", func, ndim=(1, 2))
        if Q.shape[-1] != self._X.shape[1]:
            raise ValueError(
                f"{func}: queries have dimension {Q.shape[-1]}, the graph was built on {self._X.shape[1]}"
            )
        n = self._X.shape[0]
        k = check_positive_int(k, "k", func)
        if k > n:
            raise ValueError(f"{func}: k must be at most the number of nodes {n}, got {k}")
        ef = max(check_positive_int(ef, "ef", func), k)
        Q2 = np.atleast_2d(Q).astype(np.float64)
        self.n_distances = 0
        out_ids = np.empty((Q2.shape[0], k), dtype=np.intp)
        out_dist = np.empty((Q2.shape[0], k))
        for r, q in enumerate(Q2):
            dist = self._distances_from(q)
            ep, d_ep = self._descend(dist, self.top_, 1)
            found = self._search_layer(dist, [ep], [d_ep], ef, self.layers_[0])[:k]
            out_ids[r] = [v for _, v in found]
            out_dist[r] = [d for d, _ in found]
        if Q.ndim == 1:
            return out_ids[0], out_dist[0]
        return out_ids, out_dist
