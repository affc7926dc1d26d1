/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Advisories in prose (plain text, Markdown, AsciiDoc, HTML): the
 * indicators come from the extractor (references, the advisory's own
 * links, are left out); the advisory record gets the title, the date and
 * the analyst's sections (summary, impact, assessment, mitigation, in
 * English or Japanese headings) from the document's headings. HTML goes
 * through libxml2's HTML parser (network off) for the headings; the
 * extractor reads it as it reads every HTML input.
 */
#define _GNU_SOURCE
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

/* Text kept per section: an advisory's summary or mitigation is a few
 * paragraphs; longer is the whole report. */
#define KZ_TEXT_SECTION_MAX (16u * 1024u)
/* Bytes of an HTML advisory kept in memory to find its headings: past
 * this only the indicators are read (the extractor streams). */
#define KZ_TEXT_HTML_MAX (32u * 1024u * 1024u)
#define KZ_TEXT_TITLE_MAX 300

enum { SEC_NONE = -1, SEC_SUMMARY, SEC_IMPACT, SEC_ASSESS, SEC_MITIGATE, NSEC };

struct text_state {
    const kz_intel_sink *sink;
    const char *name;
    int advisory_sent;
    char title[KZ_TEXT_TITLE_MAX + 1];
    int title_from_heading;
    kz_time published;
    char url[1024];
    char *sec[NSEC];
    size_t sec_n[NSEC];
    int cur; /* section being filled */
    /* line assembly */
    char *line;
    size_t line_n, line_cap;
    uint64_t line_no;
    char prev[512];
    size_t prev_n;
    /* HTML */
    int html;
    char *doc;
    size_t doc_n;
    uint64_t references;
};

/* Which section a heading opens: words in English and Japanese. */
static int section_of(const char *h, size_t n)
{
    static const struct {
        const char *w;
        int sec;
    } words[] = {
        {"executive summary", SEC_SUMMARY},
        {"summary", SEC_SUMMARY},
        {"overview", SEC_SUMMARY},
        {"tl;dr", SEC_SUMMARY},
        {"概要", SEC_SUMMARY},
        {"要約", SEC_SUMMARY},
        {"はじめに", SEC_SUMMARY},
        {"impact", SEC_IMPACT},
        {"affected", SEC_IMPACT},
        {"影響", SEC_IMPACT},
        {"被害", SEC_IMPACT},
        {"assessment", SEC_ASSESS},
        {"analysis", SEC_ASSESS},
        {"our view", SEC_ASSESS},
        {"conclusion", SEC_ASSESS},
        {"見解", SEC_ASSESS},
        {"分析", SEC_ASSESS},
        {"評価", SEC_ASSESS},
        {"考察", SEC_ASSESS},
        {"所見", SEC_ASSESS},
        {"mitigation", SEC_MITIGATE},
        {"recommendation", SEC_MITIGATE},
        {"remediation", SEC_MITIGATE},
        {"countermeasure", SEC_MITIGATE},
        {"what to do", SEC_MITIGATE},
        {"defen", SEC_MITIGATE},
        {"緩和", SEC_MITIGATE},
        {"対策", SEC_MITIGATE},
        {"対処", SEC_MITIGATE},
        {"推奨", SEC_MITIGATE},
    };
    char low[256];
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] + 32) : h[i];
    low[n] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(low, words[i].w))
            return words[i].sec;
    return SEC_NONE;
}

static void sec_append(struct text_state *t, const char *s, size_t n)
{
    if (t->cur == SEC_NONE)
        return;
    size_t have = t->sec_n[t->cur];
    if (have >= KZ_TEXT_SECTION_MAX)
        return;
    if (!t->sec[t->cur]) {
        t->sec[t->cur] = kz_malloc(KZ_TEXT_SECTION_MAX + 2);
        if (!t->sec[t->cur])
            return;
    }
    if (have == 0 && n == 0)
        return;
    if (n > KZ_TEXT_SECTION_MAX - have)
        n = KZ_TEXT_SECTION_MAX - have;
    memcpy(t->sec[t->cur] + have, s, n);
    have += n;
    t->sec[t->cur][have++] = '\n';
    t->sec[t->cur][have] = '\0';
    t->sec_n[t->cur] = have;
}

