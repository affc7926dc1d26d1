/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading an index: map, check the header, look observables up. Opening
 * costs the same for any size; kz_index_verify reads every byte once. Every
 * offset read from the file is checked against the mapping before use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_int.h"
#include "index/index_int.h"
#include "kizashi/limits.h"

const char *kz_match_kind_name(kz_match_kind k)
{
    switch (k) {
    case KZ_MATCH_EXACT:
        return "exact";
    case KZ_MATCH_SUBDOMAIN:
        return "subdomain";
    case KZ_MATCH_CIDR:
        return "cidr";
    case KZ_MATCH_LITERAL:
        return "literal";
    case KZ_MATCH_PATH:
        return "path";
    case KZ_MATCH_YARA:
        return "yara";
    }
    return "exact";
}

static const char *sec_name(uint32_t id)
{
    switch (id) {
    case KZI_SEC_POOL:
        return "strings";
    case KZI_SEC_ENTRY:
        return "indicators";
    case KZI_SEC_CTX:
        return "contexts";
    case KZI_SEC_SLOT:
        return "table";
    case KZI_SEC_CIDR4:
        return "IPv4 networks";
    case KZI_SEC_BUCKET4:
        return "IPv4 buckets";
    case KZI_SEC_CIDR6:
        return "IPv6 networks";
    case KZI_SEC_TLD:
        return "top-level labels";
    case KZI_SEC_BLOOM:
        return "Bloom filter";
    case KZI_SEC_URLHOST:
        return "URL hosts";
    }
    return "unknown";
}

/* The section with this id, checked to lie in the file and to hold a
 * whole number of elements of size esz; NULL with *n = 0 when absent. */
static int find_sec(const struct kz_index *ix, uint32_t id, size_t esz,
                    const void **p, size_t *n)
{
    const struct kzi_header *h = ix->hdr;
    *p = NULL;
    *n = 0;
    for (uint32_t i = 0; i < h->nsections; i++) {
        const struct kzi_section_desc *d = &h->sec[i];
        if (d->id != id)
            continue;
        if (d->off < KZI_HEADER_SIZE || d->off > ix->size ||
            d->len > ix->size - d->off || d->off % KZI_ALIGN || d->len % esz)
            return -1;
        *p = ix->base + d->off;
        *n = d->len / esz;
        return 0;
    }
    return 0;
}

