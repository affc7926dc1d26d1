/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the LOLDrivers reader (YAML, JSON and CSV, detected from
 * the first bytes). Invariants (a trap when broken): every record's
 * strings are non-NULL where required and NUL-terminated at their length,
 * indicator types are the ones the reader emits, tags and comments stay
 * within their limits, and an error leaves a "NAME:" message.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "intel/read_loldrivers.h"
#include "kizashi/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static kz_status on_adv(void *ud, const kz_intel_advisory *a)
{
    (void)ud;
    CHECK(a->title && strncmp(a->title, "LOLDrivers: ", 12) == 0);
    CHECK(a->source && a->tlp);
    CHECK(!a->summary || strlen(a->summary) <= KZ_LD_MAX_SUMMARY);
    CHECK(!a->impact || strlen(a->impact) <= KZ_LD_MAX_COMMENT);
    CHECK(!a->url || strncmp(a->url, "https://www.loldrivers.io/", 26) == 0);
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    (void)ud;
    CHECK(i->value && i->value_len > 0 && strlen(i->value) == i->value_len);
    switch (i->type) {
    case KZ_T_MD5:
        CHECK(i->value_len == 32);
        break;
    case KZ_T_SHA1:
        CHECK(i->value_len == 40);
        break;
    case KZ_T_SHA256:
        CHECK(i->value_len == 64);
        break;
    case KZ_T_AUTHENTIHASH:
        CHECK(i->value_len == 32 || i->value_len == 40 || i->value_len == 64);
        break;
    case KZ_T_FILENAME:
        CHECK(i->value_len <= 4096);
        break;
    default:
        CHECK(0);
    }
    CHECK(i->ntags <= KZ_LD_MAX_TAGS && (i->ntags == 0 || i->tags));
    for (size_t k = 0; k < i->ntags; k++)
        CHECK(i->tags[k] != NULL);
    CHECK(!i->comment || strlen(i->comment) <= KZ_LD_MAX_COMMENT);
    CHECK(i->confidence == -1 && i->to_ids == -1 && i->score == -1);
    return KZ_OK;
}

static void on_unsup(void *ud, const char *what, uint64_t line)
{
    (void)ud, (void)line;
    CHECK(what && what[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > (1u << 20))
        return 0;
    kz_ctx *ctx = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (f) {
        kz_intel_sink s = {0};
        s.advisory = on_adv;
        s.ioc = on_ioc;
        s.unsupported = on_unsup;
        kz_read_opts o = {0};
        o.name = "fz";
        kz_status st = kz_read_loldrivers(ctx, f, &o, &s);
        if (st != KZ_OK)
            CHECK(strncmp(kz_ctx_errmsg(ctx), "fz:", 3) == 0);
        fclose(f);
    }
    kz_ctx_free(ctx);
    return 0;
}
