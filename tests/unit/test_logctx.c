/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/evidence/logctx.c: format detection, Zeek TSV and W3C
 * headers, the field, ECS name, dataset and time of an observable in Zeek
 * JSON and TSV, Suricata EVE, ECS, Sysmon and syslog lines, and the URLs
 * rebuilt from split fields. Every line is written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core_int.h"
#include "evidence/logctx.h"
#include "kizashi/limits.h"

/* The context of the nth (0-based) occurrence of tok in line. */
static kz_linectx ctx_at(kz_logfmt fmt, const kz_zeek_hdr *h, const char *line,
                         const char *tok, unsigned nth)
{
    const char *p = line;
    for (;;) {
        p = strstr(p, tok);
        assert_non_null(p);
        if (nth-- == 0)
            break;
        p++;
    }
    kz_linectx c;
    kz_line_context(fmt, h, line, strlen(line), (size_t)(p - line), strlen(tok),
                    2024, &c);
    return c;
}

static kz_time iso(const char *s)
{
    kz_time t = 0;
    assert_int_equal(kz_time_parse(s, strlen(s), &t), KZ_OK);
    return t;
}

/* Collects the URLs of a line, one per line of text: "fields url". */
typedef struct urls {
    char text[4096];
    size_t len;
} urls;

static void on_url(void *ud, const char *url, size_t n, const char *fields)
{
    urls *u = ud;
    assert_int_equal(strlen(url), n);
    assert_true(n <= KZ_MAX_URL);
    int w = snprintf(u->text + u->len, sizeof u->text - u->len, "%s %s\n",
                     fields, url);
    assert_true(w > 0 && (size_t)w < sizeof u->text - u->len);
    u->len += (size_t)w;
}

static unsigned split(kz_logfmt fmt, const kz_zeek_hdr *h, const char *line,
                      urls *u)
{
    memset(u, 0, sizeof *u);
    return kz_line_split_urls(fmt, h, line, strlen(line), on_url, u);
}

static void feed(kz_zeek_hdr *h, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > 0 && p[0] == '#')
            kz_zeek_hdr_line(h, p, n);
        p += n + (e ? 1 : 0);
    }
}

/* ---- detection ---------------------------------------------------------- */

static void test_logctx__detects_formats(void **state)
{
    (void)state;
    assert_int_equal(kz_logfmt_detect("{\"a\":1}", 7), KZ_LOG_JSON);
    assert_int_equal(kz_logfmt_detect("\n  {\"a\":1}", 10), KZ_LOG_JSON);
    assert_int_equal(kz_logfmt_detect("\xEF\xBB\xBF{}", 5), KZ_LOG_JSON);
    assert_int_equal(kz_logfmt_detect("#separator \\x09\n", 16),
                     KZ_LOG_ZEEK_TSV);
    assert_int_equal(kz_logfmt_detect("#Software: Microsoft IIS\n", 25),
                     KZ_LOG_ZEEK_TSV);
    assert_int_equal(kz_logfmt_detect("Nov 14 00:00:01 h p: x", 22),
                     KZ_LOG_TEXT);
    assert_int_equal(kz_logfmt_detect("#sep", 4), KZ_LOG_TEXT);
    assert_int_equal(kz_logfmt_detect("", 0), KZ_LOG_TEXT);
    assert_int_equal(kz_logfmt_detect(NULL, 0), KZ_LOG_TEXT);
    assert_string_equal(kz_logfmt_name(KZ_LOG_TEXT), "text");
    assert_string_equal(kz_logfmt_name(KZ_LOG_JSON), "json");
    assert_string_equal(kz_logfmt_name(KZ_LOG_ZEEK_TSV), "zeek-tsv");
}

/* ---- Zeek JSON ---------------------------------------------------------- */

static void test_logctx__zeek_json_conn(void **state)
{
    (void)state;
    const char *l =
        "{\"_path\":\"conn\",\"_write_ts\":\"2024-11-14T00:00:09Z\","
        "\"ts\":\"2024-11-14T00:00:01.250Z\",\"uid\":\"C1\","
        "\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":51000,"
        "\"id.resp_h\":\"198.51.100.7\",\"id.resp_p\":443,\"proto\":\"tcp\"}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "198.51.100.7", 0);
    assert_string_equal(c.field, "id.resp_h");
    assert_string_equal(c.ecs, "destination.ip");
    assert_string_equal(c.dataset, "zeek.conn");
    assert_int_equal(c.time, iso("2024-11-14T00:00:01Z"));
    assert_int_equal(c.not_json, 0);
    c = ctx_at(KZ_LOG_JSON, NULL, l, "10.0.0.1", 0);
    assert_string_equal(c.field, "id.orig_h");
    assert_string_equal(c.ecs, "source.ip");
    urls u;
    assert_int_equal(split(KZ_LOG_JSON, NULL, l, &u), 0);
}

