/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the hit writers (lib/sinks/hit_writer.c): the exact output
 * of the table, JSON (parsed back with jansson) and lines formats, hostile
 * values from evidence and intel (nothing raw reaches the output), ECS
 * objects built from dotted names, the summary and its orders, write
 * errors and failed allocations. Indicator strings are slices of one
 * buffer, never NUL-terminated, as the index hands them out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/core_int.h"
#include "kizashi/kizashi.h"

#include "../../fuzz/utf8_check.h"

/* ---- helpers ------------------------------------------------------------- */

/* Every string of the entries below is a slice of this buffer: what
 * follows a slice is more text, never a NUL, so a writer that reads past
 * a length prints garbage the tests see. */
static const char pool[] = "evil.example|Qbot, REvil|Qbot to REvil, Netfilter"
                           "|3, 7|abuse.ch|feodo|evil[.]example|c2, qbot|"
                           "10.0.0.0/8|1.2.3.4|Evil \"Corp\" \\ report, "
                           "part 2|12|";

/* The slice of pool holding s (which must occur in it). */
static const char *slice(const char *s, size_t *n)
{
    const char *p = strstr(pool, s);
    assert_non_null(p);
    *n = strlen(s);
    assert_true(p[*n] != '\0');
    return p;
}

static kz_index_entry entry(kz_type t, const char *value)
{
    kz_index_entry e;
    memset(&e, 0, sizeof e);
    e.index = 5;
    e.type = t;
    e.value = slice(value, &e.value_len);
    e.indicator_id = 42;
    e.threats = slice("Qbot, REvil", &e.threats_len);
    e.advisories = slice("Qbot to REvil, Netfilter", &e.advisories_len);
    e.advisory_ids = slice("3, 7", &e.advisory_ids_len);
    e.sources = slice("abuse.ch", &e.sources_len);
    e.feeds = slice("feodo", &e.feeds_len);
    e.tags = slice("c2, qbot", &e.tags_len);
    e.raw = slice("evil[.]example", &e.raw_len);
    e.confidence = 80;
    e.first_seen = 1622505600; /* 2021-06-01 */
    e.last_seen = 1625097600;  /* 2021-07-01 */
    return e;
}

static kz_log_hit hit(const char *observed, kz_type obs_type)
{
    kz_log_hit h;
    memset(&h, 0, sizeof h);
    h.input = "logs/dns.log";
    h.format = KZ_LOG_JSON;
    h.line = 12;
    h.offset = 3456;
    h.column = 30;
    h.line_text = "{}";
    h.line_len = 2;
    h.obs_type = obs_type;
    h.observed = observed;
    h.observed_len = strlen(observed);
    h.field = "dns.rrname";
    h.ecs_field = "dns.question.name";
    h.dataset = "suricata.eve";
    h.time = 1624615200; /* 2021-06-25T10:00:00Z */
    h.how = KZ_MATCH_SUBDOMAIN;
    h.ind = entry(KZ_T_DOMAIN, "evil.example");
    return h;
}

struct cap {
    char *buf;
    size_t len;
    FILE *f;
};

/* Runs a writer of format fmt over n hits and returns its output. */
static char *run(kz_hit_format fmt, int color, int summary, const kz_log_hit *h,
                 size_t n)
{
    kz_hit_writer_opts o = KZ_HIT_WRITER_OPTS_INIT;
    kz_hit_writer *w = NULL;
    kz_ctx *ctx = NULL;
    struct cap c = {NULL, 0, NULL};

    o.format = fmt;
    o.color = color;
    o.summary = summary;
    c.f = open_memstream(&c.buf, &c.len);
    assert_non_null(c.f);
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    assert_int_equal(kz_hit_writer_new(ctx, &o, c.f, &w), KZ_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kz_hit_writer_put(w, &h[i]), KZ_OK);
    assert_int_equal(kz_hit_writer_finish(w), KZ_OK);
    kz_hit_writer_free(w);
    kz_ctx_free(ctx);
    assert_int_equal(fclose(c.f), 0);
    return c.buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* Output safe for a terminal: valid UTF-8, no control character but the
 * newline ending each of `lines` lines, no C1 or bidirectional control.
 * (U+2028 is none of these: the terminal escaping keeps it, JSON does
 * not; see the JSON test.) */
static void assert_safe(const char *out, int lines, int color)
{
    size_t n = strlen(out);
    int nl = 0;
    assert_true(valid_utf8((const unsigned char *)out, n));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '\n') {
            nl++;
            continue;
        }
        if (c == 0x1b && color && out[i + 1] == '[') /* our own SGR */
            continue;
        assert_false(c < 0x20 || c == 0x7f);
    }
    assert_int_equal(nl, lines);
    assert_int_equal(count(out, "\xe2\x80\xae"), 0); /* U+202E RLO */
    assert_int_equal(count(out, "\xc2\x9b"), 0);     /* U+009B CSI */
}

