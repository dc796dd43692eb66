#!/usr/bin/python3
"""SciPy's linear_sum_assignment on given points, for bench_lap.sh's LAYOUT=tsne case.

  bench_lap_scipy.py POINTS.f64 N

The problem is built as ../shared/peers/bench_lap.py builds it (dense N x N float64
squared distances to the sqrt(N) x sqrt(N) grid on linspace(0, 1), before timing), on
the points in the file instead of uniform random ones. Prints the peers' RESULT line.
"""
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    s = int(round(n ** 0.5))
    assert s * s == n, "n must be a perfect square"
    pts = np.fromfile(path, dtype="<f8").reshape(n, 2)
    g = np.linspace(0.0, 1.0, s)
    gx, gy = np.meshgrid(g, g)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    cost = np.ascontiguousarray(((pts[:, None, :] - grid[None, :, :]) ** 2).sum(-1))
    t0 = time.perf_counter()
    rows, cols = linear_sum_assignment(cost)
    wall = time.perf_counter() - t0
    total = float(cost[rows, cols].sum())
    print("RESULT workload=lap_grid_snap_tsne peer=scipy-%s size=n%d threads=1 wall_s=%.4f quality=%.6f" % (
        scipy.__version__, n, wall, total))


if __name__ == "__main__":
    main()
