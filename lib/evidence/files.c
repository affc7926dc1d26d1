/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files as evidence (files.h): digests in one read, names and paths.
 *
 * Path indicators are compiled once per sweep into lists of components,
 * matched against the last components of each file's path (a mounted
 * volume's root is wherever the sweep finds it): `C:\Windows\x.sys`
 * matches `/mnt/img/Windows/x.sys`. A leading drive letter is dropped, an
 * environment variable stands for its usual locations (`%APPDATA%` for
 * `Users/<any>/AppData/Roaming` and the XP-era `Documents and
 * Settings/<any>/Application Data`), Windows paths compare in any ASCII
 * case, Unix paths exactly; `*` and `?` are globs within one component.
 * A path indicator also names a directory: every file under it matches
 * (`C:\ProgramData\Microsoft\Oweboiqnb`, the folder an advisory names);
 * one that ends with a separator names only a directory. Patterns are kept
 * sorted by a hash of their last component, so a file costs one binary
 * search per component of its path whatever the number of path
 * indicators; only patterns whose last component is a glob are tried at
 * every component.
 */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/core_int.h"
#include "evidence/files.h"
#include "kizashi/limits.h"

/* The digests a sweep may compute, in kz_filehasher.md order. */
static const struct {
    kz_type type;
    const char *name;
    size_t len;
} dig[4] = {{KZ_T_MD5, "MD5", 16},
            {KZ_T_SHA1, "SHA1", 20},
            {KZ_T_SHA256, "SHA256", 32},
            {KZ_T_SHA512, "SHA512", 64}};

/* Bytes read at a time: large enough that a read costs nothing, small
 * enough that the block stays in L2 while every digest goes over it. */
#define KZF_BUF (256u << 10)

struct comp {
    uint32_t off; /* in fc->pool */
    uint16_t len;
    uint8_t wild; /* holds '*' or '?' */
    uint8_t pad;
};

struct pathpat {
    uint64_t key;   /* hash of the last component (folded); 0: tried always */
    uint32_t entry; /* the indicator */
    uint32_t comp;  /* first component in fc->comps */
    uint16_t ncomp;
    uint8_t fold; /* any ASCII case */
    uint8_t dir;  /* names a directory: files under it match */
    kz_type type; /* filepath, or filename (a glob) */
};

struct signer {
    uint32_t entry;
    char *value; /* as written */
    size_t n;
};

struct kz_filecheck {
    kz_ctx *ctx;
    const kz_index *ix;
    kz_typeset digests;
    const EVP_MD *md[4];
    EVP_MD *fetched[4];
    int names; /* exact file names in the index */
    struct pathpat *pats;
    size_t npats, keyed; /* pats[0, keyed) sorted by key; the rest always */
    struct comp *comps;
    size_t ncomps, compcap;
    char *pool;
    size_t pooln, poolcap;
    size_t paths, unusable;
    kz_typeset pe_wants;
    struct signer *signers; /* signer indicators */
    size_t nsigners;
    int oom;
};

/* ---- components ------------------------------------------------------- */

