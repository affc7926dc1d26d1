/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The index builder: collects indicators with their context, then lays out
 * a .kzi file (index_int.h, docs/formats.md) and writes it atomically.
 *
 * Strings and whole contexts are interned (a million indicators of one feed
 * share one context record). Entries are sorted by the hash of their key so
 * that entries with equal keys are adjacent and the table points at the
 * first of them; CIDRs become disjoint segments labelled with their
 * innermost network (networks nest or are disjoint, so one pass with a
 * stack does it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core_int.h"
#include "index/index_int.h"
#include "kizashi/limits.h"

/* Ceilings: the pool is addressed with 32-bit offsets. */
#define KZB_MAX_POOL 0xF0000000u
#define KZB_MAX_ENTRIES 0x7FFFFFF0u

struct bent {
    uint64_t h;
    int64_t id;
    uint32_t value_off, value_len, key_off, key_len;
    uint32_t ctx, raw_off, raw_len;
    uint8_t type, kind;
    /* CIDR */
    uint8_t lo[16], hi[16];
    uint8_t family, prefix;
};

/* An open-addressing set of (hash -> number), for interning. */
struct imap {
    uint64_t *h;
    uint32_t *v;
    size_t cap, n;
};

struct kz_index_builder {
    kz_ctx *ctx;
    struct bent *e;
    size_t n, cap;
    uint8_t *pool;
    size_t pool_n, pool_cap;
    struct imap strs; /* string hash -> pool offset */
    struct kzi_ctx *ctxs;
    size_t nctx, ctx_cap;
    struct imap ctxmap; /* context hash -> index */
    uint64_t *tags;     /* kzi_label_key of last labels, flag in the low
                           two bits (KZI_LABEL_*) */
    size_t ntags, tags_cap;
    uint64_t *uh; /* host hashes of URL hosts (KZI_K_URLHOST) */
    size_t nuh, uh_cap;
    uint64_t *uip; /* IPv4 hosts of URL indicators (kzi_urlhost_ip_hash) */
    size_t nuip, uip_cap;
    uint64_t skipped[KZ_T_COUNT_];
    kz_status err;
};

static kz_status oom(kz_index_builder *b)
{
    return kz_seterr(b->ctx, KZ_ERR_NOMEM, "index: out of memory");
}

static int imap_grow(struct imap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    uint64_t *nh = kz_calloc(ncap, sizeof *nh);
    uint32_t *nv = kz_calloc(ncap, sizeof *nv);
    if (!nh || !nv) {
        kz_free(nh);
        kz_free(nv);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->h[i])
            continue;
        size_t j = m->h[i] & (ncap - 1);
        while (nh[j])
            j = (j + 1) & (ncap - 1);
        nh[j] = m->h[i];
        nv[j] = m->v[i];
    }
    kz_free(m->h);
    kz_free(m->v);
    m->h = nh;
    m->v = nv;
    m->cap = ncap;
    return 0;
}

static void imap_free(struct imap *m)
{
    kz_free(m->h);
    kz_free(m->v);
    memset(m, 0, sizeof *m);
}

static kz_status pool_reserve(kz_index_builder *b, size_t more)
{
    if (b->pool_n + more > KZB_MAX_POOL)
        return kz_seterr(b->ctx, KZ_ERR_LIMIT,
                         "index: more than %u bytes of strings", KZB_MAX_POOL);
    if (b->pool_n + more <= b->pool_cap)
        return KZ_OK;
    size_t ncap = b->pool_cap ? b->pool_cap : 65536;
    while (ncap < b->pool_n + more)
        ncap *= 2;
    uint8_t *np = kz_realloc(b->pool, ncap);
    if (!np)
        return oom(b);
    b->pool = np;
    b->pool_cap = ncap;
    return KZ_OK;
}

/* Appends n bytes, not interned. */
static kz_status pool_add(kz_index_builder *b, const void *p, size_t n,
                          uint32_t *off)
{
    kz_status st = pool_reserve(b, n);
    if (st != KZ_OK)
        return st;
    *off = (uint32_t)b->pool_n;
    if (n)
        memcpy(b->pool + b->pool_n, p, n);
    b->pool_n += n;
    return KZ_OK;
}

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = kzi_hash(KZI_K_NONE, (const uint8_t *)s, n);
    return h ? h : 1;
}

/* Interns a string; offset 0 for the empty one. */
static kz_status pool_str(kz_index_builder *b, const char *s, size_t n,
                          uint32_t *off)
{
    if (!s || !n) {
        *off = 0;
        return KZ_OK;
    }
    if ((b->strs.n + 1) * 2 > b->strs.cap && imap_grow(&b->strs) != 0)
        return oom(b);
    uint64_t h = str_hash(s, n);
    size_t j = h & (b->strs.cap - 1);
    while (b->strs.h[j]) {
        if (b->strs.h[j] == h) {
            uint32_t o = b->strs.v[j];
            /* Strings are stored with a 32-bit length before them. */
            uint32_t len;
            memcpy(&len, b->pool + o - 4, 4);
            if (len == n && memcmp(b->pool + o, s, n) == 0) {
                *off = o;
                return KZ_OK;
            }
        }
        j = (j + 1) & (b->strs.cap - 1);
    }
    uint32_t len32 = (uint32_t)n, o4;
    kz_status st = pool_add(b, &len32, 4, &o4);
    if (st == KZ_OK)
        st = pool_add(b, s, n, off);
    if (st != KZ_OK)
        return st;
    b->strs.h[j] = h;
    b->strs.v[j] = *off;
    b->strs.n++;
    return KZ_OK;
}

kz_status kz_index_builder_new(kz_ctx *ctx, kz_index_builder **out)
{
    *out = NULL;
    kz_index_builder *b = kz_calloc(1, sizeof *b);
    if (!b)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "index: out of memory");
    b->ctx = ctx;
    /* Offset 0 of the pool is the empty string: a zero byte. */
    uint32_t off;
    uint64_t pad = 0;
    if (pool_add(b, &pad, 8, &off) != KZ_OK) {
        kz_free(b);
        return KZ_ERR_NOMEM;
    }
    *out = b;
    return KZ_OK;
}

