/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sweep's hot path (scan.h). Sixty-four bytes at a time, a pass made
 * of vector compares (AVX-512BW, AVX2 or SSE2, whichever the CPU has)
 * finds the bytes every candidate token holds -- '.', ':' and '@' -- and
 * the aligned 16-byte lanes made only of hex digits (a run of 32 or more
 * hex digits always covers one); everything else is skipped without a
 * look. Around each such place the token is grown with a byte-class table
 * and classified:
 *
 *   '.'  a host-like run [A-Za-z0-9_.-]: an IPv4 address when it is exactly
 *        four dotted numbers, else a host name (looked up with every parent
 *        domain) and a file name;
 *   ':'  "scheme://": a URL up to the first byte that cannot be in one;
 *        else a run of hex digits, ':' and '.': an IPv6 address (any
 *        textual form) or a colon-separated thumbprint;
 *   '@'  an e-mail address;
 *   hex  a whole run of 32, 40, 64 or 128 hex digits: a digest.
 *
 * Tokens are maximal runs of their class, so `notevil.example` is never
 * looked up as `evil.example`, and `11.2.3.45` never as `1.2.3.4`.
 */
#include <string.h>

#include "core/core_int.h"
#include "core/simd_int.h"
#include "evidence/scan.h"
#include "index/index_int.h"
#include "kizashi/limits.h"

enum {
    C_HOST = 1,   /* A-Z a-z 0-9 - _ . */
    C_HEX = 2,    /* 0-9 A-F a-f */
    C_DIGIT = 4,  /* 0-9 */
    C_V6 = 8,     /* hex, ':', '.' */
    C_LOCAL = 16, /* e-mail local part: A-Za-z0-9 . _ % + - */
    C_SCHEME = 32,
    C_URLSTOP = 64, /* ends a URL: controls, space, quotes, <>\^`{|} DEL */
    C_ALPHA = 128
};

static uint8_t cls[256];
/* Hex digit values (only hex digits are looked up). */
static uint8_t hexv[256];
static int cls_ready;

static void cls_init(void)
{
    for (int c = 0; c < 256; c++) {
        uint8_t v = 0;
        int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        int digit = c >= '0' && c <= '9';
        int hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (alpha || digit || c == '-' || c == '_' || c == '.')
            v |= C_HOST;
        if (hex)
            v |= C_HEX;
        if (digit)
            v |= C_DIGIT;
        if (hex || c == ':' || c == '.')
            v |= C_V6;
        if (alpha || digit || c == '.' || c == '_' || c == '%' || c == '+' ||
            c == '-')
            v |= C_LOCAL;
        if (alpha || digit || c == '+' || c == '.' || c == '-')
            v |= C_SCHEME;
        if (c <= 0x20 || c == '"' || c == '\'' || c == '<' || c == '>' ||
            c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' ||
            c == '}' || c == 0x7f)
            v |= C_URLSTOP;
        if (alpha)
            v |= C_ALPHA;
        cls[c] = v;
        hexv[c] = (uint8_t)(digit ? c - '0' : hex ? (c | 0x20) - 'a' + 10 : 0);
    }
    cls_ready = 1;
}

#define CL(c) cls[(unsigned char)(c)]

void kz_scanner_init(struct kz_scanner *s, const kz_index *ix, int split_urls)
{
    memset(s, 0, sizeof *s);
    if (!cls_ready)
        cls_init();
    s->ix = ix;
    s->isa = kz_scan_isa_best();
    kz_typeset t = kz_index_lookup_types(ix);
    if (KZ_TYPESET_HAS(t, KZ_T_IPV4))
        s->want |= 1u << KZ_T_IPV4;
    if (KZ_TYPESET_HAS(t, KZ_T_DOMAIN))
        s->want |= 1u << KZ_T_DOMAIN;
    if (KZ_TYPESET_HAS(t, KZ_T_URL)) {
        s->want |= 1u << KZ_T_URL;
        s->urlhosts = split_urls != 0;
    }
    if (KZ_TYPESET_HAS(t, KZ_T_EMAIL))
        s->want |= 1u << KZ_T_EMAIL;
    if (KZ_TYPESET_HAS(t, KZ_T_MD5))
        s->want |= 1u << KZ_T_MD5;
    if (KZ_TYPESET_HAS(t, KZ_T_FILENAME))
        s->want |= 1u << KZ_T_FILENAME;
}

void kz_scanner_free(struct kz_scanner *s)
{
    kz_free(s->hits);
    s->hits = NULL;
    s->nhits = s->cap = 0;
}

void kz_scanner_reset(struct kz_scanner *s)
{
    s->nhits = 0;
    s->dropped = 0;
    s->newlines = 0;
    s->url_end = 0;
    s->hex_end = 0;
    s->qhead = s->qn = 0;
}

#define WANT(s, t) (((s)->want >> (t)) & 1u)

static void push(struct kz_scanner *s, uint32_t entry, kz_match_kind how)
{
    if (s->nhits >= KZ_MAX_HITS_PER_CHUNK) {
        s->dropped++;
        return;
    }
    if (s->nhits == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        struct kz_scan_hit *nh = kz_realloc(s->hits, ncap * sizeof *nh);
        if (!nh) {
            s->oom = 1;
            s->dropped++;
            return;
        }
        s->hits = nh;
        s->cap = ncap;
    }
    struct kz_scan_hit *h = &s->hits[s->nhits++];
    h->pos = s->tpos;
    h->line = s->tline;
    h->len = s->tlen;
    h->entry = entry;
    h->how = (uint8_t)how;
    h->type = s->ttype;
}

static void on_hit(void *ud, uint32_t entry, kz_match_kind how)
{
    push(ud, entry, how);
}