/* level: 0 a line of text, 1 a line that may be a heading, 2 a heading.
 * The first line is the title, unless a sure heading comes early. */
static void set_title(struct text_state *t, const char *s, size_t n, int level)
{
    if (t->title[0] &&
        !(level == 2 && t->title_from_heading < 2 && t->line_no <= 10))
        return;
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return;
    if (n > KZ_TEXT_TITLE_MAX) {
        /* Cut, but never inside a UTF-8 sequence (s[n] is still inside
         * the text here). */
        n = KZ_TEXT_TITLE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(t->title, s, n);
    t->title[n] = '\0';
    t->title_from_heading = level;
}

/* A heading line: Markdown "#", AsciiDoc "=", 【...】, ■/◆ marks, "1. X"
 * or "1．X" short lines, "**X**" alone, short lines ending in ':'. Sets
 * [*a, *b) to its text. */
static int heading_line(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (i >= n || n - i > 200)
        return 0;
    if (s[i] == '#' || s[i] == '=') {
        char c = s[i];
        size_t k = i;
        while (k < n && s[k] == c)
            k++;
        if (k - i > 6 || k >= n || s[k] != ' ')
            return 0;
        *a = k + 1;
        *b = n;
        while (*b > *a && s[*b - 1] == c)
            (*b)--;
        return 2;
    }
    if (n - i > 6 && memcmp(s + i, "\xE3\x80\x90", 3) == 0) { /* 【 */
        const char *e = memmem(s + i, n - i, "\xE3\x80\x91", 3);
        if (e) {
            /* 【概要】: the word; 【注意喚起】text: the whole line. */
            size_t close = (size_t)(e - s);
            *a = close + 3 < n ? i : i + 3;
            *b = close + 3 < n ? n : close;
            return *b > *a ? 2 : 0;
        }
    }
    if (n - i > 3 && (memcmp(s + i, "\xE2\x96\xA0", 3) == 0 ||  /* ■ */
                      memcmp(s + i, "\xE2\x97\x86", 3) == 0 ||  /* ◆ */
                      memcmp(s + i, "\xE2\x97\x8F", 3) == 0)) { /* ● */
        *a = i + 3;
        *b = n;
        return 2;
    }
    if (n - i > 4 && s[i] == '*' && s[i + 1] == '*' && s[n - 1] == '*' &&
        s[n - 2] == '*') {
        *a = i + 2;
        *b = n - 2;
        return *b > *a && !memchr(s + *a, '*', *b - *a);
    }
    size_t k = i;
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k > i && k - i <= 2 && k < n) {
        size_t d = 0;
        if (s[k] == '.' || s[k] == ')')
            d = 1;
        else if (n - k >= 3 && memcmp(s + k, "\xEF\xBC\x8E", 3) == 0)
            d = 3; /* ． */
        if (d && n - (k + d) < 60 && s[n - 1] != '.' &&
            memcmp(s + n - 3 < s + k ? s + k : s + n - 3, "\xE3\x80\x82", 3) !=
                0) {
            *a = k + d;
            *b = n;
            while (*a < *b && s[*a] == ' ')
                (*a)++;
            return *b > *a;
        }
    }
    if (n - i < 40 && s[n - 1] == ':') {
        *a = i;
        *b = n - 1;
        return 1;
    }
    return 0;
}

