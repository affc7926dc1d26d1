/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/core/refang.c: every defang form kz_refang undoes, the
 * prose it must leave alone (English and Japanese), the offsets of
 * kz_refang_map, the bounds (output never longer than input, cap honoured,
 * NUL passed through), and kz_defang round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core_int.h"
#include "random_text.h"
#include "kizashi/core.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

struct rcase {
    const char *in, *want; /* want NULL: unchanged */
};

static void run_cases(const struct rcase *c, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(c[i].in);
        const char *want = c[i].want ? c[i].want : c[i].in;
        char *out = malloc(n + 1);
        uint32_t *map = malloc((n + 1) * sizeof *map);
        assert_non_null(out);
        assert_non_null(map);
        size_t len = kz_refang(c[i].in, n, out, n + 1);
        if (strcmp(out, want) != 0)
            print_error("case %zu: '%s' -> '%s', want '%s'\n", i, c[i].in, out,
                        want);
        assert_string_equal(out, want);
        assert_int_equal(len, strlen(want));
        assert_true(len <= n);
        /* The map variant gives the same text, offsets ascending and in s. */
        assert_int_equal(kz_refang_map(c[i].in, n, out, n + 1, map), len);
        assert_string_equal(out, want);
        for (size_t j = 0; j < len; j++) {
            assert_true(map[j] < n);
            if (j > 0)
                assert_true(map[j] >= map[j - 1]);
        }
        free(out);
        free(map);
    }
}

static void test_refang__schemes(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"hxxp://evil.com/a", "http://evil.com/a"},
        {"hXXps://evil.com", "https://evil.com"},
        {"HXXP://EVIL.COM", "http://EVIL.COM"},
        {"h**p://evil.com", "http://evil.com"},
        {"h**ps://evil.com", "https://evil.com"},
        {"hxtp://evil.com", "http://evil.com"},
        {"hxxxp://evil.com", "http://evil.com"},
        {"fxp://evil.com", "ftp://evil.com"},
        {"fxps://evil.com", "ftps://evil.com"},
        {"ftx://evil.com", "ftp://evil.com"},
        {"meow://evil.com", "http://evil.com"},
        {"xxxx://evil.com", "http://evil.com"},
        {"XXXXX://evil.com", "https://evil.com"},
        {"xxxxs://evil.com", "https://evil.com"},
        {"see hxxp://evil.com.", "see http://evil.com."},
        {"(hxxp://evil.com)", "(http://evil.com)"},
        {"HTTP://evil.com", NULL},
        {"file:///etc/passwd", NULL},
    };
    run_cases(c, LEN(c));
}

static void test_refang__scheme_separators(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"http[:]//evil.com", "http://evil.com"},
        {"https[:]//evil.com", "https://evil.com"},
        {"http[://]evil.com", "http://evil.com"},
        {"hxxps[://]evil[.]com/a[.]html", "https://evil.com/a.html"},
        {"http(:)//evil.com", "http://evil.com"},
        {"http{:}//evil.com", "http://evil.com"},
        {"http:[//]evil.com", "http://evil.com"},
        {"http:\\/\\/evil.com", "http://evil.com"},
        {"http[:]\\/\\/evil.com", "http://evil.com"},
        {"[http]://evil.com", "http://evil.com"},
        {"(https)://evil.com", "https://evil.com"},
        {"https]://evil.com", "https://evil.com"},
        {"http ://evil.com", "http://evil.com"},
        {"https :///evil.com", "https://evil.com"},
        {"http:// evil.com", "http://evil.com"},
        {"http// evil.com", "http://evil.com"},
        {"https:///evil.com", "https://evil.com"},
        {"http:__evil.com", "http://evil.com"},
        {"hxxp://[2001:db8::1]:80/", "http://[2001:db8::1]:80/"},
    };
    run_cases(c, LEN(c));
}

static void test_refang__scheme_lookalikes_unchanged(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"the hxxp scheme is defanged", NULL},
        {"https//evil.com", NULL}, /* would need one byte more */
        {"http__evil.com", NULL},
        {"xhxxp://evil.com", NULL},
        {"HTTP/1.1 200 OK", NULL},
        {"http: see RFC 9110", NULL},
        {"[http://evil.com", NULL},
        {"123howp", NULL},
    };
    run_cases(c, LEN(c));
}

