/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi refang` copies text with kz_refang applied line by line (a line
 * longer than KZ_MAX_LINE is refanged in pieces, so memory stays bounded);
 * `kizashi defang` prints values normalized, then defanged for display.
 * Both exit 0 when everything went through, 2 otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_HELP = 1, OPT_TYPE };

/* ==== refang ============================================================ */

static const struct cli_opt refang_opts[] = {
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void refang_more_help(FILE *f)
{
    fputs("With no FILE, or when FILE is -, read standard input.\n"
          "Example: 'hxxps://evil[.]com/a' becomes "
          "'https://evil.com/a'.\n"
          "\nExit status: 0 success, 2 an input could not be read or "
          "output failed.\n",
          f);
}

static const struct cli_spec refang_spec = {
    .cmd = "refang",
    .operands = "[FILE...|-]",
    .summary = "Copy text to standard output with defanged indicators "
               "(hxxp://, [.], (dot),\n[@], full-width dots, ...) made "
               "plain again.",
    .opts = refang_opts,
    .more_help = refang_more_help,
};

/* 0: copied; 1: the input failed (reported); 2: output failed (*werr
 * gets errno). */
static int refang_one(const char *name, char *out, int *werr)
{
    struct cli_reader rd;
    const char *s;
    size_t n;
    enum cli_line_end how;
    int fd = cli_open_input(name), got, rc = 0;

    if (fd < 0)
        return 1;
    if (cli_reader_init(&rd, fd, KZ_MAX_LINE) != 0) {
        cli_error("out of memory");
        cli_close_input(fd);
        return 2;
    }
    while ((got = cli_reader_next(&rd, &s, &n, &how)) > 0) {
        size_t len = kz_refang(s, n, out, KZ_MAX_LINE + 1);
        fwrite(out, 1, len, stdout);
        if (how == CLI_LINE_NL)
            putchar('\n');
        if (ferror(stdout)) {
            *werr = errno;
            rc = 2;
            break;
        }
    }
    if (got < 0) {
        cli_error("%s: read error: %s", name, strerror(errno));
        rc = 1;
    }
    cli_reader_free(&rd);
    cli_close_input(fd);
    return rc;
}

int cmd_refang(int argc, char **argv)
{
    struct cli_parser p;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    char *out = malloc(KZ_MAX_LINE + 1);
    size_t ninputs = 0;
    int id, rc = CLI_EXIT_NOTHING;
    static char stdin_name[] = "-";

    if (!inputs || !out) {
        cli_error("out of memory");
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    cli_parser_init(&p, &refang_spec, argc, argv);
    while ((id = cli_next(&p)) != CLI_DONE) {
        if (id == CLI_ERROR) {
            rc = CLI_EXIT_ERROR;
            goto out;
        }
        if (id == OPT_HELP) {
            cli_help(&refang_spec, stdout);
            goto out;
        }
        inputs[ninputs++] = (char *)p.arg;
    }
    if (ninputs == 0)
        inputs[ninputs++] = stdin_name;
    for (size_t i = 0; i < ninputs; i++) {
        int werr = 0;
        int r = refang_one(inputs[i], out, &werr);
        if (r == 2) {
            rc = ferror(stdout) ? cli_write_error(werr) : CLI_EXIT_ERROR;
            goto out;
        }
        if (r == 1)
            rc = CLI_EXIT_ERROR;
    }
    if (cli_flush_stdout() != 0)
        rc = CLI_EXIT_ERROR;
out:
    free(out);
    free(inputs);
    return rc;
}

/* ==== defang ============================================================ */

static const struct cli_opt defang_opts[] = {
    {OPT_TYPE, 't', "type", "TYPE",
     "type of the values (default: guessed from each value)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void defang_more_help(FILE *f)
{
    fputs("With no VALUE, read one value per line from standard input.\n"
          "Values are refanged and normalized first, so defanging is "
          "idempotent.\n"
          "Example: 'https://evil.com/a' becomes 'hxxps://evil[.]com/a'.\n"
          "\nExit status: 0 success, 2 a value was not valid or output "
          "failed.\n",
          f);
}

static const struct cli_spec defang_spec = {
    .cmd = "defang",
    .operands = "[VALUE...]",
    .summary = "Print values defanged, safe to paste into mail and tickets.",
    .opts = defang_opts,
    .more_help = defang_more_help,
};

/* The type of an untyped value, by its shape; KZ_T_NONE when no guess
 * normalizes. */
static kz_type guess_type(const char *s, size_t n, char *norm, size_t cap,
                          size_t *len)
{
    static const kz_type order[] = {KZ_T_IPV4, KZ_T_IPV6, KZ_T_DOMAIN,
                                    KZ_T_MD5};
    kz_type t = KZ_T_NONE;

    for (size_t i = 0; i + 2 < n && t == KZ_T_NONE; i++)
        if (memcmp(s + i, "://", 3) == 0)
            t = KZ_T_URL;
    if (t == KZ_T_NONE && memchr(s, '@', n))
        t = KZ_T_EMAIL;
    if (t == KZ_T_NONE && memchr(s, '/', n))
        t = KZ_T_CIDR;
    if (t != KZ_T_NONE)
        return kz_normalize(t, s, n, norm, cap, len) == KZ_OK ? t : KZ_T_NONE;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        t = order[i];
        if (t == KZ_T_MD5) /* any digest: kz_normalize checks the length */
            t = n == 40    ? KZ_T_SHA1
                : n == 64  ? KZ_T_SHA256
                : n == 128 ? KZ_T_SHA512
                           : KZ_T_MD5;
        if (kz_normalize(t, s, n, norm, cap, len) == KZ_OK)
            return t;
    }
    return KZ_T_NONE;
}

struct defang_buf {
    char fanged[KZ_MAX_VALUE + 1];
    char norm[KZ_MAX_VALUE + 1];
    char out[2 * KZ_MAX_VALUE + 9];
};

/* 0 printed; 1 invalid value (reported). */
static int defang_one(kz_type type, const char *s, size_t n,
                      struct defang_buf *b)
{
    size_t len = 0, outlen = 0;
    kz_type t = type;

    while (n > 0 && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n > KZ_MAX_VALUE) {
        cli_error("value too long (%zu bytes, at most %u)", n,
                  (unsigned)KZ_MAX_VALUE);
        return 1;
    }
    n = kz_refang(s, n, b->fanged, sizeof b->fanged);
    if (t == KZ_T_NONE) {
        t = guess_type(b->fanged, n, b->norm, sizeof b->norm, &len);
        if (t == KZ_T_NONE) {
            cli_error("cannot tell the type of '%.*s'; use --type", (int)n,
                      b->fanged);
            return 1;
        }
    } else {
        kz_status st =
            kz_normalize(t, b->fanged, n, b->norm, sizeof b->norm, &len);
        if (st != KZ_OK) {
            cli_error("'%.*s' is not a valid %s: %s", (int)n, b->fanged,
                      kz_type_name(t), kz_status_str(st));
            return 1;
        }
    }
    kz_status st = kz_defang(t, b->norm, len, b->out, sizeof b->out, &outlen);
    if (st != KZ_OK) {
        cli_error("cannot defang '%.*s': %s", (int)len, b->norm,
                  kz_status_str(st));
        return 1;
    }
    fwrite(b->out, 1, outlen, stdout);
    putchar('\n');
    return 0;
}

/* One value per line of standard input; blank lines are skipped. */
static int defang_stdin(kz_type type, struct defang_buf *b)
{
    struct cli_reader rd;
    const char *s;
    size_t n;
    enum cli_line_end how;
    int got, bad = 0, skipping = 0;

    if (cli_reader_init(&rd, 0, KZ_MAX_VALUE + 64) != 0) {
        cli_error("out of memory");
        return 1;
    }
    while ((got = cli_reader_next(&rd, &s, &n, &how)) > 0) {
        if (skipping || how == CLI_LINE_CUT) {
            if (!skipping)
                cli_error("-: value too long (more than %u bytes)",
                          (unsigned)KZ_MAX_VALUE);
            bad = 1;
            skipping = how == CLI_LINE_CUT;
            continue;
        }
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i < n)
            bad |= defang_one(type, s, n, b);
        if (ferror(stdout))
            break;
    }
    if (got < 0) {
        cli_error("-: read error: %s", strerror(errno));
        bad = 1;
    }
    cli_reader_free(&rd);
    return bad;
}

int cmd_defang(int argc, char **argv)
{
    struct cli_parser p;
    struct defang_buf *b = NULL;
    kz_type type = KZ_T_NONE;
    int id, bad = 0, nvalues = 0, rc = CLI_EXIT_ERROR;

    cli_parser_init(&p, &defang_spec, argc, argv);
    while ((id = cli_next(&p)) != CLI_DONE) {
        if (id == CLI_ERROR)
            return CLI_EXIT_ERROR;
        if (id == OPT_HELP) {
            cli_help(&defang_spec, stdout);
            return CLI_EXIT_NOTHING;
        }
        if (id == OPT_TYPE) {
            type = kz_type_from_name(p.arg, strlen(p.arg));
            if (type == KZ_T_NONE)
                return cli_usage_error("defang", "unknown type '%s'", p.arg);
        }
    }
    b = malloc(sizeof *b);
    if (!b) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    /* Second pass for the values, now that --type is known wherever it
     * was written. */
    cli_parser_init(&p, &defang_spec, argc, argv);
    while ((id = cli_next(&p)) != CLI_DONE) {
        if (id != CLI_OPERAND)
            continue;
        nvalues++;
        bad |= defang_one(type, p.arg, strlen(p.arg), b);
        if (ferror(stdout))
            break;
    }
    if (nvalues == 0)
        bad |= defang_stdin(type, b);
    if (ferror(stdout))
        rc = cli_write_error(errno);
    else if (cli_flush_stdout() == 0)
        rc = bad ? CLI_EXIT_ERROR : CLI_EXIT_NOTHING;
    free(b);
    return rc;
}
