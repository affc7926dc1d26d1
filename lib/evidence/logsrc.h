/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to lib/evidence: where the bytes of a log come from. A log source
 * is a file or standard input, plain or compressed; compression is told by
 * the first bytes (gzip, bzip2, xz, zstd), never by the name. The walker
 * lists the regular files under a directory in a stable order and never
 * opens FIFOs, sockets or devices.
 */
#ifndef KZ_EVIDENCE_LOGSRC_H
#define KZ_EVIDENCE_LOGSRC_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/core.h"

typedef enum kz_compression {
    KZ_COMP_NONE = 0,
    KZ_COMP_GZIP = 1,
    KZ_COMP_BZIP2 = 2,
    KZ_COMP_XZ = 3,
    KZ_COMP_ZSTD = 4
} kz_compression;

/* "gzip", "bzip2", "xz", "zstd"; NULL for KZ_COMP_NONE. */
const char *kz_compression_name(kz_compression c);
/* The compression whose magic starts the n bytes at p (n may be short). */
kz_compression kz_compression_detect(const void *p, size_t n);

typedef struct kz_logsrc kz_logsrc;

/* Opens a source on fd (owned by the source from now on, closed by
 * kz_logsrc_close even on failure; standard input is never closed). name is
 * copied and used in messages. The first bytes are read to detect the
 * compression; nothing is lost: kz_logsrc_read returns them. */
kz_status kz_logsrc_open_fd(kz_ctx *ctx, int fd, const char *name,
                            kz_logsrc **out);
void kz_logsrc_close(kz_logsrc *s);
kz_compression kz_logsrc_compression(const kz_logsrc *s);

/* Reads up to cap decompressed bytes into buf; *got gets the count, 0 at
 * the end of the input (a complete stream; concatenated gzip/bzip2/xz/zstd
 * members are all read). A read error is KZ_ERR_IO, a damaged or truncated
 * compressed stream KZ_ERR_CORRUPT, each with a message on ctx
 * "NAME: gzip data corrupt at compressed byte N (after M bytes of text)"
 * or "NAME: truncated xz stream at compressed byte N ...". Bytes returned
 * before an error stay valid (a sweep keeps the hits it found there). */
kz_status kz_logsrc_read(kz_logsrc *s, void *buf, size_t cap, size_t *got);
/* Decompressed bytes returned so far. */
uint64_t kz_logsrc_offset(const kz_logsrc *s);

/* 1 when the n first (decompressed) bytes of a file look binary: NUL
 * bytes, or the magic of a known binary format (ELF, PE "MZ", EVTX
 * "ElfFile", pcap, pcapng, PNG, JPEG, PDF, ZIP, 7z, RAR, SQLite...). A
 * file of only text with some invalid UTF-8 is not binary. *what gets a
 * static description ("NUL bytes", "EVTX file", ...) (nullable). */
int kz_looks_binary(const void *p, size_t n, const char **what);

/* What the walker found. */
typedef enum kz_walk_kind {
    KZ_WALK_FILE = 0,    /* a regular file (path, size) */
    KZ_WALK_SPECIAL = 1, /* FIFO, socket, device: not opened */
    KZ_WALK_ERROR = 2,   /* could not be listed or stat'ed (msg says why) */
    KZ_WALK_SYMLINK = 3, /* a symbolic link not followed */
    KZ_WALK_EXCLUDED = 4 /* left out by an exclude pattern or, for a
                            directory, by one_file_system (msg says which) */
} kz_walk_kind;

/* Receives each entry; return nonzero to stop the walk. path is borrowed
 * for the call. */
typedef int (*kz_walk_fn)(void *ud, kz_walk_kind kind, const char *path,
                          uint64_t size, const char *msg);

/* Walks path: a file is reported as itself; a directory recursively, the
 * entries of each directory sorted by name (byte order), so the order is
 * stable. Symbolic links are followed only when follow is nonzero (then
 * loops are detected by device and inode). Depth is bounded by
 * KZ_MAX_WALK_DEPTH. KZ_ERR_IO when path itself cannot be stat'ed (message
 * on ctx); KZ_ERR_ABORTED when fn asked to stop. */
#define KZ_MAX_WALK_DEPTH 256
kz_status kz_walk(kz_ctx *ctx, const char *path, int follow, kz_walk_fn fn,
                  void *ud);

/* kz_walk with more choices: exclude patterns (fnmatch(3) without flags;
 * with a '/' against the whole path, else against the entry's name; a
 * directory left out is not entered) and one_file_system (directories on
 * another device than path's are not entered). The path itself is never
 * excluded. */
typedef struct kz_walk_opts {
    int follow;
    int one_file_system;
    const char *const *exclude;
    size_t nexclude;
    unsigned threads; /* > 1: directories listed and stat'ed by this many
                         threads; the entries still reach the callback in
                         the same order, on the caller's thread, once the
                         walk is over */
} kz_walk_opts;
kz_status kz_walk_ex(kz_ctx *ctx, const char *path, const kz_walk_opts *o,
                     kz_walk_fn fn, void *ud);

/* Entries of one directory the walker reads (names and pointers take
 * ~100 MiB at most); a directory with more is reported (KZ_WALK_ERROR with
 * a message) and only the first entries read are walked. */
#define KZ_MAX_DIR_ENTRIES (1u << 20)

#endif
