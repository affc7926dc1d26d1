/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hit writers of kizashi/sinks.h: a table for a person, JSON Lines
 * with Elastic Common Schema names for a SIEM, "PATH:LINE:TEXT" lines for other
 * tools, and the summary per advisory and indicator. Invariant: every
 * string from evidence (paths, fields, observed values) or intel (values,
 * titles, threat names) is hostile; none reaches the output raw: the table
 * and the lines go through kz_write_escaped_text, JSON is built with
 * jansson from strings made valid UTF-8 first and its output has C1,
 * bidirectional and line-separator code points escaped too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/core_int.h"
#include "kizashi/limits.h"
#include "sinks/sinks_int.h"
#include "kizashi/sinks.h"

/* ==== UTF-8 ============================================================== */

/* Code points that are valid in JSON but must not reach a terminal or a
 * JavaScript reader raw: DEL, C1 controls (U+009B is a CSI on UTF-8
 * terminals), bidirectional controls ("Trojan Source"), and U+2028/9 (line
 * ends in JavaScript). The JSON writer escapes them as kz_write_json_string
 * does. */
static int json_unsafe_cp(uint32_t cp)
{
    return cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C ||
           (cp >= 0x200E && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* ==== growable buffer ==================================================== */

struct buf {
    char *p;
    size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 1;
    if (extra > SIZE_MAX / 2 - b->len)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    char *np = kz_realloc(b->p, cap);
    if (!np)
        return 0;
    b->p = np;
    b->cap = cap;
    return 1;
}

/* ==== summary tables ===================================================== */

/* What the summary keeps per indicator hit: memory is proportional to the
 * distinct indicators hit, which the index bounds. */
struct ind_stat {
    uint32_t entry; /* kz_index_entry.index */
    kz_type type;
    int64_t indicator_id;
    char *value;
    size_t value_len;
    uint32_t group; /* its advisory, index in groups */
    uint64_t hits, files;
    uint64_t last_input; /* input sequence number of its last hit */
    kz_time first, last; /* 0: no hit with a known time */
};

/* One advisory, keyed by the entry's advisory_ids and advisories strings
 * (an indicator of two advisories forms a group of its own: the index
 * joins them into one string). */
struct adv_group {
    uint64_t hash;
    char *ids, *titles;
    size_t ids_len, titles_len;
    uint64_t hits;
    uint32_t nind;
    kz_time first, last;
};

/* Open addressing: slot holds 1 + the record's position, 0 is empty; the
 * table is kept at most half full. */
struct table {
    uint32_t *slot;
    size_t cap;
};

/* ==== the writer ========================================================= */

struct kz_hit_writer {
    kz_ctx *ctx;
    FILE *out;
    kz_hit_writer_opts opts;
    int finished;
    int io_errno;   /* errno of the first failed write, 0 if none */
    kz_time now;    /* the sweep's time (or SOURCE_DATE_EPOCH) */
    char now_s[32]; /* now, formatted */

    /* The input of the previous hit (a copy: hits' strings are borrowed)
     * and its sequence number, bumped whenever the input changes. Inputs
     * come one after another (evidence.h: stable order), so this tells
     * distinct files and the lines already printed. */
    char *last_input;
    size_t last_input_cap;
    uint64_t input_seq;
    uint64_t last_line; /* lines: the line printed last, 0 none */
    char *last_member;  /* lines: the archive member printed last ("": the
                           file itself), NULL none */

    struct buf scratch; /* UTF-8 repairs */
    struct buf dump;    /* one JSON line */

    /* summary */
    struct ind_stat *inds;
    size_t ninds, inds_cap;
    struct adv_group *groups;
    size_t ngroups, groups_cap;
    struct table ind_tab, group_tab;
    uint64_t total_hits;
};

static kz_status nomem(kz_hit_writer *w)
{
    return kz_seterr(w->ctx, KZ_ERR_NOMEM, "out of memory");
}

/* Records hit times: first and last of the known ones. */
static void fold_time(kz_time t, kz_time *first, kz_time *last)
{
    if (!t)
        return;
    if (!*first || t < *first)
        *first = t;
    if (!*last || t > *last)
        *last = t;
}

/* Notes the input of a hit: returns 1 when it is the same as the previous
 * hit's, 0 when it changed (then it is remembered), -1 out of memory. */
static int note_input(kz_hit_writer *w, const char *input)
{
    size_t n = strlen(input);
    if (w->last_input && strcmp(w->last_input, input) == 0)
        return 1;
    if (n + 1 > w->last_input_cap) {
        char *p = kz_realloc(w->last_input, n + 1);
        if (!p)
            return -1;
        w->last_input = p;
        w->last_input_cap = n + 1;
    }
    memcpy(w->last_input, input, n + 1);
    w->input_seq++;
    w->last_line = 0;
    free(w->last_member);
    w->last_member = NULL;
    return 0;
}

/* The match as a person reads it in the table ("a.evil.com => evil.com
 * (domain, subdomain)"); NULL for an exact match, which says nothing. */
static const char *how_phrase(kz_match_kind k)
{
    switch (k) {
    case KZ_MATCH_SUBDOMAIN:
        return "subdomain";
    case KZ_MATCH_CIDR:
        return "in network";
    case KZ_MATCH_LITERAL:
        return "text in line";
    case KZ_MATCH_PATH:
        return "path";
    case KZ_MATCH_YARA:
        return NULL; /* "(yara)" says it */
    default:
        return NULL;
    }
}

/* ---- table -------------------------------------------------------------- */

#define SGR_OBSERVED "\033[1;31m" /* bold red */
#define SGR_THREAT "\033[1;33m"   /* bold yellow */
#define SGR_TITLE "\033[1m"       /* bold */
#define SGR_RESET "\033[0m"

static void put_text(FILE *f, const char *s, size_t n)
{
    if (s && n)
        kz_write_escaped_text(f, s, n);
    else
        putc('-', f);
}

/* TIME  FILE:LINE  FIELD  OBSERVED  =>  INDICATOR (TYPE[, HOW])  THREAT
 * "ADVISORY": the time is fixed-width (20 columns, "-" when unknown), so
 * the file names line up; unknown values are "-". */
/* Bytes of an advisory title the table shows. */
#define TABLE_TITLE_MAX 60

/* The CN of an RFC 2253 name, or the whole name. */
static void common_name(const char *dn, const char **p, size_t *n)
{
    const char *cn = strstr(dn, "CN=");
    while (cn && cn != dn && cn[-1] != ',')
        cn = strstr(cn + 1, "CN=");
    if (!cn) {
        *p = dn;
        *n = strlen(dn);
        return;
    }
    cn += 3;
    size_t k = 0;
    while (cn[k] && !(cn[k] == ',' && (k == 0 || cn[k - 1] != '\\')))
        k++;
    *p = cn;
    *n = k;
}

/* A PE file's signer, after a file's hit: who signed it, and whether the
 * signature still holds. */
static void table_signer(FILE *f, const kz_pe_facts *pe)
{
    if (pe->sig == KZ_SIG_NONE) {
        fputs("  [PE, unsigned]", f);
        return;
    }
    fputs("  [signer \"", f);
    const char *cn;
    size_t n;
    common_name(pe->signer.subject[0] ? pe->signer.subject : "?", &cn, &n);
    kz_write_escaped_text(f, cn, n);
    /* unless --pe-roots, the chain is not checked against trusted roots:
     * said, so that a name is not taken for Microsoft's word */
    fprintf(f, "\"%s, signature %s, ", pe->whcp ? ", WHCP" : "",
            kz_sig_status_name(pe->sig));
    if (!pe->chain_checked) {
        fputs("chain unchecked]", f);
    } else if (pe->chain_trusted) {
        fputs("chain trusted]", f);
    } else {
        fputs("chain untrusted: ", f);
        kz_write_escaped_text(f, pe->chain_error, strlen(pe->chain_error));
        putc(']', f);
    }
}

/* The judge's word: severity, and why a hit does not count or what it
 * came after. */
static void table_verdict(FILE *f, const kz_verdict *v)
{
    fprintf(f, "  [%s", kz_level_name(v->level));
    if (v->expired) {
        char tb[32];
        kz_time_format(v->expired_at, tb);
        fprintf(f, ", indicator expired %.10s", tb);
    }
    if (v->suppressed) {
        fputs(", suppressed: ", f);
        kz_write_escaped_text(f, v->why, strlen(v->why));
    }
    putc(']', f);
}

static kz_status table_put(kz_hit_writer *w, const kz_log_hit *h)
{
    FILE *f = w->out;
    const kz_index_entry *e = &h->ind;
    char tb[32];

    kz_time_format(h->time, tb);
    fprintf(f, "%-20s  ", h->time ? tb : "-");
    kz_write_escaped_text(f, h->input, strlen(h->input));
    if (h->file && h->file->member) {
        putc('!', f);
        kz_write_escaped_text(f, h->file->member, strlen(h->file->member));
    }
    if (h->file)
        fputs("  ", f); /* a file: no line */
    else
        fprintf(f, ":%" PRIu64 "  ", h->line);
    put_text(f, h->field, h->field ? strlen(h->field) : 0);
    fputs("  ", f);
    if (w->opts.color)
        fputs(SGR_OBSERVED, f);
    put_text(f, h->observed, h->observed_len);
    if (w->opts.color)
        fputs(SGR_RESET, f);
    fputs("  =>  ", f);
    put_text(f, e->value, e->value_len);
    const char *how = how_phrase(h->how);
    fprintf(f, " (%s%s%s)  ", kz_type_name(e->type), how ? ", " : "",
            how ? how : "");
    if (w->opts.color && e->threats_len)
        fputs(SGR_THREAT, f);
    put_text(f, e->threats, e->threats_len);
    if (w->opts.color && e->threats_len)
        fputs(SGR_RESET, f);
    fputs("  ", f);
    if (e->advisories_len) {
        /* A long title is cut (at a character boundary) so a hit stays
         * one screen line; --json and --summary carry it whole. */
        size_t n = e->advisories_len;
        int cut = n > TABLE_TITLE_MAX;
        if (cut) {
            n = TABLE_TITLE_MAX;
            while (n > 0 && ((unsigned char)e->advisories[n] & 0xC0) == 0x80)
                n--;
        }
        putc('"', f);
        kz_write_escaped_text(f, e->advisories, n);
        fputs(cut ? "\xe2\x80\xa6\"" : "\"", f);
    } else {
        putc('-', f);
    }
    if (h->file && h->file->pe)
        table_signer(f, h->file->pe);
    if (h->verdict)
        table_verdict(f, h->verdict);
    putc('\n', f);
    return KZ_OK;
}

/* ---- lines -------------------------------------------------------------- */

static kz_status lines_put(kz_hit_writer *w, const kz_log_hit *h)
{
    int same = note_input(w, h->input);
    if (same < 0)
        return nomem(w);
    if (h->file) {
        /* one line per file or archive member */
        const char *mem = h->file->member ? h->file->member : "";
        if (same && w->last_line == 0 && w->last_member &&
            strcmp(w->last_member, mem) == 0)
            return KZ_OK;
        free(w->last_member);
        w->last_member = strdup(mem);
        if (!w->last_member)
            return nomem(w);
    } else if (same && w->last_line == h->line)
        return KZ_OK;
    w->last_line = h->line;
    kz_write_escaped_text(w->out, h->input, strlen(h->input));
    if (h->file) {
        /* a file's hit: the path alone, once (as grep -l); a member's as
         * archive!member */
        if (h->file->member) {
            putc('!', w->out);
            kz_write_escaped_text(w->out, h->file->member,
                                  strlen(h->file->member));
        }
        putc('\n', w->out);
        return KZ_OK;
    }
    fprintf(w->out, ":%" PRIu64 ":", h->line);
    if (h->line_text)
        kz_write_escaped_text(w->out, h->line_text, h->line_len);
    putc('\n', w->out);
    return KZ_OK;
}

/* ---- JSON --------------------------------------------------------------- */

/* The JSON being built for one hit or summary; oom records a failed
 * allocation so the builders need not check each step. */
struct jb {
    kz_hit_writer *w;
    int oom;
};

/* A JSON string of the n bytes at s, made valid UTF-8 first (each byte of
 * an invalid sequence becomes U+FFFD, as kz_write_json_string does), since
 * jansson refuses invalid UTF-8. NULL out of memory. */
static json_t *jstr(struct jb *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    struct buf *sc = &b->w->scratch;
    size_t i = 0;
    json_t *v;

    if (!s)
        n = 0;
    while (i < n) { /* the common case: already valid */
        uint32_t cp;
        size_t len = p[i] < 0x80 ? 1 : kz_utf8_decode(p + i, n - i, &cp);
        if (!len)
            break;
        i += len;
    }
    if (i == n) {
        v = json_stringn_nocheck(n ? s : "", n);
    } else {
        sc->len = 0;
        if (n > (SIZE_MAX - 16) / 3 || !buf_reserve(sc, 3 * n + 1)) {
            b->oom = 1;
            return NULL;
        }
        memcpy(sc->p, s, i);
        sc->len = i;
        while (i < n) {
            uint32_t cp;
            size_t len = kz_utf8_decode(p + i, n - i, &cp);
            if (len) {
                memcpy(sc->p + sc->len, p + i, len);
                sc->len += len;
                i += len;
            } else {
                memcpy(sc->p + sc->len, "\xEF\xBF\xBD", 3);
                sc->len += 3;
                i++;
            }
        }
        v = json_stringn_nocheck(sc->p, sc->len);
    }
    if (!v)
        b->oom = 1;
    return v;
}

static json_t *jcstr(struct jb *b, const char *s)
{
    return jstr(b, s, s ? strlen(s) : 0);
}

static json_t *jint(struct jb *b, int64_t x)
{
    json_t *v = json_integer((json_int_t)x);
    if (!v)
        b->oom = 1;
    return v;
}

/* A date-time string, or JSON null for an unknown time (0). */
static json_t *jtime(struct jb *b, kz_time t)
{
    char tb[32];
    if (!t) {
        return json_null();
    }
    kz_time_format(t, tb);
    return jcstr(b, tb);
}

/* A dotted ECS name we may build objects from: lower-case letters,
 * digits, '_' and '@', non-empty components, at most 128 bytes. Field
 * names come from a table of the evidence code, but are checked anyway:
 * a name that is not one of ours is not used as a path. */
static int valid_path(const char *path)
{
    size_t n = strlen(path);
    if (n == 0 || n > 128 || path[0] == '.' || path[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '.' && path[i + 1] == '.')
            return 0;
        if (!(kz_is_alnum(c) || c == '_' || c == '@' || c == '.'))
            return 0;
    }
    return 1;
}

/* Sets the value at the dotted path ("dns.question.name") under obj,
 * creating the objects on the way, so names that share a prefix share
 * their objects. Takes the reference to v (NULL: out of memory, already
 * noted). A path that runs into a value that is not an object, or whose
 * leaf is already set, keeps what is there: the first writer wins. */
static void jset(struct jb *b, json_t *obj, const char *path, json_t *v)
{
    char key[129];

    if (!v)
        return;
    if (!valid_path(path))
        goto drop;
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t kn = dot ? (size_t)(dot - path) : strlen(path);
        memcpy(key, path, kn);
        key[kn] = '\0';
        json_t *cur = json_object_get(obj, key);
        if (!dot) {
            if (cur)
                goto drop;
            if (json_object_set_new_nocheck(obj, key, v) != 0)
                b->oom = 1;
            return;
        }
        if (!cur) {
            cur = json_object();
            if (!cur || json_object_set_new_nocheck(obj, key, cur) != 0) {
                b->oom = 1;
                goto drop;
            }
        } else if (!json_is_object(cur)) {
            goto drop;
        }
        obj = cur;
        path = dot + 1;
    }
drop:
    json_decref(v);
}

static void jappend(struct jb *b, json_t *arr, json_t *v)
{
    if (!v)
        return;
    if (json_array_append_new(arr, v) != 0)
        b->oom = 1;
}

static json_t *jarr(struct jb *b)
{
    json_t *a = json_array();
    if (!a)
        b->oom = 1;
    return a;
}

/* Splits the list s (n bytes, items joined with ", " as the index keeps
 * them) into an array of strings; empty items are left out. */
static json_t *jlist(struct jb *b, const char *s, size_t n)
{
    json_t *a = jarr(b);
    size_t i = 0;
    while (a && i < n) {
        size_t j = i;
        while (j < n && !(s[j] == ',' && j + 1 < n && s[j + 1] == ' '))
            j++;
        if (j > i)
            jappend(b, a, jstr(b, s + i, j - i));
        i = j + 2;
    }
    return a;
}

/* Number of items of a ", "-joined list (0 for an empty one). */
static size_t list_count(const char *s, size_t n)
{
    size_t c = n ? 1 : 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == ',' && s[i + 1] == ' ')
            c++;
    return c;
}