void kz_index_builder_free(kz_index_builder *b)
{
    if (!b)
        return;
    kz_free(b->e);
    kz_free(b->pool);
    imap_free(&b->strs);
    kz_free(b->ctxs);
    imap_free(&b->ctxmap);
    kz_free(b->tags);
    kz_free(b->uh);
    kz_free(b->uip);
    kz_free(b);
}

static size_t slen(const char *s)
{
    return s ? strlen(s) : 0;
}

static kz_status intern_ctx(kz_index_builder *b, const kz_index_context *c,
                            uint32_t *idx)
{
    struct kzi_ctx r;
    memset(&r, 0, sizeof r);
    const char *s[KZI_S_N] = {c->threats, c->advisories, c->advisory_ids,
                              c->sources, c->feeds,      c->tags,
                              c->suppressed};
    for (int i = 0; i < KZI_S_N; i++) {
        kz_status st = pool_str(b, s[i], slen(s[i]), &r.off[i]);
        if (st != KZ_OK)
            return st;
        r.len[i] = (uint32_t)slen(s[i]);
    }
    r.confidence = c->confidence;
    r.first_seen = c->first_seen;
    r.last_seen = c->last_seen;
    r.valid_until = c->valid_until;
    uint64_t h = kzi_hash(KZI_K_NONE, (const uint8_t *)&r, sizeof r);
    h = h ? h : 1;
    if ((b->ctxmap.n + 1) * 2 > b->ctxmap.cap && imap_grow(&b->ctxmap) != 0)
        return oom(b);
    size_t j = h & (b->ctxmap.cap - 1);
    while (b->ctxmap.h[j]) {
        if (b->ctxmap.h[j] == h &&
            memcmp(&b->ctxs[b->ctxmap.v[j]], &r, sizeof r) == 0) {
            *idx = b->ctxmap.v[j];
            return KZ_OK;
        }
        j = (j + 1) & (b->ctxmap.cap - 1);
    }
    if (b->nctx == b->ctx_cap) {
        size_t ncap = b->ctx_cap ? b->ctx_cap * 2 : 64;
        struct kzi_ctx *nc = kz_realloc(b->ctxs, ncap * sizeof *nc);
        if (!nc)
            return oom(b);
        b->ctxs = nc;
        b->ctx_cap = ncap;
    }
    b->ctxs[b->nctx] = r;
    b->ctxmap.h[j] = h;
    b->ctxmap.v[j] = (uint32_t)b->nctx;
    b->ctxmap.n++;
    *idx = (uint32_t)b->nctx++;
    return KZ_OK;
}

static kz_status add_h(kz_index_builder *b, uint64_t **v, size_t *n,
                       size_t *cap, uint64_t h)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        uint64_t *nt = kz_realloc(*v, ncap * sizeof *nt);
        if (!nt)
            return oom(b);
        *v = nt;
        *cap = ncap;
    }
    (*v)[(*n)++] = h;
    return KZ_OK;
}

/* The last label of s (after the last dot; the whole of s without one)
 * for the filter of last labels, with its flag (KZI_LABEL_*). */
static kz_status add_label(kz_index_builder *b, const char *s, size_t n,
                           unsigned flag)
{
    return add_h(b, &b->tags, &b->ntags, &b->tags_cap,
                 (kzi_label_key(s, n) & ~(uint64_t)3) | flag);
}

/* The host of a canonical URL: after "://" and user-info, before the port,
 * path, query. IPv6 hosts keep their brackets off. */
static void url_host(const char *u, size_t n, const char **h, size_t *hn)
{
    const char *p = memchr(u, ':', n);
    *h = NULL;
    *hn = 0;
    if (!p || (size_t)(p - u) + 3 > n || p[1] != '/' || p[2] != '/')
        return;
    const char *s = p + 3, *end = u + n;
    const char *e = s;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    const char *at = NULL;
    for (const char *q = s; q < e; q++)
        if (*q == '@')
            at = q;
    if (at)
        s = at + 1;
    if (s < e && *s == '[') {
        const char *rb = memchr(s, ']', (size_t)(e - s));
        if (rb) {
            *h = s + 1;
            *hn = (size_t)(rb - s - 1);
        }
        return;
    }
    const char *c = memchr(s, ':', (size_t)(e - s));
    if (c)
        e = c;
    *h = s;
    *hn = (size_t)(e - s);
}

static void lower(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] + 32);
}

