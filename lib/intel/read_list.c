/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kz_read_list: one indicator per line (plain block lists, Maltrail
 * trails, hosts files). Comment lines ('#' or ';') are kept: the last
 * block of them becomes the comment of the values that follow, and a
 * "# Aliases: a, b" line names the threat of the whole file. Lines are
 * read in large blocks; memory is bounded by LIST_MAX_LINE.
 */
#include <string.h>

#include "core/core_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

/* Longest line: a value is at most KZ_MAX_VALUE; a longer line is a
 * comment or not a list at all. The buffer never grows past this. */
#define LIST_MAX_LINE (1u << 20)
#define LIST_BLOCK (256u << 10)
/* The comment block kept for the following values (longer is cut). */
#define LIST_MAX_COMMENT 4096
/* Names on an "Aliases:" line. */
#define LIST_MAX_ALIASES 32
#define LIST_ALIAS_BYTES 1024

typedef struct lr {
    kz_ctx *ctx;
    FILE *f;
    const char *name;
    char *buf; /* cap + 1 bytes */
    size_t cap, len, pos;
    int eof;
    uint64_t line; /* number of the line at pos */
    char comment[LIST_MAX_COMMENT];
    size_t comment_n;
    int in_block; /* the previous line was a comment */
    int maltrail; /* a Maltrail trail: "/path" values are URL paths */
    char alias_buf[LIST_ALIAS_BYTES];
    const char *aliases[LIST_MAX_ALIASES];
    size_t naliases;
    char url[KZ_MAX_VALUE + 16];
} lr;

/* The next line (without its end) in *s / *n; 1, 0 at the end, or an
 * error status. */
static int next_line(lr *r, const char **s, size_t *n)
{
    for (;;) {
        const char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        if (nl || (r->eof && r->pos < r->len)) {
            size_t e = nl ? (size_t)(nl - r->buf) : r->len;
            *s = r->buf + r->pos;
            *n = e - r->pos;
            r->pos = nl ? e + 1 : e;
            return 1;
        }
        if (r->eof)
            return 0;
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->len == r->cap) {
            if (r->cap >= LIST_MAX_LINE)
                return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                                 "%s:%llu: line longer than %u bytes", r->name,
                                 (unsigned long long)r->line,
                                 (unsigned)LIST_MAX_LINE);
            size_t ncap = r->cap * 2;
            char *nb = kz_realloc(r->buf, ncap + 1);
            if (!nb)
                return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory",
                                 r->name);
            r->buf = nb;
            r->cap = ncap;
        }
        size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
        if (got == 0) {
            if (ferror(r->f))
                return kz_seterr(r->ctx, KZ_ERR_IO, "%s:%llu: read error",
                                 r->name, (unsigned long long)r->line);
            r->eof = 1;
        }
        r->len += got;
        r->buf[r->len] = '\0';
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A comment line: joins the current block, or starts a new one. */
static void add_comment(lr *r, const char *s, size_t n)
{
    while (n > 0 && (*s == '#' || *s == ';'))
        s++, n--;
    while (n > 0 && is_space(*s))
        s++, n--;
    if (!r->in_block)
        r->comment_n = 0;
    r->in_block = 1;
    if (n == 0)
        return;
    size_t room = sizeof r->comment - 1 - r->comment_n;
    if (r->comment_n > 0 && room > 0) {
        r->comment[r->comment_n++] = '\n';
        room--;
    }
    if (n > room)
        n = room;
    memcpy(r->comment + r->comment_n, s, n);
    r->comment_n += n;
    r->comment[r->comment_n] = '\0';
}

/* "Aliases: qakbot, qbot, pikabot" (Maltrail): the file's threat. */
static kz_status take_aliases(lr *r, const kz_intel_sink *sink, const char *s,
                              size_t n)
{
    while (n > 0 && (*s == '#' || *s == ';' || is_space(*s)))
        s++, n--;
    if (!kz_starts_ci(s, n, "aliases:"))
        return KZ_OK;
    s += 8;
    n -= 8;
    if (n >= sizeof r->alias_buf)
        n = sizeof r->alias_buf - 1;
    memcpy(r->alias_buf, s, n);
    r->alias_buf[n] = '\0';
    r->naliases = 0;
    char *p = r->alias_buf;
    while (*p && r->naliases < LIST_MAX_ALIASES) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        char *a = p;
        while (is_space(*a))
            a++;
        size_t al = strlen(a);
        while (al > 0 && is_space(a[al - 1]))
            a[--al] = '\0';
        if (al > 0)
            r->aliases[r->naliases++] = a;
        if (!e)
            break;
        p = e + 1;
    }
    if (r->naliases == 0 || !sink->threat)
        return KZ_OK;
    kz_intel_threat th = {0};
    th.name = r->aliases[0];
    th.aliases = r->aliases + 1;
    th.naliases = r->naliases - 1;
    return sink->threat(sink->ud, &th);
}

/* "host/path" and "host:port/path" without a scheme (Maltrail trails):
 * a URL when its host part is a host name or an IPv4 address. */
