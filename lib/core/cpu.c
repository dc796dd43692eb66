/* cpu.c — reading the CPU's features, choosing OpenBLAS's kernel set from them, and
 * switching OpenBLAS to it (cpu.h has the rules).
 *
 * How the switch is made. OpenBLAS picks its kernels in its library constructor, before
 * main, through gotoblas_dynamic_init(), which returns at once when a set is already in
 * place and otherwise reads OPENBLAS_CORETYPE (a name it does not know: a warning, and
 * its own choice); gotoblas_dynamic_quit() only forgets the set in place (OpenBLAS
 * 0.3.21, driver/others/dynamic.c). Every BLAS call reads the set in place through one
 * pointer, and its work buffers are of one size for every set, so with no call running,
 * "set OPENBLAS_CORETYPE; quit; init" switches the kernels for good. wick looks the two
 * functions up with dlsym, so an OpenBLAS without them (a fixed-target build, or one
 * that hides them) still links; a DYNAMIC_ARCH one that hides them gets the fallback,
 * running the program again with OPENBLAS_CORETYPE set. The variable is set only for
 * the moment of the switch (or, after a restart, cleared at once), so child processes,
 * `wick` started from a sketch among them, make their own choice and report it.
 * ("Cooperlake" is never asked for: 0.3.21's name lookup stops one short of it.)
 *
 * What it costs, measured on this 2-core AMD EPYC (Zen 3) with `wick -e ''`, 200 runs of
 * each variant interleaved, load about 2.7 (so read the differences, not the levels):
 *   nothing to switch (OpenBLAS's Zen stands)            median 6.31 ms
 *   in-process switch (a build told that OpenBLAS
 *   chose Prescott: quit + init to Zen, as on the Xeon)  median 6.33 ms
 *   restart fallback (the same, by running wick again)   median 11.70 ms
 * (a second run: 6.36, 6.60, 12.29 ms). quit + init alone takes 20-50 µs; a restart
 * costs a whole second start (loading the libraries, OpenBLAS's constructor with its
 * buffers and threads), 5.4-5.9 ms. Both keep start-up under the 15 ms budget, the
 * restart with little room, so it is only the fallback.
 *
 * The process-wide record behind wk_cpu_kernels_describe is written by setup and
 * switch, which run before any thread starts: not thread-safe, by design. */
#include "cpu.h"

#include <cblas.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define WK_X86 1
#endif

/* Set in the environment of the one restart, to OpenBLAS's own choice: the restarted
 * process knows OPENBLAS_CORETYPE is wick's, and never restarts again. */
#define REEXEC_VAR "WICK_BLAS_REEXEC"
#define CORETYPE_VAR "OPENBLAS_CORETYPE"

// ---------------------------------------------------------------------------- features

#ifdef WK_X86
static unsigned long long xgetbv0(void)
{
    unsigned lo, hi;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));   /* xgetbv */
    return ((unsigned long long)hi << 32) | lo;
}
#endif

void wk_cpu_features_read(wk_cpu_features *f)
{
    memset(f, 0, sizeof *f);
#ifdef WK_X86
    unsigned a, b, c, d;
    unsigned max = __get_cpuid_max(0, NULL);
    if (max < 1) return;
    char vendor[13];
    __cpuid(0, a, b, c, d);
    memcpy(vendor, &b, 4), memcpy(vendor + 4, &d, 4), memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    if (strcmp(vendor, "GenuineIntel") == 0)
        f->vendor = WK_CPU_INTEL;
    else if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0)
        f->vendor = WK_CPU_AMD;

    __cpuid(1, a, b, c, d);
    int family = (int)((a >> 8) & 0xf), model = (int)((a >> 4) & 0xf);
    int ext_family = (int)((a >> 20) & 0xff), ext_model = (int)((a >> 16) & 0xf);
    f->family = family == 0xf ? family + ext_family : family;
    f->model = family == 0x6 || family == 0xf ? model + (ext_model << 4) : model;
    f->fma = (c >> 12) & 1;
    f->avx = (c >> 28) & 1;
    int osxsave = (c >> 27) & 1;
    if (osxsave) {
        unsigned long long xcr0 = xgetbv0();
        f->os_ymm = (xcr0 & 0x6) == 0x6;
        f->os_zmm = f->os_ymm && (xcr0 & 0xe0) == 0xe0;
    }
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f->avx2 = (b >> 5) & 1;
        f->avx512f = (b >> 16) & 1;
        f->avx512dq = (b >> 17) & 1;
        f->avx512cd = (b >> 28) & 1;
        f->avx512bw = (b >> 30) & 1;
        f->avx512vl = (b >> 31) & 1;
    }
