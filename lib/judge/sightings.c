/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sightings: the hits of each sweep kept in the store (tables sweep and
 * sighting, docs/formats.md). One row per (indicator, host, input,
 * location, observed value), with the first and last sweep that saw it,
 * the first and last event time, and how many sweeps saw it. Rows are
 * written in transactions of up to BATCH hits, so a long sweep does not
 * hold the store's write lock from start to end, and a sweep that dies
 * keeps what it wrote (its row has no end time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/core_int.h"
#include "intel/store_int.h"
#include "kizashi/judge.h"

#define BATCH 4096

struct kz_sweep {
    kz_store *st;
    int64_t id;
    sqlite3_stmt *get, *ins, *upd;
    unsigned pending; /* records in the open transaction */
    char host[256];
};

int64_t kz_sweep_id(const kz_sweep *sw)
{
    return sw->id;
}

static void sweep_free(kz_sweep *sw)
{
    sqlite3_finalize(sw->get);
    sqlite3_finalize(sw->ins);
    sqlite3_finalize(sw->upd);
    kz_free(sw);
}

kz_status kz_sweep_begin(kz_store *st, const char *host, const char *paths,
                         kz_sweep **out)
{
    *out = NULL;
    kz_sweep *sw = kz_calloc(1, sizeof *sw);
    if (!sw)
        return kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
    sw->st = st;
    if (host && *host)
        snprintf(sw->host, sizeof sw->host, "%s", host);
    else if (gethostname(sw->host, sizeof sw->host - 1) != 0 || !sw->host[0])
        snprintf(sw->host, sizeof sw->host, "localhost");
    uint64_t gen = 0;
    sqlite3_stmt *s = NULL;
    kz_status r = kz_store_generation(st, &gen);
    if (r == KZ_OK &&
        sqlite3_prepare_v2(st->db,
                           "INSERT INTO sweep(host, paths, started, generation)"
                           " VALUES(?1,?2,?3,?4)",
                           -1, &s, NULL) != SQLITE_OK)
        r = kz_store_err(st, "sweep");
    if (r == KZ_OK) {
        sqlite3_bind_text(s, 1, sw->host, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, paths ? paths : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
        sqlite3_bind_int64(s, 4, (sqlite3_int64)gen);
        if (sqlite3_step(s) != SQLITE_DONE)
            r = kz_store_err(st, "sweep");
        sw->id = sqlite3_last_insert_rowid(st->db);
    }
    sqlite3_finalize(s);
    if (r == KZ_OK &&
        (sqlite3_prepare_v2(st->db,
                            "SELECT id, first_sweep, last_sweep FROM sighting"
                            " WHERE indicator_id=?1 AND host=?2 AND input=?3"
                            " AND location=?4 AND observed=?5",
                            -1, &sw->get, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(
             st->db,
             "INSERT INTO sighting(indicator_id, host, input, location,"
             " observed, field, how, first_sweep, last_sweep, first_time,"
             " last_time, count, score, level, suppressed, expired)"
             " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?8,?9,?9,1,?10,?11,?12,?13)",
             -1, &sw->ins, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(
             st->db,
             "UPDATE sighting SET last_sweep=?2,"
             " first_time=CASE WHEN ?3 IS NULL THEN first_time WHEN"
             " first_time IS NULL OR ?3<first_time THEN ?3 ELSE first_time"
             " END,"
             " last_time=CASE WHEN ?3 IS NULL THEN last_time WHEN"
             " last_time IS NULL OR ?3>last_time THEN ?3 ELSE last_time END,"
             " count=count+?4, score=?5, level=?6, suppressed=?7,"
             " expired=?8, field=coalesce(?9, field) WHERE id=?1",
             -1, &sw->upd, NULL) != SQLITE_OK))
        r = kz_store_err(st, "sightings");
    if (r != KZ_OK) {
        sweep_free(sw);
        return r;
    }
    *out = sw;
    return KZ_OK;
}

static void bind_time(sqlite3_stmt *s, int i, kz_time t)
{
    if (t)
        sqlite3_bind_int64(s, i, t);
    else
        sqlite3_bind_null(s, i);
}

kz_status kz_sweep_record(kz_sweep *sw, const kz_log_hit *h, kz_verdict *v)
{
    kz_store *st = sw->st;
    if (v)
        v->is_new = -1;
    if (h->ind.indicator_id <= 0)
        return KZ_OK;
    kz_status r;
    if (!sw->pending && (r = kz_store_exec(st, "BEGIN IMMEDIATE")) != KZ_OK)
        return r;
    char loc[1024];
    if (h->file)
        snprintf(loc, sizeof loc, "%s", h->file->member ? h->file->member : "");
    else
        snprintf(loc, sizeof loc, "line %llu", (unsigned long long)h->line);
    const char *obs = h->observed ? h->observed : "";
    int obs_n = h->observed ? (int)h->observed_len : 0;
    sqlite3_stmt *g = sw->get;
    sqlite3_reset(g);
    sqlite3_bind_int64(g, 1, h->ind.indicator_id);
    sqlite3_bind_text(g, 2, sw->host, -1, SQLITE_STATIC);
    sqlite3_bind_text(g, 3, h->input ? h->input : "-", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(g, 4, loc, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(g, 5, obs, obs_n, SQLITE_TRANSIENT);
    int rc = sqlite3_step(g);
    const char *how = kz_match_kind_name(h->how);
    int score = v ? v->score : 0;
    const char *level = v ? kz_level_name(v->level) : NULL;
    const char *supp = v && v->suppressed ? v->why : NULL;
    int expired = v ? v->expired : 0;
    if (rc == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(g, 0);
        int64_t first = sqlite3_column_int64(g, 1);
        int64_t last = sqlite3_column_int64(g, 2);
        sqlite3_reset(g);
        if (v)
            v->is_new = first == sw->id;
        sqlite3_stmt *u = sw->upd;
        sqlite3_reset(u);
        sqlite3_bind_int64(u, 1, id);
        sqlite3_bind_int64(u, 2, sw->id);
        bind_time(u, 3, h->time);
        sqlite3_bind_int(u, 4, last == sw->id ? 0 : 1);
        sqlite3_bind_int(u, 5, score);
        sqlite3_bind_text(u, 6, level, -1, SQLITE_STATIC);
        sqlite3_bind_text(u, 7, supp, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(u, 8, expired);
        sqlite3_bind_text(u, 9, h->field, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(u);
        sqlite3_reset(u);
    } else if (rc == SQLITE_DONE) {
        sqlite3_reset(g);
        if (v)
            v->is_new = 1;
        sqlite3_stmt *s = sw->ins;
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, h->ind.indicator_id);
        sqlite3_bind_text(s, 2, sw->host, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, h->input ? h->input : "-", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 4, loc, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, obs, obs_n, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 6, h->field, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 7, how, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 8, sw->id);
        bind_time(s, 9, h->time);
        sqlite3_bind_int(s, 10, score);
        sqlite3_bind_text(s, 11, level, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 12, supp, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 13, expired);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
    }
    if (rc != SQLITE_DONE) {
        r = kz_store_err(st, "sighting");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        sw->pending = 0;
        return r;
    }
    if (++sw->pending >= BATCH) {
        sw->pending = 0;
        return kz_store_exec(st, "COMMIT");
    }
    return KZ_OK;
}

kz_status kz_sweep_end(kz_sweep *sw, uint64_t files, uint64_t bytes,
                       uint64_t hits, uint64_t suppressed)
{
    kz_store *st = sw->st;
    kz_status r = KZ_OK;
    if (sw->pending) {
        sw->pending = 0;
        r = kz_store_exec(st, "COMMIT");
    }
    sqlite3_stmt *s = NULL;
    if (r == KZ_OK &&
        sqlite3_prepare_v2(st->db,
                           "UPDATE sweep SET finished=?2, files=?3, bytes=?4,"
                           " hits=?5, suppressed=?6 WHERE id=?1",
                           -1, &s, NULL) != SQLITE_OK)
        r = kz_store_err(st, "sweep");
    if (r == KZ_OK) {
        sqlite3_bind_int64(s, 1, sw->id);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
        sqlite3_bind_int64(s, 3, (sqlite3_int64)files);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)bytes);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)hits);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)suppressed);
        if (sqlite3_step(s) != SQLITE_DONE)
            r = kz_store_err(st, "sweep");
    }
    sqlite3_finalize(s);
    sweep_free(sw);
    return r;
}

void kz_sweep_abort(kz_sweep *sw)
{
    if (!sw)
        return;
    if (sw->pending)
        kz_store_exec(sw->st, "COMMIT");
    sweep_free(sw);
}
