/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MISP reader: event JSON as MISP exports it ({"Event": ...}, the REST
 * API's {"response": [...]}, a bare array of events) and MISP feeds (a
 * folder with manifest.json and one <uuid>.json per event). Each event is
 * loaded whole (bounded by KZ_MISP_MAX_JSON_BYTES), becomes one advisory,
 * its galaxy clusters threats, and its attributes indicators. Every string
 * handed to the sink is NUL-terminated and borrowed from the loaded
 * document or from this reader's scratch, valid for the call only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "intel/misp_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

/* ---- capped JSON loading (shared with read_warninglist.c) --------------- */

struct capped {
    FILE *f;
    size_t total;
    int over, ioerr;
};

static size_t capped_read(void *buf, size_t len, void *data)
{
    struct capped *c = data;
    if (c->over || c->ioerr)
        return (size_t)-1;
    size_t n = fread(buf, 1, len, c->f);
    if (n == 0 && ferror(c->f)) {
        c->ioerr = 1;
        return (size_t)-1;
    }
    c->total += n;
    if (c->total > KZ_MISP_MAX_JSON_BYTES) {
        c->over = 1;
        return (size_t)-1;
    }
    return n;
}

kz_status kz_misp_json_load(kz_ctx *ctx, FILE *f, const char *name,
                            json_t **out)
{
    struct capped c = {f, 0, 0, 0};
    json_error_t err;
    *out = NULL;
    /* Without JSON_ALLOW_NUL jansson refuses "\u0000", so every string is
     * NUL-terminated exactly once (strlen == json_string_length). */
    json_t *root = json_load_callback(capped_read, &c, 0, &err);
    if (root) {
        *out = root;
        return KZ_OK;
    }
    if (c.over)
        return kz_seterr(ctx, KZ_ERR_LIMIT,
                         "%s: larger than %u MiB, the most a MISP JSON "
                         "document may hold (KZ_MISP_MAX_JSON_BYTES)",
                         name, KZ_MISP_MAX_JSON_BYTES >> 20);
    if (c.ioerr)
        return kz_seterr(ctx, KZ_ERR_IO, "%s: read error: %s", name,
                         strerror(errno));
    if (json_error_code(&err) == json_error_out_of_memory)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", name);
    unsigned long long line = err.line > 0 ? (unsigned long long)err.line : 1;
    unsigned long long col =
        err.column > 0 ? (unsigned long long)err.column : 1;
    return kz_seterr(ctx, KZ_ERR_PARSE, "%s:%llu:%llu: malformed JSON: %s",
                     name, line, col, err.text);
}

/* ---- small containers ---------------------------------------------------- */

/* A growable array of borrowed strings. */
typedef struct strvec {
    const char **v;
    size_t n, cap;
} strvec;

static kz_status sv_push(strvec *s, const char *x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        const char **v = kz_realloc(s->v, cap * sizeof *v);
        if (!v)
            return KZ_ERR_NOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return KZ_OK;
}

static int sv_has(const strvec *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 1;
    return 0;
}

static void sv_free(strvec *s)
{
    kz_free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* ASCII case-insensitive equality of two NUL-terminated strings. */
static int eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (kz_lower((unsigned char)*a) != kz_lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* ---- reader state -------------------------------------------------------- */

typedef struct threat_rec {
    const char *name, *kind, *description;
    strvec aliases;
    int emitted;
} threat_rec;

typedef struct reader {
    kz_ctx *ctx;
    const kz_intel_sink *sink;
    const char *name;
    char evpath[48]; /* JSON path of the event, for messages */

    /* per event */
    const char *ev_tlp;
    strvec ev_tags;    /* the event's tags, given to each of its indicators */
    strvec ev_threats; /* the threats the advisory names */
    threat_rec *threats;
    size_t nthreats, threats_cap;
    strvec owned; /* strings this reader allocated (freed per event) */
    const char *link;
    int links; /* link attributes seen */

    /* per indicator */
    strvec tags, ithreats;
    char *buf; /* one part of a composite value, NUL-terminated */
    size_t buf_cap;
    char what[112]; /* unsupported(...) text */
} reader;

static void unsupported(reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void unsupported(reader *r, const char *fmt, ...)
{
    if (!r->sink->unsupported)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->what, sizeof r->what, fmt, ap);
    va_end(ap);
    r->sink->unsupported(r->sink->ud, r->what, 0);
}

/* jansson gives no position for values, so structural errors name the
 * JSON path instead of a line and column. */
static kz_status bad(reader *r, const char *where, const char *what)
{
    return kz_seterr(r->ctx, KZ_ERR_PARSE, "%s: %s.%s: %s", r->name, r->evpath,
                     where, what);
}

static char *own_strndup(reader *r, const char *s, size_t n)
{
    char *p = kz_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    if (sv_push(&r->owned, p) != KZ_OK) {
        kz_free(p);
        return NULL;
    }
    return p;
}

static void event_reset(reader *r)
{
    for (size_t i = 0; i < r->owned.n; i++)
        kz_free((void *)r->owned.v[i]);
    r->owned.n = 0;
    for (size_t i = 0; i < r->nthreats; i++)
        sv_free(&r->threats[i].aliases);
    r->nthreats = 0;
    r->ev_tags.n = 0;
    r->ev_threats.n = 0;
    r->ev_tlp = NULL;
    r->link = NULL;
    r->links = 0;
}

static void reader_free(reader *r)
{
    event_reset(r);
    sv_free(&r->owned);
    kz_free(r->threats);
    sv_free(&r->ev_tags);
    sv_free(&r->ev_threats);
    sv_free(&r->tags);
    sv_free(&r->ithreats);
    kz_free(r->buf);
}

/* ---- JSON helpers -------------------------------------------------------- */

/* The string member k of o, or NULL when absent, null or not a string. */
static const char *str_of(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A string member that is absent, null or a string; *out NULL or the
 * string ("" as NULL when empty_null). -1 when it is of another type. */
static int opt_str(const json_t *o, const char *k, int empty_null,
                   const char **out)
{
    const json_t *v = json_object_get(o, k);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    if (empty_null && **out == '\0')
        *out = NULL;
    return 0;
}

/* MISP writes flags as true/false, 0/1 or "0"/"1": 1, 0, or dflt when
 * absent or of another form. */
static int flag_of(const json_t *o, const char *k, int dflt)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcmp(s, "1") == 0 || eq_ci(s, "true"))
            return 1;
        if (strcmp(s, "0") == 0 || eq_ci(s, "false"))
            return 0;
    }
    return dflt;
}

