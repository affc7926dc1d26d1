/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for kz_read_openioc (OpenIOC 1.0 / 1.1 XML): the input is read
 * through fmemopen with the checking sink of intel_check.h.
 */
#include "intel_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_intel_reader(kz_read_openioc, data, size);
}