kz_status kz_index_builder_add(kz_index_builder *b, kz_type t,
                               const char *value, size_t n,
                               const kz_index_context *c)
{
    static const kz_index_context none = {0,    NULL, NULL, NULL, NULL, NULL,
                                          NULL, NULL, -1,   0,    0,    0, NULL};
    if (!c)
        c = &none;
    if (t <= KZ_T_NONE || t >= KZ_T_COUNT_)
        return kz_seterr(b->ctx, KZ_ERR_INVALID, "index: bad type %d", (int)t);
    if (t == KZ_T_CVE || t == KZ_T_ASN || t == KZ_T_YARA) {
        b->skipped[t]++;
        return KZ_OK;
    }
    if (n > KZ_MAX_VALUE || n == 0)
        return kz_seterr(b->ctx, KZ_ERR_PARSE, "index: %s value of %zu bytes",
                         kz_type_name(t), n);
    if (b->n >= KZB_MAX_ENTRIES)
        return kz_seterr(b->ctx, KZ_ERR_LIMIT, "index: too many indicators");

    struct bent e;
    memset(&e, 0, sizeof e);
    e.type = (uint8_t)t;
    e.id = c->indicator_id;
    uint8_t kb[KZ_MAX_VALUE];
    size_t kn = 0;
    kz_status st = KZ_OK;
    int fam = 0;
    uint16_t port = 0;
    switch (t) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
        st = kz_norm_ip(value, n, kb, &fam, &port);
        kn = 16;
        e.kind = KZI_K_IP;
        break;
    case KZ_T_CIDR: {
        unsigned prefix = 0;
        st = kz_norm_cidr(value, n, e.lo, &fam, &prefix, NULL);
        if (st != KZ_OK)
            break;
        unsigned bits = fam == 4 ? prefix + 96 : prefix;
        memcpy(e.hi, e.lo, 16);
        for (unsigned i = bits; i < 128; i++)
            e.hi[i / 8] |= (uint8_t)(0x80u >> (i % 8));
        e.family = (uint8_t)fam;
        e.prefix = (uint8_t)prefix;
        e.kind = KZI_K_CIDR;
        break;
    }
    case KZ_T_DOMAIN:
        memcpy(kb, value, n);
        kn = n;
        lower((char *)kb, kn);
        if (kn && kb[kn - 1] == '.')
            kn--;
        e.kind = KZI_K_DOMAIN;
        st = add_label(b, (const char *)kb, kn, KZI_LABEL_HOST);
        break;
    case KZ_T_URL: {
        memcpy(kb, value, n);
        kn = n;
        e.kind = KZI_K_URL;
        const char *h;
        size_t hn;
        url_host(value, n, &h, &hn);
        if (hn) {
            char hb[KZ_MAX_DOMAIN + 64];
            uint8_t addr[16];
            if (kzi_parse_quad(h, hn, addr)) {
                /* an IPv4 host: by its address (kzi_urlhost_ip_hash) */
                st = add_h(b, &b->uip, &b->nuip, &b->uip_cap,
                           kzi_urlhost_ip_hash(addr));
            } else if (hn < sizeof hb) {
                memcpy(hb, h, hn);
                st = add_h(b, &b->uh, &b->nuh, &b->uh_cap,
                           kzi_host_hash(KZI_K_URLHOST, hb, hn));
                if (st == KZ_OK)
                    st = add_label(b, hb, hn, KZI_LABEL_HOST);
            }
        }
        break;
    }
    case KZ_T_EMAIL:
        memcpy(kb, value, n);
        kn = n;
        lower((char *)kb, kn);
        e.kind = KZI_K_EMAIL;
        break;
    case KZ_T_MD5:
    case KZ_T_SHA1:
    case KZ_T_SHA256:
    case KZ_T_SHA512:
    case KZ_T_CERT_SHA1:
    case KZ_T_CERT_SHA256:
    case KZ_T_AUTHENTIHASH:
    case KZ_T_JA3:
    case KZ_T_JA3S:
        st = kz_norm_hash(value, n, kb, sizeof kb, &kn);
        e.kind = KZI_K_DIGEST;
        break;
    case KZ_T_FILENAME: {
        memcpy(kb, value, n);
        kn = n;
        lower((char *)kb, kn);
        e.kind = KZI_K_FILENAME;
        /* its extension, so a sweep looks up only names that end in one */
        st = add_label(b, (const char *)kb, kn, KZI_LABEL_EXT);
        break;
    }
    default:
        e.kind = KZI_K_OTHER;
        break;
    }
    if (st != KZ_OK)
        return kz_seterr(b->ctx, KZ_ERR_PARSE, "index: not a valid %s: %.*s",
                         kz_type_name(t), (int)(n > 200 ? 200 : n), value);
    if (e.kind == KZI_K_DOMAIN || e.kind == KZI_K_URLHOST)
        e.h = kzi_host_hash(e.kind, (const char *)kb, kn);
    else if (e.kind == KZI_K_CIDR || e.kind == KZI_K_OTHER)
        e.h = kzi_hash(e.kind, (const uint8_t *)value, n);
    else
        e.h = kzi_hash(e.kind, kb, kn);

    if ((st = pool_add(b, value, n, &e.value_off)) != KZ_OK)
        return st;
    e.value_len = (uint32_t)n;
    e.key_off = e.value_off;
    e.key_len = (uint32_t)n;
    if (kn && (kn != n || memcmp(kb, value, n) != 0)) {
        if ((st = pool_add(b, kb, kn, &e.key_off)) != KZ_OK)
            return st;
        e.key_len = (uint32_t)kn;
    }
    size_t rn = slen(c->raw);
    if (rn && (rn != n || memcmp(c->raw, value, n) != 0)) {
        if (rn > KZ_MAX_VALUE)
            rn = KZ_MAX_VALUE;
        if ((st = pool_str(b, c->raw, rn, &e.raw_off)) != KZ_OK)
            return st;
        e.raw_len = (uint32_t)rn;
    }
    if ((st = intern_ctx(b, c, &e.ctx)) != KZ_OK)
        return st;
    if (b->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        struct bent *ne = kz_realloc(b->e, ncap * sizeof *ne);
        if (!ne)
            return oom(b);
        b->e = ne;
        b->cap = ncap;
    }
    b->e[b->n++] = e;
    return KZ_OK;
}

/* ---- layout ----------------------------------------------------------------
 */

static const uint8_t *g_pool; /* for the comparators (qsort has no user
                                 data in C17); the builder is not shared
                                 between threads while writing */

static int cmp_key(const void *pa, const void *pb)
{
    const struct bent *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    if (a->key_len != b->key_len)
        return a->key_len < b->key_len ? -1 : 1;
    int c = memcmp(g_pool + a->key_off, g_pool + b->key_off, a->key_len);
    if (c)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return 0;
}

/* The entries in key order: a radix sort (8 passes of 8 bits) of (kind,
 * hash) with the entries' numbers, then the entries moved once; entries
 * whose kind and hash are equal (the same key, or a 64-bit collision) are
 * then ordered by the full comparison, so equal keys end up adjacent. */
struct skey {
    uint64_t k;
    uint32_t idx;
    uint32_t pad;
};

