/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to lib/evidence: the context of a hit, worked out only for lines
 * that produced one. The format of a log is told from its first bytes; the
 * field an observable stood in, its Elastic Common Schema name, the event's
 * time and the dataset (zeek.dns, suricata.eve, ...) come from parsing the
 * one line (JSON with jansson; Zeek TSV with the #fields header). URLs that
 * logs split across fields are rebuilt here too.
 */
#ifndef KZ_EVIDENCE_LOGCTX_H
#define KZ_EVIDENCE_LOGCTX_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/core.h"
#include "kizashi/evidence.h"

/* The format of a log from its first n bytes (after decompression): JSON
 * lines when the first non-blank byte is '{'; Zeek TSV when it starts with
 * "#separator"; also Zeek TSV for IIS/W3C extended logs ("#Software:",
 * "#Version:", "#Fields:"), read the same way with a space separator and
 * their #Fields: header; text otherwise. */
kz_logfmt kz_logfmt_detect(const char *head, size_t n);

/* The header of a Zeek TSV log: what its '#' lines said. A file may hold
 * several logs one after the other (each with its own header). */
#define KZ_ZEEK_MAX_FIELDS 256
typedef struct kz_zeek_hdr {
    char sep;      /* field separator, from "#separator \x09" */
    char set_sep;  /* from "#set_separator" (default ',') */
    char path[64]; /* "#path dns" -> "dns"; "w3c" after a W3C
                      "#Fields:" line (then sep is ' ') */
    unsigned nfields;
    char *fields[KZ_ZEEK_MAX_FIELDS]; /* "#fields ts uid id.orig_h ..." */
    int ts_col;                       /* column of "ts", -1 */
} kz_zeek_hdr;

void kz_zeek_hdr_init(kz_zeek_hdr *h);
void kz_zeek_hdr_free(kz_zeek_hdr *h);
/* Feeds a line starting with '#' (without its newline); updates h. Lines
 * other than #separator, #set_separator, #path, #fields are ignored. */
void kz_zeek_hdr_line(kz_zeek_hdr *h, const char *line, size_t n);

/* What a hit line says about one observable. */
typedef struct kz_linectx {
    char field[128];  /* "dns.rrname", "id.resp_h", "" when unknown */
    const char *ecs;  /* static ECS name of that field, or NULL */
    char dataset[48]; /* "zeek.dns", "suricata.dns" (EVE: "suricata." +
                         event_type), "windows.sysmon", "ecs", "w3c",
                         "syslog", "json", "" */
    kz_time time;     /* event time, 0 when none (or not in 1973..9999) */
    int not_json;     /* a JSON log's line that does not parse */
    int whole;        /* the observable is the field's whole value (or
                         one item of a set or a KEY=value list): only
                         then does `ecs` name a field that holds it */
} kz_linectx;

/* Works out the context of the observable at bytes [off, off+len) of the
 * line (n bytes, no newline). fmt and hdr (for Zeek TSV; nullable
 * otherwise) say how to read it. For JSON, the field is the first (in
 * document order) whose string value, or whose integer written as text,
 * holds the observable as a whole token (when several do, the one whose
 * rank matches the rank of the occurrence at off in the line); nested
 * objects give dotted paths ("dns.answers.rdata", array indexes omitted). For
 * text (syslog and the like) field stays "" and time comes from an RFC 3339 or
 * RFC 3164 stamp at the start of the line (RFC 3164 has no year: `year` is
 * used, the year of the file's modification time). Never fails: what cannot be
 * told stays empty. */
void kz_line_context(kz_logfmt fmt, const kz_zeek_hdr *hdr, const char *line,
                     size_t n, size_t off, size_t len, int year,
                     kz_linectx *out);

/* The ECS name of a field of a known log ("id.resp_h" in a Zeek log ->
 * "destination.ip", "dns.rrname" in EVE -> "dns.question.name"), or NULL.
 * dataset as kz_linectx.dataset. */
const char *kz_ecs_field(const char *dataset, const char *field);

/* s[0..n) as JSON decodes it, into out (cap bytes; cap >= n: the output
 * is never longer): the tokenizer saw raw bytes, which may hold escapes
 * ("http:\/\/a.example\/x", "evil\u002ecom", "HKLM\\Run"). An escape that
 * is not valid JSON is copied as written. Returns the output's length. */
size_t kz_json_unescape(const char *s, size_t n, char *out, size_t cap);

/* URLs that the line spreads over several fields, rebuilt as written
 * ("http://" + host [+ ":" port when not in host and not 80] + uri):
 * Zeek http.log (JSON or TSV: host, uri, id.resp_p), Suricata EVE http and
 * fileinfo events (http.hostname, http.http_port, http.url). fn gets each
 * URL (not canonicalized; the caller does that) and the fields it came
 * from ("host+uri"); returns the number of URLs. Lines of other logs: 0. */
typedef void (*kz_url_fn)(void *ud, const char *url, size_t n,
                          const char *fields);
unsigned kz_line_split_urls(kz_logfmt fmt, const kz_zeek_hdr *hdr,
                            const char *line, size_t n, kz_url_fn fn, void *ud);

#endif
