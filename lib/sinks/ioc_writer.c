/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IoC writers of kizashi/sinks.h (TSV, CSV, JSON Lines, STIX 2.1) and
 * the escaping they share. Invariant: no byte of a value or input name
 * reaches the output unescaped for its target, whatever the value holds
 * (control characters, quotes, invalid UTF-8, terminal escape sequences).
 * Each format is a small table of functions registered in `formats`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/core_int.h"
#include "kizashi/limits.h"
#include "sinks/sinks_int.h"
#include "kizashi/sinks.h"

/* ==== UTF-8 and escaping ================================================ */

/* Length of the valid UTF-8 sequence at s (n > 0 bytes available) and its
 * code point, or 0 when s starts an invalid sequence (RFC 3629: overlong
 * forms, surrogates and values above U+10FFFF are invalid). */
size_t kz_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Valid code points that still must not reach a terminal or a spreadsheet
 * raw: C1 controls (U+009B is a CSI on UTF-8 terminals) and the
 * bidirectional controls that reorder what a reader sees ("Trojan
 * Source"). */
static int is_unsafe_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C ||
           (cp >= 0x200E && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

static void write_hex_bytes(FILE *f, const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char esc[4] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 15]};
        fwrite(esc, 1, sizeof esc, f);
    }
}

/* The text escaping of kz_write_escaped_text (csv == 0: every control
 * character, tab and newline included, becomes \xNN so a value never spans
 * fields or lines; backslashes stay literal) and of CSV fields (csv != 0:
 * tab stays, '"' is doubled, other control characters become \xNN). */
static void write_escaped(FILE *f, const char *s, size_t n, int csv)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0;

    while (i < n) {
        unsigned char c = p[i];
        const char *rep = NULL;
        size_t len = 1;

        if (c >= 0x20 && c < 0x7F) {
            /* Backslashes stay: Windows paths and registry keys must read
             * as written and paste into a blocklist as they are. */
            if (c == '"' && csv)
                rep = "\"\"";
            else {
                i++;
                continue;
            }
        } else if (c == '\t' && csv) {
            i++;
            continue;
        } else if (c >= 0x80) {
            uint32_t cp;
            len = kz_utf8_decode(p + i, n - i, &cp);
            if (len && !is_unsafe_cp(cp)) {
                i += len;
                continue;
            }
            if (!len)
                len = 1;
        }
        fwrite(p + start, 1, i - start, f);
        if (rep)
            fputs(rep, f);
        else
            write_hex_bytes(f, p + i, len);
        i += len;
        start = i;
    }
    fwrite(p + start, 1, i - start, f);
}

void kz_write_escaped_text(FILE *f, const char *s, size_t n)
{
    if (!f || !s)
        return;
    write_escaped(f, s, n, 0);
}

static void write_u_escape(FILE *f, uint32_t cp)
{
    fprintf(f, "\\u%04" PRIx32, cp);
}

void kz_write_json_string(FILE *f, const char *s, size_t n)
{
    if (!f)
        return;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t i = 0, start = 0;

    if (!s)
        n = 0;
    putc('"', f);
    while (i < n) {
        unsigned char c = p[i];
        const char *rep = NULL;
        size_t len = 1;
        uint32_t cp = c;

        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            len = kz_utf8_decode(p + i, n - i, &cp);
            /* U+2028 and U+2029 are valid JSON but end lines in
             * JavaScript; escape them with the unsafe controls. */
            if (len && !is_unsafe_cp(cp) && cp != 0x2028 && cp != 0x2029) {
                i += len;
                continue;
            }
            if (!len) {
                len = 1;
                rep = "\\ufffd";
            }
        } else if (c == '"') {
            rep = "\\\"";
        } else if (c == '\\') {
            rep = "\\\\";
        } else if (c == '\n') {
            rep = "\\n";
        } else if (c == '\r') {
            rep = "\\r";
        } else if (c == '\t') {
            rep = "\\t";
        } else if (c == '\b') {
            rep = "\\b";
        } else if (c == '\f') {
            rep = "\\f";
        }
        fwrite(p + start, 1, i - start, f);
        if (rep)
            fputs(rep, f);
        else
            write_u_escape(f, cp);
        i += len;
        start = i;
    }
    fwrite(p + start, 1, i - start, f);
    putc('"', f);
}

/* ==== growable buffer =================================================== */

