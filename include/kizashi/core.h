/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kizashi core: status codes, the context that carries the last error
 * message and the diagnostics callback, the indicator types, and the
 * normalization shared by intel and evidence. Two values are compared only
 * after both went through the same kz_norm_* function.
 * Thread safety: functions without a kz_ctx are pure and reentrant; a
 * kz_ctx must not be used by two threads at once.
 */
#ifndef KIZASHI_CORE_H
#define KIZASHI_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KZ_VERSION_STRING "0.1.0"

/* Status codes: numbered explicitly, never reused. */
typedef enum kz_status {
    KZ_OK = 0,
    KZ_ERR_NOMEM = -1,       /* allocation failed */
    KZ_ERR_INVALID = -2,     /* invalid argument (caller's mistake) */
    KZ_ERR_PARSE = -3,       /* input is not of the expected form */
    KZ_ERR_IO = -4,          /* read or write failed */
    KZ_ERR_LIMIT = -5,       /* a ceiling of kizashi/limits.h was hit */
    KZ_ERR_UNSUPPORTED = -6, /* valid, but not something we handle */
    KZ_ERR_NOTFOUND = -7,    /* no such item */
    KZ_ERR_CORRUPT = -8,     /* stored data fails its own checks */
    KZ_ERR_VERSION = -9,     /* written by a newer format version */
    KZ_ERR_ENCODING = -10,   /* invalid UTF-8 or another encoding error */
    KZ_ERR_ABORTED = -11     /* a callback asked to stop */
} kz_status;

/* A static English string for every code; never NULL. */
const char *kz_status_str(kz_status st);

/* Severity of a diagnostic handed to the callback. */
typedef enum kz_severity {
    KZ_SEV_INFO = 0,
    KZ_SEV_WARNING = 1,
    KZ_SEV_ERROR = 2
} kz_severity;

/* A diagnostic: `input` names the input (file name or "-"), `line` and
 * `column` are 1-based (0 when unknown), `msg` is one line without a
 * trailing newline. All pointers are borrowed for the call only. */
typedef void (*kz_diag_fn)(void *ud, kz_severity sev, const char *input,
                           uint64_t line, uint64_t column, const char *msg);

typedef struct kz_ctx kz_ctx;

/* Creates a context. Ownership goes to the caller (kz_ctx_free). */
kz_status kz_ctx_new(kz_ctx **out);
/* Frees a context; NULL is harmless. */
void kz_ctx_free(kz_ctx *ctx);
/* The message of the last error set on ctx, or "" if none. Borrowed until
 * the next call that sets an error on ctx. */
const char *kz_ctx_errmsg(const kz_ctx *ctx);
/* Installs the diagnostics callback (NULL: diagnostics are dropped). */
void kz_ctx_set_diag(kz_ctx *ctx, kz_diag_fn fn, void *ud);

/* Indicator types of DESIGN.md, plus the context-only ones extraction
 * reports (cve, asn, yara). Numbered explicitly: the value is stored. */
typedef enum kz_type {
    KZ_T_NONE = 0,
    KZ_T_IPV4 = 1,
    KZ_T_IPV6 = 2,
    KZ_T_CIDR = 3,
    KZ_T_DOMAIN = 4,
    KZ_T_URL = 5,
    KZ_T_EMAIL = 6,
    KZ_T_MD5 = 7,
    KZ_T_SHA1 = 8,
    KZ_T_SHA256 = 9,
    KZ_T_SHA512 = 10,
    KZ_T_FILENAME = 11,
    KZ_T_FILEPATH = 12,
    KZ_T_CERT_SHA1 = 13,
    KZ_T_CERT_SHA256 = 14,
    KZ_T_AUTHENTIHASH = 15,
    KZ_T_JA3 = 16,
    KZ_T_JA3S = 17,
    KZ_T_STRING = 18,
    KZ_T_REGKEY = 19,
    KZ_T_MUTEX = 20,
    KZ_T_USER_AGENT = 21,
    KZ_T_CVE = 22,
    KZ_T_ASN = 23,
    KZ_T_YARA = 24,
    KZ_T_SIGNER = 25, /* a code signer: a certificate's subject (its CN, its
                         O, or its whole RFC 2253 name) */
    KZ_T_COUNT_ = 26
} kz_type;