static inline unsigned char fold_c(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int kz_filecheck_comp_match(const char *pat, size_t pn, const char *s, size_t n,
                            int fold)
{
    /* Iterative, with one backtracking point (the last '*'): linear in
     * practice, at worst pn * n for a component of at most 255 bytes. */
    size_t p = 0, i = 0, star = (size_t)-1, mark = 0;
    while (i < n) {
        if (p < pn && pat[p] == '*') {
            star = p++;
            mark = i;
            continue;
        }
        if (p < pn && (pat[p] == '?' || (fold ? fold_c((unsigned char)pat[p]) ==
                                                    fold_c((unsigned char)s[i])
                                              : pat[p] == s[i]))) {
            p++;
            i++;
            continue;
        }
        if (star == (size_t)-1)
            return 0;
        p = star + 1;
        i = ++mark;
    }
    while (p < pn && pat[p] == '*')
        p++;
    return p == pn;
}

static uint64_t comp_key(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a, folded */
    for (size_t i = 0; i < n; i++) {
        h ^= fold_c((unsigned char)s[i]);
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

static int pool_add(kz_filecheck *fc, const char *s, size_t n, uint32_t *off)
{
    if (fc->pooln + n > fc->poolcap) {
        size_t cap = fc->poolcap ? fc->poolcap * 2 : 4096;
        while (cap < fc->pooln + n)
            cap *= 2;
        if (cap > UINT32_MAX)
            return -1;
        char *p = kz_realloc(fc->pool, cap);
        if (!p)
            return -1;
        fc->pool = p;
        fc->poolcap = cap;
    }
    memcpy(fc->pool + fc->pooln, s, n);
    *off = (uint32_t)fc->pooln;
    fc->pooln += n;
    return 0;
}

static int comp_add(kz_filecheck *fc, const char *s, size_t n)
{
    if (n > 255)
        return -1;
    if (fc->ncomps == fc->compcap) {
        size_t cap = fc->compcap ? fc->compcap * 2 : 256;
        struct comp *c = kz_realloc(fc->comps, cap * sizeof *c);
        if (!c)
            return -1;
        fc->comps = c;
        fc->compcap = cap;
    }
    struct comp *c = &fc->comps[fc->ncomps];
    memset(c, 0, sizeof *c);
    if (pool_add(fc, s, n, &c->off) != 0)
        return -1;
    c->len = (uint16_t)n;
    c->wild = memchr(s, '*', n) || memchr(s, '?', n);
    fc->ncomps++;
    return 0;
}

/* ---- path indicators ---------------------------------------------------- */

/* The usual locations of Windows environment variables on a volume, as
 * components relative to its root ("*": any one component). */
static const struct {
    const char *var;
    const char *where[3];
} env_dirs[] = {
    {"APPDATA",
     {"Users/*/AppData/Roaming", "Documents and Settings/*/Application Data",
      NULL}},
    {"LOCALAPPDATA",
     {"Users/*/AppData/Local",
      "Documents and Settings/*/Local Settings/Application Data", NULL}},
    {"TEMP",
     {"Users/*/AppData/Local/Temp", "Windows/Temp",
      "Documents and Settings/*/Local Settings/Temp"}},
    {"TMP",
     {"Users/*/AppData/Local/Temp", "Windows/Temp",
      "Documents and Settings/*/Local Settings/Temp"}},
    {"USERPROFILE", {"Users/*", "Documents and Settings/*", NULL}},
    {"HOMEPATH", {"Users/*", "Documents and Settings/*", NULL}},
    {"PUBLIC", {"Users/Public", NULL, NULL}},
    {"ALLUSERSPROFILE",
     {"ProgramData", "Documents and Settings/All Users", NULL}},
    {"PROGRAMDATA", {"ProgramData", "Documents and Settings/All Users", NULL}},
    {"WINDIR", {"Windows", NULL, NULL}},
    {"SYSTEMROOT", {"Windows", NULL, NULL}},
    {"SYSTEMDRIVE", {"", NULL, NULL}},
    {"HOMEDRIVE", {"", NULL, NULL}},
    {"PROGRAMFILES", {"Program Files", NULL, NULL}},
    {"PROGRAMW6432", {"Program Files", NULL, NULL}},
    {"PROGRAMFILES(X86)", {"Program Files (x86)", NULL, NULL}},
    {"COMMONPROGRAMFILES", {"Program Files/Common Files", NULL, NULL}},
    {"COMMONPROGRAMFILES(X86)",
     {"Program Files (x86)/Common Files", NULL, NULL}},
    {"COMMONPROGRAMW6432", {"Program Files/Common Files", NULL, NULL}},
};

struct split {
    const char *s[KZ_MAX_PATH / 2 + 1];
    size_t n[KZ_MAX_PATH / 2 + 1];
    size_t count;
};

/* Splits s at '/' and '\\' (empty components dropped). */
static void split_path(const char *s, size_t n, struct split *sp)
{
    sp->count = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == '/' || s[i] == '\\'))
            i++;
        size_t a = i;
        while (i < n && s[i] != '/' && s[i] != '\\')
            i++;
        if (i > a && sp->count < sizeof sp->s / sizeof sp->s[0]) {
            sp->s[sp->count] = s + a;
            sp->n[sp->count++] = i - a;
        }
    }
}

