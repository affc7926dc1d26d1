/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exports of kizashi/sinks.h: indicators written as Suricata rules
 * (and datasets), a Zeek Intel file, an nftables script, a DNS RPZ zone,
 * YARA rules, a STIX bundle (the ioc_writer's), CSV and a plain list.
 * Invariant: a value reaches the output only after it was validated for
 * its target and quoted or escaped by that target's rules (addresses are
 * even written again from their binary form); anything that cannot be
 * written safely is left out with a warning naming the indicator id. Each
 * format is one entry of `formats`: a few functions and the types it can
 * express.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_int.h"
#include "kizashi/limits.h"
#include "kizashi/sinks.h"
#include "sinks/sinks_int.h"

/* Addresses and networks in one Suricata address rule: long enough to
 * keep the rule count low, short enough to keep a rule readable and its
 * msg meaningful. */
#define EXPORT_SURICATA_GROUP 64
/* Text in a Suricata msg, a YARA meta value, a zone comment: enough for a
 * threat and an advisory title; the full context is in the store. */
#define EXPORT_MAX_TEXT 200
/* YARA: hash conditions only for files up to this size, checked first so
 * that large files are never hashed for these rules (they stay cheap). */
#define EXPORT_YARA_MAX_HASHED "256MB"
/* YARA: strings per rule (libyara's default ceiling is 10,000). */
#define EXPORT_YARA_PER_RULE 5000
/* YARA strings shorter than this slow every scan (libyara warns). */
#define EXPORT_YARA_MIN_STRING 4
#define EXPORT_YARA_MAX_STRING 4096

#define T(t) (1u << (unsigned)(KZ_T_##t))

/* ==== kept items ========================================================= */

/* An item kept for finish: one allocation, strings after the struct. */
struct kept {
    int64_t id;
    kz_type type;
    int confidence;
    kz_time first_seen;
    size_t len;
    const char *value, *threats, *advisories, *sources;
    const char *key; /* grouping key (suricata: context; yara: rule) */
    size_t order;    /* position among the kept, for stable sorts */
};

struct kz_exporter {
    kz_ctx *ctx;
    FILE *out;
    const struct export_format *fmt;
    kz_export_opts opts;
    kz_export_stats st;
    int started, finished;
    kz_time now; /* SOURCE_DATE_EPOCH or the creation time */
    struct kept **kept;
    size_t nkept, capkept;
    kz_ioc_writer *stix;
    char *vbuf; /* the item's value, NUL-terminated */
    size_t vcap;
};

struct export_format {
    const char *name;
    kz_typeset types;
    int keep; /* items that pass put are kept for end */
    kz_status (*begin)(kz_exporter *x);
    kz_status (*put)(kz_exporter *x, const kz_export_item *it);
    kz_status (*end)(kz_exporter *x);
};

static char *dupcat(char *p, const char *s, size_t n, const char **out)
{
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    *out = p;
    return p + n + 1;
}

static kz_status keep(kz_exporter *x, const kz_export_item *it)
{
    const char *th = it->threats ? it->threats : "";
    const char *ad = it->advisories ? it->advisories : "";
    const char *so = it->sources ? it->sources : "";
    size_t tl = strlen(th), al = strlen(ad), sl = strlen(so);
    if (x->nkept == x->capkept) {
        size_t nc = x->capkept ? x->capkept * 2 : 256;
        struct kept **nk = kz_realloc(x->kept, nc * sizeof *nk);
        if (!nk)
            return kz_seterr(x->ctx, KZ_ERR_NOMEM, "out of memory");
        x->kept = nk;
        x->capkept = nc;
    }
    struct kept *k = kz_malloc(sizeof *k + it->value_len + tl + al + sl + 4);
    if (!k)
        return kz_seterr(x->ctx, KZ_ERR_NOMEM, "out of memory");
    char *p = (char *)(k + 1);
    p = dupcat(p, it->value, it->value_len, &k->value);
    p = dupcat(p, th, tl, &k->threats);
    p = dupcat(p, ad, al, &k->advisories);
    (void)dupcat(p, so, sl, &k->sources);
    k->id = it->id;
    k->type = it->type;
    k->confidence = it->confidence;
    k->first_seen = it->first_seen;
    k->len = it->value_len;
    k->key = k->threats[0] ? k->threats : k->advisories;
    k->order = x->nkept;
    x->kept[x->nkept++] = k;
    return KZ_OK;
}

/* Leaves an item out: a warning naming the indicator, KZ_ERR_PARSE. */
static kz_status bad(kz_exporter *x, const kz_export_item *it, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));
static kz_status bad(kz_exporter *x, const kz_export_item *it, const char *fmt,
                     ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    kz_diag(x->ctx, KZ_SEV_WARNING, NULL, 0, 0,
            "indicator %" PRId64 " (%s) left out of the %s export: %s", it->id,
            kz_type_name(it->type), x->fmt->name, why);
    return kz_seterr(x->ctx, KZ_ERR_PARSE, "indicator %" PRId64 ": %s: %s",
                     it->id, x->fmt->name, why);
}

/* ==== shared checks and writers ========================================== */

static int has_ctl(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7F)
            return 1;
    return 0;
}

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = kz_utf8_decode(p + i, n - i, &cp);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

/* A host name as DNS writes it: labels of 1..63 letters, digits, hyphens
 * (not first or last) and underscores, at least two, at most 253 in all.
 * Nothing else can reach a zone, a rule or a dataset as a name. */
static const char *check_hostname(const char *s, size_t n)
{
    if (n == 0 || n > KZ_MAX_DOMAIN)
        return "not a host name (length)";
    size_t lab = 0, labels = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (lab == 0 || s[i - 1] == '-')
                return "not a host name (empty label or trailing hyphen)";
            lab = 0;
            labels++;
            continue;
        }
        if (!(kz_is_alnum(c) || c == '_' || (c == '-' && lab > 0)))
            return "not a host name (a character outside LDH)";
        if (c >= 'A' && c <= 'Z')
            return "not a host name (upper case: not canonical)";
        if (++lab > 63)
            return "not a host name (a label longer than 63)";
    }
    if (lab == 0 || s[n - 1] == '-' || labels < 2)
        return "not a host name (trailing dot or hyphen, or one label)";
    return NULL;
}

/* An address or network from its text, to be written again from its
 * binary form: fam 4 (IPv4-mapped IPv6 included, as kz_norm_ip and
 * kz_norm_cidr report it) or 6; a (16 bytes, IPv4 mapped); prefix in the
 * family's own length. */
static int parse_net(kz_type t, const char *v, size_t n, int *fam,
                     uint8_t a[16], unsigned *prefix)
{
    if (t == KZ_T_CIDR) {
        if (kz_norm_cidr(v, n, a, fam, prefix, NULL) != KZ_OK)
            return -1;
    } else {
        if (kz_norm_ip(v, n, a, fam, NULL) != KZ_OK)
            return -1;
        *prefix = *fam == 4 ? 32 : 128;
    }
    return 0;
}

/* Uncompressed IPv6 text ("2001:db8:0:0:0:0:0:1"): for the addresses that
 * kz_ip_format would print as a dotted quad (IPv4-mapped), which an IPv6
 * set or list must not get. */