/* Tests and probes a queued lookup. */
static void run_pending(struct kz_scanner *s, const struct kz_scan_pending *p)
{
    if (!kzi_bloom_test(s->ix, p->kind, p->h))
        return;
    /* The hit is the queued token's; the token being scanned stays. */
    uint64_t tpos = s->tpos;
    uint64_t tline = s->tline;
    uint32_t tlen = s->tlen;
    uint8_t ttype = s->ttype;
    s->tpos = p->tpos;
    s->tline = p->tline;
    s->tlen = p->tlen;
    s->ttype = p->ttype;
    if (p->kind == KZI_K_URLHOST) {
        if (kzi_urlhost_table_has(s->ix, p->h))
            push(s, KZ_SCAN_URLHOST, KZ_MATCH_EXACT);
    } else {
        kzi_probe_table(s->ix, p->h, p->key, p->klen, p->fold, on_hit, s,
                        (kz_match_kind)p->how);
        if (p->urlhost && kzi_urlhost_table_has(s->ix, p->h))
            push(s, KZ_SCAN_URLHOST, KZ_MATCH_EXACT);
    }
    s->tpos = tpos;
    s->tline = tline;
    s->tlen = tlen;
    s->ttype = ttype;
}

static void drain(struct kz_scanner *s)
{
    while (s->qn) {
        run_pending(s, &s->q[s->qhead]);
        s->qhead = (s->qhead + 1) % KZ_SCAN_QUEUE;
        s->qn--;
    }
}

/* Queues a lookup of key (n bytes; copied when copy is nonzero, else it
 * must stay valid until the scan ends) for the token set last; returns the
 * queued lookup (NULL: the index has no key of the kind). */
static struct kz_scan_pending *enqueue(struct kz_scanner *s, unsigned kind,
                                       uint64_t h, const void *key, size_t n,
                                       int copy, int fold, kz_match_kind how)
{
    if (!s->ix->bloom[kind])
        return NULL;
    if (s->qn == KZ_SCAN_QUEUE) {
        run_pending(s, &s->q[s->qhead]);
        s->qhead = (s->qhead + 1) % KZ_SCAN_QUEUE;
        s->qn--;
    }
    kzi_prefetch(s->ix, kind, h);
    struct kz_scan_pending *p = &s->q[(s->qhead + s->qn) % KZ_SCAN_QUEUE];
    s->qn++;
    p->h = h;
    p->tpos = s->tpos;
    p->tline = s->tline;
    p->tlen = s->tlen;
    p->ttype = s->ttype;
    p->kind = (uint8_t)kind;
    p->urlhost = 0;
    p->fold = (uint8_t)fold;
    p->how = (uint8_t)how;
    p->klen = (uint16_t)n;
    if (copy && n <= sizeof p->kb) {
        memcpy(p->kb, key, n);
        p->key = p->kb;
    } else {
        p->key = key;
    }
    return p;
}

/* A host name: every parent domain (and the name itself) queued for the
 * domain table, and the name for the URL hosts' filter. */
struct host_queue {
    struct kz_scanner *s;
    const char *host;
    int domains;
};

static void queue_suffix(void *ud, uint64_t h, size_t off, size_t len)
{
    struct host_queue *q = ud;
    if (q->domains)
        enqueue(q->s, KZI_K_DOMAIN, h, q->host + off, len, 0, 1,
                off == 0 ? KZ_MATCH_EXACT : KZ_MATCH_SUBDOMAIN);
}

/* (The filter of last labels let the name through.) */
static void lookup_host(struct kz_scanner *s, const char *host, size_t n,
                        int domains, int urlhosts)
{
    if (!n || n > KZ_MAX_DOMAIN)
        return;
    struct host_queue q = {s, host, domains};
    uint64_t whole = kzi_host_walk(host, n, queue_suffix, &q);
    if (urlhosts)
        enqueue(s, KZI_K_URLHOST, kzi_host_final(whole, KZI_K_URLHOST, n), NULL,
                0, 0, 0, KZ_MATCH_EXACT);
}

/* An address: IP indicators (exact and CIDR) when ip, and when urlhost
 * (an IPv4 address in a log whose URLs come split over fields) whether it
 * is a URL indicator's host -- the same hash and Bloom test for both. */
static void lookup_ip(struct kz_scanner *s, const uint8_t addr[16], int ip,
                      int urlhost)
{
    struct kz_scan_pending *p =
        enqueue(s, KZI_K_IP, kzi_hash(KZI_K_IP, addr, 16), addr, 16, 1, 0,
                KZ_MATCH_EXACT);
    if (p)
        p->urlhost = (uint8_t)(urlhost != 0);
    if (ip)
        kzi_lookup_cidr(s->ix, addr, on_hit, s);
}

static void lookup_digest(struct kz_scanner *s, const uint8_t *d, size_t n)
{
    enqueue(s, KZI_K_DIGEST, kzi_hash(KZI_K_DIGEST, d, n), d, n, 1, 0,
            KZ_MATCH_EXACT);
}

static void token(struct kz_scanner *s, uint64_t pos, size_t len, kz_type t)
{
    s->tpos = pos;
    s->tline = s->line_here;
    s->tlen = (uint32_t)len;
    s->ttype = (uint8_t)t;
}

static int hexval(unsigned char c)
{
    return hexv[c];
}

static kz_type digest_type(size_t bytes)
{
    switch (bytes) {
    case 16:
        return KZ_T_MD5;
    case 20:
        return KZ_T_SHA1;
    case 32:
        return KZ_T_SHA256;
    default:
        return KZ_T_SHA512;
    }
}

/* A run of hex digits [a, b). */
static void do_hex(struct kz_scanner *s, const char *buf, size_t a, size_t b,
                   uint64_t base)
{
    size_t n = b - a;
    s->hex_end = base + b;
    if (n != 32 && n != 40 && n != 64 && n != 128)
        return;
    uint8_t d[64];
    for (size_t i = 0; i < n / 2; i++)
        d[i] = (uint8_t)(hexval((unsigned char)buf[a + 2 * i]) << 4 |
                         hexval((unsigned char)buf[a + 2 * i + 1]));
    token(s, base + a, n, digest_type(n / 2));
    lookup_digest(s, d, n / 2);
}

