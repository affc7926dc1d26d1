/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kz_read_csv: indicator feeds in CSV. Each column gets a role (value,
 * type, a column of one indicator type, threat, source, dates, ...) from
 * its header name, from a commented header line (abuse.ch exports), from
 * --map, or, without a header, from what its first cells look like. Then
 * every row gives one indicator per non-empty indicator cell, sharing the
 * row's context. On the hot path a row costs no allocation and no
 * normalization (the store normalizes).
 */
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "intel/csvparse.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

/* Threat names, tags and aliases kept per row: feeds give one to a
 * handful; more are dropped (the row's indicators are still read). */
#define CSV_MAX_THREATS 16
#define CSV_MAX_TAGS 64
#define CSV_MAX_ALIASES 64
/* Rows looked at to guess the columns of a file without a usable header,
 * and the bytes of them kept: enough for a majority vote per column. */
#define CSV_SAMPLE_ROWS 16
#define CSV_SAMPLE_BYTES (1u << 20)
/* Distinct type-column strings whose meaning is remembered. */
#define CSV_TYPE_CACHE 32
#define CSV_TYPE_NAME 32

enum role {
    R_NONE = 0, /* not decided yet */
    R_IGNORE,
    R_VALUE, /* an indicator whose type is in the type column or guessed */
    R_TYPE,
    R_IOC, /* a column of indicators of one type (col.type) */
    R_THREAT,
    R_ALIAS, /* other names of the row's threat */
    R_SOURCE,
    R_COMMENT,
    R_FIRST_SEEN,
    R_LAST_SEEN,
    R_CONFIDENCE,
    R_TAGS,
    R_PORT,
    R_CATEGORY,
    R_REF,
    R_TLP
};

typedef struct col {
    unsigned char role;
    unsigned char type; /* R_IOC */
    unsigned char by_map;
} col;

/* Header names, compared after lower-casing and dropping ' ' '_' '-' '.'. */
static const struct hname {
    const char *name;
    unsigned char role;
    unsigned char type;
} hnames[] = {
    {"value", R_VALUE, 0},
    {"ioc", R_VALUE, 0},
    {"indicator", R_VALUE, 0},
    {"iocvalue", R_VALUE, 0},
    {"indicatorvalue", R_VALUE, 0},
    {"observable", R_VALUE, 0},
    {"observablevalue", R_VALUE, 0},
    {"attributevalue", R_VALUE, 0},
    {"type", R_TYPE, 0},
    {"ioctype", R_TYPE, 0},
    {"indicatortype", R_TYPE, 0},
    {"attributetype", R_TYPE, 0},
    {"observabletype", R_TYPE, 0},
    {"valuetype", R_TYPE, 0},
    {"md5", R_IOC, KZ_T_MD5},
    {"md5hash", R_IOC, KZ_T_MD5},
    {"sha1", R_IOC, KZ_T_SHA1},
    {"sha1hash", R_IOC, KZ_T_SHA1},
    {"sha256", R_IOC, KZ_T_SHA256},
    {"sha256hash", R_IOC, KZ_T_SHA256},
    {"sha512", R_IOC, KZ_T_SHA512},
    {"sha512hash", R_IOC, KZ_T_SHA512},
    {"ip", R_IOC, KZ_T_IPV4},
    {"ipaddress", R_IOC, KZ_T_IPV4},
    {"ipv4", R_IOC, KZ_T_IPV4},
    {"ipv4address", R_IOC, KZ_T_IPV4},
    {"ipv6", R_IOC, KZ_T_IPV6},
    {"ipv6address", R_IOC, KZ_T_IPV6},
    {"dstip", R_IOC, KZ_T_IPV4},
    {"srcip", R_IOC, KZ_T_IPV4},
    {"cidr", R_IOC, KZ_T_CIDR},
    {"domain", R_IOC, KZ_T_DOMAIN},
    {"domainname", R_IOC, KZ_T_DOMAIN},
    {"hostname", R_IOC, KZ_T_DOMAIN},
    {"host", R_IOC, KZ_T_DOMAIN},
    {"fqdn", R_IOC, KZ_T_DOMAIN},
    {"url", R_IOC, KZ_T_URL},
    {"uri", R_IOC, KZ_T_URL},
    {"email", R_IOC, KZ_T_EMAIL},
    {"emailaddress", R_IOC, KZ_T_EMAIL},
    {"filename", R_IOC, KZ_T_FILENAME},
    {"filepath", R_IOC, KZ_T_FILEPATH},
    {"path", R_IOC, KZ_T_FILEPATH},
    {"cve", R_IOC, KZ_T_CVE},
    {"ja3", R_IOC, KZ_T_JA3},
    {"ja3s", R_IOC, KZ_T_JA3S},
    {"useragent", R_IOC, KZ_T_USER_AGENT},
    {"mutex", R_IOC, KZ_T_MUTEX},
    {"registrykey", R_IOC, KZ_T_REGKEY},
    {"regkey", R_IOC, KZ_T_REGKEY},
    {"threat", R_THREAT, 0},
    {"malware", R_THREAT, 0},
    {"malwareprintable", R_THREAT, 0},
    {"malwarefamily", R_THREAT, 0},
    {"family", R_THREAT, 0},
    {"actor", R_THREAT, 0},
    {"threatactor", R_THREAT, 0},
    {"threatname", R_THREAT, 0},
    {"signature", R_THREAT, 0},
    {"malwarealias", R_ALIAS, 0},
    {"aliases", R_ALIAS, 0},
    {"alias", R_ALIAS, 0},
    {"fkmalware", R_ALIAS, 0},
    {"source", R_SOURCE, 0},
    {"reporter", R_SOURCE, 0},
    {"feed", R_SOURCE, 0},
    {"provider", R_SOURCE, 0},
    {"comment", R_COMMENT, 0},
    {"comments", R_COMMENT, 0},
    {"description", R_COMMENT, 0},
    {"notes", R_COMMENT, 0},
    {"note", R_COMMENT, 0},
    {"firstseen", R_FIRST_SEEN, 0},
    {"firstseenutc", R_FIRST_SEEN, 0},
    {"dateadded", R_FIRST_SEEN, 0},
    {"date", R_FIRST_SEEN, 0},
    {"created", R_FIRST_SEEN, 0},
    {"timestamp", R_FIRST_SEEN, 0},
    {"lastseen", R_LAST_SEEN, 0},
    {"lastseenutc", R_LAST_SEEN, 0},
    {"lastonline", R_LAST_SEEN, 0},
    {"confidence", R_CONFIDENCE, 0},
    {"confidencelevel", R_CONFIDENCE, 0},
    {"tags", R_TAGS, 0},
    {"tag", R_TAGS, 0},
    {"labels", R_TAGS, 0},
    {"port", R_PORT, 0},
    {"dstport", R_PORT, 0},
    {"threattype", R_CATEGORY, 0},
    {"category", R_CATEGORY, 0},
    {"id", R_REF, 0},
    {"iocid", R_REF, 0},
    {"uuid", R_REF, 0},
    {"tlp", R_TLP, 0},
};

