/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-advisory report (kz_report_build, lib/judge/report.c) rendered
 * for people: Markdown, or one self-contained HTML page (inline CSS, an
 * inline SVG timeline per advisory, no script, a CSP that forbids any),
 * or the JSON document itself. Invariant: every string of the document is
 * hostile (log lines, file names, advisory text); none reaches the output
 * raw: HTML gets entities and control, C1 and bidirectional characters as
 * a visible \xNN, Markdown the same plus backslash escapes, and values in
 * code spans a fence longer than any backtick run they hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/core_int.h"
#include "sinks/sinks_int.h"
#include "kizashi/sinks.h"

/* ---- reading the document ------------------------------------------------ */

static const char *js(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t ji(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

/* A feed's indicators without an advisory (kind "feed") are numbered F1,
 * F2 (their feed's id) and anchored apart from the advisories. */
static int is_feed(json_t *a)
{
    const char *k = js(a, "kind");
    return k && strcmp(k, "feed") == 0;
}

static const char *anchor(json_t *a)
{
    return is_feed(a) ? "feed" : "adv";
}

/* A time of the document ("2021-06-25T10:00:00Z") in seconds; 0 when
 * absent or unreadable. */
static kz_time jt(json_t *o, const char *key)
{
    const char *s = js(o, key);
    kz_time t = 0;
    if (!s || kz_time_parse(s, strlen(s), &t) != KZ_OK)
        return 0;
    return t;
}

/* Code points that never reach a page or a Markdown file raw: C1 controls,
 * bidirectional controls ("Trojan Source": U+202E turns "exe.txt" into
 * "txt.exe" on screen), line and paragraph separators, and the BOM. */
static int unsafe_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C ||
           (cp >= 0x200E && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

/* The kind of the character at p (n > 0 bytes): 0 plain (its length in
 * *len), 1 to be shown as \xNN bytes (*len of them). keep_nl: newline and
 * tab are plain (prose). */
static int char_kind(const unsigned char *p, size_t n, int keep_nl, size_t *len)
{
    uint32_t cp;
    *len = 1;
    if (p[0] < 0x80) {
        if (p[0] >= 0x20 && p[0] < 0x7F)
            return 0;
        return !(keep_nl && (p[0] == '\n' || p[0] == '\t'));
    }
    size_t l = kz_utf8_decode(p, n, &cp);
    if (!l)
        return 1;
    *len = l;
    return unsafe_cp(cp);
}

/* ---- HTML ---------------------------------------------------------------- */

enum { H_VALUE = 0, H_PROSE = 1, H_ATTR = 2 };

/* s HTML-escaped: & < > " ' as entities; control, C1, bidirectional
 * characters and invalid bytes as \xNN (in a span marked "esc" outside
 * attributes). H_PROSE keeps newlines and tabs (the CSS keeps them). */
static void h_esc_n(FILE *f, const char *s, size_t n, int mode)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t len;
        int k = char_kind(p + i, n - i, mode == H_PROSE, &len);
        if (k) {
            if (mode != H_ATTR)
                fputs("<span class=\"esc\">", f);
            for (size_t j = 0; j < len; j++)
                fprintf(f, "\\x%02X", p[i + j]);
            if (mode != H_ATTR)
                fputs("</span>", f);
        } else if (len == 1) {
            switch (p[i]) {
            case '&':
                fputs("&amp;", f);
                break;
            case '<':
                fputs("&lt;", f);
                break;
            case '>':
                fputs("&gt;", f);
                break;
            case '"':
                fputs("&quot;", f);
                break;
            case '\'':
                fputs("&#39;", f);
                break;
            default:
                putc(p[i], f);
            }
        } else {
            fwrite(p + i, 1, len, f);
        }
        i += len;
    }
}

static void h_esc(FILE *f, const char *s, int mode)
{
    if (s)
        h_esc_n(f, s, strlen(s), mode);
}

/* Advisory text: escaped like any value, with the two marks advisories
 * use most shown as meant: **bold** and `code`, each closed on its own
 * line (the tags are the page's, the text between them is escaped);
 * anything else, an unclosed mark included, shows as written. */
static void h_prose(FILE *f, const char *s)
{
    const char *p = s;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p), i = 0, from = 0;
        while (i < n) {
            const char *close = NULL, *tag = NULL;
            size_t ml = 0;
            if (p[i] == '*' && i + 1 < n && p[i + 1] == '*') {
                ml = 2;
                tag = "strong";
                for (size_t k = i + 2; k + 1 < n && !close; k++)
                    if (p[k] == '*' && p[k + 1] == '*')
                        close = p + k;
            } else if (p[i] == '`') {
                ml = 1;
                tag = "code";
                close = memchr(p + i + 1, '`', n - i - 1);
            }
            if (close && close > p + i + ml) {
                h_esc_n(f, p + from, i - from, H_PROSE);
                fprintf(f, "<%s>", tag);
                h_esc_n(f, p + i + ml, (size_t)(close - (p + i + ml)), H_PROSE);
                fprintf(f, "</%s>", tag);
                i = (size_t)(close - p) + ml;
                from = i;
                continue;
            }
            i += ml ? ml : 1;
        }
        h_esc_n(f, p + from, n - from, H_PROSE);
        if (!nl)
            break;
        putc('\n', f);
        p = nl + 1;
    }
}

/* At most max bytes of s, cut on a character boundary, escaped; "…" when
 * cut (labels of the timeline). */
