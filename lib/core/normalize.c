/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Normalization shared by intel and evidence: IP addresses and CIDRs,
 * domains (IDNA2008 via libidn2, public suffixes via libpsl), URLs, e-mail
 * addresses, digests, CVE and AS numbers. Invariants: every function reads
 * at most n input bytes and writes at most cap output bytes, nothing is
 * allocated here (libidn2 allocates its own result), and normalizing a
 * normalized value gives the same value.
 */
#include <idn2.h>
#include <libpsl.h>
#include <pthread.h>
#include <string.h>

#include "core/core_int.h"
#include "core/simd_int.h"
#include "core/refang_int.h"
#include "kizashi/limits.h"

/* ---- small helpers ------------------------------------------------------ */

static int has_nul(const char *s, size_t n)
{
    return n > 0 && memchr(s, '\0', n) != NULL;
}

/* Clears the caller's result so that an error never leaves stale text. */
static void clear_out(char *out, size_t cap, size_t *outlen)
{
    if (out && cap > 0)
        out[0] = '\0';
    if (outlen)
        *outlen = 0;
}

static kz_status put_text(const char *src, size_t len, char *out, size_t cap,
                          size_t *outlen)
{
    if (len >= cap)
        return KZ_ERR_LIMIT;
    memcpy(out, src, len);
    out[len] = '\0';
    if (outlen)
        *outlen = len;
    return KZ_OK;
}

/* Writes v in decimal at p (room for 20 digits); returns the length. */
static size_t put_dec(char *p, uint64_t v)
{
    char tmp[20];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t j = 0; j < k; j++)
        p[j] = tmp[k - 1 - j];
    return k;
}

/* A decimal number filling s[0..n) exactly: 1..maxd digits, no leading
 * zero (except "0" itself), at most max. Returns 0 on failure. */
static int parse_dec(const char *s, size_t n, size_t maxd, uint64_t max,
                     uint64_t *v)
{
    if (n == 0 || n > maxd || (n > 1 && s[0] == '0'))
        return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!kz_is_digit((unsigned char)s[i]))
            return 0;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > max)
        return 0;
    *v = x;
    return 1;
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
    uint64_t v;
    if (!parse_dec(s, n, 5, 65535, &v) || v == 0)
        return 0;
    *port = (uint16_t)v;
    return 1;
}

static int is_label_char(unsigned char c)
{
    return kz_is_alnum(c) || c == '-' || c == '_';
}

/* ---- IP addresses ------------------------------------------------------- */

/* The value of s[i] as a decimal digit when i < n and it is one, else 10. */
static unsigned digit_at(const char *s, size_t i, size_t n)
{
    unsigned d = i < n ? (unsigned)(unsigned char)s[i] - '0' : 10;
    return d <= 9 ? d : 10;
}

/* Scans a strict dotted quad at the start of s[0..n). Returns the bytes it
 * used, 0 when there is none. Each number is 1 to 3 digits up to 255 and
 * followed by no digit; a leading zero fails. */
static size_t scan_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        unsigned v = digit_at(s, i, n), d;
        if (v > 9)
            return 0;
        if ((d = digit_at(s, ++i, n)) <= 9) {
            if (v == 0)
                return 0; /* a leading zero */
            v = v * 10 + d;
            if ((d = digit_at(s, ++i, n)) <= 9) {
                v = v * 10 + d;
                if (v > 255 || digit_at(s, ++i, n) <= 9)
                    return 0;
            }
        }
        out[k] = (uint8_t)v;
        if (k < 3) {
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
    }
    return i;
}

#if KZ_HAVE_V16
/* The number of len (1 to 3) digits at t, into *v; 0 for a leading zero or
 * one over 255. */
static inline int octet_at(const char *t, size_t len, uint8_t *v)
{
    unsigned d = (unsigned)(unsigned char)t[0] - '0';
    if (len > 1) {
        if (d == 0)
            return 0;
        d = d * 10 + ((unsigned)(unsigned char)t[1] - '0');
        if (len > 2)
            d = d * 10 + ((unsigned)(unsigned char)t[2] - '0');
    }
    *v = (uint8_t)d;
    return d <= 255;
}

/* For kz_norm_ipv4, s[0..n) with n >= 7: the run of digits and dots that
 * starts s, up to the first other byte or n (e), found in a copy of the
 * first sixteen bytes (zeros after n) from the bits of its digits and
 * dots. Returns e when that run is a strict dotted quad (three dots, one
 * to three digits around each, no leading zero, none over 255), into out,
 * else 0. Where scan_v4 finds a quad followed by a digit or a dot (its
 * answer then is not e), kz_norm_ipv4 fails after it as after this 0: the
 * byte after the quad must be ':' or none. */
static size_t quad_v16(const char *s, size_t n, uint8_t out[4])
{
    char t[16];
    size_t m = n < 16 ? n : 16;
    kz_v16_store(t, _mm_setzero_si128());
    kz_copy_short(t, s, m);
    kz_v16 v = kz_v16_load(t);
    unsigned dig = kz_v16_bits(kz_v16_range(v, '0', '9'));
    unsigned dot = kz_v16_bits(kz_v16_eq(v, '.'));
    unsigned e = (unsigned)__builtin_ctz(~(dig | dot));
    if (e > 15)
        return 0;
    dot &= (1u << e) - 1;
    unsigned a = 0; /* where number k starts */
    for (int k = 0; k < 4; k++) {
        unsigned b = e; /* where it ends */
        if (k < 3) {
            if (!dot)
                return 0;
            b = (unsigned)__builtin_ctz(dot);
            dot &= dot - 1;
        }
        if (b - a - 1 > 2 || !octet_at(t + a, b - a, &out[k]))
            return 0;
        a = b + 1;
    }
    return dot ? 0 : e;
}
#endif

kz_status kz_norm_ipv4(const char *s, size_t n, uint8_t out[4], uint16_t *port)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    if (port)
        *port = 0;
    uint8_t b[4];
#if KZ_HAVE_V16
    size_t k = n >= 7 ? quad_v16(s, n, b) : 0;
#else
    size_t k = s ? scan_v4(s, n, b) : 0;
#endif
    if (k == 0)
        return KZ_ERR_PARSE;
    if (k < n) {
        uint16_t p;
        if (!port || s[k] != ':' || !parse_port(s + k + 1, n - k - 1, &p))
            return KZ_ERR_PARSE;
        *port = p;
    }
    memcpy(out, b, 4);
    return KZ_OK;
}