/* A time member (ISO 8601 or Unix time, as a string or a number); 0 when
 * absent or null. -1 when present but not a time. */
static int time_of(const json_t *o, const char *k, kz_time *out)
{
    const json_t *v = json_object_get(o, k);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = (kz_time)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    if (*s == '\0')
        return 0;
    return kz_time_parse(s, strlen(s), out) == KZ_OK ? 0 : -1;
}

/* ---- tags, TLP, galaxies, threats ---------------------------------------- */

static const char *const tlp_levels[] = {"clear", "green", "amber",
                                         "amber+strict", "red"};

/* The TLP level a tag names ("tlp:white" is TLP 2.0's "clear"), or NULL. */
static const char *tlp_of(const char *tag)
{
    if (!kz_starts_ci(tag, strlen(tag), "tlp:"))
        return NULL;
    const char *l = tag + 4;
    if (eq_ci(l, "white"))
        return tlp_levels[0];
    for (size_t i = 0; i < sizeof tlp_levels / sizeof tlp_levels[0]; i++)
        if (eq_ci(l, tlp_levels[i]))
            return tlp_levels[i];
    return NULL;
}

static int tlp_rank(const char *t)
{
    for (int i = 0; i < (int)(sizeof tlp_levels / sizeof tlp_levels[0]); i++)
        if (t == tlp_levels[i])
            return i;
    return -1;
}

/* The kind of threat a galaxy holds, or NULL for galaxies that name no
 * threat (attack patterns, sectors, countries, ...): those stay tags. */
static const char *galaxy_kind(const char *type)
{
    static const struct {
        const char *type, *kind;
    } map[] = {
        {"threat-actor", "actor"},
        {"mitre-intrusion-set", "actor"},
        {"mitre-enterprise-attack-intrusion-set", "actor"},
        {"mitre-mobile-attack-intrusion-set", "actor"},
        {"mitre-pre-attack-intrusion-set", "actor"},
        {"microsoft-activity-group", "actor"},
        {"360net", "actor"},
        {"malpedia", "malware"},
        {"mitre-malware", "malware"},
        {"mitre-enterprise-attack-malware", "malware"},
        {"mitre-mobile-attack-malware", "malware"},
        {"ransomware", "malware"},
        {"rat", "malware"},
        {"backdoor", "malware"},
        {"banker", "malware"},
        {"stealer", "malware"},
        {"botnet", "malware"},
        {"android", "malware"},
        {"exploit-kit", "malware"},
        {"malware", "malware"},
        {"tool", "tool"},
        {"mitre-tool", "tool"},
        {"mitre-enterprise-attack-tool", "tool"},
        {"mitre-mobile-attack-tool", "tool"},
        {"campaign", "campaign"},
        {"mitre-campaign", "campaign"},
    };
    if (!type)
        return NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (eq_ci(type, map[i].type))
            return map[i].kind;
    return NULL;
}

/* MITRE clusters are named "APT28 - G0007": the length of the name
 * without its " - G0007" / " - S0154" suffix, or n when there is none. */
static size_t mitre_base_len(const char *s, size_t n)
{
    size_t i = n;
    while (i > 0 && kz_is_digit((unsigned char)s[i - 1]))
        i--;
    if (n - i != 4 || i < 5 || !kz_is_alpha((unsigned char)s[i - 1]) ||
        memcmp(s + i - 4, " - ", 3) != 0)
        return n;
    return i - 4;
}

/* Records the threat `name` (at most once per event, case-insensitively)
 * and adds its name to names (nullable). syn: a JSON array of synonyms
 * (nullable). gtype: the galaxy type, for MITRE names. */
static kz_status add_threat(reader *r, const char *name, const char *kind,
                            const char *gtype, const json_t *syn,
                            const char *desc, strvec *names)
{
    const char *full = NULL;
    size_t n = strlen(name);
    if (n == 0)
        return KZ_OK;
    if (gtype && kz_starts_ci(gtype, strlen(gtype), "mitre-")) {
        size_t b = mitre_base_len(name, n);
        if (b < n) {
            full = name;
            if (!(name = own_strndup(r, name, b)))
                return KZ_ERR_NOMEM;
        }
    }
    /* The same threat again, by its name or one of its aliases. */
    threat_rec *t = NULL;
    for (size_t i = 0; i < r->nthreats && !t; i++) {
        if (eq_ci(r->threats[i].name, name))
            t = &r->threats[i];
        for (size_t j = 0; j < r->threats[i].aliases.n && !t; j++)
            if (eq_ci(r->threats[i].aliases.v[j], name))
                t = &r->threats[i];
    }
    if (!t) {
        if (r->nthreats == KZ_MISP_MAX_THREATS)
            return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                             "%s: %s: more than %u threats in one event "
                             "(KZ_MISP_MAX_THREATS)",
                             r->name, r->evpath, KZ_MISP_MAX_THREATS);
        if (r->nthreats == r->threats_cap) {
            size_t cap = r->threats_cap ? r->threats_cap * 2 : 8;
            threat_rec *v = kz_realloc(r->threats, cap * sizeof *v);
            if (!v)
                return KZ_ERR_NOMEM;
            r->threats = v;
            r->threats_cap = cap;
        }
        t = &r->threats[r->nthreats++];
        memset(t, 0, sizeof *t);
        t->name = name;
        t->kind = kind;
        t->description = desc && *desc ? desc : NULL;
        if (full && sv_push(&t->aliases, full) != KZ_OK)
            return KZ_ERR_NOMEM;
        size_t i;
        const json_t *a;
        json_array_foreach(syn, i, a)
        {
            if (!json_is_string(a))
                return bad(r, "Galaxy", "a synonym is not a string");
            const char *s = json_string_value(a);
            if (!*s || eq_ci(s, name) || sv_has(&t->aliases, s))
                continue;
            if (t->aliases.n == KZ_MISP_MAX_ALIASES) {
                unsupported(r, "misp galaxy synonyms beyond %u",
                            KZ_MISP_MAX_ALIASES);
                break;
            }
            if (sv_push(&t->aliases, s) != KZ_OK)
                return KZ_ERR_NOMEM;
        }
    } else if (!t->description && desc && *desc) {
        t->description = desc;
    }
    if (names && !sv_has(names, t->name))
        return sv_push(names, t->name);
    return KZ_OK;
}