/* A run of hex digits, ':' and '.' [a, b) holding at least two colons. */
static void do_v6(struct kz_scanner *s, const char *buf, size_t a, size_t b,
                  uint64_t base)
{
    /* A thumbprint: hex pairs separated by colons. */
    size_t n = b - a;
    if (WANT(s, KZ_T_MD5) && (n + 1) % 3 == 0) {
        size_t g = (n + 1) / 3;
        if (g == 16 || g == 20 || g == 32 || g == 64) {
            uint8_t d[64];
            size_t i = 0;
            for (; i < g; i++) {
                const char *q = buf + a + 3 * i;
                if (!(CL(q[0]) & C_HEX) || !(CL(q[1]) & C_HEX) ||
                    (i + 1 < g && q[2] != ':'))
                    break;
                d[i] = (uint8_t)(hexval((unsigned char)q[0]) << 4 |
                                 hexval((unsigned char)q[1]));
            }
            if (i == g) {
                token(s, base + a, n, digest_type(g));
                lookup_digest(s, d, g);
                return;
            }
        }
    }
    if (!WANT(s, KZ_T_IPV4))
        return;
    /* Trim a colon that is not part of "::" at either end. */
    if (n >= 2 && buf[a] == ':' && buf[a + 1] != ':')
        a++;
    if (b - a >= 2 && buf[b - 1] == ':' && buf[b - 2] != ':')
        b--;
    /* A trailing dot ends a sentence, not an address. */
    while (b > a && buf[b - 1] == '.')
        b--;
    n = b - a;
    if (n < 2 || n > 45)
        return;
    unsigned colons = 0, dbl = 0;
    for (size_t i = a; i < b; i++)
        if (buf[i] == ':') {
            colons++;
            if (i + 1 < b && buf[i + 1] == ':')
                dbl = 1;
        }
    if (colons < 2 || colons > 7 || (!dbl && colons != 7 && colons != 6))
        return;
    uint8_t addr[16];
    int fam;
    if (kz_norm_ip(buf + a, n, addr, &fam, NULL) != KZ_OK)
        return;
    token(s, base + a, n, fam == 4 ? KZ_T_IPV4 : KZ_T_IPV6);
    lookup_ip(s, addr, 1, 0);
}

/* kzi_parse_quad of p[0..len), which holds only digits and dots, with
 * avail bytes readable at p: without a branch per byte when 16 are (the
 * dots found by one compare, each number read from its last three
 * bytes). */
static int quad(const char *p, size_t len, size_t avail, uint8_t addr[16])
{
#if KZ_HAVE_V16
    if (len <= 15 && avail >= 16) {
        char t[3 + 16] = {'0', '0', '0'};
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        _mm_storeu_si128((__m128i *)(void *)(t + 3), v);
        unsigned dots =
            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))) &
            ((1u << len) - 1);
        /* exactly three dots (no popcount: not every x86-64 has one) */
        unsigned r2 = dots & (dots - 1), r3 = r2 & (r2 - 1);
        if (!r3 || (r3 & (r3 - 1)))
            return 0;
        unsigned d1 = (unsigned)__builtin_ctz(dots);
        unsigned d2 = (unsigned)__builtin_ctz(r2);
        unsigned d3 = (unsigned)__builtin_ctz(r3);
        unsigned st[4] = {0, d1 + 1, d2 + 1, d3 + 1};
        unsigned en[4] = {d1, d2, d3, (unsigned)len};
        unsigned bad = 0;
        memset(addr, 0, 10);
        addr[10] = addr[11] = 0xff;
        for (unsigned k = 0; k < 4; k++) {
            unsigned l = en[k] - st[k];
            const char *q = t + 3 + en[k];
            unsigned v1 = (unsigned)(q[-1] - '0');
            unsigned v2 = l >= 2 ? (unsigned)(q[-2] - '0') : 0;
            unsigned v3 = l >= 3 ? (unsigned)(q[-3] - '0') : 0;
            unsigned val = v1 + 10 * v2 + 100 * v3;
            bad |= (l - 1 > 2) | (val > 255);
            addr[12 + k] = (uint8_t)val;
        }
        return !bad;
    }
#endif
    (void)avail;
    return kzi_parse_quad(p, len, addr);
}

/* 1 when buf[a..b) holds only digits and dots (16 bytes at a time where
 * the buffer has them). */
static int only_digits_dots(const char *buf, size_t n, size_t a, size_t b)
{
#if KZ_HAVE_V16
    while (a + 16 <= n && a < b) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(buf + a));
        __m128i ok = _mm_or_si128(
            _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                          _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1))),
            _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
        unsigned bad = ~(unsigned)_mm_movemask_epi8(ok) & 0xFFFFu;
        size_t len = b - a < 16 ? b - a : 16;
        if (bad & ((1u << len) - 1))
            return 0;
        a += len;
    }
#endif
#if !KZ_HAVE_V16
    (void)n;
#endif
    for (; a < b; a++)
        if (!(CL(buf[a]) & C_DIGIT) && buf[a] != '.')
            return 0;
    return 1;
}

/* A host-like run [a, b). */
/* numeric: 1 when the run holds only digits and dots, 0 when not, -1 when
 * not known yet. */