static void maybe_date(struct text_state *t, const char *s, size_t n)
{
    if (t->published || t->line_no > 40)
        return;
    static const char *const labels[] = {"published", "date", "posted",
                                         "updated",   "公開", "発行",
                                         "更新",      "掲載"};
    char low[128];
    size_t m = n < sizeof low - 1 ? n : sizeof low - 1;
    for (size_t i = 0; i < m; i++)
        low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    low[m] = '\0';
    int labelled = 0;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strstr(low, labels[i]))
            labelled = 1;
    /* "2020-07-14 (TUESDAY) - TA551 ...": a date opening one of the first
     * lines is the advisory's. */
    size_t lead = 0;
    while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
        lead++;
    if (!labelled && t->line_no <= 3 && n - lead >= 10 &&
        (n - lead == 10 || !((s[lead + 10] >= '0' && s[lead + 10] <= '9') ||
                             s[lead + 10] == ':' || s[lead + 10] == 'T'))) {
        kz_time v;
        if (kz_time_parse(s + lead, 10, &v) == KZ_OK) {
            t->published = v;
            return;
        }
    }
    if (!labelled)
        return;
    for (size_t i = 0; i + 10 <= n; i++) {
        if (s[i] >= '0' && s[i] <= '9' && i + 10 <= n && s[i + 4] == '-') {
            kz_time v;
            size_t e = i + 10;
            if (kz_time_parse(s + i, 10, &v) == KZ_OK) {
                (void)e;
                t->published = v;
                return;
            }
        }
        /* 2021年6月25日 */
        if (s[i] >= '0' && s[i] <= '9' && i + 7 <= n &&
            memcmp(s + i + 4, "\xE5\xB9\xB4", 3) == 0) { /* 年 */
            unsigned y = 0, mo = 0, d = 0;
            size_t k = i;
            for (int c = 0; c < 4; c++)
                y = y * 10 + (unsigned)(s[k++] - '0');
            k += 3;
            while (k < n && s[k] >= '0' && s[k] <= '9')
                mo = mo * 10 + (unsigned)(s[k++] - '0');
            if (k + 3 > n || memcmp(s + k, "\xE6\x9C\x88", 3) != 0) /* 月 */
                continue;
            k += 3;
            while (k < n && s[k] >= '0' && s[k] <= '9')
                d = d * 10 + (unsigned)(s[k++] - '0');
            char iso[16];
            snprintf(iso, sizeof iso, "%04u-%02u-%02u", y % 10000, mo % 100,
                     d % 100);
            kz_time v;
            if (kz_time_parse(iso, 10, &v) == KZ_OK) {
                t->published = v;
                return;
            }
        }
    }
}

static void text_line(struct text_state *t, const char *s, size_t n)
{
    t->line_no++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    size_t a, b;
    /* A line underlined with === or --- is a heading. */
    int underline =
        n >= 3 && t->prev_n > 0 && (strspn(s, "=") == n || strspn(s, "-") == n);
    if (underline) {
        if (t->cur != SEC_NONE && t->sec_n[t->cur] >= t->prev_n + 1)
            t->sec_n[t->cur] -= t->prev_n + 1; /* it was not body text */
        if (t->cur != SEC_NONE && t->sec[t->cur])
            t->sec[t->cur][t->sec_n[t->cur]] = '\0';
        set_title(t, t->prev, t->prev_n, 2);
        t->cur = section_of(t->prev, t->prev_n);
        t->prev_n = 0;
        return;
    }
    maybe_date(t, s, n);
    int level = heading_line(s, n, &a, &b);
    if (level) {
        set_title(t, s + a, b - a, level);
        int sec = section_of(s + a, b - a);
        t->cur = sec;
        if (sec != SEC_NONE) {
            t->prev_n = 0;
            return;
        }
    } else {
        set_title(t, s, n, 0);
        sec_append(t, s, n);
    }
    t->prev_n = n < sizeof t->prev ? n : 0;
    memcpy(t->prev, s, t->prev_n);
}

static void text_feed(struct text_state *t, const char *s, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) : n;
        if (t->line_n + k > 64 * 1024) {
            /* A line this long is no heading nor section text. */
            size_t room = 64 * 1024 > t->line_n ? 64 * 1024 - t->line_n : 0;
            k = k < room ? k : room;
        }
        if (t->line_n + k > t->line_cap) {
            size_t cap = t->line_cap ? t->line_cap : 4096;
            while (cap < t->line_n + k)
                cap *= 2;
            char *nb = kz_realloc(t->line, cap);
            if (!nb)
                return;
            t->line = nb;
            t->line_cap = cap;
        }
        if (k > 0) { /* (an empty first line: no buffer yet) */
            memcpy(t->line + t->line_n, s, k);
            t->line_n += k;
        }
        if (!nl)
            return;
        text_line(t, t->line ? t->line : "", t->line_n);
        t->line_n = 0;
        size_t used = (size_t)(nl - s) + 1;
        s += used;
        n -= used;
    }
}

