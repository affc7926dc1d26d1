/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Log sources (logsrc.h): the bytes of a file or of standard input, plain
 * or decompressed as a stream by zlib, libbz2, liblzma or libzstd. Each
 * decoder is a small table of three functions; the read loop around them
 * is shared. Invariants: memory is bounded whatever the input says (a
 * fixed input buffer, decoders with a memory ceiling); bytes handed out
 * are never taken back: an error found after some output is reported by
 * the next call, so the caller keeps everything before it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
/* For ZSTD_createDStream_advanced and ZSTD_customMem (exported by the
 * shared library since 1.0): zstd then allocates through kz_malloc too. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "core/core_int.h"
#include "evidence/logsrc.h"

/* Compressed input is read in blocks of this size. */
#define LOGSRC_INBUF (256u * 1024u)
/* The longest magic looked at by kz_compression_detect. */
#define LOGSRC_MAGIC_MAX 6
/* Ceilings on what a decoder may allocate: xz -9 needs 65 MiB, zstd's
 * default window ceiling is 2^27 (128 MiB; --long=31 frames are refused). */
#define LOGSRC_XZ_MEMLIMIT (256u * 1024u * 1024u)
#define LOGSRC_ZSTD_WINDOWLOG 27
/* One decoder call sees at most this many bytes in or out (zlib and
 * libbz2 count in unsigned int). */
#define LOGSRC_STEP_MAX (1u << 30)

/* What one decoder step did. */
enum step {
    STEP_OK = 0,  /* progress or none; the loop looks at the counts */
    STEP_END,     /* a member (gzip, bzip2, zstd frame) or the stream ended */
    STEP_CORRUPT, /* damaged data; s->liberr says what the library said */
    STEP_NOMEM
};

struct kz_logsrc;

/* A decoder. step() consumes from in (*used) and writes to out (*made);
 * finish is 1 when no more input will ever come. reset() prepares for the
 * next member after STEP_END. */
typedef struct codec {
    kz_compression comp;
    int pad_zeros; /* zero bytes between and after members are skipped */
    int end_final; /* STEP_END ends the input (the library reads members) */
    kz_status (*init)(struct kz_logsrc *s);
    enum step (*step)(struct kz_logsrc *s, const unsigned char *in, size_t in_n,
                      size_t *used, unsigned char *out, size_t out_n,
                      size_t *made, int finish);
    kz_status (*reset)(struct kz_logsrc *s);
    void (*end)(struct kz_logsrc *s);
} codec;

struct kz_logsrc {
    kz_ctx *ctx;
    int fd;
    char *name;
    const codec *dec; /* NULL: plain */
    kz_compression comp;

    unsigned char *in; /* LOGSRC_INBUF bytes */
    size_t in_pos, in_len;
    uint64_t in_off; /* file offset of in[in_pos] */
    int eof;         /* read() said end of input */

    uint64_t out_off; /* bytes returned so far */
    int live;         /* inside a member: its end is still to come */
    int done;         /* the whole input was decoded */
    int inited;       /* the decoder state must be ended */

    kz_status err; /* an error found after output, for the next call */
    char errmsg[512];
    const char *liberr; /* the library's words for the last error */

    union {
        z_stream z;
        bz_stream bz;
        lzma_stream xz;
        ZSTD_DStream *zs;
    } u;
    lzma_allocator xz_alloc;
};

/* ==== allocation hooks for the libraries ================================ */

static void *z_alloc(void *opaque, uInt items, uInt size)
{
    (void)opaque;
    return kz_calloc(items, size);
}

static void z_free(void *opaque, void *p)
{
    (void)opaque;
    kz_free(p);
}

static void *bz_alloc(void *opaque, int items, int size)
{
    (void)opaque;
    if (items < 0 || size < 0)
        return NULL;
    return kz_calloc((size_t)items, (size_t)size);
}

static void bz_free(void *opaque, void *p)
{
    (void)opaque;
    kz_free(p);
}

static void *xz_alloc(void *opaque, size_t nmemb, size_t size)
{
    (void)opaque;
    return kz_calloc(nmemb, size);
}

static void *zs_alloc(void *opaque, size_t size)
{
    (void)opaque;
    return kz_malloc(size);
}

static void zs_free(void *opaque, void *p)
{
    (void)opaque;
    kz_free(p);
}

static size_t clamp_step(size_t n)
{
    return n > LOGSRC_STEP_MAX ? LOGSRC_STEP_MAX : n;
}

