/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The context of a hit line (lib/evidence/logctx.h): the log format from its
 * first bytes, Zeek TSV (and IIS/W3C) headers, the field an observable
 * stood in, its ECS name, the event time and the dataset, and the URLs that
 * logs split across fields. Only lines that produced a hit come here, so
 * clarity wins over speed, but every step is bounded: lines longer than
 * KZ_MAX_HIT_LINE are not parsed, observables longer than KZ_MAX_TOKEN get
 * no field, and the occurrences looked at per call are capped (no
 * quadratic work on a 1 MiB line of one repeated byte).
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/core_int.h"
#include "evidence/logctx.h"
#include "kizashi/limits.h"

/* Occurrences of an observable examined per call, raw line and decoded
 * values together: a real line holds a value a handful of times; a hostile
 * one ("aaaa...") could make every byte an occurrence. */
#define CTX_MAX_OCCURRENCES 4096
/* Nesting walked when looking for the field (jansson itself stops parsing
 * at JSON_PARSER_MAX_DEPTH, 2048 in Debian's build): log events nest a few
 * levels; deeper values are not looked at. */
#define CTX_MAX_DEPTH 32
/* Longest field path built while walking (keys past it are cut); the
 * result is cut again to fit kz_linectx.field. */
#define CTX_MAX_PATH 512
/* Longest Zeek field name kept from a #fields line. */
#define ZEEK_MAX_NAME 127

/* Copies the NUL-terminated src into dst (cap bytes), cut to fit. */
static void set_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ==== formats =========================================================== */

const char *kz_logfmt_name(kz_logfmt f)
{
    switch (f) {
    case KZ_LOG_TEXT:
        return "text";
    case KZ_LOG_JSON:
        return "json";
    case KZ_LOG_ZEEK_TSV:
        return "zeek-tsv";
    }
    return "text";
}

kz_logfmt kz_logfmt_detect(const char *head, size_t n)
{
    size_t i = 0;
    if (!head)
        return KZ_LOG_TEXT;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* a UTF-8 byte order mark */
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' ||
                     head[i] == '\n'))
        i++;
    if (i < n && head[i] == '{')
        return KZ_LOG_JSON;
    if (kz_starts_ci(head + i, n - i, "#separator"))
        return KZ_LOG_ZEEK_TSV;
    /* IIS / W3C extended logs: read like Zeek TSV with a space separator
     * (their #Fields: header names the columns). */
    if (kz_starts_ci(head + i, n - i, "#software:") ||
        kz_starts_ci(head + i, n - i, "#version:") ||
        kz_starts_ci(head + i, n - i, "#fields:"))
        return KZ_LOG_ZEEK_TSV;
    return KZ_LOG_TEXT;
}

/* ==== Zeek TSV and W3C headers ========================================== */

void kz_zeek_hdr_init(kz_zeek_hdr *h)
{
    if (!h)
        return;
    memset(h, 0, sizeof *h);
    h->sep = '\t';
    h->set_sep = ',';
    h->ts_col = -1;
}

static void hdr_drop_fields(kz_zeek_hdr *h)
{
    for (unsigned i = 0; i < h->nfields && i < KZ_ZEEK_MAX_FIELDS; i++)
        kz_free(h->fields[i]);
    memset(h->fields, 0, sizeof h->fields);
    h->nfields = 0;
    h->ts_col = -1;
}

void kz_zeek_hdr_free(kz_zeek_hdr *h)
{
    if (!h)
        return;
    hdr_drop_fields(h);
    kz_zeek_hdr_init(h);
}

/* A separator as Zeek writes it: "\x09" or the character itself. */
static int hdr_sep_value(const char *s, size_t n, char *out)
{
    if (n == 4 && s[0] == '\\' && (s[1] == 'x' || s[1] == 'X') &&
        kz_hexval((unsigned char)s[2]) >= 0 &&
        kz_hexval((unsigned char)s[3]) >= 0) {
        *out = (char)(kz_hexval((unsigned char)s[2]) * 16 +
                      kz_hexval((unsigned char)s[3]));
        return *out != '\0' && *out != '\n';
    }
    if (n == 1 && s[0] != '\0' && s[0] != '\n') { /* the byte itself */
        *out = s[0];
        return 1;
    }
    return 0; /* "\x" cut short, or more than one byte */
}

/* Stores the names of a #fields (sep) or #Fields: (' ') line. */
static void hdr_set_fields(kz_zeek_hdr *h, const char *s, size_t n, char sep)
{
    hdr_drop_fields(h);
    size_t i = 0;
    while (i <= n && h->nfields < KZ_ZEEK_MAX_FIELDS) {
        size_t j = i;
        while (j < n && s[j] != sep)
            j++;
        size_t len = j - i;
        if (len == 0 && sep == ' ') { /* runs of spaces in W3C headers */
            if (j >= n)
                break;
            i = j + 1;
            continue;
        }
        if (len > ZEEK_MAX_NAME)
            len = ZEEK_MAX_NAME;
        char *name = kz_malloc(len + 1);
        if (!name)
            break; /* the columns named so far still help */
        memcpy(name, s + i, len);
        name[len] = '\0';
        if (len == 2 && memcmp(name, "ts", 2) == 0 && h->ts_col < 0)
            h->ts_col = (int)h->nfields;
        h->fields[h->nfields++] = name;
        if (j >= n)
            break;
        i = j + 1;
    }
}

void kz_zeek_hdr_line(kz_zeek_hdr *h, const char *line, size_t n)
{
    if (!h || !line || n < 2 || line[0] != '#')
        return;
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    const char *s = line + 1;
    size_t m = n - 1;

    if (kz_starts_ci(s, m, "separator") && m > 9 &&
        (s[9] == ' ' || s[9] == '\t')) {
        /* A new log starts (Zeek writes one header per log; files that
         * hold several logs repeat it). */
        char sep;
        if (!hdr_sep_value(s + 10, m - 10, &sep))
            return;
        hdr_drop_fields(h);
        h->sep = sep;
        h->set_sep = ',';
        h->path[0] = '\0';
        return;
    }
    if (kz_starts_ci(s, m, "fields:")) { /* W3C */
        size_t k = 7;
        while (k < m && s[k] == ' ')
            k++;
        h->sep = ' ';
        set_str(h->path, sizeof h->path, "w3c");
        hdr_set_fields(h, s + k, m - k, ' ');
        return;
    }
    char sep = h->sep ? h->sep : '\t';
    size_t k = 0;
    while (k < m && s[k] != sep && s[k] != ' ')
        k++;
    if (k >= m)
        return;
    const char *v = s + k + 1;
    size_t vn = m - k - 1;
    if (k == 13 && memcmp(s, "set_separator", 13) == 0) {
        char c;
        if (hdr_sep_value(v, vn, &c))
            h->set_sep = c;
    } else if (k == 4 && memcmp(s, "path", 4) == 0) {
        size_t len = 0;
        while (len < vn && len < sizeof h->path - 1 &&
               (unsigned char)v[len] > 0x20 && v[len] != 0x7F)
            len++;
        memcpy(h->path, v, len);
        h->path[len] = '\0';
    } else if (k == 6 && memcmp(s, "fields", 6) == 0) {
        hdr_set_fields(h, v, vn, sep);
    }
}

