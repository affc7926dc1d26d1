/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Archives as evidence (private to lib/evidence): the members of zip, 7z,
 * rar, tar, ISO 9660, cab and of gzip/bzip2/xz/zstd streams, read with
 * libarchive, nested up to a depth, each member's digests computed as it
 * streams by (nothing is written to disk), within limits on expanded
 * bytes, expansion ratio and member count, so that a decompression bomb is
 * reported and never expanded.
 */
#ifndef KZ_EVIDENCE_ARCHIVE_H
#define KZ_EVIDENCE_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "evidence/files.h"

/* Nesting levels a sweep can open at most (--archive-depth). */
#define KZ_ARCHIVE_MAX_DEPTH 8

typedef struct kz_archive_opts {
    unsigned max_depth;   /* 1: the outer archive's members only */
    uint64_t max_bytes;   /* bytes expanded per outer file, all levels */
    uint64_t max_members; /* members per outer file, all levels */
    uint64_t max_ratio;   /* expanded : outer size, once past 64 MiB */
    const char *const *passwords; /* tried on encrypted members */
    size_t npasswords;
    size_t keep_max; /* keep each member's bytes up to this size for the
                        callback (YARA); 0: none */
} kz_archive_opts;

/* The defaults: 3 levels, 4 GiB, 100,000 members, ratio 200. */
void kz_archive_opts_default(kz_archive_opts *o);

/* A regular member, after its data was read. */
typedef struct kz_member {
    const char *chain; /* "inner.zip!docs/a.exe": the members from the outer
                          file down, joined by '!' */
    const char *path;  /* the same with '/' for '!', for path matching */
    kz_file_info info; /* size (bytes read), mtime; digests unless the data
                          could not be read (encrypted, damaged, limit) */
    unsigned depth;    /* 1: a member of the outer file */
    const unsigned char *data; /* the member's bytes, when kept (keep_max)
                                  and it was read whole; else NULL */
    size_t data_n;
} kz_member;

/* What kept a member or an archive from being read whole. */
typedef enum kz_archive_note {
    KZ_ARCHIVE_ENCRYPTED = 0, /* no password (or none that fits) */
    KZ_ARCHIVE_LIMIT = 1,     /* bytes, ratio, members or depth */
    KZ_ARCHIVE_DAMAGED = 2    /* the archive or a member is corrupt */
} kz_archive_note;

typedef struct kz_archive_cb {
    void (*member)(void *ud, const kz_member *m);
    /* chain: where (NULL: the outer file itself); msg says what */
    void (*note)(void *ud, kz_archive_note k, const char *chain,
                 const char *msg);
    void *ud;
} kz_archive_cb;

/* The kind of archive the first n bytes at p start ("zip", "7z", "rar",
 * "tar", "iso9660", "cab", "gzip", "bzip2", "xz", "zstd"), or NULL. ISO
 * 9660 is only seen with at least 32774 bytes. */
const char *kz_archive_kind(const unsigned char *p, size_t n);
/* Bytes kz_archive_kind wants to see everything. */
#define KZ_ARCHIVE_HEAD 32774u

typedef struct kz_archiver kz_archiver;
/* One per worker thread. -1 when out of memory. */
int kz_archiver_new(const kz_filecheck *fc, const kz_archive_opts *o,
                    kz_archiver **out);
void kz_archiver_free(kz_archiver *ar);

/* Walks the archive read from fd (from offset 0) or from memory; name is
 * the outer file's name (members of a bare gzip/xz/... stream are named
 * after it, less its extension). Returns the number of members seen. */
uint64_t kz_archive_sweep_fd(kz_archiver *ar, int fd, uint64_t size,
                             const char *name, const kz_archive_cb *cb);
uint64_t kz_archive_sweep_mem(kz_archiver *ar, const void *p, size_t n,
                              const char *name, const kz_archive_cb *cb);

#endif
