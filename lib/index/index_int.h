/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to lib/index (and the sweep's hot path in lib/evidence, which
 * probes the tables inline): the on-disk layout of a .kzi file and the hash
 * functions that builder and reader must share. docs/formats.md describes
 * the same layout for people. Everything is little-endian; every section
 * starts at a multiple of 64 bytes.
 */
#ifndef KZ_INDEX_INT_H
#define KZ_INDEX_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kizashi/index.h"

#define KZI_MAGIC "KZINDEX\x1a"
#define KZI_HEADER_SIZE 1024u
#define KZI_MAX_SECTIONS 16u
#define KZI_ALIGN 64u

/* Section ids (never reused). */
enum kzi_section {
    KZI_SEC_POOL = 1,       /* strings and key bytes */
    KZI_SEC_ENTRY = 2,      /* struct kzi_entry[indicators] */
    KZI_SEC_CTX = 3,        /* struct kzi_ctx[] (interned contexts) */
    KZI_SEC_SLOT = 4,       /* struct kzi_slot[2^k] (the exact-match table) */
    KZI_SEC_CIDR4 = 5,      /* struct kzi_seg4[] */
    KZI_SEC_BUCKET4 = 6,    /* uint32_t[65537]: first segment per /16 */
    KZI_SEC_CIDR6 = 7,      /* struct kzi_seg6[] */
    KZI_SEC_TLD = 8,        /* uint8_t[2^k]: the filter of last labels */
    KZI_SEC_BLOOM = 9,      /* uint64_t[]: Bloom filters of the keys */
    KZI_SEC_URLHOST = 10,   /* struct kzi_slot[2^k]: hosts of URL indicators */
    KZI_SEC_LIT = 11,       /* struct kzi_lit[]: literal strings, by bucket */
    KZI_SEC_LITBUCKET = 12, /* uint32_t[2^lit_bits + 1]: first literal of
                               each bucket */
    KZI_SEC_LITPAIR = 13    /* uint8_t[8192]: the literals' anchor pairs */
};

/* Key kinds: what a slot's key bytes are. The kind is hashed into the key,
 * so the same bytes of two kinds never collide into a false match. */
enum kzi_kind {
    KZI_K_NONE = 0,
    KZI_K_IP = 1,       /* 16 bytes, IPv4 mapped */
    KZI_K_DIGEST = 2,   /* 16, 20, 32 or 64 bytes */
    KZI_K_DOMAIN = 3,   /* lower-case host name */
    KZI_K_URLHOST = 4,  /* lower-case host of a URL indicator */
    KZI_K_URL = 5,      /* canonical URL */
    KZI_K_EMAIL = 6,    /* lower-case address */
    KZI_K_FILENAME = 7, /* lower-case file name */
    KZI_K_CIDR = 8,     /* (not in the table: interval arrays) */
    KZI_K_OTHER = 9,    /* kept for context only (strings, paths ...) */
    KZI_K_NKINDS = 10
};

struct kzi_section_desc {
    uint32_t id;
    uint32_t reserved;
    uint64_t off;
    uint64_t len;
    uint64_t checksum;
};

struct kzi_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t file_size;
    int64_t built;
    uint64_t store_generation;
    uint64_t indicators;
    uint32_t nsections;
    uint32_t flags;
    uint64_t header_checksum; /* of the first KZI_HEADER_SIZE bytes with
                                 this field zero */
    uint64_t count[32];       /* indicators per kz_type */
    uint32_t store_path_off;  /* in the pool; 0: none */
    uint32_t store_path_len;
    uint32_t table_bits; /* the slot table has 2^table_bits slots */
    uint32_t tld_bits;   /* the filter of last labels has 2^tld_bits bytes */
    uint32_t kinds;      /* bit (1 << kzi_kind) for kinds present */
    uint32_t nctx;
    uint64_t ncidr4, ncidr6; /* segments */
    uint32_t bloom_words;    /* 64-bit words of the Bloom filters */
    uint32_t urlhost_bits;   /* the URL-host table has 2^k slots */
    /* One Bloom filter per key kind (a sweep of connection logs only
     * touches the addresses' one, which then stays in the CPU's cache):
     * its first word and its number of words. */
    uint32_t bloom_off[KZI_K_NKINDS];
    uint32_t bloom_n[KZI_K_NKINDS];
    struct kzi_section_desc sec[KZI_MAX_SECTIONS];
    uint32_t lit_bits; /* the literals have 2^lit_bits buckets (0: none) */
    uint32_t nlit;     /* literal records */
    uint32_t lit_indicators; /* indicators among them */
};

