/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the log sources (lib/evidence/logsrc.c) and the walker
 * (lib/evidence/walk.c). Compressed fixtures are made here with the same
 * libraries' compression APIs from generated text, written to a scratch
 * directory and read back in small and large pieces; damaged and
 * truncated streams, plain and empty files, pipes, binary detection, and a
 * generated directory tree with a FIFO, links and a loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "core/core_int.h"
#include "evidence/files.h"
#include "evidence/logsrc.h"

/* ---- fixtures -------------------------------------------------------------
 */

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/kz_logsrc_XXXXXX",
             base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[600];
    /* The tree test leaves a directory without permissions behind. */
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' && rm -rf '%s'", tmpdir,
             tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Log-like text: lines of words and numbers from a seeded generator, so a
 * run is reproducible. Not very compressible, so streams are long. */
static char *gen_text(size_t n, uint32_t seed)
{
    static const char *const words[] = {"GET ",      "evil.example ",
                                        "10.1.2.3 ", "query ",
                                        "\"dns\": ", "{",
                                        "} ",        "ok ",
                                        "denied ",   "https://a.b/c ",
                                        "user=x ",   "\t",
                                        "é ",        "0x1f ",
                                        "sshd[42]: "};
    char *t = malloc(n + 1);
    assert_non_null(t);
    size_t i = 0;
    while (i < n) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = seed >> 8;
        if (r % 13 == 0) {
            t[i++] = '\n';
            continue;
        }
        if (r % 3 == 0) {
            char num[16];
            int l = snprintf(num, sizeof num, "%u ", (unsigned)(r % 100000));
            for (int k = 0; k < l && i < n; k++)
                t[i++] = num[k];
            continue;
        }
        const char *w = words[r % (sizeof words / sizeof words[0])];
        for (size_t k = 0; w[k] && i < n; k++)
            t[i++] = w[k];
    }
    t[n] = '\0';
    return t;
}

/* A string literal and its length, NUL bytes inside included. */
#define S(lit) lit, sizeof(lit) - 1

typedef struct blob {
    unsigned char *p;
    size_t n;
} blob;

static blob compress_gzip(const char *t, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(
        deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
        Z_OK);
    blob b = {malloc(deflateBound(&z, n) + 64), 0};
    assert_non_null(b.p);
    z.next_in = (Bytef *)(uintptr_t)t;
    z.avail_in = (uInt)n;
    z.next_out = b.p;
    z.avail_out = (uInt)(deflateBound(&z, n) + 64);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    b.n = z.total_out;
    deflateEnd(&z);
    return b;
}

static blob compress_bzip2(const char *t, size_t n)
{
    unsigned cap = (unsigned)(n + n / 50 + 1024);
    blob b = {malloc(cap), 0};
    assert_non_null(b.p);
    assert_int_equal(BZ2_bzBuffToBuffCompress((char *)b.p, &cap,
                                              (char *)(uintptr_t)t, (unsigned)n,
                                              9, 0, 0),
                     BZ_OK);
    b.n = cap;
    return b;
}

static blob compress_xz(const char *t, size_t n)
{
    size_t cap = lzma_stream_buffer_bound(n), pos = 0;
    blob b = {malloc(cap), 0};
    assert_non_null(b.p);
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
                                             (const uint8_t *)t, n, b.p, &pos,
                                             cap),
                     LZMA_OK);
    b.n = pos;
    return b;
}

static blob compress_zstd(const char *t, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    blob b = {malloc(cap), 0};
    assert_non_null(b.p);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_non_null(c);
    /* With a checksum, a flipped byte of the literals is caught too. */
    assert_false(
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)));
    b.n = ZSTD_compress2(c, b.p, cap, t, n);
    assert_false(ZSTD_isError(b.n));
    ZSTD_freeCCtx(c);
    return b;
}

typedef blob (*compress_fn)(const char *t, size_t n);

static const struct {
    kz_compression comp;
    compress_fn fn;
} kinds[] = {
    {KZ_COMP_GZIP, compress_gzip},
    {KZ_COMP_BZIP2, compress_bzip2},
    {KZ_COMP_XZ, compress_xz},
    {KZ_COMP_ZSTD, compress_zstd},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Writes n bytes to a new file of the scratch directory; returns its path
 * (static buffer, one per call site is enough here). */
static const char *write_file(const char *name, const void *p, size_t n)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return path;
}

static kz_logsrc *open_path(kz_ctx *ctx, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    kz_logsrc *s = NULL;
    assert_int_equal(kz_logsrc_open_fd(ctx, fd, path, &s), KZ_OK);
    assert_non_null(s);
    return s;
}

/* Reads until the end or an error, in pieces of `piece` bytes; returns the
 * final status, the text in *out (malloc'ed) and its length in *n. Checks
 * that the offset is the sum of the counts at every step. */
