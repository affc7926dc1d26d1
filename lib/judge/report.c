/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-advisory report: for each advisory of the store, are we
 * affected, where, since when. Read from the advisory, its indicators
 * (provenance), the sweeps and their sightings (lib/judge/sightings.c),
 * and built as one JSON document (docs/formats.md) that the sinks render
 * as Markdown or HTML. Invariant: everything is bounded (advisories,
 * sightings listed per advisory, indicators listed as not seen, bytes of
 * every string), and what is left out is counted, never silently lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/core_int.h"
#include "intel/store_int.h"
#include "kizashi/judge.h"

/* Bytes kept of an advisory's prose (summary, impact, ...) and of any
 * other string (values, paths, titles): a report is for reading. */
#define TEXT_CAP (64u * 1024)
#define VALUE_CAP (4u * 1024)
/* Threats named per advisory, hosts named per sweep summary. */
#define LIST_CAP 64
#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- strings ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (n > 0 bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* A JSON string of n bytes at s: invalid UTF-8 bytes become U+FFFD (jansson
 * takes valid UTF-8 only), cut at cap bytes on a character boundary with
 * "…" appended. NULL s: JSON null. NULL when out of memory. */
static json_t *jtext(const char *s, size_t n, size_t cap)
{
    if (!s)
        return json_null();
    const unsigned char *p = (const unsigned char *)s;
    char *out = kz_malloc((n < cap ? n : cap) * 3 + 4);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < n) {
        size_t len = utf8_len(p + i, n - i);
        size_t add = len ? len : 3;
        if (o + add > cap) {
            memcpy(out + o, "\xE2\x80\xA6", 3); /* … */
            o += 3;
            break;
        }
        if (len)
            memcpy(out + o, p + i, len);
        else
            memcpy(out + o, "\xEF\xBF\xBD", 3);
        o += add;
        i += len ? len : 1;
    }
    json_t *v = json_stringn_nocheck(out, o);
    kz_free(out);
    return v;
}

static json_t *col_text(sqlite3_stmt *s, int c, size_t cap)
{
    if (sqlite3_column_type(s, c) == SQLITE_NULL)
        return json_null();
    const char *t = (const char *)sqlite3_column_text(s, c);
    return jtext(t, (size_t)sqlite3_column_bytes(s, c), cap);
}

static json_t *jtime(kz_time t)
{
    if (!t)
        return json_null();
    char buf[32];
    kz_time_format(t, buf);
    return json_string(buf);
}

/* ---- building -------------------------------------------------------------
 * A failed json_* call (out of memory) sets b->oom; the document is then
 * dropped as a whole, so a report is never silently incomplete. */

struct rb {
    kz_store *st;
    const kz_report_opts *o;
    size_t max_sightings, max_not_seen;
    int oom;
    sqlite3_stmt *facts, *threats, *looked, *sweeps, *sweep_hosts, *rows,
        *unseen_n, *unseen, *feed_facts, *feed_threats;
    kz_report_counts counts;
    kz_judge *judge; /* the lists as they stand now */
};

static void set(struct rb *b, json_t *obj, const char *key, json_t *v)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        b->oom = 1;
}

static void append(struct rb *b, json_t *arr, json_t *v)
{
    if (!v || json_array_append_new(arr, v) != 0)
        b->oom = 1;
}

static json_t *obj(struct rb *b)
{
    json_t *o = json_object();
    if (!o)
        b->oom = 1;
    return o;
}

static json_t *arr(struct rb *b)
{
    json_t *a = json_array();
    if (!a)
        b->oom = 1;
    return a;
}

static json_t *jint(int64_t x)
{
    return json_integer((json_int_t)x);
}

static kz_status prep(struct rb *b, sqlite3_stmt **s, const char *sql)
{
    if (sqlite3_prepare_v2(b->st->db, sql, -1, s, NULL) != SQLITE_OK)
        return kz_store_err(b->st, "report");
    return KZ_OK;
}

