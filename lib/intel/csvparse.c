/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CSV tokenizer (csvparse.h). Input is read in KZ_CSV_BLOCK blocks into
 * one buffer that always holds the whole record being split (it grows up
 * to KZ_CSV_MAX_RECORD). A record without quotes is split in place (NULs
 * written over its delimiters), so the common case copies nothing; a
 * record with quotes is unquoted into a second buffer. Invariant:
 * buf[len] is a NUL sentinel, so the scanning loops need no bounds test.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "intel/csvparse.h"

/* A comment line is remembered up to this length (it is only looked at
 * for a commented header line, which is far shorter). */
#define COMMENT_MAX (64u << 10)
/* Bytes past buf[len] that the word-at-a-time scan may read (zeroed). */
#define PAD 8

struct kz_csv {
    kz_ctx *ctx;
    FILE *f; /* NULL for memory input */
    char name[256];
    int delim;
    int skip_comments;
    int err;     /* sticky error status; 0: none */
    int eof;     /* nothing more to read */
    int started; /* byte order mark and delimiter handled */
    char *buf;   /* cap + 1 bytes; buf[len] == '\0' */
    size_t cap, len, pos;
    uint64_t line; /* line of buf[pos] */
    char *rec;     /* unquoted fields of a quoted record */
    size_t rec_cap;
    size_t *offs, *lens; /* per field: offset in its buffer, length */
    const char **fields;
    size_t fcap;
    char *cbuf; /* the last comment line */
    size_t cbuf_cap, comment_n;
    int have_comment;
    unsigned char cls[256]; /* 1: a byte the fast scan stops at */
};

/* ---- errors ---------------------------------------------------------------
 */