static void v6_text(const uint8_t a[16], char out[48])
{
    size_t k = 0;
    for (int g = 0; g < 8; g++)
        k += (size_t)snprintf(out + k, 48 - k, "%s%x", g ? ":" : "",
                              (unsigned)(a[2 * g] << 8 | a[2 * g + 1]));
}

static void net_text(int fam, const uint8_t a[16], unsigned prefix,
                     int with_prefix, char out[64])
{
    char ip[48];
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};
    if (fam == 4)
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    else if (memcmp(a, mapped, 12) == 0 ||
             kz_ip_format(a, 6, ip, sizeof ip, NULL) != KZ_OK)
        v6_text(a, ip); /* an IPv6 range's end inside ::ffff:0:0/96 */
    if (with_prefix && prefix != (fam == 4 ? 32u : 128u))
        snprintf(out, 64, "%s/%u", ip, prefix);
    else
        snprintf(out, 64, "%s", ip);
}

/* Text for a comment, msg or meta value: up to max characters of valid
 * UTF-8 without control, C1 or bidirectional characters (those become
 * '?'); each kept byte goes through put, which escapes for the target. */
static void put_text(FILE *f, const char *s, size_t max,
                     void (*put)(FILE *f, unsigned char c))
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p), chars = 0;
    for (size_t i = 0; i < n && chars < max; chars++) {
        uint32_t cp;
        size_t l = kz_utf8_decode(p + i, n - i, &cp);
        if (!l || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
            cp == 0x061C || (cp >= 0x200E && cp <= 0x200F) ||
            (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
            put(f, '?');
            i += l ? l : 1;
            continue;
        }
        for (size_t j = 0; j < l; j++)
            put(f, p[i + j]);
        i += l;
    }
    if (chars >= max && strlen((const char *)p) > max)
        for (int i = 0; i < 3; i++)
            put(f, '.');
}

/* "threats (advisories)" or one of them, or "no threat named". */
static void put_context(FILE *f, const char *threats, const char *adv,
                        void (*put)(FILE *f, unsigned char c))
{
    int th = threats && *threats, ad = adv && *adv;
    if (th)
        put_text(f, threats, EXPORT_MAX_TEXT / 2, put);
    if (th && ad) {
        put(f, ' ');
        put(f, '(');
    }
    if (ad)
        put_text(f, adv, EXPORT_MAX_TEXT / 2, put);
    if (th && ad)
        put(f, ')');
    if (!th && !ad)
        put_text(f, "no threat named", 32, put);
}

static void put_raw(FILE *f, unsigned char c)
{
    putc(c, f);
}

/* Writes a file in dir by way of a temporary file renamed into place. */
static kz_status write_file(kz_exporter *x, const char *dir, const char *name,
                            kz_status (*fill)(kz_exporter *x, FILE *f,
                                              const void *arg),
                            const void *arg)
{
    char path[4096], tmp[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
            sizeof path ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name) >=
            sizeof tmp)
        return kz_seterr(x->ctx, KZ_ERR_LIMIT, "%s: path too long", dir);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return kz_seterr(x->ctx, KZ_ERR_IO, "%s: cannot create: %s", tmp,
                         strerror(errno));
    mode_t um = umask(0); /* mkstemp made it 0600: a dataset is public */
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return kz_seterr(x->ctx, KZ_ERR_IO, "%s: %s", tmp, strerror(errno));
    }
    kz_status r = fill(x, f, arg);
    int bad_io = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int err = errno;
    if (fclose(f) != 0)
        bad_io = 1;
    if (r == KZ_OK && bad_io)
        r = kz_seterr(x->ctx, KZ_ERR_IO, "%s: write error: %s", tmp,
                      strerror(err ? err : EIO));
    if (r == KZ_OK && rename(tmp, path) != 0)
        r = kz_seterr(x->ctx, KZ_ERR_IO, "%s: cannot rename: %s", path,
                      strerror(errno));
    if (r != KZ_OK)
        unlink(tmp);
    return r;
}

/* ==== Suricata =========================================================== */

/* msg and other quoted option values: '"', ';' and '\' escaped with a
 * backslash (Suricata's rule grammar). put_text kept no control. */
static void sur_msg_byte(FILE *f, unsigned char c)
{
    if (c == '"' || c == ';' || c == '\\')
        putc('\\', f);
    putc(c, f);
}

/* content:"..." with every byte that is not printable ASCII, and '"', ';',
 * '\' and '|', written as |xx| (hex runs). */
static void sur_content(FILE *f, const char *s, size_t n)
{
    fputs("content:\"", f);
    int inhex = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int special = c < 0x20 || c >= 0x7F || c == '"' || c == ';' ||
                      c == '\\' || c == '|';
        if (special) {
            fprintf(f, inhex ? " %02X" : "|%02X", c);
            inhex = 1;
        } else {
            if (inhex)
                putc('|', f);
            inhex = 0;
            putc(c, f);
        }
    }
    if (inhex)
        putc('|', f);
    putc('"', f);
}

static uint64_t sur_base(const kz_exporter *x)
{
    return x->opts.sid_base ? x->opts.sid_base : 9000000u;
}

/* sid of rule k (0..3) of indicator id; 0 when out of range. */
static uint64_t sur_sid(const kz_exporter *x, int64_t id, unsigned k)
{
    uint64_t base = sur_base(x) + 100;
    if (id <= 0 || (uint64_t)id > (UINT32_MAX - base) / 4)
        return 0;
    uint64_t sid = base + 4 * (uint64_t)id + k;
    return sid <= UINT32_MAX ? sid : 0;
}

/* "alert PROTO SRC any -> DST any (msg:"kizashi WHAT: CONTEXT"; " */
static void sur_head(kz_exporter *x, const char *proto, const char *src,
                     const char *dst, const char *what, const char *threats,
                     const char *adv)
{
    FILE *f = x->out;
    fprintf(f, "alert %s %s any -> %s any (msg:\"kizashi ", proto, src, dst);
    put_text(f, what, 64, sur_msg_byte);
    fputs(": ", f);
    put_context(f, threats, adv, sur_msg_byte);
    fputs("\"; ", f);
}

static void sur_tail(kz_exporter *x, uint64_t sid, int64_t id, int confidence,
                     kz_time first)
{
    FILE *f = x->out;
    fprintf(f, "classtype:trojan-activity; sid:%" PRIu64 "; rev:1;", sid);
    if (id > 0) {
        fprintf(f, " metadata:kizashi_id %" PRId64, id);
        if (confidence >= 0)
            fprintf(f, ", confidence %d", confidence);
        if (first > 0) {
            char t[32];
            kz_time_format(first, t);
            fprintf(f, ", created_at %.4s_%.2s_%.2s", t, t + 5, t + 8);
        }
        putc(';', f);
    }
    fputs(")\n", f);
    x->st.rules++;
}

/* Parts of a canonical http(s) URL: host (brackets dropped), path and
 * query. NULL on success, else why it cannot be a rule. */