static int sort_entries(kz_index_builder *b)
{
    size_t n = b->n;
    if (n < 2)
        return 0;
    struct skey *a = kz_malloc(n * sizeof *a), *t = kz_malloc(n * sizeof *t);
    struct bent *e2 = kz_malloc(n * sizeof *e2);
    if (!a || !t || !e2) {
        kz_free(a);
        kz_free(t);
        kz_free(e2);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        a[i].k = ((uint64_t)b->e[i].kind << 60) | (b->e[i].h >> 4);
        a[i].idx = (uint32_t)i;
        a[i].pad = 0;
    }
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t cnt[257] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[((a[i].k >> shift) & 255) + 1]++;
        for (int d = 0; d < 256; d++)
            cnt[d + 1] += cnt[d];
        for (size_t i = 0; i < n; i++)
            t[cnt[(a[i].k >> shift) & 255]++] = a[i];
        struct skey *x = a;
        a = t;
        t = x;
    }
    for (size_t i = 0; i < n; i++)
        e2[i] = b->e[a[i].idx];
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].k == a[i].k)
            j++;
        if (j - i > 1)
            qsort(e2 + i, j - i, sizeof *e2, cmp_key);
        i = j;
    }
    kz_free(b->e);
    b->e = e2;
    b->cap = n;
    kz_free(a);
    kz_free(t);
    return 0;
}

static int same_key(const struct bent *a, const struct bent *b)
{
    return a->kind == b->kind && a->h == b->h && a->key_len == b->key_len &&
           memcmp(g_pool + a->key_off, g_pool + b->key_off, a->key_len) == 0;
}

/* CIDRs ordered by start, outer networks first. */
struct cref {
    const uint8_t *lo;
    uint32_t idx;
    uint8_t prefix, family;
};

static int cmp_cidr(const void *pa, const void *pb)
{
    const struct cref *a = pa, *b = pb;
    int c = memcmp(a->lo, b->lo, 16);
    if (c)
        return c;
    /* An IPv4 /8 is a /104 of the mapped space: compare in 128 bits. */
    unsigned la = a->family == 4 ? a->prefix + 96u : a->prefix;
    unsigned lb = b->family == 4 ? b->prefix + 96u : b->prefix;
    return la < lb ? -1 : la > lb;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* a + 1 in 128 bits; 1 on overflow. */
static int inc128(uint8_t a[16])
{
    for (int i = 15; i >= 0; i--)
        if (++a[i] != 0)
            return 0;
    return 1;
}

struct segs {
    struct kzi_seg6 *s;
    size_t n, cap;
};

static int seg_emit(struct segs *g, const uint8_t lo[16], uint32_t entry)
{
    if (g->n && memcmp(g->s[g->n - 1].lo, lo, 16) == 0) {
        g->s[g->n - 1].entry = entry;
        if (g->n >= 2 && g->s[g->n - 2].entry == entry)
            g->n--;
        return 0;
    }
    if (g->n && g->s[g->n - 1].entry == entry)
        return 0;
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 64;
        struct kzi_seg6 *ns = kz_realloc(g->s, ncap * sizeof *ns);
        if (!ns)
            return -1;
        g->s = ns;
        g->cap = ncap;
    }
    memset(&g->s[g->n], 0, sizeof g->s[g->n]);
    memcpy(g->s[g->n].lo, lo, 16);
    g->s[g->n].entry = entry;
    g->n++;
    return 0;
}

/* Segments of one family from the CIDRs (sorted) in c[0..n); parents of
 * the entries into parent[] (entry + 1). Addresses are 16 bytes. */
static int build_segs(const struct cref *c, size_t n, const uint8_t *start,
                      struct bent *ent, uint32_t *parent, struct segs *g)
{
    uint32_t stack[130];
    size_t sp = 0;
    if (seg_emit(g, start, 0) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct bent *e = &ent[c[i].idx];
        while (sp && memcmp(ent[stack[sp - 1]].hi, e->lo, 16) < 0) {
            uint8_t nx[16];
            memcpy(nx, ent[stack[sp - 1]].hi, 16);
            sp--;
            if (!inc128(nx) && seg_emit(g, nx, sp ? stack[sp - 1] + 1 : 0) != 0)
                return -1;
        }
        parent[c[i].idx] = sp ? stack[sp - 1] + 1 : 0;
        if (sp < sizeof stack / sizeof stack[0])
            stack[sp++] = c[i].idx;
        if (seg_emit(g, e->lo, c[i].idx + 1) != 0)
            return -1;
    }
    while (sp) {
        uint8_t nx[16];
        memcpy(nx, ent[stack[sp - 1]].hi, 16);
        sp--;
        if (!inc128(nx) && seg_emit(g, nx, sp ? stack[sp - 1] + 1 : 0) != 0)
            return -1;
    }
    return 0;
}

uint64_t kzi_checksum(const void *p, size_t n)
{
    /* Fletcher's checksum over 64-bit words, four lanes of (sum, sum of
     * sums) so the additions run in parallel: memory-bound, and any
     * flipped bit or moved word changes it. */
    const uint8_t *b = p;
    uint64_t s[4] = {1, 2, 3, 4}, t[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, b + i, 32);
        for (int k = 0; k < 4; k++) {
            s[k] += w[k];
            t[k] += s[k];
        }
    }
    uint64_t h = KZI_FNV_OFF;
    for (int k = 0; k < 4; k++)
        h = kzi_fmix(h ^ s[k]) ^ kzi_fmix(t[k] + (uint64_t)k);
    for (; i < n; i++)
        h = (h ^ b[i]) * KZI_FNV_MUL;
    return kzi_fmix(h ^ n);
}

struct out {
    uint8_t *buf;
    size_t n, cap;
};

static int out_put(struct out *o, const void *p, size_t n)
{
    size_t need = (o->n + n + KZI_ALIGN - 1) & ~(size_t)(KZI_ALIGN - 1);
    if (need > o->cap) {
        size_t ncap = o->cap ? o->cap : 1u << 20;
        while (ncap < need)
            ncap *= 2;
        uint8_t *nb = kz_realloc(o->buf, ncap);
        if (!nb)
            return -1;
        o->buf = nb;
        o->cap = ncap;
    }
    if (n)
        memcpy(o->buf + o->n, p, n);
    memset(o->buf + o->n + n, 0, need - o->n - n);
    o->n = need;
    return 0;
}

