/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PE files and Authenticode (pe.h).
 *
 * The authentihash is computed as signing tools compute it for files
 * whose sections follow the headers without gaps (what linkers write):
 * every byte of the file except the optional header's CheckSum (4 bytes),
 * the Security entry of the data directories (8 bytes) and the
 * certificate table it points to. The signature is the first
 * WIN_CERTIFICATE of type PKCS_SIGNED_DATA in that table: a PKCS#7
 * SignedData whose content is an SpcIndirectDataContent holding the
 * signed authentihash (a DigestInfo, read here with OpenSSL's DER
 * decoder). The signer's signature over that content is checked with
 * PKCS7_verify without a trust store (PKCS7_NOVERIFY): it tells whether
 * the signature is intact, not whether its chain is trusted; the chain is
 * reported for the analyst (and its thumbprints matched against
 * indicators). Every offset read from the file is checked against its
 * size before use; the certificate table is read only up to
 * KZ_PE_MAX_CERT_TABLE.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/core_int.h"
#include "evidence/pe.h"

#define PE_BUF (256u << 10)

const char *kz_sig_status_name(kz_sig_status s)
{
    switch (s) {
    case KZ_SIG_NONE:
        return "unsigned";
    case KZ_SIG_VALID:
        return "valid";
    case KZ_SIG_TAMPERED:
        return "tampered";
    case KZ_SIG_BAD:
        return "bad";
    }
    return "unsigned";
}

int kz_pe_is_mz(const unsigned char *p, size_t n)
{
    return n >= 64 && p[0] == 'M' && p[1] == 'Z';
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int read_all(kz_pe_read_fn rd, void *ud, uint64_t off, void *buf,
                    size_t n)
{
    return rd(ud, off, buf, n) == (long)n ? 0 : -1;
}

static kz_time asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (kz_time)timegm(&tm);
}

static void name_text(const X509_NAME *nm, char *out, size_t cap)
{
    out[0] = 0;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >=
        0) {
        int n = BIO_read(b, out, (int)cap - 1);
        out[n > 0 ? n : 0] = 0;
    }
    BIO_free(b);
}

static void cert_facts(X509 *x, kz_pe_cert *c)
{
    memset(c, 0, sizeof *c);
    name_text(X509_get_subject_name(x), c->subject, sizeof c->subject);
    name_text(X509_get_issuer_name(x), c->issuer, sizeof c->issuer);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    if (bn) {
        char *h = BN_bn2hex(bn);
        if (h) {
            snprintf(c->serial, sizeof c->serial, "%s", h);
            for (char *q = c->serial; *q; q++)
                if (*q >= 'A' && *q <= 'F')
                    *q = (char)(*q + 32);
            OPENSSL_free(h);
        }
        BN_free(bn);
    }
    unsigned len = 0;
    X509_digest(x, EVP_sha1(), c->sha1, &len);
    X509_digest(x, EVP_sha256(), c->sha256, &len);
    c->not_before = asn1_time(X509_get0_notBefore(x));
    c->not_after = asn1_time(X509_get0_notAfter(x));
}

static int has_whql_usage(X509 *x)
{
    EXTENDED_KEY_USAGE *eku =
        X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
    if (!eku)
        return 0;
    int found = 0;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && !found; i++) {
        char oid[64];
        if (OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(eku, i), 1) > 0)
            found = strcmp(oid, "1.3.6.1.4.1.311.10.3.5") == 0; /* WHQL */
    }
    EXTENDED_KEY_USAGE_free(eku);
    return found;
}

/* The DigestInfo of an SpcIndirectDataContent (the DER of the SEQUENCE at
 * p, n bytes): its algorithm and digest. *content / *content_n: the
 * SEQUENCE's contents, which is what the signer signed. 0 or -1. */
