/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STIX patterning parser (see stix_pattern.h). Recursive descent over the
 * grammar of STIX 2.1 part 9, depth-limited by KZ_STIX_MAX_NESTING. Every
 * decoded path and value is at most as long as its text, so one arena of
 * twice the pattern's size holds them all and pointers into it stay valid.
 * Leniency: a backslash before anything but ' and \ in a string is kept
 * as written (regular expressions in MATCHES are often written that way).
 */
#include <string.h>

#include "intel/stix_pattern.h"

typedef struct pstate {
    const char *s;
    size_t n, i;
    kz_stix_pattern *p;
    kz_status st;
    size_t err_off;
    const char *err;
    unsigned depth;
    unsigned nested;
} pstate;

static const char *const op_names[] = {
    [KZ_SOP_EQ] = "=",
    [KZ_SOP_NE] = "!=",
    [KZ_SOP_LT] = "<",
    [KZ_SOP_LE] = "<=",
    [KZ_SOP_GT] = ">",
    [KZ_SOP_GE] = ">=",
    [KZ_SOP_IN] = "IN",
    [KZ_SOP_LIKE] = "LIKE",
    [KZ_SOP_MATCHES] = "MATCHES",
    [KZ_SOP_ISSUBSET] = "ISSUBSET",
    [KZ_SOP_ISSUPERSET] = "ISSUPERSET",
    [KZ_SOP_EXISTS] = "EXISTS",
};

const char *kz_stix_op_name(kz_stix_op op)
{
    if ((unsigned)op > KZ_SOP_EXISTS)
        return "?";
    return op_names[op];
}

static int fail(pstate *x, kz_status st, const char *what)
{
    if (x->st == KZ_OK) {
        x->st = st;
        x->err = what;
        x->err_off = x->i;
    }
    return -1;
}

static void skip_ws(pstate *x)
{
    while (x->i < x->n && (x->s[x->i] == ' ' || x->s[x->i] == '\t' ||
                           x->s[x->i] == '\n' || x->s[x->i] == '\r'))
        x->i++;
}

static int word_char(unsigned char c)
{
    return kz_is_alnum(c) || c == '_';
}

/* Consumes the keyword w (upper case, as the grammar writes it). */
static int kw(pstate *x, const char *w)
{
    skip_ws(x);
    size_t m = strlen(w);
    if (x->n - x->i < m || memcmp(x->s + x->i, w, m) != 0)
        return 0;
    if (x->i + m < x->n && word_char((unsigned char)x->s[x->i + m]))
        return 0;
    x->i += m;
    return 1;
}

static int ch(pstate *x, char c)
{
    skip_ws(x);
    if (x->i < x->n && x->s[x->i] == c) {
        x->i++;
        return 1;
    }
    return 0;
}

/* Room for m bytes in the arena (never fails: see the file comment). */
static char *arena_take(pstate *x, size_t m)
{
    kz_stix_pattern *p = x->p;
    if (p->arena_n + m > p->arena_cap)
        return NULL;
    char *r = p->arena + p->arena_n;
    p->arena_n += m;
    return r;
}

/* A quoted string at x->i (the quote included), decoded and appended to
 * the arena at *out (not terminated). */
static int string_body(pstate *x, char *out, size_t *len)
{
    size_t k = 0;
    x->i++; /* the opening quote */
    for (;;) {
        if (x->i >= x->n)
            return fail(x, KZ_ERR_PARSE, "unterminated string");
        char c = x->s[x->i];
        if (c == '\\' && x->i + 1 < x->n &&
            (x->s[x->i + 1] == '\'' || x->s[x->i + 1] == '\\')) {
            out[k++] = x->s[x->i + 1];
            x->i += 2;
        } else if (c == '\'') {
            x->i++;
            break;
        } else {
            out[k++] = c;
            x->i++;
        }
    }
    *len = k;
    return 0;
}

/* Decodes a quoted string into a NUL-terminated arena copy. */
static int string_lit(pstate *x, const char **v, size_t *len)
{
    /* the decoded form is no longer than the rest of the pattern */
    char *out = x->p->arena + x->p->arena_n;
    size_t room = x->p->arena_cap - x->p->arena_n;
    if (room < x->n - x->i + 1)
        return fail(x, KZ_ERR_LIMIT, "pattern too long");
    if (string_body(x, out, len) < 0)
        return -1;
    out[*len] = '\0';
    x->p->arena_n += *len + 1;
    *v = out;
    return 0;
}

