#!/usr/bin/python3
"""bench_gruv_torch.py — PyTorch 1.13 side of bench_gruv.sh: the gruv sketch's raw-audio
model, the same work as bench_gruv.lua. A synthetic drum-and-tones loop at 8 kHz
(bench_gruv.lua computes the same float64 formula) -> 8-bit mu-law codes (256 classes);
the last 5% held out. Model: embedding 256 -> E, GRU(E, H, L, batch_first), linear
H -> 256, cross-entropy; Adam lr 2e-3, grad-norm clip 5; BATCH contiguous streams of
SEQ steps with the state carried (detached) and reset when the streams wrap, as wick's
text.batches cuts them; seed 0. Times STEPS training steps (all of them, wall clock),
then the held-out loss in nats per sample the way wick's char_rnn:loss computes it
(min(32, (n-1)//16) streams, chunks of 256, state carried; not timed).
Prints: torch steps=… s=… samples_s=… cpu_s=… samples_per_cpu_s=… last_train=… valid_nats=… threads=…
(cpu: this process's CPU seconds over the same steps, the fairer figure at 1 thread on a
shared machine)
Usage: bench_gruv_torch.py THREADS STEPS [SEQ BATCH HIDDEN LAYERS EMBED]"""
import math
import sys
import time

import torch
from torch import nn

RATE = 8000
LENGTH = 240000   # 30 s at 8 kHz


def synthetic(n):
    """The loop bench_gruv.lua builds: two tones, a decaying 55 Hz kick every quarter
    second and a ticking hat every eighth, mu-law coded to 0..255 (float64, then floor)."""
    out = []
    mu = 255.0
    for t in range(n):
        k, h = t % 2000, t % 1000
        x = 0.25 * math.sin(2 * math.pi * 110 * t / RATE) + 0.12 * math.sin(2 * math.pi * 277 * t / RATE)
        x += 0.5 * math.exp(-k / 300) * math.sin(2 * math.pi * 55 * k / RATE)
        x += 0.1 * math.exp(-h / 40) * math.sin(1.7 * h * h)
        y = math.copysign(math.log1p(mu * abs(x)) / math.log1p(mu), x)
        out.append(min(255, max(0, math.floor((y + 1) / 2 * mu + 0.5))))
    return torch.tensor(out, dtype=torch.long)


class Net(nn.Module):
    def __init__(self, embed, hidden, layers):
        super().__init__()
        self.embed = nn.Embedding(256, embed)
        self.rnn = nn.GRU(embed, hidden, layers, batch_first=True)
        self.out = nn.Linear(hidden, 256)

    def forward(self, x, h):
        y, h = self.rnn(self.embed(x), h)
        return self.out(y.reshape(-1, y.shape[-1])), h


def valid_loss(net, ids):
    n = ids.numel()
    N = max(1, min(32, (n - 1) // 16))
    L = (n - 1) // N
    x, y = ids[:N * L].view(N, L), ids[1:N * L + 1].view(N, L)
    total, h = 0.0, None
    with torch.no_grad():
        for pos in range(0, L, 256):
            xs, ys = x[:, pos:pos + 256], y[:, pos:pos + 256]
            logits, h = net(xs, h)
            total += nn.functional.cross_entropy(logits, ys.reshape(-1)).item() * ys.numel()
    return total / (N * L)


def main():
    threads, steps = int(sys.argv[1]), int(sys.argv[2])
    sizes = [128, 32, 256, 2, 64]   # seq, batch, hidden, layers, embed
    for i, v in enumerate(sys.argv[3:8]):
        sizes[i] = int(v)
    seq, batch, hidden, layers, embed = sizes
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    ids = synthetic(LENGTH)
    nv = LENGTH // 20
    train, valid = ids[:LENGTH - nv], ids[LENGTH - nv:]
    L = (train.numel() - 1) // batch
    xs, ys = train[:batch * L].view(batch, L), train[1:batch * L + 1].view(batch, L)
    seq = min(seq, L)
    net = Net(embed, hidden, layers)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    losses, h, pos = [], None, 0
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        if pos + seq > L:
            pos, h = 0, None
        x, y = xs[:, pos:pos + seq], ys[:, pos:pos + seq]
        pos += seq
        logits, h = net(x, h)
        loss = nn.functional.cross_entropy(logits, y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        h = h.detach()
        losses.append(loss.item())
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    last = sum(losses[-10:]) / len(losses[-10:])
    print(f"torch steps={steps} s={dt:.2f} samples_s={steps * batch * seq / dt:.0f} cpu_s={cpu:.2f}"
          f" samples_per_cpu_s={steps * batch * seq / cpu:.0f} last_train={last:.4f}"
          f" valid_nats={valid_loss(net, valid):.4f} threads={torch.get_num_threads()}")


main()
