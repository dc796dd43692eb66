#!/usr/bin/python3
"""bench_conv_torch.py — the PyTorch side of bench_conv.sh: the same conv2d
forward+backward cases as bench_conv.c, timed the same way (median ms per call over
>= SECONDS after 3 warm-up calls), printing "case <name> ms <median> min <min>".

Usage: bench_conv_torch.py THREADS SECONDS [case...]
Cases and what backward computes follow the peer harness
../shared/peers/bench_torch_conv.py (vgg64, vgg3) and bench_torch_cnn.py (cnn1, cnn2:
the small CNN's two convs at batch 64; conv 1 needs no input gradient).
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

CASES = [  # name, N, Cin, H, W, Cout, pad, grad_input, kernel, stride
    ("vgg64", 1, 64, 224, 224, 64, 1, True, 3, 1),
    ("vgg3", 1, 3, 224, 224, 64, 1, False, 3, 1),
    ("cnn1", 64, 1, 28, 28, 32, 0, False, 3, 1),
    ("cnn2", 64, 32, 13, 13, 64, 0, True, 3, 1),
    ("dcgan16", 64, 64, 16, 16, 128, 1, True, 4, 2),
    ("dcgan14", 64, 64, 14, 14, 128, 1, True, 4, 2),
]


def run(name, n, cin, h, w_, cout, pad, grad_input, k, stride, seconds):
    torch.manual_seed(0)
    x = (torch.randn(n, cin, h, w_) * 0.1).requires_grad_(grad_input)
    w = (torch.randn(cout, cin, k, k) * 0.1).requires_grad_()
    b = torch.zeros(cout, requires_grad=True)
    ho, wo = (h + 2 * pad - k) // stride + 1, (w_ + 2 * pad - k) // stride + 1
    g = torch.randn(n, cout, ho, wo) * 0.1

    def step():
        x.grad = None
        w.grad = None
        b.grad = None
        y = F.conv2d(x, w, b, stride=stride, padding=pad)
        y.backward(g)

    for _ in range(3):
        step()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print("case %s ms %.3f min %.3f calls %d" % (name, statistics.median(times) * 1e3,
                                                 min(times) * 1e3, len(times)))


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    want = set(sys.argv[3:])
    torch.set_num_threads(threads)
    for c in CASES:
        if not want or c[0] in want:
            run(*c, seconds)


if __name__ == "__main__":
    main()
