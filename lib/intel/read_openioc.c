/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenIOC 1.0 and 1.1 reader: the document is read whole (at most
 * OPENIOC_MAX_INPUT bytes) into libxml2 without entity substitution, DTD
 * loading or network access, so nothing outside the input is ever fetched.
 * The ioc's metadata becomes one advisory; each IndicatorItem whose
 * Context/@search names a kizashi type and whose condition we can honour
 * becomes one indicator; everything else is reported as unsupported.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "core/core_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

/* An OpenIOC file describes one report; the largest published ones are a
 * few MB. The document is held in memory as a tree, so it is capped. */
#define OPENIOC_MAX_INPUT (64u * 1024u * 1024u)
/* Indicator nesting: real files nest a handful of AND/OR levels; the cap
 * keeps our recursion bounded well below libxml2's own depth limit. */
#define OPENIOC_MAX_DEPTH 64
/* Threat names taken from one ioc's links and title. */
#define OPENIOC_MAX_THREATS 16
/* Longest text of a metadata field or value we keep (longer values are
 * reported as unsupported; descriptions are cut). */
#define OPENIOC_MAX_TEXT (1u << 20)

#define NS_10 "http://schemas.mandiant.com/2010/ioc"
#define NS_11 "http://openioc.org/schemas/OpenIOC_1.1"

/* Pseudo-types of the search table beside real kz_type values. */
enum {
    S_IP = -1,        /* IPv4, IPv6 or CIDR, decided by the value */
    S_URI = -2,       /* a URL only when it has a scheme */
    S_HANDLE = -3,    /* a handle name: its type comes from Handle/Type */
    S_QUALIFIER = -4, /* qualifies a sibling (Handle/Type): not a value */
};

/* Context/@search terms we map (compared case-insensitively). Everything
 * else is unsupported("openioc search TERM"). */
static const struct {
    const char *search;
    int type; /* kz_type or one of S_* */
} searches[] = {
    {"FileItem/Md5sum", KZ_T_MD5},
    {"FileItem/Sha1sum", KZ_T_SHA1},
    {"FileItem/Sha256sum", KZ_T_SHA256},
    {"FileItem/FileName", KZ_T_FILENAME},
    {"FileItem/FullPath", KZ_T_FILEPATH},
    {"FileItem/FilePath", KZ_T_FILEPATH},
    {"FileItem/PEInfo/VersionInfoList/VersionInfoItem/OriginalFilename",
     KZ_T_FILENAME},
    {"FileItem/StringList/string", KZ_T_STRING},
    {"ProcessItem/name", KZ_T_FILENAME},
    {"ProcessItem/StringList/string", KZ_T_STRING},
    {"ProcessItem/HandleList/Handle/Name", S_HANDLE},
    {"ProcessItem/HandleList/Handle/Type", S_QUALIFIER},
    {"ServiceItem/serviceDLL", KZ_T_FILEPATH},
    {"ServiceItem/serviceDLLmd5sum", KZ_T_MD5},
    {"ServiceItem/serviceDLLsha1sum", KZ_T_SHA1},
    {"ServiceItem/serviceDLLsha256sum", KZ_T_SHA256},
    {"Network/DNS", KZ_T_DOMAIN},
    {"Network/URI", S_URI},
    {"Network/UserAgent", KZ_T_USER_AGENT},
    {"DnsEntryItem/Host", KZ_T_DOMAIN},
    {"DnsEntryItem/RecordName", KZ_T_DOMAIN},
    {"DnsEntryItem/RecordData/Host", KZ_T_DOMAIN},
    {"DnsEntryItem/RecordData/IPv4Address", S_IP},
    {"PortItem/remoteIP", S_IP},
    {"UrlHistoryItem/URL", S_URI},
    {"UrlHistoryItem/HostName", KZ_T_DOMAIN},
    {"FileDownloadHistoryItem/SourceURL", S_URI},
    {"Email/From", KZ_T_EMAIL},
    {"Email/Attachment/Name", KZ_T_FILENAME},
    {"RegistryItem/Path", KZ_T_REGKEY},
    {"RegistryItem/KeyPath", KZ_T_REGKEY},
};

