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
#include "kizashi/intel.h"

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
    unsigned version;  /* KZ_IOC_WRITER_OPTS_VERSION */
    kz_ioc_format format;
    int defang;        /* print values defanged (tsv, csv, json "value") */
    int with_input;    /* add the input name column (several inputs) */
} kz_ioc_writer_opts;
#define KZ_IOC_WRITER_OPTS_INIT {KZ_IOC_WRITER_OPTS_VERSION, KZ_IOC_TSV, 0, 0}

typedef struct kz_ioc_writer kz_ioc_writer;

/* Creates a writer on out (borrowed; must outlive the writer). */
kz_status kz_ioc_writer_new(kz_ctx *ctx, const kz_ioc_writer_opts *opts,
                            FILE *out, kz_ioc_writer **w);
/* Writes one value found in the input named input_name. */
kz_status kz_ioc_writer_put(kz_ioc_writer *w, const char *input_name,
                            const kz_extracted *e);
/* Completes the output (closes the STIX bundle) and reports write errors
 * (KZ_ERR_IO). */
kz_status kz_ioc_writer_finish(kz_ioc_writer *w);
/* Frees the writer; NULL is harmless. Does not close out. */
void kz_ioc_writer_free(kz_ioc_writer *w);

/* Escapes n bytes for a terminal or a TSV field: control characters, DEL,
 * backslash and invalid UTF-8 become \xNN (\t \n \r \\ for the common ones).
 * Writes to f. */
void kz_write_escaped_text(FILE *f, const char *s, size_t n);
/* Writes s as a JSON string literal, quotes included (invalid UTF-8 bytes
 * become U+FFFD). */
void kz_write_json_string(FILE *f, const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_SINKS_H */
