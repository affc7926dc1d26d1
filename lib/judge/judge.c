/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The judge's lists: MISP warninglists and the allowlist, loaded from the
 * store into one small hash table each, and the checks of a value against
 * them (the rules are in kizashi/judge.h). Keys:
 *   'S' + the value in lower case         exact (string lists, allow entries)
 *   'H' + a host name                     the host and every name under it
 *                                         (of the same owner, for
 *                                         warninglists: see host_get)
 *   'Z' + a host name                     that name only: a zone that hands
 *                                         out names (".3322.org")
 *   'N' + prefix length + 16 address bytes  networks (and addresses: /128),
 *                                         IPv4 mapped (a /24 is 96 + 24)
 * A value is looked up under each key that can hold it: a host name under
 * each of its parent names, an address under each prefix length that some
 * network of the lists has (a bit set of 129 lengths).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/core_int.h"
#include "intel/store_int.h"
#include "kizashi/judge.h"

/* ---- a table of keys, each with the index of its reason ---------------- */

struct jrec {
    uint64_t h;
    uint32_t off, len; /* key in pool */
    uint32_t why;      /* index in whys */
};

struct jtab {
    struct jrec *slot; /* cap slots, h 0 = empty */
    size_t cap, n;
    char *pool;
    size_t pool_n, pool_cap;
    uint64_t lens[3]; /* prefix lengths present (0..128) */
};

static uint64_t jhash(const char *k, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1;
}

static int jtab_grow(struct jtab *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 256;
    struct jrec *ns = kz_calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slot[i].h)
            continue;
        size_t j = t->slot[i].h & (ncap - 1);
        while (ns[j].h)
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slot[i];
    }
    kz_free(t->slot);
    t->slot = ns;
    t->cap = ncap;
    return 0;
}

/* Adds key k (n bytes) with reason why, unless it is there (the first
 * reason stays). -1 when memory ran out. */
static int jtab_add(struct jtab *t, const char *k, size_t n, uint32_t why)
{
    if (n > 4096)
        return 0;
    if ((t->n + 1) * 2 > t->cap && jtab_grow(t) != 0)
        return -1;
    uint64_t h = jhash(k, n);
    size_t i = h & (t->cap - 1);
    while (t->slot[i].h) {
        struct jrec *r = &t->slot[i];
        if (r->h == h && r->len == n && memcmp(t->pool + r->off, k, n) == 0)
            return 0;
        i = (i + 1) & (t->cap - 1);
    }
    if (t->pool_n + n > t->pool_cap) {
        size_t nc = t->pool_cap ? t->pool_cap : 4096;
        while (nc < t->pool_n + n)
            nc *= 2;
        char *np = kz_realloc(t->pool, nc);
        if (!np)
            return -1;
        t->pool = np;
        t->pool_cap = nc;
    }
    memcpy(t->pool + t->pool_n, k, n);
    t->slot[i] = (struct jrec){h, (uint32_t)t->pool_n, (uint32_t)n, why};
    t->pool_n += n;
    t->n++;
    return 0;
}

/* The reason index of key k, or -1. */
static long jtab_get(const struct jtab *t, const char *k, size_t n)
{
    if (!t->n)
        return -1;
    uint64_t h = jhash(k, n);
    size_t i = h & (t->cap - 1);
    while (t->slot[i].h) {
        const struct jrec *r = &t->slot[i];
        if (r->h == h && r->len == n && memcmp(t->pool + r->off, k, n) == 0)
            return (long)r->why;
        i = (i + 1) & (t->cap - 1);
    }
    return -1;
}

static void jtab_free(struct jtab *t)
{
    kz_free(t->slot);
    kz_free(t->pool);
}

/* ---- the judge ------------------------------------------------------------
 */

struct substr {
    char *needle; /* lower case */
    uint32_t why;
};