static int number(pstate *x, const char **v, size_t *len, char *lit)
{
    size_t b = x->i;
    int real = 0;
    if (x->i < x->n && (x->s[x->i] == '-' || x->s[x->i] == '+'))
        x->i++;
    size_t d = x->i;
    while (x->i < x->n && kz_is_digit((unsigned char)x->s[x->i]))
        x->i++;
    if (x->i == d)
        return fail(x, KZ_ERR_PARSE, "number expected");
    if (x->i < x->n && x->s[x->i] == '.') {
        real = 1;
        x->i++;
        size_t f = x->i;
        while (x->i < x->n && kz_is_digit((unsigned char)x->s[x->i]))
            x->i++;
        if (x->i == f)
            return fail(x, KZ_ERR_PARSE, "digits expected after '.'");
    }
    if (x->i < x->n && (x->s[x->i] == 'e' || x->s[x->i] == 'E')) {
        real = 1;
        x->i++;
        if (x->i < x->n && (x->s[x->i] == '-' || x->s[x->i] == '+'))
            x->i++;
        size_t e = x->i;
        while (x->i < x->n && kz_is_digit((unsigned char)x->s[x->i]))
            x->i++;
        if (x->i == e)
            return fail(x, KZ_ERR_PARSE, "exponent expected");
    }
    char *out = arena_take(x, x->i - b + 1);
    if (!out)
        return fail(x, KZ_ERR_LIMIT, "pattern too long");
    memcpy(out, x->s + b, x->i - b);
    out[x->i - b] = '\0';
    *v = out;
    *len = x->i - b;
    *lit = real ? 'f' : 'i';
    return 0;
}

/* One primitive literal. */
static int literal(pstate *x, const char **v, size_t *len, char *lit)
{
    skip_ws(x);
    if (x->i >= x->n)
        return fail(x, KZ_ERR_PARSE, "literal expected");
    char c = x->s[x->i];
    if (c == '\'') {
        *lit = 's';
        return string_lit(x, v, len);
    }
    if ((c == 't' || c == 'h' || c == 'b') && x->i + 1 < x->n &&
        x->s[x->i + 1] == '\'') {
        *lit = c == 'b' ? 'B' : c;
        x->i++;
        return string_lit(x, v, len);
    }
    if (kz_is_digit((unsigned char)c) || c == '-' || c == '+')
        return number(x, v, len, lit);
    if (kw(x, "true") || kw(x, "false")) {
        *lit = 'b';
        *v = x->s[x->i - 1] == 'e' && x->s[x->i - 2] == 'u' ? "true" : "false";
        *len = strlen(*v);
        return 0;
    }
    return fail(x, KZ_ERR_PARSE, "literal expected");
}

static int ident(pstate *x, char *out, size_t *k)
{
    skip_ws(x);
    if (x->i >= x->n ||
        !(kz_is_alpha((unsigned char)x->s[x->i]) || x->s[x->i] == '_'))
        return fail(x, KZ_ERR_PARSE, "identifier expected");
    while (x->i < x->n &&
           (word_char((unsigned char)x->s[x->i]) || x->s[x->i] == '-'))
        out[(*k)++] = x->s[x->i++];
    return 0;
}

/* An object path rendered into the arena. */
static int object_path(pstate *x, const char **path, size_t *type_len)
{
    kz_stix_pattern *p = x->p;
    char *out = p->arena + p->arena_n;
    if (p->arena_cap - p->arena_n < x->n - x->i + 1)
        return fail(x, KZ_ERR_LIMIT, "pattern too long");
    size_t k = 0;
    if (ident(x, out, &k) < 0)
        return -1;
    *type_len = k;
    if (!ch(x, ':'))
        return fail(x, KZ_ERR_PARSE, "':' expected after the object type");
    out[k++] = ':';
    for (int first = 1;; first = 0) {
        if (!first) {
            skip_ws(x);
            if (x->i >= x->n)
                break;
            if (x->s[x->i] == '.') {
                x->i++;
                out[k++] = '.';
            } else if (x->s[x->i] == '[') {
                x->i++;
                skip_ws(x);
                if (x->i < x->n && x->s[x->i] == '*') {
                    x->i++;
                } else {
                    size_t d = x->i;
                    if (x->i < x->n && x->s[x->i] == '-')
                        x->i++;
                    while (x->i < x->n &&
                           kz_is_digit((unsigned char)x->s[x->i]))
                        x->i++;
                    if (x->i == d)
                        return fail(x, KZ_ERR_PARSE, "list index expected");
                }
                if (!ch(x, ']'))
                    return fail(x, KZ_ERR_PARSE, "']' expected");
                memcpy(out + k, "[*]", 3);
                k += 3;
                continue;
            } else {
                break;
            }
        }
        skip_ws(x);
        if (x->i < x->n && x->s[x->i] == '\'') {
            size_t len = 0;
            if (string_body(x, out + k, &len) < 0)
                return -1;
            k += len;
        } else if (ident(x, out, &k) < 0) {
            return -1;
        }
    }
    out[k] = '\0';
    p->arena_n += k + 1;
    *path = out;
    return 0;
}