static int spc_digest(const unsigned char *p, long n, kz_pe_facts *f,
                      const unsigned char **content, long *content_n)
{
    long len;
    int tag, cls;
    const unsigned char *q = p;
    int r = ASN1_get_object(&q, &len, &tag, &cls, n);
    if ((r & 0x80) || tag != V_ASN1_SEQUENCE || len > n - (q - p))
        return -1;
    *content = q;
    *content_n = len;
    const unsigned char *end = q + len;
    /* SpcAttributeTypeAndOptionalValue: skipped */
    const unsigned char *e = q;
    r = ASN1_get_object(&e, &len, &tag, &cls, end - q);
    if ((r & 0x80) || tag != V_ASN1_SEQUENCE || len > end - e)
        return -1;
    q = e + len;
    /* DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } */
    r = ASN1_get_object(&q, &len, &tag, &cls, end - q);
    if ((r & 0x80) || tag != V_ASN1_SEQUENCE || len > end - q)
        return -1;
    const unsigned char *dend = q + len;
    const unsigned char *a = q;
    r = ASN1_get_object(&a, &len, &tag, &cls, dend - q);
    if ((r & 0x80) || tag != V_ASN1_SEQUENCE || len > dend - a)
        return -1;
    const unsigned char *aend = a + len;
    const unsigned char *o = a;
    ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &o, aend - a);
    if (!oid)
        return -1;
    int nid = OBJ_obj2nid(oid);
    ASN1_OBJECT_free(oid);
    q = aend;
    r = ASN1_get_object(&q, &len, &tag, &cls, dend - q);
    if ((r & 0x80) || tag != V_ASN1_OCTET_STRING || len > dend - q ||
        len > (long)sizeof f->signed_digest)
        return -1;
    const char *alg = nid == NID_sha1     ? "sha1"
                      : nid == NID_sha256 ? "sha256"
                      : nid == NID_md5    ? "md5"
                      : nid == NID_sha384 ? "sha384"
                      : nid == NID_sha512 ? "sha512"
                                          : NULL;
    if (!alg)
        return -1;
    snprintf(f->digest_alg, sizeof f->digest_alg, "%s", alg);
    memcpy(f->signed_digest, q, (size_t)len);
    f->signed_digest_len = (size_t)len;
    return 0;
}

static kz_time signer_time(PKCS7_SIGNER_INFO *si)
{
    ASN1_TYPE *t = PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);
    if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME))
        return asn1_time(t->value.utctime);
    /* a countersignature (timestamp) carries its own signing time */
    t = PKCS7_get_attribute(si, NID_pkcs9_countersignature);
    if (t && t->type == V_ASN1_SEQUENCE) {
        const unsigned char *p = ASN1_STRING_get0_data(t->value.sequence);
        PKCS7_SIGNER_INFO *cs = d2i_PKCS7_SIGNER_INFO(
            NULL, &p, ASN1_STRING_length(t->value.sequence));
        if (cs) {
            ASN1_TYPE *ct =
                PKCS7_get_signed_attribute(cs, NID_pkcs9_signingTime);
            kz_time r = 0;
            if (ct && (ct->type == V_ASN1_UTCTIME ||
                       ct->type == V_ASN1_GENERALIZEDTIME))
                r = asn1_time(ct->value.utctime);
            PKCS7_SIGNER_INFO_free(cs);
            return r;
        }
    }
    return 0;
}

static void bad(kz_pe_facts *f, const char *why)
{
    f->sig = KZ_SIG_BAD;
    snprintf(f->sig_error, sizeof f->sig_error, "%s", why);
}

/* Verifies the signer's chain against the trusted roots, at the signing
 * time when it is known (a code-signing certificate expires; a timestamped
 * signature stays good), any purpose. */
static void verify_chain(X509_STORE *roots, X509 *x, STACK_OF(X509) * certs,
                         kz_pe_facts *f)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    f->chain_checked = 1;
    if (!ctx || !X509_STORE_CTX_init(ctx, roots, x, certs)) {
        snprintf(f->chain_error, sizeof f->chain_error, "%s", "out of memory");
        X509_STORE_CTX_free(ctx);
        return;
    }
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    if (f->signing_time)
        X509_VERIFY_PARAM_set_time(vp, (time_t)f->signing_time);
    else
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_NO_CHECK_TIME);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    if (X509_verify_cert(ctx) == 1) {
        f->chain_trusted = 1;
    } else {
        int e = X509_STORE_CTX_get_error(ctx);
        snprintf(f->chain_error, sizeof f->chain_error, "%s",
                 X509_verify_cert_error_string(e));
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
}

