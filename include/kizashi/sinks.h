/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kizashi sinks: where results go. Every writer escapes for its target:
 * TSV and the terminal get control characters as \xNN, CSV is RFC 4180
 * quoted (and guarded against spreadsheet formulas), JSON is escaped per RFC
 * 8259, STIX patterns quote and escape their string literals.
 */
#ifndef KIZASHI_SINKS_H
#define KIZASHI_SINKS_H

#include <stdio.h>

#include "kizashi/core.h"
#include "kizashi/evidence.h"
#include "kizashi/intel.h"
#include "kizashi/judge.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kz_ioc_format {
    KZ_IOC_TSV = 0,  /* type, value, line (header-less, one per line) */
    KZ_IOC_JSON = 1, /* JSON Lines, schema in docs/formats.md */
    KZ_IOC_CSV = 2,  /* RFC 4180 with a header row */
    KZ_IOC_STIX = 3  /* one STIX 2.1 bundle */
} kz_ioc_format;

/* Parses "tsv", "json", "csv", "stix"; -1 when unknown. */
int kz_ioc_format_from_name(const char *name);

#define KZ_IOC_WRITER_OPTS_VERSION 1
typedef struct kz_ioc_writer_opts {
    unsigned version; /* KZ_IOC_WRITER_OPTS_VERSION */
    kz_ioc_format format;
    int defang;     /* tsv, csv: print values defanged; json: add
                       "defanged_value" ("value" stays canonical);
                       stix: ignored (patterns need the real value) */
    int with_input; /* tsv, csv: add the input name column (several
                       inputs); json always has "input" */
} kz_ioc_writer_opts;
#define KZ_IOC_WRITER_OPTS_INIT                                                \
    {                                                                          \
        KZ_IOC_WRITER_OPTS_VERSION, KZ_IOC_TSV, 0, 0                           \
    }

typedef struct kz_ioc_writer kz_ioc_writer;

/* Creates a writer on out (borrowed; must outlive the writer). opts NULL
 * means defaults. Nothing is written yet: the CSV header or the STIX
 * bundle opening comes with the first value or at finish, so an empty run
 * still yields a header-only CSV and a valid empty bundle. STIX: created,
 * modified and valid_from are the creation time, or SOURCE_DATE_EPOCH when
 * set (then the bundle id is reproducible too); a malformed
 * SOURCE_DATE_EPOCH is KZ_ERR_INVALID. */
kz_status kz_ioc_writer_new(kz_ctx *ctx, const kz_ioc_writer_opts *opts,
                            FILE *out, kz_ioc_writer **w);
/* Writes one value found in the input named input_name (NULL: "-").
 * STIX leaves out references other than CVEs (which become vulnerability
 * objects), values of types without a pattern (string), and values
 * already in the bundle; ids are UUIDv5 of type and value, so stable.
 * KZ_ERR_IO on a write error, with errno left as the failed write set it
 * (EPIPE, ENOSPC) and the message on ctx. */
kz_status kz_ioc_writer_put(kz_ioc_writer *w, const char *input_name,
                            const kz_extracted *e);
/* Completes the output (closes the STIX bundle), flushes out, and reports
 * write errors (KZ_ERR_IO, errno as for kz_ioc_writer_put). */
kz_status kz_ioc_writer_finish(kz_ioc_writer *w);
/* Frees the writer; NULL is harmless. Does not close out. */
void kz_ioc_writer_free(kz_ioc_writer *w);

/* Escapes n bytes for a terminal or a TSV field: control characters (tab,
 * newline and carriage return included), DEL, invalid UTF-8, and the bytes
 * of C1 controls and of bidirectional controls (U+061C, U+200E/F,
 * U+202A-E, U+2066-9, which reorder or drive a terminal) become \xNN.
 * Backslashes stay literal, so Windows paths read as written. Writes to f. */
void kz_write_escaped_text(FILE *f, const char *s, size_t n);
/* Writes s as a JSON string literal, quotes included (invalid UTF-8 bytes
 * become \ufffd; control characters, DEL, C1 and bidirectional controls,
 * U+2028 and U+2029 become \uXXXX). s NULL writes "". */
void kz_write_json_string(FILE *f, const char *s, size_t n);

