/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STIX 2.0 / 2.1 bundle reader. A bundle's relationships and reports may
 * come after the objects they name, so it reads the bundle twice, one
 * object at a time (jstream.c): pass 1 keeps a bounded table of ids (threat
 * names, identities, TLP markings, reports) and links (indicator -> threat,
 * object -> report, SCO -> observed-data) and hands over the threats;
 * pass 2 emits the objects that belong to no report at once and copies the
 * others to a spool file; then each report becomes an advisory followed by
 * its objects read back from the spool. A stream that cannot seek (stdin)
 * is first copied to a temporary file. Memory is bounded by stix_int.h and
 * KZ_JSTREAM_MAX_VALUE, never by the bundle's size.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/core_int.h"
#include "intel/jstream.h"
#include "intel/stix_int.h"
#include "kizashi/intel.h"

/* ---- the first pass's table ------------------------------------------- */

enum ent_kind { E_NONE, E_THREAT, E_IDENTITY, E_MARKING, E_REPORT, E_OBSERVED };
enum link_kind { L_THREAT, L_REPORT, L_PARENT, L_INFRA };

typedef struct ent {
    const char *id;
    const char *name;               /* threat or identity name; TLP (static) */
    uint32_t links;                 /* first link, 1-based; 0: none */
    uint32_t members, members_tail; /* report: spooled objects, 1-based */
    uint64_t spool_off;             /* report: its own JSON in the spool */
    uint64_t line;                  /* report: its line in the input */
    kz_time first, last;            /* observed-data */
    uint8_t kind;
    uint8_t spooled; /* report: its JSON is in the spool */
} ent;

typedef struct link {
    uint32_t to, next; /* next: 1-based; 0 ends */
    uint8_t kind;
} link;

typedef struct member {
    uint64_t off, line;
    uint32_t next;
} member;

typedef struct pool_chunk {
    struct pool_chunk *next;
    size_t n, cap;
    char data[];
} pool_chunk;

#define POOL_CHUNK (64u * 1024u)

/* A list of borrowed strings for one record. */
typedef struct strv {
    const char **v;
    size_t n, cap;
} strv;

typedef struct rd {
    kz_ctx *ctx;
    const kz_intel_sink *sink;
    const char *name;
    ent *ents;
    size_t nents, cap_ents;
    uint32_t *slots; /* hash of ids -> ent index + 1 */
    size_t nslots;
    link *links;
    size_t nlinks, cap_links;
    member *mem;
    size_t nmem, cap_mem;
    uint32_t *reports; /* report ents in input order */
    size_t nreports, cap_reports;
    pool_chunk *pool;
    size_t pool_bytes;
    FILE *spool;
    int pass;
    uint64_t line, col; /* of the object at hand */
    strv tags, threats, aliases;
    char kc[8192]; /* "kill_chain:phase" tags of one record */
    size_t kc_n;
    char what[160]; /* an unsupported() message */
} rd;

static kz_status perr(rd *r, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return kz_seterr(r->ctx, KZ_ERR_PARSE, "%s:%llu:%llu: %s", r->name,
                     (unsigned long long)r->line, (unsigned long long)r->col,
                     msg);
}

static kz_status lerr(rd *r, const char *what)
{
    return kz_seterr(r->ctx, KZ_ERR_LIMIT, "%s:%llu:%llu: %s", r->name,
                     (unsigned long long)r->line, (unsigned long long)r->col,
                     what);
}

static void unsupported(rd *r, const char *what)
{
    if (r->sink->unsupported)
        r->sink->unsupported(r->sink->ud, what, r->line);
}

static void unsupported2(rd *r, const char *pre, const char *s)
{
    snprintf(r->what, sizeof r->what, "%s%.100s", pre, s ? s : "");
    unsupported(r, r->what);
}

static const char *intern(rd *r, const char *s)
{
    size_t n = strlen(s) + 1;
    if (r->pool_bytes + n > KZ_STIX_MAX_POOL)
        return NULL;
    if (!r->pool || r->pool->cap - r->pool->n < n) {
        size_t cap = n > POOL_CHUNK ? n : POOL_CHUNK;
        pool_chunk *c = kz_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = r->pool;
        c->n = 0;
        c->cap = cap;
        r->pool = c;
    }
    char *d = r->pool->data + r->pool->n;
    memcpy(d, s, n);
    r->pool->n += n;
    r->pool_bytes += n;
    return d;
}

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static kz_status grow_slots(rd *r)
{
    size_t ns = r->nslots ? r->nslots * 2 : 1024;
    uint32_t *s = kz_calloc(ns, sizeof *s);
    if (!s)
        return KZ_ERR_NOMEM;
    for (size_t i = 0; i < r->nents; i++) {
        size_t j = hash_id(r->ents[i].id) & (ns - 1);
        while (s[j])
            j = (j + 1) & (ns - 1);
        s[j] = (uint32_t)(i + 1);
    }
    kz_free(r->slots);
    r->slots = s;
    r->nslots = ns;
    return KZ_OK;
}

/* The entry of id; with add, created when missing. NULL: not found (or,
 * with add, *st says why). */
static ent *lookup(rd *r, const char *id, int add, kz_status *st)
{
    if (!id || !*id || (!add && !r->nslots))
        return NULL;
    if (add && (r->nents + 1) * 2 > r->nslots) {
        if (grow_slots(r) != KZ_OK) {
            *st = kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
            return NULL;
        }
    }
    size_t j = hash_id(id) & (r->nslots - 1);
    while (r->slots[j]) {
        ent *e = &r->ents[r->slots[j] - 1];
        if (strcmp(e->id, id) == 0)
            return e;
        j = (j + 1) & (r->nslots - 1);
    }
    if (!add)
        return NULL;
    if (r->nents == KZ_STIX_MAX_IDS) {
        *st = lerr(r, "too many STIX ids in one bundle");
        return NULL;
    }
    if (r->nents == r->cap_ents) {
        size_t cap = r->cap_ents ? r->cap_ents * 2 : 256;
        ent *m = kz_realloc(r->ents, cap * sizeof *m);
        if (!m) {
            *st = kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
            return NULL;
        }
        r->ents = m;
        r->cap_ents = cap;
    }
    const char *copy = intern(r, id);
    if (!copy) {
        *st = lerr(r, "STIX ids and names too large");
        return NULL;
    }
    ent *e = &r->ents[r->nents];
    memset(e, 0, sizeof *e);
    e->id = copy;
    r->slots[j] = (uint32_t)++r->nents;
    return e;
}