/* The advisory ids ("3, 7") as an array of integers; items that are not
 * decimal numbers are left out. */
static json_t *jids(struct jb *b, const char *s, size_t n)
{
    json_t *a = jarr(b);
    size_t i = 0;
    while (a && i < n) {
        while (i < n && (s[i] == ' ' || s[i] == ','))
            i++;
        size_t j = i;
        int64_t x = 0;
        int ok = j < n;
        while (j < n && s[j] != ',') {
            if (!kz_is_digit((unsigned char)s[j]) || x > INT64_MAX / 10 - 9)
                ok = 0;
            else if (ok)
                x = x * 10 + (s[j] - '0');
            j++;
        }
        if (ok && j > i)
            jappend(b, a, jint(b, x));
        i = j;
    }
    return a;
}

/* The advisory titles: split at ", " only when that gives one title per
 * id (a title may hold ", " itself, and then the split is ambiguous: the
 * whole string is one item). */
static json_t *jtitles(struct jb *b, const kz_index_entry *e)
{
    size_t nids = list_count(e->advisory_ids, e->advisory_ids_len);
    if (nids > 1 && list_count(e->advisories, e->advisories_len) == nids)
        return jlist(b, e->advisories, e->advisories_len);
    json_t *a = jarr(b);
    if (a && e->advisories_len)
        jappend(b, a, jstr(b, e->advisories, e->advisories_len));
    return a;
}