/* ---- hits of a sweep -------------------------------------------------------
 * table: one line per hit for a person (time, file:line, field, observed
 *        value, indicator with its type and how it matched, threat,
 *        advisory), colours only when asked (a terminal), every value
 *        escaped with kz_write_escaped_text;
 * json:  JSON Lines with Elastic Common Schema names (docs/formats.md);
 * lines: "PATH:LINE:TEXT" once per line with a hit, as `grep -n -H`
 *        prints (PATH and TEXT escaped with kz_write_escaped_text). */
typedef enum kz_hit_format {
    KZ_HIT_TABLE = 0,
    KZ_HIT_JSON = 1,
    KZ_HIT_LINES = 2
} kz_hit_format;

/* Parses "table", "json", "lines"; -1 when unknown. */
int kz_hit_format_from_name(const char *name);

#define KZ_HIT_WRITER_OPTS_VERSION 1
typedef struct kz_hit_writer_opts {
    unsigned version; /* KZ_HIT_WRITER_OPTS_VERSION */
    kz_hit_format format;
    int color;   /* table: ANSI colours */
    int summary; /* print no hits, only the summary at finish: counts per
                    advisory and per indicator, first and last time seen
                    (table: text; json: one JSON object) */
} kz_hit_writer_opts;
#define KZ_HIT_WRITER_OPTS_INIT                                                \
    {                                                                          \
        KZ_HIT_WRITER_OPTS_VERSION, KZ_HIT_TABLE, 0, 0                         \
    }

typedef struct kz_hit_writer kz_hit_writer;

/* out is borrowed and must outlive the writer. */
kz_status kz_hit_writer_new(kz_ctx *ctx, const kz_hit_writer_opts *opts,
                            FILE *out, kz_hit_writer **w);
/* Writes (or, with summary, counts) one hit. KZ_ERR_IO on a write error
 * (errno as the failed write left it). */
kz_status kz_hit_writer_put(kz_hit_writer *w, const kz_log_hit *h);
/* Writes the summary when asked, flushes, reports write errors. */
kz_status kz_hit_writer_finish(kz_hit_writer *w);
void kz_hit_writer_free(kz_hit_writer *w);

/* ---- per-advisory report ---------------------------------------------------
 * The document of kz_report_build (kizashi/judge.h) for people:
 * md:   Markdown (GFM tables); values escaped (entities for & < >,
 *       backslash escapes, control, C1 and bidirectional characters as
 *       \xNN), values in code spans fenced longer than their backtick runs;
 * html: one self-contained page: inline CSS, no script (a CSP forbids
 *       any), no external resource, a summary table, then per advisory its
 *       text, an SVG timeline of its sightings and the evidence tables;
 *       every value HTML-escaped, control characters shown as \xNN;
 * json: the document itself (C1, bidirectional and line-separator code
 *       points as \uXXXX escapes). */
typedef enum kz_report_format {
    KZ_REPORT_MD = 0,
    KZ_REPORT_HTML = 1,
    KZ_REPORT_JSON = 2
} kz_report_format;

/* Parses "md" (or "markdown"), "html", "json"; -1 when unknown. */
int kz_report_format_from_name(const char *name);

/* Writes the report document json (n bytes) to out in fmt and flushes it.
 * KZ_ERR_PARSE when json is not a report document, KZ_ERR_IO on a write
 * error (errno as the failed write left it); the message on ctx. */
kz_status kz_report_write(kz_ctx *ctx, const char *json, size_t n,
                          kz_report_format fmt, FILE *out);

/* ---- exports -----------------------------------------------------------
 * Indicators written in a prevention tool's syntax (docs/formats.md):
 * suricata rules, suricata-datasets (rules and dataset files), a zeek
 * Intel framework file, an nft script, an rpz zone, yara rules, a stix
 * bundle, csv, a plain list. The exporter never sees the store: it is fed
 * kz_export_item values. Invariant: every value is validated and quoted or
 * escaped for its target, so no indicator can add a rule, a zone record, a
 * set element or a command; a value that cannot be written safely is left
 * out (KZ_ERR_PARSE, counted, a warning naming the indicator id goes to
 * the context's diagnostics). Each format is one entry of a table of
 * functions in lib/sinks/export.c. */

