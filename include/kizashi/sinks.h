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

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_SINKS_H */
