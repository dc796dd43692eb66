/* bench_elementwise.c — the plain C loops that wick's elementwise kernels are measured
 * against: add, mul and exp over N floats, allocating (a fresh malloc'd output each
 * time, freed inside the timing, as wick's `a + b` allocates and frees) and in place
 * (`a[i] += b[i]`). Best of REPS, process CPU time. Prints "<op> <form> <seconds>".
 * Usage: bench_elementwise N REPS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Keeps the compiler from dropping work whose result is only freed. */
static void use(float *p) { __asm__ volatile("" : : "r"(p) : "memory"); }

enum { ADD, MUL, EXP };
static const char *names[] = {"add", "mul", "exp"};

static void kernel(int op, float *c, const float *a, const float *b, long n)
{
    switch (op) {
    case ADD: for (long i = 0; i < n; i++) c[i] = a[i] + b[i]; break;
    case MUL: for (long i = 0; i < n; i++) c[i] = a[i] * b[i]; break;
    default: for (long i = 0; i < n; i++) c[i] = expf(a[i]); break;
    }
}

static void kernel_inplace(int op, float *a, const float *b, long n)
{
    switch (op) {
    case ADD: for (long i = 0; i < n; i++) a[i] += b[i]; break;
    case MUL: for (long i = 0; i < n; i++) a[i] *= b[i]; break;
    default: for (long i = 0; i < n; i++) a[i] = expf(a[i]); break;
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 16L << 20;
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    float *a = malloc(sizeof(float) * (size_t)n), *b = malloc(sizeof(float) * (size_t)n),
          *orig = malloc(sizeof(float) * (size_t)n);
    srand(1);
    for (long i = 0; i < n; i++) {   /* same ranges as the Lua side: rand() in [0,1) */
        orig[i] = (float)rand() / ((float)RAND_MAX + 1);
        b[i] = (float)rand() / ((float)RAND_MAX + 1) + 0.5f;
    }
    for (int op = ADD; op <= EXP; op++) {
        double best = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            float *c = malloc(sizeof(float) * (size_t)n);
            kernel(op, c, orig, b, n);
            use(c);
            free(c);
            double t = now() - t0;
            if (t < best) best = t;
        }
        printf("%s alloc %.6f\n", names[op], best);
        best = 1e30;
        for (int r = 0; r < reps; r++) {
            memcpy(a, orig, sizeof(float) * (size_t)n);   /* untimed reset, as on the Lua side */
            double t0 = now();
            kernel_inplace(op, a, b, n);
            use(a);
            double t = now() - t0;
            if (t < best) best = t;
        }
        printf("%s inplace %.6f\n", names[op], best);
    }
    free(a);
    free(b);
    free(orig);
    return 0;
}
