/* test_safetensors.c — unit tests of lib/store/safetensors.c: a fixture whose bytes were
 * made by hand from the spec (tests/fixtures/store/make_hand.sh), the writer's bytes
 * against the reference implementation's own test vectors, write -> read round trips,
 * a failed write that must leave the old file alone, and one test per kind of broken
 * file, each checking the message names the file and the problem. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/store/safetensors.h"
#include "check.h"
#include "file_fixtures.h"

#define FIXTURE "tests/fixtures/store/hand.safetensors"

/* A safetensors file from a header string (used as is: no padding added) and data. */
static const char *make_file(const char *name, const char *header, const void *data, size_t ndata)
{
    const char *path = tmp_path(name);
    size_t n = strlen(header);
    unsigned char *b = malloc(8 + n + ndata + 1);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(b + 8, header, n);
    if (ndata) memcpy(b + 8 + n, data, ndata);
    write_bytes(path, b, 8 + n + ndata);
    free(b);
    return path;
}

/* Reading path must fail, leave out empty, and say each of the phrases. */
static int fails_with(const char *path, const char *phrase1, const char *phrase2)
{
    wk_safetensors st;
    int ok = wk_safetensors_read(path, &st) == WK_ERR && st.count == 0 && st.names == NULL &&
             strstr(wk_errmsg(), path) != NULL && strstr(wk_errmsg(), phrase1) != NULL &&
             (!phrase2 || strstr(wk_errmsg(), phrase2) != NULL);
    if (!ok) printf("  message was: %s\n", wk_errmsg());
    return ok;
}

static void fill_arange(wk_tensor *t, float scale)
{
    float *d = wk_tensor_data(t);
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) d[i] = (float)i * scale;
}