static json_t *parse_line(const char *s)
{
    json_error_t err;
    json_t *v = json_loads(s, 0, &err);
    if (!v)
        fail_msg("not JSON (%s): %s", err.text, s);
    return v;
}

/* The value at a dotted path ("threat.indicator.type"), or NULL. */
static json_t *at(json_t *o, const char *path)
{
    char key[128];
    while (o) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        assert_true(n < sizeof key);
        memcpy(key, path, n);
        key[n] = '\0';
        o = json_object_get(o, key);
        if (!dot)
            return o;
        path = dot + 1;
    }
    return NULL;
}

static void assert_str_at(json_t *o, const char *path, const char *want)
{
    json_t *v = at(o, path);
    if (!json_is_string(v))
        fail_msg("%s is not a string", path);
    assert_string_equal(json_string_value(v), want);
}

static void assert_int_at(json_t *o, const char *path, json_int_t want)
{
    json_t *v = at(o, path);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", path);
    assert_int_equal(json_integer_value(v), want);
}

/* ---- names and arguments ------------------------------------------------- */

static void test_hit_format__names(void **state)
{
    (void)state;
    assert_int_equal(kz_hit_format_from_name("table"), KZ_HIT_TABLE);
    assert_int_equal(kz_hit_format_from_name("json"), KZ_HIT_JSON);
    assert_int_equal(kz_hit_format_from_name("lines"), KZ_HIT_LINES);
    assert_int_equal(kz_hit_format_from_name("csv"), -1);
    assert_int_equal(kz_hit_format_from_name(NULL), -1);
}

static void test_hit_writer__rejects_bad_arguments(void **state)
{
    (void)state;
    kz_hit_writer_opts o = KZ_HIT_WRITER_OPTS_INIT;
    kz_hit_writer *w = NULL;
    kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);

    o.version = 99;
    assert_int_equal(kz_hit_writer_new(NULL, &o, f, &w), KZ_ERR_VERSION);
    assert_null(w);
    o.version = KZ_HIT_WRITER_OPTS_VERSION;
    o.format = (kz_hit_format)7;
    assert_int_equal(kz_hit_writer_new(NULL, &o, f, &w), KZ_ERR_INVALID);
    assert_int_equal(kz_hit_writer_new(NULL, NULL, NULL, &w), KZ_ERR_INVALID);
    assert_int_equal(kz_hit_writer_new(NULL, NULL, f, &w), KZ_OK);
    assert_int_equal(kz_hit_writer_put(w, NULL), KZ_ERR_INVALID);
    assert_int_equal(kz_hit_writer_finish(w), KZ_OK);
    assert_int_equal(kz_hit_writer_put(w, &h), KZ_ERR_INVALID);
    kz_hit_writer_free(w);
    kz_hit_writer_free(NULL);
    fclose(f);
}

/* ---- table --------------------------------------------------------------- */

static void test_table__writes_one_line_per_hit(void **state)
{
    (void)state;
    kz_log_hit h[2];
    h[0] = hit("a.evil.example", KZ_T_DOMAIN);
    h[1] = hit("1.2.3.4", KZ_T_IPV4);
    h[1].input = "/var/log/syslog";
    h[1].line = 7;
    h[1].field = NULL; /* a text log */
    h[1].time = 0;
    h[1].how = KZ_MATCH_EXACT;
    h[1].ind = entry(KZ_T_IPV4, "1.2.3.4");
    h[1].ind.threats_len = 0;
    h[1].ind.advisories_len = 0;
    char *out = run(KZ_HIT_TABLE, 0, 0, h, 2);
    assert_string_equal(
        out, "2021-06-25T10:00:00Z  logs/dns.log:12  dns.rrname  "
             "a.evil.example  =>  evil.example (domain, subdomain)  "
             "Qbot, REvil  \"Qbot to REvil, Netfilter\"\n"
             "-                     /var/log/syslog:7  -  1.2.3.4  =>  "
             "1.2.3.4 (ipv4)  -  -\n");
    free(out);
}

static void test_table__shows_how_for_every_inexact_match(void **state)
{
    (void)state;
    kz_log_hit h = hit("10.1.2.3", KZ_T_IPV4);
    h.how = KZ_MATCH_CIDR;
    h.ind = entry(KZ_T_CIDR, "10.0.0.0/8");
    char *out = run(KZ_HIT_TABLE, 0, 0, &h, 1);
    assert_non_null(strstr(out, "10.1.2.3  =>  10.0.0.0/8 (cidr, in network)"));
    free(out);
}

static void test_table__colours_only_when_asked(void **state)
{
    (void)state;
    kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
    char *plain = run(KZ_HIT_TABLE, 0, 0, &h, 1);
    char *col = run(KZ_HIT_TABLE, 1, 0, &h, 1);
    assert_null(strchr(plain, '\033'));
    assert_non_null(strstr(col, "\033[1;31ma.evil.example\033[0m"));
    assert_non_null(strstr(col, "\033[1;33mQbot, REvil\033[0m"));
    assert_int_equal(count(col, "\033["), 4);
    assert_safe(col, 1, 1);
    free(plain);
    free(col);
}

