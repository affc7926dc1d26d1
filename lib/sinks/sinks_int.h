/* SPDX-License-Identifier: Apache-2.0 */
/* Private to lib/sinks: what the writers share. */
#ifndef KZ_SINKS_INT_H
#define KZ_SINKS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/core.h"

/* Length of the valid UTF-8 sequence at s (n > 0 bytes available) and its
 * code point, or 0 when s starts an invalid sequence (RFC 3629: overlong
 * forms, surrogates and values above U+10FFFF are invalid). */
size_t kz_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Reads SOURCE_DATE_EPOCH (reproducible-builds.org) into *t; 0 when unset,
 * 1 when set, -1 when set but not a number of seconds. */
int kz_source_date_epoch(kz_time *t);

#endif
