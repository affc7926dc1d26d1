/* SPDX-License-Identifier: Apache-2.0 */
/* Private to lib/sinks: what the writers share. */
#ifndef KZ_SINKS_INT_H
#define KZ_SINKS_INT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "kizashi/core.h"

/* Length of the valid UTF-8 sequence at s (n > 0 bytes available) and its
 * code point, or 0 when s starts an invalid sequence (RFC 3629: overlong
 * forms, surrogates and values above U+10FFFF are invalid). */
size_t kz_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Reads SOURCE_DATE_EPOCH (reproducible-builds.org) into *t; 0 when unset,
 * 1 when set, -1 when set but not a number of seconds. */
int kz_source_date_epoch(kz_time *t);

/* One RFC 4180 field of n bytes to f: quoted when it holds ',', '"', a line
 * end or edge spaces, '"' doubled; a field starting with = + - @ TAB or CR
 * (a spreadsheet formula) quoted with a leading single quote; control and
 * bidirectional characters but TAB as \xNN. (ioc_writer.c; export.c) */
void kz_csv_field(FILE *f, const char *s, size_t n);

#endif