static kz_status open_common(kz_ctx *ctx, const char *name, struct kz_index *ix)
{
    ix->ctx = ctx;
    snprintf(ix->name, sizeof ix->name, "%s", name);
    if (ix->size < 8 || memcmp(ix->base, KZI_MAGIC, 8) != 0)
        return kz_seterr(ctx, KZ_ERR_PARSE,
                         "%s: not a kizashi index (no KZINDEX magic)", name);
    if (ix->size < KZI_HEADER_SIZE)
        return kz_seterr(ctx, KZ_ERR_CORRUPT,
                         "%s: truncated index (%zu bytes, header needs %u)",
                         name, ix->size, KZI_HEADER_SIZE);
    const struct kzi_header *h = (const struct kzi_header *)ix->base;
    ix->hdr = h;
    if (h->version > KZ_INDEX_VERSION)
        return kz_seterr(ctx, KZ_ERR_VERSION,
                         "%s: index format version %u is newer than this "
                         "kizashi reads (%u): recompile it or upgrade",
                         name, h->version, KZ_INDEX_VERSION);
    if (h->version < 1 || h->header_size != KZI_HEADER_SIZE)
        return kz_seterr(ctx, KZ_ERR_CORRUPT,
                         "%s: damaged index header (version %u)", name,
                         h->version);
    if (h->version < KZ_INDEX_VERSION)
        return kz_seterr(ctx, KZ_ERR_VERSION,
                         "%s: index format version %u is older than this "
                         "kizashi reads (%u): compile it again",
                         name, h->version, KZ_INDEX_VERSION);
    uint8_t copy[KZI_HEADER_SIZE];
    memcpy(copy, ix->base, KZI_HEADER_SIZE);
    memset(copy + offsetof(struct kzi_header, header_checksum), 0, 8);
    if (kzi_checksum(copy, KZI_HEADER_SIZE) != h->header_checksum)
        return kz_seterr(ctx, KZ_ERR_CORRUPT,
                         "%s: damaged index header (checksum mismatch)", name);
    if (h->file_size != ix->size)
        return kz_seterr(ctx, KZ_ERR_CORRUPT,
                         "%s: truncated or extended index: %zu bytes, header "
                         "says %llu",
                         name, ix->size, (unsigned long long)h->file_size);
    if (h->nsections > KZI_MAX_SECTIONS || h->table_bits > 40 ||
        h->tld_bits < KZI_LABEL_MIN_BITS || h->tld_bits > KZI_LABEL_MAX_BITS)
        return kz_seterr(ctx, KZ_ERR_CORRUPT, "%s: damaged section table",
                         name);
    const void *p;
    size_t n;
    int bad = 0;
    /* Every section, known or not, lies in the file (verification reads
     * them all). */
    for (uint32_t i = 0; i < h->nsections; i++) {
        const struct kzi_section_desc *d = &h->sec[i];
        if (d->off < KZI_HEADER_SIZE || d->off > ix->size ||
            d->len > ix->size - d->off)
            bad = 1;
    }
    bad |= find_sec(ix, KZI_SEC_POOL, 1, &p, &n);
    ix->pool = p;
    ix->pool_len = n;
    bad |= find_sec(ix, KZI_SEC_ENTRY, sizeof(struct kzi_entry), &p, &n);
    ix->ent = p;
    ix->nent = n;
    bad |= find_sec(ix, KZI_SEC_CTX, sizeof(struct kzi_ctx), &p, &n);
    ix->ctxs = p;
    ix->nctx = n;
    bad |= find_sec(ix, KZI_SEC_SLOT, sizeof(struct kzi_slot), &p, &n);
    ix->slot = p;
    ix->mask = n ? n - 1 : 0;
    if (n && (n != (size_t)1 << h->table_bits))
        bad = 1;
    bad |= find_sec(ix, KZI_SEC_TLD, 1, &p, &n);
    ix->labels = p;
    ix->label_shift = 64 - h->tld_bits;
    if (n != (size_t)1 << h->tld_bits)
        bad = 1;
    bad |= find_sec(ix, KZI_SEC_URLHOST, sizeof(struct kzi_slot), &p, &n);
    ix->urlhost = p;
    ix->urlhost_mask = n ? n - 1 : 0;
    if (!n || h->urlhost_bits > 40 || n != (size_t)1 << h->urlhost_bits)
        bad = 1;
    bad |= find_sec(ix, KZI_SEC_BLOOM, sizeof(uint64_t), &p, &n);
    if (n != h->bloom_words)
        bad = 1;
    for (unsigned k = 0; k < KZI_K_NKINDS && !bad; k++) {
        if ((uint64_t)h->bloom_off[k] + h->bloom_n[k] > n) {
            bad = 1;
            break;
        }
        ix->bloom[k] =
            h->bloom_n[k] ? (const uint64_t *)p + h->bloom_off[k] : NULL;
        ix->bloom_n[k] = h->bloom_n[k];
    }
    bad |= find_sec(ix, KZI_SEC_CIDR4, sizeof(struct kzi_seg4), &p, &n);
    ix->seg4 = p;
    ix->nseg4 = n;
    bad |= find_sec(ix, KZI_SEC_BUCKET4, sizeof(uint32_t), &p, &n);
    ix->bucket4 = p;
    if (ix->nseg4 && n != 65537)
        bad = 1;
    bad |= find_sec(ix, KZI_SEC_CIDR6, sizeof(struct kzi_seg6), &p, &n);
    ix->seg6 = p;
    ix->nseg6 = n;
    /* Literal strings: all three sections, or none. The records' offsets
     * are checked where a sweep reads them. */
    bad |= find_sec(ix, KZI_SEC_LIT, sizeof(struct kzi_lit), &p, &n);
    ix->lit = p;
    ix->nlit = n;
    if (n != h->nlit || h->lit_bits > 30 || (n && h->lit_bits < 4))
        bad = 1;
    bad |= find_sec(ix, KZI_SEC_LITBUCKET, sizeof(uint32_t), &p, &n);
    ix->litbucket = p;
    ix->lit_bits = h->lit_bits;
    if (ix->nlit && (h->lit_bits > 30 || n != ((size_t)1 << h->lit_bits) + 1))
        bad = 1;
    bad |= find_sec(ix, KZI_SEC_LITPAIR, 1, &p, &n);
    ix->litpair = p;
    if (ix->nlit && n != 8192)
        bad = 1;
    if (!ix->nlit)
        ix->lit = NULL;
    if (bad || ix->nent != h->indicators || !ix->pool || !ix->slot ||
        !ix->labels)
        return kz_seterr(ctx, KZ_ERR_CORRUPT,
                         "%s: damaged index: a section lies outside the "
                         "file or has the wrong size",
                         name);
    ix->kinds = h->kinds;
    return KZ_OK;
}