static kz_status read_all(kz_logsrc *s, size_t piece, char **out, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    char *tmp = malloc(piece);
    uint64_t start = kz_logsrc_offset(s);
    assert_non_null(buf);
    assert_non_null(tmp);
    kz_status st;
    for (;;) {
        size_t got = 12345;
        st = kz_logsrc_read(s, tmp, piece, &got);
        if (st != KZ_OK) {
            assert_int_equal(got, 0);
            break;
        }
        assert_true(got <= piece);
        if (got == 0)
            break;
        if (len + got > cap) {
            while (len + got > cap)
                cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        memcpy(buf + len, tmp, got);
        len += got;
        assert_int_equal(kz_logsrc_offset(s), start + len);
    }
    free(tmp);
    *out = buf;
    *n = len;
    return st;
}

static kz_ctx *new_ctx(void)
{
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    return ctx;
}

/* ---- compression --------------------------------------------------------
 */

static void test_compression__detect_and_name(void **state)
{
    (void)state;
    assert_int_equal(kz_compression_detect("\x1f\x8b\x08\x00", 4),
                     KZ_COMP_GZIP);
    assert_int_equal(kz_compression_detect("\x1f\x8b", 2), KZ_COMP_NONE);
    assert_int_equal(kz_compression_detect("BZh9", 4), KZ_COMP_BZIP2);
    assert_int_equal(kz_compression_detect("BZh0", 4), KZ_COMP_NONE);
    assert_int_equal(kz_compression_detect("\xFD\x37zXZ\0", 6), KZ_COMP_XZ);
    assert_int_equal(kz_compression_detect("\xFD\x37zXZ", 5), KZ_COMP_NONE);
    assert_int_equal(kz_compression_detect("\x28\xB5\x2F\xFD", 4),
                     KZ_COMP_ZSTD);
    assert_int_equal(kz_compression_detect("\x5A\x2A\x4D\x18", 4),
                     KZ_COMP_ZSTD);
    assert_int_equal(kz_compression_detect("{\"ts\":1}", 8), KZ_COMP_NONE);
    assert_int_equal(kz_compression_detect(NULL, 0), KZ_COMP_NONE);
    assert_string_equal(kz_compression_name(KZ_COMP_GZIP), "gzip");
    assert_string_equal(kz_compression_name(KZ_COMP_BZIP2), "bzip2");
    assert_string_equal(kz_compression_name(KZ_COMP_XZ), "xz");
    assert_string_equal(kz_compression_name(KZ_COMP_ZSTD), "zstd");
    assert_null(kz_compression_name(KZ_COMP_NONE));
}

static void test_logsrc__each_compression_round_trips(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    /* More than the 256 KiB input block once compressed, so refills and
     * decoder state across reads are exercised. */
    size_t tn = 3u << 20;
    char *text = gen_text(tn, 7);
    static const size_t pieces[] = {1, 7, 4096, 1u << 20};

    for (size_t k = 0; k < NKINDS; k++) {
        blob b = kinds[k].fn(text, tn);
        const char *name = kz_compression_name(kinds[k].comp);
        char fname[32];
        snprintf(fname, sizeof fname, "rt.%s", name);
        const char *path = write_file(fname, b.p, b.n);
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            /* One-byte reads of 3 MiB take long under sanitizers: read
             * a prefix that way, the rest in big pieces. */
            kz_logsrc *s = open_path(ctx, path);
            assert_int_equal(kz_logsrc_compression(s), kinds[k].comp);
            char *out = NULL;
            size_t n = 0;
            if (pieces[p] == 1) {
                char c;
                size_t got;
                for (size_t i = 0; i < 100000; i++) {
                    assert_int_equal(kz_logsrc_read(s, &c, 1, &got), KZ_OK);
                    assert_int_equal(got, 1);
                    assert_int_equal(c, text[i]);
                }
                assert_int_equal(read_all(s, 65536, &out, &n), KZ_OK);
                assert_int_equal(n, tn - 100000);
                assert_memory_equal(out, text + 100000, n);
            } else {
                assert_int_equal(read_all(s, pieces[p], &out, &n), KZ_OK);
                assert_int_equal(n, tn);
                assert_memory_equal(out, text, n);
            }
            assert_int_equal(kz_logsrc_offset(s), tn);
            /* The end stays the end. */
            size_t got = 1;
            char c;
            assert_int_equal(kz_logsrc_read(s, &c, 1, &got), KZ_OK);
            assert_int_equal(got, 0);
            free(out);
            kz_logsrc_close(s);
        }
        free(b.p);
    }
    free(text);
    kz_ctx_free(ctx);
}

