"""Fit and check the rational approximation of erf used by ragmath.encoder's GELU.

    python tools/fit_erf.py

erf(z) = z·f(z²) with f smooth and even; on 0 < z ≤ 3.93 (beyond it float32's erf is ±1 to
within 4e-8) f is fitted by P(s)/Q(s), s = z², deg P = deg Q = 5, Q(0) = 1, by linearised
least squares on the relative error, re-weighted by 1/|Q| until it settles (Loeb's
iteration). The script prints the coefficients (ragmath.encoder._ERF_P, _ERF_Q) and the
largest error of their float32 evaluation against scipy.special.erf in float64.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

from ragmath import encoder

CLIP, DEGREE = 3.93, 5


def fit() -> tuple[np.ndarray, np.ndarray]:
    z = np.linspace(0, CLIP, 20001)[1:]
    s, f = z * z, erf(z) / z
    weights = np.ones_like(s)
    for _ in range(30):
        A = np.hstack([np.vander(s, DEGREE + 1, increasing=True),
                       -f[:, None] * np.vander(s, DEGREE + 1, increasing=True)[:, 1:]])
        solution, *_ = np.linalg.lstsq(A * (weights / f)[:, None], weights, rcond=None)
        P, Q = solution[: DEGREE + 1], np.r_[1.0, solution[DEGREE + 1 :]]
        weights = 1 / np.abs(np.polyval(Q[::-1], s))
    return P, Q


def float32_error(P, Q) -> float:
    x = np.linspace(-6, 6, 2_000_001, dtype=np.float32)
    gelu_erf = encoder._gelu_fast(x) / (np.float32(0.5) * x) - 1  # erf(x/√2), where x ≠ 0
    ok = np.abs(x) > 1e-3
    return float(np.abs(gelu_erf[ok] - erf(x[ok].astype(np.float64) / np.sqrt(2))).max())


if __name__ == "__main__":
    P, Q = fit()
    print("P =", tuple(float(c) for c in P))
    print("Q =", tuple(float(c) for c in Q))
    print("the encoder's coefficients agree:", np.allclose(P, encoder._ERF_P, rtol=1e-6)
          and np.allclose(Q, encoder._ERF_Q, rtol=1e-6))
    print(f"largest error of the float32 erf, |x| <= 6: {float32_error(P, Q):.2e}")