/* ==== gzip (zlib) ======================================================= */

static kz_status gz_init(struct kz_logsrc *s)
{
    memset(&s->u.z, 0, sizeof s->u.z);
    s->u.z.zalloc = z_alloc;
    s->u.z.zfree = z_free;
    int r = inflateInit2(&s->u.z, 16 + MAX_WBITS); /* gzip wrapper only */
    return r == Z_OK ? KZ_OK : KZ_ERR_NOMEM;
}

static enum step gz_step(struct kz_logsrc *s, const unsigned char *in,
                         size_t in_n, size_t *used, unsigned char *out,
                         size_t out_n, size_t *made, int finish)
{
    z_stream *z = &s->u.z;
    (void)finish;
    in_n = clamp_step(in_n);
    out_n = clamp_step(out_n);
    z->next_in = (Bytef *)(uintptr_t)in; /* zlib does not write to it */
    z->avail_in = (uInt)in_n;
    z->next_out = out;
    z->avail_out = (uInt)out_n;
    int r = inflate(z, Z_NO_FLUSH);
    *used = in_n - z->avail_in;
    *made = out_n - z->avail_out;
    switch (r) {
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible: the loop decides */
        return STEP_OK;
    case Z_STREAM_END:
        return STEP_END;
    case Z_MEM_ERROR:
        return STEP_NOMEM;
    default:
        s->liberr = z->msg ? z->msg : "invalid data";
        return STEP_CORRUPT;
    }
}

static kz_status gz_reset(struct kz_logsrc *s)
{
    return inflateReset(&s->u.z) == Z_OK ? KZ_OK : KZ_ERR_NOMEM;
}

static void gz_end(struct kz_logsrc *s)
{
    inflateEnd(&s->u.z);
}

/* ==== bzip2 (libbz2) ==================================================== */

static kz_status bz_init(struct kz_logsrc *s)
{
    memset(&s->u.bz, 0, sizeof s->u.bz);
    s->u.bz.bzalloc = bz_alloc;
    s->u.bz.bzfree = bz_free;
    int r = BZ2_bzDecompressInit(&s->u.bz, 0, 0);
    return r == BZ_OK ? KZ_OK : KZ_ERR_NOMEM;
}

static enum step bz_step(struct kz_logsrc *s, const unsigned char *in,
                         size_t in_n, size_t *used, unsigned char *out,
                         size_t out_n, size_t *made, int finish)
{
    bz_stream *b = &s->u.bz;
    (void)finish;
    in_n = clamp_step(in_n);
    out_n = clamp_step(out_n);
    b->next_in = (char *)(uintptr_t)in; /* libbz2 does not write to it */
    b->avail_in = (unsigned)in_n;
    b->next_out = (char *)out;
    b->avail_out = (unsigned)out_n;
    int r = BZ2_bzDecompress(b);
    *used = in_n - b->avail_in;
    *made = out_n - b->avail_out;
    switch (r) {
    case BZ_OK:
        return STEP_OK;
    case BZ_STREAM_END:
        return STEP_END;
    case BZ_MEM_ERROR:
        return STEP_NOMEM;
    case BZ_DATA_ERROR_MAGIC:
        s->liberr = "not a bzip2 stream";
        return STEP_CORRUPT;
    default:
        s->liberr = "invalid data";
        return STEP_CORRUPT;
    }
}

static kz_status bz_reset(struct kz_logsrc *s)
{
    BZ2_bzDecompressEnd(&s->u.bz);
    return bz_init(s);
}

static void bz_end(struct kz_logsrc *s)
{
    BZ2_bzDecompressEnd(&s->u.bz);
}

/* ==== xz (liblzma) ====================================================== */

static kz_status xz_init(struct kz_logsrc *s)
{
    lzma_stream init = LZMA_STREAM_INIT;
    s->u.xz = init;
    s->xz_alloc.alloc = xz_alloc;
    s->xz_alloc.free = z_free;
    s->xz_alloc.opaque = NULL;
    s->u.xz.allocator = &s->xz_alloc;
    /* LZMA_CONCATENATED: liblzma reads every stream and the padding
     * between them itself; the end is told by LZMA_FINISH. */
    lzma_ret r =
        lzma_stream_decoder(&s->u.xz, LOGSRC_XZ_MEMLIMIT, LZMA_CONCATENATED);
    return r == LZMA_OK ? KZ_OK : KZ_ERR_NOMEM;
}