static void test_logsrc__concatenated_members_are_all_read(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    size_t na = 100000, nb = 70001;
    char *a = gen_text(na, 1), *b = gen_text(nb, 2);
    char *ab = malloc(na + nb + 1);
    assert_non_null(ab);
    memcpy(ab, a, na);
    memcpy(ab + na, b, nb);

    for (size_t k = 0; k < NKINDS; k++) {
        blob x = kinds[k].fn(a, na), y = kinds[k].fn(b, nb);
        /* gzip and bzip2 files padded with zeros read as the tools read
         * them; xz allows padding in multiples of four. */
        size_t pad = kinds[k].comp == KZ_COMP_ZSTD ? 0 : 8;
        size_t n = x.n + pad + y.n + pad;
        unsigned char *cat = calloc(1, n);
        assert_non_null(cat);
        memcpy(cat, x.p, x.n);
        memcpy(cat + x.n + pad, y.p, y.n);
        const char *path = write_file("cat", cat, n);
        kz_logsrc *s = open_path(ctx, path);
        char *out;
        size_t got;
        assert_int_equal(read_all(s, 3000, &out, &got), KZ_OK);
        assert_int_equal(got, na + nb);
        assert_memory_equal(out, ab, na + nb);
        free(out);
        kz_logsrc_close(s);
        free(cat);
        free(x.p);
        free(y.p);
    }
    free(a);
    free(b);
    free(ab);
    kz_ctx_free(ctx);
}

static void test_logsrc__truncated_stream_keeps_text_before(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    size_t tn = 2u << 20;
    char *text = gen_text(tn, 3);

    for (size_t k = 0; k < NKINDS; k++) {
        blob b = kinds[k].fn(text, tn);
        size_t cut = b.n / 2;
        const char *path = write_file("trunc", b.p, cut);
        char pathcopy[512];
        snprintf(pathcopy, sizeof pathcopy, "%s", path);
        kz_logsrc *s = open_path(ctx, pathcopy);
        char *out;
        size_t n;
        assert_int_equal(read_all(s, 65536, &out, &n), KZ_ERR_CORRUPT);
        /* What came out before is the text's beginning. */
        assert_true(n > 0 && n < tn);
        assert_memory_equal(out, text, n);
        const char *msg = kz_ctx_errmsg(ctx);
        char want[640];
        snprintf(want, sizeof want,
                 "%s: truncated %s stream at compressed byte %zu (after %zu "
                 "bytes of text)",
                 pathcopy, kz_compression_name(kinds[k].comp), cut, n);
        assert_string_equal(msg, want);
        /* The error stays. */
        size_t got = 1;
        char c;
        assert_int_equal(kz_logsrc_read(s, &c, 1, &got), KZ_ERR_CORRUPT);
        assert_int_equal(got, 0);
        free(out);
        kz_logsrc_close(s);
        free(b.p);
    }
    free(text);
    kz_ctx_free(ctx);
}

static void test_logsrc__corrupted_byte_is_reported(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    size_t tn = 1u << 20;
    char *text = gen_text(tn, 4);

    for (size_t k = 0; k < NKINDS; k++) {
        blob b = kinds[k].fn(text, tn);
        for (size_t i = b.n / 2; i < b.n / 2 + 16; i++)
            b.p[i] ^= 0x55;
        const char *path = write_file("corrupt", b.p, b.n);
        kz_logsrc *s = open_path(ctx, path);
        char *out;
        size_t n;
        assert_int_equal(read_all(s, 65536, &out, &n), KZ_ERR_CORRUPT);
        const char *msg = kz_ctx_errmsg(ctx);
        char want[64];
        snprintf(want, sizeof want, "%s data corrupt at compressed byte ",
                 kz_compression_name(kinds[k].comp));
        assert_non_null(strstr(msg, want));
        assert_non_null(strstr(msg, "bytes of text)"));
        assert_non_null(strstr(msg, "/corrupt: "));
        free(out);
        kz_logsrc_close(s);
        free(b.p);
    }
    free(text);
    kz_ctx_free(ctx);
}

static void test_logsrc__garbage_after_magic_is_corrupt_at_once(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    static const struct {
        const char *p;
        size_t n;
    } bad[] = {
        {S("\x1f\x8b\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff garbage")},
        {S("BZh9garbage that is not bzip2 at all")},
        {S("\xFD\x37zXZ\0garbage garbage garbage")},
        {S("\x28\xB5\x2F\xFDgarbage garbage garbage")},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path = write_file("garbage", bad[i].p, bad[i].n);
        kz_logsrc *s = open_path(ctx, path);
        char buf[256];
        size_t got = 99;
        assert_int_equal(kz_logsrc_read(s, buf, sizeof buf, &got),
                         KZ_ERR_CORRUPT);
        assert_int_equal(got, 0);
        assert_int_equal(kz_logsrc_offset(s), 0);
        assert_non_null(strstr(kz_ctx_errmsg(ctx), "(after 0 bytes of text"));
        kz_logsrc_close(s);
    }
    kz_ctx_free(ctx);
}