static kz_status add_link(rd *r, const char *from, const char *to, uint8_t kind)
{
    kz_status st = KZ_OK;
    ent *t = lookup(r, to, 1, &st);
    if (!t)
        return st;
    uint32_t ti = (uint32_t)(t - r->ents);
    ent *f = lookup(r, from, 1, &st);
    if (!f)
        return st;
    if (r->nlinks == KZ_STIX_MAX_LINKS)
        return lerr(r, "too many STIX relationships and references");
    if (r->nlinks == r->cap_links) {
        size_t cap = r->cap_links ? r->cap_links * 2 : 256;
        link *m = kz_realloc(r->links, cap * sizeof *m);
        if (!m)
            return kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
        r->links = m;
        r->cap_links = cap;
    }
    r->links[r->nlinks] = (link){ti, f->links, kind};
    f->links = (uint32_t)++r->nlinks;
    return KZ_OK;
}

/* ---- JSON helpers --------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

static kz_time jtime(rd *r, const json_t *o, const char *key)
{
    const char *s = jstr(o, key);
    kz_time t = 0;
    if (s && kz_time_parse(s, strlen(s), &t) != KZ_OK) {
        kz_diag(r->ctx, KZ_SEV_WARNING, r->name, r->line, r->col,
                "%s: not a timestamp: %.64s", key, s);
        t = 0;
    }
    return t;
}

static int eq(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

/* Adds s to v unless present; 0 when the list is full. */
static int strv_add(strv *v, const char *s)
{
    if (!s || !*s)
        return 1;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i], s) == 0)
            return 1;
    if (v->n == KZ_STIX_MAX_LIST)
        return 0;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        const char **m = kz_realloc(v->v, cap * sizeof *m);
        if (!m)
            return -1;
        v->v = m;
        v->cap = cap;
    }
    v->v[v->n++] = s;
    return 1;
}

static kz_status strv_put(rd *r, strv *v, const char *s, const char *what)
{
    int k = strv_add(v, s);
    if (k < 0)
        return kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
    if (k == 0)
        unsupported(r, what);
    return KZ_OK;
}

/* Every string of the array o[key] into v. */
static kz_status strv_from(rd *r, strv *v, const json_t *o, const char *key,
                           const char *what)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, key), i, e)
    {
        kz_status st = strv_put(r, v, json_string_value(e), what);
        if (st != KZ_OK)
            return st;
    }
    return KZ_OK;
}

/* ---- markings --------------------------------------------------------- */

static const struct {
    const char *id, *tlp;
} tlp_ids[] = {
    /* STIX 2.1 part 7.2.1.4 (TLP 1.0 marking definitions) */
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "clear"},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"},
    /* the OASIS TLP 2.0 marking definitions extension */
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
     "amber+strict"},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"},
};

static const char *const tlp_order[] = {"clear", "green", "amber",
                                        "amber+strict", "red"};

/* The canonical TLP name of s ("TLP:AMBER+STRICT", "white", "Green"), or
 * NULL. */
static const char *tlp_name(const char *s)
{
    if (!s)
        return NULL;
    if (kz_starts_ci(s, strlen(s), "tlp:"))
        s += 4;
    size_t n = strlen(s);
    if (kz_eq_word_ci(s, n, "white"))
        return "clear";
    for (size_t i = 0; i < 5; i++)
        if (kz_eq_word_ci(s, n, tlp_order[i]))
            return tlp_order[i];
    return NULL;
}

static int tlp_rank(const char *t)
{
    for (int i = 0; i < 5; i++)
        if (t == tlp_order[i])
            return i;
    return -1;
}

/* The most restrictive TLP among o's object_marking_refs, or NULL. */
static const char *tlp_of(rd *r, const json_t *o)
{
    const char *best = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, "object_marking_refs"), i, e)
    {
        const char *id = json_string_value(e);
        const char *t = NULL;
        if (!id)
            continue;
        for (size_t k = 0; k < sizeof tlp_ids / sizeof tlp_ids[0]; k++)
            if (strcmp(id, tlp_ids[k].id) == 0)
                t = tlp_name(tlp_ids[k].tlp);
        if (!t) {
            ent *m = lookup(r, id, 0, NULL);
            if (m && m->kind == E_MARKING)
                t = m->name;
        }
        if (t && tlp_rank(t) > tlp_rank(best))
            best = t;
    }
    return best;
}

static const char *marking_tlp(const json_t *o)
{
    if (eq(jstr(o, "definition_type"), "tlp"))
        return tlp_name(jstr(json_object_get(o, "definition"), "tlp"));
    return tlp_name(jstr(o, "name"));
}

/* ---- pass 1 ------------------------------------------------------------ */

static const char *threat_kind(const char *type)
{
    if (eq(type, "malware"))
        return "malware";
    if (eq(type, "threat-actor") || eq(type, "intrusion-set"))
        return "actor";
    if (eq(type, "campaign"))
        return "campaign";
    if (eq(type, "tool"))
        return "tool";
    return NULL;
}

/* 1 when a STIX id names a threat object ("malware--..."). */
static int threat_id(const char *id)
{
    static const char *const p[] = {"malware--", "threat-actor--",
                                    "intrusion-set--", "campaign--", "tool--"};
    for (size_t k = 0; k < sizeof p / sizeof p[0]; k++)
        if (strncmp(id, p[k], strlen(p[k])) == 0)
            return 1;
    return 0;
}

static kz_status collect_threat(rd *r, const json_t *o, const char *kind)
{
    kz_status st = KZ_OK;
    const char *name = jstr(o, "name");
    if (!name)
        return perr(r, "%s without a name%s", jstr(o, "type"), NULL);
    ent *e = lookup(r, jstr(o, "id"), 1, &st);
    if (jstr(o, "id") && !e)
        return st;
    if (e) {
        e->kind = E_THREAT;
        e->name = intern(r, name);
        if (!e->name)
            return lerr(r, "STIX ids and names too large");
    }
    if (!r->sink->threat)
        return KZ_OK;
    r->aliases.n = 0;
    const char *what = "stix threat with too many aliases";
    st = strv_from(r, &r->aliases, o, "aliases", what);
    if (st == KZ_OK)
        st = strv_from(r, &r->aliases, o, "x_mitre_aliases", what);
    if (st != KZ_OK)
        return st;
    kz_intel_threat t = {
        .name = name,
        .kind = kind,
        .aliases = r->aliases.v,
        .naliases = r->aliases.n,
        .description = jstr(o, "description"),
    };
    return r->sink->threat(r->sink->ud, &t);
}