/* ==== whole tokens ======================================================= */

/* Bytes that continue a host name, an address or a digest: an observable
 * next to one of them is part of a longer token. Bytes >= 0x80 count (IDN
 * host names are written in UTF-8). */
static int host_byte(unsigned char c)
{
    return kz_is_alnum(c) || c == '-' || c == '_' || c >= 0x80;
}

typedef struct needle {
    const char *p; /* the observable, as compared */
    size_t n;
    int colon; /* it holds ':' (IPv6, thumbprint): ':' then continues it */
} needle;

/* 1 when s[i..i+nd->n) stands as a whole token in s (m bytes). loose:
 * a '.' before is allowed (the observable is the tail of a longer name). */
static int whole_token(const char *s, size_t m, size_t i, const needle *nd,
                       int loose, int raw_json)
{
    if (i > 0) {
        unsigned char b = (unsigned char)s[i - 1];
        int bound =
            !host_byte(b) && !(b == '.' && !loose) && !(b == ':' && nd->colon);
        /* In raw JSON, "\n" or "\t" before the value is an escape. */
        if (!bound && raw_json && i >= 2 && s[i - 2] == '\\' &&
            (b == 'n' || b == 't' || b == 'r' || b == 'b' || b == 'f'))
            bound = 1;
        if (!bound)
            return 0;
    }
    size_t j = i + nd->n;
    if (j < m) {
        unsigned char a = (unsigned char)s[j];
        if (host_byte(a))
            return 0;
        if (a == '.' && j + 1 < m && host_byte((unsigned char)s[j + 1]))
            return 0;
        if (a == ':' && nd->colon && j + 1 < m &&
            (kz_is_xdigit((unsigned char)s[j + 1]) || s[j + 1] == ':'))
            return 0;
    }
    return 1;
}

/* The state of one search for the field of an observable. */
typedef struct finder {
    needle nd;       /* the observable, JSON-decoded */
    needle raw;      /* as written in the line */
    unsigned want;   /* which whole-token match to take (0-based) */
    unsigned seen;   /* matches so far, in document order */
    unsigned budget; /* occurrences left to examine */
    int loose;
    int done;
    char path[CTX_MAX_PATH];
    size_t plen;
    char found[sizeof(((kz_linectx *)0)->field)];
    int have;
    char label[16]; /* "MD5" of "MD5=..." before the match, or "" */
    int whole;      /* the match found is the whole value */
} finder;

/* Calls back for each whole-token occurrence of nd in s; at most
 * f->budget occurrences are examined. Returns the count (stops early when
 * stop(f) says so). */
static void find_in(finder *f, const char *s, size_t m, const needle *nd,
                    int raw_json, size_t limit, unsigned *count)
{
    size_t i = 0;
    while (nd->n > 0 && i + nd->n <= m && f->budget > 0) {
        const char *hit = memmem(s + i, m - i, nd->p, nd->n);
        if (!hit)
            break;
        size_t at = (size_t)(hit - s);
        if (at >= limit)
            break;
        f->budget--;
        if (whole_token(s, m, at, nd, f->loose, raw_json))
            (*count)++;
        i = at + 1;
    }
}

/* The label of a "KEY=value" list item that starts right before s[at]
 * ("SHA1=...,MD5=..." in Sysmon's Hashes). */
static void label_before(const char *s, size_t at, char *out, size_t cap)
{
    out[0] = '\0';
    if (at == 0 || s[at - 1] != '=')
        return;
    size_t e = at - 1, b = e;
    while (b > 0 && kz_is_alnum((unsigned char)s[b - 1]) && e - b < cap - 1)
        b--;
    if (b < e && (b == 0 || s[b - 1] == ',' || s[b - 1] == ' ')) {
        memcpy(out, s + b, e - b);
        out[e - b] = '\0';
    }
}

/* Looks at one decoded string value at the current path. */
static void find_value(finder *f, const char *s, size_t m)
{
    size_t i = 0;
    while (!f->done && f->nd.n > 0 && i + f->nd.n <= m && f->budget > 0) {
        const char *hit = memmem(s + i, m - i, f->nd.p, f->nd.n);
        if (!hit)
            break;
        size_t at = (size_t)(hit - s);
        f->budget--;
        if (whole_token(s, m, at, &f->nd, f->loose, 0)) {
            /* Keep the latest match, so a position past the last field
             * still names the last one that holds the observable. */
            set_str(f->found, sizeof f->found, f->path);
            label_before(s, at, f->label, sizeof f->label);
            f->whole = at == 0 && f->nd.n == m;
            f->have = 1;
            if (f->seen++ == f->want)
                f->done = 1;
        }
        i = at + 1;
    }
}

/* Appends ".key" to the path; returns the previous length to restore. */
static size_t path_push(finder *f, const char *key)
{
    size_t old = f->plen, kl = strlen(key);
    size_t room = sizeof f->path - 1 - f->plen;
    if (f->plen > 0 && room > 0) {
        f->path[f->plen++] = '.';
        room--;
    }
    if (kl > room)
        kl = room;
    memcpy(f->path + f->plen, key, kl);
    f->plen += kl;
    f->path[f->plen] = '\0';
    return old;
}

static void walk(finder *f, json_t *v, unsigned depth)
{
    if (f->done || depth > CTX_MAX_DEPTH || f->budget == 0)
        return;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val)
        {
            size_t old = path_push(f, key);
            walk(f, val, depth + 1);
            f->plen = old;
            f->path[old] = '\0';
            if (f->done)
                break;
        }
        break;
    }
    case JSON_ARRAY: { /* arrays are transparent in the path */
        size_t i;
        json_t *val;
        json_array_foreach(v, i, val)
        {
            walk(f, val, depth + 1);
            if (f->done)
                break;
        }
        break;
    }
    case JSON_STRING:
        find_value(f, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        /* A number counts when its decimal text is the observable. */
        char num[32];
        int len = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                           json_integer_value(v));
        if (len > 0 && (size_t)len == f->nd.n &&
            memcmp(num, f->nd.p, f->nd.n) == 0)
            find_value(f, num, (size_t)len);
        break;
    }
    default: /* reals lose their text; true, false, null hold nothing */
        break;
    }
}

/* ==== JSON =============================================================== */

/* Appends the UTF-8 form of cp to out (cap bytes); returns bytes written
 * (0 when it does not fit). */
static size_t utf8_put(uint32_t cp, char *out, size_t cap)
{
    if (cp < 0x80 && cap >= 1) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800 && cap >= 2) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000 && cap >= 3) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp < 0x110000 && cap >= 4) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

static int hex4(const char *s, size_t n, uint32_t *v)
{
    if (n < 4)
        return 0;
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        int h = kz_hexval((unsigned char)s[i]);
        if (h < 0)
            return 0;
        x = x * 16 + (uint32_t)h;
    }
    *v = x;
    return 1;
}

