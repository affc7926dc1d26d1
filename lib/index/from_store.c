/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiling the store: every active indicator with the context of its
 * provenances (threats, advisories, sources, feeds, highest confidence,
 * first and last add, latest expiry: none when one provenance has none),
 * expired ones too (a retro-hunt matches them; the judge says they had
 * expired), and the judge's flag when a warninglist or the allowlist
 * names it. The small tables
 * (sources, inputs, advisories, threats) are read into memory first; then
 * the indicators and their provenances are read side by side, both in id
 * order, so SQLite only scans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/core_int.h"
#include "index/index_int.h"
#include "intel/store_int.h"
#include "kizashi/judge.h"

struct acc {
    kz_namelist threats, adv, adv_ids, sources, feeds, tags;
    int confidence;
    kz_time first, last, until;
    int never; /* a provenance without an end of validity */
    int any;
};

static void acc_reset(struct acc *a)
{
    a->threats.n = a->adv.n = a->adv_ids.n = a->sources.n = a->feeds.n =
        a->tags.n = 0;
    a->threats.s[0] = a->adv.s[0] = a->adv_ids.s[0] = a->sources.s[0] =
        a->feeds.s[0] = a->tags.s[0] = 0;
    a->confidence = -1;
    a->first = a->last = a->until = 0;
    a->never = 0;
    a->any = 0;
}

kz_status kz_store_generation(kz_store *st, uint64_t *gen)
{
    sqlite3_stmt *s = NULL;
    *gen = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT value FROM meta WHERE key='generation'", -1,
                           &s, NULL) != SQLITE_OK)
        return kz_store_err(st, "generation");
    if (sqlite3_step(s) == SQLITE_ROW)
        *gen = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return KZ_OK;
}

/* Tags and category from a provenance's extra JSON. */
static void add_extra(struct acc *a, const char *extra)
{
    if (!extra || !*extra)
        return;
    json_t *o = json_loads(extra, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return;
    }
    json_t *tags = json_object_get(o, "tags"), *v;
    size_t i;
    json_array_foreach(tags, i, v)
    {
        if (json_is_string(v))
            kz_namelist_add(&a->tags, json_string_value(v));
    }
    json_t *cat = json_object_get(o, "category");
    if (json_is_string(cat)) {
        char t[256];
        snprintf(t, sizeof t, "category:%s", json_string_value(cat));
        kz_namelist_add(&a->tags, t);
    }
    json_decref(o);
}

