/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for lib/core normalization and refanging: the input goes
 * through every kz_norm_*, kz_normalize for every type, kz_refang,
 * kz_refang_map and kz_defang. Invariants (a trap when broken): a
 * normalized value normalizes to itself; refang output is never longer
 * than the input, is cut only as a prefix, and maps into the input in
 * order; defanged domains, IPv4 and plain e-mail addresses refang back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "kizashi/core.h"
#include "kizashi/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

struct bufs {
    char *out, *again, *tmp, *copy;
    uint32_t *map, *map2;
    size_t cap;
};

/* x normalizes to itself as type t. */
static void check_fixed_point(kz_type t, const char *x, size_t n,
                              struct bufs *b)
{
    size_t len = 0;
    CHECK(kz_normalize(t, x, n, b->again, b->cap, &len) == KZ_OK);
    CHECK(len == n && memcmp(b->again, x, n) == 0);
}

/* defang then refang gives x back. */
static void check_round_trip(kz_type t, const char *x, size_t n, struct bufs *b)
{
    size_t dl = 0;
    CHECK(kz_defang(t, x, n, b->tmp, b->cap, &dl) == KZ_OK);
    CHECK(dl <= 2 * n + 8);
    size_t r = kz_refang(b->tmp, dl, b->again, b->cap);
    CHECK(r == n && memcmp(b->again, x, n) == 0);
}

