/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kz_version_info: what `kizashi version` prints. The only file of
 * libkizashi that asks every dependency for its version; the string is
 * built once (pthread_once) and never changes afterwards.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>
#include <libxml/globals.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "kizashi/kizashi.h"

static char info[1024];
static pthread_once_t info_once = PTHREAD_ONCE_INIT;

/* Appends "name compiled" or "name compiled (run time: rt)" as one line. */
static void add_line(size_t *len, const char *name, const char *compiled,
                     const char *runtime)
{
    if (*len >= sizeof info)
        return;
    int n;
    /* Only the first word: libpsl adds "(+libidn2/2.3.3)". */
    size_t rn = runtime ? strcspn(runtime, " ") : 0;
    if (runtime && (rn != strlen(compiled) || memcmp(runtime, compiled, rn)))
        n = snprintf(info + *len, sizeof info - *len,
                     "%s %s (run time: %.*s)\n", name, compiled, (int)rn,
                     runtime);
    else
        n = snprintf(info + *len, sizeof info - *len, "%s %s\n", name,
                     compiled);
    if (n > 0)
        *len += (size_t)n;
}

/* libxml2 reports its run-time version as "20914"; print it dotted. */
static void xml_runtime(char *out, size_t cap)
{
    const char *v = xmlParserVersion;
    char *end = NULL;
    unsigned long n = v ? strtoul(v, &end, 10) : 0;
    if (!v || end == v || *end != '\0')
        snprintf(out, cap, "%s", v ? v : "unknown");
    else
        snprintf(out, cap, "%lu.%lu.%lu", n / 10000, n / 100 % 100, n % 100);
}

static void build_info(void)
{
    size_t len = 0;
    char xml[32];
    const char *idn = idn2_check_version(NULL);
    const char *psl = psl_get_version();
    const char *ssl = OpenSSL_version(OPENSSL_VERSION_STRING);

    xml_runtime(xml, sizeof xml);
    add_line(&len, "kizashi", KZ_VERSION_STRING, NULL);
    add_line(&len, "libidn2", IDN2_VERSION, idn);
    add_line(&len, "libpsl", PSL_VERSION, psl);
    add_line(&len, "libxml2", LIBXML_DOTTED_VERSION, xml);
    add_line(&len, "OpenSSL", OPENSSL_VERSION_STR, ssl);
}

const char *kz_version_info(void)
{
    pthread_once(&info_once, build_info);
    return info;
}