/* The address part of an IPv6 text form, without brackets or zone. */
static int parse_v6_core(const char *s, size_t n, uint8_t out[16])
{
    uint16_t w[8];
    int nw = 0, dc = -1;
    size_t i = 0;

    if (n < 2)
        return 0;
    if (s[0] == ':') {
        if (s[1] != ':')
            return 0;
        dc = 0;
        i = 2;
    }
    while (i < n) {
        if (nw == 8)
            return 0;
        size_t j = i;
        unsigned v = 0;
        while (j < n && kz_is_xdigit((unsigned char)s[j]) && j - i < 5) {
            v = (v << 4) | (unsigned)kz_hexval((unsigned char)s[j]);
            j++;
        }
        if (j == i)
            return 0;
        if (j < n && s[j] == '.') {
            uint8_t b4[4];
            if (nw > 6 || scan_v4(s + i, n - i, b4) != n - i)
                return 0;
            w[nw++] = (uint16_t)(b4[0] << 8 | b4[1]);
            w[nw++] = (uint16_t)(b4[2] << 8 | b4[3]);
            i = n;
            break;
        }
        if (j - i > 4)
            return 0;
        w[nw++] = (uint16_t)v;
        i = j;
        if (i == n)
            break;
        if (s[i] != ':')
            return 0;
        i++;
        if (i < n && s[i] == ':') {
            if (dc >= 0)
                return 0;
            dc = nw;
            i++;
        } else if (i == n) {
            return 0; /* a trailing single colon */
        }
    }
    if (dc < 0 ? nw != 8 : nw > 7)
        return 0;
    uint16_t full[8] = {0};
    if (dc < 0) {
        memcpy(full, w, sizeof full);
    } else {
        int tail = nw - dc;
        for (int k = 0; k < dc; k++)
            full[k] = w[k];
        for (int k = 0; k < tail; k++)
            full[8 - tail + k] = w[dc + k];
    }
    for (int k = 0; k < 8; k++) {
        out[2 * k] = (uint8_t)(full[k] >> 8);
        out[2 * k + 1] = (uint8_t)(full[k] & 0xff);
    }
    return 1;
}

static int is_zone_char(unsigned char c)
{
    return kz_is_alnum(c) || c == '.' || c == '_' || c == '~' || c == '-';
}

kz_status kz_norm_ipv6(const char *s, size_t n, uint8_t out[16], uint16_t *port)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    if (port)
        *port = 0;
    if (n == 0 || has_nul(s, n))
        return KZ_ERR_PARSE;

    size_t a = 0, b = n;
    uint16_t p = 0;
    if (s[0] == '[') {
        const char *close = memchr(s + 1, ']', n - 1);
        if (!close)
            return KZ_ERR_PARSE;
        a = 1;
        b = (size_t)(close - s);
        size_t rest = b + 1;
        if (rest < n) {
            if (!port || s[rest] != ':' ||
                !parse_port(s + rest + 1, n - rest - 1, &p))
                return KZ_ERR_PARSE;
        }
    }
    const char *pct = memchr(s + a, '%', b - a);
    if (pct) {
        size_t z = (size_t)(pct - s) + 1;
        if (z >= b || b - z > 64)
            return KZ_ERR_PARSE;
        for (size_t i = z; i < b; i++)
            if (!is_zone_char((unsigned char)s[i]))
                return KZ_ERR_PARSE;
        b = z - 1;
    }
    uint8_t tmp[16];
    if (!parse_v6_core(s + a, b - a, tmp))
        return KZ_ERR_PARSE;
    memcpy(out, tmp, 16);
    if (port)
        *port = p;
    return KZ_OK;
}

static int is_mapped(const uint8_t a[16])
{
    static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, pre, 12) == 0;
}

kz_status kz_norm_ip(const char *s, size_t n, uint8_t out[16], int *family,
                     uint16_t *port)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    /* A host name, as callers often try first: in both forms the first
     * byte after the leading hex digits is ':', '.' or '%' (or an
     * opening '[' in place of any), so any other byte there rules both
     * out ("example.com": the 'x'). */
    size_t k = 0;
    while (k < n && kz_is_xdigit((unsigned char)s[k]))
        k++;
    if (k < n && s[k] != ':' && s[k] != '.' && s[k] != '%' &&
        (k > 0 || s[k] != '[')) {
        if (port)
            *port = 0; /* as kz_norm_ipv4 and kz_norm_ipv6 leave it */
        return KZ_ERR_PARSE;
    }
    uint8_t b4[4], b16[16];
    kz_status st = kz_norm_ipv4(s, n, b4, port);
    if (st == KZ_OK) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, b4, 4);
        if (family)
            *family = 4;
        return KZ_OK;
    }
    st = kz_norm_ipv6(s, n, b16, port);
    if (st != KZ_OK)
        return st;
    memcpy(out, b16, 16);
    if (family)
        *family = is_mapped(b16) ? 4 : 6;
    return KZ_OK;
}

kz_status kz_norm_cidr(const char *s, size_t n, uint8_t addr[16], int *family,
                       unsigned *prefix, int *had_host_bits)
{
    if ((!s && n) || !addr)
        return KZ_ERR_INVALID;
    if (n == 0 || has_nul(s, n))
        return KZ_ERR_PARSE;
    size_t slash = n;
    while (slash > 0 && s[slash - 1] != '/')
        slash--;
    if (slash == 0)
        return KZ_ERR_PARSE;
    slash--; /* index of the '/' */

    uint8_t a[16];
    int fam;
    if (kz_norm_ip(s, slash, a, &fam, NULL) != KZ_OK)
        return KZ_ERR_PARSE;
    int v4text = memchr(s, ':', slash) == NULL;
    uint64_t len;
    if (!parse_dec(s + slash + 1, n - slash - 1, 3, v4text ? 32 : 128, &len))
        return KZ_ERR_PARSE;

    unsigned bits, own;
    if (v4text) {
        fam = 4;
        own = (unsigned)len;
        bits = 96 + own;
    } else if (fam == 4 && len >= 96) {
        own = (unsigned)len - 96;
        bits = (unsigned)len;
    } else {
        fam = 6;
        own = bits = (unsigned)len;
    }
    int host = 0;
    for (unsigned i = 0; i < 16; i++) {
        unsigned lo = i * 8;
        uint8_t keep;
        if (bits >= lo + 8)
            keep = 0xff;
        else if (bits <= lo)
            keep = 0;
        else
            keep = (uint8_t)(0xff << (8 - (bits - lo)));
        if (a[i] & (uint8_t)~keep)
            host = 1;
        a[i] &= keep;
    }
    memcpy(addr, a, 16);
    if (family)
        *family = fam;
    if (prefix)
        *prefix = own;
    if (had_host_bits)
        *had_host_bits = host;
    return KZ_OK;
}

/* One octet in decimal (no loop, no division by a variable). */
static size_t put_octet(char *p, unsigned v)
{
    if (v >= 100) {
        p[0] = (char)('0' + v / 100);
        p[1] = (char)('0' + v / 10 % 10);
        p[2] = (char)('0' + v % 10);
        return 3;
    }
    if (v >= 10) {
        p[0] = (char)('0' + v / 10);
        p[1] = (char)('0' + v % 10);
        return 2;
    }
    p[0] = (char)('0' + v);
    return 1;
}

/* Every octet's text for fmt_v4: its digits, its length in the last byte. */
static char octet_text[256][4];

__attribute__((constructor)) static void octet_text_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        octet_text[v][3] = (char)put_octet(octet_text[v], v);
}

/* Writes the dotted quad at p, which has room for 16 bytes (the bytes
 * after the text are overwritten too); returns its length. */
static size_t fmt_v4(char *p, const uint8_t b[4])
{
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        memcpy(p + k, octet_text[b[i]], 4);
        k += (size_t)octet_text[b[i]][3];
        p[k++] = '.';
    }
    return k - 1;
}

