/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the CSV tokenizer and kz_read_csv. The input goes
 * through kz_csv (each delimiter choice) and through kz_read_csv, with and
 * without a --map. Invariants (a trap when broken): fields are
 * NUL-terminated at their length and within the limits, record lines never
 * go backwards, every record's value is non-NULL and NUL-terminated at
 * value_len, a failure is a known status with a message naming the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/core_int.h"
#include "intel/csvparse.h"
#include "kizashi/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    (void)ud;
    CHECK(i->value && strlen(i->value) == i->value_len && i->value_len > 0);
    CHECK(i->type > KZ_T_NONE && i->type < KZ_T_COUNT_);
    CHECK(i->confidence >= -1 && i->confidence <= 100);
    CHECK(i->line >= 1);
    for (size_t k = 0; k < i->nthreats; k++)
        CHECK(i->threats[k] && i->threats[k][0]);
    for (size_t k = 0; k < i->ntags; k++)
        CHECK(i->tags[k] && i->tags[k][0]);
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    (void)ud;
    CHECK(t->name && t->name[0]);
    for (size_t k = 0; k < t->naliases; k++)
        CHECK(t->aliases[k] && t->aliases[k][0]);
    return KZ_OK;
}

static void on_unsupported(void *ud, const char *what, uint64_t line)
{
    (void)ud;
    (void)line;
    CHECK(what && what[0]);
}

static void check_status(kz_ctx *ctx, kz_status st)
{
    CHECK(st == KZ_OK || st == KZ_ERR_PARSE || st == KZ_ERR_LIMIT ||
          st == KZ_ERR_INVALID || st == KZ_ERR_NOMEM);
    if (st == KZ_ERR_PARSE || st == KZ_ERR_LIMIT)
        CHECK(strncmp(kz_ctx_errmsg(ctx), "f:", 2) == 0);
}

static void tokenize(kz_ctx *ctx, const uint8_t *data, size_t size, int delim)
{
    kz_csv *c;
    if (kz_csv_open_mem(ctx, data, size, "f", delim, delim == ',', &c) != KZ_OK)
        return;
    const char *const *f;
    const size_t *l;
    size_t nf;
    uint64_t line, last = 0;
    int rc;
    while ((rc = kz_csv_next(c, &f, &l, &nf, &line)) == 1) {
        CHECK(nf >= 1 && nf <= KZ_CSV_MAX_FIELDS && line > last);
        last = line;
        for (size_t i = 0; i < nf; i++)
            CHECK(l[i] <= KZ_CSV_MAX_FIELD && strlen(f[i]) == l[i]);
    }
    check_status(ctx, (kz_status)rc);
    kz_csv_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    kz_ctx *ctx;
    if (kz_ctx_new(&ctx) != KZ_OK)
        return 0;
    static const int delims[] = {0, ',', '\t', ';', '|'};
    for (size_t i = 0; i < sizeof delims / sizeof delims[0]; i++)
        tokenize(ctx, data, size, delims[i]);

    kz_intel_sink s = {0};
    s.ioc = on_ioc;
    s.threat = on_threat;
    s.unsupported = on_unsupported;
    static const char *const maps[] = {NULL, "1=type,2=value,3=threat",
                                       "value=md5,2=tags,type=ignore"};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
        if (!f)
            break;
        if (size == 0)
            fseek(f, 1, SEEK_SET);
        kz_read_opts o = {0};
        o.name = "f";
        o.map = maps[i];
        check_status(ctx, kz_read_csv(ctx, f, &o, &s));
        fclose(f);
    }
    kz_ctx_free(ctx);
    return 0;
}