static void test_refang__bracketed_dots(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"evil[.]com", "evil.com"},
        {"evil(.)com", "evil.com"},
        {"evil{.}com", "evil.com"},
        {"evil<.>com", "evil.com"},
        {"evil[dot]com", "evil.com"},
        {"evil(dot)com", "evil.com"},
        {"evil{dot}com", "evil.com"},
        {"evil<dot>com", "evil.com"},
        {"evil[ . ]com", "evil.com"},
        {"evil[DOT]com", "evil.com"},
        {"evil[Dot]com", "evil.com"},
        {"evil[PUNKT]com", "evil.com"},
        {"evil(punto)com", "evil.com"},
        {"evil[[.]]com", "evil.com"},
        {"evil\\.com", "evil.com"},
        {"www\\.evil\\.com", "www.evil.com"},
        {"https://evil\\(.\\)com/a\\.html", "https://evil.com/a.html"},
        {"evil^.com", "evil.com"},
        {"192[.]168[.]4[.]2", "192.168.4.2"},
        {"1.2.3[.]4", "1.2.3.4"},
        {"ikstrade[.]co[.]kr", "ikstrade.co.kr"},
        {"server-{1,30}[.]evil.com", "server-{1,30}.evil.com"},
        {"5[,]6[,]7(,)8", "5.6.7.8"},
    };
    run_cases(c, LEN(c));
}

static void test_refang__unbalanced_dots(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"10.10.10.]]]10", "10.10.10.10"},
        {"10.10.10[[[.10", "10.10.10.10"},
        {"111[.111.]111[.111", "111.111.111.111"},
        {"hxxp://evil[.com/test", "http://evil.com/test"},
        {"hxxp://evil.]com/test", "http://evil.com/test"},
        {"hxxp://evil[dotcom/test", "http://evil.com/test"},
        {"foo].[com", "foo.com"},
        {"foo[.[com", "foo.com"},
        {"foo}.{com", "foo.com"},
        {"foo{.{com", "foo.com"},
        {"fooDOT]com", "foo.com"},
        {"fooDOT}com", "foo.com"},
        {"foodot]com", "foo.com"},
        {"foopunto)com", "foo.com"},
        {"fooDOTcom", "foo.com"},
        {"foo.[com", NULL},
        {"foo.{com", NULL},
        {"foo}.com", NULL},
        {"foo.}com", NULL},
        {"foodotcom", NULL},
        {"ANECDOTE", NULL},
        {"WWW.MDOT.EXAMPLE.VIP/pay", NULL},
        {"http://accounts.dot-example.online", NULL},
        {"9,10,11,12", NULL}, /* a list of numbers, not an address */
    };
    run_cases(c, LEN(c));
}

static void test_refang__spaced_dots_need_context(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"example [.] com/test", "example.com/test"},
        {"example [.] com [.] tld", "example.com.tld"},
        {"myuser@example   [[[  . ])] com [.tld", "myuser@example.com.tld"},
        {"myuser { at ) example {  doT ])] com [dot tld",
         "myuser@example.com.tld"},
        {"foo@bar DOT com", "foo@bar.com"},
        {"foo@bar  DOT  com", "foo@bar.com"},
        {"evil dot com", "evil.com"},
        {"bad-dot-com", "bad.com"},
        {"x.bad-dot-com.example", NULL},
        {"The dot is here.", NULL},
        {"the dot com bubble", NULL},
        {"each dot in the image", NULL},
        {"a polka dot dress", NULL},
        {"The [.] character", NULL},
        {"Use [.] instead", NULL},
        {"array[.] Then", NULL},
    };
    run_cases(c, LEN(c));
}

static void test_refang__at_forms(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"user[@]evil.com", "user@evil.com"},
        {"user(@)evil.com", "user@evil.com"},
        {"user{@}evil.com", "user@evil.com"},
        {"user[at]evil.com", "user@evil.com"},
        {"user(at)evil.com", "user@evil.com"},
        {"user{at}evil.com", "user@evil.com"},
        {"user[AT]evil.com", "user@evil.com"},
        {"user [at] evil.com", "user@evil.com"},
        {"user (at) evil.com", "user@evil.com"},
        {"user [ @ ] evil.com", "user@evil.com"},
        {"user[et]evil.com", "user@evil.com"},
        {"user[@]evil[.]com", "user@evil.com"},
        {"foo @ bar.com", "foo@bar.com"},
        {"foo  @  bar.com", "foo@bar.com"},
        {"myuser @example[.]com", "myuser@example.com"},
        {"fooATbar.com", "foo@bar.com"},
        {"foo AT bar.com", "foo@bar.com"},
        {"fooat]bar.com", "foo@bar.com"},
        {"fooarroba}bar.com", "foo@bar.com"},
        {"me (arroba) example (punto) com", "me@example.com"},
        {"a+[at]evil.com", "a+@evil.com"},
        {"silena[.]berillo(at)gmail[.]com, hto2018(at)yandex[.]ru",
         "silena.berillo@gmail.com, hto2018@yandex.ru"},
    };
    run_cases(c, LEN(c));
}