/* --map field names (besides type names). */
static const struct {
    const char *name;
    unsigned char role;
} mapnames[] = {
    {"value", R_VALUE},
    {"type", R_TYPE},
    {"threat", R_THREAT},
    {"source", R_SOURCE},
    {"comment", R_COMMENT},
    {"first_seen", R_FIRST_SEEN},
    {"last_seen", R_LAST_SEEN},
    {"confidence", R_CONFIDENCE},
    {"tags", R_TAGS},
    {"ignore", R_IGNORE},
    {"port", R_PORT},
    {"alias", R_ALIAS},
    {"category", R_CATEGORY},
    {"ref", R_REF},
    {"tlp", R_TLP},
};

/* What a type-column string means: a type, "guess from the value" (hash,
 * ip:port), or unknown. */
#define TN_UNKNOWN (-1)
#define TN_GUESS 0

typedef struct rd {
    kz_ctx *ctx;
    const kz_intel_sink *sink;
    const char *name;
    col *cols;
    size_t ncols;
    uint64_t header_line; /* 0: no header */
    struct {
        char s[CSV_TYPE_NAME];
        size_t n;
        int t;
    } tcache[CSV_TYPE_CACHE];
    size_t ntcache;
    char *scratch; /* tags and aliases of the current row */
    size_t scratch_cap;
    char last_threat[256]; /* the threat whose aliases were sent last */
    char what[96];         /* unsupported() text */
} rd;

/* ---- small parsers --------------------------------------------------------
 */

/* s lower-cased without ' ' '_' '-' '.', into out (cap bytes); 0 when too
 * long. */
static size_t squash(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t')
            continue;
        if (k + 1 >= cap)
            return 0;
        out[k++] = (char)kz_lower(c);
    }
    out[k] = '\0';
    return k;
}

