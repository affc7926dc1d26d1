/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kizashi command: the command table, dispatch, `kizashi help` and
 * `kizashi version`. Adding a command is one file (cli/cmd_<name>.c) and
 * one line in `commands`; help lists the table, so it cannot go stale.
 */
#include <signal.h>
#include <string.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);
/* cli/cmd_report.c (declared here: cli.h is shared with work in flight) */
int cmd_report(int argc, char **argv);

static const struct cli_cmd {
    const char *name;
    const char *summary;
    cli_cmd_fn run;
} commands[] = {
    {"extract", "find indicators of compromise in advisories", cmd_extract},
    {"hunt", "sweep files and logs for the indicators of the intel store",
     cmd_hunt},
    {"compile", "build the index that sweeps look indicators up in",
     cmd_compile},
    {"intel", "keep advisories, feeds and their indicators in the store",
     cmd_intel},
    {"allow", "keep the values judged benign (the allowlist)", cmd_allow},
    {"export", "write the intel as Suricata, Zeek, nft, RPZ, YARA, STIX rules",
     cmd_export},
    {"report", "per advisory: are we affected, where, since when", cmd_report},
    {"refang", "undo defanging (hxxp, [.], ...) in text", cmd_refang},
    {"defang", "make values safe to paste (hxxp, [.], [@])", cmd_defang},
    {"help", "show help for kizashi or for a command", cmd_help},
    {"version", "show the versions of kizashi and its libraries", cmd_version},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct cli_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    cli_error("'%s' is not a kizashi command. See 'kizashi help'.", name);
    return CLI_EXIT_ERROR;
}

static void general_help(FILE *f)
{
    fputs("Usage: kizashi COMMAND [OPTIONS] [ARGS...]\n"
          "kizashi turns threat intelligence into detections.\n"
          "\nCommands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'kizashi help COMMAND' or 'kizashi COMMAND --help' for the "
          "options of a\ncommand, 'kizashi --version' for the versions.\n"
          "\nExit status: 0 nothing found, 1 something found, 2 usage or "
          "fatal error,\n3 nothing found but some inputs could not be "
          "read.\n",
          f);
}

/* ---- help ---------------------------------------------------------------- */

enum { OPT_HELP = 1 };

static const struct cli_opt help_opts[] = {
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static const struct cli_spec help_spec = {
    .cmd = "help",
    .operands = "[COMMAND]",
    .summary = "Show the list of commands, or the help of COMMAND (the "
               "same as 'kizashi COMMAND --help').",
    .opts = help_opts,
};

static int cmd_help(int argc, char **argv)
{
    struct cli_parser p;
    const char *topic = NULL;
    int id;

    cli_parser_init(&p, &help_spec, argc, argv);
    while ((id = cli_next(&p)) != CLI_DONE) {
        if (id == CLI_ERROR)
            return CLI_EXIT_ERROR;
        if (id == OPT_HELP) {
            cli_help(&help_spec, stdout);
            return CLI_EXIT_NOTHING;
        }
        if (topic)
            return cli_usage_error("help", "unexpected argument '%s'", p.arg);
        topic = p.arg;
    }
    if (!topic) {
        general_help(stdout);
        return CLI_EXIT_NOTHING;
    }
    const struct cli_cmd *c = find_command(topic);
    if (!c)
        return unknown_command(topic);
    char *sub[] = {(char *)c->name, "--help", NULL};
    return c->run(2, sub);
}

/* ---- version ------------------------------------------------------------- */

static const struct cli_spec version_spec = {
    .cmd = "version",
    .operands = NULL,
    .summary = "Show the version of kizashi and of the libraries compiled "
               "in (run-time versions too when they differ).",
    .opts = help_opts,
};

static int cmd_version(int argc, char **argv)
{
    struct cli_parser p;
    int id;

    cli_parser_init(&p, &version_spec, argc, argv);
    while ((id = cli_next(&p)) != CLI_DONE) {
        if (id == CLI_ERROR)
            return CLI_EXIT_ERROR;
        if (id == OPT_HELP) {
            cli_help(&version_spec, stdout);
            return CLI_EXIT_NOTHING;
        }
        return cli_usage_error("version", "unexpected argument '%s'", p.arg);
    }
    fputs(kz_version_info(), stdout);
    return CLI_EXIT_NOTHING;
}

/* ---- main ---------------------------------------------------------------- */

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(NULL, "no command given");
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        general_help(stdout);
        return CLI_EXIT_NOTHING;
    }
    if (strcmp(a, "--version") == 0) {
        fputs(kz_version_info(), stdout);
        return CLI_EXIT_NOTHING;
    }
    if (a[0] == '-')
        return cli_usage_error(NULL, "unknown option '%s'", a);
    const struct cli_cmd *c = find_command(a);
    if (!c)
        return unknown_command(a);
    return c->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    /* A closed pipe is a write error (EPIPE) handled like grep does: stop
     * quietly with status 2, instead of being killed by the signal. */
    signal(SIGPIPE, SIG_IGN);
    int rc = dispatch(argc, argv);
    /* Status 2 may come from a write error already reported. */
    if (rc != CLI_EXIT_ERROR && cli_flush_stdout() != 0)
        rc = CLI_EXIT_ERROR;
    return rc;
}