static int count_dir_entries(void)
{
    int n = 0;
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

/* ---- reading bytes made by hand ----------------------------------------------------- */

TEST(hand_fixture)
{
    wk_safetensors st;
    CHECK(wk_safetensors_read(FIXTURE, &st) == WK_OK);
    if (st.count != 6) {
        printf("  %s: %s\n", FIXTURE, wk_errmsg());
        CHECK(st.count == 6);
        return;
    }
    /* Tensors come in data order, not header order. */
    const char *names[] = {"a_f32", "b_f16", "c_bf16", "e_u8", "d_i64", "f\xc3\xa9"};
    for (int i = 0; i < 6; i++) CHECK(strcmp(st.names[i], names[i]) == 0);

    const wk_tensor *a = &st.tensors[0];
    CHECK(a->ndim == 2 && a->shape[0] == 2 && a->shape[1] == 2 && wk_tensor_is_contiguous(a));
    const float *x = wk_tensor_data(a);
    CHECK(x[0] == 1.0f && x[1] == -2.0f && x[2] == 0.5f && x[3] == 3.25f);

    const wk_tensor *h = &st.tensors[wk_safetensors_find(&st, "b_f16")];
    x = wk_tensor_data(h);
    CHECK(h->ndim == 1 && h->shape[0] == 4);
    CHECK(x[0] == 1.0f && x[1] == -0.5f && x[2] == 65504.0f && x[3] == 0x1p-24f);

    const wk_tensor *b = &st.tensors[wk_safetensors_find(&st, "c_bf16")];
    x = wk_tensor_data(b);
    CHECK(b->ndim == 1 && b->shape[0] == 3 && x[0] == 1.0f && x[1] == -3.0f && x[2] == 2.5f);

    const wk_tensor *u = &st.tensors[wk_safetensors_find(&st, "e_u8")];
    x = wk_tensor_data(u);
    CHECK(u->ndim == 2 && u->shape[0] == 1 && u->shape[1] == 3 && x[0] == 0 && x[1] == 128 && x[2] == 255);

    const wk_tensor *l = &st.tensors[wk_safetensors_find(&st, "d_i64")];
    x = wk_tensor_data(l);
    CHECK(l->shape[0] == 2 && x[0] == -7.0f && x[1] == 1000000.0f);

    const wk_tensor *s = &st.tensors[wk_safetensors_find(&st, "f\xc3\xa9")];
    CHECK(s->ndim == 0 && wk_tensor_numel(s) == 1 && wk_tensor_data(s)[0] == -1.5f);

    CHECK(st.meta_count == 2);
    CHECK(strcmp(st.meta_keys[0], "format") == 0 && strcmp(st.meta_values[0], "pt") == 0);
    CHECK(wk_safetensors_meta(&st, "made_by") && strcmp(wk_safetensors_meta(&st, "made_by"), "hand") == 0);
    CHECK(wk_safetensors_meta(&st, "nope") == NULL);
    CHECK(wk_safetensors_find(&st, "nope") == -1);
    wk_safetensors_free(&st);
    wk_safetensors_free(&st);   /* idempotent */
    CHECK(st.count == 0 && st.names == NULL);
}

TEST(every_dtype_converts)
{
    /* I32 -5,70000 | I16 -300 | I8 -128 | U16 65535 | U32 4e9 | U64 2^40 | BOOL 0,2 |
     * F8_E4M3 1.0 -3.0 nan 2^-9 | F8_E5M2 1.0 -3.0 */
    const unsigned char data[] = {
        0xfb, 0xff, 0xff, 0xff, 0x70, 0x11, 0x01, 0x00,   /* I32 [0,8) */
        0xd4, 0xfe,                                       /* I16 [8,10) */
        0x80,                                             /* I8 [10,11) */
        0xff, 0xff,                                       /* U16 [11,13) */
        0x00, 0x28, 0x6b, 0xee,                           /* U32 [13,17) 4000000000 */
        0, 0, 0, 0, 0, 0x01, 0, 0,                        /* U64 [17,25) 2^40 */
        0x00, 0x02,                                       /* BOOL [25,27) */
        0x38, 0xc4, 0x7f, 0x01,                           /* F8_E4M3 [27,31) */
        0x3c, 0xc2,                                       /* F8_E5M2 [31,33) */
    };
    const char *path = make_file("dtypes.safetensors",
        "{\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[8,10]},"
        "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[10,11]},"
        "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[11,13]},"
        "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[13,17]},"
        "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[17,25]},"
        "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[25,27]},"
        "\"e4m3\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[27,31]},"
        "\"e5m2\":{\"dtype\":\"F8_E5M2\",\"shape\":[2],\"data_offsets\":[31,33]},"
        "\"empty\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[33,33]}}",
        data, sizeof data);
    wk_safetensors st;
    CHECK(wk_safetensors_read(path, &st) == WK_OK);
    if (st.count != 10) {
        printf("  %s\n", wk_errmsg());
        CHECK(st.count == 10);
        return;
    }
#define VAL(name, i) (wk_tensor_data(&st.tensors[wk_safetensors_find(&st, name)])[i])
    CHECK(VAL("i32", 0) == -5.0f && VAL("i32", 1) == 70000.0f);
    CHECK(VAL("i16", 0) == -300.0f);
    CHECK(VAL("i8", 0) == -128.0f);
    CHECK(VAL("u16", 0) == 65535.0f);
    CHECK(VAL("u32", 0) == 4000000000.0f);
    CHECK(VAL("u64", 0) == 0x1p40f);
    CHECK(VAL("bool", 0) == 0.0f && VAL("bool", 1) == 1.0f);
    CHECK(VAL("e4m3", 0) == 1.0f && VAL("e4m3", 1) == -3.0f && isnan(VAL("e4m3", 2)) && VAL("e4m3", 3) == 0x1p-9f);
    CHECK(VAL("e5m2", 0) == 1.0f && VAL("e5m2", 1) == -3.0f);
#undef VAL
    const wk_tensor *e = &st.tensors[wk_safetensors_find(&st, "empty")];
    CHECK(e->ndim == 2 && e->shape[0] == 0 && e->shape[1] == 5 && wk_tensor_numel(e) == 0);
    wk_safetensors_free(&st);
}

/* ---- the writer's bytes ------------------------------------------------------------- */

/* The reference implementation's own tests (safetensors/src/tensor.rs: test_serialization,
 * test_serialization_forced_alignement, test_empty) give these exact files. */
static const unsigned char ref_attn_0[] = {
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34,
    58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100,
    97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0,
    0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
static const unsigned char ref_attn0[] = {
    72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58,
    34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34,
    100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32,
    32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
static const unsigned char ref_empty[] = {8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32};
static const unsigned char ref_empty_meta[] = {
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34,
    102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32};

static int written_equals(const wk_safetensors *st, const char *name, const unsigned char *want, size_t nwant)
{
    const char *path = tmp_path(name);
    if (wk_safetensors_write(path, st) != WK_OK) {
        printf("  write: %s\n", wk_errmsg());
        return 0;
    }
    size_t n = 0;
    unsigned char *got = read_bytes(path, &n);
    int same = got && n == nwant && memcmp(got, want, n) == 0;
    if (!same) printf("  %s: %zu bytes written, %zu expected\n", name, n, nwant);
    free(got);
    return same;
}

TEST(writer_matches_reference_bytes)
{
    wk_tensor t, v;
    wk_tensor_new(&t, 3, (int64_t[]){1, 2, 3});
    fill_arange(&t, 1.0f);
    wk_safetensors st = {0};
    CHECK(wk_safetensors_add(&st, "attn.0", &t) == WK_OK);
    CHECK(written_equals(&st, "attn_0.safetensors", ref_attn_0, sizeof ref_attn_0));
    wk_safetensors_free(&st);

    CHECK(wk_tensor_view(&v, &t, 4, (int64_t[]){1, 1, 2, 3}) == WK_OK);
    CHECK(wk_safetensors_add(&st, "attn0", &v) == WK_OK);   /* header padded by 7 spaces */
    CHECK(written_equals(&st, "attn0.safetensors", ref_attn0, sizeof ref_attn0));
    wk_safetensors_free(&st);

    CHECK(written_equals(&st, "empty.safetensors", ref_empty, sizeof ref_empty));
    CHECK(wk_safetensors_set_meta(&st, "framework", "pt") == WK_OK);
    CHECK(written_equals(&st, "empty_meta.safetensors", ref_empty_meta, sizeof ref_empty_meta));
    wk_safetensors_free(&st);
    wk_tensor_release(&t);
    wk_tensor_release(&v);
}

/* Field by field: length, padding, sorted names, offsets tiling the data, LE floats. */
TEST(writer_fields_follow_the_spec)
{
    wk_tensor a, b, bt;
    wk_tensor_new(&a, 1, (int64_t[]){3});
    fill_arange(&a, 0.5f);
    wk_tensor_new(&b, 2, (int64_t[]){2, 3});
    fill_arange(&b, 1.0f);
    wk_tensor_transpose(&bt, &b, 0, 1);   /* [3,2], not contiguous */
    wk_safetensors st = {0};
    CHECK(wk_safetensors_add(&st, "zeta", &a) == WK_OK);
    CHECK(wk_safetensors_add(&st, "alpha", &bt) == WK_OK);
    CHECK(wk_safetensors_set_meta(&st, "seed", "7") == WK_OK);
    CHECK(wk_safetensors_set_meta(&st, "note", "say \"hi\"\n\x01") == WK_OK);
    const char *path = tmp_path("fields.safetensors");
    CHECK(wk_safetensors_write(path, &st) == WK_OK);
    size_t n = 0;
    unsigned char *f = read_bytes(path, &n);
    CHECK(f != NULL && n > 8);
    if (!f) return;
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)f[i] << (8 * i);
    CHECK(hl % 8 == 0);
    CHECK(n == 8 + hl + 4 * (3 + 6));
    const char *want = "{\"__metadata__\":{\"note\":\"say \\\"hi\\\"\\n\\u0001\",\"seed\":\"7\"},"
                       "\"alpha\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                       "\"zeta\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}";
    size_t wl = strlen(want);
    CHECK(hl >= wl && hl < wl + 8 && memcmp(f + 8, want, wl) == 0);
    for (size_t i = wl; i < hl; i++) CHECK(f[8 + i] == ' ');
    /* alpha = b transposed: 0 3 1 4 2 5, little-endian float32 */
    const float alpha[] = {0, 3, 1, 4, 2, 5}, zeta[] = {0, 0.5f, 1};
    for (int i = 0; i < 9; i++) {
        float x = i < 6 ? alpha[i] : zeta[i - 6];
        uint32_t u;
        memcpy(&u, &x, 4);
        const unsigned char *p = f + 8 + hl + 4 * i;
        CHECK(p[0] == (u & 0xff) && p[1] == ((u >> 8) & 0xff) && p[2] == ((u >> 16) & 0xff) && p[3] == (u >> 24));
    }
    free(f);
    wk_safetensors_free(&st);
    wk_tensor_release(&a);
    wk_tensor_release(&b);
    wk_tensor_release(&bt);
}

TEST(round_trip)
{
    wk_tensor big, s, z, t;
    wk_tensor_new(&big, 3, (int64_t[]){4, 5, 6});
    fill_arange(&big, -0.25f);
    wk_tensor_new(&s, 0, NULL);
    wk_tensor_data(&s)[0] = 3.5f;
    wk_tensor_new(&z, 2, (int64_t[]){0, 7});
    wk_tensor_new(&t, 2, (int64_t[]){2, 2});
    float *td = wk_tensor_data(&t);
    td[0] = INFINITY;
    td[1] = -0.0f;
    td[2] = 1e-40f;   /* subnormal */
    td[3] = NAN;
    wk_safetensors st = {0};
    CHECK(wk_safetensors_add(&st, "layer.2.weight", &big) == WK_OK);
    CHECK(wk_safetensors_add(&st, "scalar", &s) == WK_OK);
    CHECK(wk_safetensors_add(&st, "empty", &z) == WK_OK);
    CHECK(wk_safetensors_add(&st, "special \"\xc3\xa9\"", &t) == WK_OK);
    CHECK(wk_safetensors_set_meta(&st, "seed", "7") == WK_OK);
    CHECK(wk_safetensors_set_meta(&st, "seed", "8") == WK_OK);   /* replaces */
    CHECK(wk_safetensors_set_meta(&st, "sketch", "classify.lua") == WK_OK);
    CHECK(st.meta_count == 2);
    const char *path = tmp_path("round.safetensors");
    CHECK(wk_safetensors_write(path, &st) == WK_OK);
    CHECK(wk_safetensors_write(path, &st) == WK_OK);   /* over an existing file */

    wk_safetensors in;
    CHECK(wk_safetensors_read(path, &in) == WK_OK);
    CHECK(in.count == 4);
    if (in.count == 4) {
        /* sorted by name: empty, layer.2.weight, scalar, special */
        CHECK(strcmp(in.names[0], "empty") == 0 && strcmp(in.names[1], "layer.2.weight") == 0);
        CHECK(strcmp(in.names[2], "scalar") == 0 && strcmp(in.names[3], "special \"\xc3\xa9\"") == 0);
        CHECK(wk_tensor_same_shape(&in.tensors[0], &z));
        CHECK(wk_tensor_same_shape(&in.tensors[1], &big));
        int same = 1;
        for (int64_t i = 0; i < wk_tensor_numel(&big); i++)
            same &= wk_tensor_data(&in.tensors[1])[i] == wk_tensor_data(&big)[i];
        CHECK(same);
        CHECK(in.tensors[2].ndim == 0 && wk_tensor_data(&in.tensors[2])[0] == 3.5f);
        const float *r = wk_tensor_data(&in.tensors[3]);
        CHECK(isinf(r[0]) && r[0] > 0 && r[1] == 0 && signbit(r[1]) && r[2] == 1e-40f && isnan(r[3]));
    }
    CHECK(in.meta_count == 2);
    CHECK(wk_safetensors_meta(&in, "seed") && strcmp(wk_safetensors_meta(&in, "seed"), "8") == 0);
    CHECK(wk_safetensors_meta(&in, "sketch") && strcmp(wk_safetensors_meta(&in, "sketch"), "classify.lua") == 0);
    wk_safetensors_free(&in);
    wk_safetensors_free(&st);
    /* the bundle held references: the tensors are still ours */
    CHECK(big.storage && big.storage->refcount == 1);
    wk_tensor_release(&big);
    wk_tensor_release(&s);
    wk_tensor_release(&z);
    wk_tensor_release(&t);
}

TEST(failed_write_keeps_old_file)
{
    const char *path = tmp_path("keep.safetensors");
    wk_tensor small, huge;
    wk_tensor_zeros(&small, 1, (int64_t[]){4});
    wk_tensor_zeros(&huge, 1, (int64_t[]){1 << 18});   /* 1 MiB */
    wk_safetensors st = {0};
    wk_safetensors_add(&st, "w", &small);
    CHECK(wk_safetensors_write(path, &st) == WK_OK);
    size_t n0 = 0, n1 = 0;
    unsigned char *before = read_bytes(path, &n0);
    int entries = count_dir_entries();

    /* Make the data write itself fail midway: a 64 KiB file size limit (EFBIG). */
    wk_safetensors_free(&st);
    wk_safetensors_add(&st, "w", &huge);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 1 << 16;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    int rc = wk_safetensors_write(path, &st);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    CHECK(rc == WK_ERR);
    CHECK(strstr(wk_errmsg(), path) != NULL && strstr(wk_errmsg(), "too large") != NULL);
    unsigned char *after = read_bytes(path, &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
    CHECK(count_dir_entries() == entries);   /* no temporary file left behind */

    /* A target that is a directory: the temporary file is written, the rename fails. */
    const char *d = tmp_path("adir");
    mkdir(d, 0755);
    CHECK(wk_safetensors_write(d, &st) == WK_ERR);
    CHECK(strstr(wk_errmsg(), d) != NULL);
    CHECK(count_dir_entries() == entries + 1);
    rmdir(d);
    /* A directory that does not exist. */
    CHECK(wk_safetensors_write(tmp_path("no/such/dir.safetensors"), &st) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "No such file or directory") != NULL);
    free(before);
    free(after);
    wk_safetensors_free(&st);
    wk_tensor_release(&small);
    wk_tensor_release(&huge);
}

TEST(bundle_errors)
{
    wk_tensor t, empty = {0};
    wk_tensor_zeros(&t, 1, (int64_t[]){2});
    wk_safetensors st = {0};
    CHECK(wk_safetensors_add(&st, "w", &t) == WK_OK);
    CHECK(wk_safetensors_add(&st, "w", &t) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "'w' is already taken") != NULL);
    CHECK(wk_safetensors_add(&st, "__metadata__", &t) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "reserved") != NULL);
    CHECK(wk_safetensors_add(&st, "bad\xff", &t) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "UTF-8") != NULL);
    CHECK(wk_safetensors_add(&st, "e", &empty) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "empty") != NULL);
    CHECK(wk_safetensors_set_meta(&st, "k", "\xc0\x80") == WK_ERR);   /* overlong NUL */
    CHECK(wk_safetensors_set_meta(&st, NULL, "v") == WK_ERR);
    CHECK(st.count == 1 && st.meta_count == 0);
    wk_safetensors_free(&st);
    wk_tensor_release(&t);
}

