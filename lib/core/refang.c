/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Refang and defang. kz_refang_map undoes the defanging conventions of
 * threat-intel prose in one left-to-right pass: at each position a fixed set
 * of matchers with bounded lookahead (a few hundred bytes) is tried, so the
 * pass is linear. Invariants: the output is never longer than the input, every
 * output byte maps to the input offset it came from, and a form is only
 * rewritten between host-like characters, so ordinary prose stays intact.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/core_int.h"
#include "core/simd_int.h"
#include "core/refang_int.h"
#include "core/trigger_int.h"

/* ---- characters through full-width folding -------------------------------
 * The matchers read U+FF01..U+FF5E (full-width ASCII, brackets included) as
 * their ASCII twins, so "ｅｘａｍｐｌｅ［．］ｃｏｍ" is seen as
 * "example[.]com"; when such a character is written in ASCII is decided
 * per run (see "the pass"). U+3002 and U+FF61 (ideographic full stops) are
 * CP_IDEO_DOT: a dot only between ASCII label characters, never at the end
 * of a Japanese sentence. U+3000 is not a space here. */

enum { CP_END = -1, CP_IDEO_DOT = 0x100, CP_OTHER = 0x200 };

/* 1 when the byte s[i] >= 0x80 starts none of the characters cp_at names
 * (full-width forms U+FF01..U+FF5E, the ideographic full stops U+3002 and
 * U+FF61): only EF BC, EF BD and E3 80 82 start them. */
static inline int cp_is_other(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if ((c != 0xEF && c != 0xE3) || i + 2 >= n)
        return 1;
    unsigned char c1 = (unsigned char)s[i + 1], c2 = (unsigned char)s[i + 2];
    if (c == 0xE3)
        return !(c1 == 0x80 && c2 == 0x82);
    if (c1 == 0xBC)
        return !(c2 >= 0x81 && c2 <= 0xBF);
    if (c1 == 0xBD)
        return !((c2 >= 0x80 && c2 <= 0x9E) || c2 == 0xA1);
    return 1;
}

__attribute__((always_inline)) static inline int cp_at(const char *s, size_t n,
                                                       size_t i, size_t *len)
{
    *len = 0;
    if (i >= n)
        return CP_END;
    unsigned char c = (unsigned char)s[i];
    *len = 1;
    if (c < 0x80)
        return c;
    if (cp_is_other(s, n, i))
        return CP_OTHER | c;
    unsigned char c1 = (unsigned char)s[i + 1], c2 = (unsigned char)s[i + 2];
    *len = 3;
    if (c == 0xE3 || (c1 == 0xBD && c2 == 0xA1))
        return CP_IDEO_DOT;
    return c1 == 0xBC ? 0x21 + (c2 - 0x81)  /* U+FF01..U+FF3F */
                      : 0x60 + (c2 - 0x80); /* U+FF40..U+FF5E */
}

static int is_ascii(int c)
{
    return c >= 0 && c < 0x80;
}

static int is_host(int c)
{
    return is_ascii(c) &&
           (kz_is_alnum((unsigned char)c) || c == '-' || c == '_');
}

static int is_alnum_cp(int c)
{
    return is_ascii(c) && kz_is_alnum((unsigned char)c);
}

static int is_lowdig(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t';
}

/* Matches the ASCII string w at *p through folding (letters without case
 * when nocase); advances *p on success only. */
static int eat_str(const char *s, size_t n, size_t *p, const char *w,
                   int nocase)
{
    size_t q = *p, len;
    for (; *w; w++) {
        int c = cp_at(s, n, q, &len);
        if (!is_ascii(c))
            return 0;
        if (nocase ? kz_lower((unsigned char)c) != (unsigned char)*w
                   : c != (unsigned char)*w)
            return 0;
        q += len;
    }
    *p = q;
    return 1;
}

#define MAX_RUN 4 /* spaces or bracket characters in a row inside a form */

static size_t skip_ws(const char *s, size_t n, size_t *p, size_t max)
{
    size_t k = 0, len;
    while (k < max && is_ws(cp_at(s, n, *p, &len))) {
        *p += len;
        k++;
    }
    return k;
}

/* ---- output --------------------------------------------------------------
 * A replacement is emitted whole or not at all; its bytes map to the start
 * of what it replaced, unless it equals its source byte for byte. */

struct piece {
    const char *txt;
    size_t len, src, srclen;
};

struct match {
    struct piece pc[2];
    int np;
    size_t end;
    char buf[8];
};

struct writer {
    const char *s;
    char *o;
    uint32_t *map;
    size_t k, room;
    size_t n; /* the bytes readable at s */
};

static int prev_byte(const struct writer *w)
{
    return w->k ? (unsigned char)w->o[w->k - 1] : CP_END;
}

static void put_piece(struct writer *w, const struct piece *p)
{
    int same =
        p->len == p->srclen && memcmp(p->txt, w->s + p->src, p->len) == 0;
    for (size_t j = 0; j < p->len; j++) {
        w->o[w->k] = p->txt[j];
        if (w->map)
            w->map[w->k] = (uint32_t)(same ? p->src + j : p->src);
        w->k++;
    }
}

static int put_match(struct writer *w, const struct match *m)
{
    size_t total = 0;
    for (int j = 0; j < m->np; j++)
        total += m->pc[j].len;
    if (total > w->room - w->k)
        return 0;
    for (int j = 0; j < m->np; j++)
        put_piece(w, &m->pc[j]);
    return 1;
}

static void set_one(struct match *m, const char *txt, size_t src, size_t end)
{
    m->pc[0] = (struct piece){txt, strlen(txt), src, end - src};
    m->np = 1;
    m->end = end;
}

/* ---- context ---------------------------------------------------------- */

/* English words that a bare " dot " must not glue to a TLD-looking word:
 * "the dot is", "each dot in". Several are TLDs themselves (in, is, to). */
static const char *const stop_words[] = {
    "a",   "all",  "also", "an",   "and",   "any",  "are",  "as",    "at",
    "be",  "been", "but",  "by",   "can",   "do",   "each", "for",   "from",
    "go",  "had",  "has",  "have", "he",    "her",  "his",  "i",     "if",
    "in",  "into", "is",   "it",   "its",   "me",   "my",   "new",   "no",
    "not", "of",   "on",   "one",  "or",    "our",  "per",  "red",   "she",
    "so",  "than", "that", "the",  "their", "them", "then", "there", "this",
    "to",  "up",   "us",   "was",  "we",    "were", "what", "when",  "which",
    "who", "will", "with", "you",  "your",
};

