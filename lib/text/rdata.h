/* rdata.h — just enough of R's data formats to read text shipped as R data: the
 * chunks of a lazy-load database (`Rdata.rdb`, as in Debian's r-cran-janeaustenr) and
 * an R character vector (STRSXP) serialised in R's XDR format, version 2 or 3.
 *
 * An .rdb file is a sequence of chunks, each a 4-byte big-endian uncompressed length
 * followed by one zlib stream; the .rdx index says which chunk is which object (R's
 * own datasets are written in name order). Inside a chunk: "X\n", the format version,
 * two R versions, (v3) the native encoding, then the object. A character vector's
 * header is a flags word (type 16) and a length, then one CHARSXP per element: a
 * flags word (type 9, encoding bits) and a byte length (-1 = NA) and the bytes. */
#ifndef WK_TEXT_RDATA_H
#define WK_TEXT_RDATA_H

#include <stddef.h>
#include <stdint.h>

/* Inflate the chunk at p (n bytes left) into a new malloc'd buffer *out (*out_len
 * bytes); *consumed is the chunk's size in the file. */
int wk_rdb_chunk(unsigned char **out, size_t *out_len, size_t *consumed, const unsigned char *p, size_t n);

/* The elements of the serialised character vector p[0..n) joined by '\n' (with a
 * final '\n'; NA elements become empty lines; Latin-1 strings are converted to
 * UTF-8) into a new malloc'd NUL-terminated buffer *text of *len bytes. *count gets
 * the number of elements. Fails naming the byte offset when p is not such a vector. */
int wk_rxdr_strings(char **text, size_t *len, int64_t *count, const unsigned char *p, size_t n);

#endif
