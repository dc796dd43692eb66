/* test_limits.c — unit tests of lib/core/limits.c: the checked int64 helpers, the
 * element count every shape goes through (wk_shape_numel), the machine's memory as the
 * ceiling for one allocation (wk_memory_check, lowered with WICK_MEMORY_LIMIT), and the
 * check that a size read from a file fits in the file (wk_file_claim). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/error.h"
#include "../../lib/core/limits.h"
#include "check.h"

#define GiB ((int64_t)1 << 30)
#define MiB ((int64_t)1 << 20)

TEST(overflow_helpers)
{
    int64_t r = 7;
    CHECK(!wk_mul_overflows(3, 4, &r) && r == 12);
    CHECK(!wk_mul_overflows(INT64_MAX, 1, &r) && r == INT64_MAX);
    CHECK(!wk_mul_overflows(-1, INT64_MAX, &r) && r == -INT64_MAX);
    r = 7;
    CHECK(wk_mul_overflows(INT64_MIN, -1, &r) && r == 7);   /* *out untouched on overflow */
    CHECK(wk_mul_overflows((int64_t)1 << 62, 4, &r) && r == 7);
    CHECK(wk_mul_overflows(((int64_t)1 << 62) + 1024, 4, &r));   /* wraps to 4096 unchecked */
    CHECK(!wk_add_overflows(INT64_MAX - 1, 1, &r) && r == INT64_MAX);
    r = 7;
    CHECK(wk_add_overflows(INT64_MAX, 1, &r) && r == 7);
    CHECK(wk_add_overflows(10, INT64_MAX, &r));
    CHECK(wk_add_overflows(INT64_MIN, -1, &r));
}

TEST(shape_numel)
{
    int64_t n = -1;
    CHECK(wk_shape_numel(0, NULL, &n) == WK_OK && n == 1);   /* a scalar */
    CHECK(wk_shape_numel(3, (int64_t[]){2, 3, 4}, &n) == WK_OK && n == 24);
    CHECK(wk_shape_numel(2, (int64_t[]){(int64_t)1 << 20, (int64_t)1 << 20}, &n) == WK_OK && n == WK_MAX_NUMEL);
    n = -1;
    CHECK(wk_shape_numel(2, (int64_t[]){((int64_t)1 << 20) + 1, (int64_t)1 << 20}, &n) == WK_ERR && n == -1);
    CHECK(strstr(wk_errmsg(), "more than wick's limit of 2^40 elements") != NULL);
    CHECK(strstr(wk_errmsg(), "[1048577,1048576]") != NULL);
    /* the product that wraps to a small number is caught, not taken as 4096 */
    CHECK(wk_shape_numel(2, (int64_t[]){((int64_t)1 << 62) + 1024, 4}, &n) == WK_ERR);
    CHECK(wk_shape_numel(3, (int64_t[]){(int64_t)1 << 32, (int64_t)1 << 32, (int64_t)1 << 32}, &n) == WK_ERR);
    CHECK(wk_shape_numel(2, (int64_t[]){INT64_MAX, INT64_MAX}, &n) == WK_ERR);
    /* a zero anywhere: empty, whatever the others (tensor.c adds its own rule on those) */
    CHECK(wk_shape_numel(3, (int64_t[]){(int64_t)1 << 62, 0, (int64_t)1 << 62}, &n) == WK_OK && n == 0);
    CHECK(wk_shape_numel(2, (int64_t[]){3, -2}, &n) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "size -2 in shape [3,-2] is negative") != NULL);
    CHECK(wk_shape_numel(2, (int64_t[]){0, INT64_MIN}, &n) == WK_ERR);   /* negative beats empty */
    CHECK(wk_shape_numel(9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, &n) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "0 to 8 dimensions, got 9") != NULL);
    CHECK(wk_shape_numel(-1, NULL, &n) == WK_ERR);
}

