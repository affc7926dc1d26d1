/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kz-bench-hotpath: the sweep's hot path alone, per core. Each file is
 * read into memory first; then, on one thread, the scanner of
 * lib/evidence/scan.c (the tokenizer and the index lookups `kizashi hunt`
 * runs) goes over it in blocks of 2 MiB ending at a line end, as the sweep
 * does, RUNS times. No reading, no context, no output: what is left of a
 * sweep once the logs are in memory. bench/hunt.sh runs it on the 1M
 * workload beside the end-to-end figures.
 *
 * Usage: kz-bench-hotpath [--runs N] INDEX FILE...
 * Prints, per file and for all: bytes, median and best seconds, MB/s of
 * the median (tab-separated, "total" last), and the scanner's instruction
 * set on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evidence/scan.h"
#include "kizashi/kizashi.h"

#define BLOCK (2u << 20)
#define MAX_RUNS 101

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kz-bench-hotpath: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, len = 0;
    char *b = malloc(cap);
    for (;;) {
        if (!b)
            break;
        size_t r = fread(b + len, 1, cap - len, f);
        len += r;
        if (len < cap)
            break;
        char *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!b || err) {
        fprintf(stderr, "kz-bench-hotpath: %s: cannot read\n", path);
        free(b);
        return NULL;
    }
    *n = len;
    return b;
}

/* One pass over buf; returns the hits, for a check that the work was done. */
static size_t sweep(struct kz_scanner *sc, const char *buf, size_t n)
{
    size_t hits = 0, pos = 0;
    while (pos < n) {
        size_t e = n - pos > BLOCK ? pos + BLOCK : n;
        if (e < n) {
            const char *q = memchr(buf + e - 1, '\n', n - e + 1);
            e = q ? (size_t)(q - buf) + 1 : n;
        }
        kz_scanner_reset(sc);
        kz_scan(sc, buf + pos, e - pos, pos);
        hits += sc->nhits;
        pos = e;
    }
    return hits;
}

int main(int argc, char **argv)
{
    int runs = 5, a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--runs") == 0) {
        runs = atoi(argv[a + 1]);
        a += 2;
    }
    if (runs < 1 || runs > MAX_RUNS || argc - a < 2) {
        fprintf(stderr,
                "usage: kz-bench-hotpath [--runs N (1-%d)] INDEX "
                "FILE...\n",
                MAX_RUNS);
        return 2;
    }
    kz_ctx *ctx = NULL;
    kz_index *ix = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK ||
        kz_index_open(ctx, argv[a], &ix) != KZ_OK ||
        kz_index_verify(ctx, ix) != KZ_OK) {
        fprintf(stderr, "kz-bench-hotpath: %s\n",
                ctx ? kz_ctx_errmsg(ctx) : "out of memory");
        return 2;
    }
    static const char *const isa[] = {"C", "SSE2", "AVX2", "AVX-512BW"};
    fprintf(stderr, "kz-bench-hotpath: pass with %s, %d runs\n",
            isa[kz_scan_isa_best() & 3], runs);
    double tmed = 0, tbest = 0;
    size_t tbytes = 0;
    for (int f = a + 1; f < argc; f++) {
        size_t n = 0;
        char *buf = slurp(argv[f], &n);
        if (!buf)
            return 2;
        /* URL hosts are marked in JSON and Zeek logs, as the sweep does */
        struct kz_scanner sc;
        kz_scanner_init(&sc, ix, n && (buf[0] == '{' || buf[0] == '#'));
        double t[MAX_RUNS];
        size_t hits = 0;
        for (int r = 0; r < runs; r++) {
            double t0 = now();
            hits = sweep(&sc, buf, n);
            t[r] = now() - t0;
        }
        kz_scanner_free(&sc);
        free(buf);
        qsort(t, (size_t)runs, sizeof t[0], cmp_d);
        double med = t[runs / 2], best = t[0];
        printf("%s\t%zu\t%.6f\t%.6f\t%.1f\t%zu\n", argv[f], n, med, best,
               med > 0 ? (double)n / med / 1e6 : 0.0, hits);
        tmed += med;
        tbest += best;
        tbytes += n;
    }
    printf("total\t%zu\t%.6f\t%.6f\t%.1f\t-\n", tbytes, tmed, tbest,
           tmed > 0 ? (double)tbytes / tmed / 1e6 : 0.0);
    kz_index_close(ix);
    kz_ctx_free(ctx);
    return 0;
}
