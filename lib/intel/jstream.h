/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming access to one huge JSON document in bounded memory: the
 * containers the caller enters (a top-level object, its big array) are
 * walked member by member by a small scanner of our own; every value the
 * caller asks for is decoded whole by jansson (json_load_callback), at most
 * KZ_JSTREAM_MAX_VALUE bytes of text each. Invariant: the buffer always
 * holds every byte jansson was handed but did not consume, so nothing is
 * lost between values; line and column are known for every byte consumed.
 */
#ifndef KIZASHI_JSTREAM_H
#define KIZASHI_JSTREAM_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/core_int.h"

/* Largest JSON text of one decoded value (a STIX object, a MISP event):
 * the biggest real STIX objects (reports with thousands of object_refs,
 * MITRE ATT&CK matrices) stay below a few MiB; jansson needs several times
 * the text size in memory, so 64 MiB keeps one value under ~1 GB. */
#define KZ_JSTREAM_MAX_VALUE (64u * 1024u * 1024u)
/* Containers entered at once; a caller walks a few levels at most (the
 * deeper levels are decoded whole, where jansson bounds the depth). */
#define KZ_JSTREAM_MAX_DEPTH 8
/* Longest object key read by the scanner (longer keys are an error). */
#define KZ_JSTREAM_MAX_KEY 4096

typedef struct kz_jstream kz_jstream;

/* Kinds of the next value, from its first byte. */
typedef enum kz_jkind {
    KZ_JK_OBJECT = 1,
    KZ_JK_ARRAY = 2,
    KZ_JK_OTHER = 3 /* a string, number, true, false or null (or garbage) */
} kz_jkind;

/* A stream over f from its current position; name is used in messages
 * (NULL: "-"), copied. Ownership goes to the caller. */
kz_status kz_jstream_new(kz_ctx *ctx, FILE *f, const char *name,
                         kz_jstream **out);
/* Frees js; NULL is harmless. f is not closed. */
void kz_jstream_free(kz_jstream *js);

/* The kind of the value at the current position (after white space and,
 * at the very start, a UTF-8 BOM). KZ_ERR_PARSE at the end of input. */
kz_status kz_jstream_peek(kz_jstream *js, kz_jkind *kind);
/* Enters the object or array at the current position. */
kz_status kz_jstream_enter(kz_jstream *js);
/* Moves to the next member of the innermost entered container: *more is 1
 * and, for an object, *key is its key (borrowed until the next call; NULL
 * for an array element); the caller must then consume the value with
 * kz_jstream_decode, kz_jstream_skip or kz_jstream_enter. *more is 0 when
 * the container ended (it is left). key may be NULL. */
kz_status kz_jstream_next(kz_jstream *js, int *more, const char **key);
/* Decodes the value at the current position whole: *out is a new
 * reference (json_decref it). KZ_ERR_LIMIT past KZ_JSTREAM_MAX_VALUE. */
kz_status kz_jstream_decode(kz_jstream *js, json_t **out);
/* Decodes and drops the value at the current position. */
kz_status kz_jstream_skip(kz_jstream *js);
/* After the top-level value: only white space may follow. */
kz_status kz_jstream_end(kz_jstream *js);
/* Line and column (1-based, columns in characters) of the first byte of
 * the last value decoded or entered. */
void kz_jstream_where(const kz_jstream *js, uint64_t *line, uint64_t *col);
/* Bytes of the input consumed so far. */
uint64_t kz_jstream_offset(const kz_jstream *js);

#endif /* KIZASHI_JSTREAM_H */