_Static_assert(sizeof(struct kzi_header) <= KZI_HEADER_SIZE,
               "the header fits its space");

/* Literal strings (string, user_agent, mutex and regkey indicators) are
 * looked for as substrings of log lines: each one, and its JSON-escaped
 * form when that differs, is a record. A record's anchor is four of its
 * bytes, each ORed with 0x20, chosen where they are rare in logs and not
 * already the anchor of many others; a sweep tests the first two bytes of
 * every four-byte window against the pair filter, then looks the window
 * up in the bucket of its hash and compares the records there. */
#define KZI_LIT_MIN 6    /* shorter ones would match everywhere */
#define KZI_LIT_MAX 1024 /* longer ones are not looked for in logs */
#define KZI_LIT_FOLD 1u  /* ASCII letters compared in any case (regkey) */
struct kzi_lit {
    uint32_t entry; /* record number of the indicator */
    uint32_t off;   /* the bytes looked for, in the pool */
    uint16_t len;
    uint16_t aoff;  /* where its anchor (four bytes) starts in it */
    uint32_t flags; /* KZI_LIT_* */
};
/* The anchor of bytes p[0..4), and its bucket among 2^bits. */
static inline uint32_t kzi_lit_anchor(const void *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w | 0x20202020u;
}
static inline uint32_t kzi_lit_bucket(uint32_t anchor, unsigned bits)
{
    return (uint32_t)((anchor * 0x9e3779b1u) >> (32 - bits));
}
/* The pair filter's bit for the first two bytes of an anchor. */
static inline unsigned kzi_lit_pair(uint32_t anchor)
{
    return anchor & 0xffffu;
}

/* One indicator. value: canonical text; key: the bytes the table
 * compares. Entries with the same key are adjacent, the first one is in
 * the table, KZI_F_MORE marks "the next entry has the same key". */
#define KZI_F_MORE 1u
struct kzi_entry {
    int64_t indicator_id;
    uint32_t value_off, value_len;
    uint32_t key_off;
    uint16_t key_len;
    uint8_t type;
    uint8_t flags;
    uint32_t ctx;     /* index into the contexts */
    uint32_t raw_off; /* as published, 0: same as value */
    uint32_t raw_len;
    uint32_t parent; /* CIDR: enclosing CIDR's entry + 1, 0: none */
};

/* The context shared by indicators from the same provenance. Strings are
 * (offset, length) in the pool; offset 0 is the empty string. */
enum {
    KZI_S_THREATS,
    KZI_S_ADV,
    KZI_S_ADV_IDS,
    KZI_S_SOURCES,
    KZI_S_FEEDS,
    KZI_S_TAGS,
    KZI_S_SUPPRESSED,
    KZI_S_N
};
struct kzi_ctx {
    int32_t confidence;
    uint32_t reserved;
    int64_t first_seen, last_seen, valid_until;
    uint32_t off[KZI_S_N];
    uint32_t len[KZI_S_N];
};

/* A slot: 32 high bits of the key's hash, and entry + 1 (0: empty). */
struct kzi_slot {
    uint32_t tag;
    uint32_t entry;
};

/* A segment of the address space [lo, next segment's lo) whose innermost
 * enclosing CIDR is entry - 1 (0: none). */
struct kzi_seg4 {
    uint32_t lo;
    uint32_t entry;
};
struct kzi_seg6 {
    uint8_t lo[16];
    uint32_t entry;
    uint32_t reserved;
};

/* ---- hashes (shared by builder and reader; changing them changes the
 * format version) ---------------------------------------------------------- */

static inline uint64_t kzi_fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

#define KZI_FNV_OFF 0xcbf29ce484222325ull
#define KZI_FNV_MUL 0x100000001b3ull