static enum step xz_step(struct kz_logsrc *s, const unsigned char *in,
                         size_t in_n, size_t *used, unsigned char *out,
                         size_t out_n, size_t *made, int finish)
{
    lzma_stream *x = &s->u.xz;
    x->next_in = in;
    x->avail_in = in_n;
    x->next_out = out;
    x->avail_out = out_n;
    lzma_ret r = lzma_code(x, finish ? LZMA_FINISH : LZMA_RUN);
    *used = in_n - x->avail_in;
    *made = out_n - x->avail_out;
    switch (r) {
    case LZMA_OK:
    case LZMA_BUF_ERROR: /* no progress possible: the loop decides */
        return STEP_OK;
    case LZMA_STREAM_END:
        return STEP_END;
    case LZMA_MEM_ERROR:
        return STEP_NOMEM;
    case LZMA_MEMLIMIT_ERROR:
        s->liberr = "needs more memory than the 256 MiB allowed";
        return STEP_CORRUPT;
    case LZMA_FORMAT_ERROR:
        s->liberr = "not an xz stream";
        return STEP_CORRUPT;
    case LZMA_OPTIONS_ERROR:
        s->liberr = "unsupported options";
        return STEP_CORRUPT;
    default:
        s->liberr = "invalid data";
        return STEP_CORRUPT;
    }
}

static kz_status xz_reset(struct kz_logsrc *s)
{
    (void)s; /* STEP_END is the end of everything: never called */
    return KZ_OK;
}

static void xz_end(struct kz_logsrc *s)
{
    lzma_end(&s->u.xz);
}

/* ==== zstd (libzstd) ==================================================== */

static kz_status zs_init(struct kz_logsrc *s)
{
    ZSTD_customMem mem = {zs_alloc, zs_free, NULL};
    s->u.zs = ZSTD_createDStream_advanced(mem);
    if (!s->u.zs)
        return KZ_ERR_NOMEM;
    if (ZSTD_isError(ZSTD_DCtx_setParameter(s->u.zs, ZSTD_d_windowLogMax,
                                            LOGSRC_ZSTD_WINDOWLOG))) {
        ZSTD_freeDStream(s->u.zs);
        s->u.zs = NULL;
        return KZ_ERR_NOMEM;
    }
    return KZ_OK;
}

static enum step zs_step(struct kz_logsrc *s, const unsigned char *in,
                         size_t in_n, size_t *used, unsigned char *out,
                         size_t out_n, size_t *made, int finish)
{
    ZSTD_inBuffer ib = {in, in_n, 0};
    ZSTD_outBuffer ob = {out, out_n, 0};
    (void)finish;
    size_t r = ZSTD_decompressStream(s->u.zs, &ob, &ib);
    *used = ib.pos;
    *made = ob.pos;
    if (ZSTD_isError(r)) {
        if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
            return STEP_NOMEM;
        s->liberr = ZSTD_getErrorName(r);
        return STEP_CORRUPT;
    }
    /* 0: a frame was decoded and flushed entirely; the next call starts
     * the next frame by itself. */
    return r == 0 ? STEP_END : STEP_OK;
}

static kz_status zs_reset(struct kz_logsrc *s)
{
    (void)s; /* libzstd goes on with the next frame by itself */
    return KZ_OK;
}

static void zs_end(struct kz_logsrc *s)
{
    ZSTD_freeDStream(s->u.zs);
    s->u.zs = NULL;
}

static const codec codecs[] = {
    {KZ_COMP_GZIP, 1, 0, gz_init, gz_step, gz_reset, gz_end},
    {KZ_COMP_BZIP2, 1, 0, bz_init, bz_step, bz_reset, bz_end},
    {KZ_COMP_XZ, 0, 1, xz_init, xz_step, xz_reset, xz_end},
    {KZ_COMP_ZSTD, 0, 0, zs_init, zs_step, zs_reset, zs_end},
};

/* ==== detection ========================================================= */

const char *kz_compression_name(kz_compression c)
{
    switch (c) {
    case KZ_COMP_GZIP:
        return "gzip";
    case KZ_COMP_BZIP2:
        return "bzip2";
    case KZ_COMP_XZ:
        return "xz";
    case KZ_COMP_ZSTD:
        return "zstd";
    default:
        return NULL;
    }
}