static void h_esc_short(FILE *f, const char *s, size_t max, int mode)
{
    size_t n = s ? strlen(s) : 0;
    if (n <= max) {
        h_esc(f, s, mode);
        return;
    }
    while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    char *c = malloc(max + 1);
    if (!c)
        return;
    memcpy(c, s, max);
    c[max] = 0;
    h_esc(f, c, mode);
    fputs("\xE2\x80\xA6", f);
    free(c);
}

static const char *level_color(const char *level, int suppressed)
{
    if (suppressed)
        return "#8a8a8a";
    if (!level)
        return "#666666";
    if (strcmp(level, "critical") == 0)
        return "#b00020";
    if (strcmp(level, "high") == 0)
        return "#d9480f";
    if (strcmp(level, "medium") == 0)
        return "#c98a00";
    if (strcmp(level, "low") == 0)
        return "#2f6fbd";
    return "#666666";
}

/* A verdict as a CSS class name (never from the document's text). */
static const char *verdict_class(const char *v)
{
    if (v && strcmp(v, "affected") == 0)
        return "affected";
    if (v && strcmp(v, "not affected") == 0)
        return "clear";
    return "unswept";
}

/* "YYYY-MM-DD HH:MM" from the document's "YYYY-MM-DDTHH:MM:SSZ"; "-" for
 * anything else (the document is parsed, so a time is checked before it
 * is written: it needs no escaping only because it is digits and
 * separators). */
static void h_time(FILE *f, const char *iso)
{
    static const char form[] = "dddd-dd-ddTdd:dd";
    int ok = iso != NULL;
    for (size_t i = 0; ok && i < sizeof form - 1; i++)
        ok =
            form[i] == 'd' ? iso[i] >= '0' && iso[i] <= '9' : iso[i] == form[i];
    if (!ok) {
        fputs("-", f);
        return;
    }
    fprintf(f, "%.10s %.5s", iso, iso + 11);
}

static const char *const html_head =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
    "<meta name=\"referrer\" content=\"no-referrer\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<title>kizashi report</title>\n<style>\n"
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",\"Noto Sans\","
    "\"Noto Sans CJK JP\",\"Noto Sans JP\",\"IPAGothic\",\"IPAexGothic\","
    "\"IPAPGothic\",\"Hiragino Sans\",\"Hiragino Kaku Gothic ProN\","
    "\"Yu Gothic\",Meiryo,sans-serif;margin:2em auto;max-width:72em;"
    "padding:0 1em;color:#1d1d1f;line-height:1.5}\n"
    "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #ddd}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;"
    "vertical-align:top}\nth{background:#f3f3f3}\n"
    "td.v,code{font-family:ui-monospace,\"DejaVu Sans Mono\","
    "\"IPAGothic\",monospace;word-break:break-all}\n"
    ".prose{white-space:pre-wrap}\n"
    ".esc{color:#b00020;background:#fde8ec;font-family:monospace}\n"
    ".verdict{font-weight:bold;padding:.1em .5em;border-radius:.3em}\n"
    ".verdict.affected{background:#b00020;color:#fff}\n"
    ".verdict.clear{background:#2b8a3e;color:#fff}\n"
    ".verdict.unswept{background:#868e96;color:#fff}\n"
    ".lvl{font-weight:bold}.muted{color:#666}\n"
    "svg.timeline{display:block;margin:.5em 0 1em;max-width:100%;"
    "height:auto}\n"
    "svg.timeline text{font-size:11px;fill:#333}\n"
    "</style>\n</head>\n<body>\n";

/* ---- HTML: the timeline ------------------------------------------------- */

#define TL_W 960
#define TL_LEFT 170
#define TL_RIGHT 24
#define TL_LANE 22
#define TL_TOP 12
#define TL_AXIS 34

/* Calls fn for every listed sighting of an advisory with its host lane. */
typedef void (*sight_fn)(void *ud, size_t lane, json_t *host, json_t *sg);

static size_t each_sighting(json_t *adv, sight_fn fn, void *ud)
{
    size_t hi, ii, si, lanes = 0;
    json_t *host, *in, *sg;
    json_array_foreach(json_object_get(adv, "evidence"), hi, host)
    {
        json_array_foreach(json_object_get(host, "inputs"), ii, in)
        {
            json_array_foreach(json_object_get(in, "sightings"), si, sg)
            {
                if (fn)
                    fn(ud, hi, host, sg);
            }
        }
        lanes = hi + 1;
    }
    return lanes;
}

struct tl {
    FILE *f;
    kz_time t0, t1;
    size_t marks;
};

static void tl_range(void *ud, size_t lane, json_t *host, json_t *sg)
{
    struct tl *t = ud;
    (void)lane;
    (void)host;
    kz_time a = jt(sg, "first_seen"), b = jt(sg, "last_seen");
    if (!a)
        return;
    if (!b)
        b = a;
    if (!t->t0 || a < t->t0)
        t->t0 = a;
    if (b > t->t1)
        t->t1 = b;
    t->marks++;
}

static double tl_x(const struct tl *t, kz_time x)
{
    double w = TL_W - TL_LEFT - TL_RIGHT;
    return TL_LEFT + w * (double)(x - t->t0) / (double)(t->t1 - t->t0);
}