/* ECS threat.indicator.type of an indicator type, and the field of
 * threat.indicator.* that holds its value (NULL: none fits; the value is
 * still in threat.indicator.name). Types ECS has no name for (ja3, ja3s,
 * user agents, strings) get no type: kizashi.indicator_type has ours. */
static void ecs_indicator(kz_type t, const char *v, size_t n, const char **type,
                          const char **field)
{
    *type = NULL;
    *field = NULL;
    switch (t) {
    case KZ_T_IPV4:
        *type = "ipv4-addr", *field = "threat.indicator.ip";
        break;
    case KZ_T_IPV6:
        *type = "ipv6-addr", *field = "threat.indicator.ip";
        break;
    case KZ_T_CIDR: /* threat.indicator.ip holds addresses, not networks */
        *type = memchr(v, ':', n) ? "ipv6-addr" : "ipv4-addr";
        break;
    case KZ_T_DOMAIN:
        *type = "domain-name", *field = "threat.indicator.url.domain";
        break;
    case KZ_T_URL:
        *type = "url", *field = "threat.indicator.url.full";
        break;
    case KZ_T_EMAIL:
        *type = "email-addr", *field = "threat.indicator.email.address";
        break;
    case KZ_T_MD5:
        *type = "file", *field = "threat.indicator.file.hash.md5";
        break;
    case KZ_T_SHA1:
        *type = "file", *field = "threat.indicator.file.hash.sha1";
        break;
    case KZ_T_SHA256:
        *type = "file", *field = "threat.indicator.file.hash.sha256";
        break;
    case KZ_T_SHA512:
        *type = "file", *field = "threat.indicator.file.hash.sha512";
        break;
    case KZ_T_FILENAME:
        *type = "file", *field = "threat.indicator.file.name";
        break;
    case KZ_T_FILEPATH:
        *type = "file", *field = "threat.indicator.file.path";
        break;
    case KZ_T_AUTHENTIHASH:
        *type = "file";
        break;
    case KZ_T_CERT_SHA1:
    case KZ_T_CERT_SHA256:
        *type = "x509-certificate";
        break;
    case KZ_T_SIGNER:
        *type = "x509-certificate";
        *field = "threat.indicator.x509.subject.distinguished_name";
        break;
    case KZ_T_REGKEY:
        *type = "windows-registry-key",
        *field = "threat.indicator.registry.path";
        break;
    case KZ_T_MUTEX:
        *type = "mutex";
        break;
    case KZ_T_ASN:
        *type = "autonomous-system";
        break;
    default:
        break;
    }
}

/* ECS wants a level, not a number. */
static const char *confidence_level(int c)
{
    if (c < 0 || c > 100)
        return "Not Specified";
    return c < 30 ? "Low" : c < 70 ? "Medium" : "High";
}

/* One sentence that says why this is a hit, for an analyst who reads the
 * JSON in a SIEM: what was seen where, how it matched which indicator (as
 * published, when it was written otherwise), from which advisory or feed,
 * source, confidence, and the judge's word. Cut at cap bytes. */