static kz_status pass1_object(rd *r, const json_t *o, const char *type,
                              const char *id)
{
    kz_status st = KZ_OK;
    const char *kind = threat_kind(type);
    if (kind)
        return collect_threat(r, o, kind);
    if (eq(type, "identity") || eq(type, "marking-definition")) {
        const char *name =
            eq(type, "identity") ? jstr(o, "name") : marking_tlp(o);
        if (!name || !id)
            return KZ_OK;
        ent *e = lookup(r, id, 1, &st);
        if (!e)
            return st;
        if (eq(type, "identity")) {
            e->kind = E_IDENTITY;
            e->name = intern(r, name);
            if (!e->name)
                return lerr(r, "STIX ids and names too large");
        } else {
            e->kind = E_MARKING;
            e->name = name; /* static */
        }
        return KZ_OK;
    }
    if (eq(type, "relationship")) {
        const char *rt = jstr(o, "relationship_type");
        const char *src = jstr(o, "source_ref"), *dst = jstr(o, "target_ref");
        if (!src || !dst)
            return perr(r, "relationship without source_ref or target_ref%s",
                        NULL, NULL);
        int src_infra = strncmp(src, "infrastructure--", 16) == 0;
        int dst_infra = strncmp(dst, "infrastructure--", 16) == 0;
        if (eq(rt, "indicates") || eq(rt, "related-to"))
            st = add_link(r, src, dst, L_THREAT);
        if (st == KZ_OK && eq(rt, "related-to"))
            st = add_link(r, dst, src, L_THREAT);
        /* infrastructure consists-of SCOs; it is used or controlled by a
         * threat: its SCOs get the threat's name */
        if (st == KZ_OK && eq(rt, "consists-of") && src_infra)
            st = add_link(r, dst, src, L_INFRA);
        if (st == KZ_OK && src_infra && threat_id(dst))
            st = add_link(r, src, dst, L_THREAT);
        if (st == KZ_OK && dst_infra && threat_id(src))
            st = add_link(r, dst, src, L_THREAT);
        return st;
    }
    if ((eq(type, "report") || eq(type, "observed-data")) && id) {
        ent *e = lookup(r, id, 1, &st);
        if (!e)
            return st;
        if (eq(type, "report")) {
            if (e->kind == E_REPORT)
                return KZ_OK; /* the same report twice: once is enough */
            e->kind = E_REPORT;
            e->line = r->line;
            if (r->nreports == r->cap_reports) {
                size_t cap = r->cap_reports ? r->cap_reports * 2 : 16;
                uint32_t *m = kz_realloc(r->reports, cap * sizeof *m);
                if (!m)
                    return kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
                r->reports = m;
                r->cap_reports = cap;
            }
            r->reports[r->nreports++] = (uint32_t)(e - r->ents);
        } else {
            e->kind = E_OBSERVED;
            e->first = jtime(r, o, "first_observed");
            e->last = jtime(r, o, "last_observed");
        }
        size_t i;
        json_t *ref;
        json_array_foreach(json_object_get(o, "object_refs"), i, ref)
        {
            const char *s = json_string_value(ref);
            if (!s)
                continue;
            st = eq(type, "report") ? add_link(r, s, id, L_REPORT)
                                    : add_link(r, s, id, L_PARENT);
            if (st != KZ_OK)
                return st;
        }
    }
    return KZ_OK;
}

/* ---- indicators --------------------------------------------------------- */

/* The common fields of a record made from object o (and its observed-data
 * parent od, nullable). Fills the threat list from the links of both. */
static kz_status base_fields(rd *r, const json_t *o, const json_t *od,
                             kz_intel_ioc *i)
{
    memset(i, 0, sizeof *i);
    i->confidence = -1;
    i->to_ids = -1;
    i->score = -1;
    i->line = r->line;
    r->tags.n = r->threats.n = 0;
    r->kc_n = 0;
    const json_t *src = od ? od : o;
    i->ref = jstr(o, "id") ? jstr(o, "id") : jstr(src, "id");
    i->tlp = tlp_of(r, o) ? tlp_of(r, o) : od ? tlp_of(r, od) : NULL;
    ent *who = lookup(r, jstr(src, "created_by_ref"), 0, NULL);
    if (who && who->kind == E_IDENTITY)
        i->source = who->name;
    json_t *c = json_object_get(src, "confidence");
    if (json_is_integer(c) && json_integer_value(c) >= 0 &&
        json_integer_value(c) <= 100)
        i->confidence = (int)json_integer_value(c);
    const char *what = "stix object with too many threats";
    kz_status st = KZ_OK;
    /* threats: links of the object, of its observed-data (2.0 embedding or
     * 2.1 object_refs) */
    const char *ids[2] = {jstr(o, "id"), od ? jstr(od, "id") : NULL};
    for (int k = 0; k < 2 && st == KZ_OK; k++) {
        ent *e = lookup(r, ids[k], 0, NULL);
        for (uint32_t l = e ? e->links : 0; l && st == KZ_OK;
             l = r->links[l - 1].next) {
            const link *lk = &r->links[l - 1];
            const ent *t = &r->ents[lk->to];
            if (lk->kind == L_THREAT && t->kind == E_THREAT)
                st = strv_put(r, &r->threats, t->name, what);
            if ((lk->kind == L_PARENT && t->kind == E_OBSERVED) ||
                lk->kind == L_INFRA) {
                if (!i->first_seen)
                    i->first_seen = t->first;
                if (!i->last_seen)
                    i->last_seen = t->last;
                for (uint32_t m = t->links; m && st == KZ_OK;
                     m = r->links[m - 1].next) {
                    const ent *u = &r->ents[r->links[m - 1].to];
                    if (r->links[m - 1].kind == L_THREAT && u->kind == E_THREAT)
                        st = strv_put(r, &r->threats, u->name, what);
                }
            }
        }
    }
    i->threats = r->threats.v;
    i->nthreats = r->threats.n;
    return st;
}

static kz_status emit(rd *r, kz_intel_ioc *i, kz_type t, const char *v,
                      size_t n)
{
    if (!r->sink->ioc)
        return KZ_OK;
    i->type = t;
    i->value = v;
    i->value_len = n;
    i->tags = r->tags.v;
    i->ntags = r->tags.n;
    return r->sink->ioc(r->sink->ud, i);
}

/* The type of an address or host name written after a network-traffic
 * reference (which may be an ipv4-addr, ipv6-addr or domain-name). */