static void test_logctx__zeek_json_dns_stream_keys(void **state)
{
    (void)state;
    /* A SIEM pipeline's Zeek JSON: @stream, epoch ts, underscore keys. */
    const char *l =
        "{\"@stream\":\"dns\",\"@system\":\"s\",\"@proc\":\"zeek\","
        "\"ts\":1588205198.89971,\"uid\":\"Cw1\",\"id_orig_h\":\"10.0.1.4\","
        "\"id_resp_h\":\"10.0.0.4\",\"query\":\"a.evil.example\","
        "\"answers\":[\"x.evil.example\",\"203.0.113.9\"],\"TTLs\":[3600.0]}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "203.0.113.9", 0);
    assert_string_equal(c.field, "answers");
    assert_string_equal(c.ecs, "dns.answers.data");
    assert_string_equal(c.dataset, "zeek.dns");
    assert_int_equal(c.time, 1588205198);
    c = ctx_at(KZ_LOG_JSON, NULL, l, "a.evil.example", 0);
    assert_string_equal(c.field, "query");
    assert_string_equal(c.ecs, "dns.question.name");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "10.0.0.4", 0);
    assert_string_equal(c.field, "id_resp_h");
    assert_string_equal(c.ecs, "destination.ip");
}

static void test_logctx__zeek_json_http_guessed(void **state)
{
    (void)state;
    /* No _path: the type comes from the keys. */
    const char *l =
        "{\"ts\":1700000000.5,\"uid\":\"C2\",\"id.orig_h\":\"10.0.0.2\","
        "\"id.resp_h\":\"192.0.2.80\",\"id.resp_p\":8080,\"method\":\"GET\","
        "\"host\":\"evil.example\",\"uri\":\"/x.php?a=1\","
        "\"referrer\":\"http://ref.example/p\",\"user_agent\":\"curl/8\"}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "evil.example", 0);
    assert_string_equal(c.field, "host");
    assert_string_equal(c.ecs, "url.domain");
    assert_string_equal(c.dataset, "zeek.http");
    assert_int_equal(c.time, 1700000000);
    c = ctx_at(KZ_LOG_JSON, NULL, l, "ref.example", 0);
    assert_string_equal(c.field, "referrer");
    assert_string_equal(c.ecs, "http.request.referrer");
    urls u;
    assert_int_equal(split(KZ_LOG_JSON, NULL, l, &u), 1);
    assert_string_equal(u.text,
                        "host+uri http://evil.example:8080/x.php?a=1\n");
}

static void test_logctx__zeek_json_ssl(void **state)
{
    (void)state;
    const char *l =
        "{\"_path\":\"ssl\",\"ts\":\"2018-03-24T17:15:20.615923Z\","
        "\"uid\":\"C3\",\"id.orig_h\":\"10.1.1.1\",\"id.resp_h\":\"10.2.2.2\","
        "\"server_name\":\"c2.evil.example\","
        "\"ja3\":\"e7d705a3286e19ea42f587b344ee6865\","
        "\"cert_chain_fps\":[\"b2dafbcdbc75210672f137f27ce882ccb799887631655"
        "d4f11191d5a678e44fe\"]}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "c2.evil.example", 0);
    assert_string_equal(c.field, "server_name");
    assert_string_equal(c.ecs, "tls.client.server_name");
    assert_string_equal(c.dataset, "zeek.ssl");
    assert_int_equal(c.time, iso("2018-03-24T17:15:20Z"));
    c = ctx_at(KZ_LOG_JSON, NULL, l,
               "b2dafbcdbc75210672f137f27ce882ccb799887631655d4f11191d5a678e44"
               "fe",
               0);
    assert_string_equal(c.field, "cert_chain_fps");
    assert_string_equal(c.ecs, "tls.server.hash.sha256");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "e7d705a3286e19ea42f587b344ee6865", 0);
    assert_string_equal(c.field, "ja3");
    assert_string_equal(c.ecs, "tls.client.ja3");
}

/* ---- Suricata EVE ------------------------------------------------------- */

static void test_logctx__eve_dns_picks_by_position(void **state)
{
    (void)state;
    const char *l =
        "{\"timestamp\":\"2024-11-14T00:00:01.123456+0000\",\"flow_id\":1,"
        "\"event_type\":\"dns\",\"src_ip\":\"10.0.0.5\",\"dest_ip\":"
        "\"10.0.0.53\",\"dns\":{\"type\":\"answer\",\"rrname\":"
        "\"www.evil.example\",\"answers\":[{\"rrname\":\"www.evil.example\","
        "\"rrtype\":\"CNAME\",\"rdata\":\"cdn.evil.example\"},{\"rrname\":"
        "\"cdn.evil.example\",\"rrtype\":\"A\",\"rdata\":\"203.0.113.5\"}],"
        "\"grouped\":{\"A\":[\"203.0.113.5\"]}}}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "www.evil.example", 0);
    assert_string_equal(c.field, "dns.rrname");
    assert_string_equal(c.ecs, "dns.question.name");
    assert_string_equal(c.dataset, "suricata.dns");
    assert_int_equal(c.time, iso("2024-11-14T00:00:01Z"));
    c = ctx_at(KZ_LOG_JSON, NULL, l, "www.evil.example", 1);
    assert_string_equal(c.field, "dns.answers.rrname");
    assert_string_equal(c.ecs, "dns.answers.name");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "cdn.evil.example", 0);
    assert_string_equal(c.field, "dns.answers.rdata");
    assert_string_equal(c.ecs, "dns.answers.data");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "203.0.113.5", 1);
    assert_string_equal(c.field, "dns.grouped.A");
    assert_string_equal(c.ecs, "dns.answers.data");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "10.0.0.53", 0);
    assert_string_equal(c.field, "dest_ip");
    assert_string_equal(c.ecs, "destination.ip");
}