static void tl_mark(void *ud, size_t lane, json_t *host, json_t *sg)
{
    struct tl *t = ud;
    (void)host;
    kz_time a = jt(sg, "first_seen"), b = jt(sg, "last_seen");
    if (!a)
        return;
    if (!b || b < a)
        b = a;
    int supp = js(sg, "suppressed") != NULL;
    const char *color = level_color(js(sg, "level"), supp);
    double y = TL_TOP + (double)lane * TL_LANE + TL_LANE / 2.0;
    double x0 = tl_x(t, a), x1 = tl_x(t, b);
    json_t *ind = json_object_get(sg, "indicator");
    fprintf(t->f, "<g class=\"mark\"><title>");
    h_esc(t->f, js(ind, "type"), H_VALUE);
    fputc(' ', t->f);
    h_esc_short(t->f, js(ind, "value"), 200, H_VALUE);
    fputs(" seen as ", t->f);
    h_esc_short(t->f, js(sg, "observed"), 200, H_VALUE);
    fputs(", ", t->f);
    h_time(t->f, js(sg, "first_seen"));
    fputs(" to ", t->f);
    h_time(t->f, js(sg, "last_seen"));
    if (supp)
        fputs(" (suppressed)", t->f);
    fputs("</title>", t->f);
    if (x1 - x0 >= 1.0)
        fprintf(t->f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\" stroke-width=\"4\" stroke-opacity=\"0.6\"/>",
                x0, y, x1, y, color);
    fprintf(t->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>", x0,
            y, color);
    if (x1 - x0 >= 1.0)
        fprintf(t->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>",
                x1, y, color);
    fputs("</g>\n", t->f);
}

/* The hits of one advisory on a time axis: a lane per host, a mark per
 * sighting from its first to its last time, coloured by level. */
static void html_timeline(FILE *f, json_t *adv)
{
    struct tl t = {f, 0, 0, 0};
    size_t lanes = each_sighting(adv, tl_range, &t);
    if (!t.marks || !lanes)
        return;
    if (t.t1 - t.t0 < 3600) { /* one moment: an hour around it */
        t.t0 -= 1800;
        t.t1 += 1800;
    }
    int h = (int)(TL_TOP + lanes * TL_LANE + TL_AXIS);
    fprintf(f,
            "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "aria-label=\"timeline of %zu sightings\">\n",
            TL_W, h, TL_W, h, t.marks);
    /* lanes and host names */
    size_t hi;
    json_t *host;
    json_array_foreach(json_object_get(adv, "evidence"), hi, host)
    {
        double y = TL_TOP + (double)hi * TL_LANE;
        if (hi % 2 == 0)
            fprintf(f,
                    "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
                    "fill=\"#f6f6f6\"/>\n",
                    TL_LEFT, y, TL_W - TL_LEFT - TL_RIGHT, TL_LANE);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                TL_LEFT - 8, y + TL_LANE / 2.0 + 4);
        h_esc_short(f, js(host, "host"), 24, H_VALUE);
        fputs("</text>\n", f);
    }
    /* axis and ticks */
    double ay = TL_TOP + (double)lanes * TL_LANE;
    fprintf(f,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
            "stroke=\"#333\"/>\n",
            TL_LEFT, ay, TL_W - TL_RIGHT, ay);
    int days = (t.t1 - t.t0) > 8 * 86400; /* else dates would repeat */
    for (int k = 0; k <= 4; k++) {
        kz_time x = t.t0 + (t.t1 - t.t0) * k / 4;
        char iso[32];
        kz_time_format(x, iso);
        double px = tl_x(&t, x);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#bbb\" stroke-dasharray=\"2,3\"/>\n",
                px, TL_TOP, px, ay + 4);
        fprintf(f,
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"%s\">",
                px, ay + 18,
                k == 0   ? "start"
                : k == 4 ? "end"
                         : "middle");
        if (days)
            fprintf(f, "%.10s", iso);
        else
            fprintf(f, "%.10s %.5s", iso, iso + 11);
        fputs("</text>\n", f);
    }
    each_sighting(adv, tl_mark, &t);
    fputs("</svg>\n", f);
}

/* ---- HTML: the page ------------------------------------------------------ */

static void h_field(FILE *f, const char *label, const char *v, int code)
{
    if (!v || !*v)
        return;
    fprintf(f, "<tr><th>%s</th><td%s>", label, code ? " class=\"v\"" : "");
    h_esc(f, v, H_VALUE);
    fputs("</td></tr>\n", f);
}

static void h_section(FILE *f, const char *label, const char *v)
{
    if (!v || !*v)
        return;
    size_t n = strlen(v);
    while (n && strchr(" \t\r\n", v[n - 1]))
        n--;
    char *c = strndup(v, n);
    fprintf(f, "<h3>%s</h3>\n<div class=\"prose\">", label);
    h_prose(f, c ? c : v);
    free(c);
    fputs("</div>\n", f);
}

static void h_where(FILE *f, json_t *sg)
{
    const char *loc = js(sg, "location");
    int64_t l0 = ji(sg, "first_line"), l1 = ji(sg, "last_line");
    if (loc && *loc) {
        h_esc(f, loc, H_VALUE);
        if (l0)
            fputs(", ", f);
    }
    if (l0 && l1 > l0)
        fprintf(f, "lines %" PRId64 "&#8211;%" PRId64, l0, l1);
    else if (l0)
        fprintf(f, "line %" PRId64, l0);
    else if (!loc || !*loc)
        fputs("the file", f);
}

/* The verdict in one sentence, the same in HTML and Markdown: numbers,
 * checked times and fixed words, nothing to escape. lower: it follows a
 * "**verdict**: " lead (Markdown). */
