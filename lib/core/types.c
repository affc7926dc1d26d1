/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Indicator type names and their aliases. The canonical names are the ones
 * of DESIGN.md; aliases cover what feeds and peer tools call them.
 */
#include <string.h>

#include "core/core_int.h"

static const char *const type_names[KZ_T_COUNT_] = {
    [KZ_T_NONE] = "none",
    [KZ_T_IPV4] = "ipv4",
    [KZ_T_IPV6] = "ipv6",
    [KZ_T_CIDR] = "cidr",
    [KZ_T_DOMAIN] = "domain",
    [KZ_T_URL] = "url",
    [KZ_T_EMAIL] = "email",
    [KZ_T_MD5] = "md5",
    [KZ_T_SHA1] = "sha1",
    [KZ_T_SHA256] = "sha256",
    [KZ_T_SHA512] = "sha512",
    [KZ_T_FILENAME] = "filename",
    [KZ_T_FILEPATH] = "filepath",
    [KZ_T_CERT_SHA1] = "cert_sha1",
    [KZ_T_CERT_SHA256] = "cert_sha256",
    [KZ_T_AUTHENTIHASH] = "authentihash",
    [KZ_T_JA3] = "ja3",
    [KZ_T_JA3S] = "ja3s",
    [KZ_T_STRING] = "string",
    [KZ_T_REGKEY] = "regkey",
    [KZ_T_MUTEX] = "mutex",
    [KZ_T_USER_AGENT] = "user_agent",
    [KZ_T_CVE] = "cve",
    [KZ_T_ASN] = "asn",
    [KZ_T_YARA] = "yara",
    [KZ_T_SIGNER] = "signer",
};

static const struct {
    const char *alias;
    kz_type type;
} aliases[] = {
    {"registry_key", KZ_T_REGKEY}, {"regkey", KZ_T_REGKEY},
    {"registry", KZ_T_REGKEY},     {"ip-dst", KZ_T_IPV4},
    {"ip-src", KZ_T_IPV4},         {"ip", KZ_T_IPV4},
    {"hostname", KZ_T_DOMAIN},     {"domain-name", KZ_T_DOMAIN},
    {"fqdn", KZ_T_DOMAIN},         {"uri", KZ_T_URL},
    {"email-src", KZ_T_EMAIL},     {"email-dst", KZ_T_EMAIL},
    {"email-addr", KZ_T_EMAIL},    {"sha-1", KZ_T_SHA1},
    {"sha-256", KZ_T_SHA256},      {"sha-512", KZ_T_SHA512},
    {"file", KZ_T_FILENAME},       {"file_name", KZ_T_FILENAME},
    {"path", KZ_T_FILEPATH},       {"file_path", KZ_T_FILEPATH},
    {"yara_rule", KZ_T_YARA},      {"user-agent", KZ_T_USER_AGENT},
    {"ipv4_cidr", KZ_T_CIDR},      {"ip-range", KZ_T_CIDR},
    {"vulnerability", KZ_T_CVE},   {"signer_subject", KZ_T_SIGNER},
    {"cert_subject", KZ_T_SIGNER}, {"x509_subject", KZ_T_SIGNER},
    {"code_signer", KZ_T_SIGNER},
};

const char *kz_type_name(kz_type t)
{
    if ((unsigned)t >= KZ_T_COUNT_)
        return "none";
    return type_names[t];
}

kz_type kz_type_from_name(const char *s, size_t n)
{
    if (!s)
        return KZ_T_NONE;
    for (unsigned t = 1; t < KZ_T_COUNT_; t++)
        if (kz_eq_word_ci(s, n, type_names[t]))
            return (kz_type)t;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (kz_eq_word_ci(s, n, aliases[i].alias))
            return aliases[i].type;
    return KZ_T_NONE;
}
