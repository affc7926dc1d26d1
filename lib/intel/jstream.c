/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming JSON (see jstream.h). jansson's json_load_callback decodes one
 * value and stops (JSON_DISABLE_EOF_CHECK), but it asks its callback for up
 * to 1 KiB at a time and drops what it did not use; it reports how many
 * bytes it consumed in json_error_t.position (also on success). So the
 * callback hands out bytes from our own buffer and never discards a byte
 * before the last chunk handed out (less a few bytes of a UTF-8 sequence
 * jansson may give back); after the decode the cursor moves to the start
 * plus the position, and the bytes after it are read again by whoever comes
 * next. Memory: one fixed buffer plus the value being decoded.
 */
#include <stdio.h>
#include <string.h>

#include "intel/jstream.h"

/* Size of the read buffer. It never grows: outside a decode the scanner
 * needs one byte of look-ahead; inside, only the bytes since the last chunk
 * handed to jansson are kept. */
#define JS_BUF (64u * 1024u)
/* Bytes kept before the next byte handed to jansson: it may give back the
 * start of a UTF-8 sequence (at most 4 bytes) it fetched across a refill. */
#define JS_KEEP 8

struct kz_jstream {
    kz_ctx *ctx;
    FILE *f;
    char name[256];
    char *buf;
    size_t lo, hi;  /* unconsumed bytes are buf[lo..hi) */
    uint64_t base;  /* input offset of buf[0] */
    uint64_t line;  /* position of buf[lo] */
    uint64_t col;   /* in characters */
    uint64_t vline; /* start of the last value decoded or entered */
    uint64_t vcol;
    int eof, ioerr, started;
    /* during a decode */
    size_t hand;     /* next byte to hand to jansson */
    uint64_t handed; /* bytes handed in this decode */
    int too_big;
    /* entered containers */
    struct {
        char kind; /* '{' or '[' */
        int first; /* no member read yet */
    } stk[KZ_JSTREAM_MAX_DEPTH];
    int depth;
    json_t *key; /* the last key read */
};

kz_status kz_jstream_new(kz_ctx *ctx, FILE *f, const char *name,
                         kz_jstream **out)
{
    *out = NULL;
    if (!f)
        return kz_seterr(ctx, KZ_ERR_INVALID, "jstream: no input");
    kz_jstream *js = kz_calloc(1, sizeof *js);
    if (!js)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    js->buf = kz_malloc(JS_BUF);
    if (!js->buf) {
        kz_free(js);
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    }
    js->ctx = ctx;
    js->f = f;
    snprintf(js->name, sizeof js->name, "%s", name ? name : "-");
    js->line = js->col = js->vline = js->vcol = 1;
    *out = js;
    return KZ_OK;
}

void kz_jstream_free(kz_jstream *js)
{
    if (!js)
        return;
    json_decref(js->key);
    kz_free(js->buf);
    kz_free(js);
}

/* Consumes n buffered bytes, keeping line and column. */
static void advance(kz_jstream *js, size_t n)
{
    for (size_t i = js->lo; i < js->lo + n; i++) {
        unsigned char c = (unsigned char)js->buf[i];
        if (c == '\n') {
            js->line++;
            js->col = 1;
        } else if ((c & 0xC0) != 0x80) {
            js->col++;
        }
    }
    js->lo += n;
}

/* Reads more input after hi, first dropping the consumed bytes. Returns
 * the number of bytes added (0 at the end of input or on error). */
static size_t fill(kz_jstream *js)
{
    if (js->eof || js->ioerr)
        return 0;
    if (js->lo > 0) {
        memmove(js->buf, js->buf + js->lo, js->hi - js->lo);
        js->base += js->lo;
        js->hand -= js->hand >= js->lo ? js->lo : js->hand;
        js->hi -= js->lo;
        js->lo = 0;
    }
    if (js->hi == JS_BUF)
        return 0; /* cannot happen: see JS_BUF */
    size_t n = fread(js->buf + js->hi, 1, JS_BUF - js->hi, js->f);
    if (n == 0) {
        if (ferror(js->f))
            js->ioerr = 1;
        else
            js->eof = 1;
    }
    js->hi += n;
    return n;
}

static kz_status err_at(kz_jstream *js, kz_status st, const char *what)
{
    if (js->ioerr)
        return kz_seterr(js->ctx, KZ_ERR_IO, "%s:%llu:%llu: read error",
                         js->name, (unsigned long long)js->line,
                         (unsigned long long)js->col);
    return kz_seterr(js->ctx, st, "%s:%llu:%llu: %s", js->name,
                     (unsigned long long)js->line, (unsigned long long)js->col,
                     what);
}

/* The next byte that is not white space (not consumed), or -1 at the end. */
static int peekc(kz_jstream *js)
{
    if (!js->started) {
        js->started = 1;
        while (js->hi - js->lo < 3 && fill(js) > 0)
            ;
        if (js->hi - js->lo >= 3 &&
            memcmp(js->buf + js->lo, "\xEF\xBB\xBF", 3) == 0)
            js->lo += 3; /* a BOM is not a column */
    }
    for (;;) {
        while (js->lo < js->hi) {
            char c = js->buf[js->lo];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return (unsigned char)c;
            advance(js, 1);
        }
        js->hand = js->lo;
        if (fill(js) == 0)
            return -1;
    }
}