struct kz_judge {
    kz_ctx *ctx;
    struct jtab allow, warn;
    char **whys; /* reasons, by index */
    size_t nwhys, whys_cap;
    struct substr *subs; /* warninglists of type substring */
    size_t nsubs, subs_cap;
    kz_judge_info info;
};

static long add_why(kz_judge *j, const char *s)
{
    /* Reasons repeat (one per list): the last one is usually the same. */
    if (j->nwhys && strcmp(j->whys[j->nwhys - 1], s) == 0)
        return (long)j->nwhys - 1;
    if (j->nwhys == j->whys_cap) {
        size_t nc = j->whys_cap ? j->whys_cap * 2 : 16;
        char **nw = kz_realloc(j->whys, nc * sizeof *nw);
        if (!nw)
            return -1;
        j->whys = nw;
        j->whys_cap = nc;
    }
    size_t n = strlen(s);
    char *c = kz_malloc(n + 1);
    if (!c)
        return -1;
    memcpy(c, s, n + 1);
    j->whys[j->nwhys] = c;
    return (long)j->nwhys++;
}

static size_t lower_copy(char *out, size_t cap, const char *s, size_t n)
{
    size_t k = n < cap - 1 ? n : cap - 1;
    for (size_t i = 0; i < k; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[k] = 0;
    return k;
}

static int add_exact(struct jtab *t, const char *v, size_t n, uint32_t why)
{
    char k[1024];
    k[0] = 'S';
    size_t m = lower_copy(k + 1, sizeof k - 1, v, n);
    if (m != n)
        return 0; /* too long to be useful */
    return jtab_add(t, k, m + 1, why);
}

static int add_host(struct jtab *t, const char *v, size_t n, uint32_t why)
{
    /* MISP hostname lists write ".example.com" for a zone whose names
     * belong to others (dynamic DNS providers: the list warns that a name
     * is one of theirs, not that it is harmless): the zone itself is
     * named, the names under it are not. "*.example.com" is the usual
     * hostname entry. */
    int zone = n > 1 && v[0] == '.';
    while (n && (*v == '.' || *v == '*')) {
        v++;
        n--;
    }
    while (n && v[n - 1] == '.')
        n--;
    if (!n)
        return 0;
    char k[300];
    k[0] = zone ? 'Z' : 'H';
    size_t m = lower_copy(k + 1, sizeof k - 1, v, n);
    if (m != n)
        return 0;
    return jtab_add(t, k, m + 1, why);
}

static void mask_addr(uint8_t a[16], unsigned len)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = len > i * 8 ? len - i * 8 : 0;
        if (bits >= 8)
            continue;
        a[i] &= (uint8_t)(0xff00u >> bits);
    }
}

static int add_net(struct jtab *t, const uint8_t addr[16], unsigned len,
                   uint32_t why)
{
    char k[18];
    uint8_t a[16];
    memcpy(a, addr, 16);
    mask_addr(a, len);
    k[0] = 'N';
    k[1] = (char)len;
    memcpy(k + 2, a, 16);
    t->lens[len / 64] |= 1ull << (len % 64);
    return jtab_add(t, k, sizeof k, why);
}

static int net_get(const struct jtab *t, const uint8_t addr[16], unsigned max,
                   long *why)
{
    for (unsigned len = 0; len <= max; len++) {
        if (!(t->lens[len / 64] & (1ull << (len % 64))))
            continue;
        char k[18];
        uint8_t a[16];
        memcpy(a, addr, 16);
        mask_addr(a, len);
        k[0] = 'N';
        k[1] = (char)len;
        memcpy(k + 2, a, 16);
        long w = jtab_get(t, k, sizeof k);
        if (w >= 0) {
            *why = w;
            return 1;
        }
    }
    return 0;
}

/* An address or a network written as text: added as a network. 1 when it
 * was one. */
