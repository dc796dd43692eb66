/* test_index.c — cat, stack, index_select, gather, masked_fill, sort and topk on small
 * tensors whose answers are worked out by hand in the comments, plus the error
 * messages. Values are exact (only copies and comparisons), so checks use ==. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/tensor/index.h"
#include "check.h"
#include "tensor_fixtures.h"

/* ---- cat and stack -------------------------------------------------------------- */

TEST(cat_values)
{
    wk_tensor a = make(2, SHAPE(2, 2), VALS(1, 2, 3, 4)), b = make(2, SHAPE(1, 2), VALS(5, 6));
    wk_tensor c = make(2, SHAPE(2, 1), VALS(7, 8));
    wk_tensor out;
    CHECK(wk_tensor_cat(&out, 2, (const wk_tensor *[]){&a, &b}, 0) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(3, 2), VALS(1, 2, 3, 4, 5, 6)));
    wk_tensor_release(&out);
    CHECK(wk_tensor_cat(&out, 2, (const wk_tensor *[]){&a, &c}, 1) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(2, 3), VALS(1, 2, 7, 3, 4, 8)));
    wk_tensor_release(&out);
    /* a transposed view joins like any tensor: a^T = [[1,3],[2,4]] */
    wk_tensor at;
    wk_tensor_transpose(&at, &a, 0, 1);
    CHECK(wk_tensor_cat(&out, 3, (const wk_tensor *[]){&at, &c, &a}, 1) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(2, 5), VALS(1, 3, 7, 1, 2, 2, 4, 8, 3, 4)));
    wk_tensor_release(&out);
    /* errors */
    CHECK(wk_tensor_cat(&out, 2, (const wk_tensor *[]){&a, &c}, 0) == WK_ERR);
    CHECK(strcmp(wk_errmsg(),
                 "tensor 2 has shape [2,1] but tensor 1 has shape [2,2] (sizes must match except in dimension 1)") == 0);
    CHECK(wk_tensor_cat(&out, 0, NULL, 0) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "expected a non-empty list of tensors") == 0);
    CHECK(wk_tensor_cat(&out, 1, (const wk_tensor *[]){&a}, 2) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "dimension 3 is out of range for a 2-D tensor") == 0);
    wk_tensor *all[] = {&a, &b, &c, &at};
    for (int i = 0; i < 4; i++) wk_tensor_release(all[i]);
}

/* Issue 10: sizes along the joined dim are added with overflow checks. Each piece is
 * a legal 2^40-element expanded view (no memory); 2^23 + 1 of them sum past INT64_MAX,
 * which plain int64 addition would wrap to a small, allocatable size. */
TEST(cat_sizes_that_wrap_are_refused)
{
    wk_tensor one = make(1, SHAPE(1), VALS(1)), big, out = {0};
    CHECK(wk_tensor_expand(&big, &one, 1, SHAPE((int64_t)1 << 40)) == WK_OK);
    CHECK(wk_tensor_cat(&out, 2, (const wk_tensor *[]){&big, &big}, 0) == WK_ERR);   /* 2^41: the limit */
    CHECK(strstr(wk_errmsg(), "more than wick's limit of 2^40") != NULL);
    int n = (1 << 23) + 1;
    const wk_tensor **list = malloc(sizeof *list * (size_t)n);
    for (int i = 0; i < n; i++) list[i] = &big;
    int64_t live = wk_tensor_live_bytes();
    CHECK(wk_tensor_cat(&out, n, list, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "add up to more than wick's limit of 2^40") != NULL);
    CHECK(out.storage == NULL && wk_tensor_live_bytes() == live);
    free(list);
    /* stack: n copies of a 2^40-element view is n * 2^40 elements */
    CHECK(wk_tensor_stack(&out, 3, (const wk_tensor *[]){&big, &big, &big}, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "more than wick's limit of 2^40") != NULL);
    wk_tensor_release(&big);
    wk_tensor_release(&one);
}

TEST(stack_values)
{
    wk_tensor a = make(1, SHAPE(3), VALS(1, 2, 3)), b = make(1, SHAPE(3), VALS(4, 5, 6));
    wk_tensor out;
    CHECK(wk_tensor_stack(&out, 2, (const wk_tensor *[]){&a, &b}, 0) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(2, 3), VALS(1, 2, 3, 4, 5, 6)));
    wk_tensor_release(&out);
    CHECK(wk_tensor_stack(&out, 2, (const wk_tensor *[]){&a, &b}, 1) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(3, 2), VALS(1, 4, 2, 5, 3, 6)));
    wk_tensor_release(&out);
    wk_tensor c = make(1, SHAPE(2), VALS(7, 8));
    CHECK(wk_tensor_stack(&out, 2, (const wk_tensor *[]){&a, &c}, 0) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "tensor 2 has shape [2] but tensor 1 has shape [3] (all must have one shape)") == 0);
    CHECK(wk_tensor_stack(&out, 1, (const wk_tensor *[]){&a}, 2) == WK_ERR);
    wk_tensor *all[] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) wk_tensor_release(all[i]);
}

