/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A checking sink for the fuzz harnesses of intel readers whose records
 * carry no confidence nor to_ids (Loki, OpenIOC): every record's value is
 * non-NULL, as long as value_len says and NUL-terminated there, its type
 * known, its fields in range; a failing read leaves a message naming the
 * input. Included by one harness each (static functions).
 */
#ifndef KIZASHI_FUZZ_INTEL_CHECK_H
#define KIZASHI_FUZZ_INTEL_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kizashi/kizashi.h"

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static void check_str(const char *s)
{
    if (s)
        CHECK(strlen(s) < (1u << 21));
}

static kz_status on_adv(void *ud, const kz_intel_advisory *a)
{
    (void)ud;
    check_str(a->key);
    check_str(a->title);
    check_str(a->summary);
    check_str(a->source);
    check_str(a->url);
    for (size_t i = 0; i < a->nthreats; i++)
        CHECK(a->threats[i] && a->threats[i][0]);
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    (void)ud;
    CHECK(t->name && t->name[0]);
    check_str(t->kind);
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    (*(size_t *)ud)++;
    CHECK(i->type > KZ_T_NONE && i->type < KZ_T_COUNT_);
    CHECK(i->value != NULL && i->value_len > 0);
    CHECK(strlen(i->value) == i->value_len);
    CHECK(i->score == -1 || (i->score >= 1 && i->score <= 100));
    CHECK(i->confidence == -1 && i->to_ids == -1);
    CHECK(i->line >= 1);
    check_str(i->comment);
    check_str(i->ref);
    for (size_t k = 0; k < i->ntags; k++)
        CHECK(i->tags[k] != NULL);
    return KZ_OK;
}

static void on_unsup(void *ud, const char *what, uint64_t line)
{
    (void)ud;
    (void)line;
    CHECK(what && what[0]);
}

/* Runs read over the bytes with the checking sink: a failure must be a
 * parse error or a limit, with a message naming the input. */
static int fuzz_intel_reader(kz_status (*read)(kz_ctx *, FILE *,
                                               const kz_read_opts *,
                                               const kz_intel_sink *),
                             const uint8_t *data, size_t size)
{
    if (size == 0 || size > (1u << 20))
        return 0;
    kz_ctx *ctx = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (f) {
        size_t n = 0;
        kz_intel_sink s = {.ud = &n,
                           .advisory = on_adv,
                           .threat = on_threat,
                           .ioc = on_ioc,
                           .unsupported = on_unsup};
        kz_read_opts o = {.name = "fuzz"};
        kz_status st = read(ctx, f, &o, &s);
        if (st == KZ_ERR_PARSE || st == KZ_ERR_LIMIT)
            CHECK(strncmp(kz_ctx_errmsg(ctx), "fuzz:", 5) == 0);
        else
            CHECK(st == KZ_OK);
        fclose(f);
    }
    kz_ctx_free(ctx);
    return 0;
}

#endif /* KIZASHI_FUZZ_INTEL_CHECK_H */