static void test_refang__at_lookalikes_unchanged(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"fooMATbar.com", NULL},
        {"fooATAbar.com", NULL},
        {"Visit us at example.com", NULL},
        {"LOOK AT EXAMPLE.COM", NULL},
        {"Meet me (at) noon.", NULL},
        {"user@evil.com", NULL},
        {"x<@evil.com>", NULL},
        {"[atlas] and foo[atlas]", NULL},
    };
    run_cases(c, LEN(c));
}

static void test_refang__colon_slash_hyphen_and_label_brackets(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"1.2.3.4[:]8080", "1.2.3.4:8080"},
        {"1.2.3.4(:)8080", "1.2.3.4:8080"},
        {"1.2.3.4{:}8080", "1.2.3.4:8080"},
        {"http://evil.com[/]test", "http://evil.com/test"},
        {"http://evil(.)com(/)test", "http://evil.com/test"},
        {"hxxp://evil.com[/test", "http://evil.com/test"},
        {"evil[.]com[://]x", "evil.com://x"},
        {"foo[-]bar.com", "foo-bar.com"},
        {"diota[-]ar.com:80/.well-known/a.pdf",
         "diota-ar.com:80/.well-known/a.pdf"},
        {"[www].example.com", "www.example.com"},
        {"(www).example.com", "www.example.com"},
        {"<COMPUTERNAME>-<Random_Number>", NULL},
        {"[1.2.3.4] and [evil.com].", NULL},
    };
    run_cases(c, LEN(c));
}

static void test_refang__full_width_forms(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"ｅｖｉｌ．ｃｏｍ", "evil.com"},
        {"ｈｘｘｐ：／／ｅｖｉｌ．ｃｏｍ／ａ", "http://evil.com/a"},
        {"user＠evil.com", "user@evil.com"},
        {"１９２．１６８．０．１", "192.168.0.1"},
        {"evil［.］com", "evil.com"},
        {"evil［．］com", "evil.com"},
        {"C2: ｅｖｉｌ．ｃｏｍ です", "C2: evil.com です"},
        {"example。com", "example.com"},
        {"ｅｘａｍｐｌｅ。ｃｏｍ", "example.com"},
        {"evil｡com", "evil.com"},
    };
    run_cases(c, LEN(c));
}

static void test_refang__leaves_prose_alone(void **state)
{
    (void)state;
    static const struct rcase c[] = {
        {"Version 1.2 is out. The dot is here.", NULL},
        {"Use e.g. (see above) and [1], then stop.", NULL},
        {"The attacker (at least one) used a dot-com domain.", NULL},
        {"C:\\Windows\\.hidden and HKLM\\SOFTWARE\\Microsoft\\.NETFramework",
         NULL},
        {"logon type 3 (network).\\r\\nThe New Logon", NULL},
        {"http://[2001:db8::1]:80/x and http://evil.com/a.b", NULL},
        {"これはテストです。次の文です。", NULL},
        {"攻撃者は2023年に活動を開始した。Windows 10。次に", NULL},
        {"資料１（写）.docx と【参考】ファイル", NULL},
        {"（注）ＡＢＣ社の報告書", NULL},
        {"ABC。", NULL},
    };
    run_cases(c, LEN(c));
}

static void test_refang_map__offsets(void **state)
{
    (void)state;
    const char *in = "hxxp://evil[.]com x";
    char out[32];
    uint32_t map[32];
    size_t len = kz_refang_map(in, strlen(in), out, sizeof out, map);
    assert_string_equal(out, "http://evil.com x");
    assert_int_equal(len, 17);
    static const uint32_t want[] = {0, 0,  0,  0,  4,  5,  6,  7, 8,
                                    9, 10, 11, 14, 15, 16, 17, 18};
    assert_memory_equal(map, want, sizeof want);

    in = "a [at] b.jp";
    len = kz_refang_map(in, strlen(in), out, sizeof out, map);
    assert_string_equal(out, "a@b.jp");
    static const uint32_t want2[] = {0, 1, 7, 8, 9, 10};
    assert_memory_equal(map, want2, sizeof want2);

    in = "ｅ．x"; /* two 3-byte characters */
    len = kz_refang_map(in, strlen(in), out, sizeof out, map);
    assert_string_equal(out, "e.x");
    static const uint32_t want3[] = {0, 3, 6};
    assert_memory_equal(map, want3, sizeof want3);

    in = "[www].example";
    len = kz_refang_map(in, strlen(in), out, sizeof out, map);
    assert_string_equal(out, "www.example");
    assert_int_equal(map[0], 1);
    assert_int_equal(map[3], 5);
    assert_int_equal(map[10], 12);
}

