/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for kz_read_text (advisories in prose: the extractor, the
 * heading and section capture, libxml2's HTML parser for HTML input) and
 * for kz_intel_detect on the same bytes. Invariants (a trap when broken):
 * exactly one advisory per non-empty input, before every indicator; its title
 * and sections are NUL-terminated, the title at most 300 bytes plus a UTF-8
 * character, each section at most 16 KiB plus a newline; indicator values
 * are non-empty and NUL-terminated at value_len; detection answers a real
 * format.
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

struct st {
    int advisories;
    unsigned long iocs;
};

static kz_status on_advisory(void *ud, const kz_intel_advisory *a)
{
    struct st *s = ud;
    CHECK(s->advisories == 0 && s->iocs == 0);
    s->advisories++;
    if (a->title)
        CHECK(strlen(a->title) <= 304);
    const char *secs[] = {a->summary, a->impact, a->assessment, a->mitigation};
    for (size_t i = 0; i < 4; i++)
        if (secs[i])
            CHECK(strlen(secs[i]) <= 16 * 1024 + 1);
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    struct st *s = ud;
    CHECK(s->advisories == 1);
    CHECK(i->value && i->value_len > 0 && strlen(i->value) == i->value_len);
    CHECK(i->type > KZ_T_NONE && i->type < KZ_T_COUNT_);
    s->iocs++;
    return KZ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    kz_intel_format f = kz_intel_detect("fuzz", data, size);
    CHECK(f > KZ_FMT_AUTO && f < KZ_FMT_COUNT_);
    kz_ctx *ctx;
    if (kz_ctx_new(&ctx) != KZ_OK)
        return 0;
    FILE *in = fmemopen((void *)data, size ? size : 1, "rb");
    if (in) {
        if (size == 0)
            fseek(in, 1, SEEK_SET);
        struct st s = {0, 0};
        kz_intel_sink sink = {0};
        sink.ud = &s;
        sink.advisory = on_advisory;
        sink.ioc = on_ioc;
        kz_read_opts o = {0};
        o.name = "fuzz";
        kz_status r = kz_read_text(ctx, in, &o, &sink);
        CHECK(r == KZ_OK || r == KZ_ERR_NOMEM || r == KZ_ERR_LIMIT);
        if (r == KZ_OK)
            CHECK(s.advisories == (size > 0));
        fclose(in);
    }
    kz_ctx_free(ctx);
    return 0;
}