size_t kz_ipv4_format(const uint8_t b[4], char out[16])
{
    size_t k = fmt_v4(out, b);
    out[k] = '\0';
    return k;
}

static size_t fmt_v6(char *p, const uint8_t a[16])
{
    static const char hex[] = "0123456789abcdef";
    uint16_t w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);

    /* RFC 5952 4.2: the longest run of two or more zero groups, the first
     * one on a tie. */
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8;) {
        if (w[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0)
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j;
    }
    size_t k = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            p[k++] = ':';
            p[k++] = ':';
            i += bestlen - 1;
            continue;
        }
        if (i > 0 && i != best + bestlen)
            p[k++] = ':';
        int started = 0;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (w[i] >> sh) & 0xf;
            if (d || started || sh == 0) {
                p[k++] = hex[d];
                started = 1;
            }
        }
    }
    return k;
}

kz_status kz_ip_format(const uint8_t addr[16], int family, char *out,
                       size_t cap, size_t *outlen)
{
    if (!addr || !out)
        return KZ_ERR_INVALID;
    clear_out(out, cap, outlen);
    char buf[64];
    size_t k;
    if (family == 4) {
        if (!is_mapped(addr))
            return KZ_ERR_INVALID;
        k = fmt_v4(buf, addr + 12);
    } else if (family == 6) {
        if (is_mapped(addr)) {
            memcpy(buf, "::ffff:", 7);
            k = 7 + fmt_v4(buf + 7, addr + 12);
        } else {
            k = fmt_v6(buf, addr);
        }
    } else {
        return KZ_ERR_INVALID;
    }
    return put_text(buf, k, out, cap, outlen);
}

/* ---- domains -------------------------------------------------------------
 * The Public Suffix List is loaded once per process: the system's newest
 * list when there is one, else the copy built into libpsl. */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_ctx;

static void psl_load(void)
{
    psl_ctx = psl_latest(NULL);
    if (!psl_ctx)
        psl_ctx = psl_builtin();
}

static const psl_ctx_t *get_psl(void)
{
    pthread_once(&psl_once, psl_load);
    return psl_ctx;
}

/* Lower-cases a name of at most KZ_MAX_DOMAIN bytes into buf (NUL-ended).
 * Returns 0 when it is too long or holds a NUL. */
static int lower_copy(const char *s, size_t n, char buf[KZ_MAX_DOMAIN + 1])
{
    if (!s || n == 0 || n > KZ_MAX_DOMAIN || has_nul(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)kz_lower((unsigned char)s[i]);
    buf[n] = '\0';
    return 1;
}

int kz_psl_label_is_tld(const char *label, size_t n)
{
    char buf[64];
    if (!label || n == 0 || n > 63 || has_nul(label, n) ||
        memchr(label, '.', n))
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)kz_lower((unsigned char)label[i]);
    buf[n] = '\0';
    const psl_ctx_t *psl = get_psl();
    return psl && psl_is_public_suffix2(
                      psl, buf, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
}

/* Checks a lower-case ASCII name: labels of 1..63 [a-z0-9-_] without a
 * hyphen at either end, at most 253 bytes, at least two labels, and a last
 * label that is not all digits (so a dotted quad is not a domain). */
static int domain_ok(const char *d, size_t n)
{
    if (n == 0 || n > KZ_MAX_DOMAIN)
        return 0;
    size_t labels = 0, start = 0;
    int alldigit = 1;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || d[i] == '.') {
            size_t len = i - start;
            if (len < 1 || len > 63 || d[start] == '-' || d[i - 1] == '-')
                return 0;
            labels++;
            if (i == n)
                break;
            start = i + 1;
            alldigit = 1;
            continue;
        }
        unsigned char c = (unsigned char)d[i];
        if (!is_label_char(c) || (c >= 'A' && c <= 'Z'))
            return 0;
        if (!kz_is_digit(c))
            alldigit = 0;
    }
    return labels >= 2 && !alldigit;
}

/* What a byte of a name is in domain_fast: itself lower-cased when it may
 * stand in a label ([a-z0-9-_], upper case folded) or is a dot, else 0. */
#define DOM_LETTER(c) [c] = c, [c - 'a' + 'A'] = c
static const unsigned char dom_char[256] = {
    ['-'] = '-',     ['.'] = '.',     ['_'] = '_',     ['0'] = '0',
    ['1'] = '1',     ['2'] = '2',     ['3'] = '3',     ['4'] = '4',
    ['5'] = '5',     ['6'] = '6',     ['7'] = '7',     ['8'] = '8',
    ['9'] = '9',     DOM_LETTER('a'), DOM_LETTER('b'), DOM_LETTER('c'),
    DOM_LETTER('d'), DOM_LETTER('e'), DOM_LETTER('f'), DOM_LETTER('g'),
    DOM_LETTER('h'), DOM_LETTER('i'), DOM_LETTER('j'), DOM_LETTER('k'),
    DOM_LETTER('l'), DOM_LETTER('m'), DOM_LETTER('n'), DOM_LETTER('o'),
    DOM_LETTER('p'), DOM_LETTER('q'), DOM_LETTER('r'), DOM_LETTER('s'),
    DOM_LETTER('t'), DOM_LETTER('u'), DOM_LETTER('v'), DOM_LETTER('w'),
    DOM_LETTER('x'), DOM_LETTER('y'), DOM_LETTER('z'),
};

#if KZ_HAVE_V16
/* One block of domain_fast_v16: v lower-cased into *low, and the bits of
 * its dots, hyphens and digits; answers the bits of its label characters
 * and dots (0xFFFF: every byte is one). */
static unsigned dom_block(kz_v16 v, kz_v16 *low, unsigned *dot, unsigned *hy,
                          unsigned *dg)
{
    kz_v16 up = kz_v16_range(v, 'A', 'Z');
    kz_v16 l = kz_v16_or(v, kz_v16_and(up, _mm_set1_epi8(0x20)));
    kz_v16 d = kz_v16_range(v, '0', '9');
    kz_v16 dt = kz_v16_eq(v, '.');
    kz_v16 h = kz_v16_eq(v, '-');
    kz_v16 ok = kz_v16_or(kz_v16_or(kz_v16_range(l, 'a', 'z'), d),
                          kz_v16_or(kz_v16_or(dt, h), kz_v16_eq(v, '_')));
    *low = l;
    *dot = kz_v16_bits(dt);
    *hy = kz_v16_bits(h);
    *dg = kz_v16_bits(d);
    return kz_v16_bits(ok);
}

/* domain_fast for 8 <= n <= 64, sixteen bytes at a time: a name under
 * sixteen bytes as its first and last eight, a longer one in blocks whose
 * last one overlaps the one before. The dots, hyphens and digits become
 * bit masks of the name (bit i for s[i]), and the labels are checked on
 * them: a dot neither first nor last nor next to another (no empty
 * label), no hyphen after a dot or at the start nor before a dot or at the
 * end, at least one dot, and a non-digit after the last dot. Labels are
 * short enough: with a dot, none of a name of at most 64 bytes is over
 * 62. */