static void test_logctx__eve_http_escaped(void **state)
{
    (void)state;
    const char *l =
        "{\"timestamp\":\"2016-01-02T19:08:01.310448+0100\",\"flow_id\":3,"
        "\"event_type\":\"http\",\"src_ip\":\"1.1.1.1\",\"dest_ip\":"
        "\"8.8.8.8\",\"http\":{\"hostname\":\"dl.evil.example\","
        "\"http_port\":8080,\"url\":\"\\/get\\/a.exe?u=http:\\/\\/b.evil."
        "example\\/z\",\"http_user_agent\":\"Mozilla\\/5.0\","
        "\"http_refer\":\"http:\\/\\/ref.example\\/\"}}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "dl.evil.example", 0);
    assert_string_equal(c.field, "http.hostname");
    assert_string_equal(c.ecs, "url.domain");
    assert_string_equal(c.dataset, "suricata.http");
    assert_int_equal(c.time, iso("2016-01-02T18:08:01Z"));
    /* Inside a URL in a URL, behind escaped slashes. */
    c = ctx_at(KZ_LOG_JSON, NULL, l, "b.evil.example", 0);
    assert_string_equal(c.field, "http.url");
    assert_string_equal(c.ecs, "url.original");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "ref.example", 0);
    assert_string_equal(c.field, "http.http_refer");
    urls u;
    assert_int_equal(split(KZ_LOG_JSON, NULL, l, &u), 1);
    assert_string_equal(u.text, "http.hostname+http.url "
                                "http://dl.evil.example:8080/get/"
                                "a.exe?u=http://b.evil.example/z\n");
}

static void test_logctx__eve_tls(void **state)
{
    (void)state;
    const char *l =
        "{\"timestamp\":\"2019-05-15T08:11:18.955582+0000\",\"event_type\":"
        "\"tls\",\"src_ip\":\"2a03:b0c0:2:d0::bd3:4001\",\"dest_ip\":"
        "\"2606:2800:220:1:248:1893:25c8:1946\",\"tls\":{\"subject\":"
        "\"C=US, CN=www.evil.example\",\"fingerprint\":\"7b:b6:98:38:69:70:"
        "36:3d:29:19:cc:57:72:84:69:84:ff:d4:a8:89\",\"sni\":\"evil.example\","
        "\"ja3\":{\"hash\":\"1fe4c7a3544eb27afec2adfb3a3dbf60\"}}}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "evil.example", 1);
    /* The first "evil.example" of the raw line is inside www.evil.example,
     * not a whole token: the one at this position is the SNI. */
    assert_string_equal(c.field, "tls.sni");
    assert_string_equal(c.ecs, "tls.client.server_name");
    assert_string_equal(c.dataset, "suricata.tls");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "www.evil.example", 0);
    assert_string_equal(c.field, "tls.subject");
    c = ctx_at(KZ_LOG_JSON, NULL, l,
               "7b:b6:98:38:69:70:36:3d:29:19:cc:57:72:84:69:84:ff:d4:a8:89",
               0);
    assert_string_equal(c.field, "tls.fingerprint");
    assert_string_equal(c.ecs, "tls.server.hash.sha1");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "1fe4c7a3544eb27afec2adfb3a3dbf60", 0);
    assert_string_equal(c.field, "tls.ja3.hash");
    assert_string_equal(c.ecs, "tls.client.ja3");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "2606:2800:220:1:248:1893:25c8:1946", 0);
    assert_string_equal(c.field, "dest_ip");
    urls u;
    assert_int_equal(split(KZ_LOG_JSON, NULL, l, &u), 0);
}

static void test_logctx__eve_fileinfo_and_flow(void **state)
{
    (void)state;
    const char *l =
        "{\"timestamp\":\"2016-06-08T20:01:52.875791+0000\",\"event_type\":"
        "\"fileinfo\",\"src_ip\":\"188.40.238.250\",\"src_port\":80,"
        "\"dest_ip\":\"10.16.1.11\",\"http\":{\"hostname\":\"www.eicar.org\","
        "\"url\":\"\\/download\\/eicar.com\"},\"fileinfo\":{\"filename\":"
        "\"eicar.com\",\"sha256\":\"275a021bbfb6489e54d471899f7db9d1663fc695"
        "ec2fe2a2c4538aabf651fd0f\",\"size\":68}}";
    kz_linectx c = ctx_at(
        KZ_LOG_JSON, NULL, l,
        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", 0);
    assert_string_equal(c.field, "fileinfo.sha256");
    assert_string_equal(c.ecs, "file.hash.sha256");
    assert_string_equal(c.dataset, "suricata.fileinfo");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "eicar.com", 1);
    assert_string_equal(c.field, "fileinfo.filename");
    assert_string_equal(c.ecs, "file.name");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "eicar.com", 0);
    assert_string_equal(c.field, "http.url");
    urls u;
    assert_int_equal(split(KZ_LOG_JSON, NULL, l, &u), 1);
    assert_string_equal(
        u.text,
        "http.hostname+http.url http://www.eicar.org/download/eicar.com\n");

    const char *f = "{\"timestamp\":\"2024-01-01T00:00:00.000000+0900\","
                    "\"event_type\":\"flow\",\"src_ip\":\"192.0.2.1\","
                    "\"dest_ip\":\"192.0.2.2\",\"flow\":{\"pkts_toserver\":3}}";
    c = ctx_at(KZ_LOG_JSON, NULL, f, "192.0.2.2", 0);
    assert_string_equal(c.field, "dest_ip");
    assert_string_equal(c.dataset, "suricata.flow");
    assert_int_equal(c.time, iso("2023-12-31T15:00:00Z"));
    assert_int_equal(split(KZ_LOG_JSON, NULL, f, &u), 0);
}