typedef struct reader {
    kz_ctx *ctx;
    const char *name;
    const kz_intel_sink *sink;
    char *threats[OPENIOC_MAX_THREATS];
    const char *kinds[OPENIOC_MAX_THREATS];
    size_t nthreats;
} reader;

static void unsupported(reader *r, const char *what, uint64_t line)
{
    if (r->sink->unsupported)
        r->sink->unsupported(r->sink->ud, what, line);
}

static uint64_t node_line(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 ? (uint64_t)l : 0;
}

static int name_eq(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE &&
           xmlStrcmp(n->name, (const xmlChar *)local) == 0;
}

static xmlNode *child(const xmlNode *n, const char *local)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (name_eq(c, local))
            return c;
    return NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The text of element n (its text and CDATA children, trimmed) into a new
 * kz_malloc'd string; *out is NULL when n is NULL. *ref is set when the
 * text held an entity reference we did not expand (never resolved: that is
 * how external entities stay unread). Longer text is cut at max bytes. */
static kz_status text_of(const xmlNode *n, size_t max, char **out, int *ref)
{
    *out = NULL;
    if (ref)
        *ref = 0;
    if (!n)
        return KZ_OK;
    size_t len = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
            c->content)
            len += strlen((const char *)c->content);
        else if (c->type == XML_ENTITY_REF_NODE && ref)
            *ref = 1;
        if (len > max)
            break;
    }
    char *s = kz_malloc(len + 1);
    if (!s)
        return KZ_ERR_NOMEM;
    size_t k = 0;
    for (const xmlNode *c = n->children; c && k < len; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
            c->content) {
            size_t m = strlen((const char *)c->content);
            if (m > len - k)
                m = len - k;
            memcpy(s + k, c->content, m);
            k += m;
        }
    }
    size_t b = 0;
    while (b < k && is_space(s[b]))
        b++;
    while (k > b && is_space(s[k - 1]))
        k--;
    memmove(s, s + b, k - b);
    s[k - b] = '\0';
    *out = s;
    return KZ_OK;
}

/* The attribute's value as libxml2 stores it (entity references left
 * unexpanded); caller frees with xmlFree. */
static char *attr(const xmlNode *n, const char *name)
{
    return n ? (char *)xmlGetNoNsProp(n, (const xmlChar *)name) : NULL;
}

static int ieq(const char *a, const char *w)
{
    return a && kz_eq_word_ci(a, strlen(a), w);
}

/* ---- advisory ------------------------------------------------------------ */

static kz_status add_threat(reader *r, const char *s, size_t n,
                            const char *kind)
{
    while (n > 0 && is_space(*s))
        s++, n--;
    while (n > 0 && is_space(s[n - 1]))
        n--;
    if (n == 0 || r->nthreats == OPENIOC_MAX_THREATS)
        return KZ_OK;
    for (size_t i = 0; i < r->nthreats; i++)
        if (strlen(r->threats[i]) == n && strncasecmp(r->threats[i], s, n) == 0)
            return KZ_OK;
    char *t = kz_malloc(n + 1);
    if (!t)
        return KZ_ERR_NOMEM;
    memcpy(t, s, n);
    t[n] = '\0';
    r->threats[r->nthreats] = t;
    r->kinds[r->nthreats++] = kind;
    return KZ_OK;
}

/* Mandiant titles name a family as "BLACKCOFFEE (FAMILY)"; links name the
 * group ("threatgroup") or family. */
static kz_status collect_threats(reader *r, const xmlNode *meta,
                                 const char *title)
{
    kz_status rc = KZ_OK;
    static const char suffix[] = " (FAMILY)";
    size_t tl = title ? strlen(title) : 0;
    if (tl > sizeof suffix - 1 &&
        strcasecmp(title + tl - (sizeof suffix - 1), suffix) == 0)
        rc = add_threat(r, title, tl - (sizeof suffix - 1), "malware");
    const xmlNode *links = child(meta, "links");
    for (xmlNode *l = links ? links->children : NULL; l && rc == KZ_OK;
         l = l->next) {
        if (!name_eq(l, "link"))
            continue;
        char *rel = attr(l, "rel");
        const char *kind = NULL;
        if (ieq(rel, "threatgroup") || ieq(rel, "actor"))
            kind = "actor";
        else if (ieq(rel, "family") || ieq(rel, "malwarefamily"))
            kind = "malware";
        xmlFree(rel);
        if (!kind)
            continue;
        char *v = NULL;
        rc = text_of(l, OPENIOC_MAX_TEXT, &v, NULL);
        if (rc == KZ_OK && v)
            rc = add_threat(r, v, strlen(v), kind);
        kz_free(v);
    }
    return rc;
}

