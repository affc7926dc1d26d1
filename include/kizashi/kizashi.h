/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kizashi umbrella header: includes every public header of libkizashi, and
 * declares what belongs to the library as a whole (its build information).
 * Programs may include this one header instead of the per-stage ones.
 */
#ifndef KIZASHI_KIZASHI_H
#define KIZASHI_KIZASHI_H

#include "kizashi/core.h"
#include "kizashi/evidence.h"
#include "kizashi/index.h"
#include "kizashi/intel.h"
#include "kizashi/judge.h"
#include "kizashi/limits.h"
#include "kizashi/sinks.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version and the versions of the libraries compiled in, one
 * "name version" per line, each line ending in '\n'; the first line is
 * "kizashi " KZ_VERSION_STRING. When a library's run-time version differs
 * from the one compiled against, both are given. Static storage, never
 * NULL; thread-safe (built once). */
const char *kz_version_info(void);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_KIZASHI_H */