typedef enum kz_export_format {
    KZ_EXPORT_SURICATA = 0,
    KZ_EXPORT_SURICATA_DATASETS = 1,
    KZ_EXPORT_ZEEK = 2,
    KZ_EXPORT_NFT = 3,
    KZ_EXPORT_RPZ = 4,
    KZ_EXPORT_YARA = 5,
    KZ_EXPORT_STIX = 6,
    KZ_EXPORT_CSV = 7,
    KZ_EXPORT_LIST = 8,
    KZ_EXPORT_COUNT_ = 9
} kz_export_format;

/* "suricata", "suricata-datasets", "zeek", "nft", "rpz", "yara", "stix",
 * "csv", "list"; -1 for an unknown name. */
int kz_export_format_from_name(const char *name);
const char *kz_export_format_name(kz_export_format f);
/* The indicator types the format can express. */
kz_typeset kz_export_format_types(kz_export_format f);

/* One indicator to export; pointers borrowed for the call. */
typedef struct kz_export_item {
    int64_t id; /* the store's indicator id (Suricata sids derive from it) */
    kz_type type;
    const char *value; /* canonical (kz_normalize); need not be
                          NUL-terminated; a NUL byte inside is invalid */
    size_t value_len;
    const char *threats, *advisories, *sources; /* ", "-joined; nullable;
                                                   NUL-terminated */
    int confidence;                             /* -1: unknown */
    kz_time first_seen, last_seen;              /* 0: unknown */
} kz_export_item;

#define KZ_EXPORT_OPTS_VERSION 1
typedef struct kz_export_opts {
    unsigned version; /* KZ_EXPORT_OPTS_VERSION */
    kz_export_format format;
    uint32_t sid_base;        /* suricata: sids are sid_base + 100 + 4 x id +
                                 k (k < 4); sid_base + 0..99 are the
                                 dataset rules'. 0: 9000000 */
    const char *datasets_dir; /* suricata-datasets: where the dataset and
                                 list files are written (required) */
} kz_export_opts;
#define KZ_EXPORT_OPTS_INIT                                                    \
    {                                                                          \
        KZ_EXPORT_OPTS_VERSION, KZ_EXPORT_SURICATA, 0, NULL                    \
    }

/* What an exporter wrote and left out, per type. */
typedef struct kz_export_stats {
    uint64_t written[KZ_T_COUNT_];     /* indicators in the output */
    uint64_t unsupported[KZ_T_COUNT_]; /* type not expressible */
    uint64_t invalid[KZ_T_COUNT_];     /* value invalid for the syntax */
    uint64_t rules;  /* rules, records or elements written (suricata,
                        yara: rules; rpz: records; nft: set elements after
                        merging; others: lines or objects) */
    uint64_t merged; /* nft: addresses inside another element */
} kz_export_stats;

typedef struct kz_exporter kz_exporter;

/* Creates an exporter writing to out (borrowed; must outlive it). Formats
 * that group (nft, yara, suricata address rules) keep the items they need
 * in memory and write at finish. rpz and stix use SOURCE_DATE_EPOCH for
 * their serial and times when set (KZ_ERR_INVALID when malformed). */
kz_status kz_exporter_new(kz_ctx *ctx, const kz_export_opts *opts, FILE *out,
                          kz_exporter **x);
/* Exports one item: KZ_OK written (or kept for finish);
 * KZ_ERR_UNSUPPORTED the format has no way to express its type;
 * KZ_ERR_PARSE the value cannot be written safely (message on the context
 * and a warning to the diagnostics); both counted and not errors for the
 * caller to stop on. KZ_ERR_IO / KZ_ERR_NOMEM: stop. */
kz_status kz_exporter_put(kz_exporter *x, const kz_export_item *it);
/* Writes what was kept and the end of the output, writes the dataset
 * files (each to a temporary file renamed into place), flushes out and
 * reports write errors (KZ_ERR_IO). */
kz_status kz_exporter_finish(kz_exporter *x);
void kz_exporter_get_stats(const kz_exporter *x, kz_export_stats *out);
/* Frees the exporter; NULL is harmless. Does not close out. */
void kz_exporter_free(kz_exporter *x);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_SINKS_H */