/* A link that is a URL: 1.1 gives it in @href, 1.0 as text of a "report"
 * or "reference" link. */
static kz_status find_url(const xmlNode *meta, char **url)
{
    *url = NULL;
    const xmlNode *links = child(meta, "links");
    for (xmlNode *l = links ? links->children : NULL; l; l = l->next) {
        if (!name_eq(l, "link"))
            continue;
        char *href = attr(l, "href");
        if (href && href[0]) {
            size_t n = strlen(href);
            *url = kz_malloc(n + 1);
            if (*url)
                memcpy(*url, href, n + 1);
            xmlFree(href);
            return *url ? KZ_OK : KZ_ERR_NOMEM;
        }
        xmlFree(href);
        char *rel = attr(l, "rel");
        int want = ieq(rel, "report") || ieq(rel, "reference");
        xmlFree(rel);
        if (!want)
            continue;
        kz_status rc = text_of(l, KZ_MAX_URL, url, NULL);
        if (rc != KZ_OK || (*url && strstr(*url, "://")))
            return rc;
        kz_free(*url);
        *url = NULL;
    }
    return KZ_OK;
}

static kz_status emit_advisory(reader *r, const xmlNode *root,
                               const xmlNode *meta)
{
    char *title = NULL, *desc = NULL, *by = NULL, *date = NULL, *url = NULL;
    char *id = attr(root, "id");
    kz_status rc = text_of(child(meta, "short_description"), OPENIOC_MAX_TEXT,
                           &title, NULL);
    if (rc == KZ_OK)
        rc = text_of(child(meta, "description"), OPENIOC_MAX_TEXT, &desc, NULL);
    if (rc == KZ_OK)
        rc = text_of(child(meta, "authored_by"), OPENIOC_MAX_TEXT, &by, NULL);
    if (rc == KZ_OK)
        rc = text_of(child(meta, "authored_date"), 64, &date, NULL);
    if (rc == KZ_OK)
        rc = find_url(meta, &url);
    if (rc == KZ_OK)
        rc = collect_threats(r, meta, title);
    if (rc != KZ_OK)
        goto out;

    kz_intel_advisory a;
    memset(&a, 0, sizeof a);
    a.key = id && id[0] ? id : NULL;
    a.title = title && title[0] ? title : NULL;
    a.summary = desc && desc[0] ? desc : NULL;
    a.source = by && by[0] ? by : NULL;
    a.url = url;
    if (date && date[0] &&
        kz_time_parse(date, strlen(date), &a.published) != KZ_OK)
        a.published = 0;
    if (a.published == 0) {
        /* 1.1 also dates the ioc in an attribute of the root. */
        char *pd = attr(root, "published-date");
        if (pd && kz_time_parse(pd, strlen(pd), &a.published) != KZ_OK)
            a.published = 0;
        xmlFree(pd);
    }
    a.threats = (const char *const *)r->threats;
    a.nthreats = r->nthreats;

    for (size_t i = 0; i < r->nthreats && r->sink->threat && rc == KZ_OK; i++) {
        kz_intel_threat t;
        memset(&t, 0, sizeof t);
        t.name = r->threats[i];
        t.kind = r->kinds[i];
        rc = r->sink->threat(r->sink->ud, &t);
    }
    if (rc == KZ_OK && r->sink->advisory)
        rc = r->sink->advisory(r->sink->ud, &a);
out:
    xmlFree(id);
    kz_free(title);
    kz_free(desc);
    kz_free(by);
    kz_free(date);
    kz_free(url);
    return rc;
}

/* ---- indicators ---------------------------------------------------------- */

static int search_type(const char *search, int *type)
{
    for (size_t i = 0; i < sizeof searches / sizeof searches[0]; i++)
        if (strcasecmp(search, searches[i].search) == 0) {
            *type = searches[i].type;
            return 1;
        }
    return 0;
}

