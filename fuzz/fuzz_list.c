/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for kz_read_list, with the type guessed and forced.
 * Invariants (a trap when broken): every record's value is non-NULL,
 * non-empty and NUL-terminated at value_len, its type is a real type (the
 * forced one when forced), lines increase, a failure is a known status
 * with a message naming the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kizashi/intel.h"
#include "kizashi/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

typedef struct st {
    kz_type forced;
    uint64_t last;
} st;

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    st *s = ud;
    CHECK(i->value && strlen(i->value) == i->value_len && i->value_len > 0);
    CHECK(i->value_len <= KZ_MAX_VALUE + 7);
    CHECK(i->type > KZ_T_NONE && i->type < KZ_T_COUNT_);
    CHECK(!s->forced || i->type == s->forced);
    CHECK(i->line > s->last);
    s->last = i->line;
    if (i->comment)
        CHECK(strlen(i->comment) < 4096);
    for (size_t k = 0; k < i->nthreats; k++)
        CHECK(i->threats[k] && i->threats[k][0]);
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
    CHECK(what && what[0] && line >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    kz_ctx *ctx;
    if (kz_ctx_new(&ctx) != KZ_OK)
        return 0;
    static const kz_type types[] = {KZ_T_NONE, KZ_T_DOMAIN, KZ_T_STRING};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
        if (!f)
            break;
        if (size == 0)
            fseek(f, 1, SEEK_SET);
        st s = {types[i], 0};
        kz_intel_sink sink = {0};
        sink.ud = &s;
        sink.ioc = on_ioc;
        sink.threat = on_threat;
        sink.unsupported = on_unsupported;
        kz_read_opts o = {0};
        o.name = "f";
        o.type = types[i];
        kz_status rc = kz_read_list(ctx, f, &o, &sink);
        CHECK(rc == KZ_OK || rc == KZ_ERR_PARSE || rc == KZ_ERR_LIMIT ||
              rc == KZ_ERR_NOMEM);
        if (rc == KZ_ERR_PARSE || rc == KZ_ERR_LIMIT)
            CHECK(strncmp(kz_ctx_errmsg(ctx), "f:", 2) == 0);
        fclose(f);
    }
    kz_ctx_free(ctx);
    return 0;
}
