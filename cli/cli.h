/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private interface of the kizashi command: the commands, the table-driven
 * option parser (the same table prints --help, so the two never drift),
 * error printing and input reading. The CLI uses only the public headers
 * of libkizashi. Every line it writes to stderr starts with "kizashi: ".
 */
#ifndef KIZASHI_CLI_H
#define KIZASHI_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "kizashi/kizashi.h"

/* Exit statuses of DESIGN.md. */
enum {
    CLI_EXIT_NOTHING = 0, /* nothing found */
    CLI_EXIT_FOUND = 1,   /* something found (printed) */
    CLI_EXIT_ERROR = 2,   /* usage or fatal error */
    CLI_EXIT_PARTIAL = 3  /* nothing found, some inputs unreadable */
};

/* A command: argv[0] is the command's name, argv[argc] is NULL. Returns the
 * exit status. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

int cmd_extract(int argc, char **argv);
int cmd_intel(int argc, char **argv);
int cmd_refang(int argc, char **argv);
int cmd_defang(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_allow(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Adds files, directories of files, MISP feeds or "-" to the store like
 * `kizashi intel add`, printing only errors (for --iocs). format NULL:
 * detect each. *indicators (nullable) gets the indicators read. Returns 0
 * or CLI_EXIT_ERROR. */
int cli_intel_add_files(kz_store *st, kz_ctx *ctx, char **files, size_t n,
                        const char *format, uint64_t *indicators);

/* The index path that belongs to a store: its path with ".db" replaced by
 * ".kzi" (or ".kzi" appended). */
void cli_index_path(const char *db, char *out, size_t cap);

/* Opens the index for a sweep: --index FILE as it is; --iocs FILES into a
 * temporary store and index (removed at exit); else the store's index,
 * compiled first when missing, older than the store or damaged. Its
 * checksums are verified here; with verified not NULL, an index given
 * with --index or --iocs is not, *verified says so, and the sweep checks
 * it on a thread of its own. Messages on stderr. Returns 0 and *ix, or
 * CLI_EXIT_ERROR. */
int cli_open_index(kz_ctx *ctx, const char *db, const char *index, char **iocs,
                   size_t niocs, const char *format, int quiet, int *verified,
                   kz_index **ix);

/* ---- options -------------------------------------------------------------
 * A command lists its options in a table ending with an entry of id 0.
 * cli_next() returns the next option's id, CLI_OPERAND for an operand
 * (anything not starting with '-', "-" itself, everything after "--"),
 * CLI_DONE at the end, or CLI_ERROR after printing a usage error. Options
 * and operands may be mixed. Accepted forms: "--long", "--long ARG",
 * "--long=ARG", "-s", "-s ARG", "-sARG", "-abc" (flags bundled). */

struct cli_opt {
    int id;                /* > 0, returned by cli_next */
    char short_name;       /* 0: none */
    const char *long_name; /* NULL: none */
    const char *arg;       /* argument name for --help; NULL: a flag */
    const char *help;      /* one line */
};

struct cli_spec {
    const char *cmd;            /* command name, e.g. "extract" */
    const char *operands;       /* e.g. "[FILE...|-]"; NULL: none */
    const char *summary;        /* one line: what the command does */
    const struct cli_opt *opts; /* ends with {0} */
    void (*more_help)(FILE *f); /* printed after the options; nullable */
};

#define CLI_OPERAND 0
#define CLI_DONE (-1)
#define CLI_ERROR (-2)

struct cli_parser {
    const struct cli_spec *spec;
    int argc;
    char **argv;
    int i;               /* next argv element */
    const char *cluster; /* rest of a bundle of short flags, or NULL */
    int operands_only;   /* "--" was seen */
    const char *arg;     /* argument of the option, or the operand */
};

void cli_parser_init(struct cli_parser *p, const struct cli_spec *spec,
                     int argc, char **argv);
int cli_next(struct cli_parser *p);
/* Writes the command's help (usage, summary, options, more_help). */
void cli_help(const struct cli_spec *spec, FILE *f);

/* Parses a size: digits, optionally followed by K, M, G or T (powers of
 * 1024, any case, an optional "iB" or "B"). 0 on success, -1 otherwise
 * (overflow included). */
int cli_parse_size(const char *s, uint64_t *out);

/* ---- messages ------------------------------------------------------------
 * Both print "kizashi: " and the formatted message with every control
 * character, backslash and invalid UTF-8 byte escaped (file names and
 * values are hostile), then a newline. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, then "Try 'kizashi CMD --help'." (cmd NULL:
 * "Try 'kizashi --help'."). Returns CLI_EXIT_ERROR. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Reports a failed write on stdout (nothing for EPIPE: the reader went
 * away, as with grep). Returns CLI_EXIT_ERROR. */
int cli_write_error(int err);
/* Flushes stdout; on failure reports it and returns CLI_EXIT_ERROR, else
 * 0. */
int cli_flush_stdout(void);

/* ---- input ---------------------------------------------------------------
 * Opens an input for reading ("-": standard input). On failure, including
 * a directory, prints "kizashi: NAME: cannot open: ..." or "kizashi: NAME:
 * is a directory" and returns -1. */
int cli_open_input(const char *name);
/* Closes what cli_open_input opened (never closes standard input). */
void cli_close_input(int fd);

/* How a piece returned by cli_reader_next ended. */
enum cli_line_end {
    CLI_LINE_NL = 0,  /* at a newline (not included) */
    CLI_LINE_EOF = 1, /* at the end of the input, without a newline */
    CLI_LINE_CUT = 2  /* at the length limit: the line goes on */
};

/* A bounded line reader over a file descriptor: lines longer than `max`
 * come in pieces of at most `max` bytes, cut after the last blank in the
 * second half of the piece if there is one, else on a UTF-8 character
 * boundary. Memory: max plus a read buffer. */
struct cli_reader {
    int fd;
    char *buf;
    size_t cap, max, start, end;
    int eof;
};

/* 0, or -1 when out of memory. */
int cli_reader_init(struct cli_reader *r, int fd, size_t max);
void cli_reader_free(struct cli_reader *r);
/* 1 with the next line or piece in *s and *n, and *how; 0 at the end of
 * the input; -1 on a read error (errno set). *s is valid until the next
 * call. */
int cli_reader_next(struct cli_reader *r, const char **s, size_t *n,
                    enum cli_line_end *how);

#endif /* KIZASHI_CLI_H */
