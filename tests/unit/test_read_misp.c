/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the MISP event and feed reader (lib/intel/read_misp.c):
 * every field of events and attributes, every MISP type and composite
 * form we map, objects, galaxies and galaxy tags, the wrappers the REST
 * API uses, feeds in a scratch folder, malformed input (status and
 * message), what is counted as unsupported, the ceilings, and failing
 * allocations. Fixtures are strings written here.
 */
#define _GNU_SOURCE /* fopencookie, for the size ceiling */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core_int.h"
#include "intel/misp_int.h"
#include "kizashi/intel.h"
#include "misp_sink.h"

static kz_status run(kz_ctx *ctx, recorder *r, const char *json,
                     const char *name)
{
    return rec_run(kz_read_misp, ctx, r, json, name);
}

static kz_ctx *new_ctx(void)
{
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    return ctx;
}

/* An event with the given attributes (JSON array text). */
static char *event_with(const char *attrs)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "{\"Event\": {\"uuid\": \"e1\", \"info\": \"T\", "
             "\"Attribute\": %s}}",
             attrs);
    return buf;
}

/* ---- events ---------------------------------------------------------------
 */

static void test_misp__maps_every_event_field(void **state)
{
    (void)state;
    static const char js[] =
        "{\"Event\": {\"uuid\": \"5eb0775e-2780\", \"info\": \"Ramsay\",\n"
        " \"date\": \"2020-05-04\", \"publish_timestamp\": \"1588706094\",\n"
        " \"threat_level_id\": \"1\", \"analysis\": \"2\",\n"
        " \"Org\": {\"name\": \"Other\"}, \"Orgc\": {\"name\": \"ESET\"},\n"
        " \"Tag\": [{\"name\": \"tlp:green\"}, {\"name\": \"osint\"},\n"
        "          {\"name\": \"TLP:AMBER\"}],\n"
        " \"Attribute\": [\n"
        "  {\"type\": \"link\", \"value\": \"https://blog.example/r\"},\n"
        "  {\"type\": \"link\", \"value\": \"https://other.example/\"}]}}";
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(run(ctx, &r, js, "ev.json"), KZ_OK);
    assert_int_equal(r.n, 1);
    /* The strictest TLP wins; the first link is the advisory's url, the
     * second is reported, neither is an indicator. */
    assert_string_equal(
        r.line[0],
        "advisory key=5eb0775e-2780 title=Ramsay "
        "published=2020-05-04T00:00:00Z source=ESET tlp=amber "
        "url=https://blog.example/r summary=MISP threat level: high; "
        "analysis: completed threats=-");
    assert_int_equal(rec_unsup(&r, "misp link (a further reference)"), 1);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_misp__published_falls_back_to_timestamps(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(run(ctx, &r,
                         "{\"Event\": {\"info\": \"x\", \"publish_timestamp\": "
                         "\"0\", \"timestamp\": \"1588706094\", \"Org\": "
                         "{\"name\": \"Org\"}}}",
                         "a"),
                     KZ_OK);
    assert_string_equal(r.line[0],
                        "advisory key=- title=x published=2020-05-05T19:14:54Z "
                        "source=Org tlp=- url=- summary=- threats=-");
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_misp__maps_every_attribute_field(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    static const char js[] =
        "{\"Event\": {\"info\": \"x\", \"Tag\": [{\"name\": \"tlp:clear\"},"
        " {\"name\": \"ev-tag\"}], \"Attribute\": [\n"
        "{\"uuid\": \"a-1\", \"type\": \"md5\", \"category\": \"Payload "
        "delivery\", \"to_ids\": true, \"value\": "
        "\"b2b51a85bdad70ff19534cd013c07f24\", \"comment\": \"Loader\", "
        "\"first_seen\": \"2021-06-25T10:00:00.000000+00:00\", "
        "\"last_seen\": \"2021-06-26T10:00:00Z\", \"timestamp\": "
        "\"1588706094\", \"Tag\": [{\"name\": \"tlp:red\"}, {\"name\": "
        "\"kill-chain:delivery\"}, {\"name\": \"ev-tag\"}]},\n"
        "{\"type\": \"sha1\", \"to_ids\": \"0\", \"value\": "
        "\"0123456789012345678901234567890123456789\", \"comment\": \"\", "
        "\"timestamp\": \"1588706094\", \"first_seen\": null},\n"
        "{\"type\": \"md5\", \"deleted\": true, \"value\": \"x\"}]}}";
    assert_int_equal(run(ctx, &r, js, "a"), KZ_OK);
    assert_int_equal(r.n, 3);
    assert_string_equal(
        r.line[1],
        "ioc md5 b2b51a85bdad70ff19534cd013c07f24 port=0 ids=1 tlp=red "
        "cat=Payload delivery comment=Loader ref=a-1 "
        "fs=2021-06-25T10:00:00Z ls=2021-06-26T10:00:00Z "
        "tags=ev-tag,kill-chain:delivery threats=-");
    /* No first_seen: the attribute's timestamp; the event's TLP. */
    assert_string_equal(r.line[2],
                        "ioc sha1 0123456789012345678901234567890123456789 "
                        "port=0 ids=0 tlp=clear cat=- comment=- ref=- "
                        "fs=2020-05-05T19:14:54Z ls=- tags=ev-tag threats=-");
    rec_reset(&r);
    kz_ctx_free(ctx);
}

/* The type each plain MISP type maps to. */
static void test_misp__maps_plain_types(void **state)
{
    (void)state;
    static const struct {
        const char *misp, *value, *want;
    } cases[] = {
        {"ip-dst", "1.2.3.4", "ioc ipv4 1.2.3.4 "},
        {"ip-src", "2001:db8::1", "ioc ipv6 2001:db8::1 "},
        {"ip-dst", "10.0.0.0/8", "ioc cidr 10.0.0.0/8 "},
        {"hostname", "a.evil.com", "ioc domain a.evil.com "},
        {"domain", "evil.com", "ioc domain evil.com "},
        {"url", "http://evil.com/x", "ioc url http://evil.com/x "},
        {"uri", "https://evil.com/y", "ioc url https://evil.com/y "},
        {"email", "a@evil.com", "ioc email a@evil.com "},
        {"email-src", "b@evil.com", "ioc email b@evil.com "},
        {"email-dst", "c@evil.com", "ioc email c@evil.com "},
        {"email-reply-to", "d@evil.com", "ioc email d@evil.com "},
        {"whois-registrant-email", "e@evil.com", "ioc email e@evil.com "},
        {"md5", "d41d8cd98f00b204e9800998ecf8427e", "ioc md5 d41d8"},
        {"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "ioc sha1 da3"},
        {"sha256", "e3b0c44298fc1c149afbf4c8996fb924", "ioc sha256 e3b"},
        {"sha512", "cf83e1357eefb8bdf1542850d66d8007", "ioc sha512 cf8"},
        {"filename", "evil.exe", "ioc filename evil.exe "},
        {"filename", "C:\\\\Windows\\\\evil.exe",
         "ioc filepath C:\\Windows\\evil.exe "},
        {"filename", "/tmp/.x", "ioc filepath /tmp/.x "},
        {"email-attachment", "invoice.zip", "ioc filename invoice.zip "},
        {"regkey", "HKLM\\\\Software\\\\Run",
         "ioc regkey HKLM\\Software\\Run "},
        {"mutex", "Global\\\\m1", "ioc mutex Global\\m1 "},
        {"ja3-fingerprint-md5", "e7d705a3286e19ea42f587b344ee6865",
         "ioc ja3 e7d7"},
        {"user-agent", "Mozilla/4.0 (evil)", "ioc user_agent Mozilla/4.0 "},
        {"vulnerability", "CVE-2017-11882", "ioc cve CVE-2017-11882 "},
        {"AS", "AS12345", "ioc asn AS12345 "},
        {"x509-fingerprint-sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
         "ioc cert_sha1 da39"},
        {"x509-fingerprint-sha256", "e3b0c44298fc1c149afbf4c8996fb924",
         "ioc cert_sha256 e3b0"},
        {"authentihash", "e3b0c44298fc1c149afbf4c8996fb924",
         "ioc authentihash e3b0"},
        {"yara", "rule x { condition: true }",
         "ioc yara rule x { condition: true } "},
    };
    kz_ctx *ctx = new_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char attrs[512];
        snprintf(attrs, sizeof attrs, "[{\"type\": \"%s\", \"value\": \"%s\"}]",
                 cases[i].misp, cases[i].value);
        recorder r = {0};
        assert_int_equal(run(ctx, &r, event_with(attrs), "t"), KZ_OK);
        assert_int_equal(r.n, 2);
        if (strncmp(r.line[1], cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("%s %s: got \"%s\"", cases[i].misp, cases[i].value,
                     r.line[1]);
        rec_reset(&r);
    }
    kz_ctx_free(ctx);
}

static void test_misp__integer_value_is_taken_as_text(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(
        run(ctx, &r, event_with("[{\"type\": \"AS\", \"value\": 64496}]"), "t"),
        KZ_OK);
    assert_non_null(rec_find(&r, "ioc asn 64496 "));
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_misp__splits_composite_types(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    static const char attrs[] =
        "[{\"type\": \"ip-dst|port\", \"value\": \"1.2.3.4|8443\"},"
        " {\"type\": \"ip-src|port\", \"value\": \"2001:db8::1|53\"},"
        " {\"type\": \"hostname|port\", \"value\": \"c2.evil.com|443\"},"
        " {\"type\": \"domain|ip\", \"value\": \"evil.com|5.6.7.8\"},"
        " {\"type\": \"filename|sha256\", \"value\": "
        "\"a|b.exe|e3b0c44298fc1c149afbf4c8996fb924\", \"to_ids\": true},"
        " {\"type\": \"filename|md5\", \"value\": "
        "\"C:\\\\x\\\\y.dll|d41d8cd98f00b204e9800998ecf8427e\"},"
        " {\"type\": \"filename|authentihash\", \"value\": \"s.sys|abcd\"},"
        " {\"type\": \"malware-sample\", \"value\": \"m.bin|0123\"},"
        " {\"type\": \"filename|imphash\", \"value\": \"i.exe|f34d\"},"
        " {\"type\": \"regkey|value\", \"value\": \"HKCU\\\\Run|evil.exe\","
        " \"comment\": \"persistence\"}]";
    assert_int_equal(run(ctx, &r, event_with(attrs), "t"), KZ_OK);
    static const char *const want[] = {
        "ioc ipv4 1.2.3.4 port=8443 ",
        "ioc ipv6 2001:db8::1 port=53 ",
        "ioc domain c2.evil.com port=443 ",
        "ioc domain evil.com port=0 ",
        "ioc ipv4 5.6.7.8 port=0 ",
        "ioc filename a|b.exe port=0 ids=1 ",
        "ioc sha256 e3b0c44298fc1c149afbf4c8996fb924 port=0 ids=1 ",
        "ioc filepath C:\\x\\y.dll ",
        "ioc md5 d41d8cd98f00b204e9800998ecf8427e ",
        "ioc filename s.sys ",
        "ioc authentihash abcd ",
        "ioc filename m.bin ",
        "ioc md5 0123 ",
        "ioc filename i.exe ",
        ("ioc regkey HKCU\\Run port=0 ids=-1 tlp=- cat=- "
         "comment=registry data: evil.exe; persistence "),
    };
    assert_int_equal(r.n, 1 + sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strncmp(r.line[i + 1], want[i], strlen(want[i])) != 0)
            fail_msg("record %zu: want \"%s\", got \"%s\"", i + 1, want[i],
                     r.line[i + 1]);
    assert_int_equal(rec_unsup(&r, "misp type filename|imphash (hash part)"),
                     1);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_misp__counts_unsupported_types(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    static const char attrs[] =
        "[{\"type\": \"text\", \"value\": \"Win32/Ramsay.A\"},"
        " {\"type\": \"text\", \"value\": \"Win32/Ramsay.B\"},"
        " {\"type\": \"ssdeep\", \"value\": \"3:a:b\"},"
        " {\"type\": \"uri\", \"value\": \"/gate.php\"},"
        " {\"type\": \"port\", \"value\": \"443\"},"
        " {\"type\": \"other\", \"value\": \"x\"}]";
    assert_int_equal(run(ctx, &r, event_with(attrs), "t"), KZ_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(rec_unsup(&r, "misp type text"), 2);
    assert_int_equal(rec_unsup(&r, "misp type ssdeep"), 1);
    assert_int_equal(rec_unsup(&r, "misp uri (relative)"), 1);
    assert_int_equal(rec_unsup(&r, "misp type port"), 1);
    assert_int_equal(rec_unsup(&r, "misp type other"), 1);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

/* ---- galaxies and threats -------------------------------------------------
 */

static void test_misp__galaxies_become_threats_or_tags(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    static const char js[] =
        "{\"Event\": {\"info\": \"x\",\n"
        " \"Galaxy\": [\n"
        "  {\"type\": \"mitre-intrusion-set\", \"GalaxyCluster\": [\n"
        "   {\"value\": \"APT28 - G0007\", \"description\": \"Russian\",\n"
        "    \"meta\": {\"synonyms\": [\"APT28\", \"Sofacy\", \"Fancy "
        "Bear\"]}}]},\n"
        "  {\"type\": \"mitre-attack-pattern\", \"GalaxyCluster\": [\n"
        "   {\"value\": \"Phishing - T1566\", \"tag_name\": "
        "\"misp-galaxy:mitre-attack-pattern=\\\"Phishing - T1566\\\"\"}]},\n"
        "  {\"type\": \"sector\", \"GalaxyCluster\": [{\"value\": "
        "\"Finance\"}]}],\n"
        " \"Tag\": [{\"name\": \"misp-galaxy:malpedia=\\\"Emotet\\\"\"},\n"
        "  {\"name\": \"misp-galaxy:threat-actor=\\\"sofacy\\\"\"},\n"
        "  {\"name\": \"misp-galaxy:tool=\\\"Mimikatz\\\"\"}],\n"
        " \"Attribute\": [\n"
        "  {\"type\": \"threat-actor\", \"value\": \"Turla\"},\n"
        "  {\"type\": \"campaign-name\", \"value\": \"Op X\"},\n"
        "  {\"type\": \"domain\", \"value\": \"evil.com\", \"Tag\": [\n"
        "   {\"name\": \"misp-galaxy:ransomware=\\\"Ryuk\\\"\"}],\n"
        "   \"Galaxy\": [{\"type\": \"botnet\", \"GalaxyCluster\": [\n"
        "    {\"value\": \"Qakbot\", \"meta\": {\"synonyms\": "
        "[\"QBot\"]}}]}]}]}}";
    assert_int_equal(run(ctx, &r, js, "g"), KZ_OK);
    assert_string_equal(r.line[0],
                        "advisory key=- title=x published=- source=- tlp=- "
                        "url=- summary=- threats=APT28,Emotet,Mimikatz,"
                        "Turla,Op X");
    /* The MITRE suffix is dropped (the full name is an alias); "sofacy"
     * from a tag is not a second threat. */
    assert_string_equal(r.line[1],
                        "threat APT28 kind=actor aliases=APT28 - G0007,"
                        "Sofacy,Fancy Bear desc=Russian");
    assert_string_equal(r.line[2],
                        "threat Emotet kind=malware aliases=- desc=-");
    assert_string_equal(r.line[3],
                        "threat Mimikatz kind=tool aliases=- desc=-");
    assert_string_equal(r.line[4], "threat Turla kind=actor aliases=- desc=-");
    assert_string_equal(r.line[5],
                        "threat Op X kind=campaign aliases=- desc=-");
    assert_string_equal(r.line[6],
                        "threat Qakbot kind=malware aliases=QBot desc=-");
    assert_string_equal(r.line[7], "threat Ryuk kind=malware aliases=- desc=-");
    assert_string_equal(
        r.line[8],
        "ioc domain evil.com port=0 ids=-1 tlp=- cat=- comment=- ref=- fs=- "
        "ls=- tags=misp-galaxy:mitre-attack-pattern=\"Phishing - T1566\","
        "misp-galaxy:sector=\"Finance\" threats=Qakbot,Ryuk");
    assert_int_equal(r.n, 9);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_misp__threats_without_threat_callback(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    static const char js[] =
        "{\"Event\": {\"Tag\": [{\"name\": "
        "\"misp-galaxy:malpedia=\\\"X\\\"\"}], \"Attribute\": "
        "[{\"type\": \"md5\", \"value\": \"00\"}]}}";
    FILE *f = fmemopen((void *)js, sizeof js - 1, "r");
    assert_non_null(f);
    kz_intel_sink s = rec_sink(&r);
    s.threat = NULL;
    s.advisory = NULL;
    s.unsupported = NULL;
    assert_int_equal(kz_read_misp(ctx, f, NULL, &s), KZ_OK);
    fclose(f);
    assert_int_equal(r.n, 1);
    assert_non_null(rec_find(&r, "ioc md5 00 "));
    rec_reset(&r);
    kz_ctx_free(ctx);
}

/* ---- objects ---------------------------------------------------------------
 */

static void test_misp__objects_give_context(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    static const char js[] =
        "{\"Event\": {\"info\": \"x\", \"Object\": [\n"
        " {\"name\": \"ip-port\", \"comment\": \"C2\", \"Attribute\": [\n"
        "  {\"type\": \"ip-dst\", \"object_relation\": \"ip\", \"value\": "
        "\"1.2.3.4\"},\n"
        "  {\"type\": \"port\", \"object_relation\": \"dst-port\", \"value\": "
        "\"8080\"},\n"
        "  {\"type\": \"hostname\", \"object_relation\": \"hostname\", "
        "\"value\": \"c2.evil.com\", \"comment\": \"own\"}]},\n"
        " {\"name\": \"file\", \"Attribute\": [\n"
        "  {\"type\": \"text\", \"object_relation\": \"path\", \"value\": "
        "\"C:\\\\Temp\"},\n"
        "  {\"type\": \"filename\", \"object_relation\": \"filename\", "
        "\"value\": \"a.exe\"}]},\n"
        " {\"name\": \"x509\", \"first_seen\": \"2020-01-01\", "
        "\"Attribute\": [\n"
        "  {\"type\": \"x509-fingerprint-sha1\", \"object_relation\": "
        "\"x509-fingerprint-sha1\", \"value\": \"aa\"},\n"
        "  {\"type\": \"text\", \"object_relation\": \"serial-number\", "
        "\"value\": \"01\"}]},\n"
        " {\"name\": \"ja3\", \"Attribute\": [\n"
        "  {\"type\": \"ja3-fingerprint-md5\", \"object_relation\": \"ja3s\", "
        "\"value\": \"bb\"}]},\n"
        " {\"name\": \"ip-port\", \"Attribute\": [\n"
        "  {\"type\": \"ip-src\", \"value\": \"5.6.7.8\"},\n"
        "  {\"type\": \"port\", \"object_relation\": \"dst-port\", \"value\": "
        "\"1\"},\n"
        "  {\"type\": \"port\", \"object_relation\": \"dst-port\", \"value\": "
        "\"2\"}]},\n"
        " {\"name\": \"file\", \"deleted\": true, \"Attribute\": [\n"
        "  {\"type\": \"md5\", \"value\": \"cc\"}]}]}}";
    assert_int_equal(run(ctx, &r, js, "o"), KZ_OK);
    static const char *const want[] = {
        "ioc ipv4 1.2.3.4 port=8080 ids=-1 tlp=- cat=- comment=C2 ",
        "ioc domain c2.evil.com port=8080 ids=-1 tlp=- cat=- comment=own ",
        "ioc filepath C:\\Temp port=0 ",
        "ioc filename a.exe port=0 ",
        ("ioc cert_sha1 aa port=0 ids=-1 tlp=- cat=- comment=- ref=- "
         "fs=2020-01-01T00:00:00Z "),
        "ioc ja3s bb ",
        "ioc ipv4 5.6.7.8 port=0 ",
    };
    assert_int_equal(r.n, 1 + sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strncmp(r.line[i + 1], want[i], strlen(want[i])) != 0)
            fail_msg("record %zu: want \"%s\", got \"%s\"", i + 1, want[i],
                     r.line[i + 1]);
    assert_int_equal(rec_unsup(&r, "misp type text"), 1);
    /* Two ports: neither belongs to the address; both are reported. */
    assert_int_equal(rec_unsup(&r, "misp type port"), 2);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

/* ---- wrappers --------------------------------------------------------------
 */

static void test_misp__reads_every_wrapper(void **state)
{
    (void)state;
    static const struct {
        const char *js;
        size_t advisories, iocs;
    } cases[] = {
        {"{\"response\": [{\"Event\": {\"uuid\": \"1\", \"Attribute\": "
         "[{\"type\": \"md5\", \"value\": \"aa\"}]}}, {\"Event\": {\"uuid\": "
         "\"2\"}}]}",
         2, 1},
        {"[{\"Event\": {\"uuid\": \"1\"}}, {\"Event\": {\"uuid\": \"2\"}}, "
         "{\"Event\": {\"uuid\": \"3\"}}]",
         3, 0},
        {"{\"response\": {\"Attribute\": [{\"type\": \"md5\", \"value\": "
         "\"aa\"}, {\"type\": \"domain\", \"value\": \"e.com\"}]}}",
         0, 2},
        {"{\"info\": \"bare\", \"Attribute\": [{\"type\": \"md5\", "
         "\"value\": \"aa\"}]}",
         1, 1},
        {"{\"response\": []}", 0, 0},
    };
    kz_ctx *ctx = new_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        recorder r = {0};
        assert_int_equal(run(ctx, &r, cases[i].js, "w"), KZ_OK);
        assert_int_equal(rec_count(&r, "advisory "), cases[i].advisories);
        assert_int_equal(rec_count(&r, "ioc "), cases[i].iocs);
        rec_reset(&r);
    }
    /* Records follow their own advisory. */
    recorder r = {0};
    assert_int_equal(run(ctx, &r, cases[0].js, "w"), KZ_OK);
    assert_non_null(strstr(r.line[0], "key=1 "));
    assert_non_null(strstr(r.line[1], "ioc md5 aa"));
    assert_non_null(strstr(r.line[2], "key=2 "));
    rec_reset(&r);
    kz_ctx_free(ctx);
}

/* ---- malformed input -------------------------------------------------------
 */

static void test_misp__malformed_json_names_line_and_column(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(run(ctx, &r,
                         "{\"Event\": {\n  \"info\": \"x\",\n  \"uuid\" 1\n}}",
                         "bad.json"),
                     KZ_ERR_PARSE);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "bad.json:3:"));
    assert_int_equal(run(ctx, &r, "", NULL), KZ_ERR_PARSE);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "-:1:", 4) == 0);
    assert_int_equal(run(ctx, &r, "{\"Event\": {}} x", "trail"), KZ_ERR_PARSE);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "trail:1:", 8) == 0);
    /* U+0000 inside a string is refused (values are NUL-terminated). */
    assert_int_equal(run(ctx, &r, "{\"info\": \"a\\u0000b\"}", "nul"),
                     KZ_ERR_PARSE);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "nul:1:", 6) == 0);
    assert_int_equal(r.n, 0);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_misp__structural_errors_name_the_path(void **state)
{
    (void)state;
    static const struct {
        const char *js, *msg;
    } cases[] = {
        {"{\"x\": 1}", "s: not a MISP event"},
        {"{\"Event\": []}", "s: Event: not an object"},
        {"{\"Event\": {\"Attribute\": {}}}",
         "s: Event.Attribute: not an array"},
        {"{\"Event\": {\"Attribute\": [1]}}",
         "s: Event.Attribute[0]: not an object"},
        {"{\"Event\": {\"Attribute\": [{\"value\": \"x\"}]}}",
         "s: Event.Attribute[0]: no type"},
        {"{\"Event\": {\"Attribute\": [{\"type\": \"md5\"}]}}",
         "s: Event.Attribute[0]: no value"},
        {"{\"Event\": {\"Attribute\": [{\"type\": \"md5\", \"value\": "
         "\"\"}]}}",
         "s: Event.Attribute[0]: empty value"},
        {"{\"Event\": {\"Attribute\": [{\"type\": \"ip-dst|port\", "
         "\"value\": \"1.2.3.4|99999\"}]}}",
         "s: Event.Attribute[0]: not of the form ADDRESS|PORT"},
        {"{\"Event\": {\"Attribute\": [{\"type\": \"domain|ip\", "
         "\"value\": \"evil.com|\"}]}}",
         "s: Event.Attribute[0]: not of the form DOMAIN|IP"},
        {"{\"Event\": {\"Attribute\": [{\"type\": \"filename|md5\", "
         "\"value\": \"nobar\"}]}}",
         "s: Event.Attribute[0]: not of the form FILENAME|HASH"},
        {"{\"Event\": {\"Attribute\": [{\"type\": \"regkey|value\", "
         "\"value\": \"|x\"}]}}",
         "s: Event.Attribute[0]: not of the form KEY|DATA"},
        {"{\"Event\": {\"Attribute\": [{\"type\": \"md5\", \"value\": "
         "\"aa\", \"first_seen\": \"yesterday\"}]}}",
         "s: Event.Attribute[0]: first_seen or last_seen is not a time"},
        {"{\"Event\": {\"date\": \"2020-13-01\"}}",
         "s: Event.date: not a date"},
        {"{\"Event\": {\"Tag\": [{\"colour\": \"#fff\"}]}}",
         "s: Event.Tag: a tag without a name"},
        {"{\"Event\": {\"Galaxy\": [{\"type\": \"tool\"}]}}",
         "s: Event.Galaxy: a Galaxy without a GalaxyCluster array"},
        {"{\"Event\": {\"Object\": [{\"Attribute\": [{\"type\": \"md5\"}]}]}}",
         "s: Event.Object[0].Attribute[0]: no value"},
        {"{\"response\": [{\"Event\": {}}, {\"Evt\": {}}]}",
         "s: response[1]: no \"Event\""},
        {"[{\"Event\": {\"Attribute\": [{}]}}]",
         "s: [0].Event.Attribute[0]: no type"},
    };
    kz_ctx *ctx = new_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        recorder r = {0};
        assert_int_equal(run(ctx, &r, cases[i].js, "s"), KZ_ERR_PARSE);
        if (strncmp(kz_ctx_errmsg(ctx), cases[i].msg, strlen(cases[i].msg)))
            fail_msg("%s: want \"%s\", got \"%s\"", cases[i].js, cases[i].msg,
                     kz_ctx_errmsg(ctx));
        rec_reset(&r);
    }
    kz_ctx_free(ctx);
}

static void test_misp__sink_status_stops_the_reader(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    r.stop_at = 2;
    assert_int_equal(run(ctx, &r,
                         event_with("[{\"type\": \"md5\", \"value\": \"a\"}, "
                                    "{\"type\": \"md5\", \"value\": \"b\"}]"),
                         "s"),
                     KZ_ERR_ABORTED);
    assert_int_equal(r.n, 2);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_misp__invalid_arguments(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    kz_intel_sink s = rec_sink(&r);
    assert_int_equal(kz_read_misp(ctx, NULL, NULL, &s), KZ_ERR_INVALID);
    assert_int_equal(kz_read_misp_feed(ctx, NULL, NULL, &s), KZ_ERR_INVALID);
    kz_ctx_free(ctx);
}

/* ---- ceilings --------------------------------------------------------------
 */

static void test_misp__too_many_tags_is_a_limit(void **state)
{
    (void)state;
    size_t cap = (KZ_MISP_MAX_TAGS + 2) * 20 + 200;
    char *js = malloc(cap);
    assert_non_null(js);
    size_t o = (size_t)snprintf(js, cap, "{\"Event\": {\"Tag\": [");
    for (unsigned i = 0; i <= KZ_MISP_MAX_TAGS; i++)
        o += (size_t)snprintf(js + o, cap - o, "%s{\"name\": \"t%u\"}",
                              i ? "," : "", i);
    snprintf(js + o, cap - o, "]}}");
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(run(ctx, &r, js, "big"), KZ_ERR_LIMIT);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "KZ_MISP_MAX_TAGS"));
    /* Exactly the ceiling is fine. */
    char *last = strrchr(js, ',');
    memcpy(last, "]}}", 4);
    assert_int_equal(run(ctx, &r, js, "big"), KZ_OK);
    rec_reset(&r);
    kz_ctx_free(ctx);
    free(js);
}