static int is_stop_word(const char *wd, size_t n)
{
    for (size_t i = 0; i < sizeof stop_words / sizeof stop_words[0]; i++) {
        const char *sw = stop_words[i];
        if (strlen(sw) != n)
            continue;
        size_t j = 0;
        while (j < n && kz_lower((unsigned char)wd[j]) == (unsigned char)sw[j])
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

/* The label starting at r (folded, lower-cased into lab): its length, 0
 * when there is none or it is longer than 63; *after gets its end. */
static size_t right_label(const char *s, size_t n, size_t r, char lab[64],
                          size_t *after)
{
    size_t k = 0, len, p = r;
    int c;
    while (is_host(c = cp_at(s, n, p, &len))) {
        if (k == 63)
            return 0;
        lab[k++] = (char)kz_lower((unsigned char)c);
        p += len;
    }
    *after = p;
    return k;
}

/* A dot written as a word or with spaces around it ("bar DOT com",
 * "example [.] com"): the word written before must not be a stop word, and
 * either the label after is a TLD (not a stop word either, when bare) or
 * the word before already continues a host ('.' or '@' before it). With
 * alone ("bad-dot-com"), the two words must be the whole host: nothing
 * host-like before or after, so the real label in "a.bad-dot-com" stays. */
static int spaced_dot_ok(const struct writer *w, const char *s, size_t n,
                         size_t r, int bare, int alone)
{
    size_t st = w->k;
    while (st > 0 && w->k - st < 64 && kz_is_alnum((unsigned char)w->o[st - 1]))
        st--;
    size_t ll = w->k - st;
    if (ll == 0 || ll > 63 || is_stop_word(w->o + st, ll))
        return 0;
    char lab[64];
    size_t after, len;
    size_t rl = right_label(s, n, r, lab, &after);
    if (rl == 0)
        return 0;
    int before = st > 0 ? (unsigned char)w->o[st - 1] : 0;
    if (alone) {
        int c = cp_at(s, n, after, &len);
        if (is_host(before) || (before && strchr(".@\\", before)) ||
            !(c == CP_END || is_ws(c) ||
              (c > 0 && is_ascii(c) && strchr("/:,;)\"'>!?", c))))
            return 0;
    }
    int tld = kz_psl_label_is_tld(lab, rl);
    if (bare)
        return tld && !is_stop_word(lab, rl);
    return tld || before == '.' || before == '@';
}

/* ---- the bracket/word forms ----------------------------------------------
 * A form is: spaces, a run A of bracket characters, spaces, a core ('.',
 * "dot", '@', "at", ':', "://", '/', '-', ','), spaces, a run B of bracket
 * characters, spaces. Which combinations count is decided by form_repl. */

enum core {
    K_NONE,
    K_DOT,
    K_WDOT,
    K_COMMA,
    K_AT,
    K_WAT,
    K_COLON,
    K_CSS,
    K_SLASH,
    K_HYPHEN
};

enum {
    B_OSQ = 1,    /* [ */
    B_CSQ = 2,    /* ] */
    B_OPEN = 4,   /* ( { */
    B_CLOSE = 8,  /* ) } */
    B_OANG = 16,  /* < */
    B_CANG = 32,  /* > */
    B_BSL = 64,   /* \ */
    B_CARET = 128 /* ^ */
};

#define B_OPENERS (B_OSQ | B_OPEN | B_OANG)
#define B_CLOSERS (B_CSQ | B_CLOSE | B_CANG)

/* The bracket flag of each ASCII character (0: none). */
static const unsigned char bracket_flags[0x80] = {
    ['['] = B_OSQ,   [']'] = B_CSQ,   ['('] = B_OPEN, ['{'] = B_OPEN,
    [')'] = B_CLOSE, ['}'] = B_CLOSE, ['<'] = B_OANG, ['>'] = B_CANG,
    ['\\'] = B_BSL,  ['^'] = B_CARET};

/* The flag of the character c (as cp_at gives it: any int). */
static inline unsigned bracket_flag(int c)
{
    return (unsigned)c < 0x80 ? bracket_flags[c] : 0;
}

static size_t bracket_run(const char *s, size_t n, size_t *p, unsigned *fl)
{
    size_t k = 0, len;
    unsigned f;
    *fl = 0;
    while (k < MAX_RUN && (f = bracket_flag(cp_at(s, n, *p, &len))) != 0) {
        *fl |= f;
        *p += len;
        k++;
    }
    return k;
}

static const struct {
    const char *w;
    enum core k;
} core_words[] = {
    {"://", K_CSS},  {"arroba", K_WAT}, {"punto", K_WDOT}, {"punkt", K_WDOT},
    {"dot", K_WDOT}, {"at", K_WAT},     {"et", K_WAT},
};

struct form {
    size_t start, ws1, ws2, ws3, ws4, na, nb, end;
    unsigned fa, fb;
    enum core core;
    const char *word; /* the core word matched, or NULL */
    int upper;        /* the word was written all upper-case */
};

static int parse_form(const char *s, size_t n, size_t i, struct form *f)
{
    size_t p = i, len;
    memset(f, 0, sizeof *f);
    f->start = i;
    f->ws1 = skip_ws(s, n, &p, MAX_RUN);
    f->na = bracket_run(s, n, &p, &f->fa);
    if (f->na)
        f->ws2 = skip_ws(s, n, &p, MAX_RUN);
    int first = cp_at(s, n, p, &len);
    int word = first > 0 && is_ascii(first) && strchr(":adepADEP", first);
    for (size_t j = 0; word && j < sizeof core_words / sizeof core_words[0];
         j++) {
        size_t q = p;
        if (eat_str(s, n, &q, core_words[j].w, 1)) {
            f->core = core_words[j].k;
            f->word = core_words[j].w;
            f->upper = 1;
            while (p < q) {
                int c = cp_at(s, n, p, &len);
                if (c >= 'a' && c <= 'z')
                    f->upper = 0;
                p += len;
            }
            break;
        }
    }
    if (f->core == K_NONE) {
        switch (cp_at(s, n, p, &len)) {
        case '.':
        case CP_IDEO_DOT:
            f->core = K_DOT;
            break;
        case ',':
            f->core = K_COMMA;
            break;
        case '@':
            f->core = K_AT;
            break;
        case ':':
            f->core = K_COLON;
            break;
        case '/':
            f->core = K_SLASH;
            break;
        case '-':
            f->core = K_HYPHEN;
            break;
        default:
            return 0;
        }
        p += len;
    }
    f->ws3 = skip_ws(s, n, &p, MAX_RUN);
    size_t q = p;
    f->nb = bracket_run(s, n, &q, &f->fb);
    if (f->nb) {
        p = q;
        f->ws4 = skip_ws(s, n, &p, MAX_RUN);
    }
    f->end = p;
    return 1;
}

/* Brackets that open before the core and close after it: [.] (.) {.} <.>
 * \(.\) [[[ . ])] */
static int proper_pair(const struct form *f)
{
    return f->na && f->nb && (f->fa & B_CLOSERS) == 0 &&
           (f->fb & (B_OPENERS | B_CARET)) == 0;
}

/* Both sides bracketed, in order or not: also ].[ [.[ }.{ {.{ (ioc-fanger
 * forms), but never "}[" before the core ("{1,30}[.]x": the '}' belongs to
 * the text), and out of order only with [ ] ( ) { }: not "<a>-<b>", not
 * "(network).\r\n". */
static int both_sides_ok(const struct form *f)
{
    if (proper_pair(f))
        return 1;
    unsigned all = f->fa | f->fb;
    return f->na && f->nb &&
           (all & ~(unsigned)(B_OSQ | B_CSQ | B_OPEN | B_CLOSE)) == 0 &&
           !((f->fa & B_OPENERS) && (f->fa & B_CLOSERS)) &&
           !((f->fb & B_OPENERS) && (f->fb & B_CLOSERS));
}

static int dot_brackets_ok(const struct form *f)
{
    if (f->na && f->nb)
        return both_sides_ok(f);
    if (f->na) /* [. \. ^. [[[. but not {. or }. */
        return (f->fa & ~(unsigned)(B_OSQ | B_BSL | B_CARET)) == 0;
    if (f->nb) /* .] .]]] but not .[ .{ .} */
        return f->fb == B_CSQ;
    return 0;
}

static int word_brackets_ok(const struct form *f, int dot)
{
    if (f->na && f->nb)
        return both_sides_ok(f);
    if (f->na) /* "[dotcom", not "[atlas" */
        return dot && f->fa == B_OSQ;
    if (f->nb) /* "fooDOT]com", "fooat]bar" */
        return (f->fb & ~(unsigned)(B_CSQ | B_CLOSE)) == 0;
    return 0;
}

/* "www\.example\.com" is regex-escaped, but in "Microsoft\.NETFramework"
 * or "Panther\setup\.etl\.000" the token before holds a backslash that is
 * not an escape: a registry or file path, left alone. */
static int in_backslash_path(const struct writer *w)
{
    size_t st = w->k;
    while (st > 0 && w->k - st < 128) {
        unsigned char c = (unsigned char)w->o[st - 1];
        if (!is_host(c) && c != '.' && c != '\\')
            break;
        if (c == '\\' && (st == w->k || w->o[st] != '.'))
            return 1;
        st--;
    }
    return 0;
}

/* What else a local part may end with ("a+[at]example.com"). */
static int is_atext_punct(int c)
{
    return c > 0 && c < 0x80 && strchr("!#$%&'*+/=?^`{|}~", c) != NULL;
}

static int is_closer(int c)
{
    return c == ')' || c == ']' || c == '}';
}

static int is_dot_form(const char *s, size_t n, size_t p);

/* Something that reads as a host after an '@': a label, then a dot or a
 * bracketed dot form, then a label character. */
static int domainish(const char *s, size_t n, size_t r)
{
    char lab[64];
    size_t after, len, l2;
    if (right_label(s, n, r, lab, &after) == 0)
        return 0;
    int c = cp_at(s, n, after, &len);
    if (c == '.' || c == CP_IDEO_DOT)
        return is_host(cp_at(s, n, after + len, &l2));
    return is_dot_form(s, n, after);
}

/* The replacement for a parsed form after prev, or NULL. w is NULL in a
 * lookahead, where only bracketed dots are considered. */
/* 1 when the closing bracket at s[i] closes one opened earlier in the same
 * word: "[ID-3350].[mail@x.cc]" (Phobos' file extensions) is two bracketed
 * groups, not the dot form "].[" of "evil].[com". */
static int closes_group(const char *s, size_t i)
{
    char c = s[i];
    char o = c == ']' ? '[' : c == ')' ? '(' : c == '}' ? '{' : 0;
    int depth = 0;
    for (size_t k = i; o && k > 0 && i - k < 256;) {
        char d = s[--k];
        if (d == ' ' || d == '\t')
            break;
        if (d == c)
            depth++;
        else if (d == o && depth-- == 0)
            return 1;
    }
    return 0;
}

static const char *form_repl(const struct form *f, const char *s, size_t n,
                             const struct writer *w, int prev)
{
    size_t len;
    int R = cp_at(s, n, f->end, &len);
    int br = f->na || f->nb;
    int wsl = f->ws1 > 0, wsr = (f->nb ? f->ws4 : f->ws3) > 0;
    int anyws = f->ws1 || f->ws2 || f->ws3 || f->ws4;

    if (wsr && !wsl)
        return NULL; /* "array[.] Then" */
    switch (f->core) {
    case K_DOT: /* after a closer only in a proper pair: "{1,30}[.]x" */
        /* Between two digits any bracket noise around a dot is a defanged
         * address ("10.10.10.)))10", "10(((.]]]]10"): no prose looks so. */
        if (!anyws && (f->na || f->nb) && (f->fa & B_CLOSERS) == 0 &&
            prev >= '0' && prev <= '9' && R >= '0' && R <= '9')
            return "."; /* but not "{1,30}[.]0d2.ru", a closer first */
        if (!(is_host(prev) || (is_closer(prev) && proper_pair(f))) ||
            !dot_brackets_ok(f) || !is_host(R))
            return NULL;
        if ((f->fa & B_CLOSERS) && !f->ws1 && closes_group(s, f->start))
            return NULL;
        if (wsl && w && !spaced_dot_ok(w, s, n, f->end, 0, 0))
            return NULL;
        if ((f->fa & B_BSL) && !f->nb && w && in_backslash_path(w))
            return NULL;
        return ".";
    case K_WDOT:
        if (!is_host(prev) || !is_host(R))
            return NULL;
        if (br) {
            if (!word_brackets_ok(f, 1))
                return NULL;
            if (wsl && w && !spaced_dot_ok(w, s, n, f->end, 0, 0))
                return NULL;
            return ".";
        }
        if (!w || strcmp(f->word, "dot") != 0)
            return NULL;
        if (!wsl && !wsr) /* "fooDOTcom", not "ANECDOTE" or "foodotcom" */
            return f->upper && is_lowdig(prev) && is_lowdig(R) ? "." : NULL;
        return wsl && wsr && spaced_dot_ok(w, s, n, f->end, 1, 0) ? "." : NULL;
    case K_COMMA: /* 5[,]6 */
        return proper_pair(f) && !anyws && is_host(prev) && is_host(R) ? "."
                                                                       : NULL;
    case K_AT:
        if (!w || (!br && !anyws))
            return NULL;
        if (!is_host(prev) && !(br && is_atext_punct(prev)))
            return NULL;
        if (br && !proper_pair(f))
            return NULL; /* [@] (@) { @ ) but not "<@" or ">@<" */
        return domainish(s, n, f->end) ? "@" : NULL;
    case K_WAT:
        if (!w || (!is_host(prev) && !(br && is_atext_punct(prev))))
            return NULL;
        if (br) {
            if (!word_brackets_ok(f, 0))
                return NULL;
        } else if (strcmp(f->word, "at") != 0 || !f->upper ||
                   !is_lowdig(prev)) {
            return NULL; /* only "fooATbar" and "foo AT bar.com" */
        } else if (!wsl && !wsr ? !is_lowdig(R) : !(wsl && wsr)) {
            return NULL;
        }
        return domainish(s, n, f->end) ? "@" : NULL;
    case K_COLON: /* 1.2.3.4[:]80 */
        return proper_pair(f) && !anyws && is_host(prev) &&
                       (is_host(R) || R == '/')
                   ? ":"
                   : NULL;
    case K_CSS: /* example[://]x, when the scheme is not one we know */
        return proper_pair(f) && !anyws && is_host(prev) &&
                       (is_host(R) || R == '[' || R == '/')
                   ? "://"
                   : NULL;
    case K_SLASH: /* com[/]path, com(/)path, com[/path */
        if (anyws || !is_host(prev))
            return NULL;
        if (proper_pair(f))
            return R != CP_END && !is_ws(R) ? "/" : NULL;
        return f->fa == B_OSQ && !f->nb && is_host(R) ? "/" : NULL;
    case K_HYPHEN: /* foo[-]bar */
        return proper_pair(f) && !anyws && is_host(prev) && is_host(R) ? "-"
                                                                       : NULL;
    case K_NONE:
        break;
    }
    return NULL;
}

static int is_dot_form(const char *s, size_t n, size_t p)
{
    struct form f;
    return parse_form(s, n, p, &f) && (f.core == K_DOT || f.core == K_WDOT) &&
           form_repl(&f, s, n, NULL, 'a') != NULL;
}

static int try_form(const char *s, size_t n, size_t i, const struct writer *w,
                    int prev, struct match *m)
{
    struct form f;
    if (!parse_form(s, n, i, &f))
        return 0;
    const char *r = form_repl(&f, s, n, w, prev);
    if (!r || strlen(r) > f.end - i)
        return 0;
    set_one(m, r, i, f.end);
    return 1;
}

/* "bad-dot-com": only before a final TLD label. */
static int try_dash_dot(const char *s, size_t n, size_t i,
                        const struct writer *w, struct match *m)
{
    size_t p = i;
    if (!eat_str(s, n, &p, "-dot-", 1) || !spaced_dot_ok(w, s, n, p, 1, 1))
        return 0;
    set_one(m, ".", i, p);
    return 1;
}

/* "[www].example.com", "(www).example.com": brackets around a first label
 * are dropped (brackets around a whole address are left alone). */
static int try_label(const char *s, size_t n, size_t i, struct match *m)
{
    size_t p = i, len, l2;
    int o = cp_at(s, n, p, &len);
    if (o != '[' && o != '(')
        return 0;
    p += len;
    size_t ls = p, k = 0;
    int c;
    while ((is_alnum_cp(c = cp_at(s, n, p, &len)) || c == '-') && len == 1) {
        if (++k > 63)
            return 0;
        p++;
    }
    size_t le = p;
    if (k == 0 || cp_at(s, n, p, &len) != (o == '[' ? ']' : ')'))
        return 0;
    /* "Setup (1).exe", "report[2].pdf": a copy number, not a label. */
    size_t dg = ls;
    while (dg < le && kz_is_digit((unsigned char)s[dg]))
        dg++;
    if (dg == le)
        return 0;
    p += len;
    c = cp_at(s, n, p, &len);
    if (c != '.' || !is_host(cp_at(s, n, p + len, &l2)))
        return 0;
    m->pc[0] = (struct piece){s + ls, le - ls, ls, le - ls};
    m->np = 1;
    m->end = p;
    return 1;
}

/* ---- schemes ------------------------------------------------------------ */

static const char *const real_schemes[] = {
    "http", "https", "ftp", "ftps", "sftp", "ws",
    "wss",  "tcp",   "udp", "smb",  "file",
};

/* The scheme a lower-cased token stands for: hxxp hXXps h**p hxtp hxxxp
 * xxxx xxxxx xxxxs fxp ftx fxps meow; *real when it is one already. */
static const char *scheme_of(const char *t, size_t n, int *real)
{
    *real = 0;
    for (size_t i = 0; i < sizeof real_schemes / sizeof real_schemes[0]; i++) {
        if (strlen(real_schemes[i]) == n &&
            memcmp(real_schemes[i], t, n) == 0) {
            *real = 1;
            return real_schemes[i];
        }
    }
    int sec = n > 0 && t[n - 1] == 's';
    size_t m = n - (size_t)sec;
    if ((m == 4 || m == 5) && t[0] == 'h' && t[m - 1] == 'p') {
        size_t j = 1;
        while (j < m - 1 && strchr("xt*", t[j]))
            j++;
        if (j == m - 1)
            return sec ? "https" : "http";
    }
    size_t x = 0;
    while (x < n && t[x] == 'x')
        x++;
    if (x == 4 && n == 4)
        return "http";
    if (n == 5 && (x == 5 || (x == 4 && t[4] == 's')))
        return "https"; /* xxxxx, xxxxs */
    if (m == 3 && t[0] == 'f' && (t[1] == 't' || t[1] == 'x') &&
        (t[2] == 'p' || t[2] == 'x'))
        return sec ? "ftps" : "ftp";
    if (m == 4 && memcmp(t, "meow", 4) == 0)
        return sec ? "https" : "http";
    return NULL;
}

/* A scheme at a word start with its separator, defanged or not:
 * "hxxp://", "[http]://", "http]://", "http[:]//", "http[://]",
 * "http(:)//", "http:[//]", "http:\/\/", "http ://", "http:// x",
 * "https:///x", "http:__x". Never longer than what it replaces, so
 * "https//x" (which would need a byte more) is left alone. */
static int try_scheme(const char *s, size_t n, size_t i, struct match *m)
{
    size_t p = i, len;
    int c = cp_at(s, n, p, &len), open = 0;
    if (c == '[' || c == '(') {
        open = 1;
        p += len;
    }
    size_t ts = p, tn = 0;
    char tok[8], orig[8];
    for (;;) {
        c = cp_at(s, n, p, &len);
        if (!is_ascii(c) || !(kz_is_alpha((unsigned char)c) || c == '*'))
            break;
        if (tn == 7)
            return 0;
        orig[tn] = (char)c;
        tok[tn++] = (char)kz_lower((unsigned char)c);
        p += len;
    }
    int real;
    const char *canon = tn >= 2 ? scheme_of(tok, tn, &real) : NULL;
    if (!canon)
        return 0;
    size_t te = p;
    c = cp_at(s, n, p, &len);
    if (c == ']' || c == ')')
        p += len;
    else if (open)
        return 0;

    size_t sep = p;
    skip_ws(s, n, &p, 2);
    int colon = eat_str(s, n, &p, ":", 0) || eat_str(s, n, &p, "[:]", 0) ||
                eat_str(s, n, &p, "(:)", 0) || eat_str(s, n, &p, "{:}", 0);
    int slashes =
        eat_str(s, n, &p, "//", 0) || eat_str(s, n, &p, "\\/\\/", 0) ||
        eat_str(s, n, &p, "[//]", 0) || eat_str(s, n, &p, "(//)", 0) ||
        eat_str(s, n, &p, "{//}", 0) || (colon && eat_str(s, n, &p, "__", 0));
    if (!colon && !slashes)
        slashes = eat_str(s, n, &p, "[://]", 0) ||
                  eat_str(s, n, &p, "(://)", 0) ||
                  eat_str(s, n, &p, "{://}", 0);
    if (!slashes)
        return 0;

    int file = strcmp(canon, "file") == 0;
    size_t base = p;
    if (!file) {
        for (int k = 0; k < 2 && eat_str(s, n, &p, "/", 0); k++)
            ;
        skip_ws(s, n, &p, 2);
    }
    c = cp_at(s, n, p, &len);
    if (!(is_host(c) || c == '[')) {
        p = base;
        c = cp_at(s, n, p, &len);
        if (!(is_host(c) || c == '[' || (file && c == '/')))
            return 0;
    }

    size_t cl = real ? tn : strlen(canon);
    if (cl + 3 > p - i)
        return 0;
    if (real)
        memcpy(m->buf, orig, tn);
    else
        memcpy(m->buf, canon, cl);
    m->pc[0] = (struct piece){m->buf, cl, ts, te - ts};
    m->pc[1] = (struct piece){"://", 3, sep, p - sep};
    m->np = 2;
    m->end = p;
    return 1;
}

/* ---- the pass -----------------------------------------------------------
 * Outside the forms, a full-width character is written in ASCII only when
 * its run (the non-space characters around it) reads as an indicator: it
 * holds a full-width '．' '：' '／' '＠', or an ideographic full stop between
 * letters or digits. So "ｅｖｉｌ．ｃｏｍ" becomes "evil.com" while a file
 * name such as "資料１（写）.docx" keeps its full-width digit and brackets. */

struct run {
    size_t end; /* the run ends here; positions before it are decided */
    int fold;
};

static int is_run_char(int c)
{
    return (c > 0x20 && c < 0x7f) || c == CP_IDEO_DOT;
}

/* Whether the full-width character at i is folded. Runs are scanned once
 * each, from the first position the pass needs them at, so this stays
 * linear. */
static int fold_run(const char *s, size_t n, size_t i, struct run *r)
{
    if (i < r->end)
        return r->fold;
    size_t p = i, len, l2;
    int c, prev = CP_END;
    r->fold = 0;
    while (is_run_char(c = cp_at(s, n, p, &len))) {
        if (len == 3 && (c == '.' || c == ':' || c == '/' || c == '@'))
            r->fold = 1;
        if (c == CP_IDEO_DOT && is_alnum_cp(prev) &&
            is_alnum_cp(cp_at(s, n, p + len, &l2)))
            r->fold = 1;
        prev = c;
        p += len;
    }
    r->end = p;
    return r->fold;
}

/* 1 when the ASCII token that holds s[p] has a "//" before p (a scheme's,
 * defanged or not: "hxxp[:]//"): s[p] is in a URL's query or fragment
 * ("?id=1&t=186af1fb。soft@x"), where no host starts. */
static int after_scheme(const char *s, size_t p)
{
    for (size_t q = p; q >= 2 && p - q < 2048; q--) {
        unsigned char c = (unsigned char)s[q - 1];
        if (c <= ' ' || c >= 0x80)
            return 0;
        if (c == '/' && s[q - 2] == '/')
            return 1;
    }
    return 0;
}

/* 1 when the ideographic full stop at s[i] ends a sentence after a value
 * that has its dots already: the label before it follows a dot or a
 * closing bracket ("evil[.]com。C2サーバー", "a.exe。Cobalt"), a slash of
 * a URL path ("https://evil.com/soft。PowerShell") or a '=' '&' '?' '#' of
 * its query, not a Japanese character or the start of the text
 * ("evil。com", "//evil。com"); or the label is a whole digest (32, 40, 64
 * or 128 hex digits: "<md5>。No."). Looks back over label characters,
 * full-width letters and digits and ideographic full stops (at most 256
 * bytes: a host is shorter). */
static int ideo_dot_ends_value(const char *s, size_t i)
{
    size_t h = i;
    while (h > 0 && i - h <= 128 && kz_is_xdigit((unsigned char)s[h - 1]))
        h--;
    size_t hl = i - h;
    if ((hl == 32 || hl == 40 || hl == 64 || hl == 128) &&
        (h == 0 || !is_host((unsigned char)s[h - 1])))
        return 1;
    size_t p = i;
    while (p > 0 && i - p < 256) {
        unsigned char c = (unsigned char)s[p - 1];
        if (c < 0x80) {
            if (kz_is_alnum(c) || c == '-' || c == '_') {
                p--;
                continue;
            }
            return c == '.' || c == ']' || c == ')' || c == '}' ||
                   (c == '/' && p >= 2 && s[p - 2] != '/') ||
                   ((c == '=' || c == '&' || c == '?' || c == '#') &&
                    after_scheme(s, p - 1));
        }
        if (p < 3)
            return 0;
        const unsigned char *u = (const unsigned char *)s + p - 3;
        if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x82) { /* 。 */
            p -= 3;
            continue;
        }
        if (u[0] == 0xEF && u[1] == 0xBC) {
            if ((u[2] >= 0x90 && u[2] <= 0x99) ||
                (u[2] >= 0xA1 && u[2] <= 0xBA)) {
                p -= 3; /* ０-９, Ａ-Ｚ */
                continue;
            }
            return u[2] == 0x8E || u[2] == 0x89 || u[2] == 0xBD; /* ．）］ */
        }
        if (u[0] == 0xEF && u[1] == 0xBD) {
            if (u[2] >= 0x81 && u[2] <= 0x9A) { /* ａ-ｚ */
                p -= 3;
                continue;
            }
            return u[2] == 0x9D; /* ｝ */
        }
        return 0;
    }
    return 0;
}

/* 1 when the ASCII word at s[p] (after an ideographic full stop) is glued
 * to kana or kanji and is no top-level domain: a new sentence starting in
 * ASCII ("...。C2サーバーへ", "...。PowerShellを"), not the next label of a
 * host ("evil。comを" still is one). */
static int ideo_dot_starts_sentence(const char *s, size_t n, size_t p)
{
    size_t q = p;
    while (q < n && q - p < 64 &&
           (kz_is_alnum((unsigned char)s[q]) || s[q] == '-' || s[q] == '_'))
        q++;
    if (q == p || q >= n)
        return 0;
    unsigned char c = (unsigned char)s[q];
    if (c < 0xE3 || c == 0xEF ||
        (c == 0xE3 && q + 1 < n && (unsigned char)s[q + 1] == 0x80))
        return 0; /* ASCII, Latin, full-width forms, CJK punctuation */
    return !kz_psl_label_is_tld(s + p, q - p);
}

/* Test hook: the shortcut for the commonest form may be turned off, so
 * the tests can compare it with the general matchers. */
static int shortcuts = 1;

void kz_refang_shortcuts(int on)
{
    shortcuts = on;
}

static int escaped_dot(const char *s, size_t n, size_t i);

/* 1 when s[i] starts "[.]", "(.)" or "{.}" before an ASCII label
 * character: after a label character, the commonest form. */
static int dot_pair_at(const char *s, size_t n, size_t i)
{
    char c = s[i];
    return (c == '[' || c == '(' || c == '{') && i + 3 < n && s[i + 1] == '.' &&
           s[i + 2] == (c == '['   ? ']'
                        : c == '(' ? ')'
                                   : '}') &&
           is_host((unsigned char)s[i + 3]);
}

static int match_at(const char *s, size_t n, size_t i, const struct writer *w,
                    struct match *m)
{
    size_t len;
    int prev = prev_byte(w);
    int c = cp_at(s, n, i, &len);
    /* JSON and C string escapes inside a value: "C:\\\\ProgramData\\\\x",
     * "https:\\/\\/host\\/a" (a UNC path's leading "\\\\" stays). */
    if (c == '\\' && i + 1 < n &&
        (s[i + 1] == '/' || (s[i + 1] == '\\' && !escaped_dot(s, n, i))) &&
        (is_host(prev) || prev == ':' || prev == '.' || prev == '%' ||
         prev == '$' || prev == '}' || prev == ')' || prev == '/')) {
        set_one(m, s[i + 1] == '/' ? "/" : "\\", i, i + 2);
        return 1;
    }
    if (is_host(prev)) {
        if (c == '-' && try_dash_dot(s, n, i, w, m))
            return 1;
        /* A form starts with a space, a bracket, a core character or the
         * first letter of a core word: skip plain label characters fast. */
        if (is_alnum_cp(c) && !strchr("adepADEP", c))
            return 0;
        if (!is_ascii(c) && c != CP_IDEO_DOT)
            return 0;
        /* The commonest form, "host[.]tld" (also "(.)", "{.}"), without
         * parsing: what try_form answers for a bracket pair around a dot
         * between two ASCII label characters. */
        if (shortcuts && dot_pair_at(s, n, i)) {
            set_one(m, ".", i, i + 3);
            return 1;
        }
        return try_form(s, n, i, w, prev, m);
    }
    if (c == '[' || c == '(' || (is_ascii(c) && kz_is_alpha((unsigned char)c)))
        if (try_scheme(s, n, i, m) || try_label(s, n, i, m))
            return 1;
    /* "a+[at]example.com": a local part may end in other atext;
     * "{1,30}[.]example.com": a dot in a proper pair after a closer. */
    if ((is_atext_punct(prev) || is_closer(prev)) && bracket_flag(c))
        return try_form(s, n, i, w, prev, m);
    return 0;
}

/* ---- fast path -------------------------------------------------------------
 * 1 when the ASCII byte s[i] cannot start a form given the byte written
 * before it, so the main loop may copy it without trying the matchers.
 * Every rule here mirrors an early "return 0" of match_at and the matchers
 * it calls; when in doubt it answers 0 and the matchers decide. Advisory
 * prose is mostly such bytes, so this is what makes the pass fast. */
static int could_start_scheme(const char *s, size_t n, size_t i)
{
    size_t r = i;
    while (r < n && r - i < 8 &&
           (kz_is_alpha((unsigned char)s[r]) || s[r] == '*'))
        r++;
    if (r - i < 2 || r - i > 7)
        return 0;
    if (r < n && (s[r] == ']' || s[r] == ')'))
        r++;
    for (int k = 0; k < 2 && r < n && is_ws((unsigned char)s[r]); k++)
        r++;
    if (r >= n)
        return 0;
    unsigned char c = (unsigned char)s[r];
    if (c == '[' || c == '(' || c == '{')
        /* "[:]", "[://]", "(//)": a bracketed separator holds a colon or
         * a slash first; "evil[.]com" is a dot form, no scheme. */
        return !shortcuts ||
               (r + 1 < n && (s[r + 1] == ':' || s[r + 1] == '/'));
    return c == ':' || c == '/' || c == '\\' || c == '_' || c >= 0x80;
}

static int is_core_initial(unsigned char c)
{
    return c == 'a' || c == 'd' || c == 'e' || c == 'p' || c == 'A' ||
           c == 'D' || c == 'E' || c == 'P';
}

static int eat_ascii_ci(const char *s, const char *w, size_t l)
{
    for (size_t k = 0; k < l; k++)
        if (kz_lower((unsigned char)s[k]) != (unsigned char)w[k])
            return 0;
    return 1;
}

/* 1 when one of the core words ("dot", "at", "punto", ...) starts at s[i],
 * in any case. Keep in step with core_words. */
static int core_word_at(const char *s, size_t n, size_t i)
{
#define AT(w) (i + sizeof w - 1 <= n && eat_ascii_ci(s + i, w, sizeof w - 1))
    switch (kz_lower((unsigned char)s[i])) {
    case 'a':
        return AT("at") || AT("arroba");
    case 'd':
        return AT("dot");
    case 'e':
        return AT("et");
    case 'p':
        return AT("punto") || AT("punkt");
    default:
        return 0;
    }
#undef AT
}

/* 1 when the run of backslashes at i ends in a dot: a regex-escaped dot
 * ("10\\\\.10"), which the dot forms take whole. */
static int escaped_dot(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] == '\\')
        i++;
    return i < n && s[i] == '.';
}

