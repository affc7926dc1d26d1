/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the MISP warninglist reader
 * (lib/intel/read_warninglist.c). Invariants (a trap when broken): the
 * warninglist record comes first and once, its type is one of MISP's five,
 * every entry is non-empty and NUL-terminated at its length, nothing is
 * handed over when the input is refused, and a failure always leaves a
 * message naming the input.
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
    unsigned long lists, entries;
};

static kz_status on_list(void *ud, const kz_warninglist *w)
{
    struct state *s = ud;
    CHECK(s->lists == 0 && s->entries == 0);
    s->lists++;
    CHECK(w->name && w->name[0]);
    CHECK(w->type);
    CHECK(strcmp(w->type, "string") == 0 || strcmp(w->type, "hostname") == 0 ||
          strcmp(w->type, "cidr") == 0 || strcmp(w->type, "substring") == 0 ||
          strcmp(w->type, "regex") == 0);
    CHECK(w->nattributes == 0 || w->attributes);
    for (size_t i = 0; i < w->nattributes; i++)
        CHECK(w->attributes[i] != NULL);
    if (w->description)
        CHECK(strlen(w->description) < ((size_t)1 << 30));
    return KZ_OK;
}

static kz_status on_entry(void *ud, const char *v, size_t n)
{
    struct state *s = ud;
    CHECK(s->lists == 1);
    s->entries++;
    CHECK(v && n > 0 && strlen(v) == n);
    return KZ_OK;
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
    struct state s = {0, 0};
    kz_intel_sink sink = {&s, NULL, NULL, NULL, on_list, on_entry, NULL};
    kz_read_opts o = {"fuzz", KZ_T_NONE, NULL};
    kz_status st = kz_read_warninglist(ctx, f, &o, &sink);
    if (st != KZ_OK) {
        CHECK(st == KZ_ERR_PARSE || st == KZ_ERR_NOMEM);
        CHECK(s.lists == 0 && s.entries == 0);
        CHECK(strncmp(kz_ctx_errmsg(ctx), "fuzz", 4) == 0);
    } else {
        CHECK(s.lists == 1);
    }
    fclose(f);
    kz_ctx_free(ctx);
    return 0;
}