static kz_status prepare_all(struct rb *b)
{
    kz_status r = prep(
        b, &b->facts,
        "SELECT a.id, a.title, s.name, a.published, a.url, a.tlp, a.summary,"
        " a.impact, a.assessment, a.mitigation, g.time FROM advisory a JOIN"
        " source s ON s.id=a.source_id LEFT JOIN ingest g ON g.id=a.first_add"
        " WHERE a.id=?1");
    if (r == KZ_OK)
        r = prep(b, &b->threats,
                 "SELECT t.name FROM advisory_threat x JOIN threat t ON"
                 " t.id=x.threat_id WHERE x.advisory_id=?1 ORDER BY t.name"
                 " LIMIT " STR(LIST_CAP));
    /* A feed's indicators without an advisory are reported as one entry
     * of the feed; in temp.kz_adv_ind they stand under -(input id). */
    if (r == KZ_OK)
        r = prep(b, &b->feed_facts,
                 "SELECT i.id, i.feed, i.feed, NULL, i.location, NULL, NULL,"
                 " NULL, NULL, NULL, g.time FROM input i LEFT JOIN ingest g"
                 " ON g.id=i.first_add WHERE i.id=-?1");
    if (r == KZ_OK)
        r = prep(b, &b->feed_threats,
                 "SELECT DISTINCT t.name FROM provenance p JOIN threat t ON"
                 " t.id=p.threat_id WHERE p.input_id=-?1 AND p.advisory_id=0"
                 " ORDER BY t.name LIMIT " STR(LIST_CAP));
    if (r == KZ_OK)
        r = prep(b, &b->looked,
                 "SELECT count(*) FROM temp.kz_adv_ind WHERE"
                 " advisory_id=?1 AND active");
    /* The sweeps that looked for the advisory's indicators: those started
     * once it was in the store. */
    if (r == KZ_OK)
        r = prep(b, &b->sweeps,
                 "SELECT count(finished), count(*)-count(finished),"
                 " min(started), max(finished) FROM sweep WHERE started>=?1");
    if (r == KZ_OK)
        r = prep(b, &b->sweep_hosts,
                 "SELECT DISTINCT host FROM sweep WHERE started>=?1 AND"
                 " finished IS NOT NULL ORDER BY host LIMIT " STR(LIST_CAP));
    if (r == KZ_OK)
        r = prep(
            b, &b->rows,
            "SELECT s.host, s.input, s.location, s.observed, s.field, s.how,"
            " s.first_time, s.last_time, s.count, s.hits, s.first_line,"
            " s.last_line, s.score, s.level, s.suppressed, s.expired, i.id,"
            " i.type, i.value, f.started, l.started FROM sighting s JOIN"
            " indicator i ON i.id=s.indicator_id LEFT JOIN sweep f ON"
            " f.id=s.first_sweep LEFT JOIN sweep l ON l.id=s.last_sweep WHERE"
            " s.indicator_id IN (SELECT indicator_id FROM temp.kz_adv_ind"
            " WHERE advisory_id=?1) ORDER BY s.host, s.input,"
            " coalesce(s.first_time, f.started), s.location, s.observed, s.id");
    if (r == KZ_OK)
        r = prep(b, &b->unseen_n,
                 "SELECT count(*) FROM indicator i WHERE i.id IN (SELECT"
                 " indicator_id FROM temp.kz_adv_ind WHERE advisory_id=?1 AND"
                 " active) AND NOT EXISTS (SELECT 1 FROM sighting s WHERE"
                 " s.indicator_id=i.id)");
    if (r == KZ_OK)
        r = prep(b, &b->unseen,
                 "SELECT i.type, i.value FROM indicator i WHERE i.id IN"
                 " (SELECT indicator_id FROM temp.kz_adv_ind WHERE"
                 " advisory_id=?1 AND active) AND NOT EXISTS (SELECT 1 FROM "
                 "sighting s WHERE"
                 " s.indicator_id=i.id) ORDER BY i.type, i.value LIMIT ?2");
    return r;
}

static void finalize_all(struct rb *b)
{
    sqlite3_finalize(b->facts);
    sqlite3_finalize(b->feed_facts);
    sqlite3_finalize(b->feed_threats);
    sqlite3_finalize(b->threats);
    sqlite3_finalize(b->looked);
    sqlite3_finalize(b->sweeps);
    sqlite3_finalize(b->sweep_hosts);
    sqlite3_finalize(b->rows);
    sqlite3_finalize(b->unseen_n);
    sqlite3_finalize(b->unseen);
}

static void rebind(sqlite3_stmt *s, int64_t x)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    sqlite3_bind_int64(s, 1, x);
}

