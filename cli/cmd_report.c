/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi report`: per advisory, are we affected, where, since when --
 * from the sightings that `kizashi hunt` keeps in the store. Markdown,
 * HTML or JSON on standard output or in a file (-o: written to a temporary
 * file beside it and renamed, so a reader never sees half a report).
 * Exit status: 0 nothing affected, 1 an advisory is affected, 2 error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { O_HELP = 1, O_DB, O_ADVISORY, O_FORMAT, O_OUTPUT, O_SUPP, O_AFFECTED };

/* Advisories given with --advisory at most. */
#define MAX_IDS 4096

static const struct cli_opt opts[] = {
    {O_ADVISORY, 'a', "advisory", "ID",
     "report on this advisory (repeat for more; default: all)"},
    {O_FORMAT, 'f', "format", "FMT", "md (default), html or json"},
    {O_OUTPUT, 'o', "output", "FILE", "write to FILE instead of stdout"},
    {O_DB, 0, "db", "PATH", "the store (default $KIZASHI_HOME/intel.db)"},
    {O_SUPP, 0, "show-suppressed", NULL,
     "list suppressed sightings too (always counted)"},
    {O_AFFECTED, 0, "affected", NULL,
     "detail only the affected advisories (the summary still counts all)"},
    {O_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void more_help(FILE *f)
{
    fputs("Per advisory: its facts, the verdict (affected: a sighting that is "
          "not\nsuppressed; not affected: sweeps since it was added saw none "
          "of its\nindicators; not swept: no sweep since), the evidence by "
          "host and input,\nfirst and last time seen, and the indicators not "
          "seen. The sightings are\nthose `kizashi hunt` recorded.\n"
          "\nExit status: 0 no advisory affected, 1 some advisory affected, "
          "2 usage\nor fatal error.\n",
          f);
}

static const struct cli_spec spec = {
    "report", NULL, "per advisory: are we affected, where, since when", opts,
    more_help};

/* Called from cli/main.c's command table. */
int cmd_report(int argc, char **argv);

static int parse_id(const char *s, int64_t *id)
{
    int64_t v = 0;
    if (!*s)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        return -1;
    *id = v;
    return 0;
}

/* Writes the report to path through a temporary file in its directory. */
static int write_file(kz_ctx *ctx, const char *path, const char *json,
                      kz_report_format fmt)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return CLI_EXIT_ERROR;
    }
    /* mkstemp makes it 0600; a report is as readable as any new file */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    FILE *f = fdopen(fd, "w");
    int rc = CLI_EXIT_NOTHING;
    if (!f) {
        cli_error("%s: %s", tmp, strerror(errno));
        close(fd);
        rc = CLI_EXIT_ERROR;
    } else if (kz_report_write(ctx, json, strlen(json), fmt, f) != KZ_OK) {
        cli_error("%s: %s", path, kz_ctx_errmsg(ctx));
        fclose(f);
        rc = CLI_EXIT_ERROR;
    } else if (fsync(fileno(f)) != 0 || fclose(f) != 0) {
        cli_error("%s: write error: %s", path, strerror(errno));
        rc = CLI_EXIT_ERROR;
    } else if (rename(tmp, path) != 0) {
        cli_error("%s: cannot rename %s: %s", path, tmp, strerror(errno));
        rc = CLI_EXIT_ERROR;
    }
    if (rc != CLI_EXIT_NOTHING)
        unlink(tmp);
    free(tmp);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    struct cli_parser p;
    const char *db = NULL, *output = NULL;
    int fmt = KZ_REPORT_MD, show_supp = 0, only_affected = 0, id;
    int64_t *ids = NULL;
    size_t nids = 0;
    int rc = CLI_EXIT_ERROR;
    kz_ctx *ctx = NULL;
    kz_store *st = NULL;
    char *json = NULL;
    char path[4096];

    ids = malloc(MAX_IDS * sizeof *ids);
    if (!ids) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    cli_parser_init(&p, &spec, argc, argv);
    while ((id = cli_next(&p)) != CLI_DONE) {
        switch (id) {
        case CLI_ERROR:
            goto out;
        case O_HELP:
            cli_help(&spec, stdout);
            rc = CLI_EXIT_NOTHING;
            goto out;
        case O_DB:
            db = p.arg;
            break;
        case O_ADVISORY:
            if (nids == MAX_IDS) {
                rc = cli_usage_error("report", "more than %d advisories",
                                     MAX_IDS);
                goto out;
            }
            if (parse_id(p.arg, &ids[nids]) != 0) {
                rc = cli_usage_error("report", "not an advisory id: '%s'",
                                     p.arg);
                goto out;
            }
            nids++;
            break;
        case O_FORMAT:
            fmt = kz_report_format_from_name(p.arg);
            if (fmt < 0) {
                rc = cli_usage_error("report", "unknown format '%s'", p.arg);
                goto out;
            }
            break;
        case O_OUTPUT:
            output = p.arg;
            break;
        case O_SUPP:
            show_supp = 1;
            break;
        case O_AFFECTED:
            only_affected = 1;
            break;
        default: /* an operand */
            rc = cli_usage_error("report", "unexpected argument '%s'", p.arg);
            goto out;
        }
    }
    if (!db) {
        if (kz_store_default_path(path, sizeof path) != KZ_OK) {
            rc = cli_usage_error("report", "no store: set KIZASHI_HOME or "
                                           "HOME, or give --db");
            goto out;
        }
        db = path;
    }
    if (kz_ctx_new(&ctx) != KZ_OK) {
        cli_error("out of memory");
        goto out;
    }
    if (kz_store_open(ctx, db, 0, &st) != KZ_OK) {
        cli_error("%s", kz_ctx_errmsg(ctx));
        goto out;
    }
    kz_report_opts o = KZ_REPORT_OPTS_INIT;
    o.advisories = ids;
    o.n_advisories = nids;
    o.show_suppressed = show_supp;
    o.only_affected = only_affected;
    kz_report_counts counts;
    if (kz_report_build(st, &o, &json, &counts) != KZ_OK) {
        cli_error("%s", kz_ctx_errmsg(ctx));
        goto out;
    }
    if (output && strcmp(output, "-") != 0) {
        rc = write_file(ctx, output, json, (kz_report_format)fmt);
    } else if (kz_report_write(ctx, json, strlen(json), (kz_report_format)fmt,
                               stdout) != KZ_OK) {
        rc = cli_write_error(errno);
    } else {
        rc = CLI_EXIT_NOTHING;
    }
    if (rc == CLI_EXIT_NOTHING && counts.affected)
        rc = CLI_EXIT_FOUND;
out:
    kz_report_free(json);
    kz_store_close(st);
    kz_ctx_free(ctx);
    free(ids);
    return rc;
}