/* Reads the PKCS#7 of the certificate table's first entry. */
static void signature(const unsigned char *tab, size_t n, kz_pe_facts *f,
                      const unsigned char **content, long *content_n,
                      X509_STORE *roots, PKCS7 **out)
{
    *out = NULL;
    if (n < 8) {
        bad(f, "certificate table shorter than its header");
        return;
    }
    uint32_t len = le32(tab);
    uint16_t type = le16(tab + 6);
    if (len < 8 || len > n) {
        bad(f, "certificate entry length out of range");
        return;
    }
    if (type != 2) {
        bad(f, "certificate entry is not PKCS#7 signed data");
        return;
    }
    const unsigned char *p = tab + 8;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len - 8);
    if (!p7) {
        bad(f, "malformed PKCS#7 (not DER signed data)");
        return;
    }
    if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents) {
        bad(f, "PKCS#7 is not signed data");
        PKCS7_free(p7);
        return;
    }
    PKCS7 *c = p7->d.sign->contents;
    char oid[64] = "";
    if (c->type)
        OBJ_obj2txt(oid, sizeof oid, c->type, 1);
    if (strcmp(oid, "1.3.6.1.4.1.311.2.1.4") != 0 || !c->d.other ||
        c->d.other->type != V_ASN1_SEQUENCE) {
        bad(f, "PKCS#7 content is not SpcIndirectDataContent");
        PKCS7_free(p7);
        return;
    }
    ASN1_STRING *seq = c->d.other->value.sequence;
    if (spc_digest(ASN1_STRING_get0_data(seq), ASN1_STRING_length(seq), f,
                   content, content_n) != 0) {
        bad(f, "malformed SpcIndirectDataContent digest");
        PKCS7_free(p7);
        return;
    }
    STACK_OF(X509) *certs = p7->d.sign->cert;
    for (int i = 0; i < sk_X509_num(certs) && f->nchain < 8; i++)
        cert_facts(sk_X509_value(certs, i), &f->chain[f->nchain++]);
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    PKCS7_SIGNER_INFO *si = sis ? sk_PKCS7_SIGNER_INFO_value(sis, 0) : NULL;
    if (si && si->issuer_and_serial) {
        X509 *x =
            X509_find_by_issuer_and_serial(certs, si->issuer_and_serial->issuer,
                                           si->issuer_and_serial->serial);
        if (x) {
            cert_facts(x, &f->signer);
            f->whcp = strstr(f->signer.subject,
                             "CN=Microsoft Windows Hardware Compatibility "
                             "Publisher") != NULL ||
                      has_whql_usage(x);
        }
        f->signing_time = signer_time(si);
        if (x && roots)
            verify_chain(roots, x, certs, f);
    }
    *out = p7;
}

struct ah {
    EVP_MD_CTX *ctx[3]; /* md5, sha1, sha256 */
};

static int ah_update(struct ah *h, const unsigned char *p, size_t n)
{
    for (int i = 0; i < 3; i++)
        if (h->ctx[i] && !EVP_DigestUpdate(h->ctx[i], p, n))
            return -1;
    return 0;
}

/* Hashes [a, b) of the file into every wanted context. */
static int ah_range(kz_pe_read_fn rd, void *ud, uint64_t a, uint64_t b,
                    struct ah *h, unsigned char *buf)
{
    while (a < b) {
        size_t n = b - a > PE_BUF ? PE_BUF : (size_t)(b - a);
        if (read_all(rd, ud, a, buf, n) != 0)
            return -1;
        if (ah_update(h, buf, n) != 0)
            return -1;
        a += n;
    }
    return 0;
}