/* ---- HTML ---------------------------------------------------------------- */

static void node_text(xmlNode *n, struct text_state *t, char *buf, size_t cap,
                      size_t *len)
{
    for (xmlNode *c = n; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content) {
            size_t k = strlen((const char *)c->content);
            if (k > cap - 1 - *len)
                k = cap - 1 - *len;
            memcpy(buf + *len, c->content, k);
            *len += k;
            buf[*len] = '\0';
        } else if (c->type == XML_ELEMENT_NODE) {
            node_text(c->children, t, buf, cap, len);
        }
    }
}

static int heading_level(const xmlNode *n)
{
    const char *nm = (const char *)n->name;
    if (nm && (nm[0] == 'h' || nm[0] == 'H') && nm[1] >= '1' && nm[1] <= '6' &&
        !nm[2])
        return nm[1] - '0';
    return 0;
}

static int block_tag(const char *nm)
{
    static const char *const blocks[] = {"p",          "li", "div", "td", "pre",
                                         "blockquote", "dd", "dt",  "tr"};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (strcasecmp(nm, blocks[i]) == 0)
            return 1;
    return 0;
}

static void html_walk(xmlNode *n, struct text_state *t, int depth)
{
    if (depth > 256)
        return;
    for (xmlNode *c = n; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *nm = (const char *)c->name;
        if (strcasecmp(nm, "script") == 0 || strcasecmp(nm, "style") == 0)
            continue;
        char buf[4096];
        size_t len = 0;
        buf[0] = '\0';
        if (strcasecmp(nm, "title") == 0) {
            node_text(c->children, t, buf, sizeof buf, &len);
            set_title(t, buf, len, 0);
            continue;
        }
        int lv = heading_level(c);
        if (lv) {
            node_text(c->children, t, buf, sizeof buf, &len);
            if (lv == 1)
                set_title(t, buf, len, 2);
            t->cur = section_of(buf, len);
            continue;
        }
        if (block_tag(nm) && t->cur != SEC_NONE &&
            !(c->children && c->children->type == XML_ELEMENT_NODE &&
              block_tag((const char *)c->children->name))) {
            node_text(c->children, t, buf, sizeof buf, &len);
            /* collapse white space */
            size_t w = 0;
            int sp = 1;
            for (size_t i = 0; i < len; i++) {
                char ch = buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r'
                              ? ' '
                              : buf[i];
                if (ch == ' ' && sp)
                    continue;
                sp = ch == ' ';
                buf[w++] = ch;
            }
            while (w > 0 && buf[w - 1] == ' ')
                w--;
            if (w)
                sec_append(t, buf, w);
            continue;
        }
        html_walk(c->children, t, depth + 1);
    }
}

