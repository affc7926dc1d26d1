/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STIX 2.x patterning language (STIX 2.1 part 9): a bounded recursive
 * descent parser that checks the whole grammar (observation expressions
 * with AND, OR, FOLLOWEDBY, parentheses and the WITHIN / REPEATS /
 * START..STOP qualifiers; comparison expressions with AND, OR, NOT,
 * parentheses, EXISTS and every operator) and hands back the comparisons
 * as a flat list: what read_stix.c needs to turn them into indicators.
 */
#ifndef KIZASHI_STIX_PATTERN_H
#define KIZASHI_STIX_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_int.h"

/* Longest pattern we parse: real patterns are well below 100 KiB (the
 * largest OR lists of a few thousand hashes); past this, an error. */
#define KZ_STIX_MAX_PATTERN (1u << 20)
/* Comparisons in one pattern (a 1 MiB pattern of short comparisons). */
#define KZ_STIX_MAX_COMPARISONS 16384
/* Nesting of brackets and parentheses: recursion depth of the parser. */
#define KZ_STIX_MAX_NESTING 64

typedef enum kz_stix_op {
    KZ_SOP_EQ = 0,
    KZ_SOP_NE,
    KZ_SOP_LT,
    KZ_SOP_LE,
    KZ_SOP_GT,
    KZ_SOP_GE,
    KZ_SOP_IN,
    KZ_SOP_LIKE,
    KZ_SOP_MATCHES,
    KZ_SOP_ISSUBSET,
    KZ_SOP_ISSUPERSET,
    KZ_SOP_EXISTS
} kz_stix_op;

/* "=", "!=", "<", ..., "IN", "LIKE", "MATCHES", ..., "EXISTS". */
const char *kz_stix_op_name(kz_stix_op op);

typedef struct kz_stix_cmp {
    /* "type:comp.comp[*]": quoted components unquoted ("file:hashes.SHA-256"),
     * every list index written "[*]"; NUL-terminated. */
    const char *path;
    size_t type_len; /* length of the object type at the start of path */
    kz_stix_op op;
    int negated;       /* NOT before the operator */
    const char *value; /* the literal, decoded (strings unescaped; numbers,
                          booleans as written; t'', h'', b'' without the
                          quotes); NULL for sets and EXISTS. NUL-terminated */
    size_t value_len;
    char lit;        /* 's' string, 'i' integer, 'f' float, 'b' boolean,
                        't' timestamp, 'h' hex, 'B' binary, '(' set, 0 none */
    unsigned group;  /* comparisons joined directly by AND share a group */
    unsigned nested; /* 1 when inside parentheses of a comparison expr */
    size_t offset;   /* byte offset of the comparison in the pattern */
} kz_stix_cmp;

typedef struct kz_stix_pattern {
    kz_stix_cmp *cmp;
    size_t n, cap;
    unsigned groups;  /* number of groups */
    unsigned obs;     /* observation expressions ([...]) */
    unsigned obs_and; /* AND between observation expressions */
    unsigned obs_or;  /* OR between observation expressions */
    unsigned followedby;
    unsigned within, repeats, startstop; /* qualifiers */
    char *arena;                         /* paths and values */
    size_t arena_n, arena_cap;
} kz_stix_pattern;

/* Parses the n bytes at s into p (zero it first; free with
 * kz_stix_pattern_free even on error). On a syntax error returns
 * KZ_ERR_PARSE with *err_off the byte offset and *err_what a static
 * description; KZ_ERR_LIMIT past the limits above; KZ_ERR_NOMEM. */
kz_status kz_stix_pattern_parse(const char *s, size_t n, kz_stix_pattern *p,
                                size_t *err_off, const char **err_what);
void kz_stix_pattern_free(kz_stix_pattern *p);

#endif /* KIZASHI_STIX_PATTERN_H */
