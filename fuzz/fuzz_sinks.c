/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the IoC writers: any value and input name, in any
 * format, must come out escaped: every output is valid UTF-8 without raw
 * control characters (TSV and CSV keep their TAB), each TSV, CSV and JSON
 * row is one line. A violated invariant traps. Input: 3 option bytes,
 * then the input name, a NUL, and the value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizashi/kizashi.h"

#include "utf8_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(kz_ioc_format fmt, const unsigned char *out, size_t n,
                  unsigned rows)
{
    unsigned newlines = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = out[i];
        if (c == '\n') {
            newlines++;
            if (fmt == KZ_IOC_CSV && (i == 0 || out[i - 1] != '\r'))
                __builtin_trap(); /* a CSV row broken by a raw LF */
            continue;
        }
        if (c == '\r' && fmt == KZ_IOC_CSV && i + 1 < n && out[i + 1] == '\n')
            continue;
        if (c == '\t' && (fmt == KZ_IOC_TSV || fmt == KZ_IOC_CSV))
            continue;
        if (c < 0x20 || c == 0x7F)
            __builtin_trap(); /* a raw control character */
    }
    if ((fmt == KZ_IOC_TSV || fmt == KZ_IOC_JSON) && newlines != rows)
        __builtin_trap(); /* one line per value */
    if (fmt == KZ_IOC_CSV && newlines != rows + 1)
        __builtin_trap(); /* header + one line per value */
    if (!valid_utf8(out, n))
        __builtin_trap(); /* invalid input bytes must come out escaped */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    setenv("SOURCE_DATE_EPOCH", "0", 1);

    kz_ioc_writer_opts o = KZ_IOC_WRITER_OPTS_INIT;
    o.format = (kz_ioc_format)(data[0] % 4);
    o.defang = (data[0] >> 2) & 1;
    o.with_input = (data[0] >> 3) & 1;

    const char *rest = (const char *)data + 3;
    size_t restn = size - 3;
    const char *nul = memchr(rest, '\0', restn);
    size_t namen = nul ? (size_t)(nul - rest) : 0;
    char *name = malloc(namen + 1);
    size_t valn = nul ? restn - namen - 1 : restn;
    char *val = malloc(valn + 1);
    if (!name || !val)
        goto out;
    memcpy(name, rest, namen);
    name[namen] = '\0';
    memcpy(val, nul ? nul + 1 : rest, valn);
    val[valn] = '\0';

    kz_extracted e;
    memset(&e, 0, sizeof e);
    e.type = (kz_type)(1 + data[1] % (KZ_T_COUNT_ - 1));
    e.value = val;
    e.value_len = valn;
    e.raw = val;
    e.raw_len = valn;
    e.line = data[2];
    e.column = 1;
    e.port = (uint16_t)(data[2] << 4);
    e.cls = (data[2] & 1) ? KZ_CLASS_REFERENCE : KZ_CLASS_INDICATOR;
    e.why = e.cls == KZ_CLASS_REFERENCE ? "fuzz" : NULL;

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        goto out;
    kz_ioc_writer *w = NULL;
    unsigned rows = 0;
    int ok = kz_ioc_writer_new(NULL, &o, f, &w) == KZ_OK;
    for (int i = 0; ok && i < 2; i++) /* twice: STIX drops the repeat */
        if ((ok = kz_ioc_writer_put(w, name, &e) == KZ_OK))
            rows++;
    ok = kz_ioc_writer_finish(w) == KZ_OK && ok;
    kz_ioc_writer_free(w);
    fclose(f);
    if (ok)
        check(o.format, (const unsigned char *)buf, len, rows);
    free(buf);
out:
    free(name);
    free(val);
    return 0;
}