static void explain(const kz_log_hit *h, char *out, size_t cap)
{
    const kz_index_entry *e = &h->ind;
    size_t n = 0;
#define EX(...)                                                                \
    do {                                                                       \
        if (n < cap)                                                           \
            n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__);              \
    } while (0)
    int ol = h->observed_len > 200 ? 200 : (int)h->observed_len;
    EX("%.*s", ol, h->observed ? h->observed : "");
    if (h->file)
        EX(" (%s of %s%s%s)", h->field ? h->field : "file", h->input,
           h->file->member ? "!" : "", h->file->member ? h->file->member : "");
    else
        EX(" (%s%s%s:%" PRIu64 ")", h->field ? h->field : "",
           h->field ? " in " : "", h->input, h->line);
    static const char *const how[] = {"is",
                                      "is a host under",
                                      "is an address in",
                                      "contains the text of",
                                      "is a file at",
                                      "matched"};
    EX(" %s the %s indicator %.*s",
       h->how <= KZ_MATCH_YARA ? how[h->how] : "matched", kz_type_name(e->type),
       (int)(e->value_len > 200 ? 200 : e->value_len), e->value);
    if (e->raw_len && (e->raw_len != e->value_len ||
                       memcmp(e->raw, e->value, e->raw_len) != 0))
        EX(" (published as %.*s)", (int)(e->raw_len > 200 ? 200 : e->raw_len),
           e->raw);
    if (e->advisories_len)
        EX(" of \"%.*s\"",
           (int)(e->advisories_len > 300 ? 300 : e->advisories_len),
           e->advisories);
    else if (e->feeds_len)
        EX(" of the feed %.*s", (int)(e->feeds_len > 200 ? 200 : e->feeds_len),
           e->feeds);
    if (e->threats_len)
        EX(" about %.*s", (int)(e->threats_len > 200 ? 200 : e->threats_len),
           e->threats);
    if (e->sources_len)
        EX(", source %.*s", (int)(e->sources_len > 200 ? 200 : e->sources_len),
           e->sources);
    if (e->confidence >= 0)
        EX(", confidence %d", e->confidence);
    if (e->first_seen) {
        char tb[32];
        kz_time_format(e->first_seen, tb);
        EX(", added %.10s", tb);
    }
    if (h->verdict) {
        const kz_verdict *v = h->verdict;
        EX("; severity %s", kz_level_name(v->level));
        if (v->expired) {
            char tb[32];
            kz_time_format(v->expired_at, tb);
            EX("; the indicator had expired on %.10s", tb);
        }
        if (v->suppressed)
            EX("; suppressed: %s", v->why);
    }
#undef EX
    if (n >= cap && cap > 4)
        memcpy(out + cap - 4, "...", 4);
}

/* The observed value in the form an ECS field of its kind wants: IP
 * addresses canonical (an ip field refuses "1.2.3.4:80" and brackets),
 * host names lower-case, digests as lower-case hex; the value as written
 * when it does not parse, or for other kinds. */
static json_t *jobserved_canon(struct jb *b, const kz_log_hit *h)
{
    char out[KZ_MAX_DOMAIN + 1 > 130 ? KZ_MAX_DOMAIN + 1 : 130];
    size_t len = 0;
    uint8_t a[64];
    int fam;
    uint16_t port;

    switch (h->obs_type) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
        if (kz_norm_ip(h->observed, h->observed_len, a, &fam, &port) == KZ_OK &&
            kz_ip_format(a, fam, out, sizeof out, &len) == KZ_OK)
            return jstr(b, out, len);
        break;
    case KZ_T_DOMAIN:
        if (kz_norm_domain(h->observed, h->observed_len, out, sizeof out,
                           &len) == KZ_OK)
            return jstr(b, out, len);
        break;
    case KZ_T_MD5:
    case KZ_T_SHA1:
    case KZ_T_SHA256:
    case KZ_T_SHA512:
        if (kz_norm_hash(h->observed, h->observed_len, a, sizeof a, &len) ==
            KZ_OK) {
            kz_hex_format(a, len, out);
            return jstr(b, out, 2 * len);
        }
        break;
    default:
        break;
    }
    return jstr(b, h->observed, h->observed_len);
}

/* ECS related.* field that lets a SIEM pivot on the observable. */
static const char *related_field(kz_type t)
{
    switch (t) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
        return "related.ip";
    case KZ_T_DOMAIN:
        return "related.hosts";
    case KZ_T_MD5:
    case KZ_T_SHA1:
    case KZ_T_SHA256:
    case KZ_T_SHA512:
        return "related.hash";
    default:
        return NULL;
    }
}

/* Dumps v as one compact line (no newline inside: jansson escapes control
 * characters) and writes it with the unsafe code points (json_unsafe_cp)
 * as \uXXXX escapes: they can only stand inside strings, where the escape
 * means the same. */
static kz_status write_json_line(kz_hit_writer *w, json_t *v)
{
    const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
    size_t n = json_dumpb(v, NULL, 0, flags);
    struct buf *d = &w->dump;

    if (n == 0)
        return nomem(w);
    d->len = 0;
    if (!buf_reserve(d, n))
        return nomem(w);
    if (json_dumpb(v, d->p, n, flags) != n)
        return nomem(w);

    const unsigned char *p = (const unsigned char *)d->p;
    size_t i = 0, start = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = 1;
        if (p[i] < 0x7F) {
            i++;
            continue;
        }
        if (p[i] > 0x7F)
            len = kz_utf8_decode(p + i, n - i, &cp);
        else
            cp = 0x7F;
        if (len == 0) { /* cannot happen: the strings were repaired */
            len = 1;
            cp = 0xFFFD;
        } else if (!json_unsafe_cp(cp)) {
            i += len;
            continue;
        }
        fwrite(p + start, 1, i - start, w->out);
        fprintf(w->out, "\\u%04" PRIx32, cp);
        i += len;
        start = i;
    }
    fwrite(p + start, 1, n - start, w->out);
    putc('\n', w->out);
    return KZ_OK;
}

/* One hit as an ECS document; key order is fixed (JSON_PRESERVE_ORDER)
 * and documented in docs/formats.md. */
/* ECS file.* fields of a file's hit: where it is, its facts, every digest
 * computed (not only the one that matched). */
static void json_file(struct jb *b, json_t *o, const kz_log_hit *h)
{
    const kz_file_info *fi = h->file;
    const char *p = h->input;
    char *joined = NULL;
    if (fi->member) {
        /* a member: archive!member, so that the path says where it is */
        size_t len = strlen(p) + strlen(fi->member) + 2;
        joined = malloc(len);
        if (!joined) {
            b->oom = 1;
            return;
        }
        snprintf(joined, len, "%s!%s", p, fi->member);
        p = joined;
    }
    const char *slash = strrchr(p, '/');
    const char *bang = strrchr(p, '!');
    if (fi->member && bang && (!slash || bang > slash))
        slash = bang; /* a member's name starts after the last '!' too */
    jset(b, o, "file.path", jcstr(b, p));
    jset(b, o, "file.name", jcstr(b, slash ? slash + 1 : p));
    if (slash)
        jset(b, o, "file.directory",
             jstr(b, p, slash == p ? 1 : (size_t)(slash - p)));
    const char *dot = strrchr(slash ? slash + 1 : p, '.');
    if (dot && dot[1] && dot != (slash ? slash + 1 : p))
        jset(b, o, "file.extension", jcstr(b, dot + 1));
    jset(b, o, "file.type", jcstr(b, "file"));
    jset(b, o, "file.size", jint(b, (int64_t)fi->size));
    if (fi->mtime)
        jset(b, o, "file.mtime", jtime(b, fi->mtime));
    if (fi->ctime)
        jset(b, o, "file.ctime", jtime(b, fi->ctime));
    if (fi->atime)
        jset(b, o, "file.accessed", jtime(b, fi->atime));
    if (fi->inode) {
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)fi->inode);
        jset(b, o, "file.inode", jcstr(b, num));
    }
    if (fi->mode) {
        char m[8];
        snprintf(m, sizeof m, "%04o", (unsigned)(fi->mode & 07777));
        jset(b, o, "file.mode", jcstr(b, m));
        snprintf(m, sizeof m, "%u", (unsigned)fi->uid);
        jset(b, o, "file.uid", jcstr(b, m));
        snprintf(m, sizeof m, "%u", (unsigned)fi->gid);
        jset(b, o, "file.gid", jcstr(b, m));
    }
    static const struct {
        kz_type t;
        const char *field;
        size_t len;
        size_t off;
    } d[4] = {
        {KZ_T_MD5, "file.hash.md5", 16, offsetof(kz_file_info, md5)},
        {KZ_T_SHA1, "file.hash.sha1", 20, offsetof(kz_file_info, sha1)},
        {KZ_T_SHA256, "file.hash.sha256", 32, offsetof(kz_file_info, sha256)},
        {KZ_T_SHA512, "file.hash.sha512", 64, offsetof(kz_file_info, sha512)},
    };
    json_t *rel = NULL;
    for (int i = 0; i < 4; i++) {
        if (!KZ_TYPESET_HAS(fi->digests, d[i].t))
            continue;
        char hex[129];
        kz_hex_format((const uint8_t *)fi + d[i].off, d[i].len, hex);
        jset(b, o, d[i].field, jstr(b, hex, 2 * d[i].len));
        if (!rel)
            rel = jarr(b);
        if (rel)
            jappend(b, rel, jstr(b, hex, 2 * d[i].len));
    }
    if (rel)
        jset(b, o, "related.hash", rel);
    free(joined);
}