static int quiet_byte(const char *s, size_t n, size_t i, int prev)
{
    unsigned char c = (unsigned char)s[i];
    if (is_host(prev)) {
        if (kz_is_digit(c) || c == '_')
            return 1;
        if (kz_is_alpha(c)) {
            if (!is_core_initial(c) || !core_word_at(s, n, i))
                return 1;
            if (c >= 'A' && c <= 'Z')
                return 0; /* "fooDOTcom", "fooATbar" */
            /* A lower-case core word glued to a label needs a closing
             * bracket after it ("fooat]bar"). */
            for (size_t k = i + 1; k < n && k < i + 9; k++) {
                unsigned char d = (unsigned char)s[k];
                if (d == ']' || d == ')' || d == '}' || d >= 0x80)
                    return 0;
            }
            return 1;
        }
        if (c == '.')
            return i + 1 < n && kz_is_alnum((unsigned char)s[i + 1]);
        if (c == ' ' || c == '\t') {
            /* A spaced form: brackets, a core character or word next. */
            size_t k = i;
            while (k < n && k - i < 5 && is_ws((unsigned char)s[k]))
                k++;
            if (k >= n || k - i >= 5)
                return 0;
            unsigned char d = (unsigned char)s[k];
            return (kz_is_alnum(d) && !is_core_initial(d)) || d == '"' ||
                   d == '\'';
        }
        return 0;
    }
    if (c == '[' || c == '(')
        return 0;
    if (c == '\\' && i + 1 < n && (s[i + 1] == '\\' || s[i + 1] == '/') &&
        !escaped_dot(s, n, i))
        return 0; /* a string escape ("C:\\\\x"): the matchers decide */
    if (kz_is_alpha(c) && could_start_scheme(s, n, i))
        return 0;
    if ((is_atext_punct(prev) || is_closer(prev)) && bracket_flag(c))
        return 0;
    return c != 0;
}