static void verdict_text(FILE *f, json_t *a, int lower)
{
    const char *v = js(a, "verdict");
    json_t *sg = json_object_get(a, "sightings"),
           *sw = json_object_get(a, "sweeps");
    if (v && strcmp(v, "affected") == 0) {
        fprintf(f, "%" PRId64 " sighting%s on %" PRId64 " host%s, first seen ",
                ji(sg, "total"), ji(sg, "total") == 1 ? "" : "s",
                ji(sg, "hosts"), ji(sg, "hosts") == 1 ? "" : "s");
        h_time(f, js(a, "first_seen"));
        fputs(", last seen ", f);
        h_time(f, js(a, "last_seen"));
        fputs(".", f);
    } else if (v && strcmp(v, "not affected") == 0) {
        fprintf(f,
                "%" PRId64 " indicator%s looked for by %" PRId64
                " sweep%s (the last ended ",
                ji(a, "indicators"), ji(a, "indicators") == 1 ? "" : "s",
                ji(sw, "count"), ji(sw, "count") == 1 ? "" : "s");
        h_time(f, js(sw, "last"));
        fputs("), none seen.", f);
    } else if (!ji(a, "indicators")) {
        fputs(lower ? "no indicator to look for." : "No indicator to look for.",
              f);
    } else {
        fputs(lower ? "no sweep since the advisory was added ("
                    : "No sweep since the advisory was added (",
              f);
        h_time(f, js(a, "added"));
        fputs(").", f);
    }
    if (ji(sg, "suppressed"))
        fprintf(f,
                " %" PRId64 " suppressed sighting%s (known false "
                "positives).",
                ji(sg, "suppressed"), ji(sg, "suppressed") == 1 ? "" : "s");
}

static void html_evidence(FILE *f, json_t *a, int show_supp)
{
    size_t hi, ii, si;
    json_t *host, *in, *sg;
    json_array_foreach(json_object_get(a, "evidence"), hi, host)
    {
        fputs("<h4>Host <code>", f);
        h_esc(f, js(host, "host"), H_VALUE);
        fprintf(f, "</code> <span class=\"muted\">%" PRId64 " sighting%s",
                ji(host, "sightings"), ji(host, "sightings") == 1 ? "" : "s");
        if (ji(host, "suppressed"))
            fprintf(f, ", %" PRId64 " suppressed", ji(host, "suppressed"));
        fputs(", ", f);
        h_time(f, js(host, "first_seen"));
        fputs(" &#8211; ", f);
        h_time(f, js(host, "last_seen"));
        fputs("</span></h4>\n", f);
        json_array_foreach(json_object_get(host, "inputs"), ii, in)
        {
            fputs("<p>Input <code>", f);
            h_esc(f, js(in, "input"), H_VALUE);
            fputs("</code></p>\n<table class=\"evidence\">\n<tr><th>Indicator"
                  "</th><th>Observed</th><th>Where</th><th>Field</th>"
                  "<th>How</th><th>Level</th><th>Hits</th><th>Sweeps</th>"
                  "<th>First seen</th><th>Last seen</th>",
                  f);
            if (show_supp)
                fputs("<th>Suppressed</th>", f);
            fputs("</tr>\n", f);
            json_array_foreach(json_object_get(in, "sightings"), si, sg)
            {
                json_t *ind = json_object_get(sg, "indicator");
                const char *lv = js(sg, "level");
                fputs("<tr><td class=\"v\">", f);
                h_esc(f, js(ind, "type"), H_VALUE);
                fputs(" ", f);
                h_esc(f, js(ind, "value"), H_VALUE);
                fputs("</td><td class=\"v\">", f);
                h_esc(f, js(sg, "observed"), H_VALUE);
                fputs("</td><td class=\"v\">", f);
                h_where(f, sg);
                fputs("</td><td class=\"v\">", f);
                h_esc(f, js(sg, "field"), H_VALUE);
                fputs("</td><td>", f);
                h_esc(f, js(sg, "how"), H_VALUE);
                fprintf(f, "</td><td class=\"lvl\" style=\"color:%s\">",
                        level_color(lv, 0));
                h_esc(f, lv, H_VALUE);
                if (json_is_true(json_object_get(sg, "expired")))
                    fputs(" (expired)", f);
                fprintf(f, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>",
                        ji(sg, "hits"), ji(sg, "sweeps"));
                h_time(f, js(sg, "first_seen"));
                fputs("</td><td>", f);
                h_time(f, js(sg, "last_seen"));
                if (json_is_string(json_object_get(sg, "time_from")) &&
                    strcmp(js(sg, "time_from"), "sweep") == 0)
                    fputs(" <span class=\"muted\">(sweep)</span>", f);
                fputs("</td>", f);
                if (show_supp) {
                    fputs("<td>", f);
                    h_esc(f, js(sg, "suppressed"), H_VALUE);
                    fputs("</td>", f);
                }
                fputs("</tr>\n", f);
            }
            fputs("</table>\n", f);
        }
    }
}

