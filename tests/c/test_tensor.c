/* test_tensor.c — unit tests of lib/tensor/tensor.c: allocation limits, views and their
 * strides, copies across layouts, broadcasting rules and the strided iterator. */
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/tensor/tensor.h"
#include "check.h"

static void fill_arange(wk_tensor *t)
{
    float *d = wk_tensor_data(t);
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) d[i] = (float)i;
}

TEST(new_and_release)
{
    int64_t before = wk_tensor_live_bytes();
    wk_tensor t;
    CHECK(wk_tensor_zeros(&t, 2, (int64_t[]){3, 4}) == WK_OK);
    CHECK(t.ndim == 2 && t.shape[0] == 3 && t.shape[1] == 4);
    CHECK(t.stride[0] == 4 && t.stride[1] == 1);
    CHECK(wk_tensor_numel(&t) == 12);
    CHECK(wk_tensor_data(&t)[11] == 0.0f);
    CHECK(((uintptr_t)wk_tensor_data(&t) & 63) == 0);
    CHECK(wk_tensor_live_bytes() == before + 48);
    wk_tensor_release(&t);
    wk_tensor_release(&t);   /* idempotent */
    CHECK(t.storage == NULL);
    CHECK(wk_tensor_live_bytes() == before);
}

TEST(absurd_sizes_fail_cleanly)
{
    wk_tensor t;
    /* within 2^40 elements but more than the machine: refused by wk_memory_check */
    CHECK(wk_tensor_new(&t, 2, (int64_t[]){1000000, 1000000}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "a tensor of shape [1000000,1000000] needs 3.6 TiB, more than this machine's") != NULL);
    CHECK(t.storage == NULL);
    CHECK(wk_tensor_new(&t, 3, (int64_t[]){1 << 30, 1 << 30, 1 << 30}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "more than wick's limit of 2^40") != NULL);
    CHECK(wk_tensor_new(&t, 2, (int64_t[]){3, -1}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "negative") != NULL);
    CHECK(wk_tensor_new(&t, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}) == WK_ERR);
    /* an empty shape is fine while its other sizes stay within 2^40 ... */
    CHECK(wk_tensor_new(&t, 3, (int64_t[]){0, (int64_t)1 << 20, (int64_t)1 << 20}) == WK_OK);
    CHECK(wk_tensor_numel(&t) == 0 && t.stride[0] == (int64_t)1 << 40);
    CHECK(wk_tensor_is_contiguous(&t));
    wk_tensor_release(&t);
    /* ... and refused beyond: the strides of [0, 2^32, 2^32] would overflow int64 */
    CHECK(wk_tensor_zeros(&t, 3, (int64_t[]){0, (int64_t)1 << 32, (int64_t)1 << 32}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "is empty, but its other sizes multiply to more than wick's limit") != NULL);
    CHECK(wk_tensor_new(&t, 2, (int64_t[]){(int64_t)1 << 62, 0}) == WK_ERR);
    CHECK(t.storage == NULL);
    /* empty tensors of any shape count as contiguous (kernels that require contiguous
     * input must accept them: there is nothing to lay out) */
    CHECK(wk_tensor_new(&t, 2, (int64_t[]){0, 0}) == WK_OK);
    CHECK(wk_tensor_is_contiguous(&t));
    wk_tensor_release(&t);
    CHECK(wk_tensor_new(&t, 3, (int64_t[]){2, 0, 3}) == WK_OK);
    CHECK(wk_tensor_is_contiguous(&t));
    wk_tensor_release(&t);
}

/* Issue 10: shapes whose products or sums wrap around int64. */
TEST(view_sizes_that_wrap_are_refused)
{
    wk_tensor a, v;
    CHECK(wk_tensor_zeros(&a, 1, (int64_t[]){4096}) == WK_OK);
    /* (2^62 + 1024) * 4 wraps to 4096 */
    CHECK(wk_tensor_view(&v, &a, 2, (int64_t[]){((int64_t)1 << 62) + 1024, 4}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "is invalid for a tensor of shape [4096]") != NULL);
    CHECK(v.storage == NULL || v.storage != a.storage);
    CHECK(wk_tensor_reshape(&v, &a, 2, (int64_t[]){((int64_t)1 << 62) + 1024, 4}) == WK_ERR);
    CHECK(wk_tensor_view(&v, &a, 3, (int64_t[]){-1, (int64_t)1 << 62, 4}) == WK_ERR);
    CHECK(wk_tensor_view(&v, &a, 3, (int64_t[]){(int64_t)1 << 32, (int64_t)1 << 32, 4096}) == WK_ERR);
    CHECK(a.storage->refcount == 1);   /* no failed view kept a reference */
    /* narrow: start + length past INT64_MAX must not pass the range check */
    CHECK(wk_tensor_narrow(&v, &a, 0, 10, INT64_MAX) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "outside dimension 1 of size 4096") != NULL);
    CHECK(wk_tensor_narrow(&v, &a, 0, INT64_MAX, 2) == WK_ERR);
    CHECK(wk_tensor_narrow(&v, &a, 0, 4096, 0) == WK_OK);   /* an empty range at the end */
    CHECK(wk_tensor_numel(&v) == 0);
    wk_tensor_release(&v);
    CHECK(wk_tensor_select(&v, &a, 0, INT64_MIN) == WK_ERR);
    CHECK(a.storage->refcount == 1);
    wk_tensor_release(&a);
}

