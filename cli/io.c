/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every command shares: error messages on stderr (always escaped,
 * always starting with "kizashi: "), write-error reporting for stdout,
 * opening inputs, and a line reader whose memory is bounded whatever the
 * length of a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ==== messages ========================================================== */

static void vmessage(const char *fmt, va_list ap)
{
    char msg[4096];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len =
        n < 0 ? 0 : ((size_t)n >= sizeof msg ? sizeof msg - 1 : (size_t)n);

    fputs("kizashi: ", stderr);
    kz_write_escaped_text(stderr, msg, len);
    putc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'kizashi %s%s--help'.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return CLI_EXIT_ERROR;
}

int cli_write_error(int err)
{
    if (err != EPIPE)
        cli_error("write error: %s", strerror(err ? err : EIO));
    return CLI_EXIT_ERROR;
}

int cli_flush_stdout(void)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_write_error(errno);
    return 0;
}

/* ==== inputs ============================================================ */

int cli_open_input(const char *name)
{
    int fd = STDIN_FILENO;
    struct stat st;

    if (strcmp(name, "-") != 0)
        fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        cli_error("%s: cannot open: %s", name, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a directory", name);
        cli_close_input(fd);
        return -1;
    }
    return fd;
}

void cli_close_input(int fd)
{
    if (fd > STDIN_FILENO)
        close(fd);
}

/* ==== line reader ======================================================= */

enum { READ_CHUNK = 256 * 1024 };

int cli_reader_init(struct cli_reader *r, int fd, size_t max)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->max = max ? max : 1;
    /* room for a whole piece, its newline, and one read */
    r->cap = r->max + 1 + READ_CHUNK;
    r->buf = malloc(r->cap);
    return r->buf ? 0 : -1;
}

void cli_reader_free(struct cli_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Where to cut a piece of a long line of which b[0..max) is kept and
 * b[max] exists: after the last blank of the second half, else before the
 * UTF-8 character that straddles the cut. */
static size_t cut_point(const char *b, size_t max)
{
    for (size_t i = max; i > max / 2; i--)
        if (b[i - 1] == ' ' || b[i - 1] == '\t')
            return i;
    size_t cut = max;
    while (cut > 1 && cut + 3 > max && ((unsigned char)b[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

int cli_reader_next(struct cli_reader *r, const char **s, size_t *n,
                    enum cli_line_end *how)
{
    for (;;) {
        char *b = r->buf + r->start;
        size_t avail = r->end - r->start;
        size_t look = avail < r->max + 1 ? avail : r->max + 1;
        char *nl = memchr(b, '\n', look);

        if (nl) {
            *s = b;
            *n = (size_t)(nl - b);
            *how = CLI_LINE_NL;
            r->start += *n + 1;
            return 1;
        }
        if (avail > r->max) {
            *s = b;
            *n = cut_point(b, r->max);
            *how = CLI_LINE_CUT;
            r->start += *n;
            return 1;
        }
        if (r->eof) {
            if (avail == 0)
                return 0;
            *s = b;
            *n = avail;
            *how = CLI_LINE_EOF;
            r->start = r->end;
            return 1;
        }
        memmove(r->buf, b, avail);
        r->start = 0;
        r->end = avail;
        ssize_t got;
        do
            got = read(r->fd, r->buf + r->end, r->cap - r->end);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            return -1;
        if (got == 0)
            r->eof = 1;
        r->end += (size_t)got;
    }
}