static json_t *jbool(struct jb *b, int x)
{
    json_t *v = json_boolean(x);
    if (!v)
        b->oom = 1;
    return v;
}

static json_t *jhex(struct jb *b, const uint8_t *d, size_t n)
{
    char hex[129];
    kz_hex_format(d, n, hex);
    return jstr(b, hex, 2 * n);
}

static const char *pe_arch(uint16_t m)
{
    switch (m) {
    case 0x14c:
        return "x86";
    case 0x8664:
        return "x64";
    case 0xaa64:
        return "arm64";
    case 0x1c4:
        return "arm";
    case 0x200:
        return "ia64";
    default:
        return NULL;
    }
}

/* ECS file.pe.*, file.code_signature.*, file.x509.* (the signer), and
 * what ECS has no field for under kizashi.pe.* */
static void json_pe(struct jb *b, json_t *o, const kz_pe_facts *pe)
{
    const char *arch = pe_arch(pe->machine);
    if (arch)
        jset(b, o, "file.pe.architecture", jcstr(b, arch));
    int sig = pe->sig != KZ_SIG_NONE;
    jset(b, o, "file.code_signature.exists", jbool(b, sig));
    if (sig) {
        jset(b, o, "file.code_signature.status",
             jcstr(b, kz_sig_status_name(pe->sig)));
        jset(b, o, "file.code_signature.valid",
             jbool(b, pe->sig == KZ_SIG_VALID));
        if (pe->chain_checked)
            jset(b, o, "file.code_signature.trusted",
                 jbool(b, pe->chain_trusted));
        if (pe->signer.subject[0])
            jset(b, o, "file.code_signature.subject_name",
                 jcstr(b, pe->signer.subject));
        if (pe->digest_alg[0])
            jset(b, o, "file.code_signature.digest_algorithm",
                 jcstr(b, pe->digest_alg));
        if (pe->signing_time)
            jset(b, o, "file.code_signature.timestamp",
                 jtime(b, pe->signing_time));
        if (pe->signer.subject[0]) {
            jset(b, o, "file.x509.subject.distinguished_name",
                 jcstr(b, pe->signer.subject));
            jset(b, o, "file.x509.issuer.distinguished_name",
                 jcstr(b, pe->signer.issuer));
            jset(b, o, "file.x509.serial_number", jcstr(b, pe->signer.serial));
            if (pe->signer.not_before)
                jset(b, o, "file.x509.not_before",
                     jtime(b, pe->signer.not_before));
            if (pe->signer.not_after)
                jset(b, o, "file.x509.not_after",
                     jtime(b, pe->signer.not_after));
        }
    }
    jset(b, o, "kizashi.pe.driver", jbool(b, pe->is_driver));
    jset(b, o, "kizashi.pe.dll", jbool(b, pe->is_dll));
    if (pe->compiled)
        jset(b, o, "kizashi.pe.compiled", jtime(b, pe->compiled));
    if (pe->authentihash & (1u << KZ_T_MD5))
        jset(b, o, "kizashi.pe.authentihash.md5", jhex(b, pe->ah_md5, 16));
    if (pe->authentihash & (1u << KZ_T_SHA1))
        jset(b, o, "kizashi.pe.authentihash.sha1", jhex(b, pe->ah_sha1, 20));
    if (pe->authentihash & (1u << KZ_T_SHA256))
        jset(b, o, "kizashi.pe.authentihash.sha256",
             jhex(b, pe->ah_sha256, 32));
    if (sig) {
        jset(b, o, "kizashi.code_signature.whcp", jbool(b, pe->whcp));
        if (pe->sig_error[0])
            jset(b, o, "kizashi.code_signature.error", jcstr(b, pe->sig_error));
        if (pe->chain_checked && !pe->chain_trusted)
            jset(b, o, "kizashi.code_signature.chain_error",
                 jcstr(b, pe->chain_error));
        if (pe->signed_digest_len)
            jset(b, o, "kizashi.code_signature.signed_authentihash",
                 jhex(b, pe->signed_digest, pe->signed_digest_len));
        if (pe->signer.subject[0]) {
            jset(b, o, "kizashi.code_signature.signer_sha1",
                 jhex(b, pe->signer.sha1, 20));
            jset(b, o, "kizashi.code_signature.signer_sha256",
                 jhex(b, pe->signer.sha256, 32));
        }
        json_t *chain = jarr(b);
        for (unsigned i = 0; chain && i < pe->nchain; i++) {
            const kz_pe_cert *c = &pe->chain[i];
            json_t *x = json_object();
            if (!x) {
                b->oom = 1;
                break;
            }
            jset(b, x, "subject", jcstr(b, c->subject));
            jset(b, x, "issuer", jcstr(b, c->issuer));
            jset(b, x, "serial", jcstr(b, c->serial));
            jset(b, x, "sha1", jhex(b, c->sha1, 20));
            jset(b, x, "sha256", jhex(b, c->sha256, 32));
            if (c->not_before)
                jset(b, x, "not_before", jtime(b, c->not_before));
            if (c->not_after)
                jset(b, x, "not_after", jtime(b, c->not_after));
            jappend(b, chain, x);
        }
        jset(b, o, "kizashi.code_signature.chain", chain);
    }
}