/* Keys other than host names: FNV-1a of the bytes, the kind and length
 * mixed in. */
static inline uint64_t kzi_hash(unsigned kind, const uint8_t *p, size_t n)
{
    uint64_t h = KZI_FNV_OFF ^ ((uint64_t)kind << 56);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * KZI_FNV_MUL;
    return kzi_fmix(h ^ n);
}

/* Host names are hashed label by label from the right, so the state after
 * the last k labels is the hash of that suffix: a sweep hashes a name once
 * and probes each parent domain on the way. A label is hashed eight bytes
 * at a time, each byte ORed with 0x20: that folds A-Z to a-z and leaves
 * every other byte a host name may hold (digits, '-', '_') unchanged. */
static inline uint64_t kzi_label_hash(const char *p, size_t n)
{
    uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ (w | 0x2020202020202020ull)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    if (i < n) {
        /* The last 1..7 bytes: from an 8-byte load that ends at the
         * label's end when the label is that long (no store to the stack
         * and back, which would stall), else byte by byte. */
        size_t r = n - i;
        uint64_t w;
        if (n >= 8) {
            memcpy(&w, p + n - 8, 8);
            w >>= 8 * (8 - r);
        } else {
            w = 0;
            for (size_t k = 0; k < r; k++)
                w |= (uint64_t)(unsigned char)p[i + k] << (8 * k);
        }
        w |= 0x2020202020202020ull >> (8 * (8 - r));
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    return h;
}
#define KZI_HOST_SEED 0xcbf29ce484222325ull
static inline uint64_t kzi_suffix_step(uint64_t s, uint64_t label)
{
    s = (s ^ label) * 0x94d049bb133111ebull;
    return s ^ (s >> 32);
}
static inline uint64_t kzi_host_final(uint64_t s, unsigned kind, size_t n)
{
    return kzi_fmix(s ^ ((uint64_t)kind << 56) ^ n);
}
static inline uint64_t kzi_host_hash(unsigned kind, const char *p, size_t n)
{
    uint64_t s = KZI_HOST_SEED;
    size_t e = n;
    for (;;) {
        size_t b = e;
        while (b > 0 && p[b - 1] != '.')
            b--;
        s = kzi_suffix_step(s, kzi_label_hash(p + b, e - b));
        if (b == 0)
            break;
        e = b - 1;
    }
    return kzi_host_final(s, kind, n);
}

/* A dotted quad ("192.0.2.1": four decimal numbers of at most three
 * digits, each at most 255) of exactly n bytes, as an IPv4-mapped address;
 * 0 when p is anything else. */
static inline int kzi_parse_quad(const char *p, size_t n, uint8_t addr[16])
{
    unsigned part = 0, val = 0, digits = 0;
    memset(addr, 0, 10);
    addr[10] = addr[11] = 0xff;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '.') {
            if (!digits || part == 3)
                return 0;
            addr[12 + part++] = (uint8_t)val;
            val = digits = 0;
            continue;
        }
        if (c < '0' || c > '9' || ++digits > 3)
            return 0;
        val = val * 10 + (unsigned)(c - '0');
        if (val > 255)
            return 0;
    }
    if (part != 3 || !digits)
        return 0;
    addr[15] = (uint8_t)val;
    return 1;
}

/* The URL-host hash of an IPv4 host (a dotted quad): the address's own
 * key hash, in the IP Bloom filter beside the IP indicators' and in the
 * table of URL hosts, so a sweep tests an address once for both. */
static inline uint64_t kzi_urlhost_ip_hash(const uint8_t addr[16])
{
    return kzi_hash(KZI_K_IP, addr, 16);
}

/* The checksum of a section: 4 lanes of 64-bit multiply-xor over 8-byte
 * words, folded. Fast (memory bound), not cryptographic: it detects
 * damage, not tampering. */
uint64_t kzi_checksum(const void *p, size_t n);

