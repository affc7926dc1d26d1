/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded streaming RFC 4180 tokenizer shared by the CSV readers (plain
 * CSV, the LOLDrivers CSV). It reads its FILE in large blocks and splits
 * records in place, so a record costs no allocation; memory is bounded by
 * KZ_CSV_MAX_RECORD whatever the input. Quoting follows Python's csv
 * module (see docs/readers/csv.md for the few places where it differs).
 */
#ifndef KIZASHI_CSVPARSE_H
#define KIZASHI_CSVPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kizashi/core.h"

/* Longest record (all its lines, quotes and delimiters included): the
 * LOLDrivers CSV has records of ~100 KiB (hash lists of one driver); an
 * indicator feed row is a few hundred bytes. 4 MiB leaves room and bounds
 * the read buffer. */
#define KZ_CSV_MAX_RECORD (4u << 20)
/* Longest field after unquoting: a 1 MiB cell is already far beyond any
 * indicator or description. */
#define KZ_CSV_MAX_FIELD (1u << 20)
/* Fields per record: wide exports (MISP, LOLDrivers) have ~30 columns. */
#define KZ_CSV_MAX_FIELDS 4096
/* Bytes read per fread: large enough that reading costs little per row. */
#define KZ_CSV_BLOCK (256u << 10)

typedef struct kz_ctx kz_ctx;
typedef struct kz_csv kz_csv;

/* Opens a tokenizer over f (read from its current position to its end).
 * name names the input in messages (NULL: "-"). delim is the delimiter, or
 * 0 to detect it from the first line that is neither blank nor (with
 * skip_comments) a comment: the most frequent of ',' '\t' ';' '|' outside
 * quotes, ',' when none occurs. skip_comments: lines starting with '#' at
 * the start of a record are skipped (kz_csv_comment gives the last one).
 * A UTF-8 byte order mark is skipped. Ownership goes to the caller. */
kz_status kz_csv_open(kz_ctx *ctx, FILE *f, const char *name, int delim,
                      int skip_comments, kz_csv **out);

/* The same over the n bytes at data (copied). */
kz_status kz_csv_open_mem(kz_ctx *ctx, const void *data, size_t n,
                          const char *name, int delim, int skip_comments,
                          kz_csv **out);

/* The next record. Returns 1 with the record in *fields / *lens /
 * *nfields (each field is also NUL-terminated; all borrowed until the next
 * call) and *line its first line (1-based); 0 at the end of the input; a
 * negative kz_status with the message ("NAME:LINE:COL: what") set on the
 * context: KZ_ERR_PARSE (unterminated quote, NUL byte), KZ_ERR_LIMIT (a
 * KZ_CSV_MAX_* ceiling), KZ_ERR_IO, KZ_ERR_NOMEM. After an error every
 * later call returns the same error. Blank lines are skipped. */
int kz_csv_next(kz_csv *c, const char *const **fields, const size_t **lens,
                size_t *nfields, uint64_t *line);

/* The last comment line ('#' included, line end excluded) skipped just
 * before the record kz_csv_next returned last, or NULL when there was none;
 * *n gets its length. Borrowed until the next kz_csv_next. */
const char *kz_csv_comment(const kz_csv *c, size_t *n);

/* The delimiter in use (detected or given); 0 before the first record
 * when detection is pending. */
int kz_csv_delim(const kz_csv *c);

/* Frees the tokenizer (not its FILE); NULL is harmless. */
void kz_csv_free(kz_csv *c);

#endif /* KIZASHI_CSVPARSE_H */
