/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Times as intel writes them: ISO 8601 / RFC 3339 dates and date-times,
 * or decimal Unix times. Pure arithmetic (no locale, no TZ variable): the
 * civil-from-days algorithm works for every year 0000..9999.
 */
#include <stdio.h>
#include <string.h>

#include "kizashi/core.h"

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at s[*i] into *v. */
static int digits(const char *s, size_t n, size_t *i, unsigned count,
                  unsigned *v)
{
    unsigned x = 0;
    for (unsigned k = 0; k < count; k++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return 0;
        x = x * 10 + (unsigned)(s[*i] - '0');
    }
    *v = x;
    return 1;
}

static int days_in_month(unsigned y, unsigned m)
{
    static const unsigned char dm[] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

kz_status kz_time_parse(const char *s, size_t n, kz_time *out)
{
    if (!s || !out)
        return KZ_ERR_INVALID;
    while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n > 40)
        return KZ_ERR_PARSE;
    /* A decimal Unix time: 1 to 12 digits (seconds; a 13-digit value is
     * taken as milliseconds, as JavaScript writes them). */
    size_t k = 0;
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k == n && (n <= 10 || n == 13)) {
        int64_t v = 0;
        for (size_t j = 0; j < n; j++)
            v = v * 10 + (s[j] - '0');
        *out = n == 13 ? v / 1000 : v;
        return KZ_OK;
    }
    size_t i = 0;
    unsigned y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' ||
        !digits(s, n, &i, 2, &mo) || i >= n || s[i++] != '-' ||
        !digits(s, n, &i, 2, &d))
        return KZ_ERR_PARSE;
    if (mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo))
        return KZ_ERR_PARSE;
    int64_t off = 0;
    if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        if (!digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' ||
            !digits(s, n, &i, 2, &mi))
            return KZ_ERR_PARSE;
        if (i < n && s[i] == ':') {
            i++;
            if (!digits(s, n, &i, 2, &se))
                return KZ_ERR_PARSE;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t f = i;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                    i++;
                if (i == f)
                    return KZ_ERR_PARSE;
            }
        }
        if (h > 23 || mi > 59 || se > 60)
            return KZ_ERR_PARSE;
        if (i < n && i + 1 < n && s[i] == ' ' &&
            (s[i + 1] == '+' || s[i + 1] == '-' || s[i + 1] == 'U'))
            i++; /* "2021-06-25 10:00:00 +0900", "... UTC" */
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (n - i == 3 && memcmp(s + i, "UTC", 3) == 0) {
            i += 3;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i++] == '-' ? -1 : 1;
            unsigned oh, om = 0;
            if (!digits(s, n, &i, 2, &oh))
                return KZ_ERR_PARSE;
            if (i < n && s[i] == ':')
                i++;
            if (i < n && !digits(s, n, &i, 2, &om))
                return KZ_ERR_PARSE;
            if (oh > 23 || om > 59)
                return KZ_ERR_PARSE;
            off = sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (i != n)
        return KZ_ERR_PARSE;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
                (se > 59 ? 59 : se);
    *out = t - off;
    return KZ_OK;
}

void kz_time_format(kz_time t, char out[32])
{
    if (t == 0) {
        out[0] = '\0';
        return;
    }
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, 32, "%lld", (long long)t);
        return;
    }
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y, m, d,
             (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
             (unsigned)(rem % 60));
}