struct sbuf {
    char *p;
    size_t len, cap;
    int oom; /* an append failed; the content is incomplete */
};

static int sb_reserve(struct sbuf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (extra <= b->cap - b->len)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return 0;
        }
        cap *= 2;
    }
    char *np = kz_realloc(b->p, cap);
    if (!np) {
        b->oom = 1;
        return 0;
    }
    b->p = np;
    b->cap = cap;
    return 1;
}

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n + 1))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_adds(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* ==== the writer ======================================================== */

struct uuid_set {
    unsigned char (*slot)[16]; /* all-zero: empty (no v4/v5 UUID is) */
    size_t cap, count;
};

struct kz_ioc_writer {
    kz_ctx *ctx;
    FILE *out;
    const struct ioc_format *fmt;
    kz_ioc_writer_opts opts;
    int started;        /* header or bundle opening written */
    int finished;       /* kz_ioc_writer_finish was called */
    int io_errno;       /* errno of the first failed write, 0 if none */
    uint64_t objects;   /* STIX objects written */
    char created[40];   /* STIX timestamp of the writer's creation */
    char bundle_id[40]; /* STIX bundle UUID */
    struct sbuf scratch;
    struct uuid_set seen; /* STIX ids written, so the bundle has each once */
    /* TSV: each type's name and a tab, in sixteen bytes that tsv_put
     * copies whole; tsv_pre_n[t] is their length (0: too long, written by
     * the general path) */
    char tsv_pre[KZ_T_COUNT_][16];
    unsigned char tsv_pre_n[KZ_T_COUNT_];
    /* TSV: the last line number written and its digits as put_decimal
     * wrote them (tsv_line_n 0: none yet), see line_decimal */
    uint64_t tsv_line;
    char tsv_line_dec[20];
    unsigned char tsv_line_n;
};

/* One output format: begin writes what precedes the first value (NULL:
 * nothing), put writes one value, end completes the output (NULL: nothing).
 * begin runs on the first put or at finish, so an empty CSV still has its
 * header and an empty STIX bundle is still valid JSON. */
struct ioc_format {
    const char *name;
    kz_status (*begin)(kz_ioc_writer *w);
    kz_status (*put)(kz_ioc_writer *w, const char *input,
                     const kz_extracted *e);
    kz_status (*end)(kz_ioc_writer *w);
};

/* The value as --defang shows it, in w->scratch (valid until the next
 * call). */
static kz_status defanged_value(kz_ioc_writer *w, const kz_extracted *e,
                                const char **out, size_t *outlen)
{
    size_t cap = 2 * e->value_len + 9;
    w->scratch.len = 0;
    if (!sb_reserve(&w->scratch, cap)) {
        w->scratch.oom = 0;
        return kz_seterr(w->ctx, KZ_ERR_NOMEM, "out of memory");
    }
    size_t len = 0;
    kz_status st =
        kz_defang(e->type, e->value, e->value_len, w->scratch.p, cap, &len);
    if (st != KZ_OK)
        return kz_seterr(w->ctx, st, "cannot defang a %s value: %s",
                         kz_type_name(e->type), kz_status_str(st));
    *out = w->scratch.p;
    *outlen = len;
    return KZ_OK;
}

/* The value shown in TSV and CSV: canonical, or defanged with --defang. */
static kz_status shown_value(kz_ioc_writer *w, const kz_extracted *e,
                             const char **out, size_t *outlen)
{
    if (w->opts.defang)
        return defanged_value(w, e, out, outlen);
    *out = e->value;
    *outlen = e->value_len;
    return KZ_OK;
}

/* ---- TSV --------------------------------------------------------------- */

/* 1 when s[0, n) is all printable ASCII (0x20 to 0x7E): written as it is,
 * with no escaping. Sixteen bytes at a time where SIMD is available: from
 * sixteen bytes on, the first and the last block (which may overlap) and
 * the blocks between, all taken (values of 16 to 32 bytes, most of them,
 * then pass no loop whose count varies with their length). */
static int printable_ascii(const char *s, size_t n)
{
#if KZ_HAVE_V16
    if (n >= 16) {
        unsigned ok =
            kz_v16_bits(kz_v16_range(kz_v16_load(s), ' ', '~')) &
            kz_v16_bits(kz_v16_range(kz_v16_load(s + n - 16), ' ', '~'));
        for (size_t i = 16; i + 16 < n; i += 16)
            ok &= kz_v16_bits(kz_v16_range(kz_v16_load(s + i), ' ', '~'));
        return ok == 0xFFFF;
    }
    if (n >= 8) { /* 8 to 15 bytes: two halves that may overlap */
        kz_v16 v = kz_v16_load_halves(s, n);
        return kz_v16_bits(kz_v16_range(v, ' ', '~')) == 0xFFFF;
    }
#endif
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F)
            return 0;
    return 1;
}