static int add_section(struct out *o, struct kzi_header *h, uint32_t id,
                       const void *p, size_t n)
{
    if (h->nsections >= KZI_MAX_SECTIONS)
        return -1;
    struct kzi_section_desc *d = &h->sec[h->nsections++];
    d->id = id;
    d->off = o->n;
    d->len = n;
    d->checksum = kzi_checksum(p, n);
    return out_put(o, p, n);
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

/* A presence table of slots (a power of two, at least twice the hashes)
 * holding the hashes h[0..n): tag and entry 1, linear probing. */
static struct kzi_slot *presence_table(const uint64_t *h, size_t n,
                                       size_t slots)
{
    struct kzi_slot *t = kz_calloc(slots, sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t j = h[i] & (slots - 1);
        while (t[j].entry && t[j].tag != (uint32_t)(h[i] >> 32))
            j = (j + 1) & (slots - 1);
        t[j].tag = (uint32_t)(h[i] >> 32);
        t[j].entry = 1;
    }
    return t;
}

/* The types whose indicators are looked for in logs as literal strings. */
static int literal_type(unsigned t)
{
    return t == KZ_T_STRING || t == KZ_T_USER_AGENT || t == KZ_T_MUTEX ||
           t == KZ_T_REGKEY;
}

/* s as a JSON string's contents writes it ('"' and '\\' escaped); 0 when
 * that is s itself or s holds control characters (written as \uXXXX by
 * some encoders and \n by others: not looked for). */
static size_t json_escaped(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    int differs = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c == '"' || c == '\\') {
            if (o + 2 > cap)
                return 0;
            out[o++] = '\\';
            differs = 1;
        } else if (o + 1 > cap) {
            return 0;
        }
        out[o++] = (char)c;
    }
    return differs ? o : 0;
}

/* How common a byte (ORed with 0x20, as the pair filter sees it) is in
 * logs: digits, spaces, JSON and URL punctuation and the commonest letters
 * 8, other letters, '-' and '=' 4, the rest 1. */
static unsigned lit_weight(unsigned char c)
{
    c |= 0x20;
    if ((c >= '0' && c <= '9') || c == ' ' || c == '"' || c == ':' ||
        c == ',' || c == '.' || c == '/' || c == 'e' || c == 't' || c == 'a' ||
        c == 'o' || c == 'i' || c == 'n' || c == 's' || c == 'r')
        return 8;
    if ((c >= 'a' && c <= 'z') || c == '-' || c == '=')
        return 4;
    return 1;
}

struct lit_tmp {
    struct kzi_lit l;
    uint32_t bucket;
};

static int cmp_lit(const void *pa, const void *pb)
{
    const struct lit_tmp *a = pa, *b = pb;
    if (a->bucket != b->bucket)
        return a->bucket < b->bucket ? -1 : 1;
    return a->l.entry < b->l.entry ? -1 : a->l.entry > b->l.entry;
}

/* The literal records (in bucket order), the buckets' first records and
 * the pair filter; the JSON-escaped forms go into the pool. */
static kz_status literals(kz_index_builder *b, struct kzi_lit **lit,
                          size_t *nlit, uint32_t **bucket, uint8_t **pair,
                          struct kzi_header *hdr)
{
    struct lit_tmp *t = NULL;
    size_t n = 0, cap = 0;
    kz_status st = KZ_OK;
    for (size_t i = 0; i < b->n && st == KZ_OK; i++) {
        const struct bent *e = &b->e[i];
        if (!literal_type(e->type) || e->value_len < KZI_LIT_MIN ||
            e->value_len > KZI_LIT_MAX)
            continue;
        char v[KZI_LIT_MAX], esc[2 * KZI_LIT_MAX];
        memcpy(v, b->pool + e->value_off, e->value_len);
        if (memchr(v, '\n', e->value_len) || memchr(v, '\r', e->value_len))
            continue;
        size_t en = json_escaped(v, e->value_len, esc, sizeof esc);
        for (int form = 0; form < 2 && st == KZ_OK; form++) {
            if (form == 1 && !en)
                break;
            if (n + 1 > cap) {
                size_t nc = cap ? cap * 2 : 64;
                struct lit_tmp *nt = kz_realloc(t, nc * sizeof *nt);
                if (!nt) {
                    st = KZ_ERR_NOMEM;
                    break;
                }
                t = nt;
                cap = nc;
            }
            struct lit_tmp *x = &t[n];
            x->l.entry = (uint32_t)i;
            x->l.flags = e->type == KZ_T_REGKEY ? KZI_LIT_FOLD : 0;
            if (form == 0) {
                x->l.off = e->value_off;
                x->l.len = (uint16_t)e->value_len;
            } else {
                st = pool_add(b, esc, en, &x->l.off);
                x->l.len = (uint16_t)en;
            }
            if (st == KZ_OK) {
                n++;
                hdr->lit_indicators += form == 0;
            }
        }
    }
    if (st != KZ_OK || !n) {
        kz_free(t);
        return st;
    }
    /* 8 buckets a record or more: most windows that pass the pair filter
     * find their bucket empty */
    unsigned bits = 4;
    while (((size_t)1 << bits) < 8 * n)
        bits++;
    hdr->lit_bits = bits;
    hdr->nlit = (uint32_t)n;
    *lit = kz_malloc(n * sizeof **lit);
    *bucket = kz_calloc(((size_t)1 << bits) + 1, sizeof **bucket);
    *pair = kz_calloc(8192, 1);
    if (!*lit || !*bucket || !*pair) {
        kz_free(t);
        return KZ_ERR_NOMEM;
    }
    /* anchors: rare pairs first, then the least used ones */
    unsigned ub = bits + 2;
    uint32_t *uses = kz_calloc((size_t)1 << ub, sizeof *uses);
    if (!uses) {
        kz_free(t);
        return KZ_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = b->pool + t[i].l.off;
        size_t best = t[i].l.len - 4;
        uint64_t bscore = UINT64_MAX;
        for (size_t o = t[i].l.len - 4;; o--) {
            uint32_t a = kzi_lit_anchor(p + o);
            uint64_t sc = (uint64_t)(lit_weight(p[o]) * lit_weight(p[o + 1])) *
                          (1 + uses[kzi_lit_bucket(a, ub)]);
            if (sc < bscore) {
                bscore = sc;
                best = o;
            }
            if (o == 0)
                break;
        }
        t[i].l.aoff = (uint16_t)best;
        uint32_t a = kzi_lit_anchor(p + best);
        uses[kzi_lit_bucket(a, ub)]++;
        t[i].bucket = kzi_lit_bucket(a, bits);
        unsigned pr = kzi_lit_pair(a);
        (*pair)[pr >> 3] |= (uint8_t)(1u << (pr & 7));
    }
    kz_free(uses);
    qsort(t, n, sizeof *t, cmp_lit);
    size_t k = 0;
    for (uint32_t bk = 0; bk <= ((uint32_t)1 << bits); bk++) {
        while (k < n && t[k].bucket < bk)
            k++;
        (*bucket)[bk] = (uint32_t)k;
    }
    for (size_t i = 0; i < n; i++)
        (*lit)[i] = t[i].l;
    *nlit = n;
    kz_free(t);
    return KZ_OK;
}

