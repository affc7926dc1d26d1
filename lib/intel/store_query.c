/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the store answers: statistics, lists, one indicator or advisory
 * with its provenance, a value searched with the match semantics of
 * DESIGN.md (exact, subdomain of, inside a CIDR, host of a URL), and the
 * removals and expiries. Answers are JSON documents built with jansson, so
 * that `--json` and the human output show the same facts.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"
#include "intel/store_int.h"

/* Indicators listed by one query at most unless a limit is given: the
 * JSON of a whole million-indicator store is for `kizashi export`. */
#define KZ_QUERY_DEFAULT_LIMIT 1000000
/* Provenances shown for one indicator. */
#define KZ_QUERY_MAX_PROVENANCE 1000

static sqlite3_stmt *qprep(kz_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        kz_store_err(st, "prepare");
        return NULL;
    }
    return s;
}

/* Column c of s as a JSON value (NULL -> JSON null). */
static json_t *col_json(sqlite3_stmt *s, int c)
{
    switch (sqlite3_column_type(s, c)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(s, c));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(s, c));
    case SQLITE_TEXT:
        return json_stringn((const char *)sqlite3_column_text(s, c),
                            (size_t)sqlite3_column_bytes(s, c));
    default:
        return json_null();
    }
}

static json_t *time_json(int64_t t)
{
    if (!t)
        return json_null();
    char buf[32];
    kz_time_format(t, buf);
    return json_string(buf);
}

/* Column c holds an ingest id: its time. */
static json_t *add_time(kz_store *st, int64_t add_id)
{
    sqlite3_stmt *s = qprep(st, "SELECT time FROM ingest WHERE id=?1");
    if (!s)
        return json_null();
    sqlite3_bind_int64(s, 1, add_id);
    int64_t t = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return time_json(t);
}

/* Rows of sql (no parameters, or one integer) as an array of objects
 * keyed by the column names. */
static kz_status rows(kz_store *st, const char *sql, int64_t arg, int has_arg,
                      json_t **out)
{
    sqlite3_stmt *s = qprep(st, sql);
    if (!s)
        return KZ_ERR_IO;
    if (has_arg)
        sqlite3_bind_int64(s, 1, arg);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int c = 0; c < sqlite3_column_count(s); c++) {
            const char *name = sqlite3_column_name(s, c);
            json_t *v = col_json(s, c);
            /* Columns named *_time hold Unix times. */
            size_t nl = strlen(name);
            if (nl > 5 && strcmp(name + nl - 5, "_time") == 0) {
                json_t *t =
                    time_json(json_is_integer(v) ? json_integer_value(v) : 0);
                json_decref(v);
                char key[64];
                snprintf(key, sizeof key, "%.*s", (int)(nl - 5), name);
                json_object_set_new(o, key, t);
            } else {
                json_object_set_new(o, name, v);
            }
        }
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return kz_store_err(st, "query");
    }
    *out = arr;
    return KZ_OK;
}

static int64_t scalar(kz_store *st, const char *sql)
{
    sqlite3_stmt *s = qprep(st, sql);
    if (!s)
        return 0;
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return v;
}

static kz_status q_stats(kz_store *st, json_t *o)
{
    json_object_set_new(o, "path",
                        json_string(sqlite3_db_filename(st->db, NULL)));
    json_object_set_new(o, "schema_version", json_integer(KZ_STORE_SCHEMA));
    json_object_set_new(
        o, "indicators",
        json_integer(scalar(st, "SELECT count(*) FROM indicator")));
    json_object_set_new(
        o, "active_indicators",
        json_integer(scalar(st, "SELECT count(DISTINCT indicator_id) FROM"
                                " provenance WHERE active=1 AND (valid_until"
                                " IS NULL OR valid_until>strftime('%s'))")));
    json_object_set_new(
        o, "provenances",
        json_integer(scalar(st, "SELECT count(*) FROM provenance")));
    json_object_set_new(
        o, "advisories",
        json_integer(scalar(st, "SELECT count(*) FROM advisory")));
    json_object_set_new(
        o, "sources", json_integer(scalar(st, "SELECT count(*) FROM source")));
    json_object_set_new(o, "inputs",
                        json_integer(scalar(st, "SELECT count(*) FROM input")));
    json_object_set_new(
        o, "threats", json_integer(scalar(st, "SELECT count(*) FROM threat")));
    json_object_set_new(
        o, "warninglists",
        json_integer(scalar(st, "SELECT count(*) FROM warninglist")));
    json_object_set_new(
        o, "warninglist_entries",
        json_integer(scalar(st, "SELECT count(*) FROM warninglist_entry")));
    json_object_set_new(
        o, "adds", json_integer(scalar(st, "SELECT count(*) FROM ingest")));
    json_object_set_new(o, "generation",
                        json_integer(scalar(st, "SELECT value FROM meta WHERE"
                                                " key='generation'")));
    int64_t pages = scalar(st, "PRAGMA page_count");
    int64_t psize = scalar(st, "PRAGMA page_size");
    json_object_set_new(o, "database_bytes", json_integer(pages * psize));
    json_t *bytype = json_object();
    sqlite3_stmt *s =
        qprep(st, "SELECT type, count(*) FROM indicator GROUP BY type");
    if (!s)
        return KZ_ERR_IO;
    while (sqlite3_step(s) == SQLITE_ROW)
        json_object_set_new(bytype,
                            kz_type_name((kz_type)sqlite3_column_int(s, 0)),
                            json_integer(sqlite3_column_int64(s, 1)));
    sqlite3_finalize(s);
    json_object_set_new(o, "by_type", bytype);
    json_t *byfmt;
    kz_status r = rows(st,
                       "SELECT format, count(*) AS inputs FROM input"
                       " GROUP BY format ORDER BY format",
                       0, 0, &byfmt);
    if (r != KZ_OK)
        return r;
    json_object_set_new(o, "by_format", byfmt);
    return KZ_OK;
}