/* "00" to "99" */
#define DIGITS10(t) t "0" t "1" t "2" t "3" t "4" t "5" t "6" t "7" t "8" t "9"
static const char digit_pairs[] =
    DIGITS10("0") DIGITS10("1") DIGITS10("2") DIGITS10("3") DIGITS10("4")
        DIGITS10("5") DIGITS10("6") DIGITS10("7") DIGITS10("8") DIGITS10("9");

/* Writes n in decimal at out, which has room for twenty bytes and may get
 * them all (bytes after the digits are left undefined); returns the number
 * of digits. They are made from the last, two at a time, in a local
 * buffer (in 32-bit arithmetic once the rest fits), then copied as twenty
 * bytes. */
static size_t put_decimal(char *out, uint64_t n)
{
    char tmp[40];
    char *q = tmp + 20;
    while (n > UINT32_MAX) {
        unsigned r = (unsigned)(n % 100);
        n /= 100;
        q -= 2;
        memcpy(q, digit_pairs + 2 * r, 2);
    }
    uint32_t u = (uint32_t)n;
    while (u >= 100) {
        uint32_t r = u % 100;
        u /= 100;
        q -= 2;
        memcpy(q, digit_pairs + 2 * r, 2);
    }
    if (u >= 10) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * u, 2);
    } else {
        *--q = (char)('0' + u);
    }
    memcpy(out, q, 20);
    return (size_t)(tmp + 20 - q);
}

/* put_decimal of a TSV line number: the values of a line come one after
 * another, so the digits of the last number written are kept and copied
 * again (the same twenty bytes put_decimal writes). */
static size_t line_decimal(kz_ioc_writer *w, char *out, uint64_t n)
{
    if (n != w->tsv_line || !w->tsv_line_n) {
        w->tsv_line_n = (unsigned char)put_decimal(w->tsv_line_dec, n);
        w->tsv_line = n;
    }
    memcpy(out, w->tsv_line_dec, 20);
    return w->tsv_line_n;
}

static kz_status tsv_put(kz_ioc_writer *w, const char *input,
                         const kz_extracted *e)
{
    const char *v;
    size_t vn;
    kz_status st = shown_value(w, e, &v, &vn);
    if (st != KZ_OK)
        return st;
    if (w->opts.with_input) {
        write_escaped(w->out, input, strlen(input), 0);
        putc('\t', w->out);
    }
    /* One write per line when the value needs no escaping (printable
     * ASCII, as nearly every indicator is): stdio calls are most of the
     * cost of a line. The type's name and tab come whole from tsv_pre,
     * the line number is written in place. */
    unsigned t = (unsigned)e->type < KZ_T_COUNT_ ? (unsigned)e->type : 0;
    size_t tl = w->tsv_pre_n[t];
    char line[512];
    if (tl && tl + vn + 22 <= sizeof line && printable_ascii(v, vn)) {
        memcpy(line, w->tsv_pre[t], 16);
        if (vn - 1 < 36)
            kz_copy_short(line + tl, v, vn);
        else
            memcpy(line + tl, v, vn);
        size_t m = tl + vn;
        line[m++] = '\t';
        m += line_decimal(w, line + m, e->line);
        line[m++] = '\n';
        fwrite(line, 1, m, w->out);
        return KZ_OK;
    }
    char num[22]; /* a tab, twenty digits, a newline */
    size_t k = 0;
    num[k++] = '\t';
    k += line_decimal(w, num + k, e->line);
    num[k++] = '\n';
    fputs(kz_type_name(e->type), w->out);
    putc('\t', w->out);
    write_escaped(w->out, v, vn, 0);
    fwrite(num, 1, k, w->out);
    return KZ_OK;
}

/* ---- CSV --------------------------------------------------------------- */

/* RFC 4180 field. A field starting with = + - @ TAB or CR would be run as a
 * formula by spreadsheets (CSV injection), so it is quoted and gets a
 * leading single quote inside the quotes, as OWASP recommends. Control
 * characters other than TAB are written as \xNN (see write_escaped). */
