/* cpu.h — what the CPU can do, and which of OpenBLAS's kernel sets wick's GEMMs run on.
 *
 * A DYNAMIC_ARCH OpenBLAS picks its kernels before main, mostly from the CPU's model
 * number; a model it does not know (Debian 12's 0.3.21 on a family 6 model 207 Xeon)
 * gets its slowest kernels, Prescott, at a fraction of the machine's speed. wick
 * decides from the CPU's features instead (cpuid, and xgetbv for the state the OS
 * saves) and only ever upgrades:
 *
 *   AVX-512 F+CD+BW+DQ+VL, OS saves ZMM state  -> SkylakeX
 *   AVX2 + FMA, OS saves YMM state             -> Haswell (Intel, others), Zen (AMD, Hygon)
 *   AVX, OS saves YMM state                    -> Sandybridge
 *   anything less                              -> OpenBLAS's own choice
 *
 * OpenBLAS's choice stays when it is of the same class or better (Zen on a Zen 3 CPU,
 * Cooperlake, a name wick does not know), and a user's OPENBLAS_CORETYPE is never
 * touched. A program calls wk_cpu_kernels_setup(argv) first thing in main, before any
 * BLAS call and before it starts threads; cpu.c's top comment says how the switch is
 * made and what it costs. */
#ifndef WK_CPU_H
#define WK_CPU_H

#include <stdbool.h>
#include <stddef.h>

typedef enum wk_cpu_vendor { WK_CPU_OTHER, WK_CPU_INTEL, WK_CPU_AMD } wk_cpu_vendor;

/* What cpuid and xgetbv report; all zero/false off x86. */
typedef struct wk_cpu_features {
    wk_cpu_vendor vendor;   /* WK_CPU_AMD also for Hygon (a Zen licensee) */
    int family, model;      /* as /proc/cpuinfo shows them (extended fields added in) */
    bool avx, fma, avx2;
    bool avx512f, avx512cd, avx512bw, avx512dq, avx512vl;
    bool os_ymm;   /* XCR0 bits 1-2: the OS saves XMM and YMM state */
    bool os_zmm;   /* XCR0 bits 5-7: the OS saves the opmasks and all of ZMM0-31 */
} wk_cpu_features;

/* Classes of kernel set, in increasing order of what they need from the CPU. */
enum {
    WK_KERNELS_UNKNOWN = -1,   /* a name wick does not know */
    WK_KERNELS_SSE,            /* Prescott, Core2, Nehalem, Barcelona, … */
    WK_KERNELS_AVX,            /* Sandybridge, Bulldozer, Piledriver, Steamroller */
    WK_KERNELS_AVX2,           /* Haswell, Zen, Excavator */
    WK_KERNELS_AVX512          /* SkylakeX, Cooperlake */
};

/* Fill f from cpuid and xgetbv on this machine. */
void wk_cpu_features_read(wk_cpu_features *f);

/* The class of an OpenBLAS core name (case does not matter: a fixed build reports
 * "HASWELL"), or WK_KERNELS_UNKNOWN. */
int wk_cpu_kernels_class(const char *name);

/* The best kernel set f allows ("SkylakeX", "Haswell", "Zen", "Sandybridge"), or NULL
 * when it allows nothing past SSE. */
const char *wk_cpu_kernels_best(const wk_cpu_features *f);

/* The decision, pure: the kernel set to switch to, or NULL to leave OpenBLAS's choice.
 * openblas_choice is openblas_get_corename(); user_choice is OPENBLAS_CORETYPE or NULL
 * (set, even empty, it wins). */
const char *wk_cpu_kernels_choose(const wk_cpu_features *f, const char *openblas_choice, const char *user_choice);

/* Switch OpenBLAS to kernel set `name` now, in this process, and confirm it took.
 * Needs a DYNAMIC_ARCH OpenBLAS that exports gotoblas_dynamic_init/quit; no BLAS call
 * may be running. WK_ERR (nothing changed) when it cannot. */
int wk_cpu_kernels_switch(const char *name);

/* The apply step, once per process: read the features, decide, switch. When the switch
 * cannot be made in-process but OpenBLAS is DYNAMIC_ARCH, execute the program again
 * (argv as main got it; NULL forbids it) with OPENBLAS_CORETYPE set, once: the new
 * process sees WICK_BLAS_REEXEC and never restarts, and clears both variables so its
 * own children decide afresh. WK_ERR when wick wanted a switch and could not make it;
 * the program then simply runs on OpenBLAS's choice. */
int wk_cpu_kernels_setup(char **argv);

/* Make this thread's float arithmetic treat subnormal numbers (below 2^-126 in float32,
 * 2^-1022 in double) as zero, in and out (x86's MXCSR FTZ and DAZ bits; a no-op
 * elsewhere). Subnormals cost about a hundred cycles an operation on x86: an MNIST
 * autoencoder's Adam state and gradients drift into them, and its epochs took 1.93,
 * 2.34, 2.89, 2.96 s instead of 1.93 s each (the same happens to PyTorch by default;
 * TensorFlow flushes too). Threads started afterwards inherit the mode. */
void wk_cpu_flush_subnormals(void);

/* Whether this thread flushes subnormals (false off x86). */
bool wk_cpu_flushes_subnormals(void);

/* One line for people, e.g. "OpenBLAS 0.3.21, kernels SkylakeX (chosen by wick for
 * AVX-512; OpenBLAS chose Prescott)". Returns buf. */
char *wk_cpu_kernels_describe(char *buf, size_t size);

#endif