/* A hit whose every string from evidence and intel is hostile. */
static kz_log_hit hostile_hit(kz_index_entry *e, char *title_buf, size_t cap)
{
    static const char obs[] = "a\x1b]0;pwn\x07.evil\xe2\x80\xae"
                              "exe\n\xff\xc2\x9b\"\\\x7f";
    kz_log_hit h = hit("x", KZ_T_DOMAIN);
    h.observed = obs;
    h.observed_len = sizeof obs - 1;
    h.input = "dir/a\nb\x1b[2J\xe2\x80\xa8.log";
    h.field = "x\x1b[31m\"\\.y";
    h.dataset = "zeek.\xff\n";
    *e = h.ind;
    /* not NUL-terminated: the title is followed by "XYZ" in the buffer */
    static const char t[] = "Say \"hi\"\\ \x1b[5m\xe2\x80\xae\r\n\xc3";
    assert_true(sizeof t + 3 <= cap);
    memcpy(title_buf, t, sizeof t - 1);
    memcpy(title_buf + sizeof t - 1, "XYZ", 4);
    e->advisories = title_buf;
    e->advisories_len = sizeof t - 1;
    e->advisory_ids_len = 1; /* "3" */
    h.ind = *e;
    return h;
}

/* A long advisory title is cut at a character boundary, with an
 * ellipsis; JSON keeps it whole. */
static void test_table__cuts_long_titles(void **state)
{
    (void)state;
    kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
    /* 58 ASCII bytes, then a 3-byte character across the 60-byte cut */
    static const char title[] = "0123456789012345678901234567890123456789"
                                "012345678901234567\xe6\x97\xa5 and more";
    h.ind.advisories = title;
    h.ind.advisories_len = sizeof title - 1;
    char *out = run(KZ_HIT_TABLE, 0, 0, &h, 1);
    assert_non_null(strstr(out, "\"0123456789012345678901234567890123456789"
                                "012345678901234567\xe2\x80\xa6\"\n"));
    assert_null(strstr(out, "and more"));
    free(out);
    out = run(KZ_HIT_JSON, 0, 0, &h, 1);
    assert_non_null(strstr(out, "and more"));
    free(out);
}

static void test_table__escapes_hostile_values(void **state)
{
    (void)state;
    kz_index_entry e;
    char title[64];
    kz_log_hit h = hostile_hit(&e, title, sizeof title);
    for (int color = 0; color < 2; color++) {
        char *out = run(KZ_HIT_TABLE, color, 0, &h, 1);
        assert_safe(out, 1, color);
        assert_non_null(strstr(out, "dir/a\\x0ab\\x1b[2J\xe2\x80\xa8.log"));
        assert_non_null(strstr(out, "x\\x1b[31m\"\\.y"));
        assert_non_null(strstr(out, "\\xe2\\x80\\xaeexe\\x0a\\xff\\xc2\\x9b"));
        assert_non_null(strstr(out, "\"Say \"hi\"\\ \\x1b[5m\\xe2\\x80\\xae"
                                    "\\x0d\\x0a\\xc3\"\n"));
        assert_null(strstr(out, "XYZ"));
        free(out);
    }
}

/* ---- JSON ---------------------------------------------------------------- */

static void test_json__ecs_document(void **state)
{
    (void)state;
    kz_log_hit h = hit("A.Evil.Example", KZ_T_DOMAIN);
    h.compression = "gzip";
    char *out = run(KZ_HIT_JSON, 0, 0, &h, 1);
    assert_int_equal(count(out, "\n"), 1);
    assert_int_equal(out[strlen(out) - 1], '\n');
    assert_safe(out, 1, 0);
    /* key order is part of the format */
    static const char head[] = "{\"@timestamp\":\"2021-06-25T10:00:00Z\","
                               "\"event\":{\"kind\":\"alert\",";
    assert_memory_equal(out, head, sizeof head - 1);
    assert_non_null(strstr(out, "},\"log\":{\"file\":{\"path\":"));
    assert_non_null(strstr(out, "\"kizashi\":{\"line\":12,"));
    json_t *o = parse_line(out);
    assert_str_at(o, "@timestamp", "2021-06-25T10:00:00Z");
    assert_str_at(o, "event.kind", "alert");
    free(out);
    json_decref(o);
}

