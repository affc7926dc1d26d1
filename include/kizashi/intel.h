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

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_INTEL_H */
