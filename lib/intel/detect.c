/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which reader an input needs, from its name and first bytes. Structured
 * formats announce themselves (JSON keys, XML roots, YAML keys, CSV
 * headers); what announces nothing is an advisory in prose.
 */
#define _GNU_SOURCE
#include <string.h>
#include <strings.h>

#include "kizashi/intel.h"

/* Every format: its name and its reader (NULL: no stream reader). */
static const struct {
    const char *name;
    kz_read_fn read;
} formats[KZ_FMT_COUNT_] = {
    [KZ_FMT_AUTO] = {"auto", NULL},
    [KZ_FMT_TEXT] = {"text", kz_read_text},
    [KZ_FMT_STIX] = {"stix", kz_read_stix},
    [KZ_FMT_MISP] = {"misp", kz_read_misp},
    [KZ_FMT_MISP_FEED] = {"misp-feed", NULL},
    [KZ_FMT_CSV] = {"csv", kz_read_csv},
    [KZ_FMT_LIST] = {"list", kz_read_list},
    [KZ_FMT_LOKI] = {"loki", kz_read_loki},
    [KZ_FMT_OPENIOC] = {"openioc", kz_read_openioc},
    [KZ_FMT_LOLDRIVERS] = {"loldrivers", kz_read_loldrivers},
    [KZ_FMT_WARNINGLIST] = {"warninglist", kz_read_warninglist},
};

kz_read_fn kz_intel_reader(kz_intel_format f)
{
    return f >= 0 && f < KZ_FMT_COUNT_ ? formats[f].read : NULL;
}

const char *kz_intel_format_name(kz_intel_format f)
{
    return f >= 0 && f < KZ_FMT_COUNT_ ? formats[f].name : "auto";
}

kz_intel_format kz_intel_format_from_name(const char *s)
{
    if (!s)
        return KZ_FMT_AUTO;
    for (int i = 1; i < KZ_FMT_COUNT_; i++)
        if (strcasecmp(s, formats[i].name) == 0)
            return (kz_intel_format)i;
    if (strcasecmp(s, "stix2") == 0 || strcasecmp(s, "stix21") == 0)
        return KZ_FMT_STIX;
    if (strcasecmp(s, "plain") == 0 || strcasecmp(s, "txt") == 0 ||
        strcasecmp(s, "html") == 0 || strcasecmp(s, "markdown") == 0)
        return KZ_FMT_TEXT;
    if (strcasecmp(s, "ioc") == 0)
        return KZ_FMT_OPENIOC;
    return KZ_FMT_AUTO;
}

static int has(const char *h, size_t n, const char *needle)
{
    return memmem(h, n, needle, strlen(needle)) != NULL;
}

static int ends_with(const char *name, const char *suf)
{
    size_t a = strlen(name), b = strlen(suf);
    return a >= b && strcasecmp(name + a - b, suf) == 0;
}

/* The next line of head from *i: [*a, *b). 0 at the end. */
static int next_line(const char *h, size_t n, size_t *i, size_t *a, size_t *b)
{
    if (*i >= n)
        return 0;
    *a = *i;
    const char *nl = memchr(h + *i, '\n', n - *i);
    *b = nl ? (size_t)(nl - h) : n;
    *i = *b + 1;
    if (*b > *a && h[*b - 1] == '\r')
        (*b)--;
    return 1;
}

/* Loki IoC lines: "HASH;comment", "value;comment", "regex;score". */
static int loki_like(const char *h, size_t n)
{
    size_t i = 0, a, b, data = 0, semi = 0;
    while (next_line(h, n, &i, &a, &b) && data < 40) {
        if (b == a || h[a] == '#')
            continue;
        if (i >= n && !memchr(h + a, '\n', n - a) && n == 65536)
            break; /* a cut last line */
        data++;
        const char *s = memchr(h + a, ';', b - a);
        if (s && !memchr(h + a, ',', (size_t)(s - h) - a) &&
            !memchr(h + a, ' ', (size_t)(s - h) - a))
            semi++;
    }
    return data >= 2 && semi * 10 >= data * 9;
}