static void do_host(struct kz_scanner *s, const char *buf, size_t n, size_t a,
                    size_t b, uint64_t base, int numeric)
{
    /* A digest inside a longer run ("0123...cdef.exe", "x_<sha256>"):
     * runs of hex digits bounded by other bytes. */
    if (WANT(s, KZ_T_MD5) && b - a > 32) {
        for (size_t i = a; i < b;) {
            if (!(CL(buf[i]) & C_HEX)) {
                i++;
                continue;
            }
            size_t e = i;
            while (e < b && (CL(buf[e]) & C_HEX))
                e++;
            if (e - i >= 32 && base + e > s->hex_end)
                do_hex(s, buf, i, e, base);
            i = e;
        }
    }
    if (numeric < 0)
        numeric = only_digits_dots(buf, n, a, b);
    if (numeric) {
        /* "1.2.3.4" or "1.2.3.4." (end of a sentence); a leading dot means
         * a longer dotted run (".1.3.6.1.2.3.4.0"). */
        size_t e = b;
        if (e > a && buf[e - 1] == '.')
            e--;
        uint8_t addr[16];
        if (buf[a] == '.' || !(WANT(s, KZ_T_IPV4) || s->urlhosts) ||
            !quad(buf + a, e - a, n - a, addr))
            return;
        token(s, base + a, e - a, KZ_T_IPV4);
        /* also as the host of a URL split over fields */
        lookup_ip(s, addr, WANT(s, KZ_T_IPV4), s->urlhosts);
        return;
    }
    while (a < b && buf[a] == '.')
        a++;
    while (b > a && buf[b - 1] == '.')
        b--;
    if (b - a < 3)
        return;
    /* Host names and file names end in a label some indicator ends in. */
    unsigned lf = kzi_label_flags(s->ix, buf + a, b - a);
    if ((lf & KZI_LABEL_HOST) && (WANT(s, KZ_T_DOMAIN) || s->urlhosts)) {
        token(s, base + a, b - a, KZ_T_DOMAIN);
        lookup_host(s, buf + a, b - a, WANT(s, KZ_T_DOMAIN), s->urlhosts);
    }
    /* File names count as a Windows path's last component or as a whole
     * word or value -- not inside URLs and URI paths, where a name like
     * "payload.ps1" is a page, not a file on a host. */
    if (WANT(s, KZ_T_FILENAME) && base + a >= s->url_end &&
        (lf & KZI_LABEL_EXT) && (a == 0 || buf[a - 1] != '/')) {
        token(s, base + a, b - a, KZ_T_FILENAME);
        kz_index_lookup_filename(s->ix, buf + a, b - a, on_hit, s);
    }
}

/* "scheme://..." with the colon at pos; returns where scanning goes on. */
static size_t do_url(struct kz_scanner *s, const char *buf, size_t n,
                     size_t pos, uint64_t base, int escaped)
{
    size_t a = pos;
    while (a > 0 && (CL(buf[a - 1]) & C_SCHEME))
        a--;
    while (a < pos && !(CL(buf[a]) & C_ALPHA))
        a++;
    size_t skip = escaped ? 5 : 3; /* "://" or ":\/\/" */
    if (a == pos)
        return pos + 1;
    size_t e = pos + skip;
    while (e < n &&
           (!(CL(buf[e]) & C_URLSTOP) ||
            (escaped && buf[e] == '\\' && e + 1 < n && buf[e + 1] == '/')))
        e += (escaped && buf[e] == '\\') ? 2 : 1;
    if (e > n)
        e = n;
    /* Punctuation that ends a sentence or a list is not part of a URL;
     * a ')' is, when the URL opened one ("..._(disambiguation)"). */
    while (e > pos + skip) {
        char c = buf[e - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
            c == '?')
            e--;
        else if (c == ')' && !memchr(buf + a, '(', e - a))
            e--;
        else
            break;
    }
    if (e - a > KZ_MAX_URL)
        return pos + skip;
    /* The URL as a log wrote it, with "\/" (JSON escaping) undone. */
    char url[KZ_MAX_URL + 1];
    size_t un = 0;
    for (size_t i = a; i < e; i++) {
        if (escaped && buf[i] == '\\' && i + 1 < e && buf[i + 1] == '/')
            i++;
        url[un++] = buf[i];
    }
    /* The host: after "//" and any user-info, up to the port or path. */
    const char *sep = memchr(url, ':', un);
    size_t h = sep ? (size_t)(sep - url) + 3 : un, he = h;
    if (h > un)
        h = he = un;
    while (he < un && url[he] != '/' && url[he] != '?' && url[he] != '#')
        he++;
    for (size_t i = h; i < he; i++)
        if (url[i] == '@')
            h = i + 1;
    size_t hp = h;
    if (hp < he && url[hp] == '[') {
        while (hp < he && url[hp] != ']')
            hp++;
        h++;
    } else {
        while (hp < he && url[hp] != ':')
            hp++;
    }
    s->url_end = base + e;
    if (hp > h && kz_index_is_url_host(s->ix, url + h, hp - h)) {
        char canon[KZ_MAX_URL + 1];
        size_t cn;
        if (kz_norm_url(url, un, canon, sizeof canon, &cn) == KZ_OK) {
            token(s, base + a, e - a, KZ_T_URL);
            kz_index_lookup_url(s->ix, canon, cn, on_hit, s);
        }
    }
    return pos + skip;
}

/* The end of the run of host bytes [A-Za-z0-9_.-] starting at i (16
 * bytes at a time where 16 bytes are left), and its start before i. */
#if KZ_HAVE_V16
static inline unsigned host_mask16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
                                  _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i punct =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(alpha, digit), punct));
}
#endif