TEST(memory_check_with_a_limit)
{
    const char *saved = getenv("WICK_MEMORY_LIMIT");
    char *keep = saved ? strdup(saved) : NULL;
    unsetenv("WICK_MEMORY_LIMIT");
    int64_t machine = wk_memory_total();
    CHECK(machine > 64 * MiB);
    CHECK(wk_memory_check(1e6, "a small buffer") == WK_OK);
    CHECK(wk_memory_check(4.0 * (double)WK_MAX_NUMEL, "a 2^40-float tensor") == WK_ERR);   /* 4 TiB */
    CHECK(strstr(wk_errmsg(), "a 2^40-float tensor needs 4.0 TiB, more than this machine's") != NULL);

    setenv("WICK_MEMORY_LIMIT", "512M", 1);
    CHECK(wk_memory_total() == 512 * MiB);
    CHECK(wk_memory_check((double)(511 * MiB), "x") == WK_OK);
    CHECK(wk_memory_check((double)(512 * MiB), "x") == WK_OK);   /* exactly the limit */
    CHECK(wk_memory_check((double)(513 * MiB), "a tensor of shape [9]") == WK_ERR);
    CHECK(strstr(wk_errmsg(), "a tensor of shape [9] needs 513.0 MiB, more than this machine's 512.0 MiB of memory") !=
          NULL);
    setenv("WICK_MEMORY_LIMIT", "2G", 1);
    CHECK(wk_memory_total() == (2 * GiB < machine ? 2 * GiB : machine));
    setenv("WICK_MEMORY_LIMIT", "1048576", 1);
    CHECK(wk_memory_total() == MiB);
    setenv("WICK_MEMORY_LIMIT", "1k", 1);
    CHECK(wk_memory_total() == 1024);
    /* a limit can only lower the ceiling, and junk is ignored */
    setenv("WICK_MEMORY_LIMIT", "1000T", 1);
    CHECK(wk_memory_total() == machine);
    setenv("WICK_MEMORY_LIMIT", "lots", 1);
    CHECK(wk_memory_total() == machine);
    setenv("WICK_MEMORY_LIMIT", "-5G", 1);
    CHECK(wk_memory_total() == machine);
    setenv("WICK_MEMORY_LIMIT", "", 1);
    CHECK(wk_memory_total() == machine);

    if (keep) setenv("WICK_MEMORY_LIMIT", keep, 1);
    else unsetenv("WICK_MEMORY_LIMIT");
    free(keep);
}

TEST(file_claim)
{
    CHECK(wk_file_claim("a.bin", "header", 10, 4, 40) == WK_OK);   /* exactly fits */
    CHECK(wk_file_claim("a.bin", "header", 0, 4, 0) == WK_OK);
    CHECK(wk_file_claim("a.bin", "header", 11, 4, 40) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "'a.bin' is damaged or truncated: its header claims 44 B but only 40 B remain") != NULL);
    /* 2,000,000 x 1,000 floats promised by a 25-byte file */
    CHECK(wk_file_claim("v.txt", "first line", 2000000, 4000, 25) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "'v.txt' is damaged or truncated: its first line claims 7.5 GiB") != NULL);
    /* count * item_bytes wraps int64: still refused */
    CHECK(wk_file_claim("w.bin", "shape", (int64_t)1 << 62, 8, INT64_MAX) == WK_ERR);
    CHECK(wk_file_claim("w.bin", "shape", INT64_MAX, INT64_MAX, INT64_MAX) == WK_ERR);
    CHECK(wk_file_claim("n.bin", "count", -1, 4, 100) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "negative") != NULL);
    CHECK(wk_file_claim("n.bin", "count", 1, -4, 100) == WK_ERR);
    CHECK(wk_file_claim("n.bin", "count", 1, 4, -1) == WK_ERR);   /* nothing remains */
}

int main(void)
{
    RUN(overflow_helpers);
    RUN(shape_numel);
    RUN(memory_check_with_a_limit);
    RUN(file_claim);
    return check_summary("limits");
}