static int domain_fast_v16(const char *s, size_t n, char *buf)
{
    uint64_t dots, hys, dgs;
    kz_v16 low;
    unsigned d, h, g;
    if (n < 16) {
        kz_v16 v = _mm_unpacklo_epi64(
            _mm_loadl_epi64((const __m128i *)(const void *)s),
            _mm_loadl_epi64((const __m128i *)(const void *)(s + n - 8)));
        if (dom_block(v, &low, &d, &h, &g) != 0xFFFF)
            return -1;
        _mm_storel_epi64((__m128i *)(void *)buf, low);
        _mm_storel_epi64((__m128i *)(void *)(buf + n - 8),
                         _mm_unpackhi_epi64(low, low));
        /* bits 8..15 are s[n - 8 .. n) */
        dots = (d & 0xFF) | (uint64_t)(d >> 8) << (n - 8);
        hys = (h & 0xFF) | (uint64_t)(h >> 8) << (n - 8);
        dgs = (g & 0xFF) | (uint64_t)(g >> 8) << (n - 8);
    } else {
        dots = hys = dgs = 0;
        for (size_t i = 0;; i += 16) {
            if (i > n - 16)
                i = n - 16;
            if (dom_block(kz_v16_load(s + i), &low, &d, &h, &g) != 0xFFFF)
                return -1;
            kz_v16_store(buf + i, low);
            dots |= (uint64_t)d << i;
            hys |= (uint64_t)h << i;
            dgs |= (uint64_t)g << i;
            if (i == n - 16)
                break;
        }
    }
    uint64_t first = 1, last = (uint64_t)1 << (n - 1);
    if (dots == 0 || (dots & (first | last | dots >> 1)) != 0 ||
        (hys & (dots << 1 | first | dots >> 1 | last)) != 0)
        return 0;
    /* the bytes after the last dot (at most n - 2: the shift fits) */
    uint64_t tld = ~(((uint64_t)2 << (63 - __builtin_clzll(dots))) - 1);
    if (n < 64)
        tld &= ((uint64_t)1 << n) - 1;
    return (tld & ~dgs) != 0;
}
#endif

/* kz_norm_domain's ASCII path in one pass for a name (trailing dot already
 * stripped, 1..KZ_MAX_DOMAIN bytes) of label characters and dots only: the
 * name lower-cased into buf and checked as domain_ok checks it. 1: valid,
 * 0: not a domain, -1: some other byte (a NUL, non-ASCII, punctuation), for
 * the general path to decide. Names of 8 to 64 bytes (nearly all)
 * go sixteen bytes at a time (domain_fast_v16), the same answers. */
static int domain_fast(const char *s, size_t n, char *buf)
{
#if KZ_HAVE_V16
    if (n >= 8 && n <= 64)
        return domain_fast_v16(s, n, buf);
#endif
    size_t st = 0; /* where the current label starts */
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = dom_char[(unsigned char)s[i]];
        if (c == 0)
            return -1;
        buf[i] = (char)c;
        if (c == '.') {
            if (i == st || i - st > 63 || buf[st] == '-' || buf[i - 1] == '-')
                bad = 1;
            st = i + 1;
        }
    }
    if (bad || st == 0 || st == n || n - st > 63 || buf[st] == '-' ||
        buf[n - 1] == '-')
        return 0;
    for (size_t i = st; i < n; i++)
        if (!kz_is_digit((unsigned char)buf[i]))
            return 1;
    return 0; /* an all-digit last label */
}

kz_status kz_norm_domain(const char *s, size_t n, char *out, size_t cap,
                         size_t *outlen)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    clear_out(out, cap, outlen);
    if (n == 0)
        return KZ_ERR_PARSE;
    int stripped = 0;
    if (s[n - 1] == '.') {
        n--;
        stripped = 1;
    }
    if (n == 0)
        return KZ_ERR_PARSE;
    if (n <= KZ_MAX_DOMAIN) {
        /* Nearly every name: lower-cased straight into out when it fits. */
        char tmp[KZ_MAX_DOMAIN + 1];
        char *dst = cap > n ? out : tmp;
        int r = domain_fast(s, n, dst);
        if (r >= 0) {
            if (r == 0 || cap <= n) {
                out[0] = '\0';
                return r == 0 ? KZ_ERR_PARSE : KZ_ERR_LIMIT;
            }
            out[n] = '\0';
            if (outlen)
                *outlen = n;
            return KZ_OK;
        }
        out[0] = '\0';
    }
    if (has_nul(s, n))
        return KZ_ERR_PARSE;

    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++)
        if ((unsigned char)s[i] >= 0x80)
            ascii = 0;

    char buf[KZ_MAX_DOMAIN + 1];
    size_t len;
    if (ascii) {
        if (!lower_copy(s, n, buf))
            return KZ_ERR_PARSE;
        len = n;
    } else {
        /* A name whose A-label form fits in 253 bytes is far shorter than
         * this in UTF-8; the bound only keeps the copy on the stack. */
        char u8[4 * KZ_MAX_DOMAIN + 1];
        if (n > 4 * KZ_MAX_DOMAIN)
            return KZ_ERR_PARSE;
        memcpy(u8, s, n);
        u8[n] = '\0';
        char *res = NULL;
        int rc =
            idn2_to_ascii_8z(u8, &res, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc != IDN2_OK) {
            res = NULL;
            rc = idn2_to_ascii_8z(u8, &res, IDN2_TRANSITIONAL);
        }
        if (rc != IDN2_OK || !res)
            return KZ_ERR_PARSE;
        len = strlen(res);
        if (len > 0 && res[len - 1] == '.' && !stripped)
            len--;
        int ok = len > 0 && lower_copy(res, len, buf);
        idn2_free(res);
        if (!ok)
            return KZ_ERR_PARSE;
    }
    if (!domain_ok(buf, len))
        return KZ_ERR_PARSE;
    return put_text(buf, len, out, cap, outlen);
}