/* (logctx.h) */
size_t kz_json_unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < cap;) {
        if (s[i] != '\\' || i + 1 >= n) {
            out[o++] = s[i++];
            continue;
        }
        char c = s[i + 1], r = 0;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            r = c;
            break;
        case 'b':
            r = '\b';
            break;
        case 'f':
            r = '\f';
            break;
        case 'n':
            r = '\n';
            break;
        case 'r':
            r = '\r';
            break;
        case 't':
            r = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            size_t used = 6;
            if (!hex4(s + i + 2, n - i - 2, &cp)) {
                out[o++] = s[i++];
                continue;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 12 <= n &&
                s[i + 6] == '\\' && s[i + 7] == 'u' &&
                hex4(s + i + 8, n - i - 8, &lo) && lo >= 0xDC00 &&
                lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                used = 12;
            }
            size_t w = utf8_put(cp, out + o, cap - o);
            if (w == 0) {
                out[o++] = s[i++];
                continue;
            }
            o += w;
            i += used;
            continue;
        }
        default:
            out[o++] = s[i++];
            continue;
        }
        out[o++] = r;
        i += 2;
    }
    return o;
}

static json_t *json_parse_line(const char *line, size_t n)
{
    if (n > KZ_MAX_HIT_LINE)
        return NULL;
    if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        n -= 3;
    }
    json_error_t err;
    /* NUL escapes are allowed (json_string_length counts them); trailing
     * bytes other than white space make the line not JSON. */
    return json_loadb(line, n, JSON_ALLOW_NUL, &err);
}

static const char *jstr(json_t *o, const char *key, size_t *len)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    if (len)
        *len = json_string_length(v);
    return json_string_value(v);
}

static int jhas(json_t *o, const char *key)
{
    return json_object_get(o, key) != NULL;
}

/* Writes prefix + name to out, keeping from name only what a dataset name
 * holds ([a-z0-9_], lower-cased); returns 0 when name has none of it. */
static int dataset_name(char *out, size_t cap, const char *prefix,
                        const char *name, size_t n)
{
    set_str(out, cap, prefix);
    size_t o = strlen(out);
    size_t start = o;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = kz_lower((unsigned char)name[i]);
        if (kz_is_alnum(c) || c == '_')
            out[o++] = (char)c;
        else if (c == '-' || c == '/' || c == ' ')
            out[o++] = '_';
    }
    out[o] = '\0';
    return o > start;
}

/* The log type of a Zeek JSON line that does not name it, from its keys. */
static const char *zeek_guess(json_t *o)
{
    if (jhas(o, "query") && jhas(o, "qtype_name"))
        return "dns";
    if (jhas(o, "query"))
        return "dns";
    if (jhas(o, "host") && jhas(o, "uri"))
        return "http";
    if (jhas(o, "server_name") || jhas(o, "ja3") || jhas(o, "cipher"))
        return "ssl";
    if (jhas(o, "mailfrom") || jhas(o, "rcptto"))
        return "smtp";
    if (jhas(o, "fuid") && (jhas(o, "mime_type") || jhas(o, "md5") ||
                            jhas(o, "analyzers") || jhas(o, "tx_hosts")))
        return "files";
    if (jhas(o, "certificate.subject") || jhas(o, "certificate"))
        return "x509";
    if (jhas(o, "conn_state") || jhas(o, "history"))
        return "conn";
    if (jhas(o, "note"))
        return "notice";
    if (jhas(o, "request_type") && jhas(o, "client"))
        return "kerberos";
    if (jhas(o, "addl") || (jhas(o, "name") && jhas(o, "notice")))
        return "weird";
    return NULL;
}

/* The dataset of a JSON event (see kz_linectx.dataset). */
static void json_dataset(json_t *o, char *out, size_t cap)
{
    const char *s;
    size_t n;

    snprintf(out, cap, "%s", "json");
    if (!json_is_object(o))
        return;
    if ((s = jstr(o, "_path", &n)) != NULL &&
        dataset_name(out, cap, "zeek.", s, n))
        return;
    const char *proc = jstr(o, "@proc", NULL);
    int zeekish = jhas(o, "ts") &&
                  (jhas(o, "uid") || jhas(o, "fuid") || jhas(o, "id.orig_h") ||
                   jhas(o, "id_orig_h") || jhas(o, "certificate.subject") ||
                   jhas(o, "certificate_subject"));
    if ((s = jstr(o, "@stream", &n)) != NULL &&
        ((proc && strcmp(proc, "zeek") == 0) || zeekish) &&
        dataset_name(out, cap, "zeek.", s, n))
        return;
    if (zeekish) {
        const char *g = zeek_guess(o);
        snprintf(out, cap, "zeek%s%s", g ? "." : "", g ? g : "");
        return;
    }
    if ((s = jstr(o, "event_type", &n)) != NULL &&
        (jhas(o, "timestamp") || jhas(o, "flow_id") || jhas(o, "src_ip"))) {
        if (!dataset_name(out, cap, "suricata.", s, n))
            snprintf(out, cap, "%s", "suricata.eve");
        return;
    }
    json_t *winlog = json_object_get(o, "winlog");
    if (json_is_object(winlog) || jhas(o, "EventID") || jhas(o, "Channel") ||
        jhas(o, "EventRecordID")) {
        const char *ch = jstr(o, "Channel", NULL);
        const char *prov = jstr(o, "SourceName", NULL);
        if (json_is_object(winlog)) {
            if (!ch)
                ch = jstr(winlog, "channel", NULL);
            if (!prov)
                prov = jstr(winlog, "provider_name", NULL);
        }
        if (!prov)
            prov = jstr(o, "ProviderName", NULL);
        if ((ch && strstr(ch, "Sysmon")) || (prov && strstr(prov, "Sysmon")))
            snprintf(out, cap, "%s", "windows.sysmon");
        else if (ch && strcmp(ch, "Security") == 0)
            snprintf(out, cap, "%s", "windows.security");
        else if (ch && strstr(ch, "PowerShell"))
            snprintf(out, cap, "%s", "windows.powershell");
        else if (ch && strcmp(ch, "System") == 0)
            snprintf(out, cap, "%s", "windows.system");
        else
            snprintf(out, cap, "%s", "windows");
        return;
    }
    if (jhas(o, "@timestamp") &&
        (json_is_object(json_object_get(o, "ecs")) || jhas(o, "ecs.version") ||
         json_is_object(json_object_get(o, "event")) ||
         json_is_object(json_object_get(o, "source")) ||
         json_is_object(json_object_get(o, "destination")) ||
         jhas(o, "event.dataset") || jhas(o, "source.ip") ||
         jhas(o, "destination.ip")))
        snprintf(out, cap, "%s", "ecs");
}

/* Up to year 9999: beyond is garbage, not an event time; before 1973
 * (10^8 seconds) is a duration or a counter in a "time" key, not a log
 * event. */
#define CTX_MIN_EPOCH 100000000.0
#define CTX_MAX_EPOCH 253402300799.0