/* Adds one pattern: the components of prefix (a usual location, may be
 * "") followed by rest's. */
static int add_pattern(kz_filecheck *fc, uint32_t entry, kz_type type,
                       const char *prefix, const struct split *rest,
                       size_t from, int fold, int dir)
{
    struct split *pre = kz_malloc(sizeof *pre);
    if (!pre)
        return -1;
    split_path(prefix, strlen(prefix), pre);
    size_t first = fc->ncomps, k = 0;
    int bad = 0;
    for (size_t i = 0; i < pre->count && !bad; i++, k++)
        bad = comp_add(fc, pre->s[i], pre->n[i]) != 0;
    for (size_t i = from; i < rest->count && !bad; i++, k++)
        bad = comp_add(fc, rest->s[i], rest->n[i]) != 0;
    kz_free(pre);
    if (bad || k == 0 || k > UINT16_MAX || first > UINT32_MAX)
        return bad ? -1 : 0;
    if (fc->npats % 64 == 0) {
        struct pathpat *p =
            kz_realloc(fc->pats, (fc->npats + 64) * sizeof *fc->pats);
        if (!p)
            return -1;
        fc->pats = p;
    }
    struct pathpat *p = &fc->pats[fc->npats++];
    memset(p, 0, sizeof *p);
    p->entry = entry;
    p->comp = (uint32_t)first;
    p->ncomp = (uint16_t)k;
    p->fold = (uint8_t)fold;
    p->dir = (uint8_t)dir;
    p->type = type;
    const struct comp *last = &fc->comps[first + k - 1];
    p->key = last->wild ? 0 : comp_key(fc->pool + last->off, last->len);
    return 0;
}

/* Compiles one path (or glob file name) indicator. */
static void compile_path(kz_filecheck *fc, uint32_t entry, kz_type type,
                         const char *v, size_t n)
{
    struct split *sp = kz_malloc(sizeof *sp);
    if (!sp) {
        fc->oom = 1;
        return;
    }
    split_path(v, n, sp);
    int unc = n >= 2 && (v[0] == '\\' || v[0] == '/') &&
              (v[1] == '\\' || v[1] == '/');
    int win = memchr(v, '\\', n) != NULL || (n >= 2 && v[1] == ':') ||
              (n && v[0] == '%') || (n >= 5 && strncasecmp(v, "$env:", 5) == 0);
    int dir = n && (v[n - 1] == '/' || v[n - 1] == '\\');
    int fold = win || type == KZ_T_FILENAME;
    size_t from = 0;
    const char *const *where = NULL;
    static const char *const root[1] = {""};
    static const char *const home[3] = {"home/*", "root", NULL};
    size_t nwhere = 1;
    where = root;
    if (sp->count == 0 || unc) {
        fc->unusable++;
        kz_free(sp);
        return;
    }
    const char *c0 = sp->s[0];
    size_t n0 = sp->n[0];
    for (size_t i = 0; i < sp->count; i++)
        if ((sp->n[i] == 1 && sp->s[i][0] == '.') ||
            (sp->n[i] == 2 && sp->s[i][0] == '.' && sp->s[i][1] == '.')) {
            fc->unusable++; /* "." and "..": not a location */
            kz_free(sp);
            return;
        }
    if (n0 == 2 && c0[1] == ':' &&
        ((c0[0] | 0x20) >= 'a' && (c0[0] | 0x20) <= 'z')) {
        from = 1; /* C: -- the volume's root */
    } else if ((n0 >= 3 && c0[0] == '%' && c0[n0 - 1] == '%') ||
               (n0 > 5 && strncasecmp(c0, "$env:", 5) == 0)) {
        const char *var = c0[0] == '%' ? c0 + 1 : c0 + 5;
        size_t vn = c0[0] == '%' ? n0 - 2 : n0 - 5;
        where = NULL;
        for (size_t i = 0; i < sizeof env_dirs / sizeof env_dirs[0]; i++)
            if (strlen(env_dirs[i].var) == vn &&
                strncasecmp(env_dirs[i].var, var, vn) == 0)
                where = env_dirs[i].where;
        if (!where) {
            fc->unusable++; /* no usual location known */
            kz_free(sp);
            return;
        }
        nwhere = 3;
        from = 1;
    } else if (n0 == 1 && c0[0] == '~') {
        where = home;
        nwhere = 2;
        from = 1;
    }
    fc->paths++;
    for (size_t i = 0; i < nwhere && where[i]; i++)
        if (add_pattern(fc, entry, type, where[i], sp, from, fold, dir) != 0)
            fc->oom = 1;
    kz_free(sp);
}