/* ---- ECS and Windows ---------------------------------------------------- */

static void test_logctx__ecs_line(void **state)
{
    (void)state;
    const char *l =
        "{\"@timestamp\":\"2024-11-14T00:00:01.000Z\",\"ecs\":{\"version\":"
        "\"8.11.0\"},\"source\":{\"ip\":\"10.9.9.9\"},\"destination\":{"
        "\"ip\":\"198.51.100.77\",\"domain\":\"evil.example\"},\"url\":{"
        "\"full\":\"https://evil.example/a\"}}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "198.51.100.77", 0);
    assert_string_equal(c.field, "destination.ip");
    assert_string_equal(c.ecs, "destination.ip");
    assert_string_equal(c.dataset, "ecs");
    assert_int_equal(c.time, iso("2024-11-14T00:00:01Z"));
    c = ctx_at(KZ_LOG_JSON, NULL, l, "evil.example", 1);
    assert_string_equal(c.field, "url.full");
    assert_string_equal(c.ecs, "url.full");
}

static void test_logctx__sysmon_json(void **state)
{
    (void)state;
    const char *l =
        "{\"EventID\":3,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
        "\"TimeCreated\":\"2020-10-23T02:36:44.780Z\",\"UtcTime\":"
        "\"2020-10-23 06:36:42.306\",\"SourceIp\":\"192.168.2.5\","
        "\"DestinationIp\":\"203.0.113.66\",\"DestinationHostname\":"
        "\"c2.evil.example\",\"Image\":\"C:\\\\Windows\\\\x.exe\","
        "\"Hashes\":\"SHA1=282DA9EE622F01CC63352E53FDC3D4A75CEEB6FD,MD5="
        "A23A7A6B6F8E1A5D913EA119F5F2ED1A,IMPHASH=B0A3CFF8CFDE112945189719F8"
        "2F9EA9\",\"Message\":\"Network connection detected:\\r\\n"
        "DestinationIp: 203.0.113.66\"}";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, l, "203.0.113.66", 0);
    assert_string_equal(c.field, "DestinationIp");
    assert_string_equal(c.ecs, "destination.ip");
    assert_string_equal(c.dataset, "windows.sysmon");
    assert_int_equal(c.time, iso("2020-10-23T06:36:42Z")); /* UtcTime */
    c = ctx_at(KZ_LOG_JSON, NULL, l, "203.0.113.66", 1);
    assert_string_equal(c.field, "Message");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "A23A7A6B6F8E1A5D913EA119F5F2ED1A", 0);
    assert_string_equal(c.field, "Hashes");
    assert_string_equal(c.ecs, "file.hash.md5");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "B0A3CFF8CFDE112945189719F82F9EA9", 0);
    assert_string_equal(c.ecs, "file.pe.imphash");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "282DA9EE622F01CC63352E53FDC3D4A75CEEB6FD",
               0);
    assert_string_equal(c.ecs, "file.hash.sha1");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "c2.evil.example", 0);
    assert_string_equal(c.ecs, "destination.domain");

    const char *s = "{\"EventID\":4624,\"Channel\":\"Security\","
                    "\"TimeCreated\":\"2020-10-22T01:54:20.493Z\","
                    "\"IpAddress\":\"198.51.100.3\"}";
    c = ctx_at(KZ_LOG_JSON, NULL, s, "198.51.100.3", 0);
    assert_string_equal(c.dataset, "windows.security");
    assert_string_equal(c.ecs, "source.ip");
    assert_int_equal(c.time, iso("2020-10-22T01:54:20Z"));

    /* winlogbeat nests the event data. */
    const char *w = "{\"@timestamp\":\"2020-01-01T00:00:00Z\",\"winlog\":{"
                    "\"channel\":\"Microsoft-Windows-Sysmon/Operational\","
                    "\"event_data\":{\"QueryName\":\"q.evil.example\"}}}";
    c = ctx_at(KZ_LOG_JSON, NULL, w, "q.evil.example", 0);
    assert_string_equal(c.field, "winlog.event_data.QueryName");
    assert_string_equal(c.ecs, "dns.question.name");
    assert_string_equal(c.dataset, "windows.sysmon");
}

/* ---- JSON edge cases ---------------------------------------------------- */