/* The Handle/Type given beside a Handle/Name in the same Indicator, as a
 * kz_type: Mutant (or none given) -> mutex, File -> filepath, Key ->
 * regkey; KZ_T_NONE for other object types (events, sections, ...). */
static kz_status handle_type(const xmlNode *ind, kz_type *t)
{
    *t = KZ_T_MUTEX;
    for (xmlNode *c = ind ? ind->children : NULL; c; c = c->next) {
        if (!name_eq(c, "IndicatorItem"))
            continue;
        char *search = attr(child(c, "Context"), "search");
        int hit = search &&
                  strcasecmp(search, "ProcessItem/HandleList/Handle/Type") == 0;
        xmlFree(search);
        if (!hit)
            continue;
        char *v = NULL;
        kz_status rc = text_of(child(c, "Content"), 64, &v, NULL);
        if (rc != KZ_OK)
            return rc;
        if (ieq(v, "mutant") || ieq(v, "mutex"))
            *t = KZ_T_MUTEX;
        else if (ieq(v, "file"))
            *t = KZ_T_FILEPATH;
        else if (ieq(v, "key"))
            *t = KZ_T_REGKEY;
        else
            *t = KZ_T_NONE;
        kz_free(v);
        return KZ_OK;
    }
    return KZ_OK;
}

static kz_type ip_type(const char *v)
{
    if (strchr(v, '/'))
        return KZ_T_CIDR;
    return strchr(v, ':') ? KZ_T_IPV6 : KZ_T_IPV4;
}

/* "contains" is a substring match: we honour it for strings, and for a
 * value that is a whole value of its type (a full host name, address or
 * digest: what publishers mean by "the host contains evil.com"). */
static int contains_ok(kz_type t, const char *v)
{
    char buf[KZ_MAX_VALUE + 1];
    size_t len;
    switch (t) {
    case KZ_T_STRING:
        return 1;
    case KZ_T_DOMAIN:
    case KZ_T_IPV4:
    case KZ_T_IPV6:
    case KZ_T_CIDR:
    case KZ_T_URL:
    case KZ_T_EMAIL:
    case KZ_T_MD5:
    case KZ_T_SHA1:
    case KZ_T_SHA256:
        return kz_normalize(t, v, strlen(v), buf, sizeof buf, &len) == KZ_OK;
    default:
        return 0;
    }
}

