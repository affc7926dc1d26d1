/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi intel`: the intel store. add (every reader, format detected),
 * list, show, search, rm, expire, stats. Human output by default, --json
 * everywhere: both come from the store's JSON answers, so they show the
 * same facts. Every value printed for a person goes through put_esc
 * (control characters escaped: values are hostile).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum {
    O_HELP = 1,
    O_DB,
    O_JSON,
    O_FORMAT,
    O_TYPE,
    O_MAP,
    O_SOURCE,
    O_FEED,
    O_DRY,
    O_QUIET,
    O_ADVISORY,
    O_ALL,
    O_LIMIT,
    O_BEFORE,
    O_THREAT
};

static const struct cli_opt intel_opts[] = {
    {O_HELP, 'h', "help", NULL, "show this help and exit"},
    {O_DB, 0, "db", "PATH", "the store (default $KIZASHI_HOME/intel.db)"},
    {O_JSON, 0, "json", NULL, "print JSON instead of text"},
    {O_FORMAT, 'f', "format", "FMT",
     "add: force the format (text stix misp misp-feed csv list loki openioc "
     "loldrivers warninglist)"},
    {O_TYPE, 't', "type", "TYPE",
     "add: type of every value of a list; list: only this type"},
    {O_MAP, 0, "map", "COL=FIELD,...", "add: CSV column mapping"},
    {O_SOURCE, 's', "source", "NAME",
     "add: source name (default: the feed); list: only this source"},
    {O_FEED, 0, "feed", "NAME",
     "add: feed identity across versions (default: the file name)"},
    {O_DRY, 'n', "dry-run", NULL, "add: read and report, store nothing"},
    {O_QUIET, 'q', "quiet", NULL, "no warnings about single values"},
    {O_ADVISORY, 'a', "advisory", "ID", "list indicators: of this advisory"},
    {O_ALL, 0, "all", NULL,
     "list indicators: also inactive (vanished, expired) ones"},
    {O_LIMIT, 0, "limit", "N", "list indicators: at most N"},
    {O_THREAT, 0, "threat", "NAME",
     "add: the threat the input is about (aliases are resolved)"},
    {O_BEFORE, 0, "before", "DATE",
     "expire: everything first added before DATE"},
    {0, 0, NULL, NULL, NULL},
};

static void intel_more_help(FILE *f)
{
    fputs("\nCommands:\n"
          "  add FILE...|DIR|-        ingest advisories and feeds (one "
          "transaction each)\n"
          "  list [advisories|feeds|sources|threats|indicators|warninglists]\n"
          "  show [indicator|advisory] ID\n"
          "  search VALUE...          every indicator a value is or falls "
          "under\n"
          "  rm advisory ID | feed NAME | source NAME | indicator ID |\n"
          "     warninglist NAME\n"
          "  expire indicator ID | advisory ID | feed NAME | --before DATE\n"
          "  stats\n"
          "\nA directory holding manifest.json is a MISP feed; any other "
          "directory\nis added file by file. Adding the same content again "
          "changes only\nlast-seen; a newer version of a feed marks what "
          "vanished from it as\ninactive. Exit status: 0 ok (search: found), "
          "1 search found nothing,\n2 error (that input is not stored).\n",
          f);
}

static const struct cli_spec intel_spec = {
    "intel", "COMMAND [ARG...]", "keep advisories, feeds and their indicators",
    intel_opts, intel_more_help};

struct iopts {
    const char *db;
    int json, dry, quiet, all;
    kz_intel_format format;
    kz_type type;
    const char *map, *source, *feed, *before, *threat;
    int64_t advisory;
    uint64_t limit;
};

/* ---- output -------------------------------------------------------------- */

/* s escaped for the terminal by the sinks' rules (control characters,
 * invalid UTF-8, C1 and bidirectional controls); "-" for NULL. */
static void put_esc(FILE *f, const char *s)
{
    if (!s)
        fputs("-", f);
    else
        kz_write_escaped_text(f, s, strlen(s));
}

static void put_json_scalar(FILE *f, json_t *v)
{
    if (!v || json_is_null(v))
        fputs("-", f);
    else if (json_is_string(v))
        put_esc(f, json_string_value(v));
    else if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v))
        fputs("yes", f);
    else if (json_is_false(v))
        fputs("no", f);
    else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        put_esc(f, t);
        free(t);
    }
}

/* The elements of arr (or their member field), separated by ", ". */
static void put_list(json_t *arr, const char *field)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
    {
        if (i)
            printf(", ");
        put_json_scalar(stdout, field ? json_object_get(x, field) : x);
    }
}

/* A text field, indented, first lines only. */
static void put_block(const char *label, json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || !*s)
        return;
    printf("  %s:\n", label);
    int lines = 0;
    const char *p = s;
    while (*p && lines < 12) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n) {
            char *line = strndup(p, n > 300 ? 300 : n);
            fputs("    ", stdout);
            put_esc(stdout, line);
            fputs(n > 300 ? "...\n" : "\n", stdout);
            free(line);
            lines++;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (*p && lines >= 12)
        printf("    ...\n");
}

static void print_table(json_t *arr, const char *const *cols,
                        const char *const *heads)
{
    size_t ncol = 0;
    while (cols[ncol])
        ncol++;
    for (size_t c = 0; c < ncol; c++)
        printf("%s%s", c ? "\t" : "", heads[c]);
    putchar('\n');
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row)
    {
        for (size_t c = 0; c < ncol; c++) {
            if (c)
                putchar('\t');
            put_json_scalar(stdout, json_object_get(row, cols[c]));
        }
        putchar('\n');
    }
}

static void print_provenance(json_t *provs)
{
    size_t i;
    json_t *p;
    json_array_foreach(provs, i, p)
    {
        printf("  from ");
        put_json_scalar(stdout, json_object_get(p, "source"));
        printf(" (feed ");
        put_json_scalar(stdout, json_object_get(p, "feed"));
        printf(")");
        json_t *st = json_object_get(p, "status");
        if (st) {
            printf(" [");
            put_json_scalar(stdout, st);
            printf("]");
        }
        putchar('\n');
        json_t *adv = json_object_get(p, "advisory");
        if (adv) {
            printf("    advisory %lld: ",
                   (long long)json_integer_value(json_object_get(adv, "id")));
            put_json_scalar(stdout, json_object_get(adv, "title"));
            json_t *pub = json_object_get(adv, "published");
            if (json_is_string(pub)) {
                printf(" (");
                put_json_scalar(stdout, pub);
                printf(")");
            }
            putchar('\n');
        }
        json_t *th = json_object_get(p, "threats");
        if (json_array_size(th)) {
            printf("    threat: ");
            put_list(th, NULL);
            putchar('\n');
        }
        printf("    first added ");
        put_json_scalar(stdout, json_object_get(p, "first_added"));
        printf(", last added ");
        put_json_scalar(stdout, json_object_get(p, "last_added"));
        putchar('\n');
        static const char *const keys[] = {
            "confidence", "valid_until", "valid_from", "first_seen",
            "last_seen",  "tlp",         "category",   "score",
            "to_ids",     "port",        "tags",       "comment",
            "ref",        "published"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            json_t *v = json_object_get(p, keys[k]);
            if (!v || json_is_null(v))
                continue;
            printf("    %s: ", strcmp(keys[k], "published") == 0
                                   ? "as published"
                                   : keys[k]);
            if (json_is_array(v))
                put_list(v, NULL);
            else
                put_json_scalar(stdout, v);
            putchar('\n');
        }
    }
}

static void print_indicator(json_t *o)
{
    printf("indicator %lld: ",
           (long long)json_integer_value(json_object_get(o, "id")));
    put_json_scalar(stdout, json_object_get(o, "type"));
    putchar(' ');
    put_json_scalar(stdout, json_object_get(o, "value"));
    printf(" (%s)\n",
           json_is_true(json_object_get(o, "active")) ? "active" : "inactive");
    print_provenance(json_object_get(o, "provenance"));
}

/* ---- add ----------------------------------------------------------------- */

struct add_ctx {
    const struct iopts *o;
    kz_ctx *ctx;
    FILE *f;
    const char *dir;
    kz_intel_format fmt;
    kz_read_opts ro;
    unsigned warnings;
};

static kz_status run_reader(void *ud, const kz_intel_sink *sink)
{
    struct add_ctx *a = ud;
    if (a->fmt == KZ_FMT_MISP_FEED)
        return kz_read_misp_feed(a->ctx, a->dir, &a->ro, sink);
    kz_read_fn read = kz_intel_reader(a->fmt);
    return (read ? read : kz_read_text)(a->ctx, a->f, &a->ro, sink);
}

static void add_diag(void *ud, kz_severity sev, const char *input,
                     uint64_t line, uint64_t column, const char *msg)
{
    struct add_ctx *a = ud;
    if (a->o->quiet && sev < KZ_SEV_ERROR)
        return;
    if (++a->warnings > 10 && sev < KZ_SEV_ERROR) {
        if (a->warnings == 11)
            cli_error("%s: further warnings only counted", input ? input : "-");
        return;
    }
    char pos[48] = "";
    if (line && column)
        snprintf(pos, sizeof pos, ":%llu:%llu", (unsigned long long)line,
                 (unsigned long long)column);
    else if (line)
        snprintf(pos, sizeof pos, ":%llu", (unsigned long long)line);
    cli_error("%s%s: %s: %s", input ? input : "-", pos,
              sev == KZ_SEV_ERROR ? "error" : "warning", msg);
}

/* The SHA-256 of f's content (f rewound after). */
static int digest(FILE *f, uint8_t out[32])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    if (!m || EVP_DigestInit_ex(m, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(m);
        return -1;
    }
    static char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(m, buf, n);
    unsigned len = 0;
    int ok = !ferror(f) && EVP_DigestFinal_ex(m, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(m);
    rewind(f);
    return ok ? 0 : -1;
}

static json_t *result_json(const char *name, kz_intel_format fmt,
                           const kz_store_add_result *r, int dry)
{
    json_t *o = json_object();
    json_object_set_new(o, "input", json_string(name));
    json_object_set_new(o, "format", json_string(kz_intel_format_name(fmt)));
    json_object_set_new(o, "dry_run", json_boolean(dry));
    json_object_set_new(o, "unchanged", json_boolean(r->unchanged));
    json_object_set_new(o, "records", json_integer((json_int_t)r->records));
    json_object_set_new(o, "indicators",
                        json_integer((json_int_t)r->indicators));
    json_object_set_new(o, "new_indicators",
                        json_integer((json_int_t)r->new_indicators));
    json_object_set_new(o, "new_provenances",
                        json_integer((json_int_t)r->new_provenances));
    json_object_set_new(o, "rejected", json_integer((json_int_t)r->rejected));
    json_object_set_new(o, "inactive", json_integer((json_int_t)r->inactive));
    json_object_set_new(o, "advisories",
                        json_integer((json_int_t)r->advisories));
    json_object_set_new(o, "threats", json_integer((json_int_t)r->threats));
    json_object_set_new(o, "warninglist_entries",
                        json_integer((json_int_t)r->warninglist_entries));
    json_t *u = json_object();
    for (size_t i = 0; i < r->nunsupported; i++)
        json_object_set_new(u, r->unsupported[i].what,
                            json_integer((json_int_t)r->unsupported[i].count));
    json_object_set_new(o, "not_stored", u);
    return o;
}

static void print_result(const char *name, kz_intel_format fmt,
                         const kz_store_add_result *r, int dry)
{
    put_esc(stdout, name);
    printf(": %s%s", kz_intel_format_name(fmt), dry ? " (dry run)" : "");
    if (r->unchanged) {
        printf(": unchanged since the last add; last-seen updated for %llu "
               "indicators\n",
               (unsigned long long)r->indicators);
        return;
    }
    if (fmt == KZ_FMT_WARNINGLIST) {
        printf(": %llu warninglist entries\n",
               (unsigned long long)r->warninglist_entries);
        return;
    }
    printf(": %llu records, %llu indicators (%llu new to the store)",
           (unsigned long long)r->records, (unsigned long long)r->indicators,
           (unsigned long long)r->new_indicators);
    if (r->advisories)
        printf(", %llu advisories", (unsigned long long)r->advisories);
    if (r->threats)
        printf(", %llu new threats", (unsigned long long)r->threats);
    putchar('\n');
    if (r->inactive)
        printf("  %llu indicators no longer in this feed: marked inactive\n",
               (unsigned long long)r->inactive);
    for (size_t i = 0; i < r->nunsupported; i++) {
        printf("  not stored: %llu ",
               (unsigned long long)r->unsupported[i].count);
        put_esc(stdout, r->unsupported[i].what);
        putchar('\n');
    }
}

/* The indicators of an ingest that a warninglist or the allowlist names:
 * said at once (hunt will suppress their hits). */
#define FLAGGED_SHOWN 10
struct flagged {
    json_t *arr; /* every one (--json), or the first FLAGGED_SHOWN */
    int all;
    uint64_t n;
};

static void on_flagged(void *ud, kz_type t, const char *value, const char *why)
{
    struct flagged *f = ud;
    if (f->all || f->n < FLAGGED_SHOWN)
        json_array_append_new(f->arr, json_pack("{s:s, s:s, s:s}", "type",
                                                kz_type_name(t), "value", value,
                                                "why", why));
    f->n++;
}

/* One pass over the ingest's indicators; the text says how many first,
 * then the first FLAGGED_SHOWN. */
static int tell_flagged(kz_store *st, kz_ctx *ctx, int64_t add_id, json_t *rj)
{
    kz_judge *j = NULL;
    struct flagged f = {json_array(), rj != NULL, 0};
    uint64_t n = 0;
    kz_status s = f.arr ? kz_judge_load(st, 0, &j) : KZ_ERR_NOMEM;
    if (s == KZ_OK)
        s = kz_judge_ingest(st, j, add_id, on_flagged, &f, &n);
    kz_judge_free(j);
    if (s != KZ_OK) {
        json_decref(f.arr);
        cli_error("%s", kz_ctx_errmsg(ctx));
        return CLI_EXIT_ERROR;
    }
    if (rj) {
        json_object_set_new(rj, "flagged", f.arr);
        return 0;
    }
    if (n)
        printf("  %llu of them named by a warninglist or the allowlist "
               "(hunt suppresses their hits):\n",
               (unsigned long long)n);
    size_t i;
    json_t *x;
    json_array_foreach(f.arr, i, x)
    {
        printf("    %s ", json_string_value(json_object_get(x, "type")));
        put_esc(stdout, json_string_value(json_object_get(x, "value")));
        fputs(": ", stdout);
        put_esc(stdout, json_string_value(json_object_get(x, "why")));
        putchar('\n');
    }
    if (n > FLAGGED_SHOWN)
        printf("    ... and %llu more (--json lists them all)\n",
               (unsigned long long)(n - FLAGGED_SHOWN));
    json_decref(f.arr);
    return 0;
}

static int add_one(kz_store *st, kz_ctx *ctx, struct iopts *o, const char *name,
                   json_t *all)
{
    struct add_ctx a;
    memset(&a, 0, sizeof a);
    a.o = o;
    a.ctx = ctx;
    a.ro.name = name;
    a.ro.type = o->type;
    a.ro.map = o->map;
    kz_ctx_set_diag(ctx, add_diag, &a);
    uint8_t sha[32];
    int have_sha = 0;
    struct stat sb;
    int is_stdin = strcmp(name, "-") == 0;
    if (!is_stdin && stat(name, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        char man[4096];
        snprintf(man, sizeof man, "%s/manifest.json", name);
        if (access(man, R_OK) != 0) {
            cli_error("%s: is a directory without manifest.json (not a MISP "
                      "feed)",
                      name);
            return CLI_EXIT_ERROR;
        }
        a.fmt = KZ_FMT_MISP_FEED;
        a.dir = name;
        FILE *mf = fopen(man, "rb");
        if (mf) {
            have_sha = digest(mf, sha) == 0;
            fclose(mf);
        }
    } else {
        if (is_stdin) {
            a.f = tmpfile();
            if (!a.f) {
                cli_error("-: cannot spool standard input: %s",
                          strerror(errno));
                return CLI_EXIT_ERROR;
            }
            char buf[1 << 16];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
                if (fwrite(buf, 1, n, a.f) != n) {
                    cli_error("-: cannot spool standard input: %s",
                              strerror(errno));
                    fclose(a.f);
                    return CLI_EXIT_ERROR;
                }
            rewind(a.f);
        } else {
            a.f = fopen(name, "rb");
            if (!a.f) {
                cli_error("%s: cannot open: %s", name, strerror(errno));
                return CLI_EXIT_ERROR;
            }
        }
        have_sha = digest(a.f, sha) == 0;
        a.fmt = o->format;
        if (a.fmt == KZ_FMT_AUTO) {
            static char head[1 << 16];
            size_t n = fread(head, 1, sizeof head, a.f);
            rewind(a.f);
            a.fmt = kz_intel_detect(name, head, n);
        }
    }
    if (a.fmt == KZ_FMT_MISP_FEED && !a.dir) {
        cli_error("%s: a MISP feed is a directory with manifest.json", name);
        if (a.f)
            fclose(a.f);
        return CLI_EXIT_ERROR;
    }
    kz_store_input in = {
        name,   o->feed,  o->source, a.fmt, have_sha ? sha : NULL,
        o->dry, o->threat};
    kz_store_add_result r;
    kz_status s = kz_store_add(st, &in, run_reader, &a, &r);
    if (a.f)
        fclose(a.f);
    kz_ctx_set_diag(ctx, NULL, NULL);
    if (s != KZ_OK) {
        const char *m = kz_ctx_errmsg(ctx);
        cli_error("%s: not added (nothing of it stored): %s", name,
                  m && *m ? m : kz_status_str(s));
        kz_store_add_result_free(&r);
        return CLI_EXIT_ERROR;
    }
    json_t *rj = NULL;
    if (o->json)
        json_array_append_new(all, rj = result_json(name, a.fmt, &r, o->dry));
    else
        print_result(name, a.fmt, &r, o->dry);
    int rc = 0;
    if (!o->dry && !r.unchanged && a.fmt != KZ_FMT_WARNINGLIST && r.indicators)
        rc = tell_flagged(st, ctx, r.add_id, rj);
    kz_store_add_result_free(&r);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A plain directory: its regular files, sorted, one add each. */
static int add_dir(kz_store *st, kz_ctx *ctx, struct iopts *o, const char *dir,
                   json_t *all)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("%s: cannot open: %s", dir, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        size_t dl = strlen(dir);
        while (dl > 1 && dir[dl - 1] == '/')
            dl--;
        snprintf(path, sizeof path, "%.*s/%s", (int)dl, dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            /* Not walked: a feed folder inside holds its own format (a
             * MISP feed, LOLDrivers YAML); name it to add it. */
            if (!o->quiet || o->json)
                cli_error("%s: a directory inside %s: not added (add it by "
                          "name)",
                          path, dir);
            continue;
        }
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n++] = strdup(path);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (names[i] && add_one(st, ctx, o, names[i], all) != 0)
            rc = CLI_EXIT_ERROR;
        free(names[i]);
    }
    free(names);
    return rc;
}

static int do_add(kz_store *st, kz_ctx *ctx, struct iopts *o, char **args,
                  int nargs)
{
    if (nargs == 0)
        return cli_usage_error("intel", "add: no input (FILE, DIR or -)");
    if (o->feed && nargs > 1)
        return cli_usage_error("intel", "add: --feed names one input only");
    json_t *all = json_array();
    int rc = 0;
    for (int i = 0; i < nargs; i++) {
        struct stat sb;
        int r;
        char man[4096];
        snprintf(man, sizeof man, "%s/manifest.json", args[i]);
        if (strcmp(args[i], "-") != 0 && stat(args[i], &sb) == 0 &&
            S_ISDIR(sb.st_mode) && access(man, F_OK) != 0)
            r = add_dir(st, ctx, o, args[i], all);
        else
            r = add_one(st, ctx, o, args[i], all);
        if (r)
            rc = CLI_EXIT_ERROR;
    }
    if (o->json) {
        char *t = json_dumps(all, JSON_INDENT(2));
        if (t)
            puts(t);
        free(t);
    }
    json_decref(all);
    int fr = cli_flush_stdout();
    return rc ? rc : fr;
}

int cli_intel_add_files(kz_store *st, kz_ctx *ctx, char **files, size_t n,
                        const char *format, uint64_t *indicators)
{
    struct iopts o;
    memset(&o, 0, sizeof o);
    o.json = 1; /* results go to a JSON array nobody prints */
    o.quiet = 1;
    o.format = format ? kz_intel_format_from_name(format) : KZ_FMT_AUTO;
    json_t *all = json_array();
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct stat sb;
        char man[4096];
        snprintf(man, sizeof man, "%s/manifest.json", files[i]);
        if (strcmp(files[i], "-") != 0 && stat(files[i], &sb) == 0 &&
            S_ISDIR(sb.st_mode) && access(man, F_OK) != 0)
            rc = add_dir(st, ctx, &o, files[i], all);
        else
            rc = add_one(st, ctx, &o, files[i], all);
    }
    uint64_t total = 0;
    size_t k;
    json_t *v;
    json_array_foreach(all, k, v)
    {
        total += (uint64_t)json_integer_value(json_object_get(v, "indicators"));
    }
    if (indicators)
        *indicators = total;
    json_decref(all);
    return rc ? CLI_EXIT_ERROR : 0;
}

/* ---- queries ------------------------------------------------------------- */

static int query(kz_store *st, kz_ctx *ctx, const kz_store_query *q,
                 json_t **doc, char **text)
{
    char *j = NULL;
    kz_status s = kz_store_query_json(st, q, &j);
    if (s != KZ_OK) {
        const char *m = kz_ctx_errmsg(ctx);
        cli_error("%s", m && *m ? m : kz_status_str(s));
        return s == KZ_ERR_NOTFOUND ? CLI_EXIT_FOUND : CLI_EXIT_ERROR;
    }
    *doc = json_loads(j, 0, NULL);
    *text = j;
    return *doc ? 0 : CLI_EXIT_ERROR;
}

static int do_list(kz_store *st, kz_ctx *ctx, struct iopts *o, char **args,
                   int nargs)
{
    const char *what = nargs > 0 ? args[0] : "advisories";
    kz_store_query q;
    memset(&q, 0, sizeof q);
    if (strcmp(what, "advisories") == 0)
        q.kind = KZ_Q_ADVISORIES;
    else if (strcmp(what, "feeds") == 0 || strcmp(what, "sources") == 0)
        q.kind = KZ_Q_SOURCES;
    else if (strcmp(what, "threats") == 0)
        q.kind = KZ_Q_THREATS;
    else if (strcmp(what, "indicators") == 0)
        q.kind = KZ_Q_INDICATORS;
    else if (strcmp(what, "warninglists") == 0)
        q.kind = KZ_Q_WARNINGLISTS;
    else
        return cli_usage_error("intel",
                               "list: '%s' is not advisories, feeds, sources,"
                               " threats, indicators or warninglists",
                               what);
    q.types = o->type ? (kz_typeset)1u << (unsigned)o->type : 0;
    q.advisory_id = o->advisory;
    q.source = o->source;
    q.include_inactive = o->all;
    q.limit = o->limit;
    json_t *doc;
    char *text;
    int rc = query(st, ctx, &q, &doc, &text);
    if (rc)
        return rc;
    if (o->json) {
        puts(text);
    } else if (q.kind == KZ_Q_ADVISORIES) {
        static const char *const c[] = {"id",      "published",  "source",
                                        "threats", "indicators", "title",
                                        NULL};
        print_table(doc, c, c);
    } else if (q.kind == KZ_Q_SOURCES) {
        if (strcmp(what, "sources") == 0) {
            static const char *const c[] = {"id", "name", "advisories",
                                            "provenances", NULL};
            print_table(json_object_get(doc, "sources"), c, c);
        } else {
            static const char *const c[] = {
                "id",   "feed",       "format",       "active", "inactive",
                "adds", "last_added", "last_changed", NULL};
            print_table(json_object_get(doc, "feeds"), c, c);
        }
    } else if (q.kind == KZ_Q_THREATS) {
        static const char *const c[] = {
            "id", "name", "kind", "indicators", "advisories", "aliases", NULL};
        print_table(doc, c, c);
    } else if (q.kind == KZ_Q_WARNINGLISTS) {
        static const char *const c[] = {"id",      "name",    "type",
                                        "entries", "version", NULL};
        print_table(doc, c, c);
    } else {
        static const char *const c[] = {"id",     "type",       "value",
                                        "threat", "sources",    "advisories",
                                        "active", "last_added", NULL};
        print_table(doc, c, c);
    }
    json_decref(doc);
    kz_store_free_json(text);
    return cli_flush_stdout();
}

static void print_advisory(json_t *a)
{
    printf("advisory %lld: ",
           (long long)json_integer_value(json_object_get(a, "id")));
    put_json_scalar(stdout, json_object_get(a, "title"));
    putchar('\n');
    static const char *const keys[] = {"published", "source", "feed",
                                       "url",       "tlp",    "first_added",
                                       "last_added"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        json_t *v = json_object_get(a, keys[k]);
        if (!v || json_is_null(v))
            continue;
        printf("  %s: ", keys[k]);
        put_json_scalar(stdout, v);
        putchar('\n');
    }
    json_t *th = json_object_get(a, "threats");
    if (json_array_size(th)) {
        printf("  threats: ");
        put_list(th, "name");
        putchar('\n');
    }
    put_block("summary", json_object_get(a, "summary"));
    put_block("impact", json_object_get(a, "impact"));
    put_block("assessment", json_object_get(a, "assessment"));
    put_block("mitigation", json_object_get(a, "mitigation"));
    json_t *inds = json_object_get(a, "indicators");
    printf("  indicators (%zu):\n", json_array_size(inds));
    size_t i;
    json_t *x;
    json_array_foreach(inds, i, x)
    {
        printf("    %lld\t",
               (long long)json_integer_value(json_object_get(x, "id")));
        put_json_scalar(stdout, json_object_get(x, "type"));
        putchar('\t');
        put_json_scalar(stdout, json_object_get(x, "value"));
        if (!json_is_true(json_object_get(x, "active")))
            printf("\t(inactive)");
        putchar('\n');
    }
}

static int do_show(kz_store *st, kz_ctx *ctx, struct iopts *o, char **args,
                   int nargs)
{
    kz_store_query q;
    memset(&q, 0, sizeof q);
    q.kind = KZ_Q_INDICATOR;
    if (nargs == 2 && strcmp(args[0], "advisory") == 0)
        q.kind = KZ_Q_ADVISORY;
    else if (!(nargs == 2 && strcmp(args[0], "indicator") == 0) && nargs != 1)
        return cli_usage_error("intel", "show: [indicator|advisory] ID");
    q.arg = args[nargs - 1];
    json_t *doc;
    char *text;
    int rc = query(st, ctx, &q, &doc, &text);
    if (rc)
        return rc;
    if (o->json)
        puts(text);
    else if (q.kind == KZ_Q_ADVISORY)
        print_advisory(doc);
    else
        print_indicator(doc);
    json_decref(doc);
    kz_store_free_json(text);
    return cli_flush_stdout();
}

static int do_search(kz_store *st, kz_ctx *ctx, struct iopts *o, char **args,
                     int nargs)
{
    if (nargs == 0)
        return cli_usage_error("intel", "search: no value");
    int found = 0;
    kz_judge *judge = NULL;
    json_t *all = json_array();
    for (int i = 0; i < nargs; i++) {
        kz_store_query q;
        memset(&q, 0, sizeof q);
        q.kind = KZ_Q_SEARCH;
        q.arg = args[i];
        json_t *doc;
        char *text;
        int rc = query(st, ctx, &q, &doc, &text);
        if (rc) {
            kz_judge_free(judge);
            json_decref(all);
            return rc;
        }
        kz_store_free_json(text);
        json_t *m = json_object_get(doc, "matches");
        found |= json_array_size(m) > 0;
        /* the judge's word: what hunt would do with a hit on it */
        const char *tn = json_string_value(json_object_get(doc, "type"));
        const char *nv0 = json_string_value(json_object_get(doc, "normalized"));
        char why[256];
        if (!judge && kz_judge_load(st, 0, &judge) != KZ_OK) {
            kz_judge_free(judge);
            json_decref(doc);
            json_decref(all);
            cli_error("%s", kz_ctx_errmsg(ctx));
            return CLI_EXIT_ERROR;
        }
        if (tn && nv0 &&
            kz_judge_check(judge, kz_type_from_name(tn, strlen(tn)), nv0,
                           strlen(nv0), why, sizeof why))
            json_object_set_new(doc, "suppressed", json_string(why));
        else
            why[0] = 0;
        if (o->json) {
            json_array_append(all, doc);
        } else {
            put_esc(stdout, args[i]);
            printf(" (%s", json_string_value(json_object_get(doc, "type")));
            json_t *nv = json_object_get(doc, "normalized");
            if (json_is_string(nv) &&
                strcmp(json_string_value(nv), args[i]) != 0) {
                printf(" ");
                put_esc(stdout, json_string_value(nv));
            }
            printf("): ");
            if (!json_array_size(m))
                printf("not in the store\n");
            else
                printf("%zu match%s\n", json_array_size(m),
                       json_array_size(m) == 1 ? "" : "es");
            size_t k;
            json_t *x;
            json_array_foreach(m, k, x)
            {
                printf("- ");
                put_json_scalar(stdout, json_object_get(x, "match"));
                printf(": ");
                print_indicator(json_object_get(x, "indicator"));
            }
            json_t *wl = json_object_get(doc, "warninglists");
            if (json_array_size(wl)) {
                printf("  on warninglists: ");
                put_list(wl, NULL);
                putchar('\n');
            }
            if (why[0]) {
                printf("  hits on it are suppressed: ");
                put_esc(stdout, why);
                putchar('\n');
            }
        }
        json_decref(doc);
    }
    kz_judge_free(judge);
    if (o->json) {
        char *t = json_dumps(all, JSON_INDENT(2));
        if (t)
            puts(t);
        free(t);
    }
    json_decref(all);
    int fr = cli_flush_stdout();
    return fr ? fr : found ? 0 : CLI_EXIT_FOUND;
}

static int do_stats(kz_store *st, kz_ctx *ctx, struct iopts *o)
{
    kz_store_query q;
    memset(&q, 0, sizeof q);
    q.kind = KZ_Q_STATS;
    json_t *doc;
    char *text;
    int rc = query(st, ctx, &q, &doc, &text);
    if (rc)
        return rc;
    if (o->json) {
        puts(text);
    } else {
        static const char *const keys[] = {"path",
                                           "schema_version",
                                           "indicators",
                                           "active_indicators",
                                           "provenances",
                                           "advisories",
                                           "sources",
                                           "inputs",
                                           "threats",
                                           "warninglists",
                                           "warninglist_entries",
                                           "adds",
                                           "database_bytes"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            printf("%s: ", keys[k]);
            put_json_scalar(stdout, json_object_get(doc, keys[k]));
            putchar('\n');
        }
        json_t *bt = json_object_get(doc, "by_type");
        const char *key;
        json_t *v;
        printf("by type:");
        json_object_foreach(bt, key, v)
        {
            printf(" %s=%lld", key, (long long)json_integer_value(v));
        }
        putchar('\n');
        json_int_t n = json_integer_value(json_object_get(doc, "indicators"));
        json_int_t b =
            json_integer_value(json_object_get(doc, "database_bytes"));
        if (n > 0)
            printf("bytes per indicator: %.1f\n", (double)b / (double)n);
    }
    json_decref(doc);
    kz_store_free_json(text);
    return cli_flush_stdout();
}

static int do_rm(kz_store *st, kz_ctx *ctx, struct iopts *o, char **args,
                 int nargs)
{
    if (nargs != 2)
        return cli_usage_error("intel",
                               "rm: advisory ID | feed NAME | source NAME |"
                               " indicator ID | warninglist NAME");
    uint64_t removed = 0;
    kz_status s = kz_store_rm(st, args[0], args[1], &removed);
    if (s != KZ_OK) {
        const char *m = kz_ctx_errmsg(ctx);
        cli_error("%s", m && *m ? m : kz_status_str(s));
        return CLI_EXIT_ERROR;
    }
    if (o->json)
        printf("{\"removed\": \"%s\", \"indicators_deleted\": %llu}\n", args[0],
               (unsigned long long)removed);
    else
        printf("removed %s %s; %llu indicators had no other provenance and "
               "were deleted\n",
               args[0], args[1], (unsigned long long)removed);
    return cli_flush_stdout();
}

static int do_expire(kz_store *st, kz_ctx *ctx, struct iopts *o, char **args,
                     int nargs)
{
    const char *what, *arg;
    if (o->before && nargs == 0) {
        what = "before";
        arg = o->before;
    } else if (nargs == 2 && !o->before) {
        what = args[0];
        arg = args[1];
    } else {
        return cli_usage_error("intel", "expire: indicator ID | advisory ID |"
                                        " feed NAME | --before DATE");
    }
    uint64_t n = 0;
    kz_status s = kz_store_expire(st, what, arg, &n);
    if (s != KZ_OK) {
        const char *m = kz_ctx_errmsg(ctx);
        cli_error("%s", m && *m ? m : kz_status_str(s));
        return CLI_EXIT_ERROR;
    }
    if (o->json)
        printf("{\"expired\": %llu}\n", (unsigned long long)n);
    else
        printf("expired %llu provenances (they still match in retro-hunts, "
               "marked expired)\n",
               (unsigned long long)n);
    return cli_flush_stdout();
}

int cmd_intel(int argc, char **argv)
{
    struct iopts o;
    memset(&o, 0, sizeof o);
    struct cli_parser p;
    cli_parser_init(&p, &intel_spec, argc, argv);
    char **ops = calloc((size_t)argc + 1, sizeof *ops);
    if (!ops)
        return CLI_EXIT_ERROR;
    int nops = 0, id;
    while ((id = cli_next(&p)) != CLI_DONE) {
        char *end;
        switch (id) {
        case CLI_ERROR:
            free(ops);
            return CLI_EXIT_ERROR;
        case CLI_OPERAND:
            ops[nops++] = (char *)p.arg;
            break;
        case O_HELP:
            cli_help(&intel_spec, stdout);
            free(ops);
            return cli_flush_stdout();
        case O_DB:
            o.db = p.arg;
            break;
        case O_JSON:
            o.json = 1;
            break;
        case O_FORMAT:
            o.format = kz_intel_format_from_name(p.arg);
            if (o.format == KZ_FMT_AUTO && strcmp(p.arg, "auto") != 0) {
                free(ops);
                return cli_usage_error("intel", "unknown format '%s'", p.arg);
            }
            break;
        case O_TYPE:
            o.type = kz_type_from_name(p.arg, strlen(p.arg));
            if (o.type == KZ_T_NONE) {
                free(ops);
                return cli_usage_error("intel", "unknown type '%s'", p.arg);
            }
            break;
        case O_MAP:
            o.map = p.arg;
            break;
        case O_SOURCE:
            o.source = p.arg;
            break;
        case O_FEED:
            o.feed = p.arg;
            break;
        case O_DRY:
            o.dry = 1;
            break;
        case O_QUIET:
            o.quiet = 1;
            break;
        case O_ALL:
            o.all = 1;
            break;
        case O_ADVISORY:
            o.advisory = strtoll(p.arg, &end, 10);
            if (*end || o.advisory <= 0) {
                free(ops);
                return cli_usage_error("intel", "--advisory: '%s' is not an id",
                                       p.arg);
            }
            break;
        case O_LIMIT:
            o.limit = strtoull(p.arg, &end, 10);
            if (*end || !*p.arg) {
                free(ops);
                return cli_usage_error("intel", "--limit: '%s' is not a number",
                                       p.arg);
            }
            break;
        case O_BEFORE:
            o.before = p.arg;
            break;
        case O_THREAT:
            o.threat = p.arg;
            break;
        default:
            break;
        }
    }
    if (nops == 0) {
        free(ops);
        return cli_usage_error("intel", "no command (add, list, show, search,"
                                        " rm, expire, stats)");
    }
    const char *cmd = ops[0];
    static const char *const cmds[] = {"add", "list",   "show", "search",
                                       "rm",  "expire", "stats"};
    int known = 0;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        known |= strcmp(cmd, cmds[i]) == 0;
    if (!known) {
        free(ops);
        return cli_usage_error("intel", "unknown command '%s'", cmd);
    }
    char path[4096];
    if (!o.db) {
        if (kz_store_default_path(path, sizeof path) != KZ_OK) {
            free(ops);
            return cli_usage_error("intel", "no store: set KIZASHI_HOME or "
                                            "HOME, or give --db");
        }
        o.db = path;
    }
    kz_ctx *ctx = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK) {
        free(ops);
        return CLI_EXIT_ERROR;
    }
    kz_store *st = NULL;
    int writes = strcmp(cmd, "add") == 0;
    kz_status s = kz_store_open(ctx, o.db, writes, &st);
    int rc;
    if (s != KZ_OK) {
        const char *m = kz_ctx_errmsg(ctx);
        cli_error("%s", m && *m ? m : kz_status_str(s));
        rc = CLI_EXIT_ERROR;
    } else if (strcmp(cmd, "add") == 0) {
        rc = do_add(st, ctx, &o, ops + 1, nops - 1);
    } else if (strcmp(cmd, "list") == 0) {
        rc = do_list(st, ctx, &o, ops + 1, nops - 1);
    } else if (strcmp(cmd, "show") == 0) {
        rc = do_show(st, ctx, &o, ops + 1, nops - 1);
    } else if (strcmp(cmd, "search") == 0) {
        rc = do_search(st, ctx, &o, ops + 1, nops - 1);
    } else if (strcmp(cmd, "rm") == 0) {
        rc = do_rm(st, ctx, &o, ops + 1, nops - 1);
    } else if (strcmp(cmd, "expire") == 0) {
        rc = do_expire(st, ctx, &o, ops + 1, nops - 1);
    } else {
        rc = do_stats(st, ctx, &o);
    }
    kz_store_close(st);
    kz_ctx_free(ctx);
    free(ops);
    return rc;
}
