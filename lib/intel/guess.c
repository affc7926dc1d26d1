/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The type of a lone value (a list line, a CSV cell without a type column):
 * each candidate type is tried with its own normalizer, most specific
 * first, so the answer agrees with what the store will accept.
 */
#include <string.h>

#include "intel/extract_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

static int starts_ci(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != p[i])
            return 0;
    }
    return 1;
}

static int is_path(const char *s, size_t n)
{
    if (n >= 3 && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') &&
        s[1] == ':' && (s[2] == '\\' || s[2] == '/'))
        return 1;
    if (n >= 3 && s[0] == '\\' && s[1] == '\\')
        return 1;
    if (n >= 3 && s[0] == '%') {
        const char *e = memchr(s + 1, '%', n - 1);
        return e && e > s + 1 && (size_t)(e - s) + 1 < n && e[1] == '\\';
    }
    if (n >= 2 && s[0] == '/' && s[1] != '/' && !memchr(s, ' ', n))
        return memchr(s + 1, '/', n - 1) != NULL;
    if (n >= 2 && s[0] == '~' && s[1] == '/')
        return 1;
    return 0;
}

/* A file name: no separators, an extension we know. */
static int is_filename(const char *s, size_t n)
{
    if (n < 3 || memchr(s, '/', n) || memchr(s, '\\', n))
        return 0;
    const char *dot = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '.') {
            dot = s + i - 1;
            break;
        }
    if (!dot || dot == s)
        return 0;
    size_t el = (size_t)(s + n - dot - 1);
    char ext[16];
    if (el == 0 || el >= sizeof ext)
        return 0;
    for (size_t i = 0; i < el; i++) {
        char c = dot[1 + i];
        ext[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    return kz_scan_is_file_ext(ext, el);
}

kz_type kz_guess_type(const char *s, size_t n)
{
    if (!s)
        return KZ_T_NONE;
    while (n > 0 && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n == 0 || n > KZ_MAX_VALUE || memchr(s, '\0', n))
        return KZ_T_NONE;
    char buf[KZ_MAX_VALUE + 1];
    size_t len;
    uint8_t a[16];
    int fam;
    unsigned prefix;
    uint16_t port;
    const char *colon = memchr(s, ':', n);
    if (colon && (size_t)(colon - s) + 2 < n && colon[1] == '/' &&
        colon[2] == '/')
        return kz_norm_url(s, n, buf, sizeof buf, &len) == KZ_OK ? KZ_T_URL
                                                                 : KZ_T_NONE;
    if (memchr(s, '/', n) &&
        kz_norm_cidr(s, n, a, &fam, &prefix, NULL) == KZ_OK)
        return KZ_T_CIDR;
    if (kz_norm_ip(s, n, a, &fam, &port) == KZ_OK)
        return fam == 6 ? KZ_T_IPV6 : KZ_T_IPV4;
    kz_type digest = kz_scan_digest_type(s, n);
    if (digest != KZ_T_NONE)
        return digest;
    if (starts_ci(s, n, "cve-") &&
        kz_normalize(KZ_T_CVE, s, n, buf, sizeof buf, &len) == KZ_OK)
        return KZ_T_CVE;
    if (n > 2 && (s[0] | 0x20) == 'a' && (s[1] | 0x20) == 's' &&
        all_digits(s + 2, n - 2))
        return KZ_T_ASN;
    if (kz_scan_regkey_hive(s, n))
        return KZ_T_REGKEY;
    if (is_path(s, n))
        return KZ_T_FILEPATH;
    if (memchr(s, '@', n) &&
        kz_norm_email(s, n, buf, sizeof buf, &len) == KZ_OK)
        return KZ_T_EMAIL;
    /* A host name, possibly with a port ("evil.example:8080"). */
    size_t hn = n;
    if (colon && all_digits(colon + 1, (size_t)(s + n - colon - 1)))
        hn = (size_t)(colon - s);
    if (kz_norm_domain(s, hn, buf, sizeof buf, &len) == KZ_OK &&
        kz_domain_has_public_suffix(buf, len)) {
        /* "setup.exe" has no public suffix. "invoice.zip" or "kramo.pl"
         * have one: alone on a line of a feed, a host is far more likely
         * than a file name (the extractor, which sees context, decides
         * otherwise in prose). */
        return KZ_T_DOMAIN;
    }
    if (is_filename(s, n))
        return KZ_T_FILENAME;
    return KZ_T_NONE;
}