static void test_logctx__not_json_and_escapes(void **state)
{
    (void)state;
    const char *bad = "{\"timestamp\":\"2017-03-06T06:54:10";
    kz_linectx c = ctx_at(KZ_LOG_JSON, NULL, bad, "2017", 0);
    assert_int_equal(c.not_json, 1);
    assert_string_equal(c.field, "");
    assert_null(c.ecs);
    urls u;
    assert_int_equal(split(KZ_LOG_JSON, NULL, bad, &u), 0);
    const char *trail = "{\"a\":\"evil.example\"} x";
    c = ctx_at(KZ_LOG_JSON, NULL, trail, "evil.example", 0);
    assert_int_equal(c.not_json, 1);

    /* \u002e in the raw token, \/ around it, CN= before it. */
    const char *l = "{\"a\":\"evil\\u002eexample\",\"b\":\"http:\\/\\/x."
                    "evil.example\\/p\",\"c\":\"CN=evil.example,O=x\","
                    "\"d\":\"notevil.example\",\"e\":\"evil.example\"}";
    c = ctx_at(KZ_LOG_JSON, NULL, l, "evil\\u002eexample", 0);
    assert_string_equal(c.field, "a");
    assert_string_equal(c.dataset, "json");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "x.evil.example", 0);
    assert_string_equal(c.field, "b");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "evil.example", 1); /* CN= */
    assert_string_equal(c.field, "c");
    c = ctx_at(KZ_LOG_JSON, NULL, l, "evil.example", 3); /* "e" */
    assert_string_equal(c.field, "e");

    /* 1.2.3.4 is not in 1.2.3.45 nor in 11.2.3.4. */
    const char *ip =
        "{\"x\":\"1.2.3.45\",\"y\":\"11.2.3.4\",\"z\":\"1.2.3.4\"}";
    c = ctx_at(KZ_LOG_JSON, NULL, ip, "1.2.3.4", 2);
    assert_string_equal(c.field, "z");
}

static void test_logctx__bounds(void **state)
{
    (void)state;
    const char *l = "{\"a\":\"evil.example\"}";
    kz_linectx c;
    /* An observable outside the line: no field, but the dataset. */
    kz_line_context(KZ_LOG_JSON, NULL, l, strlen(l), 100, 5, 2024, &c);
    assert_string_equal(c.field, "");
    assert_string_equal(c.dataset, "json");
    kz_line_context(KZ_LOG_JSON, NULL, l, strlen(l), 7, SIZE_MAX, 2024, &c);
    assert_string_equal(c.field, "");
    kz_line_context(KZ_LOG_ZEEK_TSV, NULL, l, strlen(l), 0, 1, 2024, &c);
    assert_string_equal(c.dataset, "zeek");

    /* A 1 MiB value of one repeated byte stays bounded and finds nothing
     * whole. */
    size_t n = KZ_MAX_HIT_LINE - 16;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memcpy(big, "{\"a\":\"", 6);
    memset(big + 6, 'a', n - 8);
    memcpy(big + n - 2, "\"}", 2);
    big[n] = '\0';
    kz_line_context(KZ_LOG_JSON, NULL, big, n, 1000, 4096, 2024, &c);
    assert_int_equal(c.not_json, 0);
    assert_string_equal(c.field, "");
    /* Longer than KZ_MAX_HIT_LINE: not parsed at all. */
    kz_line_context(KZ_LOG_JSON, NULL, big, KZ_MAX_HIT_LINE + 1, 10, 4, 2024,
                    &c);
    assert_string_equal(c.dataset, "");
    free(big);

    /* A duration in "ts" is not a time: the next key is used. A stamp of
     * year 1009 is no event time either. */
    const char *t = "{\"ts\":5,\"@timestamp\":\"2024-11-14T00:00:01Z\","
                    "\"a\":\"evil.example\"}";
    c = ctx_at(KZ_LOG_JSON, NULL, t, "evil.example", 0);
    assert_int_equal(c.time, iso("2024-11-14T00:00:01Z"));
    const char *y = "1009-09-03 10:13:36 evil.example";
    c = ctx_at(KZ_LOG_TEXT, NULL, y, "evil.example", 0);
    assert_int_equal(c.time, 0);

    /* Deep nesting: parsed (within jansson's limit), walked to a depth. */
    char deep[2100];
    size_t d = 0;
    for (int i = 0; i < 500; i++)
        deep[d++] = '[';
    memcpy(deep + d, "\"evil.example\"", 14);
    d += 14;
    for (int i = 0; i < 500; i++)
        deep[d++] = ']';
    deep[d] = '\0';
    c = ctx_at(KZ_LOG_JSON, NULL, deep, "evil.example", 0);
    assert_int_equal(c.not_json, 0);
    assert_string_equal(c.field, "");
}

/* ---- Zeek TSV and W3C --------------------------------------------------- */

static const char two_logs[] =
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\n";
static const char dns_log[] =
    "#close\t2020-02-25-16-03-17\n"
    "#separator \\x09\n"
    "#set_separator\t;\n"
    "#path\tdns\n"
    "#fields\tts\tuid\tid.orig_h\tid.resp_h\tquery\tanswers\n";

