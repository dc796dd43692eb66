/* test_cpu.c — choosing OpenBLAS's kernel set from CPU features (lib/core/cpu.c).
 *
 * The decision is tested with the features given as input, so it does not matter what
 * this machine is: AVX-512 on a model OpenBLAS does not know, AVX-512 the OS does not
 * save, AVX2+FMA on Intel and AMD, AVX alone, SSE alone, the user's OPENBLAS_CORETYPE,
 * and OpenBLAS already as good. Then the switch itself, on whatever CPU runs the test:
 * down to Prescott (the set an unknown Xeon gets) and back up to what the features
 * allow, the path that upgrades such a Xeon; after each switch the dispatch table in
 * use is checked and an SGEMM is compared with a float64 product (tolerance 1e-3 on
 * sums of 129 products of unit normals). Then setup end to end, each case in a child
 * process: OpenBLAS made to choose Prescott first is upgraded; a user's
 * OPENBLAS_CORETYPE is left alone; a process wick started again never restarts, and
 * clears the variables. Last, the subnormal flush: on in this thread and in one it
 * starts, and the smallest normal floats kept. */
#include <cblas.h>
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/core/cpu.h"
#include "../../lib/core/error.h"
#include "../../lib/core/rng.h"
#include "check.h"

static char **test_argv;

/* A CPU with everything up to AVX-512 (Intel, family 6 model 207: unknown to 0.3.21). */
static wk_cpu_features avx512_intel(void)
{
    wk_cpu_features f = {
        .vendor = WK_CPU_INTEL, .family = 6, .model = 207, .avx = true, .fma = true, .avx2 = true,
        .avx512f = true, .avx512cd = true, .avx512bw = true, .avx512dq = true, .avx512vl = true,
        .os_ymm = true, .os_zmm = true,
    };
    return f;
}

static wk_cpu_features avx2_only(wk_cpu_vendor vendor)
{
    wk_cpu_features f = {.vendor = vendor, .family = vendor == WK_CPU_AMD ? 25 : 6, .model = 1,
                         .avx = true, .fma = true, .avx2 = true, .os_ymm = true};
    return f;
}

static int same(const char *a, const char *b) { return a && b ? strcmp(a, b) == 0 : a == b; }

// ---------------------------------------------------------------------------- the decision

TEST(avx512_on_an_unknown_model_gets_skylakex)
{
    wk_cpu_features f = avx512_intel();
    CHECK(same(wk_cpu_kernels_choose(&f, "Prescott", NULL), "SkylakeX"));
    CHECK(same(wk_cpu_kernels_choose(&f, "Haswell", NULL), "SkylakeX"));
    CHECK(same(wk_cpu_kernels_choose(&f, "PRESCOTT", NULL), "SkylakeX"));   /* a fixed build's spelling */
}

TEST(avx512_the_os_does_not_save_gets_the_avx2_class)
{
    wk_cpu_features f = avx512_intel();
    f.os_zmm = false;
    CHECK(same(wk_cpu_kernels_choose(&f, "Prescott", NULL), "Haswell"));
    f = avx512_intel();
    f.avx512bw = false;   /* a Knights Landing: F and CD, no BW/DQ/VL */
    CHECK(same(wk_cpu_kernels_choose(&f, "Prescott", NULL), "Haswell"));
    f = avx512_intel();
    f.vendor = WK_CPU_AMD;   /* a Zen 4 under an OS without ZMM state */
    f.os_zmm = false;
    CHECK(same(wk_cpu_kernels_choose(&f, "Nehalem", NULL), "Zen"));
}

