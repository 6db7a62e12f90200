"""Peers on the logistic (or Poisson) regression of examples/many_params.rs, same data (a CSV
it writes: y, then the p covariates, the first a column of ones). Prints one line per peer:
`name seconds evaluations` (evaluations of the NLL where the peer counts them, else -), the
median of a few runs after a warm-up.

Run by `cargo run --release --example many_params -- [p] [n] --peers`, or by hand:
`python3 benches/peers/glm.py FILE [logistic|poisson]`.
"""

import sys
import time

import numpy as np


def median_time(f, reps):
    f()  # warm-up
    times = []
    out = None
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], out


def main():
    data = np.loadtxt(sys.argv[1], delimiter=",")
    poisson = len(sys.argv) > 2 and sys.argv[2] == "poisson"
    y, x = data[:, 0], data[:, 1:]

    import statsmodels.api as sm

    # The standard errors are part of the fit.
    model = sm.Poisson if poisson else sm.Logit
    secs, _ = median_time(lambda: model(y, x).fit(disp=0).bse, 5)
    print(f"statsmodels-{'poisson' if poisson else 'logit'} {secs:.6f} -")

    from scipy.optimize import minimize

    calls = [0]

    def nll(b):
        calls[0] += 1
        eta = x @ b
        if poisson:
            # the constant ln y! left out
            return (np.exp(eta) - y * eta).sum()
        # -ln sigma(+-eta), stable: log(1 + exp(-s)) = logaddexp(0, -s)
        s = np.where(y > 0.5, eta, -eta)
        return np.logaddexp(0.0, -s).sum()

    def fit():
        calls[0] = 0
        minimize(nll, np.zeros(x.shape[1]), method="L-BFGS-B")
        return calls[0]

    secs, evals = median_time(fit, 3)
    print(f"scipy-lbfgsb-fd {secs:.6f} {evals}")


if __name__ == "__main__":
    main()
