/* test_word2vec.c — unit tests of lib/embed/word2vec.c and vectors.c: training on a small
 * corpus with planted structure (words of one group become each other's nearest),
 * repeatability at one thread, save/load round trips in the three formats, analogy
 * arithmetic on hand-made vectors against a double-precision reference (3CosAdd and
 * 3CosMul), compute-accuracy scoring with restriction and coverage, the packaged-JSON
 * conversion on a tiny file, and bad input (empty corpus, corrupt files, sizes a file
 * claims but does not hold, a learning rate that diverges). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/embed/word2vec.h"
#include "check.h"
#include "file_fixtures.h"

/* Three groups of five words; each sentence draws eight words from one group. */
static const char *groups[3][5] = {{"cat", "dog", "mouse", "horse", "cow"},
                                   {"red", "green", "blue", "yellow", "purple"},
                                   {"one", "two", "three", "four", "five"}};

static char *planted_corpus(size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    uint64_t r = 12345;
    for (int line = 0; line < 6000; line++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        int g = (int)((r >> 33) % 3);
        for (int k = 0; k < 8; k++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            const char *w = groups[g][(r >> 33) % 5];
            size_t l = strlen(w);
            if (n + l + 2 >= cap) s = realloc(s, cap *= 2);
            memcpy(s + n, w, l);
            n += l;
            s[n++] = k == 7 ? '\n' : ' ';
        }
    }
    *len = n;
    return s;
}

static int group_of(const char *w)
{
    for (int g = 0; g < 3; g++)
        for (int i = 0; i < 5; i++)
            if (!strcmp(groups[g][i], w)) return g;
    return -1;
}

static void train_small(wk_wordvec *v, int cbow, int threads, uint64_t seed)
{
    size_t len;
    char *text = planted_corpus(&len);
    wk_word2vec_opts o;
    wk_word2vec_defaults(&o);
    o.dim = 16;
    o.min_count = 1;
    o.epochs = 3;
    o.threads = threads;
    o.cbow = cbow;
    if (cbow) o.alpha = 0.05;
    o.seed = seed;
    memset(v, 0, sizeof *v);
    int rc = wk_word2vec_train(v, text, len, &o, NULL);
    CHECK(rc == WK_OK);
    if (rc) printf("  %s\n", wk_errmsg());
    free(text);
}

/* Every word's 4 nearest are the other 4 of its group. */
static int planted_ok(wk_wordvec *v)
{
    int bad = 0;
    for (int64_t i = 0; i < v->n; i++) {
        wk_wordvec_hit hits[4];
        int64_t found;
        if (wk_wordvec_nearest(hits, 4, &found, v, wk_wordvec_row(v, i), &i, 1, 0) || found != 4) return 0;
        for (int k = 0; k < 4; k++) bad += group_of(v->words[hits[k].row]) != group_of(v->words[i]);
    }
    return bad == 0;
}

TEST(skipgram_learns_groups)
{
    wk_wordvec v;
    train_small(&v, 0, 1, 7);
    CHECK(v.n == 15 && v.dim == 16);
    CHECK(planted_ok(&v));
    wk_wordvec_free(&v);
}

TEST(cbow_learns_groups)
{
    wk_wordvec v;
    train_small(&v, 1, 2, 7);
    CHECK(planted_ok(&v));
    wk_wordvec_free(&v);
}

TEST(one_thread_repeats)
{
    wk_wordvec a, b, c;
    train_small(&a, 0, 1, 11);
    train_small(&b, 0, 1, 11);
    train_small(&c, 0, 1, 12);
    int same = a.n == b.n, differ = 0;
    for (int64_t i = 0; same && i < a.n; i++) {
        same &= !strcmp(a.words[i], b.words[i]);
        same &= !memcmp(wk_wordvec_row(&a, i), wk_wordvec_row(&b, i), a.dim * sizeof(float));
        differ |= memcmp(wk_wordvec_row(&a, i), wk_wordvec_row(&c, i), a.dim * sizeof(float)) != 0;
    }
    CHECK(same);
    CHECK(differ);
    wk_wordvec_free(&a);
    wk_wordvec_free(&b);
    wk_wordvec_free(&c);
}