/* ---- index_select and gather ---------------------------------------------------- */

TEST(index_select_values)
{
    /* x = [[1,2,3],[4,5,6],[7,8,9]] */
    wk_tensor x = make(2, SHAPE(3, 3), VALS(1, 2, 3, 4, 5, 6, 7, 8, 9));
    wk_tensor idx = make(1, SHAPE(3), VALS(3, 1, 3)), out;
    CHECK(wk_tensor_index_select(&out, &x, 0, &idx, 1) == WK_OK);   /* rows 3, 1, 3 */
    CHECK(equals(&out, 2, SHAPE(3, 3), VALS(7, 8, 9, 1, 2, 3, 7, 8, 9)));
    wk_tensor_release(&out);
    CHECK(wk_tensor_index_select(&out, &x, 1, &idx, 1) == WK_OK);   /* columns 3, 1, 3 */
    CHECK(equals(&out, 2, SHAPE(3, 3), VALS(3, 1, 3, 6, 4, 6, 9, 7, 9)));
    wk_tensor_release(&out);
    CHECK(wk_tensor_index_select(&out, &x, 1, &idx, 0) == WK_ERR);  /* 3 is past the end 0-based */
    CHECK(strcmp(wk_errmsg(), "index 3 is out of range for dimension 2 of size 3") == 0);
    wk_tensor bad = make(1, SHAPE(2), VALS(1, 1.5f));
    CHECK(wk_tensor_index_select(&out, &x, 0, &bad, 1) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "index 1.5 is not an integer") == 0);
    wk_tensor zero = make(1, SHAPE(1), VALS(0));
    CHECK(wk_tensor_index_select(&out, &x, 0, &zero, 1) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "index 0 is out of range for dimension 1 of size 3") == 0);
    wk_tensor empty = make(1, SHAPE(0), VALS(0));
    CHECK(wk_tensor_index_select(&out, &x, 0, &empty, 1) == WK_OK);
    CHECK(out.shape[0] == 0 && out.shape[1] == 3);
    wk_tensor_release(&out);
    wk_tensor *all[] = {&x, &idx, &bad, &zero, &empty};
    for (int i = 0; i < 5; i++) wk_tensor_release(all[i]);
}

TEST(gather_values)
{
    /* x = [[1,2],[3,4]]; gather(dim 2, [[1,1],[2,1]]) = [[1,1],[4,3]] (PyTorch's example) */
    wk_tensor x = make(2, SHAPE(2, 2), VALS(1, 2, 3, 4));
    wk_tensor idx = make(2, SHAPE(2, 2), VALS(1, 1, 2, 1)), out;
    CHECK(wk_tensor_gather(&out, &x, 1, &idx, 1) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(2, 2), VALS(1, 1, 4, 3)));
    wk_tensor_release(&out);
    /* dim 1: out[i][j] = x[idx[i][j]][j]: [[1,1],[2,1]] -> [[1,2],[3,2]] */
    CHECK(wk_tensor_gather(&out, &x, 0, &idx, 1) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(2, 2), VALS(1, 2, 3, 2)));
    wk_tensor_release(&out);
    /* index smaller than x outside dim: [[2],[1]] on dim 2 -> [[2],[3]] */
    wk_tensor col = make(2, SHAPE(2, 1), VALS(2, 1));
    CHECK(wk_tensor_gather(&out, &x, 1, &col, 1) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(2, 1), VALS(2, 3)));
    wk_tensor_release(&out);
    /* a transposed source: x^T = [[1,3],[2,4]]; gather(dim 2, [[2,1],[1,1]]) = [[3,1],[2,2]] */
    wk_tensor xt, idx2 = make(2, SHAPE(2, 2), VALS(2, 1, 1, 1));
    wk_tensor_transpose(&xt, &x, 0, 1);
    CHECK(wk_tensor_gather(&out, &xt, 1, &idx2, 1) == WK_OK);
    CHECK(equals(&out, 2, SHAPE(2, 2), VALS(3, 1, 2, 2)));
    wk_tensor_release(&out);
    /* errors */
    wk_tensor far = make(2, SHAPE(2, 2), VALS(1, 3, 1, 1));
    CHECK(wk_tensor_gather(&out, &x, 1, &far, 1) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "index 3 is out of range for dimension 2 of size 2") == 0);
    wk_tensor big = make(2, SHAPE(3, 1), VALS(1, 1, 1));
    CHECK(wk_tensor_gather(&out, &x, 1, &big, 1) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "index of shape [3,1] does not fit input of shape [2,2]") == wk_errmsg());
    wk_tensor flat = make(1, SHAPE(2), VALS(1, 1));
    CHECK(wk_tensor_gather(&out, &x, 1, &flat, 1) == WK_ERR);
    wk_tensor *all[] = {&x, &idx, &col, &xt, &idx2, &far, &big, &flat};
    for (int i = 0; i < 8; i++) wk_tensor_release(all[i]);
}

