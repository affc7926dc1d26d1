/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for index loading (lib/index/index.c): the input is taken
 * as a .kzi file. When its first byte is odd, the harness first repairs
 * the header's size and checksum, so the fuzzer reaches the section table
 * and the sections themselves instead of stopping at the checksum. Then
 * it opens, verifies, reads every entry, runs every kind of lookup and
 * the sweep's tokenizer over a line holding every kind of value (literal
 * strings too): none may read outside the buffer (ASan) or loop without
 * end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/scan.h"
#include "index/index_int.h"
#include "kizashi/kizashi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void nop(void *ud, uint32_t e, kz_match_kind how)
{
    (void)how;
    *(uint32_t *)ud ^= e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int repair = data[0] & 1;
    data++;
    size--;
    uint8_t *buf = malloc(size ? size : 1); /* malloc: 8-byte aligned */
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (repair && size >= KZI_HEADER_SIZE) {
        struct kzi_header h;
        memcpy(&h, buf, sizeof h);
        h.file_size = size;
        h.header_checksum = 0;
        memcpy(buf, &h, sizeof h);
        h.header_checksum = kzi_checksum(buf, KZI_HEADER_SIZE);
        memcpy(buf, &h, sizeof h);
    }
    kz_ctx *ctx = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK) {
        free(buf);
        return 0;
    }
    kz_index *ix = NULL;
    if (kz_index_open_mem(ctx, buf, size, &ix) == KZ_OK) {
        (void)kz_index_verify(ctx, ix);
        kz_index_info in;
        kz_index_get_info(ix, &in);
        uint32_t acc = 0;
        kz_index_entry e;
        for (uint64_t i = 0; i < in.indicators && i < 4096; i++)
            if (kz_index_entry_get(ix, (uint32_t)i, &e) == KZ_OK)
                acc ^= (uint32_t)e.value_len ^ (uint32_t)e.threats_len;
        static const char *const ips[] = {"1.2.3.4", "10.1.2.3", "::1",
                                          "2001:db8::1", "255.255.255.255"};
        for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
            uint8_t a[16];
            int fam;
            if (kz_norm_ip(ips[i], strlen(ips[i]), a, &fam, NULL) == KZ_OK)
                kz_index_lookup_ip(ix, a, nop, &acc);
        }
        kz_index_lookup_host(ix, "a.b.evil.example", 16, nop, &acc);
        (void)kz_index_is_url_host(ix, "evil.example", 12);
        kz_index_lookup_url(ix, "http://evil.example/x", 21, nop, &acc);
        uint8_t d[32] = {1, 2, 3};
        kz_index_lookup_digest(ix, d, 16, nop, &acc);
        kz_index_lookup_digest(ix, d, 32, nop, &acc);
        kz_index_lookup_email(ix, "a@evil.example", 14, nop, &acc);
        kz_index_lookup_filename(ix, "netfilter.sys", 13, nop, &acc);
        (void)kz_index_lookup_types(ix);
        /* the sweep's tokenizer, literal strings included, over a line
         * holding something of every kind */
        static const char line[] =
            "1.2.3.4 a.evil.example http://evil.example/x a@evil.example "
            "2897721785645ad5b2a8fb524ed650c0 netfilter.sys 2001:db8::1 "
            "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; KZ-Test) "
            "Global\\QakBotMutex_42 HKCU\\Software\\Microsoft\\Windows\\"
            "CurrentVersion\\Run\\updater\n";
        struct kz_scanner sc;
        kz_scanner_init(&sc, ix, 1);
        kz_scan(&sc, line, sizeof line - 1, 0);
        for (size_t i = 0; i < sc.nhits; i++)
            acc ^= sc.hits[i].entry;
        kz_scanner_free(&sc);
        kz_index_close(ix);
    }
    kz_ctx_free(ctx);
    free(buf);
    return 0;
}