static inline size_t host_end(const char *buf, size_t n, size_t i)
{
#if KZ_HAVE_V16
    while (i + 16 <= n) {
        unsigned m = ~host_mask16(buf + i) & 0xFFFFu;
        if (m)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    while (i < n && (CL(buf[i]) & C_HOST))
        i++;
    return i;
}

static inline size_t host_start(const char *buf, size_t i)
{
#if KZ_HAVE_V16
    while (i >= 16) {
        unsigned m = ~host_mask16(buf + i - 16) & 0xFFFFu;
        if (m)
            return i - 16 + (size_t)(32 - __builtin_clz(m));
        i -= 16;
    }
#endif
    while (i > 0 && (CL(buf[i - 1]) & C_HOST))
        i--;
    return i;
}

/* Handles the candidate around byte pos (one of ". : @"); returns the
 * position before which no further candidate is looked at. */
/* The masks of the 64-byte block at i that trigger() uses: the host-like
 * bytes [A-Za-z0-9_.-] and those of them that are not digits or dots. */
struct bmask {
    size_t i;
    uint64_t host, alpha;
    uint64_t v6, col; /* hex digits, ':' and '.'; ':' */
};

/* The maximal run of set bits of m around bit p (0..63) of the block at
 * i, as [*a, *b): 1 when it starts and ends inside the block. */
static inline int run_in_block(uint64_t m, size_t i, unsigned p, size_t *a,
                               size_t *b)
{
    uint64_t below = ~m & ((1ull << p) - 1);
    uint64_t above = ~m & (~1ull << p);
    if (!below || !above)
        return 0;
    *a = i + 64 - (size_t)__builtin_clzll(below);
    *b = i + (size_t)__builtin_ctzll(above);
    return 1;
}

/* Bits [a, b) of the block at i (a < b, both inside). */
static inline uint64_t bits_of(size_t i, size_t a, size_t b)
{
    return ((1ull << (b - i)) - 1) & ~((1ull << (a - i)) - 1);
}

static size_t trigger(struct kz_scanner *s, const char *buf, size_t n,
                      size_t pos, uint64_t base, const struct bmask *bm)
{
    char c = buf[pos];
    if (c == '.') {
        /* The run around the dot: from the block's masks when it starts
         * and ends inside the block, else grown 16 bytes at a time. */
        size_t a, b;
        int numeric = -1;
        if (bm &&
            run_in_block(bm->host, bm->i, (unsigned)(pos - bm->i), &a, &b)) {
            numeric = !(bm->alpha & bits_of(bm->i, a, b));
        } else {
            a = host_start(buf, pos);
            b = host_end(buf, n, pos + 1);
        }
        /* Digits and dots after a colon: the IPv4 tail of an IPv6
         * address ("::ffff:192.0.2.1", "64:ff9b::198.51.100.7"). */
        if (a > 0 && buf[a - 1] == ':') {
            size_t va = a, vb = b;
            while (va > 0 && (CL(buf[va - 1]) & C_V6))
                va--;
            while (vb < n && (CL(buf[vb]) & C_V6))
                vb++;
            unsigned colons = 0;
            for (size_t i = va; i < vb; i++)
                colons += buf[i] == ':';
            if (colons >= 2) {
                do_v6(s, buf, va, vb, base);
                return vb;
            }
        }
        do_host(s, buf, n, a, b, base, numeric);
        return b;
    }
    if (c == ':') {
        if (pos + 2 < n && buf[pos + 1] == '/' && buf[pos + 2] == '/') {
            if (WANT(s, KZ_T_URL))
                return do_url(s, buf, n, pos, base, 0);
            return pos + 3;
        }
        /* "http:\/\/": a URL in JSON written by an encoder that escapes
         * slashes */
        if (pos + 4 < n && buf[pos + 1] == '\\' && buf[pos + 2] == '/' &&
            buf[pos + 3] == '\\' && buf[pos + 4] == '/') {
            if (WANT(s, KZ_T_URL))
                return do_url(s, buf, n, pos, base, 1);
            return pos + 5;
        }
        /* The run of hex digits, ':' and '.' around the colon: from the
         * block's masks when it lies inside the block. */
        size_t a, b;
        int two; /* at least two colons */
        if (bm &&
            run_in_block(bm->v6, bm->i, (unsigned)(pos - bm->i), &a, &b)) {
            uint64_t c2 = bm->col & bits_of(bm->i, a, b);
            two = (c2 & (c2 - 1)) != 0;
        } else {
            a = pos;
            b = pos + 1;
            while (a > 0 && (CL(buf[a - 1]) & C_V6))
                a--;
            while (b < n && (CL(buf[b]) & C_V6))
                b++;
            unsigned colons = 0;
            for (size_t i = a; i < b && colons < 2; i++)
                colons += buf[i] == ':';
            two = colons >= 2;
        }
        if (b - a < 3)
            return pos + 1;
        if (!two) {
            /* "1.2.3.4:443": the host part has been looked at already;
             * go on after the colon. */
            return pos + 1;
        }
        do_v6(s, buf, a, b, base);
        return b;
    }
    /* '@' */
    if (WANT(s, KZ_T_EMAIL)) {
        size_t a = pos, b = pos + 1;
        while (a > 0 && (CL(buf[a - 1]) & C_LOCAL))
            a--;
        while (b < n && (CL(buf[b]) & C_HOST))
            b++;
        while (b > pos + 1 && buf[b - 1] == '.')
            b--;
        if (a < pos && b > pos + 3 && b - a <= KZ_MAX_EMAIL) {
            token(s, base + a, b - a, KZ_T_EMAIL);
            kz_index_lookup_email(s->ix, buf + a, b - a, on_hit, s);
        }
    }
    return pos + 1;
}

/* A block of 16 hex digits at i: the run around it. */
static size_t hex_run(struct kz_scanner *s, const char *buf, size_t n, size_t i,
                      uint64_t base)
{
    size_t a = i, b = i + 16;
    while (a > 0 && (CL(buf[a - 1]) & C_HEX))
        a--;
    while (b < n && (CL(buf[b]) & C_HEX))
        b++;
    if (WANT(s, KZ_T_MD5))
        do_hex(s, buf, a, b, base);
    return b;
}

/* A stable insertion sort of hits by position (they come nearly sorted). */
static void sort_hits(struct kz_scan_hit *h, size_t n)
{
    for (size_t k = 1; k < n; k++) {
        struct kz_scan_hit x = h[k];
        size_t j = k;
        while (j > 0 && h[j - 1].pos > x.pos) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = x;
    }
}

/* A byte that continues a word: an ASCII letter, digit or '_'. */
static int word_byte(unsigned char c)
{
    return (CL(c) & (C_ALPHA | C_DIGIT)) || c == '_';
}

/* 1 when buf[0..i) ends with a JSON escape that stands for a character
 * other than a letter or digit: \n \t \r \b \f or \uXXXX (a script in a
 * JSON log: "\nInvoke-Mimikatz"), its backslash not itself escaped. */
static int escape_before(const char *buf, size_t i)
{
    size_t b; /* the escape's backslash */
    if (i >= 2 && (buf[i - 1] == 'n' || buf[i - 1] == 't' ||
                   buf[i - 1] == 'r' || buf[i - 1] == 'b' || buf[i - 1] == 'f'))
        b = i - 2;
    else if (i >= 6 && buf[i - 5] == 'u' && (CL(buf[i - 4]) & C_HEX) &&
             (CL(buf[i - 3]) & C_HEX) && (CL(buf[i - 2]) & C_HEX) &&
             (CL(buf[i - 1]) & C_HEX))
        b = i - 6;
    else
        return 0;
    size_t k = 0; /* backslashes ending at b */
    while (k <= b && buf[b - k] == '\\')
        k++;
    return k % 2 == 1;
}

/* 1 when a[0..n) equals b[0..n), ASCII letters in any case when fold. */
static int lit_equal(const char *a, const uint8_t *b, size_t n, int fold)
{
    if (!fold)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = b[i];
        if (x != y && !((x | 0x20) == (y | 0x20) && (x | 0x20) >= 'a' &&
                        (x | 0x20) <= 'z'))
            return 0;
    }
    return 1;
}

