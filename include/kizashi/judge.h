/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kizashi judge: whether a hit is to be trusted, how much it matters, and
 * what the sweeps saw over time.
 *
 *  - Known false positives. MISP warninglists (kept in the store by
 *    `intel add`) and the local allowlist (`kizashi allow`, with who, when
 *    and why) name values that are not threats: a public DNS resolver, a
 *    top site, RFC 1918 space. An indicator that falls in one is flagged
 *    when it is ingested and compiled; a hit on it, or on an observed value
 *    that falls in one, is suppressed: counted and shown on demand, never
 *    silently lost.
 *  - Severity, from the indicator's confidence, its threat, the kind of
 *    value and how it matched; an indicator whose validity ended before the
 *    event still matches (a retro-hunt) and says so.
 *  - Sightings: the hits of every sweep kept in the store (which indicator,
 *    on which host, where, first and last time), so a sweep repeated as
 *    new intel arrives says what is new, and a report says "since when".
 *
 * Matching a value against a list (warninglist entry or allowlist entry E,
 * value V of type t, both canonical):
 *   - E equal to V (host names, e-mail addresses in any case);
 *   - E a host name (warninglist type "hostname", or an allowlisted domain):
 *     V a domain equal to E or under it, a URL or e-mail address whose host
 *     is; for warninglists only names of the same owner (not across a
 *     public suffix: cloudfront.net does not name d1.cloudfront.net), and
 *     a URL only when it is the site's root; an entry ".zone" names the
 *     zone only (dynamic DNS providers);
 *   - E a CIDR or an address: V an address inside it, a CIDR inside it, a
 *     URL whose host is such an address;
 *   - warninglist type "substring": E inside V (any case);
 *   - warninglist type "regex" lists are not applied (counted).
 */
#ifndef KIZASHI_JUDGE_H
#define KIZASHI_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/core.h"
#include "kizashi/evidence.h"
#include "kizashi/index.h"
#include "kizashi/intel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- known false positives --------------------------------------------- */

typedef struct kz_judge kz_judge;

/* Loads the store's warninglists and its allowlist entries that have not
 * expired at now (0: the current time) into memory. */
kz_status kz_judge_load(kz_store *st, kz_time now, kz_judge **out);
void kz_judge_free(kz_judge *j);

/* What kz_judge_load took in. */
typedef struct kz_judge_info {
    uint64_t warninglists, warninglist_entries, allow_entries;
    uint64_t regex_lists; /* warninglists of type regex: not applied */
} kz_judge_info;
void kz_judge_get_info(const kz_judge *j, kz_judge_info *out);

/* 1 when a warninglist or the allowlist names the canonical value v (n
 * bytes) of type t, with why (cap bytes, NUL-terminated) set to
 * "warninglist: NAME" or "allowlist: REASON (WHO, DATE)"; the allowlist is
 * looked at first. 0 when none does (why set to ""). */
int kz_judge_check(const kz_judge *j, kz_type t, const char *v, size_t n,
                   char *why, size_t cap);

/* Calls fn for every indicator that an ingest (add_id, as
 * kz_store_add_result.add_id; 0: any) gave or saw again and that a
 * warninglist or the allowlist names, with why; returns the number of
 * such indicators in *flagged. `intel add` tells them at once. */
kz_status kz_judge_ingest(kz_store *st, const kz_judge *j, int64_t add_id,
                          void (*fn)(void *ud, kz_type t, const char *value,
                                     const char *why),
                          void *ud, uint64_t *flagged);

/* ---- the allowlist -------------------------------------------------------
 * Kept in the store (table allow_entry, docs/formats.md); every change
 * bumps the store's generation, so the next hunt compiles the index
 * again. */

typedef struct kz_allow_entry {
    int64_t id;
    kz_type type;
    const char *value; /* canonical */
    const char *reason;
    const char *who;
    kz_time created;
    kz_time expires; /* 0: never */
} kz_allow_entry;

/* Adds value (as written: refanged and normalized here) of type t
 * (KZ_T_NONE: guessed with kz_guess_type) with a reason (required, not
 * empty), who (NULL: $USER, or "unknown") and an expiry (0: never). A value
 * already listed gets the new reason, who and expiry. *id (nullable) gets
 * the entry's id. KZ_ERR_INVALID for an empty reason or a value that does
 * not parse as its type. */
kz_status kz_allow_add(kz_store *st, kz_type t, const char *value, size_t n,
                       const char *reason, const char *who, kz_time expires,
                       int64_t *id);
/* Removes the entry with this id (a decimal number) or this value (as
 * written: normalized first, any type). *removed gets the number of
 * entries removed (0 is not an error). */
kz_status kz_allow_rm(kz_store *st, const char *id_or_value, unsigned *removed);
/* Calls fn for every entry, by id; a nonzero return from fn stops the walk
 * and is returned as KZ_ERR_ABORTED. Strings are borrowed for the call. */
kz_status kz_allow_each(kz_store *st,
                        int (*fn)(void *ud, const kz_allow_entry *e), void *ud);

/* ---- verdicts ------------------------------------------------------------ */

typedef enum kz_level {
    KZ_LEVEL_LOW = 1,
    KZ_LEVEL_MEDIUM = 2,
    KZ_LEVEL_HIGH = 3,
    KZ_LEVEL_CRITICAL = 4
} kz_level;
/* "low", "medium", "high", "critical". */
const char *kz_level_name(kz_level l);

