/* check.h — the tiny harness behind the C unit tests of lib/ (tests/c/test_*.c).
 *
 *   TEST(views) { CHECK(x == 1); CHECK_NEAR(a, b, 1e-6); }
 *   int main(void) { RUN(views); return check_summary("tensor"); }
 *
 * A test passes when none of its checks failed. check_summary prints
 * "<suite>: N passed, M failed" (tests/run_tests.sh adds these up) and returns the exit
 * status. Failed checks print file:line and the expression, and for CHECK_NEAR both
 * values and the difference. */
#ifndef WK_CHECK_H
#define WK_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_tests_passed, check_tests_failed, check_current_failed;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                  \
            check_current_failed++;                                                   \
        }                                                                             \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                         \
    do {                                                                              \
        double check_a_ = (a), check_b_ = (b);                                        \
        if (!(fabs(check_a_ - check_b_) <= (tol))) {                                  \
            printf("  FAIL %s:%d: %s = %.9g, %s = %.9g, diff %.3g > %.3g\n", __FILE__,  \
                   __LINE__, #a, check_a_, #b, check_b_, fabs(check_a_ - check_b_),   \
                   (double)(tol));                                                    \
            check_current_failed++;                                                   \
        }                                                                             \
    } while (0)

#define RUN(name)                                                                     \
    do {                                                                              \
        check_current_failed = 0;                                                     \
        name();                                                                       \
        if (check_current_failed) {                                                   \
            printf("not ok %s\n", #name);                                             \
            check_tests_failed++;                                                     \
        } else {                                                                      \
            check_tests_passed++;                                                     \
        }                                                                             \
    } while (0)

static inline int check_summary(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, check_tests_passed, check_tests_failed);
    return check_tests_failed != 0;
}

#endif