static void on_path_entry(void *ud, uint32_t entry, kz_match_kind how)
{
    kz_filecheck *fc = ud;
    (void)how;
    kz_index_entry e;
    if (kz_index_entry_get(fc->ix, entry, &e) != KZ_OK || !e.value_len ||
        e.value_len > KZ_MAX_PATH)
        return;
    if (e.type == KZ_T_FILENAME) {
        /* exact names are in the index's table; globs are patterns */
        if (!memchr(e.value, '*', e.value_len) &&
            !memchr(e.value, '?', e.value_len))
            return;
    }
    compile_path(fc, entry, e.type, e.value, e.value_len);
}

/* The kinds of authentihash the index holds, by their lengths. */
static void on_authentihash(void *ud, uint32_t entry, kz_match_kind how)
{
    kz_filecheck *fc = ud;
    (void)how;
    kz_index_entry e;
    if (kz_index_entry_get(fc->ix, entry, &e) != KZ_OK)
        return;
    fc->pe_wants |= e.value_len == 32   ? 1u << KZ_T_MD5
                    : e.value_len == 40 ? 1u << KZ_T_SHA1
                    : e.value_len == 64 ? 1u << KZ_T_SHA256
                                        : 0;
}

static void on_signer(void *ud, uint32_t entry, kz_match_kind how)
{
    kz_filecheck *fc = ud;
    (void)how;
    kz_index_entry e;
    if (kz_index_entry_get(fc->ix, entry, &e) != KZ_OK || !e.value_len)
        return;
    if (fc->nsigners % 16 == 0) {
        struct signer *ns =
            kz_realloc(fc->signers, (fc->nsigners + 16) * sizeof *ns);
        if (!ns) {
            fc->oom = 1;
            return;
        }
        fc->signers = ns;
    }
    char *v = kz_malloc(e.value_len + 1);
    if (!v) {
        fc->oom = 1;
        return;
    }
    memcpy(v, e.value, e.value_len);
    v[e.value_len] = 0;
    fc->signers[fc->nsigners].entry = entry;
    fc->signers[fc->nsigners].value = v;
    fc->signers[fc->nsigners].n = e.value_len;
    fc->nsigners++;
}

kz_typeset kz_filecheck_pe_wants(const kz_filecheck *fc)
{
    return fc ? fc->pe_wants : 0;
}