/* The open index. */
struct kz_index {
    kz_ctx *ctx;
    char name[512]; /* the path, for messages */
    const uint8_t *base;
    size_t size;
    int mapped; /* munmap at close */
    const struct kzi_header *hdr;
    const uint8_t *pool;
    size_t pool_len;
    const struct kzi_entry *ent;
    size_t nent;
    const struct kzi_ctx *ctxs;
    size_t nctx;
    const struct kzi_slot *slot;
    uint64_t mask;         /* slots - 1 */
    const uint8_t *labels; /* the filter of last labels */
    unsigned label_shift;  /* 64 - tld_bits */
    const struct kzi_seg4 *seg4;
    size_t nseg4;
    const uint32_t *bucket4;
    const struct kzi_seg6 *seg6;
    size_t nseg6;
    uint32_t kinds;
    const struct kzi_slot *urlhost;
    uint64_t urlhost_mask;
    const struct kzi_lit *lit; /* literal strings (NULL: none) */
    size_t nlit;
    const uint32_t *litbucket;
    unsigned lit_bits;
    const uint8_t *litpair;
    const uint64_t *bloom[KZI_K_NKINDS]; /* NULL: no keys of the kind */
    uint64_t bloom_n[KZI_K_NKINDS];
};

/* The Bloom filter: every key of the table (and every URL indicator's
 * host, kind KZI_K_URLHOST) sets three bits of one 64-bit word, so a test
 * reads one word; it lives in a few MiB (16 bits a key), so most lookups
 * of values that are not indicators end in the CPU's cache. */
static inline uint64_t kzi_bloom_bits(uint64_t h)
{
    return (1ull << ((h >> 40) & 63)) | (1ull << ((h >> 46) & 63)) |
           (1ull << ((h >> 52) & 63));
}
/* The word of a hash among `words` (any number: multiply and shift,
 * Lemire's range reduction of the low 32 bits). */
static inline size_t kzi_bloom_word(uint64_t h, uint64_t words)
{
    return (size_t)(((h & 0xffffffffull) * words) >> 32);
}
static inline int kzi_bloom_test(const struct kz_index *ix, unsigned kind,
                                 uint64_t h)
{
    const uint64_t *b = ix->bloom[kind];
    if (!b)
        return 0;
    uint64_t m = kzi_bloom_bits(h);
    return (b[kzi_bloom_word(h, ix->bloom_n[kind])] & m) == m;
}

/* The key bytes of entry i, or NULL when they lie outside the pool. */
static inline const uint8_t *kzi_key(const struct kz_index *ix, uint32_t i,
                                     size_t *n)
{
    const struct kzi_entry *e = &ix->ent[i];
    if ((uint64_t)e->key_off + e->key_len > ix->pool_len)
        return NULL;
    *n = e->key_len;
    return ix->pool + e->key_off;
}

/* Looks a key up: calls fn for each entry with exactly these key bytes
 * (the group of adjacent entries). Returns the number of calls. */
unsigned kzi_probe(const struct kz_index *ix, unsigned kind, uint64_t h,
                   const void *key, size_t n, int fold, kz_index_hit_fn fn,
                   void *ud, kz_match_kind how);

/* kzi_probe without the Bloom filter's test (the caller made it). */
unsigned kzi_probe_table(const struct kz_index *ix, uint64_t h, const void *key,
                         size_t n, int fold, kz_index_hit_fn fn, void *ud,
                         kz_match_kind how);
/* The CIDRs enclosing an address (the second half of
 * kz_index_lookup_ip). */
unsigned kzi_lookup_cidr(const struct kz_index *ix, const uint8_t addr[16],
                         kz_index_hit_fn fn, void *ud);
/* The filter of last labels: one byte per slot, set bits saying that
 * some host name of the index (a domain indicator, a URL indicator's host
 * that is not an address) ends in a label of that slot, and that some
 * file-name indicator has an extension of that slot. A sweep reads it
 * before hashing a name, so a token such as `id.orig_h` or `file.txt`
 * costs one multiply and one byte in the first-level cache. It is a
 * filter: a set bit may be another label's (the lookups that follow are
 * exact), a clear bit is never wrong. */
#define KZI_LABEL_HOST 1u
#define KZI_LABEL_EXT 2u
#define KZI_LABEL_MIN_BITS 10
#define KZI_LABEL_MAX_BITS 16