static void test_logctx__zeek_tsv_two_logs(void **state)
{
    (void)state;
    kz_zeek_hdr h;
    kz_zeek_hdr_init(&h);
    feed(&h, two_logs);
    assert_int_equal(h.sep, '\t');
    assert_string_equal(h.path, "conn");
    assert_int_equal(h.nfields, 6);
    assert_int_equal(h.ts_col, 0);
    const char *conn = "1692161644.001072\tCX6\t192.168.1.41\t55213\t"
                       "10.0.5.13\t80";
    kz_linectx c = ctx_at(KZ_LOG_ZEEK_TSV, &h, conn, "10.0.5.13", 0);
    assert_string_equal(c.field, "id.resp_h");
    assert_string_equal(c.ecs, "destination.ip");
    assert_string_equal(c.dataset, "zeek.conn");
    assert_int_equal(c.time, 1692161644);

    feed(&h, dns_log);
    assert_string_equal(h.path, "dns");
    assert_int_equal(h.set_sep, ';');
    assert_int_equal(h.nfields, 6);
    const char *dns = "1692161645.5\tC9\t10.0.0.1\t10.0.0.53\tq.evil.example"
                      "\tcname.evil.example;203.0.113.1";
    c = ctx_at(KZ_LOG_ZEEK_TSV, &h, dns, "203.0.113.1", 0);
    assert_string_equal(c.field, "answers");
    assert_string_equal(c.ecs, "dns.answers.data");
    assert_string_equal(c.dataset, "zeek.dns");
    assert_int_equal(c.time, 1692161645);
    c = ctx_at(KZ_LOG_ZEEK_TSV, &h, dns, "q.evil.example", 0);
    assert_string_equal(c.field, "query");
    /* A column past the header's: no field. */
    const char *extra = "1\tC\t1.1.1.1\t2.2.2.2\tq\ta\t9.9.9.9";
    c = ctx_at(KZ_LOG_ZEEK_TSV, &h, extra, "9.9.9.9", 0);
    assert_string_equal(c.field, "");
    kz_zeek_hdr_free(&h);
    assert_int_equal(h.nfields, 0);
    kz_zeek_hdr_free(&h); /* twice is harmless */
}

static void test_logctx__zeek_tsv_http_urls(void **state)
{
    (void)state;
    kz_zeek_hdr h;
    kz_zeek_hdr_init(&h);
    feed(&h, "#separator \\x09\n#path\thttp\n#fields\tts\tuid\tid.orig_h\t"
             "id.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\n");
    urls u;
    assert_int_equal(split(KZ_LOG_ZEEK_TSV, &h,
                           "1.5\tC\t10.0.0.1\t5\t10.0.0.2\t80\tGET\t"
                           "evil.example\t/a\\x20b?q=1",
                           &u),
                     1);
    assert_string_equal(u.text, "host+uri http://evil.example/a b?q=1\n");
    assert_int_equal(split(KZ_LOG_ZEEK_TSV, &h,
                           "1.5\tC\t10.0.0.1\t5\t2001:db8::7\t8443\tGET\t"
                           "2001:db8::7\t/x",
                           &u),
                     1);
    assert_string_equal(u.text, "host+uri http://[2001:db8::7]:8443/x\n");
    /* Unset host, CONNECT-style uri: nothing. */
    assert_int_equal(split(KZ_LOG_ZEEK_TSV, &h,
                           "1.5\tC\t10.0.0.1\t5\t10.0.0.2\t80\tGET\t-\t/x", &u),
                     0);
    assert_int_equal(split(KZ_LOG_ZEEK_TSV, &h,
                           "1.5\tC\t10.0.0.1\t5\t10.0.0.2\t443\tCONNECT\t"
                           "evil.example:443\tevil.example:443",
                           &u),
                     0);
    assert_int_equal(split(KZ_LOG_ZEEK_TSV, &h, "1.5\tC", &u), 0);
    assert_int_equal(split(KZ_LOG_ZEEK_TSV, NULL, "1.5\tC", &u), 0);
    assert_int_equal(split(KZ_LOG_TEXT, &h, "GET http://x/ HTTP/1.1", &u), 0);
    kz_zeek_hdr_free(&h);
}