/* The levels in order, for "worst level" comparisons. */
static int level_rank(const char *l)
{
    static const char *const names[] = {"low", "medium", "high", "critical"};
    for (int i = 0; l && i < 4; i++)
        if (strcmp(l, names[i]) == 0)
            return i + 1;
    return 0;
}

static void fold(kz_time t0, kz_time t1, kz_time *first, kz_time *last)
{
    if (t0 && (!*first || t0 < *first))
        *first = t0;
    if (t1 && t1 > *last)
        *last = t1;
}

/* What the evidence loop gathers for one advisory. */
struct ev {
    uint64_t hits, suppressed, listed, left_out, hosts, inputs;
    kz_time first, last;
    int worst;
    uint64_t levels[5];
};

/* One sighting row as JSON. first/last: its times, event or sweep. */
static json_t *sighting_json(struct rb *b, sqlite3_stmt *s, kz_time first,
                             kz_time last, int from_sweeps, const char *supp)
{
    json_t *o = obj(b), *ind = obj(b);
    if (!o || !ind) {
        json_decref(o);
        json_decref(ind);
        return NULL;
    }
    set(b, ind, "id", jint(sqlite3_column_int64(s, 16)));
    set(b, ind, "type",
        json_string(kz_type_name((kz_type)sqlite3_column_int(s, 17))));
    set(b, ind, "value", col_text(s, 18, VALUE_CAP));
    set(b, o, "indicator", ind);
    set(b, o, "observed", col_text(s, 3, VALUE_CAP));
    set(b, o, "location", col_text(s, 2, VALUE_CAP));
    set(b, o, "field", col_text(s, 4, VALUE_CAP));
    set(b, o, "how", col_text(s, 5, 64));
    set(b, o, "level", col_text(s, 13, 64));
    set(b, o, "score",
        sqlite3_column_type(s, 12) == SQLITE_NULL
            ? json_null()
            : jint(sqlite3_column_int64(s, 12)));
    set(b, o, "sweeps", jint(sqlite3_column_int64(s, 8)));
    set(b, o, "hits", jint(sqlite3_column_int64(s, 9)));
    set(b, o, "first_line",
        sqlite3_column_type(s, 10) == SQLITE_NULL
            ? json_null()
            : jint(sqlite3_column_int64(s, 10)));
    set(b, o, "last_line",
        sqlite3_column_type(s, 11) == SQLITE_NULL
            ? json_null()
            : jint(sqlite3_column_int64(s, 11)));
    set(b, o, "first_seen", jtime(first));
    set(b, o, "last_seen", jtime(last));
    set(b, o, "time_from", json_string(from_sweeps ? "sweep" : "event"));
    set(b, o, "suppressed", supp && *supp ? json_string(supp) : json_null());
    set(b, o, "expired", json_boolean(sqlite3_column_int(s, 15) != 0));
    return o;
}

static int same_col(sqlite3_stmt *s, int c, const char *prev, size_t n)
{
    return prev && (size_t)sqlite3_column_bytes(s, c) == n &&
           memcmp(sqlite3_column_text(s, c), prev, n) == 0;
}

static char *dup_col(sqlite3_stmt *s, int c, size_t *n)
{
    const char *t = (const char *)sqlite3_column_text(s, c);
    *n = (size_t)sqlite3_column_bytes(s, c);
    char *d = kz_malloc(*n + 1);
    if (d) {
        memcpy(d, t ? t : "", *n);
        d[*n] = 0;
    }
    return d;
}

/* A host group's counts and times, written when the group is closed. */
static void close_host(struct rb *b, json_t *host, uint64_t hits, uint64_t supp,
                       kz_time first, kz_time last)
{
    if (!host)
        return;
    set(b, host, "sightings", jint((int64_t)hits));
    set(b, host, "suppressed", jint((int64_t)supp));
    set(b, host, "first_seen", jtime(first));
    set(b, host, "last_seen", jtime(last));
}

/* The sightings of advisory id, grouped by host and input, into *out. */
/* A sighting the sweep did not suppress may be suppressed now: an analyst
 * allowlisted the value after the sweep, or a warninglist came in. The
 * indicator (type and value: columns 17, 18) and the value seen (column
 * 3, typed as it reads) are judged against the lists as they stand. */