/* A set of types, bit (1u << type). */
typedef uint32_t kz_typeset;
#define KZ_TYPESET_ALL ((kz_typeset)0xFFFFFFFEu)
#define KZ_TYPESET_HAS(set, t) ((((set) >> (unsigned)(t)) & 1u) != 0)

/* The type's canonical name ("ipv4", "sha256", "regkey", ...); "none" for
 * KZ_T_NONE and for values out of range. */
const char *kz_type_name(kz_type t);
/* The type named by the n bytes at s, case-insensitive; also accepts common
 * aliases ("registry_key", "ip-dst", "hostname", "sha-256", "yara_rule").
 * KZ_T_NONE when unknown. */
kz_type kz_type_from_name(const char *s, size_t n);

/* ---- normalization -------------------------------------------------------
 * Every kz_norm_* takes the value as a counted string (no NUL needed, NUL
 * bytes inside are rejected) and never reads past n. Text results are
 * written NUL-terminated to out (cap bytes including the NUL); *outlen gets
 * the length without the NUL. They return KZ_ERR_PARSE when the value is not
 * of the type, KZ_ERR_LIMIT when out is too small. None of them refang:
 * call kz_refang first on intel-side text. */

/* Dotted-quad IPv4, strictly: four decimal octets 0..255, no leading zeros
 * (an octet "012" is rejected, as inet_pton does), optional ":port" (1 to
 * 65535) when port is not NULL; *port is 0 when absent. */
kz_status kz_norm_ipv4(const char *s, size_t n, uint8_t out[4], uint16_t *port);

/* Every RFC 4291 textual form: full, compressed ("::"), mixed with a dotted
 * IPv4 tail, upper or lower case, a "%zone" suffix (dropped), and
 * "[addr]" or "[addr]:port" when port is not NULL. */
kz_status kz_norm_ipv6(const char *s, size_t n, uint8_t out[16],
                       uint16_t *port);

/* An address of either family in 16 bytes: IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d), so an IPv4 and its mapped IPv6 form compare equal.
 * *family gets 4 or 6 (6 also for mapped input, which is reported as 4). */
kz_status kz_norm_ip(const char *s, size_t n, uint8_t out[16], int *family,
                     uint16_t *port);

/* "a.b.c.d/len" or "v6/len": the address with host bits cleared. *prefix
 * is the length in the address's own family (0..32 or 0..128). Host bits
 * set in the input are not an error; *had_host_bits says so (nullable). */
kz_status kz_norm_cidr(const char *s, size_t n, uint8_t addr[16], int *family,
                       unsigned *prefix, int *had_host_bits);

/* Canonical text of an address of the given family (4: dotted quad, 6:
 * RFC 5952 lower-case compressed form; IPv4-mapped IPv6 prints as dotted
 * quad). */
kz_status kz_ip_format(const uint8_t addr[16], int family, char *out,
                       size_t cap, size_t *outlen);

/* A DNS host name: lower-cased, one trailing dot removed, Unicode labels
 * converted to punycode with IDNA2008 (libidn2, transitional off), labels
 * of 1..63 LDH characters (underscore allowed, as in real DNS), total at
 * most 253. At least two labels. A dotted-quad is not a domain. */
kz_status kz_norm_domain(const char *s, size_t n, char *out, size_t cap,
                         size_t *outlen);

/* For a normalized domain: 1 when its last label(s) form a public suffix
 * known to the Public Suffix List (libpsl, ICANN and private sections) or
 * it ends in ".onion", and the domain is not itself only a public suffix;
 * 0 otherwise. */
int kz_domain_has_public_suffix(const char *dom, size_t n);

/* For a normalized domain: 1 when its last label is both a real TLD and a
 * common file extension ("invoice.zip", "run.sh", "setup.py": zip mov sh
 * py pl rs so md cab one ps java app dot cc cat), so only context tells a
 * file name from a host; 0 otherwise. Pure, no list is loaded. */
int kz_domain_tld_is_filename_ext(const char *dom, size_t n);

/* The registrable domain ("a.b.evil.co.uk" -> "evil.co.uk") written to
 * out; KZ_ERR_NOTFOUND when there is none. */
kz_status kz_domain_registrable(const char *dom, size_t n, char *out,
                                size_t cap, size_t *outlen);

