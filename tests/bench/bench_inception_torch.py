# bench_inception_torch.py — PyTorch side of bench_inception.sh: torchvision 0.14's
# inception_v3 (the same architecture as Keras's; random weights, which do not change the
# time) forward at 299² for a batch, or one Deep Dream step (forward to Mixed_6b, which is
# Keras's mixed4, backward to the image). Prints ms per call (best of REPS after a
# warm-up), the peak resident memory and the loss.
# Usage: python3 bench_inception_torch.py THREADS forward BATCH REPS | THREADS dream SIZE REPS
import resource
import sys
import time

import torch
import torchvision

threads, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 5
torch.set_num_threads(threads)
torch.manual_seed(0)
m = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True).eval()
for p in m.parameters():
    p.requires_grad_(False)


def time_it(fn):
    fn()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if mode == "forward":
    x = torch.rand(n, 3, 299, 299) * 2 - 1
    with torch.no_grad():
        dt = time_it(lambda: m(x))
    print("torch forward batch=%d ms=%.1f ms_per_image=%.1f peak_mb=%.0f" % (n, dt * 1e3, dt * 1e3 / n, peak_mb()))
else:
    trunk = torch.nn.Sequential(m.Conv2d_1a_3x3, m.Conv2d_2a_3x3, m.Conv2d_2b_3x3, m.maxpool1, m.Conv2d_3b_1x1,
                                m.Conv2d_4a_3x3, m.maxpool2, m.Mixed_5b, m.Mixed_5c, m.Mixed_5d, m.Mixed_6a, m.Mixed_6b)
    x0 = torch.rand(1, 3, n, n) * 2 - 1
    out = {}

    def step():
        x = x0.clone().requires_grad_(True)
        a = trunk(x)
        loss = (a * a).mean()
        loss.backward()
        out["loss"] = loss.item()

    dt = time_it(step)
    print("torch dream size=%d ms=%.1f peak_mb=%.0f loss=%.4g" % (n, dt * 1e3, peak_mb(), out["loss"]))
