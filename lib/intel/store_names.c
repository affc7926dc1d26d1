/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers of the code that reads the whole store in one pass
 * (lib/index/from_store.c: compile; store_export.c: export): the small
 * tables (sources, inputs, advisories, threats, ingest times) read into
 * memory as sorted id -> text arrays, and the bounded ", "-joined lists of
 * distinct names an indicator's context is made of.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/core_int.h"
#include "intel/store_int.h"

void kz_names_free(kz_names *m)
{
    for (size_t i = 0; i < m->n; i++)
        kz_free(m->name[i]);
    kz_free(m->id);
    kz_free(m->name);
    memset(m, 0, sizeof *m);
}

kz_status kz_names_load(kz_store *st, const char *sql, const char *what,
                        kz_names *m)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(st, what);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (m->n == m->cap) {
            size_t ncap = m->cap ? m->cap * 2 : 64;
            int64_t *ni = kz_realloc(m->id, ncap * sizeof *ni);
            if (ni)
                m->id = ni;
            char **nn = ni ? kz_realloc(m->name, ncap * sizeof *nn) : NULL;
            if (!ni || !nn) {
                sqlite3_finalize(s);
                return kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
            }
            m->name = nn;
            m->cap = ncap;
        }
        const char *v = (const char *)sqlite3_column_text(s, 1);
        size_t vl = v ? strlen(v) : 0;
        char *c = kz_malloc(vl + 1);
        if (!c) {
            sqlite3_finalize(s);
            return kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
        }
        if (vl)
            memcpy(c, v, vl);
        c[vl] = 0;
        m->id[m->n] = sqlite3_column_int64(s, 0);
        m->name[m->n++] = c;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return kz_store_err(st, what);
    return KZ_OK;
}

const char *kz_names_get(const kz_names *m, int64_t id)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->id[lo] == id ? m->name[lo] : NULL;
}

void kz_namelist_add(kz_namelist *l, const char *v)
{
    if (!v || !*v)
        return;
    size_t vl = strlen(v);
    /* Already there? (lists are short: a linear look is fine) */
    const char *p = l->s, *end = l->s + l->n;
    while (p < end) {
        const char *e = strstr(p, ", ");
        size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
        if (len == vl && memcmp(p, v, vl) == 0)
            return;
        if (!e)
            break;
        p = e + 2;
    }
    if (l->n + vl + 3 > KZ_NAMELIST_CAP)
        return;
    if (l->n) {
        memcpy(l->s + l->n, ", ", 2);
        l->n += 2;
    }
    memcpy(l->s + l->n, v, vl);
    l->n += vl;
    l->s[l->n] = 0;
}