/* An absolute URL, canonicalized: scheme and host lower-cased, host through
 * kz_norm_domain or the IP forms (IPv6 in brackets), default port removed
 * (80 http, 443 https, 21 ftp), empty path -> "/" for http(s), percent-
 * encoding normalized (hex upper-cased, unreserved characters decoded,
 * bytes outside the printable ASCII range encoded), dot-segments resolved,
 * fragment dropped, user-info kept. */
kz_status kz_norm_url(const char *s, size_t n, char *out, size_t cap,
                      size_t *outlen);

/* local@domain: local part kept as written, domain through kz_norm_domain
 * (so lower-cased). */
kz_status kz_norm_email(const char *s, size_t n, char *out, size_t cap,
                        size_t *outlen);

/* A hex digest of 32, 40, 64 or 128 hex digits, optionally with ':', '-' or ' '
 * between byte pairs (certificate thumbprints): bytes to out (cap >= 64),
 * *outlen gets 16, 20, 32 or 64. */
kz_status kz_norm_hash(const char *s, size_t n, uint8_t *out, size_t cap,
                       size_t *outlen);

/* Lower-case hex of n bytes into out (cap >= 2n+1). */
void kz_hex_format(const uint8_t *b, size_t n, char *out);

/* The canonical text form of a value of type t, dispatching to the
 * functions above (hashes as lower-case hex; file names, paths, registry
 * keys, mutexes, strings kept as written; cve upper-cased; asn as
 * "AS<n>"). */
kz_status kz_normalize(kz_type t, const char *s, size_t n, char *out,
                       size_t cap, size_t *outlen);

/* ---- times ----------------------------------------------------------------
 */

/* Seconds since 1970-01-01T00:00:00Z; 0 means unknown. */
typedef int64_t kz_time;

/* An ISO 8601 / RFC 3339 date or date-time ("2021-06-25",
 * "2021-06-25T10:00:00Z", "2021-06-25 10:00:00", "...T10:00:00.123+09:00";
 * no zone means UTC) or a decimal Unix time ("1624615200"). KZ_ERR_PARSE
 * otherwise. */
kz_status kz_time_parse(const char *s, size_t n, kz_time *out);
/* "2021-06-25T10:00:00Z" (20 bytes and a NUL); "" for 0. */
void kz_time_format(kz_time t, char out[32]);

/* ---- refang and defang ---------------------------------------------------
 * Refanging undoes what writers do to keep indicators from being clickable:
 * hxxp/hXXps/fxp/meow schemes, [.] (.) {.} [dot] (dot) " dot " \. for dots,
 * [:] [://] for colons, [@] (at) [at] for '@', brackets around a first
 * label ("[www].example.com"), and full-width forms (U+FF0E, U+FF1A,
 * U+FF0F, U+FF20, U+3002 inside a host, full-width ASCII letters and digits
 * in a run that holds one of these, so Japanese file names stay as
 * written). Brackets around a whole address ("[1.2.3.4]") are left for the
 * extractor, which treats them as delimiters. A form is rewritten only
 * between host characters, so ordinary prose is left alone. It is meant for
 * intel text only; evidence is never refanged. */

/* Refangs the n bytes at s into out (cap bytes, NUL-terminated, output never
 * longer than input). Returns the output length. */
size_t kz_refang(const char *s, size_t n, char *out, size_t cap);

/* kz_refang that also reports where each output byte came from: map
 * (nullable, cap entries) gets for each output byte the offset in s of its
 * input byte; every byte of a replacement gets the offset where the
 * replaced sequence starts ("hxxp" -> "http": all four map to the 'h';
 * "[.]" -> ".": the '['). Bytes that are not part of a form, NUL included,
 * are copied. With cap <= n the output may be cut short (at cap - 1 bytes,
 * never inside a replacement). Offsets are uint32_t: with map, at most
 * UINT32_MAX input bytes are read. Linear time, no allocation. */
size_t kz_refang_map(const char *s, size_t n, char *out, size_t cap,
                     uint32_t *map);

/* Defangs a normalized value of type t for display ("http" -> "hxxp",
 * "https" -> "hxxps", "ftp" -> "fxp", every dot of a URL host, domain,
 * IPv4 address or e-mail domain -> "[.]", '@' -> "[@]"; other types are
 * copied). Output at most 2n + 8 bytes for normalized values. */
kz_status kz_defang(kz_type t, const char *s, size_t n, char *out, size_t cap,
                    size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_CORE_H */
