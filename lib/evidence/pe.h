/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PE files and their Authenticode signatures (private to lib/evidence):
 * headers parsed with every offset checked against the file's size, the
 * authentihash computed (the file's digest less its checksum field, its
 * certificate-table entry and the table itself), the PKCS#7 SignedData of
 * the certificate table read with OpenSSL (signer, chain, thumbprints,
 * signing time, WHCP), and the signed authentihash compared with the
 * file's.
 */
#ifndef KZ_EVIDENCE_PE_H
#define KZ_EVIDENCE_PE_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/evidence.h"

/* The certificate table read at most (larger ones are reported bad). */
#define KZ_PE_MAX_CERT_TABLE (8u << 20)

/* Reads n bytes at off into buf; returns the bytes read (fewer at the
 * end) or -1. */
typedef long (*kz_pe_read_fn)(void *ud, uint64_t off, void *buf, size_t n);

/* Nonzero when the first bytes are a DOS header ("MZ"). */
int kz_pe_is_mz(const unsigned char *p, size_t n);

/* Parses the PE file of size bytes behind rd and checks its signature;
 * want: authentihash kinds to compute besides the signed one (bits of
 * KZ_T_MD5, SHA1, SHA256). 0 and f filled when it is a PE file; -1 when
 * it is not one (or its headers are out of range: not parsed). */
/* roots (an X509_STORE, nullable): the signer's chain is verified against
 * them. */
struct x509_store_st;
int kz_pe_analyze(kz_pe_read_fn rd, void *ud, uint64_t size, kz_typeset want,
                  struct x509_store_st *roots, kz_pe_facts *f);
int kz_pe_analyze_fd(int fd, uint64_t size, kz_typeset want,
                     struct x509_store_st *roots, kz_pe_facts *f);
int kz_pe_analyze_mem(const void *p, size_t n, kz_typeset want,
                      struct x509_store_st *roots, kz_pe_facts *f);
/* Loads a PEM file of trusted roots; NULL with err set when it cannot be
 * read or holds no certificate. */
struct x509_store_st *kz_pe_roots_load(const char *path, char *err,
                                       size_t errcap);
void kz_pe_roots_free(struct x509_store_st *roots);

#endif