/* Byte tables for the main loop: whether a written byte is a host
 * character, and for the next input byte whether it is copied at once
 * (Q_COPY), needs quiet_byte (Q_CHECK) or the matchers (Q_SLOW). */
enum { Q_SLOW = 0, Q_COPY = 1, Q_CHECK = 2 };
static unsigned char host_byte[256], after_host[256], after_other[256];
/* Bytes kz_refang_needed looks at more closely. */
static unsigned char needed_byte[256];
static pthread_once_t fast_once = PTHREAD_ONCE_INIT;
static atomic_int fast_ready; /* set last by fast_init */

static void fast_init(void)
{
    for (int c = 0; c < 256; c++) {
        host_byte[c] = (unsigned char)is_host(c);
        unsigned char ah = Q_SLOW, ao = Q_SLOW;
        if (c > 0 && c < 0x80) {
            /* After a host character a form starts only with white space,
             * a bracket, a core character (. , @ : / -) or a core word. */
            if (kz_is_digit((unsigned char)c) || c == '_' ||
                (kz_is_alpha((unsigned char)c) &&
                 !is_core_initial((unsigned char)c)) ||
                (!kz_is_alnum((unsigned char)c) && !bracket_flag(c) &&
                 !strchr(" \t.,@:/-", c)))
                ah = Q_COPY;
            else if (kz_is_alpha((unsigned char)c) || c == '.' || c == ' ' ||
                     c == '\t')
                ah = Q_CHECK;
            if (c == '[' || c == '(')
                ao = Q_SLOW;
            else if (kz_is_alpha((unsigned char)c) || bracket_flag(c))
                ao = Q_CHECK;
            else
                ao = Q_COPY;
        }
        after_host[c] = ah;
        after_other[c] = ao;
        needed_byte[c] =
            (unsigned char)(c >= 0x80 || bracket_flag(c) || c == '/' ||
                            c == ' ' || c == '\t' || c == ':' || c == 'd' ||
                            c == 'D' || c == 'A');
    }
    atomic_store_explicit(&fast_ready, 1, memory_order_release);
}

/* The tables above, built once: after the first call, one load (asked
 * twice per line). */
static inline void fast_need(void)
{
    if (!atomic_load_explicit(&fast_ready, memory_order_acquire))
        pthread_once(&fast_once, fast_init);
}

/* Where a form may start to matter: every form holds one of these (see
 * form_repl, try_scheme and match_at): a bracket character, the first byte
 * of a full-width form (U+FF01..U+FF7F: EF BC, EF BD) or of an ideographic
 * full stop (U+3002: E3 80 82) that does not end a Japanese sentence (see
 * ideo_dot_after_cjk), "//" (a scheme), a space before
 * '.' or '@' (spaced forms), ":__" (a scheme written "hxxp:__"), the word
 * "dot" in any case ("-dot-", " dot ", "fooDOTcom"), or an upper-case "AT"
 * ("foo AT bar.com"). The tests in tests/unit/test_refang.c check that
 * the map is the identity wherever there is none, and that refanging only
 * around them gives what a pass over every byte gives. */
static int trigger_at(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (!needed_byte[c])
        return 0;
    if (c >= 0x80) {
        /* Other non-ASCII characters (kana, kanji, Japanese punctuation,
         * accented letters) are copied as they are: cp_at reads them as
         * CP_OTHER, which no form holds. */
        unsigned char c1 = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        return (c == 0xEF && (c1 == 0xBC || c1 == 0xBD)) ||
               (c == 0xE3 && c1 == 0x80 && i + 2 < n &&
                (unsigned char)s[i + 2] == 0x82 && !ideo_dot_after_cjk(s, i));
    }
    if (bracket_flag(c))
        return 1;
    switch (c) {
    case '/':
        return i + 1 < n && s[i + 1] == '/';
    case ' ':
    case '\t':
        return i + 1 < n && (s[i + 1] == '.' || s[i + 1] == '@');
    case ':':
        return i + 2 < n && s[i + 1] == '_' && s[i + 2] == '_';
    case 'd':
    case 'D':
        return i + 2 < n && (s[i + 1] | 0x20) == 'o' &&
               (s[i + 2] | 0x20) == 't';
    case 'A':
        return i + 1 < n && s[i + 1] == 'T';
    default:
        return 0;
    }
}

static size_t next_trigger_ref(const char *s, size_t i, size_t n)
{
    for (; i < n; i++)
        if (trigger_at(s, n, i))
            return i;
    return n;
}