kz_status kz_index_open(kz_ctx *ctx, const char *path, kz_index **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kz_seterr(ctx, KZ_ERR_IO, "%s: cannot open index: %s", path,
                         strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = errno;
        close(fd);
        return kz_seterr(ctx, KZ_ERR_IO, "%s: not a regular file%s%s", path,
                         e ? ": " : "", e ? strerror(e) : "");
    }
    struct kz_index *ix = kz_calloc(1, sizeof *ix);
    if (!ix) {
        close(fd);
        return kz_seterr(ctx, KZ_ERR_NOMEM, "index: out of memory");
    }
    ix->size = (size_t)sb.st_size;
    if (ix->size) {
        void *m = mmap(NULL, ix->size, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            kz_free(ix);
            return kz_seterr(ctx, KZ_ERR_IO, "%s: cannot map: %s", path,
                             strerror(e));
        }
        ix->base = m;
        ix->mapped = 1;
    }
    close(fd);
    kz_status st = open_common(ctx, path, ix);
    if (st != KZ_OK) {
        kz_index_close(ix);
        return st;
    }
    *out = ix;
    return KZ_OK;
}

kz_status kz_index_open_mem(kz_ctx *ctx, const void *p, size_t len,
                            kz_index **out)
{
    *out = NULL;
    struct kz_index *ix = kz_calloc(1, sizeof *ix);
    if (!ix)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "index: out of memory");
    ix->base = p;
    ix->size = len;
    /* The structures are read in place: the caller's buffer must be
     * aligned like a mapping (malloc'd memory is). */
    kz_status st =
        ((uintptr_t)p % 8)
            ? kz_seterr(ctx, KZ_ERR_INVALID, "index: buffer not 8-byte aligned")
            : open_common(ctx, "(memory)", ix);
    if (st != KZ_OK) {
        kz_free(ix);
        return st;
    }
    *out = ix;
    return KZ_OK;
}

void kz_index_close(kz_index *ix)
{
    if (!ix)
        return;
    if (ix->mapped)
        munmap((void *)ix->base, ix->size);
    kz_free(ix);
}

kz_status kz_index_verify(kz_ctx *ctx, const kz_index *ix)
{
    const struct kzi_header *h = ix->hdr;
    for (uint32_t i = 0; i < h->nsections; i++) {
        const struct kzi_section_desc *d = &h->sec[i];
        if (kzi_checksum(ix->base + d->off, d->len) != d->checksum)
            return kz_seterr(ctx, KZ_ERR_CORRUPT,
                             "%s: damaged index: checksum mismatch in the %s "
                             "section (bytes %llu to %llu)",
                             ix->name, sec_name(d->id),
                             (unsigned long long)d->off,
                             (unsigned long long)(d->off + d->len));
    }
    return KZ_OK;
}

void kz_index_get_info(const kz_index *ix, kz_index_info *out)
{
    const struct kzi_header *h = ix->hdr;
    memset(out, 0, sizeof *out);
    out->version = h->version;
    out->built = h->built;
    out->store_generation = h->store_generation;
    out->store_path = "";
    if (h->store_path_off &&
        (uint64_t)h->store_path_off + h->store_path_len < ix->pool_len &&
        ix->pool[h->store_path_off + h->store_path_len] == '\0')
        out->store_path = (const char *)ix->pool + h->store_path_off;
    out->file_size = h->file_size;
    out->indicators = h->indicators;
    for (int t = 0; t < KZ_T_COUNT_; t++)
        out->count[t] = h->count[t];
    out->literals = ix->nlit ? h->lit_indicators : 0;
}

static const char *pstr(const kz_index *ix, uint32_t off, uint32_t len,
                        size_t *n, int *bad)
{
    if (!off || !len) {
        *n = 0;
        return "";
    }
    if ((uint64_t)off + len > ix->pool_len) {
        *bad = 1;
        *n = 0;
        return "";
    }
    *n = len;
    return (const char *)ix->pool + off;
}