TEST(avx2_fma_gets_haswell_on_intel_and_zen_on_amd)
{
    wk_cpu_features intel = avx2_only(WK_CPU_INTEL), amd = avx2_only(WK_CPU_AMD), other = avx2_only(WK_CPU_OTHER);
    CHECK(same(wk_cpu_kernels_choose(&intel, "Prescott", NULL), "Haswell"));
    CHECK(same(wk_cpu_kernels_choose(&intel, "Sandybridge", NULL), "Haswell"));
    CHECK(same(wk_cpu_kernels_choose(&amd, "Prescott", NULL), "Zen"));
    CHECK(same(wk_cpu_kernels_choose(&amd, "Piledriver", NULL), "Zen"));
    CHECK(same(wk_cpu_kernels_choose(&other, "Nehalem", NULL), "Haswell"));
}

TEST(avx_alone_gets_sandybridge)
{
    wk_cpu_features f = avx2_only(WK_CPU_INTEL);
    f.avx2 = false;
    CHECK(same(wk_cpu_kernels_choose(&f, "Prescott", NULL), "Sandybridge"));
    f = avx2_only(WK_CPU_AMD);
    f.fma = false;   /* AVX2 without FMA: the Haswell kernels need both */
    CHECK(same(wk_cpu_kernels_choose(&f, "Nehalem", NULL), "Sandybridge"));
}

TEST(sse_alone_or_no_os_support_leaves_openblas_choice)
{
    wk_cpu_features sse = {.vendor = WK_CPU_INTEL, .family = 6, .model = 23};
    CHECK(wk_cpu_kernels_best(&sse) == NULL);
    CHECK(wk_cpu_kernels_choose(&sse, "Prescott", NULL) == NULL);
    wk_cpu_features no_ymm = avx512_intel();   /* every feature, but the OS saves no YMM */
    no_ymm.os_ymm = no_ymm.os_zmm = false;
    CHECK(wk_cpu_kernels_choose(&no_ymm, "Prescott", NULL) == NULL);
}

TEST(the_users_coretype_is_never_overridden)
{
    wk_cpu_features f = avx512_intel();
    CHECK(wk_cpu_kernels_choose(&f, "Prescott", "Haswell") == NULL);
    CHECK(wk_cpu_kernels_choose(&f, "Prescott", "Prescott") == NULL);
    CHECK(wk_cpu_kernels_choose(&f, "Prescott", "") == NULL);   /* set, even empty */
}

TEST(an_equal_or_better_openblas_choice_stays)
{
    wk_cpu_features amd = avx2_only(WK_CPU_AMD), intel = avx2_only(WK_CPU_INTEL), big = avx512_intel();
    CHECK(wk_cpu_kernels_choose(&amd, "Zen", NULL) == NULL);          /* this Zen 3 machine */
    CHECK(wk_cpu_kernels_choose(&amd, "Haswell", NULL) == NULL);      /* same class: no churn */
    CHECK(wk_cpu_kernels_choose(&amd, "Excavator", NULL) == NULL);
    CHECK(wk_cpu_kernels_choose(&intel, "SkylakeX", NULL) == NULL);   /* better than asked */
    CHECK(wk_cpu_kernels_choose(&big, "SkylakeX", NULL) == NULL);
    CHECK(wk_cpu_kernels_choose(&big, "Cooperlake", NULL) == NULL);
    CHECK(wk_cpu_kernels_choose(&big, "SapphireRapids", NULL) == NULL);
    CHECK(wk_cpu_kernels_choose(&big, "NewCore2031", NULL) == NULL);   /* a name wick does not know */
    CHECK(wk_cpu_kernels_choose(&big, NULL, NULL) == NULL);
}

TEST(kernel_classes)
{
    CHECK(wk_cpu_kernels_class("Prescott") == WK_KERNELS_SSE);
    CHECK(wk_cpu_kernels_class("nehalem") == WK_KERNELS_SSE);
    CHECK(wk_cpu_kernels_class("Sandybridge") == WK_KERNELS_AVX);
    CHECK(wk_cpu_kernels_class("HASWELL") == WK_KERNELS_AVX2);
    CHECK(wk_cpu_kernels_class("Zen") == WK_KERNELS_AVX2);
    CHECK(wk_cpu_kernels_class("SkylakeX") == WK_KERNELS_AVX512);
    CHECK(wk_cpu_kernels_class("Unknown") == WK_KERNELS_UNKNOWN);
    CHECK(wk_cpu_kernels_class(NULL) == WK_KERNELS_UNKNOWN);
}