/* The judge's verdict on one hit (kz_log_hit.verdict). */
typedef struct kz_verdict {
    int score;      /* 0..100 (ECS event.severity) */
    kz_level level; /* from score: low < 40 <= medium < 70 <= high < 90 <=
                       critical */
    int suppressed; /* a known false positive */
    char why[256];  /* what names it ("warninglist: NAME", "allowlist:
                       REASON (WHO, DATE)"), "" when not suppressed */
    int expired;    /* the indicator's validity ended before the event
                       (before now when the event's time is unknown) */
    kz_time expired_at;
    int is_new; /* 1 first sighting of this (indicator, host, input,
                   location, observed), 0 seen by an earlier sweep, -1
                   unknown (no sightings kept) */
} kz_verdict;

/* Judges a hit: suppression by the indicator's flag in the index (set at
 * compile time) or by the observed value (j nullable: no observed check);
 * expiry against the event's time (now when unknown; now 0: the current
 * time); score and level. v->is_new is set to -1. */
void kz_judge_hit(const kz_judge *j, const kz_log_hit *h, kz_time now,
                  kz_verdict *v);

/* The score: 0.6 x the indicator's confidence (50 when unknown), plus 30
 * for an exact digest, authentihash, certificate thumbprint or signer, 25
 * for a YARA rule, 20 for another exact value (address, host name, URL,
 * e-mail, JA3, ...), 10 for a host under a domain indicator, 5 for a
 * literal string in a line, 0 for CIDR containment and file names or
 * paths (names are cheap to reuse); plus 10 when a threat is named; at most
 * 100. An expired indicator's hit is at most 30 (low). So a high-confidence
 * (90) hash of a named threat is critical (94), an address of unknown
 * confidence medium (60), a file name of a feed without confidence low
 * (30). */
int kz_judge_score(const kz_index_entry *ind, kz_type obs_type,
                   kz_match_kind how, int expired);

/* ---- sightings -----------------------------------------------------------
 * A sweep (table sweep: host, paths, start, end, counts) and its hits
 * (table sighting, one row per indicator, host, input, archive member and
 * observed value, with the first and last sweep and event time, the
 * sweeps that saw it, and the hits and first and last line of the last
 * one). Gathered in memory, written in one transaction at the end (or
 * whenever many are held); a sweep that did not finish keeps what it
 * wrote and no end time. */

typedef struct kz_sweep kz_sweep;

/* Starts a sweep on host (NULL: this machine's name) over paths (a
 * description, e.g. the operands joined by spaces). */
kz_status kz_sweep_begin(kz_store *st, const char *host, const char *paths,
                         kz_sweep **out);
/* Records a hit whose indicator has a store id (others are ignored) and
 * sets v->is_new (v nullable). */
kz_status kz_sweep_record(kz_sweep *sw, const kz_log_hit *h, kz_verdict *v);
/* Ends the sweep: stores its counts and end time, commits. Frees sw. */
kz_status kz_sweep_end(kz_sweep *sw, uint64_t files, uint64_t bytes,
                       uint64_t hits, uint64_t suppressed);
/* Frees sw without ending it (after an error). */
void kz_sweep_abort(kz_sweep *sw);
/* The id of the sweep. */
int64_t kz_sweep_id(const kz_sweep *sw);

/* ---- per-advisory report -------------------------------------------------
 * For each advisory: its facts, and are we affected, where, since when,
 * from the sightings. Verdicts: "affected" (a sighting that is not
 * suppressed), "not affected" (a sweep started after the advisory was
 * added, so one that looked for its indicators, finished and saw nothing
 * that counts), "not swept" (no such sweep, or no indicator to look for).
 * The report is one JSON document (schema in docs/formats.md); the sinks
 * render it (kz_report_write). Everything is bounded: */
#define KZ_REPORT_MAX_SIGHTINGS 1000   /* listed per advisory (all counted) */
#define KZ_REPORT_MAX_NOT_SEEN 100     /* indicators not seen, listed */
#define KZ_REPORT_MAX_ADVISORIES 10000 /* in a report of all advisories */

#define KZ_REPORT_OPTS_VERSION 1
typedef struct kz_report_opts {
    unsigned version;          /* KZ_REPORT_OPTS_VERSION */
    const int64_t *advisories; /* these advisories, in this order */
    size_t n_advisories;       /* 0: every advisory, by id */
    int show_suppressed;       /* list suppressed sightings (always
                                  counted) */
    size_t max_sightings;      /* 0: KZ_REPORT_MAX_SIGHTINGS */
    size_t max_not_seen;       /* 0: KZ_REPORT_MAX_NOT_SEEN */
    kz_time now;               /* "generated"; 0: the current time */
    int only_affected;         /* keep only the affected entries in the
                                  document (the summary still counts all) */
} kz_report_opts;
#define KZ_REPORT_OPTS_INIT                                                    \
    {                                                                          \
        KZ_REPORT_OPTS_VERSION, NULL, 0, 0, 0, 0, 0, 0                         \
    }

/* The verdicts of a report. */
typedef struct kz_report_counts {
    uint64_t advisories, affected, not_affected, not_swept;
} kz_report_counts;

/* Builds the report (o NULL: defaults) as JSON text (UTF-8, NUL-terminated)
 * in *json, owned by the caller (kz_report_free); *counts (nullable) gets
 * the verdicts. KZ_ERR_NOTFOUND for an advisory id not in the store,
 * KZ_ERR_NOMEM, or a store error; *json is NULL then. Reads the store in
 * one transaction. */
kz_status kz_report_build(kz_store *st, const kz_report_opts *o, char **json,
                          kz_report_counts *counts);
/* Frees what kz_report_build returned; NULL is harmless. */
void kz_report_free(char *json);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_JUDGE_H */