kz_status kz_index_entry_get(const kz_index *ix, uint32_t i, kz_index_entry *o)
{
    memset(o, 0, sizeof *o);
    if (i >= ix->nent)
        return kz_seterr(ix->ctx, KZ_ERR_NOTFOUND, "index: no entry %u", i);
    const struct kzi_entry *e = &ix->ent[i];
    int bad = 0;
    o->index = i;
    o->type = e->type < KZ_T_COUNT_ ? (kz_type)e->type : KZ_T_NONE;
    o->indicator_id = e->indicator_id;
    o->value = pstr(ix, e->value_off ? e->value_off : 1, e->value_len,
                    &o->value_len, &bad);
    if (e->raw_off)
        o->raw = pstr(ix, e->raw_off, e->raw_len, &o->raw_len, &bad);
    else {
        o->raw = o->value;
        o->raw_len = o->value_len;
    }
    o->confidence = -1;
    if (e->ctx < ix->nctx) {
        const struct kzi_ctx *c = &ix->ctxs[e->ctx];
        o->threats = pstr(ix, c->off[KZI_S_THREATS], c->len[KZI_S_THREATS],
                          &o->threats_len, &bad);
        o->advisories = pstr(ix, c->off[KZI_S_ADV], c->len[KZI_S_ADV],
                             &o->advisories_len, &bad);
        o->advisory_ids = pstr(ix, c->off[KZI_S_ADV_IDS], c->len[KZI_S_ADV_IDS],
                               &o->advisory_ids_len, &bad);
        o->sources = pstr(ix, c->off[KZI_S_SOURCES], c->len[KZI_S_SOURCES],
                          &o->sources_len, &bad);
        o->feeds = pstr(ix, c->off[KZI_S_FEEDS], c->len[KZI_S_FEEDS],
                        &o->feeds_len, &bad);
        o->tags = pstr(ix, c->off[KZI_S_TAGS], c->len[KZI_S_TAGS], &o->tags_len,
                       &bad);
        o->suppressed =
            pstr(ix, c->off[KZI_S_SUPPRESSED], c->len[KZI_S_SUPPRESSED],
                 &o->suppressed_len, &bad);
        o->confidence = c->confidence;
        o->first_seen = c->first_seen;
        o->last_seen = c->last_seen;
        o->valid_until = c->valid_until;
    } else {
        bad = 1;
    }
    if (bad)
        return kz_seterr(ix->ctx, KZ_ERR_CORRUPT,
                         "damaged index: indicator %u points outside the "
                         "file",
                         i);
    return KZ_OK;
}

static int key_eq(const uint8_t *a, const void *b, size_t n, int fold)
{
    if (!fold)
        return memcmp(a, b, n) == 0;
    const unsigned char *q = b;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = q[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (a[i] != c)
            return 0;
    }
    return 1;
}

unsigned kzi_probe(const struct kz_index *ix, unsigned kind, uint64_t h,
                   const void *key, size_t n, int fold, kz_index_hit_fn fn,
                   void *ud, kz_match_kind how)
{
    if (!ix->mask || kind >= KZI_K_NKINDS || !kzi_bloom_test(ix, kind, h))
        return 0;
    return kzi_probe_table(ix, h, key, n, fold, fn, ud, how);
}

unsigned kzi_probe_table(const struct kz_index *ix, uint64_t h, const void *key,
                         size_t n, int fold, kz_index_hit_fn fn, void *ud,
                         kz_match_kind how)
{
    if (!ix->mask)
        return 0;
    uint32_t tag = (uint32_t)(h >> 32);
    size_t j = h & ix->mask;
    for (size_t probes = 0; probes <= ix->mask; probes++) {
        const struct kzi_slot *s = &ix->slot[j];
        if (!s->entry)
            return 0;
        if (s->tag == tag && s->entry <= ix->nent) {
            uint32_t i = s->entry - 1;
            size_t kn;
            const uint8_t *k = kzi_key(ix, i, &kn);
            if (k && kn == n && key_eq(k, key, n, fold)) {
                /* Same kind? Keys of other kinds hash differently, but
                 * check the type family too. */
                unsigned calls = 0;
                for (;;) {
                    fn(ud, i, how);
                    calls++;
                    if (!(ix->ent[i].flags & KZI_F_MORE) || i + 1 >= ix->nent)
                        break;
                    i++;
                }
                return calls;
            }
        }
        j = (j + 1) & ix->mask;
    }
    return 0;
}

/* ---- lookups ----------------------------------------------------------------
 */

static int entry_is_cidr(const struct kz_index *ix, uint32_t e)
{
    return e < ix->nent && ix->ent[e].type == KZ_T_CIDR;
}

