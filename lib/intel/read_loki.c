/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loki / signature-base IoC files: hash-iocs ("HASH;COMMENT"), c2-iocs
 * ("VALUE[;COMMENT]"), filename-iocs ("REGEX;SCORE[;FP_REGEX]") and
 * keywords (one string a line). The flavour is decided from the first
 * record lines, which are kept in a bounded head buffer and then read like
 * the rest of the stream; memory is bounded by LOKI_MAX_LINE and
 * LOKI_SNIFF_BYTES whatever the input size. A '#' comment block gives the
 * records that follow it their comment until a blank line.
 */
#include <stdio.h>
#include <string.h>

#include "core/core_int.h"
#include "intel/extract_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

/* signature-base lines are below 1 KiB (the longest are regexes); a
 * longer line is not a Loki record. */
#define LOKI_MAX_LINE (64u * 1024u)
/* The flavour is decided from the record lines in the first bytes. */
#define LOKI_SNIFF_BYTES (256u * 1024u)
#define LOKI_SNIFF_RECORDS 256
/* Text of a comment block kept as the comment of the records below it;
 * longer blocks (file headers, licences) are cut. */
#define LOKI_MAX_CONTEXT 1024

typedef enum flavour { F_HASH, F_C2, F_FILENAME, F_KEYWORD } flavour;

typedef struct reader {
    kz_ctx *ctx;
    const char *name;
    const kz_intel_sink *sink;
    FILE *f;
    char *head; /* the first bytes, read before deciding the flavour */
    size_t head_n, head_pos;
    char *line; /* LOKI_MAX_LINE + 1 bytes */
    char *lit;  /* the literal of a filename regex, as large */
    size_t line_n;
    uint64_t line_no;
    char context[LOKI_MAX_CONTEXT + 1];
    size_t context_n;
    int context_open; /* the last line was a comment: join the next one */
} reader;

static void unsupported(reader *r, const char *what, uint64_t line)
{
    if (r->sink->unsupported)
        r->sink->unsupported(r->sink->ud, what, line);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\v';
}

/* Trims white space at both ends of s[*b..*e). */
static void trim(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && is_blank(s[*b]))
        (*b)++;
    while (*e > *b && is_blank(s[*e - 1]))
        (*e)--;
}

/* An optionally signed decimal integer, clamped to +-1000000. */
static int parse_int(const char *s, size_t n, int *out)
{
    size_t i = 0;
    int neg = 0;
    long v = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return 0;
    for (; i < n; i++) {
        if (!kz_is_digit((unsigned char)s[i]))
            return 0;
        if (v < 1000000)
            v = v * 10 + (s[i] - '0');
    }
    *out = (int)(neg ? -v : v);
    return 1;
}

/* ---- lines --------------------------------------------------------------- */

static int next_byte(reader *r)
{
    if (r->head_pos < r->head_n)
        return (unsigned char)r->head[r->head_pos++];
    return getc(r->f);
}

/* The next line (without its end of line) into r->line; 0 at the end of
 * the input, 1 for a line, or a negative status. */
static int next_line(reader *r)
{
    int c = next_byte(r);
    if (c == EOF)
        return ferror(r->f)
                   ? kz_seterr(r->ctx, KZ_ERR_IO, "%s: read error", r->name)
                   : 0;
    r->line_n = 0;
    r->line_no++;
    for (; c != EOF && c != '\n'; c = next_byte(r)) {
        if (r->line_n == LOKI_MAX_LINE)
            return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                             "%s:%llu:%u: line longer than %u bytes", r->name,
                             (unsigned long long)r->line_no, LOKI_MAX_LINE + 1,
                             LOKI_MAX_LINE);
        r->line[r->line_n++] = (char)c;
    }
    if (c == EOF && ferror(r->f))
        return kz_seterr(r->ctx, KZ_ERR_IO, "%s: read error", r->name);
    r->line[r->line_n] = '\0';
    /* A UTF-8 byte order mark before the first line. */
    if (r->line_no == 1 && r->line_n >= 3 &&
        memcmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
        memmove(r->line, r->line + 3, r->line_n - 2);
        r->line_n -= 3;
    }
    return 1;
}

/* ---- flavour ------------------------------------------------------------- */

