/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sightings: the hits of each sweep kept in the store (tables sweep and
 * sighting, docs/formats.md). One row per (indicator, host, input,
 * location, observed value), where location is an archive member's path
 * ("" otherwise): a log beaconing to a C2 all day is one row with its
 * first and last line and time and the number of lines, not a row per
 * line. The hits of a sweep are first gathered in memory by that key (the
 * store is asked once per new key whether an earlier sweep saw it), and
 * written in one transaction at the end, or whenever FLUSH_AT keys are
 * held, so memory stays bounded and a sweep that dies keeps what it wrote
 * (its sweep row has no end time).
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

#define FLUSH_AT 65536

/* What one key gathered in this sweep. */
struct srec {
    uint64_t h;
    char *key; /* input \0 location \0 observed (NUL-separated) */
    size_t input_n, loc_n, obs_n;
    int64_t indicator_id;
    int64_t row; /* its row in the store, 0: none yet */
    int is_new;  /* no earlier sweep saw it */
    kz_time tmin, tmax;
    uint64_t line_min, line_max, hits; /* hits since the last flush */
    char *field;
    kz_match_kind how;
    int score, expired;
    kz_level level;
    char *suppressed;
};

struct kz_sweep {
    kz_store *st;
    int64_t id;
    char host[256];
    sqlite3_stmt *get, *ins, *upd;
    struct srec **slot; /* cap slots, open addressing */
    size_t cap, n;
};

int64_t kz_sweep_id(const kz_sweep *sw)
{
    return sw->id;
}

static void rec_free(struct srec *r)
{
    if (!r)
        return;
    kz_free(r->key);
    kz_free(r->field);
    kz_free(r->suppressed);
    kz_free(r);
}

static void recs_clear(kz_sweep *sw)
{
    for (size_t i = 0; i < sw->cap; i++) {
        rec_free(sw->slot[i]);
        sw->slot[i] = NULL;
    }
    sw->n = 0;
}

