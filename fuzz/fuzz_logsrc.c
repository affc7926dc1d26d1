/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the log sources (lib/evidence/logsrc.c): the input is
 * a file (in a memfd), opened as a source and read twice, once in large
 * reads and once in pieces of sizes derived from the input. Invariants (a
 * trap when broken): the offset is the sum of the counts; a read never
 * says more than asked; the only errors are KZ_ERR_CORRUPT (and NOMEM),
 * they repeat on the next call and come with a message naming the input;
 * both passes give the same bytes (the same count when the input ends
 * cleanly) and the same status. Output is compared up to a ceiling, so a
 * decompression bomb costs bounded time.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/core_int.h"
#include "evidence/logsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

/* Decompressed bytes compared per pass. */
#define FUZZ_OUT_MAX (4u << 20)

typedef struct pass {
    unsigned char *out;
    size_t n;      /* bytes kept (at most FUZZ_OUT_MAX) */
    int complete;  /* read to the end or an error */
    kz_status end; /* KZ_OK at the end, or the error */
} pass;

/* A memfd holding the input, positioned at its start; -1 on failure. */
static int input_fd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_logsrc", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads the whole source; piece 0 means sizes from the generator. */
static void run_pass(kz_ctx *ctx, const uint8_t *data, size_t size,
                     size_t piece, uint32_t seed, pass *p)
{
    static unsigned char buf[1u << 16];
    kz_logsrc *s = NULL;
    int fd = input_fd(data, size);

    p->n = 0;
    p->complete = 0;
    p->end = KZ_OK;
    if (fd < 0)
        return;
    kz_status st = kz_logsrc_open_fd(ctx, fd, "fuzz.log", &s);
    if (st != KZ_OK) {
        CHECK(st == KZ_ERR_NOMEM && s == NULL);
        return;
    }
    CHECK(kz_logsrc_compression(s) == kz_compression_detect(data, size));
    uint64_t sum = 0;
    for (;;) {
        size_t want = piece;
        if (!want) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            /* Mostly small, sometimes large. */
            want = r % 8 == 0 ? 1 + r % sizeof buf : 1 + r % 64;
        }
        if (want > sizeof buf)
            want = sizeof buf;
        size_t got = 777;
        st = kz_logsrc_read(s, buf, want, &got);
        if (st != KZ_OK) {
            CHECK(st == KZ_ERR_CORRUPT || st == KZ_ERR_NOMEM);
            CHECK(got == 0);
            CHECK(strncmp(kz_ctx_errmsg(ctx), "fuzz.log: ", 10) == 0);
            /* The error stays, the offset does not move. */
            size_t again = 5;
            CHECK(kz_logsrc_read(s, buf, want, &again) == st && again == 0);
            CHECK(kz_logsrc_offset(s) == sum);
            p->complete = 1;
            p->end = st;
            break;
        }
        CHECK(got <= want);
        sum += got;
        CHECK(kz_logsrc_offset(s) == sum);
        if (got == 0) {
            CHECK(kz_logsrc_compression(s) != KZ_COMP_NONE || sum == size);
            p->complete = 1;
            break;
        }
        if (p->n == 0)
            (void)kz_looks_binary(buf, got, NULL);
        size_t keep = got;
        if (keep > FUZZ_OUT_MAX - p->n)
            keep = FUZZ_OUT_MAX - p->n;
        memcpy(p->out + p->n, buf, keep);
        p->n += keep;
        if (p->n == FUZZ_OUT_MAX)
            break; /* enough: a bomb is not read to its end */
    }
    if (kz_logsrc_compression(s) == KZ_COMP_NONE && p->complete)
        CHECK(p->n == size && memcmp(p->out, data, size) == 0);
    kz_logsrc_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pass a, b;
    kz_ctx *ctx = NULL;

    if (size > (1u << 20))
        return 0;
    if (!a.out) {
        a.out = malloc(FUZZ_OUT_MAX);
        b.out = malloc(FUZZ_OUT_MAX);
        if (!a.out || !b.out)
            return 0;
    }
    if (kz_ctx_new(&ctx) != KZ_OK)
        return 0;
    /* Piece sizes from the input itself, without taking bytes from it, so
     * seeds stay valid compressed files. */
    uint32_t seed = (uint32_t)size * 2654435761u;
    for (size_t i = 0; i < size && i < 16; i++)
        seed = (seed ^ data[size - 1 - i]) * 16777619u;

    (void)kz_looks_binary(data, size, NULL);
    run_pass(ctx, data, size, 1u << 16, 0, &a);
    run_pass(ctx, data, size, 0, seed, &b);
    /* The bytes do not depend on how they were asked for. */
    size_t common = a.n < b.n ? a.n : b.n;
    CHECK(memcmp(a.out, b.out, common) == 0);
    /* How much of a damaged stream comes out before the error depends on
     * the decoder's calls (libbz2 drops what the failing call wrote), so
     * only a clean end must give the same length. */
    if (a.complete && b.complete) {
        CHECK(a.end == b.end);
        if (a.end == KZ_OK)
            CHECK(a.n == b.n);
    }
    kz_ctx_free(ctx);
    return 0;
}