#endif
}

// ---------------------------------------------------------------------------- the decision

/* OpenBLAS's x86 core names (dynamic.c's corename[], and later releases' additions)
 * by what their kernels use. */
static const struct {
    const char *name;
    int cls;
} kernel_sets[] = {
    {"Katmai", WK_KERNELS_SSE},       {"Coppermine", WK_KERNELS_SSE},   {"Northwood", WK_KERNELS_SSE},
    {"Prescott", WK_KERNELS_SSE},     {"Banias", WK_KERNELS_SSE},       {"Atom", WK_KERNELS_SSE},
    {"Core2", WK_KERNELS_SSE},        {"Penryn", WK_KERNELS_SSE},       {"Dunnington", WK_KERNELS_SSE},
    {"Nehalem", WK_KERNELS_SSE},      {"Athlon", WK_KERNELS_SSE},       {"Opteron", WK_KERNELS_SSE},
    {"Opteron_SSE3", WK_KERNELS_SSE}, {"Barcelona", WK_KERNELS_SSE},    {"Nano", WK_KERNELS_SSE},
    {"Bobcat", WK_KERNELS_SSE},       {"Sandybridge", WK_KERNELS_AVX},  {"Bulldozer", WK_KERNELS_AVX},
    {"Piledriver", WK_KERNELS_AVX},   {"Steamroller", WK_KERNELS_AVX},  {"Haswell", WK_KERNELS_AVX2},
    {"Excavator", WK_KERNELS_AVX2},   {"Zen", WK_KERNELS_AVX2},         {"SkylakeX", WK_KERNELS_AVX512},
    {"Cooperlake", WK_KERNELS_AVX512}, {"SapphireRapids", WK_KERNELS_AVX512},
};

int wk_cpu_kernels_class(const char *name)
{
    if (name == NULL) return WK_KERNELS_UNKNOWN;
    for (size_t i = 0; i < sizeof kernel_sets / sizeof kernel_sets[0]; i++)
        if (strcasecmp(name, kernel_sets[i].name) == 0) return kernel_sets[i].cls;
    return WK_KERNELS_UNKNOWN;
}

const char *wk_cpu_kernels_best(const wk_cpu_features *f)
{
    if (!f->avx || !f->os_ymm) return NULL;
    if (!f->avx2 || !f->fma) return "Sandybridge";
    /* CD too: SkylakeX kernels are built for -march=skylake-avx512, which has it (every
     * CPU with BW+DQ+VL does) */
    if (f->avx512f && f->avx512cd && f->avx512bw && f->avx512dq && f->avx512vl && f->os_zmm) return "SkylakeX";
    return f->vendor == WK_CPU_AMD ? "Zen" : "Haswell";
}

const char *wk_cpu_kernels_choose(const wk_cpu_features *f, const char *openblas_choice, const char *user_choice)
{
    if (user_choice != NULL) return NULL;   /* the user's word is final */
    const char *best = wk_cpu_kernels_best(f);
    if (best == NULL) return NULL;
    int have = wk_cpu_kernels_class(openblas_choice);
    if (have == WK_KERNELS_UNKNOWN) return NULL;   /* a newer OpenBLAS's name: trust it */
    return have < wk_cpu_kernels_class(best) ? best : NULL;
}