static void test_refang__bounds(void **state)
{
    (void)state;
    char out[64];
    /* cap smaller than the output: cut short, NUL-terminated, no overflow */
    memset(out, 'Z', sizeof out);
    size_t len = kz_refang("evil[.]com and more", 19, out, 6);
    assert_true(len <= 5);
    assert_int_equal(strlen(out), len);
    assert_int_equal(out[6], 'Z');
    len = kz_refang("hxxp://evil.com", 15, out, 5);
    assert_true(len <= 4);
    assert_int_equal(strlen(out), len);
    /* NULL and empty */
    assert_int_equal(kz_refang(NULL, 10, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(kz_refang("abc", 3, out, 0), 0);
    assert_int_equal(kz_refang("abc", 3, NULL, 10), 0);
    /* NUL bytes are copied like any other byte, never part of a form */
    len = kz_refang("a\0b[.]c[\0.]d", 12, out, sizeof out);
    assert_int_equal(len, 10);
    assert_memory_equal(out, "a\0b.c[\0.]d", 10);
    /* reads no further than n */
    len = kz_refang("evil[.]com", 6, out, sizeof out);
    assert_string_equal(out, "evil[.");
}

static void test_refang__long_hostile_input_is_bounded(void **state)
{
    (void)state;
    static const char *const unit[] = {
        "a[.]", "[[[[", "    ",   "a [.",  "hxxp",
        "a@ b", "ｅ．", "a-dot-", "x AT ", "\\.\\.",
    };
    size_t n = 1u << 20;
    char *in = malloc(n), *out = malloc(n + 1);
    uint32_t *map = malloc((n + 1) * sizeof *map);
    assert_non_null(in);
    assert_non_null(out);
    assert_non_null(map);
    for (size_t u = 0; u < LEN(unit); u++) {
        size_t ul = strlen(unit[u]);
        for (size_t i = 0; i < n; i++)
            in[i] = unit[u][i % ul];
        size_t len = kz_refang_map(in, n, out, n + 1, map);
        assert_true(len <= n);
        assert_int_equal(out[len], '\0');
    }
    free(in);
    free(out);
    free(map);
}

static void test_refang__undoes_defang(void **state)
{
    (void)state;
    static const struct {
        kz_type t;
        const char *v;
    } c[] = {
        {KZ_T_URL, "http://evil.example.com/a/b.php?x=1"},
        {KZ_T_URL, "https://1.2.3.4:8443/"},
        {KZ_T_URL, "ftp://files.evil.com/x"},
        {KZ_T_DOMAIN, "a-b.evil.co.uk"},
        {KZ_T_DOMAIN, "_dmarc.evil.com"},
        {KZ_T_IPV4, "10.0.0.1"},
        {KZ_T_EMAIL, "first.last+tag@evil.example"},
    };
    for (size_t i = 0; i < LEN(c); i++) {
        char d[128], r[128];
        size_t dl;
        assert_int_equal(
            kz_defang(c[i].t, c[i].v, strlen(c[i].v), d, sizeof d, &dl), KZ_OK);
        assert_string_not_equal(d, c[i].v);
        kz_refang(d, dl, r, sizeof r);
        assert_string_equal(r, c[i].v);
    }
}

/* kz_refang_needed lets the extractor skip refanging: wherever it answers
 * 0, kz_refang_map must copy the text unchanged with the identity map. */
static void check_skip_is_identity(const char *t, size_t n)
{
    static char out[512];
    static uint32_t map[512];
    if (kz_refang_needed(t, n))
        return;
    size_t k = kz_refang_map(t, n, out, sizeof out, map);
    assert_int_equal(k, n);
    assert_memory_equal(out, t, n);
    for (size_t i = 0; i < k; i++)
        assert_int_equal(map[i], i);
}

static void test_refang__skip_only_where_identity(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "The loader beacons every 60 seconds.",
        "evil dot com",
        "user AT example.com",
        "a .b",
        "x @y.com",
        "hxxp://evil.com",
        "example[.]com",
        "bad-dot-com",
        "fooDOTcom",
        "plain words only",
        "1.2.3.4 and evil.com",
        "C2: 10.0.0.1:443",
        "e.g. node.js",
        "myuser @example.com",
    };
    int skipped = 0;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        skipped += !kz_refang_needed(lines[i], strlen(lines[i]));
        check_skip_is_identity(lines[i], strlen(lines[i]));
    }
    assert_true(skipped >= 3); /* the plain lines are skipped */
    assert_true(kz_refang_needed("evil dot com", 12));
    assert_true(kz_refang_needed("example[.]com", 13));
    /* Japanese prose holds no form; a full-width dot or an ideographic
     * full stop may. */
    static const char jp[] = "\xe9\x80\x9a\xe4\xbf\xa1\xe5\x85\x88\xe3"
                             "\x80\x81\xe3\x80\x8c\xe8\xb3\x87\xe6\x96"
                             "\x99\xe3\x80\x8d";
    assert_false(kz_refang_needed(jp, sizeof jp - 1));
    assert_true(kz_refang_needed("evil\xef\xbc\x8e"
                                 "com",
                                 10));
    assert_true(kz_refang_needed("evil\xe3\x80\x82"
                                 "com",
                                 10));
    /* Random strings over the characters the forms are made of. */
    static const char alpha[] = "a.d[]()e{}p <>\\-:/@xhtTDOAPt019,_\t*";
    uint32_t seed = 12345;
    char buf[48];
    for (int t = 0; t < 200000; t++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
        }
        check_skip_is_identity(buf, n);
    }
}