void kz_csv_field(FILE *f, const char *s, size_t n)
{
    int guard = n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
    int quote = guard || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (quote)
        putc('"', f);
    if (guard)
        putc('\'', f);
    write_escaped(f, s, n, 1);
    if (quote)
        putc('"', f);
}

static kz_status csv_begin(kz_ioc_writer *w)
{
    fputs(w->opts.with_input ? "input," : "", w->out);
    fputs("type,value,line,column,class\r\n", w->out);
    return KZ_OK;
}

static kz_status csv_put(kz_ioc_writer *w, const char *input,
                         const kz_extracted *e)
{
    const char *v;
    size_t vn;
    kz_status st = shown_value(w, e, &v, &vn);
    if (st != KZ_OK)
        return st;
    if (w->opts.with_input) {
        kz_csv_field(w->out, input, strlen(input));
        putc(',', w->out);
    }
    fputs(kz_type_name(e->type), w->out);
    putc(',', w->out);
    kz_csv_field(w->out, v, vn);
    fprintf(w->out, ",%" PRIu64 ",%" PRIu64 ",%s\r\n", e->line, e->column,
            kz_ioc_class_name(e->cls));
    return KZ_OK;
}

/* ---- JSON Lines -------------------------------------------------------- */

/* Key order is fixed (docs/formats.md): type, value, raw, input, line,
 * column, class, defanged, then port (when nonzero), why (references) and
 * defanged_value (--defang). "value" is always the canonical value. */
static kz_status json_put(kz_ioc_writer *w, const char *input,
                          const kz_extracted *e)
{
    FILE *f = w->out;
    const char *dv = NULL;
    size_t dn = 0;

    if (w->opts.defang) {
        kz_status st = defanged_value(w, e, &dv, &dn);
        if (st != KZ_OK)
            return st;
    }
    fputs("{\"type\":\"", f);
    fputs(kz_type_name(e->type), f);
    fputs("\",\"value\":", f);
    kz_write_json_string(f, e->value, e->value_len);
    fputs(",\"raw\":", f);
    kz_write_json_string(f, e->raw, e->raw ? e->raw_len : 0);
    fputs(",\"input\":", f);
    kz_write_json_string(f, input, strlen(input));
    fprintf(f,
            ",\"line\":%" PRIu64 ",\"column\":%" PRIu64
            ",\"class\":\"%s\",\"defanged\":%s",
            e->line, e->column, kz_ioc_class_name(e->cls),
            e->defanged ? "true" : "false");
    if (e->port)
        fprintf(f, ",\"port\":%u", (unsigned)e->port);
    if (e->cls == KZ_CLASS_REFERENCE) {
        fputs(",\"why\":", f);
        kz_write_json_string(f, e->why, e->why ? strlen(e->why) : 0);
    }
    if (dv) {
        fputs(",\"defanged_value\":", f);
        kz_write_json_string(f, dv, dn);
    }
    fputs("}\n", f);
    return KZ_OK;
}

/* ---- STIX 2.1 ---------------------------------------------------------- */

/* Namespace of kizashi's UUIDv5 identifiers: uuid5(NAMESPACE_DNS,
 * "kizashi") = e9282188-b285-5b30-a5bc-17a80cc87046. An object's id is
 * uuid5(this namespace, "<type name>:<canonical value>"), so the same
 * indicator gets the same id in every run and every bundle. */
static const unsigned char kz_uuid_ns[16] = {0xe9, 0x28, 0x21, 0x88, 0xb2, 0x85,
                                             0x5b, 0x30, 0xa5, 0xbc, 0x17, 0xa8,
                                             0x0c, 0xc8, 0x70, 0x46};

static kz_status uuid5(const char *a, size_t an, const char *b, size_t bn,
                       unsigned char out[16])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) &&
             EVP_DigestUpdate(c, kz_uuid_ns, sizeof kz_uuid_ns) &&
             EVP_DigestUpdate(c, a, an) && EVP_DigestUpdate(c, ":", 1) &&
             EVP_DigestUpdate(c, b, bn) && EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    if (!ok || mdlen < 16)
        return KZ_ERR_UNSUPPORTED;
    memcpy(out, md, 16);
    out[6] = (unsigned char)((out[6] & 0x0F) | 0x50);
    out[8] = (unsigned char)((out[8] & 0x3F) | 0x80);
    return KZ_OK;
}