static void test_json__fields(void **state)
{
    (void)state;
    kz_log_hit h = hit("A.Evil.Example", KZ_T_DOMAIN);
    h.compression = "gzip";
    char *out = run(KZ_HIT_JSON, 0, 0, &h, 1);
    json_t *o = parse_line(out);

    json_t *cat = at(o, "event.category");
    assert_int_equal(json_array_size(cat), 1);
    assert_string_equal(json_string_value(json_array_get(cat, 0)), "threat");
    assert_string_equal(
        json_string_value(json_array_get(at(o, "event.type"), 0)), "indicator");
    assert_str_at(o, "event.dataset", "kizashi.hunt");
    assert_str_at(o, "event.module", "kizashi");
    assert_str_at(o, "log.file.path", "logs/dns.log");
    assert_int_at(o, "log.offset", 3456);
    assert_str_at(o, "dns.question.name", "A.Evil.Example");
    assert_string_equal(
        json_string_value(json_array_get(at(o, "related.hosts"), 0)),
        "a.evil.example");
    assert_str_at(o, "threat.indicator.type", "domain-name");
    assert_str_at(o, "threat.indicator.name", "evil.example");
    assert_str_at(o, "threat.indicator.url.domain", "evil.example");
    assert_str_at(o, "threat.indicator.provider", "abuse.ch");
    assert_str_at(o, "threat.indicator.confidence", "High");
    assert_str_at(o, "threat.indicator.first_seen", "2021-06-01T00:00:00Z");
    assert_str_at(o, "threat.indicator.last_seen", "2021-07-01T00:00:00Z");
    assert_str_at(o, "threat.feed.name", "feodo");
    assert_null(at(o, "threat.software")); /* two threats */
    assert_int_at(o, "kizashi.line", 12);
    assert_int_at(o, "kizashi.column", 31);
    assert_str_at(o, "kizashi.field", "dns.rrname");
    assert_str_at(o, "kizashi.dataset", "suricata.eve");
    assert_str_at(o, "kizashi.compression", "gzip");
    assert_str_at(o, "kizashi.match", "subdomain");
    assert_str_at(o, "kizashi.observed", "A.Evil.Example");
    assert_str_at(o, "kizashi.observed_type", "domain");
    assert_str_at(o, "kizashi.indicator_type", "domain");
    assert_int_at(o, "kizashi.indicator_id", 42);
    assert_str_at(o, "kizashi.indicator_raw", "evil[.]example");
    json_t *ids = at(o, "kizashi.advisory_ids");
    assert_int_equal(json_array_size(ids), 2);
    assert_int_equal(json_integer_value(json_array_get(ids, 0)), 3);
    assert_int_equal(json_integer_value(json_array_get(ids, 1)), 7);
    json_t *adv = at(o, "kizashi.advisories");
    assert_int_equal(json_array_size(adv), 2);
    assert_string_equal(json_string_value(json_array_get(adv, 1)), "Netfilter");
    json_t *thr = at(o, "kizashi.threats");
    assert_int_equal(json_array_size(thr), 2);
    assert_string_equal(json_string_value(json_array_get(thr, 1)), "REvil");
    json_t *tags = at(o, "kizashi.indicator_tags");
    assert_int_equal(json_array_size(tags), 2);
    json_decref(o);
    free(out);
}

static void test_json__single_threat_and_title_with_comma(void **state)
{
    (void)state;
    kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
    h.ind.threats = slice("Qbot", &h.ind.threats_len);
    h.ind.advisories =
        slice("Evil \"Corp\" \\ report, part 2", &h.ind.advisories_len);
    h.ind.advisory_ids = slice("12", &h.ind.advisory_ids_len);
    h.ind.confidence = -1;
    h.ind.raw = h.ind.value; /* same as the value: not repeated */
    h.ind.raw_len = h.ind.value_len;
    char *out = run(KZ_HIT_JSON, 0, 0, &h, 1);
    json_t *o = parse_line(out);
    assert_str_at(o, "threat.software.name", "Qbot");
    assert_str_at(o, "threat.indicator.confidence", "Not Specified");
    assert_null(at(o, "kizashi.indicator_raw"));
    json_t *adv = at(o, "kizashi.advisories");
    assert_int_equal(json_array_size(adv), 1); /* one id: one title */
    assert_string_equal(json_string_value(json_array_get(adv, 0)),
                        "Evil \"Corp\" \\ report, part 2");
    assert_int_equal(
        json_integer_value(json_array_get(at(o, "kizashi.advisory_ids"), 0)),
        12);
    json_decref(o);
    free(out);
}