static const char *url_parts(const char *v, size_t n, const char **host,
                             size_t *hl, const char **path, size_t *pl,
                             int *https)
{
    size_t s;
    if (n > 7 && memcmp(v, "http://", 7) == 0)
        s = 7, *https = 0;
    else if (n > 8 && memcmp(v, "https://", 8) == 0)
        s = 8, *https = 1;
    else
        return "only http and https URLs have rules";
    size_t e = s;
    while (e < n && v[e] != '/' && v[e] != '?')
        e++;
    const char *h = v + s;
    size_t len = e - s;
    const char *at = memchr(h, '@', len);
    if (at) {
        len -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    if (len && h[0] == '[') {
        const char *rb = memchr(h, ']', len);
        if (!rb)
            return "malformed host";
        *host = h + 1;
        *hl = (size_t)(rb - h - 1);
    } else {
        const char *colon = memchr(h, ':', len);
        *host = h;
        *hl = colon ? (size_t)(colon - h) : len;
    }
    if (!*hl)
        return "no host";
    *path = e < n ? v + e : "/";
    *pl = e < n ? n - e : 1;
    return NULL;
}

static kz_status sur_check(kz_exporter *x, const kz_export_item *it)
{
    const char *v = it->value, *why = NULL;
    size_t n = it->value_len;
    if (!sur_sid(x, it->id, 3))
        return bad(x, it, "its sid would be past 4294967295 (--sid-base)");
    switch (it->type) {
    case KZ_T_DOMAIN:
        why = check_hostname(v, n);
        break;
    case KZ_T_IPV4:
    case KZ_T_IPV6:
    case KZ_T_CIDR: {
        int fam;
        uint8_t a[16];
        unsigned pfx;
        if (parse_net(it->type, v, n, &fam, a, &pfx) != 0)
            why = "not an address or network";
        break;
    }
    case KZ_T_URL: {
        const char *h, *p;
        size_t hl, pl;
        int https;
        why = url_parts(v, n, &h, &hl, &p, &pl, &https);
        if (!why && has_ctl(v, n))
            why = "control characters";
        break;
    }
    case KZ_T_JA3:
    case KZ_T_JA3S:
        if (n != 32)
            why = "not an MD5 digest";
        for (size_t i = 0; !why && i < n; i++)
            if (!kz_is_xdigit((unsigned char)v[i]))
                why = "not an MD5 digest";
        break;
    case KZ_T_USER_AGENT:
    case KZ_T_MD5:
    case KZ_T_SHA1:
    case KZ_T_SHA256:
        if (!n)
            why = "empty";
        if (it->type == KZ_T_USER_AGENT)
            break;
        for (size_t i = 0; !why && i < n; i++)
            if (!kz_is_xdigit((unsigned char)v[i]))
                why = "not a hex digest";
        break;
    default:
        return KZ_ERR_UNSUPPORTED;
    }
    return why ? bad(x, it, "%s", why) : KZ_OK;
}

/* The rules of one kept item that is not an address (those are grouped)
 * and not in a dataset. */
static void sur_rules_one(kz_exporter *x, const struct kept *k, int datasets)
{
    FILE *f = x->out;
    const char *v = k->value;
    size_t n = k->len;
    switch (k->type) {
    case KZ_T_DOMAIN: {
        if (datasets)
            return;
        /* dotprefix: ".evil.example" then matches evil.example and every
         * name under it, never notevil.example. */
        static const char *const proto[] = {"dns", "tls", "http"};
        static const char *const buf[] = {"dns.query", "tls.sni", "http.host"};
        for (unsigned i = 0; i < 3; i++) {
            sur_head(x, proto[i], "$HOME_NET", "any",
                     i == 0   ? "DNS query"
                     : i == 1 ? "TLS SNI"
                              : "HTTP host",
                     k->threats, k->advisories);
            if (i)
                fputs("flow:established,to_server; ", f);
            fprintf(f, "%s; dotprefix; ", buf[i]);
            char dot[KZ_MAX_DOMAIN + 2];
            dot[0] = '.';
            memcpy(dot + 1, v, n);
            sur_content(f, dot, n + 1);
            /* http.host is lower-cased by Suricata: nocase is refused */
            fputs(i == 2 ? "; endswith; " : "; nocase; endswith; ", f);
            sur_tail(x, sur_sid(x, k->id, i), k->id, k->confidence,
                     k->first_seen);
        }
        break;
    }
    case KZ_T_URL: {
        const char *h, *p;
        size_t hl, pl;
        int https;
        if (url_parts(v, n, &h, &hl, &p, &pl, &https))
            return;
        sur_head(x, "http", "$HOME_NET", "any",
                 https ? "URL (seen only where TLS is decrypted)" : "URL",
                 k->threats, k->advisories);
        fputs("flow:established,to_server; http.host; ", f);
        sur_content(f, h, hl);
        fprintf(f, "; bsize:%zu; http.uri; ", hl);
        sur_content(f, p, pl);
        fputs("; startswith; ", f);
        sur_tail(x, sur_sid(x, k->id, 0), k->id, k->confidence, k->first_seen);
        break;
    }
    case KZ_T_USER_AGENT:
        if (datasets)
            return;
        sur_head(x, "http", "$HOME_NET", "any", "User-Agent", k->threats,
                 k->advisories);
        fputs("flow:established,to_server; http.user_agent; ", f);
        sur_content(f, v, n);
        fprintf(f, "; bsize:%zu; ", n);
        sur_tail(x, sur_sid(x, k->id, 0), k->id, k->confidence, k->first_seen);
        break;
    case KZ_T_JA3:
    case KZ_T_JA3S: {
        int s = k->type == KZ_T_JA3S;
        sur_head(x, "tls", s ? "any" : "$HOME_NET", s ? "$HOME_NET" : "any",
                 s ? "JA3S" : "JA3", k->threats, k->advisories);
        fputs(s ? "ja3s.hash; " : "ja3.hash; ", f);
        sur_content(f, v, n);
        fputs("; ", f);
        sur_tail(x, sur_sid(x, k->id, 0), k->id, k->confidence, k->first_seen);
        break;
    }
    default:
        break;
    }
}

static int is_net(kz_type t)
{
    return t == KZ_T_IPV4 || t == KZ_T_IPV6 || t == KZ_T_CIDR;
}

static int cmp_key_order(const void *a, const void *b)
{
    const struct kept *x = *(const struct kept *const *)a;
    const struct kept *y = *(const struct kept *const *)b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* A run of kept items [i, j) of one key, in order. */
struct group {
    size_t i, j;
    size_t first; /* order of its first item, for output order */
};

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Sorts v (n kept items) by key then order, and cuts it into groups of at
 * most per items of one key; *groups in the order of their first item. */
static kz_status make_groups(kz_exporter *x, struct kept **v, size_t n,
                             size_t per, struct group **groups, size_t *ng)
{
    *groups = NULL;
    *ng = 0;
    if (!n)
        return KZ_OK;
    qsort(v, n, sizeof *v, cmp_key_order);
    struct group *g = kz_calloc(n, sizeof *g);
    if (!g)
        return kz_seterr(x->ctx, KZ_ERR_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && j - i < per && strcmp(v[j]->key, v[i]->key) == 0)
            j++;
        g[m].i = i;
        g[m].j = j;
        g[m].first = v[i]->order;
        m++;
        i = j;
    }
    qsort(g, m, sizeof *g, cmp_group);
    *groups = g;
    *ng = m;
    return KZ_OK;
}

/* Address rules: the addresses and networks of one context, up to
 * EXPORT_SURICATA_GROUP per rule pair (to them, from them). */
static kz_status sur_address_rules(kz_exporter *x)
{
    FILE *f = x->out;
    size_t n = 0;
    struct kept **v = kz_calloc(x->nkept + 1, sizeof *v);
    if (!v)
        return kz_seterr(x->ctx, KZ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < x->nkept; i++)
        if (is_net(x->kept[i]->type))
            v[n++] = x->kept[i];
    struct group *g = NULL;
    size_t ng = 0;
    kz_status r = make_groups(x, v, n, EXPORT_SURICATA_GROUP, &g, &ng);
    for (size_t gi = 0; r == KZ_OK && gi < ng; gi++) {
        int64_t low = INT64_MAX;
        char list[EXPORT_SURICATA_GROUP * 70 + 8];
        size_t ll = 0;
        list[ll++] = '[';
        for (size_t i = g[gi].i; i < g[gi].j; i++) {
            int fam;
            uint8_t a[16];
            unsigned pfx;
            char t[64];
            if (parse_net(v[i]->type, v[i]->value, v[i]->len, &fam, a, &pfx))
                continue; /* checked at put */
            net_text(fam, a, pfx, 1, t);
            ll += (size_t)snprintf(list + ll, sizeof list - ll, "%s%s",
                                   ll > 1 ? "," : "", t);
            if (v[i]->id < low)
                low = v[i]->id;
        }
        list[ll++] = ']';
        list[ll] = 0;
        for (unsigned dir = 0; dir < 2; dir++) {
            sur_head(x, "ip", dir ? list : "$HOME_NET",
                     dir ? "$HOME_NET" : list,
                     dir ? "traffic from a listed address"
                         : "traffic to a listed address",
                     v[g[gi].i]->threats, v[g[gi].i]->advisories);
            fprintf(f, "metadata:kizashi_addresses %zu; ", g[gi].j - g[gi].i);
            sur_tail(x, sur_sid(x, low, dir), 0, -1, 0);
        }
    }
    kz_free(g);
    kz_free(v);
    return r;
}

/* ---- suricata-datasets: the dataset and list files ---------------------- */

struct dataset {
    const char *file; /* in datasets_dir */
    const char *name; /* dataset name; NULL: a filemd5-style list */
    kz_typeset types;
};

static const struct dataset datasets[] = {
    {"kizashi-domains.lst", "kizashi-domains", T(DOMAIN)},
    {"kizashi-user-agents.lst", "kizashi-user-agents", T(USER_AGENT)},
    {"kizashi-md5.txt", NULL, T(MD5)},
    {"kizashi-sha1.txt", NULL, T(SHA1)},
    {"kizashi-sha256.txt", NULL, T(SHA256)},
};
#define N_DATASETS (sizeof datasets / sizeof datasets[0])

static void base64_line(FILE *f, const char *s, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        putc(tab[v >> 18], f);
        putc(tab[(v >> 12) & 63], f);
        putc(tab[(v >> 6) & 63], f);
        putc(tab[v & 63], f);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        fprintf(f, "%c%c==", tab[v >> 18], tab[(v >> 12) & 63]);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        fprintf(f, "%c%c%c=", tab[v >> 18], tab[(v >> 12) & 63],
                tab[(v >> 6) & 63]);
    }
    putc('\n', f);
}