static unsigned bits_for(size_t n)
{
    unsigned b = 4;
    while (((size_t)1 << b) < n * 2)
        b++;
    return b;
}

static kz_status write_file(kz_ctx *ctx, const char *path, const uint8_t *p,
                            size_t n)
{
    size_t pl = strlen(path);
    char *tmp = kz_malloc(pl + 16);
    if (!tmp)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "index: out of memory");
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        kz_status st = kz_seterr(ctx, KZ_ERR_IO, "%s: cannot create: %s", tmp,
                                 strerror(errno));
        kz_free(tmp);
        return st;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int err = done < n ? errno : 0;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err) {
        (void)fchmod(fd, 0644);
        (void)chmod(tmp, 0644);
    }
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        kz_free(tmp);
        return kz_seterr(ctx, KZ_ERR_IO, "%s: cannot write: %s", path,
                         strerror(err ? err : EIO));
    }
    kz_free(tmp);
    /* Make the rename itself durable. */
    char *dir = kz_malloc(pl + 2);
    if (dir) {
        memcpy(dir, path, pl + 1);
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = 0;
        else if (slash)
            *slash = 0;
        else
            strcpy(dir, ".");
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        kz_free(dir);
    }
    return KZ_OK;
}

static kz_time build_time(kz_time t)
{
    if (t)
        return t;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end && v > 0)
            return (kz_time)v;
    }
    return (kz_time)time(NULL);
}