static void test_json__confidence_levels(void **state)
{
    (void)state;
    static const struct {
        int c;
        const char *want;
    } cases[] = {
        {0, "Low"},   {29, "Low"},   {30, "Medium"},        {69, "Medium"},
        {70, "High"}, {100, "High"}, {101, "Not Specified"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
        h.ind.confidence = cases[i].c;
        char *out = run(KZ_HIT_JSON, 0, 0, &h, 1);
        json_t *o = parse_line(out);
        assert_str_at(o, "threat.indicator.confidence", cases[i].want);
        json_decref(o);
        free(out);
    }
}

static void test_json__hostile_values_parse_back(void **state)
{
    (void)state;
    kz_index_entry e;
    char title[64];
    kz_log_hit h = hostile_hit(&e, title, sizeof title);
    char *out = run(KZ_HIT_JSON, 0, 0, &h, 1);
    assert_safe(out, 1, 0);
    assert_non_null(strstr(out, "\\u202e"));
    assert_non_null(strstr(out, "\\u009b"));
    assert_non_null(strstr(out, "\\u2028"));
    assert_null(strstr(out, "\xe2\x80\xa8")); /* not raw */
    assert_non_null(strstr(out, "\\u007f"));
    assert_null(strstr(out, "XYZ"));
    json_t *o = parse_line(out);
    /* each invalid byte is U+FFFD; everything else comes back as it was */
    assert_str_at(o, "kizashi.observed",
                  "a\x1b]0;pwn\x07.evil\xe2\x80\xae"
                  "exe\n\xef\xbf\xbd\xc2\x9b\"\\\x7f");
    assert_str_at(o, "dns.question.name",
                  "a\x1b]0;pwn\x07.evil\xe2\x80\xae"
                  "exe\n\xef\xbf\xbd\xc2\x9b\"\\\x7f");
    assert_str_at(o, "log.file.path", "dir/a\nb\x1b[2J\xe2\x80\xa8.log");
    assert_str_at(o, "kizashi.field", "x\x1b[31m\"\\.y");
    assert_str_at(o, "kizashi.dataset", "zeek.\xef\xbf\xbd\n");
    json_t *adv = at(o, "kizashi.advisories");
    assert_int_equal(json_array_size(adv), 1);
    assert_string_equal(json_string_value(json_array_get(adv, 0)),
                        "Say \"hi\"\\ \x1b[5m\xe2\x80\xae\r\n\xef\xbf\xbd");
    json_decref(o);
    free(out);
}

static void test_json__nested_objects_share_prefixes(void **state)
{
    (void)state;
    kz_log_hit h[4];
    /* an address in its ECS field, canonical */
    h[0] = hit("[2001:DB8::0:1]:443", KZ_T_IPV6);
    h[0].ecs_field = "destination.ip";
    h[0].ind = entry(KZ_T_IPV4, "1.2.3.4"); /* any entry will do */
    /* a field under an object we fill ourselves */
    h[1] = hit("a.evil.example", KZ_T_DOMAIN);
    h[1].ecs_field = "event.reference";
    /* a field that would overwrite ours: ours stays */
    h[2] = hit("a.evil.example", KZ_T_DOMAIN);
    h[2].ecs_field = "event.kind";
    /* a name that is not a path, and one that runs into a string */
    h[3] = hit("a.evil.example", KZ_T_DOMAIN);
    h[3].ecs_field = "a..b";
    char *out = run(KZ_HIT_JSON, 0, 0, h, 4);
    assert_int_equal(count(out, "\n"), 4);

    char *line = out;
    json_t *o[4];
    for (int i = 0; i < 4; i++) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        o[i] = parse_line(line);
        line = nl + 1;
    }
    assert_str_at(o[0], "destination.ip", "2001:db8::1");
    assert_string_equal(
        json_string_value(json_array_get(at(o[0], "related.ip"), 0)),
        "2001:db8::1");
    assert_str_at(o[0], "kizashi.observed", "[2001:DB8::0:1]:443");
    assert_str_at(o[0], "threat.indicator.ip", "1.2.3.4");
    assert_str_at(o[0], "threat.indicator.type", "ipv4-addr");

    assert_str_at(o[1], "event.reference", "a.evil.example");
    assert_str_at(o[1], "event.kind", "alert");
    assert_str_at(o[1], "event.module", "kizashi");

    assert_str_at(o[2], "event.kind", "alert");

    assert_null(json_object_get(o[3], "a"));
    assert_null(json_object_get(o[3], "dns"));
    for (int i = 0; i < 4; i++)
        json_decref(o[i]);
    free(out);
}