static int cmp_pat(const void *a, const void *b)
{
    const struct pathpat *x = a, *y = b;
    /* keyed ones first, by key; then the ones tried always, in order */
    if ((x->key == 0) != (y->key == 0))
        return x->key == 0 ? 1 : -1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

kz_status kz_filecheck_new(kz_ctx *ctx, const kz_index *ix, kz_filecheck **out)
{
    *out = NULL;
    kz_filecheck *fc = kz_calloc(1, sizeof *fc);
    if (!fc)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    fc->ctx = ctx;
    fc->ix = ix;
    kz_index_info info;
    kz_index_get_info(ix, &info);
    for (int i = 0; i < 4; i++) {
        if (!info.count[dig[i].type])
            continue;
        fc->fetched[i] = EVP_MD_fetch(NULL, dig[i].name, NULL);
        fc->md[i] = fc->fetched[i];
        if (!fc->md[i]) {
            kz_filecheck_free(fc);
            return kz_seterr(ctx, KZ_ERR_UNSUPPORTED,
                             "OpenSSL offers no %s digest", dig[i].name);
        }
        fc->digests |= 1u << dig[i].type;
    }
    fc->names = info.count[KZ_T_FILENAME] > 0;
    if (info.count[KZ_T_AUTHENTIHASH])
        kz_index_each(ix, 1u << KZ_T_AUTHENTIHASH, on_authentihash, fc);
    if (info.count[KZ_T_CERT_SHA1] || info.count[KZ_T_CERT_SHA256])
        fc->pe_wants |= 1u << KZ_T_CERT_SHA1;
    if (info.count[KZ_T_SIGNER]) {
        kz_index_each(ix, 1u << KZ_T_SIGNER, on_signer, fc);
        if (fc->nsigners)
            fc->pe_wants |= 1u << KZ_T_SIGNER;
    }
    if (info.count[KZ_T_FILEPATH] || info.count[KZ_T_FILENAME])
        kz_index_each(ix,
                      (1u << KZ_T_FILEPATH) |
                          (info.count[KZ_T_FILENAME] ? 1u << KZ_T_FILENAME : 0),
                      on_path_entry, fc);
    if (fc->oom) {
        kz_filecheck_free(fc);
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    }
    if (fc->npats)
        qsort(fc->pats, fc->npats, sizeof *fc->pats, cmp_pat);
    while (fc->keyed < fc->npats && fc->pats[fc->keyed].key)
        fc->keyed++;
    *out = fc;
    return KZ_OK;
}

void kz_filecheck_free(kz_filecheck *fc)
{
    if (!fc)
        return;
    for (int i = 0; i < 4; i++)
        EVP_MD_free(fc->fetched[i]);
    for (size_t i = 0; i < fc->nsigners; i++)
        kz_free(fc->signers[i].value);
    kz_free(fc->signers);
    kz_free(fc->pats);
    kz_free(fc->comps);
    kz_free(fc->pool);
    kz_free(fc);
}

int kz_filecheck_active(const kz_filecheck *fc)
{
    return fc && (fc->digests || fc->names || fc->npats || fc->pe_wants);
}

kz_typeset kz_filecheck_digests(const kz_filecheck *fc)
{
    return fc ? fc->digests : 0;
}

void kz_filecheck_counts(const kz_filecheck *fc, size_t *paths,
                         size_t *unusable)
{
    *paths = fc ? fc->paths : 0;
    *unusable = fc ? fc->unusable : 0;
}

/* ---- names and paths ------------------------------------------------------
 */

struct fname_cb {
    const kz_filecheck *fc;
    kz_filecheck_fn fn;
    void *ud;
    const char *base;
    size_t n;
};

static void on_name(void *ud, uint32_t entry, kz_match_kind how)
{
    struct fname_cb *c = ud;
    c->fn(c->ud, entry, how, KZ_T_FILENAME, c->base, c->n, "file.name");
}

/* Does pattern p match path components sp[at, at + p->ncomp)? */
static int pat_at(const kz_filecheck *fc, const struct pathpat *p,
                  const struct split *sp, size_t at)
{
    for (size_t k = 0; k < p->ncomp; k++) {
        const struct comp *c = &fc->comps[p->comp + k];
        const char *s = sp->s[at + k];
        size_t n = sp->n[at + k];
        if (c->wild) {
            if (!kz_filecheck_comp_match(fc->pool + c->off, c->len, s, n,
                                         p->fold))
                return 0;
        } else if (c->len != n ||
                   (p->fold ? strncasecmp(fc->pool + c->off, s, n) != 0
                            : memcmp(fc->pool + c->off, s, n) != 0)) {
            return 0;
        }
    }
    return 1;
}

/* Does pattern p end at component c of the path (c + 1 == sp->count: the
 * file itself; else a directory above it)? */
static int pat_match(const kz_filecheck *fc, const struct pathpat *p,
                     const struct split *sp, size_t c)
{
    int self = c + 1 == sp->count;
    if ((self && p->dir) || (!self && p->type == KZ_T_FILENAME))
        return 0; /* a directory indicator; a name is the file's own */
    return p->ncomp <= c + 1 && pat_at(fc, p, sp, c + 1 - p->ncomp);
}

static void pat_hit(const kz_filecheck *fc, const struct pathpat *p,
                    const char *path, size_t n, const char *base, size_t bn,
                    kz_filecheck_fn fn, void *ud)
{
    if (p->type == KZ_T_FILENAME)
        fn(ud, p->entry, KZ_MATCH_EXACT, KZ_T_FILENAME, base, bn, "file.name");
    else
        fn(ud, p->entry, KZ_MATCH_PATH, KZ_T_FILEPATH, path, n, "file.path");
    (void)fc;
}

void kz_filecheck_names(const kz_filecheck *fc, const char *path,
                        kz_filecheck_fn fn, void *ud)
{
    size_t n = strlen(path);
    const char *slash = memrchr(path, '/', n);
    const char *base = slash ? slash + 1 : path;
    size_t bn = n - (size_t)(base - path);
    if (fc->names && bn) {
        struct fname_cb c = {fc, fn, ud, base, bn};
        kz_index_lookup_filename(fc->ix, base, bn, on_name, &c);
    }
    if (!fc->npats || !bn)
        return;
    struct split *sp = kz_malloc(sizeof *sp);
    if (!sp)
        return;
    /* The file's own path: '/' separates; a backslash is part of a name on
     * the file systems a sweep walks. */
    sp->count = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && path[i] == '/')
            i++;
        size_t a = i;
        while (i < n && path[i] != '/')
            i++;
        if (i > a && sp->count < sizeof sp->s / sizeof sp->s[0]) {
            sp->s[sp->count] = path + a;
            sp->n[sp->count++] = i - a;
        }
    }
    /* The file itself first, then each directory above it, nearest first:
     * the patterns ending at that component (by key), then the globs. */
    for (size_t c = sp->count; c-- > 0;) {
        uint64_t key = comp_key(sp->s[c], sp->n[c]);
        size_t lo = 0, hi = fc->keyed;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (fc->pats[mid].key < key)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t i = lo; i < fc->keyed && fc->pats[i].key == key; i++)
            if (pat_match(fc, &fc->pats[i], sp, c))
                pat_hit(fc, &fc->pats[i], path, n, base, bn, fn, ud);
        for (size_t i = fc->keyed; i < fc->npats; i++)
            if (pat_match(fc, &fc->pats[i], sp, c))
                pat_hit(fc, &fc->pats[i], path, n, base, bn, fn, ud);
    }
    kz_free(sp);
}