static void html_advisory(FILE *f, json_t *a, int show_supp)
{
    int64_t id = ji(a, "id");
    const char *v = js(a, "verdict");
    fprintf(f, "<section class=\"advisory\" id=\"%s-%" PRId64 "\">\n",
            anchor(a), id);
    fprintf(f, "<h2>%s%" PRId64 ". ", is_feed(a) ? "F" : "", id);
    h_esc(f, js(a, "title"), H_VALUE);
    fprintf(f, " <span class=\"verdict %s\">", verdict_class(v));
    h_esc(f, v, H_VALUE);
    fputs("</span></h2>\n<p class=\"answer\">", f);
    verdict_text(f, a, 0);
    fputs("</p>\n<table class=\"facts\">\n", f);
    h_field(f, "Source", js(a, "source"), 0);
    if (js(a, "published")) {
        fputs("<tr><th>Published</th><td>", f);
        h_time(f, js(a, "published"));
        fputs("</td></tr>\n", f);
    }
    h_field(f, "URL", js(a, "url"), 1);
    h_field(f, "TLP", js(a, "tlp"), 0);
    json_t *th = json_object_get(a, "threats");
    if (json_array_size(th)) {
        size_t i;
        json_t *x;
        fputs("<tr><th>Threats</th><td>", f);
        json_array_foreach(th, i, x)
        {
            if (i)
                fputs(", ", f);
            h_esc(f, json_string_value(x), H_VALUE);
        }
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "<tr><th>Indicators</th><td>%" PRId64 "</td></tr>\n",
            ji(a, "indicators"));
    json_t *sw = json_object_get(a, "sweeps");
    fprintf(f, "<tr><th>Sweeps since added</th><td>%" PRId64, ji(sw, "count"));
    if (ji(sw, "unfinished"))
        fprintf(f, " (and %" PRId64 " unfinished)", ji(sw, "unfinished"));
    if (js(sw, "last")) {
        fputs(", last ended ", f);
        h_time(f, js(sw, "last"));
    }
    fputs("</td></tr>\n</table>\n", f);
    h_section(f, "Summary", js(a, "summary"));
    h_section(f, "Impact", js(a, "impact"));
    h_section(f, "Assessment", js(a, "assessment"));
    h_section(f, "Mitigation", js(a, "mitigation"));

    json_t *sg = json_object_get(a, "sightings");
    if (json_array_size(json_object_get(a, "evidence"))) {
        fputs("<h3>Evidence</h3>\n", f);
        html_timeline(f, a);
        html_evidence(f, a, show_supp);
    }
    if (ji(sg, "left_out"))
        fprintf(f,
                "<p class=\"muted\">%" PRId64
                " more sightings not listed.</p>\n",
                ji(sg, "left_out"));
    if (ji(sg, "suppressed") && !show_supp)
        fprintf(f,
                "<p class=\"muted\">%" PRId64
                " suppressed sighting%s not listed (--show-suppressed lists "
                "them).</p>\n",
                ji(sg, "suppressed"), ji(sg, "suppressed") == 1 ? "" : "s");
    json_t *ns = json_object_get(a, "not_seen");
    if (ji(ns, "count")) {
        size_t i;
        json_t *x;
        fprintf(f,
                "<h3>Indicators not seen (%" PRId64 ")</h3>\n<ul "
                "class=\"not-seen\">\n",
                ji(ns, "count"));
        json_array_foreach(json_object_get(ns, "indicators"), i, x)
        {
            fputs("<li><code>", f);
            h_esc(f, js(x, "type"), H_VALUE);
            fputs(" ", f);
            h_esc(f, js(x, "value"), H_VALUE);
            fputs("</code></li>\n", f);
        }
        fputs("</ul>\n", f);
        if (ji(ns, "left_out"))
            fprintf(f, "<p class=\"muted\">and %" PRId64 " more.</p>\n",
                    ji(ns, "left_out"));
    }
    fputs("</section>\n", f);
}