static kz_status fill_dataset(kz_exporter *x, FILE *f, const void *arg)
{
    const struct dataset *d = arg;
    for (size_t i = 0; i < x->nkept; i++) {
        const struct kept *k = x->kept[i];
        if (!KZ_TYPESET_HAS(d->types, k->type))
            continue;
        if (d->name)
            base64_line(f, k->value, k->len);
        else
            fprintf(f, "%s\n", k->value); /* hex, checked at put */
    }
    return KZ_OK;
}

static void sur_dataset_rules(kz_exporter *x, const struct dataset *d,
                              unsigned slot)
{
    FILE *f = x->out;
    uint64_t base = sur_base(x);
    if (d->name) {
        int ua = d->types == T(USER_AGENT);
        static const char *const proto[] = {"dns", "tls", "http"};
        static const char *const buf[] = {"dns.query", "tls.sni", "http.host"};
        for (unsigned i = 0; i < (ua ? 1u : 3u); i++) {
            fprintf(f,
                    "alert %s $HOME_NET any -> any any (msg:\"kizashi %s in "
                    "the %s dataset\"; %s%s; dataset:isset,%s,type string,"
                    "load %s; ",
                    ua ? "http" : proto[i], ua ? "User-Agent" : buf[i], d->name,
                    (ua || i) ? "flow:established,to_server; " : "",
                    ua ? "http.user_agent" : buf[i], d->name, d->file);
            sur_tail(x, base + slot * 10 + i, 0, -1, 0);
        }
        return;
    }
    const char *kw = d->types == T(MD5)    ? "filemd5"
                     : d->types == T(SHA1) ? "filesha1"
                                           : "filesha256";
    static const char *const fproto[] = {"http", "smtp", "smb"};
    for (unsigned i = 0; i < 3; i++) {
        fprintf(f,
                "alert %s any any -> any any (msg:\"kizashi file digest in "
                "%s\"; %s:%s; ",
                fproto[i], d->file, kw, d->file);
        sur_tail(x, base + slot * 10 + i, 0, -1, 0);
    }
}

static kz_status sur_begin(kz_exporter *x)
{
    fprintf(x->out,
            "# kizashi export: Suricata rules (docs/formats.md). sids: %" PRIu64
            " + 100 + 4 x indicator id + k;\n# %" PRIu64 "..%" PRIu64
            " are the dataset rules.\n",
            sur_base(x), sur_base(x), sur_base(x) + 99);
    return KZ_OK;
}

static kz_status sur_end_common(kz_exporter *x, int ds)
{
    kz_status r = KZ_OK;
    if (ds) {
        for (size_t d = 0; d < N_DATASETS && r == KZ_OK; d++) {
            int any = 0;
            for (size_t i = 0; i < x->nkept && !any; i++)
                any = KZ_TYPESET_HAS(datasets[d].types, x->kept[i]->type);
            if (!any)
                continue;
            r = write_file(x, x->opts.datasets_dir, datasets[d].file,
                           fill_dataset, &datasets[d]);
            if (r == KZ_OK)
                sur_dataset_rules(x, &datasets[d], (unsigned)d);
        }
    }
    for (size_t i = 0; i < x->nkept && r == KZ_OK; i++)
        if (!is_net(x->kept[i]->type))
            sur_rules_one(x, x->kept[i], ds);
    if (r == KZ_OK)
        r = sur_address_rules(x);
    return r;
}

static kz_status sur_end(kz_exporter *x)
{
    return sur_end_common(x, 0);
}
static kz_status surds_end(kz_exporter *x)
{
    return sur_end_common(x, 1);
}

/* ==== Zeek Intel framework =============================================== */

/* Zeek's ASCII reader unescapes \xNN in string fields: a meta value is
 * written with tabs, newlines, other controls and backslashes as \xNN, so
 * it reads back as it was and never splits a field or a line. */
static void zeek_meta_byte(FILE *f, unsigned char c)
{
    if (c < 0x20 || c == 0x7F || c == '\\')
        fprintf(f, "\\x%02x", c);
    else
        putc(c, f);
}

static void zeek_meta(FILE *f, const char *a, const char *b)
{
    if ((!a || !*a) && (!b || !*b)) {
        putc('-', f);
        return;
    }
    put_context(f, a, b, zeek_meta_byte);
}