TEST(expand_and_broadcast_stay_within_the_limit)
{
    wk_tensor a, e, b, f;
    int n;
    int64_t shape[WK_MAX_DIMS];
    wk_tensor_zeros(&a, 2, (int64_t[]){1, 4});
    CHECK(wk_tensor_expand(&e, &a, 2, (int64_t[]){(int64_t)1 << 38, 4}) == WK_OK);   /* exactly 2^40 */
    CHECK(wk_tensor_numel(&e) == (int64_t)1 << 40);
    wk_tensor_release(&e);
    CHECK(wk_tensor_expand(&e, &a, 2, (int64_t[]){(int64_t)1 << 39, 4}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "more than wick's limit of 2^40") != NULL);
    CHECK(wk_tensor_expand(&e, &a, 3, (int64_t[]){(int64_t)1 << 62, 1 << 2, 4}) == WK_ERR);
    CHECK(a.storage->refcount == 1);
    /* [2^30, 1] with [1, 2^30]: a 2^60-element result is refused by the shape rule */
    wk_tensor_expand(&e, &a, 2, (int64_t[]){(int64_t)1 << 30, 4});
    wk_tensor_zeros(&b, 1, (int64_t[]){1});
    CHECK(wk_tensor_expand(&f, &b, 3, (int64_t[]){1 << 30, 1, 1}) == WK_OK);
    CHECK(wk_broadcast_shape(&n, shape, &e, &f) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "more than wick's limit") != NULL);
    /* unsqueeze's stride of a size-1 dim is a product of sizes: no overflow either */
    wk_tensor u;
    CHECK(wk_tensor_unsqueeze(&u, &e, 1) == WK_OK);
    CHECK(u.ndim == 3 && u.shape[1] == 1);
    wk_tensor_release(&u);
    wk_tensor_release(&f);
    wk_tensor_release(&b);
    wk_tensor_release(&e);
    wk_tensor_release(&a);
}

TEST(in_place_writes_into_expanded_views_are_refused)
{
    wk_tensor a, e;
    wk_tensor_zeros(&a, 2, (int64_t[]){1, 4});
    wk_tensor_expand(&e, &a, 2, (int64_t[]){3, 4});
    CHECK(wk_tensor_require_writable(&a) == WK_OK);
    CHECK(wk_tensor_require_writable(&e) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "expanded tensor of shape [3,4] (dimension 1 has stride 0)") != NULL);
    wk_tensor_release(&e);
    wk_tensor_release(&a);
}

TEST(views_share_storage)
{
    wk_tensor a, v, s, n;
    wk_tensor_new(&a, 2, (int64_t[]){3, 4});
    fill_arange(&a);
    CHECK(wk_tensor_view(&v, &a, 3, (int64_t[]){2, -1, 3}) == WK_OK);
    CHECK(v.shape[1] == 2 && v.storage == a.storage && a.storage->refcount == 2);
    CHECK(wk_tensor_select(&s, &a, 1, 2) == WK_OK);   /* column 2: 2, 6, 10 */
    CHECK(s.ndim == 1 && s.shape[0] == 3 && s.stride[0] == 4);
    CHECK(wk_tensor_data(&s)[4] == 6.0f);
    CHECK(wk_tensor_narrow(&n, &a, 0, 1, 2) == WK_OK);   /* rows 1..2 */
    CHECK(wk_tensor_data(&n)[0] == 4.0f && n.shape[0] == 2);
    wk_tensor_release(&a);
    CHECK(v.storage->refcount == 3);   /* the views keep it alive */
    CHECK(wk_tensor_data(&v)[11] == 11.0f);
    wk_tensor_release(&v);
    wk_tensor_release(&s);
    wk_tensor_release(&n);
}

