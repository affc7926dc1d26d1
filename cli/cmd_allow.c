/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi allow add|list|rm|check`: the local allowlist of the store --
 * values an analyst judged benign, with who, when and why. Hits on them
 * (as indicators or as observed values) are suppressed: counted, shown
 * with `hunt --show-suppressed`, never silently lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum { O_HELP = 1, O_DB, O_REASON, O_TYPE, O_EXPIRES, O_WHO, O_JSON };

static const struct cli_opt opts[] = {
    {O_DB, 0, "db", "PATH", "the store (default $KIZASHI_HOME/intel.db)"},
    {O_REASON, 'r', "reason", "TEXT",
     "add: why the value is benign (required; shown with every hit it "
     "suppresses)"},
    {O_TYPE, 't', "type", "TYPE",
     "add, check: the value's type (default: guessed; domain, ipv4, cidr, "
     "url, sha256, filename, ...)"},
    {O_EXPIRES, 0, "expires", "DATE",
     "add: the entry ends at DATE (ISO 8601); default never"},
    {O_WHO, 0, "who", "NAME", "add: who decided (default $USER)"},
    {O_JSON, 0, "json", NULL, "list, check: JSON output"},
    {O_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void more_help(FILE *f)
{
    fputs("\nCommands:\n"
          "  add VALUE --reason TEXT   allow a value (refanged and "
          "normalized first)\n"
          "  list                      the entries, with who, when, why\n"
          "  rm ID|VALUE               remove an entry\n"
          "  check VALUE               say whether the allowlist or a "
          "warninglist names VALUE\n"
          "\nAn allowed domain covers its subdomains, an allowed network its "
          "addresses.\nThe next `kizashi hunt` compiles the index again; "
          "hits on allowed values\nare then suppressed (see --show-"
          "suppressed). Exit status: 0 done (check:\nnot named), 1 check: "
          "named, 2 usage or fatal error.\n",
          f);
}

static const struct cli_spec spec = {"allow", "add|list|rm|check [VALUE]",
                                     "keep the values judged benign", opts,
                                     more_help};

struct list_state {
    int json;
    json_t *arr;
    unsigned n;
};

static int list_one(void *ud, const kz_allow_entry *e)
{
    struct list_state *ls = ud;
    char c[32], x[32];
    kz_time_format(e->created, c);
    kz_time_format(e->expires, x);
    ls->n++;
    if (ls->json) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id",
                              (json_int_t)e->id, "type", kz_type_name(e->type),
                              "value", e->value ? e->value : "", "reason",
                              e->reason ? e->reason : "", "who",
                              e->who ? e->who : "", "created", c);
        if (!o)
            return 1;
        if (e->expires)
            json_object_set_new(o, "expires", json_string(x));
        json_array_append_new(ls->arr, o);
        return 0;
    }
    printf("%lld  %s ", (long long)e->id, kz_type_name(e->type));
    kz_write_escaped_text(stdout, e->value ? e->value : "",
                          e->value ? strlen(e->value) : 0);
    printf("  %s by ", c);
    kz_write_escaped_text(stdout, e->who ? e->who : "",
                          e->who ? strlen(e->who) : 0);
    if (e->expires)
        printf(", until %s", x);
    fputs(": ", stdout);
    kz_write_escaped_text(stdout, e->reason ? e->reason : "",
                          e->reason ? strlen(e->reason) : 0);
    putchar('\n');
    return 0;
}

static int fail(kz_ctx *ctx)
{
    const char *m = kz_ctx_errmsg(ctx);
    cli_error("%s", m && *m ? m : "failed");
    return CLI_EXIT_ERROR;
}

static int do_check(kz_store *st, kz_ctx *ctx, kz_type t, const char *value,
                    int json)
{
    size_t n = strlen(value);
    char *ref = malloc(n + 1), norm[4096];
    if (!ref)
        return CLI_EXIT_ERROR;
    size_t rn = kz_refang(value, n, ref, n + 1);
    if (t == KZ_T_NONE)
        t = kz_guess_type(ref, rn);
    size_t nl = 0;
    if (t == KZ_T_NONE ||
        kz_normalize(t, ref, rn, norm, sizeof norm, &nl) != KZ_OK) {
        free(ref);
        return cli_usage_error("allow",
                               "'%s' is not a value of a type kizashi "
                               "knows (give --type)",
                               value);
    }
    free(ref);
    kz_judge *j = NULL;
    if (kz_judge_load(st, 0, &j) != KZ_OK)
        return fail(ctx);
    char why[256];
    int named = kz_judge_check(j, t, norm, nl, why, sizeof why);
    kz_judge_free(j);
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:b}", "type", kz_type_name(t),
                              "value", norm, "suppressed", named);
        if (o && named)
            json_object_set_new(o, "why", json_string(why));
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else {
        printf("%s ", kz_type_name(t));
        kz_write_escaped_text(stdout, norm, nl);
        if (named) {
            fputs(": suppressed, ", stdout);
            kz_write_escaped_text(stdout, why, strlen(why));
            putchar('\n');
        } else {
            fputs(": not in the allowlist nor in a warninglist\n", stdout);
        }
    }
    int rc = cli_flush_stdout();
    return rc ? rc : named ? CLI_EXIT_FOUND : CLI_EXIT_NOTHING;
}

int cmd_allow(int argc, char **argv)
{
    struct cli_parser p;
    cli_parser_init(&p, &spec, argc, argv);
    const char *db = NULL, *reason = NULL, *who = NULL, *ops[3] = {0};
    kz_type type = KZ_T_NONE;
    kz_time expires = 0;
    int json = 0, id;
    size_t nops = 0;
    while ((id = cli_next(&p)) != CLI_DONE) {
        switch (id) {
        case CLI_ERROR:
            return CLI_EXIT_ERROR;
        case CLI_OPERAND:
            if (nops == 2)
                return cli_usage_error("allow", "unexpected argument '%s'",
                                       p.arg);
            ops[nops++] = p.arg;
            break;
        case O_HELP:
            cli_help(&spec, stdout);
            return cli_flush_stdout();
        case O_DB:
            db = p.arg;
            break;
        case O_REASON:
            reason = p.arg;
            break;
        case O_WHO:
            who = p.arg;
            break;
        case O_JSON:
            json = 1;
            break;
        case O_TYPE:
            type = kz_type_from_name(p.arg, strlen(p.arg));
            if (type == KZ_T_NONE)
                return cli_usage_error("allow", "unknown type '%s'", p.arg);
            break;
        case O_EXPIRES:
            if (kz_time_parse(p.arg, strlen(p.arg), &expires) != KZ_OK)
                return cli_usage_error("allow",
                                       "--expires: '%s' is not a "
                                       "date (ISO 8601)",
                                       p.arg);
            break;
        default:
            break;
        }
    }
    if (!nops)
        return cli_usage_error("allow", "no command (add, list, rm, check)");
    const char *cmd = ops[0];
    int add = strcmp(cmd, "add") == 0, list = strcmp(cmd, "list") == 0,
        rm = strcmp(cmd, "rm") == 0, check = strcmp(cmd, "check") == 0;
    if (!add && !list && !rm && !check)
        return cli_usage_error("allow", "unknown command '%s'", cmd);
    if (!list && nops != 2)
        return cli_usage_error("allow", "%s needs a value", cmd);
    if (list && nops != 1)
        return cli_usage_error("allow", "unexpected argument '%s'", ops[1]);
    if (add && (!reason || !*reason))
        return cli_usage_error("allow", "add needs --reason TEXT: whoever "
                                        "reads a suppressed hit needs to "
                                        "know why");
    char path[4096];
    if (!db) {
        if (kz_store_default_path(path, sizeof path) != KZ_OK)
            return cli_usage_error("allow", "no store: set KIZASHI_HOME or "
                                            "HOME, or give --db");
        db = path;
    }
    kz_ctx *ctx = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK)
        return CLI_EXIT_ERROR;
    kz_store *st = NULL;
    int rc = CLI_EXIT_NOTHING;
    if (kz_store_open(ctx, db, add, &st) != KZ_OK) {
        rc = fail(ctx);
    } else if (add) {
        int64_t eid = 0;
        if (kz_allow_add(st, type, ops[1], strlen(ops[1]), reason, who, expires,
                         &eid) != KZ_OK)
            rc = fail(ctx);
        else {
            printf("allowed (entry %lld): ", (long long)eid);
            kz_write_escaped_text(stdout, ops[1], strlen(ops[1]));
            putchar('\n');
            rc = cli_flush_stdout();
        }
    } else if (rm) {
        unsigned removed = 0;
        if (kz_allow_rm(st, ops[1], &removed) != KZ_OK)
            rc = fail(ctx);
        else {
            printf("removed %u entr%s\n", removed, removed == 1 ? "y" : "ies");
            rc = cli_flush_stdout();
        }
    } else if (list) {
        struct list_state ls = {json, json ? json_array() : NULL, 0};
        if (kz_allow_each(st, list_one, &ls) != KZ_OK)
            rc = fail(ctx);
        else {
            if (json) {
                char *s = json_dumps(ls.arr, JSON_COMPACT);
                if (s)
                    puts(s);
                free(s);
            } else if (!ls.n) {
                puts("the allowlist is empty");
            }
            rc = cli_flush_stdout();
        }
        json_decref(ls.arr);
    } else {
        rc = do_check(st, ctx, type, ops[1], json);
    }
    kz_store_close(st);
    kz_ctx_free(ctx);
    return rc;
}
