/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi export`: the store's active, unexpired indicators written for a
 * prevention tool (Suricata, Zeek, nftables, RPZ, YARA, STIX, CSV, a
 * list). Known false positives (warninglists, the allowlist) are left out
 * unless asked for. Invariant: -o FILE is written to a temporary file
 * beside it and renamed only when everything was written, so FILE is
 * always a whole export, the old or the new one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum {
    O_HELP = 1,
    O_DB,
    O_FORMAT,
    O_ADVISORY,
    O_TYPES,
    O_SUPPRESSED,
    O_MINCONF,
    O_OUTPUT,
    O_SIDBASE,
    O_DATASETS,
    O_QUIET
};

static const struct cli_opt opts[] = {
    {O_FORMAT, 'f', "format", "F",
     "suricata, suricata-datasets, zeek, nft, rpz, yara, stix, csv or list "
     "(required)"},
    {O_ADVISORY, 'a', "advisory", "ID",
     "only the indicators of this advisory (repeatable)"},
    {O_TYPES, 't', "types", "T,T...", "only indicators of these types"},
    {O_SUPPRESSED, 0, "include-suppressed", NULL,
     "also what a warninglist or the allowlist names"},
    {O_MINCONF, 0, "min-confidence", "N",
     "only indicators of confidence N (0-100) or more (unknown: left out)"},
    {O_OUTPUT, 'o', "output", "FILE",
     "write FILE (by way of a temporary file) instead of standard output"},
    {O_DB, 0, "db", "PATH", "the store (default $KIZASHI_HOME/intel.db)"},
    {O_SIDBASE, 0, "sid-base", "N",
     "suricata: first sid (default 9000000; sids are N + 100 + 4 x "
     "indicator id + k)"},
    {O_DATASETS, 0, "datasets", "DIR",
     "suricata-datasets: where the dataset files go (default: the folder "
     "of -o FILE)"},
    {O_QUIET, 'q', "quiet", NULL, "no summary and no warnings on stderr"},
    {O_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void more_help(FILE *f)
{
    fputs("\nExports the indicators `kizashi compile` indexes, less the "
          "expired ones:\nstill in their feed and valid now. Only types "
          "meaningful to the format go\nin; the summary on stderr counts "
          "what was written per type and what was\nleft out, and why (type "
          "not expressible, suppressed, invalid for the\nformat: each "
          "invalid one is named by its indicator id).\n"
          "Formats (docs/formats.md):\n"
          "  suricata           dns.query/tls.sni/http.host rules for "
          "domains (and\n"
          "                     their subdomains), grouped address rules, "
          "URL,\n"
          "                     User-Agent and JA3 rules\n"
          "  suricata-datasets  the same with domains and user agents in "
          "datasets\n"
          "                     (exact names) and MD5/SHA-1/SHA-256 lists "
          "for\n"
          "                     filemd5/filesha1/filesha256\n"
          "  zeek               an Intel framework file\n"
          "  nft                an nftables script: sets kizashi_v4/v6 "
          "(merged\n"
          "                     intervals) and drop rules; reloadable\n"
          "  rpz                a DNS Response Policy Zone (names, "
          "subdomains, rpz-ip)\n"
          "  yara               one rule per threat or advisory: digests "
          "and strings\n"
          "  stix               a STIX 2.1 bundle\n"
          "  csv, list          a table, or one value per line (a blocklist "
          "with -t)\n"
          "Exit status: 0 written, 2 usage or fatal error (nothing "
          "written).\n",
          f);
}

static const struct cli_spec spec = {
    "export", NULL,
    "write the store's indicators as rules, sets, zones or lists for "
    "prevention",
    opts, more_help};

struct run {
    kz_exporter *x;
    kz_judge *judge;
    kz_status failed; /* a fatal status from the exporter */
    uint64_t suppressed[KZ_T_COUNT_];
    kz_typeset types; /* the format's */
    int quiet;
    unsigned warnings;
};

static void on_diag(void *ud, kz_severity sev, const char *input, uint64_t line,
                    uint64_t column, const char *msg)
{
    struct run *r = ud;
    (void)input;
    (void)line;
    (void)column;
    if (r->quiet && sev < KZ_SEV_ERROR)
        return;
    if (++r->warnings > 50 && sev < KZ_SEV_ERROR) {
        if (r->warnings == 51)
            cli_error("further warnings only counted");
        return;
    }
    cli_error("%s", msg);
}

static int on_indicator(void *ud, const kz_store_indicator *i)
{
    struct run *r = ud;
    kz_export_item it = {
        i->id,         i->type,    i->value,      i->value_len,  i->threats,
        i->advisories, i->sources, i->confidence, i->first_seen, i->last_seen};
    /* Only what the format could write is judged, so "suppressed" counts
     * what would otherwise be in the output. */
    if (KZ_TYPESET_HAS(r->types, i->type) && r->judge) {
        char why[256];
        if (kz_judge_check(r->judge, i->type, i->value, i->value_len, why,
                           sizeof why)) {
            r->suppressed[i->type]++;
            return 0;
        }
    }
    kz_status s = kz_exporter_put(r->x, &it);
    if (s == KZ_OK || s == KZ_ERR_PARSE || s == KZ_ERR_UNSUPPORTED)
        return 0;
    r->failed = s;
    return 1;
}

/* "domain 2, ipv4 3" for the nonzero counts; returns the sum. */
static uint64_t counts(FILE *f, const uint64_t *c)
{
    uint64_t sum = 0;
    for (int t = 1; t < KZ_T_COUNT_; t++) {
        if (!c[t])
            continue;
        fprintf(f, "%s%s %" PRIu64, sum ? ", " : "", kz_type_name((kz_type)t),
                c[t]);
        sum += c[t];
    }
    return sum;
}

static uint64_t total(const uint64_t *c)
{
    uint64_t s = 0;
    for (int t = 1; t < KZ_T_COUNT_; t++)
        s += c[t];
    return s;
}

static void summary(const struct run *r, const kz_export_stats *st,
                    const char *fmt, const char *dest, uint64_t filtered)
{
    uint64_t w = total(st->written), u = total(st->unsupported),
             s = total(r->suppressed), v = total(st->invalid);
    fprintf(stderr, "kizashi: exported %" PRIu64 " indicators as %s to ", w,
            fmt);
    kz_write_escaped_text(stderr, dest, strlen(dest));
    fprintf(stderr, " (%" PRIu64 " %s", st->rules,
            strncmp(fmt, "suricata", 8) == 0 || strcmp(fmt, "yara") == 0
                ? "rules"
            : strcmp(fmt, "nft") == 0 ? "set elements"
            : strcmp(fmt, "rpz") == 0 ? "records"
                                      : "entries");
    if (st->merged)
        fprintf(stderr, ", %" PRIu64 " merged into others", st->merged);
    fputs(")", stderr);
    if (w) {
        fputs(": ", stderr);
        counts(stderr, st->written);
    }
    fputs("\n", stderr);
    if (u + s + v == 0 && !filtered)
        return;
    fprintf(stderr, "kizashi: left out %" PRIu64 ":", u + s + v + filtered);
    const char *sep = " ";
    if (u) {
        fprintf(stderr, "%snot expressible in %s: ", sep, fmt);
        counts(stderr, st->unsupported);
        sep = "; ";
    }
    if (s) {
        fprintf(stderr,
                "%ssuppressed by a warninglist or the allowlist "
                "(--include-suppressed): ",
                sep);
        counts(stderr, r->suppressed);
        sep = "; ";
    }
    if (v) {
        fprintf(stderr, "%sinvalid for %s: ", sep, fmt);
        counts(stderr, st->invalid);
        sep = "; ";
    }
    if (filtered)
        fprintf(stderr, "%snot of --types or below --min-confidence: %" PRIu64,
                sep, filtered);
    fputs("\n", stderr);
}

/* Parses a decimal number into *v (at most max). */
static int parse_num(const char *s, uint64_t max, uint64_t *v)
{
    uint64_t n = 0;
    if (!*s)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || n > (max - (uint64_t)(*p - '0')) / 10)
            return -1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *v = n;
    return 0;
}

static int parse_types(const char *s, kz_typeset *set)
{
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        kz_type t = kz_type_from_name(s, n);
        if (t == KZ_T_NONE)
            return -1;
        *set |= (kz_typeset)1u << (unsigned)t;
        s += n + (e ? 1 : 0);
    }
    return 0;
}

static int err_ctx(kz_ctx *ctx, kz_status s)
{
    const char *m = kz_ctx_errmsg(ctx);
    cli_error("%s", m && *m ? m : kz_status_str(s));
    return CLI_EXIT_ERROR;
}

int cmd_export(int argc, char **argv)
{
    struct cli_parser p;
    const char *db = NULL, *out = NULL, *dsdir = NULL;
    int format = -1, include_supp = 0, quiet = 0, rc = 0;
    kz_store_filter filter = KZ_STORE_FILTER_INIT;
    uint64_t sid_base = 0, v;
    int64_t *adv = calloc((size_t)argc + 1, sizeof *adv);
    size_t nadv = 0;
    if (!adv)
        return CLI_EXIT_ERROR;
    cli_parser_init(&p, &spec, argc, argv);
    int id;
    while (!rc && (id = cli_next(&p)) != CLI_DONE) {
        switch (id) {
        case CLI_ERROR:
            rc = CLI_EXIT_ERROR;
            break;
        case CLI_OPERAND:
            rc = cli_usage_error("export", "unexpected operand '%s'", p.arg);
            break;
        case O_HELP:
            cli_help(&spec, stdout);
            free(adv);
            return cli_flush_stdout();
        case O_FORMAT:
            format = kz_export_format_from_name(p.arg);
            if (format < 0)
                rc = cli_usage_error("export", "unknown format '%s'", p.arg);
            break;
        case O_ADVISORY:
            if (parse_num(p.arg, INT64_MAX, &v) || !v)
                rc = cli_usage_error("export", "not an advisory id: '%s'",
                                     p.arg);
            else
                adv[nadv++] = (int64_t)v;
            break;
        case O_TYPES:
            if (parse_types(p.arg, &filter.types))
                rc = cli_usage_error("export", "unknown type in '%s'", p.arg);
            break;
        case O_SUPPRESSED:
            include_supp = 1;
            break;
        case O_MINCONF:
            if (parse_num(p.arg, 100, &v))
                rc = cli_usage_error("export", "not a confidence (0-100): '%s'",
                                     p.arg);
            else
                filter.min_confidence = (int)v;
            break;
        case O_OUTPUT:
            out = p.arg;
            break;
        case O_DB:
            db = p.arg;
            break;
        case O_SIDBASE:
            if (parse_num(p.arg, 4000000000u, &sid_base) || !sid_base)
                rc = cli_usage_error("export", "not a sid (1-4000000000): '%s'",
                                     p.arg);
            break;
        case O_DATASETS:
            dsdir = p.arg;
            break;
        case O_QUIET:
            quiet = 1;
            break;
        }
    }
    if (!rc && format < 0)
        rc = cli_usage_error("export", "no format given (--format)");
    if (!rc && out && strcmp(out, "-") == 0)
        out = NULL;
    char dsbuf[4096];
    if (!rc && format == KZ_EXPORT_SURICATA_DATASETS && !dsdir) {
        if (!out) {
            rc = cli_usage_error("export", "suricata-datasets to standard "
                                           "output needs --datasets DIR");
        } else {
            snprintf(dsbuf, sizeof dsbuf, "%s", out);
            dsdir = dirname(dsbuf);
        }
    }
    if (rc) {
        free(adv);
        return rc;
    }
    filter.advisory_ids = adv;
    filter.nadvisory_ids = nadv;

    kz_ctx *ctx = NULL;
    kz_store *st = NULL;
    FILE *f = NULL;
    char tmp[4200] = "", dbp[4096];
    struct run r;
    memset(&r, 0, sizeof r);
    r.quiet = quiet;
    r.types = kz_export_format_types((kz_export_format)format);
    if (kz_ctx_new(&ctx) != KZ_OK) {
        free(adv);
        return CLI_EXIT_ERROR;
    }
    kz_ctx_set_diag(ctx, on_diag, &r);
    if (!db) {
        if (kz_store_default_path(dbp, sizeof dbp) != KZ_OK) {
            rc = cli_usage_error("export", "no store: set KIZASHI_HOME or "
                                           "HOME, or give --db");
            goto out;
        }
        db = dbp;
    }
    struct stat sb;
    if (stat(db, &sb) != 0) {
        cli_error("%s: no intel store here yet: add intel first (kizashi "
                  "intel add FILE)",
                  db);
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    kz_status s = kz_store_open(ctx, db, 0, &st);
    if (s == KZ_OK && !include_supp)
        s = kz_judge_load(st, 0, &r.judge);
    if (s != KZ_OK) {
        rc = err_ctx(ctx, s);
        goto out;
    }
    if (out) {
        snprintf(dbp, sizeof dbp, "%s", out);
        const char *base = strrchr(out, '/');
        char dirb[4096];
        snprintf(dirb, sizeof dirb, "%s", out);
        snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dirname(dirb),
                 base ? base + 1 : out);
        int fd = mkstemp(tmp);
        if (fd < 0) {
            cli_error("%s: cannot create: %s", tmp, strerror(errno));
            tmp[0] = 0;
            rc = CLI_EXIT_ERROR;
            goto out;
        }
        mode_t um = umask(0);
        umask(um);
        (void)fchmod(fd, 0666 & ~um);
        f = fdopen(fd, "w");
        if (!f) {
            close(fd);
            cli_error("%s: %s", tmp, strerror(errno));
            rc = CLI_EXIT_ERROR;
            goto out;
        }
    }
    kz_export_opts eo = KZ_EXPORT_OPTS_INIT;
    eo.format = (kz_export_format)format;
    eo.sid_base = (uint32_t)sid_base;
    eo.datasets_dir = dsdir;
    if ((s = kz_exporter_new(ctx, &eo, f ? f : stdout, &r.x)) != KZ_OK) {
        rc = err_ctx(ctx, s);
        goto out;
    }
    uint64_t filtered = 0;
    s = kz_store_each_indicator(st, &filter, on_indicator, &r, &filtered);
    if (s == KZ_ERR_ABORTED)
        s = r.failed;
    if (s == KZ_OK)
        s = kz_exporter_finish(r.x);
    if (s == KZ_OK && f) {
        int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
        int e = errno;
        bad |= fclose(f) != 0;
        f = NULL;
        if (bad) {
            cli_error("%s: write error: %s", out, strerror(e ? e : EIO));
            rc = CLI_EXIT_ERROR;
            goto out;
        }
        if (rename(tmp, out) != 0) {
            cli_error("%s: cannot rename into place: %s", out, strerror(errno));
            rc = CLI_EXIT_ERROR;
            goto out;
        }
        tmp[0] = 0;
    }
    if (s != KZ_OK) {
        if (s == KZ_ERR_IO && !f && !out && errno == EPIPE)
            rc = CLI_EXIT_ERROR;
        else
            rc = err_ctx(ctx, s);
        goto out;
    }
    if (!out && (rc = cli_flush_stdout()) != 0)
        goto out;
    if (!quiet) {
        kz_export_stats es;
        kz_exporter_get_stats(r.x, &es);
        summary(&r, &es, kz_export_format_name((kz_export_format)format),
                out ? out : "standard output", filtered);
    }
out:
    if (f)
        fclose(f);
    if (tmp[0])
        unlink(tmp);
    kz_exporter_free(r.x);
    kz_judge_free(r.judge);
    kz_store_close(st);
    kz_ctx_free(ctx);
    free(adv);
    return rc;
}