static void test_logsrc__plain_file_is_untouched(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    size_t n = 600000;
    unsigned char *p = malloc(n);
    assert_non_null(p);
    uint32_t seed = 9;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
    p[0] = 'x'; /* no magic by chance */
    const char *path = write_file("plain", p, n);
    static const size_t pieces[] = {1000, 1u << 20};
    for (size_t k = 0; k < 2; k++) {
        kz_logsrc *s = open_path(ctx, path);
        assert_int_equal(kz_logsrc_compression(s), KZ_COMP_NONE);
        char *out;
        size_t got;
        assert_int_equal(read_all(s, pieces[k], &out, &got), KZ_OK);
        assert_int_equal(got, n);
        assert_memory_equal(out, p, n);
        free(out);
        kz_logsrc_close(s);
    }
    /* Shorter than any magic, and a gzip magic without its method byte. */
    const char *short_inputs[] = {"a", "ab\n", "\x1f\x8b"};
    for (size_t k = 0; k < 3; k++) {
        size_t len = strlen(short_inputs[k]);
        path = write_file("short", short_inputs[k], len);
        kz_logsrc *s = open_path(ctx, path);
        assert_int_equal(kz_logsrc_compression(s), KZ_COMP_NONE);
        char *out;
        size_t got;
        assert_int_equal(read_all(s, 2, &out, &got), KZ_OK);
        assert_int_equal(got, len);
        assert_memory_equal(out, short_inputs[k], len);
        free(out);
        kz_logsrc_close(s);
    }
    free(p);
    kz_ctx_free(ctx);
}

static void test_logsrc__empty_file(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    const char *path = write_file("empty", "", 0);
    kz_logsrc *s = open_path(ctx, path);
    assert_int_equal(kz_logsrc_compression(s), KZ_COMP_NONE);
    char buf[16];
    size_t got = 5;
    assert_int_equal(kz_logsrc_read(s, buf, sizeof buf, &got), KZ_OK);
    assert_int_equal(got, 0);
    assert_int_equal(kz_logsrc_offset(s), 0);
    kz_logsrc_close(s);
    kz_ctx_free(ctx);
}

/* A compressed stream through a pipe on fd 0, given in pieces: read as a
 * stream, and standard input is still open after the close. */
static void test_logsrc__stdin_pipe_is_read_and_not_closed(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    size_t tn = 20000;
    char *text = gen_text(tn, 5);
    blob b = compress_gzip(text, tn);
    assert_true(b.n < 60000); /* fits the pipe buffer: no writer needed */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    /* Two writes: the first shorter than the magic. */
    assert_int_equal(write(pfd[1], b.p, 2), 2);
    assert_int_equal(write(pfd[1], b.p + 2, b.n - 2), (ssize_t)(b.n - 2));
    close(pfd[1]);
    int saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(dup2(pfd[0], 0), 0);
    close(pfd[0]);

    kz_logsrc *s = NULL;
    assert_int_equal(kz_logsrc_open_fd(ctx, 0, "-", &s), KZ_OK);
    assert_int_equal(kz_logsrc_compression(s), KZ_COMP_GZIP);
    char *out;
    size_t n;
    assert_int_equal(read_all(s, 1000, &out, &n), KZ_OK);
    assert_int_equal(n, tn);
    assert_memory_equal(out, text, tn);
    kz_logsrc_close(s);
    assert_true(fcntl(0, F_GETFD) != -1);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    free(out);
    free(b.p);
    free(text);
    kz_ctx_free(ctx);
}

