/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of kz_read_openioc: the advisory and threats taken from the
 * metadata of OpenIOC 1.0 and 1.1, every mapped search, the conditions we
 * honour and the ones reported as unsupported, AND groups, hostile XML
 * (external entities are never read) and malformed input (the message
 * names the input, line and column). Fixtures are strings read through
 * fmemopen.
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
#include "kizashi/kizashi.h"

/* ---- recording sink ------------------------------------------------------ */

#define MAXREC 64

typedef struct rec_ioc {
    kz_type type;
    char value[256];
    char comment[256];
    char ref[64];
    int tagged;
    uint64_t line;
} rec_ioc;

typedef struct rec {
    int nadv;
    char key[64], title[128], summary[256], source[64], url[128];
    char threats[4][32];
    size_t nthreats;
    kz_time published;
    int nthreat_calls;
    char threat_kind[4][16];
    rec_ioc iocs[MAXREC];
    int niocs;
    char unsup[MAXREC][64];
    uint64_t unsup_line[MAXREC];
    int nunsup;
    int stop_after; /* ioc returns KZ_ERR_ABORTED at this count; 0: never */
} rec;

static void cp(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

static kz_status on_adv(void *ud, const kz_intel_advisory *a)
{
    rec *r = ud;
    r->nadv++;
    cp(r->key, sizeof r->key, a->key);
    cp(r->title, sizeof r->title, a->title);
    cp(r->summary, sizeof r->summary, a->summary);
    cp(r->source, sizeof r->source, a->source);
    cp(r->url, sizeof r->url, a->url);
    r->published = a->published;
    r->nthreats = a->nthreats;
    for (size_t i = 0; i < a->nthreats && i < 4; i++)
        cp(r->threats[i], sizeof r->threats[i], a->threats[i]);
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    rec *r = ud;
    if (r->nthreat_calls < 4)
        cp(r->threat_kind[r->nthreat_calls], 16, t->kind);
    r->nthreat_calls++;
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    rec *r = ud;
    assert_non_null(i->value);
    assert_int_equal(strlen(i->value), i->value_len);
    assert_int_equal(i->confidence, -1);
    assert_int_equal(i->to_ids, -1);
    assert_int_equal(i->score, -1);
    if (r->niocs < MAXREC) {
        rec_ioc *x = &r->iocs[r->niocs];
        x->type = i->type;
        cp(x->value, sizeof x->value, i->value);
        cp(x->comment, sizeof x->comment, i->comment);
        cp(x->ref, sizeof x->ref, i->ref);
        x->tagged = i->ntags == 1 && strcmp(i->tags[0], "openioc:and") == 0;
        x->line = i->line;
    }
    r->niocs++;
    if (r->stop_after && r->niocs == r->stop_after)
        return KZ_ERR_ABORTED;
    return KZ_OK;
}

static void on_unsup(void *ud, const char *what, uint64_t line)
{
    rec *r = ud;
    if (r->nunsup < MAXREC) {
        cp(r->unsup[r->nunsup], sizeof r->unsup[0], what);
        r->unsup_line[r->nunsup] = line;
    }
    r->nunsup++;
}

static kz_status run_sink(const char *xml, rec *r, kz_ctx **ctxp,
                          const kz_intel_sink *s)
{
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    FILE *f = fmemopen((void *)xml, strlen(xml), "r");
    assert_non_null(f);
    kz_read_opts o = {.name = "t.ioc"};
    kz_status st = kz_read_openioc(ctx, f, &o, s);
    fclose(f);
    (void)r;
    if (ctxp)
        *ctxp = ctx;
    else
        kz_ctx_free(ctx);
    return st;
}

static kz_status run(const char *xml, rec *r, kz_ctx **ctxp)
{
    memset(r, 0, sizeof *r);
    kz_intel_sink s = {.ud = r,
                       .advisory = on_adv,
                       .threat = on_threat,
                       .ioc = on_ioc,
                       .unsupported = on_unsup};
    return run_sink(xml, r, ctxp, &s);
}

static int has_unsup(const rec *r, const char *what)
{
    for (int i = 0; i < r->nunsup && i < MAXREC; i++)
        if (strcmp(r->unsup[i], what) == 0)
            return 1;
    return 0;
}

#define HEAD10                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                             \
    "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"ioc-1\">\n"      \
    "<short_description>X</short_description>\n"                               \
    "<definition>\n"
#define TAIL10 "</definition>\n</ioc>\n"
#define ITEM(cond, search, ctype, value)                                       \
    "<IndicatorItem id=\"i\" condition=\"" cond "\">"                          \
    "<Context document=\"D\" search=\"" search "\" type=\"mir\"/>"             \
    "<Content type=\"" ctype "\">" value "</Content></IndicatorItem>\n"

/* ---- tests --------------------------------------------------------------- */

static void test_openioc__v10_metadata_to_advisory_and_threats(void **state)
{
    (void)state;
    static const char xml[] =
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<!-- licence -->\n"
        "<ioc xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xmlns=\"http://schemas.mandiant.com/2010/ioc\" "
        "id=\"7b9e87c5\" last-modified=\"2015-05-13T18:16:33Z\">\n"
        "  <short_description>BLACKCOFFEE (FAMILY)</short_description>\n"
        "  <description> Indicators for APT17. </description>\n"
        "  <keywords/>\n"
        "  <authored_by>FireEye</authored_by>\n"
        "  <authored_date>2014-10-15T21:02:19</authored_date>\n"
        "  <links>\n"
        "    <link rel=\"category\">Backdoor</link>\n"
        "    <link rel=\"threatgroup\">APT17</link>\n"
        "    <link rel=\"report\">https://example.com/r.html</link>\n"
        "  </links>\n"
        "  <definition>\n"
        "    <Indicator id=\"a\" operator=\"OR\">\n"
        "      <IndicatorItem id=\"item-1\" condition=\"is\">\n"
        "        <Context document=\"FileItem\" search=\"FileItem/Md5sum\" "
        "type=\"mir\"/>\n"
        "        <Content type=\"md5\">de56eb5046e518e266e67585afa34612"
        "</Content>\n"
        "        <Comment>dropper</Comment>\n"
        "      </IndicatorItem>\n"
        "    </Indicator>\n"
        "  </definition>\n"
        "</ioc>\n";
    rec r;
    assert_int_equal(run(xml, &r, NULL), KZ_OK);
    assert_int_equal(r.nadv, 1);
    assert_string_equal(r.key, "7b9e87c5");
    assert_string_equal(r.title, "BLACKCOFFEE (FAMILY)");
    assert_string_equal(r.summary, "Indicators for APT17.");
    assert_string_equal(r.source, "FireEye");
    assert_string_equal(r.url, "https://example.com/r.html");
    char t[32];
    kz_time_format(r.published, t);
    assert_string_equal(t, "2014-10-15T21:02:19Z");
    assert_int_equal(r.nthreats, 2);
    assert_string_equal(r.threats[0], "BLACKCOFFEE");
    assert_string_equal(r.threats[1], "APT17");
    assert_int_equal(r.nthreat_calls, 2);
    assert_string_equal(r.threat_kind[0], "malware");
    assert_string_equal(r.threat_kind[1], "actor");
    assert_int_equal(r.niocs, 1);
    assert_int_equal(r.iocs[0].type, KZ_T_MD5);
    assert_string_equal(r.iocs[0].value, "de56eb5046e518e266e67585afa34612");
    assert_string_equal(r.iocs[0].comment, "dropper");
    assert_string_equal(r.iocs[0].ref, "item-1");
    assert_int_equal(r.iocs[0].line, 16);
    assert_int_equal(r.iocs[0].tagged, 0);
    assert_int_equal(r.nunsup, 0);
}

static void test_openioc__v11_metadata_criteria_and_negate(void **state)
{
    (void)state;
    static const char xml[] =
        "<?xml version=\"1.0\"?>\n"
        "<OpenIOC xmlns=\"http://openioc.org/schemas/OpenIOC_1.1\" "
        "id=\"v11\" published-date=\"2016-01-02T03:04:05Z\">\n"
        "<metadata><short_description>Eleven</short_description>"
        "<description>d</description><authored_by>me</authored_by>"
        "<links><link rel=\"family\">ZeuS</link>"
        "<link rel=\"x\" href=\"https://example.org/a\">a</link></links>"
        "</metadata>\n"
        "<criteria><Indicator id=\"t\" operator=\"OR\">\n"
        "<IndicatorItem id=\"a\" condition=\"is\" negate=\"false\" "
        "preserve-case=\"false\"><Context document=\"FileItem\" "
        "search=\"FileItem/Sha256sum\" type=\"mir\"/><Content "
        "type=\"string\">"
        "0000000000000000000000000000000000000000000000000000000000000001"
        "</Content></IndicatorItem>\n"
        "<IndicatorItem id=\"b\" condition=\"is\" negate=\"true\">"
        "<Context document=\"FileItem\" search=\"FileItem/FileName\" "
        "type=\"mir\"/><Content type=\"string\">a.exe</Content>"
        "</IndicatorItem>\n"
        "<IndicatorItem id=\"c\" condition=\"starts-with\">"
        "<Context document=\"FileItem\" search=\"FileItem/FileName\" "
        "type=\"mir\"/><Content type=\"string\">b</Content>"
        "</IndicatorItem>\n"
        "</Indicator></criteria>\n"
        "<parameters/>\n"
        "</OpenIOC>\n";
    rec r;
    assert_int_equal(run(xml, &r, NULL), KZ_OK);
    assert_string_equal(r.key, "v11");
    assert_string_equal(r.title, "Eleven");
    assert_string_equal(r.source, "me");
    assert_string_equal(r.url, "https://example.org/a");
    assert_int_equal(r.nthreats, 1);
    assert_string_equal(r.threats[0], "ZeuS");
    char t[32];
    kz_time_format(r.published, t);
    assert_string_equal(t, "2016-01-02T03:04:05Z");
    assert_int_equal(r.niocs, 1);
    assert_int_equal(r.iocs[0].type, KZ_T_SHA256);
    assert_int_equal(r.nunsup, 2);
    assert_true(has_unsup(&r, "openioc negated condition"));
    assert_true(has_unsup(&r, "openioc condition starts-with"));
    assert_int_equal(r.unsup_line[0], 6);
}

static void test_openioc__every_search_maps_to_its_type(void **state)
{
    (void)state;
    static const struct {
        const char *search, *value;
        kz_type type;
    } cases[] = {
        {"FileItem/Md5sum", "de56eb5046e518e266e67585afa34612", KZ_T_MD5},
        {"FileItem/Sha1sum", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
         KZ_T_SHA1},
        {"FileItem/Sha256sum",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         KZ_T_SHA256},
        {"FileItem/FileName", "evil.exe", KZ_T_FILENAME},
        {"FileItem/FullPath", "C:\\Windows\\evil.exe", KZ_T_FILEPATH},
        {"FileItem/FilePath", "Windows\\evil.exe", KZ_T_FILEPATH},
        {"FileItem/PEInfo/VersionInfoList/VersionInfoItem/OriginalFilename",
         "orig.dll", KZ_T_FILENAME},
        {"FileItem/StringList/string", "MZ evil", KZ_T_STRING},
        {"ProcessItem/name", "evil.exe", KZ_T_FILENAME},
        {"ProcessItem/StringList/string", "beacon", KZ_T_STRING},
        {"ProcessItem/HandleList/Handle/Name", "Global\\m1", KZ_T_MUTEX},
        {"ServiceItem/serviceDLL", "C:\\x\\s.dll", KZ_T_FILEPATH},
        {"ServiceItem/serviceDLLmd5sum", "de56eb5046e518e266e67585afa34612",
         KZ_T_MD5},
        {"ServiceItem/serviceDLLsha1sum",
         "da39a3ee5e6b4b0d3255bfef95601890afd80709", KZ_T_SHA1},
        {"ServiceItem/serviceDLLsha256sum",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         KZ_T_SHA256},
        {"Network/DNS", "evil.example.com", KZ_T_DOMAIN},
        {"Network/URI", "http://evil.example.com/a", KZ_T_URL},
        {"Network/UserAgent", "Mozilla/4.0 (evil)", KZ_T_USER_AGENT},
        {"DnsEntryItem/Host", "a.example.net", KZ_T_DOMAIN},
        {"DnsEntryItem/RecordName", "b.example.net", KZ_T_DOMAIN},
        {"DnsEntryItem/RecordData/Host", "c.example.net", KZ_T_DOMAIN},
        {"DnsEntryItem/RecordData/IPv4Address", "192.0.2.1", KZ_T_IPV4},
        {"PortItem/remoteIP", "192.0.2.2", KZ_T_IPV4},
        {"PortItem/remoteIP", "2001:db8::1", KZ_T_IPV6},
        {"PortItem/remoteIP", "192.0.2.0/24", KZ_T_CIDR},
        {"UrlHistoryItem/URL", "https://x.example/p", KZ_T_URL},
        {"UrlHistoryItem/HostName", "x.example.org", KZ_T_DOMAIN},
        {"FileDownloadHistoryItem/SourceURL", "http://d.example/f", KZ_T_URL},
        {"Email/From", "bad@example.com", KZ_T_EMAIL},
        {"Email/Attachment/Name", "invoice.doc", KZ_T_FILENAME},
        {"RegistryItem/Path", "HKLM\\Software\\Run\\evil", KZ_T_REGKEY},
        {"registryitem/keypath", "HKCU\\Software\\X", KZ_T_REGKEY},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char xml[2048];
        snprintf(xml, sizeof xml,
                 HEAD10 "<IndicatorItem id=\"i\" condition=\"is\">"
                        "<Context document=\"D\" search=\"%s\"/>"
                        "<Content type=\"string\">%s</Content>"
                        "</IndicatorItem>\n" TAIL10,
                 cases[k].search, cases[k].value);
        rec r;
        assert_int_equal(run(xml, &r, NULL), KZ_OK);
        assert_int_equal(r.niocs, 1);
        assert_int_equal(r.iocs[0].type, cases[k].type);
        assert_string_equal(r.iocs[0].value, cases[k].value);
        assert_int_equal(r.nunsup, 0);
    }
}

static void test_openioc__unknown_search_is_unsupported(void **state)
{
    (void)state;
    rec r;
    assert_int_equal(
        run(HEAD10 ITEM("is", "ServiceItem/name", "string", "evilsvc")
                ITEM("is",
                     "FileItem/PEInfo/DigitalSignature/"
                     "CertificateSubject",
                     "string", "CN=Evil") TAIL10,
            &r, NULL),
        KZ_OK);
    assert_int_equal(r.niocs, 0);
    assert_int_equal(r.nunsup, 2);
    assert_string_equal(r.unsup[0], "openioc search ServiceItem/name");
    assert_int_equal(r.unsup_line[0], 5);
}

static void
test_openioc__contains_kept_for_whole_values_and_strings(void **state)
{
    (void)state;
    rec r;
    assert_int_equal(
        run(HEAD10 ITEM("contains", "DnsEntryItem/Host", "string",
                        "kavkazcentr.info") ITEM("contains",
                                                 "FileItem/StringList/string",
                                                 "string", "evil string")
                ITEM("contains", "FileItem/FileName", "string", "svch")
                    ITEM("contains", "DnsEntryItem/Host", "string", "bad host!")
                        ITEM("isnot", "FileItem/Md5sum", "md5",
                             "de56eb5046e518e266e67585afa34612")
                            ITEM("containsnot", "FileItem/FileName", "string",
                                 "x.exe") TAIL10,
            &r, NULL),
        KZ_OK);
    assert_int_equal(r.niocs, 2);
    assert_int_equal(r.iocs[0].type, KZ_T_DOMAIN);
    assert_string_equal(r.iocs[0].value, "kavkazcentr.info");
    assert_int_equal(r.iocs[1].type, KZ_T_STRING);
    assert_int_equal(r.nunsup, 4);
    assert_string_equal(r.unsup[0], "openioc contains condition");
    assert_string_equal(r.unsup[1], "openioc contains condition");
    assert_string_equal(r.unsup[2], "openioc negated condition");
    assert_string_equal(r.unsup[3], "openioc negated condition");
}

static void test_openioc__and_group_counted_once_and_items_tagged(void **state)
{
    (void)state;
    /* clang-format off */
    static const char xml[] =
        HEAD10
        "<Indicator operator=\"OR\">\n"
        ITEM("is", "FileItem/Md5sum", "md5", "de56eb5046e518e266e67585afa34612")
        "<Indicator operator=\"AND\">\n"
        ITEM("is", "FileItem/FileName", "string", "svchost.exe")
        "<Indicator operator=\"OR\">\n"
        ITEM("is", "FileItem/FullPath", "string", "C:\\Temp\\svchost.exe")
        "</Indicator>\n"
        "</Indicator>\n"
        "<Indicator operator=\"AND\">\n"
        ITEM("is", "FileItem/FileName", "string", "lone.exe")
        "</Indicator>\n"
        "</Indicator>\n"
        TAIL10;
    /* clang-format on */
    rec r;
    assert_int_equal(run(xml, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 4);
    assert_int_equal(r.iocs[0].tagged, 0);
    assert_int_equal(r.iocs[1].tagged, 1);
    assert_int_equal(r.iocs[2].tagged, 1); /* nested under the AND */
    assert_int_equal(r.iocs[3].tagged, 0); /* an AND of one is plain */
    assert_int_equal(r.nunsup, 1);
    assert_string_equal(r.unsup[0], "openioc AND group");
    assert_int_equal(r.unsup_line[0], 7);
}

static void
test_openioc__handle_type_decides_mutex_path_or_unsupported(void **state)
{
    (void)state;
    static const char *const types[] = {"Mutant", "File", "Key", "Event"};
    static const kz_type want[] = {KZ_T_MUTEX, KZ_T_FILEPATH, KZ_T_REGKEY,
                                   KZ_T_NONE};
    for (size_t k = 0; k < 4; k++) {
        char xml[2048];
        snprintf(xml, sizeof xml,
                 HEAD10 "<Indicator operator=\"AND\">" ITEM(
                     "is", "ProcessItem/HandleList/Handle/Type", "string", "%s")
                     ITEM("is", "ProcessItem/HandleList/Handle/Name", "string",
                          "Global\\obj") "</Indicator>" TAIL10,
                 types[k]);
        rec r;
        assert_int_equal(run(xml, &r, NULL), KZ_OK);
        if (want[k] == KZ_T_NONE) {
            assert_int_equal(r.niocs, 0);
            assert_true(has_unsup(&r, "openioc handle of another object type"));
        } else {
            assert_int_equal(r.niocs, 1);
            assert_int_equal(r.iocs[0].type, want[k]);
            assert_string_equal(r.iocs[0].value, "Global\\obj");
        }
    }
}

static void test_openioc__odd_values_are_unsupported(void **state)
{
    (void)state;
    rec r;
    assert_int_equal(
        run(HEAD10 ITEM("is", "Network/URI", "string", "/gate.php?id=1")
                ITEM("is", "FileItem/Md5sum", "md5", "  ")
                    ITEM("greater-than", "FileItem/SizeInBytes", "int", "5")
                        ITEM("is", "FileItem/FileName", "string",
                             "  spaced.exe\n") TAIL10,
            &r, NULL),
        KZ_OK);
    assert_int_equal(r.niocs, 1);
    assert_string_equal(r.iocs[0].value, "spaced.exe");
    assert_true(has_unsup(&r, "openioc URI without scheme"));
    assert_true(has_unsup(&r, "openioc empty value"));
    assert_true(has_unsup(&r, "openioc search FileItem/SizeInBytes"));
}

static void test_openioc__long_value_is_unsupported(void **state)
{
    (void)state;
    size_t n = KZ_MAX_VALUE + 10;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    size_t cap = n + 1024;
    char *xml = malloc(cap);
    assert_non_null(xml);
    snprintf(xml, cap,
             HEAD10 ITEM("is", "FileItem/StringList/string", "string", "%s")
                 TAIL10,
             big);
    rec r;
    assert_int_equal(run(xml, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 0);
    assert_true(has_unsup(&r, "openioc value too long"));
    free(xml);
    free(big);
}

static void test_openioc__external_entity_is_never_read(void **state)
{
    (void)state;
    static const char xml[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE ioc [<!ENTITY e SYSTEM \"file:///etc/passwd\">\n"
        "<!ENTITY n SYSTEM \"http://127.0.0.1:1/x\">\n"
        "<!ENTITY i \"inner\">]>\n"
        "<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\" id=\"k\">\n"
        "<short_description>&e;</short_description>\n"
        "<description>&n;</description>\n"
        "<definition>\n" ITEM("is", "FileItem/FileName", "string", "&e;")
            ITEM("is", "FileItem/FileName", "string", "a&i;.exe")
                ITEM("is", "FileItem/FileName", "string", "ok&amp;.exe") TAIL10;
    rec r;
    assert_int_equal(run(xml, &r, NULL), KZ_OK);
    assert_null(strstr(r.title, "root:"));
    assert_null(strstr(r.summary, "root:"));
    assert_null(strstr(r.key, "root:"));
    for (int i = 0; i < r.niocs; i++)
        assert_null(strstr(r.iocs[i].value, "root:"));
    /* Items with entity references are not guessed at. */
    assert_int_equal(r.niocs, 1);
    assert_string_equal(r.iocs[0].value, "ok&.exe");
    assert_int_equal(r.nunsup, 2);
    assert_string_equal(r.unsup[0], "openioc entity reference");
}

static void test_openioc__malformed_xml_names_input_line_column(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    rec r;
    assert_int_equal(
        run("<?xml version=\"1.0\"?>\n<ioc>\n  <a></b>\n</ioc>\n", &r, &ctx),
        KZ_ERR_PARSE);
    const char *m = kz_ctx_errmsg(ctx);
    assert_true(strncmp(m, "t.ioc:3:", 8) == 0);
    assert_non_null(strstr(m, "XML:"));
    kz_ctx_free(ctx);

    assert_int_equal(run("", &r, &ctx), KZ_ERR_PARSE);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "t.ioc:1", 7) == 0);
    kz_ctx_free(ctx);
}

static void test_openioc__wrong_root_or_namespace_is_rejected(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    rec r;
    assert_int_equal(run("<?xml version=\"1.0\"?>\n\n<stix/>\n", &r, &ctx),
                     KZ_ERR_PARSE);
    assert_string_equal(kz_ctx_errmsg(ctx),
                        "t.ioc:3: not an OpenIOC 1.0 or 1.1 document (root "
                        "element stix)");
    kz_ctx_free(ctx);
    assert_int_equal(
        run("<ioc xmlns=\"urn:other\"><definition/></ioc>", &r, &ctx),
        KZ_ERR_PARSE);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "urn:other"));
    kz_ctx_free(ctx);
    /* No namespace at all is accepted (hand-written files). */
    assert_int_equal(run("<ioc id=\"n\"><definition>" ITEM(
                             "is", "FileItem/FileName", "string",
                             "a.exe") "</definition></ioc>",
                         &r, NULL),
                     KZ_OK);
    assert_int_equal(r.niocs, 1);
}

static void test_openioc__item_without_context_is_a_parse_error(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    rec r;
    assert_int_equal(run(HEAD10 "<IndicatorItem condition=\"is\">"
                                "<Content>x</Content></IndicatorItem>" TAIL10,
                         &r, &ctx),
                     KZ_ERR_PARSE);
    assert_string_equal(kz_ctx_errmsg(ctx),
                        "t.ioc:5: IndicatorItem without Context/@search");
    kz_ctx_free(ctx);
}

static void test_openioc__nesting_limit(void **state)
{
    (void)state;
    size_t cap = 200 * 40 + 1024;
    char *xml = malloc(cap);
    assert_non_null(xml);
    size_t k = (size_t)snprintf(xml, cap, "<ioc><definition>");
    for (int i = 0; i < 100; i++)
        k += (size_t)snprintf(xml + k, cap - k, "<Indicator operator=\"OR\">");
    for (int i = 0; i < 100; i++)
        k += (size_t)snprintf(xml + k, cap - k, "</Indicator>");
    snprintf(xml + k, cap - k, "</definition></ioc>");
    kz_ctx *ctx = NULL;
    rec r;
    assert_int_equal(run(xml, &r, &ctx), KZ_ERR_LIMIT);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "nested deeper than 64"));
    kz_ctx_free(ctx);
    free(xml);
}

