# bench_style_torch.py — PyTorch side of bench_style.sh: the same Gatys loss on
# torchvision 0.14's inception_v3 features (random weights: the time does not depend on
# them) — Keras's activation_3, activation_5, mixed0, mixed2, mixed4 are torchvision's
# Conv2d_2b_3x3, Conv2d_4a_3x3, Mixed_5b, Mixed_5d, Mixed_6b, and mixed3 is Mixed_6a —
# optimised by torch.optim.LBFGS for ITERS iterations in one step.
# Usage: python3 bench_style_torch.py THREADS SIZE ITERS
import resource
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

threads, size, iters = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.set_flush_denormal(True)   # a precaution: random weights make tiny values, and denormals are slow
torch.manual_seed(0)
m = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True).eval()
for p in m.parameters():
    p.requires_grad_(False)
trunk = [m.Conv2d_1a_3x3, m.Conv2d_2a_3x3, m.Conv2d_2b_3x3, m.maxpool1, m.Conv2d_3b_1x1, m.Conv2d_4a_3x3,
         m.maxpool2, m.Mixed_5b, m.Mixed_5c, m.Mixed_5d, m.Mixed_6a, m.Mixed_6b]
names = {2: "activation_3", 5: "activation_5", 7: "mixed0", 9: "mixed2", 10: "mixed3", 11: "mixed4"}
STYLE = ["activation_3", "activation_5", "mixed0", "mixed2", "mixed4"]


def acts(x):
    out = {}
    for i, layer in enumerate(trunk):
        x = layer(x)
        if i in names:
            out[names[i]] = x
    return out


def gram(f):
    n, c, h, w = f.shape
    f = f.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def blur(x, sigma):
    r = max(1, int(-(-2 * sigma // 1)))
    k = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * sigma * sigma))
    k = k / k.sum()
    x = F.pad(x, (0, 0, r, r), mode="replicate")
    x = F.conv2d(x, k.view(1, 1, -1, 1).expand(3, 1, -1, 1).contiguous(), groups=3)
    x = F.pad(x, (r, r, 0, 0), mode="replicate")
    return F.conv2d(x, k.view(1, 1, 1, -1).expand(3, 1, 1, -1).contiguous(), groups=3)


content = blur(torch.rand(1, 3, size, size), 4) * 2 - 1
style = blur(torch.rand(1, 3, size, size), 2) * 2 - 1
with torch.no_grad():
    target_c = acts(content)["mixed3"]
    s = acts(style)
    target_g = {n: gram(s[n]) for n in STYLE}
x = content.clone().requires_grad_(True)


def loss_fn():
    a = acts(x)
    loss = F.mse_loss(a["mixed3"], target_c)
    for n in STYLE:
        loss = loss + F.mse_loss(gram(a[n]), target_g[n]) * 1e3
    dy = x[:, :, 1:, :] - x[:, :, :-1, :]
    dx = x[:, :, :, 1:] - x[:, :, :, :-1]
    return loss + ((dy * dy).mean() + (dx * dx).mean()) * 1e-2


opt = torch.optim.LBFGS([x], max_iter=iters, tolerance_grad=0, tolerance_change=0)
with torch.no_grad():
    first = loss_fn().item()
evals = [0]


def closure():
    opt.zero_grad()
    loss = loss_fn()
    loss.backward()
    evals[0] += 1
    return loss


t0 = time.perf_counter()
opt.step(closure)
dt = time.perf_counter() - t0
with torch.no_grad():
    last = loss_fn().item()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("torch style size=%d iters=%d evals=%d s=%.2f peak_mb=%.0f loss=%.4g->%.4g (x%.3f)"
      % (size, iters, evals[0], dt, peak, first, last, last / first))