static kz_status json_put(kz_hit_writer *w, const kz_log_hit *h)
{
    struct jb b = {w, 0};
    const kz_index_entry *e = &h->ind;
    json_t *o = json_object();
    json_t *a;
    kz_status st = KZ_OK;

    if (!o)
        return nomem(w);

    jset(&b, o, "@timestamp",
         h->time ? jtime(&b, h->time) : jcstr(&b, w->now_s));
    jset(&b, o, "event.kind", jcstr(&b, "alert"));
    if ((a = jarr(&b)) != NULL)
        jappend(&b, a, jcstr(&b, "threat"));
    if (a && h->file)
        jappend(&b, a, jcstr(&b, "file"));
    jset(&b, o, "event.category", a);
    if ((a = jarr(&b)) != NULL)
        jappend(&b, a, jcstr(&b, "indicator"));
    jset(&b, o, "event.type", a);
    jset(&b, o, "event.dataset", jcstr(&b, "kizashi.hunt"));
    jset(&b, o, "event.module", jcstr(&b, "kizashi"));
    jset(&b, o, "event.created", jcstr(&b, w->now_s));
    if (h->file)
        json_file(&b, o, h);
    else {
        jset(&b, o, "log.file.path", jcstr(&b, h->input));
        jset(&b, o, "log.offset", jint(&b, (int64_t)h->offset));
    }

    /* The observable in its own ECS field, when the evidence code knows
     * which one it stood in. */
    if (h->ecs_field && h->observed_len && !h->file) {
        int ip = h->obs_type == KZ_T_IPV4 || h->obs_type == KZ_T_IPV6;
        jset(&b, o, h->ecs_field,
             ip ? jobserved_canon(&b, h)
                : jstr(&b, h->observed, h->observed_len));
    }
    const char *rel = h->file ? NULL : related_field(h->obs_type);
    if (rel && h->observed_len && (a = jarr(&b)) != NULL) {
        jappend(&b, a, jobserved_canon(&b, h));
        jset(&b, o, rel, a);
    }

    const char *itype, *ifield;
    ecs_indicator(e->type, e->value, e->value_len, &itype, &ifield);
    if (itype)
        jset(&b, o, "threat.indicator.type", jcstr(&b, itype));
    jset(&b, o, "threat.indicator.name", jstr(&b, e->value, e->value_len));
    if (ifield)
        jset(&b, o, ifield, jstr(&b, e->value, e->value_len));
    if (e->sources_len)
        jset(&b, o, "threat.indicator.provider",
             jstr(&b, e->sources, e->sources_len));
    jset(&b, o, "threat.indicator.confidence",
         jcstr(&b, confidence_level(e->confidence)));
    if (e->first_seen)
        jset(&b, o, "threat.indicator.first_seen", jtime(&b, e->first_seen));
    if (e->last_seen)
        jset(&b, o, "threat.indicator.last_seen", jtime(&b, e->last_seen));
    if (e->feeds_len)
        jset(&b, o, "threat.feed.name", jstr(&b, e->feeds, e->feeds_len));
    if (e->threats_len && list_count(e->threats, e->threats_len) == 1)
        jset(&b, o, "threat.software.name",
             jstr(&b, e->threats, e->threats_len));

    if (!h->file) {
        jset(&b, o, "kizashi.line", jint(&b, (int64_t)h->line));
        jset(&b, o, "kizashi.column", jint(&b, (int64_t)h->column + 1));
    }
    if (h->field && *h->field)
        jset(&b, o, "kizashi.field", jcstr(&b, h->field));
    if (h->dataset && *h->dataset)
        jset(&b, o, "kizashi.dataset", jcstr(&b, h->dataset));
    if (h->file && h->file->member) {
        jset(&b, o, "kizashi.archive", jcstr(&b, h->input));
        jset(&b, o, "kizashi.archive_member", jcstr(&b, h->file->member));
    }
    if (h->file && h->file->pe)
        json_pe(&b, o, h->file->pe);
    if (h->obs_type == KZ_T_YARA) {
        jset(&b, o, "rule.name", jstr(&b, h->observed, h->observed_len));
        if (e->sources_len)
            jset(&b, o, "rule.ruleset", jstr(&b, e->sources, e->sources_len));
        if (e->advisories_len)
            jset(&b, o, "rule.description",
                 jstr(&b, e->advisories, e->advisories_len));
    }
    if (!h->file)
        jset(&b, o, "kizashi.format", jcstr(&b, kz_logfmt_name(h->format)));
    if (h->compression)
        jset(&b, o, "kizashi.compression", jcstr(&b, h->compression));
    jset(&b, o, "kizashi.match", jcstr(&b, kz_match_kind_name(h->how)));
    jset(&b, o, "kizashi.observed", jstr(&b, h->observed, h->observed_len));
    jset(&b, o, "kizashi.observed_type", jcstr(&b, kz_type_name(h->obs_type)));
    jset(&b, o, "kizashi.indicator_type", jcstr(&b, kz_type_name(e->type)));
    jset(&b, o, "kizashi.indicator_id", jint(&b, e->indicator_id));
    if (e->raw_len && (e->raw_len != e->value_len ||
                       memcmp(e->raw, e->value, e->raw_len) != 0))
        jset(&b, o, "kizashi.indicator_raw", jstr(&b, e->raw, e->raw_len));
    if (e->tags_len)
        jset(&b, o, "kizashi.indicator_tags", jlist(&b, e->tags, e->tags_len));
    if (e->valid_until)
        jset(&b, o, "kizashi.valid_until", jtime(&b, e->valid_until));
    jset(&b, o, "kizashi.threats", jlist(&b, e->threats, e->threats_len));
    jset(&b, o, "kizashi.advisory_ids",
         jids(&b, e->advisory_ids, e->advisory_ids_len));
    /* a YARA rule's description is in rule.description, not a title */
    jset(&b, o, "kizashi.advisories",
         e->type == KZ_T_YARA ? jarr(&b) : jtitles(&b, e));
    {
        char ex[1536];
        explain(h, ex, sizeof ex);
        jset(&b, o, "kizashi.explanation", jcstr(&b, ex));
    }
    if (h->verdict) {
        const kz_verdict *v = h->verdict;
        jset(&b, o, "event.severity", jint(&b, v->score));
        jset(&b, o, "kizashi.severity", jcstr(&b, kz_level_name(v->level)));
        if (v->suppressed)
            jset(&b, o, "kizashi.suppressed", jcstr(&b, v->why));
        if (v->expired)
            jset(&b, o, "kizashi.expired", jtime(&b, v->expired_at));
        if (v->is_new >= 0)
            jset(&b, o, "kizashi.new", json_boolean(v->is_new));
    }

    if (b.oom)
        st = nomem(w);
    else
        st = write_json_line(w, o);
    json_decref(o);
    return st;
}

/* ---- summary ------------------------------------------------------------ */

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) { /* FNV-1a */
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t group_hash(const char *ids, size_t idn, const char *t,
                           size_t tn)
{
    uint64_t h = hash_bytes(0xcbf29ce484222325ull, ids, idn);
    h = hash_bytes(h ^ 0xff, "\x1f", 1);
    return hash_bytes(h, t, tn);
}

static uint64_t ind_hash(uint32_t entry)
{
    uint64_t x = (uint64_t)entry * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}

static int ind_eq(const kz_hit_writer *w, uint32_t pos, const void *key)
{
    return w->inds[pos].entry == *(const uint32_t *)key;
}

static int group_eq(const kz_hit_writer *w, uint32_t pos, const void *key)
{
    const kz_index_entry *e = key;
    const struct adv_group *g = &w->groups[pos];
    return g->ids_len == e->advisory_ids_len &&
           g->titles_len == e->advisories_len &&
           (!g->ids_len || memcmp(g->ids, e->advisory_ids, g->ids_len) == 0) &&
           (!g->titles_len ||
            memcmp(g->titles, e->advisories, g->titles_len) == 0);
}

/* The slot of key in t: the one holding it, or the empty one where it
 * goes. The table is never full (kept at most half full). */
static uint32_t *
tab_find(const kz_hit_writer *w, const struct table *t, uint64_t h,
         int (*eq)(const kz_hit_writer *, uint32_t, const void *),
         const void *key)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask)
        if (!t->slot[i] || eq(w, t->slot[i] - 1, key))
            return &t->slot[i];
}

/* Makes room for one more record in t (n records now), rehashing with
 * hash_of. 0 out of memory. */
static int tab_grow(kz_hit_writer *w, struct table *t, size_t n,
                    uint64_t (*hash_of)(const kz_hit_writer *, uint32_t))
{
    if (t->cap && (n + 1) * 2 <= t->cap)
        return 1;
    size_t cap = t->cap ? t->cap * 2 : 64;
    if (cap > UINT32_MAX || cap > SIZE_MAX / sizeof *t->slot)
        return 0;
    uint32_t *slot = kz_calloc(cap, sizeof *slot);
    if (!slot)
        return 0;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slot[i])
            continue;
        size_t j = hash_of(w, t->slot[i] - 1) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = t->slot[i];
    }
    kz_free(t->slot);
    t->slot = slot;
    t->cap = cap;
    return 1;
}