kz_compression kz_compression_detect(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (!b)
        return KZ_COMP_NONE;
    /* gzip: ID1 ID2 and CM = 8 (deflate), the only method defined. */
    if (n >= 3 && b[0] == 0x1F && b[1] == 0x8B && b[2] == 8)
        return KZ_COMP_GZIP;
    /* bzip2: "BZh" and the block size digit. */
    if (n >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' &&
        b[3] <= '9')
        return KZ_COMP_BZIP2;
    if (n >= 6 && memcmp(b, "\xFD\x37zXZ\0", 6) == 0)
        return KZ_COMP_XZ;
    /* zstd frame 0xFD2FB528, or a skippable frame 0x184D2A5? (both little
     * endian) that libzstd skips. */
    if (n >= 4 &&
        ((b[0] == 0x28 && b[1] == 0xB5 && b[2] == 0x2F && b[3] == 0xFD) ||
         ((b[0] & 0xF0) == 0x50 && b[1] == 0x2A && b[2] == 0x4D &&
          b[3] == 0x18)))
        return KZ_COMP_ZSTD;
    return KZ_COMP_NONE;
}

/* ==== opening and closing =============================================== */

static void close_fd(int fd)
{
    if (fd > 0) /* standard input (0) is never closed */
        close(fd);
}

/* One read() into the free end of the input buffer, after moving what is
 * left to its start. */
static kz_status fill(kz_logsrc *s)
{
    if (s->in_pos > 0) {
        memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
        s->in_len -= s->in_pos;
        s->in_pos = 0;
    }
    for (;;) {
        ssize_t r = read(s->fd, s->in + s->in_len, LOGSRC_INBUF - s->in_len);
        if (r > 0) {
            s->in_len += (size_t)r;
            return KZ_OK;
        }
        if (r == 0) {
            s->eof = 1;
            return KZ_OK;
        }
        if (errno != EINTR)
            return kz_seterr(s->ctx, KZ_ERR_IO, "%s: read error: %s", s->name,
                             strerror(errno));
    }
}