/* Random text made of the pieces forms are made of, and of prose. */
static const char *const refang_pieces[] = {
    "evil", "com", ".", "[.]", "(.)", "{.}", "[dot]", " dot ", "DOT", "-dot-",
    " ", "  ", "\t", "hxxp", "hXXps", "http", "https", "://", ":", "//", "/",
    "[:]", "[://]", "(", ")", "[", "]", "@", "[@]", " AT ", "(at)", " at ",
    "user", "1", "192", "x", "fxp", ":__", "\\/\\/", "\\.", "\xef\xbc\x8e",
    "\xef\xbc\x9a", "\xef\xbc\x8f", "\xef\xbc\xa0", "\xef\xbd\x85\xef\xbd\x96",
    "\xe3\x80\x82",
    /* Japanese text and stray
     * bytes: copied as they are */
    "\xe9\x80\x9a\xe4\xbf\xa1", "\xe3\x80\x81", "\xe3\x80\x8c", "\xe3\x80\x8d",
    "\xe3\x80\x90", "\xe3\x80\x80", "\xef\xbd\xa1", "\xc3\xa9", "\xe3\x80",
    "\xef", "\xbc", "\x82", "a", "e", "p", "d", "o", "t", "punto", "arroba",
    "<", ">", "^", "{", "}", "*", "-", "_", ",", "'", "\"",
    "the loader beacons every ", " seconds", "example", "www", ".exe",
    "(see the report)", "meow", "et", "\\\\", "\\/", ":\\\\"};

/* Refangs in[0, n) into cap bytes with the windowed pass, from the first
 * trigger, and with the pass over every byte, and fails the test when the
 * text or the map differ; 1 when the text changed. */
static int windowed_equals_full(const char *in, size_t n, size_t cap)
{
    static char a[400], b[400];
    static uint32_t ma[400], mb[400];
    if (cap > sizeof a)
        cap = sizeof a;
    size_t ka = kz_refang_map(in, n, a, cap, ma);
    size_t kb = kz_refang_map_ref(in, n, b, cap, mb);
    if (ka != kb || memcmp(a, b, ka) != 0 ||
        memcmp(ma, mb, ka * sizeof *ma) != 0)
        fail_msg("windowed refang differs on \"%.*s\" (cap %zu):\n"
                 "  got  \"%.*s\"\n  want \"%.*s\"",
                 (int)n, in, cap, (int)ka, a, (int)kb, b);
    size_t kc =
        kz_refang_map_bits(in, n, b, cap, mb, kz_refang_first(in, n), NULL);
    if (kc != ka || memcmp(a, b, ka) != 0 ||
        memcmp(ma, mb, ka * sizeof *ma) != 0)
        fail_msg("refang from the first trigger differs on \"%.*s\"", (int)n,
                 in);
    return ka != n || memcmp(a, in, n) != 0;
}

/* kz_refang_map runs its pass only around the places where a form may
 * be; it must give exactly what a pass over every byte gives, offsets
 * included, also when the output is cut short. */
static void test_refang_map__windows_equal_the_full_pass(void **state)
{
    (void)state;
    static char in[400];
    uint32_t seed = 777;
    int changed = 0;
    for (int t = 0; t < 300000; t++) {
        size_t n = random_pieces(&seed, refang_pieces, LEN(refang_pieces), in,
                                 sizeof in - 1);
        size_t cap = (t % 7 == 0) ? 1 + (seed >> 8) % (n + 1) : sizeof in;
        changed += windowed_equals_full(in, n, cap);
    }
    assert_true(changed > 1000); /* the pieces do make forms */
}

/* "host[.]tld" glued to the word before it is written without running
 * the pass over that word: texts where that word ends in what other forms
 * are made of (core characters and words, scheme letters, digits) give
 * what the pass over every byte gives. */