/* Threat names of a provenance. */
static json_t *prov_threats(kz_store *st, int64_t ind, int64_t input,
                            int64_t adv, int64_t first)
{
    json_t *arr = json_array();
    sqlite3_stmt *s = qprep(st, "SELECT name FROM threat WHERE id=?1 UNION ALL"
                                " SELECT t.name FROM provenance_threat p JOIN"
                                " threat t ON t.id=p.threat_id WHERE"
                                " p.indicator_id=?2 AND p.input_id=?3 AND"
                                " p.advisory_id=?4");
    if (!s)
        return arr;
    sqlite3_bind_int64(s, 1, first);
    sqlite3_bind_int64(s, 2, ind);
    sqlite3_bind_int64(s, 3, input);
    sqlite3_bind_int64(s, 4, adv);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(arr, col_json(s, 0));
    sqlite3_finalize(s);
    return arr;
}

/* One indicator with its provenances, or NULL when there is no such id. */
static json_t *indicator_json(kz_store *st, int64_t id)
{
    sqlite3_stmt *s =
        qprep(st, "SELECT type, value FROM indicator WHERE id=?1");
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(
        o, "type",
        json_string(kz_type_name((kz_type)sqlite3_column_int(s, 0))));
    json_object_set_new(o, "value", col_json(s, 1));
    sqlite3_finalize(s);
    s = qprep(st,
              "SELECT p.input_id, p.advisory_id, p.threat_id, p.first_add,"
              " p.last_add, p.active, p.confidence, p.valid_until, p.extra,"
              " src.name, i.feed, a.title, a.published, a.url, f.time, l.time"
              " FROM provenance p JOIN source src ON src.id=p.source_id"
              " JOIN input i ON i.id=p.input_id LEFT JOIN advisory a ON"
              " a.id=p.advisory_id JOIN ingest f ON f.id=p.first_add JOIN"
              " ingest l ON l.id=p.last_add WHERE p.indicator_id=?1"
              " ORDER BY p.first_add, p.input_id, p.advisory_id LIMIT ?2");
    if (!s) {
        json_decref(o);
        return NULL;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, KZ_QUERY_MAX_PROVENANCE);
    json_t *provs = json_array();
    int64_t first = 0, last = 0;
    int active = 0;
    int64_t now = (int64_t)time(NULL);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *p = json_object();
        int64_t input = sqlite3_column_int64(s, 0);
        int64_t adv = sqlite3_column_int64(s, 1);
        int64_t th = sqlite3_column_int64(s, 2);
        json_object_set_new(p, "source", col_json(s, 9));
        json_object_set_new(p, "feed", col_json(s, 10));
        if (adv) {
            json_t *a = json_object();
            json_object_set_new(a, "id", json_integer(adv));
            json_object_set_new(a, "title", col_json(s, 11));
            json_object_set_new(a, "published",
                                time_json(sqlite3_column_int64(s, 12)));
            json_object_set_new(a, "url", col_json(s, 13));
            json_object_set_new(p, "advisory", a);
        }
        json_object_set_new(p, "threats", prov_threats(st, id, input, adv, th));
        int64_t ft = sqlite3_column_int64(s, 14),
                lt = sqlite3_column_int64(s, 15);
        json_object_set_new(p, "first_added", time_json(ft));
        json_object_set_new(p, "last_added", time_json(lt));
        int64_t vu = sqlite3_column_int64(s, 7);
        int act = sqlite3_column_int(s, 5);
        int expired = vu && vu <= now;
        json_object_set_new(p, "active", json_boolean(act && !expired));
        if (!act)
            json_object_set_new(p, "status", json_string("no longer in feed"));
        else if (expired)
            json_object_set_new(p, "status", json_string("expired"));
        json_object_set_new(p, "confidence", col_json(s, 6));
        json_object_set_new(p, "valid_until", time_json(vu));
        if (sqlite3_column_type(s, 8) == SQLITE_TEXT) {
            json_t *ex =
                json_loads((const char *)sqlite3_column_text(s, 8), 0, NULL);
            if (ex)
                json_object_update(p, ex);
            json_decref(ex);
        }
        json_array_append_new(provs, p);
        if (!first || ft < first)
            first = ft;
        if (lt > last)
            last = lt;
        active |= act && !expired;
    }
    sqlite3_finalize(s);
    json_object_set_new(o, "active", json_boolean(active));
    json_object_set_new(o, "first_added", time_json(first));
    json_object_set_new(o, "last_added", time_json(last));
    json_object_set_new(o, "provenance", provs);
    return o;
}

