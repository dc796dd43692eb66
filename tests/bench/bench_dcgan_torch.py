#!/usr/bin/python3
"""PyTorch side of bench_dcgan.sh: the same DCGAN-28 and DCGAN-64 as bench_dcgan.lua
(issue 14's shared architectures; batch 64, Adam 2e-4 betas (0.5, 0.999), weights
N(0, 0.02), batchnorm gamma N(1, 0.02)), one step = D step (real, then G's output
detached) + G step (D run again on G's output).
  bench_dcgan_torch.py step28 THREADS STEPS WARM
  bench_dcgan_torch.py step64 THREADS STEPS WARM
  bench_dcgan_torch.py quality THREADS EPOCHS WICK_SAMPLES [WICK_SAMPLES ...]
The quality mode trains torch's generator for EPOCHS epochs (once per WICK_SAMPLES file,
from seeds 1, 2, …, as wick's side), then a small Fashion-MNIST
CNN classifier (2 epochs, real images in [-1, 1]), and scores 10,000 samples of each
generator with it: mean max-softmax confidence, class spread (entropy of the mean
predicted class distribution; ln 10 = 2.30 is every class equally often) and a Frechet
distance on the classifier's 128 penultimate features against the real test set.
WICK_SAMPLES is wick's safetensors file of 10,000 samples (N x 1 x 28 x 28 in [-1, 1]); with
several (seeds 1, 2, …) every generator is scored by the same classifier and the means
printed last: one seed's Frechet distance moves by tens of percent."""
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_idx import read_idx

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    return read_idx(f"{DIR}/{name}")


def images(name):
    x = torch.from_numpy(idx(name).astype(np.float32) / 255).view(-1, 1, 28, 28)
    return x * 2 - 1


def init(net):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1, 0.02)
            nn.init.zeros_(m.bias)
    return net