/* ---- broken files ------------------------------------------------------------------- */

TEST(broken_files_say_why)
{
    const unsigned char f32x2[8] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40};
    const char *p;

    CHECK(fails_with(tmp_path("missing.safetensors"), "cannot open", "No such file"));
    CHECK(fails_with(tmp_dir, "directory", NULL));

    p = tmp_path("short.safetensors");
    write_bytes(p, "\x05\0\0\0\0", 5);
    CHECK(fails_with(p, "is not a safetensors file", "only 5 bytes"));

    p = tmp_path("hugelen.safetensors");
    unsigned char hl[120] = {0};
    uint64_t n = 9000000000000000000ull;
    for (int i = 0; i < 8; i++) hl[i] = (unsigned char)(n >> (8 * i));
    write_bytes(p, hl, sizeof hl);
    CHECK(fails_with(p, "header length 9000000000000000000 exceeds file size 120", NULL));

    p = tmp_path("limit.safetensors");   /* sparse: 100 MB + 16 of zeros on disk costs nothing */
    FILE *f = fopen(p, "wb");
    n = 100000001;
    for (int i = 0; i < 8; i++) fputc((int)((n >> (8 * i)) & 0xff), f);
    fclose(f);
    CHECK(truncate(p, 100000016) == 0);
    CHECK(fails_with(p, "exceeds the 100 MB limit", NULL));
    unlink(p);

    CHECK(fails_with(make_file("zero.safetensors", "", NULL, 0), "too short", NULL));
    CHECK(fails_with(make_file("utf8.safetensors", "{\"a\xff\":1}", NULL, 0), "not valid UTF-8", "byte 3"));
    CHECK(fails_with(make_file("start.safetensors", "[1, 2]  ", NULL, 0), "does not start with '{'", NULL));
    CHECK(fails_with(make_file("json.safetensors", "{\"a\": {\"dtype\": }}", NULL, 0), "not valid JSON",
                     "byte 16 of the header: '}}'"));
    CHECK(fails_with(make_file("trail.safetensors", "{}  x   ", NULL, 0), "unexpected bytes after", "byte 4"));
    CHECK(fails_with(make_file("dtype.safetensors", "{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,1]}}",
                               "x", 1),
                     "tensor 'w' has dtype 'Q4'", "cannot read"));
    CHECK(fails_with(make_file("nooff.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", f32x2, 8),
                     "tensor 'w' lacks \"data_offsets\"", NULL));
    CHECK(fails_with(make_file("entry.safetensors", "{\"w\":[1,2]}", NULL, 0), "'w' is not a JSON object", NULL));
    CHECK(fails_with(make_file("ndim.safetensors",
                               "{\"w\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
                               "x", 1),
                     "9 dimensions", "at most 8"));
    CHECK(fails_with(make_file("neg.safetensors", "{\"w\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}",
                               "x", 1),
                     "shape of tensor 'w'", NULL));
    CHECK(fails_with(make_file("frac.safetensors", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}",
                               "x", 1),
                     "shape of tensor 'w'", NULL));
    CHECK(fails_with(make_file("offs.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}",
                               f32x2, 8),
                     "data_offsets of tensor 'w' are not two", NULL));
    CHECK(fails_with(make_file("mismatch.safetensors",
                               "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]},"
                               "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                               f32x2, 8),
                     "tensor 'w' is F32 of shape [2] (8 bytes) but its data_offsets [0, 4] span 4 bytes", NULL));
    CHECK(fails_with(make_file("beyond.safetensors",
                               "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", f32x2, 8),
                     "beyond the 8 bytes of data", "truncated"));
    CHECK(fails_with(make_file("huge.safetensors",
                               "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,1e300]}}", f32x2, 8),
                     "data_offsets of tensor 'w'", NULL));
    CHECK(fails_with(make_file("back.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}",
                               f32x2, 8),
                     "run backwards", NULL));
    CHECK(fails_with(make_file("overlap.safetensors",
                               "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                               "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                               f32x2, 8),
                     "tensors 'a' [0, 8] and 'b' [4, 8] overlap", NULL));
    CHECK(fails_with(make_file("hole.safetensors", "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                               f32x2, 8),
                     "bytes 0..4 of the data belong to no tensor", NULL));
    CHECK(fails_with(make_file("stray.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                               f32x2, 8),
                     "data section is 8 bytes but the tensors cover only 4", NULL));
    CHECK(fails_with(make_file("dup.safetensors",
                               "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                               "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                               f32x2, 8),
                     "tensor name 'a' appears twice", NULL));
    CHECK(fails_with(make_file("dupmeta.safetensors", "{\"__metadata__\":{},\"__metadata__\":{}}", NULL, 0),
                     "\"__metadata__\" appears twice", NULL));
    CHECK(fails_with(make_file("dupkey.safetensors", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", NULL, 0),
                     "metadata key 'k' appears twice", NULL));
    CHECK(fails_with(make_file("metaval.safetensors", "{\"__metadata__\":{\"epochs\":3}}", NULL, 0),
                     "__metadata__ value for 'epochs' is not a string", NULL));
    CHECK(fails_with(make_file("overflow.safetensors",
                               "{\"w\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776,1099511627776],"
                               "\"data_offsets\":[0,8]}}",
                               f32x2, 8),
                     "tensor 'w': shape", "more than wick's limit of 2^40"));

    /* A zero-size dim excuses the huge one: no data, no allocation. */
    wk_safetensors st;
    p = make_file("zerodim.safetensors",
                  "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,1099511627776],\"data_offsets\":[0,0]}}", NULL, 0);
    CHECK(wk_safetensors_read(p, &st) == WK_OK && st.count == 1 && wk_tensor_numel(&st.tensors[0]) == 0);
    wk_safetensors_free(&st);
    /* Headers written by other tools: whitespace around, unknown keys inside entries. */
    p = make_file("loose.safetensors",
                  "{ \"w\" : { \"dtype\" : \"F32\", \"shape\" : [2], \"data_offsets\" : [0, 8],"
                  " \"extra\": null } }\n\t ",
                  f32x2, 8);
    CHECK(wk_safetensors_read(p, &st) == WK_OK && st.count == 1 && wk_tensor_data(&st.tensors[0])[1] == 2.0f);
    wk_safetensors_free(&st);
}

/* Every prefix of a valid file is refused cleanly (no crash, nothing left allocated). */
TEST(every_truncation_is_refused)
{
    size_t n = 0;
    unsigned char *whole = read_bytes(FIXTURE, &n);
    CHECK(whole != NULL);
    if (!whole) return;
    int64_t live = wk_tensor_live_bytes();
    const char *p = tmp_path("cut.safetensors");
    int refused = 0;
    for (size_t k = 0; k < n; k++) {
        write_bytes(p, whole, k);
        wk_safetensors st;
        if (wk_safetensors_read(p, &st) == WK_ERR && st.count == 0 && strstr(wk_errmsg(), p)) refused++;
        else wk_safetensors_free(&st);
    }
    CHECK(refused == (int)n);
    CHECK(wk_tensor_live_bytes() == live);
    free(whole);
}

/* Sizes a header claims are checked before anything is allocated: the JSON's shape
 * (no array longer than a shape, no deep nesting) before cJSON builds a tree of it,
 * every shape through the tensor rules, and the floats against the machine. */
TEST(claims_are_checked_before_allocating)
{
    /* a 2 MB "shape" of zeros would be a million cJSON nodes (~64 MB) */
    size_t n = 2000000;
    char *h = malloc(n + 64);
    int k = snprintf(h, 64, "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,0],\"shape\":[0");
    while ((size_t)k < n) h[k++] = ',', h[k++] = '0';
    memcpy(h + k, "]}}", 4);
    CHECK(fails_with(make_file("longshape.safetensors", h, NULL, 0), "is not a safetensors file",
                     "an array of more than 64 entries"));
    k = snprintf(h, 64, "{\"a\":");
    for (int d = 0; d < 5000; d++) h[k++] = '[';
    for (int d = 0; d < 5000; d++) h[k++] = ']';
    memcpy(h + k, "}", 2);
    CHECK(fails_with(make_file("deep.safetensors", h, NULL, 0), "is not a safetensors file", "nested more than"));
    free(h);

    /* an empty tensor whose other sizes multiply past 2^40, after a good one */
    const unsigned char f32[4] = {0, 0, 0x80, 0x3f};
    const char *p = make_file("emptyhuge.safetensors",
                              "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                              "\"b\":{\"dtype\":\"F32\",\"shape\":[0,4294967296,4294967296],\"data_offsets\":[4,4]}}",
                              f32, 4);
    CHECK(fails_with(p, "is not a safetensors file", "tensor 'b'"));
    p = make_file("negative.safetensors", "{\"b\":{\"dtype\":\"U8\",\"shape\":[1099511627777],\"data_offsets\":[0,0]}}",
                  NULL, 0);
    CHECK(fails_with(p, "is not a safetensors file", "tensor 'b'"));

    /* 256 KB of U8 become 1 MB of floats: more than a 512K machine holds */
    unsigned char *bytes = calloc(1, 262144);
    p = make_file("u8.safetensors", "{\"b\":{\"dtype\":\"U8\",\"shape\":[512,512],\"data_offsets\":[0,262144]}}",
                  bytes, 262144);
    int64_t live = wk_tensor_live_bytes();
    setenv("WICK_MEMORY_LIMIT", "512K", 1);
    CHECK(fails_with(p, "needs 1.0 MiB", "512.0 KiB"));
    unsetenv("WICK_MEMORY_LIMIT");
    CHECK(wk_tensor_live_bytes() == live);
    wk_safetensors st;
    CHECK(wk_safetensors_read(p, &st) == WK_OK && st.count == 1);
    wk_safetensors_free(&st);
    free(bytes);
}

int main(void)
{
    if (tmp_dir_create("wick-st")) return 1;
    RUN(hand_fixture);
    RUN(every_dtype_converts);
    RUN(writer_matches_reference_bytes);
    RUN(writer_fields_follow_the_spec);
    RUN(round_trip);
    RUN(failed_write_keeps_old_file);
    RUN(bundle_errors);
    RUN(broken_files_say_why);
    RUN(every_truncation_is_refused);
    RUN(claims_are_checked_before_allocating);
    tmp_dir_remove();
    return check_summary("safetensors");
}