TEST(view_errors)
{
    wk_tensor a, t, v;
    wk_tensor_new(&a, 2, (int64_t[]){3, 4});
    CHECK(wk_tensor_view(&v, &a, 2, (int64_t[]){5, -1}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "invalid") != NULL);
    CHECK(wk_tensor_view(&v, &a, 2, (int64_t[]){-1, -1}) == WK_ERR);
    CHECK(wk_tensor_select(&v, &a, 0, 3) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "out of range") != NULL);
    CHECK(wk_tensor_narrow(&v, &a, 1, 2, 3) == WK_ERR);
    CHECK(wk_tensor_transpose(&t, &a, 0, 1) == WK_OK);
    CHECK(!wk_tensor_is_contiguous(&t));
    CHECK(wk_tensor_view(&v, &t, 1, (int64_t[]){12}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "non-contiguous") != NULL);
    /* reshape copies instead, in transposed order */
    CHECK(wk_tensor_reshape(&v, &t, 1, (int64_t[]){12}) == WK_OK);
    fill_arange(&a);
    wk_tensor_release(&v);
    CHECK(wk_tensor_reshape(&v, &t, 1, (int64_t[]){12}) == WK_OK);
    CHECK(v.storage != a.storage);
    CHECK(wk_tensor_data(&v)[1] == 4.0f && wk_tensor_data(&v)[3] == 1.0f);
    wk_tensor_release(&v);
    wk_tensor_release(&t);
    wk_tensor_release(&a);
}

TEST(view_of_noncontiguous_that_fits)
{
    /* a [4,6] narrowed to columns 0..5 of an [4,8]: rows stay separate chunks, so
     * splitting the last dim works without a copy */
    wk_tensor a, n, v;
    wk_tensor_new(&a, 2, (int64_t[]){4, 8});
    fill_arange(&a);
    wk_tensor_narrow(&n, &a, 1, 0, 6);
    CHECK(wk_tensor_view(&v, &n, 3, (int64_t[]){4, 2, 3}) == WK_OK);
    CHECK(v.storage == a.storage);
    CHECK(*wk_tensor_at(&v, (int64_t[]){1, 1, 2}) == 13.0f);
    wk_tensor_release(&v);
    CHECK(wk_tensor_view(&v, &n, 1, (int64_t[]){24}) == WK_ERR);
    wk_tensor_release(&n);
    wk_tensor_release(&a);
}

TEST(permute_squeeze_unsqueeze_expand)
{
    wk_tensor a, p, s, u, e;
    wk_tensor_new(&a, 3, (int64_t[]){2, 1, 3});
    fill_arange(&a);
    CHECK(wk_tensor_permute(&p, &a, (int[]){2, 0, 1}) == WK_OK);
    CHECK(p.shape[0] == 3 && p.shape[1] == 2 && p.shape[2] == 1);
    CHECK(*wk_tensor_at(&p, (int64_t[]){2, 1, 0}) == 5.0f);
    CHECK(wk_tensor_permute(&e, &a, (int[]){0, 0, 1}) == WK_ERR);
    CHECK(wk_tensor_squeeze(&s, &a, -1) == WK_OK);
    CHECK(s.ndim == 2 && s.shape[0] == 2 && s.shape[1] == 3);
    CHECK(wk_tensor_unsqueeze(&u, &s, 2) == WK_OK);
    CHECK(u.ndim == 3 && u.shape[2] == 1);
    CHECK(wk_tensor_expand(&e, &a, 4, (int64_t[]){5, 2, 4, 3}) == WK_OK);
    CHECK(e.stride[0] == 0 && e.stride[2] == 0);
    CHECK(*wk_tensor_at(&e, (int64_t[]){4, 1, 3, 2}) == 5.0f);
    wk_tensor_release(&e);
    CHECK(wk_tensor_expand(&e, &a, 3, (int64_t[]){3, 1, 3}) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "cannot expand shape [2,1,3] to [3,1,3]") != NULL);
    wk_tensor_release(&p);
    wk_tensor_release(&s);
    wk_tensor_release(&u);
    wk_tensor_release(&a);
}

TEST(broadcast_shapes)
{
    wk_tensor a = {.ndim = 3, .shape = {2, 1, 4}}, b = {.ndim = 2, .shape = {3, 1}}, c = {.ndim = 1, .shape = {5}};
    wk_tensor s = {.ndim = 0};
    int n;
    int64_t shape[WK_MAX_DIMS];
    CHECK(wk_broadcast_shape(&n, shape, &a, &b) == WK_OK);
    CHECK(n == 3 && shape[0] == 2 && shape[1] == 3 && shape[2] == 4);
    CHECK(wk_broadcast_shape(&n, shape, &s, &c) == WK_OK);
    CHECK(n == 1 && shape[0] == 5);
    CHECK(wk_broadcast_shape(&n, shape, &a, &c) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "shapes [2,1,4] and [5] cannot be broadcast") != NULL);
}