/* Hands the threats not yet given to the sink. */
static kz_status flush_threats(reader *r)
{
    for (size_t i = 0; i < r->nthreats; i++) {
        threat_rec *t = &r->threats[i];
        if (t->emitted)
            continue;
        t->emitted = 1;
        if (!r->sink->threat)
            continue;
        kz_intel_threat th = {t->name, t->kind, t->aliases.v, t->aliases.n,
                              t->description};
        kz_status st = r->sink->threat(r->sink->ud, &th);
        if (st != KZ_OK)
            return st;
    }
    return KZ_OK;
}

static kz_status push_tag(reader *r, strvec *tags, const char *tag)
{
    if (sv_has(tags, tag))
        return KZ_OK;
    if (tags->n == KZ_MISP_MAX_TAGS)
        return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                         "%s: %s: more than %u tags on one record "
                         "(KZ_MISP_MAX_TAGS)",
                         r->name, r->evpath, KZ_MISP_MAX_TAGS);
    return sv_push(tags, tag);
}

/* A galaxy tag 'misp-galaxy:TYPE="VALUE"' naming a threat goes to names;
 * a TLP tag sets *tlp (the strictest wins); any other tag goes to tags. */
static kz_status take_tag(reader *r, const char *tag, const char **tlp,
                          strvec *tags, strvec *names)
{
    const char *t = tlp_of(tag);
    if (t) {
        if (!*tlp || tlp_rank(t) > tlp_rank(*tlp))
            *tlp = t;
        return KZ_OK;
    }
    size_t n = strlen(tag);
    if (kz_starts_ci(tag, n, "misp-galaxy:")) {
        const char *ty = tag + 12, *eq = strchr(ty, '=');
        if (eq && eq > ty && eq - ty < 128) {
            char type[128];
            memcpy(type, ty, (size_t)(eq - ty));
            type[eq - ty] = '\0';
            const char *kind = galaxy_kind(type);
            const char *v = eq + 1;
            size_t vn = strlen(v);
            if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
                v++;
                vn -= 2;
            }
            if (kind && vn > 0) {
                char *name = own_strndup(r, v, vn);
                if (!name)
                    return KZ_ERR_NOMEM;
                return add_threat(r, name, kind, type, NULL, NULL, names);
            }
        }
    }
    return push_tag(r, tags, tag);
}

/* The tags of a record: "Tag": [{"name": ...}], or "EventTag" /
 * "AttributeTag": [{"Tag": {"name": ...}}] as some API versions write. */
static kz_status take_tags(reader *r, const json_t *o, const char *where,
                           const char **tlp, strvec *tags, strvec *names)
{
    static const char *const keys[] = {"Tag", "EventTag", "AttributeTag"};
    for (size_t k = 0; k < 3; k++) {
        const json_t *arr = json_object_get(o, keys[k]);
        if (!arr || json_is_null(arr))
            continue;
        if (!json_is_array(arr))
            return bad(r, where, "Tag is not an array");
        size_t i;
        const json_t *e;
        json_array_foreach(arr, i, e)
        {
            const json_t *tg = k == 0 ? e : json_object_get(e, "Tag");
            const char *name = json_is_object(tg) ? str_of(tg, "name") : NULL;
            if (!name)
                return bad(r, where, "a tag without a name");
            if (*name == '\0')
                continue;
            kz_status st = take_tag(r, name, tlp, tags, names);
            if (st != KZ_OK)
                return st;
        }
    }
    return KZ_OK;
}

/* Galaxy[]: clusters of threat galaxies are threats (to names); the others
 * (attack patterns, sectors, ...) become their tags. */
static kz_status take_galaxies(reader *r, const json_t *o, const char *where,
                               strvec *tags, strvec *names)
{
    const json_t *gal = json_object_get(o, "Galaxy");
    if (!gal || json_is_null(gal))
        return KZ_OK;
    if (!json_is_array(gal))
        return bad(r, where, "Galaxy is not an array");
    size_t i;
    const json_t *g;
    json_array_foreach(gal, i, g)
    {
        const json_t *cl = json_object_get(g, "GalaxyCluster");
        if (!json_is_object(g) || !json_is_array(cl))
            return bad(r, where, "a Galaxy without a GalaxyCluster array");
        const char *gtype = str_of(g, "type");
        size_t j;
        const json_t *c;
        json_array_foreach(cl, j, c)
        {
            const char *value = json_is_object(c) ? str_of(c, "value") : NULL;
            if (!value)
                return bad(r, where, "a GalaxyCluster without a value");
            const char *ctype = str_of(c, "type");
            const char *type = ctype ? ctype : gtype;
            const char *kind = galaxy_kind(type);
            kz_status st;
            if (kind) {
                const json_t *meta = json_object_get(c, "meta");
                const json_t *syn = json_object_get(meta, "synonyms");
                if (syn && !json_is_array(syn))
                    return bad(r, where, "meta.synonyms is not an array");
                st = add_threat(r, value, kind, type, syn,
                                str_of(c, "description"), names);
            } else {
                const char *tn = str_of(c, "tag_name");
                if (!tn) {
                    size_t len = strlen(value) + (type ? strlen(type) : 0);
                    char *s = kz_malloc(len + 16);
                    if (!s || sv_push(&r->owned, s) != KZ_OK) {
                        kz_free(s);
                        return KZ_ERR_NOMEM;
                    }
                    snprintf(s, len + 16, "misp-galaxy:%s=\"%s\"",
                             type ? type : "", value);
                    tn = s;
                }
                st = push_tag(r, tags, tn);
            }
            if (st != KZ_OK)
                return st;
        }
    }
    return KZ_OK;
}