static void uuid_format(const unsigned char u[16], char out[37])
{
    char hex[33];
    kz_hex_format(u, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
}

static size_t uuid_slot(const struct uuid_set *s, const unsigned char u[16])
{
    uint64_t h;
    memcpy(&h, u, sizeof h); /* SHA-1 output: already uniform */
    size_t i = (size_t)h & (s->cap - 1);
    while (memcmp(s->slot[i], u, 16) != 0) {
        static const unsigned char zero[16];
        if (memcmp(s->slot[i], zero, 16) == 0)
            break;
        i = (i + 1) & (s->cap - 1);
    }
    return i;
}

/* Adds u; *added says whether it was new. Past KZ_MAX_DEDUP_VALUES ids the
 * set stops growing and new ids are reported as new (a duplicate object in
 * a bundle is harmless, unbounded memory is not). */
static kz_status uuid_set_add(struct uuid_set *s, const unsigned char u[16],
                              int *added)
{
    *added = 1;
    if (s->count >= KZ_MAX_DEDUP_VALUES)
        return KZ_OK;
    if (s->count * 2 >= s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        unsigned char(*ns)[16] = kz_calloc(ncap, 16);
        if (!ns)
            return KZ_ERR_NOMEM;
        struct uuid_set n = {ns, ncap, s->count};
        for (size_t i = 0; i < s->cap; i++) {
            static const unsigned char zero[16];
            if (memcmp(s->slot[i], zero, 16) != 0)
                memcpy(n.slot[uuid_slot(&n, s->slot[i])], s->slot[i], 16);
        }
        kz_free(s->slot);
        *s = n;
    }
    size_t i = uuid_slot(s, u);
    if (memcmp(s->slot[i], u, 16) == 0) {
        *added = 0;
        return KZ_OK;
    }
    memcpy(s->slot[i], u, 16);
    s->count++;
    return KZ_OK;
}

/* A STIX pattern string literal: single quotes, with \ and ' escaped. */
static void stix_lit(struct sbuf *b, const char *s, size_t n)
{
    sb_adds(b, "'");
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '\'') {
            sb_add(b, s + start, i - start);
            sb_adds(b, "\\");
            start = i;
        }
    }
    sb_add(b, s + start, n - start);
    sb_adds(b, "'");
}

/* "[path = 'literal']" */
static void stix_cmp(struct sbuf *b, const char *path, const char *s, size_t n)
{
    sb_adds(b, "[");
    sb_adds(b, path);
    sb_adds(b, " = ");
    stix_lit(b, s, n);
    sb_adds(b, "]");
}

/* A Windows or POSIX path: [file:name = 'x.exe' AND
 * file:parent_directory_ref.path = 'C:\\dir'] when it has a file name
 * part, only the directory when it ends in a separator, only the name when
 * it has no separator. The directory keeps its separator only when it is a
 * root ("/", "C:\"). */
static void stix_filepath(struct sbuf *b, const char *s, size_t n)
{
    size_t end = n, sep = SIZE_MAX;
    while (end > 1 && (s[end - 1] == '\\' || s[end - 1] == '/'))
        end--; /* "C:\dir\" names the directory "C:\dir" */
    for (size_t i = 0; i < end; i++)
        if (s[i] == '\\' || s[i] == '/')
            sep = i;
    if (sep == SIZE_MAX && end == n) {
        stix_cmp(b, "file:name", s, n);
        return;
    }
    const char *dir = s;
    size_t dirn = end;
    if (end == n && sep != n - 1) { /* a file name after the separator */
        sb_adds(b, "[file:name = ");
        stix_lit(b, s + sep + 1, n - sep - 1);
        sb_adds(b, " AND ");
        dirn = sep;
    } else {
        sb_adds(b, "[");
    }
    if (dirn == 0 || (dirn <= 2 && dir[dirn - 1] == ':'))
        dirn++; /* keep the root's separator */
    sb_adds(b, "file:parent_directory_ref.path = ");
    stix_lit(b, dir, dirn);
    sb_adds(b, "]");
}

/* Builds the STIX pattern of e into b; 0 when the type has none. Types
 * without a STIX Cyber-observable property use custom properties (x_...):
 * ja3, ja3s (network-traffic:x_ja3_hash, x_ja3s_hash), authentihash
 * (file:x_authentihash). string has no pattern. */
