# bench_mrf_torch.py — PyTorch 1.13 side of bench_mrf.sh: the same CNNMRF patch matching
# on the same features (the safetensors file bench_mrf.lua wrote): 3×3 patches of the
# style map at stride 1 by F.unfold, normalised by F.normalize; matching by one matmul of
# the normalised patches with unfold(x) and an argmax; the loss Σ|x_i − s_nn(i)|² and its
# gradient by autograd (unfold's backward is the fold). Then the quality figure against
# wick's indices and losses (the OUT file of bench_mrf.lua run).
# Usage: python3 bench_mrf_torch.py THREADS FEATS WICK_OUT
import json
import struct
import sys
import time

import torch
import torch.nn.functional as F

threads, feats_path, wick_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
torch.set_num_threads(threads)
torch.set_grad_enabled(False)
SIZES = (128, 256, 512)


def load_safetensors(path):
    """{name: float32 tensor} from a safetensors file (F32 only: what wick.save writes)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e["dtype"]
        a, b = e["data_offsets"]
        t = torch.frombuffer(bytearray(blob[8 + n + a:8 + n + b]), dtype=torch.float32)
        out[name] = t.reshape(e["shape"])
    return out


def fastest(fn, budget):
    best, spent, n = float("inf"), 0.0, 0
    while n < 3 or spent < budget:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, spent, n = min(best, dt), spent + dt, n + 1
    return best


def make_bank(s):
    p = F.unfold(s, 3).squeeze(0).t().contiguous()   # (Np, C·9), (c, p, q) order
    return p, F.normalize(p, dim=1)


def match(pn, x):
    cols = F.unfold(x, 3).squeeze(0)                  # (C·9, P)
    return torch.mm(pn, cols).argmax(0)              # (P)


def match_loss_grad(p, pn, x):
    idx = match(pn, x)
    with torch.enable_grad():
        xg = x.detach().requires_grad_()
        cols = F.unfold(xg, 3).squeeze(0)
        loss = ((cols - p[idx].t()) ** 2).sum()
        loss.backward()
    return idx, loss.detach(), xg.grad


feats, wick_out = load_safetensors(feats_path), load_safetensors(wick_path)
for size in SIZES:
    s, x = feats["style_%d" % size], feats["x_%d" % size]
    t_bank = fastest(lambda: make_bank(s), 0.5)
    p, pn = make_bank(s)
    idx = match(pn, x)
    t_match = fastest(lambda: match(pn, x), 2)
    t_loss = fastest(lambda: match_loss_grad(p, pn, x), 2)
    _, loss, grad = match_loss_grad(p, pn, x)
    w_idx = wick_out["idx_%d" % size].reshape(-1).long() - 1
    w_loss = float(wick_out["loss_%d" % size])
    same = (w_idx == idx).float().mean().item()
    # where the two differ, how far apart the two choices score (normalised cross-correlation)
    cols = F.unfold(x, 3).squeeze(0)
    sc = (pn[idx] * cols.t()).sum(1)
    sw = (pn[w_idx] * cols.t()).sum(1)
    gap = ((sc - sw).abs() / cols.norm(dim=0).clamp_min(1e-12)).max().item()
    print("torch size=%d patches=%d windows=%d bank_ms=%.1f match_ms=%.2f match_loss_grad_ms=%.2f loss=%.6g "
          "grad_sum=%.6g | same_indices=%.4f max_cosine_gap=%.2g wick_loss=%.6g loss_rel_diff=%.2g"
          % (size, p.shape[0], idx.numel(), t_bank * 1e3, t_match * 1e3, t_loss * 1e3, loss.item(),
             grad.abs().sum().item(), same, gap, w_loss, abs(w_loss - loss.item()) / loss.item()))
