/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private interface shared by the MISP readers (read_misp.c: events and
 * feeds; read_warninglist.c: warninglists): their ceilings and the capped
 * loading of one whole JSON document with jansson. A MISP event or
 * warninglist is one JSON value, so it is loaded whole; memory is bounded by
 * the largest single file, never by the size of a feed.
 */
#ifndef KIZASHI_MISP_INT_H
#define KIZASHI_MISP_INT_H

#include <stdio.h>

#include <jansson.h>

#include "core/core_int.h"

/* Largest JSON document (one event file, a manifest, a warninglist) loaded
 * whole. jansson needs several times the text size in memory; the biggest
 * real MISP events (sandbox dumps) and warninglists (top-1M lists, ~30 MB)
 * stay well below this. Beyond it the input is refused (KZ_ERR_LIMIT). */
#define KZ_MISP_MAX_JSON_BYTES (256u * 1024u * 1024u)
/* Tags on one record (event tags plus the attribute's own): de-duplication
 * is quadratic, and real events carry a few dozen. */
#define KZ_MISP_MAX_TAGS 1024u
/* Distinct threats named by one event (galaxy clusters, galaxy tags,
 * threat-actor attributes); real events name a handful. */
#define KZ_MISP_MAX_THREATS 1024u
/* Synonyms kept for one galaxy cluster (MITRE and Malpedia clusters have
 * at most a few dozen). Further ones are reported as unsupported. */
#define KZ_MISP_MAX_ALIASES 256u
/* Events listed in one feed manifest (the largest public feeds list a few
 * thousand). */
#define KZ_MISP_MAX_FEED_EVENTS (1u << 20)
/* Longest event key in a manifest: a UUID is 36 characters. */
#define KZ_MISP_MAX_UUID 64u

/* Loads the JSON document read from f (current position to end) into *out
 * (the caller json_decref()s it). The top level must be an object or an
 * array. Errors, with the message set on ctx naming `name`:
 * KZ_ERR_PARSE "name:line:col: what" for malformed JSON (and for a string
 * holding U+0000, so every string is NUL-terminated exactly once),
 * KZ_ERR_LIMIT beyond KZ_MISP_MAX_JSON_BYTES, KZ_ERR_IO when reading fails,
 * KZ_ERR_NOMEM. */
kz_status kz_misp_json_load(kz_ctx *ctx, FILE *f, const char *name,
                            json_t **out);

#endif /* KIZASHI_MISP_INT_H */