static int is_base32(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

static int suffix_is_public(const psl_ctx_t *psl, const char *sfx,
                            kz_memo *memo)
{
    size_t n = strlen(sfx);
    int r = kz_memo_get(memo, sfx, n);
    if (r >= 0)
        return r;
    r = psl_is_public_suffix2(psl, sfx, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
    return kz_memo_put(memo, sfx, n, r != 0);
}

int kz_domain_has_public_suffix(const char *dom, size_t n)
{
    return kz_domain_has_public_suffix_memo(dom, n, NULL);
}

/* 1 when the private suffix d[0, n) (lower case) is one only through a
 * wildcard rule ("*.compute-1.amazonaws.com"): its first label replaced by
 * one no list names gives a suffix too. */
static int private_wildcard_only(const psl_ctx_t *psl, const char *d, size_t n)
{
    static const char probe[] = "kz--wildcard-probe";
    char buf[sizeof probe + KZ_MAX_DOMAIN];
    const char *dot = memchr(d, '.', n);
    if (!dot)
        return 0;
    size_t rest = n - (size_t)(dot - d);
    memcpy(buf, probe, sizeof probe - 1);
    memcpy(buf + sizeof probe - 1, dot, rest);
    buf[sizeof probe - 1 + rest] = '\0';
    return psl_is_public_suffix2(psl, buf,
                                 PSL_TYPE_PRIVATE | PSL_TYPE_NO_STAR_RULE) != 0;
}

int kz_domain_has_public_suffix_memo(const char *dom, size_t n, kz_memo *memo)
{
    char buf[KZ_MAX_DOMAIN + 1];
    if (!lower_copy(dom, n, buf))
        return 0;

    /* RFC 7686: .onion is special-use; only real service names count. */
    size_t last = n;
    while (last > 0 && buf[last - 1] != '.')
        last--;
    if (n - last == 5 && memcmp(buf + last, "onion", 5) == 0) {
        if (last < 2)
            return 0;
        size_t st = last - 1;
        while (st > 0 && buf[st - 1] != '.')
            st--;
        size_t len = last - 1 - st;
        if (len != 16 && len != 56)
            return 0;
        for (size_t i = st; i < last - 1; i++)
            if (!is_base32((unsigned char)buf[i]))
                return 0;
        return 1;
    }

    const psl_ctx_t *psl = get_psl();
    if (!psl)
        return 0;
    /* The implicit '*' rule would make every last label a suffix ("exe" in
     * "update.exe"): only listed suffixes count. */
    /* Suffixes from the shortest: the top-level label is nearly always
     * listed and already in the memo, so a new name costs one lookup (of
     * itself), not one per label. */
    int found = 0;
    for (size_t i = n; i-- > 0 && !found;)
        if (buf[i] == '.' && suffix_is_public(psl, buf + i + 1, memo))
            found = 1;
    if (!found)
        return 0;
    /* A name that is itself a suffix ("co.uk", "github.io") is no host,
     * unless it is one only through a wildcard rule of the private part
     * ("*.compute-1.amazonaws.com": EC2's public host names). */
    if (!psl_is_public_suffix2(psl, buf, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
        return 1;
    return !psl_is_public_suffix2(psl, buf,
                                  PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) &&
           private_wildcard_only(psl, buf, n);
}

/* TLDs that are also common file extensions: of about 180 extensions seen
 * in advisories (exe dll zip rar 7z iso lnk js vbs hta ps1 py pl sh php doc
 * xls pdf one md mov so rs java ...), these are ICANN TLDs in libpsl 0.21
 * (checked with psl_is_public_suffix2(.., PSL_TYPE_ICANN|
 * PSL_TYPE_NO_STAR_RULE)). Left out although they match: "com" (nearly
 * always the TLD in prose), "ai", "nl", "ws", "bz", "run", "mobi", "zone",
 * "website" (rare as extensions, common as TLDs). Sorted. */
static const char *const ext_tlds[] = {
    "app", "cab", "cat", "cc", "dot", "java", "md", "mov",
    "one", "pl",  "ps",  "py", "rs",  "sh",   "so", "zip",
};

int kz_domain_tld_is_filename_ext(const char *dom, size_t n)
{
    if (!dom || n == 0 || has_nul(dom, n))
        return 0;
    size_t st = n;
    while (st > 0 && dom[st - 1] != '.')
        st--;
    size_t len = n - st;
    for (size_t i = 0; i < sizeof ext_tlds / sizeof ext_tlds[0]; i++) {
        const char *e = ext_tlds[i];
        if (strlen(e) != len)
            continue;
        size_t j = 0;
        while (j < len &&
               kz_lower((unsigned char)dom[st + j]) == (unsigned char)e[j])
            j++;
        if (j == len)
            return 1;
    }
    return 0;
}

kz_status kz_domain_registrable(const char *dom, size_t n, char *out,
                                size_t cap, size_t *outlen)
{
    if ((!dom && n) || !out)
        return KZ_ERR_INVALID;
    clear_out(out, cap, outlen);
    char buf[KZ_MAX_DOMAIN + 1];
    if (!lower_copy(dom, n, buf))
        return KZ_ERR_PARSE;
    const psl_ctx_t *psl = get_psl();
    const char *r = psl ? psl_registrable_domain(psl, buf) : NULL;
    if (!r)
        return KZ_ERR_NOTFOUND;
    return put_text(r, strlen(r), out, cap, outlen);
}

/* ---- URLs ---------------------------------------------------------------
 * Built in a local buffer of KZ_MAX_URL bytes; the path goes through a
 * second one so dot-segments are removed after percent-normalization
 * (RFC 3986 6.2.2: "%2E%2E" is a dot-segment too). */

struct sbuf {
    char *p;
    size_t len, cap;
    int over;
};

static void sb_putc(struct sbuf *b, char c)
{
    if (b->len < b->cap)
        b->p[b->len++] = c;
    else
        b->over = 1;
}

/* As many of the n bytes as fit, as sb_putc would put them one by one. */
static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    size_t room = b->cap - b->len;
    if (n > room) {
        n = room;
        b->over = 1;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* Classes of URL bytes, ORed: U_PLAIN, kept as it is by pct_norm (printable
 * ASCII other than '%' and what must_encode names); U_QF, '?' or '#'; U_SLASH,
 * '/'. Bytes from 0x80 are none of them. */
enum { U_PLAIN = 1, U_QF = 2, U_SLASH = 4 };
static const unsigned char url_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* controls */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 3, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, /*  !"#$%&'()*+,-./ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 3, /* 0123456789:;<=>? */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* @ABCDEFGHIJKLMNO */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, /* PQRSTUVWXYZ[\]^_ */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* `abcdefghijklmno */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, /* pqrstuvwxyz{|}~ DEL */
};

static int is_unreserved(unsigned char c)
{
    return kz_is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int must_encode(unsigned char c)
{
    return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' ||
           c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
           c == '}';
}

static void put_pct(struct sbuf *b, unsigned char v)
{
    static const char hex[] = "0123456789ABCDEF";
    sb_putc(b, '%');
    sb_putc(b, hex[v >> 4]);
    sb_putc(b, hex[v & 15]);
}

#if KZ_HAVE_V16
/* Bit k set when byte k of v is not U_PLAIN: below '!' or from 0x7F (as
 * signed bytes, the bytes from 0x80 are below '!'), or one of " % < > \\ ^
 * ` { | } (with 0x02 set, ' ' and '"', '<' and '>', '\\' and '^' give one
 * byte each; '{' '|' '}' and DEL are the bytes above 'z' but '~'). */
static inline unsigned url_odd_bits(kz_v16 v)
{
    kz_v16 v2 = _mm_or_si128(v, _mm_set1_epi8(0x02));
    kz_v16 m = _mm_cmplt_epi8(v, _mm_set1_epi8('!'));
    m = kz_v16_or(m, kz_v16_andnot(_mm_cmpgt_epi8(v, _mm_set1_epi8('z')),
                                   kz_v16_eq(v, '~')));
    m = kz_v16_or(m, kz_v16_or(kz_v16_eq(v2, '"'), kz_v16_eq(v2, '>')));
    m = kz_v16_or(m, kz_v16_or(kz_v16_eq(v2, '^'), kz_v16_eq(v, '%')));
    return kz_v16_bits(kz_v16_or(m, kz_v16_eq(v, '`')));
}

/* Bit k set when byte k of v is '?' or '#', or '/' too when slash is set
 * (U_QF, U_SLASH). */
static inline unsigned url_stop_bits(kz_v16 v, int slash)
{
    kz_v16 m = kz_v16_or(kz_v16_eq(v, '?'), kz_v16_eq(v, '#'));
    if (slash)
        m = kz_v16_or(m, kz_v16_eq(v, '/'));
    return kz_v16_bits(m);
}
#endif

/* The first byte at or after i in s[0..n) that is not U_PLAIN, or n. With
 * SIMD and n >= 16, sixteen bytes at a time, the last block the one that
 * ends at n (its bytes before i shifted out). */
static size_t plain_end(const char *s, size_t i, size_t n)
{
#if KZ_HAVE_V16
    if (n >= 16) {
        for (; n - i >= 16; i += 16) {
            unsigned m = url_odd_bits(kz_v16_load(s + i));
            if (m)
                return i + (unsigned)__builtin_ctz(m);
        }
        if (i == n)
            return n;
        unsigned m = url_odd_bits(kz_v16_load(s + n - 16)) >> (16 - (n - i));
        return m ? i + (unsigned)__builtin_ctz(m) : n;
    }
#endif
    while (i < n && (url_class[(unsigned char)s[i]] & U_PLAIN))
        i++;
    return i;
}

/* Percent-normalization: %xx of unreserved characters decoded, other %xx
 * upper-cased, a stray '%' and bytes outside printable ASCII encoded. Runs
 * of bytes kept as they are go in one copy. */
static void pct_norm(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = plain_end(s, i, n);
        sb_put(b, s + i, j - i);
        if (j == n)
            break;
        i = j;
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && kz_is_xdigit((unsigned char)s[i + 1]) &&
            kz_is_xdigit((unsigned char)s[i + 2])) {
            unsigned char v =
                (unsigned char)(kz_hexval((unsigned char)s[i + 1]) * 16 +
                                kz_hexval((unsigned char)s[i + 2]));
            if (is_unreserved(v))
                sb_putc(b, (char)v);
            else
                put_pct(b, v);
            i += 2;
        } else if (c == '%' || must_encode(c)) {
            put_pct(b, c);
        } else {
            sb_putc(b, (char)c);
        }
    }
}

/* 1 when the path p[0..n) (p[0] == '/') has a segment "." or "..". */
static int has_dot_segment(const char *p, size_t n)
{
    for (const char *d = memchr(p, '.', n); d;
         d = memchr(d + 1, '.', n - (size_t)(d + 1 - p))) {
        size_t k = (size_t)(d - p); /* >= 1: p[0] is the '/' */
        if (p[k - 1] != '/')
            continue;
        if (k + 1 == n || p[k + 1] == '/')
            return 1;
        if (p[k + 1] == '.' && (k + 2 == n || p[k + 2] == '/'))
            return 1;
    }
    return 0;
}

/* RFC 3986 5.2.4 for an absolute path p[0..n) (p[0] == '/'). A path
 * without dot-segments is copied as it is. */
static void remove_dots(struct sbuf *b, const char *p, size_t n)
{
    if (!has_dot_segment(p, n)) {
        sb_put(b, p, n);
        return;
    }
    size_t base = b->len, i = 1;
    for (;;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t len = j - i;
        int last = j >= n;
        if (len == 1 && p[i] == '.') {
            if (last)
                sb_putc(b, '/');
        } else if (len == 2 && p[i] == '.' && p[i + 1] == '.') {
            while (b->len > base && b->p[b->len - 1] != '/')
                b->len--;
            if (b->len > base)
                b->len--;
            if (last)
                sb_putc(b, '/');
        } else {
            sb_putc(b, '/');
            sb_put(b, p + i, len);
        }
        if (last || b->over)
            break;
        i = j + 1;
    }
}

struct scheme {
    const char *name;
    unsigned short defport; /* 0: none removed */
    unsigned char root;     /* empty path becomes "/" */
};

static const struct scheme schemes[] = {
    {"http", 80, 1}, {"https", 443, 1}, {"ftp", 21, 1}, {"ftps", 0, 1},
    {"ws", 80, 1},   {"wss", 443, 1},   {"sftp", 0, 0}, {"tcp", 0, 0},
    {"udp", 0, 0},   {"smb", 0, 0},     {"file", 0, 0},
};

static const struct scheme *find_scheme(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        const char *nm = schemes[i].name;
        if (strlen(nm) != n)
            continue;
        size_t j = 0;
        while (j < n && kz_lower((unsigned char)s[j]) == (unsigned char)nm[j])
            j++;
        if (j == n)
            return &schemes[i];
    }
    return NULL;
}

/* The host of a URL (no brackets, no port) in canonical form into b. */
static int url_host(struct sbuf *b, const char *h, size_t n)
{
    uint8_t a4[4];
    char buf[KZ_MAX_DOMAIN + 1];
    size_t len;
    /* a dotted quad (kz_norm_ipv4 without a port) ends with a digit */
    if (n && kz_is_digit((unsigned char)h[n - 1]) &&
        kz_norm_ipv4(h, n, a4, NULL) == KZ_OK) {
        char t[16];
        sb_put(b, t, fmt_v4(t, a4));
        return 1;
    }
    if (kz_norm_domain(h, n, buf, sizeof buf, &len) == KZ_OK) {
        sb_put(b, buf, len);
        return 1;
    }
    /* One label ("localhost", "intranet"): kept, lower-cased. */
    if (n == 0 || n > 63 || h[0] == '-' || h[n - 1] == '-')
        return 0;
    int alldigit = 1;
    for (size_t i = 0; i < n; i++) {
        if (!is_label_char((unsigned char)h[i]))
            return 0;
        if (!kz_is_digit((unsigned char)h[i]))
            alldigit = 0;
    }
    if (alldigit)
        return 0;
    for (size_t i = 0; i < n; i++)
        sb_putc(b, (char)kz_lower((unsigned char)h[i]));
    return 1;
}

/* The first '?' or '#' at or after from (<= n), or '/' too when slash is
 * set; n when there is none. With SIMD and n >= 16, sixteen bytes at a
 * time, the last block the one that ends at n (its bytes before the
 * position reached shifted out). */
static size_t find_any(const char *s, size_t from, size_t n, int slash)
{
    size_t i = from;
#if KZ_HAVE_V16
    if (n >= 16) {
        for (; n - i >= 16; i += 16) {
            unsigned m = url_stop_bits(kz_v16_load(s + i), slash);
            if (m)
                return i + (unsigned)__builtin_ctz(m);
        }
        if (i == n)
            return n;
        unsigned m =
            url_stop_bits(kz_v16_load(s + n - 16), slash) >> (16 - (n - i));
        return m ? i + (unsigned)__builtin_ctz(m) : n;
    }
#endif
    unsigned stop = slash ? U_QF | U_SLASH : U_QF;
    while (i < n && !(url_class[(unsigned char)s[i]] & stop))
        i++;
    return i;
}

kz_status kz_norm_url(const char *s, size_t n, char *out, size_t cap,
                      size_t *outlen)
{
    size_t host, host_n;
    return kz_norm_url_host(s, n, out, cap, outlen, &host, &host_n);
}

kz_status kz_norm_url_host(const char *s, size_t n, char *out, size_t cap,
                           size_t *outlen, size_t *host, size_t *host_n)
{
    *host = *host_n = 0;
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    clear_out(out, cap, outlen);
    if (n == 0 || has_nul(s, n))
        return KZ_ERR_PARSE;
    if (n > KZ_MAX_URL)
        return KZ_ERR_LIMIT;

    size_t i = 0;
    while (i < n && (kz_is_alnum((unsigned char)s[i]) || s[i] == '+' ||
                     s[i] == '-' || s[i] == '.'))
        i++;
    if (i == 0 || !kz_is_alpha((unsigned char)s[0]) || n - i < 3 ||
        memcmp(s + i, "://", 3) != 0)
        return KZ_ERR_PARSE;
    const struct scheme *sch = find_scheme(s, i);
    if (!sch)
        return KZ_ERR_PARSE;

    size_t a = i + 3;
    size_t e = find_any(s, a, n, 1);
    size_t at = e; /* after the last '@' of the authority, if any */
    if (memchr(s + a, '@', e - a))
        while (s[at - 1] != '@')
            at--;
    else
        at = a;
    size_t h = at; /* host and port start */
    int has_user = at > a;

    char ubuf[KZ_MAX_URL + 1];
    struct sbuf b = {ubuf, 0, KZ_MAX_URL, 0};
    for (size_t k = 0; k < i; k++)
        sb_putc(&b, (char)kz_lower((unsigned char)s[k]));
    sb_put(&b, "://", 3);
    if (has_user) {
        pct_norm(&b, s + a, at - 1 - a);
        sb_putc(&b, '@');
    }

    size_t hend, pstart;
    *host = b.len;
    if (h < e && s[h] == '[') {
        const char *close = memchr(s + h, ']', e - h);
        uint8_t a16[16];
        char t[64];
        size_t tl;
        if (!close)
            return KZ_ERR_PARSE;
        hend = (size_t)(close - s);
        if (kz_norm_ipv6(s + h + 1, hend - h - 1, a16, NULL) != KZ_OK ||
            kz_ip_format(a16, 6, t, sizeof t, &tl) != KZ_OK)
            return KZ_ERR_PARSE;
        sb_putc(&b, '[');
        sb_put(&b, t, tl);
        sb_putc(&b, ']');
        pstart = hend + 1;
        if (pstart < e && s[pstart] != ':')
            return KZ_ERR_PARSE;
    } else {
        const char *colon = memchr(s + h, ':', e - h);
        hend = colon ? (size_t)(colon - s) : e;
        pstart = hend;
        if (hend == h) {
            /* Only file: URLs may have no host ("file:///etc/passwd"). */
            if (strcmp(sch->name, "file") != 0 || has_user || colon)
                return KZ_ERR_PARSE;
        } else if (!url_host(&b, s + h, hend - h)) {
            return KZ_ERR_PARSE;
        }
    }
    *host_n = b.len - *host;
    if (pstart < e) { /* ":port", possibly empty */
        size_t ps = pstart + 1, pl = e - ps;
        uint64_t port = 0;
        size_t z = 0;
        while (z + 1 < pl && s[ps + z] == '0')
            z++; /* leading zeros are allowed in URLs */
        if (pl > 0 &&
            (!parse_dec(s + ps + z, pl - z, 5, 65535, &port) || port == 0))
            return KZ_ERR_PARSE;
        if (pl > 0 && port != sch->defport) {
            char t[8];
            sb_putc(&b, ':');
            sb_put(&b, t, put_dec(t, port));
        }
    }

    size_t q = find_any(s, e, n, 0);
    if (q > e) {
        char pbuf[KZ_MAX_URL + 1];
        struct sbuf pb = {pbuf, 0, KZ_MAX_URL, 0};
        pct_norm(&pb, s + e, q - e);
        if (pb.over)
            return KZ_ERR_LIMIT;
        remove_dots(&b, pbuf, pb.len);
    } else if (sch->root) {
        sb_putc(&b, '/');
    }
    if (q < n && s[q] == '?') {
        const char *hash = memchr(s + q + 1, '#', n - q - 1);
        size_t f = hash ? (size_t)(hash - s) : n;
        sb_putc(&b, '?');
        pct_norm(&b, s + q + 1, f - q - 1);
    }
    if (b.over)
        return KZ_ERR_LIMIT;
    return put_text(ubuf, b.len, out, cap, outlen);
}

/* ---- e-mail ------------------------------------------------------------- */

static int is_atext(unsigned char c)
{
    return kz_is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

kz_status kz_norm_email(const char *s, size_t n, char *out, size_t cap,
                        size_t *outlen)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    clear_out(out, cap, outlen);
    if (n == 0 || has_nul(s, n))
        return KZ_ERR_PARSE;
    const char *at = memchr(s, '@', n);
    if (!at)
        return KZ_ERR_PARSE;
    size_t ll = (size_t)(at - s);
    if (ll == 0 || ll > 64 || s[0] == '.' || s[ll - 1] == '.')
        return KZ_ERR_PARSE;
    for (size_t i = 0; i < ll; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.')
                return KZ_ERR_PARSE;
        } else if (!is_atext(c)) {
            return KZ_ERR_PARSE;
        }
    }
    char buf[KZ_MAX_EMAIL + 1];
    size_t dl;
    if (kz_norm_domain(at + 1, n - ll - 1, buf + ll + 1, sizeof buf - ll - 1,
                       &dl) != KZ_OK)
        return KZ_ERR_PARSE;
    memcpy(buf, s, ll);
    buf[ll] = '@';
    return put_text(buf, ll + 1 + dl, out, cap, outlen);
}

/* ---- digests ------------------------------------------------------------ */

static int digest_len_ok(size_t k)
{
    return k == 16 || k == 20 || k == 32 || k == 64;
}

kz_status kz_norm_hash(const char *s, size_t n, uint8_t *out, size_t cap,
                       size_t *outlen)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    if (outlen)
        *outlen = 0;
    size_t k, step;
    if (n % 2 == 0 && digest_len_ok(n / 2)) {
        k = n / 2;
        step = 2;
    } else if (n >= 5 && (n + 1) % 3 == 0 && digest_len_ok((n + 1) / 3)) {
        k = (n + 1) / 3;
        step = 3;
        char sep = s[2];
        if (sep != ':' && sep != ' ' && sep != '-')
            return KZ_ERR_PARSE;
        for (size_t p = 2; p < n; p += 3)
            if (s[p] != sep)
                return KZ_ERR_PARSE;
    } else {
        return KZ_ERR_PARSE;
    }
    for (size_t j = 0; j < k; j++) {
        unsigned char hi = (unsigned char)s[j * step];
        unsigned char lo = (unsigned char)s[j * step + 1];
        if (!kz_is_xdigit(hi) || !kz_is_xdigit(lo))
            return KZ_ERR_PARSE;
    }
    if (k > cap)
        return KZ_ERR_LIMIT;
    for (size_t j = 0; j < k; j++)
        out[j] = (uint8_t)(kz_hexval((unsigned char)s[j * step]) * 16 +
                           kz_hexval((unsigned char)s[j * step + 1]));
    if (outlen)
        *outlen = k;
    return KZ_OK;
}