#if KZ_HAVE_V16
/* Trigger bits of the sixteen positions at p (p[0..18) readable). */
static inline unsigned trigger_block(const char *p)
{
    kz_v16 v0 = kz_v16_load(p), v1 = kz_v16_load(p + 1);
    /* Brackets: [ \\ ] ^ are 0x5B-0x5E, ( ) are 0x28-0x29. */
    kz_v16 br = kz_v16_or(
        kz_v16_or(kz_v16_range(v0, '[', '^'), kz_v16_range(v0, '(', ')')),
        kz_v16_or(kz_v16_or(kz_v16_eq(v0, '{'), kz_v16_eq(v0, '}')),
                  kz_v16_or(kz_v16_eq(v0, '<'), kz_v16_eq(v0, '>'))));
    kz_v16 sl = kz_v16_and(kz_v16_eq(v0, '/'), kz_v16_eq(v1, '/'));
    kz_v16 ws = kz_v16_and(kz_v16_or(kz_v16_eq(v0, ' '), kz_v16_eq(v0, '\t')),
                           kz_v16_or(kz_v16_eq(v1, '.'), kz_v16_eq(v1, '@')));
    kz_v16 at = kz_v16_and(kz_v16_eq(v0, 'A'), kz_v16_eq(v1, 'T'));
    /* Full-width forms: EF BC, EF BD. */
    kz_v16 fw = kz_v16_and(
        kz_v16_eq(v0, (char)0xEF),
        kz_v16_or(kz_v16_eq(v1, (char)0xBC), kz_v16_eq(v1, (char)0xBD)));
    unsigned m = kz_v16_bits(
        kz_v16_or(kz_v16_or(fw, br), kz_v16_or(kz_v16_or(sl, ws), at)));
    /* ":__", "dot" and the ideographic full stop (E3 80 82): the third
     * byte only when the first two match. */
    kz_v16 us2 = kz_v16_and(kz_v16_eq(v0, ':'), kz_v16_eq(v1, '_'));
    kz_v16 do2 = kz_v16_and(kz_v16_eq(kz_v16_lower(v0), 'd'),
                            kz_v16_eq(kz_v16_lower(v1), 'o'));
    kz_v16 id2 =
        kz_v16_and(kz_v16_eq(v0, (char)0xE3), kz_v16_eq(v1, (char)0x80));
    if (kz_v16_bits(kz_v16_or(kz_v16_or(us2, do2), id2))) {
        kz_v16 v2 = kz_v16_load(p + 2);
        m |= kz_v16_bits(kz_v16_or(
            kz_v16_or(kz_v16_and(us2, kz_v16_eq(v2, '_')),
                      kz_v16_and(do2, kz_v16_eq(kz_v16_lower(v2), 't'))),
            kz_v16_and(id2, kz_v16_eq(v2, (char)0x82))));
    }
    return m;
}
#endif

#if KZ_HAVE_V32
/* The trigger bits of the positions from i to n, fewer than 34 (the end
 * of a text): from the 32 bytes before the last two and, for those two,
 * trigger_at, or, in a text shorter than 34 bytes, through a zero-padded
 * copy (zero bytes start no trigger and complete none) and, for a 33rd
 * byte, trigger_at. */
KZ_AVX2 static inline uint64_t trig_tail(const char *s, size_t i, size_t n)
{
    uint64_t m;
    size_t len = n - i; /* 1..33 */
    if (n >= 34) {
        /* s[n - 34 ..] read again: positions n - 34 .. n - 3 */
        m = (uint64_t)trig_hits1(s + n - 34) >> (34 - len);
        /* the last two (n - 2 may be before i when len is 1) */
        if (needed_byte[(unsigned char)s[n - 1]] && trigger_at(s, n, n - 1))
            m |= (uint64_t)1 << (len - 1);
        if (len >= 2 && needed_byte[(unsigned char)s[n - 2]] &&
            trigger_at(s, n, n - 2))
            m |= (uint64_t)1 << (len - 2);
    } else {
        char pad[64];
        memset(pad, 0, sizeof pad);
        kz_copy_short(pad, s + i, len); /* len < 34 */
        m = trig_hits1(pad);
        if (len > 32 && trigger_at(s, n, n - 1))
            m |= (uint64_t)1 << 32;
    }
    return m;
}

/* The first trigger from i, or n: whole blocks of 32 while 34 bytes are
 * there, then the last positions through trig_tail. */
KZ_AVX2 static size_t next_trigger_avx2(const char *s, size_t i, size_t n)
{
    uint64_t m;
    for (;; i += 32) {
        if (i >= n)
            return n;
        if (n - i < 34)
            break;
        m = trig_hits(s + i);
        for (; m; m &= m - 1) {
            size_t k = i + (unsigned)__builtin_ctzll(m);
            if ((unsigned char)s[k] != 0xE3 || !ideo_dot_after_cjk(s, k))
                return k;
            /* the end of a Japanese sentence */
        }
    }
    for (m = trig_tail(s, i, n); m; m &= m - 1) {
        size_t k = i + (unsigned)__builtin_ctzll(m);
        if ((unsigned char)s[k] != 0xE3 || !ideo_dot_after_cjk(s, k))
            return k;
    }
    return n;
}

/* The trigger bits of the positions from i to n, 1 to 64 of them (the
 * ends of Japanese sentences among them): one block and the last 2 to
 * 32 positions, or the last 33 or fewer. */
KZ_AVX2 static inline uint64_t trig_rest(const char *s, size_t i, size_t n)
{
    if (n - i < 34)
        return trig_tail(s, i, n);
    return trig_hits1(s + i) | trig_tail(s, i + 32, n) << 32;
}

/* trig_rest for the callers built without AVX2. */
KZ_AVX2 static uint64_t trig_rest_avx2(const char *s, size_t i, size_t n)
{
    return trig_rest(s, i, n);
}

/* For more than 64 positions from i: the first block of 32 that holds a
 * trigger, or the last 33 to 64 positions; returns their trigger bits
 * (the ends of Japanese sentences among them) and sets *base and *end to
 * their positions. */
KZ_AVX2 static uint64_t trig_next_block_avx2(const char *s, size_t i, size_t n,
                                             size_t *base, size_t *end)
{
    for (; n - i > 64; i += 32) {
        uint64_t m = trig_hits(s + i);
        for (uint64_t x = m; x; x &= x - 1) {
            size_t k = i + (unsigned)__builtin_ctzll(x);
            if ((unsigned char)s[k] != 0xE3 || !ideo_dot_after_cjk(s, k)) {
                *base = i;
                *end = i + 32;
                return m;
            }
        }
    }
    *base = i;
    *end = n;
    return trig_rest(s, i, n);
}
#endif

/* A search for the triggers of one text from positions that never go
 * back (refang_map's): the bits of the block the last search read are
 * kept, so the next trigger in it costs no new block and no call (a
 * short line's rest is one block). When the caller has the text's
 * trigger bits (tb, see kz_refang_map_bits), they are read instead. */
struct trig_cursor {
    size_t base, end;   /* the block's positions: base .. end - 1 */
    uint64_t m;         /* their trigger bits */
    const uint32_t *tb; /* the text's trigger bits, or NULL */
};

/* next_trigger from the text's trigger bits tb (i < n): the first bit
 * from i that is not the end of a Japanese sentence, or n. */
static inline size_t next_trigger_bits(const uint32_t *tb, const char *s,
                                       size_t i, size_t n)
{
    size_t j = i / 32, last = (n - 1) / 32;
    uint32_t m = tb[j] & (~0u << (i % 32));
    for (;;) {
        for (; m; m &= m - 1) {
            size_t k = j * 32 + (unsigned)__builtin_ctz(m);
            if (k >= n) /* (a text cut to fewer bytes than the bits') */
                return n;
            if ((unsigned char)s[k] != 0xE3 || !ideo_dot_after_cjk(s, k))
                return k;
        }
        if (j == last)
            return n;
        m = tb[++j];
    }
}

static size_t next_trigger(const char *s, size_t i, size_t n)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return next_trigger_avx2(s, i, n);
#endif
#if KZ_HAVE_V16
    for (; n - i >= 18 && i < n; i += 16) {
        unsigned m = trigger_block(s + i);
        while (m) {
            size_t k = i + (unsigned)__builtin_ctz(m);
            if ((unsigned char)s[k] != 0xE3 || !ideo_dot_after_cjk(s, k))
                return k;
            m &= m - 1; /* the end of a Japanese sentence */
        }
    }
#endif
    return next_trigger_ref(s, i, n);
}

/* next_trigger for i at or after the i of the cursor's last search (the
 * cursor starts with end 0). A block holds at most 64 positions, and one
 * the search keeps starts at or before i, so i - base < 64. */
static inline size_t next_trigger_cur(struct trig_cursor *c, const char *s,
                                      size_t i, size_t n)
{
    if (c->tb)
        return i < n ? next_trigger_bits(c->tb, s, i, n) : n;
#if KZ_HAVE_V32
    if (kz_use_avx2) {
        for (;;) {
            if (i >= c->end) {
                if (i >= n)
                    return n;
                if (n - i <= 64) {
                    c->base = i;
                    c->end = n;
                    c->m = trig_rest_avx2(s, i, n);
                } else {
                    c->m = trig_next_block_avx2(s, i, n, &c->base, &c->end);
                }
            }
            uint64_t m = c->m;
            if (i > c->base) /* the block may start after i */
                m &= ~(uint64_t)0 << (i - c->base);
            for (; m; m &= m - 1) {
                size_t k = c->base + (unsigned)__builtin_ctzll(m);
                if ((unsigned char)s[k] != 0xE3 || !ideo_dot_after_cjk(s, k))
                    return k;
            }
            i = c->end;
        }
    }
#endif
    (void)c;
    return next_trigger(s, i, n);
}

size_t kz_refang_first_ref(const char *s, size_t n)
{
    fast_need();
    return s ? next_trigger_ref(s, 0, n) : n;
}

int kz_refang_needed(const char *s, size_t n)
{
    return kz_refang_first(s, n) < n;
}

size_t kz_refang_first(const char *s, size_t n)
{
    fast_need();
    return s ? next_trigger(s, 0, n) : n;
}

#if KZ_HAVE_V16
/* The bytes of a block (v0; v1 and v2 hold the bytes one and two after
 * each) that start a character cp_at names, where cp_is_other answers 0:
 * E3 80 82, EF BC 81..BF, EF BD 80..9E and EF BD A1. */
static inline unsigned named_bits16(kz_v16 v0, kz_v16 v1, kz_v16 v2)
{
    kz_v16 bc =
        kz_v16_and(kz_v16_eq(v1, (char)0xBC),
                   kz_v16_and(_mm_cmpgt_epi8(v2, _mm_set1_epi8((char)0x80)),
                              _mm_cmplt_epi8(v2, _mm_set1_epi8((char)0xC0))));
    kz_v16 bd =
        kz_v16_and(kz_v16_eq(v1, (char)0xBD),
                   kz_v16_or(_mm_cmplt_epi8(v2, _mm_set1_epi8((char)0x9F)),
                             kz_v16_eq(v2, (char)0xA1)));
    kz_v16 e3 = kz_v16_and(
        kz_v16_eq(v0, (char)0xE3),
        kz_v16_and(kz_v16_eq(v1, (char)0x80), kz_v16_eq(v2, (char)0x82)));
    return kz_v16_bits(kz_v16_or(
        e3, kz_v16_and(kz_v16_eq(v0, (char)0xEF), kz_v16_or(bc, bd))));
}

/* other_run_end's blocks of sixteen: where the first byte that ends the
 * run is, or where the blocks end. */
static inline size_t other_run_v16(const char *s, size_t n, size_t i,
                                   size_t stop)
{
    while (stop - i >= 16 && n - i >= 18) {
        kz_v16 v0 = kz_v16_load(s + i);
        unsigned end =
            (~kz_v16_bits(v0) & 0xFFFFu) |
            named_bits16(v0, kz_v16_load(s + i + 1), kz_v16_load(s + i + 2));
        if (end)
            return i + (unsigned)__builtin_ctz(end);
        i += 16;
    }
    return i;
}
#endif