/* Literal strings (string, user_agent, mutex, regkey indicators) inside
 * the lines of buf: every four-byte window whose first two bytes are some
 * literal's anchor pair is looked up in its bucket, and the literals
 * there are compared where their anchor would be the window (as whole words at
 * their ends: a literal that ends in a letter, digit or '_' is not followed by
 * another, and likewise at its start). Their hits are merged into the
 * others in byte order. */
static void literal_pass(struct kz_scanner *s, const char *buf, size_t n,
                         uint64_t base)
{
    const struct kz_index *ix = s->ix;
    size_t first = s->nhits, at = 0;
    uint64_t lines = 0; /* newlines in buf[0..at) */
    unsigned bits = ix->lit_bits;
    uint32_t nb = (uint32_t)1 << bits;
    for (size_t i = 0; i + 4 <= n; i++) {
        uint16_t w2;
        memcpy(&w2, buf + i, 2);
        unsigned pr = (unsigned)(w2 | 0x2020u);
        if (!((ix->litpair[pr >> 3] >> (pr & 7)) & 1))
            continue;
        uint32_t an = kzi_lit_anchor(buf + i);
        uint32_t bk = kzi_lit_bucket(an, bits);
        uint32_t lo = ix->litbucket[bk], hi = ix->litbucket[bk + 1];
        if (bk >= nb || hi > ix->nlit || lo > hi)
            continue; /* a damaged index */
        for (uint32_t k = lo; k < hi; k++) {
            const struct kzi_lit *l = &ix->lit[k];
            size_t len = l->len, ao = l->aoff;
            if (ao > i || ao + 4 > len || i - ao + len > n ||
                l->off > ix->pool_len || len > ix->pool_len - l->off ||
                l->entry >= ix->nent)
                continue;
            size_t st = i - ao;
            const uint8_t *pat = ix->pool + l->off;
            if (kzi_lit_anchor(pat + ao) != an)
                continue; /* another anchor in the bucket */
            /* whole words at its ends: "Mtx_1" is not in "Mtx_12" */
            if ((word_byte(pat[0]) && st > 0 && word_byte(buf[st - 1]) &&
                 !escape_before(buf, st)) ||
                (word_byte(pat[len - 1]) && st + len < n &&
                 word_byte(buf[st + len])))
                continue;
            if (!lit_equal(buf + st, pat, len, (l->flags & KZI_LIT_FOLD) != 0))
                continue;
            for (; at < st; at++)
                lines += buf[at] == '\n';
            s->line_here = lines;
            token(s, base + st, len, (kz_type)ix->ent[l->entry].type);
            push(s, l->entry, KZ_MATCH_LITERAL);
        }
    }
    size_t k = s->nhits - first;
    if (!k)
        return;
    sort_hits(s->hits + first, k);
    if (!first)
        return;
    /* two sorted runs: [0, first) and the literals' */
    struct kz_scan_hit *t = kz_malloc(k * sizeof *t);
    if (!t) {
        sort_hits(s->hits, s->nhits); /* slow, but in order */
        return;
    }
    memcpy(t, s->hits + first, k * sizeof *t);
    size_t a = first, w = s->nhits;
    while (k) {
        if (a && s->hits[a - 1].pos > t[k - 1].pos)
            s->hits[--w] = s->hits[--a];
        else
            s->hits[--w] = t[--k];
    }
    kz_free(t);
}

static int is_trigger(char c)
{
    return c == '.' || c == ':' || c == '@';
}

/* ---- the pass over 64-byte blocks ---------------------------------------
 *
 * Each block is classified at once into bit masks (bit k for byte k): the
 * triggers, the colons and quotes (a colon right after a quote is a JSON
 * key's, not a candidate), the newlines (counted) and the hex digits. One
 * classifier per instruction set, chosen when the scanner is made:
 * AVX-512BW, AVX2, SSE2 (every x86-64 CPU) or plain C; all give the same
 * masks, and the unit tests and the fuzz harness compare them. */
struct blk {
    uint64_t dot;   /* '.' */
    uint64_t at;    /* '@' */
    uint64_t col;   /* ':' */
    uint64_t quo;   /* '"' */
    uint64_t nl;    /* '\n' */
    uint64_t hex;   /* 0-9 A-F a-f */
    uint64_t host;  /* A-Z a-z 0-9 - _ . */
    uint64_t alpha; /* A-Z a-z - _ (host bytes that are not digits, dots) */
};

#define ALWAYS_INLINE inline __attribute__((always_inline))
/* How far ahead the pass prefetches (256, 1024 and 4096 measured the
 * same within noise). */
#define KZ_SCAN_AHEAD 1024

static ALWAYS_INLINE void classify_c(const char *p, struct blk *b)
{
    memset(b, 0, sizeof *b);
    for (unsigned k = 0; k < 64; k++) {
        char c = p[k];
        uint64_t bit = 1ull << k;
        if (c == '.')
            b->dot |= bit;
        else if (c == '@')
            b->at |= bit;
        else if (c == ':')
            b->col |= bit;
        else if (c == '"')
            b->quo |= bit;
        else if (c == '\n')
            b->nl |= bit;
        if (CL(c) & C_HEX)
            b->hex |= bit;
        if (CL(c) & C_HOST)
            b->host |= bit;
        if ((CL(c) & C_ALPHA) || c == '-' || c == '_')
            b->alpha |= bit;
    }
}