static kz_type addr_type(const char *v, size_t n)
{
    kz_type t = kz_guess_type(v, n);
    if (t == KZ_T_IPV4 || t == KZ_T_IPV6 || t == KZ_T_CIDR || t == KZ_T_DOMAIN)
        return t;
    return memchr(v, ':', n) ? KZ_T_IPV6 : KZ_T_DOMAIN;
}

static kz_type ip_type(const char *v, size_t n, kz_type t)
{
    return memchr(v, '/', n) ? KZ_T_CIDR : t;
}

/* The hash type of a hashes key ("SHA-256", "sha256", "MD5"). */
static kz_type hash_type(const char *h, int cert)
{
    char k[16];
    size_t n = 0;
    for (; *h && n < sizeof k - 1; h++)
        if (*h != '-' && *h != '_' && *h != ' ')
            k[n++] = (char)kz_lower((unsigned char)*h);
    if (*h)
        return KZ_T_NONE;
    k[n] = '\0';
    if (cert)
        return strcmp(k, "sha1") == 0     ? KZ_T_CERT_SHA1
               : strcmp(k, "sha256") == 0 ? KZ_T_CERT_SHA256
                                          : KZ_T_NONE;
    return strcmp(k, "md5") == 0      ? KZ_T_MD5
           : strcmp(k, "sha1") == 0   ? KZ_T_SHA1
           : strcmp(k, "sha256") == 0 ? KZ_T_SHA256
           : strcmp(k, "sha512") == 0 ? KZ_T_SHA512
                                      : KZ_T_NONE;
}

/* Object paths we represent ('=' comparisons), lower case. */
static const struct {
    const char *path;
    kz_type type;
} path_map[] = {
    {"ipv4-addr:value", KZ_T_IPV4},
    {"ipv6-addr:value", KZ_T_IPV6},
    {"domain-name:value", KZ_T_DOMAIN},
    {"url:value", KZ_T_URL},
    {"email-addr:value", KZ_T_EMAIL},
    {"email-message:from_ref.value", KZ_T_EMAIL},
    {"email-message:sender_ref.value", KZ_T_EMAIL},
    {"email-message:to_refs[*].value", KZ_T_EMAIL},
    {"email-message:cc_refs[*].value", KZ_T_EMAIL},
    {"email-message:bcc_refs[*].value", KZ_T_EMAIL},
    {"email-message:body_multipart[*].body_raw_ref.name", KZ_T_FILENAME},
    {"file:name", KZ_T_FILENAME},
    {"file:parent_directory_ref.path", KZ_T_FILEPATH},
    {"directory:path", KZ_T_FILEPATH},
    {"windows-registry-key:key", KZ_T_REGKEY},
    {"mutex:name", KZ_T_MUTEX},
    {"process:command_line", KZ_T_STRING},
    {"process:name", KZ_T_FILENAME},
    {"process:image_ref.name", KZ_T_FILENAME},
    {"network-traffic:extensions.http-request-ext.request_header.user-agent",
     KZ_T_USER_AGENT},
    {"x509-certificate:subject", KZ_T_SIGNER},
    {"x509-certificate:issuer", KZ_T_STRING},
    {"x509-certificate:serial_number", KZ_T_STRING},
    {"autonomous-system:number", KZ_T_ASN},
    {"artifact:url", KZ_T_URL},
    {"network-traffic:dst_ref.value", KZ_T_NONE}, /* addr_type() */
    {"network-traffic:src_ref.value", KZ_T_NONE},
};

/* Prefixes of paths ending in hashes.<NAME>. */
static const char *const hash_prefixes[] = {
    "file:hashes.",
    "artifact:hashes.",
    "x509-certificate:hashes.",
    "process:image_ref.hashes.",
    "email-message:body_multipart[*].body_raw_ref.hashes.",
};

/* The kz_type of lower-cased path lp; -1 when not represented. */
static int path_type(const char *lp)
{
    for (size_t k = 0; k < sizeof hash_prefixes / sizeof hash_prefixes[0];
         k++) {
        size_t m = strlen(hash_prefixes[k]);
        if (strncmp(lp, hash_prefixes[k], m) == 0) {
            kz_type t = hash_type(lp + m, k == 2);
            return t == KZ_T_NONE ? -1 : (int)t;
        }
    }
    for (size_t k = 0; k < sizeof path_map / sizeof path_map[0]; k++)
        if (strcmp(lp, path_map[k].path) == 0)
            return (int)path_map[k].type;
    return -1;
}

static void lower_path(const char *p, char *out, size_t cap)
{
    size_t k = 0;
    for (; p[k] && k < cap - 1; k++)
        out[k] = (char)kz_lower((unsigned char)p[k]);
    out[k] = '\0';
}

/* In the same AND group as comparison c: an '=' comparison of the path
 * "network-traffic:<dir>_<what>". */
static const kz_stix_cmp *sibling(const kz_stix_pattern *p,
                                  const kz_stix_cmp *c, const char *path)
{
    for (size_t k = 0; k < p->n; k++) {
        const kz_stix_cmp *o = &p->cmp[k];
        if (o != c && o->group == c->group && o->op == KZ_SOP_EQ &&
            !o->negated && strcmp(o->path, path) == 0)
            return o;
    }
    return NULL;
}

/* 1 when comparison c only qualifies an address in its AND group (a port
 * or the reference's type beside network-traffic:dst_ref.value). */
static int qualifies_address(const kz_stix_pattern *p, const kz_stix_cmp *c)
{
    static const char *const pairs[][2] = {
        {"network-traffic:dst_port", "network-traffic:dst_ref.value"},
        {"network-traffic:src_port", "network-traffic:src_ref.value"},
        {"network-traffic:dst_ref.type", "network-traffic:dst_ref.value"},
        {"network-traffic:src_ref.type", "network-traffic:src_ref.value"},
    };
    if (c->op != KZ_SOP_EQ || c->negated)
        return 0;
    for (size_t k = 0; k < 4; k++)
        if (strcmp(c->path, pairs[k][0]) == 0)
            return sibling(p, c, pairs[k][1]) != NULL;
    return 0;
}

static uint16_t port_of(const kz_stix_pattern *p, const kz_stix_cmp *c)
{
    const char *pp = strstr(c->path, ":dst_") ? "network-traffic:dst_port"
                                              : "network-traffic:src_port";
    const kz_stix_cmp *o = sibling(p, c, pp);
    if (!o || o->lit != 'i' || o->value_len > 5)
        return 0;
    unsigned v = 0;
    for (size_t k = 0; k < o->value_len; k++) {
        if (!kz_is_digit((unsigned char)o->value[k]))
            return 0;
        v = v * 10 + (unsigned)(o->value[k] - '0');
    }
    return v <= 65535 ? (uint16_t)v : 0;
}