static kz_time plausible(kz_time t)
{
    return t >= (kz_time)CTX_MIN_EPOCH && t <= (kz_time)CTX_MAX_EPOCH ? t : 0;
}

/* Epoch seconds with an optional fraction ("1588205198.89971"), or what
 * kz_time_parse reads. 0 when neither. */
static kz_time time_text(const char *s, size_t n)
{
    kz_time t = 0;
    size_t i = 0;
    while (i < n && kz_is_digit((unsigned char)s[i]))
        i++;
    if (i > 0 && i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && kz_is_digit((unsigned char)s[j]))
            j++;
        if (j == n && kz_time_parse(s, i, &t) == KZ_OK)
            return plausible(t);
        return 0;
    }
    if (kz_time_parse(s, n, &t) != KZ_OK)
        return 0;
    return plausible(t);
}

static kz_time time_json(json_t *v)
{
    if (json_is_string(v))
        return time_text(json_string_value(v), json_string_length(v));
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (d > 1e12)
            d /= 1000.0; /* milliseconds, as JavaScript writes them */
        if (d >= CTX_MIN_EPOCH && d <= CTX_MAX_EPOCH)
            return (kz_time)floor(d);
        return 0;
    }
    if (json_is_object(v)) /* "TimeCreated": {"SystemTime": "..."} */
        return time_json(json_object_get(v, "SystemTime"));
    return 0;
}

/* The event time of a JSON event: the key of each family first (Sysmon's
 * UtcTime is the event's time in UTC; NXLog exports stamp TimeCreated with
 * a local time marked Z). */
static kz_time json_time(json_t *o, const char *dataset)
{
    static const char *const general[] = {
        "ts",          "timestamp", "@timestamp", "UtcTime", "EventTime",
        "TimeCreated", "_write_ts", "time",       NULL};
    static const char *const windows[] = {"UtcTime", "EventTime", "TimeCreated",
                                          "@timestamp", NULL};
    const char *const *keys =
        strncmp(dataset, "windows", 7) == 0 ? windows : general;
    kz_time t;

    if (!json_is_object(o))
        return 0;
    for (size_t i = 0; keys[i]; i++)
        if ((t = time_json(json_object_get(o, keys[i]))) != 0)
            return t;
    json_t *w = json_object_get(o, "winlog");
    json_t *ed = json_is_object(w) ? json_object_get(w, "event_data") : NULL;
    if (json_is_object(ed) && (t = time_json(json_object_get(ed, "UtcTime"))))
        return t;
    if (keys == windows)
        for (size_t i = 0; general[i]; i++)
            if ((t = time_json(json_object_get(o, general[i]))) != 0)
                return t;
    return 0;
}

static void finder_init(finder *f, const char *raw, size_t rawn,
                        const char *dec, size_t decn)
{
    memset(f, 0, sizeof *f);
    f->raw.p = raw;
    f->raw.n = rawn;
    f->raw.colon = memchr(raw, ':', rawn) != NULL;
    f->nd.p = dec;
    f->nd.n = decn;
    f->nd.colon = memchr(dec, ':', decn) != NULL;
    f->budget = CTX_MAX_OCCURRENCES;
}

/* The field of the observable at line[off..off+len) of a parsed line: the
 * k-th match in document order among the string values that hold it, k
 * being the rank of the occurrence at off among the observable's
 * occurrences in the line (jansson >= 2.8 iterates objects in insertion
 * order, so document order is kept). The occurrences are counted in the
 * line with its escapes undone, the way the values are compared, so an
 * escaped form ("evil\u002ecom", "http:\/\/") counts where its value
 * matches. When there are fewer matches than occurrences (one in a key),
 * the last match. */
static void json_field(json_t *root, const char *line, size_t n, size_t off,
                       size_t len, kz_linectx *out, char label[16])
{
    char dec[KZ_MAX_TOKEN + 1];
    finder f;

    label[0] = '\0';
    if (len == 0 || len > KZ_MAX_TOKEN || off > n || len > n - off)
        return;
    size_t dn = kz_json_unescape(line + off, len, dec, sizeof dec);
    /* The line as its values read: at most n bytes (escapes only shrink). */
    char *view = kz_malloc(n + 1);
    size_t vpre = 0, vn = 0;
    if (view) {
        vpre = kz_json_unescape(line, off, view, n);
        vn =
            vpre + kz_json_unescape(line + off, n - off, view + vpre, n - vpre);
    }
    for (int loose = 0; loose <= 1; loose++) {
        finder_init(&f, line + off, len, dec, dn);
        f.loose = loose;
        unsigned k = 0;
        if (view)
            find_in(&f, view, vn, &f.nd, 0, vpre, &k);
        else
            find_in(&f, line, n, &f.raw, 1, off, &k);
        f.want = k;
        walk(&f, root, 0);
        if (f.have) {
            set_str(out->field, sizeof out->field, f.found);
            set_str(label, 16, f.label);
            out->whole = f.whole || f.label[0];
            break;
        }
    }
    kz_free(view);
}

/* ==== Zeek TSV and W3C lines ============================================ */

/* The column [*b, *e) of index col, or 0 when the line has fewer. */
static int tsv_column(const char *line, size_t n, char sep, unsigned col,
                      size_t *b, size_t *e)
{
    size_t i = 0;
    for (unsigned c = 0;; c++) {
        const char *q = memchr(line + i, sep, n - i);
        size_t j = q ? (size_t)(q - line) : n;
        if (c == col) {
            *b = i;
            *e = j;
            return 1;
        }
        if (!q)
            return 0;
        i = j + 1;
    }
}

static int hdr_col(const kz_zeek_hdr *h, const char *name)
{
    for (unsigned i = 0; i < h->nfields && i < KZ_ZEEK_MAX_FIELDS; i++)
        if (h->fields[i] && strcmp(h->fields[i], name) == 0)
            return (int)i;
    return -1;
}

static int hdr_is_w3c(const kz_zeek_hdr *h)
{
    return strcmp(h->path, "w3c") == 0;
}

