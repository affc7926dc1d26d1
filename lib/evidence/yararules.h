/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YARA rules for a file sweep (private to lib/evidence): rule files
 * compiled once with libyara, scanned over each file's (or archive
 * member's) bytes the sweep already holds, or from the file when it is
 * too large to hold.
 */
#ifndef KZ_EVIDENCE_YARARULES_H
#define KZ_EVIDENCE_YARARULES_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/core.h"

/* Files (and members) up to this size are scanned from the bytes read
 * for hashing; larger ones are scanned by libyara from the file (a second
 * read), members not at all. */
#define KZ_YARA_MEM_MAX (64u << 20)
/* Seconds a scan of one file may take. */
#define KZ_YARA_TIMEOUT 60
/* libyara scans from at most this many threads at once. */
#define KZ_YARA_MAX_THREADS 32

typedef struct kz_yara kz_yara;

/* Compiles the rule files named by paths (a file, or a directory: its
 * .yar and .yara files, recursively, in name order), each in a namespace
 * of its own (its path). A syntax error is KZ_ERR_PARSE naming the file
 * and line. */
kz_status kz_yara_load(kz_ctx *ctx, const char *const *paths, size_t n,
                       kz_yara **out);
void kz_yara_free(kz_yara *y);
/* Rules and files compiled. */
void kz_yara_counts(const kz_yara *y, unsigned *rules, unsigned *files);

typedef struct kz_yara_match {
    uint32_t ordinal;        /* the rule's number among all compiled */
    const char *rule;        /* identifier */
    const char *ruleset;     /* the rule file */
    const char *tags;        /* "a, b" or "" */
    const char *description; /* meta description, or NULL */
    const char *threat;      /* meta threat, malware_family or malware */
} kz_yara_match;

typedef void (*kz_yara_fn)(void *ud, const kz_yara_match *m);

/* Scans n bytes (or the file at fd). 0, or -1 with err set (timeout, too
 * many matches, an error of libyara). */
int kz_yara_scan_mem(const kz_yara *y, const void *p, size_t n, kz_yara_fn fn,
                     void *ud, char *err, size_t errcap);
int kz_yara_scan_fd(const kz_yara *y, int fd, kz_yara_fn fn, void *ud,
                    char *err, size_t errcap);

#endif
