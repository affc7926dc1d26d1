/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the hit writers: two hits built from the input, written
 * in every format, with and without the summary. Every output must be
 * valid UTF-8 without raw control characters (but the newlines ending its
 * lines, and our own colour sequences), one line per hit for the table and
 * JSON, and each JSON line must parse. A violated invariant traps.
 * Input: 4 option bytes, then NUL-separated fields: input, observed,
 * field, ecs_field, dataset, value, threats, advisories, advisory_ids,
 * sources, feeds, raw, tags. The indicator's strings are copied to blocks
 * of their exact size (no NUL after them), so a read past a length is
 * caught by the sanitizer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kizashi/kizashi.h"

#include "utf8_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 13

static void check(const kz_hit_writer_opts *o, const char *out, size_t n,
                  unsigned hits)
{
    unsigned lines = 0;
    size_t start = 0;

    if (!valid_utf8((const unsigned char *)out, n))
        __builtin_trap(); /* invalid bytes must come out escaped */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '\n') {
            if (o->format == KZ_HIT_JSON) {
                json_t *v = json_loadb(out + start, i - start, 0, NULL);
                if (!v)
                    __builtin_trap(); /* a JSON line that does not parse */
                json_decref(v);
            }
            lines++;
            start = i + 1;
            continue;
        }
        if (c == 0x1b && o->color && i + 1 < n && out[i + 1] == '[' &&
            i + 3 < n &&
            (memcmp(out + i + 2, "0m", 2) == 0 ||
             memcmp(out + i + 2, "1m", 2) == 0 ||
             (i + 6 < n && memcmp(out + i + 2, "1;3", 3) == 0)))
            continue; /* our own SGR */
        if (c < 0x20 || c == 0x7F)
            __builtin_trap(); /* a raw control character */
        if (o->format == KZ_HIT_JSON && c == 0xC2 && i + 1 < n &&
            (unsigned char)out[i + 1] >= 0x80 &&
            (unsigned char)out[i + 1] <= 0x9F)
            __builtin_trap(); /* a raw C1 control */
        if (c == 0xE2 && i + 2 < n && (unsigned char)out[i + 1] == 0x80 &&
            (unsigned char)out[i + 2] >= 0xAA &&
            (unsigned char)out[i + 2] <= 0xAE)
            __builtin_trap(); /* a raw bidirectional override */
    }
    if (start != n)
        __builtin_trap(); /* output ends inside a line */
    if (!o->summary && o->format != KZ_HIT_LINES && lines != hits)
        __builtin_trap(); /* one line per hit */
    if (!o->summary && o->format == KZ_HIT_LINES && lines > hits)
        __builtin_trap();
    if (o->summary && o->format == KZ_HIT_JSON && lines != 1)
        __builtin_trap(); /* one summary object */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s[NFIELDS] = {0};
    size_t len[NFIELDS] = {0};
    char *copy = NULL;

    if (size < 4)
        return 0;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);

    /* fields: NUL-terminated copies for the C strings of the hit, exact
     * blocks for the indicator's counted strings */
    copy = malloc(size - 4 + 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 4, size - 4);
    copy[size - 4] = '\0';
    const char *p = copy, *end = copy + (size - 4);
    for (int i = 0; i < NFIELDS; i++) {
        size_t n = strlen(p);
        len[i] = n;
        s[i] = malloc(n ? n : 1);
        if (!s[i])
            goto out;
        memcpy(s[i], p, n);
        p = p + n < end ? p + n + 1 : end;
    }

    /* C strings: the first four fields as they are in copy */
    const char *cstr[5];
    p = copy;
    for (int i = 0; i < 5; i++) {
        cstr[i] = p;
        size_t n = strlen(p);
        p = p + n < end ? p + n + 1 : end;
    }

    kz_log_hit h[2];
    memset(h, 0, sizeof h);
    h[0].input = cstr[0];
    h[0].compression = (data[1] & 0x80) ? "gzip" : NULL;
    h[0].format = (kz_logfmt)(data[1] % 3);
    h[0].line = data[2];
    h[0].offset = (uint64_t)data[2] << 40;
    h[0].column = data[3];
    h[0].obs_type = (kz_type)(data[2] % KZ_T_COUNT_);
    h[0].observed = s[1];
    h[0].observed_len = len[1];
    h[0].field = (data[3] & 1) ? cstr[2] : NULL;
    h[0].ecs_field = (data[3] & 2) ? cstr[3] : NULL;
    h[0].dataset = (data[3] & 4) ? cstr[4] : NULL;
    h[0].time = (data[3] & 8) ? (kz_time)data[2] * 86400 * 365 : 0;
    h[0].how = (kz_match_kind)((data[1] >> 2) % 5);
    kz_index_entry *e = &h[0].ind;
    e->index = data[3] >> 4;
    e->type = (kz_type)((data[1] >> 3) % KZ_T_COUNT_);
    e->value = s[5], e->value_len = len[5];
    e->indicator_id = (int64_t)data[2] - 1;
    e->threats = s[6], e->threats_len = len[6];
    e->advisories = s[7], e->advisories_len = len[7];
    e->advisory_ids = s[8], e->advisory_ids_len = len[8];
    e->sources = s[9], e->sources_len = len[9];
    e->feeds = s[10], e->feeds_len = len[10];
    e->raw = s[11], e->raw_len = len[11];
    e->tags = s[12], e->tags_len = len[12];
    e->confidence = (int)data[3] - 100;
    e->first_seen = (kz_time)data[1] * 1000000;
    e->last_seen = e->first_seen * 2;
    /* the second hit: the same line again, or the next one, in the same
     * input or another; another indicator of the same advisory or not */
    h[1] = h[0];
    h[1].line += data[0] & 1;
    h[1].input = (data[0] & 2) ? cstr[2] : cstr[0];
    h[1].ind.index ^= (data[0] >> 2) & 1;
    if (data[0] & 8)
        h[1].ind.advisories_len /= 2;

    for (unsigned v = 0; v < 6; v++) {
        kz_hit_writer_opts o = KZ_HIT_WRITER_OPTS_INIT;
        o.format = (kz_hit_format)(v % 3);
        o.summary = v >= 3;
        o.color = (data[0] >> 4) & 1;
        char *buf = NULL;
        size_t blen = 0;
        FILE *f = open_memstream(&buf, &blen);
        if (!f)
            break;
        kz_hit_writer *w = NULL;
        unsigned hits = 0;
        int ok = kz_hit_writer_new(NULL, &o, f, &w) == KZ_OK;
        for (int i = 0; ok && i < 2; i++)
            if ((ok = kz_hit_writer_put(w, &h[i]) == KZ_OK))
                hits++;
        ok = w && kz_hit_writer_finish(w) == KZ_OK && ok;
        kz_hit_writer_free(w);
        fclose(f);
        if (ok)
            check(&o, buf, blen, hits);
        free(buf);
    }
out:
    for (int i = 0; i < NFIELDS; i++)
        free(s[i]);
    free(copy);
    return 0;
}