static void tsv_context(const kz_zeek_hdr *h, const char *line, size_t n,
                        size_t off, size_t len, kz_linectx *out)
{
    char sep = h->sep ? h->sep : '\t';
    if (hdr_is_w3c(h))
        set_str(out->dataset, sizeof out->dataset, "w3c");
    else if (!dataset_name(out->dataset, sizeof out->dataset, "zeek.", h->path,
                           strlen(h->path)))
        set_str(out->dataset, sizeof out->dataset, "zeek");

    if (off < n && len <= n - off) {
        size_t i = 0;
        for (unsigned c = 0; c < h->nfields && c < KZ_ZEEK_MAX_FIELDS; c++) {
            const char *q = memchr(line + i, sep, n - i);
            size_t j = q ? (size_t)(q - line) : n;
            if (off >= i && off < j) {
                if (h->fields[c])
                    set_str(out->field, sizeof out->field, h->fields[c]);
                /* the whole column, or one item of a set */
                char ss = h->set_sep ? h->set_sep : ',';
                out->whole = (off == i || line[off - 1] == ss) &&
                             (off + len == j ||
                              (off + len < j && line[off + len] == ss));
                break;
            }
            if (!q)
                break;
            i = j + 1;
        }
    }

    size_t b, e;
    if (h->ts_col >= 0 &&
        tsv_column(line, n, sep, (unsigned)h->ts_col, &b, &e)) {
        out->time = time_text(line + b, e - b);
    } else {
        int dc = hdr_col(h, "date"), tc = hdr_col(h, "time");
        size_t b2, e2;
        if (dc >= 0 && tc >= 0 &&
            tsv_column(line, n, sep, (unsigned)dc, &b, &e) &&
            tsv_column(line, n, sep, (unsigned)tc, &b2, &e2) && e - b <= 10 &&
            e2 - b2 <= 16) {
            char stamp[32];
            int sl = snprintf(stamp, sizeof stamp, "%.*s %.*s", (int)(e - b),
                              line + b, (int)(e2 - b2), line + b2);
            if (sl > 0 && (size_t)sl < sizeof stamp)
                out->time = time_text(stamp, (size_t)sl);
        }
    }
}

/* ==== text lines ========================================================= */

static const char months[12][4] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};

/* An RFC 3164 stamp "Nov 14 00:00:01" (day may be space-padded) at s;
 * returns its length, 0 when none. */
static size_t rfc3164(const char *s, size_t n, int year, kz_time *t)
{
    if (n < 15 || s[3] != ' ')
        return 0;
    int mon = -1;
    for (int m = 0; m < 12; m++)
        if (kz_lower((unsigned char)s[0]) == months[m][0] &&
            kz_lower((unsigned char)s[1]) == months[m][1] &&
            kz_lower((unsigned char)s[2]) == months[m][2])
            mon = m;
    if (mon < 0)
        return 0;
    unsigned day;
    if (s[4] == ' ' && kz_is_digit((unsigned char)s[5]))
        day = (unsigned)(s[5] - '0');
    else if (kz_is_digit((unsigned char)s[4]) &&
             kz_is_digit((unsigned char)s[5]))
        day = (unsigned)((s[4] - '0') * 10 + (s[5] - '0'));
    else
        return 0;
    if (s[6] != ' ' || s[9] != ':' || s[12] != ':')
        return 0;
    for (int i = 7; i < 15; i++)
        if (i != 9 && i != 12 && !kz_is_digit((unsigned char)s[i]))
            return 0;
    *t = 0;
    if (year >= 1970 && year <= 9999) {
        char iso[24];
        int len = snprintf(iso, sizeof iso, "%04d-%02d-%02uT%.8s", year,
                           mon + 1, day, s + 7);
        if (len > 0 && kz_time_parse(iso, (size_t)len, t) != KZ_OK)
            *t = 0;
    }
    return 15;
}

/* An RFC 3339 stamp at s: one word, or a date and a time as two words.
 * Returns its length, 0 when none. */
static size_t rfc3339(const char *s, size_t n, kz_time *t)
{
    size_t w = 0;
    while (w < n && w < 40 && s[w] != ' ' && s[w] != '\t')
        w++;
    if (w < 10 || !kz_is_digit((unsigned char)s[0]) || s[4] != '-')
        return 0;
    if (w == 10 && w + 1 < n && kz_is_digit((unsigned char)s[w + 1])) {
        size_t w2 = w + 1;
        while (w2 < n && w2 < 48 && s[w2] != ' ' && s[w2] != '\t')
            w2++;
        if (kz_time_parse(s, w2, t) == KZ_OK)
            return w2;
    }
    if (kz_time_parse(s, w, t) == KZ_OK)
        return w;
    return 0;
}

/* After the stamp: " host prog[pid]: " or " host prog: " (syslog), or the
 * RFC 5424 " host app procid msgid". */
static int syslog_rest(const char *s, size_t n, int v5424)
{
    size_t i = 0;
    if (i >= n || s[i] != ' ')
        return 0;
    i++;
    size_t h = i;
    while (i < n && (unsigned char)s[i] > 0x20 && s[i] != ':' && s[i] != '[')
        i++;
    if (i == h || i >= n || s[i] != ' ')
        return 0;
    if (v5424)
        return 1;
    i++;
    size_t p = i;
    while (i < n && (unsigned char)s[i] > 0x20 && s[i] != ':' && s[i] != '[')
        i++;
    if (i == p)
        return 0;
    if (i < n && s[i] == '[') {
        i++;
        size_t d = i;
        while (i < n && kz_is_digit((unsigned char)s[i]))
            i++;
        if (i == d || i >= n || s[i] != ']')
            return 0;
        i++;
    }
    return i < n && s[i] == ':' && (i + 1 == n || s[i + 1] == ' ');
}

static void text_context(const char *line, size_t n, int year, kz_linectx *out)
{
    size_t i = 0;
    int pri = 0, v5424 = 0;
    if (n > 2 && line[0] == '<') { /* "<34>" */
        size_t j = 1;
        while (j < n && j < 5 && kz_is_digit((unsigned char)line[j]))
            j++;
        if (j > 1 && j < n && line[j] == '>') {
            i = j + 1;
            pri = 1;
            if (i + 1 < n && line[i] >= '1' && line[i] <= '9' &&
                line[i + 1] == ' ') {
                i += 2;
                v5424 = 1;
            }
        }
    }
    kz_time t = 0;
    size_t sl = rfc3164(line + i, n - i, year, &t);
    if (sl == 0)
        sl = rfc3339(line + i, n - i, &t);
    else
        v5424 = 0;
    if (sl == 0)
        return;
    out->time = t;
    if (syslog_rest(line + i + sl, n - i - sl, v5424) || (pri && v5424))
        set_str(out->dataset, sizeof out->dataset, "syslog");
}

/* ==== ECS names ========================================================== */

/* (dataset family or dataset, field) -> ECS name. A family ("zeek")
 * matches "zeek" and "zeek.*"; a dataset ("zeek.smb_files") only itself
 * and is looked at first. A field ending in ".*" matches by prefix. */
