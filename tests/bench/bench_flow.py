"""bench_flow.py — the OpenCV side of bench_flow.sh, and the maker of its frames.

  python3 bench_flow.py make DIR SIZE      writes DIR/prev.png, DIR/next.png (8-bit RGB)
                                           and DIR/gt.safetensors (the true flow, 2×H×W)
  python3 bench_flow.py run DIR THREADS    times cv2.calcOpticalFlowFarneback on them

The frames: a real photograph (OpenCV's aloeL.jpg from `make data`, a centre crop,
area-resized to SIZE²) and the same photograph moved by a known smooth non-rigid flow d
(a swirl plus a drift, up to about SIZE/64 pixels): next(p + d(p)) = prev(p), next drawn
by bilinear sampling at p found by fixed-point iteration of p = q - d(p). The quality
figure is the mean endpoint error (EPE) against d, over the picture less a margin of
SIZE/32 pixels, where content leaves the frame and no method can know the motion.

OpenCV 4.6 (Debian python3-opencv) is a benchmark-only dependency: it is not in the
Makefile's DEB_PKGS, and nothing else in wick uses it.
"""
import json
import os
import struct
import sys
import time

import cv2
import numpy as np

from peer_safetensors import write_safetensors

PHOTO = os.environ.get("WICK_DATA", "/usr/local/share/wick") + "/images/opencv/aloeL.jpg"
# wick.image.flow's defaults, which both sides run with. OpenCV's `levels` counts the
# layers below the full-size one (its loop runs k = levels..0), wick's counts them all:
# OpenCV's 4 is wick's 5, the same pyramid (sides down to 32 pixels at 512², 64 at 1024²).
LEVELS, SCALE, WINDOW, ITERATIONS, POLY_N, POLY_SIGMA = 5, 0.5, 15, 3, 5, 1.1
REPEATS = 5


def field(x, y, size):
    """The true flow at prev's pixel (x, y), pixels."""
    a = size / 64.0
    t = 2 * np.pi / size
    dx = a * (0.6 * np.sin(1.3 * t * y + 0.4) + 0.3 * np.cos(0.9 * t * x)) + 0.25 * a
    dy = a * (0.5 * np.cos(1.1 * t * x + 1.0) - 0.3 * np.sin(0.8 * t * (x + y))) - 0.15 * a
    return dx, dy


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    (name, meta), = [(k, v) for k, v in header.items() if k != "__metadata__"]
    a, b = meta["data_offsets"]
    return np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"])


def make(folder, size):
    photo = cv2.imread(PHOTO, cv2.IMREAD_COLOR)
    if photo is None:
        sys.exit(f"bench_flow.py: cannot read {PHOTO} (run make data)")
    h, w = photo.shape[:2]
    side = min(h, w)
    crop = photo[(h - side) // 2:(h - side) // 2 + side, (w - side) // 2:(w - side) // 2 + side]
    prev = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if size < side else cv2.INTER_CUBIC)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    px, py = xs.copy(), ys.copy()
    for _ in range(60):  # p = q - d(p)
        dx, dy = field(px, py, size)
        px, py = xs - dx, ys - dy
    nxt = cv2.remap(prev.astype(np.float32), px.astype(np.float32), py.astype(np.float32), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REFLECT)
    nxt = np.clip(np.rint(nxt), 0, 255).astype(np.uint8)
    gx, gy = field(xs, ys, size)
    os.makedirs(folder, exist_ok=True)
    cv2.imwrite(os.path.join(folder, "prev.png"), prev)
    cv2.imwrite(os.path.join(folder, "next.png"), nxt)
    write_safetensors(os.path.join(folder, "gt.safetensors"), "flow", np.stack([gx, gy]))


def epe(flow, gt):
    """flow H×W×2 (OpenCV's layout) against gt 2×H×W, over the interior."""
    m = gt.shape[1] // 32
    e = np.hypot(flow[..., 0] - gt[0], flow[..., 1] - gt[1])
    return float(e[m:-m, m:-m].mean())


def run(folder, threads):
    cv2.setNumThreads(threads)
    prev = cv2.cvtColor(cv2.imread(os.path.join(folder, "prev.png")), cv2.COLOR_BGR2GRAY)
    nxt = cv2.cvtColor(cv2.imread(os.path.join(folder, "next.png")), cv2.COLOR_BGR2GRAY)
    gt = read_safetensors(os.path.join(folder, "gt.safetensors"))
    args = (prev, nxt, None, SCALE, LEVELS - 1, WINDOW, ITERATIONS, POLY_N, POLY_SIGMA, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)
    flow = cv2.calcOpticalFlowFarneback(*args)  # warm-up
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        flow = cv2.calcOpticalFlowFarneback(*args)
        best = min(best, time.perf_counter() - t0)
    print(f"opencv {cv2.__version__} threads={threads} s={best:.4f} epe={epe(flow, gt):.4f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "run":
        run(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