static kz_status q_indicators(kz_store *st, const kz_store_query *q,
                              json_t **out)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT x.*, (SELECT t.name FROM threat t WHERE t.id=x.tid)"
             " FROM (SELECT i.id, i.type, i.value, max(p.active AND"
             " (p.valid_until IS NULL OR p.valid_until>strftime('%%s'))) AS"
             " act, group_concat(DISTINCT s.name), count(DISTINCT"
             " p.advisory_id) - max(p.advisory_id=0), min(p.first_add),"
             " max(p.last_add), min(p.threat_id) AS tid FROM indicator i"
             " JOIN provenance p ON p.indicator_id=i.id JOIN source s ON"
             " s.id=p.source_id WHERE 1 %s %s GROUP BY i.id %s ORDER BY i.id"
             " LIMIT ?2) x",
             q->advisory_id ? "AND p.advisory_id=?1" : "",
             q->source ? "AND s.name=?3" : "",
             q->include_inactive ? "" : "HAVING act=1");
    sqlite3_stmt *s = qprep(st, sql);
    if (!s)
        return KZ_ERR_IO;
    if (q->advisory_id)
        sqlite3_bind_int64(s, 1, q->advisory_id);
    sqlite3_bind_int64(s, 2,
                       q->limit ? (int64_t)q->limit : KZ_QUERY_DEFAULT_LIMIT);
    if (q->source)
        sqlite3_bind_text(s, 3, q->source, -1, SQLITE_TRANSIENT);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_type t = (kz_type)sqlite3_column_int(s, 1);
        if (q->types && !KZ_TYPESET_HAS(q->types, t))
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "id", col_json(s, 0));
        json_object_set_new(o, "type", json_string(kz_type_name(t)));
        json_object_set_new(o, "value", col_json(s, 2));
        json_object_set_new(o, "active",
                            json_boolean(sqlite3_column_int(s, 3)));
        json_object_set_new(o, "sources", col_json(s, 4));
        json_object_set_new(o, "advisories", col_json(s, 5));
        json_object_set_new(o, "threat", col_json(s, 9));
        json_object_set_new(o, "first_added",
                            add_time(st, sqlite3_column_int64(s, 6)));
        json_object_set_new(o, "last_added",
                            add_time(st, sqlite3_column_int64(s, 7)));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return kz_store_err(st, "query");
    }
    *out = arr;
    return KZ_OK;
}

static json_t *advisory_json(kz_store *st, int64_t id, int with_indicators)
{
    json_t *arr = NULL;
    if (rows(st,
             "SELECT a.id, a.title, a.published AS published_time, a.url,"
             " s.name AS source, i.feed, a.key, a.tlp, a.summary, a.impact,"
             " a.assessment, a.mitigation, f.time AS first_added_time,"
             " l.time AS last_added_time FROM advisory a JOIN source s ON"
             " s.id=a.source_id LEFT JOIN input i ON i.id=a.input_id JOIN"
             " ingest f ON f.id=a.first_add JOIN ingest l ON l.id=a.last_add"
             " WHERE a.id=?1",
             id, 1, &arr) != KZ_OK)
        return NULL;
    json_t *o = json_array_get(arr, 0);
    if (!o) {
        json_decref(arr);
        return NULL;
    }
    json_incref(o);
    json_decref(arr);
    json_t *threats = NULL;
    if (rows(st,
             "SELECT t.id, t.name, t.kind FROM advisory_threat x JOIN threat"
             " t ON t.id=x.threat_id WHERE x.advisory_id=?1 ORDER BY t.name",
             id, 1, &threats) == KZ_OK)
        json_object_set_new(o, "threats", threats);
    json_t *counts = NULL;
    if (rows(st,
             "SELECT i.type, count(*) AS n FROM provenance p JOIN indicator i"
             " ON i.id=p.indicator_id WHERE p.advisory_id=?1 GROUP BY i.type",
             id, 1, &counts) == KZ_OK) {
        json_t *c = json_object();
        size_t k;
        json_t *row;
        json_array_foreach(counts, k, row)
        {
            json_object_set_new(c,
                                kz_type_name((kz_type)json_integer_value(
                                    json_object_get(row, "type"))),
                                json_incref(json_object_get(row, "n")));
        }
        json_decref(counts);
        json_object_set_new(o, "indicator_counts", c);
    }
    if (with_indicators) {
        kz_store_query q = {KZ_Q_INDICATORS, NULL, 0, id, NULL, 1, 0};
        json_t *inds = NULL;
        if (q_indicators(st, &q, &inds) == KZ_OK)
            json_object_set_new(o, "indicators", inds);
    }
    return o;
}