/* ---- digests ------------------------------------------------------------ */

int kz_filehasher_init(kz_filehasher *fh, const kz_filecheck *fc)
{
    memset(fh, 0, sizeof *fh);
    for (int i = 0; i < 4; i++)
        if (fc->md[i] && !(fh->md[i] = EVP_MD_CTX_new())) {
            kz_filehasher_free(fh);
            return -1;
        }
    if (fc->digests) {
        fh->buf = kz_malloc(KZF_BUF);
        if (!fh->buf) {
            kz_filehasher_free(fh);
            return -1;
        }
        fh->cap = KZF_BUF;
    }
    return 0;
}

void kz_filehasher_free(kz_filehasher *fh)
{
    for (int i = 0; i < 4; i++)
        EVP_MD_CTX_free(fh->md[i]);
    kz_free(fh->buf);
    memset(fh, 0, sizeof *fh);
}

static uint8_t *digest_slot(kz_file_info *info, int i)
{
    switch (i) {
    case 0:
        return info->md5;
    case 1:
        return info->sha1;
    case 2:
        return info->sha256;
    default:
        return info->sha512;
    }
}

int kz_filecheck_hash_begin(const kz_filecheck *fc, kz_filehasher *fh)
{
    for (int i = 0; i < 4; i++)
        if (fc->md[i] && !EVP_DigestInit_ex2(fh->md[i], fc->md[i], NULL))
            return EIO;
    return 0;
}