/* The slot hash of the last label of s (n bytes, n >= 1): its last (up
 * to) eight bytes, each ORed with 0x20, and how many they are. When s has
 * eight bytes, they are read at once and the last dot among them found
 * without a loop. */
static inline uint64_t kzi_label_key(const char *s, size_t n)
{
    uint64_t w = 0;
    size_t m;
    if (n >= 8) {
        memcpy(&w, s + n - 8, 8);
        /* 0x80 in each byte that is '.', exactly */
        uint64_t x = w ^ 0x2e2e2e2e2e2e2e2eull;
        uint64_t dots =
            ~(((x & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | x |
              0x7f7f7f7f7f7f7f7full);
        if (dots) {
            unsigned k = (unsigned)(63 - __builtin_clzll(dots)) / 8;
            m = 7 - k;
            w = k == 7 ? 0 : w >> (8 * (k + 1));
        } else {
            m = 8;
        }
    } else {
        size_t b = n;
        while (b > 0 && s[b - 1] != '.')
            b--;
        m = n - b;
        for (size_t k = 0; k < m; k++)
            w |= (uint64_t)(unsigned char)s[b + k] << (8 * k);
    }
    if (m)
        w |= 0x2020202020202020ull >> (8 * (8 - m));
    uint64_t h =
        (w + (uint64_t)m * 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

/* The filter's bits for the last label of s (n >= 1 bytes). */
static inline unsigned kzi_label_flags(const struct kz_index *ix, const char *s,
                                       size_t n)
{
    return ix->labels[kzi_label_key(s, n) >> ix->label_shift];
}
/* 1 when h (kzi_host_final(..., KZI_K_URLHOST, ...)) is the host of some
 * URL indicator (after a positive Bloom test: the table has the hash's
 * 32 high bits and its slot, so a false answer is about 2^-50). */
int kzi_urlhost_hash_known(const struct kz_index *ix, uint64_t h);
/* 1 when the table of URL hosts holds h (no Bloom test: the caller's
 * passed; for kzi_urlhost_ip_hash, the IP filter's). */
int kzi_urlhost_table_has(const struct kz_index *ix, uint64_t h);

/* Asks the CPU to fetch the Bloom filter word of h early: a sweep queues
 * a few lookups and tests them later, so the fetches overlap. */
static inline void kzi_prefetch(const struct kz_index *ix, unsigned kind,
                                uint64_t h)
{
    const uint64_t *b = ix->bloom[kind];
    if (b)
        __builtin_prefetch(&b[kzi_bloom_word(h, ix->bloom_n[kind])]);
}

/* The walk every host lookup makes (the index's and the sweep's), once
 * the filter of last labels let host (n bytes, 1..KZ_MAX_DOMAIN) through:
 * hashes its labels from the right and calls fn with the domain-kind
 * hash, offset and length of each suffix of two labels or more, the whole
 * name last. Returns the state after the whole name (kzi_host_final of it
 * with another kind: the URL-host hash). */
typedef void (*kzi_suffix_fn)(void *ud, uint64_t h, size_t off, size_t len);
static inline uint64_t kzi_host_walk(const char *host, size_t n,
                                     kzi_suffix_fn fn, void *ud)
{
    uint64_t st = KZI_HOST_SEED;
    size_t e = n;
    for (int labels = 1;; labels++) {
        size_t b = e;
        while (b > 0 && host[b - 1] != '.')
            b--;
        st = kzi_suffix_step(st, kzi_label_hash(host + b, e - b));
        if (labels > 1)
            fn(ud, kzi_host_final(st, KZI_K_DOMAIN, n - b), b, n - b);
        if (b == 0)
            break;
        e = b - 1;
    }
    return st;
}

/* A host name looked up once for everything: domain indicators (when
 * domains is nonzero; fn called as for kz_index_lookup_host), and, when
 * is_url_host is not NULL, whether some URL indicator has this host.
 * Returns the calls of fn. */
unsigned kzi_lookup_host(const struct kz_index *ix, const char *host, size_t n,
                         int domains, kz_index_hit_fn fn, void *ud,
                         int *is_url_host);

#endif