static kz_status zeek_begin(kz_exporter *x)
{
    fputs("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\t"
          "meta.url\n",
          x->out);
    return KZ_OK;
}

static kz_status zeek_put(kz_exporter *x, const kz_export_item *it)
{
    const char *v = it->value, *ty = NULL;
    size_t n = it->value_len;
    char buf[64];
    switch (it->type) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
    case KZ_T_CIDR: {
        int fam;
        uint8_t a[16];
        unsigned pfx;
        if (parse_net(it->type, v, n, &fam, a, &pfx))
            return bad(x, it, "not an address or network");
        int full = pfx == (fam == 4 ? 32u : 128u);
        if (fam == 6) { /* Zeek reads compressed IPv6 */
            kz_ip_format(a, 6, buf, sizeof buf, NULL);
            if (!full)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "/%u",
                         pfx);
        } else {
            net_text(fam, a, pfx, 1, buf);
        }
        v = buf;
        n = strlen(buf);
        ty = full && it->type != KZ_T_CIDR ? "Intel::ADDR" : "Intel::SUBNET";
        break;
    }
    case KZ_T_DOMAIN:
        if (check_hostname(v, n))
            return bad(x, it, "%s", check_hostname(v, n));
        ty = "Intel::DOMAIN";
        break;
    case KZ_T_URL: {
        /* Zeek sees a URL as Host header + URI, without the scheme */
        size_t s = n > 7 && memcmp(v, "http://", 7) == 0    ? 7
                   : n > 8 && memcmp(v, "https://", 8) == 0 ? 8
                                                            : 0;
        if (!s)
            return bad(x, it, "Zeek sees only http and https URLs");
        v += s;
        n -= s;
        ty = "Intel::URL";
        break;
    }
    case KZ_T_EMAIL:
        ty = "Intel::EMAIL";
        break;
    case KZ_T_MD5:
    case KZ_T_SHA1:
    case KZ_T_SHA256:
        ty = "Intel::FILE_HASH";
        break;
    case KZ_T_FILENAME:
        ty = "Intel::FILE_NAME";
        break;
    case KZ_T_CERT_SHA1:
        ty = "Intel::CERT_HASH";
        break;
    case KZ_T_USER_AGENT:
        /* the HTTP User-Agent is seen as Intel::SOFTWARE
         * (HTTP::IN_USER_AGENT_HEADER); Zeek has no USER_AGENT type */
        ty = "Intel::SOFTWARE";
        break;
    default:
        return KZ_ERR_UNSUPPORTED;
    }
    /* The indicator must read back exactly: no byte that splits fields or
     * lines, no \x that the reader would unescape, not the unset or empty
     * markers, not a comment line. */
    if (!n || has_ctl(v, n) || !valid_utf8(v, n))
        return bad(x, it, "control characters or invalid UTF-8");
    for (size_t i = 0; i + 1 < n; i++)
        if (v[i] == '\\' && (v[i + 1] == 'x' || v[i + 1] == 'X'))
            return bad(x, it, "holds \\x, which Zeek would unescape");
    if ((n == 1 && v[0] == '-') || (n == 7 && memcmp(v, "(empty)", 7) == 0))
        return bad(x, it, "the same as Zeek's unset or empty marker");
    if (v[0] == '#')
        return bad(x, it, "starts with '#' (a comment line to Zeek)");
    FILE *f = x->out;
    fwrite(v, 1, n, f);
    fprintf(f, "\t%s\tkizashi", ty);
    if (it->sources && *it->sources) {
        fputs(": ", f);
        put_text(f, it->sources, EXPORT_MAX_TEXT / 2, zeek_meta_byte);
    }
    putc('\t', f);
    zeek_meta(f, it->threats, it->advisories);
    fputs("\t-\n", f);
    x->st.rules++;
    return KZ_OK;
}

/* ==== nftables =========================================================== */

struct range {
    uint8_t lo[16], hi[16];
};

static int cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    int c = memcmp(x->lo, y->lo, 16);
    return c ? c : memcmp(x->hi, y->hi, 16);
}

/* b + 1 into out; 0 when b is the last address (no successor). */
static int addr_next(const uint8_t b[16], uint8_t out[16])
{
    memcpy(out, b, 16);
    for (int i = 15; i >= 0; i--)
        if (++out[i] != 0)
            return 1;
    return 0;
}

/* The prefix length when [lo, hi] is exactly one network (bits counted
 * over 128), else -1. */
static int range_prefix(const struct range *r)
{
    int p = 128;
    while (p > 0) {
        int byte = (p - 1) / 8, bit = 7 - (p - 1) % 8;
        int l = r->lo[byte] >> bit & 1, h = r->hi[byte] >> bit & 1;
        if (l == 0 && h == 1)
            p--;
        else
            break;
    }
    for (int i = 0; i < p; i++) {
        int byte = i / 8, bit = 7 - i % 8;
        if ((r->lo[byte] >> bit & 1) != (r->hi[byte] >> bit & 1))
            return -1;
    }
    return p;
}

static void nft_elem(FILE *f, const struct range *r, int fam)
{
    char lo[64], hi[64];
    uint8_t a[16];
    memcpy(a, r->lo, 16);
    net_text(fam, a, 0, 0, lo);
    int p = range_prefix(r);
    if (p == 128) {
        fputs(lo, f);
        return;
    }
    if (p >= 0) {
        fprintf(f, "%s/%d", lo, fam == 4 ? p - 96 : p);
        return;
    }
    memcpy(a, r->hi, 16);
    net_text(fam, a, 0, 0, hi);
    fprintf(f, "%s-%s", lo, hi);
}

/* Merges overlapping and adjacent ranges (nft refuses overlapping
 * elements in an interval set); returns the count left. */
static size_t merge_ranges(struct range *r, size_t n)
{
    if (!n)
        return 0;
    qsort(r, n, sizeof *r, cmp_range);
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        uint8_t next[16];
        int has = addr_next(r[m].hi, next);
        if (!has || memcmp(r[i].lo, next, 16) <= 0) {
            if (memcmp(r[i].hi, r[m].hi, 16) > 0)
                memcpy(r[m].hi, r[i].hi, 16);
        } else {
            r[++m] = r[i];
        }
    }
    return m + 1;
}

static kz_status nft_put(kz_exporter *x, const kz_export_item *it)
{
    int fam;
    uint8_t a[16];
    unsigned pfx;
    if (parse_net(it->type, it->value, it->value_len, &fam, a, &pfx))
        return bad(x, it, "not an address or network");
    return KZ_OK;
}