TEST(features_read_are_consistent)
{
    wk_cpu_features f;
    wk_cpu_features_read(&f);
    printf("  this CPU: vendor %d family %d model %d avx %d fma %d avx2 %d avx512 f%d bw%d dq%d vl%d, os ymm %d zmm %d"
           " -> %s\n", f.vendor, f.family, f.model, f.avx, f.fma, f.avx2, f.avx512f, f.avx512bw, f.avx512dq,
           f.avx512vl, f.os_ymm, f.os_zmm, wk_cpu_kernels_best(&f) ? wk_cpu_kernels_best(&f) : "(OpenBLAS's)");
    CHECK(!f.os_zmm || f.os_ymm);
    CHECK(!f.avx2 || f.avx);
}

// ---------------------------------------------------------------------------- the switch

/* A switch is recorded for good and setup runs once per process, so each case from here
 * on runs in a child; its failed checks make its exit status. */
static void in_child(void (*test)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        check_current_failed = 0;
        test();
        fflush(stdout);
        _exit(check_current_failed ? 1 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* max |C - A·B| for cblas_sgemm on the kernels in use, over all transposes, against a
 * float64 product; sizes off the kernels' block multiples so edge code runs too. */
static double sgemm_error(void)
{
    const int m = 67, n = 45, k = 129;
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    double worst = 0;
    CBLAS_TRANSPOSE ts[2] = {CblasNoTrans, CblasTrans};
    for (int x = 0; x < 2; x++)
        for (int y = 0; y < 2; y++) {
            for (int i = 0; i < m * k; i++) a[i] = wk_rng_normal();
            for (int i = 0; i < k * n; i++) b[i] = wk_rng_normal();
            int lda = ts[x] == CblasNoTrans ? k : m, ldb = ts[y] == CblasNoTrans ? n : k;
            cblas_sgemm(CblasRowMajor, ts[x], ts[y], m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                        s += (double)(ts[x] == CblasNoTrans ? a[i * lda + p] : a[p * lda + i]) *
                             (ts[y] == CblasNoTrans ? b[p * ldb + j] : b[j * ldb + p]);
                    if (fabs(s - c[i * n + j]) > worst) worst = fabs(s - c[i * n + j]);
                }
        }
    free(a), free(b), free(c);
    return worst;
}

/* Is the dispatch table OpenBLAS calls through gotoblas_<NAME>? 1 yes, 0 no, -1 cannot
 * tell (the tables are not exported). */
static int table_in_use_is(const char *name)
{
    char sym[64] = "gotoblas_";
    for (size_t i = 0; name[i] && i < 40; i++) sym[9 + i] = (char)toupper((unsigned char)name[i]);
    void **in_use = dlsym(RTLD_DEFAULT, "gotoblas"), *table = dlsym(RTLD_DEFAULT, sym);
    if (in_use == NULL || table == NULL) return -1;
    return *in_use == table;
}

static void switch_down_and_up(void)
{
    wk_rng_seed(9);
    char original[32], env_before[64];
    snprintf(original, sizeof original, "%s", openblas_get_corename());
    /* the environment make test was started in: OPENBLAS_CORETYPE may be set there */
    const char *user_coretype = getenv("OPENBLAS_CORETYPE");
    snprintf(env_before, sizeof env_before, "%s", user_coretype ? user_coretype : "");
    if (dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init") == NULL) {   /* a fixed-kernel OpenBLAS */
        CHECK(wk_cpu_kernels_switch("Prescott") == WK_ERR);
        printf("  OpenBLAS %s cannot switch: %s\n", openblas_get_config(), wk_errmsg());
        return;
    }
    CHECK(wk_cpu_kernels_switch("Prescott") == WK_OK);
    CHECK(strcmp(openblas_get_corename(), "Prescott") == 0);
    CHECK(table_in_use_is("Prescott") != 0);
    CHECK(strcmp(original, "Prescott") == 0 || table_in_use_is(original) != 1);
    double down = sgemm_error();
    CHECK(down < 1e-3);

    /* What setup does for an unknown Xeon: OpenBLAS says Prescott, the features decide. */
    wk_cpu_features f;
    wk_cpu_features_read(&f);
    const char *up = wk_cpu_kernels_choose(&f, openblas_get_corename(), NULL);
    if (up == NULL) up = original;   /* an SSE-only CPU: nothing to upgrade to */
    CHECK(wk_cpu_kernels_switch(up) == WK_OK);
    CHECK(strcmp(openblas_get_corename(), up) == 0);
    CHECK(table_in_use_is(up) != 0);
    CHECK(table_in_use_is("Prescott") != 1);
    double best = sgemm_error();
    CHECK(best < 1e-3);
    printf("  %s -> Prescott (max diff %.2g) -> %s (max diff %.2g)\n", original, down, up, best);

    CHECK(wk_cpu_kernels_switch("NoSuchCore") == WK_ERR);
    CHECK(strstr(wk_errmsg(), "NoSuchCore") != NULL);
    CHECK(strcmp(openblas_get_corename(), up) == 0);   /* a refused switch changes nothing */
    CHECK(wk_cpu_kernels_switch(original) == WK_OK);
    /* set only for the moment of the switch, then put back as it was (unset, or the
     * user's own value) */
    CHECK(same(getenv("OPENBLAS_CORETYPE"), user_coretype ? env_before : NULL));
}

// ---------------------------------------------------------------------------- setup, end to end

/* Make OpenBLAS's own choice Prescott, as on the unknown Xeon, behind setup's back.
 * 0 when this OpenBLAS cannot switch. */
static int pretend_openblas_chose_prescott(void)
{
    void (*quit)(void), (*init)(void);
    *(void **)&quit = dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    *(void **)&init = dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (quit == NULL || init == NULL) return 0;
    setenv("OPENBLAS_CORETYPE", "Prescott", 1);
    quit();
    init();
    unsetenv("OPENBLAS_CORETYPE");
    return strcmp(openblas_get_corename(), "Prescott") == 0;
}

static void setup_upgrades(void)
{
    if (!pretend_openblas_chose_prescott()) return;
    wk_cpu_features f;
    wk_cpu_features_read(&f);
    const char *best = wk_cpu_kernels_best(&f);
    CHECK(wk_cpu_kernels_setup(NULL) == WK_OK);
    char line[512];
    printf("  OpenBLAS on Prescott, then setup: %s\n", wk_cpu_kernels_describe(line, sizeof line));
    if (best == NULL) {   /* an SSE-only CPU */
        CHECK(strstr(line, "kernels Prescott (chosen by OpenBLAS)") != NULL);
        return;
    }
    CHECK(strcmp(openblas_get_corename(), best) == 0);
    CHECK(table_in_use_is(best) != 0);
    CHECK(strstr(line, "(chosen by wick for ") != NULL && strstr(line, "; OpenBLAS chose Prescott)") != NULL);
    CHECK(getenv("OPENBLAS_CORETYPE") == NULL);
    CHECK(sgemm_error() < 1e-3);
}

static void setup_leaves_the_users_choice(void)
{
    if (!pretend_openblas_chose_prescott()) return;
    setenv("OPENBLAS_CORETYPE", "Prescott", 1);   /* as if the user had set it */
    CHECK(wk_cpu_kernels_setup(NULL) == WK_OK);
    char line[512];
    wk_cpu_kernels_describe(line, sizeof line);
    CHECK(strstr(line, "kernels Prescott (set by OPENBLAS_CORETYPE=Prescott)") != NULL);
    CHECK(same(getenv("OPENBLAS_CORETYPE"), "Prescott"));
}

/* As wick leaves the environment when it runs itself again. Were the guard missing,
 * setup would execute the test program again with the same variables, forever. */
static void setup_after_a_restart(void)
{
    setenv("OPENBLAS_CORETYPE", openblas_get_corename(), 1);
    setenv("WICK_BLAS_REEXEC", "Prescott", 1);
    CHECK(wk_cpu_kernels_setup(test_argv) == WK_OK);
    CHECK(getenv("OPENBLAS_CORETYPE") == NULL);
    CHECK(getenv("WICK_BLAS_REEXEC") == NULL);
    char line[512];
    wk_cpu_kernels_describe(line, sizeof line);
    printf("  after a restart: %s\n", line);
    CHECK(strncmp(line, "OpenBLAS ", 9) == 0);
    CHECK(strstr(line, ", by restarting; OpenBLAS chose Prescott)") != NULL);
    CHECK(wk_cpu_kernels_setup(test_argv) == WK_OK);   /* once per process */
}

TEST(switch_down_to_prescott_and_back_up) { in_child(switch_down_and_up); }
TEST(setup_upgrades_a_generic_choice) { in_child(setup_upgrades); }
TEST(setup_leaves_a_user_choice) { in_child(setup_leaves_the_users_choice); }
TEST(a_restarted_process_never_restarts) { in_child(setup_after_a_restart); }

/* wk_cpu_flush_subnormals: this thread then reads and writes subnormal floats as zero,
 * and a thread it starts inherits the mode (x86; elsewhere the call does nothing). */
static void *flushed_in_thread(void *arg)
{
    volatile float tiny = 1e-30f, scale = 1e-10f;
    *(float *)arg = tiny * scale;   /* 1e-40 would be subnormal */
    return NULL;
}

TEST(subnormals_flush_to_zero_here_and_in_new_threads)
{
#if defined(__x86_64__) || defined(__i386__)
    volatile float tiny = 1e-30f, scale = 1e-10f, normal = 1e-7f;
    wk_cpu_flush_subnormals();
    CHECK(wk_cpu_flushes_subnormals());
    float product = tiny * scale, kept = tiny * normal;   /* 1e-40 subnormal; 1e-37 normal */
    printf("  1e-30 * 1e-10 = %g, 1e-30 * 1e-7 = %g\n", product, kept);
    CHECK(product == 0.0f);
    CHECK(kept > 9e-38f && kept < 1.1e-37f);
    float in_thread = -1.0f;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, flushed_in_thread, &in_thread) == 0);
    pthread_join(t, NULL);
    CHECK(in_thread == 0.0f);
#else
    wk_cpu_flush_subnormals();
    CHECK(!wk_cpu_flushes_subnormals());
#endif
}

int main(int argc, char **argv)
{
    (void)argc;
    test_argv = argv;
    RUN(avx512_on_an_unknown_model_gets_skylakex);
    RUN(avx512_the_os_does_not_save_gets_the_avx2_class);
    RUN(avx2_fma_gets_haswell_on_intel_and_zen_on_amd);
    RUN(avx_alone_gets_sandybridge);
    RUN(sse_alone_or_no_os_support_leaves_openblas_choice);
    RUN(the_users_coretype_is_never_overridden);
    RUN(an_equal_or_better_openblas_choice_stays);
    RUN(kernel_classes);
    RUN(features_read_are_consistent);
    RUN(switch_down_to_prescott_and_back_up);
    RUN(setup_upgrades_a_generic_choice);
    RUN(setup_leaves_a_user_choice);
    RUN(a_restarted_process_never_restarts);
    RUN(subnormals_flush_to_zero_here_and_in_new_threads);
    return check_summary("cpu");
}