static int rejudge(struct rb *b, sqlite3_stmt *s, char *why, size_t cap)
{
    if (!b->judge)
        return 0;
    kz_type t = (kz_type)sqlite3_column_int(s, 17);
    const char *v = (const char *)sqlite3_column_text(s, 18);
    if (v && kz_judge_check(b->judge, t, v, (size_t)sqlite3_column_bytes(s, 18),
                            why, cap))
        return 1;
    const char *o = (const char *)sqlite3_column_text(s, 3);
    size_t on = (size_t)sqlite3_column_bytes(s, 3);
    if (!o || !on)
        return 0;
    kz_type ot = kz_guess_type(o, on);
    char norm[2048];
    size_t nl = 0;
    return ot != KZ_T_NONE &&
           kz_normalize(ot, o, on, norm, sizeof norm, &nl) == KZ_OK &&
           kz_judge_check(b->judge, ot, norm, nl, why, cap);
}

static kz_status evidence(struct rb *b, int64_t id, struct ev *e, json_t *out)
{
    sqlite3_stmt *s = b->rows;
    char *phost = NULL, *pinput = NULL;
    size_t phost_n = 0, pinput_n = 0;
    json_t *host = NULL, *inputs = NULL, *sights = NULL;
    uint64_t h_hits = 0, h_supp = 0, i_hits = 0;
    kz_time h_first = 0, h_last = 0;
    kz_status r = KZ_OK;
    int rc;

    rebind(s, id);
    while (!b->oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *supp = (const char *)sqlite3_column_text(s, 14);
        char why[256];
        if ((!supp || !*supp) && rejudge(b, s, why, sizeof why))
            supp = why;
        int suppressed = supp && *supp;
        int new_host = !same_col(s, 0, phost, phost_n);
        int new_input = new_host || !same_col(s, 1, pinput, pinput_n);
        kz_time t0 = sqlite3_column_int64(s, 6),
                t1 = sqlite3_column_int64(s, 7);
        int from_sweeps = !t0 && !t1;
        if (!t0)
            t0 = t1 ? t1 : sqlite3_column_int64(s, 19);
        if (!t1)
            t1 = from_sweeps ? sqlite3_column_int64(s, 20) : t0;

        if (new_host) {
            close_host(b, host, h_hits, h_supp, h_first, h_last);
            host = inputs = sights = NULL;
            h_hits = h_supp = 0;
            h_first = h_last = 0;
            kz_free(phost);
            phost = dup_col(s, 0, &phost_n);
            if (!phost)
                b->oom = 1;
        }
        if (new_input) {
            sights = NULL;
            i_hits = 0;
            kz_free(pinput);
            pinput = dup_col(s, 1, &pinput_n);
            if (!pinput)
                b->oom = 1;
        }
        if (suppressed) {
            e->suppressed++;
            h_supp++;
        } else {
            e->hits++;
            if (++h_hits == 1)
                e->hosts++;
            if (++i_hits == 1)
                e->inputs++;
            fold(t0, t1, &e->first, &e->last);
            fold(t0, t1, &h_first, &h_last);
            int lr = level_rank((const char *)sqlite3_column_text(s, 13));
            e->levels[lr]++;
            if (lr > e->worst)
                e->worst = lr;
        }
        if (suppressed && !b->o->show_suppressed)
            continue;
        if (e->listed >= b->max_sightings) {
            e->left_out++;
            continue;
        }
        if (!host) {
            host = obj(b);
            inputs = arr(b);
            if (!host || !inputs)
                break;
            set(b, host, "host", col_text(s, 0, VALUE_CAP));
            set(b, host, "inputs", inputs);
            append(b, out, host);
        }
        if (!sights) {
            json_t *in = obj(b);
            sights = arr(b);
            if (!in || !sights) {
                json_decref(in);
                break;
            }
            set(b, in, "input", col_text(s, 1, VALUE_CAP));
            set(b, in, "sightings", sights);
            append(b, inputs, in);
        }
        append(b, sights, sighting_json(b, s, t0, t1, from_sweeps, supp));
        e->listed++;
    }
    if (!b->oom && rc != SQLITE_DONE)
        r = kz_store_err(b->st, "report: sightings");
    close_host(b, host, h_hits, h_supp, h_first, h_last);
    sqlite3_reset(s);
    kz_free(phost);
    kz_free(pinput);
    return r;
}

static int64_t one_int(sqlite3_stmt *s, int c)
{
    return sqlite3_column_type(s, c) == SQLITE_NULL
               ? 0
               : sqlite3_column_int64(s, c);
}