int kz_pe_analyze(kz_pe_read_fn rd, void *ud, uint64_t size, kz_typeset want,
                  struct x509_store_st *roots, kz_pe_facts *f)
{
    memset(f, 0, sizeof *f);
    unsigned char dos[64];
    if (size < 64 || read_all(rd, ud, 0, dos, 64) != 0 || !kz_pe_is_mz(dos, 64))
        return -1;
    uint32_t lfanew = le32(dos + 0x3C);
    if (lfanew < 64 || (uint64_t)lfanew + 24 > size || lfanew > (16u << 20))
        return -1;
    unsigned char hdr[24 + 240];
    size_t hn =
        size - lfanew < sizeof hdr ? (size_t)(size - lfanew) : sizeof hdr;
    if (read_all(rd, ud, lfanew, hdr, hn) != 0 || memcmp(hdr, "PE\0\0", 4))
        return -1;
    f->machine = le16(hdr + 4);
    f->compiled = (kz_time)le32(hdr + 8);
    uint16_t optsz = le16(hdr + 20);
    f->characteristics = le16(hdr + 22);
    f->is_dll = (f->characteristics & 0x2000) != 0;
    const unsigned char *opt = hdr + 24;
    size_t optn = hn - 24;
    if (optn < 2 || optsz < 2)
        return -1;
    uint16_t magic = le16(opt);
    if (magic != 0x10b && magic != 0x20b)
        return -1;
    f->pe32plus = magic == 0x20b;
    size_t ddoff = f->pe32plus ? 112 : 96; /* data directories */
    size_t nrva = f->pe32plus ? 108 : 92;
    if (optn < ddoff || optsz < ddoff)
        return -1;
    f->subsystem = le16(opt + 68);
    f->is_driver = f->subsystem == 1;
    uint64_t cks = (uint64_t)lfanew + 24 + 64;
    uint64_t sd = (uint64_t)lfanew + 24 + ddoff + 4 * 8;
    if (sd + 8 > size)
        return -1; /* headers cut short */
    uint32_t cert_off = 0, cert_size = 0;
    int has_dir = le32(opt + nrva) >= 5 && optsz >= ddoff + 5 * 8 &&
                  optn >= ddoff + 5 * 8;
    if (has_dir) {
        cert_off = le32(opt + ddoff + 4 * 8);
        cert_size = le32(opt + ddoff + 4 * 8 + 4);
    }
    int signed_ = has_dir && cert_off && cert_size;
    if (signed_ && ((uint64_t)cert_off + cert_size > size ||
                    (uint64_t)cert_off < sd + 8)) {
        bad(f, "certificate table out of the file's range");
        signed_ = 0;
    }
    if (signed_ && cert_size > KZ_PE_MAX_CERT_TABLE) {
        bad(f, "certificate table larger than 8 MiB: not read");
        signed_ = 0;
    }
    unsigned char *buf = kz_malloc(PE_BUF);
    unsigned char *tab = NULL;
    PKCS7 *p7 = NULL;
    const unsigned char *content = NULL;
    long content_n = 0;
    if (!buf)
        return -1;
    if (signed_) {
        tab = kz_malloc(cert_size);
        if (!tab || read_all(rd, ud, cert_off, tab, cert_size) != 0)
            bad(f, "certificate table cannot be read");
        else
            signature(tab, cert_size, f, &content, &content_n, roots, &p7);
    }
    /* The authentihash: the kinds wanted, and the one signed. */
    kz_typeset kinds =
        want & ((1u << KZ_T_MD5) | (1u << KZ_T_SHA1) | (1u << KZ_T_SHA256));
    if (p7) {
        if (strcmp(f->digest_alg, "sha1") == 0)
            kinds |= 1u << KZ_T_SHA1;
        else if (strcmp(f->digest_alg, "sha256") == 0)
            kinds |= 1u << KZ_T_SHA256;
        else if (strcmp(f->digest_alg, "md5") == 0)
            kinds |= 1u << KZ_T_MD5;
    }
    struct ah h;
    memset(&h, 0, sizeof h);
    static const kz_type kt[3] = {KZ_T_MD5, KZ_T_SHA1, KZ_T_SHA256};
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        if (!(kinds & (1u << kt[i])))
            continue;
        const EVP_MD *md = i == 0   ? EVP_md5()
                           : i == 1 ? EVP_sha1()
                                    : EVP_sha256();
        h.ctx[i] = EVP_MD_CTX_new();
        if (!h.ctx[i] || !EVP_DigestInit_ex(h.ctx[i], md, NULL))
            ok = 0;
    }
    uint64_t end = signed_ ? cert_off : size;
    if (ok && kinds) {
        ok = ah_range(rd, ud, 0, cks, &h, buf) == 0 &&
             ah_range(rd, ud, cks + 4, sd, &h, buf) == 0 &&
             ah_range(rd, ud, sd + 8, end, &h, buf) == 0 &&
             (!signed_ || ah_range(rd, ud, (uint64_t)cert_off + cert_size, size,
                                   &h, buf) == 0);
        uint8_t *dst[3] = {f->ah_md5, f->ah_sha1, f->ah_sha256};
        for (int i = 0; i < 3 && ok; i++) {
            unsigned len = 0;
            if (h.ctx[i]) {
                if (!EVP_DigestFinal_ex(h.ctx[i], dst[i], &len))
                    ok = 0;
                else
                    f->authentihash |= 1u << kt[i];
            }
        }
    }
    for (int i = 0; i < 3; i++)
        EVP_MD_CTX_free(h.ctx[i]);
    if (p7) {
        const uint8_t *mine = strcmp(f->digest_alg, "sha1") == 0 ? f->ah_sha1
                              : strcmp(f->digest_alg, "sha256") == 0
                                  ? f->ah_sha256
                              : strcmp(f->digest_alg, "md5") == 0 ? f->ah_md5
                                                                  : NULL;
        size_t ml = strcmp(f->digest_alg, "sha1") == 0     ? 20
                    : strcmp(f->digest_alg, "sha256") == 0 ? 32
                    : strcmp(f->digest_alg, "md5") == 0    ? 16
                                                           : 0;
        if (!ok) {
            bad(f, "the file could not be read to its end");
        } else if (!mine) {
            bad(f, "signed with an authentihash kind not checked here");
        } else if (ml != f->signed_digest_len ||
                   memcmp(mine, f->signed_digest, ml) != 0) {
            f->sig = KZ_SIG_TAMPERED;
            snprintf(f->sig_error, sizeof f->sig_error, "%s",
                     "the file changed after it was signed: its "
                     "authentihash is not the signed one");
        } else {
            /* the signer's signature over the SpcIndirectDataContent */
            /* through a buffer filter: PKCS7_verify copies a plain
             * memory BIO into one of its own, which OpenSSL 3.0 leaks
             * when the signature is malformed (found by fuzz_authenticode)
             */
            BIO *mem = BIO_new_mem_buf(content, (int)content_n);
            BIO *fb = mem ? BIO_new(BIO_f_buffer()) : NULL;
            BIO *in = fb ? BIO_push(fb, mem) : NULL;
            if (!in)
                BIO_free(mem);
            X509_STORE *store = X509_STORE_new();
            ERR_clear_error();
            if (in && store &&
                PKCS7_verify(p7, NULL, store, in, NULL, PKCS7_NOVERIFY) == 1) {
                f->sig = KZ_SIG_VALID;
            } else {
                char e[120];
                ERR_error_string_n(ERR_peek_last_error(), e, sizeof e);
                char m[160];
                snprintf(m, sizeof m, "the signature does not verify (%s)", e);
                bad(f, m);
            }
            ERR_clear_error();
            BIO_free_all(in);
            X509_STORE_free(store);
        }
        PKCS7_free(p7);
    }
    ERR_clear_error();
    kz_free(tab);
    kz_free(buf);
    return 0;
}

