/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files as evidence (private to lib/evidence): what a file sweep looks for
 * in an index (digest types, file names, path and glob indicators), the
 * digests of a file computed in one read through OpenSSL's EVP interface,
 * and the matching of a file's name and path.
 */
#ifndef KZ_EVIDENCE_FILES_H
#define KZ_EVIDENCE_FILES_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "kizashi/evidence.h"
#include "kizashi/index.h"

/* What one index asks of files; shared read-only by the workers. */
typedef struct kz_filecheck kz_filecheck;

/* Reads the index: which digests it holds (only those are computed),
 * whether it has file names, and its path indicators compiled into
 * component patterns. */
kz_status kz_filecheck_new(kz_ctx *ctx, const kz_index *ix, kz_filecheck **out);
void kz_filecheck_free(kz_filecheck *fc);
/* Nonzero when a file can match anything (a digest, a name or a path). */
int kz_filecheck_active(const kz_filecheck *fc);
/* The digest types computed (bits of KZ_T_MD5, SHA1, SHA256, SHA512). */
kz_typeset kz_filecheck_digests(const kz_filecheck *fc);
/* Path indicators compiled, and those left out (an environment variable
 * with no usual location, a UNC share): for the summary. */
void kz_filecheck_counts(const kz_filecheck *fc, size_t *paths,
                         size_t *unusable);

/* A file's hit: the entry, how it matched, the observable's type, its
 * text and its ECS field. */
typedef void (*kz_filecheck_fn)(void *ud, uint32_t entry, kz_match_kind how,
                                kz_type obs_type, const char *observed,
                                size_t n, const char *field);

/* Looks the file's name (the last component of path) and path up: file
 * name indicators (any ASCII case; globs), path indicators. No I/O. */
void kz_filecheck_names(const kz_filecheck *fc, const char *path,
                        kz_filecheck_fn fn, void *ud);

/* A worker's hashing state (one per thread). */
typedef struct kz_filehasher {
    EVP_MD_CTX *md[4]; /* MD5, SHA-1, SHA-256, SHA-512 (those wanted) */
    unsigned char *buf;
    size_t cap;
} kz_filehasher;

int kz_filehasher_init(kz_filehasher *fh, const kz_filecheck *fc);
void kz_filehasher_free(kz_filehasher *fh);

/* Reads fd from its start to its end once, updating every digest the
 * index holds, and stores them in info (info->digests says which).
 * *bytes gets the bytes read; the first headcap of them are copied to head
 * (*headn says how many). 0, or an errno value (EIO for a digest
 * failure). */
int kz_filecheck_hash(const kz_filecheck *fc, kz_filehasher *fh, int fd,
                      kz_file_info *info, uint64_t *bytes, unsigned char *head,
                      size_t headcap, size_t *headn);

/* The same in steps, for bytes the caller has (a mapping): begin, update
 * with each block in order, end (which fills info->digests). 0 or EIO. */
int kz_filecheck_hash_begin(const kz_filecheck *fc, kz_filehasher *fh);
int kz_filecheck_hash_update(const kz_filecheck *fc, kz_filehasher *fh,
                             const void *p, size_t n);
int kz_filecheck_hash_end(const kz_filecheck *fc, kz_filehasher *fh,
                          kz_file_info *info);

/* Looks the digests of info up (each only against indicators of its own
 * type: a file's SHA-256 is not an authentihash). */
void kz_filecheck_lookup_digests(const kz_filecheck *fc,
                                 const kz_file_info *info, kz_filecheck_fn fn,
                                 void *ud);

/* What the index asks of PE files: 0 when it holds no authentihash and
 * no certificate thumbprint (then PE files are parsed only when they had
 * another hit, for the analyst); else the authentihash kinds to compute
 * (bits of KZ_T_MD5, SHA1, SHA256, by the indicators' lengths) and
 * 1u << KZ_T_CERT_SHA1 when certificates are to be matched. */
kz_typeset kz_filecheck_pe_wants(const kz_filecheck *fc);

/* Looks a PE file's authentihashes and its signature's certificate
 * thumbprints up (authentihash, cert_sha1 and cert_sha256 indicators). */
void kz_filecheck_lookup_pe(const kz_filecheck *fc, const kz_pe_facts *pe,
                            kz_filecheck_fn fn, void *ud);

/* Matches one path component against a pattern component: '*' any run of
 * bytes, '?' one byte, everything else literal; fold: ASCII case ignored.
 * Exposed for the tests. */
int kz_filecheck_comp_match(const char *pat, size_t pn, const char *s, size_t n,
                            int fold);

#endif