static uint64_t ind_hash_of(const kz_hit_writer *w, uint32_t pos)
{
    return ind_hash(w->inds[pos].entry);
}

static uint64_t group_hash_of(const kz_hit_writer *w, uint32_t pos)
{
    return w->groups[pos].hash;
}

/* p (holding n records of size bytes, room for *cap) with room for one
 * more: p itself, a larger block (p is then freed), or NULL out of memory
 * (p unchanged). */
static void *grow_array(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 32;
    if (nc > UINT32_MAX || nc > SIZE_MAX / size)
        return NULL;
    void *np = kz_realloc(p, nc * size);
    if (np)
        *cap = nc;
    return np;
}

static char *dup_bytes(const char *s, size_t n)
{
    char *p = kz_malloc(n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* The advisory group of entry e, created when new; -1 out of memory. */
static int64_t group_of(kz_hit_writer *w, const kz_index_entry *e)
{
    uint64_t h = group_hash(e->advisory_ids, e->advisory_ids_len, e->advisories,
                            e->advisories_len);
    if (!tab_grow(w, &w->group_tab, w->ngroups, group_hash_of))
        return -1;
    uint32_t *s = tab_find(w, &w->group_tab, h, group_eq, e);
    if (*s)
        return *s - 1;
    void *np =
        grow_array(w->groups, &w->groups_cap, w->ngroups, sizeof *w->groups);
    if (!np)
        return -1;
    w->groups = np;
    struct adv_group *g = &w->groups[w->ngroups];
    memset(g, 0, sizeof *g);
    g->hash = h;
    g->ids = dup_bytes(e->advisory_ids, e->advisory_ids_len);
    g->titles = dup_bytes(e->advisories, e->advisories_len);
    if (!g->ids || !g->titles) {
        kz_free(g->ids);
        kz_free(g->titles);
        return -1;
    }
    g->ids_len = e->advisory_ids_len;
    g->titles_len = e->advisories_len;
    *s = (uint32_t)++w->ngroups;
    return (int64_t)w->ngroups - 1;
}

static kz_status summary_put(kz_hit_writer *w, const kz_log_hit *h)
{
    const kz_index_entry *e = &h->ind;
    int same = note_input(w, h->input);
    if (same < 0)
        return nomem(w);
    if (!tab_grow(w, &w->ind_tab, w->ninds, ind_hash_of))
        return nomem(w);
    uint32_t *s =
        tab_find(w, &w->ind_tab, ind_hash(e->index), ind_eq, &e->index);
    struct ind_stat *is;
    if (*s) {
        is = &w->inds[*s - 1];
    } else {
        int64_t g = group_of(w, e);
        void *np = g < 0 ? NULL
                         : grow_array(w->inds, &w->inds_cap, w->ninds,
                                      sizeof *w->inds);
        if (!np)
            return nomem(w);
        w->inds = np;
        is = &w->inds[w->ninds];
        memset(is, 0, sizeof *is);
        is->value = dup_bytes(e->value, e->value_len);
        if (!is->value)
            return nomem(w);
        is->entry = e->index;
        is->type = e->type;
        is->indicator_id = e->indicator_id;
        is->value_len = e->value_len;
        is->group = (uint32_t)g;
        w->groups[g].nind++;
        *s = (uint32_t)++w->ninds;
    }
    is->hits++;
    if (is->files == 0 || is->last_input != w->input_seq) {
        is->files++;
        is->last_input = w->input_seq;
    }
    fold_time(h->time, &is->first, &is->last);
    struct adv_group *g = &w->groups[is->group];
    g->hits++;
    fold_time(h->time, &g->first, &g->last);
    w->total_hits++;
    return KZ_OK;
}

/* Orders of the summary. qsort has no context argument, so the sort
 * works on records that carry what the comparison needs. */
struct group_ref {
    const struct adv_group *g;
    uint32_t pos;
};

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

/* Advisories by first time (unknown last), then title, then ids. */
static int group_cmp(const void *pa, const void *pb)
{
    const struct adv_group *a = ((const struct group_ref *)pa)->g;
    const struct adv_group *b = ((const struct group_ref *)pb)->g;
    if (!a->first != !b->first)
        return a->first ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    int c = bytes_cmp(a->titles, a->titles_len, b->titles, b->titles_len);
    return c ? c : bytes_cmp(a->ids, a->ids_len, b->ids, b->ids_len);
}

/* Indicators by hits (most first), then value, then type. */
static int ind_cmp(const void *pa, const void *pb)
{
    const struct ind_stat *a = *(const struct ind_stat *const *)pa;
    const struct ind_stat *b = *(const struct ind_stat *const *)pb;
    if (a->hits != b->hits)
        return a->hits > b->hits ? -1 : 1;
    int c = bytes_cmp(a->value, a->value_len, b->value, b->value_len);
    if (c)
        return c;
    return (a->type > b->type) - (a->type < b->type);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void table_times(FILE *f, kz_time first, kz_time last)
{
    char a[32], b[32];
    if (!first) {
        fputs(", time unknown", f);
        return;
    }
    kz_time_format(first, a);
    kz_time_format(last, b);
    fprintf(f, ", first %s, last %s", a, b);
}

/* ADVISORY — N hits, M indicators, first T, last T
 *   VALUE (TYPE) N hits in K files, first T, last T */
static void summary_table_group(kz_hit_writer *w, const struct adv_group *g,
                                struct ind_stat **inds, size_t n)
{
    FILE *f = w->out;
    if (w->opts.color)
        fputs(SGR_TITLE, f);
    if (g->titles_len)
        kz_write_escaped_text(f, g->titles, g->titles_len);
    else
        fputs("(no advisory)", f);
    if (w->opts.color)
        fputs(SGR_RESET, f);
    fprintf(f, " \xE2\x80\x94 %" PRIu64 " %s, %" PRIu32 " %s", g->hits,
            plural(g->hits, "hit", "hits"), g->nind,
            plural(g->nind, "indicator", "indicators"));
    table_times(f, g->first, g->last);
    putc('\n', f);
    for (size_t i = 0; i < n; i++) {
        const struct ind_stat *is = inds[i];
        fputs("  ", f);
        put_text(f, is->value, is->value_len);
        fprintf(f, " (%s) %" PRIu64 " %s in %" PRIu64 " %s",
                kz_type_name(is->type), is->hits,
                plural(is->hits, "hit", "hits"), is->files,
                plural(is->files, "file", "files"));
        table_times(f, is->first, is->last);
        putc('\n', f);
    }
}

/* {"advisories":[{"title","ids","hits","first","last","indicators":[...]}]}
 * with the same orders as the table. */
static json_t *summary_json_group(struct jb *b, const struct adv_group *g,
                                  struct ind_stat **inds, size_t n)
{
    json_t *o = json_object();
    if (!o) {
        b->oom = 1;
        return NULL;
    }
    jset(b, o, "title",
         g->titles_len ? jstr(b, g->titles, g->titles_len) : json_null());
    jset(b, o, "ids", jids(b, g->ids, g->ids_len));
    jset(b, o, "hits", jint(b, (int64_t)g->hits));
    jset(b, o, "first", jtime(b, g->first));
    jset(b, o, "last", jtime(b, g->last));
    json_t *arr = jarr(b);
    for (size_t i = 0; arr && i < n; i++) {
        const struct ind_stat *is = inds[i];
        json_t *x = json_object();
        if (!x) {
            b->oom = 1;
            break;
        }
        jset(b, x, "value", jstr(b, is->value, is->value_len));
        jset(b, x, "type", jcstr(b, kz_type_name(is->type)));
        jset(b, x, "indicator_id", jint(b, is->indicator_id));
        jset(b, x, "hits", jint(b, (int64_t)is->hits));
        jset(b, x, "files", jint(b, (int64_t)is->files));
        jset(b, x, "first", jtime(b, is->first));
        jset(b, x, "last", jtime(b, is->last));
        jappend(b, arr, x);
    }
    jset(b, o, "indicators", arr);
    return o;
}

static kz_status summary_write(kz_hit_writer *w)
{
    kz_status st = KZ_OK;
    struct group_ref *gs = NULL;
    struct ind_stat **inds = NULL;
    size_t *start = NULL;
    json_t *root = NULL, *arr = NULL;
    struct jb b = {w, 0};
    int json = w->opts.format == KZ_HIT_JSON;

    if (json) {
        root = json_object();
        if (!root)
            return nomem(w);
        jset(&b, root, "hits", jint(&b, (int64_t)w->total_hits));
        arr = jarr(&b);
        jset(&b, root, "advisories", arr);
    }
    if (w->ngroups) {
        gs = kz_calloc(w->ngroups, sizeof *gs);
        inds = kz_calloc(w->ninds, sizeof *inds);
        start = kz_calloc(w->ngroups + 1, sizeof *start);
        if (!gs || !inds || !start) {
            st = nomem(w);
            goto out;
        }
    }
    /* Indicators grouped by advisory (counting sort on the group), each
     * group then sorted on its own. */
    for (size_t i = 0; i < w->ninds; i++)
        start[w->inds[i].group + 1]++;
    for (size_t g = 0; g < w->ngroups; g++)
        start[g + 1] += start[g];
    for (size_t i = 0; i < w->ninds; i++) { /* gs[g].pos: filled so far */
        uint32_t g = w->inds[i].group;
        inds[start[g] + gs[g].pos++] = &w->inds[i];
    }
    for (size_t g = 0; g < w->ngroups; g++) {
        qsort(inds + start[g], start[g + 1] - start[g], sizeof *inds, ind_cmp);
        gs[g].g = &w->groups[g];
        gs[g].pos = (uint32_t)g;
    }
    if (w->ngroups)
        qsort(gs, w->ngroups, sizeof *gs, group_cmp);
    for (size_t k = 0; k < w->ngroups; k++) {
        uint32_t g = gs[k].pos;
        size_t n = start[g + 1] - start[g];
        if (json)
            jappend(&b, arr,
                    summary_json_group(&b, gs[k].g, inds + start[g], n));
        else
            summary_table_group(w, gs[k].g, inds + start[g], n);
    }
    if (json)
        st = b.oom ? nomem(w) : write_json_line(w, root);
out:
    json_decref(root);
    kz_free(gs);
    kz_free(inds);
    kz_free(start);
    return st;
}

/* ---- registry and public functions -------------------------------------- */

static const char *const format_names[] = {
    [KZ_HIT_TABLE] = "table",
    [KZ_HIT_JSON] = "json",
    [KZ_HIT_LINES] = "lines",
};
#define N_FORMATS (sizeof format_names / sizeof format_names[0])

int kz_hit_format_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(name, format_names[i]) == 0)
            return (int)i;
    return -1;
}

/* The sweep's time: now, or SOURCE_DATE_EPOCH when set (reproducible
 * output for tests and golden files); -1 when that is not a number. */
static int sweep_time(kz_time *t)
{
    *t = (kz_time)time(NULL);
    return kz_source_date_epoch(t) < 0 ? -1 : 0;
}

kz_status kz_hit_writer_new(kz_ctx *ctx, const kz_hit_writer_opts *opts,
                            FILE *out, kz_hit_writer **wp)
{
    static const kz_hit_writer_opts defaults = KZ_HIT_WRITER_OPTS_INIT;
    kz_hit_writer *w;

    if (!wp || !out)
        return kz_seterr(ctx, KZ_ERR_INVALID, "no writer or output given");
    *wp = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != KZ_HIT_WRITER_OPTS_VERSION)
        return kz_seterr(ctx, KZ_ERR_VERSION,
                         "hit writer options version %u, expected %u",
                         opts->version, KZ_HIT_WRITER_OPTS_VERSION);
    if ((unsigned)opts->format >= N_FORMATS)
        return kz_seterr(ctx, KZ_ERR_INVALID, "unknown hit format %d",
                         (int)opts->format);
    w = kz_calloc(1, sizeof *w);
    if (!w)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    w->ctx = ctx;
    w->out = out;
    w->opts = *opts;
    if (sweep_time(&w->now) < 0) {
        kz_free(w);
        return kz_seterr(ctx, KZ_ERR_INVALID,
                         "SOURCE_DATE_EPOCH is not a number of seconds");
    }
    kz_time_format(w->now, w->now_s);
    if (!w->now) /* SOURCE_DATE_EPOCH=0: the epoch, not "unknown" */
        memcpy(w->now_s, "1970-01-01T00:00:00Z", 21);
    *wp = w;
    return KZ_OK;
}