/* ---- attributes -----------------------------------------------------------
 */

enum how {
    H_PLAIN,        /* one value of type t */
    H_IP,           /* ipv4, ipv6 or cidr, by the value */
    H_FILE,         /* a file name, or a path when it holds a separator */
    H_URI,          /* absolute: a URL; relative: unsupported */
    H_LINK,         /* a source: the advisory's url */
    H_IP_PORT,      /* ip|port */
    H_HOST_PORT,    /* hostname|port */
    H_DOMAIN_IP,    /* domain|ip: both */
    H_FILE_HASH,    /* filename|hash: both (t: the hash's type, or NONE) */
    H_REGKEY_VALUE, /* regkey|value: the key, the data in the comment */
    H_PORT,         /* a port: given to its object's address */
    H_THREAT        /* threat-actor, campaign-name: a threat */
};

typedef struct mtype {
    const char *name; /* lower case */
    enum how how;
    kz_type t;
    const char *kind; /* H_THREAT */
} mtype;

static const mtype mtypes[] = {
    {"ip-src", H_IP, KZ_T_NONE, NULL},
    {"ip-dst", H_IP, KZ_T_NONE, NULL},
    {"ip-src|port", H_IP_PORT, KZ_T_NONE, NULL},
    {"ip-dst|port", H_IP_PORT, KZ_T_NONE, NULL},
    {"hostname", H_PLAIN, KZ_T_DOMAIN, NULL},
    {"domain", H_PLAIN, KZ_T_DOMAIN, NULL},
    {"hostname|port", H_HOST_PORT, KZ_T_DOMAIN, NULL},
    {"domain|ip", H_DOMAIN_IP, KZ_T_DOMAIN, NULL},
    {"url", H_PLAIN, KZ_T_URL, NULL},
    {"uri", H_URI, KZ_T_URL, NULL},
    {"link", H_LINK, KZ_T_NONE, NULL},
    {"email", H_PLAIN, KZ_T_EMAIL, NULL},
    {"email-src", H_PLAIN, KZ_T_EMAIL, NULL},
    {"email-dst", H_PLAIN, KZ_T_EMAIL, NULL},
    {"email-reply-to", H_PLAIN, KZ_T_EMAIL, NULL},
    {"whois-registrant-email", H_PLAIN, KZ_T_EMAIL, NULL},
    {"md5", H_PLAIN, KZ_T_MD5, NULL},
    {"sha1", H_PLAIN, KZ_T_SHA1, NULL},
    {"sha256", H_PLAIN, KZ_T_SHA256, NULL},
    {"sha512", H_PLAIN, KZ_T_SHA512, NULL},
    {"filename", H_FILE, KZ_T_FILENAME, NULL},
    {"email-attachment", H_FILE, KZ_T_FILENAME, NULL},
    {"filename|md5", H_FILE_HASH, KZ_T_MD5, NULL},
    {"filename|sha1", H_FILE_HASH, KZ_T_SHA1, NULL},
    {"filename|sha256", H_FILE_HASH, KZ_T_SHA256, NULL},
    {"filename|sha512", H_FILE_HASH, KZ_T_SHA512, NULL},
    {"filename|authentihash", H_FILE_HASH, KZ_T_AUTHENTIHASH, NULL},
    {"malware-sample", H_FILE_HASH, KZ_T_MD5, NULL},
    {"regkey", H_PLAIN, KZ_T_REGKEY, NULL},
    {"regkey|value", H_REGKEY_VALUE, KZ_T_REGKEY, NULL},
    {"mutex", H_PLAIN, KZ_T_MUTEX, NULL},
    {"ja3-fingerprint-md5", H_PLAIN, KZ_T_JA3, NULL},
    {"user-agent", H_PLAIN, KZ_T_USER_AGENT, NULL},
    {"vulnerability", H_PLAIN, KZ_T_CVE, NULL},
    {"as", H_PLAIN, KZ_T_ASN, NULL},
    {"x509-fingerprint-sha1", H_PLAIN, KZ_T_CERT_SHA1, NULL},
    {"x509-fingerprint-sha256", H_PLAIN, KZ_T_CERT_SHA256, NULL},
    {"authentihash", H_PLAIN, KZ_T_AUTHENTIHASH, NULL},
    {"yara", H_PLAIN, KZ_T_YARA, NULL},
    {"port", H_PORT, KZ_T_NONE, NULL},
    {"threat-actor", H_THREAT, KZ_T_NONE, "actor"},
    {"campaign-name", H_THREAT, KZ_T_NONE, "campaign"},
};

static const mtype *mtype_of(const char *type)
{
    for (size_t i = 0; i < sizeof mtypes / sizeof mtypes[0]; i++)
        if (kz_eq_word_ci(type, strlen(type), mtypes[i].name))
            return &mtypes[i];
    return NULL;
}

/* What an object tells about its attributes. */
typedef struct objctx {
    const char *name;        /* "file", "domain-ip", "x509", ... */
    const json_t *port_attr; /* the attribute giving the port, or NULL */
    uint16_t port;           /* its value */
    const char *comment;     /* the object's comment (nullable) */
    kz_time first_seen, last_seen;
} objctx;