static void test_refang_map__glued_dot_pairs_equal_the_full_pass(void **state)
{
    (void)state;
    static const char *const pieces[] = {"[.]",
                                         "(.)",
                                         "{.}",
                                         "[.",
                                         ".]",
                                         "[",
                                         "]",
                                         "(",
                                         ")",
                                         "{",
                                         "}",
                                         ".",
                                         ",",
                                         "@",
                                         ":",
                                         "/",
                                         "-",
                                         "_",
                                         "1",
                                         "9",
                                         "a",
                                         "e",
                                         "p",
                                         "x",
                                         "at",
                                         "AT",
                                         "et",
                                         "dot",
                                         "DOT",
                                         "punto",
                                         "punkt",
                                         "arroba",
                                         "://",
                                         "//",
                                         "\\",
                                         "hxxp",
                                         "http",
                                         "fxp",
                                         "evil",
                                         "com",
                                         " ",
                                         "\t",
                                         "*",
                                         "\xe3\x80\x82",
                                         "\xe9\x80\x9a",
                                         "\xef\xbc\x8e"};
    static char in[200];
    uint32_t seed = 2024;
    int changed = 0;
    for (int t = 0; t < 200000; t++) {
        size_t n = random_pieces(&seed, pieces, LEN(pieces), in, sizeof in - 1);
        size_t cap = (t % 5 == 0) ? 1 + (seed >> 8) % (n + 1) : sizeof in;
        changed += windowed_equals_full(in, n, cap);
    }
    assert_true(changed > 1000);
}

/* A bracket that no form can hold, and a scheme before "//", are written
 * without the pass over the words before them, and the pass for other
 * brackets starts at the white space before them where nothing before it
 * can reach them: texts of brackets, the
 * words forms are made of, schemes, scheme and label look-alikes and
 * full-width closers give what the pass over every byte gives. */
static void test_refang_map__trigger_shortcuts_equal_the_full_pass(void **state)
{
    (void)state;
    static const char *const cases[] = {"[www\xef\xbc\xbd.example.com",
                                        "x [h**p]://evil.com",
                                        "see (h*xp)://evil.com",
                                        "a [www].example.com",
                                        "C:\\Users\\x",
                                        "evil.]com",
                                        "evil at]example.com",
                                        "evil punto)com",
                                        "\xe9\x80\x9a\xe3\x80\x82]com",
                                        "10.\\10",
                                        "hxxp](://)x",
                                        "[hxxp](:)//evil.com",
                                        "[hxxp]{://}evil.com",
                                        "(hxxp)  ://evil.com",
                                        "[hxxp]\\/\\/evil.com",
                                        "file://x/y",
                                        "file:///C:/x",
                                        "x*http://evil.com",
                                        "1http://evil.com",
                                        "a-hxxps://evil.com",
                                        "(hXXp://[evil].com)",
                                        "see http:///evil.com",
                                        "see http:// evil.com",
                                        "http://\xef\xbd\x85vil.com",
                                        "meows://x",
                                        "xxxxs://x",
                                        "hxxp] [:]//evil.com",
                                        "<USER>\\x [a]",
                                        "[options=\"header\"]",
                                        "fooATbar.com",
                                        "FOO AT bar.com",
                                        "foo AT bar.com",
                                        "foo  AT [bar].com",
                                        "%APPDATA%\\x AT] y",
                                        "userAT(example.com)",
                                        "a\tAT\tb.com",
                                        "evil[DOT]com",
                                        "evil(dot)com evil{Dot}com",
                                        "evil[dox]com evil(do)com",
                                        "Packet Transmitter (HTran).",
                                        "<VICTIM_ID>/orderme",
                                        "evil ) . com",
                                        "evil.  ]com",
                                        "evil at  ]example.com",
                                        "hxxp  [:]//evil.com",
                                        "hxxp (//)evil.com",
                                        "see hxxp)  {://}evil.com"};
    static const char *const pieces[] = {"[",
                                         "(",
                                         "]",
                                         ")",
                                         "{",
                                         "}",
                                         "<",
                                         ">",
                                         "\\",
                                         "^",
                                         "www",
                                         "h**p",
                                         "hxxp",
                                         "h*xp",
                                         "://",
                                         ":",
                                         "//",
                                         ".",
                                         "at",
                                         "et",
                                         "arroba",
                                         "punto",
                                         "punkt",
                                         "dot",
                                         "AT",
                                         " ",
                                         "\t",
                                         "1",
                                         "9",
                                         "a",
                                         "x",
                                         "com",
                                         "@",
                                         "-",
                                         ",",
                                         "/",
                                         "\\/",
                                         "\\\\",
                                         "_",
                                         "Users",
                                         "A",
                                         "T",
                                         "[dot]",
                                         "(DOT)",
                                         "file",
                                         "https",
                                         "meow",
                                         "+",
                                         "*",
                                         "evil",
                                         "\xef\xbc\xbd",
                                         "\xef\xbc\x89",
                                         "\xe9\x80\x9a\xe3\x80\x82"};
    static char in[200];
    uint32_t seed = 4711;
    int changed = 0;
    for (size_t t = 0; t < 200000 + LEN(cases); t++) {
        size_t n;
        if (t < LEN(cases)) {
            n = strlen(cases[t]);
            memcpy(in, cases[t], n);
        } else {
            n = random_pieces(&seed, pieces, LEN(pieces), in, sizeof in - 1);
        }
        changed += windowed_equals_full(in, n, sizeof in);
    }
    assert_true(changed > 1000);
}