static const struct hname *header_lookup(const char *s, size_t n)
{
    char sq[40];
    size_t k = squash(s, n, sq, sizeof sq);
    if (k == 0)
        return NULL;
    for (size_t i = 0; i < sizeof hnames / sizeof hnames[0]; i++)
        if (strcmp(hnames[i].name, sq) == 0)
            return &hnames[i];
    return NULL;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!kz_is_digit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

/* What the string in a type column names (see TN_*). */
static int type_name_resolve(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return TN_GUESS;
    kz_type t = kz_type_from_name(s, n);
    if (t != KZ_T_NONE)
        return (int)t;
    char sq[40];
    size_t k = squash(s, n, sq, sizeof sq);
    if (k == 0)
        return TN_UNKNOWN;
    /* "ip:port" (ThreatFox), "hash", "filehash": the value tells */
    if (strcmp(sq, "ip:port") == 0 || strcmp(sq, "hash") == 0 ||
        strcmp(sq, "filehash") == 0 || strcmp(sq, "ipaddress") == 0)
        return TN_GUESS;
    /* "md5_hash", "sha256_hash" (ThreatFox), STIX "ipv4-addr" ... */
    static const struct {
        const char *n;
        kz_type t;
    } extra[] = {
        {"ipv4addr", KZ_T_IPV4},
        {"ipv6addr", KZ_T_IPV6},
        {"emailaddr", KZ_T_EMAIL},
        {"ipsrc", KZ_T_IPV4},
        {"ipdst", KZ_T_IPV4},
        {"domainname", KZ_T_DOMAIN},
        {"certsha1", KZ_T_CERT_SHA1},
        {"certsha256", KZ_T_CERT_SHA256},
        {"x509fingerprintsha1", KZ_T_CERT_SHA1},
        {"x509fingerprintsha256", KZ_T_CERT_SHA256},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strcmp(sq, extra[i].n) == 0)
            return (int)extra[i].t;
    const struct hname *h = header_lookup(s, n);
    if (h && h->role == R_IOC)
        return h->type;
    return TN_UNKNOWN;
}

/* The type for value v when its column (or type cell) says t: an address
 * column or "ip" type holds IPv4, IPv6 and CIDR alike. */
static kz_type refine_type(kz_type t, const char *v, size_t n)
{
    int check = 0;
    switch (t) {
    case KZ_T_IPV4:
        check = memchr(v, ':', n) || memchr(v, '/', n);
        break;
    case KZ_T_IPV6:
        check = !memchr(v, ':', n) || memchr(v, '/', n);
        break;
    case KZ_T_CIDR:
        check = !memchr(v, '/', n);
        break;
    default:
        break;
    }
    if (check) {
        kz_type g = kz_guess_type(v, n);
        if (g == KZ_T_IPV4 || g == KZ_T_IPV6 || g == KZ_T_CIDR)
            return g;
    }
    return t;
}

/* "n/a", "none", "-": a cell that says there is nothing. */
static int is_nothing(const char *s, size_t n)
{
    if (n > 7)
        return 0;
    return n == 0 || (n == 1 && s[0] == '-') || kz_eq_word_ci(s, n, "n/a") ||
           kz_eq_word_ci(s, n, "none") || kz_eq_word_ci(s, n, "null") ||
           kz_eq_word_ci(s, n, "unknown");
}

static int parse_confidence(const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == '%')
        n--;
    if (all_digits(s, n) && n <= 3) {
        int v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * 10 + (s[i] - '0');
        return v <= 100 ? v : -1;
    }
    /* the STIX 2.1 confidence scale's words */
    if (kz_eq_word_ci(s, n, "high"))
        return 85;
    if (kz_eq_word_ci(s, n, "medium"))
        return 50;
    if (kz_eq_word_ci(s, n, "low"))
        return 15;
    return -1;
}

static uint16_t parse_port(const char *s, size_t n)
{
    if (!all_digits(s, n) || n > 5)
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v <= 65535 ? (uint16_t)v : 0;
}

/* An ISO date-time (a bare number is an id more often than a Unix time). */
static int is_date(const char *s, size_t n, kz_time *t)
{
    return n >= 8 && !all_digits(s, n) && kz_time_parse(s, n, t) == KZ_OK;
}

/* ---- rows -----------------------------------------------------------------
 */

static int type_cached(rd *r, const char *s, size_t n)
{
    if (n < CSV_TYPE_NAME)
        for (size_t i = 0; i < r->ntcache; i++)
            if (r->tcache[i].n == n && memcmp(r->tcache[i].s, s, n) == 0)
                return r->tcache[i].t;
    int t = type_name_resolve(s, n);
    if (n < CSV_TYPE_NAME && r->ntcache < CSV_TYPE_CACHE) {
        memcpy(r->tcache[r->ntcache].s, s, n);
        r->tcache[r->ntcache].n = n;
        r->tcache[r->ntcache].t = t;
        r->ntcache++;
    }
    return t;
}

static void unsupported(rd *r, const char *what, uint64_t line)
{
    if (r->sink->unsupported)
        r->sink->unsupported(r->sink->ud, what, line);
}

static kz_status emit(rd *r, kz_intel_ioc *io, kz_type t, const char *v,
                      size_t n)
{
    if (t == KZ_T_NONE)
        t = kz_guess_type(v, n);
    if (t == KZ_T_NONE) {
        unsupported(r, "csv value of unknown type", io->line);
        return KZ_OK;
    }
    io->type = refine_type(t, v, n);
    io->value = v;
    io->value_len = n;
    return r->sink->ioc ? r->sink->ioc(r->sink->ud, io) : KZ_OK;
}

/* A value of a composite type ("filename|md5" with "a.exe|d41d...",
 * "ip-dst|port" with "1.2.3.4|443"): one indicator per part, a port part
 * goes to the port. The parts are copied to buf (the cell is borrowed
 * read-only). */
