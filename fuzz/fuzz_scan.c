/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the sweep's tokenizer (lib/evidence/scan.c): the input
 * is a buffer of log text scanned against a small index of every kind of
 * indicator. Invariants (a trap when broken): every hit lies inside the
 * buffer in byte order, its line is the newlines before it, the line
 * count equals a byte-by-byte count, and scanning the
 * same bytes again, with another instruction set's pass (plain C, SSE2,
 * AVX2, AVX-512BW, as the CPU has them), gives the same hits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/scan.h"
#include "kizashi/kizashi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static kz_index *ix;

static void build(void)
{
    static const struct {
        kz_type t;
        const char *v;
    } iocs[] = {
        {KZ_T_IPV4, "1.2.3.4"},
        {KZ_T_IPV6, "2001:db8::1"},
        {KZ_T_CIDR, "10.0.0.0/8"},
        {KZ_T_CIDR, "2001:db8:aa::/48"},
        {KZ_T_DOMAIN, "evil.example"},
        {KZ_T_URL, "http://evil.example/x"},
        {KZ_T_URL, "http://1.2.3.5:8080/a"},
        {KZ_T_EMAIL, "a@evil.example"},
        {KZ_T_MD5, "2897721785645ad5b2a8fb524ed650c0"},
        {KZ_T_SHA1, "d836fa75f0682b4c393418231aefca97169d551e"},
        {KZ_T_FILENAME, "netfilter.sys"},
        {KZ_T_USER_AGENT, "Mozilla/4.0 (compatible; KZ)"},
        {KZ_T_REGKEY, "HKCU\\Software\\Run\\x"},
    };
    kz_index_builder *b = NULL;
    CHECK(kz_index_builder_new(NULL, &b) == KZ_OK);
    for (size_t i = 0; i < sizeof iocs / sizeof iocs[0]; i++)
        CHECK(kz_index_builder_add(b, iocs[i].t, iocs[i].v, strlen(iocs[i].v),
                                   NULL) == KZ_OK);
    char path[] = "/tmp/kz-fuzz-scan-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(kz_index_write(b, NULL, path) == KZ_OK);
    kz_index_builder_free(b);
    CHECK(kz_index_open(NULL, path, &ix) == KZ_OK);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ix)
        build();
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    uint64_t nl = 0;
    for (size_t i = 0; i < size; i++)
        nl += buf[i] == '\n';
    struct kz_scanner a, b;
    kz_scanner_init(&a, ix, 1);
    kz_scanner_init(&b, ix, 1);
    /* the second with another instruction set: the same hits */
    b.isa = (unsigned)(size % (kz_scan_isa_best() + 1));
    kz_scan(&a, buf, size, 0);
    kz_scan(&b, buf, size, 0);
    CHECK(a.newlines == nl && b.newlines == nl);
    CHECK(a.nhits == b.nhits);
    size_t at = 0;
    uint64_t lines = 0; /* newlines before `at` */
    for (size_t i = 0; i < a.nhits; i++) {
        const struct kz_scan_hit *h = &a.hits[i];
        CHECK(h->pos <= size && h->len <= size - h->pos);
        CHECK(h->pos >= at); /* in byte order */
        for (; at < h->pos; at++)
            lines += buf[at] == '\n';
        CHECK(h->line == lines);
        CHECK(h->entry == KZ_SCAN_URLHOST ||
              h->entry < 13); /* entries of the index above */
        const struct kz_scan_hit *g = &b.hits[i];
        CHECK(h->pos == g->pos && h->len == g->len && h->entry == g->entry &&
              h->how == g->how && h->type == g->type && h->line == g->line);
    }
    kz_scanner_free(&a);
    kz_scanner_free(&b);
    free(buf);
    return 0;
}