int kz_filecheck_hash_update(const kz_filecheck *fc, kz_filehasher *fh,
                             const void *p, size_t n)
{
    for (int i = 0; i < 4; i++)
        if (fc->md[i] && !EVP_DigestUpdate(fh->md[i], p, n))
            return EIO;
    return 0;
}

int kz_filecheck_hash_end(const kz_filecheck *fc, kz_filehasher *fh,
                          kz_file_info *info)
{
    info->digests = 0;
    for (int i = 0; i < 4; i++) {
        if (!fc->md[i])
            continue;
        unsigned len = 0;
        if (!EVP_DigestFinal_ex(fh->md[i], digest_slot(info, i), &len) ||
            len != dig[i].len)
            return EIO;
        info->digests |= 1u << dig[i].type;
    }
    return 0;
}

int kz_filecheck_hash(const kz_filecheck *fc, kz_filehasher *fh, int fd,
                      kz_file_info *info, uint64_t *bytes, unsigned char *head,
                      size_t headcap, size_t *headn)
{
    *bytes = 0;
    *headn = 0;
    info->digests = 0;
    if (!fc->digests)
        return 0;
    if (kz_filecheck_hash_begin(fc, fh) != 0)
        return EIO;
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        ssize_t got = read(fd, fh->buf, fh->cap);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (got == 0)
            break;
        if (*headn < headcap) { /* the first bytes, for the caller */
            size_t k =
                headcap - *headn < (size_t)got ? headcap - *headn : (size_t)got;
            memcpy(head + *headn, fh->buf, k);
            *headn += k;
        }
        *bytes += (uint64_t)got;
        if (kz_filecheck_hash_update(fc, fh, fh->buf, (size_t)got) != 0)
            return EIO;
    }
    return kz_filecheck_hash_end(fc, fh, info);
}

struct typed_cb {
    const kz_filecheck *fc;
    kz_filecheck_fn fn;
    void *ud;
    kz_type want; /* the indicator type that may match */
    kz_type obs;
    const char *field;
    char hex[129];
    size_t n;
};

/* A digest's hit counts only against indicators of its own type: a file's
 * MD5 is no JA3, its SHA-256 no authentihash. */
static void on_typed(void *ud, uint32_t entry, kz_match_kind how)
{
    struct typed_cb *c = ud;
    kz_index_entry e;
    if (kz_index_entry_get(c->fc->ix, entry, &e) != KZ_OK || e.type != c->want)
        return;
    c->fn(c->ud, entry, how, c->obs, c->hex, c->n, c->field);
}

static void typed_lookup(const kz_filecheck *fc, const uint8_t *d, size_t n,
                         kz_type want, const char *field, kz_filecheck_fn fn,
                         void *ud)
{
    struct typed_cb c;
    c.fc = fc;
    c.fn = fn;
    c.ud = ud;
    c.want = want;
    c.obs = want;
    c.field = field;
    kz_hex_format(d, n, c.hex);
    c.n = 2 * n;
    kz_index_lookup_digest(fc->ix, d, n, on_typed, &c);
}