static void test_misp__too_many_threats_is_a_limit(void **state)
{
    (void)state;
    size_t cap = (KZ_MISP_MAX_THREATS + 2) * 48 + 200;
    char *js = malloc(cap);
    assert_non_null(js);
    size_t o = (size_t)snprintf(js, cap, "{\"Event\": {\"Attribute\": [");
    for (unsigned i = 0; i <= KZ_MISP_MAX_THREATS; i++)
        o += (size_t)snprintf(js + o, cap - o,
                              "%s{\"type\": \"threat-actor\", \"value\": "
                              "\"a%u\"}",
                              i ? "," : "", i);
    snprintf(js + o, cap - o, "]}}");
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(run(ctx, &r, js, "big"), KZ_ERR_LIMIT);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "KZ_MISP_MAX_THREATS"));
    rec_reset(&r);
    kz_ctx_free(ctx);
    free(js);
}

/* A stream of '[' then white space without end. */
static ssize_t endless_read(void *c, char *buf, size_t n)
{
    int *first = c;
    memset(buf, ' ', n);
    if (*first && n > 0) {
        buf[0] = '[';
        *first = 0;
    }
    return (ssize_t)n;
}

static void test_misp__document_beyond_the_size_ceiling_is_refused(void **state)
{
    (void)state;
    int first = 1;
    cookie_io_functions_t io = {endless_read, NULL, NULL, NULL};
    FILE *f = fopencookie(&first, "r", io);
    assert_non_null(f);
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    kz_intel_sink s = rec_sink(&r);
    kz_read_opts o = {"huge.json", KZ_T_NONE, NULL};
    assert_int_equal(kz_read_misp(ctx, f, &o, &s), KZ_ERR_LIMIT);
    assert_true(
        strncmp(kz_ctx_errmsg(ctx), "huge.json: larger than 256 MiB", 30) == 0);
    fclose(f);
    kz_ctx_free(ctx);
}

