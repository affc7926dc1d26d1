/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi extract`: reads each input in 1 MiB chunks, feeds an extractor
 * made for that input, and hands every value to one IoC writer on stdout.
 * Exit status: 2 on a usage, write or fatal error or when no input could
 * be read, else 1 when something was printed, else 3 when some inputs
 * could not be read, else 0. An unreadable input never stops the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum {
    OPT_FORMAT = 1,
    OPT_ALL,
    OPT_ALL_OCC,
    OPT_TYPES,
    OPT_DEFANG,
    OPT_HTML,
    OPT_TEXT,
    OPT_QUIET,
    OPT_HELP
};

static const struct cli_opt extract_opts[] = {
    {OPT_FORMAT, 'f', "format", "FORMAT",
     "output format: tsv (default), json, csv, stix"},
    {OPT_TYPES, 't', "types", "LIST",
     "report only these types (comma-separated)"},
    {OPT_ALL, 'a', "all", NULL,
     "also report references (source links, benign sites)"},
    {OPT_ALL_OCC, 0, "all-occurrences", NULL,
     "report every occurrence, not each value once"},
    {OPT_DEFANG, 0, "defang", NULL, "print values defanged (hxxp, [.])"},
    {OPT_HTML, 0, "html", NULL, "read the input as HTML"},
    {OPT_TEXT, 0, "text", NULL, "read the input as plain text"},
    {OPT_QUIET, 'q', "quiet", NULL, "do not print warnings"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void extract_more_help(FILE *f)
{
    fputs("Types:", f);
    size_t col = 6;
    for (unsigned t = 1; t < KZ_T_COUNT_; t++) {
        const char *name = kz_type_name((kz_type)t);
        size_t n = strlen(name) + 2;
        if (col + n > 78) {
            fputs("\n ", f);
            col = 1;
        }
        fprintf(f, " %s%s", name, t + 1 < KZ_T_COUNT_ ? "," : "");
        col += n;
    }
    fputs("\n\nWith no FILE, or when FILE is -, read standard input. "
          "The input format\n(plain text, Markdown or HTML) is detected "
          "unless --html or --text is given.\nWith several inputs, the "
          "output names the input of each value.\n"
          "\nCSV fields starting with = + - @ TAB or CR get a leading ' "
          "(formula guard).\nJSON always holds the canonical value; "
          "--defang adds \"defanged_value\".\n"
          "STIX output is one bundle of indicators, and vulnerabilities "
          "for CVEs;\nother references are left out.\n"
          "\nExit status: 0 nothing found, 1 something found, 2 usage or "
          "fatal error,\nor no input could be read, 3 nothing found but "
          "some inputs could not be read.\n",
          f);
}

static const struct cli_spec extract_spec = {
    .cmd = "extract",
    .operands = "[FILE...|-]",
    .summary = "Find indicators of compromise (addresses, domains, URLs, "
               "hashes, ...) in\nadvisories and reports, defanged or not, "
               "and print one per line.",
    .opts = extract_opts,
    .more_help = extract_more_help,
};

/* Prints the valid type names, comma-separated, into buf. */
static void type_names(char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned t = 1; t < KZ_T_COUNT_ && len < cap; t++) {
        int n = snprintf(buf + len, cap - len, "%s%s", t > 1 ? ", " : "",
                         kz_type_name((kz_type)t));
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

/* Adds the comma-separated type names of list to *set. */
static int parse_types(const char *list, kz_typeset *set)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        kz_type t = kz_type_from_name(p, n);
        if (t == KZ_T_NONE) {
            char names[512];
            type_names(names, sizeof names);
            if (n == 0)
                return cli_usage_error("extract",
                                       "empty type name in '%s' (valid: %s)",
                                       list, names);
            return cli_usage_error("extract", "unknown type '%.*s' (valid: %s)",
                                   n > 200 ? 200 : (int)n, p, names);
        }
        *set |= (kz_typeset)1u << (unsigned)t;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

struct run {
    kz_ioc_writer *w;
    const char *input;
    int quiet;
    int references;     /* --all: pass references on to the writer */
    kz_status write_st; /* first writer failure */
    int write_errno;
    uint64_t printed;
};

static int on_value(void *ud, const kz_extracted *e)
{
    struct run *r = ud;
    /* References reach here when --all was given, when the type filter
     * names a context type (cve, asn: the library delivers those), or for
     * the CVEs of STIX (see below). */
    if (e->cls == KZ_CLASS_REFERENCE && !r->references && e->type != KZ_T_CVE &&
        e->type != KZ_T_ASN)
        return 0;
    kz_status st = kz_ioc_writer_put(r->w, r->input, e);
    if (st != KZ_OK) {
        r->write_errno = errno;
        r->write_st = st;
        return 1; /* stop: kz_extractor_feed returns KZ_ERR_ABORTED */
    }
    r->printed++;
    return 0;
}

static void on_diag(void *ud, kz_severity sev, const char *input, uint64_t line,
                    uint64_t column, const char *msg)
{
    const struct run *r = ud;
    char pos[48] = "";

    if (r->quiet && sev < KZ_SEV_ERROR)
        return;
    if (line && column)
        snprintf(pos, sizeof pos, ":%llu:%llu", (unsigned long long)line,
                 (unsigned long long)column);
    else if (line)
        snprintf(pos, sizeof pos, ":%llu", (unsigned long long)line);
    cli_error("%s%s: %s: %s", input ? input : "-", pos,
              sev == KZ_SEV_ERROR     ? "error"
              : sev == KZ_SEV_WARNING ? "warning"
                                      : "note",
              msg);
}

static const char *errmsg(const kz_ctx *ctx, kz_status st)
{
    const char *m = kz_ctx_errmsg(ctx);
    return m && *m ? m : kz_status_str(st);
}

/* Result of one input. */
enum input_result { INPUT_OK, INPUT_FAILED, INPUT_FATAL };

enum { CHUNK = 1 << 20 };

static enum input_result extract_one(kz_ctx *ctx, kz_extract_opts xo,
                                     struct run *r, char *buf)
{
    kz_extractor *x = NULL;
    enum input_result res = INPUT_OK;
    int fd = cli_open_input(r->input);
    kz_status st;

    if (fd < 0)
        return INPUT_FAILED;
    xo.input_name = r->input;
    st = kz_extractor_new(ctx, &xo, on_value, r, &x);
    if (st != KZ_OK) {
        cli_error("%s", errmsg(ctx, st));
        res = INPUT_FATAL;
        goto out;
    }
    for (;;) {
        ssize_t got = read(fd, buf, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            /* What was read is still reported; coverage is incomplete. */
            cli_error("%s: read error: %s", r->input, strerror(errno));
            res = INPUT_FAILED;
            break;
        }
        if (got == 0)
            break;
        if ((st = kz_extractor_feed(x, buf, (size_t)got)) != KZ_OK)
            break;
    }
    if (st == KZ_OK)
        st = kz_extractor_finish(x);
    if (st == KZ_ERR_ABORTED && r->write_st != KZ_OK) {
        if (r->write_st == KZ_ERR_IO)
            cli_write_error(r->write_errno);
        else
            cli_error("%s", errmsg(ctx, r->write_st));
        res = INPUT_FATAL;
    } else if (st != KZ_OK) {
        cli_error("%s: %s", r->input, errmsg(ctx, st));
        res = st == KZ_ERR_NOMEM ? INPUT_FATAL : INPUT_FAILED;
    }
out:
    kz_extractor_free(x);
    cli_close_input(fd);
    return res;
}

int cmd_extract(int argc, char **argv)
{
    kz_extract_opts xo = KZ_EXTRACT_OPTS_INIT;
    kz_ioc_writer_opts wo = KZ_IOC_WRITER_OPTS_INIT;
    struct run r = {0};
    struct cli_parser p;
    char **inputs = NULL, *buf = NULL;
    kz_ctx *ctx = NULL;
    size_t ninputs = 0, nfailed = 0;
    int id, rc = CLI_EXIT_ERROR;
    static char stdin_name[] = "-";

    inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (!inputs) {
        cli_error("out of memory");
        goto out;
    }
    cli_parser_init(&p, &extract_spec, argc, argv);
    while ((id = cli_next(&p)) != CLI_DONE) {
        switch (id) {
        case CLI_ERROR:
            goto out;
        case CLI_OPERAND:
            inputs[ninputs++] = (char *)p.arg;
            break;
        case OPT_FORMAT: {
            int fmt = kz_ioc_format_from_name(p.arg);
            if (fmt < 0) {
                cli_usage_error("extract",
                                "unknown format '%s' (valid: tsv, json, csv, "
                                "stix)",
                                p.arg);
                goto out;
            }
            wo.format = (kz_ioc_format)fmt;
            break;
        }
        case OPT_TYPES:
            if (parse_types(p.arg, &xo.types) != 0)
                goto out;
            break;
        case OPT_ALL:
            r.references = 1;
            break;
        case OPT_ALL_OCC:
            xo.all_occurrences = 1;
            break;
        case OPT_DEFANG:
            wo.defang = 1;
            break;
        case OPT_HTML:
            xo.format = KZ_TEXT_HTML;
            break;
        case OPT_TEXT:
            xo.format = KZ_TEXT_PLAIN;
            break;
        case OPT_QUIET:
            r.quiet = 1;
            break;
        case OPT_HELP:
            cli_help(&extract_spec, stdout);
            rc = CLI_EXIT_NOTHING;
            goto out;
        }
    }
    if (ninputs == 0)
        inputs[ninputs++] = stdin_name;
    wo.with_input = ninputs > 1;
    /* The extractor classes CVEs as references (context); STIX has them
     * as vulnerability objects, so a bundle asks for references and
     * on_value passes on only the CVEs unless --all was given. */
    xo.include_references = r.references || wo.format == KZ_IOC_STIX;

    buf = malloc(CHUNK);
    if (!buf || kz_ctx_new(&ctx) != KZ_OK) {
        cli_error("out of memory");
        goto out;
    }
    kz_ctx_set_diag(ctx, on_diag, &r);
    kz_status st = kz_ioc_writer_new(ctx, &wo, stdout, &r.w);
    if (st != KZ_OK) {
        cli_error("%s", errmsg(ctx, st));
        goto out;
    }
    for (size_t i = 0; i < ninputs; i++) {
        r.input = inputs[i];
        enum input_result res = extract_one(ctx, xo, &r, buf);
        if (res == INPUT_FATAL)
            goto out;
        nfailed += res == INPUT_FAILED;
    }
    if ((st = kz_ioc_writer_finish(r.w)) != KZ_OK) {
        if (st == KZ_ERR_IO)
            cli_write_error(errno);
        else
            cli_error("%s", errmsg(ctx, st));
        goto out;
    }
    if (nfailed > 0 && ninputs > 1)
        cli_error("%zu of %zu inputs could not be read", nfailed, ninputs);
    if (nfailed == ninputs)
        rc = CLI_EXIT_ERROR;
    else if (r.printed > 0)
        rc = CLI_EXIT_FOUND;
    else if (nfailed > 0)
        rc = CLI_EXIT_PARTIAL;
    else
        rc = CLI_EXIT_NOTHING;
out:
    kz_ioc_writer_free(r.w);
    kz_ctx_free(ctx);
    free(buf);
    free(inputs);
    return rc;
}