static void test_logctx__json_url_forms(void **state)
{
    (void)state;
    urls u;
    /* Host with its own port; absolute URI; port 80 dropped; IPv6. */
    assert_int_equal(split(KZ_LOG_JSON, NULL,
                           "{\"host\":\"evil.example:8443\",\"uri\":\"/a\","
                           "\"id.resp_p\":8443}",
                           &u),
                     1);
    assert_string_equal(u.text, "host+uri http://evil.example:8443/a\n");
    assert_int_equal(split(KZ_LOG_JSON, NULL,
                           "{\"host\":\"proxy.example\",\"uri\":"
                           "\"http://evil.example/b\",\"id_resp_p\":3128}",
                           &u),
                     1);
    assert_string_equal(u.text, "host+uri http://evil.example/b\n");
    assert_int_equal(split(KZ_LOG_JSON, NULL,
                           "{\"host\":\"evil.example\",\"uri\":\"/c\","
                           "\"id.resp_p\":80}",
                           &u),
                     1);
    assert_string_equal(u.text, "host+uri http://evil.example/c\n");
    assert_int_equal(split(KZ_LOG_JSON, NULL,
                           "{\"host\":\"[2001:db8::1]:8080\",\"uri\":\"/d\","
                           "\"id.resp_p\":8080}",
                           &u),
                     1);
    assert_string_equal(u.text, "host+uri http://[2001:db8::1]:8080/d\n");
    assert_int_equal(split(KZ_LOG_JSON, NULL,
                           "{\"http\":{\"hostname\":\"fe80::1\",\"url\":"
                           "\"/e\",\"http_port\":\"81\"}}",
                           &u),
                     1);
    assert_string_equal(u.text,
                        "http.hostname+http.url http://[fe80::1]:81/e\n");
    /* Not URLs: "*" of OPTIONS, a host with a slash, no host. */
    assert_int_equal(
        split(KZ_LOG_JSON, NULL, "{\"host\":\"a.example\",\"uri\":\"*\"}", &u),
        0);
    assert_int_equal(
        split(KZ_LOG_JSON, NULL, "{\"host\":\"a/b\",\"uri\":\"/x\"}", &u), 0);
    assert_int_equal(split(KZ_LOG_JSON, NULL, "{\"uri\":\"/x\"}", &u), 0);
    assert_int_equal(split(KZ_LOG_JSON, NULL, "[1,2]", &u), 0);
    /* Too long for a URL: dropped, not cut. */
    char *l = malloc(KZ_MAX_URL + 64);
    assert_non_null(l);
    int w = snprintf(l, KZ_MAX_URL + 64, "{\"host\":\"a.example\",\"uri\":\"/");
    memset(l + w, 'x', KZ_MAX_URL);
    memcpy(l + w + KZ_MAX_URL, "\"}", 3);
    assert_int_equal(split(KZ_LOG_JSON, NULL, l, &u), 0);
    free(l);
}

static const char w3c_log[] =
    "#Software: Microsoft Internet Information Services 10.0\n"
    "#Version: 1.0\n"
    "#Date: 2019-09-03 10:04:35\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
    "cs-username c-ip cs(User-Agent) cs-host sc-status\n";

static void test_logctx__w3c(void **state)
{
    (void)state;
    assert_int_equal(kz_logfmt_detect(w3c_log, strlen(w3c_log)),
                     KZ_LOG_ZEEK_TSV);
    kz_zeek_hdr h;
    kz_zeek_hdr_init(&h);
    feed(&h, w3c_log);
    assert_int_equal(h.sep, ' ');
    assert_int_equal(h.nfields, 12);
    const char *l = "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx "
                    "proxy&port=3389 8080 - 10.0.2.17 Mozilla/5.0 "
                    "www.evil.example 200";
    kz_linectx c = ctx_at(KZ_LOG_ZEEK_TSV, &h, l, "10.0.2.17", 0);
    assert_string_equal(c.field, "c-ip");
    assert_string_equal(c.ecs, "source.ip");
    assert_string_equal(c.dataset, "w3c");
    assert_int_equal(c.time, iso("2019-09-03T10:13:36Z"));
    urls u;
    assert_int_equal(split(KZ_LOG_ZEEK_TSV, &h, l, &u), 1);
    assert_string_equal(u.text, "cs-host+cs-uri-stem+cs-uri-query "
                                "http://www.evil.example:8080/erp/"
                                "conn.aspx?proxy&port=3389\n");
    kz_zeek_hdr_free(&h);
}

static void test_logctx__zeek_hdr_limits(void **state)
{
    (void)state;
    kz_zeek_hdr h;
    kz_zeek_hdr_init(&h);
    char line[8192];
    size_t n = (size_t)snprintf(line, sizeof line, "#fields");
    for (int i = 0; i < 300 && n + 8 < sizeof line; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "\tf%d", i);
    kz_zeek_hdr_line(&h, line, n);
    assert_int_equal(h.nfields, KZ_ZEEK_MAX_FIELDS);
    assert_int_equal(h.ts_col, -1);
    /* A very long name is cut; a long path is cut to fit. */
    n = (size_t)snprintf(line, sizeof line, "#fields\tts\t");
    memset(line + n, 'n', 1000);
    n += 1000;
    kz_zeek_hdr_line(&h, line, n);
    assert_int_equal(h.nfields, 2);
    assert_int_equal(h.ts_col, 0);
    assert_true(strlen(h.fields[1]) < 200);
    n = (size_t)snprintf(line, sizeof line, "#path\t");
    memset(line + n, 'p', 500);
    kz_zeek_hdr_line(&h, line, n + 500);
    assert_int_equal(strlen(h.path), sizeof h.path - 1);
    /* Lines that are not header directives change nothing. */
    kz_zeek_hdr_line(&h, "#types\ttime", 11);
    kz_zeek_hdr_line(&h, "# a comment", 11);
    kz_zeek_hdr_line(&h, "#separator \\x", 13);
    assert_int_equal(h.sep, '\t');
    kz_zeek_hdr_line(&h, "#separator |", 12);
    assert_int_equal(h.sep, '|');
    assert_int_equal(h.nfields, 0); /* a new log starts */
    assert_string_equal(h.path, "");
    kz_zeek_hdr_free(&h);
}

/* ---- text --------------------------------------------------------------- */