static kz_status emit_pattern(rd *r, const json_t *o, kz_intel_ioc *i,
                              const char *pattern)
{
    kz_stix_pattern p;
    memset(&p, 0, sizeof p);
    size_t off = 0;
    const char *why = NULL;
    kz_status st =
        kz_stix_pattern_parse(pattern, strlen(pattern), &p, &off, &why);
    if (st == KZ_ERR_NOMEM) {
        st = kz_seterr(r->ctx, st, "out of memory");
        goto out;
    }
    if (st != KZ_OK) {
        st = kz_seterr(
            r->ctx, st, "%s:%llu:%llu: %s: STIX pattern, at byte %zu: %s",
            r->name, (unsigned long long)r->line, (unsigned long long)r->col,
            jstr(o, "id") ? jstr(o, "id") : "indicator", off + 1,
            why ? why : "invalid");
        goto out;
    }
    unsigned *per_group = kz_calloc(p.groups + 1, sizeof *per_group);
    if (!per_group) {
        st = kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
        goto out;
    }
    char lp[512];
    for (size_t k = 0; k < p.n && st == KZ_OK; k++) {
        const kz_stix_cmp *c = &p.cmp[k];
        if (qualifies_address(&p, c))
            continue;
        if (c->op != KZ_SOP_EQ || c->negated) {
            snprintf(r->what, sizeof r->what, "stix pattern operator %s%s",
                     c->negated ? "NOT " : "", kz_stix_op_name(c->op));
            unsupported(r, r->what);
            continue;
        }
        lower_path(c->path, lp, sizeof lp);
        int t = path_type(lp);
        if (t < 0) {
            unsupported2(r, "stix path ", c->path);
            continue;
        }
        kz_type ty = (kz_type)t;
        const char *v = c->value;
        size_t n = c->value_len;
        char asn[32];
        if (ty == KZ_T_ASN) {
            if (c->lit != 'i') {
                unsupported(r, "stix pattern literal for an AS number");
                continue;
            }
            snprintf(asn, sizeof asn, "AS%.20s", v);
            v = asn;
            n = strlen(asn);
        } else if (c->lit != 's') {
            unsupported2(r, "stix pattern non-string literal for ", c->path);
            continue;
        }
        i->port = 0;
        i->category = NULL;
        if (ty == KZ_T_NONE) {
            ty = addr_type(v, n);
            i->port = port_of(&p, c);
        } else if (ty == KZ_T_IPV4 || ty == KZ_T_IPV6) {
            ty = ip_type(v, n, ty);
        }
        if (ty == KZ_T_STRING)
            i->category = c->path;
        per_group[c->group]++;
        st = emit(r, i, ty, v, n);
    }
    i->port = 0;
    i->category = NULL;
    for (unsigned g = 0; g < p.groups; g++)
        if (per_group[g] > 1)
            unsupported(r, "stix pattern AND: comparisons emitted as "
                           "separate indicators");
    kz_free(per_group);
    if (p.obs_and)
        unsupported(r, "stix pattern observation AND: observations emitted "
                       "separately");
    if (p.followedby)
        unsupported(r, "stix pattern FOLLOWEDBY: observations emitted "
                       "separately");
    if (p.within)
        unsupported(r, "stix pattern qualifier WITHIN");
    if (p.repeats)
        unsupported(r, "stix pattern qualifier REPEATS");
    if (p.startstop)
        unsupported(r, "stix pattern qualifier START/STOP");
out:
    kz_stix_pattern_free(&p);
    return st;
}

/* A "name: description" comment, or either. buf holds the joined form. */
static const char *comment_of(const json_t *o, char **buf)
{
    const char *name = jstr(o, "name"), *desc = jstr(o, "description");
    *buf = NULL;
    if (!name || !desc || strcmp(name, desc) == 0)
        return name ? name : desc;
    size_t n = strlen(name) + strlen(desc) + 3;
    *buf = kz_malloc(n);
    if (!*buf)
        return name;
    snprintf(*buf, n, "%s: %s", name, desc);
    return *buf;
}

static kz_status kill_chain_tags(rd *r, const json_t *o)
{
    size_t k;
    json_t *ph;
    json_array_foreach(json_object_get(o, "kill_chain_phases"), k, ph)
    {
        const char *kc = jstr(ph, "kill_chain_name");
        const char *pn = jstr(ph, "phase_name");
        if (!pn)
            continue;
        char *d = r->kc + r->kc_n;
        size_t room = sizeof r->kc - r->kc_n;
        int w = kc ? snprintf(d, room, "%s:%s", kc, pn)
                   : snprintf(d, room, "%s", pn);
        if (w < 0 || (size_t)w >= room) {
            unsupported(r, "stix object with too many kill chain phases");
            break;
        }
        r->kc_n += (size_t)w + 1;
        kz_status st =
            strv_put(r, &r->tags, d, "stix object with too many tags");
        if (st != KZ_OK)
            return st;
    }
    return KZ_OK;
}

static kz_status emit_indicator(rd *r, const json_t *o)
{
    kz_intel_ioc i;
    char *joined = NULL;
    kz_status st = base_fields(r, o, NULL, &i);
    const char *what = "stix object with too many tags";
    if (st == KZ_OK)
        st = strv_from(r, &r->tags, o, "labels", what);
    if (st == KZ_OK)
        st = strv_from(r, &r->tags, o, "indicator_types", what);
    if (st == KZ_OK)
        st = kill_chain_tags(r, o);
    if (st != KZ_OK)
        return st;
    i.to_ids = 1;
    i.comment = comment_of(o, &joined);
    i.first_seen = jtime(r, o, "created");
    i.last_seen = jtime(r, o, "modified");
    i.valid_from = jtime(r, o, "valid_from");
    i.valid_until = jtime(r, o, "valid_until");
    const char *ptype = jstr(o, "pattern_type");
    const char *pattern = jstr(o, "pattern");
    if (!pattern) {
        st = perr(r, "indicator %s without a pattern", jstr(o, "id"), NULL);
    } else if (!ptype || strcmp(ptype, "stix") == 0) {
        st = emit_pattern(r, o, &i, pattern);
    } else if (strcmp(ptype, "yara") == 0) {
        st = emit(r, &i, KZ_T_YARA, pattern, strlen(pattern));
    } else {
        unsupported2(r, "pattern_type ", ptype);
    }
    kz_free(joined);
    return st;
}

/* ---- observed objects (SCOs) -------------------------------------------- */