static kz_status parse_id(kz_store *st, const char *arg, int64_t *id)
{
    char *end = NULL;
    long long v = arg ? strtoll(arg, &end, 10) : 0;
    if (!arg || !*arg || *end || v <= 0)
        return kz_seterr(st->ctx, KZ_ERR_INVALID,
                         "'%s' is not an id (a positive number)",
                         arg ? arg : "");
    *id = v;
    return KZ_OK;
}

/* The indicator (t, v) exactly, found through the index of hashes. */
static void find_exact(kz_store *st, kz_type t, const char *v, json_t *ids,
                       json_t *how, const char *why)
{
    sqlite3_stmt *s = qprep(st, "SELECT id FROM indicator WHERE h=?1 AND"
                                " type=?2 AND value=?3");
    if (!s)
        return;
    size_t n = strlen(v);
    sqlite3_bind_int64(s, 1, kz_value_hash(t, v, n));
    sqlite3_bind_int(s, 2, (int)t);
    sqlite3_bind_text(s, 3, v, (int)n, SQLITE_TRANSIENT);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_array_append_new(ids, json_integer(sqlite3_column_int64(s, 0)));
        json_array_append_new(how, json_string(why));
    }
    sqlite3_finalize(s);
}

/* The parent domains of d (itself first) that are indicators. */
static void find_domain(kz_store *st, const char *d, json_t *ids, json_t *how,
                        int self_exact)
{
    const char *p = d;
    int first = 1;
    while (p && *p) {
        if (strchr(p, '.') || !first) {
            char why[KZ_MAX_DOMAIN + 32];
            if (first && self_exact)
                snprintf(why, sizeof why, "exact");
            else
                snprintf(why, sizeof why, "subdomain of %s", p);
            if (strchr(p, '.'))
                find_exact(st, KZ_T_DOMAIN, p, ids, how, why);
        }
        first = 0;
        p = strchr(p, '.');
        if (p)
            p++;
    }
}

/* CIDR indicators that hold address a (family fam). */
static void find_cidr(kz_store *st, const uint8_t a[16], int fam, json_t *ids,
                      json_t *how)
{
    sqlite3_stmt *s = qprep(st, "SELECT id, value FROM indicator WHERE type=3");
    if (!s)
        return;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 1);
        uint8_t net[16];
        int nf;
        unsigned prefix;
        if (!v ||
            kz_norm_cidr(v, strlen(v), net, &nf, &prefix, NULL) != KZ_OK ||
            nf != fam)
            continue;
        unsigned bits = fam == 4 ? prefix + 96 : prefix;
        int in = 1;
        for (unsigned b = 0; b < bits && in; b++) {
            unsigned byte = b / 8, mask = 0x80u >> (b % 8);
            if ((a[byte] & mask) != (net[byte] & mask))
                in = 0;
        }
        if (in) {
            char why[96];
            snprintf(why, sizeof why, "inside %s", v);
            json_array_append_new(ids,
                                  json_integer(sqlite3_column_int64(s, 0)));
            json_array_append_new(how, json_string(why));
        }
    }
    sqlite3_finalize(s);
}

/* Indicators for a host (an address or a name) seen inside another value
 * (a URL, an e-mail address): "LABEL HOST: exact", "...: subdomain of X",
 * "...: inside CIDR". */
static void find_host(kz_store *st, const char *host, const char *label,
                      json_t *ids, json_t *how)
{
    json_t *hids = json_array(), *hhow = json_array();
    uint8_t a[16];
    int fam;
    size_t hl = strlen(host);
    const char *hp = host;
    if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
        hp++;
        hl -= 2;
    }
    if (kz_norm_ip(hp, hl, a, &fam, NULL) == KZ_OK) {
        char ip[64];
        size_t il;
        if (kz_ip_format(a, fam, ip, sizeof ip, &il) == KZ_OK)
            find_exact(st, fam == 6 ? KZ_T_IPV6 : KZ_T_IPV4, ip, hids, hhow,
                       "exact");
        find_cidr(st, a, fam, hids, hhow);
    } else {
        find_domain(st, host, hids, hhow, 1);
    }
    size_t k;
    json_t *x;
    json_array_foreach(hids, k, x)
    {
        char why[KZ_MAX_DOMAIN + 128];
        const char *w = json_string_value(json_array_get(hhow, k));
        snprintf(why, sizeof why, "%s %s: %s", label, host, w ? w : "");
        json_array_append(ids, x);
        json_array_append_new(how, json_string(why));
    }
    json_decref(hids);
    json_decref(hhow);
}