/* kz_refang_map_bits, given the text's trigger bits (here from the
 * byte-at-a-time definition, with every ideographic full stop set), gives
 * what kz_refang_map gives, offsets included, also when cut short. */
static void test_refang_map__given_trigger_bits(void **state)
{
    (void)state;
    static char in[400], a[400], b[400];
    static uint32_t ma[400], mb[400], tb[400 / 32 + 2];
    uint32_t seed = 9191;
    int changed = 0;
    for (int t = 0; t < 100000; t++) {
        size_t n = random_pieces(&seed, refang_pieces, LEN(refang_pieces), in,
                                 sizeof in - 1);
        size_t cap = (t % 7 == 0) ? 1 + (seed >> 8) % (n + 1) : sizeof in;
        memset(tb, 0, sizeof tb);
        for (size_t k = 0; k < n; k++)
            if (kz_refang_first_ref(in + k, n - k) == 0)
                tb[k / 32] |= (uint32_t)1 << (k % 32);
        size_t ka = kz_refang_map(in, n, a, cap, ma);
        size_t kb = kz_refang_map_bits(in, n, b, cap, mb,
                                       kz_refang_first_ref(in, n), tb);
        if (ka != kb || memcmp(a, b, ka) != 0 ||
            memcmp(ma, mb, ka * sizeof *ma) != 0)
            fail_msg("refang with the trigger bits differs on \"%.*s\"", (int)n,
                     in);
        changed += ka != n || memcmp(a, in, n) != 0;
    }
    assert_true(changed > 1000);
}

/* The vector search for the first trigger, its zero-padded tail
 * included, answers what the byte-at-a-time definition answers: with
 * AVX2 (where the CPU has it) and sixteen bytes at a time. */
static void test_refang_first__vector_equals_scalar(void **state)
{
    (void)state;
    static char in[400];
    uint32_t seed = 4242;
    int found = 0;
    for (int t = 0; t < 400000; t++) {
        kz_simd_avx2(t & 1);
        size_t n = random_pieces(&seed, refang_pieces, LEN(refang_pieces), in,
                                 sizeof in - 1);
        /* Short texts too: every length of the tail. */
        if (t % 3 == 0)
            n %= 40;
        size_t a = kz_refang_first(in, n), b = kz_refang_first_ref(in, n);
        if (a != b)
            fail_msg("first trigger %zu, want %zu in \"%.*s\" (avx2 %d)", a, b,
                     (int)n, in, t & 1);
        found += b < n;
    }
    kz_simd_avx2(1);
    assert_true(found > 2000);
}

/* Every pair of bytes, with a third byte that completes or spoils a
 * three-byte trigger, in a full block, across the end of one and in the
 * last bytes of texts of several lengths (a NUL or a tab before '.' too):
 * the vector search answers what trigger_at answers. */
static void test_refang_first__every_byte_pair(void **state)
{
    (void)state;
    static const unsigned char third[] = {'_', 't', 'T', 0x82,
                                          0,   'x', '.', 0xBC};
    char in[80];
    int found = 0;
    for (int t = 0; t < 2; t++) {
        kz_simd_avx2(t);
        for (unsigned b0 = 0; b0 < 256; b0++)
            for (unsigned b1 = 0; b1 < 256; b1++)
                for (size_t k = 0; k < sizeof third; k++) {
                    size_t n = 20 + (b0 + b1 + k) % 60, at = (b1 * 7 + k) % n;
                    memset(in, 'x', sizeof in);
                    in[at] = (char)b0;
                    if (at + 1 < n)
                        in[at + 1] = (char)b1;
                    if (at + 2 < n)
                        in[at + 2] = (char)third[k];
                    size_t a = kz_refang_first(in, n),
                           b = kz_refang_first_ref(in, n);
                    if (a != b)
                        fail_msg("first trigger %zu, want %zu: %02x %02x %02x "
                                 "at %zu of %zu (avx2 %d)",
                                 a, b, b0, b1, third[k], at, n, t);
                    found += b < n;
                }
    }
    kz_simd_avx2(1);
    assert_true(found > 10000);
}

