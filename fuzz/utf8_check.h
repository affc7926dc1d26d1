/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the harnesses and tests of the writers (fuzz_sinks,
 * fuzz_hit_writer, test_hit_writer): strict UTF-8 validation of their
 * output, written apart from the library's own decoder so that a bug there
 * cannot hide itself.
 */
#ifndef KZ_FUZZ_UTF8_CHECK_H
#define KZ_FUZZ_UTF8_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the n bytes at s are strict UTF-8 (RFC 3629: no overlong forms,
 * surrogates or values above U+10FFFF). */
static inline int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80                 ? 1
                     : c >= 0xC2 && c <= 0xDF ? 2
                     : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4
                                              : 0;
        if (!len || n - i < len)
            return 0;
        uint32_t v = len == 1 ? c : c & (0x7Fu >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            v = (v << 6) | (s[i + k] & 0x3Fu);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

#endif