static void write_html(FILE *f, json_t *doc)
{
    json_t *sum = json_object_get(doc, "summary");
    json_t *advs = json_object_get(doc, "advisories");
    int show_supp = json_is_true(json_object_get(doc, "show_suppressed"));
    size_t i;
    json_t *a;

    fputs(html_head, f);
    fputs("<h1>kizashi report</h1>\n<p>Generated ", f);
    h_time(f, js(doc, "generated"));
    fprintf(f,
            " UTC: %" PRId64 " advisor%s, <b>%" PRId64 " affected</b>, %" PRId64
            " not affected, %" PRId64 " not swept. %" PRId64
            " sweep%s recorded",
            ji(sum, "advisories"), ji(sum, "advisories") == 1 ? "y" : "ies",
            ji(sum, "affected"), ji(sum, "not_affected"), ji(sum, "not_swept"),
            ji(sum, "sweeps"), ji(sum, "sweeps") == 1 ? "" : "s");
    if (js(sum, "last_sweep")) {
        fputs(", the last ended ", f);
        h_time(f, js(sum, "last_sweep"));
    }
    fputs(".</p>\n", f);
    if (ji(sum, "left_out"))
        fprintf(f,
                "<p class=\"muted\">%" PRId64 " more advisories not in this "
                "report.</p>\n",
                ji(sum, "left_out"));
    fputs("<table class=\"summary\">\n<tr><th>#</th><th>Advisory</th>"
          "<th>Verdict</th><th>Severity</th><th>Hosts</th><th>Sightings</th>"
          "<th>First seen</th><th>Last seen</th></tr>\n",
          f);
    json_array_foreach(advs, i, a)
    {
        json_t *sg = json_object_get(a, "sightings");
        int64_t id = ji(a, "id");
        fprintf(f, "<tr><td>%s%" PRId64 "</td><td><a href=\"#%s-%" PRId64 "\">",
                is_feed(a) ? "F" : "", id, anchor(a), id);
        h_esc(f, js(a, "title"), H_VALUE);
        fprintf(f, "</a></td><td><span class=\"verdict %s\">",
                verdict_class(js(a, "verdict")));
        h_esc(f, js(a, "verdict"), H_VALUE);
        fputs("</span></td><td>", f);
        if (js(a, "severity")) {
            fprintf(f, "<span class=\"lvl\" style=\"color:%s\">",
                    level_color(js(a, "severity"), 0));
            h_esc(f, js(a, "severity"), H_VALUE);
            fputs("</span>", f);
        } else
            fputs("-", f);
        fprintf(f, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>",
                ji(sg, "hosts"), ji(sg, "total"));
        h_time(f, js(a, "first_seen"));
        fputs("</td><td>", f);
        h_time(f, js(a, "last_seen"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    json_array_foreach(advs, i, a) html_advisory(f, a, show_supp);
    fputs("<p class=\"muted\">Times are UTC; a time marked (sweep) is when a "
          "sweep saw it, the event's own time being unknown.</p>\n"
          "</body>\n</html>\n",
          f);
}

/* ---- Markdown ------------------------------------------------------------ */

/* s as Markdown text: & < > as entities, ASCII punctuation that Markdown
 * or GFM reads backslash-escaped, control, C1 and bidirectional
 * characters as \xNN (its backslash escaped). prose: newlines kept as
 * hard line breaks, leading blanks of lines dropped (no code blocks). */
static void md_text(FILE *f, const char *s, int prose)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    int bol = 1;
    while (prose && n && strchr(" \t\r\n", p[n - 1]))
        n--;
    while (i < n) {
        size_t len;
        if (prose && bol && (p[i] == ' ' || p[i] == '\t')) {
            i++;
            continue;
        }
        int k = char_kind(p + i, n - i, prose, &len);
        bol = 0;
        if (k) {
            for (size_t j = 0; j < len; j++)
                fprintf(f, "\\\\x%02X", p[i + j]);
        } else if (len > 1) {
            fwrite(p + i, 1, len, f);
        } else if (p[i] == '\n') {
            /* a blank line stays a paragraph break */
            fputs(i + 1 < n && p[i + 1] != '\n' && i > 0 && p[i - 1] != '\n'
                      ? "  \n"
                      : "\n",
                  f);
            bol = 1;
        } else if (p[i] == '\t') {
            putc(' ', f);
        } else if (p[i] == '&') {
            fputs("&amp;", f);
        } else if (p[i] == '<') {
            fputs("&lt;", f);
        } else if (p[i] == '>') {
            fputs("&gt;", f);
        } else if (strchr("\\`*_{}[]()#+-.!|~:=", p[i])) {
            putc('\\', f);
            putc(p[i], f);
        } else {
            putc(p[i], f);
        }
        i += len;
    }
}

/* s as a code span whose fence is longer than any run of backticks in it;
 * in a table, | as \| (GFM splits cells before code spans). A value a code
 * span would show with < > & or a character to escape goes out as
 * <code> and escaped text instead: code spans take nothing escaped. */
static void md_code(FILE *f, const char *s, int in_table)
{
    if (!s || !*s) {
        fputs("-", f);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), run = 0, longest = 0;
    int plain = 1;
    for (size_t i = 0; i < n && plain;) {
        size_t len;
        if (char_kind(p + i, n - i, 0, &len) || strchr("<>&", p[i]))
            plain = 0;
        run = p[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
        i += len;
    }
    if (!plain) {
        fputs("<code>", f);
        md_text(f, s, 0);
        fputs("</code>", f);
        return;
    }
    int pad = p[0] == '`' || p[n - 1] == '`' || p[0] == ' ' || p[n - 1] == ' ';
    for (size_t k = 0; k <= longest; k++)
        putc('`', f);
    if (pad)
        putc(' ', f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '|' && in_table)
            putc('\\', f);
        putc(p[i], f);
    }
    if (pad)
        putc(' ', f);
    for (size_t k = 0; k <= longest; k++)
        putc('`', f);
}

static void md_time(FILE *f, const char *iso)
{
    h_time(f, iso); /* digits, '-', ':' and ' ': nothing to escape */
}

static void md_section(FILE *f, const char *label, const char *v)
{
    if (!v || !*v)
        return;
    fprintf(f, "### %s\n\n", label);
    md_text(f, v, 1);
    fputs("\n\n", f);
}

static void md_verdict_text(FILE *f, json_t *a)
{
    fputs("**", f);
    md_text(f, js(a, "verdict"), 0);
    fputs("**: ", f);
    verdict_text(f, a, 1);
    fputs("\n\n", f);
}

static void md_where(FILE *f, json_t *sg)
{
    const char *loc = js(sg, "location");
    int64_t l0 = ji(sg, "first_line"), l1 = ji(sg, "last_line");
    if (loc && *loc) {
        md_code(f, loc, 1);
        if (l0)
            fputs(", ", f);
    }
    if (l0 && l1 > l0)
        fprintf(f, "lines %" PRId64 "\xE2\x80\x93%" PRId64, l0, l1);
    else if (l0)
        fprintf(f, "line %" PRId64, l0);
    else if (!loc || !*loc)
        fputs("the file", f);
}

static void md_advisory(FILE *f, json_t *a, int show_supp)
{
    fprintf(f, "## %s%" PRId64 "\\. ", is_feed(a) ? "F" : "", ji(a, "id"));
    md_text(f, js(a, "title"), 0);
    fputs(" \xE2\x80\x94 ", f);
    md_text(f, js(a, "verdict"), 0);
    fputs("\n\n", f);
    md_verdict_text(f, a);
    const char *labels[] = {"Source", "TLP"};
    const char *keys[] = {"source", "tlp"};
    if (js(a, "published")) {
        fputs("- Published: ", f);
        md_time(f, js(a, "published"));
        putc('\n', f);
    }
    for (int k = 0; k < 2; k++) {
        if (!js(a, keys[k]))
            continue;
        fprintf(f, "- %s: ", labels[k]);
        md_text(f, js(a, keys[k]), 0);
        putc('\n', f);
    }
    if (js(a, "url")) {
        fputs("- URL: ", f);
        md_code(f, js(a, "url"), 0);
        putc('\n', f);
    }
    json_t *th = json_object_get(a, "threats");
    if (json_array_size(th)) {
        size_t i;
        json_t *x;
        fputs("- Threats: ", f);
        json_array_foreach(th, i, x)
        {
            if (i)
                fputs(", ", f);
            md_text(f, json_string_value(x), 0);
        }
        putc('\n', f);
    }
    json_t *sw = json_object_get(a, "sweeps");
    fprintf(f, "- Indicators: %" PRId64 "\n- Sweeps since added: %" PRId64,
            ji(a, "indicators"), ji(sw, "count"));
    if (ji(sw, "unfinished"))
        fprintf(f, " (and %" PRId64 " unfinished)", ji(sw, "unfinished"));
    if (js(sw, "last")) {
        fputs(", last ended ", f);
        md_time(f, js(sw, "last"));
    }
    fputs("\n\n", f);
    md_section(f, "Summary", js(a, "summary"));
    md_section(f, "Impact", js(a, "impact"));
    md_section(f, "Assessment", js(a, "assessment"));
    md_section(f, "Mitigation", js(a, "mitigation"));

    json_t *sg = json_object_get(a, "sightings");
    size_t hi, ii, si;
    json_t *host, *in, *s;
    if (json_array_size(json_object_get(a, "evidence")))
        fputs("### Evidence\n\n", f);
    json_array_foreach(json_object_get(a, "evidence"), hi, host)
    {
        fputs("#### Host ", f);
        md_code(f, js(host, "host"), 0);
        fprintf(f, ": %" PRId64 " sighting%s", ji(host, "sightings"),
                ji(host, "sightings") == 1 ? "" : "s");
        if (ji(host, "suppressed"))
            fprintf(f, ", %" PRId64 " suppressed", ji(host, "suppressed"));
        fputs(", ", f);
        md_time(f, js(host, "first_seen"));
        fputs(" to ", f);
        md_time(f, js(host, "last_seen"));
        fputs("\n\n", f);
        json_array_foreach(json_object_get(host, "inputs"), ii, in)
        {
            fputs("Input ", f);
            md_code(f, js(in, "input"), 0);
            fputs("\n\n| Indicator | Observed | Where | Field | How | Level | "
                  "Hits | Sweeps | First seen | Last seen |",
                  f);
            fputs(show_supp ? " Suppressed |\n" : "\n", f);
            fputs("| --- | --- | --- | --- | --- | --- | --- | --- | --- | "
                  "--- |",
                  f);
            fputs(show_supp ? " --- |\n" : "\n", f);
            json_array_foreach(json_object_get(in, "sightings"), si, s)
            {
                json_t *ind = json_object_get(s, "indicator");
                fputs("| ", f);
                md_text(f, js(ind, "type"), 0);
                fputs(" ", f);
                md_code(f, js(ind, "value"), 1);
                fputs(" | ", f);
                md_code(f, js(s, "observed"), 1);
                fputs(" | ", f);
                md_where(f, s);
                fputs(" | ", f);
                md_code(f, js(s, "field"), 1);
                fputs(" | ", f);
                md_text(f, js(s, "how"), 0);
                fputs(" | ", f);
                md_text(f, js(s, "level"), 0);
                if (json_is_true(json_object_get(s, "expired")))
                    fputs(" (expired)", f);
                fprintf(f, " | %" PRId64 " | %" PRId64 " | ", ji(s, "hits"),
                        ji(s, "sweeps"));
                md_time(f, js(s, "first_seen"));
                fputs(" | ", f);
                md_time(f, js(s, "last_seen"));
                if (js(s, "time_from") &&
                    strcmp(js(s, "time_from"), "sweep") == 0)
                    fputs(" (sweep)", f);
                if (show_supp) {
                    fputs(" | ", f);
                    md_text(f, js(s, "suppressed"), 0);
                }
                fputs(" |\n", f);
            }
            putc('\n', f);
        }
    }
    if (ji(sg, "left_out"))
        fprintf(f, "%" PRId64 " more sightings not listed.\n\n",
                ji(sg, "left_out"));
    if (ji(sg, "suppressed") && !show_supp)
        fprintf(f,
                "%" PRId64 " suppressed sighting%s not listed "
                "(\\-\\-show\\-suppressed lists them)\\.\n\n",
                ji(sg, "suppressed"), ji(sg, "suppressed") == 1 ? "" : "s");
    json_t *ns = json_object_get(a, "not_seen");
    if (ji(ns, "count")) {
        size_t i;
        json_t *x;
        fprintf(f, "### Indicators not seen (%" PRId64 ")\n\n",
                ji(ns, "count"));
        json_array_foreach(json_object_get(ns, "indicators"), i, x)
        {
            fputs("- ", f);
            md_text(f, js(x, "type"), 0);
            fputs(" ", f);
            md_code(f, js(x, "value"), 0);
            putc('\n', f);
        }
        if (ji(ns, "left_out"))
            fprintf(f, "- and %" PRId64 " more\n", ji(ns, "left_out"));
        putc('\n', f);
    }
}

static void write_md(FILE *f, json_t *doc)
{
    json_t *sum = json_object_get(doc, "summary");
    json_t *advs = json_object_get(doc, "advisories");
    int show_supp = json_is_true(json_object_get(doc, "show_suppressed"));
    size_t i;
    json_t *a;

    fputs("# kizashi report\n\nGenerated ", f);
    md_time(f, js(doc, "generated"));
    fprintf(f,
            " UTC: %" PRId64 " advisor%s, **%" PRId64 " affected**, %" PRId64
            " not affected, %" PRId64 " not swept\\. %" PRId64
            " sweep%s recorded",
            ji(sum, "advisories"), ji(sum, "advisories") == 1 ? "y" : "ies",
            ji(sum, "affected"), ji(sum, "not_affected"), ji(sum, "not_swept"),
            ji(sum, "sweeps"), ji(sum, "sweeps") == 1 ? "" : "s");
    if (js(sum, "last_sweep")) {
        fputs(", the last ended ", f);
        md_time(f, js(sum, "last_sweep"));
    }
    fputs("\\.\n\n", f);
    if (ji(sum, "left_out"))
        fprintf(f, "%" PRId64 " more advisories not in this report\\.\n\n",
                ji(sum, "left_out"));
    fputs(
        "| # | Advisory | Verdict | Severity | Hosts | Sightings | First seen "
        "| Last seen |\n| ---: | --- | --- | --- | ---: | ---: | --- | --- |"
        "\n",
        f);
    json_array_foreach(advs, i, a)
    {
        json_t *sg = json_object_get(a, "sightings");
        fprintf(f, "| %s%" PRId64 " | ", is_feed(a) ? "F" : "", ji(a, "id"));
        md_text(f, js(a, "title"), 0);
        fputs(" | **", f);
        md_text(f, js(a, "verdict"), 0);
        fputs("** | ", f);
        if (js(a, "severity"))
            md_text(f, js(a, "severity"), 0);
        else
            fputs("-", f);
        fprintf(f, " | %" PRId64 " | %" PRId64 " | ", ji(sg, "hosts"),
                ji(sg, "total"));
        md_time(f, js(a, "first_seen"));
        fputs(" | ", f);
        md_time(f, js(a, "last_seen"));
        fputs(" |\n", f);
    }
    putc('\n', f);
    json_array_foreach(advs, i, a) md_advisory(f, a, show_supp);
    fputs("Times are UTC; a time marked (sweep) is when a sweep saw it, the "
          "event's own time being unknown\\.\n",
          f);
}

/* ---- JSON ---------------------------------------------------------------- */

/* The document as kz_report_build wrote it, with the code points of
 * unsafe_cp as \uXXXX escapes (they can stand only inside strings, where
 * the escape means the same): jansson leaves them raw. */
static void write_json(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0;
    while (i < n) {
        uint32_t cp;
        size_t len;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        len = kz_utf8_decode(p + i, n - i, &cp);
        if (!len) { /* cannot happen: the builder repaired every string */
            cp = 0xFFFD;
            len = 1;
        } else if (!unsafe_cp(cp)) {
            i += len;
            continue;
        }
        fwrite(p + start, 1, i - start, f);
        fprintf(f, "\\u%04" PRIx32, cp);
        i += len;
        start = i;
    }
    fwrite(p + start, 1, n - start, f);
    if (!n || p[n - 1] != '\n')
        putc('\n', f);
}

/* ---- entry points -------------------------------------------------------- */

int kz_report_format_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "md") == 0 || strcmp(name, "markdown") == 0)
        return KZ_REPORT_MD;
    if (strcmp(name, "html") == 0)
        return KZ_REPORT_HTML;
    if (strcmp(name, "json") == 0)
        return KZ_REPORT_JSON;
    return -1;
}

