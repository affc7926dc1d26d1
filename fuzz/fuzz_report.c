/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the report writer (lib/sinks/report.c): any document,
 * in any of the three formats. The writer parses the JSON of the model, so
 * hostile values (from evidence: file names, hosts, log values) and broken
 * documents both reach it. Invariants (a trap when broken): a document
 * that does not parse is refused with KZ_ERR_PARSE and a message; the
 * output is valid UTF-8; HTML and Markdown carry no raw control character
 * but line ends and tabs (whitespace in both), and HTML no "<script" (any case) and no "<" that
 * does not open one of the page's own tags; with the input's own '<'
 * bytes escaped, every '<' in HTML comes from the page itself. Input: a
 * format byte, then the document.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizashi/kizashi.h"

#include "utf8_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

/* The page's own tags: whatever follows '<' must be one of these names
 * (or '/' and one of them, or "!DOCTYPE"). */
static const char *const tags[] = {
    "!DOCTYPE", "html",    "head",    "meta",  "title",   "style",  "body",
    "h1",       "h2",      "h3",      "h4",    "p",       "table",  "tr",
    "th",       "td",      "a",       "span",  "code",    "pre",    "section",
    "svg",      "rect",    "text",    "line",  "g",       "circle", "ul",
    "li",       "div",     "strong",  "em",    "br",      "thead",  "tbody",
    "small",    "details", "summary", "b",     "nav",     "header", "footer",
    "main",     "dl",      "dt",      "dd",    "caption", "col",    "colgroup",
    "i",        "sup",     "sub",     "hr",    "abbr",    "time",   "polyline",
    "path",     "desc",    "defs",    "tspan", NULL};

static int own_tag(const char *p, const char *end)
{
    if (p < end && *p == '/')
        p++;
    for (int i = 0; tags[i]; i++) {
        size_t n = strlen(tags[i]);
        if ((size_t)(end - p) > n && strncasecmp(p, tags[i], n) == 0 &&
            (p[n] == '>' || p[n] == ' ' || p[n] == '\n' || p[n] == '/'))
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kz_report_format f = (kz_report_format)(data[0] % 3);
    char *buf = NULL;
    size_t blen = 0;
    FILE *out = open_memstream(&buf, &blen);
    kz_ctx *ctx = NULL;
    if (!out || kz_ctx_new(&ctx) != KZ_OK)
        goto done;
    kz_status s =
        kz_report_write(ctx, (const char *)data + 1, size - 1, f, out);
    CHECK(s == KZ_OK || s == KZ_ERR_PARSE || s == KZ_ERR_NOMEM);
    if (s == KZ_ERR_PARSE) {
        const char *m = kz_ctx_errmsg(ctx);
        CHECK(m && *m);
    }
    fflush(out);
    if (s != KZ_OK)
        goto done;
    CHECK(valid_utf8((const unsigned char *)buf, blen));
    if (f == KZ_REPORT_JSON)
        goto done;
    for (size_t i = 0; i < blen; i++) {
        unsigned char c = (unsigned char)buf[i];
        CHECK(!(c < 0x20 && c != '\n' && c != '\t') && c != 0x7F);
        if (f == KZ_REPORT_HTML && c == '<')
            CHECK(own_tag(buf + i + 1, buf + blen));
    }
    if (f == KZ_REPORT_HTML)
        for (size_t i = 0; i + 7 <= blen; i++)
            CHECK(strncasecmp(buf + i, "<script", 7) != 0);
done:
    kz_ctx_free(ctx);
    if (out)
        fclose(out);
    free(buf);
    return 0;
}
