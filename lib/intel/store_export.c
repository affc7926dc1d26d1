/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's indicators for `kizashi export`: every indicator with an
 * active, unexpired provenance (the set `kizashi compile` indexes, less
 * the expired), with the context of those provenances. Invariant: one
 * read transaction, provenances scanned in indicator order (their primary
 * key), the small name tables read into memory first, so memory is
 * bounded by those tables and one indicator's context.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core_int.h"
#include "intel/store_int.h"
#include "kizashi/intel.h"

struct xacc {
    kz_namelist threats, adv, adv_ids, sources;
    int confidence;
    kz_time first, last, until;
    int never;
};

static void xacc_reset(struct xacc *a)
{
    a->threats.n = a->adv.n = a->adv_ids.n = a->sources.n = 0;
    a->threats.s[0] = a->adv.s[0] = a->adv_ids.s[0] = a->sources.s[0] = 0;
    a->confidence = -1;
    a->first = a->last = a->until = 0;
    a->never = 0;
}

/* The provenance query: active, unexpired at ?1, of the advisories asked
 * for (their ids written as integer literals: they are numbers, never
 * text from outside). */
static char *prov_sql(const kz_store_filter *f)
{
    static const char head[] =
        "SELECT p.indicator_id, i.type, i.value, p.input_id, p.advisory_id,"
        " p.source_id, p.threat_id, p.confidence, p.first_add, p.last_add,"
        " p.valid_until FROM provenance p JOIN indicator i ON"
        " i.id=p.indicator_id WHERE p.active=1 AND (p.valid_until IS NULL"
        " OR p.valid_until<=0 OR p.valid_until>?1)";
    static const char tail[] = " ORDER BY p.indicator_id";
    size_t cap = sizeof head + sizeof tail + 32 + f->nadvisory_ids * 24;
    char *sql = kz_malloc(cap);
    if (!sql)
        return NULL;
    size_t n = (size_t)snprintf(sql, cap, "%s", head);
    if (f->nadvisory_ids) {
        n += (size_t)snprintf(sql + n, cap - n, " AND p.advisory_id IN (");
        for (size_t i = 0; i < f->nadvisory_ids; i++)
            n += (size_t)snprintf(sql + n, cap - n, "%s%" PRId64, i ? "," : "",
                                  f->advisory_ids[i]);
        n += (size_t)snprintf(sql + n, cap - n, ")");
    }
    snprintf(sql + n, cap - n, "%s", tail);
    return sql;
}

