/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the exporters (lib/sinks/export.c): any indicator value
 * and context, of any type, in any format but suricata-datasets (which
 * writes files), must come out quoted for its target or be left out.
 * Invariants (a trap when broken): the exporter never fails on a value
 * (only I/O and memory stop it); no raw control character but the line
 * ends and the field tabs of zeek and rpz reaches the output; every
 * suricata line that is not a comment is one whole rule ("alert ... ;)"),
 * every zeek line five tab-separated fields, every rpz record line
 * "NAME<TAB>CNAME<TAB>." or the zone's header; what is written plus what
 * is left out is what was put. Input: a format byte, a type byte, a
 * confidence byte, then "threats\0advisory\0value" (missing parts empty);
 * the value is put twice, the second time with the id of the first + 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizashi/kizashi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static const char *part(const char **p, const char *end, size_t *n)
{
    const char *s = *p;
    const char *z = memchr(s, 0, (size_t)(end - s));
    *n = z ? (size_t)(z - s) : (size_t)(end - s);
    *p = z ? z + 1 : end;
    return s;
}

static void check_lines(kz_export_format f, const char *out, size_t n)
{
    const char *p = out, *end = out + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)p[i];
            int tab_ok =
                c == '\t' && f != KZ_EXPORT_SURICATA && f != KZ_EXPORT_LIST;
            int cr_ok = c == '\r' && f == KZ_EXPORT_CSV && i + 1 == len;
            CHECK(!(c < 0x20 || c == 0x7F) || tab_ok || cr_ok);
        }
        if (len && p[0] != '#' && p[0] != ';' && p[0] != '/') {
            if (f == KZ_EXPORT_SURICATA) {
                CHECK(len > 8 && memcmp(p, "alert ", 6) == 0);
                CHECK(p[len - 1] == ')' && p[len - 2] == ';');
            } else if (f == KZ_EXPORT_ZEEK) {
                unsigned tabs = 0;
                for (size_t i = 0; i < len; i++)
                    tabs += p[i] == '\t';
                CHECK(tabs == 4);
            } else if (f == KZ_EXPORT_RPZ && p[0] != '$' && p[0] != '@' &&
                       p[0] != '\t') {
                CHECK(len > 8 && memcmp(p + len - 8, "\tCNAME\t.", 8) == 0);
                unsigned tabs = 0;
                for (size_t i = 0; i < len; i++)
                    tabs += p[i] == '\t';
                CHECK(tabs == 2);
            }
        }
        p = nl ? nl + 1 : end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    kz_export_format f = (kz_export_format)(data[0] % KZ_EXPORT_COUNT_);
    if (f == KZ_EXPORT_SURICATA_DATASETS)
        f = KZ_EXPORT_SURICATA;
    kz_type t = (kz_type)(1 + data[1] % (KZ_T_COUNT_ - 1));
    int conf = data[2] > 100 ? -1 : data[2];
    const char *p = (const char *)data + 3, *end = (const char *)data + size;
    size_t tn, an, vn;
    const char *th = part(&p, end, &tn);
    const char *ad = part(&p, end, &an);
    const char *v = part(&p, end, &vn);
    char *threats = strndup(th, tn), *adv = strndup(ad, an);
    char *buf = NULL;
    size_t blen = 0;
    FILE *out = open_memstream(&buf, &blen);
    kz_ctx *ctx = NULL;
    kz_exporter *x = NULL;
    if (!threats || !adv || !out || kz_ctx_new(&ctx) != KZ_OK)
        goto done;
    kz_export_opts o = KZ_EXPORT_OPTS_INIT;
    o.format = f;
    if (kz_exporter_new(ctx, &o, out, &x) != KZ_OK)
        goto done;
    unsigned put = 0;
    for (int k = 0; k < 2; k++) {
        kz_export_item it = {1 + k, t, v, vn, threats, adv, "fuzz", conf, 0, 0};
        kz_status s = kz_exporter_put(x, &it);
        CHECK(s == KZ_OK || s == KZ_ERR_UNSUPPORTED || s == KZ_ERR_PARSE);
        put++;
    }
    CHECK(kz_exporter_finish(x) == KZ_OK);
    kz_export_stats st;
    kz_exporter_get_stats(x, &st);
    uint64_t seen = 0;
    for (int i = 0; i < KZ_T_COUNT_; i++)
        seen += st.written[i] + st.unsupported[i] + st.invalid[i];
    CHECK(seen == put);
    fflush(out);
    check_lines(f, buf, blen);
done:
    kz_exporter_free(x);
    kz_ctx_free(ctx);
    if (out)
        fclose(out);
    free(buf);
    free(threats);
    free(adv);
    return 0;
}