static kz_status q_search(kz_store *st, const char *value, json_t *o)
{
    size_t n = value ? strlen(value) : 0;
    if (n == 0 || n > KZ_MAX_VALUE)
        return kz_seterr(st->ctx, KZ_ERR_INVALID, "search: no value given");
    char *rf = kz_malloc(n + 1), *norm = kz_malloc(KZ_MAX_VALUE + 1);
    json_t *ids = json_array(), *how = json_array();
    if (!rf || !norm || !ids || !how) {
        kz_free(rf);
        kz_free(norm);
        json_decref(ids);
        json_decref(how);
        return KZ_ERR_NOMEM;
    }
    size_t rn = kz_refang(value, n, rf, n + 1);
    kz_type t = kz_guess_type(rf, rn);
    size_t len = 0;
    /* A host name without a public suffix ("intranet.corp", reserved
     * names) is still searched as one. */
    if (t == KZ_T_NONE &&
        kz_norm_domain(rf, rn, norm, KZ_MAX_VALUE + 1, &len) == KZ_OK)
        t = KZ_T_DOMAIN;
    len = 0;
    json_object_set_new(o, "query", json_string(value));
    json_object_set_new(o, "type", json_string(kz_type_name(t)));
    uint8_t a[16];
    int fam;
    uint16_t port;
    if (t != KZ_T_NONE &&
        kz_normalize(t, rf, rn, norm, KZ_MAX_VALUE + 1, &len) == KZ_OK) {
        json_object_set_new(o, "normalized", json_string(norm));
        switch (t) {
        case KZ_T_DOMAIN:
            find_domain(st, norm, ids, how, 1);
            break;
        case KZ_T_IPV4:
        case KZ_T_IPV6:
            find_exact(st, t, norm, ids, how, "exact");
            if (kz_norm_ip(rf, rn, a, &fam, &port) == KZ_OK)
                find_cidr(st, a, fam, ids, how);
            break;
        case KZ_T_URL: {
            find_exact(st, t, norm, ids, how, "exact");
            /* The URL's host: a domain indicator or an address. */
            const char *h = strstr(norm, "://");
            if (h) {
                h += 3;
                const char *at = strpbrk(h, "@/?");
                if (at && *at == '@')
                    h = at + 1;
                size_t hl = strcspn(h, "/?:");
                if (*h == '[')
                    hl = strcspn(h, "]") + 1;
                char host[KZ_MAX_DOMAIN + 3];
                if (hl < sizeof host) {
                    memcpy(host, h, hl);
                    host[hl] = '\0';
                    find_host(st, host, "URL host", ids, how);
                }
            }
            break;
        }
        case KZ_T_EMAIL: {
            find_exact(st, t, norm, ids, how, "exact");
            const char *at = strrchr(norm, '@');
            if (at)
                find_host(st, at + 1, "e-mail domain", ids, how);
            break;
        }
        case KZ_T_MD5:
        case KZ_T_SHA1:
        case KZ_T_SHA256: {
            /* A digest may also be a fingerprint or a thumbprint of the
             * same length, or an authentihash. */
            static const struct {
                kz_type digest, also;
                const char *why;
            } alike[] = {
                {KZ_T_MD5, KZ_T_JA3, "exact (ja3)"},
                {KZ_T_MD5, KZ_T_JA3S, "exact (ja3s)"},
                {KZ_T_SHA1, KZ_T_CERT_SHA1, "exact (certificate thumbprint)"},
                {KZ_T_SHA256, KZ_T_CERT_SHA256,
                 "exact (certificate thumbprint)"},
            };
            find_exact(st, t, norm, ids, how, "exact");
            for (size_t k = 0; k < sizeof alike / sizeof alike[0]; k++)
                if (alike[k].digest == t)
                    find_exact(st, alike[k].also, norm, ids, how, alike[k].why);
            find_exact(st, KZ_T_AUTHENTIHASH, norm, ids, how,
                       "exact (authentihash)");
            break;
        }
        default:
            find_exact(st, t, norm, ids, how, "exact");
            break;
        }
    } else {
        json_object_set_new(o, "normalized", json_null());
    }
    /* Types kept as written (file names, paths, registry keys, mutexes,
     * strings, user agents): compared without regard to case, as Windows
     * does (a scan: these are few and searched by hand). */
    int verbatim = t == KZ_T_NONE || t == KZ_T_FILENAME || t == KZ_T_FILEPATH ||
                   t == KZ_T_REGKEY;
    if (json_array_size(ids) == 0 || verbatim) {
        sqlite3_stmt *s = qprep(st, "SELECT id FROM indicator WHERE value=?1"
                                    " COLLATE NOCASE AND type IN (11,12,18,19,"
                                    "20,21)");
        if (s) {
            sqlite3_bind_text(s, 1, value, -1, SQLITE_TRANSIENT);
            while (sqlite3_step(s) == SQLITE_ROW) {
                json_int_t id = sqlite3_column_int64(s, 0);
                int seen = 0;
                size_t k;
                json_t *x;
                json_array_foreach(ids, k, x) seen |=
                    json_integer_value(x) == id;
                if (seen)
                    continue;
                json_array_append_new(ids, json_integer(id));
                json_array_append_new(how,
                                      json_string("same name, other case"));
            }
            sqlite3_finalize(s);
        }
    }
    json_t *matches = json_array();
    size_t k;
    json_t *x;
    json_array_foreach(ids, k, x)
    {
        json_t *ind = indicator_json(st, json_integer_value(x));
        if (!ind)
            continue;
        json_t *m = json_object();
        json_object_set(m, "match", json_array_get(how, k));
        json_object_set_new(m, "indicator", ind);
        json_array_append_new(matches, m);
    }
    json_object_set_new(o, "matches", matches);
    /* Warninglists that name the value (the judge uses them on hits). */
    json_t *wl = NULL;
    sqlite3_stmt *s = qprep(st, "SELECT w.name FROM warninglist_entry e JOIN"
                                " warninglist w ON w.id=e.list_id WHERE"
                                " e.value=?1 OR e.value=?2");
    if (s) {
        wl = json_array();
        sqlite3_bind_text(s, 1, value, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, len ? norm : value, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(wl, col_json(s, 0));
        sqlite3_finalize(s);
        json_object_set_new(o, "warninglists", wl);
    }
    json_decref(ids);
    json_decref(how);
    kz_free(rf);
    kz_free(norm);
    return KZ_OK;
}

kz_status kz_store_query_json(kz_store *st, const kz_store_query *q,
                              char **json)
{
    if (!st || !q || !json)
        return KZ_ERR_INVALID;
    *json = NULL;
    json_t *doc = NULL;
    kz_status r = KZ_OK;
    int64_t id = 0;
    switch (q->kind) {
    case KZ_Q_STATS:
        doc = json_object();
        r = q_stats(st, doc);
        break;
    case KZ_Q_ADVISORIES:
        r = rows(st,
                 "SELECT a.id, a.title, a.published AS published_time,"
                 " s.name AS source, a.url, (SELECT count(*) FROM provenance"
                 " p WHERE p.advisory_id=a.id) AS indicators,"
                 " (SELECT group_concat(t.name, ', ') FROM advisory_threat x"
                 " JOIN threat t ON t.id=x.threat_id WHERE x.advisory_id=a.id)"
                 " AS threats, l.time AS last_added_time FROM advisory a JOIN"
                 " source s ON s.id=a.source_id JOIN ingest l ON"
                 " l.id=a.last_add ORDER BY a.id",
                 0, 0, &doc);
        break;
    case KZ_Q_SOURCES: {
        json_t *srcs = NULL, *inputs = NULL;
        r = rows(st,
                 "SELECT s.id, s.name, (SELECT count(*) FROM provenance p"
                 " WHERE p.source_id=s.id) AS provenances, (SELECT count(*)"
                 " FROM advisory a WHERE a.source_id=s.id) AS advisories"
                 " FROM source s ORDER BY s.name",
                 0, 0, &srcs);
        if (r == KZ_OK)
            r = rows(st,
                     "SELECT i.id, i.feed, i.format, i.location,"
                     " lower(hex(i.sha256)) AS sha256, f.time AS"
                     " first_added_time, l.time AS last_added_time,"
                     " c.time AS last_changed_time, (SELECT count(*) FROM"
                     " provenance p WHERE p.input_id=i.id AND p.active=1) AS"
                     " active, (SELECT count(*) FROM provenance p WHERE"
                     " p.input_id=i.id AND p.active=0) AS inactive,"
                     " (SELECT count(*) FROM ingest g WHERE g.input_id=i.id)"
                     " AS adds FROM input i LEFT JOIN ingest f ON"
                     " f.id=i.first_add LEFT JOIN ingest l ON l.id=i.last_add"
                     " LEFT JOIN ingest c ON c.id=i.last_change ORDER BY"
                     " i.feed",
                     0, 0, &inputs);
        doc = json_object();
        json_object_set_new(doc, "sources", srcs ? srcs : json_array());
        json_object_set_new(doc, "feeds", inputs ? inputs : json_array());
        break;
    }
    case KZ_Q_THREATS:
        r = rows(
            st,
            "SELECT t.id, t.name, t.kind, (SELECT group_concat(alias, ', ')"
            " FROM threat_alias a WHERE a.threat_id=t.id AND a.alias<>"
            "t.name) AS aliases, (SELECT count(*) FROM provenance p"
            " WHERE p.threat_id=t.id) + (SELECT count(*) FROM"
            " provenance_threat p WHERE p.threat_id=t.id) AS indicators,"
            " (SELECT count(*) FROM advisory_threat x WHERE"
            " x.threat_id=t.id) AS advisories FROM threat t WHERE"
            " EXISTS(SELECT 1 FROM provenance p WHERE p.threat_id=t.id)"
            " OR EXISTS(SELECT 1 FROM provenance_threat p WHERE"
            " p.threat_id=t.id) OR EXISTS(SELECT 1 FROM advisory_threat"
            " x WHERE x.threat_id=t.id) OR t.kind IS NOT NULL"
            " ORDER BY t.name",
            0, 0, &doc);
        break;
    case KZ_Q_INDICATORS:
        r = q_indicators(st, q, &doc);
        break;
    case KZ_Q_INDICATOR:
        if ((r = parse_id(st, q->arg, &id)) != KZ_OK)
            break;
        doc = indicator_json(st, id);
        if (!doc)
            r = kz_seterr(st->ctx, KZ_ERR_NOTFOUND, "no indicator %lld",
                          (long long)id);
        break;
    case KZ_Q_ADVISORY:
        if ((r = parse_id(st, q->arg, &id)) != KZ_OK)
            break;
        doc = advisory_json(st, id, 1);
        if (!doc)
            r = kz_seterr(st->ctx, KZ_ERR_NOTFOUND, "no advisory %lld",
                          (long long)id);
        break;
    case KZ_Q_SEARCH:
        doc = json_object();
        r = q_search(st, q->arg, doc);
        break;
    case KZ_Q_WARNINGLISTS:
        r = rows(st,
                 "SELECT w.id, w.name, w.type, w.version, w.description,"
                 " (SELECT count(*) FROM warninglist_entry e WHERE"
                 " e.list_id=w.id) AS entries FROM warninglist w ORDER BY"
                 " w.name",
                 0, 0, &doc);
        break;
    default:
        r = KZ_ERR_INVALID;
    }
    if (r == KZ_OK && doc)
        *json = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0);
    json_decref(doc);
    if (r == KZ_OK && !*json)
        r = KZ_ERR_NOMEM;
    return r;
}