/* ---- PE files --------------------------------------------------------- */

/* The value of attribute key ("CN", "O") in an RFC 2253 name: *p, *n. */
static int dn_attr(const char *dn, const char *key, const char **p, size_t *n)
{
    size_t kn = strlen(key);
    const char *s = dn;
    while (*s) {
        if (strncmp(s, key, kn) == 0 && s[kn] == '=') {
            const char *v = s + kn + 1;
            size_t k = 0;
            while (v[k] && !(v[k] == ',' && (k == 0 || v[k - 1] != '\\')))
                k++;
            *p = v;
            *n = k;
            return 1;
        }
        /* to the next attribute: past an unescaped ',' */
        while (*s && !(*s == ',' && (s == dn || s[-1] != '\\')))
            s++;
        if (*s)
            s++;
    }
    return 0;
}

/* Signer indicators: equal, in any ASCII case, to the signer's CN, its O
 * or its whole subject. */
static void match_signer(const kz_filecheck *fc, const kz_pe_facts *pe,
                         kz_filecheck_fn fn, void *ud)
{
    const char *subj = pe->signer.subject;
    const char *cn = NULL, *o = NULL;
    size_t cnn = 0, on = 0;
    dn_attr(subj, "CN", &cn, &cnn);
    dn_attr(subj, "O", &o, &on);
    for (size_t i = 0; i < fc->nsigners; i++) {
        const struct signer *g = &fc->signers[i];
        int hit =
            (g->n == strlen(subj) && strncasecmp(g->value, subj, g->n) == 0) ||
            (cn && g->n == cnn && strncasecmp(g->value, cn, cnn) == 0) ||
            (o && g->n == on && strncasecmp(g->value, o, on) == 0);
        if (hit)
            fn(ud, g->entry, KZ_MATCH_EXACT, KZ_T_SIGNER, subj, strlen(subj),
               "file.code_signature.subject_name");
    }
}

void kz_filecheck_lookup_digests(const kz_filecheck *fc,
                                 const kz_file_info *info, kz_filecheck_fn fn,
                                 void *ud)
{
    static const char *const field[4] = {"file.hash.md5", "file.hash.sha1",
                                         "file.hash.sha256",
                                         "file.hash.sha512"};
    for (int i = 0; i < 4; i++)
        if (info->digests & (1u << dig[i].type))
            typed_lookup(fc, digest_slot((kz_file_info *)info, i), dig[i].len,
                         dig[i].type, field[i], fn, ud);
}

void kz_filecheck_lookup_pe(const kz_filecheck *fc, const kz_pe_facts *pe,
                            kz_filecheck_fn fn, void *ud)
{
    if (pe->authentihash & (1u << KZ_T_MD5))
        typed_lookup(fc, pe->ah_md5, 16, KZ_T_AUTHENTIHASH,
                     "file.pe.authentihash", fn, ud);
    if (pe->authentihash & (1u << KZ_T_SHA1))
        typed_lookup(fc, pe->ah_sha1, 20, KZ_T_AUTHENTIHASH,
                     "file.pe.authentihash", fn, ud);
    if (pe->authentihash & (1u << KZ_T_SHA256))
        typed_lookup(fc, pe->ah_sha256, 32, KZ_T_AUTHENTIHASH,
                     "file.pe.authentihash", fn, ud);
    if (fc->nsigners && pe->signer.subject[0])
        match_signer(fc, pe, fn, ud);
    if (!(fc->pe_wants & (1u << KZ_T_CERT_SHA1)))
        return;
    for (unsigned i = 0; i < pe->nchain; i++) {
        typed_lookup(fc, pe->chain[i].sha1, 20, KZ_T_CERT_SHA1,
                     "file.code_signature.certificate.sha1", fn, ud);
        typed_lookup(fc, pe->chain[i].sha256, 32, KZ_T_CERT_SHA256,
                     "file.code_signature.certificate.sha256", fn, ud);
    }
}