#if KZ_HAVE_V16
static ALWAYS_INLINE void classify_sse2(const char *p, struct blk *b)
{
    const __m128i vdot = _mm_set1_epi8('.'), vat = _mm_set1_epi8('@'),
                  vcol = _mm_set1_epi8(':'), vquo = _mm_set1_epi8('"'),
                  vnl = _mm_set1_epi8('\n');
    uint64_t t = 0, at = 0, c = 0, q = 0, l = 0, h = 0, ho = 0, al = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v =
            _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        unsigned sh = 16 * k;
        t |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vdot))
             << sh;
        at |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vat))
              << sh;
        c |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vcol))
             << sh;
        q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vquo))
             << sh;
        l |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vnl))
             << sh;
        {
            __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
            __m128i x = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                                     _mm_set1_epi8('a'));
            __m128i hx = _mm_or_si128(
                _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d),
                _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(5)), x));
            h |= (uint64_t)(unsigned)_mm_movemask_epi8(hx) << sh;
        }
        __m128i ll = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                                  _mm_set1_epi8('a'));
        __m128i dd = _mm_sub_epi8(v, _mm_set1_epi8('0'));
        __m128i w = _mm_or_si128(
            _mm_cmpeq_epi8(_mm_min_epu8(ll, _mm_set1_epi8(25)), ll),
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
                         _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
        __m128i hh = _mm_or_si128(
            _mm_or_si128(w, _mm_cmpeq_epi8(v, vdot)),
            _mm_cmpeq_epi8(_mm_min_epu8(dd, _mm_set1_epi8(9)), dd));
        al |= (uint64_t)(unsigned)_mm_movemask_epi8(w) << sh;
        ho |= (uint64_t)(unsigned)_mm_movemask_epi8(hh) << sh;
    }
    b->dot = t;
    b->at = at;
    b->col = c;
    b->quo = q;
    b->nl = l;
    b->hex = h;
    b->host = ho;
    b->alpha = al;
}
#endif

#if defined(__x86_64__) && KZ_HAVE_V16 && !defined(KZ_NO_SIMD)
#include <immintrin.h>
#define KZ_SCAN_X86 1
#define TARGET_AVX2 __attribute__((target("avx2,popcnt,bmi")))
#define TARGET_AVX512 __attribute__((target("avx512f,avx512bw,popcnt,bmi")))

static TARGET_AVX2 ALWAYS_INLINE uint64_t avx2_bits(__m256i lo, __m256i hi)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
}

static TARGET_AVX2 ALWAYS_INLINE __m256i avx2_hex(__m256i v)
{
    __m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));
    __m256i x = _mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)),
                                _mm256_set1_epi8('a'));
    return _mm256_or_si256(
        _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d),
        _mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(5)), x));
}

/* A-Z a-z - _ */
static TARGET_AVX2 ALWAYS_INLINE __m256i avx2_word(__m256i v)
{
    __m256i l = _mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)),
                                _mm256_set1_epi8('a'));
    return _mm256_or_si256(
        _mm256_cmpeq_epi8(_mm256_min_epu8(l, _mm256_set1_epi8(25)), l),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('-')),
                        _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_'))));
}

static TARGET_AVX2 ALWAYS_INLINE __m256i avx2_digit(__m256i v)
{
    __m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));
    return _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d);
}

static TARGET_AVX2 ALWAYS_INLINE void classify_avx2(const char *p,
                                                    struct blk *b)
{
    __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    const __m256i vdot = _mm256_set1_epi8('.'), vat = _mm256_set1_epi8('@'),
                  vcol = _mm256_set1_epi8(':'), vquo = _mm256_set1_epi8('"'),
                  vnl = _mm256_set1_epi8('\n');
    b->dot =
        avx2_bits(_mm256_cmpeq_epi8(v0, vdot), _mm256_cmpeq_epi8(v1, vdot));
    b->at = avx2_bits(_mm256_cmpeq_epi8(v0, vat), _mm256_cmpeq_epi8(v1, vat));
    b->col =
        avx2_bits(_mm256_cmpeq_epi8(v0, vcol), _mm256_cmpeq_epi8(v1, vcol));
    b->quo =
        avx2_bits(_mm256_cmpeq_epi8(v0, vquo), _mm256_cmpeq_epi8(v1, vquo));
    b->nl = avx2_bits(_mm256_cmpeq_epi8(v0, vnl), _mm256_cmpeq_epi8(v1, vnl));
    b->hex = avx2_bits(avx2_hex(v0), avx2_hex(v1));
    __m256i w0 = avx2_word(v0), w1 = avx2_word(v1);
    b->alpha = avx2_bits(w0, w1);
    b->host = avx2_bits(_mm256_or_si256(_mm256_or_si256(w0, avx2_digit(v0)),
                                        _mm256_cmpeq_epi8(v0, vdot)),
                        _mm256_or_si256(_mm256_or_si256(w1, avx2_digit(v1)),
                                        _mm256_cmpeq_epi8(v1, vdot)));
}

static TARGET_AVX512 ALWAYS_INLINE void classify_avx512(const char *p,
                                                        struct blk *b)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    uint64_t dot = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.'));
    b->dot = dot;
    b->at = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('@'));
    b->alpha = _mm512_cmplt_epu8_mask(
                   _mm512_sub_epi8(_mm512_or_si512(v, _mm512_set1_epi8(0x20)),
                                   _mm512_set1_epi8('a')),
                   _mm512_set1_epi8(26)) |
               _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('-')) |
               _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('_'));
    uint64_t digit = _mm512_cmplt_epu8_mask(
        _mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
    b->host = b->alpha | dot | digit;
    b->col = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(':'));
    b->quo = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
    b->nl = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
    b->hex =
        digit | _mm512_cmplt_epu8_mask(
                    _mm512_sub_epi8(_mm512_or_si512(v, _mm512_set1_epi8(0x20)),
                                    _mm512_set1_epi8('a')),
                    _mm512_set1_epi8(6));
}
#else
#define KZ_SCAN_X86 0
#endif

/* Bit 16k set when bytes 16k..16k+15 are all hex digits (k = 0..3): a run
 * of 32 or more hex digits always covers such an aligned block. */