def dcgan28():
    g = nn.Sequential(
        nn.Linear(100, 128 * 7 * 7, bias=False), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return init(g), init(d)


def dcgan64():
    def up(cin, cout):
        return [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    def down(cin, cout):
        return [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]
    g = nn.Sequential(
        nn.Unflatten(1, (100, 1, 1)),
        nn.ConvTranspose2d(100, 256, 4, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
        *up(256, 128), *up(128, 64), *up(64, 32), nn.ConvTranspose2d(32, 3, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(3, 32, 4, 2, 1), nn.LeakyReLU(0.2), *down(32, 64), *down(64, 128), *down(128, 256),
        nn.Conv2d(256, 1, 4, 1, 0), nn.Flatten())
    return init(g), init(d)


def trainer(g, d):
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step(x):
        n = x.shape[0]
        ones, zeros = torch.ones(n, 1), torch.zeros(n, 1)
        fake = g(torch.randn(n, 100))
        opt_d.zero_grad()
        loss_d = (F.binary_cross_entropy_with_logits(d(x), ones)
                  + F.binary_cross_entropy_with_logits(d(fake.detach()), zeros))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(d(fake), ones)
        loss_g.backward()
        opt_g.step()
        return loss_d, loss_g
    return step


def time_steps(step, batches, steps, warm):
    for k in range(warm):
        step(batches[k % len(batches)])
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(steps):
        ld, lg = step(batches[k % len(batches)])
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return (f"torch steps={steps} s={dt:.2f} cpu_s={cpu:.2f} steps/s={steps / dt:.2f} loss_d={ld.item():.3f} "
            f"loss_g={lg.item():.3f}")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    name = next(k for k in header if k != "__metadata__")
    entry = header[name]
    lo, hi = entry["data_offsets"]
    return torch.from_numpy(np.frombuffer(body[lo:hi], np.float32).copy()).view(entry["shape"])


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128), nn.ReLU())
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        return self.head(self.conv(x))


def train_classifier(x, y, test_x, test_y):
    net = Classifier()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(2):
        order = torch.randperm(x.shape[0])
        for i in range(0, x.shape[0], 128):
            b = order[i:i + 128]
            loss = F.cross_entropy(net(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        acc = (net(test_x).argmax(1) == test_y).float().mean().item()
    return net, acc


def features(net, x):
    with torch.no_grad():
        feats = torch.cat([net.conv(x[i:i + 1000]) for i in range(0, x.shape[0], 1000)])
    return feats.double().numpy()


def sqrtm_psd(a):
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet(f1, f2):
    m1, m2 = f1.mean(0), f2.mean(0)
    c1, c2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    s1 = sqrtm_psd(c1)
    cross = sqrtm_psd(s1 @ c2 @ s1)   # tr sqrt(c1 c2) = tr sqrt(s1 c2 s1)
    d = float(((m1 - m2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * np.trace(cross))
    return max(d, 0.0)   # rounding leaves a set against itself a hair below 0


def score(net, x, real_feats):
    with torch.no_grad():
        p = torch.cat([F.softmax(net.head(net.conv(x[i:i + 1000])), 1) for i in range(0, x.shape[0], 1000)])
    conf = p.max(1).values.mean().item()
    mean_p = p.mean(0)
    spread = -(mean_p * mean_p.clamp_min(1e-12).log()).sum().item()
    fd = frechet(features(net, x), real_feats)
    return f"confidence={conf:.3f} spread={spread:.3f} frechet={fd:.2f}", np.array([conf, spread, fd])


def main():
    mode, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    if mode in ("step28", "step64"):
        steps, warm = int(sys.argv[3]), int(sys.argv[4])
        if mode == "step28":
            g, d = dcgan28()
            train = images("train-images-idx3-ubyte")
            batches = [train[k * 64:(k + 1) * 64].contiguous() for k in range(8)]
        else:
            g, d = dcgan64()
            batches = [torch.rand(64, 3, 64, 64) * 2 - 1 for _ in range(4)]
        print(time_steps(trainer(g, d), batches, steps, warm))
        return
    epochs, wick_paths = int(sys.argv[3]), sys.argv[4:]
    train = images("train-images-idx3-ubyte")
    train_y = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
    test = images("t10k-images-idx3-ubyte")
    test_y = torch.from_numpy(idx("t10k-labels-idx1-ubyte").astype(np.int64))
    torch_samples = []
    for seed in range(1, len(wick_paths) + 1):
        torch.manual_seed(seed)
        g, d = dcgan28()
        step = trainer(g, d)
        t0, steps = time.perf_counter(), 0
        for _ in range(epochs):
            order = torch.randperm(train.shape[0])
            for i in range(0, train.shape[0] - 63, 64):   # drop_last, as wick's side
                ld, lg = step(train[order[i:i + 64]])
                steps += 1
        dt = time.perf_counter() - t0
        print(f"torch train seed={seed} epochs={epochs} steps={steps} s={dt:.1f} loss_d={ld.item():.3f} "
              f"loss_g={lg.item():.3f}")
        with torch.no_grad():   # training-mode batchnorm over 1,000 at a time, as wick's side
            torch_samples.append(torch.cat([g(torch.randn(1000, 100)) for _ in range(10)]))
    torch.manual_seed(1)
    net, acc = train_classifier(train, train_y, test, test_y)
    real_feats = features(net, test)
    print(f"classifier test_accuracy={acc:.3f} (2 epochs); real test set: {score(net, test, real_feats)[0]}")
    sums = {"torch": np.zeros(3), "wick": np.zeros(3)}
    for seed, (samples, wick_path) in enumerate(zip(torch_samples, wick_paths), 1):
        text, figures = score(net, samples, real_feats)
        sums["torch"] += figures
        print(f"quality torch seed {seed}: {text}")
        waited = 0
        while not os.path.exists(wick_path) and waited < 3600:   # wick trains beside this script
            time.sleep(1)
            waited += 1
        text, figures = score(net, read_safetensors(wick_path), real_feats)
        sums["wick"] += figures
        print(f"quality wick  seed {seed}: {text}")
    if len(wick_paths) > 1:
        for side in ("torch", "wick"):
            c, s, f = sums[side] / len(wick_paths)
            print(f"quality {side:5} mean of {len(wick_paths)} seeds: confidence={c:.3f} spread={s:.3f} frechet={f:.2f}")

main()