static int stix_pattern(struct sbuf *b, const kz_extracted *e)
{
    const char *v = e->value;
    size_t n = e->value_len;
    const char *path = NULL;

    switch (e->type) {
    case KZ_T_IPV4:
        path = "ipv4-addr:value";
        break;
    case KZ_T_IPV6:
        path = "ipv6-addr:value";
        break;
    case KZ_T_CIDR:
        path = memchr(v, ':', n) ? "ipv6-addr:value" : "ipv4-addr:value";
        break;
    case KZ_T_DOMAIN:
        path = "domain-name:value";
        break;
    case KZ_T_URL:
        path = "url:value";
        break;
    case KZ_T_EMAIL:
        path = "email-addr:value";
        break;
    case KZ_T_MD5:
        path = "file:hashes.MD5";
        break;
    case KZ_T_SHA1:
        path = "file:hashes.'SHA-1'";
        break;
    case KZ_T_SHA256:
        path = "file:hashes.'SHA-256'";
        break;
    case KZ_T_SHA512:
        path = "file:hashes.'SHA-512'";
        break;
    case KZ_T_FILENAME:
        path = "file:name";
        break;
    case KZ_T_FILEPATH:
        stix_filepath(b, v, n);
        return 1;
    case KZ_T_CERT_SHA1:
        path = "x509-certificate:hashes.'SHA-1'";
        break;
    case KZ_T_CERT_SHA256:
        path = "x509-certificate:hashes.'SHA-256'";
        break;
    case KZ_T_AUTHENTIHASH:
        path = "file:x_authentihash";
        break;
    case KZ_T_SIGNER:
        path = "x509-certificate:subject";
        break;
    case KZ_T_JA3:
        path = "network-traffic:x_ja3_hash";
        break;
    case KZ_T_JA3S:
        path = "network-traffic:x_ja3s_hash";
        break;
    case KZ_T_REGKEY:
        path = "windows-registry-key:key";
        break;
    case KZ_T_MUTEX:
        path = "mutex:name";
        break;
    case KZ_T_USER_AGENT:
        path = "network-traffic:extensions.'http-request-ext'."
               "request_header.'User-Agent'";
        break;
    case KZ_T_ASN: {
        /* "AS1234" -> a number, not a string literal */
        size_t i = 0;
        uint64_t num = 0;
        if (n >= 2 && (v[0] | 0x20) == 'a' && (v[1] | 0x20) == 's')
            i = 2;
        if (i == n || n - i > 10)
            return 0;
        for (; i < n; i++) {
            if (!kz_is_digit((unsigned char)v[i]))
                return 0;
            num = num * 10 + (uint64_t)(v[i] - '0');
        }
        if (num > UINT32_MAX)
            return 0;
        char lit[64];
        snprintf(lit, sizeof lit, "[autonomous-system:number = %" PRIu64 "]",
                 num);
        sb_adds(b, lit);
        return 1;
    }
    default:
        return 0;
    }
    stix_cmp(b, path, v, n);
    return 1;
}

/* The rule's name for a YARA indicator's "name" ("rule Foo : tag {...}"
 * -> "Foo"); the whole value when no rule header is found. */
static void yara_name(const char *v, size_t n, const char **name, size_t *len)
{
    *name = v;
    *len = n;
    for (size_t i = 0; i + 5 < n; i++) {
        if (memcmp(v + i, "rule", 4) != 0 ||
            (i > 0 &&
             (kz_is_alnum((unsigned char)v[i - 1]) || v[i - 1] == '_')) ||
            (v[i + 4] != ' ' && v[i + 4] != '\t'))
            continue;
        size_t s = i + 4;
        while (s < n && (v[s] == ' ' || v[s] == '\t'))
            s++;
        size_t t = s;
        while (t < n && (kz_is_alnum((unsigned char)v[t]) || v[t] == '_'))
            t++;
        if (t > s) {
            *name = v + s;
            *len = t - s;
        }
        return;
    }
}

