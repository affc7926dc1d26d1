/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi compile`: builds the index (.kzi) of the store, or of intel
 * files given with --iocs; `--check FILE` opens and verifies an index and
 * says what it holds. Also the index plumbing `kizashi hunt` shares:
 * where a store's index lives, and compiling on demand when the store
 * changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_index_path(const char *db, char *out, size_t cap)
{
    size_t n = strlen(db);
    if (n > 3 && strcmp(db + n - 3, ".db") == 0)
        snprintf(out, cap, "%.*s.kzi", (int)(n - 3), db);
    else
        snprintf(out, cap, "%s.kzi", db);
}

static void print_counts(FILE *f, const kz_index_info *in)
{
    int first = 1;
    for (int t = 1; t < KZ_T_COUNT_; t++) {
        if (!in->count[t])
            continue;
        fprintf(f, "%s%s %llu", first ? "" : ", ", kz_type_name((kz_type)t),
                (unsigned long long)in->count[t]);
        first = 0;
    }
    if (first)
        fputs("nothing", f);
}

static int err_ctx(kz_ctx *ctx, kz_status s)
{
    const char *m = kz_ctx_errmsg(ctx);
    cli_error("%s", m && *m ? m : kz_status_str(s));
    return CLI_EXIT_ERROR;
}

/* Compiles the store at db into path. */
static int compile_store(kz_ctx *ctx, const char *db, const char *path,
                         int quiet, int anonymous)
{
    kz_store *st = NULL;
    kz_status s = kz_store_open(ctx, db, 0, &st);
    if (s != KZ_OK)
        return err_ctx(ctx, s);
    double t0 = now_s();
    uint64_t n = 0;
    s = kz_store_compile(st, path, 0, anonymous, &n);
    kz_store_close(st);
    if (s != KZ_OK)
        return err_ctx(ctx, s);
    if (!quiet) {
        kz_index *ix = NULL;
        if (kz_index_open(ctx, path, &ix) == KZ_OK) {
            kz_index_info in;
            kz_index_get_info(ix, &in);
            fprintf(stderr, "kizashi: compiled %llu indicators (",
                    (unsigned long long)in.indicators);
            print_counts(stderr, &in);
            fprintf(stderr, ") into ");
            kz_write_escaped_text(stderr, path, strlen(path));
            fprintf(stderr, " (%.1f MiB) in %.2f s\n",
                    (double)in.file_size / (1 << 20), now_s() - t0);
            kz_index_close(ix);
        }
    }
    return 0;
}

/* A temporary store holding the --iocs files, compiled to path. The
 * store is removed before returning. */
static int compile_iocs(kz_ctx *ctx, char **iocs, size_t n, const char *format,
                        const char *path, int quiet)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/kizashi-iocs-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        cli_error("%s: cannot create a temporary directory: %s", dir,
                  strerror(errno));
        return CLI_EXIT_ERROR;
    }
    char db[4200];
    snprintf(db, sizeof db, "%s/intel.db", dir);
    kz_store *st = NULL;
    kz_status s = kz_store_open(ctx, db, 1, &st);
    int rc = 0;
    if (s != KZ_OK) {
        rc = err_ctx(ctx, s);
    } else {
        uint64_t got = 0;
        rc = cli_intel_add_files(st, ctx, iocs, n, format, &got);
        kz_store_close(st);
        if (!rc)
            rc = compile_store(ctx, db, path, quiet, 1);
    }
    static const char *const parts[] = {"intel.db", "intel.db-wal",
                                        "intel.db-shm", "intel.db-journal"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char p[4300];
        snprintf(p, sizeof p, "%s/%s", dir, parts[i]);
        unlink(p);
    }
    rmdir(dir);
    return rc;
}

/* Opens an index; verifies it too unless the sweep will (it does so on a
 * thread of its own). */
static int g_defer_verify;

static int open_verified(kz_ctx *ctx, const char *path, kz_index **ix)
{
    kz_status s = kz_index_open(ctx, path, ix);
    if (s == KZ_OK && !g_defer_verify &&
        (s = kz_index_verify(ctx, *ix)) != KZ_OK) {
        kz_index_close(*ix);
        *ix = NULL;
        return err_ctx(ctx, s);
    }
    if (s != KZ_OK)
        return err_ctx(ctx, s);
    return 0;
}

int cli_open_index(kz_ctx *ctx, const char *db, const char *index, char **iocs,
                   size_t niocs, const char *format, int quiet, int *verified,
                   kz_index **ix)
{
    *ix = NULL;
    /* --index and --iocs: the sweep may verify (verified = 0); the store's
     * own index is verified here, so a damaged one is compiled again. */
    g_defer_verify = verified != NULL;
    if (verified)
        *verified = 0;
    if (index)
        return open_verified(ctx, index, ix);
    if (niocs) {
        const char *tmp = getenv("TMPDIR");
        char path[4096];
        snprintf(path, sizeof path, "%s/kizashi-XXXXXX.kzi",
                 tmp && *tmp ? tmp : "/tmp");
        int fd = mkstemps(path, 4);
        if (fd < 0) {
            cli_error("%s: cannot create: %s", path, strerror(errno));
            return CLI_EXIT_ERROR;
        }
        close(fd);
        int rc = compile_iocs(ctx, iocs, niocs, format, path, 1);
        if (!rc)
            rc = open_verified(ctx, path, ix);
        unlink(path); /* the mapping stays valid */
        return rc;
    }
    char dbp[4096];
    if (!db) {
        if (kz_store_default_path(dbp, sizeof dbp) != KZ_OK) {
            cli_error("no store: set KIZASHI_HOME or HOME, or give --db, "
                      "--index or --iocs");
            return CLI_EXIT_ERROR;
        }
        db = dbp;
    }
    struct stat sb;
    if (stat(db, &sb) != 0) {
        cli_error("%s: no intel store here yet: add intel first (kizashi "
                  "intel add FILE), or give --iocs FILE or --index FILE",
                  db);
        return CLI_EXIT_ERROR;
    }
    char path[4096];
    cli_index_path(db, path, sizeof path);
    kz_store *st = NULL;
    kz_status s = kz_store_open(ctx, db, 0, &st);
    if (s != KZ_OK)
        return err_ctx(ctx, s);
    uint64_t gen = 0;
    s = kz_store_generation(st, &gen);
    kz_store_close(st);
    if (s != KZ_OK)
        return err_ctx(ctx, s);
    kz_index *cur = NULL;
    if (kz_index_open(ctx, path, &cur) == KZ_OK) {
        kz_index_info in;
        kz_index_get_info(cur, &in);
        if (in.store_generation == gen && kz_index_verify(ctx, cur) == KZ_OK) {
            *ix = cur;
            if (verified)
                *verified = 1;
            return 0;
        }
        int changed = in.store_generation != gen;
        kz_index_close(cur);
        if (!quiet)
            fprintf(stderr, "kizashi: %s: compiling it again\n",
                    changed ? "the store changed since the index was built"
                            : "the index is damaged");
    } else if (!quiet && stat(path, &sb) == 0) {
        /* there, but not an index this kizashi reads (an older format) */
        fprintf(stderr, "kizashi: %s; compiling it again\n",
                kz_ctx_errmsg(ctx));
    }
    int rc = compile_store(ctx, db, path, quiet, 0);
    if (rc)
        return rc;
    g_defer_verify = 0;
    if (verified)
        *verified = 1;
    return open_verified(ctx, path, ix);
}

/* ---- the command ------------------------------------------------------ */

enum { O_HELP = 1, O_DB, O_IOCS, O_FORMAT, O_OUTPUT, O_CHECK, O_QUIET };

static const struct cli_opt opts[] = {
    {O_DB, 0, "db", "PATH", "the store (default $KIZASHI_HOME/intel.db)"},
    {O_IOCS, 0, "iocs", "FILE",
     "compile these intel files instead of the store (repeatable; any "
     "format `intel add` reads); needs -o"},
    {O_FORMAT, 0, "format", "FMT",
     "the format of the --iocs files "
     "(default: detected)"},
    {O_OUTPUT, 'o', "output", "FILE",
     "where to write the index (default: beside the store, .kzi)"},
    {O_CHECK, 0, "check", "FILE",
     "open and verify an index, and say what it holds"},
    {O_QUIET, 'q', "quiet", NULL, "print nothing but errors"},
    {O_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void more_help(FILE *f)
{
    fputs("\nThe index holds every active indicator of the store (expired "
          "ones too) with\nits context, in one memory-mapped file. `kizashi "
          "hunt` compiles it on demand\nwhen the store changed, so running "
          "this by hand is only needed to ship\nan index elsewhere. Exit "
          "status: 0 done, 2 error.\n",
          f);
}