static int host_path(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    if (!slash || slash == s)
        return 0;
    size_t hn = (size_t)(slash - s);
    const char *colon = memchr(s, ':', hn);
    if (colon)
        hn = (size_t)(colon - s);
    uint8_t a[4];
    if (kz_norm_ipv4(s, hn, a, NULL) == KZ_OK)
        return 1;
    /* not kz_guess_type: "kramo.pl" is a host here, not a Perl file */
    char dom[KZ_MAX_DOMAIN + 1];
    size_t dn;
    return kz_norm_domain(s, hn, dom, sizeof dom, &dn) == KZ_OK &&
           kz_domain_has_public_suffix(dom, dn);
}

kz_status kz_read_list(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink)
{
    kz_status rc = KZ_OK;
    lr *r = NULL;
    const char *name = o && o->name ? o->name : "-";
    if (!f || !sink) {
        rc = kz_seterr(ctx, KZ_ERR_INVALID, "%s: list: no input or sink", name);
        goto out;
    }
    r = kz_calloc(1, sizeof *r);
    if (r)
        r->buf = kz_malloc(LIST_BLOCK + 1);
    if (!r || !r->buf) {
        rc = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    r->ctx = ctx;
    r->f = f;
    r->name = name;
    r->cap = LIST_BLOCK;
    r->line = 1;
    kz_type forced = o ? o->type : KZ_T_NONE;
    if ((unsigned)forced >= KZ_T_COUNT_) {
        rc = kz_seterr(ctx, KZ_ERR_INVALID, "%s: list: invalid type", name);
        goto out;
    }

    const char *s = NULL;
    size_t n = 0;
    int got;
    for (; (got = next_line(r, &s, &n)) == 1; r->line++) {
        if (r->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
            s += 3, n -= 3;
        while (n > 0 && is_space(*s))
            s++, n--;
        while (n > 0 && is_space(s[n - 1]))
            n--;
        if (n == 0) {
            r->in_block = 0;
            continue;
        }
        if (*s == '#' || *s == ';') {
            add_comment(r, s, n);
            for (size_t i = 0; r->line <= 3 && !r->maltrail && i < n; i++)
                r->maltrail = kz_starts_ci(s + i, n - i, "maltrail");
            if ((rc = take_aliases(r, sink, s, n)) != KZ_OK)
                goto out;
            continue;
        }
        r->in_block = 0;
        if (memchr(s, '\0', n)) {
            rc = kz_seterr(ctx, KZ_ERR_PARSE, "%s:%llu:%zu: NUL byte", name,
                           (unsigned long long)r->line,
                           (size_t)((const char *)memchr(s, '\0', n) - s) + 1);
            goto out;
        }
        /* a trailing comment after white space: "1.2.3.4  # C2" */
        for (size_t i = 1; i < n; i++)
            if ((s[i] == '#' || s[i] == ';') && is_space(s[i - 1])) {
                n = i;
                break;
            }
        while (n > 0 && is_space(s[n - 1]))
            n--;
        /* hosts-file lines: "0.0.0.0 evil.example" */
        if (!forced && n > 8 &&
            (kz_starts_ci(s, n, "0.0.0.0 ") ||
             kz_starts_ci(s, n, "0.0.0.0\t") ||
             kz_starts_ci(s, n, "127.0.0.1 ") ||
             kz_starts_ci(s, n, "127.0.0.1\t"))) {
            size_t k = 0;
            while (k < n && !is_space(s[k]))
                k++;
            while (k < n && is_space(s[k]))
                k++;
            s += k;
            n -= k;
        }
        kz_intel_ioc io = {0};
        io.confidence = -1;
        io.to_ids = -1;
        io.score = -1;
        io.line = r->line;
        io.comment = r->comment_n ? r->comment : NULL;
        io.threats = r->naliases ? r->aliases : NULL;
        io.nthreats = r->naliases ? 1 : 0;
        io.value = s;
        io.value_len = n;
        if (n > KZ_MAX_VALUE) {
            if (sink->unsupported)
                sink->unsupported(sink->ud, "list value too long", r->line);
            continue;
        }
        if (!forced && r->maltrail && s[0] == '/') {
            /* Maltrail's generic trails match HTTP request paths on any
             * host: nothing kizashi can hunt for by itself */
            if (sink->unsupported)
                sink->unsupported(sink->ud, "list URL path without host",
                                  r->line);
            continue;
        }
        io.type = forced ? forced : kz_guess_type(s, n);
        if (io.type == KZ_T_NONE && host_path(s, n)) {
            memcpy(r->url, "http://", 7);
            memcpy(r->url + 7, s, n);
            r->url[7 + n] = '\0';
            io.type = KZ_T_URL;
            io.value = r->url;
            io.value_len = n + 7;
        }
        if (io.type == KZ_T_NONE) {
            if (sink->unsupported)
                sink->unsupported(sink->ud, "list value of unknown type",
                                  r->line);
            continue;
        }
        /* values are handed NUL-terminated: the line end is in the buffer
         * (or the sentinel), and the cut is after the value */
        if (io.value == s)
            ((char *)s)[n] = '\0';
        if (sink->ioc && (rc = sink->ioc(sink->ud, &io)) != KZ_OK)
            goto out;
    }
    if (got < 0)
        rc = (kz_status)got;
out:
    if (r)
        kz_free(r->buf);
    kz_free(r);
    return rc;
}