static kz_status emit_composite(rd *r, kz_intel_ioc *io, const char *ts,
                                size_t tn, const char *v, size_t n)
{
    const char *tbar = memchr(ts, '|', tn);
    const char *vbar = memchr(v, '|', n);
    if (!tbar || !vbar || memchr(tbar + 1, '|', (size_t)(ts + tn - tbar - 1)) ||
        memchr(vbar + 1, '|', (size_t)(v + n - vbar - 1))) {
        unsupported(r, "csv composite value does not match its type", io->line);
        return KZ_OK;
    }
    const char *tp[2] = {ts, tbar + 1};
    size_t tl[2] = {(size_t)(tbar - ts), (size_t)(ts + tn - tbar - 1)};
    const char *vp[2] = {v, vbar + 1};
    size_t vl[2] = {(size_t)(vbar - v), (size_t)(v + n - vbar - 1)};
    int t[2];
    for (int i = 0; i < 2; i++) {
        t[i] = kz_eq_word_ci(tp[i], tl[i], "port")
                   ? -2
                   : type_name_resolve(tp[i], tl[i]);
        if (t[i] == TN_UNKNOWN) {
            snprintf(r->what, sizeof r->what, "csv type %.*s",
                     (int)(tn > 48 ? 48 : tn), ts);
            unsupported(r, r->what, io->line);
            return KZ_OK;
        }
    }
    if (t[1] == -2)
        io->port = parse_port(vp[1], vl[1]);
    kz_status st = KZ_OK;
    char buf[KZ_MAX_VALUE + 1];
    for (int i = 0; i < 2 && st == KZ_OK; i++) {
        if (t[i] == -2 || vl[i] == 0)
            continue;
        if (vl[i] > KZ_MAX_VALUE) {
            unsupported(r, "csv value too long", io->line);
            continue;
        }
        memcpy(buf, vp[i], vl[i]);
        buf[vl[i]] = '\0';
        st = emit(r, io, (kz_type)t[i], buf, vl[i]);
    }
    return st;
}

/* Appends the n bytes at s and a NUL to the scratch buffer; returns their
 * offset, or (size_t)-1 when out of memory. */
static size_t scratch_add(rd *r, size_t *used, const char *s, size_t n)
{
    if (*used + n + 1 > r->scratch_cap) {
        size_t ncap = r->scratch_cap ? r->scratch_cap : 1024;
        while (ncap < *used + n + 1)
            ncap *= 2;
        char *nb = kz_realloc(r->scratch, ncap);
        if (!nb)
            return (size_t)-1;
        r->scratch = nb;
        r->scratch_cap = ncap;
    }
    size_t off = *used;
    memcpy(r->scratch + off, s, n);
    r->scratch[off + n] = '\0';
    *used += n + 1;
    return off;
}

/* Splits the list cell at s (',' or ';' separated, else white space) into
 * items appended to the scratch buffer: their offsets go to offs. A
 * leading '#' (Twitter hashtags) is dropped. */
static int split_list(rd *r, size_t *used, const char *s, size_t n,
                      size_t *offs, size_t max, size_t count)
{
    int comma = memchr(s, ',', n) || memchr(s, ';', n);
    size_t i = 0;
    while (i < n && count < max) {
        size_t j = i;
        while (j < n && (comma ? (s[j] != ',' && s[j] != ';')
                               : (s[j] != ' ' && s[j] != '\t')))
            j++;
        size_t a = i, b = j;
        while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '#'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        if (b > a) {
            size_t off = scratch_add(r, used, s + a, b - a);
            if (off == (size_t)-1)
                return -1;
            offs[count++] = off;
        }
        i = j + 1;
    }
    return (int)count;
}

static kz_status send_threat(rd *r, const char *name,
                             const char *const *aliases, size_t naliases)
{
    size_t n = strlen(name);
    if (!r->sink->threat || naliases == 0)
        return KZ_OK;
    if (n < sizeof r->last_threat && strcmp(r->last_threat, name) == 0)
        return KZ_OK;
    kz_intel_threat th = {0};
    th.name = name;
    th.aliases = aliases;
    th.naliases = naliases;
    kz_status st = r->sink->threat(r->sink->ud, &th);
    if (n < sizeof r->last_threat)
        memcpy(r->last_threat, name, n + 1);
    return st;
}

