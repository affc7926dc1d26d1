/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The context: the last error message (kept on the handle, never in a
 * thread-local) and the diagnostics callback; status strings; allocation
 * wrappers with a failure-injection hook for tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "core/simd_int.h"

struct kz_ctx {
    char errmsg[1024];
    kz_diag_fn diag;
    void *diag_ud;
};

static unsigned long fail_countdown;

void kz_alloc_fail_after(unsigned long n)
{
    fail_countdown = n;
}

static int should_fail(void)
{
    if (fail_countdown == 0)
        return 0;
    return --fail_countdown == 0;
}

void *kz_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *kz_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *kz_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void kz_free(void *p)
{
    free(p);
}

const char *kz_status_str(kz_status st)
{
    switch (st) {
    case KZ_OK:
        return "success";
    case KZ_ERR_NOMEM:
        return "out of memory";
    case KZ_ERR_INVALID:
        return "invalid argument";
    case KZ_ERR_PARSE:
        return "parse error";
    case KZ_ERR_IO:
        return "input/output error";
    case KZ_ERR_LIMIT:
        return "limit exceeded";
    case KZ_ERR_UNSUPPORTED:
        return "not supported";
    case KZ_ERR_NOTFOUND:
        return "not found";
    case KZ_ERR_CORRUPT:
        return "corrupted data";
    case KZ_ERR_VERSION:
        return "unsupported format version";
    case KZ_ERR_ENCODING:
        return "encoding error";
    case KZ_ERR_ABORTED:
        return "aborted";
    }
    return "unknown status";
}

kz_status kz_ctx_new(kz_ctx **out)
{
    if (!out)
        return KZ_ERR_INVALID;
    *out = kz_calloc(1, sizeof **out);
    return *out ? KZ_OK : KZ_ERR_NOMEM;
}

void kz_ctx_free(kz_ctx *ctx)
{
    kz_free(ctx);
}

const char *kz_ctx_errmsg(const kz_ctx *ctx)
{
    return ctx ? ctx->errmsg : "";
}

void kz_ctx_set_diag(kz_ctx *ctx, kz_diag_fn fn, void *ud)
{
    if (!ctx)
        return;
    ctx->diag = fn;
    ctx->diag_ud = ud;
}

kz_status kz_seterr(kz_ctx *ctx, kz_status st, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
        va_end(ap);
    }
    return st;
}

void kz_diag(kz_ctx *ctx, kz_severity sev, const char *input, uint64_t line,
             uint64_t column, const char *fmt, ...)
{
    if (!ctx || !ctx->diag)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->diag(ctx->diag_ud, sev, input ? input : "-", line, column, msg);
}

#if KZ_HAVE_V32
int kz_use_avx2;

__attribute__((constructor)) static void avx2_init(void)
{
    kz_use_avx2 = kz_cpu_avx2();
}

void kz_simd_avx2(int on)
{
    kz_use_avx2 = on && kz_cpu_avx2();
}
#else
int kz_use_avx2;

void kz_simd_avx2(int on)
{
    (void)on;
}
#endif