static int add_ip_text(struct jtab *t, const char *v, size_t n, uint32_t why,
                       int *err)
{
    uint8_t a[16];
    int fam = 0;
    unsigned pre = 0;
    if (kz_norm_ip(v, n, a, &fam, NULL) == KZ_OK) {
        *err = add_net(t, a, 128, why);
        return 1;
    }
    if (kz_norm_cidr(v, n, a, &fam, &pre, NULL) == KZ_OK) {
        *err = add_net(t, a, fam == 4 ? 96 + pre : pre, why);
        return 1;
    }
    return 0;
}

static kz_status nomem(kz_judge *j)
{
    return kz_seterr(j->ctx, KZ_ERR_NOMEM, "judge: out of memory");
}

static kz_status load_warninglists(kz_judge *j, kz_store *st)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT w.id, w.name, w.type, e.value FROM"
                           " warninglist_entry e JOIN warninglist w ON"
                           " w.id=e.list_id ORDER BY w.id",
                           -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(st, "warninglists");
    int64_t cur = -1;
    long why = -1;
    const char *type = "";
    int rc, err = 0, regex = 0;
    char buf[600];
    while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        if (id != cur) {
            cur = id;
            const char *name = (const char *)sqlite3_column_text(s, 1);
            type = (const char *)sqlite3_column_text(s, 2);
            type = type ? type : "string";
            snprintf(buf, sizeof buf, "warninglist: %s", name ? name : "?");
            if ((why = add_why(j, buf)) < 0) {
                err = -1;
                break;
            }
            j->info.warninglists++;
            regex = strcmp(type, "regex") == 0;
            if (regex)
                j->info.regex_lists++;
        }
        const char *v = (const char *)sqlite3_column_text(s, 3);
        size_t n = (size_t)sqlite3_column_bytes(s, 3);
        if (!v || !n || regex)
            continue;
        j->info.warninglist_entries++;
        if (strcmp(type, "hostname") == 0) {
            /* a hostname list may hold addresses too */
            if (!add_ip_text(&j->warn, v, n, (uint32_t)why, &err))
                err = add_host(&j->warn, v, n, (uint32_t)why);
        } else if (strcmp(type, "cidr") == 0) {
            if (!add_ip_text(&j->warn, v, n, (uint32_t)why, &err))
                err = add_exact(&j->warn, v, n, (uint32_t)why);
        } else if (strcmp(type, "substring") == 0) {
            if (j->nsubs == j->subs_cap) {
                size_t nc = j->subs_cap ? j->subs_cap * 2 : 64;
                struct substr *ns = kz_realloc(j->subs, nc * sizeof *ns);
                if (!ns) {
                    err = -1;
                    break;
                }
                j->subs = ns;
                j->subs_cap = nc;
            }
            char *c = kz_malloc(n + 1);
            if (!c) {
                err = -1;
                break;
            }
            lower_copy(c, n + 1, v, n);
            j->subs[j->nsubs++] = (struct substr){c, (uint32_t)why};
        } else {
            /* string: the exact value; an address also as itself in any
             * of its forms */
            if (!add_ip_text(&j->warn, v, n, (uint32_t)why, &err))
                err = add_exact(&j->warn, v, n, (uint32_t)why);
        }
    }
    sqlite3_finalize(s);
    if (err)
        return nomem(j);
    return KZ_OK;
}