static size_t feed(void *out, size_t size, void *data)
{
    kz_jstream *js = data;
    if (js->too_big)
        return (size_t)-1;
    if (js->hand == js->hi) {
        /* Everything before the last chunk handed out was consumed (less
         * a UTF-8 sequence jansson may give back): drop it. */
        if (js->hand - js->lo > JS_KEEP)
            advance(js, js->hand - JS_KEEP - js->lo);
        if (fill(js) == 0)
            return 0;
    }
    size_t n = js->hi - js->hand;
    if (n > size)
        n = size;
    if (js->handed + n > KZ_JSTREAM_MAX_VALUE) {
        js->too_big = 1;
        return (size_t)-1;
    }
    memcpy(out, js->buf + js->hand, n);
    js->hand += n;
    js->handed += n;
    return n;
}

kz_status kz_jstream_decode(kz_jstream *js, json_t **out)
{
    *out = NULL;
    int c = peekc(js);
    if (c < 0)
        return err_at(js, KZ_ERR_PARSE, "unexpected end of input");
    js->vline = js->line;
    js->vcol = js->col;
    uint64_t start = js->base + js->lo;
    js->hand = js->lo;
    js->handed = 0;
    js->too_big = 0;
    json_error_t e;
    memset(&e, 0, sizeof e);
    json_t *v = json_load_callback(
        feed, js, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &e);
    /* Move to where jansson stopped (the end of the value, or the error). */
    uint64_t stop = start + (e.position > 0 ? (uint64_t)e.position : 0);
    uint64_t lo_abs = js->base + js->lo;
    if (stop > lo_abs) {
        uint64_t n = stop - lo_abs;
        if (n > js->hi - js->lo)
            n = js->hi - js->lo;
        advance(js, (size_t)n);
    }
    js->hand = js->lo;
    if (v) {
        *out = v;
        return KZ_OK;
    }
    if (js->too_big) {
        char what[96];
        snprintf(what, sizeof what, "JSON value longer than %u bytes",
                 (unsigned)KZ_JSTREAM_MAX_VALUE);
        return kz_seterr(js->ctx, KZ_ERR_LIMIT, "%s:%llu:%llu: %s", js->name,
                         (unsigned long long)js->vline,
                         (unsigned long long)js->vcol, what);
    }
    char what[JSON_ERROR_TEXT_LENGTH + 32];
    snprintf(what, sizeof what, "invalid JSON: %s", e.text);
    return err_at(js, KZ_ERR_PARSE, what);
}

kz_status kz_jstream_skip(kz_jstream *js)
{
    json_t *v = NULL;
    kz_status st = kz_jstream_decode(js, &v);
    json_decref(v);
    return st;
}

kz_status kz_jstream_peek(kz_jstream *js, kz_jkind *kind)
{
    int c = peekc(js);
    if (c < 0)
        return err_at(js, KZ_ERR_PARSE, "unexpected end of input");
    *kind = c == '{' ? KZ_JK_OBJECT : c == '[' ? KZ_JK_ARRAY : KZ_JK_OTHER;
    return KZ_OK;
}

kz_status kz_jstream_enter(kz_jstream *js)
{
    int c = peekc(js);
    if (c != '{' && c != '[')
        return err_at(js, KZ_ERR_PARSE,
                      c < 0 ? "unexpected end of input"
                            : "object or array expected");
    if (js->depth == KZ_JSTREAM_MAX_DEPTH)
        return err_at(js, KZ_ERR_LIMIT, "JSON nested too deeply");
    js->vline = js->line;
    js->vcol = js->col;
    advance(js, 1);
    js->stk[js->depth].kind = (char)c;
    js->stk[js->depth].first = 1;
    js->depth++;
    return KZ_OK;
}

kz_status kz_jstream_next(kz_jstream *js, int *more, const char **key)
{
    *more = 0;
    if (key)
        *key = NULL;
    if (js->depth == 0)
        return kz_seterr(js->ctx, KZ_ERR_INVALID, "jstream: no container");
    int obj = js->stk[js->depth - 1].kind == '{';
    int c = peekc(js);
    if (c < 0)
        return err_at(js, KZ_ERR_PARSE, "unexpected end of input");
    if (c == (obj ? '}' : ']')) {
        advance(js, 1);
        js->depth--;
        return KZ_OK;
    }
    if (!js->stk[js->depth - 1].first) {
        if (c != ',')
            return err_at(js, KZ_ERR_PARSE,
                          obj ? "',' or '}' expected" : "',' or ']' expected");
        advance(js, 1);
        c = peekc(js);
    }
    js->stk[js->depth - 1].first = 0;
    if (obj) {
        if (c != '"')
            return err_at(js, KZ_ERR_PARSE, "object key expected");
        json_decref(js->key);
        js->key = NULL;
        kz_status st = kz_jstream_decode(js, &js->key);
        if (st != KZ_OK)
            return st;
        if (json_string_length(js->key) > KZ_JSTREAM_MAX_KEY)
            return err_at(js, KZ_ERR_LIMIT, "object key too long");
        if (peekc(js) != ':')
            return err_at(js, KZ_ERR_PARSE, "':' expected");
        advance(js, 1);
        if (key)
            *key = json_string_value(js->key);
    }
    *more = 1;
    return KZ_OK;
}

kz_status kz_jstream_end(kz_jstream *js)
{
    if (peekc(js) >= 0)
        return err_at(js, KZ_ERR_PARSE, "data after the JSON document");
    if (js->ioerr)
        return err_at(js, KZ_ERR_IO, "read error");
    return KZ_OK;
}

void kz_jstream_where(const kz_jstream *js, uint64_t *line, uint64_t *col)
{
    if (line)
        *line = js->vline;
    if (col)
        *col = js->vcol;
}

uint64_t kz_jstream_offset(const kz_jstream *js)
{
    return js->base + js->lo;
}