static kz_status do_row(rd *r, const char *const *f, const size_t *l, size_t nf,
                        uint64_t line)
{
    kz_intel_ioc io = {0};
    io.confidence = -1;
    io.to_ids = -1;
    io.score = -1;
    io.line = line;
    const char *threats[CSV_MAX_THREATS];
    size_t nthreats = 0;
    size_t tag_off[CSV_MAX_TAGS], alias_off[CSV_MAX_ALIASES];
    const char *tags[CSV_MAX_TAGS], *aliases[CSV_MAX_ALIASES];
    int ntags = 0, naliases = 0;
    size_t used = 0;
    const char *tcell = NULL;
    size_t tlen = 0;
    size_t n = nf < r->ncols ? nf : r->ncols;

    for (size_t i = 0; i < n; i++) {
        const char *s = f[i];
        size_t len = l[i];
        if (len == 0)
            continue;
        switch (r->cols[i].role) {
        case R_TYPE:
            tcell = s;
            tlen = len;
            break;
        case R_THREAT:
            if (nthreats < CSV_MAX_THREATS && !is_nothing(s, len)) {
                size_t k = 0;
                while (k < nthreats && strcmp(threats[k], s) != 0)
                    k++;
                if (k == nthreats)
                    threats[nthreats++] = s;
            }
            break;
        case R_ALIAS:
            if (!is_nothing(s, len))
                naliases = split_list(r, &used, s, len, alias_off,
                                      CSV_MAX_ALIASES, (size_t)naliases);
            if (naliases < 0)
                goto nomem;
            break;
        case R_TAGS:
            ntags = split_list(r, &used, s, len, tag_off, CSV_MAX_TAGS,
                               (size_t)ntags);
            if (ntags < 0)
                goto nomem;
            break;
        case R_SOURCE:
            if (!io.source)
                io.source = s;
            break;
        case R_COMMENT:
            if (!io.comment)
                io.comment = s;
            break;
        case R_FIRST_SEEN:
            if (!io.first_seen)
                (void)kz_time_parse(s, len, &io.first_seen);
            break;
        case R_LAST_SEEN:
            if (!io.last_seen)
                (void)kz_time_parse(s, len, &io.last_seen);
            break;
        case R_CONFIDENCE:
            if (io.confidence < 0)
                io.confidence = parse_confidence(s, len);
            break;
        case R_PORT:
            if (!io.port)
                io.port = parse_port(s, len);
            break;
        case R_CATEGORY:
            if (!io.category)
                io.category = s;
            break;
        case R_REF:
            if (!io.ref)
                io.ref = s;
            break;
        case R_TLP:
            if (!io.tlp)
                io.tlp = s;
            break;
        default:
            break;
        }
    }
    for (int i = 0; i < ntags; i++)
        tags[i] = r->scratch + tag_off[i];
    for (int i = 0; i < naliases; i++)
        aliases[i] = r->scratch + alias_off[i];
    io.tags = tags;
    io.ntags = (size_t)ntags;
    io.threats = threats;
    io.nthreats = nthreats;

    kz_status st = KZ_OK;
    if (nthreats > 0 && naliases > 0)
        st = send_threat(r, threats[0], aliases, (size_t)naliases);

    uint16_t port = io.port;
    for (size_t i = 0; i < n && st == KZ_OK; i++) {
        const char *s = f[i];
        size_t len = l[i];
        if (len == 0)
            continue;
        io.port = port; /* a composite value may have set it */
        if (r->cols[i].role == R_IOC) {
            st = emit(r, &io, (kz_type)r->cols[i].type, s, len);
            continue;
        }
        if (r->cols[i].role != R_VALUE)
            continue;
        if (tcell && memchr(tcell, '|', tlen)) {
            st = emit_composite(r, &io, tcell, tlen, s, len);
            continue;
        }
        int t = tcell ? type_cached(r, tcell, tlen) : TN_GUESS;
        if (t == TN_UNKNOWN) {
            snprintf(r->what, sizeof r->what, "csv type %.*s",
                     (int)(tlen > 48 ? 48 : tlen), tcell);
            unsupported(r, r->what, line);
            continue;
        }
        st = emit(r, &io, (kz_type)t, s, len);
    }
    return st;

nomem:
    return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
}

/* ---- columns --------------------------------------------------------------
 */

static int has_indicator_column(const rd *r)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (r->cols[i].role == R_VALUE || r->cols[i].role == R_IOC)
            return 1;
    return 0;
}

/* 1 when the record looks like a header: no cell is data (an indicator,
 * a date, a number) and at least min_known cells are names we know. */
static int looks_like_header(const char *const *f, const size_t *l, size_t nf,
                             size_t min_known)
{
    size_t known = 0;
    for (size_t i = 0; i < nf; i++) {
        if (l[i] == 0)
            continue;
        kz_time t;
        if (header_lookup(f[i], l[i])) {
            known++;
            continue;
        }
        if (kz_guess_type(f[i], l[i]) != KZ_T_NONE || all_digits(f[i], l[i]) ||
            kz_time_parse(f[i], l[i], &t) == KZ_OK)
            return 0;
    }
    return known >= min_known;
}

static kz_status cols_alloc(rd *r, size_t n)
{
    r->cols = kz_calloc(n ? n : 1, sizeof *r->cols);
    if (!r->cols)
        return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
    r->ncols = n;
    return KZ_OK;
}

static void cols_from_header(rd *r, const char *const *f, const size_t *l,
                             size_t nf)
{
    for (size_t i = 0; i < nf && i < r->ncols; i++) {
        const struct hname *h = header_lookup(f[i], l[i]);
        if (h) {
            r->cols[i].role = h->role;
            r->cols[i].type = h->type;
            continue;
        }
        kz_type t = kz_type_from_name(f[i], l[i]);
        if (t != KZ_T_NONE) {
            r->cols[i].role = R_IOC;
            r->cols[i].type = (unsigned char)t;
        }
    }
}

