/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kizashi index: the compiled, memory-mapped form of the indicators that a
 * sweep looks observables up in. One file (.kzi, format in docs/formats.md):
 * a header (magic, format version, build time, the store generation it was
 * built from, counts per type, a section table, a checksum of the header)
 * and sections, each with its own checksum:
 *
 *   - a string pool (values, and the context strings of every indicator);
 *   - the indicators: type, normalized value, id in the store, and their
 *     context (threats, advisories, sources, feed, confidence, dates);
 *   - one open-addressing table over the keys of the exact matches: IP
 *     addresses, digests (MD5, SHA-1, SHA-256, SHA-512, thumbprints,
 *     authentihashes, JA3 are all looked up by their bytes), domains (a
 *     host name is looked up once per suffix: domain and subdomains), URL
 *     hosts, canonical URLs, e-mail addresses, file names;
 *   - disjoint interval arrays for the CIDRs of each family (a /16 bucket
 *     table in front of the IPv4 one), innermost network first, each with a
 *     link to the network that encloses it.
 *
 * Opening checks the header and that every section lies in the file, in
 * constant time; kz_index_verify checks the sections' checksums (one pass
 * over the file). Every lookup bounds-checks what it reads, so even an
 * index whose body was corrupted after verification cannot make a lookup
 * read outside the mapping. An index is immutable and may be shared by any
 * number of threads and processes.
 */