static kz_status load_allowlist(kz_judge *j, kz_store *st, kz_time now)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT type, value, reason, who, created FROM"
                           " allow_entry WHERE expires IS NULL OR expires=0"
                           " OR expires>?1 ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(st, "allowlist");
    sqlite3_bind_int64(s, 1, now);
    int rc, err = 0;
    while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_type t = (kz_type)sqlite3_column_int(s, 0);
        const char *v = (const char *)sqlite3_column_text(s, 1);
        size_t n = (size_t)sqlite3_column_bytes(s, 1);
        const char *reason = (const char *)sqlite3_column_text(s, 2);
        const char *who = (const char *)sqlite3_column_text(s, 3);
        char date[32], buf[700];
        kz_time_format(sqlite3_column_int64(s, 4), date);
        date[10] = 0; /* the day is enough here */
        snprintf(buf, sizeof buf, "allowlist: %.500s (%.64s, %s)",
                 reason ? reason : "", who ? who : "?", date);
        long why = add_why(j, buf);
        if (why < 0 || !v) {
            err = why < 0;
            continue;
        }
        j->info.allow_entries++;
        if (t == KZ_T_DOMAIN)
            err = add_host(&j->allow, v, n, (uint32_t)why);
        else if (t == KZ_T_IPV4 || t == KZ_T_IPV6 || t == KZ_T_CIDR)
            add_ip_text(&j->allow, v, n, (uint32_t)why, &err);
        else
            err = add_exact(&j->allow, v, n, (uint32_t)why);
    }
    sqlite3_finalize(s);
    if (err)
        return nomem(j);
    return KZ_OK;
}

kz_status kz_judge_load(kz_store *st, kz_time now, kz_judge **out)
{
    *out = NULL;
    kz_judge *j = kz_calloc(1, sizeof *j);
    if (!j)
        return kz_seterr(st->ctx, KZ_ERR_NOMEM, "judge: out of memory");
    j->ctx = st->ctx;
    if (!now)
        now = (kz_time)time(NULL);
    kz_status r = load_warninglists(j, st);
    if (r == KZ_OK)
        r = load_allowlist(j, st, now);
    if (r != KZ_OK) {
        kz_judge_free(j);
        return r;
    }
    *out = j;
    return KZ_OK;
}

void kz_judge_free(kz_judge *j)
{
    if (!j)
        return;
    jtab_free(&j->allow);
    jtab_free(&j->warn);
    for (size_t i = 0; i < j->nwhys; i++)
        kz_free(j->whys[i]);
    kz_free(j->whys);
    for (size_t i = 0; i < j->nsubs; i++)
        kz_free(j->subs[i].needle);
    kz_free(j->subs);
    kz_free(j);
}

void kz_judge_get_info(const kz_judge *j, kz_judge_info *out)
{
    *out = j->info;
}

/* ---- checks ---------------------------------------------------------------
 */

/* A host name under 'Z' (itself) and 'H' (itself and its parents). With
 * same_owner (warninglists), the parents stop at the name's registrable
 * domain (Public Suffix List, private section included): a list naming
 * cloudfront.net or a top site does not name d111.cloudfront.net, which
 * belongs to whoever registered it. The allowlist is an analyst's
 * decision about a domain and all of its names. */
static int host_get(const struct jtab *t, const char *h, size_t n,
                    int same_owner, long *why)
{
    while (n && h[n - 1] == '.')
        n--;
    if (!n || n > 255)
        return 0;
    char low[256], k[257];
    lower_copy(low, sizeof low, h, n);
    k[0] = 'Z';
    memcpy(k + 1, low, n);
    long w = jtab_get(t, k, n + 1);
    if (w >= 0) {
        *why = w;
        return 1;
    }
    size_t stop = 0; /* shortest parent looked at */
    if (same_owner) {
        char reg[256];
        size_t rl = 0;
        stop = kz_domain_registrable(low, n, reg, sizeof reg, &rl) == KZ_OK &&
                       rl <= n
                   ? rl
                   : n;
    }
    /* the name, then each parent: "a.b.c", "b.c", "c" */
    const char *p = low;
    size_t m = n;
    for (;;) {
        k[0] = 'H';
        memcpy(k + 1, p, m);
        w = jtab_get(t, k, m + 1);
        if (w >= 0) {
            *why = w;
            return 1;
        }
        const char *dot = memchr(p, '.', m);
        if (!dot)
            return 0;
        m -= (size_t)(dot + 1 - p);
        p = dot + 1;
        if (m < stop)
            return 0;
    }
}