#if KZ_HAVE_V32
/* named_bits16 with AVX2, 32 bytes. */
KZ_AVX2 static inline uint32_t named_bits32(__m256i v0, __m256i v1, __m256i v2)
{
    __m256i bc = _mm256_and_si256(
        kz_v32_eq(v1, (char)0xBC),
        _mm256_and_si256(_mm256_cmpgt_epi8(v2, _mm256_set1_epi8((char)0x80)),
                         _mm256_cmpgt_epi8(_mm256_set1_epi8((char)0xC0), v2)));
    __m256i bd = _mm256_and_si256(
        kz_v32_eq(v1, (char)0xBD),
        _mm256_or_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8((char)0x9F), v2),
                        kz_v32_eq(v2, (char)0xA1)));
    __m256i e3 = _mm256_and_si256(
        kz_v32_eq(v0, (char)0xE3),
        _mm256_and_si256(kz_v32_eq(v1, (char)0x80), kz_v32_eq(v2, (char)0x82)));
    return kz_v32_bits(
        _mm256_or_si256(e3, _mm256_and_si256(kz_v32_eq(v0, (char)0xEF),
                                             _mm256_or_si256(bc, bd))));
}

/* other_run_v16 with AVX2, 32 bytes at a time, then sixteen. */
KZ_AVX2 static size_t other_run_avx2(const char *s, size_t n, size_t i,
                                     size_t stop)
{
    while (stop - i >= 32 && n - i >= 34) {
        __m256i v0 = kz_v32_load(s + i);
        uint32_t end =
            ~kz_v32_bits(v0) |
            named_bits32(v0, kz_v32_load(s + i + 1), kz_v32_load(s + i + 2));
        if (end)
            return i + (unsigned)__builtin_ctz(end);
        i += 32;
    }
    return other_run_v16(s, n, i, stop);
}
#endif

/* Where the run of bytes >= 0x80 that cp_is_other passes (the pass copies
 * them as they are) ends, from s[i], not past stop (<= n): blocks whose
 * bytes and the two after each lie before n, then one byte at a time. */
static size_t other_run_end(const char *s, size_t n, size_t i, size_t stop)
{
#if KZ_HAVE_V32
    i = kz_use_avx2 ? other_run_avx2(s, n, i, stop)
                    : other_run_v16(s, n, i, stop);
#elif KZ_HAVE_V16
    i = other_run_v16(s, n, i, stop);
#endif
    while (i < stop && (unsigned char)s[i] >= 0x80 && cp_is_other(s, n, i))
        i++;
    return i;
}

static void copy_same(struct writer *w, size_t i, size_t len);

/* The pass over every byte from i, as long as i <= t (t < n): bytes that
 * cannot start a form are copied in a tight loop, the matchers try the
 * others. Sets *done when the output is full or a form did not fit. */
static size_t refang_from(struct writer *w, struct run *run, size_t i, size_t n,
                          size_t t, int *done)
{
    const char *s = w->s;
    while (i < n && i <= t) {
        size_t stop = n - i < w->room - w->k ? n : i + (w->room - w->k);
        if (stop > t + 1)
            stop = t + 1;
        unsigned char pv = w->k ? (unsigned char)w->o[w->k - 1] : 0;
        size_t k = w->k;
        while (i < stop) {
            unsigned char b = (unsigned char)s[i];
            if (b >= 0x80 && shortcuts && cp_is_other(s, n, i)) {
                /* Kana, kanji, accented letters, a stray byte: no form
                 * holds one nor starts with one (match_at answers 0), so
                 * the byte is written as it is, as the slow path below
                 * would write it; so is the rest of their run. */
                size_t e = other_run_end(s, n, i + 1, stop);
                w->k = k;
                copy_same(w, i, e - i);
                k = w->k;
                i = e;
                pv = (unsigned char)s[i - 1];
                continue;
            }
            unsigned char q = host_byte[pv] ? after_host[b] : after_other[b];
            if (q != Q_COPY &&
                (q == Q_SLOW || !quiet_byte(s, n, i, k ? pv : CP_END)))
                break;
            if (w->map)
                w->map[k] = (uint32_t)i;
            w->o[k++] = (char)b;
            pv = b;
            i++;
        }
        w->k = k;
        if (i >= n || w->k >= w->room) {
            *done = 1;
            return i;
        }
        if (i == stop)
            continue; /* past t: the caller goes on */
        struct match m;
        if (match_at(s, n, i, w, &m)) {
            if (!put_match(w, &m)) {
                *done = 1;
                return i;
            }
            i = m.end;
            continue;
        }
        size_t len, l2;
        int c = cp_at(s, n, i, &len);
        char ch;
        struct piece pc;
        if (c == CP_IDEO_DOT) {
            if (is_alnum_cp(prev_byte(w)) &&
                is_alnum_cp(cp_at(s, n, i + len, &l2)) &&
                !ideo_dot_ends_value(s, i) &&
                !ideo_dot_starts_sentence(s, n, i + len)) {
                ch = '.';
                pc = (struct piece){&ch, 1, i, len};
            } else {
                pc = (struct piece){s + i, len, i, len};
            }
        } else if (is_ascii(c) && (len == 1 || fold_run(s, n, i, run))) {
            ch = (char)c; /* ASCII, or full-width folded */
            pc = (struct piece){&ch, 1, i, len};
        } else if (is_ascii(c)) {
            pc = (struct piece){s + i, len, i, len};
        } else {
            pc = (struct piece){s + i, 1, i, 1};
        }
        if (pc.len > w->room - w->k) {
            *done = 1;
            return i;
        }
        put_piece(w, &pc);
        i += len;
    }
    return i;
}

/* The length of the "[.]" ("(.)", "{.}": 3, where dot_pair_at answers 1)
 * or "[dot]" ("(dot)", "{dot}", "dot" in any case: 5) at s[i] before an
 * ASCII label character, else 0. One look at s[i] rejects every other
 * trigger; host_byte must be built (fast_need). */
static inline size_t dot_pair_len(const char *s, size_t n, size_t i)
{
    char c = s[i];
    char cl = c == '[' ? ']' : c == '(' ? ')' : c == '{' ? '}' : 0;
    if (!cl)
        return 0;
    if (i + 3 < n && s[i + 1] == '.' && s[i + 2] == cl)
        return host_byte[(unsigned char)s[i + 3]] ? 3 : 0;
    return i + 5 < n && (s[i + 1] | 0x20) == 'd' && (s[i + 2] | 0x20) == 'o' &&
                   (s[i + 3] | 0x20) == 't' && s[i + 4] == cl &&
                   host_byte[(unsigned char)s[i + 5]]
               ? 5
               : 0;
}

/* 1 when the pass from i (or from any start before s[y]) takes the byte
 * s[y] >= 0x80 on its own, as a character cp_at reads as CP_OTHER: it is
 * no lead of a character cp_at names, nor one of the two bytes after such
 * a lead at or after i. */
static int other_byte_at(const char *s, size_t n, size_t i, size_t y)
{
    if (!cp_is_other(s, n, y))
        return 0;
    for (size_t d = 1; d <= 2 && d <= y - i; d++)
        if ((unsigned char)s[y - d] >= 0x80 && !cp_is_other(s, n, y - d))
            return 0;
    return 1;
}

/* Where the pass must start for a trigger at t: two words before the one
 * holding t, not before i. A form starts at most there: "user AT example",
 * "evil dot com", "hxxp ://", "x at }" (a closer after a spaced word).
 * The walk back stops after a byte the pass takes on its own as CP_OTHER
 * (other_byte_at: kana, kanji, accented letters): no match holds one, and
 * every match holds a trigger, so none starts before it ([i, t) holds no
 * trigger), and the pass writes the bytes before it as they are (without
 * a trigger no full-width character, and no ideographic full stop but
 * one after kana or kanji, which is written as it is) and reaches the
 * byte after it as a pass from there would start: the same output, and
 * the same state (fold_run is asked only at full-width characters). */
static size_t window_start(const char *s, size_t n, size_t i, size_t t)
{
    size_t r = t;
    /* A bracket glued to a word ("evil[.]com", "hxxp[:]//", "a(at)b")
     * starts a form in that word at the earliest. */
    unsigned char c = (unsigned char)s[t];
    int words = (c == '[' || c == '(' || c == '{') && t > i &&
                        !is_ws((unsigned char)s[t - 1])
                    ? 1
                    : 3;
    for (int w = 0; w < words; w++) {
        for (; r > i; r--) {
            unsigned char b = (unsigned char)s[r - 1];
            if ((unsigned char)(b - 0x21) < 0x5E) /* '!' to '~' */
                continue;
            if (is_ws(b))
                break;
            if (b >= 0x80 && other_byte_at(s, n, i, r - 1))
                return r;
        }
        if (w < words - 1)
            while (r > i && is_ws((unsigned char)s[r - 1]))
                r--;
    }
    return r;
}

/* 1 when the ASCII bracket character at the trigger t is in no form, so
 * the pass over its window would copy the window and the bracket as they
 * are and stop right after it. No form lies inside the window (it holds
 * no trigger, so no bracket either), and none reaches t:
 * - no JSON escape ("\\/", "\\\\") starts at t;
 * - a form whose opening run starts at t ("[.]", "(at)", " \\.") needs a
 *   core after the run and white space; here no core character, no core
 *   word and no further bracket comes, with which a scheme's separator
 *   after its token's closer ("hxxp]://", "hxxp] [:]//") would start; or
 *   the run is of closers and the core one that takes none such
 *   (closers_then_core: "<ID>/x", "(x).");
 * - a form whose closing run starts at t has its core just before it
 *   (white space may come between): form_repl takes a closing run
 *   without an opening one only after a dot or a core word;
 * - try_scheme and try_label at an opener ("[hxxp]://", "[www].x") need
 *   a closer after a token of letters, digits, '-' or '*', and then a dot
 *   before a host character (full-width ones too: any byte >= 0x80 here)
 *   or (past up to two spaces) a separator.
 * Nothing before i (the window's start at the earliest) is looked at.
 * Any other character in these places answers 0. */
/* 1 when an opening run of closers only (run: their flags) before the
 * core character at s[p] ('.' ',' '@' '/' '-') makes no form: without a
 * bracket after the core (past white space) form_repl takes such a run
 * for none of these cores (a dot or '/' wants an opener first or "]" after
 * it, the others a proper pair), and no scheme's separator starts at s[p]
 * ("hxxp]//x": a '/' before another). Any other character after the core
 * answers 0, a non-ASCII one too (full-width brackets). */
static int closers_then_core(const char *s, size_t n, unsigned run, size_t p)
{
    if (run & ~(unsigned)B_CLOSERS)
        return 0;
    size_t e = p + 1;
    if (s[p] == '/' && e < n && s[e] == '/')
        return 0;
    for (int k = 0; k < MAX_RUN && e < n && is_ws((unsigned char)s[e]); k++)
        e++;
    return e >= n ||
           ((unsigned char)s[e] < 0x80 && !bracket_flag((unsigned char)s[e]));
}