static long fd_read(void *ud, uint64_t off, void *buf, size_t n)
{
    int fd = *(int *)ud;
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long)got;
}

int kz_pe_analyze_fd(int fd, uint64_t size, kz_typeset want,
                     struct x509_store_st *roots, kz_pe_facts *f)
{
    return kz_pe_analyze(fd_read, &fd, size, want, roots, f);
}

struct mem {
    const unsigned char *p;
    size_t n;
};

static long mem_read(void *ud, uint64_t off, void *buf, size_t n)
{
    const struct mem *m = ud;
    if (off >= m->n)
        return 0;
    size_t k = m->n - off < n ? (size_t)(m->n - off) : n;
    memcpy(buf, m->p + off, k);
    return (long)k;
}

int kz_pe_analyze_mem(const void *p, size_t n, kz_typeset want,
                      struct x509_store_st *roots, kz_pe_facts *f)
{
    struct mem m = {p, n};
    return kz_pe_analyze(mem_read, &m, n, want, roots, f);
}

struct x509_store_st *kz_pe_roots_load(const char *path, char *err,
                                       size_t errcap)
{
    X509_STORE *st = X509_STORE_new();
    BIO *b = st ? BIO_new_file(path, "r") : NULL;
    if (!b) {
        snprintf(err, errcap, "%s: cannot be read", path);
        X509_STORE_free(st);
        return NULL;
    }
    unsigned n = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(st, x) == 1)
            n++;
        X509_free(x);
    }
    BIO_free(b);
    ERR_clear_error();
    if (!n) {
        snprintf(err, errcap, "%s: no PEM certificate in it", path);
        X509_STORE_free(st);
        return NULL;
    }
    return st;
}

void kz_pe_roots_free(struct x509_store_st *roots)
{
    X509_STORE_free(roots);
}