kz_status kz_report_write(kz_ctx *ctx, const char *json, size_t n,
                          kz_report_format fmt, FILE *out)
{
    json_t *doc = NULL;
    kz_status r = KZ_OK;
    json_error_t err;

    if (!json || !out)
        return kz_seterr(ctx, KZ_ERR_INVALID, "report: no document");
    if (fmt != KZ_REPORT_JSON) {
        doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, &err);
        if (!doc || !json_is_array(json_object_get(doc, "advisories"))) {
            json_decref(doc);
            return kz_seterr(ctx, KZ_ERR_PARSE,
                             "report: not a report document (%s)",
                             doc ? "no advisories" : err.text);
        }
    }
    errno = 0;
    switch (fmt) {
    case KZ_REPORT_MD:
        write_md(out, doc);
        break;
    case KZ_REPORT_HTML:
        write_html(out, doc);
        break;
    case KZ_REPORT_JSON:
        write_json(out, json, n);
        break;
    default:
        r = kz_seterr(ctx, KZ_ERR_INVALID, "report: unknown format %d",
                      (int)fmt);
    }
    json_decref(doc);
    if (r == KZ_OK && (fflush(out) != 0 || ferror(out))) {
        int e = errno ? errno : EIO;
        r = kz_seterr(ctx, KZ_ERR_IO, "report: write error: %s", strerror(e));
        errno = e;
    }
    return r;
}
