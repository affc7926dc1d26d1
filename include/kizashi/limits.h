/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every ceiling of kizashi in one place, each with the reason for its value.
 * Hitting one is an error code or a warning naming the input and position,
 * never a crash or an unbounded allocation.
 */
#ifndef KIZASHI_LIMITS_H
#define KIZASHI_LIMITS_H

/* Longest URL we canonicalize: browsers and proxies cut around 8 KiB, and
 * longer "URLs" in prose are base64 blobs, not indicators. */
#define KZ_MAX_URL 8192
/* RFC 1035: 253 characters of text form (255 octets on the wire). */
#define KZ_MAX_DOMAIN 253
/* RFC 5321 local part (64) + '@' + domain. */
#define KZ_MAX_EMAIL (64 + 1 + KZ_MAX_DOMAIN)
/* Longest normalized value of any type but YARA rules (a URL is the
 * longest); an embedded YARA rule is bounded by KZ_MAX_YARA_RULE. */
#define KZ_MAX_VALUE KZ_MAX_URL
/* Longest Windows path (the \\?\ extended form allows 32767 UTF-16 units;
 * advisories quote far shorter ones). */
#define KZ_MAX_PATH 4096
/* The extractor works on lines; a line longer than this is scanned in
 * pieces: each piece ends after the last white space of its final
 * KZ_MAX_TOKEN bytes (or at a character boundary when there is none) and the
 * rest is carried into the next piece, so memory stays bounded on a single
 * 100 MB line and no token shorter than KZ_MAX_TOKEN is cut. Columns in the
 * later pieces count from the piece's start. */
#define KZ_MAX_LINE (1u << 20)
/* Longest candidate token the extractor considers. */
#define KZ_MAX_TOKEN KZ_MAX_URL
/* An embedded YARA rule longer than this is reported as truncated. */
#define KZ_MAX_YARA_RULE (256u * 1024u)
/* Distinct values remembered for de-duplication in one extraction (about
 * 170 bytes each with the table, so at most ~180 MB); past this, duplicates
 * may be printed again and a warning says so. A million distinct
 * indicators in one input is already far beyond any advisory. */
#define KZ_MAX_DEDUP_VALUES (1u << 20)
/* Warnings of one kind reported per input before they are only counted. */
#define KZ_MAX_WARNINGS_PER_KIND 10

/* A hit line longer than this is reported with its first KZ_MAX_HIT_LINE
 * bytes and its context is not parsed (a 64 MiB "line" is an attack or a
 * broken log, not an event). The sweep itself has no line limit. */
#define KZ_MAX_HIT_LINE (1u << 20)
/* Hits kept for one chunk of a file before the sweep says so and stops
 * keeping more for that chunk's lines (bounded memory on a log where every
 * line hits). */
#define KZ_MAX_HITS_PER_CHUNK (1u << 20)

#endif /* KIZASHI_LIMITS_H */