/* Applies o->map ("COLUMN=FIELD,..."). hdr may be NULL (no header). */
static kz_status apply_map(rd *r, const char *map, const char *const *hf,
                           const size_t *hl, size_t hn)
{
    const char *p = map;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq || eq == p || eq == p + n - 1)
            return kz_seterr(r->ctx, KZ_ERR_INVALID,
                             "%s: --map: \"%.*s\" is not COLUMN=FIELD", r->name,
                             (int)n, p);
        size_t cn = (size_t)(eq - p);
        const char *fs = eq + 1;
        size_t fn = n - cn - 1;
        size_t idx = (size_t)-1;
        if (all_digits(p, cn)) {
            size_t v = 0;
            for (size_t i = 0; i < cn && v <= KZ_CSV_MAX_FIELDS; i++)
                v = v * 10 + (size_t)(p[i] - '0');
            if (v >= 1 && v <= r->ncols)
                idx = v - 1;
        } else if (hf) {
            char a[64], b[64];
            size_t an = squash(p, cn, a, sizeof a);
            for (size_t i = 0; i < hn && an; i++)
                if (squash(hf[i], hl[i], b, sizeof b) == an &&
                    memcmp(a, b, an) == 0) {
                    idx = i;
                    break;
                }
        }
        if (idx == (size_t)-1)
            return kz_seterr(r->ctx, KZ_ERR_INVALID,
                             "%s: --map: no column \"%.*s\"", r->name, (int)cn,
                             p);
        int role = -1, type = 0;
        for (size_t i = 0; i < sizeof mapnames / sizeof mapnames[0]; i++)
            if (kz_eq_word_ci(fs, fn, mapnames[i].name)) {
                role = mapnames[i].role;
                break;
            }
        if (role < 0) {
            kz_type t = kz_type_from_name(fs, fn);
            if (t == KZ_T_NONE)
                return kz_seterr(r->ctx, KZ_ERR_INVALID,
                                 "%s: --map: unknown field \"%.*s\"", r->name,
                                 (int)fn, fs);
            role = R_IOC;
            type = (int)t;
        }
        r->cols[idx].role = (unsigned char)role;
        r->cols[idx].type = (unsigned char)type;
        r->cols[idx].by_map = 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return KZ_OK;
}

/* ---- guessing columns from data -------------------------------------------
 */

typedef struct sample {
    char *buf; /* fields, each NUL-terminated */
    size_t n, cap;
    struct {
        size_t off, nf;
        uint64_t line;
    } row[CSV_SAMPLE_ROWS];
    size_t nrows;
} sample;

static int sample_add(sample *sm, const char *const *f, const size_t *l,
                      size_t nf, uint64_t line)
{
    size_t need = 0;
    for (size_t i = 0; i < nf; i++)
        need += l[i] + 1;
    if (sm->n + need > sm->cap) {
        size_t ncap = sm->cap ? sm->cap : 4096;
        while (ncap < sm->n + need)
            ncap *= 2;
        char *nb = kz_realloc(sm->buf, ncap);
        if (!nb)
            return -1;
        sm->buf = nb;
        sm->cap = ncap;
    }
    sm->row[sm->nrows].off = sm->n;
    sm->row[sm->nrows].nf = nf;
    sm->row[sm->nrows].line = line;
    sm->nrows++;
    for (size_t i = 0; i < nf; i++) {
        memcpy(sm->buf + sm->n, f[i], l[i]);
        sm->buf[sm->n + l[i]] = '\0';
        sm->n += l[i] + 1;
    }
    return 0;
}

/* Fields of sample row k into f / l (nf entries). */
static void sample_row(const sample *sm, size_t k, const char **f, size_t *l)
{
    const char *p = sm->buf + sm->row[k].off;
    for (size_t i = 0; i < sm->row[k].nf; i++) {
        f[i] = p;
        l[i] = strlen(p);
        p += l[i] + 1;
    }
}

typedef struct cstat {
    unsigned nonempty, tname, date, num, tag, ioc, spaced;
    unsigned types[KZ_T_COUNT_];
} cstat;