/* The sweeps that looked for an advisory added at `added`. */
static kz_status sweeps_json(struct rb *b, kz_time added, json_t *o,
                             int64_t *finished)
{
    sqlite3_stmt *s = b->sweeps;
    rebind(s, added);
    if (sqlite3_step(s) != SQLITE_ROW)
        return kz_store_err(b->st, "report: sweeps");
    *finished = one_int(s, 0);
    set(b, o, "count", jint(*finished));
    set(b, o, "unfinished", jint(one_int(s, 1)));
    set(b, o, "first", jtime(one_int(s, 2)));
    set(b, o, "last", jtime(one_int(s, 3)));
    sqlite3_reset(s);
    json_t *hosts = arr(b);
    if (!hosts)
        return KZ_OK;
    s = b->sweep_hosts;
    rebind(s, added);
    while (sqlite3_step(s) == SQLITE_ROW)
        append(b, hosts, col_text(s, 0, VALUE_CAP));
    sqlite3_reset(s);
    set(b, o, "hosts", hosts);
    return KZ_OK;
}

/* The advisory's active indicators that no sweep saw. */
static kz_status unseen_json(struct rb *b, int64_t id, json_t *o)
{
    sqlite3_stmt *s = b->unseen_n;
    rebind(s, id);
    if (sqlite3_step(s) != SQLITE_ROW)
        return kz_store_err(b->st, "report: indicators not seen");
    int64_t n = one_int(s, 0);
    sqlite3_reset(s);
    json_t *list = arr(b);
    if (!list)
        return KZ_OK;
    s = b->unseen;
    rebind(s, id);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)b->max_not_seen);
    int64_t listed = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *x = obj(b);
        if (!x)
            break;
        set(b, x, "type",
            json_string(kz_type_name((kz_type)sqlite3_column_int(s, 0))));
        set(b, x, "value", col_text(s, 1, VALUE_CAP));
        append(b, list, x);
        listed++;
    }
    sqlite3_reset(s);
    set(b, o, "count", jint(n));
    set(b, o, "indicators", list);
    set(b, o, "left_out", jint(n - listed));
    return KZ_OK;
}

static const char *const level_names[] = {"unknown", "low", "medium", "high",
                                          "critical"};

