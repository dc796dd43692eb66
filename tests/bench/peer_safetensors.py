"""peer_safetensors.py — write one float32 array as a safetensors file that wick.load
reads, for the Python peers beside it (bench_flow.py, bench_cqt.py import it: Python
puts a script's own folder first on its path)."""
import json
import struct

import numpy as np


def write_safetensors(path, name, arr):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    header = json.dumps({name: {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [0, arr.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        f.write(arr.tobytes())