static kz_status item(reader *r, const xmlNode *it, const xmlNode *ind,
                      int in_and)
{
    static const char *const and_tag[] = {"openioc:and"};
    uint64_t line = node_line(it);
    const xmlNode *context = child(it, "Context");
    const xmlNode *content = child(it, "Content");
    char *search = attr(context, "search");
    char *cond = attr(it, "condition");
    char *negate = attr(it, "negate");
    char *id = attr(it, "id");
    char *value = NULL, *comment = NULL;
    int ref = 0, type = KZ_T_NONE;
    char what[128];
    kz_status rc = KZ_OK;

    if (!search || !search[0] || !content) {
        rc = kz_seterr(
            r->ctx, KZ_ERR_PARSE, "%s:%llu: IndicatorItem without %s", r->name,
            (unsigned long long)line, content ? "Context/@search" : "Content");
        goto out;
    }
    rc = text_of(content, KZ_MAX_VALUE + 1, &value, &ref);
    if (rc == KZ_OK)
        rc = text_of(child(it, "Comment"), OPENIOC_MAX_TEXT, &comment, NULL);
    if (rc != KZ_OK)
        goto out;

    if (!search_type(search, &type)) {
        snprintf(what, sizeof what, "openioc search %.96s", search);
        unsupported(r, what, line);
        goto out;
    }
    if (type == S_QUALIFIER)
        goto out; /* read with the Handle/Name it qualifies */
    if (ieq(negate, "true") || ieq(cond, "isnot") || ieq(cond, "containsnot")) {
        unsupported(r, "openioc negated condition", line);
        goto out;
    }
    if (ref) {
        unsupported(r, "openioc entity reference", line);
        goto out;
    }
    if (!value[0]) {
        unsupported(r, "openioc empty value", line);
        goto out;
    }
    if (strlen(value) > KZ_MAX_VALUE) {
        unsupported(r, "openioc value too long", line);
        goto out;
    }
    if (type == S_IP) {
        type = ip_type(value);
    } else if (type == S_URI) {
        if (!strstr(value, "://")) {
            unsupported(r, "openioc URI without scheme", line);
            goto out;
        }
        type = KZ_T_URL;
    } else if (type == S_HANDLE) {
        kz_type ht;
        rc = handle_type(ind, &ht);
        if (rc != KZ_OK)
            goto out;
        if (ht == KZ_T_NONE) {
            unsupported(r, "openioc handle of another object type", line);
            goto out;
        }
        type = ht;
    }
    if (!cond || ieq(cond, "is")) {
        /* the condition we represent exactly */
    } else if (ieq(cond, "contains")) {
        if (!contains_ok((kz_type)type, value)) {
            unsupported(r, "openioc contains condition", line);
            goto out;
        }
    } else {
        snprintf(what, sizeof what, "openioc condition %.64s", cond);
        unsupported(r, what, line);
        goto out;
    }

    kz_intel_ioc i;
    memset(&i, 0, sizeof i);
    i.type = (kz_type)type;
    i.value = value;
    i.value_len = strlen(value);
    i.confidence = -1;
    i.to_ids = -1;
    i.score = -1;
    i.comment = comment && comment[0] ? comment : NULL;
    i.ref = id && id[0] ? id : NULL;
    i.line = line;
    if (in_and) {
        i.tags = and_tag;
        i.ntags = 1;
    }
    if (r->sink->ioc)
        rc = r->sink->ioc(r->sink->ud, &i);
out:
    xmlFree(search);
    xmlFree(cond);
    xmlFree(negate);
    xmlFree(id);
    kz_free(value);
    kz_free(comment);
    return rc;
}

/* Each IndicatorItem becomes an indicator of its own; an AND group with
 * more than one member cannot be represented as a conjunction, so it is
 * counted once as unsupported and its items are tagged "openioc:and". */
static kz_status indicator(reader *r, const xmlNode *ind, unsigned depth,
                           int in_and)
{
    if (depth >= OPENIOC_MAX_DEPTH)
        return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                         "%s:%llu: Indicator nested deeper than %u levels",
                         r->name, (unsigned long long)node_line(ind),
                         (unsigned)OPENIOC_MAX_DEPTH);
    char *op = attr(ind, "operator");
    int is_and = ieq(op, "and");
    xmlFree(op);
    size_t members = 0;
    for (xmlNode *c = ind->children; c; c = c->next)
        if (name_eq(c, "IndicatorItem") || name_eq(c, "Indicator"))
            members++;
    if (is_and && members > 1) {
        unsupported(r, "openioc AND group", node_line(ind));
        in_and = 1;
    }
    kz_status rc = KZ_OK;
    for (xmlNode *c = ind->children; c && rc == KZ_OK; c = c->next) {
        if (name_eq(c, "IndicatorItem"))
            rc = item(r, c, ind, in_and);
        else if (name_eq(c, "Indicator"))
            rc = indicator(r, c, depth + 1, in_and);
    }
    return rc;
}

/* ---- document ------------------------------------------------------------ */

static void quiet(void *ud, xmlErrorPtr e)
{
    (void)ud;
    (void)e;
}

static kz_status slurp(reader *r, FILE *f, char **buf, size_t *n)
{
    size_t cap = 64 * 1024, len = 0;
    char *b = kz_malloc(cap);
    if (!b)
        return KZ_ERR_NOMEM;
    for (;;) {
        if (len == cap) {
            if (cap >= OPENIOC_MAX_INPUT + 1) {
                kz_free(b);
                return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                                 "%s: OpenIOC input larger than %u MiB",
                                 r->name, OPENIOC_MAX_INPUT >> 20);
            }
            size_t nc = cap * 2 > OPENIOC_MAX_INPUT + 1 ? OPENIOC_MAX_INPUT + 1
                                                        : cap * 2;
            char *nb = kz_realloc(b, nc);
            if (!nb) {
                kz_free(b);
                return KZ_ERR_NOMEM;
            }
            b = nb;
            cap = nc;
        }
        size_t got = fread(b + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        kz_free(b);
        return kz_seterr(r->ctx, KZ_ERR_IO, "%s: read error", r->name);
    }
    *buf = b;
    *n = len;
    return KZ_OK;
}