/* Roles for the undecided columns from the sampled rows. */
static kz_status guess_columns(rd *r, const sample *sm)
{
    kz_status rc = KZ_OK;
    cstat *cs = kz_calloc(r->ncols, sizeof *cs);
    const char **f = kz_calloc(KZ_CSV_MAX_FIELDS, sizeof *f);
    size_t *l = kz_calloc(KZ_CSV_MAX_FIELDS, sizeof *l);
    if (!cs || !f || !l) {
        rc = kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
        goto out;
    }
    for (size_t k = 0; k < sm->nrows; k++) {
        sample_row(sm, k, f, l);
        for (size_t i = 0; i < sm->row[k].nf && i < r->ncols; i++) {
            const char *s = f[i];
            size_t n = l[i];
            kz_time t;
            if (n == 0 || r->cols[i].role != R_NONE)
                continue;
            cstat *c = &cs[i];
            c->nonempty++;
            if (n < CSV_TYPE_NAME && type_name_resolve(s, n) != TN_UNKNOWN) {
                c->tname++;
                continue;
            }
            if (s[0] == '#') {
                c->tag++;
                continue;
            }
            if (is_date(s, n, &t)) {
                c->date++;
                continue;
            }
            if (all_digits(s, n)) {
                c->num++;
                continue;
            }
            kz_type g = kz_guess_type(s, n);
            if (g != KZ_T_NONE) {
                c->ioc++;
                c->types[g]++;
                continue;
            }
            if (memchr(s, ' ', n))
                c->spaced++;
        }
    }
    size_t type_col = (size_t)-1;
    for (size_t i = 0; i < r->ncols; i++)
        if (r->cols[i].role == R_TYPE)
            type_col = i;
    int have_first = 0, have_comment = 0;
    for (size_t i = 0; i < r->ncols; i++) {
        if (r->cols[i].role == R_FIRST_SEEN)
            have_first = 1;
        if (r->cols[i].role == R_COMMENT)
            have_comment = 1;
    }
    for (size_t i = 0; i < r->ncols; i++) {
        const cstat *c = &cs[i];
        col *cl = &r->cols[i];
        if (cl->role != R_NONE)
            continue;
        cl->role = R_IGNORE;
        if (c->nonempty == 0)
            continue;
        if (c->tname == c->nonempty && type_col == (size_t)-1) {
            cl->role = R_TYPE;
            type_col = i;
        } else if (2 * c->date > c->nonempty) {
            cl->role = have_first ? R_LAST_SEEN : R_FIRST_SEEN;
            have_first = 1;
        } else if (2 * c->ioc > c->nonempty) {
            unsigned best = 0;
            for (unsigned t = 1; t < KZ_T_COUNT_; t++)
                if (c->types[t] > c->types[best])
                    best = t;
            if (c->types[best] == c->ioc) {
                cl->role = R_IOC;
                cl->type = (unsigned char)best;
            } else {
                cl->role = R_VALUE;
            }
        } else if (2 * c->tag > c->nonempty) {
            cl->role = R_TAGS;
        } else if (2 * c->spaced > c->nonempty && !have_comment) {
            cl->role = R_COMMENT;
            have_comment = 1;
        }
    }
    /* With a type column, its value column is the indicator column nearest
     * to it (to its right first); other indicator columns are taken for
     * references (a tweet's link): the first column of links becomes the
     * comment, the others are left out. */
    if (type_col != (size_t)-1) {
        size_t best = (size_t)-1, bestd = (size_t)-1;
        for (size_t i = 0; i < r->ncols; i++) {
            col *cl = &r->cols[i];
            if (cl->by_map || (cl->role != R_IOC && cl->role != R_VALUE))
                continue;
            size_t d =
                i > type_col ? 2 * (i - type_col) - 1 : 2 * (type_col - i);
            if (d < bestd) {
                bestd = d;
                best = i;
            }
        }
        for (size_t i = 0; i < r->ncols; i++) {
            col *cl = &r->cols[i];
            if (cl->by_map || (cl->role != R_IOC && cl->role != R_VALUE) ||
                cs[i].nonempty == 0)
                continue;
            if (i == best) {
                cl->role = R_VALUE;
            } else if (!have_comment && cl->role == R_IOC &&
                       cl->type == KZ_T_URL) {
                cl->role = R_COMMENT; /* the link is the row's reference */
                have_comment = 1;
            } else {
                cl->role = R_IGNORE;
            }
        }
    }
out:
    kz_free(cs);
    kz_free((void *)f);
    kz_free(l);
    return rc;
}

/* Reports the columns that give nothing, once per input. */
static void report_ignored(rd *r, const char *const *hf, const size_t *hl,
                           size_t hn)
{
    for (size_t i = 0; i < r->ncols; i++) {
        if (r->cols[i].role != R_IGNORE || r->cols[i].by_map)
            continue;
        unsupported(r, "csv column not mapped", r->header_line);
        if (hf && i < hn)
            kz_diag(r->ctx, KZ_SEV_INFO, r->name, r->header_line, 0,
                    "column %zu \"%.*s\" not mapped (ignored)", i + 1,
                    (int)(hl[i] > 64 ? 64 : hl[i]), hf[i]);
        else
            kz_diag(r->ctx, KZ_SEV_INFO, r->name, r->header_line, 0,
                    "column %zu not mapped (ignored)", i + 1);
    }
}

/* ---- the reader -----------------------------------------------------------
 */

/* The header held in the comment line just before the first record
 * ("# "first_seen_utc","ioc_id",..." in abuse.ch exports), split into
 * *hc (to free by the caller). 1 when found. */
