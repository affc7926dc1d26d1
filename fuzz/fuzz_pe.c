/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for the PE parser and the Authenticode check
 * (lib/evidence/pe.c): the input is a whole file. Invariants (a trap when
 * broken): at most 8 certificates, a known signature status, a signed
 * digest of at most 64 bytes, every text field NUL-terminated, a valid
 * signature only when the computed authentihash of the signed kind equals
 * the signed one, and the same facts from a second analysis of the same
 * bytes.
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

static void text_ok(const char *s, size_t cap)
{
    CHECK(memchr(s, 0, cap) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const kz_typeset all =
        (1u << KZ_T_MD5) | (1u << KZ_T_SHA1) | (1u << KZ_T_SHA256);
    kz_pe_facts *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    CHECK(a && b);
    int ra = kz_pe_analyze_mem(data, size, all, NULL, a);
    int rb = kz_pe_analyze_mem(data, size, all, NULL, b);
    CHECK(ra == rb);
    if (ra == 0) {
        CHECK(memcmp(a, b, sizeof *a) == 0);
        CHECK(a->nchain <= 8);
        CHECK(a->sig >= KZ_SIG_NONE && a->sig <= KZ_SIG_BAD);
        CHECK(a->signed_digest_len <= sizeof a->signed_digest);
        text_ok(a->sig_error, sizeof a->sig_error);
        text_ok(a->digest_alg, sizeof a->digest_alg);
        text_ok(a->signer.subject, sizeof a->signer.subject);
        for (unsigned i = 0; i < a->nchain; i++) {
            text_ok(a->chain[i].subject, sizeof a->chain[i].subject);
            text_ok(a->chain[i].issuer, sizeof a->chain[i].issuer);
            text_ok(a->chain[i].serial, sizeof a->chain[i].serial);
        }
        if (a->sig == KZ_SIG_VALID) {
            const uint8_t *mine =
                strcmp(a->digest_alg, "sha1") == 0  ? a->ah_sha1
                : strcmp(a->digest_alg, "md5") == 0 ? a->ah_md5
                                                    : a->ah_sha256;
            CHECK(memcmp(mine, a->signed_digest, a->signed_digest_len) == 0);
        }
    } else {
        CHECK(size < 64 || data[0] != 'M' || data[1] != 'Z' || ra == -1);
    }
    free(a);
    free(b);
    return 0;
}