static kz_status stix_begin(kz_ioc_writer *w)
{
    fprintf(w->out, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[",
            w->bundle_id);
    return KZ_OK;
}

static void stix_common(kz_ioc_writer *w, const char *sdo,
                        const unsigned char id[16])
{
    char ids[37];
    uuid_format(id, ids);
    fputs(w->objects ? ",\n" : "\n", w->out);
    fprintf(w->out,
            "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s--%s\","
            "\"created\":\"%s\",\"modified\":\"%s\"",
            sdo, sdo, ids, w->created, w->created);
    w->objects++;
}

static kz_status stix_put(kz_ioc_writer *w, const char *input,
                          const kz_extracted *e)
{
    (void)input;
    /* A reference is not something to detect, except that a CVE (which
     * extraction classes as context, a reference) is what STIX models as
     * a vulnerability object. */
    if (e->cls == KZ_CLASS_REFERENCE && e->type != KZ_T_CVE)
        return KZ_OK;

    w->scratch.len = 0;
    if (e->type != KZ_T_CVE && e->type != KZ_T_YARA &&
        !stix_pattern(&w->scratch, e))
        return KZ_OK; /* no STIX pattern for this type */
    if (w->scratch.oom) {
        w->scratch.oom = 0;
        return kz_seterr(w->ctx, KZ_ERR_NOMEM, "out of memory");
    }

    unsigned char id[16];
    const char *tn = kz_type_name(e->type);
    kz_status st = uuid5(tn, strlen(tn), e->value, e->value_len, id);
    if (st != KZ_OK)
        return kz_seterr(w->ctx, st, "SHA-1 is not available for UUIDv5");
    int added;
    if ((st = uuid_set_add(&w->seen, id, &added)) != KZ_OK)
        return kz_seterr(w->ctx, st, "out of memory");
    if (!added)
        return KZ_OK;

    FILE *f = w->out;
    if (e->type == KZ_T_CVE) {
        stix_common(w, "vulnerability", id);
        fputs(",\"name\":", f);
        kz_write_json_string(f, e->value, e->value_len);
        fputs(",\"external_references\":[{\"source_name\":\"cve\","
              "\"external_id\":",
              f);
        kz_write_json_string(f, e->value, e->value_len);
        fputs("}]}", f);
        return KZ_OK;
    }

    const char *name = e->value;
    size_t namelen = e->value_len;
    if (e->type == KZ_T_YARA)
        yara_name(e->value, e->value_len, &name, &namelen);
    stix_common(w, "indicator", id);
    fputs(",\"name\":", f);
    kz_write_json_string(f, name, namelen);
    fputs(",\"indicator_types\":[\"malicious-activity\"],\"pattern\":", f);
    if (e->type == KZ_T_YARA)
        kz_write_json_string(f, e->value, e->value_len);
    else
        kz_write_json_string(f, w->scratch.p, w->scratch.len);
    fprintf(f, ",\"pattern_type\":\"%s\",\"valid_from\":\"%s\"}",
            e->type == KZ_T_YARA ? "yara" : "stix", w->created);
    return KZ_OK;
}

static kz_status stix_end(kz_ioc_writer *w)
{
    fputs(w->objects ? "\n]}\n" : "]}\n", w->out);
    return KZ_OK;
}

int kz_source_date_epoch(kz_time *t)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (!kz_is_digit((unsigned char)*p))
            return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > (unsigned long long)INT32_MAX * 64)
        return -1;
    *t = (kz_time)v;
    return 1;
}

static kz_status stix_init(kz_ioc_writer *w)
{
    time_t now = time(NULL);
    kz_time sdt = 0;
    int sde = kz_source_date_epoch(&sdt);
    if (sde > 0)
        now = (time_t)sdt;
    if (sde < 0)
        return kz_seterr(w->ctx, KZ_ERR_INVALID,
                         "SOURCE_DATE_EPOCH is not a number of seconds");
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(w->created, sizeof w->created,
                                         "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
        return kz_seterr(w->ctx, KZ_ERR_INVALID, "cannot format the time");

    /* A reproducible run gets a reproducible bundle id, uuid5 of the
     * timestamp; otherwise a random UUIDv4. */
    unsigned char u[16];
    if (sde) {
        kz_status st = uuid5("bundle", 6, w->created, strlen(w->created), u);
        if (st != KZ_OK)
            return kz_seterr(w->ctx, st, "SHA-1 is not available");
    } else {
        if (RAND_bytes(u, sizeof u) != 1)
            return kz_seterr(w->ctx, KZ_ERR_UNSUPPORTED,
                             "no random numbers for the bundle id");
        u[6] = (unsigned char)((u[6] & 0x0F) | 0x40);
        u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);
    }
    uuid_format(u, w->bundle_id);
    return KZ_OK;
}

/* ---- registry and public functions ------------------------------------- */