TEST(copy_across_layouts)
{
    wk_tensor a, t, c, row, big;
    wk_tensor_new(&a, 2, (int64_t[]){3, 4});
    fill_arange(&a);
    wk_tensor_transpose(&t, &a, 0, 1);
    CHECK(wk_tensor_clone(&c, &t) == WK_OK);
    CHECK(wk_tensor_is_contiguous(&c) && c.shape[0] == 4);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) CHECK(wk_tensor_data(&c)[i * 3 + j] == (float)(j * 4 + i));
    /* broadcast a row into every row */
    wk_tensor_select(&row, &a, 0, 2);   /* 8 9 10 11 */
    wk_tensor_new(&big, 2, (int64_t[]){5, 4});
    CHECK(wk_tensor_copy_(&big, &row) == WK_OK);
    CHECK(wk_tensor_data(&big)[19] == 11.0f && wk_tensor_data(&big)[4] == 8.0f);
    CHECK(wk_tensor_copy_(&row, &big) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "cannot copy a tensor of shape [5,4] into one of shape [4]") != NULL);
    wk_tensor_fill_(&t, 7.0f);   /* through a transposed view */
    CHECK(wk_tensor_data(&a)[5] == 7.0f);
    wk_tensor_release(&big);
    wk_tensor_release(&row);
    wk_tensor_release(&c);
    wk_tensor_release(&t);
    wk_tensor_release(&a);
}

TEST(iterator_merges_contiguous_dims)
{
    int64_t shape[3] = {2, 3, 4}, stride[3] = {12, 4, 1};
    wk_iter it;
    wk_iter_init(&it, 3, shape, 1, (const int64_t *[]){stride});
    CHECK(it.ndim == 1 && it.run == 24 && it.remaining == 1);
    int64_t tstride[3] = {1, 9, 2};   /* a permuted, padded layout: nothing merges */
    wk_iter_init(&it, 3, shape, 1, (const int64_t *[]){tstride});
    CHECK(it.run == 4 && it.remaining == 6);
    int64_t off[1], sum = 0, runs = 0;
    while (wk_iter_next(&it, off)) {
        runs++;
        for (int64_t i = 0; i < it.run; i++) sum += off[0] + i * it.step[0];
    }
    CHECK(runs == 6);
    /* exact: sum over i<2, j<3, k<4 of i + 9j + 2k */
    CHECK(sum == 12 + 216 + 72);
    int64_t mstride[3] = {1, 8, 2};   /* j and k together are one run of stride 2 */
    wk_iter_init(&it, 3, shape, 1, (const int64_t *[]){mstride});
    CHECK(it.run == 12 && it.step[0] == 2 && it.remaining == 2);
}

TEST(rng_is_repeatable)
{
    wk_rng_seed(42);
    float a = wk_rng_uniform(), b = wk_rng_normal();
    wk_rng_seed(42);
    CHECK(wk_rng_uniform() == a && wk_rng_normal() == b);
    CHECK(wk_rng_get_seed() == 42);
    double sum = 0, sq = 0;
    for (int i = 0; i < 100000; i++) {
        double x = wk_rng_normal();
        sum += x;
        sq += x * x;
    }
    CHECK_NEAR(sum / 100000, 0.0, 0.02);
    CHECK_NEAR(sq / 100000, 1.0, 0.02);
    for (int i = 0; i < 1000; i++) {
        float u = wk_rng_uniform();
        CHECK(u >= 0.0f && u < 1.0f);
        CHECK(wk_rng_below(7) < 7);
    }
}

int main(void)
{
    RUN(new_and_release);
    RUN(absurd_sizes_fail_cleanly);
    RUN(view_sizes_that_wrap_are_refused);
    RUN(expand_and_broadcast_stay_within_the_limit);
    RUN(in_place_writes_into_expanded_views_are_refused);
    RUN(views_share_storage);
    RUN(view_errors);
    RUN(view_of_noncontiguous_that_fits);
    RUN(permute_squeeze_unsqueeze_expand);
    RUN(broadcast_shapes);
    RUN(copy_across_layouts);
    RUN(iterator_merges_contiguous_dims);
    RUN(rng_is_repeatable);
    return check_summary("tensor");
}