static kz_status emit_str(rd *r, kz_intel_ioc *i, kz_type t, const char *v)
{
    if (!v || !*v)
        return KZ_OK;
    return emit(r, i, t, v, strlen(v));
}

static kz_status emit_hashes(rd *r, kz_intel_ioc *i, const json_t *o, int cert)
{
    const char *k;
    json_t *v;
    kz_status st = KZ_OK;
    json_object_foreach((json_t *)json_object_get(o, "hashes"), k, v)
    {
        kz_type t = hash_type(k, cert);
        if (t == KZ_T_NONE || !json_string_value(v))
            unsupported2(r, "stix hash ", k);
        else
            st = emit_str(r, i, t, json_string_value(v));
        if (st != KZ_OK)
            break;
    }
    return st;
}

/* One SCO o, observed in od (a 2.0 observed-data embedding it; NULL for
 * a top-level 2.1 SCO). */
static kz_status emit_sco(rd *r, const json_t *o, const json_t *od)
{
    kz_intel_ioc i;
    kz_status st = base_fields(r, o, od, &i);
    if (st != KZ_OK)
        return st;
    i.to_ids = 0;
    if (od) {
        i.first_seen = jtime(r, od, "first_observed");
        i.last_seen = jtime(r, od, "last_observed");
    }
    const char *type = jstr(o, "type");
    const char *v = jstr(o, "value");
    size_t vn = v ? strlen(v) : 0;
    if (eq(type, "ipv4-addr") && v)
        return emit(r, &i, ip_type(v, vn, KZ_T_IPV4), v, vn);
    if (eq(type, "ipv6-addr") && v)
        return emit(r, &i, ip_type(v, vn, KZ_T_IPV6), v, vn);
    if (eq(type, "domain-name"))
        return emit_str(r, &i, KZ_T_DOMAIN, v);
    if (eq(type, "url"))
        return emit_str(r, &i, KZ_T_URL, v);
    if (eq(type, "email-addr"))
        return emit_str(r, &i, KZ_T_EMAIL, v);
    if (eq(type, "file") || eq(type, "artifact")) {
        st = emit_hashes(r, &i, o, 0);
        if (st == KZ_OK && eq(type, "file"))
            st = emit_str(r, &i, KZ_T_FILENAME, jstr(o, "name"));
        if (st == KZ_OK && eq(type, "artifact"))
            st = emit_str(r, &i, KZ_T_URL, jstr(o, "url"));
        return st;
    }
    if (eq(type, "directory"))
        return emit_str(r, &i, KZ_T_FILEPATH, jstr(o, "path"));
    if (eq(type, "mutex"))
        return emit_str(r, &i, KZ_T_MUTEX, jstr(o, "name"));
    if (eq(type, "windows-registry-key"))
        return emit_str(r, &i, KZ_T_REGKEY, jstr(o, "key"));
    if (eq(type, "process")) {
        i.category = "process:command_line";
        return emit_str(r, &i, KZ_T_STRING, jstr(o, "command_line"));
    }
    if (eq(type, "x509-certificate")) {
        static const char *const f[] = {"serial_number", "subject", "issuer"};
        static const char *const cat[] = {"x509-certificate:serial_number",
                                          "x509-certificate:subject",
                                          "x509-certificate:issuer"};
        st = emit_hashes(r, &i, o, 1);
        for (int k = 0; k < 3 && st == KZ_OK; k++) {
            i.category = cat[k];
            st = emit_str(r, &i, k == 1 ? KZ_T_SIGNER : KZ_T_STRING,
                          jstr(o, f[k]));
        }
        return st;
    }
    if (eq(type, "autonomous-system")) {
        json_t *num = json_object_get(o, "number");
        if (!json_is_integer(num))
            return KZ_OK;
        char asn[32];
        snprintf(asn, sizeof asn, "AS%lld", (long long)json_integer_value(num));
        return emit_str(r, &i, KZ_T_ASN, asn);
    }
    unsupported2(r, "stix object ", type);
    return KZ_OK;
}

static const char *const sco_types[] = {
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "file",
    "artifact",
    "directory",
    "mutex",
    "windows-registry-key",
    "process",
    "x509-certificate",
    "autonomous-system",
    "network-traffic",
    "email-message",
    "mac-addr",
    "software",
    "user-account",
};

static int is_sco(const char *type)
{
    for (size_t k = 0; k < sizeof sco_types / sizeof sco_types[0]; k++)
        if (eq(type, sco_types[k]))
            return 1;
    return 0;
}

static kz_status emit_observed(rd *r, const json_t *od)
{
    const char *k;
    json_t *o;
    kz_status st = KZ_OK;
    json_object_foreach((json_t *)json_object_get(od, "objects"), k, o)
    {
        if (!json_is_object(o) || !jstr(o, "type"))
            return perr(r, "observed-data object %s without a type", k, NULL);
        st = emit_sco(r, o, od);
        if (st != KZ_OK)
            break;
    }
    return st;
}

static kz_status emit_cve(rd *r, const json_t *o)
{
    const char *cve = NULL;
    size_t k;
    json_t *ref;
    json_array_foreach(json_object_get(o, "external_references"), k,
                       ref) if (eq(jstr(ref, "source_name"), "cve") &&
                                jstr(ref, "external_id")) cve =
        jstr(ref, "external_id");
    if (!cve && jstr(o, "name") && kz_starts_ci(jstr(o, "name"), 4, "cve-"))
        cve = jstr(o, "name");
    if (!cve) {
        unsupported(r, "stix vulnerability without a CVE id");
        return KZ_OK;
    }
    kz_intel_ioc i;
    kz_status st = base_fields(r, o, NULL, &i);
    if (st != KZ_OK)
        return st;
    i.to_ids = 0;
    i.comment = jstr(o, "description");
    i.first_seen = jtime(r, o, "created");
    i.last_seen = jtime(r, o, "modified");
    return emit_str(r, &i, KZ_T_CVE, cve);
}

/* The records of one object (an indicator, observed-data, SCO,
 * vulnerability). */
static kz_status emit_object(rd *r, const json_t *o)
{
    const char *type = jstr(o, "type");
    if (eq(type, "indicator"))
        return emit_indicator(r, o);
    if (eq(type, "observed-data")) {
        if (json_object_get(o, "objects"))
            return emit_observed(r, o);
        if (!json_object_get(o, "object_refs"))
            unsupported(r, "stix observed-data without objects");
        return KZ_OK; /* its SCOs are emitted where they are */
    }
    if (eq(type, "vulnerability"))
        return emit_cve(r, o);
    return emit_sco(r, o, NULL);
}