static const struct ioc_format formats[] = {
    [KZ_IOC_TSV] = {.name = "tsv", .put = tsv_put},
    [KZ_IOC_JSON] = {.name = "json", .put = json_put},
    [KZ_IOC_CSV] = {.name = "csv", .begin = csv_begin, .put = csv_put},
    [KZ_IOC_STIX] = {.name = "stix",
                     .begin = stix_begin,
                     .put = stix_put,
                     .end = stix_end},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

int kz_ioc_format_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(name, formats[i].name) == 0)
            return (int)i;
    return -1;
}

kz_status kz_ioc_writer_new(kz_ctx *ctx, const kz_ioc_writer_opts *opts,
                            FILE *out, kz_ioc_writer **wp)
{
    static const kz_ioc_writer_opts defaults = KZ_IOC_WRITER_OPTS_INIT;
    kz_status st = KZ_OK;
    kz_ioc_writer *w = NULL;

    if (!wp || !out)
        return kz_seterr(ctx, KZ_ERR_INVALID, "no writer or output given");
    *wp = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != KZ_IOC_WRITER_OPTS_VERSION)
        return kz_seterr(ctx, KZ_ERR_VERSION,
                         "writer options version %u, expected %u",
                         opts->version, KZ_IOC_WRITER_OPTS_VERSION);
    if ((unsigned)opts->format >= N_FORMATS)
        return kz_seterr(ctx, KZ_ERR_INVALID, "unknown output format %d",
                         (int)opts->format);
    w = kz_calloc(1, sizeof *w);
    if (!w)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    w->ctx = ctx;
    w->out = out;
    w->opts = *opts;
    w->fmt = &formats[opts->format];
    for (unsigned t = 0; t < KZ_T_COUNT_; t++) {
        const char *tn = kz_type_name((kz_type)t);
        size_t tl = strlen(tn);
        if (tl < sizeof w->tsv_pre[t]) {
            memcpy(w->tsv_pre[t], tn, tl);
            w->tsv_pre[t][tl] = '\t';
            w->tsv_pre_n[t] = (unsigned char)(tl + 1);
        }
    }
    if (opts->format == KZ_IOC_STIX)
        st = stix_init(w);
    if (st != KZ_OK) {
        kz_ioc_writer_free(w);
        return st;
    }
    *wp = w;
    return KZ_OK;
}

/* KZ_ERR_IO when the stream has failed; errno is left as the failed write
 * set it, so the caller can tell EPIPE from ENOSPC. */
static kz_status check_io(kz_ioc_writer *w)
{
    if (!ferror(w->out))
        return KZ_OK;
    if (!w->io_errno)
        w->io_errno = errno ? errno : EIO;
    kz_seterr(w->ctx, KZ_ERR_IO, "write error: %s", strerror(w->io_errno));
    errno = w->io_errno;
    return KZ_ERR_IO;
}

static kz_status start(kz_ioc_writer *w)
{
    if (w->started)
        return KZ_OK;
    w->started = 1;
    return w->fmt->begin ? w->fmt->begin(w) : KZ_OK;
}

kz_status kz_ioc_writer_put(kz_ioc_writer *w, const char *input_name,
                            const kz_extracted *e)
{
    if (!w || !e || !e->value)
        return kz_seterr(w ? w->ctx : NULL, KZ_ERR_INVALID,
                         "no writer or value given");
    if (w->finished)
        return kz_seterr(w->ctx, KZ_ERR_INVALID, "writer already finished");
    if (!input_name)
        input_name = "-";
    errno = 0;
    kz_status st = start(w);
    if (st == KZ_OK)
        st = w->fmt->put(w, input_name, e);
    if (st == KZ_OK)
        st = check_io(w);
    return st;
}

kz_status kz_ioc_writer_finish(kz_ioc_writer *w)
{
    if (!w)
        return KZ_ERR_INVALID;
    errno = 0;
    kz_status st = KZ_OK;
    if (!w->finished) {
        w->finished = 1;
        st = start(w);
        if (st == KZ_OK && w->fmt->end)
            st = w->fmt->end(w);
    }
    if (st != KZ_OK)
        return st;
    if (fflush(w->out) != 0 && !w->io_errno)
        w->io_errno = errno ? errno : EIO;
    return check_io(w);
}

void kz_ioc_writer_free(kz_ioc_writer *w)
{
    if (!w)
        return;
    kz_free(w->scratch.p);
    kz_free(w->seen.slot);
    kz_free(w);
}