static int comment_header(rd *r, kz_csv *c, size_t want, kz_csv **hc,
                          const char *const **hf, const size_t **hl, size_t *hn)
{
    size_t n;
    const char *s = kz_csv_comment(c, &n);
    if (!s)
        return 0;
    while (n > 0 && (*s == '#' || *s == ' ' || *s == '\t'))
        s++, n--;
    uint64_t ln;
    if (kz_csv_open_mem(r->ctx, s, n, r->name, kz_csv_delim(c), 0, hc) != KZ_OK)
        return 0;
    if (kz_csv_next(*hc, hf, hl, hn, &ln) == 1 && *hn == want && want >= 2 &&
        looks_like_header(*hf, *hl, *hn, 1))
        return 1;
    kz_csv_free(*hc);
    *hc = NULL;
    *hf = NULL;
    *hl = NULL;
    *hn = 0;
    return 0;
}

kz_status kz_read_csv(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                      const kz_intel_sink *sink)
{
    rd r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.sink = sink;
    r.name = o && o->name ? o->name : "-";
    kz_csv *c = NULL, *hc = NULL;
    sample sm;
    memset(&sm, 0, sizeof sm);
    kz_status rc = KZ_OK;
    const char *const *fl;
    const size_t *ll;
    size_t nf;
    uint64_t line;

    if (!f || !sink) {
        rc =
            kz_seterr(ctx, KZ_ERR_INVALID, "%s: csv: no input or sink", r.name);
        goto out;
    }
    if ((rc = kz_csv_open(ctx, f, r.name, 0, 1, &c)) != KZ_OK)
        goto out;
    int got = kz_csv_next(c, &fl, &ll, &nf, &line);
    if (got <= 0) {
        rc = got < 0 ? (kz_status)got : KZ_OK;
        goto out;
    }

    /* header: the first record, or the commented line before it */
    const char *const *hf = NULL;
    const size_t *hl = NULL;
    size_t hn = 0;
    int first_is_data = 1;
    if (looks_like_header(fl, ll, nf, 0)) {
        hf = fl;
        hl = ll;
        hn = nf;
        first_is_data = 0;
        r.header_line = line;
    } else if (comment_header(&r, c, nf, &hc, &hf, &hl, &hn)) {
        r.header_line = line > 1 ? line - 1 : 1;
    }
    if ((rc = cols_alloc(&r, nf > hn ? nf : hn)) != KZ_OK)
        goto out;
    if (hf)
        cols_from_header(&r, hf, hl, hn);
    if (o && o->map && *o->map &&
        (rc = apply_map(&r, o->map, hf, hl, hn)) != KZ_OK)
        goto out;
    /* A header whose names say where the indicators are is trusted; else
     * the undecided columns are guessed from the data. */
    int guess = !has_indicator_column(&r);
    if (!guess)
        for (size_t i = 0; i < r.ncols; i++)
            if (r.cols[i].role == R_NONE)
                r.cols[i].role = R_IGNORE;
    if (!guess)
        report_ignored(&r, hf, hl, hn);
    kz_csv_free(hc);
    hc = NULL;
    hf = NULL;

    if (guess) {
        if (first_is_data && sample_add(&sm, fl, ll, nf, line) < 0)
            goto nomem;
        while (sm.nrows < CSV_SAMPLE_ROWS && sm.n < CSV_SAMPLE_BYTES) {
            got = kz_csv_next(c, &fl, &ll, &nf, &line);
            if (got < 0) {
                rc = (kz_status)got;
                goto out;
            }
            if (got == 0)
                break;
            if (sample_add(&sm, fl, ll, nf, line) < 0)
                goto nomem;
        }
        if ((rc = guess_columns(&r, &sm)) != KZ_OK)
            goto out;
        report_ignored(&r, NULL, NULL, 0);
        const char **sf = kz_calloc(KZ_CSV_MAX_FIELDS, sizeof *sf);
        size_t *sl = kz_calloc(KZ_CSV_MAX_FIELDS, sizeof *sl);
        for (size_t k = 0; sf && sl && k < sm.nrows && rc == KZ_OK; k++) {
            sample_row(&sm, k, sf, sl);
            rc = do_row(&r, sf, sl, sm.row[k].nf, sm.row[k].line);
        }
        if ((!sf || !sl) && rc == KZ_OK)
            rc = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", r.name);
        kz_free((void *)sf);
        kz_free(sl);
        if (rc != KZ_OK || got == 0)
            goto out;
    } else if (first_is_data) {
        if ((rc = do_row(&r, fl, ll, nf, line)) != KZ_OK)
            goto out;
    }

    while ((got = kz_csv_next(c, &fl, &ll, &nf, &line)) == 1)
        if ((rc = do_row(&r, fl, ll, nf, line)) != KZ_OK)
            goto out;
    if (got < 0)
        rc = (kz_status)got;
    goto out;

nomem:
    rc = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", r.name);
out:
    kz_csv_free(hc);
    kz_csv_free(c);
    kz_free(sm.buf);
    kz_free(r.cols);
    kz_free(r.scratch);
    return rc;
}
