#!/usr/bin/python3
"""PyTorch side of bench_autoencoder.sh: the same bottleneck autoencoder as
bench_autoencoder.lua (784-256-64-2-64-256-784, ReLU, BCE on logits, Adam 1e-3, batch
128, shuffled, pixels/255) trained EPOCHS epochs on MNIST, then the test BCE per pixel.
With "flush", torch.set_flush_denormal(True) first: subnormal numbers read and written
as zero, as wick always does (PyTorch's default keeps them, and they slow its later
epochs by up to half). Usage: bench_autoencoder_torch.py THREADS EPOCHS [flush]"""
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from peer_idx import read_idx

DIR = "/usr/local/share/wick/mnist"


def idx(name):
    return read_idx(f"{DIR}/{name}")


def main():
    threads, epochs = int(sys.argv[1]), int(sys.argv[2])
    flush = len(sys.argv) > 3 and sys.argv[3] == "flush"
    torch.set_num_threads(threads)
    torch.set_flush_denormal(flush)
    torch.manual_seed(1)
    train = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255).view(-1, 784)
    test = torch.from_numpy(idx("t10k-images-idx3-ubyte").astype(np.float32) / 255).view(-1, 784)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 2), torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 256),
        torch.nn.ReLU(), torch.nn.Linear(256, 784))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    t0, images = time.perf_counter(), 0
    for _ in range(epochs):
        order = torch.randperm(train.shape[0])
        for i in range(0, train.shape[0], 128):
            x = train[order[i:i + 128]]
            loss = F.binary_cross_entropy_with_logits(net(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            images += x.shape[0]
    dt = time.perf_counter() - t0
    with torch.no_grad():
        bce = F.binary_cross_entropy_with_logits(net(test), test).item()
    name = "torch+flush" if flush else "torch"
    print(f"{name} epochs={epochs} s={dt:.2f} images/s={images / dt:.0f} test_bce={bce:.4f}")


main()
