/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the STIX reader: the input is read as a bundle through
 * fmemopen (kz_read_stix) and, whole, as a STIX pattern
 * (kz_stix_pattern_parse). Invariants (a trap when broken): every record's
 * strings are non-NULL where required and NUL-terminated at value_len;
 * lists have non-NULL entries; an error leaves a message naming the input;
 * parsed comparisons have paths with their object type and values of
 * their stated length.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "intel/stix_pattern.h"
#include "kizashi/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static void check_list(const char *const *v, size_t n)
{
    CHECK(n == 0 || v != NULL);
    for (size_t i = 0; i < n; i++)
        CHECK(v[i] != NULL && strlen(v[i]) < (1u << 26));
}

static kz_status on_adv(void *ud, const kz_intel_advisory *a)
{
    (void)ud;
    check_list(a->threats, a->nthreats);
    if (a->tlp)
        CHECK(strlen(a->tlp) > 0);
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    (void)ud;
    CHECK(t->name && *t->name);
    check_list(t->aliases, t->naliases);
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    (void)ud;
    CHECK(i->value != NULL);
    CHECK(strlen(i->value) == i->value_len);
    CHECK(i->type > KZ_T_NONE && i->type < KZ_T_COUNT_);
    CHECK(i->confidence >= -1 && i->confidence <= 100);
    CHECK(i->to_ids == 0 || i->to_ids == 1);
    check_list(i->tags, i->ntags);
    check_list(i->threats, i->nthreats);
    return KZ_OK;
}

static void on_uns(void *ud, const char *what, uint64_t line)
{
    (void)ud;
    (void)line;
    CHECK(what && *what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kz_ctx *ctx;
    if (!ctx && kz_ctx_new(&ctx) != KZ_OK)
        return 0;
    if (size > (1u << 20))
        return 0;
    if (size > 0) {
        FILE *f = fmemopen((void *)data, size, "r");
        if (f) {
            kz_read_opts o = {.name = "fuzz"};
            kz_intel_sink s = {.advisory = on_adv,
                               .threat = on_threat,
                               .ioc = on_ioc,
                               .unsupported = on_uns};
            kz_status st = kz_read_stix(ctx, f, &o, &s);
            if (st == KZ_ERR_PARSE || st == KZ_ERR_LIMIT)
                CHECK(strncmp(kz_ctx_errmsg(ctx), "fuzz:", 5) == 0);
            fclose(f);
        }
    }
    kz_stix_pattern p;
    memset(&p, 0, sizeof p);
    size_t off;
    const char *why;
    kz_status st =
        kz_stix_pattern_parse((const char *)data, size, &p, &off, &why);
    if (st == KZ_OK) {
        for (size_t k = 0; k < p.n; k++) {
            const kz_stix_cmp *c = &p.cmp[k];
            CHECK(c->path && c->path[c->type_len] == ':');
            CHECK(!c->value || strlen(c->value) <= c->value_len);
            CHECK(c->group < p.groups);
            CHECK(c->offset < size);
        }
    } else {
        CHECK(why != NULL && off <= size);
    }
    kz_stix_pattern_free(&p);
    return 0;
}