/* One value per line (a few comments allowed). */
static int list_like(const char *h, size_t n)
{
    size_t i = 0, a, b, data = 0, ok = 0;
    while (next_line(h, n, &i, &a, &b) && data < 40) {
        while (a < b && (h[a] == ' ' || h[a] == '\t'))
            a++;
        while (b > a && (h[b - 1] == ' ' || h[b - 1] == '\t'))
            b--;
        if (b == a || h[a] == '#' || h[a] == ';')
            continue;
        if (i >= n && n == 65536)
            break;
        data++;
        size_t e = a;
        while (e < b && h[e] != ' ' && h[e] != '\t')
            e++;
        /* A trailing "# comment" is allowed. */
        size_t r = e;
        while (r < b && (h[r] == ' ' || h[r] == '\t'))
            r++;
        if ((r == b || h[r] == '#') && kz_guess_type(h + a, e - a) != KZ_T_NONE)
            ok++;
    }
    return data >= 1 && ok * 10 >= data * 8;
}

/* Comma- or tab-separated records of a steady width. */
static int csv_like(const char *h, size_t n, const char *name)
{
    if (ends_with(name, ".csv") || ends_with(name, ".tsv"))
        return 1;
    size_t i = 0, a, b, rows = 0, width = 0, steady = 0;
    while (next_line(h, n, &i, &a, &b) && rows < 20) {
        if (b == a || h[a] == '#')
            continue;
        size_t c = 0;
        for (size_t k = a; k < b; k++)
            c += h[k] == ',' || h[k] == '\t';
        if (rows == 0)
            width = c;
        else if (c == width)
            steady++;
        rows++;
    }
    return width >= 1 && rows >= 2 && steady + 1 == rows;
}

kz_intel_format kz_intel_detect(const char *name, const void *head, size_t n)
{
    const char *h = head;
    if (!name)
        name = "";
    if (!h)
        n = 0;
    size_t i = 0;
    if (n >= 3 && memcmp(h, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n &&
           (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    const char *p = h + i;
    size_t m = n - i;
    if (m > 0 && (p[0] == '{' || p[0] == '[')) {
        if (has(p, m, "\"matching_attributes\""))
            return KZ_FMT_WARNINGLIST;
        if (has(p, m, "\"Event\"") || has(p, m, "\"Attribute\""))
            return KZ_FMT_MISP;
        if (has(p, m, "\"KnownVulnerableSamples\""))
            return KZ_FMT_LOLDRIVERS;
        if (has(p, m, "\"spec_version\"") || has(p, m, "\"objects\"") ||
            has(p, m, "\"bundle\""))
            return KZ_FMT_STIX;
        if (has(p, m, "\"list\"") && has(p, m, "\"type\"") &&
            has(p, m, "\"name\""))
            return KZ_FMT_WARNINGLIST;
        return KZ_FMT_TEXT;
    }
    if (m > 0 && p[0] == '<') {
        if (has(p, m, "schemas.mandiant.com/2010/ioc") ||
            has(p, m, "openioc.org/schemas") || has(p, m, "<ioc ") ||
            has(p, m, "<OpenIOC"))
            return KZ_FMT_OPENIOC;
        return KZ_FMT_TEXT;
    }
    if (ends_with(name, ".ioc"))
        return KZ_FMT_OPENIOC;
    if (ends_with(name, ".md") || ends_with(name, ".html") ||
        ends_with(name, ".htm") || ends_with(name, ".adoc"))
        return KZ_FMT_TEXT;
    if (has(p, m, "KnownVulnerableSamples"))
        return KZ_FMT_LOLDRIVERS;
    /* Maltrail's static trails say so in their first comment. */
    if (m > 2 && p[0] == '#' && has(p, m < 512 ? m : 512, "Maltrail"))
        return KZ_FMT_LIST;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strstr(base, "hash-iocs") || strstr(base, "c2-iocs") ||
        strstr(base, "filename-iocs") || strstr(base, "keywords") ||
        loki_like(p, m))
        return KZ_FMT_LOKI;
    if (list_like(p, m))
        return KZ_FMT_LIST;
    if (csv_like(p, m, name))
        return KZ_FMT_CSV;
    return KZ_FMT_TEXT;
}