TEST(tokens_and_vocabulary)
{
    const char *text = "Don't STOP the the the\nthe x9y dont dont";
    wk_word2vec_opts o;
    wk_word2vec_defaults(&o);
    o.dim = 4;
    o.min_count = 2;
    o.threads = 1;
    wk_wordvec v;
    wk_word2vec_stats st;
    CHECK(wk_word2vec_train(&v, text, strlen(text), &o, &st) == WK_OK);
    /* tokens: dont stop the the the / the x y dont dont -> the 4, dont 3 */
    CHECK(st.tokens == 10);
    CHECK(v.n == 2);
    CHECK(v.n == 2 && !strcmp(v.words[0], "the") && v.counts[0] == 4);
    CHECK(v.n == 2 && !strcmp(v.words[1], "dont") && v.counts[1] == 3);
    CHECK(wk_wordvec_find(&v, "THE") == 0);
    CHECK(wk_wordvec_find(&v, "stop") == -1);
    wk_wordvec_free(&v);
}

static void hand_made(wk_wordvec *v)
{
    static const char *w[] = {"a", "b", "c", "d", "e", "f"};
    static const float x[6][3] = {{1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1}, {0.2f, 1, 0.9f}, {-1, 0.5f, 0}};
    CHECK(wk_wordvec_alloc(v, 6, 3, 3, 64) == WK_OK);
    int64_t used = 0;
    for (int i = 0; i < 6; i++) {
        wk_wordvec_set_word(v, i, w[i], 1, &used);
        memcpy(wk_wordvec_row(v, i), x[i], sizeof x[i]);
    }
    CHECK(wk_wordvec_index(v) == WK_OK);
}

static double cosd(const float *x, const double *q)
{
    double d = 0, a = 0, b = 0;
    for (int k = 0; k < 3; k++) d += x[k] * q[k], a += (double)x[k] * x[k], b += q[k] * q[k];
    return d / sqrt(a * b);
}

TEST(analogy_arithmetic)
{
    wk_wordvec v;
    hand_made(&v);
    /* reference: 3CosAdd target b^ - a^ + c^; 3CosMul from the three cosines */
    double ua[3], ub[3], uc[3], q[3];
    const float *ra = wk_wordvec_row(&v, 0), *rb = wk_wordvec_row(&v, 1), *rc = wk_wordvec_row(&v, 2);
    double na = sqrt(ra[0] * ra[0] + ra[1] * ra[1] + ra[2] * ra[2]), nb = sqrt(rb[0] * rb[0] + rb[1] * rb[1] + rb[2] * rb[2]),
           nc = sqrt(rc[0] * rc[0] + rc[1] * rc[1] + rc[2] * rc[2]);
    for (int k = 0; k < 3; k++) ua[k] = ra[k] / na, ub[k] = rb[k] / nb, uc[k] = rc[k] / nc, q[k] = ub[k] - ua[k] + uc[k];
    double add[6], mul[6];
    for (int i = 3; i < 6; i++) {
        const float *x = wk_wordvec_row(&v, i);
        add[i] = cosd(x, q);
        mul[i] = (cosd(x, ub) + 1) / 2 * ((cosd(x, uc) + 1) / 2) / ((cosd(x, ua) + 1) / 2 + 0.001);
    }
    wk_wordvec_hit hits[3];
    int64_t found;
    CHECK(wk_wordvec_analogy(hits, 3, &found, &v, 0, 1, 2, WK_ANALOGY_ADD, 0) == WK_OK);
    CHECK(found == 3);
    CHECK(hits[0].row == 3);   /* d = (0,1,1) is exactly b - a + c */
    for (int k = 0; k < 3; k++) CHECK_NEAR(hits[k].score, add[hits[k].row], 1e-6);
    CHECK(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score);
    CHECK(wk_wordvec_analogy(hits, 3, &found, &v, 0, 1, 2, WK_ANALOGY_MUL, 0) == WK_OK);
    CHECK(found == 3);
    int best = 3;
    for (int i = 4; i < 6; i++) if (mul[i] > mul[best]) best = i;
    CHECK(hits[0].row == best);
    for (int k = 0; k < 3; k++) CHECK_NEAR(hits[k].score, mul[hits[k].row], 1e-5);
    /* restrict: only the first 4 rows may answer */
    CHECK(wk_wordvec_analogy(hits, 3, &found, &v, 0, 1, 2, WK_ANALOGY_ADD, 4) == WK_OK);
    CHECK(found == 1 && hits[0].row == 3);
    wk_wordvec_free(&v);
}