/* A decimal port 0..65535 in the n bytes at s; -1 when it is none. */
static long port_of(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!kz_is_digit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 65535 ? v : -1;
}

static kz_type ip_type(const char *s, size_t n)
{
    if (memchr(s, '/', n))
        return KZ_T_CIDR;
    return memchr(s, ':', n) ? KZ_T_IPV6 : KZ_T_IPV4;
}

static kz_type file_type(const char *s, size_t n)
{
    return memchr(s, '\\', n) || memchr(s, '/', n) ? KZ_T_FILEPATH
                                                   : KZ_T_FILENAME;
}

/* Hands one indicator over, with the value copied NUL-terminated. */
static kz_status emit(reader *r, kz_intel_ioc *io, kz_type t, const char *v,
                      size_t n, uint16_t port)
{
    if (n + 1 > r->buf_cap) {
        size_t cap = n + 1 < 256 ? 256 : n + 1;
        char *b = kz_realloc(r->buf, cap);
        if (!b)
            return KZ_ERR_NOMEM;
        r->buf = b;
        r->buf_cap = cap;
    }
    memcpy(r->buf, v, n);
    r->buf[n] = '\0';
    io->type = t;
    io->value = r->buf;
    io->value_len = n;
    io->port = port;
    return r->sink->ioc ? r->sink->ioc(r->sink->ud, io) : KZ_OK;
}

/* Splits a composite value at its first (or last) '|'; -1 when it has none
 * or a part is empty. */
static int split(const char *v, size_t n, int last, size_t *bar)
{
    const char *p = last ? strrchr(v, '|') : memchr(v, '|', n);
    if (!p)
        return -1;
    *bar = (size_t)(p - v);
    return *bar == 0 || *bar + 1 == n ? -1 : 0;
}

/* One attribute (top level, or of the object oc). where names it in
 * messages ("Attribute[3]", "Object[1].Attribute[0]"). */
static kz_status do_attribute(reader *r, const json_t *a, const char *where,
                              const objctx *oc)
{
    if (!json_is_object(a))
        return bad(r, where, "not an object");
    if (flag_of(a, "deleted", 0) == 1)
        return KZ_OK;
    if (oc && a == oc->port_attr)
        return KZ_OK;
    const char *type = str_of(a, "type");
    if (!type)
        return bad(r, where, "no type");
    const json_t *jv = json_object_get(a, "value");
    char num[32];
    const char *v;
    if (json_is_string(jv)) {
        v = json_string_value(jv);
    } else if (json_is_integer(jv)) { /* an AS number, a port */
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(jv));
        v = num;
    } else {
        return bad(r, where, "no value (or not a string)");
    }
    size_t n = strlen(v);
    if (n == 0)
        return bad(r, where, "empty value");

    const mtype *m = mtype_of(type);
    const char *rel = str_of(a, "object_relation");
    enum how how = m ? m->how : H_PLAIN;
    kz_type t = m ? m->t : KZ_T_NONE;
    /* What the object's relation tells beyond the attribute's type. */
    if (rel && (eq_ci(rel, "ja3s") || eq_ci(rel, "ja3s-fingerprint-md5")) &&
        (t == KZ_T_JA3 || eq_ci(type, "text"))) {
        how = H_PLAIN;
        t = KZ_T_JA3S;
    } else if (oc && rel && eq_ci(type, "text") &&
               (eq_ci(rel, "fullpath") || eq_ci(rel, "path") ||
                eq_ci(rel, "file-path"))) {
        how = H_FILE;
        t = KZ_T_FILEPATH;
    } else if (!m && kz_starts_ci(type, strlen(type), "filename|")) {
        how = H_FILE_HASH; /* filename|imphash, |ssdeep, |tlsh, ... */
        t = KZ_T_NONE;
    } else if (!m) {
        unsupported(r, "misp type %.64s", type);
        return KZ_OK;
    }
    if (how == H_LINK) {
        /* The first link of the event is its url (read before the advisory
         * was made); a link is a source, never an indicator. */
        if (oc || v != r->link)
            unsupported(r, "misp link (a further reference)");
        return KZ_OK;
    }
    if (how == H_THREAT) {
        if (!oc) /* done before the advisory */
            return KZ_OK;
        kz_status st = add_threat(r, v, m->kind, NULL, NULL, NULL, NULL);
        return st == KZ_OK ? flush_threats(r) : st;
    }
    if (how == H_PORT) {
        unsupported(r, "misp type port");
        return KZ_OK;
    }
    if (how == H_URI && !strstr(v, "://")) {
        unsupported(r, "misp uri (relative)");
        return KZ_OK;
    }

    kz_intel_ioc io;
    memset(&io, 0, sizeof io);
    io.confidence = -1;
    io.score = -1;
    io.to_ids = flag_of(a, "to_ids", -1);
    io.ref = str_of(a, "uuid");
    if (opt_str(a, "comment", 1, &io.comment) < 0 ||
        opt_str(a, "category", 1, &io.category) < 0)
        return bad(r, where, "comment or category is not a string");
    if (!io.comment && oc)
        io.comment = oc->comment;
    if (time_of(a, "first_seen", &io.first_seen) < 0 ||
        time_of(a, "last_seen", &io.last_seen) < 0)
        return bad(r, where, "first_seen or last_seen is not a time");
    if (!io.first_seen && oc)
        io.first_seen = oc->first_seen;
    if (!io.last_seen && oc)
        io.last_seen = oc->last_seen;
    if (!io.first_seen) { /* when it was recorded */
        kz_time ts;
        if (time_of(a, "timestamp", &ts) < 0)
            return bad(r, where, "timestamp is not a time");
        io.first_seen = ts;
    }

    /* tags and threats: the event's, then the attribute's own */
    const char *tlp = NULL;
    r->tags.n = 0;
    r->ithreats.n = 0;
    for (size_t i = 0; i < r->ev_tags.n; i++)
        if (sv_push(&r->tags, r->ev_tags.v[i]) != KZ_OK)
            return KZ_ERR_NOMEM;
    kz_status st = take_galaxies(r, a, where, &r->tags, &r->ithreats);
    if (st == KZ_OK)
        st = take_tags(r, a, where, &tlp, &r->tags, &r->ithreats);
    if (st == KZ_OK)
        st = flush_threats(r);
    if (st != KZ_OK)
        return st;
    io.tlp = tlp ? tlp : r->ev_tlp;
    io.tags = r->tags.v;
    io.ntags = r->tags.n;
    io.threats = r->ithreats.v;
    io.nthreats = r->ithreats.n;

    uint16_t oport = 0;
    if (oc && oc->port_attr &&
        (how == H_IP || (how == H_PLAIN && t == KZ_T_DOMAIN)))
        oport = oc->port;

    size_t bar;
    long port;
    switch (how) {
    case H_PLAIN:
    case H_URI:
        return emit(r, &io, t, v, n, oport);
    case H_IP:
        return emit(r, &io, ip_type(v, n), v, n, oport);
    case H_FILE:
        return emit(r, &io, t == KZ_T_FILEPATH ? t : file_type(v, n), v, n, 0);
    case H_IP_PORT:
    case H_HOST_PORT:
        if (split(v, n, 1, &bar) < 0 ||
            (port = port_of(v + bar + 1, n - bar - 1)) < 0)
            return bad(r, where, "not of the form ADDRESS|PORT");
        return emit(r, &io, how == H_IP_PORT ? ip_type(v, bar) : KZ_T_DOMAIN, v,
                    bar, (uint16_t)port);
    case H_DOMAIN_IP:
        if (split(v, n, 1, &bar) < 0)
            return bad(r, where, "not of the form DOMAIN|IP");
        st = emit(r, &io, KZ_T_DOMAIN, v, bar, 0);
        if (st == KZ_OK)
            st = emit(r, &io, ip_type(v + bar + 1, n - bar - 1), v + bar + 1,
                      n - bar - 1, 0);
        return st;
    case H_FILE_HASH:
        if (split(v, n, 1, &bar) < 0)
            return bad(r, where, "not of the form FILENAME|HASH");
        st = emit(r, &io, file_type(v, bar), v, bar, 0);
        if (st == KZ_OK && t != KZ_T_NONE)
            st = emit(r, &io, t, v + bar + 1, n - bar - 1, 0);
        else if (st == KZ_OK)
            unsupported(r, "misp type %.64s (hash part)", type);
        return st;
    case H_REGKEY_VALUE: {
        if (split(v, n, 0, &bar) < 0)
            return bad(r, where, "not of the form KEY|DATA");
        /* The data is no indicator of its own: it goes to the comment. */
        size_t cn = io.comment ? strlen(io.comment) : 0;
        size_t len = n - bar - 1 + cn + 32;
        char *c = kz_malloc(len);
        if (!c)
            return KZ_ERR_NOMEM;
        snprintf(c, len, "registry data: %s%s%s", v + bar + 1,
                 io.comment ? "; " : "", io.comment ? io.comment : "");
        io.comment = c;
        st = emit(r, &io, KZ_T_REGKEY, v, bar, 0);
        kz_free(c);
        return st;
    }
    default:
        return KZ_OK;
    }
}