/* 1-based column in characters of byte r of the record at buf[pos]. */
static uint64_t column_of(const kz_csv *c, size_t r)
{
    const char *b = c->buf + c->pos;
    size_t s = r;
    while (s > 0 && b[s - 1] != '\n')
        s--;
    uint64_t col = 1;
    for (size_t i = s; i < r; i++)
        if (((unsigned char)b[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static int fail(kz_csv *c, kz_status st, uint64_t line, uint64_t col,
                const char *what)
{
    if (col)
        kz_seterr(c->ctx, st, "%s:%llu:%llu: %s", c->name,
                  (unsigned long long)line, (unsigned long long)col, what);
    else
        kz_seterr(c->ctx, st, "%s:%llu: %s", c->name, (unsigned long long)line,
                  what);
    c->err = st;
    return st;
}

static int fail_nomem(kz_csv *c)
{
    c->err = kz_seterr(c->ctx, KZ_ERR_NOMEM, "%s: out of memory", c->name);
    return c->err;
}

/* ---- reading --------------------------------------------------------------
 */

/* Moves the unread bytes (from pos) to the front, grows the buffer when
 * they fill it, and reads more. 1: bytes were added; 0: end of input (eof
 * set); negative: an error (set). Offsets relative to pos stay valid. */
static int refill(kz_csv *c)
{
    if (c->eof)
        return 0;
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    if (c->len == c->cap) {
        if (c->cap >= KZ_CSV_MAX_RECORD) {
            char msg[64];
            snprintf(msg, sizeof msg, "record longer than %u bytes",
                     (unsigned)KZ_CSV_MAX_RECORD);
            return fail(c, KZ_ERR_LIMIT, c->line, 0, msg);
        }
        size_t ncap = c->cap * 2;
        if (ncap > KZ_CSV_MAX_RECORD)
            ncap = KZ_CSV_MAX_RECORD;
        char *nb = kz_realloc(c->buf, ncap + 1 + PAD);
        if (!nb)
            return fail_nomem(c);
        memset(nb + c->cap, 0, ncap - c->cap + 1 + PAD);
        c->buf = nb;
        c->cap = ncap;
    }
    size_t want = c->cap - c->len;
    if (want > KZ_CSV_BLOCK * 4)
        want = KZ_CSV_BLOCK * 4;
    size_t got = c->f ? fread(c->buf + c->len, 1, want, c->f) : 0;
    if (got == 0) {
        if (c->f && ferror(c->f))
            return fail(c, KZ_ERR_IO, c->line, 0, "read error");
        c->eof = 1;
        c->buf[c->len] = '\0';
        return 0;
    }
    c->len += got;
    c->buf[c->len] = '\0';
    return 1;
}

/* Room for n fields. */
static int fields_reserve(kz_csv *c, size_t n)
{
    if (n <= c->fcap)
        return 0;
    size_t ncap = c->fcap ? c->fcap : 64;
    while (ncap < n)
        ncap *= 2;
    size_t *no = kz_realloc(c->offs, ncap * sizeof *no);
    if (!no)
        return fail_nomem(c);
    c->offs = no;
    size_t *nl = kz_realloc(c->lens, ncap * sizeof *nl);
    if (!nl)
        return fail_nomem(c);
    c->lens = nl;
    const char **nf = kz_realloc((void *)c->fields, ncap * sizeof *nf);
    if (!nf)
        return fail_nomem(c);
    c->fields = nf;
    c->fcap = ncap;
    return 0;
}

/* add_field's checks and growth, out of the hot path. */
static int add_field_slow(kz_csv *c, size_t nf, size_t off, size_t n, size_t r,
                          uint64_t lines)
{
    if (nf >= KZ_CSV_MAX_FIELDS) {
        char msg[64];
        snprintf(msg, sizeof msg, "more than %u fields in a record",
                 (unsigned)KZ_CSV_MAX_FIELDS);
        return fail(c, KZ_ERR_LIMIT, c->line + lines, column_of(c, r), msg);
    }
    if (n > KZ_CSV_MAX_FIELD) {
        char msg[64];
        snprintf(msg, sizeof msg, "field longer than %u bytes",
                 (unsigned)KZ_CSV_MAX_FIELD);
        return fail(c, KZ_ERR_LIMIT, c->line + lines, column_of(c, r), msg);
    }
    if (nf >= c->fcap && fields_reserve(c, nf + 1) < 0)
        return c->err;
    c->offs[nf] = off;
    c->lens[nf] = n;
    return 0;
}

/* Records field nf (offset off, length n; r is where it starts in the
 * input, for messages, lines the newlines before it in the record). */
static inline int add_field(kz_csv *c, size_t nf, size_t off, size_t n,
                            size_t r, uint64_t lines)
{
    if (__builtin_expect(nf >= c->fcap || n > KZ_CSV_MAX_FIELD, 0))
        return add_field_slow(c, nf, off, n, r, lines);
    c->offs[nf] = off;
    c->lens[nf] = n;
    return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* High bit set in each byte of v that is zero (exact up to the first). */
static inline uint64_t zero_bytes(uint64_t v)
{
    return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}
#endif

/* Index of the first byte from b[r] the fast scan stops at: the
 * delimiter, '\n', '"' or NUL (the sentinel at the latest). */
static inline size_t scan_stop(const kz_csv *c, const char *b, size_t r)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t kd = 0x0101010101010101ull * (unsigned char)c->delim;
    const uint64_t kn = 0x0101010101010101ull * '\n';
    const uint64_t kq = 0x0101010101010101ull * '"';
    for (;;) {
        uint64_t w;
        memcpy(&w, b + r, 8);
        uint64_t m = zero_bytes(w) | zero_bytes(w ^ kd) | zero_bytes(w ^ kn) |
                     zero_bytes(w ^ kq);
        if (m)
            return r + ((unsigned)__builtin_ctzll(m) >> 3);
        r += 8;
    }
#else
    while (!c->cls[(unsigned char)b[r]])
        r++;
    return r;
#endif
}

/* ---- the fast path: a record without quotes -------------------------------
 */

/* 1: a record was split (*nfo fields); 0: it holds a quote (nothing
 * consumed); negative: an error. */
static int parse_plain(kz_csv *c, size_t *nfo)
{
    size_t r = 0, fs = 0, nf = 0;
    const char delim = (char)c->delim;
    for (;;) {
        const char *b = c->buf + c->pos;
        r = scan_stop(c, b, r);
        char ch = b[r];
        if (ch == delim) {
            if (add_field(c, nf, fs, r - fs, fs, 0) < 0)
                return c->err;
            nf++;
            fs = ++r;
            continue;
        }
        if (ch == '"')
            return 0;
        int end = ch == '\n';
        if (!end) { /* NUL: the sentinel, or one in the data */
            if (c->pos + r < c->len)
                return fail(c, KZ_ERR_PARSE, c->line, column_of(c, r),
                            "NUL byte in CSV data");
            if (!c->eof) {
                int rc = refill(c);
                if (rc < 0)
                    return rc;
                continue;
            }
        }
        size_t n = r - fs;
        if (n > 0 && b[r - 1] == '\r')
            n--;
        if (add_field(c, nf, fs, n, fs, 0) < 0)
            return c->err;
        nf++;
        if (end) {
            r++;
            c->line++;
        }
        break;
    }
    char *b = c->buf + c->pos;
    for (size_t k = 0; k < nf; k++) {
        b[c->offs[k] + c->lens[k]] = '\0';
        c->fields[k] = b + c->offs[k];
    }
    c->pos += r;
    *nfo = nf;
    return 1;
}

/* ---- the slow path: quotes ------------------------------------------------
 */

enum qstate { Q_START, Q_FIELD, Q_QUOTED, Q_QUOTE };

/* Ends the current field: trims what followed a closing quote when it is
 * only white space (so `"a" ,"b"` gives a and b), NUL-terminates it. */
static int end_quoted_field(kz_csv *c, size_t *nf, size_t *out, size_t *fso,
                            int quoted, size_t qend, size_t fr, uint64_t lines,
                            int eol)
{
    size_t e = *out;
    if (quoted) {
        size_t k = qend;
        while (k < e &&
               (c->rec[k] == ' ' || c->rec[k] == '\t' || c->rec[k] == '\r'))
            k++;
        if (k == e)
            e = qend;
    } else if (eol && e > *fso && c->rec[e - 1] == '\r') {
        e--;
    }
    if (add_field(c, *nf, *fso, e - *fso, fr, lines) < 0)
        return c->err;
    (*nf)++;
    c->rec[e] = '\0';
    *out = e + 1;
    *fso = *out;
    return 0;
}

static int parse_quoted(kz_csv *c, size_t *nfo)
{
    const char delim = (char)c->delim;
restart:;
    const char *b = c->buf + c->pos;
    size_t avail = c->len - c->pos;
    if (c->rec_cap < avail + 2) {
        char *nr = kz_realloc(c->rec, avail + 2);
        if (!nr)
            return fail_nomem(c);
        c->rec = nr;
        c->rec_cap = avail + 2;
    }
    char *rec = c->rec;
    size_t r = 0, out = 0, fso = 0, nf = 0, qend = 0, fr = 0, qr = 0;
    uint64_t lines = 0, qlines = 0, flines = 0;
    int quoted = 0, done = 0;
    enum qstate st = Q_START;
    while (!done) {
        if (r == avail) {
            if (!c->eof) {
                int rc = refill(c);
                if (rc < 0)
                    return rc;
                goto restart;
            }
            if (st == Q_QUOTED)
                return fail(c, KZ_ERR_PARSE, c->line + qlines, column_of(c, qr),
                            "unterminated quoted field");
            if (end_quoted_field(c, &nf, &out, &fso, quoted, qend, fr, flines,
                                 1) < 0)
                return c->err;
            break;
        }
        char ch = b[r];
        if (ch == '\0')
            return fail(c, KZ_ERR_PARSE, c->line + lines, column_of(c, r),
                        "NUL byte in CSV data");
        switch (st) {
        case Q_START:
            if (ch == '"') {
                st = Q_QUOTED;
                quoted = 1;
                qr = r;
                qlines = lines;
                r++;
                continue;
            }
            if (ch == ' ') { /* spaces before an opening quote are skipped */
                size_t k = r;
                while (k < avail && b[k] == ' ')
                    k++;
                if (k == avail && !c->eof) {
                    int rc = refill(c);
                    if (rc < 0)
                        return rc;
                    goto restart;
                }
                if (k < avail && b[k] == '"') {
                    r = k;
                    continue;
                }
            }
            st = Q_FIELD;
            /* fall through */
        case Q_FIELD:
            if (ch == delim || ch == '\n') {
                if (end_quoted_field(c, &nf, &out, &fso, quoted, qend, fr,
                                     flines, ch == '\n') < 0)
                    return c->err;
                quoted = 0;
                st = Q_START;
                r++;
                fr = r;
                flines = lines;
                if (ch == '\n') {
                    lines++;
                    done = 1;
                }
                continue;
            }
            rec[out++] = ch; /* a quote inside an unquoted field is data */
            r++;
            continue;
        case Q_QUOTED:
            if (ch == '"') {
                st = Q_QUOTE;
                r++;
                continue;
            }
            if (ch == '\n')
                lines++;
            rec[out++] = ch;
            r++;
            continue;
        case Q_QUOTE:
            if (ch == '"') { /* "" inside quotes */
                rec[out++] = '"';
                st = Q_QUOTED;
                r++;
                continue;
            }
            qend = out; /* what follows the closing quote is kept as data */
            st = Q_FIELD;
            continue;
        }
    }
    for (size_t k = 0; k < nf; k++)
        c->fields[k] = rec + c->offs[k];
    c->pos += r;
    c->line += lines;
    *nfo = nf;
    return 1;
}

/* ---- start: byte order mark, delimiter ------------------------------------
 */

static int detect_delim(kz_csv *c)
{
    size_t i = c->pos;
    for (;;) {
        const char *nl = memchr(c->buf + i, '\n', c->len - i);
        if (!nl && !c->eof) {
            size_t rel = i - c->pos;
            int rc = refill(c);
            if (rc < 0)
                return rc;
            i = c->pos + rel;
            continue;
        }
        size_t e = nl ? (size_t)(nl - c->buf) : c->len;
        const char *s = c->buf + i;
        size_t n = e - i;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0 || (c->skip_comments && s[0] == '#')) {
            if (e >= c->len) {
                c->delim = ',';
                return 0;
            }
            i = e + 1;
            continue;
        }
        static const char cand[4] = {',', '\t', ';', '|'};
        size_t count[4] = {0, 0, 0, 0};
        int inq = 0;
        for (size_t k = 0; k < n; k++) {
            if (s[k] == '"')
                inq = !inq;
            else if (!inq)
                for (int j = 0; j < 4; j++)
                    count[j] += s[k] == cand[j];
        }
        int best = 0;
        for (int j = 1; j < 4; j++)
            if (count[j] > count[best])
                best = j;
        c->delim = cand[best];
        return 0;
    }
}

static int start(kz_csv *c)
{
    while (c->len - c->pos < 3 && !c->eof) {
        int rc = refill(c);
        if (rc < 0)
            return rc;
    }
    if (c->len - c->pos >= 3 && memcmp(c->buf + c->pos, "\xEF\xBB\xBF", 3) == 0)
        c->pos += 3;
    if (!c->delim) {
        int rc = detect_delim(c);
        if (rc < 0)
            return rc;
    }
    memset(c->cls, 0, sizeof c->cls);
    c->cls[(unsigned char)c->delim] = 1;
    c->cls['\n'] = 1;
    c->cls['"'] = 1;
    c->cls[0] = 1;
    c->started = 1;
    return 0;
}

/* ---- comments -------------------------------------------------------------
 */

/* Skips the comment line at pos and remembers it. */
static int skip_comment(kz_csv *c)
{
    const char *nl;
    while (!(nl = memchr(c->buf + c->pos, '\n', c->len - c->pos)) && !c->eof) {
        int rc = refill(c);
        if (rc < 0)
            return rc;
    }
    size_t e = nl ? (size_t)(nl - c->buf) : c->len;
    size_t n = e - c->pos;
    if (n > 0 && c->buf[e - 1] == '\r')
        n--;
    if (n > COMMENT_MAX)
        n = COMMENT_MAX;
    if (c->cbuf_cap < n + 1) {
        size_t ncap = n + 1 < 256 ? 256 : n + 1;
        char *nb = kz_realloc(c->cbuf, ncap);
        if (!nb)
            return fail_nomem(c);
        c->cbuf = nb;
        c->cbuf_cap = ncap;
    }
    memcpy(c->cbuf, c->buf + c->pos, n);
    c->cbuf[n] = '\0';
    c->comment_n = n;
    c->have_comment = 1;
    c->pos = nl ? e + 1 : e;
    if (nl)
        c->line++;
    return 0;
}

/* ---- public ---------------------------------------------------------------
 */

static kz_status csv_new(kz_ctx *ctx, FILE *f, const char *name, int delim,
                         int skip_comments, kz_csv **out)
{
    *out = NULL;
    if (delim == '"' || delim == '\n' || delim == '\r' || delim < 0 ||
        delim > 255)
        return kz_seterr(ctx, KZ_ERR_INVALID, "csv: invalid delimiter");
    kz_csv *c = kz_calloc(1, sizeof *c);
    if (!c)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "csv: out of memory");
    c->ctx = ctx;
    c->f = f;
    snprintf(c->name, sizeof c->name, "%s", name ? name : "-");
    c->delim = delim;
    c->skip_comments = skip_comments;
    c->line = 1;
    c->cap = KZ_CSV_BLOCK;
    c->buf = kz_calloc(1, c->cap + 1 + PAD);
    if (!c->buf || fields_reserve(c, 64) < 0) {
        kz_csv_free(c);
        return kz_seterr(ctx, KZ_ERR_NOMEM, "csv: out of memory");
    }
    c->buf[0] = '\0';
    *out = c;
    return KZ_OK;
}

kz_status kz_csv_open(kz_ctx *ctx, FILE *f, const char *name, int delim,
                      int skip_comments, kz_csv **out)
{
    if (!out)
        return kz_seterr(ctx, KZ_ERR_INVALID, "csv: no output");
    if (!f) {
        *out = NULL;
        return kz_seterr(ctx, KZ_ERR_INVALID, "csv: no input");
    }
    return csv_new(ctx, f, name, delim, skip_comments, out);
}

kz_status kz_csv_open_mem(kz_ctx *ctx, const void *data, size_t n,
                          const char *name, int delim, int skip_comments,
                          kz_csv **out)
{
    if (!out)
        return kz_seterr(ctx, KZ_ERR_INVALID, "csv: no output");
    if (!data && n) {
        *out = NULL;
        return kz_seterr(ctx, KZ_ERR_INVALID, "csv: no input");
    }
    if (n > KZ_CSV_MAX_RECORD) {
        *out = NULL;
        return kz_seterr(ctx, KZ_ERR_LIMIT, "csv: input too large");
    }
    kz_status st = csv_new(ctx, NULL, name, delim, skip_comments, out);
    if (st != KZ_OK)
        return st;
    kz_csv *c = *out;
    if (n > c->cap) {
        char *nb = kz_realloc(c->buf, n + 1 + PAD);
        if (!nb) {
            kz_csv_free(c);
            *out = NULL;
            return kz_seterr(ctx, KZ_ERR_NOMEM, "csv: out of memory");
        }
        memset(nb + c->cap, 0, n - c->cap + 1 + PAD);
        c->buf = nb;
        c->cap = n;
    }
    if (n)
        memcpy(c->buf, data, n);
    c->len = n;
    c->buf[n] = '\0';
    c->eof = 1;
    return KZ_OK;
}

int kz_csv_next(kz_csv *c, const char *const **fields, const size_t **lens,
                size_t *nfields, uint64_t *line)
{
    if (!c)
        return KZ_ERR_INVALID;
    if (c->err)
        return c->err;
    c->have_comment = 0;
    if (!c->started && start(c) < 0)
        return c->err;
    for (;;) {
        if (c->pos >= c->len) {
            int rc = refill(c);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return 0;
            continue;
        }
        if (c->skip_comments && c->buf[c->pos] == '#') {
            if (skip_comment(c) < 0)
                return c->err;
            continue;
        }
        uint64_t first = c->line;
        size_t nf = 0;
        int rc = parse_plain(c, &nf);
        if (rc == 0)
            rc = parse_quoted(c, &nf);
        if (rc < 0)
            return rc;
        if (nf == 1 && c->lens[0] == 0)
            continue; /* a blank line */
        *fields = c->fields;
        *lens = c->lens;
        *nfields = nf;
        *line = first;
        return 1;
    }
}

const char *kz_csv_comment(const kz_csv *c, size_t *n)
{
    if (!c || !c->have_comment) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = c->comment_n;
    return c->cbuf;
}

int kz_csv_delim(const kz_csv *c)
{
    return c ? c->delim : 0;
}

void kz_csv_free(kz_csv *c)
{
    if (!c)
        return;
    kz_free(c->buf);
    kz_free(c->rec);
    kz_free(c->offs);
    kz_free(c->lens);
    kz_free((void *)c->fields);
    kz_free(c->cbuf);
    kz_free(c);
}