static int plain_local_part(const char *x, size_t n)
{
    for (size_t i = 0; i < n && x[i] != '@'; i++) {
        char c = x[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-' || c == '+'))
            return 0;
    }
    return 1;
}

static void fuzz_ip(const char *s, size_t n, struct bufs *b)
{
    uint8_t a4[4], a16[16], b16[16];
    uint16_t port;
    int fam, fam2, host;
    unsigned prefix;
    size_t len;

    if (kz_norm_ipv4(s, n, a4, &port) == KZ_OK) {
        CHECK(kz_norm_ip(s, n, a16, &fam, &port) == KZ_OK && fam == 4);
        CHECK(memcmp(a16 + 12, a4, 4) == 0);
    }
    (void)kz_norm_ipv4(s, n, a4, NULL);
    (void)kz_norm_ipv6(s, n, a16, &port);
    (void)kz_norm_ipv6(s, n, a16, NULL);
    if (kz_norm_ip(s, n, a16, &fam, NULL) == KZ_OK) {
        CHECK(kz_ip_format(a16, fam, b->out, b->cap, &len) == KZ_OK);
        CHECK(kz_norm_ip(b->out, len, b16, &fam2, NULL) == KZ_OK);
        CHECK(fam2 == fam && memcmp(a16, b16, 16) == 0);
        CHECK(kz_ip_format(a16, 6, b->out, b->cap, &len) == KZ_OK);
        CHECK(kz_norm_ip(b->out, len, b16, NULL, NULL) == KZ_OK);
        CHECK(memcmp(a16, b16, 16) == 0);
        CHECK(kz_ip_format(a16, fam, b->out, 2, &len) == KZ_ERR_LIMIT);
    }
    if (kz_norm_cidr(s, n, a16, &fam, &prefix, &host) == KZ_OK)
        CHECK(fam == 4 ? prefix <= 32 : (fam == 6 && prefix <= 128));
}

static void fuzz_names(const char *s, size_t n, struct bufs *b)
{
    size_t len;
    if (kz_norm_domain(s, n, b->out, b->cap, &len) == KZ_OK) {
        CHECK(len <= KZ_MAX_DOMAIN && strlen(b->out) == len);
        (void)kz_domain_has_public_suffix(b->out, len);
        (void)kz_domain_tld_is_filename_ext(b->out, len);
        size_t rl;
        if (kz_domain_registrable(b->out, len, b->tmp, b->cap, &rl) == KZ_OK)
            CHECK(rl <= len);
        check_fixed_point(KZ_T_DOMAIN, b->out, len, b);
        check_round_trip(KZ_T_DOMAIN, b->out, len, b);
    }
    (void)kz_domain_has_public_suffix(s, n);
    (void)kz_domain_tld_is_filename_ext(s, n);
    (void)kz_domain_registrable(s, n, b->out, b->cap, &len);

    if (kz_norm_url(s, n, b->out, b->cap, &len) == KZ_OK) {
        CHECK(len <= KZ_MAX_URL && strlen(b->out) == len);
        check_fixed_point(KZ_T_URL, b->out, len, b);
    }
    if (kz_norm_email(s, n, b->out, b->cap, &len) == KZ_OK) {
        CHECK(len <= KZ_MAX_EMAIL && strlen(b->out) == len);
        check_fixed_point(KZ_T_EMAIL, b->out, len, b);
        if (plain_local_part(b->out, len))
            check_round_trip(KZ_T_EMAIL, b->out, len, b);
    }

    uint8_t h[64];
    size_t hl;
    if (kz_norm_hash(s, n, h, sizeof h, &hl) == KZ_OK)
        CHECK(hl == 16 || hl == 20 || hl == 32 || hl == 64);
}

static void fuzz_normalize_all(const char *s, size_t n, struct bufs *b)
{
    for (int t = 0; t <= KZ_T_COUNT_; t++) {
        size_t len = 0;
        kz_status st = kz_normalize((kz_type)t, s, n, b->out, b->cap, &len);
        if (st != KZ_OK) {
            CHECK(len == 0 && b->out[0] == '\0');
            continue;
        }
        CHECK(len > 0 && len < b->cap && strlen(b->out) == len);
        memcpy(b->copy, b->out, len);
        check_fixed_point((kz_type)t, b->copy, len, b);
        if (t == KZ_T_IPV4)
            check_round_trip(KZ_T_IPV4, b->copy, len, b);
    }
}

static void fuzz_refang(const char *s, size_t n, struct bufs *b)
{
    size_t r = kz_refang_map(s, n, b->out, n + 1, b->map);
    CHECK(r <= n && b->out[r] == '\0');
    for (size_t j = 0; j < r; j++) {
        CHECK(b->map[j] < n);
        CHECK(j == 0 || b->map[j] >= b->map[j - 1]);
    }
    size_t r2 = kz_refang(s, n, b->again, n + 1);
    CHECK(r2 == r && memcmp(b->again, b->out, r) == 0);
    /* The pass around triggers only equals the pass over every byte. */
    size_t rr = kz_refang_map_ref(s, n, b->again, n + 1, b->map2);
    CHECK(rr == r && memcmp(b->again, b->out, r) == 0 &&
          memcmp(b->map2, b->map, r * sizeof *b->map) == 0);
    /* A smaller buffer cuts the same output short. */
    size_t small = n / 2 + 1;
    size_t r3 = kz_refang(s, n, b->tmp, small);
    CHECK(r3 < small && r3 <= r && memcmp(b->tmp, b->out, r3) == 0);

    for (int t = 0; t <= KZ_T_COUNT_; t++) {
        size_t len = 0;
        if (kz_defang((kz_type)t, s, n, b->tmp, b->cap, &len) == KZ_OK)
            CHECK(len <= 3 * n + 8 && strlen(b->tmp) == len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    const char *s = (const char *)data;
    struct bufs b;
    b.cap = 3 * size + 64 > KZ_MAX_URL + 1 ? 3 * size + 64 : KZ_MAX_URL + 1;
    b.out = malloc(b.cap);
    b.again = malloc(b.cap);
    b.tmp = malloc(b.cap);
    b.copy = malloc(b.cap);
    b.map = malloc(b.cap * sizeof *b.map);
    b.map2 = malloc(b.cap * sizeof *b.map2);
    if (b.out && b.again && b.tmp && b.copy && b.map && b.map2) {
        b.out[0] = '\0';
        fuzz_ip(s, size, &b);
        fuzz_names(s, size, &b);
        fuzz_normalize_all(s, size, &b);
        fuzz_refang(s, size, &b);
    }
    free(b.out);
    free(b.again);
    free(b.tmp);
    free(b.copy);
    free(b.map);
    free(b.map2);
    return 0;
}