/* Attributes of an array (top level, or an object's). */
static kz_status do_attributes(reader *r, const json_t *arr, const char *prefix,
                               const objctx *oc)
{
    if (!arr || json_is_null(arr))
        return KZ_OK;
    char where[64];
    if (!json_is_array(arr)) {
        snprintf(where, sizeof where, "%sAttribute", prefix);
        return bad(r, where, "not an array");
    }
    size_t i;
    const json_t *a;
    json_array_foreach(arr, i, a)
    {
        snprintf(where, sizeof where, "%sAttribute[%zu]", prefix, i);
        kz_status st = do_attribute(r, a, where, oc);
        if (st != KZ_OK)
            return st;
    }
    return KZ_OK;
}

/* An object: its attributes, with what the object says about them. */
static kz_status do_object(reader *r, const json_t *o, size_t idx)
{
    char prefix[40];
    snprintf(prefix, sizeof prefix, "Object[%zu].", idx);
    if (!json_is_object(o))
        return bad(r, prefix, "not an object");
    if (flag_of(o, "deleted", 0) == 1)
        return KZ_OK;
    objctx oc;
    memset(&oc, 0, sizeof oc);
    oc.name = str_of(o, "name");
    if (opt_str(o, "comment", 1, &oc.comment) < 0 ||
        time_of(o, "first_seen", &oc.first_seen) < 0 ||
        time_of(o, "last_seen", &oc.last_seen) < 0)
        return bad(r, prefix, "comment, first_seen or last_seen malformed");
    const json_t *arr = json_object_get(o, "Attribute");
    /* ip-port, domain-ip, url objects: a single destination port belongs to
     * the object's addresses and host names. */
    size_t i, nports = 0;
    const json_t *a;
    json_array_foreach(arr, i, a)
    {
        const char *type = str_of(a, "type"),
                   *rel = str_of(a, "object_relation");
        const char *v = str_of(a, "value");
        if (type && eq_ci(type, "port") && rel &&
            (eq_ci(rel, "dst-port") || eq_ci(rel, "port")) &&
            flag_of(a, "deleted", 0) == 0) {
            nports++;
            long p = v ? port_of(v, strlen(v)) : -1;
            if (p > 0) {
                oc.port_attr = a;
                oc.port = (uint16_t)p;
            }
        }
    }
    if (nports != 1)
        oc.port_attr = NULL;
    return do_attributes(r, arr, prefix, &oc);
}

/* ---- events -------------------------------------------------------------- */

