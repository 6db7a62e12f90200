"""scipy's L-BFGS-B on the Normal NLL (vectorized in numpy, finite-difference gradient, no
standard errors) from the starts `maxlik fit --family normal` is compared from: the data's
moments (maxlik's default start, which for the Normal is the MLE itself), (11, 6) and (0, 1).
Prints `start seconds evaluations estimates`, the median of five runs.

Run by hand on the same file as the command:
`python3 benches/peers/normal.py FILE` and, for each start,
`maxlik fit --family normal --data FILE [--start mu=11 --start sigma=6]`.
"""

import sys
import time

import numpy as np
from scipy.optimize import minimize

LN_SQRT_2PI = 0.9189385332046727


def main():
    x = np.loadtxt(sys.argv[1])
    n = len(x)
    count = [0]

    def nll(p):
        count[0] += 1
        mu, sigma = p
        if sigma <= 0:
            return np.inf
        z = (x - mu) / sigma
        return 0.5 * np.dot(z, z) + n * np.log(sigma) + n * LN_SQRT_2PI

    for start in [(x.mean(), x.std()), (11.0, 6.0), (0.0, 1.0)]:
        times = []
        for _ in range(5):
            count[0] = 0
            t = time.perf_counter()
            res = minimize(
                nll, start, method="L-BFGS-B", bounds=[(None, None), (1e-9, None)]
            )
            times.append(time.perf_counter() - t)
        secs = sorted(times)[2]
        print(f"({start[0]:.6g}, {start[1]:.6g}) {secs:.4f} {count[0]} {res.x[0]:.9g} {res.x[1]:.9g}")


if __name__ == "__main__":
    main()
