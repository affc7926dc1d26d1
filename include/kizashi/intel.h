/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kizashi intel: the readers that turn advisories and feeds into
 * indicators. The extractor finds indicators in free text (plain, Markdown,
 * HTML; English and Japanese; defanged or not), refangs and normalizes them
 * with the core functions, and tells indicators apart from references (the
 * advisory's own links, well-known benign sites). It streams: memory is
 * bounded by kizashi/limits.h whatever the input size.
 */
#ifndef KIZASHI_INTEL_H
#define KIZASHI_INTEL_H

#include <stdio.h>

#include "kizashi/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an extracted value looks like in its context. */
typedef enum kz_ioc_class {
    KZ_CLASS_INDICATOR = 0, /* something to hunt for or block */
    KZ_CLASS_REFERENCE = 1  /* a source link or well-known benign value */
} kz_ioc_class;

/* "indicator" or "reference". */
const char *kz_ioc_class_name(kz_ioc_class c);

/* One extracted value, handed to the callback; every pointer is borrowed
 * for the duration of the call. */
typedef struct kz_extracted {
    kz_type type;
    const char *value; /* canonical form (kz_normalize), NUL-terminated */
    size_t value_len;
    const char *raw; /* as written (after HTML entity decoding) */
    size_t raw_len;
    uint64_t line;    /* 1-based line of the first byte in the input */
    uint64_t column;  /* 1-based column, in characters (code points) */
    uint64_t offset;  /* byte offset in the input (0 for HTML input) */
    uint16_t port;    /* port written with an IPv4 address or host name
                         ("1.2.3.4:443", "evil.com:8080"); 0: none. A URL
                         keeps a non-default port in its value. */
    kz_ioc_class cls; /* indicator or reference */
    const char *why;  /* reason for a reference (static string), or NULL */
    int defanged;     /* 1 when the writer defanged this occurrence */
} kz_extracted;

/* Receives each extracted value; return nonzero to stop the extraction
 * (kz_extractor_feed then returns KZ_ERR_ABORTED). */
typedef int (*kz_extract_fn)(void *ud, const kz_extracted *e);

typedef enum kz_text_format {
    KZ_TEXT_AUTO = 0,  /* decided from the first bytes */
    KZ_TEXT_PLAIN = 1, /* plain text, Markdown, AsciiDoc */
    KZ_TEXT_HTML = 2   /* HTML: tags stripped, entities decoded */
} kz_text_format;

#define KZ_EXTRACT_OPTS_VERSION 1
typedef struct kz_extract_opts {
    unsigned version;       /* KZ_EXTRACT_OPTS_VERSION */
    kz_typeset types;       /* types to report; 0 means all. Naming the
                               context-only types (cve, asn) here reports
                               them even without include_references */
    int include_references; /* also report values classed as references */
    int all_occurrences;    /* report every occurrence, not once a value */
    kz_text_format format;  /* input format */
    const char *input_name; /* for messages; NULL means "-" */
} kz_extract_opts;
#define KZ_EXTRACT_OPTS_INIT                                                   \
    {                                                                          \
        KZ_EXTRACT_OPTS_VERSION, 0, 0, 0, KZ_TEXT_AUTO, NULL                   \
    }

/* Counters of one extraction, for the summary. */
typedef struct kz_extract_stats {
    uint64_t bytes;        /* input bytes consumed */
    uint64_t lines;        /* lines seen */
    uint64_t found;        /* values reported */
    uint64_t references;   /* values classed as references */
    uint64_t duplicates;   /* occurrences not reported again */
    uint64_t invalid_utf8; /* invalid UTF-8 bytes (read as spaces) */
    uint64_t nul_bytes;    /* NUL bytes (treated as separators) */
    uint64_t long_lines;   /* lines longer than KZ_MAX_LINE */
} kz_extract_stats;

typedef struct kz_extractor kz_extractor;

/* Creates an extractor for one input. opts may be NULL (defaults). fn is
 * called for every value found. Ownership goes to the caller. Warnings
 * (invalid UTF-8, NUL bytes, over-long lines, YARA rules left open) go to the
 * context's diagnostics callback naming the input, line and column. */
kz_status kz_extractor_new(kz_ctx *ctx, const kz_extract_opts *opts,
                           kz_extract_fn fn, void *ud, kz_extractor **out);
/* Feeds the next n bytes of the input (any split is fine). */
kz_status kz_extractor_feed(kz_extractor *x, const void *buf, size_t n);
/* Ends the input: flushes the last line and pending multi-line items. */
kz_status kz_extractor_finish(kz_extractor *x);
/* Counters so far; borrowed until kz_extractor_free. */
const kz_extract_stats *kz_extractor_stats(const kz_extractor *x);
/* Frees the extractor; NULL is harmless. */
void kz_extractor_free(kz_extractor *x);

/* ---- structured intel: what every reader produces ------------------------
 * A reader parses one input (a file, or a folder for a MISP feed) and hands
 * its records to a kz_intel_sink, in input order. It never touches the
 * store: the store's sink refangs and normalizes each value (kz_normalize),
 * resolves threat names through their aliases, and keeps the provenance.
 * Every pointer in a record is borrowed for the duration of the call. A
 * sink call that returns anything but KZ_OK stops the reader, which returns
 * that status. A reader that meets malformed input returns KZ_ERR_PARSE
 * with a message "NAME:LINE:COLUMN: what" set on the context (line and
 * column 1-based; ":LINE" alone when the column is unknown); what it
 * emitted before is then thrown away by the caller (an ingest is one
 * transaction). */

/* kz_time and kz_time_parse are in kizashi/core.h. */

/* The type a lone value most likely has: an IPv4 or IPv6 address (a port
 * is allowed), a CIDR, a URL (with a scheme), an e-mail address, an MD5,
 * SHA-1, SHA-256 or SHA-512 digest (by its hex length), a CVE id, a
 * Windows or Unix path, a registry key, a host name with a public suffix,
 * a file name with a known extension; KZ_T_NONE when none fits. The value
 * is taken as written (refang first for defanged text). */
kz_type kz_guess_type(const char *s, size_t n);

/* An advisory: a report, a MISP event, a STIX report object. The records
 * that follow belong to it until the next advisory (or the input's end). */
typedef struct kz_intel_advisory {
    const char *key;   /* stable id in its source (MISP event uuid, STIX
                          report id); NULL: the store derives one */
    const char *title; /* NULL: the input's name */
    kz_time published; /* 0: unknown */
    const char *url, *summary, *impact, *assessment, *mitigation; /* nullable */
    const char *source; /* who published it (MISP Orgc, STIX created_by);
                           NULL: the input's source */
    const char *tlp;    /* "clear", "green", "amber", "amber+strict", "red" */
    const char *const *threats; /* threat names it is about */
    size_t nthreats;
} kz_intel_advisory;

/* A threat (malware family, actor, campaign, tool) with its other names:
 * the store merges threats that share a name or alias, case-insensitively
 * (Qbot = QakBot = Pinkslipbot). */
typedef struct kz_intel_threat {
    const char *name;
    const char *kind; /* "malware", "actor", "campaign", "tool"; nullable */
    const char *const *aliases;
    size_t naliases;
    const char *description; /* nullable */
} kz_intel_threat;

/* One indicator as published. Fields a format lacks stay 0 / NULL (-1 for
 * confidence and to_ids). */
typedef struct kz_intel_ioc {
    kz_type type;
    const char *value; /* as published; the store refangs and normalizes */
    size_t value_len;
    uint16_t port;  /* a port given beside an address ("ip-dst|port") */
    int confidence; /* 0..100; -1: unknown */
    const char *tlp;
    const char *const *tags;
    size_t ntags;
    const char *const *threats; /* threat names (the advisory's are added) */
    size_t nthreats;
    const char *comment;  /* description, Loki comment, MISP comment */
    const char *category; /* "malicious", "vulnerable driver", MISP category */
    const char *source;   /* per-record source (a CSV "source" column);
                             NULL: the advisory's or the input's */
    const char *ref;      /* its id in the input (STIX id, MISP uuid) */
    kz_time first_seen, last_seen, valid_from, valid_until;
    int to_ids;    /* 1 for detection, 0 context only (MISP), -1 unknown */
    int score;     /* Loki score, 0..100; -1: none */
    uint64_t line; /* where it is in the input (for messages); 0: unknown */
} kz_intel_ioc;

/* A MISP warninglist: known-benign values, kept apart from indicators and
 * used by the judge. Its entries follow as wl_entry calls. */
typedef struct kz_warninglist {
    const char *name;
    const char *description; /* nullable */
    const char *type; /* "string", "hostname", "cidr", "substring", "regex" */
    int64_t version;
    const char *const *attributes; /* matching_attributes */
    size_t nattributes;
} kz_warninglist;

typedef struct kz_intel_sink {
    void *ud;
    kz_status (*advisory)(void *ud, const kz_intel_advisory *a);
    kz_status (*threat)(void *ud, const kz_intel_threat *t);
    kz_status (*ioc)(void *ud, const kz_intel_ioc *i);
    kz_status (*warninglist)(void *ud, const kz_warninglist *w);
    kz_status (*wl_entry)(void *ud, const char *v, size_t n);
    /* Something valid that kizashi cannot represent (a STIX pattern
     * operator, a MISP attribute type): counted per `what` and reported,
     * never dropped silently. line 0: unknown. */
    void (*unsupported)(void *ud, const char *what, uint64_t line);
} kz_intel_sink;

typedef enum kz_intel_format {
    KZ_FMT_AUTO = 0,
    KZ_FMT_TEXT = 1,         /* advisory: plain text, Markdown, HTML */
    KZ_FMT_STIX = 2,         /* STIX 2.x bundle (JSON) */
    KZ_FMT_MISP = 3,         /* MISP event JSON */
    KZ_FMT_MISP_FEED = 4,    /* a folder with manifest.json and event files */
    KZ_FMT_CSV = 5,          /* CSV with or without a header */
    KZ_FMT_LIST = 6,         /* one value per line */
    KZ_FMT_LOKI = 7,         /* Loki / signature-base IoC files */
    KZ_FMT_OPENIOC = 8,      /* OpenIOC 1.x XML */
    KZ_FMT_LOLDRIVERS = 9,   /* LOLDrivers YAML, JSON or CSV */
    KZ_FMT_WARNINGLIST = 10, /* MISP warninglist JSON */
    KZ_FMT_COUNT_ = 11
} kz_intel_format;

/* "text", "stix", "misp", "misp-feed", "csv", "list", "loki", "openioc",
 * "loldrivers", "warninglist"; "auto" for KZ_FMT_AUTO. */
const char *kz_intel_format_name(kz_intel_format f);
/* The format named by s (the names above); KZ_FMT_AUTO when unknown. */
kz_intel_format kz_intel_format_from_name(const char *s);
/* The format of an input from its name and first bytes (head, n; up to
 * 64 KiB is enough). Never KZ_FMT_AUTO: KZ_FMT_TEXT when nothing else fits. */
kz_intel_format kz_intel_detect(const char *name, const void *head, size_t n);

typedef struct kz_read_opts {
    const char *name; /* input name for messages ("-" for stdin) */
    kz_type type;     /* lists: the type of every value (0: guess each) */
    const char *map;  /* CSV: "COLUMN=FIELD,..." overriding the guesses, FIELD
                         a type name or value|type|threat|source|comment|
                         first_seen|last_seen|confidence|tags|ignore; COLUMN
                         a header name or a 1-based number */
} kz_read_opts;

/* The readers. f is read from its current position to its end; memory is
 * bounded whatever the input's size (records are handed over one by one,
 * JSON arrays of objects are read one element at a time). */
kz_status kz_read_text(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink);
kz_status kz_read_stix(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink);
kz_status kz_read_misp(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink);
/* dir holds manifest.json and <uuid>.json event files. */
kz_status kz_read_misp_feed(kz_ctx *ctx, const char *dir, const kz_read_opts *o,
                            const kz_intel_sink *sink);
kz_status kz_read_csv(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                      const kz_intel_sink *sink);
kz_status kz_read_list(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink);
kz_status kz_read_loki(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink);
kz_status kz_read_openioc(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                          const kz_intel_sink *sink);
kz_status kz_read_loldrivers(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                             const kz_intel_sink *sink);
kz_status kz_read_warninglist(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                              const kz_intel_sink *sink);

/* The reader of a format that reads a stream: one of the above, from the
 * table of readers (a new format is one reader and one line there). NULL
 * for KZ_FMT_MISP_FEED (a folder: kz_read_misp_feed) and KZ_FMT_AUTO. */
typedef kz_status (*kz_read_fn)(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                                const kz_intel_sink *sink);
kz_read_fn kz_intel_reader(kz_intel_format f);

/* ---- the store --------------------------------------------------------------
 * An SQLite database (WAL, foreign keys on, schema version checked) holding
 * advisories, sources, inputs (each file or feed that was added, with the
 * digest of its last content), threats with their aliases, indicators (one
 * row per type and normalized value) and their provenances (which input,
 * advisory and source gave it, when first and last, with what context),
 * plus warninglists. See docs/formats.md for the schema. One kz_store is
 * used by one thread; several processes may share a database: writers take
 * turns (an add waits up to KZ_STORE_BUSY_MS for another to finish). */

/* The schema version this kizashi writes; a database of a newer version
 * is refused (KZ_ERR_VERSION). */
#define KZ_STORE_SCHEMA 2

typedef struct kz_store kz_store;

/* The database path: $KIZASHI_HOME/intel.db, else
 * $XDG_DATA_HOME/kizashi/intel.db, else ~/.local/share/kizashi/intel.db.
 * KZ_ERR_NOTFOUND when none of the variables is set. */
kz_status kz_store_default_path(char *out, size_t cap);

/* Opens (creating it and its directory when create is nonzero and it does
 * not exist; migrating an older schema) the database at path. */
kz_status kz_store_open(kz_ctx *ctx, const char *path, int create,
                        kz_store **out);
void kz_store_close(kz_store *st);

/* One input to add. */
typedef struct kz_store_input {
    const char *name;   /* as given (path or "-"), for messages */
    const char *feed;   /* identity of the input across versions; NULL: the
                           base name of name ("stdin" for "-") */
    const char *source; /* default source name; NULL: feed */
    kz_intel_format format;
    const uint8_t *sha256; /* digest of the content (32 bytes), nullable:
                              when it equals the feed's last content, the
                              reader is not run, only last-seen changes */
    int dry_run;           /* run everything, then roll back */
    const char *threat;    /* a threat every record of the input is about
                              (nullable); advisories without threats also
                              get those their title names */
} kz_store_input;

/* Reads the input into sink (a kz_read_* call with its arguments). */
typedef kz_status (*kz_store_reader_fn)(void *ud, const kz_intel_sink *sink);

/* What an add did. */
typedef struct kz_store_add_result {
    int unchanged;            /* same content as last time: nothing read */
    uint64_t records;         /* indicator records read */
    uint64_t indicators;      /* indicators stored or seen again */
    uint64_t new_indicators;  /* of which new to the store */
    uint64_t new_provenances; /* new (indicator, input, advisory) links */
    uint64_t rejected;        /* values that failed normalization */
    uint64_t inactive;        /* provenances no longer in this feed */
    uint64_t advisories, threats, warninglist_entries;
    int64_t add_id;
    /* Counts of what could not be represented, or rejected, by kind. */
    struct kz_store_count {
        char *what;
        uint64_t count;
    } * unsupported;
    size_t nunsupported;
} kz_store_add_result;
void kz_store_add_result_free(kz_store_add_result *r);

/* Adds one input in one transaction: everything or, on any error (the
 * reader's KZ_ERR_PARSE included), nothing. */
kz_status kz_store_add(kz_store *st, const kz_store_input *in,
                       kz_store_reader_fn read, void *ud,
                       kz_store_add_result *res);

/* Queries answer with a JSON document (malloc'd, NUL-terminated, freed with
 * kz_store_free_json) so that the human and the --json output show the
 * same facts. Fields are listed in docs/formats.md. */
typedef enum kz_store_query_kind {
    KZ_Q_STATS = 0,       /* counts per type, source, format; database size */
    KZ_Q_ADVISORIES = 1,  /* every advisory with its counts */
    KZ_Q_SOURCES = 2,     /* sources and inputs (feeds) */
    KZ_Q_THREATS = 3,     /* threats with aliases and counts */
    KZ_Q_INDICATORS = 4,  /* indicators (filtered by the options) */
    KZ_Q_INDICATOR = 5,   /* one indicator by id, with every provenance */
    KZ_Q_ADVISORY = 6,    /* one advisory by id, with its indicators */
    KZ_Q_SEARCH = 7,      /* a value: every indicator it is or falls under */
    KZ_Q_WARNINGLISTS = 8 /* warninglists and their sizes */
} kz_store_query_kind;

typedef struct kz_store_query {
    kz_store_query_kind kind;
    const char *arg;      /* id (INDICATOR, ADVISORY) or value (SEARCH) */
    kz_typeset types;     /* INDICATORS: 0 = all */
    int64_t advisory_id;  /* INDICATORS: 0 = any */
    const char *source;   /* INDICATORS: source name, NULL = any */
    int include_inactive; /* INDICATORS: also vanished and expired ones */
    uint64_t limit;       /* INDICATORS: 0 = no limit */
} kz_store_query;

kz_status kz_store_query_json(kz_store *st, const kz_store_query *q,
                              char **json);
void kz_store_free_json(char *json);

/* Removes an advisory ("advisory", id), an input with everything only it
 * gave ("feed", name), a source ("source", name), a warninglist
 * ("warninglist", name), or an indicator ("indicator", id). *removed gets
 * the number of indicators that no longer have any provenance and were
 * deleted. One transaction. */
kz_status kz_store_rm(kz_store *st, const char *what, const char *arg,
                      uint64_t *removed);

/* Marks as expired now (valid_until = now): an indicator ("indicator",
 * id), an advisory's indicators ("advisory", id), a feed's ("feed", name);
 * or ("before", DATE) every provenance first added before DATE. Expired
 * provenances stay (a retro-hunt still finds them, saying so) but are not
 * active. *count gets the provenances changed. */
kz_status kz_store_expire(kz_store *st, const char *what, const char *arg,
                          uint64_t *count);

/* ---- export: the indicators a prevention tool gets -----------------------
 * The same set `kizashi compile` puts in the index, without the expired:
 * indicators with at least one provenance that is active (still in its
 * feed) and not expired (valid_until none, 0 or after now). Their context
 * comes from those provenances only. */

#define KZ_STORE_FILTER_VERSION 1
typedef struct kz_store_filter {
    unsigned version;            /* KZ_STORE_FILTER_VERSION */
    const int64_t *advisory_ids; /* only provenances of these advisories */
    size_t nadvisory_ids;        /* 0: any advisory (and none) */
    kz_typeset types;            /* 0: every type */
    int min_confidence;          /* -1: no floor; else the highest
                                    confidence must be at least this, and
                                    indicators of unknown confidence are
                                    left out */
    kz_time now;                 /* expiry is judged at now; 0: the
                                    current time */
} kz_store_filter;
#define KZ_STORE_FILTER_INIT                                                   \
    {                                                                          \
        KZ_STORE_FILTER_VERSION, NULL, 0, 0, -1, 0                             \
    }

/* One indicator with its context; every pointer is borrowed for the call.
 * Lists are ", "-joined distinct names ("" when none), bounded (a name
 * that does not fit is left out). */
typedef struct kz_store_indicator {
    int64_t id; /* the store's indicator id: stable while it is stored */
    kz_type type;
    const char *value; /* canonical, NUL-terminated */
    size_t value_len;
    const char *threats, *advisories, *advisory_ids, *sources;
    int confidence;      /* highest; -1 unknown */
    kz_time first_seen;  /* first added to the store */
    kz_time last_seen;   /* last added (seen again in a feed) */
    kz_time valid_until; /* latest end of validity; 0 none */
} kz_store_indicator;

/* Calls fn for every such indicator passing the filter (f NULL: no
 * filter), in id order, in one read transaction. A nonzero return from fn
 * stops the walk: KZ_ERR_ABORTED. *skipped (nullable) gets the number of
 * active indicators left out by the types or confidence filter. */
kz_status kz_store_each_indicator(kz_store *st, const kz_store_filter *f,
                                  int (*fn)(void *ud,
                                            const kz_store_indicator *i),
                                  void *ud, uint64_t *skipped);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_INTEL_H */