TEST(nearest_scores_are_cosines)
{
    wk_wordvec v;
    hand_made(&v);
    wk_wordvec_hit hits[6];
    int64_t found, self = 1;
    CHECK(wk_wordvec_nearest(hits, 6, &found, &v, wk_wordvec_row(&v, 1), &self, 1, 0) == WK_OK);
    CHECK(found == 5);
    double qb[3] = {1, 1, 0};
    for (int k = 0; k < found; k++) CHECK_NEAR(hits[k].score, cosd(wk_wordvec_row(&v, hits[k].row), qb), 1e-6);
    CHECK(hits[0].row == 0);   /* a = (1,0,0): cos 0.707, the largest */
    wk_wordvec_free(&v);
}

static int same_table(const wk_wordvec *a, const wk_wordvec *b, double tol)
{
    if (a->n != b->n || a->dim != b->dim) return 0;
    for (int64_t i = 0; i < a->n; i++) {
        if (strcmp(a->words[i], b->words[i])) return 0;
        for (int64_t d = 0; d < a->dim; d++)
            if (fabs(wk_wordvec_row(a, i)[d] - wk_wordvec_row(b, i)[d]) > tol) return 0;
    }
    return 1;
}

TEST(round_trips)
{
    wk_wordvec v, w;
    train_small(&v, 0, 2, 3);
    const wk_wordvec_format fmts[3] = {WK_WV_TEXT, WK_WV_BINARY, WK_WV_GLOVE};
    const char *names[3] = {"v.txt", "v.bin", "v.glove"};
    for (int f = 0; f < 3; f++) {
        const char *p = tmp_path(names[f]);
        CHECK(wk_wordvec_save(&v, p, fmts[f]) == WK_OK);
        CHECK(wk_wordvec_load(&w, p, fmts[f], 0) == WK_OK);
        CHECK(same_table(&v, &w, 0));   /* %.9g text is exact for float32 */
        wk_wordvec_free(&w);
        CHECK(wk_wordvec_load(&w, p, WK_WV_AUTO, 0) == WK_OK);   /* the format is detected */
        CHECK(same_table(&v, &w, 0));
        wk_wordvec_free(&w);
        CHECK(wk_wordvec_load(&w, p, WK_WV_AUTO, 5) == WK_OK);   /* limit keeps the first rows */
        CHECK(w.n == 5 && !strcmp(w.words[4], v.words[4]));
        wk_wordvec_free(&w);
    }
    wk_wordvec_free(&v);
}

