"""Independent reference for lmforge's scaling-law fits, written from the papers.

Hoffmann et al. 2022 ("Training Compute-Optimal Large Language Models"), approach 3:
    L(N, D) = E + A / N^alpha + B / D^beta
fitted by minimising  sum_i Huber_delta( LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i )
with delta = 1e-3, A = e^a, B = e^b, E = e^e, using L-BFGS from a grid of starting points
and keeping the best.  Kaplan et al. 2020: L(N) = (N_c / N)^alpha_N, least squares in log
space.  Compute-optimal allocation for C = 6 N D (Hoffmann eq. 4).

Usage: scaling_fit.py POINTS.jsonl [hoffmann|quick]  -> prints one JSON object:
  {"E", "A", "B", "alpha", "beta", "objective", "kaplan": {"alpha_N", "N_c"},
   "optimal": [{"C", "N", "D", "loss"}, ...] for C in 1e15, 1e18, 1e21}
POINTS.jsonl rows carry N, D and loss.  The start grids are the ones docs/scaling.md states:
hoffmann (the paper's): alpha, beta in {0, 0.5, 1, 1.5, 2}; e in {-1, -0.5, 0, 0.5, 1};
a, b in {0, 5, 10, 15, 20, 25} (4500 starts); quick: a, b in {0, 10, 20}; e in {0};
alpha, beta in {0.5, 1.5} (36 starts).
"""
import itertools
import json
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

DELTA = 1e-3


GRIDS = {
    "hoffmann": ([0.0, 5.0, 10.0, 15.0, 20.0, 25.0], [-1.0, -0.5, 0.0, 0.5, 1.0], [0.0, 0.5, 1.0, 1.5, 2.0]),
    "quick": ([0.0, 10.0, 20.0], [0.0], [0.5, 1.5]),
}


def fit_hoffmann(N, D, L, grid):
    logN, logD, logL = np.log(N), np.log(D), np.log(L)

    def objective(p):
        a, b, e, alpha, beta = p
        terms = np.stack([a - alpha * logN, b - beta * logD, np.full_like(logN, e)])
        r = logsumexp(terms, axis=0) - logL
        f = huber(DELTA, r).sum()
        # gradient: dHuber/dr = clip(r, -delta, delta); dLSE/dterm_k = softmax weights
        w = np.exp(terms - logsumexp(terms, axis=0))
        h = np.clip(r, -DELTA, DELTA)
        g = np.array([(h * w[0]).sum(), (h * w[1]).sum(), (h * w[2]).sum(),
                      -(h * w[0] * logN).sum(), -(h * w[1] * logD).sum()])
        return f, g

    best = None
    abs_, es, alphas = GRIDS[grid]
    for a, b, e, alpha, beta in itertools.product(abs_, abs_, es, alphas, alphas):
        res = minimize(objective, np.array([a, b, e, alpha, beta]), jac=True, method="L-BFGS-B",
                       options={"maxiter": 10000, "ftol": 0.0, "gtol": 1e-13, "maxcor": 10})
        if best is None or res.fun < best.fun:
            best = res
    a, b, e, alpha, beta = best.x
    return {"A": float(np.exp(a)), "B": float(np.exp(b)), "E": float(np.exp(e)),
            "alpha": float(alpha), "beta": float(beta), "objective": float(best.fun)}


def fit_kaplan(N, D, L):
    # Kaplan's L(N) describes models trained to convergence: each size's most-trained point.
    by_n = {}
    for n, d, l in zip(N, D, L):
        if n not in by_n or d > by_n[n][0]:
            by_n[n] = (d, l)
    n = np.array(sorted(by_n))
    l = np.array([by_n[k][1] for k in n])
    slope, intercept = np.polyfit(np.log(n), np.log(l), 1)
    alpha_n = -slope
    return {"alpha_N": float(alpha_n), "N_c": float(np.exp(intercept / alpha_n))}


def optimal(fit, C):
    A, B, E, alpha, beta = fit["A"], fit["B"], fit["E"], fit["alpha"], fit["beta"]
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    n = G * (C / 6.0) ** (beta / (alpha + beta))
    d = (C / 6.0) ** (alpha / (alpha + beta)) / G
    return {"C": C, "N": n, "D": d, "loss": E + A / n ** alpha + B / d ** beta}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    N = np.array([float(r["N"]) for r in rows])
    D = np.array([float(r["D"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows])
    fit = fit_hoffmann(N, D, L, sys.argv[2] if len(sys.argv) > 2 else "hoffmann")
    fit["kaplan"] = fit_kaplan(N, D, L)
    fit["optimal"] = [optimal(fit, C) for C in (1e15, 1e18, 1e21)]
    print(json.dumps(fit))


if __name__ == "__main__":
    main()
