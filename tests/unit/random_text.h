/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random text for the tests that compare a fast path with its definition:
 * up to cap bytes made of pieces picked from a list (the characters and
 * words the code under test cares about), from a seeded linear
 * congruential generator, so every run tests the same strings.
 */
#ifndef KIZASHI_TESTS_RANDOM_TEXT_H
#define KIZASHI_TESTS_RANDOM_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t random_pieces(uint32_t *seed, const char *const *piece,
                                   size_t np, char *buf, size_t cap)
{
    size_t n = 0;
    *seed = *seed * 1103515245u + 12345u;
    size_t want = (*seed >> 16) % cap;
    while (n < want) {
        *seed = *seed * 1103515245u + 12345u;
        const char *p = piece[(*seed >> 16) % np];
        size_t l = strlen(p);
        if (n + l > cap)
            break;
        memcpy(buf + n, p, l);
        n += l;
    }
    return n;
}

#endif