/* Random texts of pieces (at most max bytes), refanged with the shortcuts
 * on and off (full: by the pass over every byte, else around triggers):
 * the outputs and maps must be the same. *changed counts the texts the
 * refanging changed, *kanji those holding the kanji piece (E9). */
static void check_shortcuts(const char *const *pieces, size_t npieces,
                            uint32_t seed, size_t max, int full, int *changed,
                            int *kanji)
{
    static char in[400], a[400], b[400];
    static uint32_t ma[400], mb[400];
    if (max > sizeof in - 1)
        max = sizeof in - 1;
    for (int t = 0; t < 200000; t++) {
        size_t n = random_pieces(&seed, pieces, npieces, in, max);
        kz_refang_shortcuts(1);
        size_t ka = full ? kz_refang_map_ref(in, n, a, sizeof a, ma)
                         : kz_refang_map(in, n, a, sizeof a, ma);
        kz_refang_shortcuts(0);
        size_t kb = full ? kz_refang_map_ref(in, n, b, sizeof b, mb)
                         : kz_refang_map(in, n, b, sizeof b, mb);
        kz_refang_shortcuts(1);
        if (ka != kb || memcmp(a, b, ka) != 0 ||
            memcmp(ma, mb, ka * sizeof *ma) != 0)
            fail_msg("shortcut differs on \"%.*s\":\n  got  \"%.*s\"\n"
                     "  want \"%.*s\"",
                     (int)n, in, (int)ka, a, (int)kb, b);
        *changed += ka != n;
        *kanji += memchr(in, '\xe9', n) != NULL;
    }
}

/* The shortcut for "host[.]tld", "(.)" and "{.}" gives what the general
 * form matchers give. */
static void test_refang__shortcut_equals_general_matchers(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "[.]",     "(.)", "{.}", "[.",   ".]",   "{.|",
        "(.]",     "[.)", "[",   "]",    "(",    ")",
        "{",       "}",   ".",   "a",    "b1",   "-",
        "_",       " ",   "1",   "\\",   "@",    "/",
        "example", "com", "10",  "}[.]", "[.] ", "\xef\xbc\x8e",
        "dot"};
    int changed = 0, kanji = 0;
    check_shortcuts(pieces, LEN(pieces), 99, 199, 0, &changed, &kanji);
    assert_true(changed > 1000);
}

/* Non-ASCII characters no form is made of (kana, kanji, stray bytes) are
 * copied in a tight loop; the pass gives what its slow path gives. */
static void test_refang__other_characters_copied_as_the_slow_path(void **state)
{
    (void)state;
    int changed = 0, kanji = 0;
    check_shortcuts(refang_pieces, LEN(refang_pieces), 31337, 399, 1, &changed,
                    &kanji);
    assert_true(kanji > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refang__schemes),
        cmocka_unit_test(test_refang__shortcut_equals_general_matchers),
        cmocka_unit_test(test_refang__other_characters_copied_as_the_slow_path),
        cmocka_unit_test(test_refang_first__vector_equals_scalar),
        cmocka_unit_test(test_refang_first__every_byte_pair),
        cmocka_unit_test(test_refang__scheme_separators),
        cmocka_unit_test(test_refang__scheme_lookalikes_unchanged),
        cmocka_unit_test(test_refang__bracketed_dots),
        cmocka_unit_test(test_refang__unbalanced_dots),
        cmocka_unit_test(test_refang__spaced_dots_need_context),
        cmocka_unit_test(test_refang__at_forms),
        cmocka_unit_test(test_refang__at_lookalikes_unchanged),
        cmocka_unit_test(test_refang__colon_slash_hyphen_and_label_brackets),
        cmocka_unit_test(test_refang__full_width_forms),
        cmocka_unit_test(test_refang__leaves_prose_alone),
        cmocka_unit_test(test_refang_map__offsets),
        cmocka_unit_test(test_refang_map__windows_equal_the_full_pass),
        cmocka_unit_test(test_refang_map__given_trigger_bits),
        cmocka_unit_test(test_refang_map__glued_dot_pairs_equal_the_full_pass),
        cmocka_unit_test(
            test_refang_map__trigger_shortcuts_equal_the_full_pass),
        cmocka_unit_test(test_refang__bounds),
        cmocka_unit_test(test_refang__long_hostile_input_is_bounded),
        cmocka_unit_test(test_refang__undoes_defang),
        cmocka_unit_test(test_refang__skip_only_where_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