static kz_status nft_end(kz_exporter *x)
{
    FILE *f = x->out;
    struct range *r[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        r[i] = kz_calloc(x->nkept + 1, sizeof *r[i]);
        if (!r[i]) {
            kz_free(r[0]);
            return kz_seterr(x->ctx, KZ_ERR_NOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < x->nkept; i++) {
        const struct kept *k = x->kept[i];
        int fam;
        uint8_t a[16];
        unsigned pfx;
        if (parse_net(k->type, k->value, k->len, &fam, a, &pfx))
            continue;
        unsigned bits = fam == 4 ? pfx + 96 : pfx;
        struct range *e = &r[fam == 4 ? 0 : 1][n[fam == 4 ? 0 : 1]++];
        memcpy(e->lo, a, 16);
        memcpy(e->hi, a, 16);
        for (unsigned b = bits; b < 128; b++) {
            e->lo[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
            e->hi[b / 8] |= (uint8_t)(0x80u >> (b % 8));
        }
    }
    size_t m[2];
    for (int i = 0; i < 2; i++) {
        m[i] = merge_ranges(r[i], n[i]);
        x->st.merged += n[i] - m[i];
        x->st.rules += m[i];
    }
    fprintf(f,
            "#!/usr/sbin/nft -f\n"
            "# kizashi export: nftables sets of %zu IPv4 and %zu IPv6 "
            "elements (docs/formats.md).\n"
            "# Load with 'nft -f FILE'; loading again replaces the table.\n"
            "table inet kizashi\n"
            "delete table inet kizashi\n"
            "table inet kizashi {\n",
            m[0], m[1]);
    static const char *const sname[] = {"kizashi_v4", "kizashi_v6"};
    static const char *const stype[] = {"ipv4_addr", "ipv6_addr"};
    for (int i = 0; i < 2; i++) {
        fprintf(f, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n", sname[i],
                stype[i]);
        if (m[i]) {
            fputs("\t\telements = {", f);
            for (size_t j = 0; j < m[i]; j++) {
                fputs(j ? (j % 4 ? ", " : ",\n\t\t\t") : "\n\t\t\t", f);
                nft_elem(f, &r[i][j], i == 0 ? 4 : 6);
            }
            fputs("\n\t\t}\n", f);
        }
        fputs("\t}\n", f);
    }
    fputs("\tchain input {\n"
          "\t\ttype filter hook input priority -10; policy accept;\n"
          "\t\tip saddr @kizashi_v4 drop\n"
          "\t\tip6 saddr @kizashi_v6 drop\n"
          "\t}\n"
          "\tchain forward {\n"
          "\t\ttype filter hook forward priority -10; policy accept;\n"
          "\t\tip saddr @kizashi_v4 drop\n"
          "\t\tip daddr @kizashi_v4 drop\n"
          "\t\tip6 saddr @kizashi_v6 drop\n"
          "\t\tip6 daddr @kizashi_v6 drop\n"
          "\t}\n"
          "\tchain output {\n"
          "\t\ttype filter hook output priority -10; policy accept;\n"
          "\t\tip daddr @kizashi_v4 drop\n"
          "\t\tip6 daddr @kizashi_v6 drop\n"
          "\t}\n"
          "}\n",
          f);
    kz_free(r[0]);
    kz_free(r[1]);
    return KZ_OK;
}

/* ==== DNS Response Policy Zone =========================================== */

/* Zone comments run to the end of the line: put_text kept no control. */
static kz_status rpz_begin(kz_exporter *x)
{
    fprintf(x->out,
            "; kizashi export: DNS Response Policy Zone (docs/formats.md).\n"
            "; Names are relative: load it as any zone (e.g. rpz.local).\n"
            "$TTL 300\n"
            "@\tIN\tSOA\tlocalhost. hostmaster.localhost. ( %" PRIu32
            " 3600 600 604800 300 )\n"
            "\tIN\tNS\tlocalhost.\n",
            (uint32_t)((uint64_t)x->now & 0xFFFFFFFFu));
    return KZ_OK;
}

static kz_status rpz_put(kz_exporter *x, const kz_export_item *it)
{
    FILE *f = x->out;
    char owner[2][512];
    int nown = 0;
    if (it->type == KZ_T_DOMAIN) {
        const char *why = check_hostname(it->value, it->value_len);
        if (why)
            return bad(x, it, "%s", why);
        /* room for "*." and a zone name of up to 64 bytes */
        if (it->value_len + 2 + 64 > KZ_MAX_DOMAIN)
            return bad(x, it, "too long for a zone with its wildcard");
        /* the last label names RPZ triggers (rpz-ip, rpz-nsdname, ...):
         * a domain ending so would become another kind of rule */
        const char *last = strrchr(it->value, '.');
        if (last && strncmp(last + 1, "rpz-", 4) == 0)
            return bad(x, it, "ends in an RPZ trigger label");
        snprintf(owner[0], sizeof owner[0], "%s", it->value);
        snprintf(owner[1], sizeof owner[1], "*.%s", it->value);
        nown = 2;
    } else {
        int fam;
        uint8_t a[16];
        unsigned pfx;
        if (parse_net(it->type, it->value, it->value_len, &fam, a, &pfx))
            return bad(x, it, "not an address or network");
        if (pfx == 0)
            return bad(x, it, "a /0 network is not an RPZ trigger");
        if (fam == 4) {
            snprintf(owner[0], sizeof owner[0], "%u.%u.%u.%u.%u.rpz-ip", pfx,
                     a[15], a[14], a[13], a[12]);
        } else {
            size_t k = (size_t)snprintf(owner[0], sizeof owner[0], "%u", pfx);
            for (int g = 7; g >= 0; g--)
                k += (size_t)snprintf(owner[0] + k, sizeof owner[0] - k, ".%x",
                                      (unsigned)(a[2 * g] << 8 | a[2 * g + 1]));
            snprintf(owner[0] + k, sizeof owner[0] - k, ".rpz-ip");
        }
        nown = 1;
    }
    fprintf(f, "; indicator %" PRId64 ": ", it->id);
    put_context(f, it->threats, it->advisories, put_raw);
    putc('\n', f);
    for (int i = 0; i < nown; i++)
        fprintf(f, "%s\tCNAME\t.\n", owner[i]);
    x->st.rules += (uint64_t)nown;
    return KZ_OK;
}

/* ==== YARA =============================================================== */

/* A YARA text string: '"' and '\' escaped, every byte outside printable
 * ASCII as \xNN. */
static void yara_byte(FILE *f, unsigned char c)
{
    if (c == '"' || c == '\\')
        fprintf(f, "\\%c", c);
    else if (c < 0x20 || c >= 0x7F)
        fprintf(f, "\\x%02x", c);
    else
        putc(c, f);
}

static void yara_string(FILE *f, const char *s, size_t n)
{
    putc('"', f);
    for (size_t i = 0; i < n; i++)
        yara_byte(f, (unsigned char)s[i]);
    putc('"', f);
}

static int is_yara_hash(kz_type t)
{
    return t == KZ_T_MD5 || t == KZ_T_SHA1 || t == KZ_T_SHA256;
}

static kz_status yara_put(kz_exporter *x, const kz_export_item *it)
{
    if (is_yara_hash(it->type)) {
        for (size_t i = 0; i < it->value_len; i++)
            if (!kz_is_xdigit((unsigned char)it->value[i]) ||
                (it->value[i] >= 'A' && it->value[i] <= 'F'))
                return bad(x, it, "not a lower-case hex digest");
        return KZ_OK;
    }
    if (it->value_len < EXPORT_YARA_MIN_STRING)
        return bad(x, it, "shorter than %d bytes: it would slow every scan",
                   EXPORT_YARA_MIN_STRING);
    if (it->value_len > EXPORT_YARA_MAX_STRING)
        return bad(x, it, "longer than %d bytes", EXPORT_YARA_MAX_STRING);
    return KZ_OK;
}

/* "kizashi_" and the key's letters, digits and underscores (others as
 * one '_'), at most 100 characters in all: a YARA identifier. */
static void yara_ident(const char *key, char out[128])
{
    size_t k = (size_t)snprintf(out, 128, "kizashi_");
    if (!*key)
        key = "unattributed";
    for (const char *p = key; *p && k < 100; p++) {
        unsigned char c = (unsigned char)*p;
        if (kz_is_alnum(c) || c == '_')
            out[k++] = (char)c;
        else if (out[k - 1] != '_')
            out[k++] = '_';
    }
    while (k > 8 && out[k - 1] == '_')
        k--;
    out[k] = 0;
}

static kz_status yara_end(kz_exporter *x)
{
    FILE *f = x->out;
    struct group *g = NULL;
    size_t ng = 0;
    struct kept **v = x->kept;
    kz_status r = make_groups(x, v, x->nkept, EXPORT_YARA_PER_RULE, &g, &ng);
    if (r != KZ_OK)
        return r;
    char(*names)[128] = kz_calloc(ng + 1, sizeof *names);
    if (!names) {
        kz_free(g);
        return kz_seterr(x->ctx, KZ_ERR_NOMEM, "out of memory");
    }
    fputs("// kizashi export: YARA rules (docs/formats.md)\n"
          "import \"hash\"\n",
          f);
    for (size_t gi = 0; gi < ng; gi++) {
        const struct kept *k0 = v[g[gi].i];
        char *name = names[gi];
        yara_ident(k0->key, name);
        /* the same identifier twice (keys that differ only in punctuation,
         * or a context split in several rules): a number makes it unique */
        size_t base = strlen(name);
        for (unsigned dup = 2;; dup++) {
            int taken = 0;
            for (size_t j = 0; j < gi && !taken; j++)
                taken = strcmp(names[j], name) == 0;
            if (!taken)
                break;
            snprintf(name + base, 128 - base, "_%u", dup);
        }
        fprintf(f, "\nrule %s\n{\n    meta:\n        description = ", name);
        putc('"', f);
        put_text(f, "kizashi export: ", 32, yara_byte);
        put_context(f, k0->threats, k0->advisories, yara_byte);
        fprintf(f, "\"\n        indicators = %zu\n", g[gi].j - g[gi].i);
        size_t nstr = 0, nhash = 0;
        for (size_t i = g[gi].i; i < g[gi].j; i++) {
            if (is_yara_hash(v[i]->type)) {
                nhash++;
                continue;
            }
            if (!nstr++)
                fputs("    strings:\n", f);
            fprintf(f, "        $s%zu = ", nstr);
            yara_string(f, v[i]->value, v[i]->len);
            /* mutexes and strings are often UTF-16 in memory and files */
            fputs(v[i]->type == KZ_T_USER_AGENT ? " ascii\n" : " ascii wide\n",
                  f);
        }
        fputs("    condition:\n", f);
        if (nhash) {
            fputs("        (filesize < " EXPORT_YARA_MAX_HASHED " and (", f);
            size_t h = 0;
            for (size_t i = g[gi].i; i < g[gi].j; i++) {
                if (!is_yara_hash(v[i]->type))
                    continue;
                const char *fn = v[i]->type == KZ_T_MD5    ? "md5"
                                 : v[i]->type == KZ_T_SHA1 ? "sha1"
                                                           : "sha256";
                fprintf(f, "%s\n            hash.%s(0, filesize) == \"%s\"",
                        h++ ? " or" : "", fn, v[i]->value);
            }
            fputs("))", f);
            if (nstr)
                fputs(" or\n        any of them", f);
            putc('\n', f);
        } else {
            fputs("        any of them\n", f);
        }
        fputs("}\n", f);
        x->st.rules++;
    }
    kz_free(names);
    kz_free(g);
    return KZ_OK;
}

/* ==== STIX (the ioc_writer's bundle) ===================================== */

static kz_status stix_put(kz_exporter *x, const kz_export_item *it)
{
    kz_extracted e;
    memset(&e, 0, sizeof e);
    e.type = it->type;
    e.value = it->value;
    e.value_len = it->value_len;
    e.raw = it->value;
    e.raw_len = it->value_len;
    e.cls = KZ_CLASS_INDICATOR;
    kz_status r = kz_ioc_writer_put(x->stix, "kizashi", &e);
    if (r == KZ_OK)
        x->st.rules++;
    return r;
}

static kz_status stix_end(kz_exporter *x)
{
    return kz_ioc_writer_finish(x->stix);
}

/* ==== CSV and list ======================================================= */

/* RFC 4180 fields: kz_csv_field (the IoC writer's, formula-guarded). */
static void csv_str(FILE *f, const char *s)
{
    kz_csv_field(f, s ? s : "", s ? strlen(s) : 0);
}

static kz_status csv_begin(kz_exporter *x)
{
    fputs("type,value,threats,advisories,sources,confidence,first_seen,"
          "last_seen\r\n",
          x->out);
    return KZ_OK;
}

static kz_status csv_put(kz_exporter *x, const kz_export_item *it)
{
    FILE *f = x->out;
    char t[32];
    fprintf(f, "%s,", kz_type_name(it->type));
    kz_csv_field(f, it->value, it->value_len);
    putc(',', f);
    csv_str(f, it->threats);
    putc(',', f);
    csv_str(f, it->advisories);
    putc(',', f);
    csv_str(f, it->sources);
    putc(',', f);
    if (it->confidence >= 0)
        fprintf(f, "%d", it->confidence);
    kz_time_format(it->first_seen, t);
    fprintf(f, ",%s,", t);
    kz_time_format(it->last_seen, t);
    fprintf(f, "%s\r\n", t);
    x->st.rules++;
    return KZ_OK;
}

static kz_status list_put(kz_exporter *x, const kz_export_item *it)
{
    if (!it->value_len || has_ctl(it->value, it->value_len))
        return bad(x, it, "control characters cannot be in a list line");
    fwrite(it->value, 1, it->value_len, x->out);
    putc('\n', x->out);
    x->st.rules++;
    return KZ_OK;
}

/* ==== the table and the public functions ================================= */

#define NETS (T(IPV4) | T(IPV6) | T(CIDR))
#define SURICATA_TYPES                                                         \
    (NETS | T(DOMAIN) | T(URL) | T(USER_AGENT) | T(JA3) | T(JA3S))

static const struct export_format formats[] = {
    [KZ_EXPORT_SURICATA] = {.name = "suricata",
                            .types = SURICATA_TYPES,
                            .keep = 1,
                            .begin = sur_begin,
                            .put = sur_check,
                            .end = sur_end},
    [KZ_EXPORT_SURICATA_DATASETS] = {.name = "suricata-datasets",
                                     .types = SURICATA_TYPES | T(MD5) |
                                              T(SHA1) | T(SHA256),
                                     .keep = 1,
                                     .begin = sur_begin,
                                     .put = sur_check,
                                     .end = surds_end},
    [KZ_EXPORT_ZEEK] = {.name = "zeek",
                        .types = NETS | T(DOMAIN) | T(URL) | T(EMAIL) | T(MD5) |
                                 T(SHA1) | T(SHA256) | T(FILENAME) |
                                 T(CERT_SHA1) | T(USER_AGENT),
                        .begin = zeek_begin,
                        .put = zeek_put},
    [KZ_EXPORT_NFT] = {.name = "nft",
                       .types = NETS,
                       .keep = 1,
                       .put = nft_put,
                       .end = nft_end},
    [KZ_EXPORT_RPZ] = {.name = "rpz",
                       .types = NETS | T(DOMAIN),
                       .begin = rpz_begin,
                       .put = rpz_put},
    [KZ_EXPORT_YARA] = {.name = "yara",
                        .types = T(MD5) | T(SHA1) | T(SHA256) | T(STRING) |
                                 T(MUTEX) | T(USER_AGENT),
                        .keep = 1,
                        .put = yara_put,
                        .end = yara_end},
    [KZ_EXPORT_STIX] = {.name = "stix",
                        .types = KZ_TYPESET_ALL & ~T(STRING),
                        .put = stix_put,
                        .end = stix_end},
    [KZ_EXPORT_CSV] = {.name = "csv",
                       .types = KZ_TYPESET_ALL,
                       .begin = csv_begin,
                       .put = csv_put},
    [KZ_EXPORT_LIST] = {.name = "list",
                        .types = KZ_TYPESET_ALL,
                        .put = list_put},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

int kz_export_format_from_name(const char *name)
{
    for (size_t i = 0; name && i < N_FORMATS; i++)
        if (strcmp(name, formats[i].name) == 0)
            return (int)i;
    return -1;
}

const char *kz_export_format_name(kz_export_format f)
{
    return (unsigned)f < N_FORMATS ? formats[f].name : "unknown";
}

kz_typeset kz_export_format_types(kz_export_format f)
{
    return (unsigned)f < N_FORMATS ? formats[f].types : 0;
}

kz_status kz_exporter_new(kz_ctx *ctx, const kz_export_opts *opts, FILE *out,
                          kz_exporter **xp)
{
    if (!xp || !out || !opts)
        return kz_seterr(ctx, KZ_ERR_INVALID, "no exporter, options or output");
    *xp = NULL;
    if (opts->version != KZ_EXPORT_OPTS_VERSION)
        return kz_seterr(ctx, KZ_ERR_VERSION,
                         "export options version %u, expected %u",
                         opts->version, KZ_EXPORT_OPTS_VERSION);
    if ((unsigned)opts->format >= N_FORMATS)
        return kz_seterr(ctx, KZ_ERR_INVALID, "unknown export format %d",
                         (int)opts->format);
    if (opts->format == KZ_EXPORT_SURICATA_DATASETS && !opts->datasets_dir)
        return kz_seterr(ctx, KZ_ERR_INVALID,
                         "suricata-datasets needs a folder for its datasets");
    kz_time sde = 0;
    int s = kz_source_date_epoch(&sde);
    if (s < 0)
        return kz_seterr(ctx, KZ_ERR_INVALID,
                         "SOURCE_DATE_EPOCH is not a number of seconds");
    kz_exporter *x = kz_calloc(1, sizeof *x);
    if (!x)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    x->ctx = ctx;
    x->out = out;
    x->opts = *opts;
    x->fmt = &formats[opts->format];
    x->now = s > 0 ? sde : (kz_time)time(NULL);
    if (opts->format == KZ_EXPORT_STIX) {
        kz_ioc_writer_opts wo = KZ_IOC_WRITER_OPTS_INIT;
        wo.format = KZ_IOC_STIX;
        kz_status r = kz_ioc_writer_new(ctx, &wo, out, &x->stix);
        if (r != KZ_OK) {
            kz_exporter_free(x);
            return r;
        }
    }
    *xp = x;
    return KZ_OK;
}

static kz_status check_io(kz_exporter *x)
{
    if (!ferror(x->out))
        return KZ_OK;
    int e = errno ? errno : EIO;
    kz_seterr(x->ctx, KZ_ERR_IO, "write error: %s", strerror(e));
    errno = e;
    return KZ_ERR_IO;
}

static kz_status start(kz_exporter *x)
{
    if (x->started)
        return KZ_OK;
    x->started = 1;
    return x->fmt->begin ? x->fmt->begin(x) : KZ_OK;
}

kz_status kz_exporter_put(kz_exporter *x, const kz_export_item *it)
{
    if (!x || !it || !it->value || (unsigned)it->type >= KZ_T_COUNT_)
        return kz_seterr(x ? x->ctx : NULL, KZ_ERR_INVALID,
                         "no exporter or item given");
    if (x->finished)
        return kz_seterr(x->ctx, KZ_ERR_INVALID, "exporter already finished");
    if (!KZ_TYPESET_HAS(x->fmt->types, it->type)) {
        x->st.unsupported[it->type]++;
        return KZ_ERR_UNSUPPORTED;
    }
    /* The formats read the value as a C string: a NUL-terminated copy,
     * and a value holding a NUL byte is left out. */
    if (memchr(it->value, 0, it->value_len)) {
        x->st.invalid[it->type]++;
        return bad(x, it, "holds a NUL byte");
    }
    if (it->value_len + 1 > x->vcap) {
        size_t nc = it->value_len + 1 > 256 ? it->value_len + 1 : 256;
        char *nv = kz_realloc(x->vbuf, nc);
        if (!nv)
            return kz_seterr(x->ctx, KZ_ERR_NOMEM, "out of memory");
        x->vbuf = nv;
        x->vcap = nc;
    }
    memcpy(x->vbuf, it->value, it->value_len);
    x->vbuf[it->value_len] = 0;
    kz_export_item copy = *it;
    copy.value = x->vbuf;
    it = &copy;
    errno = 0;
    kz_status r = start(x);
    if (r == KZ_OK)
        r = x->fmt->put(x, it);
    if (r == KZ_OK && x->fmt->keep)
        r = keep(x, it);
    if (r == KZ_OK)
        x->st.written[it->type]++;
    else if (r == KZ_ERR_PARSE)
        x->st.invalid[it->type]++;
    else if (r == KZ_ERR_UNSUPPORTED)
        x->st.unsupported[it->type]++;
    if (r == KZ_OK || r == KZ_ERR_PARSE || r == KZ_ERR_UNSUPPORTED) {
        kz_status io = check_io(x);
        if (io != KZ_OK)
            r = io;
    }
    return r;
}

kz_status kz_exporter_finish(kz_exporter *x)
{
    if (!x)
        return KZ_ERR_INVALID;
    kz_status r = KZ_OK;
    errno = 0;
    if (!x->finished) {
        x->finished = 1;
        r = start(x);
        if (r == KZ_OK && x->fmt->end)
            r = x->fmt->end(x);
    }
    if (r != KZ_OK)
        return r;
    if (fflush(x->out) != 0 && !ferror(x->out))
        return kz_seterr(x->ctx, KZ_ERR_IO, "write error: %s",
                         strerror(errno ? errno : EIO));
    return check_io(x);
}

void kz_exporter_get_stats(const kz_exporter *x, kz_export_stats *out)
{
    if (!out)
        return;
    if (!x)
        memset(out, 0, sizeof *out);
    else
        *out = x->st;
}

void kz_exporter_free(kz_exporter *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->nkept; i++)
        kz_free(x->kept[i]);
    kz_free(x->kept);
    kz_ioc_writer_free(x->stix);
    kz_free(x->vbuf);
    kz_free(x);
}
