/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the Authenticode parser (lib/evidence/pe.c): the input
 * is the payload of a WIN_CERTIFICATE (a PKCS#7 SignedData, in DER), put
 * into the certificate table of a minimal, valid PE file built here, so
 * that every input reaches the PKCS#7, SpcIndirectDataContent and
 * certificate code (the PE harness spends most inputs on headers).
 * Invariants: the file is always a PE; a signature is reported (the table
 * is there); at most 8 certificates; text fields NUL-terminated; "valid"
 * only when the signed digest is the computed authentihash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/pe.h"
#include "kizashi/kizashi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xFFFF);
    put16(p + 2, v >> 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    const size_t table = 512; /* the certificate table's offset */
    size_t n = table + 8 + size;
    uint8_t *f = calloc(1, n);
    kz_pe_facts *pe = malloc(sizeof *pe);
    CHECK(f && pe);
    f[0] = 'M';
    f[1] = 'Z';
    put32(f + 0x3C, 64); /* e_lfanew */
    memcpy(f + 64, "PE\0\0", 4);
    put16(f + 64 + 4, 0x8664);  /* machine: x64 */
    put16(f + 64 + 20, 240);    /* SizeOfOptionalHeader */
    put16(f + 64 + 22, 0x0002); /* executable */
    uint8_t *opt = f + 64 + 24;
    put16(opt, 0x20b);    /* PE32+ */
    put16(opt + 68, 1);   /* native: a driver */
    put32(opt + 108, 16); /* NumberOfRvaAndSizes */
    put32(opt + 112 + 4 * 8, (uint32_t)table);
    put32(opt + 112 + 4 * 8 + 4, (uint32_t)(8 + size));
    put32(f + table, (uint32_t)(8 + size)); /* WIN_CERTIFICATE */
    put16(f + table + 4, 0x0200);
    put16(f + table + 6, 2); /* PKCS_SIGNED_DATA */
    if (size)
        memcpy(f + table + 8, data, size);
    const kz_typeset all =
        (1u << KZ_T_MD5) | (1u << KZ_T_SHA1) | (1u << KZ_T_SHA256);
    CHECK(kz_pe_analyze_mem(f, n, all, NULL, pe) == 0);
    CHECK(pe->is_driver && pe->pe32plus);
    CHECK(pe->sig != KZ_SIG_NONE);
    CHECK(pe->nchain <= 8);
    CHECK(memchr(pe->sig_error, 0, sizeof pe->sig_error));
    CHECK(memchr(pe->signer.subject, 0, sizeof pe->signer.subject));
    CHECK(pe->authentihash ==
          ((1u << KZ_T_MD5) | (1u << KZ_T_SHA1) | (1u << KZ_T_SHA256)));
    if (pe->sig == KZ_SIG_VALID) {
        const uint8_t *mine = strcmp(pe->digest_alg, "sha1") == 0 ? pe->ah_sha1
                              : strcmp(pe->digest_alg, "md5") == 0
                                  ? pe->ah_md5
                                  : pe->ah_sha256;
        CHECK(memcmp(mine, pe->signed_digest, pe->signed_digest_len) == 0);
    }
    free(pe);
    free(f);
    return 0;
}