/* One list: the value under every key that can hold it. */
static int check_tab(const struct jtab *t, kz_type ty, const char *v, size_t n,
                     int warn, long *why)
{
    if (!t->n)
        return 0;
    char k[1024];
    if (n + 1 < sizeof k) {
        k[0] = 'S';
        lower_copy(k + 1, sizeof k - 1, v, n);
        long w = jtab_get(t, k, n + 1);
        if (w >= 0) {
            *why = w;
            return 1;
        }
    }
    uint8_t a[16];
    int fam = 0;
    unsigned pre = 0;
    switch (ty) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
        if (kz_norm_ip(v, n, a, &fam, NULL) == KZ_OK)
            return net_get(t, a, 128, why);
        return 0;
    case KZ_T_CIDR:
        if (kz_norm_cidr(v, n, a, &fam, &pre, NULL) == KZ_OK)
            return net_get(t, a, fam == 4 ? 96 + pre : pre, why);
        return 0;
    case KZ_T_DOMAIN:
        return host_get(t, v, n, warn, why);
    case KZ_T_EMAIL: {
        const char *at = memchr(v, '@', n);
        if (!at)
            return 0;
        return host_get(t, at + 1, n - (size_t)(at + 1 - v), warn, why);
    }
    case KZ_T_URL: {
        const char *p = memchr(v, ':', n);
        if (!p || (size_t)(p - v) + 3 > n || p[1] != '/' || p[2] != '/')
            return 0;
        const char *h = p + 3, *e = v + n;
        const char *end = h;
        while (end < e && *end != '/' && *end != '?' && *end != '#')
            end++;
        const char *at = memchr(h, '@', (size_t)(end - h));
        if (at)
            h = at + 1;
        const char *hend = end;
        if (h < end && *h == '[') {
            const char *rb = memchr(h, ']', (size_t)(end - h));
            if (!rb)
                return 0;
            if (kz_norm_ip(h + 1, (size_t)(rb - h - 1), a, &fam, NULL) == KZ_OK)
                return net_get(t, a, 128, why);
            return 0;
        }
        const char *colon = memchr(h, ':', (size_t)(end - h));
        if (colon)
            hend = colon;
        if (kz_norm_ip(h, (size_t)(hend - h), a, &fam, NULL) == KZ_OK)
            return net_get(t, a, 128, why);
        /* A warninglist names a site, not every resource on it: a URL
         * with a path (a phishing form on a top site) is not named by
         * its host. */
        if (warn && e - end > 1)
            return 0;
        return host_get(t, h, (size_t)(hend - h), warn, why);
    }
    default:
        return 0;
    }
}

static int lower_has(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (!m || m > n)
        return 0;
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m && tolower((unsigned char)hay[i + k]) == needle[k])
            k++;
        if (k == m)
            return 1;
    }
    return 0;
}

int kz_judge_check(const kz_judge *j, kz_type t, const char *v, size_t n,
                   char *why, size_t cap)
{
    long w = -1;
    if (cap)
        why[0] = 0;
    if (!j || !v || !n)
        return 0;
    if (!check_tab(&j->allow, t, v, n, 0, &w) &&
        !check_tab(&j->warn, t, v, n, 1, &w))
        for (size_t i = 0; i < j->nsubs && w < 0; i++)
            if (lower_has(v, n, j->subs[i].needle))
                w = (long)j->subs[i].why;
    if (w < 0 || (size_t)w >= j->nwhys)
        return 0;
    if (cap)
        snprintf(why, cap, "%s", j->whys[w]);
    return 1;
}