/* ---- masked_fill ---------------------------------------------------------------- */

TEST(masked_fill_values)
{
    wk_tensor x = make(2, SHAPE(2, 3), VALS(1, 2, 3, 4, 5, 6));
    wk_tensor m = make(2, SHAPE(2, 3), VALS(0, 1, 0, 2, 0, NAN)), row = make(1, SHAPE(3), VALS(1, 0, 0));
    wk_tensor out;
    CHECK(wk_tensor_masked_fill(&out, &x, &m, -1) == WK_OK);   /* 2 and NaN count as set */
    CHECK(equals(&out, 2, SHAPE(2, 3), VALS(1, -1, 3, -1, 5, -1)));
    CHECK(equals(&x, 2, SHAPE(2, 3), VALS(1, 2, 3, 4, 5, 6)));   /* the pure form leaves x */
    wk_tensor_release(&out);
    CHECK(wk_tensor_masked_fill_(&x, &row, 9) == WK_OK);        /* the row broadcasts */
    CHECK(equals(&x, 2, SHAPE(2, 3), VALS(9, 2, 3, 9, 5, 6)));
    wk_tensor big = make(2, SHAPE(3, 3), VALS(0, 0, 0, 0, 0, 0, 0, 0, 0));
    CHECK(wk_tensor_masked_fill_(&x, &big, 0) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "mask of shape [3,3] does not broadcast to shape [2,3]") == 0);
    /* in place through a transposed view: x^T is [3,2]; mask [3,1] = [[0],[1],[0]] hits x[:,2] */
    wk_tensor xt, col = make(2, SHAPE(3, 1), VALS(0, 1, 0));
    wk_tensor_transpose(&xt, &x, 0, 1);
    CHECK(wk_tensor_masked_fill_(&xt, &col, 0) == WK_OK);
    CHECK(equals(&x, 2, SHAPE(2, 3), VALS(9, 0, 3, 9, 0, 6)));
    wk_tensor *all[] = {&x, &m, &row, &big, &xt, &col};
    for (int i = 0; i < 6; i++) wk_tensor_release(all[i]);
}

/* ---- sort and topk -------------------------------------------------------------- */