static void test_openioc__sink_status_stops_and_null_callbacks(void **state)
{
    (void)state;
    static const char xml[] =
        HEAD10 ITEM("is", "FileItem/FileName", "string", "a.exe")
            ITEM("is", "FileItem/FileName", "string", "b.exe")
                ITEM("is", "Bogus/Search", "string", "c") TAIL10;
    rec r;
    memset(&r, 0, sizeof r);
    r.stop_after = 1;
    kz_intel_sink s = {.ud = &r, .ioc = on_ioc};
    assert_int_equal(run_sink(xml, &r, NULL, &s), KZ_ERR_ABORTED);
    assert_int_equal(r.niocs, 1);
    /* Only NULL callbacks: nothing to call, still reads to the end. */
    kz_intel_sink none = {.ud = NULL};
    assert_int_equal(run_sink(xml, &r, NULL, &none), KZ_OK);
}

static void test_openioc__allocation_failures_are_reported(void **state)
{
    (void)state;
    static const char xml[] = HEAD10 "<Indicator operator=\"AND\">" ITEM(
        "is", "FileItem/FileName", "string", "a.exe")
        ITEM("is", "ProcessItem/HandleList/Handle/Name", "string",
             "m") "</Indicator>" TAIL10;
    int failed = 0;
    for (unsigned long n = 1; n < 40; n++) {
        rec r;
        kz_ctx *ctx = NULL;
        assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
        memset(&r, 0, sizeof r);
        kz_intel_sink s = {.ud = &r, .ioc = on_ioc};
        FILE *f = fmemopen((void *)xml, sizeof xml - 1, "r");
        kz_alloc_fail_after(n);
        kz_status st = kz_read_openioc(ctx, f, NULL, &s);
        kz_alloc_fail_after(0);
        fclose(f);
        kz_ctx_free(ctx);
        assert_true(st == KZ_OK || st == KZ_ERR_NOMEM);
        failed += st == KZ_ERR_NOMEM;
    }
    assert_true(failed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openioc__v10_metadata_to_advisory_and_threats),
        cmocka_unit_test(test_openioc__v11_metadata_criteria_and_negate),
        cmocka_unit_test(test_openioc__every_search_maps_to_its_type),
        cmocka_unit_test(test_openioc__unknown_search_is_unsupported),
        cmocka_unit_test(
            test_openioc__contains_kept_for_whole_values_and_strings),
        cmocka_unit_test(test_openioc__and_group_counted_once_and_items_tagged),
        cmocka_unit_test(
            test_openioc__handle_type_decides_mutex_path_or_unsupported),
        cmocka_unit_test(test_openioc__odd_values_are_unsupported),
        cmocka_unit_test(test_openioc__long_value_is_unsupported),
        cmocka_unit_test(test_openioc__external_entity_is_never_read),
        cmocka_unit_test(test_openioc__malformed_xml_names_input_line_column),
        cmocka_unit_test(test_openioc__wrong_root_or_namespace_is_rejected),
        cmocka_unit_test(test_openioc__item_without_context_is_a_parse_error),
        cmocka_unit_test(test_openioc__nesting_limit),
        cmocka_unit_test(test_openioc__sink_status_stops_and_null_callbacks),
        cmocka_unit_test(test_openioc__allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