kz_status kz_judge_ingest(kz_store *st, const kz_judge *j, int64_t add_id,
                          void (*fn)(void *ud, kz_type t, const char *value,
                                     const char *why),
                          void *ud, uint64_t *flagged)
{
    *flagged = 0;
    if (!j->allow.n && !j->warn.n && !j->nsubs)
        return KZ_OK;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT i.type, i.value FROM indicator i WHERE"
                           " i.id IN (SELECT indicator_id FROM provenance"
                           " WHERE ?1=0 OR last_add=?1) ORDER BY i.id",
                           -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(st, "flagged indicators");
    sqlite3_bind_int64(s, 1, add_id);
    int rc;
    char why[256];
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_type t = (kz_type)sqlite3_column_int(s, 0);
        const char *v = (const char *)sqlite3_column_text(s, 1);
        size_t n = (size_t)sqlite3_column_bytes(s, 1);
        if (v && kz_judge_check(j, t, v, n, why, sizeof why)) {
            (*flagged)++;
            if (fn)
                fn(ud, t, v, why);
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return kz_store_err(st, "flagged indicators");
    return KZ_OK;
}

/* ---- verdicts -------------------------------------------------------------
 */

const char *kz_level_name(kz_level l)
{
    switch (l) {
    case KZ_LEVEL_LOW:
        return "low";
    case KZ_LEVEL_MEDIUM:
        return "medium";
    case KZ_LEVEL_HIGH:
        return "high";
    case KZ_LEVEL_CRITICAL:
        return "critical";
    }
    return "unknown";
}

static kz_level level_of(int score)
{
    return score >= 90   ? KZ_LEVEL_CRITICAL
           : score >= 70 ? KZ_LEVEL_HIGH
           : score >= 40 ? KZ_LEVEL_MEDIUM
                         : KZ_LEVEL_LOW;
}

int kz_judge_score(const kz_index_entry *ind, kz_type obs_type,
                   kz_match_kind how, int expired)
{
    int conf =
        ind->confidence >= 0 && ind->confidence <= 100 ? ind->confidence : 50;
    int s = conf * 6 / 10;
    (void)obs_type;
    switch (how) {
    case KZ_MATCH_YARA:
        s += 25;
        break;
    case KZ_MATCH_LITERAL:
        s += 5;
        break;
    case KZ_MATCH_CIDR:
    case KZ_MATCH_PATH:
        break;
    case KZ_MATCH_SUBDOMAIN:
        s += 10;
        break;
    case KZ_MATCH_EXACT:
        switch (ind->type) {
        case KZ_T_MD5:
        case KZ_T_SHA1:
        case KZ_T_SHA256:
        case KZ_T_SHA512:
        case KZ_T_AUTHENTIHASH:
        case KZ_T_CERT_SHA1:
        case KZ_T_CERT_SHA256:
        case KZ_T_SIGNER:
            s += 30;
            break;
        case KZ_T_FILENAME:
        case KZ_T_FILEPATH:
            break;
        default:
            s += 20;
            break;
        }
        break;
    }
    if (ind->threats_len)
        s += 10;
    if (s > 100)
        s = 100;
    if (expired && s > 30)
        s = 30;
    return s;
}

void kz_judge_hit(const kz_judge *j, const kz_log_hit *h, kz_time now,
                  kz_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->is_new = -1;
    if (!now)
        now = (kz_time)time(NULL);
    const kz_index_entry *ind = &h->ind;
    kz_time at = h->time ? h->time : now;
    if (ind->valid_until && at > ind->valid_until) {
        v->expired = 1;
        v->expired_at = ind->valid_until;
    }
    if (ind->suppressed_len) {
        v->suppressed = 1;
        size_t n = ind->suppressed_len < sizeof v->why - 1 ? ind->suppressed_len
                                                           : sizeof v->why - 1;
        memcpy(v->why, ind->suppressed, n);
        v->why[n] = 0;
    } else if (j && (j->allow.n || j->warn.n || j->nsubs) && h->observed &&
               h->observed_len && h->obs_type) {
        /* the value seen, in canonical form */
        char norm[2048];
        size_t nl = 0;
        if (kz_normalize(h->obs_type, h->observed, h->observed_len, norm,
                         sizeof norm, &nl) == KZ_OK)
            v->suppressed =
                kz_judge_check(j, h->obs_type, norm, nl, v->why, sizeof v->why);
    }
    v->score = kz_judge_score(ind, h->obs_type, h->how, v->expired);
    v->level = level_of(v->score);
}