static flavour classify(const char *s, size_t n)
{
    const char *semi = memchr(s, ';', n);
    size_t b = 0, e = semi ? (size_t)(semi - s) : n;
    trim(s, &b, &e);
    if (kz_scan_digest_type(s + b, e - b) != KZ_T_NONE)
        return F_HASH;
    if (semi) {
        size_t sb = (size_t)(semi - s) + 1;
        const char *semi2 = memchr(s + sb, ';', n - sb);
        size_t se = semi2 ? (size_t)(semi2 - s) : n;
        trim(s, &sb, &se);
        int score;
        if (parse_int(s + sb, se - sb, &score))
            return F_FILENAME;
    }
    switch (kz_guess_type(s + b, e - b)) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
    case KZ_T_CIDR:
    case KZ_T_DOMAIN:
    case KZ_T_URL:
        return F_C2;
    default:
        return F_KEYWORD;
    }
}

/* Decides the flavour from the record lines among the first bytes: the
 * first of hash, filename, c2 that holds at least half of them; keywords
 * otherwise. A partial last line is not looked at. */
static flavour sniff(const char *h, size_t n)
{
    size_t count[4] = {0, 0, 0, 0}, records = 0;
    size_t i = 0;
    while (i < n && records < LOKI_SNIFF_RECORDS) {
        const char *nl = memchr(h + i, '\n', n - i);
        if (!nl && records > 0)
            break;
        size_t e = nl ? (size_t)(nl - h) : n, b = i;
        i = e + 1;
        trim(h, &b, &e);
        if (b == e || h[b] == '#')
            continue;
        count[classify(h + b, e - b)]++;
        records++;
    }
    if (records == 0)
        return F_KEYWORD;
    if (count[F_HASH] * 2 >= records)
        return F_HASH;
    if (count[F_FILENAME] * 2 >= records)
        return F_FILENAME;
    if (count[F_C2] * 2 >= records)
        return F_C2;
    return F_KEYWORD;
}

/* ---- comment context ----------------------------------------------------- */

/* Adds a comment line to the block; lines without a letter or digit
 * ("#", "# ----") are decoration. */
static void add_context(reader *r, const char *s, size_t n)
{
    size_t b = 0, e = n;
    while (b < e && (s[b] == '#' || is_blank(s[b])))
        b++;
    trim(s, &b, &e);
    int text = 0;
    for (size_t i = b; i < e && !text; i++)
        text = kz_is_alnum((unsigned char)s[i]);
    if (!r->context_open)
        r->context_n = 0;
    r->context_open = 1;
    if (!text)
        return;
    if (r->context_n > 0 && r->context_n + 2 < LOKI_MAX_CONTEXT) {
        memcpy(r->context + r->context_n, "; ", 2);
        r->context_n += 2;
    }
    size_t room = LOKI_MAX_CONTEXT - r->context_n;
    size_t m = e - b < room ? e - b : room;
    memcpy(r->context + r->context_n, s + b, m);
    r->context_n += m;
    r->context[r->context_n] = '\0';
}

static const char *context(const reader *r)
{
    return r->context_n ? r->context : NULL;
}

/* ---- filename regexes ---------------------------------------------------- */

/* When the regex re matches one literal text (escapes undone, "(?i)", "^"
 * and "$" anchors dropped, an unescaped '.' read as the dot it nearly
 * always means), writes it to out (cap >= n + 1) and returns 1; 0 for any
 * other regex. */
