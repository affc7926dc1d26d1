/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A recording kz_intel_sink for the MISP reader tests: every record it
 * gets becomes one line of text ("ioc sha256 VALUE port=0 ids=1 ..."), so
 * a test compares whole lines; unsupported things are counted per `what`.
 * Header-only, included by test_read_misp.c and test_read_warninglist.c.
 */
#ifndef KZ_TEST_MISP_SINK_H
#define KZ_TEST_MISP_SINK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizashi/intel.h"

#define REC_MAX 512

typedef struct recorder {
    char *line[REC_MAX];
    size_t n;
    char *what[64];
    unsigned long what_n[64];
    size_t nwhat;
    int stop_at; /* nonzero: the stop_at-th record returns KZ_ERR_ABORTED */
} recorder;

static inline void rec_reset(recorder *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->line[i]);
    for (size_t i = 0; i < r->nwhat; i++)
        free(r->what[i]);
    memset(r, 0, sizeof *r);
}

static inline const char *s_or(const char *s)
{
    return s ? s : "-";
}

/* The n strings of v joined with ',' ("-" when none). */
static inline void join(char *out, size_t cap, const char *const *v, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    if (n == 0)
        snprintf(out, cap, "-");
    for (size_t i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", v[i]);
}

static inline kz_status rec_add(recorder *r, const char *text)
{
    if (r->n == REC_MAX)
        return KZ_ERR_LIMIT;
    r->line[r->n++] = strdup(text);
    if (r->stop_at && (int)r->n == r->stop_at)
        return KZ_ERR_ABORTED;
    return KZ_OK;
}

static inline kz_status rec_advisory(void *ud, const kz_intel_advisory *a)
{
    char th[512], t[32], buf[2048];
    join(th, sizeof th, a->threats, a->nthreats);
    kz_time_format(a->published, t);
    snprintf(buf, sizeof buf,
             "advisory key=%s title=%s published=%s source=%s tlp=%s url=%s "
             "summary=%s threats=%s",
             s_or(a->key), s_or(a->title), t[0] ? t : "-", s_or(a->source),
             s_or(a->tlp), s_or(a->url), s_or(a->summary), th);
    return rec_add(ud, buf);
}

static inline kz_status rec_threat(void *ud, const kz_intel_threat *t)
{
    char al[512], buf[2048];
    join(al, sizeof al, t->aliases, t->naliases);
    snprintf(buf, sizeof buf, "threat %s kind=%s aliases=%s desc=%s", t->name,
             s_or(t->kind), al, s_or(t->description));
    return rec_add(ud, buf);
}

static inline kz_status rec_ioc(void *ud, const kz_intel_ioc *i)
{
    char tags[512], th[512], fs[32], ls[32], buf[4096];
    /* The reader hands values NUL-terminated. */
    if (!i->value || strlen(i->value) != i->value_len)
        return KZ_ERR_INVALID;
    join(tags, sizeof tags, i->tags, i->ntags);
    join(th, sizeof th, i->threats, i->nthreats);
    kz_time_format(i->first_seen, fs);
    kz_time_format(i->last_seen, ls);
    snprintf(buf, sizeof buf,
             "ioc %s %s port=%u ids=%d tlp=%s cat=%s comment=%s ref=%s "
             "fs=%s ls=%s tags=%s threats=%s",
             kz_type_name(i->type), i->value, i->port, i->to_ids, s_or(i->tlp),
             s_or(i->category), s_or(i->comment), s_or(i->ref),
             fs[0] ? fs : "-", ls[0] ? ls : "-", tags, th);
    return rec_add(ud, buf);
}

static inline kz_status rec_warninglist(void *ud, const kz_warninglist *w)
{
    char at[512], buf[2048];
    join(at, sizeof at, w->attributes, w->nattributes);
    snprintf(buf, sizeof buf,
             "warninglist %s type=%s version=%lld attrs=%s "
             "desc=%s",
             w->name, w->type, (long long)w->version, at, s_or(w->description));
    return rec_add(ud, buf);
}

static inline kz_status rec_entry(void *ud, const char *v, size_t n)
{
    char buf[1024];
    if (strlen(v) != n)
        return KZ_ERR_INVALID;
    snprintf(buf, sizeof buf, "entry %s", v);
    return rec_add(ud, buf);
}

static inline void rec_unsupported(void *ud, const char *what, uint64_t line)
{
    recorder *r = ud;
    (void)line;
    for (size_t i = 0; i < r->nwhat; i++)
        if (strcmp(r->what[i], what) == 0) {
            r->what_n[i]++;
            return;
        }
    if (r->nwhat < 64) {
        r->what[r->nwhat] = strdup(what);
        r->what_n[r->nwhat++] = 1;
    }
}

static inline kz_intel_sink rec_sink(recorder *r)
{
    kz_intel_sink s = {
        r,         rec_advisory,   rec_threat, rec_ioc, rec_warninglist,
        rec_entry, rec_unsupported};
    return s;
}

/* How often `what` was reported unsupported. */
static inline unsigned long rec_unsup(const recorder *r, const char *what)
{
    for (size_t i = 0; i < r->nwhat; i++)
        if (strcmp(r->what[i], what) == 0)
            return r->what_n[i];
    return 0;
}

/* The first line starting with prefix, or NULL. */
static inline const char *rec_find(const recorder *r, const char *prefix)
{
    for (size_t i = 0; i < r->n; i++)
        if (strncmp(r->line[i], prefix, strlen(prefix)) == 0)
            return r->line[i];
    return NULL;
}

/* Lines starting with prefix. */
static inline size_t rec_count(const recorder *r, const char *prefix)
{
    size_t c = 0;
    for (size_t i = 0; i < r->n; i++)
        c += strncmp(r->line[i], prefix, strlen(prefix)) == 0;
    return c;
}

/* Runs read over the text json (named name) into r's sink; KZ_ERR_IO when
 * the text cannot be opened as a stream. */
static inline kz_status rec_run(kz_read_fn read, kz_ctx *ctx, recorder *r,
                                const char *json, const char *name)
{
    FILE *f = fmemopen((void *)json, strlen(json), "r");
    if (!f)
        return KZ_ERR_IO;
    kz_read_opts o = {name, KZ_T_NONE, NULL};
    kz_intel_sink s = rec_sink(r);
    kz_status st = read(ctx, f, &o, &s);
    fclose(f);
    return st;
}

#endif /* KZ_TEST_MISP_SINK_H */