/* ---- allocation failures ---------------------------------------------------
 */

static void test_misp__allocation_failures_are_reported(void **state)
{
    (void)state;
    static const char js[] =
        "{\"Event\": {\"Tag\": [{\"name\": \"a\"}, {\"name\": "
        "\"misp-galaxy:tool=\\\"T\\\"\"}], \"Galaxy\": [{\"type\": "
        "\"mitre-malware\", \"GalaxyCluster\": [{\"value\": \"M - S0001\", "
        "\"meta\": {\"synonyms\": [\"m\"]}}, {\"value\": \"X\", \"type\": "
        "\"sector\"}]}], \"Attribute\": [{\"type\": \"md5\", \"value\": "
        "\"aa\", \"Tag\": [{\"name\": \"b\"}]}, {\"type\": \"regkey|value\", "
        "\"value\": \"k|v\"}], \"Object\": [{\"name\": \"x\", \"Attribute\": "
        "[{\"type\": \"filename|md5\", \"value\": \"f|00\"}]}]}}";
    kz_ctx *ctx = new_ctx();
    int ok = 0;
    for (unsigned long n = 1; n < 200 && !ok; n++) {
        recorder r = {0};
        kz_alloc_fail_after(n);
        kz_status st = run(ctx, &r, js, "oom");
        kz_alloc_fail_after(0);
        if (st == KZ_OK) {
            ok = 1;
            assert_int_equal(rec_count(&r, "ioc "), 4);
        } else {
            assert_int_equal(st, KZ_ERR_NOMEM);
            assert_string_equal(kz_ctx_errmsg(ctx), "oom: out of memory");
        }
        rec_reset(&r);
    }
    assert_true(ok);
    kz_ctx_free(ctx);
}