/* ---- pass 2 ------------------------------------------------------------ */

static kz_status spool_write(rd *r, const json_t *o, uint64_t *off)
{
    if (!r->spool) {
        r->spool = tmpfile();
        if (!r->spool)
            return kz_seterr(r->ctx, KZ_ERR_IO,
                             "%s: cannot create a temporary file", r->name);
    }
    if (fseeko(r->spool, 0, SEEK_END) != 0)
        return kz_seterr(r->ctx, KZ_ERR_IO, "%s: spool seek failed", r->name);
    off_t at = ftello(r->spool);
    if (at < 0 || json_dumpf(o, r->spool, JSON_COMPACT) != 0 ||
        fputc('\n', r->spool) == EOF)
        return kz_seterr(r->ctx, KZ_ERR_IO, "%s: spool write failed", r->name);
    *off = (uint64_t)at;
    return KZ_OK;
}

static kz_status add_member(rd *r, ent *rep, uint64_t off)
{
    if (r->nmem == KZ_STIX_MAX_LINKS)
        return lerr(r, "too many report members");
    if (r->nmem == r->cap_mem) {
        size_t cap = r->cap_mem ? r->cap_mem * 2 : 64;
        member *m = kz_realloc(r->mem, cap * sizeof *m);
        if (!m)
            return kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
        r->mem = m;
        r->cap_mem = cap;
    }
    r->mem[r->nmem] = (member){off, r->line, 0};
    uint32_t me = (uint32_t)++r->nmem;
    if (rep->members_tail)
        r->mem[rep->members_tail - 1].next = me;
    else
        rep->members = me;
    rep->members_tail = me;
    return KZ_OK;
}

/* Spools o for every report it belongs to (directly, or through its
 * observed-data); 0 in *n when it belongs to none. */
static kz_status spool_members(rd *r, const json_t *o, size_t *n)
{
    *n = 0;
    ent *e = lookup(r, jstr(o, "id"), 0, NULL);
    if (!e)
        return KZ_OK;
    uint64_t off = 0;
    int spooled = 0;
    kz_status st = KZ_OK;
    for (uint32_t l = e->links; l && st == KZ_OK; l = r->links[l - 1].next) {
        const link *lk = &r->links[l - 1];
        ent *to = &r->ents[lk->to];
        ent *reps[64];
        size_t nr = 0;
        if (lk->kind == L_REPORT && to->kind == E_REPORT)
            reps[nr++] = to;
        if (lk->kind == L_PARENT && to->kind == E_OBSERVED)
            for (uint32_t m = to->links; m && nr < 64; m = r->links[m - 1].next)
                if (r->links[m - 1].kind == L_REPORT &&
                    r->ents[r->links[m - 1].to].kind == E_REPORT)
                    reps[nr++] = &r->ents[r->links[m - 1].to];
        for (size_t k = 0; k < nr && st == KZ_OK; k++) {
            /* once per report, even when linked twice */
            if (reps[k]->members_tail &&
                r->mem[reps[k]->members_tail - 1].line == r->line &&
                r->mem[reps[k]->members_tail - 1].off == off && spooled)
                continue;
            if (!spooled) {
                st = spool_write(r, o, &off);
                spooled = 1;
            }
            if (st == KZ_OK)
                st = add_member(r, reps[k], off);
            (*n)++;
        }
    }
    return st;
}

static kz_status pass2_object(rd *r, const json_t *o, const char *type)
{
    if (json_is_true(json_object_get(o, "revoked"))) {
        unsupported(r, "stix revoked object");
        return KZ_OK;
    }
    if (eq(type, "report")) {
        ent *e = lookup(r, jstr(o, "id"), 0, NULL);
        if (!e || e->kind != E_REPORT || e->spooled)
            return KZ_OK;
        e->spooled = 1;
        e->line = r->line;
        return spool_write(r, o, &e->spool_off);
    }
    if (threat_kind(type) || eq(type, "identity") ||
        eq(type, "marking-definition") || eq(type, "relationship") ||
        eq(type, "extension-definition") || eq(type, "language-content"))
        return KZ_OK; /* pass 1 used them, or they carry no indicator */
    if (!eq(type, "indicator") && !eq(type, "observed-data") &&
        !eq(type, "vulnerability") && !is_sco(type)) {
        unsupported2(r, "stix object ", type);
        return KZ_OK;
    }
    size_t n = 0;
    kz_status st = spool_members(r, o, &n);
    if (st != KZ_OK || n > 0)
        return st;
    return emit_object(r, o);
}

static kz_status walk_object(rd *r, const json_t *o)
{
    if (!json_is_object(o))
        return perr(r, "STIX object expected%s", NULL, NULL);
    const char *type = jstr(o, "type");
    if (!type)
        return perr(r, "STIX object without a type%s", NULL, NULL);
    if (r->pass == 1)
        return pass1_object(r, o, type, jstr(o, "id"));
    return pass2_object(r, o, type);
}

/* One pass over the bundle read from f. */
static kz_status walk(rd *r, FILE *f)
{
    kz_jstream *js = NULL;
    kz_status st = kz_jstream_new(r->ctx, f, r->name, &js);
    int more = 0, bundle = 0;
    const char *key = NULL;
    json_t *v = NULL;
    kz_jkind kind;
    if (st != KZ_OK)
        return st;
    if ((st = kz_jstream_peek(js, &kind)) != KZ_OK)
        goto out;
    if (kind != KZ_JK_OBJECT) {
        st = kz_seterr(r->ctx, KZ_ERR_PARSE,
                       "%s:1:1: not a STIX bundle (a JSON object expected)",
                       r->name);
        goto out;
    }
    if ((st = kz_jstream_enter(js)) != KZ_OK)
        goto out;
    while ((st = kz_jstream_next(js, &more, &key)) == KZ_OK && more) {
        if (strcmp(key, "objects") == 0) {
            bundle = 1;
            if ((st = kz_jstream_peek(js, &kind)) != KZ_OK)
                goto out;
            if (kind != KZ_JK_ARRAY) {
                st = kz_jstream_decode(js, &v);
                kz_jstream_where(js, &r->line, &r->col);
                if (st == KZ_OK)
                    st = perr(r, "\"objects\" is not an array%s", NULL, NULL);
                goto out;
            }
            if ((st = kz_jstream_enter(js)) != KZ_OK)
                goto out;
            while ((st = kz_jstream_next(js, &more, NULL)) == KZ_OK && more) {
                if ((st = kz_jstream_decode(js, &v)) != KZ_OK)
                    goto out;
                kz_jstream_where(js, &r->line, &r->col);
                st = walk_object(r, v);
                json_decref(v);
                v = NULL;
                if (st != KZ_OK)
                    goto out;
            }
            if (st != KZ_OK)
                goto out;
        } else if (strcmp(key, "type") == 0) {
            if ((st = kz_jstream_decode(js, &v)) != KZ_OK)
                goto out;
            kz_jstream_where(js, &r->line, &r->col);
            if (!eq(json_string_value(v), "bundle")) {
                st = perr(r, "not a STIX bundle (type \"%.64s\")%s",
                          json_string_value(v) ? json_string_value(v) : "?",
                          NULL);
                goto out;
            }
            bundle = 1;
            json_decref(v);
            v = NULL;
        } else if ((st = kz_jstream_skip(js)) != KZ_OK) {
            goto out;
        }
    }
    if (st != KZ_OK)
        goto out;
    st = kz_jstream_end(js);
    if (st == KZ_OK && !bundle)
        st = kz_seterr(r->ctx, KZ_ERR_PARSE,
                       "%s:1:1: not a STIX bundle (no \"type\": \"bundle\" "
                       "and no \"objects\")",
                       r->name);
out:
    json_decref(v);
    kz_jstream_free(js);
    return st;
}