/* KZ_ERR_IO when the stream has failed; errno is left as the failed write
 * set it, so the caller can tell EPIPE from ENOSPC. */
static kz_status check_io(kz_hit_writer *w)
{
    if (!ferror(w->out))
        return KZ_OK;
    if (!w->io_errno)
        w->io_errno = errno ? errno : EIO;
    kz_seterr(w->ctx, KZ_ERR_IO, "write error: %s", strerror(w->io_errno));
    errno = w->io_errno;
    return KZ_ERR_IO;
}

kz_status kz_hit_writer_put(kz_hit_writer *w, const kz_log_hit *h)
{
    if (!w || !h || !h->input || (!h->observed && h->observed_len) ||
        (!h->ind.value && h->ind.value_len))
        return kz_seterr(w ? w->ctx : NULL, KZ_ERR_INVALID,
                         "no writer or hit given");
    if (w->finished)
        return kz_seterr(w->ctx, KZ_ERR_INVALID, "writer already finished");
    errno = 0;
    kz_status st;
    if (w->opts.summary)
        st = summary_put(w, h);
    else if (w->opts.format == KZ_HIT_JSON)
        st = json_put(w, h);
    else if (w->opts.format == KZ_HIT_LINES)
        st = lines_put(w, h);
    else
        st = table_put(w, h);
    if (st == KZ_OK)
        st = check_io(w);
    return st;
}

kz_status kz_hit_writer_finish(kz_hit_writer *w)
{
    if (!w)
        return KZ_ERR_INVALID;
    errno = 0;
    kz_status st = KZ_OK;
    if (!w->finished) {
        w->finished = 1;
        if (w->opts.summary) /* json: JSON; table and lines: text */
            st = summary_write(w);
    }
    if (st != KZ_OK)
        return st;
    if (fflush(w->out) != 0 && !w->io_errno)
        w->io_errno = errno ? errno : EIO;
    return check_io(w);
}

void kz_hit_writer_free(kz_hit_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->ninds; i++)
        kz_free(w->inds[i].value);
    for (size_t i = 0; i < w->ngroups; i++) {
        kz_free(w->groups[i].ids);
        kz_free(w->groups[i].titles);
    }
    kz_free(w->inds);
    kz_free(w->groups);
    kz_free(w->ind_tab.slot);
    kz_free(w->group_tab.slot);
    kz_free(w->last_input);
    free(w->last_member);
    kz_free(w->scratch.p);
    kz_free(w->dump.p);
    kz_free(w);
}