static const struct ecs_map {
    const char *ds, *field, *ecs;
} ecs_table[] = {
    /* Zeek: the dotted keys of TSV and JSON, and the underscore keys some
     * pipelines write. */
    {"zeek", "id.orig_h", "source.ip"},
    {"zeek", "id_orig_h", "source.ip"},
    {"zeek", "id.resp_h", "destination.ip"},
    {"zeek", "id_resp_h", "destination.ip"},
    {"zeek", "id.orig_p", "source.port"},
    {"zeek", "id_orig_p", "source.port"},
    {"zeek", "id.resp_p", "destination.port"},
    {"zeek", "id_resp_p", "destination.port"},
    {"zeek", "orig_l2_addr", "source.mac"},
    {"zeek", "resp_l2_addr", "destination.mac"},
    {"zeek", "query", "dns.question.name"},
    {"zeek", "answers", "dns.answers.data"},
    {"zeek", "host", "url.domain"},
    {"zeek", "uri", "url.path"},
    {"zeek", "referrer", "http.request.referrer"},
    {"zeek", "user_agent", "user_agent.original"},
    {"zeek", "server_name", "tls.client.server_name"},
    {"zeek", "ja3", "tls.client.ja3"},
    {"zeek", "ja3s", "tls.server.ja3s"},
    {"zeek", "subject", "tls.server.subject"},
    {"zeek", "issuer", "tls.server.issuer"},
    {"zeek", "cert_chain_fps", "tls.server.hash.sha256"},
    {"zeek", "client_cert_chain_fps", "tls.client.hash.sha256"},
    {"zeek", "resp_certificate_sha1", "tls.server.hash.sha1"},
    {"zeek", "md5", "file.hash.md5"},
    {"zeek", "sha1", "file.hash.sha1"},
    {"zeek", "sha256", "file.hash.sha256"},
    {"zeek", "filename", "file.name"},
    {"zeek", "mime_type", "file.mime_type"},
    {"zeek", "tx_hosts", "related.ip"},
    {"zeek", "rx_hosts", "related.ip"},
    {"zeek", "mailfrom", "email.from.address"},
    {"zeek", "rcptto", "email.to.address"},
    {"zeek", "from", "email.from.address"},
    {"zeek", "to", "email.to.address"},
    {"zeek", "reply_to", "email.reply_to.address"},
    {"zeek", "subject_line", "email.subject"},
    {"zeek", "src", "source.ip"},
    {"zeek", "dst", "destination.ip"},
    {"zeek", "sub", "tls.server.subject"},
    {"zeek", "fingerprint", "tls.server.hash.sha256"},
    {"zeek", "certificate.subject",
     "tls.server.x509.subject.distinguished_name"},
    {"zeek", "certificate.issuer", "tls.server.x509.issuer.distinguished_name"},
    {"zeek", "certificate_subject",
     "tls.server.x509.subject.distinguished_name"},
    {"zeek", "certificate_issuer", "tls.server.x509.issuer.distinguished_name"},
    {"zeek", "certificate.serial", "tls.server.x509.serial_number"},
    {"zeek", "san.dns", "tls.server.x509.alternative_names"},
    {"zeek", "san_dns", "tls.server.x509.alternative_names"},
    {"zeek", "san.ip", "tls.server.x509.alternative_names"},
    {"zeek", "san.email", "tls.server.x509.alternative_names"},
    {"zeek", "san.uri", "tls.server.x509.alternative_names"},
    {"zeek.smb_files", "name", "file.name"},
    {"zeek.smb_files", "path", "file.directory"},
    {"zeek.smb_mapping", "path", "file.directory"},
    {"zeek.smtp", "subject", "email.subject"},
    {"zeek.smtp", "path", "related.ip"},
    {"zeek.smtp", "x_originating_ip", "source.ip"},
    {"zeek.dhcp", "host_name", "host.hostname"},
    {"zeek.dhcp", "assigned_addr", "client.ip"},
    /* Suricata EVE */
    {"suricata", "src_ip", "source.ip"},
    {"suricata", "dest_ip", "destination.ip"},
    {"suricata", "flow.src_ip", "source.ip"},
    {"suricata", "flow.dest_ip", "destination.ip"},
    {"suricata", "src_port", "source.port"},
    {"suricata", "dest_port", "destination.port"},
    {"suricata", "dns.rrname", "dns.question.name"},
    {"suricata", "dns.rdata", "dns.answers.data"},
    {"suricata", "dns.query.rrname", "dns.question.name"},
    {"suricata", "dns.queries.rrname", "dns.question.name"},
    {"suricata", "dns.answers.rdata", "dns.answers.data"},
    {"suricata", "dns.answers.rrname", "dns.answers.name"},
    {"suricata", "dns.answer.rdata", "dns.answers.data"},
    {"suricata", "dns.authorities.rrname", "dns.answers.name"},
    {"suricata", "dns.grouped.*", "dns.answers.data"},
    {"suricata", "http.hostname", "url.domain"},
    {"suricata", "http.url", "url.original"},
    {"suricata", "http.http_refer", "http.request.referrer"},
    {"suricata", "http.http_user_agent", "user_agent.original"},
    {"suricata", "http.xff", "client.ip"},
    {"suricata", "tls.sni", "tls.client.server_name"},
    {"suricata", "tls.fingerprint", "tls.server.hash.sha1"},
    {"suricata", "tls.subject", "tls.server.subject"},
    {"suricata", "tls.issuerdn", "tls.server.issuer"},
    {"suricata", "tls.serial", "tls.server.x509.serial_number"},
    {"suricata", "tls.ja3.hash", "tls.client.ja3"},
    {"suricata", "tls.ja3s.hash", "tls.server.ja3s"},
    {"suricata", "quic.sni", "tls.client.server_name"},
    {"suricata", "fileinfo.md5", "file.hash.md5"},
    {"suricata", "fileinfo.sha1", "file.hash.sha1"},
    {"suricata", "fileinfo.sha256", "file.hash.sha256"},
    {"suricata", "fileinfo.filename", "file.name"},
    {"suricata", "smb.filename", "file.name"},
    {"suricata", "smtp.mail_from", "email.from.address"},
    {"suricata", "smtp.rcpt_to", "email.to.address"},
    {"suricata", "email.from", "email.from.address"},
    {"suricata", "email.to", "email.to.address"},
    {"suricata", "alert.signature", "rule.name"},
    {"suricata", "host", "observer.hostname"},
    /* Windows event logs (Sysmon, Security) as flat JSON */
    {"windows", "DestinationIp", "destination.ip"},
    {"windows", "SourceIp", "source.ip"},
    {"windows", "DestinationHostname", "destination.domain"},
    {"windows", "SourceHostname", "source.domain"},
    {"windows", "DestinationPort", "destination.port"},
    {"windows", "SourcePort", "source.port"},
    {"windows", "QueryName", "dns.question.name"},
    {"windows", "QueryResults", "dns.answers.data"},
    {"windows", "Hashes", "file.hash"},
    {"windows", "Hash", "file.hash"},
    {"windows", "Image", "process.executable"},
    {"windows", "ParentImage", "process.parent.executable"},
    {"windows", "CommandLine", "process.command_line"},
    {"windows", "ParentCommandLine", "process.parent.command_line"},
    {"windows", "OriginalFileName", "process.pe.original_file_name"},
    {"windows", "TargetFilename", "file.path"},
    {"windows", "ImageLoaded", "dll.path"},
    {"windows", "TargetObject", "registry.path"},
    {"windows", "Details", "registry.data.strings"},
    {"windows", "User", "user.name"},
    {"windows", "TargetUserName", "user.name"},
    {"windows", "SubjectUserName", "user.name"},
    {"windows", "IpAddress", "source.ip"},
    {"windows", "WorkstationName", "source.domain"},
    {"windows", "SourceAddress", "source.ip"},
    {"windows", "DestAddress", "destination.ip"},
    {"windows", "Application", "process.executable"},
    {"windows", "Hostname", "host.name"},
    {"windows", "Computer", "host.name"},
    {"windows", "Message", "message"},
    {"windows", "host", "observer.hostname"}, /* the collector (NXLog) */
    /* IIS / W3C extended logs */
    {"w3c", "c-ip", "source.ip"},
    {"w3c", "s-ip", "destination.ip"},
    {"w3c", "s-port", "destination.port"},
    {"w3c", "cs-host", "url.domain"},
    {"w3c", "cs-uri-stem", "url.path"},
    {"w3c", "cs-uri-query", "url.query"},
    {"w3c", "cs(Referer)", "http.request.referrer"},
    {"w3c", "cs(User-Agent)", "user_agent.original"},
    {"w3c", "cs-username", "user.name"},
    {"w3c", "s-computername", "host.name"},
    {"w3c", "x-forwarded-for", "client.ip"},
};