kz_status kz_store_each_indicator(kz_store *st, const kz_store_filter *f,
                                  int (*fn)(void *ud,
                                            const kz_store_indicator *i),
                                  void *ud, uint64_t *skipped)
{
    static const kz_store_filter none = KZ_STORE_FILTER_INIT;
    kz_names src = {0}, adv = {0}, thr = {0}, ing = {0};
    sqlite3_stmt *sp = NULL, *spt = NULL;
    struct xacc *a = NULL;
    char *sql = NULL, *val = NULL;
    size_t valcap = 0;
    kz_status r = KZ_OK;
    uint64_t left = 0;

    if (!st || !fn)
        return KZ_ERR_INVALID;
    if (!f)
        f = &none;
    if (f->version != KZ_STORE_FILTER_VERSION)
        return kz_seterr(st->ctx, KZ_ERR_VERSION,
                         "store filter version %u, expected %u", f->version,
                         KZ_STORE_FILTER_VERSION);
    kz_time now = f->now ? f->now : (kz_time)time(NULL);
    a = kz_malloc(sizeof *a);
    sql = prov_sql(f);
    if (!a || !sql) {
        r = kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((r = kz_store_exec(st, "BEGIN")) != KZ_OK)
        goto out;
    if ((r = kz_names_load(st, "SELECT id, name FROM source ORDER BY id",
                           "export", &src)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, title FROM advisory ORDER BY id",
                           "export", &adv)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, name FROM threat ORDER BY id",
                           "export", &thr)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, time FROM ingest ORDER BY id",
                           "export", &ing)) != KZ_OK)
        goto out;
    if (sqlite3_prepare_v2(st->db, sql, -1, &sp, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db,
                           "SELECT threat_id FROM provenance_threat WHERE"
                           " indicator_id=?1 AND input_id=?2 AND"
                           " advisory_id=?3",
                           -1, &spt, NULL) != SQLITE_OK) {
        r = kz_store_err(st, "export");
        goto out;
    }
    sqlite3_bind_int64(sp, 1, now);
    int rc = sqlite3_step(sp);
    while (rc == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(sp, 0);
        kz_type t = (kz_type)sqlite3_column_int(sp, 1);
        size_t vl = (size_t)sqlite3_column_bytes(sp, 2);
        const char *v = (const char *)sqlite3_column_text(sp, 2);
        if (vl + 1 > valcap) {
            char *nv = kz_realloc(val, vl + 1);
            if (!nv) {
                r = kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
                goto out;
            }
            val = nv;
            valcap = vl + 1;
        }
        if (vl)
            memcpy(val, v, vl);
        val[vl] = 0;
        xacc_reset(a);
        while (rc == SQLITE_ROW && sqlite3_column_int64(sp, 0) == id) {
            int64_t input = sqlite3_column_int64(sp, 3);
            int64_t adv_id = sqlite3_column_int64(sp, 4);
            if (adv_id) {
                char num[32];
                snprintf(num, sizeof num, "%" PRId64, adv_id);
                kz_namelist_add(&a->adv, kz_names_get(&adv, adv_id));
                kz_namelist_add(&a->adv_ids, num);
            }
            kz_namelist_add(&a->sources,
                            kz_names_get(&src, sqlite3_column_int64(sp, 5)));
            if (sqlite3_column_type(sp, 6) != SQLITE_NULL)
                kz_namelist_add(
                    &a->threats,
                    kz_names_get(&thr, sqlite3_column_int64(sp, 6)));
            sqlite3_reset(spt);
            sqlite3_bind_int64(spt, 1, id);
            sqlite3_bind_int64(spt, 2, input);
            sqlite3_bind_int64(spt, 3, adv_id);
            while (sqlite3_step(spt) == SQLITE_ROW)
                kz_namelist_add(
                    &a->threats,
                    kz_names_get(&thr, sqlite3_column_int64(spt, 0)));
            if (sqlite3_column_type(sp, 7) != SQLITE_NULL) {
                int c = sqlite3_column_int(sp, 7);
                if (c > a->confidence)
                    a->confidence = c;
            }
            const char *fs = kz_names_get(&ing, sqlite3_column_int64(sp, 8));
            const char *ls = kz_names_get(&ing, sqlite3_column_int64(sp, 9));
            kz_time ft = fs ? (kz_time)strtoll(fs, NULL, 10) : 0;
            kz_time lt = ls ? (kz_time)strtoll(ls, NULL, 10) : 0;
            kz_time u = sqlite3_column_int64(sp, 10);
            if (ft && (!a->first || ft < a->first))
                a->first = ft;
            if (lt > a->last)
                a->last = lt;
            if (u <= 0)
                a->never = 1;
            else if (u > a->until)
                a->until = u;
            rc = sqlite3_step(sp);
        }
        if ((f->types && !KZ_TYPESET_HAS(f->types, t)) ||
            (f->min_confidence >= 0 &&
             (a->confidence < 0 || a->confidence < f->min_confidence))) {
            left++;
            continue;
        }
        kz_store_indicator ind = {id,
                                  t,
                                  val,
                                  vl,
                                  a->threats.s,
                                  a->adv.s,
                                  a->adv_ids.s,
                                  a->sources.s,
                                  a->confidence,
                                  a->first,
                                  a->last,
                                  a->never ? 0 : a->until};
        if (fn(ud, &ind)) {
            r = KZ_ERR_ABORTED;
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        r = kz_store_err(st, "export");
out:
    sqlite3_finalize(sp);
    sqlite3_finalize(spt);
    if (sqlite3_get_autocommit(st->db) == 0)
        (void)kz_store_exec(st, "COMMIT");
    if (skipped)
        *skipped = left;
    kz_names_free(&src);
    kz_names_free(&adv);
    kz_names_free(&thr);
    kz_names_free(&ing);
    kz_free(a);
    kz_free(sql);
    kz_free(val);
    return r;
}