static int add_cmp(pstate *x, const kz_stix_cmp *c)
{
    kz_stix_pattern *p = x->p;
    if (p->n == KZ_STIX_MAX_COMPARISONS)
        return fail(x, KZ_ERR_LIMIT, "too many comparisons");
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        kz_stix_cmp *m = kz_realloc(p->cmp, cap * sizeof *m);
        if (!m)
            return fail(x, KZ_ERR_NOMEM, "out of memory");
        p->cmp = m;
        p->cap = cap;
    }
    p->cmp[p->n++] = *c;
    return 0;
}

static int cmp_expr(pstate *x);

static int prop_test(pstate *x, unsigned group)
{
    kz_stix_cmp c;
    memset(&c, 0, sizeof c);
    skip_ws(x);
    c.offset = x->i;
    c.group = group;
    c.nested = x->nested > 0;
    if (ch(x, '(')) {
        x->nested++;
        if (cmp_expr(x) < 0)
            return -1;
        x->nested--;
        if (!ch(x, ')'))
            return fail(x, KZ_ERR_PARSE, "')' expected");
        return 0;
    }
    if (kw(x, "EXISTS")) {
        c.op = KZ_SOP_EXISTS;
        if (object_path(x, &c.path, &c.type_len) < 0)
            return -1;
        return add_cmp(x, &c);
    }
    if (object_path(x, &c.path, &c.type_len) < 0)
        return -1;
    c.negated = kw(x, "NOT");
    skip_ws(x);
    const char *s = x->s + x->i;
    size_t left = x->n - x->i;
    if (left >= 2 && memcmp(s, "==", 2) == 0) {
        c.op = KZ_SOP_EQ;
        x->i += 2;
    } else if (left >= 2 &&
               (memcmp(s, "!=", 2) == 0 || memcmp(s, "<>", 2) == 0)) {
        c.op = KZ_SOP_NE;
        x->i += 2;
    } else if (left >= 2 && memcmp(s, "<=", 2) == 0) {
        c.op = KZ_SOP_LE;
        x->i += 2;
    } else if (left >= 2 && memcmp(s, ">=", 2) == 0) {
        c.op = KZ_SOP_GE;
        x->i += 2;
    } else if (left >= 1 && (*s == '=' || *s == '<' || *s == '>')) {
        c.op = *s == '=' ? KZ_SOP_EQ : *s == '<' ? KZ_SOP_LT : KZ_SOP_GT;
        x->i++;
    } else if (kw(x, "IN")) {
        c.op = KZ_SOP_IN;
    } else if (kw(x, "LIKE")) {
        c.op = KZ_SOP_LIKE;
    } else if (kw(x, "MATCHES")) {
        c.op = KZ_SOP_MATCHES;
    } else if (kw(x, "ISSUBSET")) {
        c.op = KZ_SOP_ISSUBSET;
    } else if (kw(x, "ISSUPERSET")) {
        c.op = KZ_SOP_ISSUPERSET;
    } else {
        return fail(x, KZ_ERR_PARSE, "comparison operator expected");
    }
    if (c.op == KZ_SOP_IN) {
        if (!ch(x, '('))
            return fail(x, KZ_ERR_PARSE, "'(' expected after IN");
        c.lit = '(';
        if (!ch(x, ')')) {
            do {
                const char *v;
                size_t len;
                char lit;
                if (literal(x, &v, &len, &lit) < 0)
                    return -1;
            } while (ch(x, ','));
            if (!ch(x, ')'))
                return fail(x, KZ_ERR_PARSE, "')' expected");
        }
    } else if (literal(x, &c.value, &c.value_len, &c.lit) < 0) {
        return -1;
    }
    return add_cmp(x, &c);
}

static int cmp_and(pstate *x)
{
    unsigned group = x->p->groups++;
    if (prop_test(x, group) < 0)
        return -1;
    while (kw(x, "AND"))
        if (prop_test(x, group) < 0)
            return -1;
    return 0;
}