static void test_json__indicator_types(void **state)
{
    (void)state;
    static const char digest[] =
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    kz_log_hit h[2];
    h[0] = hit("10.1.2.3", KZ_T_IPV4);
    h[0].ecs_field = "source.ip";
    h[0].how = KZ_MATCH_CIDR;
    h[0].ind = entry(KZ_T_CIDR, "10.0.0.0/8");
    h[1] = hit(digest, KZ_T_SHA256);
    h[1].ecs_field = NULL;
    h[1].how = KZ_MATCH_EXACT;
    h[1].ind = entry(KZ_T_SHA256, "1.2.3.4"); /* any slice will do */
    char *out = run(KZ_HIT_JSON, 0, 0, h, 2);
    char *nl = strchr(out, '\n');
    *nl = '\0';
    json_t *a = parse_line(out), *b = parse_line(nl + 1);

    assert_str_at(a, "threat.indicator.type", "ipv4-addr");
    assert_null(at(a, "threat.indicator.ip")); /* a network, not an ip */
    assert_str_at(a, "threat.indicator.name", "10.0.0.0/8");
    assert_str_at(a, "kizashi.match", "cidr");
    assert_str_at(a, "source.ip", "10.1.2.3");

    assert_str_at(b, "threat.indicator.type", "file");
    assert_str_at(b, "threat.indicator.file.hash.sha256", "1.2.3.4");
    assert_null(json_object_get(b, "file")); /* no ECS field known */
    assert_string_equal(
        json_string_value(json_array_get(at(b, "related.hash"), 0)),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_str_at(b, "kizashi.observed", digest);
    assert_str_at(b, "kizashi.match", "exact");
    json_decref(a);
    json_decref(b);
    free(out);
}

static void test_json__unknown_time_is_the_sweep_time(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
    h.time = 0;
    h.ind.first_seen = h.ind.last_seen = 0;
    char *out = run(KZ_HIT_JSON, 0, 0, &h, 1);
    json_t *o = parse_line(out);
    assert_str_at(o, "@timestamp", "2023-11-14T22:13:20Z");
    assert_str_at(o, "event.created", "2023-11-14T22:13:20Z");
    assert_null(at(o, "threat.indicator.first_seen"));
    json_decref(o);
    free(out);

    kz_hit_writer *w = NULL;
    setenv("SOURCE_DATE_EPOCH", "12ab", 1);
    assert_int_equal(kz_hit_writer_new(NULL, NULL, stdout, &w), KZ_ERR_INVALID);
    unsetenv("SOURCE_DATE_EPOCH");
}

/* ---- lines --------------------------------------------------------------- */

static void test_lines__once_per_line(void **state)
{
    (void)state;
    kz_log_hit h[5];
    for (int i = 0; i < 5; i++)
        h[i] = hit("a.evil.example", KZ_T_DOMAIN);
    h[1].column = 50; /* same line, second hit */
    h[2].line = 13;
    h[3].input = "logs/\x1b[2Jb.log"; /* another file, same line number */
    h[3].line = 13;
    h[4].input = "logs/\x1b[2Jb.log";
    h[4].line = 13;
    char *out = run(KZ_HIT_LINES, 0, 0, h, 5);
    assert_string_equal(out, "logs/dns.log:12:{}\n"
                             "logs/dns.log:13:{}\n"
                             "logs/\\x1b[2Jb.log:13:{}\n");
    free(out);
}

/* ---- summary ------------------------------------------------------------- */

/* Hits of three indicators in two advisories, over two files. */
static size_t summary_hits(kz_log_hit *h)
{
    size_t n = 0;
    kz_index_entry dom = entry(KZ_T_DOMAIN, "evil.example");
    kz_index_entry ip = entry(KZ_T_IPV4, "1.2.3.4");
    kz_index_entry net = entry(KZ_T_CIDR, "10.0.0.0/8");
    ip.index = 9;
    net.index = 11;
    net.advisories = slice("Netfilter", &net.advisories_len);
    net.advisory_ids = slice("7", &net.advisory_ids_len);

    h[n] = hit("a.evil.example", KZ_T_DOMAIN);
    h[n].time = 1624615200; /* 2021-06-25T10:00:00Z */
    h[n++].ind = dom;
    h[n] = hit("1.2.3.4", KZ_T_IPV4);
    h[n].time = 1624000000;
    h[n++].ind = ip;
    h[n] = hit("10.9.9.9", KZ_T_IPV4);
    h[n].time = 1600000000; /* 2020-09-13T12:26:40Z: Netfilter first */
    h[n++].ind = net;
    h[n] = hit("1.2.3.4", KZ_T_IPV4);
    h[n].input = "logs/conn.log";
    h[n].time = 1625000000;
    h[n++].ind = ip;
    h[n] = hit("1.2.3.4", KZ_T_IPV4);
    h[n].input = "logs/conn.log";
    h[n].time = 0; /* unknown: counted, not a time */
    h[n++].ind = ip;
    return n;
}

static void test_summary__table(void **state)
{
    (void)state;
    kz_log_hit h[8];
    size_t n = summary_hits(h);
    char *out = run(KZ_HIT_TABLE, 0, 1, h, n);
    assert_string_equal(
        out,
        "Netfilter \xe2\x80\x94 1 hit, 1 indicator, first "
        "2020-09-13T12:26:40Z, last 2020-09-13T12:26:40Z\n"
        "  10.0.0.0/8 (cidr) 1 hit in 1 file, first 2020-09-13T12:26:40Z, "
        "last 2020-09-13T12:26:40Z\n"
        "Qbot to REvil, Netfilter \xe2\x80\x94 4 hits, 2 indicators, first "
        "2021-06-18T07:06:40Z, last 2021-06-29T20:53:20Z\n"
        "  1.2.3.4 (ipv4) 3 hits in 2 files, first 2021-06-18T07:06:40Z, "
        "last 2021-06-29T20:53:20Z\n"
        "  evil.example (domain) 1 hit in 1 file, first "
        "2021-06-25T10:00:00Z, last 2021-06-25T10:00:00Z\n");
    free(out);
}

static void test_summary__json(void **state)
{
    (void)state;
    kz_log_hit h[8];
    size_t n = summary_hits(h);
    char *out = run(KZ_HIT_JSON, 0, 1, h, n);
    assert_int_equal(count(out, "\n"), 1);
    json_t *o = parse_line(out);
    assert_int_at(o, "hits", 5);
    json_t *adv = json_object_get(o, "advisories");
    assert_int_equal(json_array_size(adv), 2);
    json_t *a0 = json_array_get(adv, 0), *a1 = json_array_get(adv, 1);
    assert_str_at(a0, "title", "Netfilter");
    assert_int_equal(json_integer_value(json_array_get(at(a0, "ids"), 0)), 7);
    assert_str_at(a1, "title", "Qbot to REvil, Netfilter");
    assert_int_at(a1, "hits", 4);
    assert_str_at(a1, "first", "2021-06-18T07:06:40Z");
    assert_str_at(a1, "last", "2021-06-29T20:53:20Z");
    json_t *inds = json_object_get(a1, "indicators");
    assert_int_equal(json_array_size(inds), 2);
    json_t *i0 = json_array_get(inds, 0);
    assert_str_at(i0, "value", "1.2.3.4");
    assert_str_at(i0, "type", "ipv4");
    assert_int_at(i0, "hits", 3);
    assert_int_at(i0, "files", 2);
    assert_int_at(i0, "indicator_id", 42);
    assert_str_at(json_array_get(inds, 1), "value", "evil.example");
    json_decref(o);
    free(out);
}

static void test_summary__orders_ties_and_unknown_times(void **state)
{
    (void)state;
    kz_log_hit h[4];
    /* two advisories without a time: after the dated one, by title */
    for (int i = 0; i < 4; i++)
        h[i] = hit("a.evil.example", KZ_T_DOMAIN);
    h[0].time = 0;
    h[0].ind.advisories = slice("Qbot to REvil", &h[0].ind.advisories_len);
    h[0].ind.advisory_ids = slice("3", &h[0].ind.advisory_ids_len);
    h[1].time = 0;
    h[1].ind.advisories = slice("Netfilter", &h[1].ind.advisories_len);
    h[1].ind.advisory_ids = slice("7", &h[1].ind.advisory_ids_len);
    h[1].ind.index = 8;
    h[2].time = 1700000000;
    h[2].ind.advisories_len = 0;
    h[2].ind.advisory_ids_len = 0;
    h[2].ind.index = 9;
    /* same hits in one advisory: by value */
    h[3].time = 0;
    h[3].ind = h[1].ind;
    h[3].ind.index = 10;
    h[3].ind.value = slice("1.2.3.4", &h[3].ind.value_len);
    h[3].ind.type = KZ_T_IPV4;
    char *out = run(KZ_HIT_TABLE, 0, 1, h, 4);
    assert_string_equal(
        out, "(no advisory) \xe2\x80\x94 1 hit, 1 indicator, first "
             "2023-11-14T22:13:20Z, last 2023-11-14T22:13:20Z\n"
             "  evil.example (domain) 1 hit in 1 file, first "
             "2023-11-14T22:13:20Z, last 2023-11-14T22:13:20Z\n"
             "Netfilter \xe2\x80\x94 2 hits, 2 indicators, time unknown\n"
             "  1.2.3.4 (ipv4) 1 hit in 1 file, time unknown\n"
             "  evil.example (domain) 1 hit in 1 file, time unknown\n"
             "Qbot to REvil \xe2\x80\x94 1 hit, 1 indicator, time unknown\n"
             "  evil.example (domain) 1 hit in 1 file, time unknown\n");
    free(out);

    out = run(KZ_HIT_JSON, 0, 1, h, 4);
    json_t *o = parse_line(out);
    json_t *a0 = json_array_get(json_object_get(o, "advisories"), 0);
    assert_true(json_is_null(json_object_get(a0, "title")));
    assert_int_equal(json_array_size(json_object_get(a0, "ids")), 0);
    json_t *a1 = json_array_get(json_object_get(o, "advisories"), 1);
    assert_true(json_is_null(json_object_get(a1, "first")));
    json_decref(o);
    free(out);
}

static void test_summary__empty(void **state)
{
    (void)state;
    char *out = run(KZ_HIT_JSON, 0, 1, NULL, 0);
    assert_string_equal(out, "{\"hits\":0,\"advisories\":[]}\n");
    free(out);
    out = run(KZ_HIT_TABLE, 0, 1, NULL, 0);
    assert_string_equal(out, "");
    free(out);
}

static void test_summary__many_indicators(void **state)
{
    (void)state;
    /* enough distinct indicators and advisories to grow the tables */
    enum { N = 3000 };
    kz_log_hit *h = calloc(N, sizeof *h);
    char(*ids)[16] = calloc(N, sizeof *ids);
    assert_non_null(h);
    assert_non_null(ids);
    for (size_t i = 0; i < N; i++) {
        h[i] = hit("a.evil.example", KZ_T_DOMAIN);
        h[i].ind.index = (uint32_t)(i % 1000);
        int k = snprintf(ids[i], sizeof ids[i], "%zu", i % 1000 / 10);
        h[i].ind.advisory_ids = ids[i];
        h[i].ind.advisory_ids_len = (size_t)k;
        h[i].ind.advisories_len = 0;
    }
    char *out = run(KZ_HIT_JSON, 0, 1, h, N);
    json_t *o = parse_line(out);
    assert_int_at(o, "hits", N);
    json_t *adv = json_object_get(o, "advisories");
    assert_int_equal(json_array_size(adv), 100);
    size_t inds = 0;
    for (size_t i = 0; i < json_array_size(adv); i++) {
        json_t *a = json_array_get(adv, i);
        assert_int_at(a, "hits", 30);
        inds += json_array_size(json_object_get(a, "indicators"));
    }
    assert_int_equal(inds, 1000);
    json_decref(o);
    free(out);
    free(h);
    free(ids);
}

/* ---- errors -------------------------------------------------------------- */

static void test_hit_writer__write_errors_are_io(void **state)
{
    (void)state;
    for (int fmt = 0; fmt < 3; fmt++) {
        for (int summary = 0; summary < 2; summary++) {
            FILE *f = fopen("/dev/full", "w");
            if (!f)
                skip();
            kz_hit_writer_opts o = KZ_HIT_WRITER_OPTS_INIT;
            kz_hit_writer *w = NULL;
            kz_ctx *ctx = NULL;
            kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
            o.format = (kz_hit_format)fmt;
            o.summary = summary;
            assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
            assert_int_equal(kz_hit_writer_new(ctx, &o, f, &w), KZ_OK);
            kz_status st = kz_hit_writer_put(w, &h);
            assert_true(st == KZ_OK || st == KZ_ERR_IO);
            assert_int_equal(kz_hit_writer_finish(w), KZ_ERR_IO);
            assert_non_null(strstr(kz_ctx_errmsg(ctx), "write error"));
            kz_hit_writer_free(w);
            kz_ctx_free(ctx);
            fclose(f);
        }
    }
    /* unbuffered: the put itself reports it */
    FILE *f = fopen("/dev/full", "w");
    assert_non_null(f);
    setvbuf(f, NULL, _IONBF, 0);
    kz_hit_writer *w = NULL;
    kz_log_hit h = hit("a.evil.example", KZ_T_DOMAIN);
    assert_int_equal(kz_hit_writer_new(NULL, NULL, f, &w), KZ_OK);
    assert_int_equal(kz_hit_writer_put(w, &h), KZ_ERR_IO);
    kz_hit_writer_free(w);
    fclose(f);
}

/* Every allocation failing in turn: an error, never a crash or a leak
 * (the sanitizer build checks the leaks). */
static void test_hit_writer__survives_failed_allocations(void **state)
{
    (void)state;
    kz_log_hit h[8];
    size_t n = summary_hits(h);
    for (int fmt = 0; fmt < 2; fmt++) {
        for (int summary = 0; summary < 2; summary++) {
            int succeeded = 0;
            for (unsigned long k = 1; k < 200 && !succeeded; k++) {
                kz_hit_writer_opts o = KZ_HIT_WRITER_OPTS_INIT;
                kz_hit_writer *w = NULL;
                FILE *f = fopen("/dev/null", "w");
                assert_non_null(f);
                o.format = (kz_hit_format)fmt;
                o.summary = summary;
                kz_alloc_fail_after(k);
                kz_status st = kz_hit_writer_new(NULL, &o, f, &w);
                for (size_t i = 0; st == KZ_OK && i < n; i++)
                    st = kz_hit_writer_put(w, &h[i]);
                if (st == KZ_OK)
                    st = kz_hit_writer_finish(w);
                kz_alloc_fail_after(0);
                assert_true(st == KZ_OK || st == KZ_ERR_NOMEM);
                succeeded = st == KZ_OK;
                kz_hit_writer_free(w);
                fclose(f);
            }
            assert_true(succeeded);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_format__names),
        cmocka_unit_test(test_hit_writer__rejects_bad_arguments),
        cmocka_unit_test(test_table__writes_one_line_per_hit),
        cmocka_unit_test(test_table__shows_how_for_every_inexact_match),
        cmocka_unit_test(test_table__colours_only_when_asked),
        cmocka_unit_test(test_table__escapes_hostile_values),
        cmocka_unit_test(test_table__cuts_long_titles),
        cmocka_unit_test(test_json__ecs_document),
        cmocka_unit_test(test_json__fields),
        cmocka_unit_test(test_json__single_threat_and_title_with_comma),
        cmocka_unit_test(test_json__confidence_levels),
        cmocka_unit_test(test_json__hostile_values_parse_back),
        cmocka_unit_test(test_json__nested_objects_share_prefixes),
        cmocka_unit_test(test_json__indicator_types),
        cmocka_unit_test(test_json__unknown_time_is_the_sweep_time),
        cmocka_unit_test(test_lines__once_per_line),
        cmocka_unit_test(test_summary__table),
        cmocka_unit_test(test_summary__json),
        cmocka_unit_test(test_summary__orders_ties_and_unknown_times),
        cmocka_unit_test(test_summary__empty),
        cmocka_unit_test(test_summary__many_indicators),
        cmocka_unit_test(test_hit_writer__write_errors_are_io),
        cmocka_unit_test(test_hit_writer__survives_failed_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