static void test_logsrc__open_errors_and_io_error(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    kz_logsrc *s = (kz_logsrc *)1;
    assert_int_equal(kz_logsrc_open_fd(ctx, -1, "x", &s), KZ_ERR_INVALID);
    assert_null(s);
    /* A directory opens (read(2) fails only then): the read is KZ_ERR_IO
     * with strerror and the name. */
    int fd = open(tmpdir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    assert_int_equal(kz_logsrc_open_fd(ctx, fd, "dir", &s), KZ_ERR_IO);
    assert_null(s);
    assert_string_equal(kz_ctx_errmsg(ctx), "dir: read error: Is a directory");
    kz_logsrc_close(NULL);
    kz_ctx_free(ctx);
}

/* Every allocation may fail: open and read report KZ_ERR_NOMEM, never
 * crash or leak (the sanitizer build checks the leaks). */
static void test_logsrc__allocation_failures(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    size_t tn = 50000;
    char *text = gen_text(tn, 6);
    for (size_t k = 0; k < NKINDS; k++) {
        blob b = kinds[k].fn(text, tn);
        const char *path = write_file("nomem", b.p, b.n);
        int ok = 0;
        for (unsigned long fail = 1; fail < 200 && !ok; fail++) {
            int fd = open(path, O_RDONLY);
            assert_true(fd >= 0);
            kz_logsrc *s = NULL;
            kz_alloc_fail_after(fail);
            kz_status st = kz_logsrc_open_fd(ctx, fd, path, &s);
            char *out = NULL;
            size_t n = 0;
            if (st == KZ_OK) {
                st = read_all(s, 8192, &out, &n);
                kz_logsrc_close(s);
            }
            kz_alloc_fail_after(0);
            if (st == KZ_OK) {
                assert_int_equal(n, tn);
                assert_memory_equal(out, text, tn);
                ok = 1;
            } else {
                assert_int_equal(st, KZ_ERR_NOMEM);
            }
            free(out);
        }
        assert_true(ok);
        free(b.p);
    }
    free(text);
    kz_ctx_free(ctx);
}

/* ---- binary detection ---------------------------------------------------
 */

static void test_looks_binary__cases(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        size_t n;
        int bin;
        const char *what;
    } cases[] = {
        {S("2021-06-25T10:00:00Z host sshd[1]: ok\n"), 0, NULL},
        {S("caf\xc3\xa9 \xff\xfe\x80 invalid UTF-8 is still text\n"), 0, NULL},
        {S(""), 0, NULL},
        {S("text\0more"), 1, "NUL bytes"},
        {S("\x7f\x45LF\x02\x01\x01"), 1, "ELF executable"},
        {S("ElfFile\0\0\0"), 1, "EVTX file"},
        {S("\xd4\xc3\xb2\xa1\x02\x00"), 1, "pcap file"},
        {S("\xa1\xb2\xc3\xd4\x00\x02"), 1, "pcap file"},
        {S("\n\r\r\n\x1c\x00\x00\x00\x4d\x3c\x2b\x1a"), 1, "pcapng file"},
        {S("\n\r\r\nplain text after blank lines\n"), 0, NULL},
        {S("\x89PNG\r\n\x1a\n"), 1, "PNG image"},
        {S("\xff\xd8\xff\xe0"), 1, "JPEG image"},
        {S("GIF89a"), 1, "GIF image"},
        {S("%PDF-1.7\n"), 1, "PDF document"},
        {S("PK\x03\x04\x14"), 1, "ZIP archive"},
        {S("7z\xbc\xaf\x27\x1c"), 1, "7z archive"},
        {S("Rar!\x1a\x07\x01"), 1, "RAR archive"},
        {S("SQLite format 3\0\x10"), 1, "SQLite database"},
        {S("\xff\xfe\x61\0b\0"), 1, "UTF-16 text (not supported)"},
        {S("\xfe\xff\0a\0b"), 1, "UTF-16 text (not supported)"},
        {S("MZ\x90\0\x03\0"), 1, "PE executable"},
        {S("MZone restarted at 10:00\n"), 0, NULL},
        /* The magic must be whole: one byte short is text. */
        {S("SQLite format 3"), 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *what = "unset";
        int r = kz_looks_binary(cases[i].p, cases[i].n, &what);
        if (r != cases[i].bin)
            fail_msg("case %zu: looks_binary %d", i, r);
        if (cases[i].what)
            assert_string_equal(what, cases[i].what);
        else
            assert_null(what);
    }
    assert_int_equal(kz_looks_binary("a\0", 2, NULL), 1);
}

/* ---- the walker ---------------------------------------------------------
 */

typedef struct seen {
    char text[8192];
    size_t len;
    unsigned entries, stop_after;
    size_t root_len;
} seen;

static int on_entry(void *ud, kz_walk_kind kind, const char *path,
                    uint64_t size, const char *msg)
{
    seen *r = ud;
    static const char *const kn[] = {"F", "S", "E", "L", "X"};
    const char *rel = strlen(path) >= r->root_len ? path + r->root_len : path;
    int w = snprintf(r->text + r->len, sizeof r->text - r->len, "%s %s",
                     kn[kind], rel);
    r->len += (size_t)w;
    if (kind == KZ_WALK_FILE)
        w = snprintf(r->text + r->len, sizeof r->text - r->len, " %llu",
                     (unsigned long long)size);
    else
        w = snprintf(r->text + r->len, sizeof r->text - r->len, " (%s)",
                     msg ? msg : "");
    r->len += (size_t)w;
    r->text[r->len++] = '\n';
    r->text[r->len] = '\0';
    assert_true(r->len < sizeof r->text - 600);
    r->entries++;
    return r->stop_after && r->entries == r->stop_after;
}

static void mk(const char *rel, const char *content)
{
    char p[512];
    snprintf(p, sizeof p, "%s/tree/%s", tmpdir, rel);
    if (!content) {
        assert_int_equal(mkdir(p, 0755), 0);
        return;
    }
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static void ln(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/tree/%s", tmpdir, rel);
    assert_int_equal(symlink(target, p), 0);
}

static void walk_tree(const char *rel, int follow, seen *r, kz_status want)
{
    kz_ctx *ctx = new_ctx();
    char root[512];
    snprintf(root, sizeof root, "%s/tree%s%s", tmpdir, *rel ? "/" : "", rel);
    memset(r, 0, sizeof *r);
    r->root_len = strlen(tmpdir) + 1;
    assert_int_equal(kz_walk(ctx, root, follow, on_entry, r), want);
    /* the same entries, in the same order, with a work queue of threads */
    static seen r4;
    for (unsigned t = 2; t <= 8; t *= 2) {
        memset(&r4, 0, sizeof r4);
        r4.root_len = r->root_len;
        r4.stop_after = r->stop_after;
        kz_walk_opts o;
        memset(&o, 0, sizeof o);
        o.follow = follow;
        o.threads = t;
        assert_int_equal(kz_walk_ex(ctx, root, &o, on_entry, &r4), want);
        assert_string_equal(r4.text, r->text);
    }
    kz_ctx_free(ctx);
}

static void test_walk__generated_tree(void **state)
{
    (void)state;
    mk("", NULL);
    mk("b.log", "bb");
    mk("a.log", "a");
    mk("Z.log", "zzz");
    mk("sub", NULL);
    mk("sub/c.log", "cccc");
    mk("sub/deeper", NULL);
    mk("sub/deeper/d.log", "");
    mk("sub2", NULL);
    char p[512];
    snprintf(p, sizeof p, "%s/tree/fifo", tmpdir);
    assert_int_equal(mkfifo(p, 0644), 0);
    ln("a.log", "link_to_a");
    ln("..", "sub/up"); /* a loop through a link */
    ln("missing", "dangling");

    seen r;
    /* Without follow: sorted by bytes ("Z" < "a"), the FIFO and the links
     * reported and not opened (opening the FIFO would block the test). */
    walk_tree("", 0, &r, KZ_OK);
    assert_string_equal(r.text,
                        "F tree/Z.log 3\n"
                        "F tree/a.log 1\n"
                        "F tree/b.log 2\n"
                        "L tree/dangling (symbolic link: not followed)\n"
                        "S tree/fifo (FIFO: not opened)\n"
                        "L tree/link_to_a (symbolic link: not followed)\n"
                        "F tree/sub/c.log 4\n"
                        "F tree/sub/deeper/d.log 0\n"
                        "L tree/sub/up (symbolic link: not followed)\n");

    /* With follow: the link to a file is a file, the loop is seen by the
     * directory's device and inode and not entered. */
    walk_tree("", 1, &r, KZ_OK);
    assert_string_equal(
        r.text,
        "F tree/Z.log 3\n"
        "F tree/a.log 1\n"
        "F tree/b.log 2\n"
        "E tree/dangling (broken symbolic link: No such file or directory)\n"
        "S tree/fifo (FIFO: not opened)\n"
        "F tree/link_to_a 1\n"
        "F tree/sub/c.log 4\n"
        "F tree/sub/deeper/d.log 0\n"
        "L tree/sub/up (directory loop (already on the path): not "
        "followed)\n");

    /* Paths named directly: a link to a file is followed, a FIFO is
     * reported, a missing path is an error naming it. */
    walk_tree("link_to_a", 0, &r, KZ_OK);
    assert_string_equal(r.text, "F tree/link_to_a 1\n");
    walk_tree("fifo", 0, &r, KZ_OK);
    assert_string_equal(r.text, "S tree/fifo (FIFO: not opened)\n");
    kz_ctx *ctx = new_ctx();
    snprintf(p, sizeof p, "%s/tree/nothing", tmpdir);
    assert_int_equal(kz_walk(ctx, p, 0, on_entry, &r), KZ_ERR_IO);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "/tree/nothing: No such file"));
    kz_ctx_free(ctx);

    /* The callback stops the walk. */
    walk_tree("", 0, &r, KZ_OK);
    unsigned all = r.entries;
    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    r.root_len = strlen(tmpdir) + 1;
    ctx = new_ctx();
    snprintf(p, sizeof p, "%s/tree", tmpdir);
    assert_int_equal(kz_walk(ctx, p, 0, on_entry, &r), KZ_ERR_ABORTED);
    assert_int_equal(r.entries, 2);
    assert_true(all > 2);
    kz_ctx_free(ctx);
}