kz_status kz_index_write(kz_index_builder *b, const kz_index_meta *m,
                         const char *path)
{
    kz_status st = KZ_OK;
    struct kzi_header hdr;
    memset(&hdr, 0, sizeof hdr);
    memcpy(hdr.magic, KZI_MAGIC, 8);
    hdr.version = KZ_INDEX_VERSION;
    hdr.header_size = KZI_HEADER_SIZE;
    hdr.built = build_time(m ? m->built : 0);
    hdr.store_generation = m ? m->store_generation : 0;
    if (m && m->store_path) {
        /* with its NUL: kz_index_get_info hands it out as a C string */
        st = pool_add(b, m->store_path, strlen(m->store_path) + 1,
                      &hdr.store_path_off);
        if (st != KZ_OK)
            return st;
        hdr.store_path_len = (uint32_t)strlen(m->store_path);
    }

    /* Sort by key and drop repeats of the same type and key. */
    g_pool = b->pool;
    if (sort_entries(b) != 0)
        return oom(b);
    size_t w = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (w && same_key(&b->e[w - 1], &b->e[i]) &&
            b->e[w - 1].type == b->e[i].type)
            continue;
        b->e[w++] = b->e[i];
    }
    b->n = w;

    struct kzi_entry *ent = kz_calloc(b->n ? b->n : 1, sizeof *ent);
    uint32_t *parent = kz_calloc(b->n ? b->n : 1, sizeof *parent);
    struct cref *cr = kz_calloc(b->n ? b->n : 1, sizeof *cr);
    struct kzi_slot *slot = NULL, *uht = NULL;
    uint8_t *tld = NULL;
    struct kzi_lit *lit = NULL;
    size_t nlit = 0;
    uint32_t *litbucket = NULL;
    uint8_t *litpair = NULL;
    size_t nuht = 0;
    uint64_t *bloom = NULL;
    size_t nbloom = 0;
    struct segs s4 = {0}, s6 = {0};
    struct kzi_seg4 *seg4 = NULL;
    uint32_t *bucket = NULL;
    struct out o = {0};
    if (!ent || !parent || !cr) {
        st = oom(b);
        goto done;
    }

    /* The exact-match table over the groups of equal keys. */
    size_t groups = 0;
    for (size_t i = 0; i < b->n; i++) {
        hdr.count[b->e[i].type]++;
        hdr.kinds |= 1u << b->e[i].kind;
        if (b->e[i].kind == KZI_K_CIDR || b->e[i].kind == KZI_K_OTHER)
            continue;
        if (i == 0 || !same_key(&b->e[i - 1], &b->e[i]))
            groups++;
    }
    hdr.table_bits = bits_for(groups);
    size_t nslots = (size_t)1 << hdr.table_bits;
    slot = kz_calloc(nslots, sizeof *slot);
    if (!slot) {
        st = oom(b);
        goto done;
    }
    size_t ncr4 = 0, ncr6 = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct bent *e = &b->e[i];
        if (e->kind == KZI_K_CIDR) {
            cr[ncr4 + ncr6].lo = e->lo;
            cr[ncr4 + ncr6].idx = (uint32_t)i;
            cr[ncr4 + ncr6].prefix = e->prefix;
            cr[ncr4 + ncr6].family = e->family;
            if (e->family == 4)
                ncr4++;
            else
                ncr6++;
        }
        if (e->kind == KZI_K_CIDR || e->kind == KZI_K_OTHER)
            continue;
        if (i && same_key(&b->e[i - 1], e)) {
            ent[i - 1].flags |= KZI_F_MORE;
            continue;
        }
        size_t j = e->h & (nslots - 1);
        while (slot[j].entry)
            j = (j + 1) & (nslots - 1);
        slot[j].tag = (uint32_t)(e->h >> 32);
        slot[j].entry = (uint32_t)i + 1;
    }
    /* The Bloom filters, one per kind of key, 16 bits a key: three bits
     * of one word, about 0.3% false positives. */
    {
        size_t keys[KZI_K_NKINDS] = {0};
        for (size_t i = 0; i < b->n; i++) {
            const struct bent *e = &b->e[i];
            if (e->kind == KZI_K_CIDR || e->kind == KZI_K_OTHER)
                continue;
            if (i && same_key(&b->e[i - 1], e))
                continue;
            keys[e->kind]++;
        }
        keys[KZI_K_URLHOST] += b->nuh;
        keys[KZI_K_IP] += b->nuip; /* IPv4 URL hosts: in the IP filter */
        for (unsigned k = 0; k < KZI_K_NKINDS; k++) {
            hdr.bloom_off[k] = (uint32_t)nbloom;
            hdr.bloom_n[k] = keys[k] ? (uint32_t)(keys[k] / 4 + 8) : 0;
            nbloom += hdr.bloom_n[k];
        }
        if (nbloom > 0xffffffffu) {
            st = kz_seterr(b->ctx, KZ_ERR_LIMIT, "index: too many keys");
            goto done;
        }
        hdr.bloom_words = (uint32_t)nbloom;
        bloom = kz_calloc(nbloom ? nbloom : 1, sizeof *bloom);
        if (!bloom) {
            st = oom(b);
            goto done;
        }
        for (size_t i = 0; i < b->n; i++) {
            const struct bent *e = &b->e[i];
            if (e->kind == KZI_K_CIDR || e->kind == KZI_K_OTHER)
                continue;
            if (i && same_key(&b->e[i - 1], e))
                continue;
            bloom[hdr.bloom_off[e->kind] +
                  kzi_bloom_word(e->h, hdr.bloom_n[e->kind])] |=
                kzi_bloom_bits(e->h);
        }
        for (size_t i = 0; i < b->nuh; i++)
            bloom[hdr.bloom_off[KZI_K_URLHOST] +
                  kzi_bloom_word(b->uh[i], hdr.bloom_n[KZI_K_URLHOST])] |=
                kzi_bloom_bits(b->uh[i]);
        for (size_t i = 0; i < b->nuip; i++)
            bloom[hdr.bloom_off[KZI_K_IP] +
                  kzi_bloom_word(b->uip[i], hdr.bloom_n[KZI_K_IP])] |=
                kzi_bloom_bits(b->uip[i]);
    }
    /* The hosts of URL indicators (presence only). */
    for (size_t i = 0; i < b->nuip && st == KZ_OK; i++)
        st = add_h(b, &b->uh, &b->nuh, &b->uh_cap, b->uip[i]);
    if (st != KZ_OK)
        goto done;
    hdr.urlhost_bits = bits_for(b->nuh ? b->nuh : 1);
    nuht = (size_t)1 << hdr.urlhost_bits;
    uht = presence_table(b->uh, b->nuh, nuht);
    if (!uht) {
        st = oom(b);
        goto done;
    }
    /* The filter of last labels: a few hundred distinct ones, 16 bytes
     * each (so about 6% of the labels a sweep meets that no indicator
     * ends in pass it), in at most 64 KiB: in the first-level cache. */
    if (b->ntags)
        qsort(b->tags, b->ntags, sizeof *b->tags, cmp_u64);
    {
        size_t u = 0;
        for (size_t i = 0; i < b->ntags; i++)
            if (!u || b->tags[u - 1] != b->tags[i])
                b->tags[u++] = b->tags[i];
        b->ntags = u;
    }
    hdr.tld_bits = KZI_LABEL_MIN_BITS;
    while (hdr.tld_bits < KZI_LABEL_MAX_BITS &&
           ((size_t)1 << hdr.tld_bits) < b->ntags * 16)
        hdr.tld_bits++;
    size_t ntld = (size_t)1 << hdr.tld_bits;
    tld = kz_calloc(ntld, 1);
    if (!tld) {
        st = oom(b);
        goto done;
    }
    for (size_t i = 0; i < b->ntags; i++)
        tld[b->tags[i] >> (64 - hdr.tld_bits)] |= (uint8_t)(b->tags[i] & 3);

    /* CIDR segments: IPv4 ones are the mapped range of the 128-bit space,
     * sorted before the others by their ::ffff: prefix... so sort each
     * family on its own. */
    if (ncr4 + ncr6)
        qsort(cr, ncr4 + ncr6, sizeof *cr, cmp_cidr);
    {
        struct cref *c4 = kz_calloc(ncr4 + 1, sizeof *c4);
        struct cref *c6 = kz_calloc(ncr6 + 1, sizeof *c6);
        if (!c4 || !c6) {
            kz_free(c4);
            kz_free(c6);
            st = oom(b);
            goto done;
        }
        size_t a = 0, z = 0;
        for (size_t i = 0; i < ncr4 + ncr6; i++) {
            if (cr[i].family == 4)
                c4[a++] = cr[i];
            else
                c6[z++] = cr[i];
        }
        static const uint8_t start4[16] = {0, 0, 0,    0,    0, 0, 0, 0,
                                           0, 0, 0xff, 0xff, 0, 0, 0, 0};
        static const uint8_t start6[16] = {0};
        int rc = 0;
        if (ncr4)
            rc |= build_segs(c4, ncr4, start4, b->e, parent, &s4);
        if (ncr6)
            rc |= build_segs(c6, ncr6, start6, b->e, parent, &s6);
        kz_free(c4);
        kz_free(c6);
        if (rc) {
            st = oom(b);
            goto done;
        }
        /* IPv4 segments beyond 255.255.255.255 (the end of the mapped
         * range) belong to no IPv4 address. */
        size_t n4 = 0;
        seg4 = kz_calloc(s4.n + 1, sizeof *seg4);
        bucket = kz_calloc(65537, sizeof *bucket);
        if (!seg4 || !bucket) {
            st = oom(b);
            goto done;
        }
        for (size_t i = 0; i < s4.n; i++) {
            static const uint8_t pfx[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};
            if (memcmp(s4.s[i].lo, pfx, 12) != 0)
                break;
            seg4[n4].lo = be32(s4.s[i].lo + 12);
            seg4[n4].entry = s4.s[i].entry;
            n4++;
        }
        hdr.ncidr4 = n4;
        /* bucket[k]: the last segment starting at or before k << 16. */
        size_t si = 0;
        for (uint32_t k = 0; k <= 65536; k++) {
            uint64_t at = (uint64_t)k << 16;
            while (si + 1 < n4 && seg4[si + 1].lo <= at)
                si++;
            bucket[k] = (uint32_t)si;
        }
        hdr.ncidr6 = s6.n;
    }

    for (size_t i = 0; i < b->n; i++) {
        const struct bent *e = &b->e[i];
        struct kzi_entry *x = &ent[i];
        x->indicator_id = e->id;
        x->value_off = e->value_off;
        x->value_len = e->value_len;
        x->key_off = e->key_off;
        x->key_len = (uint16_t)e->key_len;
        x->type = e->type;
        x->ctx = e->ctx;
        x->raw_off = e->raw_off;
        x->raw_len = e->raw_len;
        x->parent = parent[i];
    }
    hdr.indicators = b->n;
    hdr.nctx = (uint32_t)b->nctx;

    /* Literal strings looked for in logs, with their JSON-escaped forms. */
    if (literals(b, &lit, &nlit, &litbucket, &litpair, &hdr) != KZ_OK) {
        st = oom(b);
        goto done;
    }

    /* Lay the file out: header first (written last), then sections. */
    uint8_t zero[KZI_HEADER_SIZE];
    memset(zero, 0, sizeof zero);
    {
        /* one allocation for the whole file */
        size_t total = KZI_HEADER_SIZE;
        size_t lens[] = {b->pool_n,
                         b->n * sizeof *ent,
                         b->nctx * sizeof *b->ctxs,
                         nslots * sizeof *slot,
                         ntld * sizeof *tld,
                         nuht * sizeof *uht,
                         nbloom * sizeof *bloom,
                         hdr.ncidr4 * sizeof *seg4,
                         hdr.ncidr4 ? 65537 * sizeof *bucket : 0,
                         s6.n * sizeof *s6.s,
                         nlit * sizeof *lit,
                         nlit ? (((size_t)1 << hdr.lit_bits) + 1) * 4 : 0,
                         nlit ? 8192 : 0};
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
            total += (lens[i] + KZI_ALIGN - 1) & ~(size_t)(KZI_ALIGN - 1);
        o.buf = kz_malloc(total);
        if (!o.buf) {
            st = oom(b);
            goto done;
        }
        o.cap = total;
    }
    if (out_put(&o, zero, sizeof zero) != 0 ||
        add_section(&o, &hdr, KZI_SEC_POOL, b->pool, b->pool_n) != 0 ||
        add_section(&o, &hdr, KZI_SEC_ENTRY, ent, b->n * sizeof *ent) != 0 ||
        add_section(&o, &hdr, KZI_SEC_CTX, b->ctxs,
                    b->nctx * sizeof *b->ctxs) != 0 ||
        add_section(&o, &hdr, KZI_SEC_SLOT, slot, nslots * sizeof *slot) != 0 ||
        add_section(&o, &hdr, KZI_SEC_TLD, tld, ntld * sizeof *tld) != 0 ||
        add_section(&o, &hdr, KZI_SEC_URLHOST, uht, nuht * sizeof *uht) != 0 ||
        add_section(&o, &hdr, KZI_SEC_BLOOM, bloom, nbloom * sizeof *bloom) !=
            0 ||
        add_section(&o, &hdr, KZI_SEC_CIDR4, seg4, hdr.ncidr4 * sizeof *seg4) !=
            0 ||
        add_section(&o, &hdr, KZI_SEC_BUCKET4, bucket,
                    hdr.ncidr4 ? 65537 * sizeof *bucket : 0) != 0 ||
        add_section(&o, &hdr, KZI_SEC_CIDR6, s6.s, s6.n * sizeof *s6.s) != 0 ||
        (nlit &&
         (add_section(&o, &hdr, KZI_SEC_LIT, lit, nlit * sizeof *lit) != 0 ||
          add_section(&o, &hdr, KZI_SEC_LITBUCKET, litbucket,
                      (((size_t)1 << hdr.lit_bits) + 1) * 4) != 0 ||
          add_section(&o, &hdr, KZI_SEC_LITPAIR, litpair, 8192) != 0))) {
        st = oom(b);
        goto done;
    }
    hdr.file_size = o.n;
    memcpy(o.buf, &hdr, sizeof hdr);
    hdr.header_checksum = kzi_checksum(o.buf, KZI_HEADER_SIZE);
    memcpy(o.buf, &hdr, sizeof hdr);
    st = write_file(b->ctx, path, o.buf, o.n);
done:
    kz_free(lit);
    kz_free(litbucket);
    kz_free(litpair);
    kz_free(ent);
    kz_free(parent);
    kz_free(cr);
    kz_free(slot);
    kz_free(tld);
    kz_free(uht);
    kz_free(bloom);
    kz_free(s4.s);
    kz_free(s6.s);
    kz_free(seg4);
    kz_free(bucket);
    kz_free(o.buf);
    return st;
}