void kz_store_free_json(char *json)
{
    free(json);
}

/* Runs sql with ?1 = an integer id or a text name; adds the changes. */
static kz_status run_arg(kz_store *st, const char *sql, int64_t id,
                         const char *name, uint64_t *changes)
{
    sqlite3_stmt *s = qprep(st, sql);
    if (!s)
        return KZ_ERR_IO;
    if (name)
        sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return kz_store_err(st, "update");
    if (changes)
        *changes += (uint64_t)sqlite3_changes(st->db);
    return KZ_OK;
}

static kz_status finish(kz_store *st, kz_status r)
{
    if (r == KZ_OK)
        r = kz_store_bump_generation(st);
    if (r == KZ_OK)
        return kz_store_exec(st, "COMMIT");
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

kz_status kz_store_rm(kz_store *st, const char *what, const char *arg,
                      uint64_t *removed)
{
    if (!st || !what || !arg)
        return KZ_ERR_INVALID;
    uint64_t dummy = 0, hit = 0;
    if (!removed)
        removed = &dummy;
    *removed = 0;
    int64_t id = 0;
    const char *name = NULL;
    const char *sql;
    if (strcmp(what, "advisory") == 0 || strcmp(what, "indicator") == 0) {
        kz_status r = parse_id(st, arg, &id);
        if (r != KZ_OK)
            return r;
    } else {
        name = arg;
    }
    kz_status r = kz_store_exec(st, "BEGIN IMMEDIATE");
    if (r != KZ_OK)
        return r;
    if (strcmp(what, "advisory") == 0) {
        r = run_arg(st, "DELETE FROM provenance WHERE advisory_id=?1", id, NULL,
                    NULL);
        if (r == KZ_OK)
            r = run_arg(st,
                        "DELETE FROM provenance_threat WHERE advisory_id=?1",
                        id, NULL, NULL);
        sql = "DELETE FROM advisory WHERE id=?1";
    } else if (strcmp(what, "indicator") == 0) {
        r = run_arg(st, "DELETE FROM provenance WHERE indicator_id=?1", id,
                    NULL, NULL);
        if (r == KZ_OK)
            r = run_arg(st,
                        "DELETE FROM provenance_threat WHERE indicator_id=?1",
                        id, NULL, NULL);
        sql = "DELETE FROM indicator WHERE id=?1";
    } else if (strcmp(what, "feed") == 0) {
        r = run_arg(st,
                    "DELETE FROM provenance WHERE input_id=(SELECT id FROM"
                    " input WHERE feed=?1)",
                    0, name, NULL);
        if (r == KZ_OK)
            r = run_arg(st,
                        "DELETE FROM provenance_threat WHERE input_id=(SELECT"
                        " id FROM input WHERE feed=?1)",
                        0, name, NULL);
        if (r == KZ_OK)
            r = run_arg(st,
                        "DELETE FROM advisory WHERE input_id=(SELECT id FROM"
                        " input WHERE feed=?1) AND NOT EXISTS(SELECT 1 FROM"
                        " provenance p WHERE p.advisory_id=advisory.id)",
                        0, name, NULL);
        if (r == KZ_OK)
            r = run_arg(st,
                        "DELETE FROM warninglist WHERE input_id=(SELECT id"
                        " FROM input WHERE feed=?1)",
                        0, name, NULL);
        sql = "DELETE FROM input WHERE feed=?1";
    } else if (strcmp(what, "source") == 0) {
        r = run_arg(st,
                    "DELETE FROM provenance WHERE source_id=(SELECT id FROM"
                    " source WHERE name=?1)",
                    0, name, NULL);
        sql = "DELETE FROM source WHERE name=?1";
    } else if (strcmp(what, "warninglist") == 0) {
        sql = "DELETE FROM warninglist WHERE name=?1";
    } else {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return kz_seterr(st->ctx, KZ_ERR_INVALID,
                         "rm: '%s' is not advisory, indicator, feed, source or"
                         " warninglist",
                         what);
    }
    if (r == KZ_OK)
        r = run_arg(st, sql, id, name, &hit);
    if (r == KZ_OK && hit == 0)
        r = kz_seterr(st->ctx, KZ_ERR_NOTFOUND, "rm: no %s '%s'", what, arg);
    /* Indicators left without any provenance go. */
    if (r == KZ_OK)
        r = run_arg(st,
                    "DELETE FROM indicator WHERE NOT EXISTS(SELECT 1 FROM"
                    " provenance p WHERE p.indicator_id=indicator.id)",
                    0, NULL, removed);
    if (r == KZ_OK && strcmp(what, "indicator") == 0)
        *removed = hit;
    return finish(st, r);
}

kz_status kz_store_expire(kz_store *st, const char *what, const char *arg,
                          uint64_t *count)
{
    if (!st || !what || !arg)
        return KZ_ERR_INVALID;
    uint64_t dummy = 0;
    if (!count)
        count = &dummy;
    *count = 0;
    int64_t id = 0;
    const char *name = NULL;
    kz_time before = 0;
    const char *sql;
    kz_status r;
    if (strcmp(what, "indicator") == 0) {
        sql = "UPDATE provenance SET valid_until=strftime('%s') WHERE"
              " indicator_id=?1 AND (valid_until IS NULL OR"
              " valid_until>strftime('%s'))";
        r = parse_id(st, arg, &id);
    } else if (strcmp(what, "advisory") == 0) {
        sql = "UPDATE provenance SET valid_until=strftime('%s') WHERE"
              " advisory_id=?1 AND (valid_until IS NULL OR"
              " valid_until>strftime('%s'))";
        r = parse_id(st, arg, &id);
    } else if (strcmp(what, "feed") == 0) {
        sql = "UPDATE provenance SET valid_until=strftime('%s') WHERE"
              " input_id=(SELECT id FROM input WHERE feed=?1) AND"
              " (valid_until IS NULL OR valid_until>strftime('%s'))";
        name = arg;
        r = KZ_OK;
    } else if (strcmp(what, "before") == 0) {
        sql = "UPDATE provenance SET valid_until=strftime('%s') WHERE"
              " first_add IN (SELECT id FROM ingest WHERE time<?1) AND"
              " (valid_until IS NULL OR valid_until>strftime('%s'))";
        r = kz_time_parse(arg, strlen(arg), &before);
        if (r != KZ_OK)
            return kz_seterr(st->ctx, KZ_ERR_INVALID,
                             "expire --before: '%s' is not a date", arg);
        id = before;
    } else {
        return kz_seterr(st->ctx, KZ_ERR_INVALID,
                         "expire: '%s' is not indicator, advisory, feed or"
                         " before",
                         what);
    }
    if (r != KZ_OK)
        return r;
    if ((r = kz_store_exec(st, "BEGIN IMMEDIATE")) != KZ_OK)
        return r;
    r = run_arg(st, sql, id, name, count);
    return finish(st, r);
}
