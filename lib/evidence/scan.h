/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to lib/evidence: the hot path. A scanner reads a buffer of whole
 * lines once, finds the candidate tokens (around every '.', ':' and '@',
 * and every run of 32 or more hex digits), looks them up in the index and
 * records the hits with their byte positions. It also counts the lines.
 * Nothing here allocates per token; hits go to a growing array (bounded by
 * KZ_MAX_HITS_PER_CHUNK).
 */
#ifndef KZ_EVIDENCE_SCAN_H
#define KZ_EVIDENCE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/index.h"

/* entry of a hit that only says "this line holds the host of some URL
 * indicator": the line's context stage rebuilds URLs split across fields. */
#define KZ_SCAN_URLHOST UINT32_MAX

struct kz_scan_hit {
    uint64_t pos;  /* of the token, from the buffer's start */
    uint64_t line; /* newlines before pos in the buffer */
    uint32_t len;
    uint32_t entry;
    uint8_t how;  /* kz_match_kind */
    uint8_t type; /* kz_type of the observable */
};

/* A lookup waiting for its Bloom filter word to arrive (scan.c queues a
 * few, prefetching each, and tests the oldest: the cache misses of
 * several lookups then overlap instead of following each other). */
#define KZ_SCAN_QUEUE 16
struct kz_scan_pending {
    uint64_t h;
    uint64_t tpos, tline;
    const void *key; /* into the scanned buffer, or kb */
    uint32_t tlen;
    uint16_t klen;
    uint8_t kind;    /* kzi_kind; KZI_K_URLHOST: only mark the line */
    uint8_t urlhost; /* KZI_K_IP: also mark the line when the address is
                        a URL indicator's host */
    uint8_t fold, how, ttype;
    uint8_t kb[64];
};

/* The instruction sets of the pass over 64-byte blocks. */
enum { KZ_SCAN_C = 0, KZ_SCAN_SSE2 = 1, KZ_SCAN_AVX2 = 2, KZ_SCAN_AVX512 = 3 };

struct kz_scanner {
    const kz_index *ix;
    unsigned isa;  /* KZ_SCAN_*: kz_scan_isa_best() unless a test sets one
                      it has (every one gives the same hits) */
    unsigned want; /* bit (1 << kz_type) of the lookups the index can
                      answer: ipv4 (any address), domain, url, email, md5
                      (any digest), filename */
    int urlhosts;  /* mark lines holding a URL indicator's host */
    struct kz_scan_hit *hits;
    size_t nhits, cap;
    uint64_t dropped; /* hits past KZ_MAX_HITS_PER_CHUNK */
    uint64_t newlines;
    /* the token being looked up, for the callback */
    uint64_t tpos, tline;
    uint64_t line_here; /* newlines before the place being looked at (set
                           by the pass for each trigger; a token never
                           holds a newline) */
    uint32_t tlen;
    uint8_t ttype;
    int oom;
    uint64_t url_end; /* end of the last URL token (file names inside
                         URLs are not looked up) */
    uint64_t hex_end; /* end of the last hex run looked up */
    struct kz_scan_pending q[KZ_SCAN_QUEUE];
    unsigned qhead, qn;
};

/* The best KZ_SCAN_* this CPU runs. */
unsigned kz_scan_isa_best(void);
/* split_urls: also mark lines holding a URL indicator's host (for JSON
 * and Zeek logs, where URLs come split over fields). */
void kz_scanner_init(struct kz_scanner *s, const kz_index *ix, int split_urls);
void kz_scanner_free(struct kz_scanner *s);
/* Forgets the hits (keeps the memory) and the position state. */
void kz_scanner_reset(struct kz_scanner *s);
/* Scans n bytes (whole lines; the last may lack its newline). Hits are
 * appended in byte order with pos relative to buf + base. */
void kz_scan(struct kz_scanner *s, const char *buf, size_t n, uint64_t base);

#endif