static void sweep_free(kz_sweep *sw)
{
    recs_clear(sw);
    kz_free(sw->slot);
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
                            "SELECT id, first_sweep FROM sighting WHERE"
                            " indicator_id=?1 AND"
                            " host=?2 AND input=?3 AND location=?4 AND"
                            " observed=?5",
                            -1, &sw->get, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(
             st->db,
             "INSERT INTO sighting(indicator_id, host, input, location,"
             " observed, field, how, first_sweep, last_sweep, first_time,"
             " last_time, count, hits, first_line, last_line, score, level,"
             " suppressed, expired) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?8,?9,"
             "?10,1,?11,?12,?13,?14,?15,?16,?17)",
             -1, &sw->ins, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(
             st->db,
             /* ?2 this sweep; a row already written by it adds to its
              * counts, one of an earlier sweep starts them again */
             "UPDATE sighting SET"
             " count=count+(last_sweep<>?2),"
             " hits=CASE WHEN last_sweep=?2 THEN hits+?5 ELSE ?5 END,"
             " first_line=CASE WHEN last_sweep=?2 AND first_line<=?6 THEN"
             " first_line ELSE ?6 END,"
             " last_line=CASE WHEN last_sweep=?2 AND last_line>=?7 THEN"
             " last_line ELSE ?7 END,"
             " first_time=CASE WHEN ?3 IS NULL THEN first_time WHEN"
             " first_time IS NULL OR ?3<first_time THEN ?3 ELSE first_time"
             " END,"
             " last_time=CASE WHEN ?4 IS NULL THEN last_time WHEN"
             " last_time IS NULL OR ?4>last_time THEN ?4 ELSE last_time END,"
             " last_sweep=?2, score=?8, level=?9, suppressed=?10,"
             " expired=?11, field=coalesce(?12, field) WHERE id=?1",
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

static void bind_line(sqlite3_stmt *s, int i, uint64_t l)
{
    if (l)
        sqlite3_bind_int64(s, i, (sqlite3_int64)l);
    else
        sqlite3_bind_null(s, i);
}

/* Writes the gathered keys in one transaction and forgets them. */
static kz_status flush(kz_sweep *sw)
{
    kz_store *st = sw->st;
    if (!sw->n)
        return KZ_OK;
    kz_status r = kz_store_exec(st, "BEGIN IMMEDIATE");
    if (r != KZ_OK)
        return r;
    for (size_t i = 0; i < sw->cap && r == KZ_OK; i++) {
        struct srec *x = sw->slot[i];
        if (!x)
            continue;
        const char *input = x->key, *loc = x->key + x->input_n + 1,
                   *obs = loc + x->loc_n + 1;
        const char *level = kz_level_name(x->level);
        sqlite3_stmt *s;
        if (x->row) {
            s = sw->upd;
            sqlite3_reset(s);
            sqlite3_bind_int64(s, 1, x->row);
            sqlite3_bind_int64(s, 2, sw->id);
            bind_time(s, 3, x->tmin);
            bind_time(s, 4, x->tmax);
            sqlite3_bind_int64(s, 5, (sqlite3_int64)x->hits);
            bind_line(s, 6, x->line_min);
            bind_line(s, 7, x->line_max);
            sqlite3_bind_int(s, 8, x->score);
            sqlite3_bind_text(s, 9, level, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 10, x->suppressed, -1, SQLITE_STATIC);
            sqlite3_bind_int(s, 11, x->expired);
            sqlite3_bind_text(s, 12, x->field, -1, SQLITE_STATIC);
        } else {
            s = sw->ins;
            sqlite3_reset(s);
            sqlite3_bind_int64(s, 1, x->indicator_id);
            sqlite3_bind_text(s, 2, sw->host, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, input, (int)x->input_n, SQLITE_STATIC);
            sqlite3_bind_text(s, 4, loc, (int)x->loc_n, SQLITE_STATIC);
            sqlite3_bind_text(s, 5, obs, (int)x->obs_n, SQLITE_STATIC);
            sqlite3_bind_text(s, 6, x->field, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 7, kz_match_kind_name(x->how), -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(s, 8, sw->id);
            bind_time(s, 9, x->tmin);
            bind_time(s, 10, x->tmax);
            sqlite3_bind_int64(s, 11, (sqlite3_int64)x->hits);
            bind_line(s, 12, x->line_min);
            bind_line(s, 13, x->line_max);
            sqlite3_bind_int(s, 14, x->score);
            sqlite3_bind_text(s, 15, level, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 16, x->suppressed, -1, SQLITE_STATIC);
            sqlite3_bind_int(s, 17, x->expired);
        }
        if (sqlite3_step(s) != SQLITE_DONE)
            r = kz_store_err(st, "sighting");
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    if (r == KZ_OK)
        r = kz_store_exec(st, "COMMIT");
    else
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    recs_clear(sw);
    return r;
}

static char *dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *c = kz_malloc(n + 1);
    if (c)
        memcpy(c, s, n + 1);
    return c;
}

static int grow(kz_sweep *sw)
{
    size_t ncap = sw->cap ? sw->cap * 2 : 1024;
    struct srec **ns = kz_calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < sw->cap; i++) {
        struct srec *x = sw->slot[i];
        if (!x)
            continue;
        size_t j = x->h & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = x;
    }
    kz_free(sw->slot);
    sw->slot = ns;
    sw->cap = ncap;
    return 0;
}

kz_status kz_sweep_record(kz_sweep *sw, const kz_log_hit *h, kz_verdict *v)
{
    kz_store *st = sw->st;
    if (v)
        v->is_new = -1;
    if (h->ind.indicator_id <= 0)
        return KZ_OK;
    const char *input = h->input ? h->input : "-";
    const char *loc = h->file && h->file->member ? h->file->member : "";
    const char *obs = h->observed ? h->observed : "";
    size_t in_n = strlen(input), loc_n = strlen(loc),
           obs_n = h->observed ? h->observed_len : 0;
    /* the key: indicator id, then the three strings */
    uint64_t hh = 0xcbf29ce484222325ull ^ (uint64_t)h->ind.indicator_id;
    const char *parts[3] = {input, loc, obs};
    size_t lens[3] = {in_n, loc_n, obs_n};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < lens[k]; i++)
            hh = (hh ^ (unsigned char)parts[k][i]) * 0x100000001b3ull;
        hh = (hh ^ 0x1f) * 0x100000001b3ull;
    }
    hh = hh ? hh : 1;
    if ((sw->n + 1) * 2 > sw->cap && grow(sw) != 0)
        return kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
    size_t i = hh & (sw->cap - 1);
    struct srec *x;
    while ((x = sw->slot[i]) != NULL) {
        if (x->h == hh && x->indicator_id == h->ind.indicator_id &&
            x->input_n == in_n && x->loc_n == loc_n && x->obs_n == obs_n &&
            memcmp(x->key, input, in_n) == 0 &&
            memcmp(x->key + in_n + 1, loc, loc_n) == 0 &&
            memcmp(x->key + in_n + loc_n + 2, obs, obs_n) == 0)
            break;
        i = (i + 1) & (sw->cap - 1);
    }
    if (!x) {
        x = kz_calloc(1, sizeof *x);
        char *key = kz_malloc(in_n + loc_n + obs_n + 3);
        if (!x || !key) {
            kz_free(x);
            kz_free(key);
            return kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
        }
        memcpy(key, input, in_n);
        key[in_n] = 0;
        memcpy(key + in_n + 1, loc, loc_n);
        key[in_n + 1 + loc_n] = 0;
        memcpy(key + in_n + loc_n + 2, obs, obs_n);
        key[in_n + loc_n + 2 + obs_n] = 0;
        x->h = hh;
        x->key = key;
        x->input_n = in_n;
        x->loc_n = loc_n;
        x->obs_n = obs_n;
        x->indicator_id = h->ind.indicator_id;
        x->how = h->how;
        x->field = dup_str(h->field);
        /* did an earlier sweep see it? */
        sqlite3_stmt *g = sw->get;
        sqlite3_reset(g);
        sqlite3_bind_int64(g, 1, x->indicator_id);
        sqlite3_bind_text(g, 2, sw->host, -1, SQLITE_STATIC);
        sqlite3_bind_text(g, 3, input, (int)in_n, SQLITE_STATIC);
        sqlite3_bind_text(g, 4, loc, (int)loc_n, SQLITE_STATIC);
        sqlite3_bind_text(g, 5, obs, (int)obs_n, SQLITE_STATIC);
        int rc = sqlite3_step(g);
        int64_t first = 0;
        if (rc == SQLITE_ROW) {
            x->row = sqlite3_column_int64(g, 0);
            first = sqlite3_column_int64(g, 1);
        }
        sqlite3_reset(g);
        sqlite3_clear_bindings(g);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            rec_free(x);
            return kz_store_err(st, "sighting");
        }
        /* new: no row, or one this sweep wrote (after a flush) */
        x->is_new = !x->row || first == sw->id;
        sw->slot[i] = x;
        sw->n++;
    }
    x->hits++;
    if (h->time) {
        if (!x->tmin || h->time < x->tmin)
            x->tmin = h->time;
        if (h->time > x->tmax)
            x->tmax = h->time;
    }
    if (!h->file && h->line) {
        if (!x->line_min || h->line < x->line_min)
            x->line_min = h->line;
        if (h->line > x->line_max)
            x->line_max = h->line;
    }
    if (v) {
        x->score = v->score;
        x->level = v->level;
        x->expired = v->expired;
        if (v->suppressed && !x->suppressed)
            x->suppressed = dup_str(v->why);
        v->is_new = x->is_new;
    }
    if (sw->n >= FLUSH_AT) {
        kz_status r = flush(sw);
        if (r != KZ_OK)
            return r;
    }
    return KZ_OK;
}

kz_status kz_sweep_end(kz_sweep *sw, uint64_t files, uint64_t bytes,
                       uint64_t hits, uint64_t suppressed)
{
    kz_store *st = sw->st;
    kz_status r = flush(sw);
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
    (void)flush(sw); /* keep what was seen; the sweep has no end time */
    sweep_free(sw);
}