static void test_logctx__text_times(void **state)
{
    (void)state;
    kz_linectx c;
    const char *s = "Nov 14 00:00:01 gw sshd[812]: Failed from 203.0.113.9";
    c = ctx_at(KZ_LOG_TEXT, NULL, s, "203.0.113.9", 0);
    assert_string_equal(c.dataset, "syslog");
    assert_string_equal(c.field, "");
    assert_null(c.ecs);
    assert_int_equal(c.time, iso("2024-11-14T00:00:01Z"));

    const char *p = "<34>Nov  4 10:00:00 gw kernel: DROP SRC=203.0.113.9";
    c = ctx_at(KZ_LOG_TEXT, NULL, p, "203.0.113.9", 0);
    assert_string_equal(c.dataset, "syslog");
    assert_int_equal(c.time, iso("2024-11-04T10:00:00Z"));

    const char *r = "<165>1 2003-10-11T22:14:15.003Z host app 1 ID47 - hi";
    c = ctx_at(KZ_LOG_TEXT, NULL, r, "hi", 0);
    assert_string_equal(c.dataset, "syslog");
    assert_int_equal(c.time, iso("2003-10-11T22:14:15Z"));

    const char *i = "2024-11-14T09:00:01+09:00 proxy GET http://evil.example/";
    c = ctx_at(KZ_LOG_TEXT, NULL, i, "evil.example", 0);
    assert_string_equal(c.dataset, "");
    assert_int_equal(c.time, iso("2024-11-14T00:00:01Z"));

    const char *d = "2019-09-03 10:13:36 10.0.2.15 GET /erp/conn.aspx";
    c = ctx_at(KZ_LOG_TEXT, NULL, d, "10.0.2.15", 0);
    assert_int_equal(c.time, iso("2019-09-03T10:13:36Z"));

    const char *none = "GET /x HTTP/1.1 from 203.0.113.9";
    c = ctx_at(KZ_LOG_TEXT, NULL, none, "203.0.113.9", 0);
    assert_int_equal(c.time, 0);
    assert_string_equal(c.dataset, "");

    /* RFC 3164 without a usable year: no time, still syslog. */
    kz_line_context(KZ_LOG_TEXT, NULL, s, strlen(s), 0, 3, 0, &c);
    assert_int_equal(c.time, 0);
    assert_string_equal(c.dataset, "syslog");
}

/* ---- ECS table ---------------------------------------------------------- */

static void test_logctx__ecs_table(void **state)
{
    (void)state;
    assert_string_equal(kz_ecs_field("zeek.dns", "query"), "dns.question.name");
    assert_string_equal(kz_ecs_field("zeek", "id_orig_h"), "source.ip");
    assert_string_equal(kz_ecs_field("zeek.files", "md5"), "file.hash.md5");
    assert_string_equal(kz_ecs_field("zeek.smtp", "rcptto"),
                        "email.to.address");
    assert_string_equal(kz_ecs_field("zeek.smb_files", "name"), "file.name");
    assert_null(kz_ecs_field("zeek.weird", "name"));
    assert_string_equal(kz_ecs_field("suricata.dns", "dns.grouped.AAAA"),
                        "dns.answers.data");
    assert_null(kz_ecs_field("suricata.dns", "dns.grouped."));
    assert_string_equal(kz_ecs_field("suricata.eve", "http.http_user_agent"),
                        "user_agent.original");
    assert_string_equal(kz_ecs_field("windows.sysmon", "Hashes"), "file.hash");
    assert_string_equal(kz_ecs_field("ecs", "source.ip"), "source.ip");
    assert_null(kz_ecs_field("ecs", "source.nonsense"));
    assert_null(kz_ecs_field("zeekish", "query"));
    assert_null(kz_ecs_field("suricata", "query"));
    assert_null(kz_ecs_field(NULL, "query"));
    assert_null(kz_ecs_field("zeek", NULL));
    assert_null(kz_ecs_field("zeek", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logctx__detects_formats),
        cmocka_unit_test(test_logctx__zeek_json_conn),
        cmocka_unit_test(test_logctx__zeek_json_dns_stream_keys),
        cmocka_unit_test(test_logctx__zeek_json_http_guessed),
        cmocka_unit_test(test_logctx__zeek_json_ssl),
        cmocka_unit_test(test_logctx__eve_dns_picks_by_position),
        cmocka_unit_test(test_logctx__eve_http_escaped),
        cmocka_unit_test(test_logctx__eve_tls),
        cmocka_unit_test(test_logctx__eve_fileinfo_and_flow),
        cmocka_unit_test(test_logctx__ecs_line),
        cmocka_unit_test(test_logctx__sysmon_json),
        cmocka_unit_test(test_logctx__not_json_and_escapes),
        cmocka_unit_test(test_logctx__bounds),
        cmocka_unit_test(test_logctx__zeek_tsv_two_logs),
        cmocka_unit_test(test_logctx__zeek_tsv_http_urls),
        cmocka_unit_test(test_logctx__json_url_forms),
        cmocka_unit_test(test_logctx__w3c),
        cmocka_unit_test(test_logctx__zeek_hdr_limits),
        cmocka_unit_test(test_logctx__text_times),
        cmocka_unit_test(test_logctx__ecs_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
