/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between normalize.c and refang.c: the one Public Suffix List
 * context of the process (loaded once, thread-safe) seen through a TLD
 * test. Not installed.
 */
#ifndef KIZASHI_REFANG_INT_H
#define KIZASHI_REFANG_INT_H

#include <stddef.h>

/* 1 when the n bytes at label (one label, any case, no dot) are a top-level
 * public suffix of the ICANN section (the '*' default rule does not count);
 * 0 otherwise, also when no list could be loaded. Thread-safe. */
int kz_psl_label_is_tld(const char *label, size_t n);

#endif /* KIZASHI_REFANG_INT_H */