static int regex_literal(const char *re, size_t n, char *out, size_t *outlen)
{
    size_t i = 0, k = 0;
    if (n >= 4 && memcmp(re, "(?i)", 4) == 0)
        i = 4;
    if (i < n && re[i] == '^')
        i++;
    size_t end = n;
    if (end > i && re[end - 1] == '$') {
        size_t bs = 0;
        while (end - 1 - bs > i && re[end - 2 - bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            end--;
    }
    while (i < end) {
        char c = re[i];
        if (c == '\\') {
            if (i + 1 >= end)
                return 0;
            unsigned char d = (unsigned char)re[i + 1];
            if (kz_is_alnum(d) || d < 0x20 || d >= 0x7F)
                return 0; /* \d \w \s \b \x41 ...: a class, not a char */
            out[k++] = (char)d;
            i += 2;
            continue;
        }
        if (strchr("*+?()[]{}|^$", c) || (unsigned char)c < 0x20)
            return 0;
        out[k++] = c;
        i++;
    }
    out[k] = '\0';
    *outlen = k;
    return k > 0;
}

/* ---- records ------------------------------------------------------------- */

static kz_status emit(reader *r, kz_type t, const char *v, size_t n,
                      const char *comment, int score)
{
    kz_intel_ioc i;
    memset(&i, 0, sizeof i);
    i.type = t;
    i.value = v;
    i.value_len = n;
    i.confidence = -1;
    i.to_ids = -1;
    i.score = score;
    i.comment = comment;
    i.line = r->line_no;
    return r->sink->ioc ? r->sink->ioc(r->sink->ud, &i) : KZ_OK;
}

/* Splits the line at its first ';': value s[*vb..*ve), rest s[*rb..*re)
 * (empty when there is no ';'), both trimmed. */
static void split(const char *s, size_t n, size_t *vb, size_t *ve, size_t *rb,
                  size_t *re)
{
    const char *semi = memchr(s, ';', n);
    *vb = 0;
    *ve = semi ? (size_t)(semi - s) : n;
    *rb = semi ? (size_t)(semi - s) + 1 : n;
    *re = n;
    trim(s, vb, ve);
    trim(s, rb, re);
}

static kz_status do_hash(reader *r, char *s, size_t n)
{
    size_t vb, ve, rb, re;
    split(s, n, &vb, &ve, &rb, &re);
    kz_type t = kz_scan_digest_type(s + vb, ve - vb);
    if (t == KZ_T_NONE)
        return kz_seterr(r->ctx, KZ_ERR_PARSE,
                         "%s:%llu:%llu: not an MD5, SHA-1, SHA-256 or "
                         "SHA-512 digest",
                         r->name, (unsigned long long)r->line_no,
                         (unsigned long long)vb + 1);
    s[ve] = '\0';
    s[re] = '\0';
    return emit(r, t, s + vb, ve - vb, rb < re ? s + rb : context(r), -1);
}

static kz_status do_c2(reader *r, char *s, size_t n)
{
    size_t vb, ve, rb, re;
    split(s, n, &vb, &ve, &rb, &re);
    kz_type t = kz_guess_type(s + vb, ve - vb);
    char buf[KZ_MAX_VALUE + 1];
    size_t len;
    switch (t) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
    case KZ_T_CIDR:
    case KZ_T_DOMAIN:
    case KZ_T_URL:
    case KZ_T_EMAIL:
        break;
    default:
        /* A host under a suffix the Public Suffix List does not know
         * (".bit", an internal name) is still a host. */
        if (kz_norm_domain(s + vb, ve - vb, buf, sizeof buf, &len) == KZ_OK) {
            t = KZ_T_DOMAIN;
            break;
        }
        unsupported(r, "loki c2 value of unknown type", r->line_no);
        return KZ_OK;
    }
    s[ve] = '\0';
    s[re] = '\0';
    return emit(r, t, s + vb, ve - vb, rb < re ? s + rb : context(r), -1);
}

static kz_status do_filename(reader *r, char *s, size_t n)
{
    const char *semi = memchr(s, ';', n);
    if (!semi)
        return kz_seterr(r->ctx, KZ_ERR_PARSE,
                         "%s:%llu:%zu: expected REGEX;SCORE", r->name,
                         (unsigned long long)r->line_no, n + 1);
    size_t vb = 0, ve = (size_t)(semi - s);
    size_t sb = ve + 1;
    const char *semi2 = memchr(s + sb, ';', n - sb);
    size_t se = semi2 ? (size_t)(semi2 - s) : n;
    size_t fb = se + 1 < n ? se + 1 : n, fe = n;
    trim(s, &vb, &ve);
    size_t sb0 = sb;
    trim(s, &sb, &se);
    trim(s, &fb, &fe);
    int score;
    if (!parse_int(s + sb, se - sb, &score))
        return kz_seterr(r->ctx, KZ_ERR_PARSE,
                         "%s:%llu:%zu: score is not an integer", r->name,
                         (unsigned long long)r->line_no, sb0 + 1);
    if (score <= 0) {
        /* Loki subtracts these: a known-good pattern, not an indicator. */
        unsupported(r, "loki filename non-positive score", r->line_no);
        return KZ_OK;
    }
    if (score > 100)
        score = 100;
    char *lit = r->lit;
    size_t ln = 0;
    if (ve == vb || !regex_literal(s + vb, ve - vb, lit, &ln)) {
        unsupported(r, "loki filename regex", r->line_no);
        return KZ_OK;
    }
    /* "\name.ext" (a separator before the name only) is a file name;
     * anything with an inner separator a path (relative ones mean "ends
     * with"); a name without a separator must look like one. */
    const char *v = lit;
    size_t vn = ln;
    kz_type t = KZ_T_FILEPATH;
    char last = lit[ln - 1];
    if (last == '\\' || last == '/') {
        unsupported(r, "loki filename regex", r->line_no);
        return KZ_OK;
    }
    size_t first = (lit[0] == '\\' || lit[0] == '/') ? 1 : 0;
    if (!memchr(lit + first, '\\', ln - first) &&
        !memchr(lit + first, '/', ln - first)) {
        v = lit + first;
        vn = ln - first;
        t = KZ_T_FILENAME;
        const char *dot = memchr(v, '.', vn);
        if (!first && (!dot || dot == v || dot == v + vn - 1)) {
            unsupported(r, "loki filename regex", r->line_no);
            return KZ_OK;
        }
    }
    if (fb < fe)
        unsupported(r, "loki false-positive regex", r->line_no);
    return emit(r, t, v, vn, context(r), score);
}

static kz_status do_keyword(reader *r, char *s, size_t n)
{
    size_t b = 0, e = n;
    trim(s, &b, &e);
    s[e] = '\0';
    return emit(r, KZ_T_STRING, s + b, e - b, context(r), -1);
}

kz_status kz_read_loki(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink)
{
    if (!f || !sink)
        return kz_seterr(ctx, KZ_ERR_INVALID, "kz_read_loki: NULL argument");
    reader *r = kz_calloc(1, sizeof *r);
    if (!r)
        return KZ_ERR_NOMEM;
    kz_status rc = KZ_OK;
    r->ctx = ctx;
    r->name = o && o->name ? o->name : "-";
    r->sink = sink;
    r->f = f;
    r->head = kz_malloc(LOKI_SNIFF_BYTES);
    r->line = kz_malloc(LOKI_MAX_LINE + 1);
    r->lit = kz_malloc(LOKI_MAX_LINE + 1);
    if (!r->head || !r->line || !r->lit) {
        rc = KZ_ERR_NOMEM;
        goto out;
    }
    r->head_n = fread(r->head, 1, LOKI_SNIFF_BYTES, f);
    if (r->head_n < LOKI_SNIFF_BYTES && ferror(f)) {
        rc = kz_seterr(ctx, KZ_ERR_IO, "%s: read error", r->name);
        goto out;
    }
    size_t bom = r->head_n >= 3 && memcmp(r->head, "\xEF\xBB\xBF", 3) == 0;
    flavour fl = sniff(r->head + 3 * bom, r->head_n - 3 * bom);

    int got = 0;
    while (rc == KZ_OK && (got = next_line(r)) == 1) {
        char *s = r->line;
        size_t n = r->line_n, b = 0, e = n;
        trim(s, &b, &e);
        if (memchr(s, '\0', n)) {
            rc = kz_seterr(ctx, KZ_ERR_PARSE, "%s:%llu:%zu: NUL byte", r->name,
                           (unsigned long long)r->line_no,
                           (size_t)((char *)memchr(s, '\0', n) - s) + 1);
            break;
        }
        if (b == e) { /* a blank line ends the comment's reach */
            r->context_n = 0;
            r->context_open = 0;
            continue;
        }
        if (s[b] == '#') {
            add_context(r, s + b, e - b);
            continue;
        }
        r->context_open = 0;
        switch (fl) {
        case F_HASH:
            rc = do_hash(r, s, n);
            break;
        case F_C2:
            rc = do_c2(r, s, n);
            break;
        case F_FILENAME:
            rc = do_filename(r, s, n);
            break;
        case F_KEYWORD:
            rc = do_keyword(r, s, n);
            break;
        }
    }
    if (rc == KZ_OK && got < 0)
        rc = (kz_status)got;
out:
    kz_free(r->head);
    kz_free(r->line);
    kz_free(r->lit);
    kz_free(r);
    return rc;
}