void kz_hex_format(const uint8_t *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    if (!out)
        return;
    if (!b)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- kz_normalize ------------------------------------------------------- */

static kz_status norm_cve(const char *s, size_t n, char *out, size_t cap,
                          size_t *outlen)
{
    /* CVE-YYYY-NNNN with a 4 to 7 digit sequence number. */
    if (n < 13 || n > 16 || kz_lower((unsigned char)s[0]) != 'c' ||
        kz_lower((unsigned char)s[1]) != 'v' ||
        kz_lower((unsigned char)s[2]) != 'e' || s[3] != '-' || s[8] != '-')
        return KZ_ERR_PARSE;
    unsigned year = 0;
    for (size_t i = 4; i < 8; i++) {
        if (!kz_is_digit((unsigned char)s[i]))
            return KZ_ERR_PARSE;
        year = year * 10 + (unsigned)(s[i] - '0');
    }
    if (year < 1999 || year > 2100)
        return KZ_ERR_PARSE;
    for (size_t i = 9; i < n; i++)
        if (!kz_is_digit((unsigned char)s[i]))
            return KZ_ERR_PARSE;
    char buf[16];
    memcpy(buf, "CVE", 3);
    memcpy(buf + 3, s + 3, n - 3);
    return put_text(buf, n, out, cap, outlen);
}

static kz_status norm_asn(const char *s, size_t n, char *out, size_t cap,
                          size_t *outlen)
{
    size_t i = 0;
    if (n >= 2 && kz_lower((unsigned char)s[0]) == 'a' &&
        kz_lower((unsigned char)s[1]) == 's') {
        i = 2;
        if (i < n && kz_lower((unsigned char)s[i]) == 'n')
            i++;
        if (i < n && s[i] == ' ')
            i++;
    }
    uint64_t v;
    if (!parse_dec(s + i, n - i, 10, 4294967295u, &v) || v == 0)
        return KZ_ERR_PARSE;
    char buf[16] = "AS";
    return put_text(buf, 2 + put_dec(buf + 2, v), out, cap, outlen);
}

static size_t digest_len_of(kz_type t)
{
    switch (t) {
    case KZ_T_MD5:
    case KZ_T_JA3:
    case KZ_T_JA3S:
        return 16;
    case KZ_T_SHA1:
    case KZ_T_CERT_SHA1:
        return 20;
    case KZ_T_SHA256:
    case KZ_T_CERT_SHA256:
    case KZ_T_AUTHENTIHASH:
        return 32;
    case KZ_T_SHA512:
        return 64;
    default:
        return 0;
    }
}

/* Types kept as written: the ceiling of each. */
static size_t verbatim_max(kz_type t)
{
    switch (t) {
    case KZ_T_FILENAME:
    case KZ_T_FILEPATH:
    case KZ_T_REGKEY:
    case KZ_T_MUTEX:
        return KZ_MAX_PATH;
    case KZ_T_STRING:
    case KZ_T_USER_AGENT:
    case KZ_T_SIGNER:
        return KZ_MAX_VALUE;
    case KZ_T_YARA:
        return KZ_MAX_YARA_RULE;
    default:
        return 0;
    }
}

/* Lower-cases s[0..n) (n >= 16) into out when every byte is a hex digit
 * (digests are 32 to 128 of them: sixteen at a time, the last sixteen
 * overlapping the ones before); 0 when one is not, out then holding part
 * of the digits. */
static int hex_lower(const char *s, size_t n, char *out)
{
#if KZ_HAVE_V16
    for (size_t i = 0;; i += 16) {
        if (i > n - 16)
            i = n - 16;
        kz_v16 v = kz_v16_load(s + i);
        kz_v16 l = kz_v16_lower(v);
        kz_v16 dig = kz_v16_range(v, '0', '9');
        kz_v16 hex = kz_v16_or(dig, kz_v16_range(l, 'a', 'f'));
        if (kz_v16_bits(hex) != 0xFFFF)
            return 0;
        /* digits stay, letters are lower-cased */
        kz_v16_store(out + i,
                     kz_v16_or(kz_v16_and(dig, v), kz_v16_andnot(l, dig)));
        if (i == n - 16)
            return 1;
    }
#else
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!kz_is_xdigit(c))
            return 0;
        out[i] = (char)kz_lower(c);
    }
    return 1;