TEST(corrupt_files)
{
    wk_wordvec w;
    const char *t1 = write_file("bad1.txt", "3 2\nx 1 2\ny 1 zz\nz 1 2\n", 22);
    CHECK(wk_wordvec_load(&w, t1, WK_WV_TEXT, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "line 3") && strstr(wk_errmsg(), "'y'"));
    const char *t2 = write_file("bad2.txt", "3 2\nx 1 2\ny 1 2\n", 16);
    CHECK(wk_wordvec_load(&w, t2, WK_WV_TEXT, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "truncated") != NULL);   /* 3 rows cannot fit in 12 bytes */
    const char *t3 = write_file("bad3.txt", "x 1 2\ny 1 2 3\n", 14);
    CHECK(wk_wordvec_load(&w, t3, WK_WV_GLOVE, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "more than 2") != NULL);
    const char *t4 = write_file("dup.txt", "x 1 2\nx 1 2\n", 12);
    CHECK(wk_wordvec_load(&w, t4, WK_WV_GLOVE, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "twice") != NULL);
    /* a binary file cut in the middle of a vector */
    char bin[64] = "2 2\nx ";
    float f2[2] = {1, 2};
    memcpy(bin + 6, f2, 8);
    memcpy(bin + 14, "\ny ", 3);
    const char *t5 = write_file("cut.bin", bin, 21);
    CHECK(wk_wordvec_load(&w, t5, WK_WV_BINARY, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "truncated") != NULL);
    CHECK(wk_wordvec_load(&w, tmp_path("none.bin"), WK_WV_AUTO, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "cannot open") != NULL);
    const char *t6 = write_file("empty.txt", "", 0);
    CHECK(wk_wordvec_load(&w, t6, WK_WV_AUTO, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "empty") != NULL);
}

TEST(empty_corpus)
{
    wk_word2vec_opts o;
    wk_word2vec_defaults(&o);
    wk_wordvec v;
    CHECK(wk_word2vec_train(&v, "123 456 ...", 11, &o, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "no words") != NULL);
    CHECK(wk_word2vec_train(&v, "a b c", 5, &o, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "min_count = 5") != NULL);
    o.dim = 0;
    CHECK(wk_word2vec_train(&v, "a b c", 5, &o, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "dim") != NULL);
    CHECK(v.vec == NULL);
}

TEST(compute_accuracy)
{
    wk_wordvec v;
    hand_made(&v);
    /* a:b :: c:d is right (d = b - a + c); a:b :: c:e is wrong; f is outside restrict 5;
       "zz" is unknown. Section names starting "gram" are syntactic. */
    const char *q = ": capital\nA B C D\na b c e\n: gram-test\na b c d\na b c f\nzz a b c\n";
    const char *p = write_file("q.txt", q, strlen(q));
    wk_analogy_result r;
    CHECK(wk_wordvec_evaluate(&r, &v, p, 5, WK_ANALOGY_ADD) == WK_OK);
    CHECK(r.n_sections == 2);
    CHECK(r.total == 5 && r.seen == 3 && r.correct == 2);
    CHECK(r.n_sections == 2 && r.sections[0].seen == 2 && r.sections[0].correct == 1);
    CHECK(r.n_sections == 2 && r.sections[1].total == 3 && r.sections[1].seen == 1);
    CHECK(r.sem_seen == 2 && r.syn_seen == 1 && r.syn_correct == 1);
    wk_analogy_result_free(&r);
    CHECK(wk_wordvec_evaluate(&r, &v, p, 0, WK_ANALOGY_ADD) == WK_OK);
    CHECK(r.seen == 4);   /* without the cut, f counts */
    wk_analogy_result_free(&r);
    const char *bad = write_file("qbad.txt", "a b c d\n", 8);
    CHECK(wk_wordvec_evaluate(&r, &v, bad, 0, WK_ANALOGY_ADD) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "section") != NULL);
    wk_wordvec_free(&v);
}