static int lone_bracket(const char *s, size_t n, size_t i, size_t t)
{
    unsigned char c = (unsigned char)s[t];
    if (c >= 0x80 || !bracket_flag(c) ||
        (c == '\\' && t + 1 < n && (s[t + 1] == '/' || s[t + 1] == '\\')))
        return 0;
    size_t p = t;
    unsigned run = 0;
    while (p < n && p - t < MAX_RUN && bracket_flag((unsigned char)s[p]))
        run |= bracket_flag((unsigned char)s[p++]);
    for (int k = 0; k < MAX_RUN && p < n && is_ws((unsigned char)s[p]); k++)
        p++;
    if (p < n) {
        unsigned char d = (unsigned char)s[p];
        if (d >= 0x80 || bracket_flag(d) || d == ':' ||
            (is_core_initial(d) && core_word_at(s, n, p)))
            return 0;
        if ((d == '.' || d == ',' || d == '@' || d == '/' || d == '-') &&
            !closers_then_core(s, n, run, p))
            return 0;
    }
    size_t q = t;
    for (int k = 0; k < MAX_RUN && q > i && is_ws((unsigned char)s[q - 1]); k++)
        q--;
    if (q > i) {
        unsigned char b = (unsigned char)s[q - 1];
        if (b == '.' || b >= 0x80)
            return 0;
        if (q - i >= 2) { /* a core word of two letters or more */
            unsigned char a = (unsigned char)kz_lower((unsigned char)s[q - 2]);
            b = (unsigned char)kz_lower(b);
            if ((b == 't' && (a == 'a' || a == 'e' || a == 'k' || a == 'o')) ||
                (b == 'a' && a == 'b') || (b == 'o' && a == 't'))
                return 0; /* at et punkt dot arroba punto */
        }
    }
    if (c == '[' || c == '(') {
        size_t e = t + 1;
        while (e < n && e - t < 80 &&
               (kz_is_alnum((unsigned char)s[e]) || s[e] == '-' || s[e] == '*'))
            e++;
        if (e < n && (unsigned char)s[e] >= 0x80)
            return 0;
        if (e < n && (s[e] == ']' || s[e] == ')')) {
            size_t f = e + 1;
            if (f + 1 < n && s[f] == '.' &&
                (host_byte[(unsigned char)s[f + 1]] ||
                 (unsigned char)s[f + 1] >= 0x80))
                return 0; /* a label: "(www).x" */
            for (int k = 0; k < 2 && f < n && is_ws((unsigned char)s[f]); k++)
                f++;
            unsigned char d = f < n ? (unsigned char)s[f] : 0;
            if (d >= 0x80 || d == ':' || d == '/' || d == '\\' || d == '[' ||
                d == '(' || d == '{')
                return 0; /* a scheme's separator */
        }
    }
    return 1;
}

/* Where the pass for the ASCII bracket character at the trigger t may
 * start instead of i (the window's start), when nothing in the window
 * before the white space right before t (q: t, or where that white space
 * starts) takes part in a match: the pass copies [i, q) as it is then and
 * reaches q as it would have. Every match holds a trigger (forms a bracket,
 * a core character with white space before it or "dot" or "AT"; schemes
 * their separator; labels their brackets; escapes a backslash), so one
 * that starts in [i, q) reaches t; none does when:
 * - no form has its core before q: form_repl takes a closing run (at t)
 *   without an opening run (which would start at t) only after a dot, an
 *   ideographic full stop or a core word (white space may come between);
 * - no scheme token ends before t with its separator at t: a token of
 *   letters or '*' with a closer at t, then (past up to two spaces) a
 *   character a separator starts with; or, past ':' and white space, an
 *   opener or backslash at t before ':' or '/' (full-width ones included).
 * Nothing before i is looked at. Any other character in these places
 * answers i. */
static size_t bracket_pass_start(const char *s, size_t n, size_t i, size_t t)
{
    unsigned char c = (unsigned char)s[t];
    if (c >= 0x80 || !bracket_flag(c))
        return i;
    size_t q = t;
    while (q > i && is_ws((unsigned char)s[q - 1]))
        q--;
    if (q == i)
        return i;
    unsigned char b = (unsigned char)s[q - 1];
    if (b == '.' || b >= 0x80)
        return i;
    if (q - i >= 2) { /* a core word of two letters or more */
        unsigned char a = (unsigned char)kz_lower((unsigned char)s[q - 2]);
        unsigned char l = (unsigned char)kz_lower(b);
        if ((l == 't' && (a == 'a' || a == 'e' || a == 'k' || a == 'o')) ||
            (l == 'a' && a == 'b') || (l == 'o' && a == 't'))
            return i; /* at et punkt dot arroba punto */
    }
    if (c == ']' || c == ')') {
        unsigned char e = (unsigned char)s[t - 1];
        if (q == t && (kz_is_alpha(e) || e == '*')) {
            size_t f = t + 1;
            for (int k = 0; k < 2 && f < n && is_ws((unsigned char)s[f]); k++)
                f++;
            unsigned char d = f < n ? (unsigned char)s[f] : 0;
            if (d >= 0x80 || d == ':' || d == '/' || d == '\\' || d == '[' ||
                d == '(' || d == '{')
                return i; /* "hxxp]://" */
        }
    } else if (c == '[' || c == '(' || c == '{' || c == '\\') {
        unsigned char d = t + 1 < n ? (unsigned char)s[t + 1] : 0;
        if (d >= 0x80 || d == ':' || d == '/') {
            size_t k = t;
            if (k > i && s[k - 1] == ':')
                k--;
            for (int j = 0; j < 2 && k > i && is_ws((unsigned char)s[k - 1]);
                 j++)
                k--;
            unsigned char e = k > i ? (unsigned char)s[k - 1] : 0;
            if (kz_is_alpha(e) || e == '*')
                return i; /* "hxxp[:]//", "hxxp:[//]" */
        }
    }
    return q;
}

/* 1 when the "AT" at the trigger t is in no form (prev: the character
 * written before i), so the pass over its window would copy the window
 * and the 'A' as they are and stop right after it. No form lies inside
 * the window (it holds no trigger); one from there reaching t would hold
 * it in a core word ending there ("arrobA"), which needs a bracket at
 * t + 1; no token scheme_of reads holds "at", and a label starts at a
 * bracket. That leaves the core word "at" at t, which form_repl takes
 * only with a closing run after it (white space may come between) or,
 * without one, after a lower-case letter or a digit: the character
 * before t, or before the white space a form may start with. */
static int lone_at(const char *s, size_t n, size_t i, size_t t, int prev)
{
    if (s[t] != 'A' || t + 1 >= n || s[t + 1] != 'T')
        return 0;
    size_t p = t + 2;
    for (int k = 0; k < MAX_RUN && p < n && is_ws((unsigned char)s[p]); k++)
        p++;
    if (p < n &&
        ((unsigned char)s[p] >= 0x80 || bracket_flag((unsigned char)s[p])))
        return 0;
    size_t q = t;
    for (int k = 0; k < MAX_RUN && q > i && is_ws((unsigned char)s[q - 1]); k++)
        q--;
    return !is_lowdig(q > i ? (unsigned char)s[q - 1] : prev);
}

/* 1 when the ideographic full stop U+3002 at the trigger t ("x.tk。" then
 * kana or kanji) is in no match, so the pass over its window would copy
 * the window and the stop as they are and stop right after it: the text
 * ends after the stop, or a character cp_at reads as CP_OTHER follows. No
 * form lies inside the window (it holds no trigger); a form that holds
 * the stop has it as its core (a form's opening and closing runs are
 * brackets and white space, and no scheme or label holds it), and
 * form_repl turns a dot only before a host character (R, right after the
 * stop here: no closing run, no white space) or a digit. The pass then
 * writes the stop as it is: a dot only between letters or digits. */
static int lone_ideo_dot(const char *s, size_t n, size_t t)
{
    return (unsigned char)s[t] == 0xE3 && t + 2 < n &&
           (unsigned char)s[t + 1] == 0x80 && (unsigned char)s[t + 2] == 0x82 &&
           (t + 3 == n ||
            ((unsigned char)s[t + 3] >= 0x80 && cp_is_other(s, n, t + 3)));
}

/* The scheme before the "//" at the trigger t, when the pass over its
 * window would write it as try_scheme writes "http://x", "hxxps://x",
 * "h**p://x" and stop after the slashes: a token of letters and '*' that
 * scheme_of reads right before ":", and a host character or '[' right
 * after "//" (so no further slashes or spaces are taken, and "file" is
 * like the others). The token starts in the window (at i the earliest)
 * after a character that is no label character (prev before i): the pass
 * tries schemes only there ('*' would be in the token). No form reaches
 * the token from the window: none holds a letter or ':' but in a core
 * word, and a form ends in brackets and white space. Sets *ts to the
 * token's start and *canon to its canonical name (NULL when it is one
 * already, and written as it is); 0 when the pass must decide. */
static int plain_scheme(const char *s, size_t n, size_t i, size_t t, int prev,
                        size_t *ts, const char **canon)
{
    if (t < i + 3 || s[t - 1] != ':' || t + 2 >= n ||
        !(is_host((unsigned char)s[t + 2]) || s[t + 2] == '['))
        return 0;
    size_t p = t - 1;
    while (p > i && t - 1 - p < 8 &&
           (kz_is_alpha((unsigned char)s[p - 1]) || s[p - 1] == '*'))
        p--;
    size_t tn = t - 1 - p;
    if (tn < 2 || tn > 7 || is_host(p > i ? (unsigned char)s[p - 1] : prev))
        return 0;
    *ts = p;
    if ((tn == 4 || (tn == 5 && s[p + 4] == 's')) &&
        memcmp(s + p, "http", 4) == 0) {
        *canon = NULL; /* "http", "https": scheme_of's real ones */
        return 1;
    }
    char tok[8];
    for (size_t k = 0; k < tn; k++)
        tok[k] = (char)kz_lower((unsigned char)s[p + k]);
    int real;
    const char *c = scheme_of(tok, tn, &real);
    if (!c || (!real && strlen(c) > tn)) /* a real one is the token */
        return 0;
    *canon = real ? NULL : c;
    return 1;
}

#if KZ_HAVE_V32
/* The identity map base, base + 1, ... in m[0, len) (len >= 8) with AVX2:
 * sixteen entries a step, the last eight by a store that may overlap the
 * one before. */
KZ_AVX2 static void map_same_avx2(uint32_t *m, uint32_t base, size_t len)
{
    const __m256i up = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i v = _mm256_add_epi32(_mm256_set1_epi32((int)base), up);
    size_t j = 0;
    for (; j + 16 <= len; j += 16) {
        _mm256_storeu_si256((__m256i *)(void *)(m + j), v);
        _mm256_storeu_si256((__m256i *)(void *)(m + j + 8),
                            _mm256_add_epi32(v, _mm256_set1_epi32(8)));
        v = _mm256_add_epi32(v, _mm256_set1_epi32(16));
    }
    if (j + 8 <= len)
        _mm256_storeu_si256((__m256i *)(void *)(m + j), v);
    _mm256_storeu_si256(
        (__m256i *)(void *)(m + len - 8),
        _mm256_add_epi32(_mm256_set1_epi32((int)(base + len - 8)), up));
}
#endif

/* Writes the len bytes at s + i as they are, with the identity map. The
 * stretches are mostly short: up to 16, where SSE2 is there and 16 can be
 * written at the output (room: cap - 1), as 16 entries without a test of
 * len, and as 16 bytes where 16 can be read at s + i (else, the end of
 * the text, by kz_copy_short); what lies past len is written again later
 * or left past the output, within cap. Else up to 36 bytes by
 * kz_copy_short (no call), and the map, where SSE2 is there, eight
 * entries at a time with no set-up for alignment, the last four by a
 * store that may overlap the one before (no scalar tail but under four
 * entries); a map of 32 entries or more with AVX2 (map_same_avx2).
 * Inlined at every call (GCC would call it, and keep the writer in
 * memory). */