static const struct cli_spec spec = {
    "compile", NULL, "build the index that sweeps look indicators up in", opts,
    more_help};

static int check(kz_ctx *ctx, const char *path)
{
    double t0 = now_s();
    kz_index *ix = NULL;
    kz_status s = kz_index_open(ctx, path, &ix);
    double t1 = now_s();
    if (s != KZ_OK)
        return err_ctx(ctx, s);
    s = kz_index_verify(ctx, ix);
    double t2 = now_s();
    if (s != KZ_OK) {
        kz_index_close(ix);
        return err_ctx(ctx, s);
    }
    kz_index_info in;
    kz_index_get_info(ix, &in);
    char built[32];
    kz_time_format(in.built, built);
    kz_write_escaped_text(stdout, path, strlen(path));
    printf(": kizashi index version %u, built %s, %llu indicators (",
           in.version, built, (unsigned long long)in.indicators);
    print_counts(stdout, &in);
    printf(")\n  %.1f MiB; opened in %.3f ms, verified in %.1f ms\n",
           (double)in.file_size / (1 << 20), (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    uint64_t lt = in.count[KZ_T_STRING] + in.count[KZ_T_USER_AGENT] +
                  in.count[KZ_T_MUTEX] + in.count[KZ_T_REGKEY];
    if (lt)
        printf("  literal strings looked for in logs as text: %llu of %llu "
               "(the others are shorter than 6 bytes, longer than 1024 or "
               "span lines)\n",
               (unsigned long long)in.literals, (unsigned long long)lt);
    if (in.store_path[0]) {
        printf("  from the store ");
        kz_write_escaped_text(stdout, in.store_path, strlen(in.store_path));
        printf(" (generation %llu)\n", (unsigned long long)in.store_generation);
    }
    kz_index_close(ix);
    return cli_flush_stdout();
}

int cmd_compile(int argc, char **argv)
{
    struct cli_parser p;
    cli_parser_init(&p, &spec, argc, argv);
    const char *db = NULL, *out = NULL, *format = NULL, *chk = NULL;
    int quiet = 0;
    char **iocs = calloc((size_t)argc + 1, sizeof *iocs);
    size_t niocs = 0;
    if (!iocs)
        return CLI_EXIT_ERROR;
    int id, rc = 0;
    while ((id = cli_next(&p)) != CLI_DONE) {
        switch (id) {
        case CLI_ERROR:
            free(iocs);
            return CLI_EXIT_ERROR;
        case CLI_OPERAND:
            free(iocs);
            return cli_usage_error("compile", "unexpected operand '%s'", p.arg);
        case O_HELP:
            cli_help(&spec, stdout);
            free(iocs);
            return cli_flush_stdout();
        case O_DB:
            db = p.arg;
            break;
        case O_IOCS:
            iocs[niocs++] = (char *)p.arg;
            break;
        case O_FORMAT:
            if (kz_intel_format_from_name(p.arg) == KZ_FMT_AUTO &&
                strcmp(p.arg, "auto") != 0) {
                free(iocs);
                return cli_usage_error("compile", "unknown format '%s'", p.arg);
            }
            format = p.arg;
            break;
        case O_OUTPUT:
            out = p.arg;
            break;
        case O_CHECK:
            chk = p.arg;
            break;
        case O_QUIET:
            quiet = 1;
            break;
        }
    }
    kz_ctx *ctx = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK) {
        free(iocs);
        return CLI_EXIT_ERROR;
    }
    if (chk) {
        rc = check(ctx, chk);
    } else if (niocs) {
        if (!out)
            rc = cli_usage_error("compile", "--iocs needs -o FILE");
        else
            rc = compile_iocs(ctx, iocs, niocs, format, out, quiet);
    } else {
        char dbp[4096], path[4096];
        if (!db) {
            if (kz_store_default_path(dbp, sizeof dbp) != KZ_OK)
                rc = cli_usage_error("compile", "no store: set KIZASHI_HOME "
                                                "or HOME, or give --db");
            db = dbp;
        }
        struct stat sb;
        if (!rc && stat(db, &sb) != 0) {
            cli_error("%s: no intel store here yet: add intel first "
                      "(kizashi intel add FILE)",
                      db);
            rc = CLI_EXIT_ERROR;
        }
        if (!rc) {
            if (!out) {
                cli_index_path(db, path, sizeof path);
                out = path;
            }
            rc = compile_store(ctx, db, out, quiet, 0);
        }
    }
    kz_ctx_free(ctx);
    free(iocs);
    return rc;
}