TEST(wink_json)
{
    const char *js = "{\"precision\":8,\"dimensions\":2,\"size\":3,\"words\":[\"the\",\",\",\"q\\\"x\"],"
                     "\"vectors\":{\",\":[0.5,-1,1.1,1],\"the\":[1,2,2.2,0],\"q\\\"x\":[3,4,5,2]},\"unkVector\":[0,0,-1]}";
    const char *p = write_file("w.json", js, strlen(js));
    const char *out = tmp_path("w.bin");
    int64_t n = 0;
    CHECK(wk_wordvec_convert_wink_json(p, out, &n) == WK_OK);
    CHECK(n == 3);
    wk_wordvec v;
    CHECK(wk_wordvec_load(&v, out, WK_WV_BINARY, 0) == WK_OK);
    CHECK(v.n == 3 && !strcmp(v.words[0], "the") && !strcmp(v.words[1], ",") && !strcmp(v.words[2], "q\"x"));
    CHECK(v.n == 3 && wk_wordvec_row(&v, 1)[0] == 0.5f && wk_wordvec_row(&v, 2)[1] == 4.0f);
    wk_wordvec_free(&v);
    const char *bad = write_file("wbad.json", "{\"dimensions\":2,\"size\":1,\"vectors\":{\"a\":[1,2,", 44);
    CHECK(wk_wordvec_convert_wink_json(bad, out, &n) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "expected") != NULL);
}

/* Issue 10: sizes read from a file must fit in it before anything is allocated. */
TEST(claims_checked_against_the_file)
{
    wk_wordvec v;
    const char *p = write_file("claim.txt", "2000000 1000\nw 1 2 3 4\n", 22);
    CHECK(wk_wordvec_load(&v, p, WK_WV_AUTO, 0) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "claims") != NULL);
    CHECK(wk_wordvec_load(&v, p, WK_WV_BINARY, 0) == WK_ERR);
    CHECK(wk_wordvec_load(&v, p, WK_WV_TEXT, 0) == WK_ERR);
    /* no newline after a header-looking first line: nothing may be read past the map */
    const char *q = write_file("short.txt", "3 4", 3);
    CHECK(wk_wordvec_load(&v, q, WK_WV_TEXT, 0) == WK_ERR);
    CHECK(wk_wordvec_load(&v, q, WK_WV_AUTO, 0) == WK_OK && v.n == 1);   /* GloVe: word "3", one number */
    wk_wordvec_free(&v);
    /* packaged JSON whose "size" and index claim the impossible */
    const char *js = "{\"dimensions\":2,\"size\":1000000000,\"vectors\":{\"a\":[1,2,3,0]}}";
    const char *j = write_file("huge.json", js, strlen(js));
    int64_t n;
    CHECK(wk_wordvec_convert_wink_json(j, tmp_path("huge.bin"), &n) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "claims") != NULL);
    const char *js2 = "{\"dimensions\":2,\"size\":1,\"vectors\":{\"a\":[1,2,3,1e30]}}";
    j = write_file("badidx.json", js2, strlen(js2));
    CHECK(wk_wordvec_convert_wink_json(j, tmp_path("badidx.bin"), &n) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "bad or repeated index") != NULL);
}

/* Issue 10: a learning rate that makes the vectors NaN stops training with an error
 * (the NaN used to become the exp table's index: INT_MIN). */
TEST(divergence_is_an_error)
{
    size_t len;
    char *text = planted_corpus(&len);
    wk_word2vec_opts o;
    wk_word2vec_defaults(&o);
    o.dim = 8, o.min_count = 1, o.threads = 1, o.alpha = 100;
    wk_wordvec v;
    CHECK(wk_word2vec_train(&v, text, len, &o, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "diverged") != NULL);
    CHECK(v.vec == NULL);
    o.alpha = 0.025, o.min_alpha = -5;
    CHECK(wk_word2vec_train(&v, text, len, &o, NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "min_alpha") != NULL);
    free(text);
}

int main(void)
{
    if (tmp_dir_create("wick-w2v")) return 1;
    RUN(skipgram_learns_groups);
    RUN(cbow_learns_groups);
    RUN(one_thread_repeats);
    RUN(tokens_and_vocabulary);
    RUN(analogy_arithmetic);
    RUN(nearest_scores_are_cosines);
    RUN(round_trips);
    RUN(corrupt_files);
    RUN(empty_corpus);
    RUN(compute_accuracy);
    RUN(wink_json);
    RUN(claims_checked_against_the_file);
    RUN(divergence_is_an_error);
    if (tmp_dir_remove()) return 1;
    return check_summary("word2vec");
}
