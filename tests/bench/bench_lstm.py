#!/usr/bin/python3
"""bench_lstm.py — PyTorch side of bench_lstm.sh: forward + backward of
nn.LSTM(64, 256, num_layers=2, batch_first=True) on batch 32 x 64 steps with initial
states given and the input requiring grad (as an embedding below it would), the same
work as bench_lstm.c. Prints "torch_ms <median ms per iteration>".
Usage: bench_lstm.py THREADS [SECONDS]"""
import sys
import time

import torch

threads = int(sys.argv[1])
budget = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
torch.set_num_threads(threads)
torch.manual_seed(0)
N, T, I, H, L = 32, 64, 64, 256, 2
lstm = torch.nn.LSTM(I, H, L, batch_first=True)
x = torch.randn(N, T, I, requires_grad=True)
h0, c0 = torch.rand(L, N, H) - 0.5, torch.rand(L, N, H) - 0.5
dy = torch.randn(N, T, H) * 0.01
times = []
start = time.perf_counter()
it = 0
while True:
    t0 = time.perf_counter()
    lstm.zero_grad(set_to_none=False)
    x.grad = None
    y, _ = lstm(x, (h0, c0))
    y.backward(dy)
    t1 = time.perf_counter()
    if it >= 3:
        times.append((t1 - t0) * 1e3)
    it += 1
    if it > 3 and len(times) >= 5 and t1 - start > budget:
        break
times.sort()
print("torch_ms %.2f iters %d threads %d" % (times[len(times) // 2], len(times), torch.get_num_threads()))