/* ---- reports ------------------------------------------------------------ */

static json_t *spool_read(rd *r, uint64_t off)
{
    json_error_t e;
    if (fseeko(r->spool, (off_t)off, SEEK_SET) != 0)
        return NULL;
    return json_loadf(r->spool, JSON_DISABLE_EOF_CHECK, &e);
}

static kz_status emit_report(rd *r, ent *rep)
{
    if (!rep->spooled)
        return KZ_OK;
    r->line = rep->line;
    r->col = 0;
    json_t *o = spool_read(r, rep->spool_off);
    if (!o)
        return kz_seterr(r->ctx, KZ_ERR_IO, "%s: spool read failed", r->name);
    kz_status st = KZ_OK;
    r->threats.n = 0;
    size_t k;
    json_t *ref;
    json_array_foreach(json_object_get(o, "object_refs"), k, ref)
    {
        ent *t = lookup(r, json_string_value(ref), 0, NULL);
        if (t && t->kind == E_THREAT)
            st = strv_put(r, &r->threats, t->name,
                          "stix report with too many threats");
        if (st != KZ_OK)
            goto out;
    }
    kz_intel_advisory a;
    memset(&a, 0, sizeof a);
    a.key = jstr(o, "id");
    a.title = jstr(o, "name");
    a.published = jtime(r, o, "published");
    a.summary = jstr(o, "description");
    a.tlp = tlp_of(r, o);
    json_array_foreach(json_object_get(o, "external_references"), k,
                       ref) if (!a.url && jstr(ref, "url")) a.url =
        jstr(ref, "url");
    ent *who = lookup(r, jstr(o, "created_by_ref"), 0, NULL);
    if (who && who->kind == E_IDENTITY)
        a.source = who->name;
    a.threats = r->threats.v;
    a.nthreats = r->threats.n;
    if (r->sink->advisory && (st = r->sink->advisory(r->sink->ud, &a)) != KZ_OK)
        goto out;
    for (uint32_t m = rep->members; m && st == KZ_OK; m = r->mem[m - 1].next) {
        json_t *x = spool_read(r, r->mem[m - 1].off);
        if (!x) {
            st = kz_seterr(r->ctx, KZ_ERR_IO, "%s: spool read failed", r->name);
            break;
        }
        r->line = r->mem[m - 1].line;
        st = emit_object(r, x);
        json_decref(x);
    }
out:
    json_decref(o);
    return st;
}

/* ---- entry point ------------------------------------------------------ */

/* A copy of the rest of f in a temporary file (for streams that cannot
 * seek). */
static kz_status spool_input(rd *r, FILE *f, FILE **out)
{
    *out = tmpfile();
    if (!*out)
        return kz_seterr(r->ctx, KZ_ERR_IO,
                         "%s: cannot create a temporary file", r->name);
    char *buf = kz_malloc(64 * 1024);
    if (!buf)
        return kz_seterr(r->ctx, KZ_ERR_NOMEM, "out of memory");
    kz_status st = KZ_OK;
    size_t n;
    while ((n = fread(buf, 1, 64 * 1024, f)) > 0)
        if (fwrite(buf, 1, n, *out) != n) {
            st = kz_seterr(r->ctx, KZ_ERR_IO, "%s: temporary file write failed",
                           r->name);
            break;
        }
    if (st == KZ_OK && ferror(f))
        st = kz_seterr(r->ctx, KZ_ERR_IO, "%s: read error", r->name);
    if (st == KZ_OK && fseeko(*out, 0, SEEK_SET) != 0)
        st = kz_seterr(r->ctx, KZ_ERR_IO, "%s: seek failed", r->name);
    kz_free(buf);
    return st;
}

kz_status kz_read_stix(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink)
{
    if (!f || !sink)
        return kz_seterr(ctx, KZ_ERR_INVALID, "kz_read_stix: no input");
    rd r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.sink = sink;
    r.name = o && o->name ? o->name : "-";
    FILE *in = f, *copy = NULL;
    kz_status st = KZ_OK;
    off_t start = ftello(f);
    if (start < 0 || fseeko(f, start, SEEK_SET) != 0) {
        clearerr(f);
        st = spool_input(&r, f, &copy);
        in = copy;
        start = 0;
    }
    if (st == KZ_OK) {
        r.pass = 1;
        st = walk(&r, in);
    }
    if (st == KZ_OK) {
        if (fseeko(in, start, SEEK_SET) != 0)
            st = kz_seterr(ctx, KZ_ERR_IO, "%s: cannot read the input again",
                           r.name);
        clearerr(in);
    }
    if (st == KZ_OK) {
        r.pass = 2;
        st = walk(&r, in);
    }
    for (size_t k = 0; k < r.nreports && st == KZ_OK; k++)
        st = emit_report(&r, &r.ents[r.reports[k]]);

    if (copy)
        fclose(copy);
    if (r.spool)
        fclose(r.spool);
    while (r.pool) {
        pool_chunk *n = r.pool->next;
        kz_free(r.pool);
        r.pool = n;
    }
    kz_free(r.ents);
    kz_free(r.slots);
    kz_free(r.links);
    kz_free(r.mem);
    kz_free(r.reports);
    kz_free(r.tags.v);
    kz_free(r.threats.v);
    kz_free(r.aliases.v);
    return st;
}