kz_status kz_store_compile(kz_store *st, const char *path, kz_time now,
                           int anonymous, uint64_t *count)
{
    if (!now)
        now = (kz_time)time(NULL);
    kz_names src = {0}, feed = {0}, adv = {0}, thr = {0}, ing = {0};
    kz_index_builder *b = NULL;
    kz_judge *judge = NULL;
    sqlite3_stmt *si = NULL, *sp = NULL, *spt = NULL;
    struct acc *a = kz_malloc(sizeof *a);
    kz_status r = KZ_OK;
    uint64_t n = 0, gen = 0;
    if (!a)
        return kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
    /* One read transaction: a consistent snapshot of the store. */
    if ((r = kz_store_exec(st, "BEGIN")) != KZ_OK)
        goto done;
    if ((r = kz_store_generation(st, &gen)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, name FROM source ORDER BY id",
                           "compile", &src)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, feed FROM input ORDER BY id",
                           "compile", &feed)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, title FROM advisory ORDER BY id",
                           "compile", &adv)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, name FROM threat ORDER BY id",
                           "compile", &thr)) != KZ_OK ||
        (r = kz_names_load(st, "SELECT id, time FROM ingest ORDER BY id",
                           "compile", &ing)) != KZ_OK)
        goto done;
    /* The judge flags the indicators that warninglists or the allowlist
     * name: hits on them are suppressed. */
    if ((r = kz_judge_load(st, now, &judge)) != KZ_OK)
        goto done;
    if ((r = kz_index_builder_new(st->ctx, &b)) != KZ_OK)
        goto done;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, type, value FROM indicator ORDER BY id",
                           -1, &si, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            st->db,
            "SELECT indicator_id, input_id, advisory_id, source_id,"
            " threat_id, confidence, first_add, last_add, valid_until, extra"
            " FROM provenance WHERE active=1 ORDER BY indicator_id",
            -1, &sp, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db,
                           "SELECT indicator_id, threat_id FROM"
                           " provenance_threat ORDER BY indicator_id",
                           -1, &spt, NULL) != SQLITE_OK) {
        r = kz_store_err(st, "compile");
        goto done;
    }
    int prc = sqlite3_step(sp);
    int trc = sqlite3_step(spt);
    int irc;
    while ((irc = sqlite3_step(si)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(si, 0);
        while (prc == SQLITE_ROW && sqlite3_column_int64(sp, 0) < id)
            prc = sqlite3_step(sp);
        acc_reset(a);
        while (prc == SQLITE_ROW && sqlite3_column_int64(sp, 0) == id) {
            int64_t adv_id = sqlite3_column_int64(sp, 2);
            a->any = 1;
            kz_namelist_add(&a->feeds,
                            kz_names_get(&feed, sqlite3_column_int64(sp, 1)));
            if (adv_id) {
                char num[32];
                snprintf(num, sizeof num, "%lld", (long long)adv_id);
                kz_namelist_add(&a->adv, kz_names_get(&adv, adv_id));
                kz_namelist_add(&a->adv_ids, num);
            }
            kz_namelist_add(&a->sources,
                            kz_names_get(&src, sqlite3_column_int64(sp, 3)));
            if (sqlite3_column_type(sp, 4) != SQLITE_NULL)
                kz_namelist_add(
                    &a->threats,
                    kz_names_get(&thr, sqlite3_column_int64(sp, 4)));
            if (sqlite3_column_type(sp, 5) != SQLITE_NULL) {
                int c = sqlite3_column_int(sp, 5);
                if (c > a->confidence)
                    a->confidence = c;
            }
            /* first_add and last_add are ingest ids: their times */
            const char *fs = kz_names_get(&ing, sqlite3_column_int64(sp, 6));
            const char *ls = kz_names_get(&ing, sqlite3_column_int64(sp, 7));
            kz_time f = fs ? (kz_time)strtoll(fs, NULL, 10) : 0;
            kz_time l = ls ? (kz_time)strtoll(ls, NULL, 10) : 0;
            kz_time u = sqlite3_column_int64(sp, 8);
            if (f && (!a->first || f < a->first))
                a->first = f;
            if (l > a->last)
                a->last = l;
            if (u <= 0)
                a->never = 1;
            else if (u > a->until)
                a->until = u;
            if (sqlite3_column_type(sp, 9) != SQLITE_NULL)
                add_extra(a, (const char *)sqlite3_column_text(sp, 9));
            prc = sqlite3_step(sp);
        }
        /* the other threats of its provenances */
        while (trc == SQLITE_ROW && sqlite3_column_int64(spt, 0) < id)
            trc = sqlite3_step(spt);
        while (trc == SQLITE_ROW && sqlite3_column_int64(spt, 0) == id) {
            if (a->any)
                kz_namelist_add(
                    &a->threats,
                    kz_names_get(&thr, sqlite3_column_int64(spt, 1)));
            trc = sqlite3_step(spt);
        }
        if (!a->any)
            continue;
        kz_type t = (kz_type)sqlite3_column_int(si, 1);
        const char *v = (const char *)sqlite3_column_text(si, 2);
        int vl = sqlite3_column_bytes(si, 2);
        if (a->never)
            a->until = 0;
        char why[256];
        why[0] = 0;
        if (judge)
            kz_judge_check(judge, t, v ? v : "", (size_t)vl, why, sizeof why);
        kz_index_context c = {anonymous ? 0 : id,
                              a->threats.s,
                              a->adv.s,
                              a->adv_ids.s,
                              a->sources.s,
                              a->feeds.s,
                              NULL,
                              a->tags.s,
                              a->confidence,
                              a->first,
                              a->last,
                              a->until,
                              why};
        r = kz_index_builder_add(b, t, v ? v : "", (size_t)vl, &c);
        if (r == KZ_ERR_PARSE) {
            /* A stored value the index cannot take: the store is older
             * or newer than this code. Say which and go on. */
            kz_diag(st->ctx, KZ_SEV_WARNING, path, 0, 0,
                    "indicator %lld skipped: %s", (long long)id,
                    kz_ctx_errmsg(st->ctx));
            r = KZ_OK;
            continue;
        }
        if (r != KZ_OK)
            goto done;
        n++;
    }
    if (irc != SQLITE_DONE || (prc != SQLITE_DONE && prc != SQLITE_ROW)) {
        r = kz_store_err(st, "compile");
        goto done;
    }
    sqlite3_finalize(si);
    sqlite3_finalize(sp);
    sqlite3_finalize(spt);
    si = sp = spt = NULL;
    (void)kz_store_exec(st, "COMMIT");
    {
        const char *dbpath = sqlite3_db_filename(st->db, "main");
        kz_index_meta m = {anonymous ? 0 : gen, anonymous ? NULL : dbpath, 0};
        r = kz_index_write(b, &m, path);
    }
    if (r == KZ_OK && count)
        *count = n;
done:
    sqlite3_finalize(si);
    sqlite3_finalize(sp);
    sqlite3_finalize(spt);
    if (sqlite3_get_autocommit(st->db) == 0)
        (void)kz_store_exec(st, "ROLLBACK");
    kz_index_builder_free(b);
    kz_judge_free(judge);
    kz_names_free(&src);
    kz_names_free(&feed);
    kz_names_free(&adv);
    kz_names_free(&thr);
    kz_names_free(&ing);
    kz_free(a);
    return r;
}