static int cmp_expr(pstate *x)
{
    if (++x->depth > KZ_STIX_MAX_NESTING)
        return fail(x, KZ_ERR_LIMIT, "pattern nested too deeply");
    if (cmp_and(x) < 0)
        return -1;
    while (kw(x, "OR"))
        if (cmp_and(x) < 0)
            return -1;
    x->depth--;
    return 0;
}

static int obs_exprs(pstate *x);

static int qualifiers(pstate *x)
{
    for (;;) {
        const char *v;
        size_t len;
        char lit;
        if (kw(x, "WITHIN")) {
            skip_ws(x);
            if (number(x, &v, &len, &lit) < 0)
                return -1;
            if (!kw(x, "SECONDS"))
                return fail(x, KZ_ERR_PARSE, "SECONDS expected");
            x->p->within++;
        } else if (kw(x, "REPEATS")) {
            skip_ws(x);
            if (number(x, &v, &len, &lit) < 0)
                return -1;
            if (lit != 'i' || !kw(x, "TIMES"))
                return fail(x, KZ_ERR_PARSE, "REPEATS n TIMES expected");
            x->p->repeats++;
        } else if (kw(x, "START")) {
            if (literal(x, &v, &len, &lit) < 0)
                return -1;
            if (lit != 't' || !kw(x, "STOP"))
                return fail(x, KZ_ERR_PARSE, "START t'...' STOP expected");
            if (literal(x, &v, &len, &lit) < 0)
                return -1;
            if (lit != 't')
                return fail(x, KZ_ERR_PARSE, "timestamp expected after STOP");
            x->p->startstop++;
        } else {
            return 0;
        }
    }
}

static int observation(pstate *x)
{
    if (++x->depth > KZ_STIX_MAX_NESTING)
        return fail(x, KZ_ERR_LIMIT, "pattern nested too deeply");
    if (ch(x, '[')) {
        x->p->obs++;
        unsigned saved = x->nested;
        x->nested = 0;
        if (cmp_expr(x) < 0)
            return -1;
        x->nested = saved;
        if (!ch(x, ']'))
            return fail(x, KZ_ERR_PARSE, "']' expected");
    } else if (ch(x, '(')) {
        if (obs_exprs(x) < 0)
            return -1;
        if (!ch(x, ')'))
            return fail(x, KZ_ERR_PARSE, "')' expected");
    } else {
        return fail(x, KZ_ERR_PARSE, "'[' or '(' expected");
    }
    if (qualifiers(x) < 0)
        return -1;
    x->depth--;
    return 0;
}

static int obs_and(pstate *x)
{
    if (observation(x) < 0)
        return -1;
    while (kw(x, "AND")) {
        x->p->obs_and++;
        if (observation(x) < 0)
            return -1;
    }
    return 0;
}

static int obs_or(pstate *x)
{
    if (obs_and(x) < 0)
        return -1;
    while (kw(x, "OR")) {
        x->p->obs_or++;
        if (obs_and(x) < 0)
            return -1;
    }
    return 0;
}

static int obs_exprs(pstate *x)
{
    if (obs_or(x) < 0)
        return -1;
    while (kw(x, "FOLLOWEDBY")) {
        x->p->followedby++;
        if (obs_or(x) < 0)
            return -1;
    }
    return 0;
}

kz_status kz_stix_pattern_parse(const char *s, size_t n, kz_stix_pattern *p,
                                size_t *err_off, const char **err_what)
{
    pstate x;
    memset(&x, 0, sizeof x);
    x.s = s;
    x.n = n;
    x.p = p;
    *err_off = 0;
    *err_what = NULL;
    if (n > KZ_STIX_MAX_PATTERN) {
        *err_what = "pattern too long";
        return KZ_ERR_LIMIT;
    }
    p->arena_cap = 2 * n + 64;
    p->arena = kz_malloc(p->arena_cap);
    if (!p->arena) {
        *err_what = "out of memory";
        return KZ_ERR_NOMEM;
    }
    if (memchr(s, '\0', n)) {
        x.i = (size_t)((const char *)memchr(s, '\0', n) - s);
        fail(&x, KZ_ERR_PARSE, "NUL byte in pattern");
    } else if (obs_exprs(&x) == 0) {
        skip_ws(&x);
        if (x.i < n)
            fail(&x, KZ_ERR_PARSE, "unexpected text after the pattern");
    }
    *err_off = x.err_off;
    *err_what = x.err;
    return x.st;
}

void kz_stix_pattern_free(kz_stix_pattern *p)
{
    if (!p)
        return;
    kz_free(p->cmp);
    kz_free(p->arena);
    memset(p, 0, sizeof *p);
}