/* ECS names recognized as themselves in any log (ECS logs, and ECS keys
 * that winlogbeat or filebeat add to others). */
static const char *const ecs_names[] = {
    "client.address",
    "client.domain",
    "client.ip",
    "destination.address",
    "destination.domain",
    "destination.ip",
    "dll.path",
    "dns.answers.data",
    "dns.answers.name",
    "dns.question.name",
    "email.from.address",
    "email.reply_to.address",
    "email.sender.address",
    "email.to.address",
    "file.hash.md5",
    "file.hash.sha1",
    "file.hash.sha256",
    "file.hash.sha512",
    "file.name",
    "file.path",
    "host.hostname",
    "host.ip",
    "host.name",
    "http.request.referrer",
    "message",
    "process.command_line",
    "process.executable",
    "process.hash.md5",
    "process.hash.sha1",
    "process.hash.sha256",
    "process.name",
    "process.parent.executable",
    "registry.path",
    "related.hash",
    "related.hosts",
    "related.ip",
    "server.address",
    "server.domain",
    "server.ip",
    "source.address",
    "source.domain",
    "source.ip",
    "tls.client.ja3",
    "tls.client.server_name",
    "tls.server.hash.md5",
    "tls.server.hash.sha1",
    "tls.server.hash.sha256",
    "tls.server.ja3s",
    "url.domain",
    "url.full",
    "url.original",
    "url.path",
    "user_agent.original",
};

/* 1 when dataset belongs to the table entry's ds. */
static int ds_matches(const char *ds, const char *dataset)
{
    size_t n = strlen(ds);
    if (strncmp(dataset, ds, n) != 0)
        return 0;
    return dataset[n] == '\0' || (dataset[n] == '.' && !strchr(ds, '.'));
}

static int field_matches(const char *pat, const char *field)
{
    size_t n = strlen(pat);
    if (n >= 2 && pat[n - 1] == '*' && pat[n - 2] == '.')
        return strncmp(field, pat, n - 1) == 0 && field[n - 1] != '\0';
    return strcmp(pat, field) == 0;
}

static const char *ecs_lookup(const char *dataset, const char *field)
{
    size_t count = sizeof ecs_table / sizeof ecs_table[0];
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < count; i++) {
            const struct ecs_map *e = &ecs_table[i];
            int specific = strchr(e->ds, '.') != NULL;
            if (specific != (pass == 0))
                continue;
            if (ds_matches(e->ds, dataset) && field_matches(e->field, field))
                return e->ecs;
        }
    return NULL;
}

const char *kz_ecs_field(const char *dataset, const char *field)
{
    if (!dataset || !field || !field[0])
        return NULL;
    const char *r = ecs_lookup(dataset, field);
    if (r)
        return r;
    /* winlogbeat nests event data ("winlog.event_data.DestinationIp"),
     * XML conversions "EventData" / "Event.EventData". */
    if (strncmp(dataset, "windows", 7) == 0) {
        static const char *const pre[] = {"winlog.event_data.",
                                          "Event.EventData.", "EventData.",
                                          "event_data.", NULL};
        for (size_t i = 0; pre[i]; i++) {
            size_t pl = strlen(pre[i]);
            if (strncmp(field, pre[i], pl) == 0 &&
                (r = ecs_lookup(dataset, field + pl)) != NULL)
                return r;
        }
    }
    for (size_t i = 0; i < sizeof ecs_names / sizeof ecs_names[0]; i++)
        if (strcmp(ecs_names[i], field) == 0)
            return ecs_names[i];
    return NULL;
}

/* "file.hash" from Sysmon's Hashes: the digest's own name from its label
 * ("MD5=...") or its length. */
static const char *ecs_hash(const char *label, size_t obs_len)
{
    if (label) {
        if (kz_eq_word_ci(label, strlen(label), "md5"))
            return "file.hash.md5";
        if (kz_eq_word_ci(label, strlen(label), "sha1"))
            return "file.hash.sha1";
        if (kz_eq_word_ci(label, strlen(label), "sha256"))
            return "file.hash.sha256";
        if (kz_eq_word_ci(label, strlen(label), "imphash"))
            return "file.pe.imphash";
    }
    switch (obs_len) {
    case 32:
        return "file.hash.md5";
    case 40:
        return "file.hash.sha1";
    case 64:
        return "file.hash.sha256";
    case 128:
        return "file.hash.sha512";
    }
    return "file.hash";
}

/* ==== the context of a line ============================================= */

void kz_line_context(kz_logfmt fmt, const kz_zeek_hdr *hdr, const char *line,
                     size_t n, size_t off, size_t len, int year,
                     kz_linectx *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!line || n > KZ_MAX_HIT_LINE)
        return;
    char label[16] = "";

    if (fmt == KZ_LOG_JSON) {
        json_t *root = json_parse_line(line, n);
        if (!root) {
            out->not_json = 1;
            return;
        }
        json_dataset(root, out->dataset, sizeof out->dataset);
        out->time = json_time(root, out->dataset);
        json_field(root, line, n, off, len, out, label);
        json_decref(root);
    } else if (fmt == KZ_LOG_ZEEK_TSV) {
        if (hdr)
            tsv_context(hdr, line, n, off, len, out);
        else
            set_str(out->dataset, sizeof out->dataset, "zeek");
    } else {
        text_context(line, n, year, out);
    }
    out->time = plausible(out->time);
    if (out->field[0]) {
        out->ecs = kz_ecs_field(out->dataset, out->field);
        if (out->ecs && strcmp(out->ecs, "file.hash") == 0)
            out->ecs = ecs_hash(label[0] ? label : NULL, len);
    }
}

/* ==== URLs split across fields ========================================== */

/* Builds "http://" host [":" port] uri ["?" query] and hands it to fn;
 * returns 1 when a URL was made. Values as logs write them; nothing is
 * canonicalized here. */