kz_status kz_logsrc_open_fd(kz_ctx *ctx, int fd, const char *name,
                            kz_logsrc **out)
{
    kz_status rc = KZ_OK;
    kz_logsrc *s = NULL;

    if (out)
        *out = NULL;
    if (!name)
        name = "-";
    if (fd < 0 || !out) {
        rc = kz_seterr(ctx, KZ_ERR_INVALID, "%s: no file to read", name);
        goto out;
    }
    s = kz_calloc(1, sizeof *s);
    if (!s) {
        rc = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    s->ctx = ctx;
    s->fd = fd;
    fd = -1; /* the source owns it now */
    size_t nl = strlen(name);
    s->name = kz_malloc(nl + 1);
    s->in = kz_malloc(LOGSRC_INBUF);
    if (!s->name || !s->in) {
        rc = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    memcpy(s->name, name, nl + 1);

    /* Enough bytes for the longest magic (a pipe gives them in pieces). */
    while (s->in_len < LOGSRC_MAGIC_MAX && !s->eof) {
        rc = fill(s);
        if (rc != KZ_OK)
            goto out;
    }
    s->comp = kz_compression_detect(s->in, s->in_len);
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        if (codecs[i].comp == s->comp)
            s->dec = &codecs[i];
    if (s->dec) {
        rc = s->dec->init(s);
        if (rc != KZ_OK) {
            rc = kz_seterr(ctx, rc, "%s: out of memory", name);
            goto out;
        }
        s->inited = 1;
        /* xz reads all its streams in one decoder state: it is inside the
         * stream until liblzma says it ended. */
        s->live = s->dec->end_final;
    }
    *out = s;
    s = NULL;
out:
    close_fd(fd);
    kz_logsrc_close(s);
    return rc;
}

void kz_logsrc_close(kz_logsrc *s)
{
    if (!s)
        return;
    if (s->inited)
        s->dec->end(s);
    close_fd(s->fd);
    kz_free(s->in);
    kz_free(s->name);
    kz_free(s);
}

kz_compression kz_logsrc_compression(const kz_logsrc *s)
{
    return s ? s->comp : KZ_COMP_NONE;
}

uint64_t kz_logsrc_offset(const kz_logsrc *s)
{
    return s ? s->out_off : 0;
}

/* ==== reading =========================================================== */

/* Remembers an error for the call that returns it (now, or the next one
 * when this one has output to hand out first). */
static void keep_error(kz_logsrc *s, kz_status st, uint64_t text)
{
    const char *what = kz_compression_name(s->comp);
    s->err = st;
    if (st == KZ_ERR_CORRUPT && s->liberr)
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: %s data corrupt at compressed byte %llu (after %llu "
                 "bytes of text): %s",
                 s->name, what, (unsigned long long)s->in_off,
                 (unsigned long long)text, s->liberr);
    else if (st == KZ_ERR_CORRUPT)
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: truncated %s stream at compressed byte %llu (after "
                 "%llu bytes of text)",
                 s->name, what, (unsigned long long)s->in_off,
                 (unsigned long long)text);
    else if (st == KZ_ERR_NOMEM)
        snprintf(s->errmsg, sizeof s->errmsg,
                 "%s: out of memory decompressing %s at compressed byte %llu",
                 s->name, what, (unsigned long long)s->in_off);
    else /* KZ_ERR_IO: fill() set the message */
        snprintf(s->errmsg, sizeof s->errmsg, "%s", kz_ctx_errmsg(s->ctx));
}

static kz_status read_plain(kz_logsrc *s, unsigned char *buf, size_t cap,
                            size_t *got)
{
    /* The bytes read to detect the compression come first. */
    if (s->in_pos < s->in_len) {
        size_t n = s->in_len - s->in_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, s->in + s->in_pos, n);
        s->in_pos += n;
        *got = n;
        return KZ_OK;
    }
    if (s->eof)
        return KZ_OK;
    if (cap > LOGSRC_STEP_MAX)
        cap = LOGSRC_STEP_MAX;
    for (;;) {
        ssize_t r = read(s->fd, buf, cap);
        if (r >= 0) {
            *got = (size_t)r;
            s->eof = r == 0;
            return KZ_OK;
        }
        if (errno != EINTR) {
            s->err = kz_seterr(s->ctx, KZ_ERR_IO, "%s: read error: %s", s->name,
                               strerror(errno));
            snprintf(s->errmsg, sizeof s->errmsg, "%s", kz_ctx_errmsg(s->ctx));
            return s->err;
        }
    }
}

/* Decodes into buf until it is full, the input ends, or more input would
 * have to be waited for while there is output to hand out already. */
static void read_decoded(kz_logsrc *s, unsigned char *buf, size_t cap,
                         size_t *got)
{
    size_t made = 0;

    while (made < cap && !s->done) {
        if (s->in_pos == s->in_len && !s->eof) {
            if (made > 0)
                break; /* do not block on a pipe with output in hand */
            if (fill(s) != KZ_OK) {
                keep_error(s, KZ_ERR_IO, s->out_off + made);
                break;
            }
            continue;
        }
        if (!s->live) {
            /* Between members: zeros are padding (gzip and bzip2 ignore
             * them too); the end of input is the clean end. */
            while (s->dec->pad_zeros && s->in_pos < s->in_len &&
                   s->in[s->in_pos] == 0) {
                s->in_pos++;
                s->in_off++;
            }
            if (s->in_pos == s->in_len) {
                if (s->eof)
                    s->done = 1;
                continue;
            }
        }
        size_t avail = s->in_len - s->in_pos, used = 0, out_n = 0;
        int finish = s->eof;
        enum step r = s->dec->step(s, s->in + s->in_pos, avail, &used,
                                   buf + made, cap - made, &out_n, finish);
        s->in_pos += used;
        s->in_off += used;
        made += out_n;
        if (r == STEP_CORRUPT || r == STEP_NOMEM) {
            keep_error(s, r == STEP_NOMEM ? KZ_ERR_NOMEM : KZ_ERR_CORRUPT,
                       s->out_off + made);
            break;
        }
        if (r == STEP_END) {
            if (s->dec->end_final) {
                s->done = 1;
                break;
            }
            s->live = 0;
            if (s->dec->reset(s) != KZ_OK) {
                keep_error(s, KZ_ERR_NOMEM, s->out_off + made);
                break;
            }
            continue;
        }
        if (used > 0)
            s->live = 1;
        if (used == 0 && out_n == 0) {
            /* No progress with room to write: the decoder wants input
             * that will never come (truncated), or refuses what it has. */
            s->liberr = s->eof ? NULL : "decoder made no progress";
            keep_error(s, KZ_ERR_CORRUPT, s->out_off + made);
            break;
        }
    }
    *got = made;
}

kz_status kz_logsrc_read(kz_logsrc *s, void *buf, size_t cap, size_t *got)
{
    if (got)
        *got = 0;
    if (!s || !got || (!buf && cap > 0))
        return kz_seterr(s ? s->ctx : NULL, KZ_ERR_INVALID,
                         "logsrc: invalid read");
    if (s->err)
        return kz_seterr(s->ctx, s->err, "%s", s->errmsg);
    if (cap == 0)
        return KZ_OK;

    size_t n = 0;
    if (!s->dec) {
        kz_status st = read_plain(s, buf, cap, &n);
        if (st != KZ_OK)
            return st;
    } else {
        read_decoded(s, buf, cap, &n);
        if (n == 0 && s->err)
            return kz_seterr(s->ctx, s->err, "%s", s->errmsg);
    }
    s->out_off += n;
    *got = n;
    return KZ_OK;
}

/* ==== binary detection ================================================== */

typedef struct magic {
    size_t off, len;
    const char *bytes;
    const char *what;
} magic;

/* Formats a log directory holds beside its logs. gzip, bzip2, xz and zstd
 * are not here: the caller decompresses them first. */
static const magic magics[] = {
    {0, 4, "\x7F\x45LF", "ELF executable"},
    {0, 8, "ElfFile\0", "EVTX file"},
    {0, 4, "\xD4\xC3\xB2\xA1", "pcap file"},
    {0, 4, "\xA1\xB2\xC3\xD4", "pcap file"},
    {0, 4, "\x4D\x3C\xB2\xA1", "pcap file"},
    {0, 4, "\xA1\xB2\x3C\x4D", "pcap file"},
    {0, 8, "\x89PNG\r\n\x1A\n", "PNG image"},
    {0, 3, "\xFF\xD8\xFF", "JPEG image"},
    {0, 6, "GIF87a", "GIF image"},
    {0, 6, "GIF89a", "GIF image"},
    {0, 5, "%PDF-", "PDF document"},
    {0, 4, "PK\x03\x04", "ZIP archive"},
    {0, 4, "PK\x05\x06", "ZIP archive"},
    {0, 6, "7z\xBC\xAF\x27\x1C", "7z archive"},
    {0, 6, "Rar!\x1A\x07", "RAR archive"},
    {0, 16, "SQLite format 3\0", "SQLite database"},
    {0, 8, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "OLE2 document"},
    {0, 4, "regf", "Windows registry hive"},
    {0, 4, "MSCF", "CAB archive"},
    {0, 4, "\x04\x22\x4D\x18", "LZ4 data"},
    {0, 4, "\xCA\xFE\xBA\xBE", "Mach-O or Java class file"},
    {0, 4, "\xCF\xFA\xED\xFE", "Mach-O executable"},
    {0, 8, "!<arch>\n", "ar archive"},
    {257, 5, "ustar", "tar archive"},
};

int kz_looks_binary(const void *p, size_t n, const char **what)
{
    const unsigned char *b = p;
    const char *w = NULL;

    if (!b)
        n = 0;
    for (size_t i = 0; !w && i < sizeof magics / sizeof magics[0]; i++) {
        const magic *m = &magics[i];
        if (n >= m->off + m->len && memcmp(b + m->off, m->bytes, m->len) == 0)
            w = m->what;
    }
    /* pcapng: the block type is "\n\r\r\n", which text may start with; the
     * byte-order magic after the block length tells. */
    if (!w && n >= 12 && memcmp(b, "\n\r\r\n", 4) == 0 &&
        (memcmp(b + 8, "\x4D\x3C\x2B\x1A", 4) == 0 ||
         memcmp(b + 8, "\x1A\x2B\x3C\x4D", 4) == 0))
        w = "pcapng file";
    /* UTF-16 is text, but the tokenizer reads bytes: until it decodes it,
     * a sweep that read it as bytes would find nothing and say nothing. */
    if (!w && n >= 2 &&
        ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        w = "UTF-16 text (not supported)";
    /* "MZ" may start a line of text; a PE header has NULs right after. */
    if (!w && n >= 2 && b[0] == 'M' && b[1] == 'Z' &&
        memchr(b, 0, n < 64 ? n : 64))
        w = "PE executable";
    if (!w && n > 0 && memchr(b, 0, n))
        w = "NUL bytes";
    if (what)
        *what = w;
    return w != NULL;
}
