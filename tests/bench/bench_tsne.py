#!/usr/bin/python3
"""Helpers for bench_tsne.sh: the same input for wick and the peers, and one common KL.

  bench_tsne.py prep N OUT.safetensors   first N Fashion-MNIST training images, PCA-50
                                         (the peers' own pca50 from
                                         ../shared/peers/bench_tsne.py), as F32;
                                         N > 60,000 continues into the test split
                                         (70,000 = all of Fashion-MNIST), same steps
  bench_tsne.py kl N Y.safetensors       exact KL(P||Q) of wick's output with the peers'
                                         common P (sklearn's perplexity-30 P, 91 NN)
  bench_tsne.py sklearn3d N THREADS      sklearn 1.2 TSNE, 3-D Barnes-Hut, same settings
                                         as the peers' 2-D run; prints wall and KL
  bench_tsne.py fitsne N THREADS         FIt-SNE through the peers' run_fitsne (its
                                         defaults: perplexity 30, 1,000 iterations, lr
                                         auto) on the same input; prints wall and KL
"""
import json
import os
import struct
import sys
import time

import numpy as np

PEERS = os.environ.get("PEERS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peers"))
sys.path.insert(0, PEERS)
import bench_tsne as peer  # noqa: E402  (the peers' pca50, common_p, kl_exact)


def save_f32(path, x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    header = {"tensor": {"dtype": "F32", "shape": list(x.shape), "data_offsets": [0, x.nbytes]}}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        f.write(x.tobytes())


def load_f32(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        return np.frombuffer(data[a:b], dtype=np.float32).reshape(v["shape"])
    raise SystemExit("no tensor in " + path)


def pca50(n):
    """The peers' pca50 for n <= 60,000; beyond, training then test images, same steps."""
    if n <= 60000:
        return peer.pca50(n, peer.pc.FASHION_DIR)
    path = os.path.join(peer.pc.work_dir(), "tsne_fmnist_all_pca50_n%d.npy" % n)
    if os.path.exists(path):
        return np.load(path)
    a, _ = peer.pc.fashion_mnist("train", peer.pc.FASHION_DIR)
    b, _ = peer.pc.fashion_mnist("test", peer.pc.FASHION_DIR)
    x = np.concatenate([a, b])
    if n > len(x):
        raise SystemExit("bench_tsne.py: Fashion-MNIST has %d images, asked for %d" % (len(x), n))
    x = x[:n].reshape(n, -1).astype(np.float64) / 255.0
    x -= x.mean(0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    x50 = np.ascontiguousarray(x @ vt[:50].T)
    np.save(path, x50)
    return x50


def main():
    cmd, n = sys.argv[1], int(sys.argv[2])
    x = pca50(n)
    if cmd == "prep":
        save_f32(sys.argv[3], x)
    elif cmd == "kl":
        y = load_f32(sys.argv[3]).astype(np.float64)
        if y.shape[1] == 2:
            print("kl_exact=%.4f" % peer.kl_exact(peer.common_p(x), y))
        else:   # 3-D: the same formula with 3 coordinates
            print("kl_exact=%.4f" % peer.kl_exact(peer.common_p(x), y))
    elif cmd == "fitsne":
        threads = int(sys.argv[3])
        build = os.environ.get("PEERS_BUILD") or os.path.join(os.environ.get("TMPDIR", "/tmp"), "peers-build")
        y, wall, kl_rep, name = peer.run_fitsne(x, build, threads)
        print("RESULT tsne2d %s n%d threads=%d wall_s=%.2f kl_exact=%.4f kl_reported=%.4f" % (
            name, n, threads, wall, peer.kl_exact(peer.common_p(x), y), kl_rep))
    elif cmd == "sklearn3d":
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits
        threads = int(sys.argv[3])
        with threadpool_limits(limits=threads):
            t0 = time.perf_counter()
            ts = TSNE(n_components=3, perplexity=30.0, n_iter=1000, init="pca",
                      learning_rate="auto", method="barnes_hut", angle=0.5,
                      random_state=0, n_jobs=threads)
            y = ts.fit_transform(x)
            wall = time.perf_counter() - t0
        print("RESULT tsne3d sklearn n%d threads=%d wall_s=%.2f kl_exact=%.4f kl_reported=%.4f" % (
            n, threads, wall, peer.kl_exact(peer.common_p(x), y), ts.kl_divergence_))


if __name__ == "__main__":
    main()