#ifndef KIZASHI_INDEX_H
#define KIZASHI_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/core.h"
#include "kizashi/intel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The format version this kizashi writes and reads; another one is
 * refused (KZ_ERR_VERSION; a store's own index is then compiled again).
 * 2: URL hosts that are IPv4 addresses are keyed by address.
 * 3: each indicator's context says whether the judge suppresses it. */
#define KZ_INDEX_VERSION 3

/* ---- building ------------------------------------------------------------ */

/* The context of one indicator, as the index keeps it for explaining hits.
 * Strings are borrowed for the call; NULL or "" means none. Lists (several
 * threats, advisories or sources) are joined with ", " by the caller. */
typedef struct kz_index_context {
    int64_t indicator_id; /* id in the store; 0 for --iocs */
    const char *threats;
    const char *advisories;   /* titles */
    const char *advisory_ids; /* "3" or "3, 7" (store ids) */
    const char *sources;
    const char *feeds;
    const char *raw; /* the value as first published (may be defanged) */
    const char *tags;
    int confidence;                             /* 0..100, -1 unknown */
    kz_time first_seen, last_seen, valid_until; /* 0: unknown / none */
    const char *suppressed; /* why hits on it are known false positives
                               ("warninglist: NAME", "allowlist: ..."; see
                               kizashi/judge.h), NULL or "": they are not */
} kz_index_context;

typedef struct kz_index_builder kz_index_builder;

kz_status kz_index_builder_new(kz_ctx *ctx, kz_index_builder **out);
void kz_index_builder_free(kz_index_builder *b);

/* Adds one indicator of type t with its value in canonical form (as
 * kz_normalize writes it). Types that cannot match evidence in logs or
 * files (cve, asn, yara) are counted and skipped (KZ_OK). A value that
 * does not parse as its type is KZ_ERR_PARSE. The same type and value
 * added twice keeps one entry whose context is the first one's. */
kz_status kz_index_builder_add(kz_index_builder *b, kz_type t,
                               const char *value, size_t n,
                               const kz_index_context *c);

/* What the index was built from, written into its header. */
typedef struct kz_index_meta {
    uint64_t store_generation; /* meta.generation of the store; 0 for --iocs */
    const char *store_path;    /* nullable */
    kz_time built;             /* 0: now (or SOURCE_DATE_EPOCH) */
} kz_index_meta;

/* Writes the index to path: to a temporary file beside it, synced, then
 * renamed, so a reader sees the old index or the new one, never half of
 * one. */
kz_status kz_index_write(kz_index_builder *b, const kz_index_meta *m,
                         const char *path);

/* ---- reading ------------------------------------------------------------- */

typedef struct kz_index kz_index;

/* Maps the index at path read-only. Refuses (with a message naming the
 * file and what is wrong) a file that is not an index (KZ_ERR_PARSE), of a
 * newer version (KZ_ERR_VERSION), truncated or whose header or section
 * table is damaged (KZ_ERR_CORRUPT). Constant time: the body is checked by
 * kz_index_verify. */
kz_status kz_index_open(kz_ctx *ctx, const char *path, kz_index **out);
/* Maps an index held in memory (len bytes at p, borrowed until
 * kz_index_close): for tests and the fuzz harness. */
kz_status kz_index_open_mem(kz_ctx *ctx, const void *p, size_t len,
                            kz_index **out);
void kz_index_close(kz_index *ix);

/* Checks every section's checksum; KZ_ERR_CORRUPT with a message naming
 * the section on a mismatch. */
kz_status kz_index_verify(kz_ctx *ctx, const kz_index *ix);

typedef struct kz_index_info {
    uint32_t version;
    kz_time built;
    uint64_t store_generation;
    const char *store_path; /* "" when none; borrowed from the index */
    uint64_t file_size;
    uint64_t indicators;
    uint64_t count[KZ_T_COUNT_]; /* indicators per type */
    uint64_t literals; /* user agents, mutexes, registry keys and strings
                          looked for in logs as text (6 to 1024 bytes, one
                          line) */
} kz_index_info;
void kz_index_get_info(const kz_index *ix, kz_index_info *out);

/* How an observable matched an indicator. */
typedef enum kz_match_kind {
    KZ_MATCH_EXACT = 0,     /* the same value */
    KZ_MATCH_SUBDOMAIN = 1, /* a host name under a domain indicator */
    KZ_MATCH_CIDR = 2,      /* an address inside a network */
    KZ_MATCH_LITERAL = 3,   /* a literal string's text inside the line */
    KZ_MATCH_PATH = 4,      /* a file's path ends with a path indicator's
                               components (a drive letter or environment
                               variable standing for where a mounted
                               volume has it; globs within components) */
    KZ_MATCH_YARA = 5       /* a YARA rule (--yara) matched a file */
} kz_match_kind;
/* "exact", "subdomain", "cidr", "literal", "path", "yara". Host names, e-mail
 * addresses and file names that differ from the indicator only in case match
 * "exact". */
const char *kz_match_kind_name(kz_match_kind k);

/* One indicator, read from the index. Strings point into the mapping and
 * are not NUL-terminated: use the lengths. */
typedef struct kz_index_entry {
    uint32_t index; /* position in the index, 0-based */
    kz_type type;
    const char *value;
    size_t value_len;
    int64_t indicator_id;
    const char *threats, *advisories, *advisory_ids, *sources, *feeds, *raw,
        *tags, *suppressed;
    size_t threats_len, advisories_len, advisory_ids_len, sources_len,
        feeds_len, raw_len, tags_len, suppressed_len;
    int confidence;
    kz_time first_seen, last_seen, valid_until;
} kz_index_entry;

/* Reads indicator number i (0 <= i < info.indicators); KZ_ERR_CORRUPT when
 * its record points outside the file. */
kz_status kz_index_entry_get(const kz_index *ix, uint32_t i,
                             kz_index_entry *out);

/* Lookups. Each calls fn for every indicator the observable matches (an
 * address may fall in several networks, a host name under several
 * domains), innermost or most specific first, and returns the number of
 * calls. The observable is given in canonical form where noted. */
typedef void (*kz_index_hit_fn)(void *ud, uint32_t entry, kz_match_kind how);

/* An address of 16 bytes (IPv4 mapped, as kz_norm_ip writes it): exact IP
 * indicators, then every enclosing CIDR. */
unsigned kz_index_lookup_ip(const kz_index *ix, const uint8_t addr[16],
                            kz_index_hit_fn fn, void *ud);
/* A host name (any case, a trailing dot ignored): domain indicators equal
 * to it or to any of its parent domains. */
unsigned kz_index_lookup_host(const kz_index *ix, const char *host, size_t n,
                              kz_index_hit_fn fn, void *ud);
/* 1 when some URL indicator has exactly this host (any case): a cheap
 * test before canonicalizing a URL or rebuilding one from log fields. */
int kz_index_is_url_host(const kz_index *ix, const char *host, size_t n);
/* A canonical URL (kz_norm_url). */
unsigned kz_index_lookup_url(const kz_index *ix, const char *url, size_t n,
                             kz_index_hit_fn fn, void *ud);
/* Digest bytes (16, 20, 32 or 64): every hash, thumbprint, authentihash or
 * JA3 indicator with these bytes. */
unsigned kz_index_lookup_digest(const kz_index *ix, const uint8_t *d, size_t n,
                                kz_index_hit_fn fn, void *ud);
/* An e-mail address (any case). */
unsigned kz_index_lookup_email(const kz_index *ix, const char *s, size_t n,
                               kz_index_hit_fn fn, void *ud);
/* A file name, the last component of a path (any case). */
unsigned kz_index_lookup_filename(const kz_index *ix, const char *s, size_t n,
                                  kz_index_hit_fn fn, void *ud);

/* Calls fn(ud, entry, KZ_MATCH_EXACT) for every entry whose type is in
 * types, in index order (a sweep collects its path and glob indicators
 * this way: they are not in the exact-match tables). Costs one pass over
 * the entries' types; returns the number of calls. */
unsigned kz_index_each(const kz_index *ix, kz_typeset types, kz_index_hit_fn fn,
                       void *ud);

/* Which kinds of observables can match anything in this index: a sweep
 * skips the others. Bit (1u << kz_type) for IPV4 (exact IPs or CIDRs of
 * either family: IPV4 and IPV6 bits), DOMAIN, URL, EMAIL, MD5 (any digest
 * type), FILENAME. */
kz_typeset kz_index_lookup_types(const kz_index *ix);

/* ---- compiling the store ----------------------------------------------- */

/* Builds an index of every active indicator of the store, with its
 * context, and writes it to path. Expired indicators are in it (with their
 * end of validity: a hit says it came after it); the allowlist and the
 * warninglists are read as they stand at `now` (0: the current time) to
 * flag the indicators they name (kz_index_entry.suppressed).
 * anonymous: the store is a temporary one (--iocs): its path, generation
 * and indicator ids are not recorded. *count gets the number of
 * indicators (nullable). */
kz_status kz_store_compile(kz_store *st, const char *path, kz_time now,
                           int anonymous, uint64_t *count);
/* The store's generation (bumped by every change). */
kz_status kz_store_generation(kz_store *st, uint64_t *gen);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_INDEX_H */