__attribute__((always_inline)) static inline void
copy_same(struct writer *w, size_t i, size_t len)
{
#if KZ_HAVE_V16
    if (len <= 16 && w->room - w->k >= 16) {
        if (w->n - i >= 16)
            _mm_storeu_si128(
                (__m128i *)(void *)(w->o + w->k),
                _mm_loadu_si128((const __m128i *)(const void *)(w->s + i)));
        else if (len)
            kz_copy_short(w->o + w->k, w->s + i, len);
        if (w->map) {
            uint32_t *m = w->map + w->k;
            __m128i v = _mm_add_epi32(_mm_set1_epi32((int)i),
                                      _mm_setr_epi32(0, 1, 2, 3));
            _mm_storeu_si128((__m128i *)(void *)m, v);
            _mm_storeu_si128((__m128i *)(void *)(m + 4),
                             _mm_add_epi32(v, _mm_set1_epi32(4)));
            _mm_storeu_si128((__m128i *)(void *)(m + 8),
                             _mm_add_epi32(v, _mm_set1_epi32(8)));
            _mm_storeu_si128((__m128i *)(void *)(m + 12),
                             _mm_add_epi32(v, _mm_set1_epi32(12)));
        }
        w->k += len;
        return;
    }
#endif
    if (len == 0)
        return;
    if (len <= 36)
        kz_copy_short(w->o + w->k, w->s + i, len);
    else
        memcpy(w->o + w->k, w->s + i, len);
    if (w->map) {
        uint32_t *m = w->map + w->k, base = (uint32_t)i;
        size_t j = 0;
#if KZ_HAVE_V32
        if (len >= 32 && kz_use_avx2) {
            map_same_avx2(m, base, len);
            j = len;
        }
#endif
#if KZ_HAVE_V16
        if (len >= 4 && j < len) {
            const __m128i up = _mm_setr_epi32(0, 1, 2, 3);
            __m128i v = _mm_add_epi32(_mm_set1_epi32((int)base), up);
            for (; j + 8 < len; j += 8) {
                _mm_storeu_si128((__m128i *)(void *)(m + j), v);
                _mm_storeu_si128((__m128i *)(void *)(m + j + 4),
                                 _mm_add_epi32(v, _mm_set1_epi32(4)));
                v = _mm_add_epi32(v, _mm_set1_epi32(8));
            }
            if (j + 4 < len)
                _mm_storeu_si128((__m128i *)(void *)(m + j), v);
            _mm_storeu_si128(
                (__m128i *)(void *)(m + len - 4),
                _mm_add_epi32(_mm_set1_epi32((int)(base + len - 4)), up));
            j = len;
        }
#endif
        for (; j < len; j++)
            m[j] = base + (uint32_t)j;
    }
    w->k += len;
}

/* The bytes of s refanged: n, none without s, at most UINT32_MAX with a
 * map (its entries are 32-bit offsets). */
static inline size_t text_len(const char *s, size_t n, const uint32_t *map)
{
    if (!s)
        return 0;
    return map && n > UINT32_MAX ? UINT32_MAX : n;
}

/* The pass over every byte (kz_refang_map_ref). */
static size_t refang_full(const char *s, size_t n, char *out, size_t cap,
                          uint32_t *map)
{
    if (!out || cap == 0)
        return 0;
    n = text_len(s, n, map);
    struct writer w = {s, out, map, 0, cap - 1, n};
    struct run run = {0, 0};
    int done = 0;
    fast_need();
    refang_from(&w, &run, 0, n, n, &done);
    out[w.k] = '\0';
    return w.k;
}

/* The windowed pass (kz_refang_map_bits; first is (size_t)-1 when not
 * told), inlined into its one caller. The writer w stays in registers:
 * refang_from is given a copy. */
__attribute__((always_inline)) static inline size_t
refang_map(const char *s, size_t n, char *out, size_t cap, uint32_t *map,
           size_t first, const uint32_t *tb)
{
    if (!out || cap == 0)
        return 0;
    n = text_len(s, n, map);
    struct writer w = {s, out, map, 0, cap - 1, n};
    struct run run = {0, 0};
    struct trig_cursor tc = {0, 0, 0, tb};
    size_t i = 0;
    int done = 0;
    fast_need();
    /* Away from the triggers the text is its own refanged form: copy it,
     * and run the pass from the word before each trigger to past it, or,
     * where what the pass would write is plain from the trigger and its
     * neighbours (below), write that. The bytes written as they are, from
     * cs up to i, are copied in one stretch (at w.k) when something else
     * is written, or at the end: k is where s[i] goes. */
    size_t cs = 0;
    const int sc = shortcuts;
    while (i < n && w.k + (i - cs) < w.room) {
        size_t k = w.k + (i - cs);
        size_t t = first != (size_t)-1 ? first : next_trigger_cur(&tc, s, i, n);
        first = (size_t)-1;
        size_t r = n; /* no trigger: the rest is written as it is */
        if (t < n) {
            /* "host[.]tld" ("(.)", "{.}") glued to a label character: the
             * pass over the window (the word before t) would copy it
             * unchanged and then take the shortcut in match_at at t, so
             * that is done here without it; "host[dot]tld" likewise, where
             * try_form at t reads a proper pair around "dot" between label
             * characters, which form_repl turns into a dot. The window
             * holds no white space and no trigger (so no bracket, no form
             * of its own), and no form starting in it reaches t:
             * try_scheme needs ':' or '/' after the bracket, and a form
             * try_form parses there has its core before t and only the
             * opener at t after it (a '.' or 'd' follows), which form_repl
             * never accepts: a lone opener, no digit after it. */
            size_t pl = dot_pair_len(s, n, t);
            if (sc && pl && t - i < w.room - k &&
                is_host(t > cs ? (unsigned char)s[t - 1] : prev_byte(&w))) {
                copy_same(&w, cs, t - cs);
                if (map)
                    map[w.k] = (uint32_t)t;
                out[w.k++] = '.';
                i = cs = t + pl;
                continue;
            }
            if (sc && t - i < w.room - k && lone_bracket(s, n, i, t)) {
                i = t + 1;
                continue;
            }
            if (sc && t + 3 - i <= w.room - k && lone_ideo_dot(s, n, t)) {
                i = t + 3;
                continue;
            }
            /* the character written before s[i] */
            int prev = i > cs ? (unsigned char)s[i - 1] : prev_byte(&w);
            if (sc && t - i < w.room - k && lone_at(s, n, i, t, prev)) {
                i = t + 1;
                continue;
            }
            size_t ts;
            const char *canon;
            if (sc && t + 2 - i <= w.room - k && s[t] == '/' &&
                plain_scheme(s, n, i, t, prev, &ts, &canon)) {
                if (canon) {
                    copy_same(&w, cs, ts - cs);
                    for (size_t c = 0; canon[c]; c++) {
                        if (map)
                            map[w.k] = (uint32_t)ts;
                        out[w.k++] = canon[c];
                    }
                    cs = t - 1;
                }
                i = t + 2;
                continue;
            }
            r = window_start(s, n, i, t);
            if (sc)
                r = bracket_pass_start(s, n, r, t);
        }
        size_t len = r - i;
        if (len > w.room - k) {
            len = w.room - k;
            /* The pass writes an ideographic full stop whole or not at
             * all (a sentence's end is no trigger, so it may be here). */
            size_t e = i + len;
            for (size_t b = 1; b <= 2 && b <= len; b++)
                if (e - b + 2 < n &&
                    memcmp(s + e - b, "\xe3\x80\x82", 3) == 0) {
                    len -= b;
                    break;
                }
        }
        i += len;
        if (i < r || t >= n)
            break;
        copy_same(&w, cs, i - cs);
        struct writer pw = w; /* the pass's: w itself stays in registers */
        i = cs = refang_from(&pw, &run, i, n, t, &done);
        w.k = pw.k;
        if (done)
            break;
    }
    copy_same(&w, cs, i - cs);
    out[w.k] = '\0';
    return w.k;
}

size_t kz_refang_map(const char *s, size_t n, char *out, size_t cap,
                     uint32_t *map)
{
    return kz_refang_map_bits(s, n, out, cap, map, (size_t)-1, NULL);
}

size_t kz_refang_map_bits(const char *s, size_t n, char *out, size_t cap,
                          uint32_t *map, size_t first, const uint32_t *tb)
{
    return refang_map(s, n, out, cap, map, first <= n ? first : (size_t)-1, tb);
}

size_t kz_refang_map_ref(const char *s, size_t n, char *out, size_t cap,
                         uint32_t *map)
{
    return refang_full(s, n, out, cap, map);
}

size_t kz_refang(const char *s, size_t n, char *out, size_t cap)
{
    return kz_refang_map(s, n, out, cap, NULL);
}

/* ---- defang --------------------------------------------------------------
 * Every dot of a host becomes "[.]" (so no part of it stays clickable), '@'
 * of an e-mail becomes "[@]", and web schemes lose their 't'. */

kz_status kz_defang(kz_type t, const char *s, size_t n, char *out, size_t cap,
                    size_t *outlen)
{
    if ((!s && n) || !out)
        return KZ_ERR_INVALID;
    if (cap > 0)
        out[0] = '\0';
    if (outlen)
        *outlen = 0;
    if (n > 0 && memchr(s, '\0', n))
        return KZ_ERR_PARSE;

    size_t hs = 0, he = 0, at = n, i = 0, k = 0;
    const char *scheme = NULL;
    switch (t) {
    case KZ_T_DOMAIN:
    case KZ_T_IPV4:
        he = n;
        break;
    case KZ_T_EMAIL:
        for (size_t j = 0; j < n; j++)
            if (s[j] == '@')
                at = j;
        if (at < n) {
            hs = at + 1;
            he = n;
        }
        break;
    case KZ_T_URL: {
        size_t e = 0;
        while (e < n && (kz_is_alnum((unsigned char)s[e]) || s[e] == '+' ||
                         s[e] == '-' || s[e] == '.'))
            e++;
        if (n - e < 3 || memcmp(s + e, "://", 3) != 0)
            break;
        if (e == 4 && eat_str(s, n, &i, "http", 1))
            scheme = "hxxp";
        else if (e == 5 && eat_str(s, n, &i, "https", 1))
            scheme = "hxxps";
        else if (e == 3 && eat_str(s, n, &i, "ftp", 1))
            scheme = "fxp";
        size_t a = e + 3, end = a;
        while (end < n && s[end] != '/' && s[end] != '?' && s[end] != '#')
            end++;
        hs = a;
        for (size_t j = a; j < end; j++)
            if (s[j] == '@')
                hs = j + 1;
        he = hs;
        if (hs < end && s[hs] != '[')
            while (he < end && s[he] != ':')
                he++;
        break;
    }
    default:
        break;
    }

    if (scheme) {
        size_t sl = strlen(scheme);
        if (sl >= cap)
            return KZ_ERR_LIMIT;
        memcpy(out, scheme, sl);
        k = sl;
    }
    for (; i < n; i++) {
        const char *rep = NULL;
        if (i == at)
            rep = "[@]";
        else if (i >= hs && i < he && s[i] == '.')
            rep = "[.]";
        size_t rl = rep ? 3 : 1;
        if (rl >= cap - k) {
            out[0] = '\0';
            return KZ_ERR_LIMIT;
        }
        if (rep)
            memcpy(out + k, rep, 3);
        else
            out[k] = s[i];
        k += rl;
    }
    if (k >= cap)
        return KZ_ERR_LIMIT;
    out[k] = '\0';
    if (outlen)
        *outlen = k;
    return KZ_OK;
}