static void html_sections(struct text_state *t)
{
    if (!t->doc || t->doc_n == 0)
        return;
    htmlDocPtr d =
        htmlReadMemory(t->doc, (int)t->doc_n, t->name, NULL,
                       HTML_PARSE_NONET | HTML_PARSE_RECOVER |
                           HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
    if (!d)
        return;
    t->cur = SEC_NONE;
    html_walk(xmlDocGetRootElement(d), t, 0);
    xmlFreeDoc(d);
}

/* ---- the reader -----------------------------------------------------------
 */

static kz_status send_advisory(struct text_state *t)
{
    if (t->advisory_sent)
        return KZ_OK;
    t->advisory_sent = 1;
    if (!t->sink->advisory)
        return KZ_OK;
    kz_intel_advisory a;
    memset(&a, 0, sizeof a);
    a.title = t->title[0] ? t->title : NULL;
    a.published = t->published;
    a.url = t->url[0] ? t->url : NULL;
    a.summary = t->sec[SEC_SUMMARY];
    a.impact = t->sec[SEC_IMPACT];
    a.assessment = t->sec[SEC_ASSESS];
    a.mitigation = t->sec[SEC_MITIGATE];
    return t->sink->advisory(t->sink->ud, &a);
}

struct pending {
    kz_intel_ioc ioc;
    char *value;
};

struct collect {
    struct text_state *t;
    struct pending *v;
    size_t n, cap;
    int failed;
};

static int on_value(void *ud, const kz_extracted *e)
{
    struct collect *c = ud;
    if (e->cls != KZ_CLASS_INDICATOR) {
        c->t->references++;
        /* The first reference link is the advisory's own address. */
        if (e->type == KZ_T_URL && !c->t->url[0] &&
            e->value_len < sizeof c->t->url)
            memcpy(c->t->url, e->value, e->value_len + 1);
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        struct pending *nv = kz_realloc(c->v, cap * sizeof *nv);
        if (!nv) {
            c->failed = 1;
            return 1;
        }
        c->v = nv;
        c->cap = cap;
    }
    char *v = kz_malloc(e->value_len + 1);
    if (!v) {
        c->failed = 1;
        return 1;
    }
    memcpy(v, e->value, e->value_len + 1);
    struct pending *p = &c->v[c->n++];
    memset(&p->ioc, 0, sizeof p->ioc);
    p->value = v;
    p->ioc.type = e->type;
    p->ioc.value = v;
    p->ioc.value_len = e->value_len;
    p->ioc.port = e->port;
    p->ioc.confidence = -1;
    p->ioc.to_ids = e->type == KZ_T_CVE ? 0 : -1;
    p->ioc.score = -1;
    p->ioc.line = e->line;
    return 0;
}

kz_status kz_read_text(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                       const kz_intel_sink *sink)
{
    if (!f || !sink)
        return KZ_ERR_INVALID;
    struct text_state t;
    memset(&t, 0, sizeof t);
    t.sink = sink;
    t.name = o && o->name ? o->name : "-";
    t.cur = SEC_NONE;
    struct collect c = {&t, NULL, 0, 0, 0};
    kz_extract_opts xo = KZ_EXTRACT_OPTS_INIT;
    xo.types = KZ_TYPESET_ALL;
    xo.include_references = 1;
    xo.input_name = t.name;
    kz_extractor *x = NULL;
    kz_status r = kz_extractor_new(ctx, &xo, on_value, &c, &x);
    if (r != KZ_OK)
        return r;
    char *buf = kz_malloc(1 << 16);
    if (!buf) {
        kz_extractor_free(x);
        return KZ_ERR_NOMEM;
    }
    int first = 1;
    size_t got;
    while (r == KZ_OK && (got = fread(buf, 1, 1 << 16, f)) > 0) {
        if (first) {
            size_t k = 0;
            while (k < got && (buf[k] == ' ' || buf[k] == '\n' ||
                               buf[k] == '\r' || buf[k] == '\t'))
                k++;
            t.html = k < got && buf[k] == '<';
            first = 0;
        }
        if (t.html) {
            if (t.doc_n + got <= KZ_TEXT_HTML_MAX) {
                char *nd = kz_realloc(t.doc, t.doc_n + got);
                if (nd) {
                    t.doc = nd;
                    memcpy(t.doc + t.doc_n, buf, got);
                    t.doc_n += got;
                }
            }
        } else {
            text_feed(&t, buf, got);
        }
        r = kz_extractor_feed(x, buf, got);
    }
    if (r == KZ_OK && ferror(f))
        r = kz_seterr(ctx, KZ_ERR_IO, "%s: read error", t.name);
    if (r == KZ_OK)
        r = kz_extractor_finish(x);
    if (r == KZ_ERR_ABORTED && c.failed)
        r = KZ_ERR_NOMEM;
    if (r == KZ_OK) {
        if (t.line_n)
            text_line(&t, t.line, t.line_n);
        if (t.html)
            html_sections(&t);
        /* An empty input is no advisory. */
        if (!first)
            r = send_advisory(&t);
    }
    for (size_t i = 0; i < c.n && r == KZ_OK; i++)
        if (sink->ioc)
            r = sink->ioc(sink->ud, &c.v[i].ioc);
    for (size_t i = 0; i < c.n; i++)
        kz_free(c.v[i].value);
    kz_free(c.v);
    kz_free(buf);
    kz_free(t.line);
    kz_free(t.doc);
    for (int i = 0; i < NSEC; i++)
        kz_free(t.sec[i]);
    kz_extractor_free(x);
    return r;
}