#endif
}

/* kz_normalize for every other value (a digest not in plain hex too). */
static kz_status normalize_any(kz_type t, const char *s, size_t n, char *out,
                               size_t cap, size_t *outlen)
{
    clear_out(out, cap, outlen);
    if (n == 0 || has_nul(s, n))
        return KZ_ERR_PARSE;

    uint8_t a[16];
    uint16_t port;
    int fam;
    unsigned prefix;
    switch (t) {
    case KZ_T_IPV4: {
        uint8_t b4[4];
        char buf[16];
        if (kz_norm_ipv4(s, n, b4, &port) != KZ_OK)
            return KZ_ERR_PARSE;
        return put_text(buf, fmt_v4(buf, b4), out, cap, outlen);
    }
    case KZ_T_IPV6:
        if (kz_norm_ipv6(s, n, a, &port) != KZ_OK)
            return KZ_ERR_PARSE;
        return kz_ip_format(a, 6, out, cap, outlen);
    case KZ_T_CIDR: {
        char buf[64];
        size_t len;
        if (kz_norm_cidr(s, n, a, &fam, &prefix, NULL) != KZ_OK)
            return KZ_ERR_PARSE;
        kz_status st = kz_ip_format(a, fam, buf, sizeof buf - 4, &len);
        if (st != KZ_OK)
            return st;
        buf[len++] = '/';
        len += put_dec(buf + len, prefix);
        return put_text(buf, len, out, cap, outlen);
    }
    case KZ_T_DOMAIN:
        return kz_norm_domain(s, n, out, cap, outlen);
    case KZ_T_URL:
        return kz_norm_url(s, n, out, cap, outlen);
    case KZ_T_EMAIL:
        return kz_norm_email(s, n, out, cap, outlen);
    case KZ_T_CVE:
        return norm_cve(s, n, out, cap, outlen);
    case KZ_T_ASN:
        return norm_asn(s, n, out, cap, outlen);
    default:
        break;
    }
    size_t dl = digest_len_of(t);
    if (dl) {
        uint8_t d[64];
        size_t len;
        kz_status st = kz_norm_hash(s, n, d, sizeof d, &len);
        if (st != KZ_OK)
            return st;
        if (len != dl)
            return KZ_ERR_PARSE;
        if (cap < 2 * len + 1)
            return KZ_ERR_LIMIT;
        kz_hex_format(d, len, out);
        if (outlen)
            *outlen = 2 * len;
        return KZ_OK;
    }
    size_t max = verbatim_max(t);
    if (max == 0)
        return KZ_ERR_INVALID;
    if (n > max)
        return KZ_ERR_LIMIT;
    return put_text(s, n, out, cap, outlen);
}

kz_status kz_normalize(kz_type t, const char *s, size_t n, char *out,
                       size_t cap, size_t *outlen)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    /* Plain hex, as nearly every digest is written: lower-cased (a NUL is
     * not a hex digit, so no search for one first). */
    size_t dl = digest_len_of(t);
    if (dl && n == 2 * dl && cap > n && hex_lower(s, n, out)) {
        out[n] = '\0';
        if (outlen)
            *outlen = n;
        return KZ_OK;
    }
    return normalize_any(t, s, n, out, cap, outlen);
}