static unsigned emit_url(const char *host, size_t hl, long port,
                         const char *uri, size_t ul, const char *query,
                         size_t ql, const char *fields, kz_url_fn fn, void *ud)
{
    char url[KZ_MAX_URL + 1];
    size_t o = 0;

    while (hl > 0 && host[0] == ' ')
        host++, hl--;
    while (hl > 0 && host[hl - 1] == ' ')
        hl--;
    if (ul == 0 || (ul == 1 && uri[0] == '-'))
        return 0;
    if (ql == 1 && query[0] == '-')
        ql = 0;
    if (memchr(uri, '\0', ul) || (ql && memchr(query, '\0', ql)))
        return 0; /* a "\u0000" in a JSON value: never a URL */
    size_t need = ul + (ql ? ql + 1 : 0);
    if (kz_starts_ci(uri, ul, "http://") || kz_starts_ci(uri, ul, "https://")) {
        /* A proxy request: the URI is the URL. */
        if (need > KZ_MAX_URL)
            return 0;
        memcpy(url, uri, ul);
        o = ul;
    } else {
        if (uri[0] != '/' || hl == 0 || (hl == 1 && host[0] == '-'))
            return 0;
        for (size_t i = 0; i < hl; i++) {
            unsigned char c = (unsigned char)host[i];
            if (c <= 0x20 || c == 0x7F || c == '/' || c == '\\' || c == '?' ||
                c == '#')
                return 0;
        }
        int bracket = 0, has_port = 0;
        const char *colon = memchr(host, ':', hl);
        if (host[0] == '[') {
            const char *rb = memchr(host, ']', hl);
            if (!rb)
                return 0;
            has_port = (size_t)(rb - host) + 1 < hl;
        } else if (colon) {
            uint8_t a6[16];
            if (kz_norm_ipv6(host, hl, a6, NULL) == KZ_OK) {
                bracket = 1;
            } else if (!memchr(colon + 1, ':',
                               hl - (size_t)(colon - host) - 1)) {
                has_port = 1; /* "name:8080" */
            } else {
                return 0;
            }
        }
        char ps[8] = "";
        if (port > 0 && port <= 65535 && port != 80 && !has_port)
            snprintf(ps, sizeof ps, ":%ld", port);
        size_t pl = strlen(ps);
        need += 7 + hl + 2 * (size_t)bracket + pl;
        if (need > KZ_MAX_URL)
            return 0;
        memcpy(url, "http://", 7);
        o = 7;
        if (bracket)
            url[o++] = '[';
        memcpy(url + o, host, hl);
        o += hl;
        if (bracket)
            url[o++] = ']';
        memcpy(url + o, ps, pl);
        o += pl;
        memcpy(url + o, uri, ul);
        o += ul;
    }
    if (ql) {
        url[o++] = '?';
        memcpy(url + o, query, ql);
        o += ql;
    }
    url[o] = '\0';
    if (fn)
        fn(ud, url, o, fields);
    return 1;
}

static long json_port(json_t *v)
{
    if (json_is_integer(v))
        return (long)json_integer_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        long p = 0;
        if (n == 0 || n > 5)
            return 0;
        for (size_t i = 0; i < n; i++) {
            if (!kz_is_digit((unsigned char)s[i]))
                return 0;
            p = p * 10 + (s[i] - '0');
        }
        return p;
    }
    return 0;
}

static unsigned json_urls(const char *line, size_t n, kz_url_fn fn, void *ud)
{
    json_t *o = json_parse_line(line, n);
    unsigned count = 0;
    if (!json_is_object(o))
        goto out;
    size_t hl = 0, ul = 0;
    const char *host = jstr(o, "host", &hl), *uri = jstr(o, "uri", &ul);
    if (host && uri) { /* Zeek http.log */
        json_t *p = json_object_get(o, "id.resp_p");
        if (!p)
            p = json_object_get(o, "id_resp_p");
        count += emit_url(host, hl, json_port(p), uri, ul, NULL, 0, "host+uri",
                          fn, ud);
    }
    json_t *http = json_object_get(o, "http");
    if (json_is_object(http)) { /* Suricata EVE http, fileinfo */
        host = jstr(http, "hostname", &hl);
        uri = jstr(http, "url", &ul);
        if (host && uri)
            count += emit_url(
                host, hl, json_port(json_object_get(http, "http_port")), uri,
                ul, NULL, 0, "http.hostname+http.url", fn, ud);
    }
out:
    json_decref(o);
    return count;
}

/* A TSV value with Zeek's \xNN escapes undone ("-" stays as written; the
 * caller treats it as unset). */
static size_t tsv_unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < cap;) {
        if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
            kz_hexval((unsigned char)s[i + 2]) >= 0 &&
            kz_hexval((unsigned char)s[i + 3]) >= 0) {
            out[o++] = (char)(kz_hexval((unsigned char)s[i + 2]) * 16 +
                              kz_hexval((unsigned char)s[i + 3]));
            i += 4;
        } else {
            out[o++] = s[i++];
        }
    }
    return o;
}

static unsigned tsv_urls(const kz_zeek_hdr *h, const char *line, size_t n,
                         kz_url_fn fn, void *ud)
{
    char hbuf[KZ_MAX_URL + 1], ubuf[KZ_MAX_URL + 1];
    char sep = h->sep ? h->sep : '\t';
    int w3c = hdr_is_w3c(h);
    int hc = hdr_col(h, w3c ? "cs-host" : "host");
    int uc = hdr_col(h, w3c ? "cs-uri-stem" : "uri");
    int pc = hdr_col(h, w3c ? "s-port" : "id.resp_p");
    int qc = w3c ? hdr_col(h, "cs-uri-query") : -1;
    size_t hb, he, ub, ue, b, e;

    if (n > KZ_MAX_HIT_LINE || hc < 0 || uc < 0 ||
        !tsv_column(line, n, sep, (unsigned)hc, &hb, &he) ||
        !tsv_column(line, n, sep, (unsigned)uc, &ub, &ue))
        return 0;
    if (he - hb > KZ_MAX_URL || ue - ub > KZ_MAX_URL)
        return 0;
    long port = 0;
    if (pc >= 0 && tsv_column(line, n, sep, (unsigned)pc, &b, &e) &&
        e - b <= 5) {
        for (size_t i = b; i < e && kz_is_digit((unsigned char)line[i]); i++)
            port = port * 10 + (line[i] - '0');
    }
    size_t hl = tsv_unescape(line + hb, he - hb, hbuf, KZ_MAX_URL);
    size_t ul = tsv_unescape(line + ub, ue - ub, ubuf, KZ_MAX_URL);
    const char *q = NULL;
    size_t ql = 0;
    if (qc >= 0 && tsv_column(line, n, sep, (unsigned)qc, &b, &e)) {
        q = line + b;
        ql = e - b;
    }
    return emit_url(hbuf, hl, port, ubuf, ul, q, ql,
                    w3c ? "cs-host+cs-uri-stem+cs-uri-query" : "host+uri", fn,
                    ud);
}

unsigned kz_line_split_urls(kz_logfmt fmt, const kz_zeek_hdr *hdr,
                            const char *line, size_t n, kz_url_fn fn, void *ud)
{
    if (!line)
        return 0;
    if (fmt == KZ_LOG_JSON)
        return json_urls(line, n, fn, ud);
    if (fmt == KZ_LOG_ZEEK_TSV && hdr)
        return tsv_urls(hdr, line, n, fn, ud);
    return 0;
}
