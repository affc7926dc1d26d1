/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the MISP event reader (lib/intel/read_misp.c): the
 * input is read as a MISP event document through fmemopen. Invariants (a
 * trap when broken): every string handed to the sink is non-NULL where
 * required and NUL-terminated at its stated length, arrays are non-NULL
 * when they have elements, fields stay in range, and a failure always leaves a
 * message on the context.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kizashi/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

struct state {
    unsigned long advisories, threats, iocs;
};

/* Touches every byte of a nullable string. */
static void check_str(const char *s)
{
    if (s)
        CHECK(strlen(s) < ((size_t)1 << 30));
}

static void check_strs(const char *const *v, size_t n)
{
    CHECK(n == 0 || v != NULL);
    for (size_t i = 0; i < n; i++) {
        CHECK(v[i] != NULL);
        check_str(v[i]);
    }
}

static kz_status on_advisory(void *ud, const kz_intel_advisory *a)
{
    struct state *s = ud;
    s->advisories++;
    check_str(a->key);
    check_str(a->title);
    check_str(a->url);
    check_str(a->summary);
    check_str(a->source);
    check_str(a->tlp);
    check_strs(a->threats, a->nthreats);
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    struct state *s = ud;
    s->threats++;
    CHECK(t->name && t->name[0]);
    check_str(t->kind);
    check_str(t->description);
    check_strs(t->aliases, t->naliases);
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    struct state *s = ud;
    s->iocs++;
    CHECK(i->type > KZ_T_NONE && i->type < KZ_T_COUNT_);
    CHECK(i->value != NULL && i->value_len > 0);
    CHECK(strlen(i->value) == i->value_len);
    CHECK(i->to_ids >= -1 && i->to_ids <= 1);
    CHECK(i->confidence == -1 && i->score == -1);
    check_str(i->tlp);
    check_str(i->comment);
    check_str(i->category);
    check_str(i->ref);
    check_strs(i->tags, i->ntags);
    check_strs(i->threats, i->nthreats);
    return KZ_OK;
}

static void on_unsupported(void *ud, const char *what, uint64_t line)
{
    (void)ud;
    (void)line;
    CHECK(what && what[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > (1u << 20))
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    kz_ctx *ctx = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK) {
        fclose(f);
        return 0;
    }
    struct state s = {0, 0, 0};
    kz_intel_sink sink = {&s,   on_advisory, on_threat,     on_ioc,
                          NULL, NULL,        on_unsupported};
    kz_read_opts o = {"fuzz", KZ_T_NONE, NULL};
    kz_status st = kz_read_misp(ctx, f, &o, &sink);
    if (st != KZ_OK)
        CHECK(strncmp(kz_ctx_errmsg(ctx), "fuzz", 4) == 0);
    fclose(f);
    kz_ctx_free(ctx);
    return 0;
}