static unsigned cidr_chain(const struct kz_index *ix, uint32_t entry1,
                           kz_index_hit_fn fn, void *ud)
{
    unsigned calls = 0;
    /* The chain is bounded by the nesting depth (at most 129); a damaged
     * file cannot make it loop. */
    for (unsigned d = 0; entry1 && d < 130; d++) {
        uint32_t e = entry1 - 1;
        if (!entry_is_cidr(ix, e))
            break;
        fn(ud, e, KZ_MATCH_CIDR);
        calls++;
        entry1 = ix->ent[e].parent;
    }
    return calls;
}

unsigned kz_index_lookup_ip(const kz_index *ix, const uint8_t addr[16],
                            kz_index_hit_fn fn, void *ud)
{
    unsigned calls = 0;
    if (ix->kinds & (1u << KZI_K_IP))
        calls += kzi_probe(ix, KZI_K_IP, kzi_hash(KZI_K_IP, addr, 16), addr, 16,
                           0, fn, ud, KZ_MATCH_EXACT);
    return calls + kzi_lookup_cidr(ix, addr, fn, ud);
}

unsigned kzi_lookup_cidr(const struct kz_index *ix, const uint8_t addr[16],
                         kz_index_hit_fn fn, void *ud)
{
    unsigned calls = 0;
    static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(addr, pfx, 12) == 0) {
        if (!ix->nseg4)
            return calls;
        uint32_t a = (uint32_t)addr[12] << 24 | (uint32_t)addr[13] << 16 |
                     (uint32_t)addr[14] << 8 | addr[15];
        uint32_t b = a >> 16;
        size_t lo = ix->bucket4[b], hi = ix->bucket4[b + 1];
        if (lo >= ix->nseg4 || hi >= ix->nseg4 || hi < lo)
            return calls;
        /* The last segment in [lo, hi] starting at or before a. */
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            if (ix->seg4[mid].lo <= a)
                lo = mid;
            else
                hi = mid - 1;
        }
        return calls + cidr_chain(ix, ix->seg4[lo].entry, fn, ud);
    }
    if (!ix->nseg6)
        return calls;
    size_t lo = 0, hi = ix->nseg6 - 1;
    if (memcmp(ix->seg6[0].lo, addr, 16) > 0)
        return calls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (memcmp(ix->seg6[mid].lo, addr, 16) <= 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    return calls + cidr_chain(ix, ix->seg6[lo].entry, fn, ud);
}

/* 1 when a presence table (slots of tag and entry 1) of mask + 1 slots
 * holds h. */
static int presence(const struct kzi_slot *t, uint64_t mask, uint64_t h)
{
    if (!t)
        return 0;
    uint32_t tag = (uint32_t)(h >> 32);
    size_t j = h & mask;
    for (size_t probes = 0; probes <= mask; probes++) {
        if (!t[j].entry)
            return 0;
        if (t[j].tag == tag)
            return 1;
        j = (j + 1) & mask;
    }
    return 0;
}

int kzi_urlhost_hash_known(const struct kz_index *ix, uint64_t h)
{
    return kzi_bloom_test(ix, KZI_K_URLHOST, h) &&
           presence(ix->urlhost, ix->urlhost_mask, h);
}

int kzi_urlhost_table_has(const struct kz_index *ix, uint64_t h)
{
    return presence(ix->urlhost, ix->urlhost_mask, h);
}

struct host_probe {
    const struct kz_index *ix;
    const char *host;
    kz_index_hit_fn fn;
    void *ud;
    unsigned calls;
    int domains;
};

static void probe_suffix(void *ud, uint64_t h, size_t off, size_t len)
{
    struct host_probe *p = ud;
    if (p->domains)
        p->calls +=
            kzi_probe(p->ix, KZI_K_DOMAIN, h, p->host + off, len, 1, p->fn,
                      p->ud, off == 0 ? KZ_MATCH_EXACT : KZ_MATCH_SUBDOMAIN);
}