static const char *threat_level_name(const json_t *v)
{
    static const char *const names[] = {"high", "medium", "low", "undefined"};
    long long x = -1;
    if (json_is_integer(v))
        x = json_integer_value(v);
    else if (json_is_string(v) && strlen(json_string_value(v)) == 1)
        x = json_string_value(v)[0] - '0';
    return x >= 1 && x <= 4 ? names[x - 1] : NULL;
}

static const char *analysis_name(const json_t *v)
{
    static const char *const names[] = {"initial", "ongoing", "completed"};
    long long x = -1;
    if (json_is_integer(v))
        x = json_integer_value(v);
    else if (json_is_string(v) && strlen(json_string_value(v)) == 1)
        x = json_string_value(v)[0] - '0';
    return x >= 0 && x <= 2 ? names[x] : NULL;
}

/* Before the advisory: its url (the first link attribute) and the threats
 * named by threat-actor / campaign-name attributes. */
static kz_status prescan(reader *r, const json_t *attrs)
{
    size_t i;
    const json_t *a;
    json_array_foreach(attrs, i, a)
    {
        const char *type = str_of(a, "type"), *v = str_of(a, "value");
        if (!type || !v || !*v || flag_of(a, "deleted", 0) == 1)
            continue;
        const mtype *m = mtype_of(type);
        if (m && m->how == H_LINK && !r->link) {
            r->link = v;
        } else if (m && m->how == H_THREAT) {
            kz_status st =
                add_threat(r, v, m->kind, NULL, NULL, NULL, &r->ev_threats);
            if (st != KZ_OK)
                return st;
        }
    }
    return KZ_OK;
}

static kz_status do_event(reader *r, const json_t *ev)
{
    kz_status st = KZ_OK;
    event_reset(r);
    if (!json_is_object(ev))
        return kz_seterr(r->ctx, KZ_ERR_PARSE, "%s: %s: not an object", r->name,
                         r->evpath);

    const json_t *attrs = json_object_get(ev, "Attribute");
    const json_t *objs = json_object_get(ev, "Object");
    if (objs && !json_is_null(objs) && !json_is_array(objs))
        return bad(r, "Object", "not an array");

    kz_intel_advisory adv;
    memset(&adv, 0, sizeof adv);
    const char *title, *key;
    if (opt_str(ev, "info", 1, &title) < 0 || opt_str(ev, "uuid", 1, &key) < 0)
        return bad(r, "info", "info or uuid is not a string");
    adv.title = title;
    adv.key = key;
    kz_time t;
    if (time_of(ev, "date", &t) < 0)
        return bad(r, "date", "not a date");
    if (!t && time_of(ev, "publish_timestamp", &t) < 0)
        return bad(r, "publish_timestamp", "not a time");
    if (!t && time_of(ev, "timestamp", &t) < 0)
        return bad(r, "timestamp", "not a time");
    adv.published = t;
    const json_t *orgc = json_object_get(ev, "Orgc");
    if (!json_is_object(orgc))
        orgc = json_object_get(ev, "Org");
    adv.source = json_is_object(orgc) ? str_of(orgc, "name") : NULL;
    if (adv.source && !*adv.source)
        adv.source = NULL;

    const char *tl = threat_level_name(json_object_get(ev, "threat_level_id"));
    const char *an = analysis_name(json_object_get(ev, "analysis"));
    char summary[80];
    if (tl || an) {
        snprintf(summary, sizeof summary, "MISP threat level: %s; analysis: %s",
                 tl ? tl : "unknown", an ? an : "unknown");
        adv.summary = summary;
    }

    if ((st = take_galaxies(r, ev, "Galaxy", &r->ev_tags, &r->ev_threats)) !=
            KZ_OK ||
        (st = take_tags(r, ev, "Tag", &r->ev_tlp, &r->ev_tags,
                        &r->ev_threats)) != KZ_OK ||
        (st = prescan(r, attrs)) != KZ_OK)
        return st;
    adv.tlp = r->ev_tlp;
    adv.url = r->link;
    adv.threats = r->ev_threats.v;
    adv.nthreats = r->ev_threats.n;

    if (r->sink->advisory &&
        (st = r->sink->advisory(r->sink->ud, &adv)) != KZ_OK)
        return st;
    if ((st = flush_threats(r)) != KZ_OK)
        return st;
    if ((st = do_attributes(r, attrs, "", NULL)) != KZ_OK)
        return st;
    size_t i;
    const json_t *o;
    json_array_foreach(objs, i, o)
    {
        if ((st = do_object(r, o, i)) != KZ_OK)
            return st;
    }
    const json_t *reports = json_object_get(ev, "EventReport");
    json_array_foreach(reports, i, o)
    {
        if (flag_of(o, "deleted", 0) != 1)
            unsupported(r, "misp event report");
    }
    return KZ_OK;
}

/* An element of a response array or of a bare array: {"Event": {...}}. */
static kz_status do_wrapped(reader *r, const json_t *e)
{
    const json_t *ev = json_object_get(e, "Event");
    if (!ev)
        return kz_seterr(r->ctx, KZ_ERR_PARSE, "%s: %s: no \"Event\"", r->name,
                         r->evpath);
    size_t n = strlen(r->evpath);
    snprintf(r->evpath + n, sizeof r->evpath - n, ".Event");
    return do_event(r, ev);
}

static kz_status do_array(reader *r, const json_t *arr, const char *key)
{
    size_t i;
    const json_t *e;
    json_array_foreach(arr, i, e)
    {
        snprintf(r->evpath, sizeof r->evpath, "%s[%zu]", key, i);
        kz_status st = do_wrapped(r, e);
        if (st != KZ_OK)
            return st;
    }
    return KZ_OK;
}

