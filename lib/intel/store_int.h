/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the store's files (store.c: open, add; store_query.c:
 * queries, removal, expiry; store_names.c, store_export.c) and the code
 * that reads the store whole (lib/index/from_store.c, lib/judge/). */
#ifndef KIZASHI_STORE_INT_H
#define KIZASHI_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "kizashi/intel.h"

struct kz_store {
    kz_ctx *ctx;
    sqlite3 *db;
};

/* The hash of an indicator (indicator.h, indexed): 63 bits of FNV-1a over
 * the type byte and the value, finished with Murmur3's fmix64, never 0.
 * Stored: it never changes. */
static inline int64_t kz_value_hash(kz_type t, const char *v, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = (h ^ (unsigned)t) * 0x100000001b3ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)v[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    h &= 0x7fffffffffffffffull;
    return h ? (int64_t)h : 1;
}

/* The SQLite error of st as a kz_status, with a message naming the
 * database and what failed. */
kz_status kz_store_err(kz_store *st, const char *what);

/* Runs sql (no parameters); on failure the error names the database.
 * Shared by store.c and store_query.c. */
kz_status kz_store_exec(kz_store *st, const char *sql);

/* Bumps meta.generation (inside the caller's transaction): every change
 * of what an index is compiled from does, so a stale index is noticed. */
kz_status kz_store_bump_generation(kz_store *st);

/* id -> text of a small table read whole (sources, inputs, advisories,
 * threats, ingest times): a sorted array, binary search (store_names.c).
 * Zero-initialized is empty. */
typedef struct kz_names {
    int64_t *id;
    char **name;
    size_t n, cap;
} kz_names;
/* Appends the rows (id, text) of sql, in id order; errors name `what`. */
kz_status kz_names_load(kz_store *st, const char *sql, const char *what,
                        kz_names *m);
const char *kz_names_get(const kz_names *m, int64_t id); /* NULL: none */
void kz_names_free(kz_names *m);

/* A ", "-joined list of distinct names, bounded (a name that does not
 * fit is left out): an indicator's threats, advisories, sources. */
#define KZ_NAMELIST_CAP 4096
typedef struct kz_namelist {
    char s[KZ_NAMELIST_CAP];
    size_t n;
} kz_namelist;
void kz_namelist_add(kz_namelist *l, const char *v);

#endif /* KIZASHI_STORE_INT_H */