static ALWAYS_INLINE uint64_t hex_lanes(uint64_t h)
{
    h &= h >> 1;
    h &= h >> 2;
    h &= h >> 4;
    h &= h >> 8;
    return h & 0x0001000100010001ull;
}

/* The blocks of buf[0..n) that are whole 64-byte blocks; returns where the
 * byte loop goes on, *nextp and *nlp updated. */
typedef void (*classify_fn)(const char *, struct blk *);
static ALWAYS_INLINE size_t scan_blocks(struct kz_scanner *s, const char *buf,
                                        size_t n, uint64_t base, size_t *nextp,
                                        uint64_t *nlp, classify_fn classify)
{
    size_t next = *nextp, i = 0;
    uint64_t nl = 0, qcarry = 0;
    int hexes = WANT(s, KZ_T_MD5);
    for (; i + 64 <= n; i += 64) {
        struct blk b;
        /* fetched early: the next pages' TLB walks and cache misses
         * overlap with the work on this block */
        __builtin_prefetch(buf + i + KZ_SCAN_AHEAD);
        classify(buf + i, &b);
        uint64_t before = nl; /* newlines before the block */
        nl += (uint64_t)__builtin_popcountll(b.nl);
        /* A colon right after a quote separates a JSON key from its value
         * ("k":"v"); an IPv6 address or thumbprint that starts there
         * ("::1") has a second colon that is looked at. */
        uint64_t ev = b.dot | b.at | (b.col & ~((b.quo << 1) | qcarry));
        qcarry = b.quo >> 63;
        uint64_t lanes = hexes ? hex_lanes(b.hex) : 0;
        ev |= lanes;
        /* Each event is handled at most once: after a token, the events
         * inside it are dropped at once (no test per event). */
        if (next > i)
            ev = next >= i + 64 ? 0 : ev & (~0ull << (next - i));
        while (ev) {
            unsigned k = (unsigned)__builtin_ctzll(ev);
            size_t pos = i + k;
            s->line_here =
                *nlp + before +
                (uint64_t)__builtin_popcountll(b.nl & ((1ull << k) - 1));
            /* a hex lane's first byte, or a trigger (never a hex digit) */
            if ((lanes >> k) & 1) {
                next = hex_run(s, buf, n, pos, base);
            } else {
                struct bmask bm = {i, b.host, b.alpha, b.hex | b.col | b.dot,
                                   b.col};
                next = trigger(s, buf, n, pos, base, &bm);
            }
            size_t sh = next - i; /* > k */
            ev = sh >= 64 ? 0 : ev & (~0ull << sh);
        }
    }
    *nextp = next;
    *nlp += nl;
    return i;
}

static size_t blocks_c(struct kz_scanner *s, const char *buf, size_t n,
                       uint64_t base, size_t *next, uint64_t *nl)
{
    return scan_blocks(s, buf, n, base, next, nl, classify_c);
}
#if KZ_HAVE_V16
static size_t blocks_sse2(struct kz_scanner *s, const char *buf, size_t n,
                          uint64_t base, size_t *next, uint64_t *nl)
{
    return scan_blocks(s, buf, n, base, next, nl, classify_sse2);
}
#endif
#if KZ_SCAN_X86
static TARGET_AVX2 size_t blocks_avx2(struct kz_scanner *s, const char *buf,
                                      size_t n, uint64_t base, size_t *next,
                                      uint64_t *nl)
{
    return scan_blocks(s, buf, n, base, next, nl, classify_avx2);
}
static TARGET_AVX512 size_t blocks_avx512(struct kz_scanner *s, const char *buf,
                                          size_t n, uint64_t base, size_t *next,
                                          uint64_t *nl)
{
    return scan_blocks(s, buf, n, base, next, nl, classify_avx512);
}
#endif

unsigned kz_scan_isa_best(void)
{
#if KZ_SCAN_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f"))
        return KZ_SCAN_AVX512;
    if (__builtin_cpu_supports("avx2"))
        return KZ_SCAN_AVX2;
#endif
#if KZ_HAVE_V16
    return KZ_SCAN_SSE2;
#else
    return KZ_SCAN_C;
#endif
}

void kz_scan(struct kz_scanner *s, const char *buf, size_t n, uint64_t base)
{
    size_t next = 0, i;
    uint64_t nl = 0;
    int hexes = WANT(s, KZ_T_MD5);
    switch (s->isa) {
#if KZ_SCAN_X86
    case KZ_SCAN_AVX512:
        i = blocks_avx512(s, buf, n, base, &next, &nl);
        break;
    case KZ_SCAN_AVX2:
        i = blocks_avx2(s, buf, n, base, &next, &nl);
        break;
#endif
#if KZ_HAVE_V16
    case KZ_SCAN_SSE2:
        i = blocks_sse2(s, buf, n, base, &next, &nl);
        break;
#endif
    default:
        i = blocks_c(s, buf, n, base, &next, &nl);
        break;
    }
    /* The tail, a byte at a time; hex runs are found from their first
     * digit here (or from the tail's first byte: a run that began in the
     * last block without covering a whole lane of it). */
    for (size_t tail = i; i < n; i++) {
        char c = buf[i];
        if (c == '\n')
            nl++;
        if (i < next)
            continue;
        s->line_here = nl;
        if (is_trigger(c)) {
            next = trigger(s, buf, n, i, base, NULL);
        } else if (hexes && (CL(c) & C_HEX) &&
                   (i == tail || !(CL(buf[i - 1]) & C_HEX))) {
            size_t a = i, b = i;
            while (a > 0 && (CL(buf[a - 1]) & C_HEX))
                a--;
            while (b < n && (CL(buf[b]) & C_HEX))
                b++;
            if (b - a >= 32)
                do_hex(s, buf, a, b, base);
            next = b;
        }
    }
    drain(s);
    s->newlines += nl;
    /* Queued lookups answer late: put the hits back in byte order (a
     * stable insertion sort: they are nearly in order already). */
    sort_hits(s->hits, s->nhits);
    if (s->ix->lit)
        literal_pass(s, buf, n, base);
}