static void test_walk__unreadable_directory_and_depth(void **state)
{
    (void)state;
    mk("", NULL);
    mk("locked", NULL);
    mk("locked/x.log", "x");
    mk("open.log", "o");
    char p[4096];
    snprintf(p, sizeof p, "%s/tree/locked", tmpdir);
    assert_int_equal(chmod(p, 0), 0);
    seen r;
    walk_tree("", 0, &r, KZ_OK);
    /* Tests run as root in CI, and chmod 000 does not keep root out: the
     * error is only expected for other users. The walk goes on anyway. */
    if (geteuid() != 0)
        assert_string_equal(r.text, "E tree/locked (cannot open directory: "
                                    "Permission denied)\n"
                                    "F tree/open.log 1\n");
    else
        assert_string_equal(r.text, "F tree/locked/x.log 1\n"
                                    "F tree/open.log 1\n");
    assert_int_equal(chmod(p, 0755), 0);

    /* Deeper than KZ_MAX_WALK_DEPTH: reported once, the rest is read. */
    int fd = open(tmpdir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    int d = openat(fd, "tree", O_RDONLY | O_DIRECTORY);
    close(fd);
    assert_true(d >= 0);
    for (int i = 0; i < KZ_MAX_WALK_DEPTH + 5; i++) {
        assert_int_equal(mkdirat(d, "d", 0755), 0);
        int nd = openat(d, "d", O_RDONLY | O_DIRECTORY);
        assert_true(nd >= 0);
        close(d);
        d = nd;
    }
    close(d);
    walk_tree("", 0, &r, KZ_OK);
    assert_non_null(strstr(r.text, "(directories nested too deep: not "
                                   "entered)\n"));
    assert_non_null(strstr(r.text, "F tree/open.log 1\n"));
    unsigned errors = strncmp(r.text, "E ", 2) == 0;
    for (const char *q = r.text; (q = strstr(q, "\nE ")); q++)
        errors++;
    assert_int_equal(errors, 1);
}

/* --exclude patterns: a name pattern leaves out files and directories (not
 * entered) at any depth; a pattern with a '/' is matched against the
 * whole path; one_file_system on one file system changes nothing. */
static void test_walk__exclude_and_one_file_system(void **state)
{
    (void)state;
    mk("", NULL);
    mk("a.log", "a");
    mk("b.tmp", "b");
    mk("cache", NULL);
    mk("cache/c.log", "c");
    mk("keep", NULL);
    mk("keep/d.tmp", "d");
    mk("keep/e.log", "e");
    kz_ctx *ctx = new_ctx();
    char root[512], pat[600];
    snprintf(root, sizeof root, "%s/tree", tmpdir);
    snprintf(pat, sizeof pat, "%s/tree/keep/*.log", tmpdir);
    const char *ex[] = {"*.tmp", "cache", pat};
    kz_walk_opts o;
    memset(&o, 0, sizeof o);
    o.exclude = ex;
    o.nexclude = 3;
    o.one_file_system = 1;
    seen r;
    memset(&r, 0, sizeof r);
    r.root_len = strlen(tmpdir) + 1;
    assert_int_equal(kz_walk_ex(ctx, root, &o, on_entry, &r), KZ_OK);
    assert_string_equal(r.text, "F tree/a.log 1\n"
                                "X tree/b.tmp (excluded)\n"
                                "X tree/cache (excluded)\n"
                                "X tree/keep/d.tmp (excluded)\n"
                                "X tree/keep/e.log (excluded)\n");
    /* the path itself is never left out */
    memset(&r, 0, sizeof r);
    r.root_len = strlen(tmpdir) + 1;
    snprintf(root, sizeof root, "%s/tree/b.tmp", tmpdir);
    assert_int_equal(kz_walk_ex(ctx, root, &o, on_entry, &r), KZ_OK);
    assert_string_equal(r.text, "F tree/b.tmp 1\n");
    kz_ctx_free(ctx);
}

/* The order of a wide tree walked by 1, 2, 4 and 8 threads: the same. */
struct order {
    uint64_t h;
    unsigned n;
};

static int on_order(void *ud, kz_walk_kind kind, const char *path,
                    uint64_t size, const char *msg)
{
    struct order *o = ud;
    (void)msg;
    o->h = (o->h ^ (uint64_t)kind) * 1099511628211ull;
    for (const char *p = path; *p; p++)
        o->h = (o->h ^ (unsigned char)*p) * 1099511628211ull;
    o->h = (o->h ^ size) * 1099511628211ull;
    o->n++;
    return 0;
}

static void test_walk__parallel_same_order(void **state)
{
    (void)state;
    mk("", NULL);
    char rel[128];
    for (int a = 0; a < 40; a++) {
        snprintf(rel, sizeof rel, "d%02d", a);
        mk(rel, NULL);
        for (int b = 0; b < 3; b++) {
            snprintf(rel, sizeof rel, "d%02d/s%d", a, b);
            mk(rel, NULL);
            for (int c = 0; c < 4; c++) {
                snprintf(rel, sizeof rel, "d%02d/s%d/f%d.log", a, b, c);
                mk(rel, a % 2 ? "odd" : "even!");
            }
        }
    }
    kz_ctx *ctx = new_ctx();
    char root[512];
    snprintf(root, sizeof root, "%s/tree", tmpdir);
    struct order one = {1469598103934665603ull, 0};
    assert_int_equal(kz_walk(ctx, root, 0, on_order, &one), KZ_OK);
    assert_int_equal(one.n, 40 * 3 * 4);
    for (unsigned t = 2; t <= 8; t *= 2)
        for (int rep = 0; rep < 3; rep++) {
            struct order o = {1469598103934665603ull, 0};
            kz_walk_opts wo;
            memset(&wo, 0, sizeof wo);
            wo.threads = t;
            assert_int_equal(kz_walk_ex(ctx, root, &wo, on_order, &o), KZ_OK);
            assert_int_equal(o.n, one.n);
            assert_true(o.h == one.h);
        }
    kz_ctx_free(ctx);
}

/* One path component against a glob component of a path indicator. */
static void test_files__component_globs(void **state)
{
    (void)state;
    static const struct {
        const char *pat, *s;
        int fold, want;
    } c[] = {
        {"netfilter.sys", "netfilter.sys", 0, 1},
        {"netfilter.sys", "NetFilter.SYS", 1, 1},
        {"netfilter.sys", "NetFilter.SYS", 0, 0},
        {"netfilter.sys", "netfilter.sy", 1, 0},
        {"netfilter.sys", "netfilter.sys2", 1, 0},
        {"*.sys", "netfilter.sys", 1, 1},
        {"*.sys", ".sys", 1, 1},
        {"*.sys", "netfilter.sys.txt", 1, 0},
        {"net*.sys", "net.sys", 1, 1},
        {"net*.sys", "ne.sys", 1, 0},
        {"n?t*.s*s", "NeTfilter.SYS", 1, 1},
        {"*a*b*c", "xaxbxbxc", 0, 1},
        {"*a*b*c", "xaxbxbxcx", 0, 0},
        {"*", "", 0, 1},
        {"?", "", 0, 0},
        {"a**", "a", 0, 1},
        {"[x].dll", "[x].dll", 0, 1}, /* brackets are literal */
        {"[x].dll", "x.dll", 0, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        assert_int_equal(kz_filecheck_comp_match(c[i].pat, strlen(c[i].pat),
                                                 c[i].s, strlen(c[i].s),
                                                 c[i].fold),
                         c[i].want);
    /* worst case stays linear-ish: a long run of stars over 255 bytes */
    char pat[256], s[256];
    memset(pat, '*', 127);
    for (int i = 127; i < 255; i++)
        pat[i] = (i & 1) ? '*' : 'a';
    pat[255] = 'b';
    memset(s, 'a', 256);
    assert_int_equal(kz_filecheck_comp_match(pat, 256, s, 256, 0), 0);
}

static int clean_tree(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "chmod -R u+rwx '%s/tree' 2>/dev/null; "
             "rm -rf '%s/tree'",
             tmpdir, tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compression__detect_and_name),
        cmocka_unit_test(test_logsrc__each_compression_round_trips),
        cmocka_unit_test(test_logsrc__concatenated_members_are_all_read),
        cmocka_unit_test(test_logsrc__truncated_stream_keeps_text_before),
        cmocka_unit_test(test_logsrc__corrupted_byte_is_reported),
        cmocka_unit_test(test_logsrc__garbage_after_magic_is_corrupt_at_once),
        cmocka_unit_test(test_logsrc__plain_file_is_untouched),
        cmocka_unit_test(test_logsrc__empty_file),
        cmocka_unit_test(test_logsrc__stdin_pipe_is_read_and_not_closed),
        cmocka_unit_test(test_logsrc__open_errors_and_io_error),
        cmocka_unit_test(test_logsrc__allocation_failures),
        cmocka_unit_test(test_looks_binary__cases),
        cmocka_unit_test_teardown(test_walk__exclude_and_one_file_system,
                                  clean_tree),
        cmocka_unit_test(test_files__component_globs),
        cmocka_unit_test_teardown(test_walk__parallel_same_order, clean_tree),
        cmocka_unit_test_teardown(test_walk__generated_tree, clean_tree),
        cmocka_unit_test_teardown(test_walk__unreadable_directory_and_depth,
                                  clean_tree),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