unsigned kzi_lookup_host(const struct kz_index *ix, const char *host, size_t n,
                         int domains, kz_index_hit_fn fn, void *ud,
                         int *is_url_host)
{
    if (is_url_host)
        *is_url_host = 0;
    if (n && host[n - 1] == '.')
        n--;
    if (!n || n > KZ_MAX_DOMAIN)
        return 0;
    if (!(ix->kinds & (1u << KZI_K_DOMAIN)))
        domains = 0;
    if (!(ix->kinds & (1u << KZI_K_URL)))
        is_url_host = NULL;
    if (!domains && !is_url_host)
        return 0;
    uint8_t addr[16];
    if (kzi_parse_quad(host, n, addr)) {
        /* an address: never a domain indicator; URL hosts by address */
        if (is_url_host)
            *is_url_host =
                kzi_bloom_test(ix, KZI_K_IP, kzi_urlhost_ip_hash(addr)) &&
                kzi_urlhost_table_has(ix, kzi_urlhost_ip_hash(addr));
        return 0;
    }
    if (!(kzi_label_flags(ix, host, n) & KZI_LABEL_HOST))
        return 0;
    struct host_probe p = {ix, host, fn, ud, 0, domains};
    uint64_t whole = kzi_host_walk(host, n, probe_suffix, &p);
    if (is_url_host)
        *is_url_host =
            kzi_urlhost_hash_known(ix, kzi_host_final(whole, KZI_K_URLHOST, n));
    return p.calls;
}

unsigned kz_index_lookup_host(const kz_index *ix, const char *host, size_t n,
                              kz_index_hit_fn fn, void *ud)
{
    return kzi_lookup_host(ix, host, n, 1, fn, ud, NULL);
}

int kz_index_is_url_host(const kz_index *ix, const char *host, size_t n)
{
    int u = 0;
    kzi_lookup_host(ix, host, n, 0, NULL, NULL, &u);
    return u;
}

unsigned kz_index_lookup_url(const kz_index *ix, const char *url, size_t n,
                             kz_index_hit_fn fn, void *ud)
{
    if (!(ix->kinds & (1u << KZI_K_URL)))
        return 0;
    return kzi_probe(ix, KZI_K_URL,
                     kzi_hash(KZI_K_URL, (const uint8_t *)url, n), url, n, 0,
                     fn, ud, KZ_MATCH_EXACT);
}

unsigned kz_index_lookup_digest(const kz_index *ix, const uint8_t *d, size_t n,
                                kz_index_hit_fn fn, void *ud)
{
    if (!(ix->kinds & (1u << KZI_K_DIGEST)))
        return 0;
    return kzi_probe(ix, KZI_K_DIGEST, kzi_hash(KZI_K_DIGEST, d, n), d, n, 0,
                     fn, ud, KZ_MATCH_EXACT);
}

static unsigned lookup_folded(const kz_index *ix, unsigned kind, const char *s,
                              size_t n, kz_index_hit_fn fn, void *ud)
{
    char buf[KZ_MAX_VALUE];
    if (!(ix->kinds & (1u << kind)) || n > sizeof buf || !n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return kzi_probe(ix, kind, kzi_hash(kind, (const uint8_t *)buf, n), buf, n,
                     0, fn, ud, KZ_MATCH_EXACT);
}

unsigned kz_index_lookup_email(const kz_index *ix, const char *s, size_t n,
                               kz_index_hit_fn fn, void *ud)
{
    return lookup_folded(ix, KZI_K_EMAIL, s, n, fn, ud);
}

unsigned kz_index_lookup_filename(const kz_index *ix, const char *s, size_t n,
                                  kz_index_hit_fn fn, void *ud)
{
    return lookup_folded(ix, KZI_K_FILENAME, s, n, fn, ud);
}

unsigned kz_index_each(const kz_index *ix, kz_typeset types, kz_index_hit_fn fn,
                       void *ud)
{
    unsigned calls = 0;
    for (uint32_t i = 0; i < ix->nent; i++) {
        unsigned t = ix->ent[i].type;
        if (t < KZ_T_COUNT_ && KZ_TYPESET_HAS(types, t)) {
            fn(ud, i, KZ_MATCH_EXACT);
            calls++;
        }
    }
    return calls;
}

kz_typeset kz_index_lookup_types(const kz_index *ix)
{
    kz_typeset t = 0;
    if (ix->kinds & ((1u << KZI_K_IP) | (1u << KZI_K_CIDR)))
        t |= (1u << KZ_T_IPV4) | (1u << KZ_T_IPV6);
    if (ix->kinds & (1u << KZI_K_DOMAIN))
        t |= 1u << KZ_T_DOMAIN;
    if (ix->kinds & (1u << KZI_K_URL))
        t |= 1u << KZ_T_URL;
    if (ix->kinds & (1u << KZI_K_EMAIL))
        t |= 1u << KZ_T_EMAIL;
    if (ix->kinds & (1u << KZI_K_DIGEST))
        t |= 1u << KZ_T_MD5;
    if (ix->kinds & (1u << KZI_K_FILENAME))
        t |= 1u << KZ_T_FILENAME;
    return t;
}