TEST(sort_values)
{
    /* [3, 1, 2, 1]: ascending 1 1 2 3 at 2 4 3 1 (the two 1s keep their order) */
    wk_tensor x = make(1, SHAPE(4), VALS(3, 1, 2, 1)), v, i;
    CHECK(wk_tensor_sort(&v, &i, &x, 0, 0, 1) == WK_OK);
    CHECK(equals(&v, 1, SHAPE(4), VALS(1, 1, 2, 3)));
    CHECK(equals(&i, 1, SHAPE(4), VALS(2, 4, 3, 1)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    /* descending: 3 2 1 1 at 1 3 2 4 (ties still in index order) */
    CHECK(wk_tensor_sort(&v, &i, &x, 0, 1, 1) == WK_OK);
    CHECK(equals(&v, 1, SHAPE(4), VALS(3, 2, 1, 1)));
    CHECK(equals(&i, 1, SHAPE(4), VALS(1, 3, 2, 4)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    /* 0-based indices for C callers */
    CHECK(wk_tensor_sort(&v, &i, &x, 0, 0, 0) == WK_OK);
    CHECK(equals(&i, 1, SHAPE(4), VALS(1, 3, 2, 0)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    wk_tensor_release(&x);
}

TEST(sort_nan_and_dims)
{
    /* NaN above +inf: ascending last, descending first */
    wk_tensor x = make(1, SHAPE(5), VALS(NAN, 2, INFINITY, -1, NAN)), v, i;
    CHECK(wk_tensor_sort(&v, &i, &x, 0, 0, 1) == WK_OK);
    CHECK(equals(&v, 1, SHAPE(5), VALS(-1, 2, INFINITY, NAN, NAN)));
    CHECK(equals(&i, 1, SHAPE(5), VALS(4, 2, 3, 1, 5)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_sort(&v, &i, &x, 0, 1, 1) == WK_OK);
    CHECK(equals(&v, 1, SHAPE(5), VALS(NAN, NAN, INFINITY, 2, -1)));
    CHECK(equals(&i, 1, SHAPE(5), VALS(1, 5, 3, 2, 4)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    wk_tensor_release(&x);
    /* 2-D along each dim: m = [[5,1,4],[2,6,0]] */
    wk_tensor m = make(2, SHAPE(2, 3), VALS(5, 1, 4, 2, 6, 0));
    CHECK(wk_tensor_sort(&v, &i, &m, 1, 0, 1) == WK_OK);
    CHECK(equals(&v, 2, SHAPE(2, 3), VALS(1, 4, 5, 0, 2, 6)));
    CHECK(equals(&i, 2, SHAPE(2, 3), VALS(2, 3, 1, 3, 1, 2)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_sort(&v, &i, &m, 0, 0, 1) == WK_OK);
    CHECK(equals(&v, 2, SHAPE(2, 3), VALS(2, 1, 0, 5, 6, 4)));
    CHECK(equals(&i, 2, SHAPE(2, 3), VALS(2, 1, 2, 1, 2, 1)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_sort(&v, &i, &m, 2, 0, 1) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "dimension 3 is out of range for a 2-D tensor") == 0);
    wk_tensor_release(&m);
}

TEST(sort_long_is_stable)
{
    /* 1000 values in 0..9 (many ties, longer than the insertion-sort runs): sorted
     * values never decrease, and within a tie the indices increase */
    int64_t n = 1000;
    wk_tensor x;
    wk_tensor_new(&x, 1, &n);
    for (int64_t j = 0; j < n; j++) wk_tensor_data(&x)[j] = (float)((j * 7919) % 10);
    wk_tensor v, i;
    CHECK(wk_tensor_sort(&v, &i, &x, 0, 0, 1) == WK_OK);
    const float *vv = wk_tensor_data(&v), *iv = wk_tensor_data(&i);
    int ordered = 1, stable = 1, consistent = 1;
    for (int64_t j = 0; j < n; j++) {
        if (j && vv[j] < vv[j - 1]) ordered = 0;
        if (j && vv[j] == vv[j - 1] && iv[j] <= iv[j - 1]) stable = 0;
        if (wk_tensor_data(&x)[(int64_t)iv[j] - 1] != vv[j]) consistent = 0;
    }
    CHECK(ordered);
    CHECK(stable);
    CHECK(consistent);
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    wk_tensor_release(&x);
}

TEST(topk_values)
{
    /* [4, 9, 1, 9, 7]: top 3 = 9 9 7 at 2 4 5; bottom 2 = 1 4 at 3 1 */
    wk_tensor x = make(1, SHAPE(5), VALS(4, 9, 1, 9, 7)), v, i;
    CHECK(wk_tensor_topk(&v, &i, &x, 3, 0, 1, 1) == WK_OK);
    CHECK(equals(&v, 1, SHAPE(3), VALS(9, 9, 7)));
    CHECK(equals(&i, 1, SHAPE(3), VALS(2, 4, 5)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_topk(&v, &i, &x, 2, 0, 0, 1) == WK_OK);
    CHECK(equals(&v, 1, SHAPE(2), VALS(1, 4)));
    CHECK(equals(&i, 1, SHAPE(2), VALS(3, 1)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_topk(&v, &i, &x, 0, 0, 1, 1) == WK_OK);
    CHECK(v.shape[0] == 0 && i.shape[0] == 0);
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_topk(&v, &i, &x, 6, 0, 1, 1) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "k = 6 is out of range for dimension 1 of size 5") == 0);
    wk_tensor_release(&x);
    /* along dim 1 of [[1,5,3],[6,2,4]]: top 2 = [[5,3],[6,4]] at [[2,3],[1,3]] */
    wk_tensor m = make(2, SHAPE(2, 3), VALS(1, 5, 3, 6, 2, 4));
    CHECK(wk_tensor_topk(&v, &i, &m, 2, 1, 1, 1) == WK_OK);
    CHECK(equals(&v, 2, SHAPE(2, 2), VALS(5, 3, 6, 4)));
    CHECK(equals(&i, 2, SHAPE(2, 2), VALS(2, 3, 1, 3)));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    wk_tensor_release(&m);
}

TEST(no_leaks)
{
    CHECK(wk_tensor_live_bytes() == 0);
}

int main(void)
{
    RUN(cat_values);
    RUN(cat_sizes_that_wrap_are_refused);
    RUN(stack_values);
    RUN(index_select_values);
    RUN(gather_values);
    RUN(masked_fill_values);
    RUN(sort_values);
    RUN(sort_nan_and_dims);
    RUN(sort_long_is_stable);
    RUN(topk_values);
    RUN(no_leaks);
    return check_summary("index");
}
