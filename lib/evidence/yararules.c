/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YARA rules for a file sweep (yararules.h), with libyara.
 *
 * Every rule file is compiled in a namespace named after its path, so two
 * files may hold rules of the same name and a match says which file it
 * came from. libyara is initialized once per kz_yara (it counts) and its
 * compiled rules are shared by the workers, which scan with
 * yr_rules_scan_mem (thread-safe; libyara allows 32 threads at once,
 * which kz_hunt respects).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yara.h>

#include "core/core_int.h"
#include "evidence/yararules.h"

struct kz_yara {
    YR_RULES *rules;
    unsigned nrules, nfiles;
};

struct compile {
    kz_ctx *ctx;
    char first[512]; /* the first error */
    int errors;
};

static void on_compile(int level, const char *file, int line,
                       const YR_RULE *rule, const char *msg, void *ud)
{
    struct compile *c = ud;
    (void)rule;
    if (level != YARA_ERROR_LEVEL_ERROR)
        return; /* warnings (slow rules): not an error of ours */
    if (!c->errors++)
        snprintf(c->first, sizeof c->first, "%s:%d: %s", file ? file : "?",
                 line, msg ? msg : "error");
}

static int has_ext(const char *n)
{
    size_t k = strlen(n);
    return (k > 4 && strcmp(n + k - 4, ".yar") == 0) ||
           (k > 5 && strcmp(n + k - 5, ".yara") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static kz_status add_path(struct compile *c, YR_COMPILER *comp,
                          const char *path, unsigned depth, unsigned *files);

static kz_status add_dir(struct compile *c, YR_COMPILER *comp, const char *path,
                         unsigned depth, unsigned *files)
{
    DIR *d = opendir(path);
    if (!d)
        return kz_seterr(c->ctx, KZ_ERR_IO, "%s: cannot open: %s", path,
                         strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    kz_status st = KZ_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && st == KZ_OK) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = kz_realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = kz_seterr(c->ctx, KZ_ERR_NOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = kz_malloc(len);
        if (!names[n]) {
            st = kz_seterr(c->ctx, KZ_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(names[n++], len, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (st == KZ_OK && n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && st == KZ_OK; i++) {
        struct stat sb;
        if (stat(names[i], &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode) || (S_ISREG(sb.st_mode) && has_ext(names[i])))
            st = add_path(c, comp, names[i], depth + 1, files);
    }
    for (size_t i = 0; i < n; i++)
        kz_free(names[i]);
    kz_free(names);
    return st;
}

static kz_status add_path(struct compile *c, YR_COMPILER *comp,
                          const char *path, unsigned depth, unsigned *files)
{
    struct stat sb;
    if (depth > 32)
        return KZ_OK;
    if (stat(path, &sb) != 0)
        return kz_seterr(c->ctx, KZ_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return add_dir(c, comp, path, depth, files);
    if (!S_ISREG(sb.st_mode))
        return kz_seterr(c->ctx, KZ_ERR_IO, "%s: not a file of rules", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kz_seterr(c->ctx, KZ_ERR_IO, "%s: cannot open: %s", path,
                         strerror(errno));
    int errs = yr_compiler_add_fd(comp, fd, path, path);
    close(fd);
    (*files)++;
    if (errs)
        return kz_seterr(c->ctx, KZ_ERR_PARSE, "YARA rules: %s",
                         c->first[0] ? c->first : path);
    return KZ_OK;
}

kz_status kz_yara_load(kz_ctx *ctx, const char *const *paths, size_t n,
                       kz_yara **out)
{
    *out = NULL;
    if (yr_initialize() != ERROR_SUCCESS)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "libyara cannot start");
    kz_yara *y = kz_calloc(1, sizeof *y);
    YR_COMPILER *comp = NULL;
    if (!y || yr_compiler_create(&comp) != ERROR_SUCCESS) {
        kz_free(y);
        yr_finalize();
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    }
    struct compile c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    yr_compiler_set_callback(comp, on_compile, &c);
    kz_status st = KZ_OK;
    for (size_t i = 0; i < n && st == KZ_OK; i++)
        st = add_path(&c, comp, paths[i], 0, &y->nfiles);
    if (st == KZ_OK && !y->nfiles)
        st = kz_seterr(ctx, KZ_ERR_INVALID,
                       "--yara: no .yar or .yara file found");
    if (st == KZ_OK && yr_compiler_get_rules(comp, &y->rules) != ERROR_SUCCESS)
        st = kz_seterr(ctx, KZ_ERR_NOMEM, "YARA rules: out of memory");
    yr_compiler_destroy(comp);
    if (st != KZ_OK) {
        if (y->rules)
            yr_rules_destroy(y->rules);
        kz_free(y);
        yr_finalize();
        return st;
    }
    const YR_RULE *r;
    yr_rules_foreach(y->rules, r) y->nrules++;
    *out = y;
    return KZ_OK;
}

void kz_yara_free(kz_yara *y)
{
    if (!y)
        return;
    if (y->rules)
        yr_rules_destroy(y->rules);
    kz_free(y);
    yr_finalize();
}

void kz_yara_counts(const kz_yara *y, unsigned *rules, unsigned *files)
{
    *rules = y ? y->nrules : 0;
    *files = y ? y->nfiles : 0;
}

struct scan {
    const kz_yara *y;
    kz_yara_fn fn;
    void *ud;
    int too_many;
};

static int on_scan(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
    struct scan *s = ud;
    (void)ctx;
    if (msg == CALLBACK_MSG_TOO_MANY_MATCHES) {
        s->too_many = 1;
        return CALLBACK_CONTINUE;
    }
    if (msg != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    const YR_RULE *r = data;
    kz_yara_match m;
    memset(&m, 0, sizeof m);
    m.ordinal = (uint32_t)(r - s->y->rules->rules_table);
    m.rule = r->identifier;
    m.ruleset = r->ns && r->ns->name ? r->ns->name : "";
    char tags[512];
    size_t tn = 0;
    const char *tag;
    tags[0] = 0;
    yr_rule_tags_foreach(r, tag)
    {
        int k =
            snprintf(tags + tn, sizeof tags - tn, "%s%s", tn ? ", " : "", tag);
        if (k < 0 || (size_t)k >= sizeof tags - tn)
            break;
        tn += (size_t)k;
    }
    m.tags = tags;
    const YR_META *meta;
    yr_rule_metas_foreach(r, meta)
    {
        if (meta->type != META_TYPE_STRING || !meta->identifier ||
            !meta->string)
            continue;
        if (!m.description && strcmp(meta->identifier, "description") == 0)
            m.description = meta->string;
        if (!m.threat && (strcmp(meta->identifier, "threat") == 0 ||
                          strcmp(meta->identifier, "malware_family") == 0 ||
                          strcmp(meta->identifier, "malware") == 0))
            m.threat = meta->string;
    }
    s->fn(s->ud, &m);
    return CALLBACK_CONTINUE;
}

static int result(int rc, const struct scan *s, char *err, size_t cap)
{
    if (rc == ERROR_SUCCESS && !s->too_many)
        return 0;
    const char *why = rc == ERROR_SCAN_TIMEOUT ? "YARA scan timed out"
                      : rc == ERROR_TOO_MANY_MATCHES || s->too_many
                          ? "YARA: too many string matches (some rules not "
                            "evaluated)"
                      : rc == ERROR_COULD_NOT_MAP_FILE
                          ? "YARA could not map the file"
                          : "YARA scan failed";
    snprintf(err, cap, "%s", why);
    return -1;
}

int kz_yara_scan_mem(const kz_yara *y, const void *p, size_t n, kz_yara_fn fn,
                     void *ud, char *err, size_t errcap)
{
    struct scan s = {y, fn, ud, 0};
    int rc = yr_rules_scan_mem(y->rules, p, n, 0, on_scan, &s, KZ_YARA_TIMEOUT);
    return result(rc, &s, err, errcap);
}

int kz_yara_scan_fd(const kz_yara *y, int fd, kz_yara_fn fn, void *ud,
                    char *err, size_t errcap)
{
    struct scan s = {y, fn, ud, 0};
    int rc = yr_rules_scan_fd(y->rules, fd, 0, on_scan, &s, KZ_YARA_TIMEOUT);
    return result(rc, &s, err, errcap);
}