static kz_status do_root(reader *r, const json_t *root)
{
    const json_t *v;
    if (json_is_array(root))
        return do_array(r, root, "");
    if ((v = json_object_get(root, "Event"))) {
        snprintf(r->evpath, sizeof r->evpath, "Event");
        return do_event(r, v);
    }
    if ((v = json_object_get(root, "response"))) {
        if (json_is_array(v))
            return do_array(r, v, "response");
        /* An attribute search: indicators without an event. */
        const json_t *attrs = json_object_get(v, "Attribute");
        if (json_is_object(v) && attrs) {
            event_reset(r);
            snprintf(r->evpath, sizeof r->evpath, "response");
            return do_attributes(r, attrs, "", NULL);
        }
        if (json_is_object(v) && (v = json_object_get(v, "Event"))) {
            snprintf(r->evpath, sizeof r->evpath, "response.Event");
            return do_event(r, v);
        }
    }
    /* A bare event, as PyMISP writes one. */
    if (json_object_get(root, "Attribute") || json_object_get(root, "Object") ||
        json_object_get(root, "info")) {
        snprintf(r->evpath, sizeof r->evpath, "(event)");
        return do_event(r, root);
    }
    return kz_seterr(r->ctx, KZ_ERR_PARSE,
                     "%s: not a MISP event (no \"Event\", \"response\", "
                     "\"info\" or \"Attribute\" at the top level)",
                     r->name);
}

static kz_status read_one(kz_ctx *ctx, FILE *f, const char *name,
                          const kz_intel_sink *sink)
{
    json_t *root = NULL;
    kz_status st = kz_misp_json_load(ctx, f, name, &root);
    if (st != KZ_OK)
        return st;
    reader r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.sink = sink;
    r.name = name;
    st = do_root(&r, root);
    if (st == KZ_ERR_NOMEM)
        kz_seterr(ctx, st, "%s: out of memory", name);
    reader_free(&r);
    json_decref(root);
    return st;
}

kz_status kz_read_misp(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink)
{
    const char *name = o && o->name ? o->name : "-";
    if (!f || !sink)
        return kz_seterr(ctx, KZ_ERR_INVALID, "%s: no input or no sink", name);
    return read_one(ctx, f, name, sink);
}

/* ---- feeds -----------------------------------------------------------------
 */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Manifest keys name files: only UUID characters, so a hostile manifest
 * cannot reach outside the folder ("../x"). */
static int uuid_like(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > KZ_MISP_MAX_UUID)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!kz_is_xdigit((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

kz_status kz_read_misp_feed(kz_ctx *ctx, const char *dir, const kz_read_opts *o,
                            const kz_intel_sink *sink)
{
    if (!dir || !sink)
        return kz_seterr(ctx, KZ_ERR_INVALID, "misp feed: no folder or sink");
    const char *shown = o && o->name ? o->name : dir;
    size_t dn = strlen(dir), sn = strlen(shown);
    while (dn > 1 && dir[dn - 1] == '/')
        dn--;
    while (sn > 1 && shown[sn - 1] == '/')
        sn--;
    if (dn + KZ_MISP_MAX_UUID + 16 > KZ_MAX_PATH ||
        sn + KZ_MISP_MAX_UUID + 16 > KZ_MAX_PATH)
        return kz_seterr(ctx, KZ_ERR_LIMIT, "%.64s...: folder name too long",
                         shown);
    char *path = kz_malloc(2 * KZ_MAX_PATH);
    if (!path)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", shown);
    char *name = path + KZ_MAX_PATH;
    const char **keys = NULL;
    json_t *man = NULL;
    kz_status st = KZ_OK;

    snprintf(path, KZ_MAX_PATH, "%.*s/manifest.json", (int)dn, dir);
    snprintf(name, KZ_MAX_PATH, "%.*s/manifest.json", (int)sn, shown);
    FILE *f = fopen(path, "rb");
    if (!f) {
        st = kz_seterr(ctx, errno == ENOENT ? KZ_ERR_NOTFOUND : KZ_ERR_IO,
                       "%s: %s", name, strerror(errno));
        goto out;
    }
    st = kz_misp_json_load(ctx, f, name, &man);
    fclose(f);
    if (st != KZ_OK)
        goto out;
    if (!json_is_object(man)) {
        st = kz_seterr(ctx, KZ_ERR_PARSE,
                       "%s: not a MISP feed manifest (an object of events "
                       "by UUID)",
                       name);
        goto out;
    }
    size_t count = json_object_size(man);
    if (count > KZ_MISP_MAX_FEED_EVENTS) {
        st = kz_seterr(ctx, KZ_ERR_LIMIT,
                       "%s: more than %u events (KZ_MISP_MAX_FEED_EVENTS)",
                       name, KZ_MISP_MAX_FEED_EVENTS);
        goto out;
    }
    keys = kz_malloc((count ? count : 1) * sizeof *keys);
    if (!keys) {
        st = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    size_t nk = 0;
    const char *k;
    json_t *v;
    json_object_foreach(man, k, v)
    {
        if (!uuid_like(k)) {
            st = kz_seterr(ctx, KZ_ERR_PARSE,
                           "%s: \"%.80s\" is not an event UUID", name, k);
            goto out;
        }
        keys[nk++] = k;
    }
    qsort(keys, nk, sizeof *keys, cmp_str);
    for (size_t i = 0; i < nk && st == KZ_OK; i++) {
        snprintf(path, KZ_MAX_PATH, "%.*s/%s.json", (int)dn, dir, keys[i]);
        snprintf(name, KZ_MAX_PATH, "%.*s/%s.json", (int)sn, shown, keys[i]);
        f = fopen(path, "rb");
        if (!f) {
            if (errno == ENOENT)
                st = kz_seterr(ctx, KZ_ERR_NOTFOUND,
                               "%s: listed in manifest.json but missing", name);
            else
                st = kz_seterr(ctx, KZ_ERR_IO, "%s: %s", name, strerror(errno));
            break;
        }
        st = read_one(ctx, f, name, sink);
        fclose(f);
    }
out:
    kz_free(keys);
    json_decref(man);
    kz_free(path);
    return st;
}
