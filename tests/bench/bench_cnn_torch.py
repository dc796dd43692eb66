#!/usr/bin/python3
"""PyTorch side of bench_cnn.sh: the reference CNN on Fashion-MNIST, trained the same
way as tests/bench/bench_cnn.lua (batch 64, Adam 1e-3, pixels/255, shuffled order),
printing images/s over the timed steps and, with --epoch, test accuracy after one epoch.
Usage: bench_cnn_torch.py THREADS STEPS [--epoch]"""
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from peer_idx import read_idx

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    return read_idx(f"{DIR}/{name}")


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 32, 3)
        self.c2 = torch.nn.Conv2d(32, 64, 3)
        self.f1 = torch.nn.Linear(1600, 128)
        self.f2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(x.flatten(1))))


def main():
    threads, steps = int(sys.argv[1]), int(sys.argv[2])
    epoch = "--epoch" in sys.argv
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    xtr = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255).unsqueeze(1)
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    perm = torch.randperm(xtr.shape[0])
    nb = (xtr.shape[0] + 63) // 64
    total = nb if epoch else steps
    t0 = time.perf_counter()
    timed_from, seen = None, 0
    for s in range(total):
        if s == 5:   # the first steps warm caches and allocators, as in the wick side
            timed_from, seen = time.perf_counter(), 0
        idx_ = perm[(s % nb) * 64:((s % nb) + 1) * 64]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xtr[idx_]), ytr[idx_])
        loss.backward()
        opt.step()
        seen += idx_.shape[0]
    wall = time.perf_counter() - timed_from
    line = f"torch threads={threads} steps={total} images/s={seen / wall:.1f}"
    if epoch:
        xte = torch.from_numpy(idx("t10k-images-idx3-ubyte").astype(np.float32) / 255).unsqueeze(1)
        yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte").astype(np.int64))
        model.eval()
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        line += f" test_accuracy={acc:.4f}"
    print(line, flush=True)
    del t0


if __name__ == "__main__":
    main()