// ---------------------------------------------------------------------------- the switch

/* What setup found and did, for wk_cpu_kernels_describe. */
static enum {
    NOT_SET_UP,   /* setup was not called */
    BY_OPENBLAS,  /* OpenBLAS's own choice stands */
    BY_USER,      /* OPENBLAS_CORETYPE was set by the user */
    BY_WICK,      /* wick switched (in-process, or by restarting) */
    SWITCHED,     /* wk_cpu_kernels_switch was called directly */
    FIXED,        /* not a DYNAMIC_ARCH OpenBLAS */
    FAILED,       /* wick wanted a switch and could not make it */
} record = NOT_SET_UP;
static char openblas_choice[32];   /* OpenBLAS's own choice, before any switch */
static char wanted[32];            /* BY_WICK/FAILED: the set wick chose */
static char user_choice[64];       /* BY_USER: OPENBLAS_CORETYPE */
static char failure[160];          /* FAILED: why */
static int restarted;              /* BY_WICK: by running the program again */

static void copy(char *dst, size_t size, const char *src) { snprintf(dst, size, "%s", src ? src : ""); }

static void note_openblas_choice(void)
{
    if (openblas_choice[0] == '\0') copy(openblas_choice, sizeof openblas_choice, openblas_get_corename());
}

/* quit + init with OPENBLAS_CORETYPE=name for the moment; the variable is put back as
 * it was. */
static void reinit(void (*quit)(void), void (*init)(void), const char *name)
{
    const char *old = getenv(CORETYPE_VAR);
    char saved[64];
    if (old) copy(saved, sizeof saved, old);
    setenv(CORETYPE_VAR, name, 1);
    quit();
    init();
    if (old)
        setenv(CORETYPE_VAR, saved, 1);
    else
        unsetenv(CORETYPE_VAR);
}

static int switch_kernels(const char *name)
{
    if (wk_cpu_kernels_class(name) == WK_KERNELS_UNKNOWN || strcasecmp(name, "Cooperlake") == 0)
        return wk_fail("no kernel set '%s' to switch to (expected Prescott, Sandybridge, Haswell, Zen, SkylakeX…)",
                       name);
    void (*quit)(void), (*init)(void);
    *(void **)&quit = dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    *(void **)&init = dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (quit == NULL || init == NULL)
        return wk_fail("this OpenBLAS (%s) does not export gotoblas_dynamic_init/quit", openblas_get_config());
    char before[32];
    copy(before, sizeof before, openblas_get_corename());
    reinit(quit, init, name);
    if (strcasecmp(openblas_get_corename(), name) != 0) {
        char got[32];
        copy(got, sizeof got, openblas_get_corename());
        reinit(quit, init, before);
        return wk_fail("OpenBLAS took %s when asked for %s (this build may not have it)", got, name);
    }
    return WK_OK;
}

int wk_cpu_kernels_switch(const char *name)
{
    note_openblas_choice();
    if (switch_kernels(name) != WK_OK) return WK_ERR;
    record = SWITCHED;
    return WK_OK;
}

/* A DYNAMIC_ARCH OpenBLAS whose switch functions are hidden: start again with
 * OPENBLAS_CORETYPE set. Returns only when that fails. */
static int restart(char **argv, const char *name, const char *why)
{
    if (argv == NULL || argv[0] == NULL) return wk_fail("%s, and no argv to restart with", why);
    setenv(CORETYPE_VAR, name, 1);
    setenv(REEXEC_VAR, openblas_choice, 1);
    fflush(NULL);
    execv("/proc/self/exe", argv);
    unsetenv(CORETYPE_VAR);
    unsetenv(REEXEC_VAR);
    return wk_fail("%s, and restarting failed", why);
}

