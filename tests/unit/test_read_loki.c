/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of kz_read_loki: the four flavours told apart by content,
 * hash types by length, comment blocks as context (ended by a blank line),
 * literal filename regexes as file names and paths with their score, the
 * other regexes, scores and false-positive regexes reported unsupported,
 * CRLF and trailing blanks, and malformed lines (message names the input,
 * line and column). Fixtures are strings read through fmemopen.
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

#define MAXREC 64

typedef struct rec_ioc {
    kz_type type;
    char value[256];
    char comment[256];
    int score;
    uint64_t line;
} rec_ioc;

typedef struct rec {
    rec_ioc iocs[MAXREC];
    int niocs;
    char unsup[MAXREC][64];
    uint64_t unsup_line[MAXREC];
    int nunsup;
} rec;

static void cp(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    rec *r = ud;
    assert_non_null(i->value);
    assert_int_equal(strlen(i->value), i->value_len);
    assert_int_equal(i->confidence, -1);
    if (r->niocs < MAXREC) {
        rec_ioc *x = &r->iocs[r->niocs];
        x->type = i->type;
        cp(x->value, sizeof x->value, i->value);
        cp(x->comment, sizeof x->comment, i->comment);
        x->score = i->score;
        x->line = i->line;
    }
    r->niocs++;
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

static kz_status run_n(const char *text, size_t n, rec *r, kz_ctx **ctxp)
{
    memset(r, 0, sizeof *r);
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    FILE *f = fmemopen((void *)text, n ? n : 1, "r");
    assert_non_null(f);
    if (n == 0)
        fgetc(f); /* fmemopen wants a size of at least 1: an empty input */
    kz_intel_sink s = {.ud = r, .ioc = on_ioc, .unsupported = on_unsup};
    kz_read_opts o = {.name = "iocs.txt"};
    kz_status st = kz_read_loki(ctx, f, &o, &s);
    fclose(f);
    if (ctxp)
        *ctxp = ctx;
    else
        kz_ctx_free(ctx);
    return st;
}

static kz_status run(const char *text, rec *r, kz_ctx **ctxp)
{
    return run_n(text, strlen(text), r, ctxp);
}

static void test_loki__hash_iocs_types_comments_and_context(void **state)
{
    (void)state;
    static const char text[] =
        "#\n"
        "# LOKI CUSTOM EVIL HASHES\n"
        "# FORMAT ---\n"
        "# MD5;COMMENT\n"
        "\n"
        "# Dark Caracal https://example.com/dc\n"
        "de56eb5046e518e266e67585afa34612;Dark Caracal - PE32\n"
        "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;"
        "  a;b  \r\n"
        "\n"
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e;"
        "sha512\n";
    rec r;
    assert_int_equal(run(text, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 4);
    assert_int_equal(r.iocs[0].type, KZ_T_MD5);
    assert_string_equal(r.iocs[0].comment, "Dark Caracal - PE32");
    assert_int_equal(r.iocs[0].line, 7);
    assert_int_equal(r.iocs[0].score, -1);
    assert_int_equal(r.iocs[1].type, KZ_T_SHA1);
    assert_string_equal(r.iocs[1].value,
                        "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    /* no comment of its own: the block's */
    assert_string_equal(r.iocs[1].comment,
                        "Dark Caracal https://example.com/dc");
    assert_int_equal(r.iocs[2].type, KZ_T_SHA256);
    assert_string_equal(r.iocs[2].comment, "a;b");
    assert_int_equal(r.iocs[3].type, KZ_T_SHA512);
    assert_int_equal(r.nunsup, 0);
}

static void test_loki__blank_line_ends_the_comment_block(void **state)
{
    (void)state;
    static const char text[] = "# Header line one\n"
                               "# ---------\n"
                               "# line two\n"
                               "de56eb5046e518e266e67585afa34612\n"
                               "\n"
                               "de56eb5046e518e266e67585afa34613\n"
                               "# Group\n"
                               "\n"
                               "de56eb5046e518e266e67585afa34614\n";
    rec r;
    assert_int_equal(run(text, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 3);
    assert_string_equal(r.iocs[0].comment, "Header line one; line two");
    assert_string_equal(r.iocs[1].comment, "");
    assert_string_equal(r.iocs[2].comment, "");
}

static void test_loki__bad_hash_line_is_a_parse_error(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    rec r;
    assert_int_equal(run("de56eb5046e518e266e67585afa34612;a\n"
                         "de56eb5046e518e266e67585afa34613;b\n"
                         "  xyz;not a hash\n",
                         &r, &ctx),
                     KZ_ERR_PARSE);
    assert_string_equal(
        kz_ctx_errmsg(ctx),
        "iocs.txt:3:3: not an MD5, SHA-1, SHA-256 or SHA-512 digest");
    kz_ctx_free(ctx);
}

static void test_loki__c2_iocs_guess_each_value(void **state)
{
    (void)state;
    static const char text[] = "# LOKI C2 IOCs\n"
                               "\n"
                               "# Operation Snowman https://goo.gl/x\n"
                               "suroot.com\n"
                               "58.64.143.244  \r\n"
                               "2001:db8::1\n"
                               "192.0.2.0/24\n"
                               "http://evil.example.com/gate.php\n"
                               "c2.evil.bit;own comment\n"
                               "not a host at all\n";
    rec r;
    assert_int_equal(run(text, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 6);
    static const kz_type want[] = {KZ_T_DOMAIN, KZ_T_IPV4, KZ_T_IPV6,
                                   KZ_T_CIDR,   KZ_T_URL,  KZ_T_DOMAIN};
    for (int i = 0; i < 6; i++)
        assert_int_equal(r.iocs[i].type, want[i]);
    assert_string_equal(r.iocs[1].value, "58.64.143.244");
    assert_string_equal(r.iocs[0].comment,
                        "Operation Snowman https://goo.gl/x");
    assert_string_equal(r.iocs[5].value, "c2.evil.bit");
    assert_string_equal(r.iocs[5].comment, "own comment");
    assert_int_equal(r.nunsup, 1);
    assert_string_equal(r.unsup[0], "loki c2 value of unknown type");
    assert_int_equal(r.unsup_line[0], 10);
}

static void test_loki__filename_literals_become_names_and_paths(void **state)
{
    (void)state;
    static const char text[] = "# LOKI File Name Characteristics\n"
                               "# \\\\svcsstat\\.exe;70\n"
                               "\n"
                               "# Regin\n"
                               "\\\\usbclass\\.sys;80\n"
                               "\\\\netfilter\\.sys$;65\n"
                               "\\\\Temp\\\\evil\\.exe;90\n"
                               "ystem32\\\\winhttpc\\.dll;80\n"
                               "(?i)^C:\\\\Windows\\\\x\\.exe$;150\n"
                               "adobe_sl.exe;40\r\n"
                               "\\\\tmp\\.exe;60;(?i)\\\\AppData\\\\\n";
    rec r;
    assert_int_equal(run(text, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 7);
    assert_int_equal(r.iocs[0].type, KZ_T_FILENAME);
    assert_string_equal(r.iocs[0].value, "usbclass.sys");
    assert_int_equal(r.iocs[0].score, 80);
    assert_string_equal(r.iocs[0].comment, "Regin");
    assert_int_equal(r.iocs[1].type, KZ_T_FILENAME);
    assert_string_equal(r.iocs[1].value, "netfilter.sys");
    assert_int_equal(r.iocs[1].score, 65);
    assert_int_equal(r.iocs[2].type, KZ_T_FILEPATH);
    assert_string_equal(r.iocs[2].value, "\\Temp\\evil.exe");
    assert_int_equal(r.iocs[3].type, KZ_T_FILEPATH);
    assert_string_equal(r.iocs[3].value, "ystem32\\winhttpc.dll");
    assert_int_equal(r.iocs[4].type, KZ_T_FILEPATH);
    assert_string_equal(r.iocs[4].value, "C:\\Windows\\x.exe");
    assert_int_equal(r.iocs[4].score, 100); /* clamped */
    assert_int_equal(r.iocs[5].type, KZ_T_FILENAME);
    assert_string_equal(r.iocs[5].value, "adobe_sl.exe");
    assert_int_equal(r.iocs[6].type, KZ_T_FILENAME);
    assert_string_equal(r.iocs[6].value, "tmp.exe");
    assert_int_equal(r.nunsup, 1);
    assert_string_equal(r.unsup[0], "loki false-positive regex");
    assert_int_equal(r.unsup_line[0], 11);
}

static void test_loki__filename_regexes_and_scores_unsupported(void **state)
{
    (void)state;
    static const char text[] = "(TEMP|TMP|Temp)\\\\DW20\\.dll;80\n"
                               "\\\\Temp\\\\~[a-z][a-z]~;80\n"
                               "\\\\dl_\\d{2}\\.exe;80\n"
                               "ProgramData\\\\Mail\\\\MailAg\\\\;80\n"
                               "mimikatz;80\n"
                               "\\\\good\\.exe;-50\n"
                               "\\\\zero\\.exe;0\n"
                               "\\\\x.*\\.exe;50\n"
                               "\\\\ok\\.exe;55\n";
    rec r;
    assert_int_equal(run(text, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 1);
    assert_string_equal(r.iocs[0].value, "ok.exe");
    assert_int_equal(r.nunsup, 8);
    int regex = 0, score = 0;
    for (int i = 0; i < r.nunsup; i++) {
        regex += strcmp(r.unsup[i], "loki filename regex") == 0;
        score += strcmp(r.unsup[i], "loki filename non-positive score") == 0;
    }
    assert_int_equal(regex, 6);
    assert_int_equal(score, 2);
}

static void test_loki__filename_bad_score_is_a_parse_error(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    rec r;
    assert_int_equal(run("\\\\a\\.exe;80\n\\\\b\\.exe;80\n\\\\c\\.exe;80\n"
                         "\\\\d\\.exe;high\n",
                         &r, &ctx),
                     KZ_ERR_PARSE);
    assert_string_equal(kz_ctx_errmsg(ctx),
                        "iocs.txt:4:10: score is not an integer");
    kz_ctx_free(ctx);
}

static void test_loki__keywords_are_strings(void **state)
{
    (void)state;
    static const char text[] = "# MALICIOUS KEYWORDS\n"
                               "\n"
                               "# Mimikatz\n"
                               "eo.oe.kiwi\n"
                               "sekurlsa::LogonPasswords\n"
                               "privilege::debug  \n"
                               "# Metasploit PsExec\n"
                               "%COMSPEC% /C start %COMSPEC% /C "
                               "\\\\WINDOWS\\\\Temp\n"
                               "Invoke-Mimikatz\r\n";
    rec r;
    assert_int_equal(run(text, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(r.iocs[i].type, KZ_T_STRING);
    assert_string_equal(r.iocs[0].value, "eo.oe.kiwi");
    assert_string_equal(r.iocs[0].comment, "Mimikatz");
    assert_string_equal(r.iocs[2].value, "privilege::debug");
    assert_string_equal(r.iocs[3].comment, "Metasploit PsExec");
    assert_string_equal(r.iocs[4].value, "Invoke-Mimikatz");
}

static void test_loki__bom_empty_and_comment_only_inputs(void **state)
{
    (void)state;
    rec r;
    assert_int_equal(run("\xEF\xBB\xBF"
                         "de56eb5046e518e266e67585afa34612;x\n",
                         &r, NULL),
                     KZ_OK);
    assert_int_equal(r.niocs, 1);
    assert_int_equal(r.iocs[0].type, KZ_T_MD5);
    assert_int_equal(run_n("", 0, &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 0);
    assert_int_equal(run("# only\n#comments\n\n\n", &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 0);
    /* no final newline */
    assert_int_equal(run("evil.example.com", &r, NULL), KZ_OK);
    assert_int_equal(r.niocs, 1);
    assert_int_equal(r.iocs[0].type, KZ_T_DOMAIN);
}

static void test_loki__nul_byte_and_long_line_are_errors(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    rec r;
    static const char nul[] = "evil.example.com\nab\0c.example.com\n";
    assert_int_equal(run_n(nul, sizeof nul - 1, &r, &ctx), KZ_ERR_PARSE);
    assert_string_equal(kz_ctx_errmsg(ctx), "iocs.txt:2:3: NUL byte");
    kz_ctx_free(ctx);

    size_t n = 70 * 1024;
    char *big = malloc(n + 64);
    assert_non_null(big);
    memcpy(big, "evil.example.com\n", 17);
    memset(big + 17, 'a', n);
    big[17 + n] = '\0';
    assert_int_equal(run(big, &r, &ctx), KZ_ERR_LIMIT);
    assert_string_equal(kz_ctx_errmsg(ctx),
                        "iocs.txt:2:65537: line longer than 65536 bytes");
    kz_ctx_free(ctx);
    free(big);
}

static void test_loki__flavour_decided_after_the_head_buffer(void **state)
{
    (void)state;
    /* Records past the first 256 KiB are read in the same flavour, and a
     * line split by the head buffer's end is read whole. */
    size_t lines = 9000, cap = lines * 40 + 64;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t k = 0;
    for (size_t i = 0; i < lines; i++)
        k += (size_t)snprintf(text + k, cap - k, "%032zx;c%zu\n", i, i);
    assert_true(k > 256 * 1024);
    rec r;
    memset(&r, 0, sizeof r);
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    FILE *f = fmemopen(text, k, "r");
    int count = 0;
    kz_intel_sink s = {.ud = &count, .ioc = NULL};
    assert_int_equal(kz_read_loki(ctx, f, NULL, &s), KZ_OK);
    fclose(f);
    f = fmemopen(text, k, "r");
    kz_intel_sink s2 = {.ud = &r, .ioc = on_ioc, .unsupported = on_unsup};
    assert_int_equal(kz_read_loki(ctx, f, NULL, &s2), KZ_OK);
    fclose(f);
    assert_int_equal(r.niocs, (int)lines);
    assert_int_equal(r.nunsup, 0);
    kz_ctx_free(ctx);
    free(text);
}

static void test_loki__allocation_failures_are_reported(void **state)
{
    (void)state;
    static const char text[] = "de56eb5046e518e266e67585afa34612;x\n";
    int failed = 0;
    for (unsigned long n = 1; n < 8; n++) {
        rec r;
        memset(&r, 0, sizeof r);
        kz_intel_sink s = {.ud = &r, .ioc = on_ioc};
        FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
        kz_alloc_fail_after(n);
        kz_status st = kz_read_loki(NULL, f, NULL, &s);
        kz_alloc_fail_after(0);
        fclose(f);
        assert_true(st == KZ_OK || st == KZ_ERR_NOMEM);
        failed += st == KZ_ERR_NOMEM;
    }
    assert_true(failed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loki__hash_iocs_types_comments_and_context),
        cmocka_unit_test(test_loki__blank_line_ends_the_comment_block),
        cmocka_unit_test(test_loki__bad_hash_line_is_a_parse_error),
        cmocka_unit_test(test_loki__c2_iocs_guess_each_value),
        cmocka_unit_test(test_loki__filename_literals_become_names_and_paths),
        cmocka_unit_test(test_loki__filename_regexes_and_scores_unsupported),
        cmocka_unit_test(test_loki__filename_bad_score_is_a_parse_error),
        cmocka_unit_test(test_loki__keywords_are_strings),
        cmocka_unit_test(test_loki__bom_empty_and_comment_only_inputs),
        cmocka_unit_test(test_loki__nul_byte_and_long_line_are_errors),
        cmocka_unit_test(test_loki__flavour_decided_after_the_head_buffer),
        cmocka_unit_test(test_loki__allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
