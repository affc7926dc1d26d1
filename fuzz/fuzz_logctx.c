/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for lib/evidence/logctx.c. Input: one byte for the format,
 * two for the observable's offset, two for its length, then text whose
 * lines starting with '#' are fed to a Zeek/W3C header and whose last line
 * is the log line. Runs kz_logfmt_detect, kz_line_context and
 * kz_line_split_urls. Invariants (a trap when broken): field and dataset
 * are NUL-terminated within their arrays, the ECS name is NULL or a
 * non-empty string, the time is within years 0..9999 or 0, every URL is
 * NUL-terminated at its length, at most KZ_MAX_URL bytes, and starts with
 * "http".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "evidence/logctx.h"
#include "kizashi/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static void on_url(void *ud, const char *url, size_t n, const char *fields)
{
    unsigned *count = ud;
    CHECK(n <= KZ_MAX_URL && url[n] == '\0' && strlen(url) == n);
    CHECK(n >= 4 && kz_starts_ci(url, n, "http"));
    CHECK(fields && fields[0]);
    (*count)++;
}

static void check_ctx(const kz_linectx *c)
{
    CHECK(memchr(c->field, '\0', sizeof c->field) != NULL);
    CHECK(memchr(c->dataset, '\0', sizeof c->dataset) != NULL);
    CHECK(c->ecs == NULL || c->ecs[0] != '\0');
    CHECK(c->ecs == NULL || c->field[0] != '\0');
    CHECK(c->time >= 0 && c->time <= 253402300799);
    CHECK(c->not_json == 0 || c->not_json == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5 || size > (1u << 16))
        return 0;
    kz_logfmt fmt = (kz_logfmt)(data[0] % 3);
    size_t off = (size_t)data[1] | (size_t)data[2] << 8;
    size_t len = (size_t)data[3] | (size_t)data[4] << 8;
    const char *text = (const char *)data + 5;
    size_t n = size - 5;

    (void)kz_logfmt_detect(text, n);
    kz_zeek_hdr h;
    kz_zeek_hdr_init(&h);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] != '\n')
            continue;
        if (text[start] == '#')
            kz_zeek_hdr_line(&h, text + start, i - start);
        start = i + 1;
    }
    CHECK(h.nfields <= KZ_ZEEK_MAX_FIELDS);
    CHECK(memchr(h.path, '\0', sizeof h.path) != NULL);
    CHECK(h.ts_col < (int)h.nfields);

    /* The log line in a buffer of its own size, so a read past it shows. */
    size_t ln = n - start;
    char *line = malloc(ln ? ln : 1);
    if (line) {
        memcpy(line, text + start, ln);
        if (ln)
            off %= ln + 1;
        kz_linectx c;
        kz_line_context(fmt, &h, line, ln, off, len, 2024, &c);
        check_ctx(&c);
        kz_line_context(fmt, NULL, line, ln, off, len, 0, &c);
        check_ctx(&c);
        if (ln && off < ln) {
            kz_line_context(fmt, &h, line, ln, off, ln - off, 1999, &c);
            check_ctx(&c);
        }
        unsigned count = 0;
        unsigned r = kz_line_split_urls(fmt, &h, line, ln, on_url, &count);
        CHECK(r == count);
        free(line);
    }
    kz_zeek_hdr_free(&h);
    CHECK(h.nfields == 0);
    return 0;
}