/* One advisory's report, appended to advs. */
static kz_status advisory(struct rb *b, int64_t id, json_t *advs)
{
    kz_status r = KZ_OK;
    int feed = id < 0; /* -(input id): a feed's indicators without one */
    sqlite3_stmt *s = feed ? b->feed_facts : b->facts;
    rebind(s, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return kz_seterr(b->st->ctx, KZ_ERR_NOTFOUND, "no advisory %lld",
                         (long long)id);
    }
    if (rc != SQLITE_ROW)
        return kz_store_err(b->st, "report: advisory");
    json_t *a = obj(b);
    if (!a) {
        sqlite3_reset(s);
        return KZ_OK;
    }
    append(b, advs, a);
    kz_time added = one_int(s, 10);
    set(b, a, "kind", json_string(feed ? "feed" : "advisory"));
    set(b, a, "id", jint(feed ? -id : id));
    if (feed) {
        char t[VALUE_CAP + 64];
        const char *fn = (const char *)sqlite3_column_text(s, 1);
        snprintf(t, sizeof t, "Feed %.*s (indicators without an advisory)",
                 VALUE_CAP, fn ? fn : "?");
        set(b, a, "title", json_string(t));
    } else {
        set(b, a, "title", col_text(s, 1, VALUE_CAP));
    }
    set(b, a, "source", col_text(s, 2, VALUE_CAP));
    set(b, a, "published", jtime(one_int(s, 3)));
    set(b, a, "url", col_text(s, 4, VALUE_CAP));
    set(b, a, "tlp", col_text(s, 5, VALUE_CAP));
    set(b, a, "summary", col_text(s, 6, TEXT_CAP));
    set(b, a, "impact", col_text(s, 7, TEXT_CAP));
    set(b, a, "assessment", col_text(s, 8, TEXT_CAP));
    set(b, a, "mitigation", col_text(s, 9, TEXT_CAP));
    set(b, a, "added", jtime(added));
    sqlite3_reset(s);

    json_t *threats = arr(b);
    if (threats) {
        s = feed ? b->feed_threats : b->threats;
        rebind(s, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            append(b, threats, col_text(s, 0, VALUE_CAP));
        sqlite3_reset(s);
        set(b, a, "threats", threats);
    }

    s = b->looked;
    rebind(s, id);
    int64_t looked = sqlite3_step(s) == SQLITE_ROW ? one_int(s, 0) : 0;
    sqlite3_reset(s);

    json_t *sw = obj(b), *evid = arr(b), *unseen = obj(b), *sg = obj(b);
    int64_t finished = 0;
    struct ev e;
    memset(&e, 0, sizeof e);
    if (!sw || !evid || !unseen || !sg) {
        json_decref(sw);
        json_decref(evid);
        json_decref(unseen);
        json_decref(sg);
        return KZ_OK;
    }
    r = sweeps_json(b, added, sw, &finished);
    if (r == KZ_OK)
        r = evidence(b, id, &e, evid);
    if (r == KZ_OK)
        r = unseen_json(b, id, unseen);

    /* affected: a sighting not suppressed; not affected: a sweep looked
     * (finished, or left suppressed sightings) and saw nothing that
     * counts; not swept: no sweep looked, or nothing to look for. */
    const char *verdict = "not swept";
    if (e.hits) {
        verdict = "affected";
        b->counts.affected++;
    } else if (looked && (finished || e.suppressed)) {
        verdict = "not affected";
        b->counts.not_affected++;
    } else {
        b->counts.not_swept++;
    }
    set(b, a, "verdict", json_string(verdict));
    if (b->o->only_affected && !e.hits) {
        /* counted above; not listed (a is the last entry of advs) */
        json_array_remove(advs, json_array_size(advs) - 1);
        json_decref(sw);
        json_decref(evid);
        json_decref(unseen);
        json_decref(sg);
        return r;
    }
    set(b, a, "severity",
        e.hits ? json_string(level_names[e.worst]) : json_null());
    set(b, a, "first_seen", jtime(e.first));
    set(b, a, "last_seen", jtime(e.last));
    set(b, a, "indicators", jint(looked));
    set(b, a, "sweeps", sw);
    set(b, sg, "total", jint((int64_t)e.hits));
    set(b, sg, "hosts", jint((int64_t)e.hosts));
    set(b, sg, "inputs", jint((int64_t)e.inputs));
    json_t *lv = obj(b);
    for (int i = 4; lv && i >= 1; i--)
        set(b, lv, level_names[i], jint((int64_t)e.levels[i]));
    set(b, sg, "levels", lv);
    set(b, sg, "suppressed", jint((int64_t)e.suppressed));
    set(b, sg, "listed", jint((int64_t)e.listed));
    set(b, sg, "left_out", jint((int64_t)e.left_out));
    set(b, a, "sightings", sg);
    set(b, a, "evidence", evid);
    set(b, a, "not_seen", unseen);
    return r;
}

/* ---- the document -------------------------------------------------------- */

kz_status kz_report_build(kz_store *st, const kz_report_opts *o, char **json,
                          kz_report_counts *counts)
{
    kz_report_opts dflt = KZ_REPORT_OPTS_INIT;
    struct rb b;
    json_t *doc = NULL, *advs = NULL;
    sqlite3_stmt *ids = NULL;
    kz_status r = KZ_OK;

    *json = NULL;
    if (counts)
        memset(counts, 0, sizeof *counts);
    if (!o)
        o = &dflt;
    if (o->version != KZ_REPORT_OPTS_VERSION)
        return kz_seterr(st->ctx, KZ_ERR_INVALID,
                         "report options of version %u, expected %u",
                         o->version, KZ_REPORT_OPTS_VERSION);
    memset(&b, 0, sizeof b);
    b.st = st;
    b.o = o;
    b.max_sightings =
        o->max_sightings ? o->max_sightings : KZ_REPORT_MAX_SIGHTINGS;
    b.max_not_seen = o->max_not_seen ? o->max_not_seen : KZ_REPORT_MAX_NOT_SEEN;
    /* provenance has no index on advisory_id (it would slow every
     * ingest): the (advisory, indicator) pairs are read once into a
     * temporary table keyed by advisory, so each advisory costs a range,
     * not a scan of every provenance. Filled inside the read transaction
     * below. */
    r = kz_store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS kz_adv_ind("
                          "advisory_id INTEGER NOT NULL, indicator_id INTEGER"
                          " NOT NULL, active INTEGER NOT NULL, PRIMARY KEY("
                          "advisory_id, indicator_id)) WITHOUT ROWID");
    if (r == KZ_OK)
        r = prepare_all(&b);
    if (r == KZ_OK)
        r = kz_judge_load(st, o->now, &b.judge);
    doc = json_object();
    advs = json_array();
    if (!doc || !advs)
        b.oom = 1;
    /* One read transaction: a hunt recording at the same time does not
     * make the counts of one advisory disagree with another's. */
    if (r == KZ_OK)
        r = kz_store_exec(st, "BEGIN");
    if (r == KZ_OK)
        r = kz_store_exec(
            st, "DELETE FROM temp.kz_adv_ind; INSERT INTO temp.kz_adv_ind"
                " SELECT CASE WHEN advisory_id=0 THEN -input_id ELSE"
                " advisory_id END, indicator_id, max(active) FROM provenance"
                " GROUP BY 1, 2");
    if (r == KZ_OK && o->n_advisories) {
        for (size_t i = 0; i < o->n_advisories && r == KZ_OK && !b.oom; i++)
            r = advisory(&b, o->advisories[i], advs);
        b.counts.advisories = o->n_advisories;
    } else if (r == KZ_OK) {
        r = prep(&b, &ids,
                 /* the advisories, then each feed with indicators of
                  * no advisory (as -(input id)) */
                 "SELECT id FROM (SELECT id FROM advisory UNION ALL SELECT"
                 " DISTINCT advisory_id FROM temp.kz_adv_ind WHERE"
                 " advisory_id<0) ORDER BY id<0, abs(id) LIMIT " STR(
                     KZ_REPORT_MAX_ADVISORIES));
        int rc = SQLITE_DONE;
        while (r == KZ_OK && !b.oom && (rc = sqlite3_step(ids)) == SQLITE_ROW) {
            r = advisory(&b, sqlite3_column_int64(ids, 0), advs);
            b.counts.advisories++;
        }
        if (r == KZ_OK && !b.oom && rc != SQLITE_DONE)
            r = kz_store_err(st, "report: advisories");
    }
    sqlite3_finalize(ids);
    if (r == KZ_OK && !b.oom) {
        sqlite3_stmt *s = NULL;
        int64_t total = 0, nsweeps = 0, last = 0;
        if (prep(&b, &s,
                 "SELECT (SELECT count(*) FROM advisory) + (SELECT"
                 " count(DISTINCT advisory_id) FROM temp.kz_adv_ind WHERE"
                 " advisory_id<0), count(finished),"
                 " max(finished) FROM sweep") == KZ_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            total = one_int(s, 0);
            nsweeps = one_int(s, 1);
            last = one_int(s, 2);
        }
        sqlite3_finalize(s);
        kz_time now = o->now ? o->now : (kz_time)time(NULL);
        json_t *sum = obj(&b);
        set(&b, doc, "report", json_string("kizashi per-advisory report"));
        set(&b, doc, "version", jint(1));
        set(&b, doc, "generated", jtime(now));
        set(&b, doc, "show_suppressed", json_boolean(o->show_suppressed));
        if (sum) {
            set(&b, sum, "advisories", jint((int64_t)b.counts.advisories));
            set(&b, sum, "affected", jint((int64_t)b.counts.affected));
            set(&b, sum, "not_affected", jint((int64_t)b.counts.not_affected));
            set(&b, sum, "not_swept", jint((int64_t)b.counts.not_swept));
            set(&b, sum, "left_out",
                jint(o->n_advisories ? 0
                                     : total - (int64_t)b.counts.advisories));
            set(&b, sum, "sweeps", jint(nsweeps));
            set(&b, sum, "last_sweep", jtime(last));
            set(&b, doc, "summary", sum);
        }
        set(&b, doc, "advisories", json_incref(advs));
    }
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    finalize_all(&b);
    kz_judge_free(b.judge);
    if (r == KZ_OK && b.oom)
        r = kz_seterr(st->ctx, KZ_ERR_NOMEM, "report: out of memory");
    if (r == KZ_OK) {
        *json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!*json)
            r = kz_seterr(st->ctx, KZ_ERR_NOMEM, "report: out of memory");
    }
    if (r == KZ_OK && counts)
        *counts = b.counts;
    json_decref(advs);
    json_decref(doc);
    return r;
}

void kz_report_free(char *json)
{
    free(json);
}