/* ---- feeds -----------------------------------------------------------------
 */

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
}

#define U1 "bbbbbbbb-0000-0000-0000-000000000001"
#define U2 "aaaaaaaa-0000-0000-0000-000000000002"

static void test_misp_feed__reads_events_in_uuid_order(void **state)
{
    (void)state;
    char dir[] = "/tmp/kz-misp-feed-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "manifest.json",
               "{\"" U1 "\": {\"info\": \"one\"}, \"" U2 "\": {}}");
    write_file(dir, U1 ".json",
               "{\"Event\": {\"uuid\": \"" U1 "\", \"Attribute\": [{\"type\": "
               "\"domain\", \"value\": \"one.com\"}]}}");
    write_file(dir, U2 ".json",
               "{\"Event\": {\"uuid\": \"" U2 "\", \"Attribute\": [{\"type\": "
               "\"domain\", \"value\": \"two.com\"}]}}");
    write_file(dir, "hashes.csv", "not,read\n");
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    kz_intel_sink s = rec_sink(&r);
    assert_int_equal(kz_read_misp_feed(ctx, dir, NULL, &s), KZ_OK);
    assert_int_equal(r.n, 4);
    assert_non_null(strstr(r.line[0], "key=" U2));
    assert_non_null(strstr(r.line[1], "two.com"));
    assert_non_null(strstr(r.line[2], "key=" U1));
    assert_non_null(strstr(r.line[3], "one.com"));
    rec_reset(&r);

    /* A malformed event: the message names the feed's file, line, column;
     * opts->name replaces the folder in messages. */
    write_file(dir, U1 ".json", "{\"Event\":\n {\"uuid\": ]}");
    kz_read_opts o = {"feed", KZ_T_NONE, NULL};
    assert_int_equal(kz_read_misp_feed(ctx, dir, &o, &s), KZ_ERR_PARSE);
    static const char want[] = "feed/" U1 ".json:2:";
    assert_true(strncmp(kz_ctx_errmsg(ctx), want, sizeof want - 1) == 0);
    rec_reset(&r);

    /* An event listed but missing. */
    remove_file(dir, U1 ".json");
    assert_int_equal(kz_read_misp_feed(ctx, dir, &o, &s), KZ_ERR_NOTFOUND);
    assert_string_equal(kz_ctx_errmsg(ctx),
                        "feed/" U1 ".json: listed in manifest.json "
                        "but missing");
    rec_reset(&r);

    /* A key that is no UUID never becomes a path. */
    write_file(dir, "manifest.json", "{\"../../etc/passwd\": {}}");
    assert_int_equal(kz_read_misp_feed(ctx, dir, &o, &s), KZ_ERR_PARSE);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "is not an event UUID"));
    write_file(dir, "manifest.json", "[]");
    assert_int_equal(kz_read_misp_feed(ctx, dir, &o, &s), KZ_ERR_PARSE);
    write_file(dir, "manifest.json", "{\n\"x\" }");
    assert_int_equal(kz_read_misp_feed(ctx, dir, &o, &s), KZ_ERR_PARSE);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "feed/manifest.json:2:", 21) == 0);
    assert_int_equal(r.n, 0);

    /* No manifest. */
    remove_file(dir, "manifest.json");
    assert_int_equal(kz_read_misp_feed(ctx, dir, &o, &s), KZ_ERR_NOTFOUND);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "feed/manifest.json: ", 20) == 0);

    remove_file(dir, U2 ".json");
    remove_file(dir, "hashes.csv");
    rmdir(dir);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misp__maps_every_event_field),
        cmocka_unit_test(test_misp__published_falls_back_to_timestamps),
        cmocka_unit_test(test_misp__maps_every_attribute_field),
        cmocka_unit_test(test_misp__maps_plain_types),
        cmocka_unit_test(test_misp__integer_value_is_taken_as_text),
        cmocka_unit_test(test_misp__splits_composite_types),
        cmocka_unit_test(test_misp__counts_unsupported_types),
        cmocka_unit_test(test_misp__galaxies_become_threats_or_tags),
        cmocka_unit_test(test_misp__threats_without_threat_callback),
        cmocka_unit_test(test_misp__objects_give_context),
        cmocka_unit_test(test_misp__reads_every_wrapper),
        cmocka_unit_test(test_misp__malformed_json_names_line_and_column),
        cmocka_unit_test(test_misp__structural_errors_name_the_path),
        cmocka_unit_test(test_misp__sink_status_stops_the_reader),
        cmocka_unit_test(test_misp__invalid_arguments),
        cmocka_unit_test(test_misp__too_many_tags_is_a_limit),
        cmocka_unit_test(test_misp__too_many_threats_is_a_limit),
        cmocka_unit_test(
            test_misp__document_beyond_the_size_ceiling_is_refused),
        cmocka_unit_test(test_misp__allocation_failures_are_reported),
        cmocka_unit_test(test_misp_feed__reads_events_in_uuid_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
