/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table-driven option parser and the --help it prints. One table per
 * command is the only description of its options: parsing and help are
 * both read from it, so they cannot disagree.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"

void cli_parser_init(struct cli_parser *p, const struct cli_spec *spec,
                     int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->spec = spec;
    p->argc = argc;
    p->argv = argv;
    p->i = 1; /* argv[0] is the command's name */
}

static int parse_error(struct cli_parser *p, const char *what,
                       const char *dashes, const char *name, size_t len)
{
    int shown = len > 200 ? 200 : (int)len;
    p->cluster = NULL;
    cli_usage_error(p->spec->cmd, "%s '%s%.*s'", what, dashes, shown, name);
    return CLI_ERROR;
}

static int long_option(struct cli_parser *p, const char *name)
{
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct cli_opt *o = p->spec->opts;

    for (; o->id; o++)
        if (o->long_name && strlen(o->long_name) == len &&
            memcmp(o->long_name, name, len) == 0)
            break;
    if (!o->id)
        return parse_error(p, "unknown option", "--", name, len);
    if (o->arg) {
        if (eq)
            p->arg = eq + 1;
        else if (p->i < p->argc)
            p->arg = p->argv[p->i++];
        else
            return parse_error(p, "missing argument for option", "--", name,
                               len);
    } else if (eq) {
        return parse_error(p, "no argument allowed for option", "--", name,
                           len);
    }
    return o->id;
}

static int short_option(struct cli_parser *p)
{
    const char *at = p->cluster++;
    const struct cli_opt *o = p->spec->opts;

    for (; o->id; o++)
        if (o->short_name && o->short_name == *at)
            break;
    if (!o->id)
        return parse_error(p, "unknown option", "-", at, 1);
    if (o->arg) {
        if (*p->cluster)
            p->arg = p->cluster; /* -fjson */
        else if (p->i < p->argc)
            p->arg = p->argv[p->i++];
        else
            return parse_error(p, "missing argument for option", "-", at, 1);
        p->cluster = NULL;
    }
    return o->id;
}

int cli_next(struct cli_parser *p)
{
    p->arg = NULL;
    if (p->cluster && *p->cluster)
        return short_option(p);
    p->cluster = NULL;
    while (p->i < p->argc) {
        char *a = p->argv[p->i++];
        if (p->operands_only || a[0] != '-' || a[1] == '\0') {
            p->arg = a;
            return CLI_OPERAND;
        }
        if (a[1] != '-') {
            p->cluster = a + 1;
            return short_option(p);
        }
        if (a[2] != '\0')
            return long_option(p, a + 2);
        p->operands_only = 1; /* "--" */
    }
    return CLI_DONE;
}

/* "-f, --format FORMAT" into buf; returns its length. */
static size_t opt_label(const struct cli_opt *o, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s%c%s%s%s%s%s", o->short_name ? "-" : " ",
                     o->short_name ? o->short_name : ' ',
                     o->short_name && o->long_name ? ", " : "  ",
                     o->long_name ? "--" : "", o->long_name ? o->long_name : "",
                     o->arg ? " " : "", o->arg ? o->arg : "");
    return n < 0 ? 0 : ((size_t)n >= cap ? cap - 1 : (size_t)n);
}

void cli_help(const struct cli_spec *spec, FILE *f)
{
    enum { MAX_WIDTH = 28 };
    char label[128];
    size_t width = 0;

    fprintf(f, "Usage: kizashi %s [OPTIONS]%s%s\n%s\n", spec->cmd,
            spec->operands ? " " : "", spec->operands ? spec->operands : "",
            spec->summary);
    for (const struct cli_opt *o = spec->opts; o->id; o++) {
        size_t n = opt_label(o, label, sizeof label);
        if (n <= MAX_WIDTH && n > width)
            width = n;
    }
    fputs("\nOptions:\n", f);
    for (const struct cli_opt *o = spec->opts; o->id; o++) {
        size_t n = opt_label(o, label, sizeof label);
        if (n > width)
            fprintf(f, "  %s\n  %*s  %s\n", label, (int)width, "", o->help);
        else
            fprintf(f, "  %-*s  %s\n", (int)width, label, o->help);
    }
    if (spec->more_help) {
        putc('\n', f);
        spec->more_help(f);
    }
}

int cli_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    unsigned shift = 0;
    switch (*p) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case 't':
    case 'T':
        shift = 40;
        break;
    case 0:
        break;
    default:
        return -1;
    }
    if (shift) {
        p++;
        if ((p[0] == 'i' || p[0] == 'I') && (p[1] == 'b' || p[1] == 'B'))
            p += 2;
        else if (p[0] == 'b' || p[0] == 'B')
            p++;
        if (v > (UINT64_MAX >> shift))
            return -1;
        v <<= shift;
    }
    if (*p)
        return -1;
    *out = v;
    return 0;
}