static kz_status parse_error(reader *r, xmlParserCtxt *pc)
{
    const xmlError *e = xmlCtxtGetLastError(pc);
    char msg[256];
    size_t m = 0;
    if (e && e->message) {
        snprintf(msg, sizeof msg, "%s", e->message);
        m = strlen(msg);
        while (m > 0 && is_space(msg[m - 1]))
            msg[--m] = '\0';
    }
    if (m == 0)
        snprintf(msg, sizeof msg, "not well-formed XML");
    unsigned long long line =
        e && e->line > 0 ? (unsigned long long)e->line : 1;
    if (e && e->int2 > 0)
        return kz_seterr(r->ctx, KZ_ERR_PARSE, "%s:%llu:%d: XML: %s", r->name,
                         line, e->int2, msg);
    return kz_seterr(r->ctx, KZ_ERR_PARSE, "%s:%llu: XML: %s", r->name, line,
                     msg);
}

kz_status kz_read_openioc(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                          const kz_intel_sink *sink)
{
    if (!f || !sink)
        return kz_seterr(ctx, KZ_ERR_INVALID, "kz_read_openioc: NULL argument");
    reader r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.name = o && o->name ? o->name : "-";
    r.sink = sink;

    char *buf = NULL;
    size_t n = 0;
    xmlParserCtxt *pc = NULL;
    xmlDoc *doc = NULL;
    kz_status rc = slurp(&r, f, &buf, &n);
    if (rc != KZ_OK)
        goto out;

    xmlInitParser();
    pc = xmlNewParserCtxt();
    if (!pc) {
        rc = KZ_ERR_NOMEM;
        goto out;
    }
    /* Errors stay on this parser context (no global handler, nothing
     * printed); we read them back with xmlCtxtGetLastError. */
    pc->sax->serror = quiet;
    /* Never XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD or
     * XML_PARSE_DTDATTR: an external entity is declared but never read. */
    doc = xmlCtxtReadMemory(pc, buf, (int)n, r.name, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                                XML_PARSE_BIG_LINES);
    if (!doc || !pc->wellFormed) {
        rc = parse_error(&r, pc);
        goto out;
    }

    xmlNode *root = xmlDocGetRootElement(doc);
    const char *ns = root && root->ns && root->ns->href
                         ? (const char *)root->ns->href
                         : NULL;
    if (!root || !(name_eq(root, "ioc") || name_eq(root, "OpenIOC")) ||
        (ns && strcmp(ns, NS_10) != 0 && strcmp(ns, NS_11) != 0)) {
        rc = kz_seterr(ctx, KZ_ERR_PARSE,
                       "%s:%llu: not an OpenIOC 1.0 or 1.1 document (root "
                       "element %s%s%s)",
                       r.name, (unsigned long long)node_line(root),
                       root ? (const char *)root->name : "missing",
                       ns ? " in " : "", ns ? ns : "");
        goto out;
    }
    /* 1.0 keeps the metadata on the root and the tree in <definition>;
     * 1.1 uses <metadata> and <criteria>. */
    const xmlNode *meta = child(root, "metadata");
    if (!meta)
        meta = root;
    rc = emit_advisory(&r, root, meta);
    if (rc != KZ_OK)
        goto out;
    const xmlNode *def = child(root, "definition");
    if (!def)
        def = child(root, "criteria");
    for (xmlNode *c = def ? def->children : NULL; c && rc == KZ_OK;
         c = c->next) {
        if (name_eq(c, "Indicator"))
            rc = indicator(&r, c, 0, 0);
        else if (name_eq(c, "IndicatorItem"))
            rc = item(&r, c, def, 0);
    }
out:
    for (size_t i = 0; i < r.nthreats; i++)
        kz_free(r.threats[i]);
    if (doc)
        xmlFreeDoc(doc);
    if (pc)
        xmlFreeParserCtxt(pc);
    kz_free(buf);
    return rc;
}