int wk_cpu_kernels_setup(char **argv)
{
    if (record != NOT_SET_UP) return record == FAILED ? WK_ERR : WK_OK;
    const char *reexec = getenv(REEXEC_VAR);
    if (reexec != NULL) {   /* the restart: OPENBLAS_CORETYPE was wick's, and has been read */
        copy(openblas_choice, sizeof openblas_choice, reexec);
        copy(wanted, sizeof wanted, getenv(CORETYPE_VAR));
        unsetenv(CORETYPE_VAR);
        unsetenv(REEXEC_VAR);
        record = BY_WICK, restarted = 1;
        return WK_OK;
    }
    note_openblas_choice();
    const char *user = getenv(CORETYPE_VAR);
    if (user != NULL) {
        copy(user_choice, sizeof user_choice, user);
        record = BY_USER;
        return WK_OK;
    }
    wk_cpu_features f;
    wk_cpu_features_read(&f);
    const char *target = wk_cpu_kernels_choose(&f, openblas_choice, NULL);
    if (target == NULL) {
        record = BY_OPENBLAS;
        return WK_OK;
    }
    copy(wanted, sizeof wanted, target);
    if (strstr(openblas_get_config(), "DYNAMIC_ARCH") == NULL) {   /* its kernels are fixed */
        record = FIXED;
        return WK_OK;
    }
    if (switch_kernels(target) == WK_OK) {
        record = BY_WICK;
        return WK_OK;
    }
    if (dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init") == NULL) {
        char why[160];
        copy(why, sizeof why, wk_errmsg());
        restart(argv, target, why);
    }
    copy(failure, sizeof failure, wk_errmsg());
    record = FAILED;
    return WK_ERR;
}

// ---------------------------------------------------------------------------- describing

/* The class a kernel set is for, as people say it. */
static const char *class_label(const char *name)
{
    switch (wk_cpu_kernels_class(name)) {
    case WK_KERNELS_AVX512: return "AVX-512";
    case WK_KERNELS_AVX2: return "AVX2";
    case WK_KERNELS_AVX: return "AVX";
    default: return "SSE";
    }
}

char *wk_cpu_kernels_describe(char *buf, size_t size)
{
    const char *config = openblas_get_config();   /* "OpenBLAS 0.3.21 DYNAMIC_ARCH … Zen MAX_THREADS=64" */
    const char *space = strchr(config, ' ');
    if (space) space = strchr(space + 1, ' ');
    int name_len = space ? (int)(space - config) : (int)strlen(config);
    const char *kernels = openblas_get_corename();
    char why[256];
    switch (record) {
    case NOT_SET_UP: copy(why, sizeof why, "wick did not choose"); break;
    case BY_OPENBLAS: copy(why, sizeof why, "chosen by OpenBLAS"); break;
    case BY_USER: snprintf(why, sizeof why, "set by %s=%s", CORETYPE_VAR, user_choice); break;
    case BY_WICK:
        snprintf(why, sizeof why, "chosen by wick for %s%s; OpenBLAS chose %s", class_label(wanted),
                 restarted ? ", by restarting" : "", openblas_choice);
        break;
    case SWITCHED: snprintf(why, sizeof why, "switched to by the program; OpenBLAS chose %s", openblas_choice); break;
    case FIXED: snprintf(why, sizeof why, "fixed when OpenBLAS was built; wick would use %s", wanted); break;
    case FAILED: snprintf(why, sizeof why, "chosen by OpenBLAS; wick could not switch to %s: %s", wanted, failure); break;
    }
    snprintf(buf, size, "%.*s, kernels %s (%s)", name_len, config, kernels, why);
    return buf;
}

/* Subnormals (cpu.h says why they are flushed). */
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define MXCSR_FLUSH (0x8000u | 0x0040u)   /* FTZ: results to zero; DAZ: inputs read as zero */
void wk_cpu_flush_subnormals(void) { _mm_setcsr(_mm_getcsr() | MXCSR_FLUSH); }
bool wk_cpu_flushes_subnormals(void) { return (_mm_getcsr() & MXCSR_FLUSH) == MXCSR_FLUSH; }
#else
void wk_cpu_flush_subnormals(void) {}
bool wk_cpu_flushes_subnormals(void) { return false; }
#endif
