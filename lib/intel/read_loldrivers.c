/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LOLDrivers reader (loldrivers.io): per-driver YAML files (one entry a
 * document, or a sequence of entries), the combined drivers.json (an array
 * of entries, streamed one element at a time) and drivers.csv. YAML and CSV
 * entries are first turned into the jansson tree a JSON entry decodes to,
 * so one function maps all three: an advisory per entry, then its sample
 * hashes, Authentihashes and file names. Invariant: one entry is in memory
 * at a time, bounded by read_loldrivers.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "core/core_int.h"
#include "intel/csvparse.h"
#include "intel/jstream.h"
#include "intel/read_loldrivers.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"

/* Hidden members a YAML mapping gets with its position, for messages and
 * the indicators' line (no real key starts with a control character). */
#define KEY_LINE "\x01line"
#define KEY_COL "\x01col"

typedef struct ld_buf {
    char *s;
    size_t n, cap; /* cap: bytes usable, the NUL excluded */
    int cut;
} ld_buf;

typedef struct ld_reader {
    kz_ctx *ctx;
    const kz_intel_sink *sink;
    const char *name;
    FILE *f;
    /* bytes read ahead to tell the formats apart, served first */
    char head[KZ_LD_MAX_HEAD];
    size_t head_n, head_pos;
    uint64_t nread; /* bytes handed to libyaml */
    uint64_t mark;  /* nread when the current entry started */
    int over;       /* the entry passed KZ_LD_MAX_ENTRY_BYTES */
    int ioerr;
    kz_strmap seen; /* values of the current entry (tag: type) */

    /* the current entry's context, shared by its indicators */
    const char *tags[KZ_LD_MAX_TAGS];
    size_t ntags;
    int tags_cut;
    char pool[8192]; /* the tags' text */
    size_t pool_n;
    const char *category;
    const char *usecase; /* the advisory's impact text, or NULL */

    char id[1024];

    char val[KZ_MAX_VALUE + 1];
    char key[KZ_MAX_VALUE + 1];
    char title[KZ_MAX_PATH + 32];
    char url[128];
    char impact[KZ_LD_MAX_COMMENT + 1];
    char comment[KZ_LD_MAX_COMMENT + 1];
    char summary[KZ_LD_MAX_SUMMARY + 1];
} ld_reader;

/* ---- small helpers --------------------------------------------------------
 */

static void buf_init(ld_buf *b, char *s, size_t size)
{
    b->s = s;
    b->n = 0;
    b->cap = size - 1;
    b->cut = 0;
    s[0] = '\0';
}

/* Appends n bytes; past the capacity the text is cut at a character
 * boundary and ends with "...". */
static void buf_add(ld_buf *b, const char *s, size_t n)
{
    if (b->cut)
        return;
    if (n > b->cap - b->n) {
        size_t room = b->cap - b->n;
        n = room > 3 ? room - 3 : 0;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        memcpy(b->s + b->n, s, n);
        b->n += n;
        memcpy(b->s + b->n, "...", room - n >= 3 ? 3 : room - n);
        b->n += room - n >= 3 ? 3 : room - n;
        b->s[b->n] = '\0';
        b->cut = 1;
        return;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void buf_str(ld_buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\v';
}

/* The number of elements of a value that may be a list or a lone value. */
static size_t ld_count(const json_t *v)
{
    if (json_is_array(v))
        return json_array_size(v);
    return v && !json_is_null(v) ? 1 : 0;
}

static json_t *ld_at(const json_t *v, size_t i)
{
    return json_is_array(v) ? json_array_get(v, i) : (json_t *)v;
}

static uint64_t ld_pos(const json_t *o, const char *key, uint64_t dflt)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_integer(v) ? (uint64_t)json_integer_value(v) : dflt;
}

static void ld_unsupported(ld_reader *r, const char *what, uint64_t line)
{
    if (r->sink->unsupported)
        r->sink->unsupported(r->sink->ud, what, line);
}

/* The string held by v, white space trimmed, when it is a value: not
 * empty, "-" or "N/A", no NUL byte. *n gets its length. NULL otherwise. */
static const char *ld_str(ld_reader *r, const json_t *v, size_t *n,
                          uint64_t line)
{
    (void)r, (void)line;
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (memchr(s, '\0', len))
        return NULL;
    while (len > 0 && is_space((unsigned char)s[0]))
        s++, len--;
    while (len > 0 && is_space((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || (len == 1 && s[0] == '-') || kz_eq_word_ci(s, len, "n/a"))
        return NULL;
    *n = len;
    return s;
}

/* ld_str of member key of object o. */
/* ld_str for an indicator's value: one with a NUL byte is reported. */
static const char *ld_val(ld_reader *r, const json_t *v, size_t *n,
                          uint64_t line)
{
    if (json_is_string(v) &&
        memchr(json_string_value(v), '\0', json_string_length(v))) {
        ld_unsupported(r, "LOLDrivers value with a NUL byte", line);
        return NULL;
    }
    return ld_str(r, v, n, line);
}

static const char *ld_get(ld_reader *r, const json_t *o, const char *key,
                          size_t *n, uint64_t line)
{
    return ld_str(r, json_is_object(o) ? json_object_get(o, key) : NULL, n,
                  line);
}

static int ld_eq_ci(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (kz_lower((unsigned char)a[i]) != kz_lower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int ld_contains(const char *s, size_t n, const char *w)
{
    size_t m = strlen(w);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, w, m) == 0)
            return 1;
    return 0;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!kz_is_xdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Sets a parse error at line:col of the input. */
static kz_status ld_err(ld_reader *r, kz_status st, uint64_t line, uint64_t col,
                        const char *what)
{
    if (col)
        return kz_seterr(r->ctx, st, "%s:%llu:%llu: %s", r->name,
                         (unsigned long long)line, (unsigned long long)col,
                         what);
    return kz_seterr(r->ctx, st, "%s:%llu: %s", r->name,
                     (unsigned long long)line, what);
}

/* The tokenizers that read after the bytes we read ahead count lines from
 * there: adds `lines` to the line of the message they left on the context
 * ("NAME:LINE:..."). */
static kz_status ld_shift_err(ld_reader *r, kz_status st, uint64_t lines)
{
    char msg[1024];
    const char *m = kz_ctx_errmsg(r->ctx);
    size_t nl = strlen(r->name);
    if (lines == 0 || strncmp(m, r->name, nl) != 0 || m[nl] != ':' ||
        !kz_is_digit((unsigned char)m[nl + 1]))
        return st;
    snprintf(msg, sizeof msg, "%s", m + nl + 1);
    unsigned long long line = 0;
    size_t i = 0;
    while (kz_is_digit((unsigned char)msg[i]) && line < (1ull << 60))
        line = line * 10 + (unsigned long long)(msg[i++] - '0');
    return kz_seterr(r->ctx, st, "%s:%llu%s", r->name, line + lines, msg + i);
}

/* ---- indicators -----------------------------------------------------------
 */

/* Hands one indicator over, once per entry (compared case-insensitively:
 * hex digests and Windows file names). */
static kz_status ld_ioc(ld_reader *r, kz_type t, const char *v, size_t n,
                        const char *comment, uint64_t line)
{
    if (n > KZ_MAX_VALUE || (t == KZ_T_FILENAME && n > KZ_MAX_PATH)) {
        ld_unsupported(r, "LOLDrivers file name longer than 4096 bytes", line);
        return KZ_OK;
    }
    for (size_t i = 0; i < n; i++)
        r->key[i] = (char)kz_lower((unsigned char)v[i]);
    int added = 0;
    uint64_t h = kz_strmap_hash((unsigned)t, r->key, n);
    if (!kz_strmap_get(&r->seen, (unsigned)t, r->key, n, h, 1, 0, &added))
        return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
    if (!added || !r->sink->ioc)
        return KZ_OK;
    memcpy(r->val, v, n);
    r->val[n] = '\0';
    kz_intel_ioc i;
    memset(&i, 0, sizeof i);
    i.type = t;
    i.value = r->val;
    i.value_len = n;
    i.confidence = -1;
    i.tags = r->tags;
    i.ntags = r->ntags;
    i.comment = comment && comment[0] ? comment : NULL;
    i.category = r->category;
    i.to_ids = -1;
    i.score = -1;
    i.line = line;
    return r->sink->ioc(r->sink->ud, &i);
}

/* Every hex digest of v (a list or a lone value), validated by length
 * only: the store normalizes. */
static kz_status ld_hash(ld_reader *r, const json_t *v, kz_type t,
                         size_t hexlen, const char *comment, uint64_t line)
{
    for (size_t k = 0; k < ld_count(v); k++) {
        size_t n;
        const char *s = ld_val(r, ld_at(v, k), &n, line);
        if (!s)
            continue;
        if (n != hexlen || !all_hex(s, n)) {
            ld_unsupported(r, "LOLDrivers hash of the wrong length", line);
            continue;
        }
        kz_status rc = ld_ioc(r, t, s, n, comment, line);
        if (rc != KZ_OK)
            return rc;
    }
    return KZ_OK;
}

static kz_status ld_filename(ld_reader *r, const json_t *v, const char *comment,
                             uint64_t line)
{
    for (size_t k = 0; k < ld_count(v); k++) {
        size_t n;
        const char *s = ld_val(r, ld_at(v, k), &n, line);
        if (!s)
            continue;
        kz_status rc = ld_ioc(r, KZ_T_FILENAME, s, n, comment, line);
        if (rc != KZ_OK)
            return rc;
    }
    return KZ_OK;
}

/* "key: value; " into the comment, for a value that is one. */
static void ld_note(ld_reader *r, ld_buf *b, const char *label, const json_t *o,
                    const char *key, uint64_t line)
{
    size_t n;
    const char *s = ld_get(r, o, key, &n, line);
    if (!s)
        return;
    if (b->n)
        buf_str(b, "; ");
    buf_str(b, label);
    buf_add(b, s, n);
}

/* The signers of a sample, for its comment: each Signer's certificate
 * (found by serial number among the Certificates of its signature) by
 * subject and serial, or its issuer when the certificate is not listed. */
static void ld_signers(ld_reader *r, ld_buf *b, const json_t *sigs,
                       uint64_t line)
{
    for (size_t i = 0; i < ld_count(sigs); i++) {
        const json_t *sig = ld_at(sigs, i);
        if (!json_is_object(sig))
            continue;
        const json_t *certs = json_object_get(sig, "Certificates");
        const json_t *signers = json_object_get(sig, "Signer");
        for (size_t j = 0; j < ld_count(signers); j++) {
            const json_t *sg = ld_at(signers, j);
            size_t sn = 0, subn = 0, in = 0;
            const char *serial = ld_get(r, sg, "SerialNumber", &sn, line);
            const char *subject = NULL;
            for (size_t k = 0; serial && !subject && k < ld_count(certs); k++) {
                const json_t *c = ld_at(certs, k);
                size_t cn;
                const char *cs = ld_get(r, c, "SerialNumber", &cn, line);
                if (cs && ld_eq_ci(cs, cn, serial, sn))
                    subject = ld_get(r, c, "Subject", &subn, line);
            }
            const char *issuer = ld_get(r, sg, "Issuer", &in, line);
            if (!subject && !issuer && !serial)
                continue;
            if (b->n)
                buf_str(b, "; ");
            buf_str(b, "Signer: ");
            if (subject)
                buf_add(b, subject, subn);
            else if (issuer) {
                buf_str(b, "issued by ");
                buf_add(b, issuer, in);
            }
            if (serial) {
                buf_str(b, subject || issuer ? " (serial " : "(serial ");
                buf_add(b, serial, sn);
                buf_str(b, ")");
            }
        }
    }
}

/* Certificates carry "TBS" digests (of the to-be-signed part), which are
 * not the thumbprints (digest of the whole DER certificate) that
 * cert_sha1 / cert_sha256 hold and Authenticode tools show: reported as
 * unsupported, once per certificate. */
static void ld_certs(ld_reader *r, const json_t *sigs, uint64_t line)
{
    for (size_t i = 0; i < ld_count(sigs); i++) {
        const json_t *sig = ld_at(sigs, i);
        if (!json_is_object(sig))
            continue;
        const json_t *certs = json_object_get(sig, "Certificates");
        for (size_t k = 0; k < ld_count(certs); k++) {
            const json_t *tbs = json_object_get(ld_at(certs, k), "TBS");
            static const char *const d[] = {"MD5", "SHA1", "SHA256", "SHA384"};
            for (size_t j = 0; j < sizeof d / sizeof *d; j++) {
                size_t n;
                if (ld_get(r, tbs, d[j], &n, line)) {
                    ld_unsupported(r,
                                   "LOLDrivers certificate TBS hash (not "
                                   "a thumbprint)",
                                   line);
                    break;
                }
            }
        }
    }
}

static kz_status ld_sample(ld_reader *r, const json_t *s, uint64_t line)
{
    kz_status rc = KZ_OK;
    ld_buf b;
    buf_init(&b, r->comment, sizeof r->comment);
    if (r->usecase) {
        buf_str(&b, "Use case: ");
        buf_str(&b, r->usecase);
    }
    ld_note(r, &b, "Company: ", s, "Company", line);
    ld_note(r, &b, "Product: ", s, "Product", line);
    ld_note(r, &b, "Description: ", s, "Description", line);
    ld_note(r, &b, "Publisher: ", s, "Publisher", line);
    const json_t *sigs = json_object_get(s, "Signatures");
    ld_signers(r, &b, sigs, line);
    size_t n;
    const char *hvci = ld_get(r, s, "LoadsDespiteHVCI", &n, line);
    if (hvci && kz_eq_word_ci(hvci, n, "true"))
        buf_str(&b, b.n ? "; loads despite HVCI" : "Loads despite HVCI");

    rc = ld_hash(r, json_object_get(s, "SHA256"), KZ_T_SHA256, 64, b.s, line);
    if (rc == KZ_OK)
        rc = ld_hash(r, json_object_get(s, "SHA1"), KZ_T_SHA1, 40, b.s, line);
    if (rc == KZ_OK)
        rc = ld_hash(r, json_object_get(s, "MD5"), KZ_T_MD5, 32, b.s, line);
    const json_t *ah = json_object_get(s, "Authentihash");
    for (size_t i = 0; rc == KZ_OK && i < ld_count(ah); i++) {
        const json_t *a = ld_at(ah, i);
        rc = ld_hash(r, json_object_get(a, "SHA256"), KZ_T_AUTHENTIHASH, 64,
                     b.s, line);
        /* Authenticode digests come as MD5, SHA-1 or SHA-256 of the
         * image: the store keeps all three (the evidence side computes
         * the one the signature holds). */
        if (rc == KZ_OK)
            rc = ld_hash(r, json_object_get(a, "SHA1"), KZ_T_AUTHENTIHASH, 40,
                         b.s, line);
        if (rc == KZ_OK)
            rc = ld_hash(r, json_object_get(a, "MD5"), KZ_T_AUTHENTIHASH, 32,
                         b.s, line);
    }
    if (rc == KZ_OK)
        rc = ld_filename(r, json_object_get(s, "Filename"), b.s, line);
    if (rc == KZ_OK)
        rc = ld_filename(r, json_object_get(s, "OriginalFilename"), b.s, line);
    if (rc == KZ_OK)
        ld_certs(r, sigs, line);
    return rc;
}

/* ---- entries --------------------------------------------------------------
 */

/* Adds a tag (copied to the pool: tags are C strings). Returns it. */
static const char *ld_tag(ld_reader *r, const char *t, size_t n)
{
    if (r->ntags >= KZ_LD_MAX_TAGS || n >= sizeof r->pool - r->pool_n) {
        r->tags_cut = 1;
        return NULL;
    }
    char *p = r->pool + r->pool_n;
    memcpy(p, t, n);
    p[n] = '\0';
    r->pool_n += n + 1;
    r->tags[r->ntags++] = p;
    return p;
}

/* Adds every string of v (a list or a lone value) to the tags. */
static void ld_tags_of(ld_reader *r, const json_t *v, uint64_t line)
{
    for (size_t k = 0; k < ld_count(v); k++) {
        size_t n;
        const char *s = ld_str(r, ld_at(v, k), &n, line);
        if (s)
            ld_tag(r, s, n);
    }
}

static int ld_ends_sys(const char *s, size_t n)
{
    if (n < 5 || !kz_eq_word_ci(s + n - 4, 4, ".sys"))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == '\\' || s[i] == ' ')
            return 0;
    return 1;
}

/* The advisory of an entry; the entry's context for its indicators. */
static kz_status ld_advisory(ld_reader *r, const json_t *e, uint64_t line)
{
    size_t n, idn = 0;
    const json_t *samples = json_object_get(e, "KnownVulnerableSamples");
    const json_t *cmds = json_object_get(e, "Commands");
    const json_t *tags = json_object_get(e, "Tags");
    const char *id = ld_get(r, e, "Id", &idn, line);

    /* title: the driver's name */
    ld_buf t;
    buf_init(&t, r->title, sizeof r->title);
    buf_str(&t, "LOLDrivers: ");
    const char *nm = ld_str(r, ld_at(tags, 0), &n, line);
    for (size_t i = 0; !nm && i < ld_count(samples); i++) {
        nm = ld_get(r, ld_at(samples, i), "Filename", &n, line);
        if (!nm)
            nm = ld_get(r, ld_at(samples, i), "OriginalFilename", &n, line);
    }
    if (!nm && id)
        nm = id, n = idn;
    if (nm)
        buf_add(&t, nm, n);
    else
        buf_str(&t, "driver");

    int url_ok = id && idn < 64;
    for (size_t i = 0; url_ok && i < idn; i++)
        url_ok = kz_is_alnum((unsigned char)id[i]) || id[i] == '-';
    if (url_ok)
        snprintf(r->url, sizeof r->url,
                 "https://www.loldrivers.io/drivers/%.*s/", (int)idn, id);

    /* summary: what the entry says, the command, the resources */
    ld_buf s, imp;
    buf_init(&s, r->summary, sizeof r->summary);
    buf_init(&imp, r->impact, sizeof r->impact);
    for (size_t i = 0; i < ld_count(cmds); i++) {
        const json_t *c = ld_at(cmds, i);
        const char *d = ld_get(r, c, "Description", &n, line);
        if (d) {
            if (s.n)
                buf_str(&s, "\n\n");
            buf_add(&s, d, n);
        }
        const char *cmd = ld_get(r, c, "Command", &n, line);
        if (cmd) {
            buf_str(&s, s.n ? "\n\nCommand: " : "Command: ");
            buf_add(&s, cmd, n);
        }
        const char *u = ld_get(r, c, "Usecase", &n, line);
        if (u && !imp.n) {
            buf_add(&imp, u, n);
            const char *p = ld_get(r, c, "Privileges", &n, line);
            if (p) {
                buf_str(&imp, " (privileges: ");
                buf_add(&imp, p, n);
                buf_str(&imp, ")");
            }
        }
    }
    const char *dd = ld_get(r, e, "Description", &n, line);
    if (dd) {
        if (s.n)
            buf_str(&s, "\n\n");
        buf_add(&s, dd, n);
    }
    const json_t *res = json_object_get(e, "Resources");
    int first = 1;
    for (size_t i = 0; i < ld_count(res); i++) {
        const char *u = ld_str(r, ld_at(res, i), &n, line);
        if (!u)
            continue;
        if (first)
            buf_str(&s, s.n ? "\n\nResources:" : "Resources:");
        first = 0;
        buf_str(&s, "\n- ");
        buf_add(&s, u, n);
    }

    kz_time pub = 0;
    const char *cr = ld_get(r, e, "Created", &n, line);
    if (cr && kz_time_parse(cr, n, &pub) != KZ_OK) {
        kz_diag(r->ctx, KZ_SEV_WARNING, r->name, line, 0,
                "Created \"%.*s\" is not a date: ignored",
                (int)(n > 64 ? 64 : n), cr);
        pub = 0;
    }

    /* the indicators' context */
    r->ntags = 0;
    r->tags_cut = 0;
    r->pool_n = 0;
    r->category = NULL;
    r->usecase = imp.n ? r->impact : NULL;
    const char *cat = ld_get(r, e, "Category", &n, line);
    if (cat)
        r->category = ld_tag(r, cat, n);
    ld_tags_of(r, tags, line);
    ld_tags_of(r, json_object_get(e, "MitreID"), line);
    ld_tags_of(r, json_object_get(e, "CVE"), line);
    const json_t *ver = json_object_get(e, "Verified");
    const char *vs = ld_str(r, ver, &n, line);
    if (json_is_true(ver) || (vs && kz_eq_word_ci(vs, n, "true")))
        ld_tag(r, "verified", 8);
    else if (json_is_false(ver) || (vs && kz_eq_word_ci(vs, n, "false")))
        ld_tag(r, "unverified", 10);
    if (r->tags_cut)
        kz_diag(r->ctx, KZ_SEV_WARNING, r->name, line, 0,
                "more than %u tags: the rest are dropped", KZ_LD_MAX_TAGS);

    if (!r->sink->advisory)
        return KZ_OK;
    kz_intel_advisory a;
    memset(&a, 0, sizeof a);
    a.key = NULL;
    if (id && idn < sizeof r->id) {
        memcpy(r->id, id, idn);
        r->id[idn] = '\0';
        a.key = r->id;
    }
    a.title = r->title;
    a.published = pub;
    a.url = url_ok ? r->url : NULL;
    a.summary = s.n ? r->summary : NULL;
    a.impact = imp.n ? r->impact : NULL;
    a.source = "LOLDrivers";
    a.tlp = "clear";
    return r->sink->advisory(r->sink->ud, &a);
}

/* Maps one entry (an object of the LOLDrivers schema) to records. */
static kz_status ld_entry(ld_reader *r, const json_t *e, uint64_t line,
                          uint64_t col)
{
    kz_status rc = KZ_OK;
    if (!json_is_object(e))
        return ld_err(r, KZ_ERR_PARSE, line, col,
                      "a LOLDrivers entry must be a mapping");
    line = ld_pos(e, KEY_LINE, line);
    col = ld_pos(e, KEY_COL, col);
    const json_t *samples = json_object_get(e, "KnownVulnerableSamples");
    if (!json_object_get(e, "Id") && !samples)
        return ld_err(r, KZ_ERR_PARSE, line, col,
                      "not a LOLDrivers entry (no Id, no "
                      "KnownVulnerableSamples)");
    kz_strmap_free(&r->seen);
    memset(&r->seen, 0, sizeof r->seen);

    rc = ld_advisory(r, e, line);
    size_t n;

    for (size_t i = 0; rc == KZ_OK && i < ld_count(samples); i++) {
        const json_t *s = ld_at(samples, i);
        uint64_t sl = ld_pos(s, KEY_LINE, line);
        if (!json_is_object(s)) {
            /* "KnownVulnerableSamples: ''" stands for none */
            if (json_is_string(s) && !ld_str(r, s, &n, line))
                continue;
            rc = ld_err(r, KZ_ERR_PARSE, line, col,
                        "a KnownVulnerableSamples element must be a mapping");
            break;
        }
        rc = ld_sample(r, s, sl);
    }
    /* The tags name the driver's files ("Netfilter.sys"): those ending in
     * .sys are file names a hunter matches too. */
    const json_t *tags = json_object_get(e, "Tags");
    ld_buf b;
    buf_init(&b, r->comment, sizeof r->comment);
    if (r->usecase) {
        buf_str(&b, "Use case: ");
        buf_str(&b, r->usecase);
    }
    for (size_t i = 0; rc == KZ_OK && i < ld_count(tags); i++) {
        const char *s = ld_str(r, ld_at(tags, i), &n, line);
        if (s && ld_ends_sys(s, n))
            rc = ld_ioc(r, KZ_T_FILENAME, s, n, b.s, line);
    }
    return rc;
}

/* ---- YAML -----------------------------------------------------------------
 */

typedef struct ld_yaml {
    ld_reader *r;
    json_t *stack[KZ_LD_MAX_DEPTH];
    json_t *key[KZ_LD_MAX_DEPTH]; /* a mapping's key awaiting its value */
    int depth;
    uint64_t nodes; /* of the current entry */
} ld_yaml;

/* libyaml's input: the bytes read ahead, then the file; fails past the
 * per-entry ceiling so a huge scalar cannot grow libyaml's buffers. */
static int y_read(void *data, unsigned char *buf, size_t size,
                  size_t *size_read)
{
    ld_reader *r = data;
    size_t n = 0;
    if (r->nread - r->mark > KZ_LD_MAX_ENTRY_BYTES) {
        r->over = 1;
        return 0;
    }
    if (r->head_pos < r->head_n) {
        n = r->head_n - r->head_pos;
        if (n > size)
            n = size;
        memcpy(buf, r->head + r->head_pos, n);
        r->head_pos += n;
    } else {
        n = fread(buf, 1, size, r->f);
        if (n == 0 && ferror(r->f)) {
            r->ioerr = 1;
            return 0;
        }
    }
    r->nread += n;
    *size_read = n;
    return 1;
}

static kz_status y_error(ld_reader *r, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
    if (p->error == YAML_READER_ERROR && r->over)
        return kz_seterr(
            r->ctx, KZ_ERR_LIMIT, "%s:%llu:%llu: an entry longer than %u bytes",
            r->name, (unsigned long long)p->mark.line + 1,
            (unsigned long long)p->mark.column + 1, KZ_LD_MAX_ENTRY_BYTES);
    if (p->error == YAML_READER_ERROR && r->ioerr)
        return kz_seterr(r->ctx, KZ_ERR_IO, "%s: read error", r->name);
    const yaml_mark_t *m =
        p->error == YAML_READER_ERROR ? &p->mark : &p->problem_mark;
    return kz_seterr(r->ctx, KZ_ERR_PARSE, "%s:%llu:%llu: YAML: %s%s%s",
                     r->name, (unsigned long long)m->line + 1,
                     (unsigned long long)m->column + 1,
                     p->problem ? p->problem : "invalid", p->context ? " " : "",
                     p->context ? p->context : "");
}

/* One entry handed over: the next one starts counting afresh. */
static kz_status y_entry(ld_yaml *y, json_t *v, const yaml_mark_t *m)
{
    kz_status rc = ld_entry(y->r, v, m->line + 1, m->column + 1);
    json_decref(v);
    y->nodes = 0;
    y->r->mark = y->r->nread;
    return rc;
}

/* A node is complete (a scalar, or a container at its end): it goes into
 * its parent, or is an entry. Takes v. */
static kz_status y_done(ld_yaml *y, json_t *v, const yaml_mark_t *m)
{
    if (y->depth == 0) {
        if (json_is_null(v) || json_is_array(v)) {
            /* an empty document; a sequence whose items were entries */
            json_decref(v);
            y->nodes = 0;
            y->r->mark = y->r->nread;
            return KZ_OK;
        }
        return y_entry(y, v, m);
    }
    json_t *p = y->stack[y->depth - 1];
    if (json_is_array(p)) {
        if (y->depth == 1)
            return y_entry(y, v, m);
        if (json_array_append_new(p, v) != 0)
            return kz_seterr(y->r->ctx, KZ_ERR_NOMEM, "%s: out of memory",
                             y->r->name);
        return KZ_OK;
    }
    json_t **k = &y->key[y->depth - 1];
    if (!*k) {
        if (!json_is_string(v)) { /* a null key ("~", or empty) */
            json_decref(v);
            v = json_string("");
            if (!v)
                return kz_seterr(y->r->ctx, KZ_ERR_NOMEM, "%s: out of memory",
                                 y->r->name);
        }
        *k = v;
        return KZ_OK;
    }
    int bad = json_object_setn_new_nocheck(p, json_string_value(*k),
                                           json_string_length(*k), v);
    json_decref(*k);
    *k = NULL;
    return bad ? kz_seterr(y->r->ctx, KZ_ERR_NOMEM, "%s: out of memory",
                           y->r->name)
               : KZ_OK;
}

static json_t *y_scalar(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        (n == 0 || (n == 1 && s[0] == '~') || kz_eq_word_ci(s, n, "null")))
        return json_null();
    /* libyaml hands valid UTF-8 only */
    return json_stringn_nocheck(s, n);
}

static kz_status y_event(ld_yaml *y, const yaml_event_t *ev)
{
    ld_reader *r = y->r;
    const yaml_mark_t *m = &ev->start_mark;
    json_t *v = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        if (++y->nodes > KZ_LD_MAX_NODES)
            return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                             "%s:%llu:%llu: more than %u YAML nodes in one "
                             "entry",
                             r->name, (unsigned long long)m->line + 1,
                             (unsigned long long)m->column + 1,
                             KZ_LD_MAX_NODES);
        break;
    default:
        break;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        v = y_scalar(ev);
        if (!v)
            return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory",
                             r->name);
        return y_done(y, v, m);
    case YAML_ALIAS_EVENT:
        /* Anchors and aliases are not part of the LOLDrivers schema;
         * expanding them invites billion-laughs inputs. */
        ld_unsupported(r, "YAML alias", m->line + 1);
        return y_done(y, json_null(), m);
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        if (y->depth >= KZ_LD_MAX_DEPTH)
            return kz_seterr(r->ctx, KZ_ERR_LIMIT,
                             "%s:%llu:%llu: YAML nested deeper than %d levels",
                             r->name, (unsigned long long)m->line + 1,
                             (unsigned long long)m->column + 1,
                             KZ_LD_MAX_DEPTH);
        if (y->depth > 0 && json_is_object(y->stack[y->depth - 1]) &&
            !y->key[y->depth - 1])
            return ld_err(r, KZ_ERR_PARSE, m->line + 1, m->column + 1,
                          "a mapping key that is not a scalar");
        if (ev->type == YAML_MAPPING_START_EVENT) {
            v = json_object();
            if (v &&
                (json_object_set_new_nocheck(
                     v, KEY_LINE, json_integer((json_int_t)m->line + 1)) ||
                 json_object_set_new_nocheck(
                     v, KEY_COL, json_integer((json_int_t)m->column + 1)))) {
                json_decref(v);
                v = NULL;
            }
        } else {
            v = json_array();
        }
        if (!v)
            return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory",
                             r->name);
        y->key[y->depth] = NULL;
        y->stack[y->depth++] = v;
        return KZ_OK;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT: {
        v = y->stack[--y->depth];
        json_decref(y->key[y->depth]); /* a key without a value: none */
        y->key[y->depth] = NULL;
        /* the container's own position, for an entry */
        yaml_mark_t at = *m;
        at.line = ld_pos(v, KEY_LINE, m->line + 1) - 1;
        at.column = ld_pos(v, KEY_COL, m->column + 1) - 1;
        return y_done(y, v, &at);
    }
    default:
        return KZ_OK;
    }
}

static kz_status ld_read_yaml(ld_reader *r)
{
    kz_status rc = KZ_OK;
    yaml_parser_t p;
    ld_yaml y;
    memset(&y, 0, sizeof y);
    y.r = r;
    if (!yaml_parser_initialize(&p))
        return kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
    yaml_parser_set_input(&p, y_read, r);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = y_error(r, &p);
            break;
        }
        rc = y_event(&y, &ev);
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (rc != KZ_OK || end)
            break;
    }
    while (y.depth > 0) {
        y.depth--;
        json_decref(y.stack[y.depth]);
        json_decref(y.key[y.depth]);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* ---- JSON -----------------------------------------------------------------
 */

static kz_status ld_read_json(ld_reader *r, uint64_t skipped)
{
    kz_jstream *js = NULL;
    kz_jkind kind;
    json_t *v = NULL;
    uint64_t line, col;
    int more = 1, array = 0;
    /* errors of the tokenizer count lines from the first '{' or '[' */
    kz_status rc = kz_jstream_new(r->ctx, r->f, r->name, &js);
    if (rc == KZ_OK)
        rc = kz_jstream_peek(js, &kind);
    if (rc == KZ_OK && kind == KZ_JK_ARRAY) {
        array = 1;
        rc = kz_jstream_enter(js);
    }
    while (rc == KZ_OK && more) {
        if (array) {
            rc = kz_jstream_next(js, &more, NULL);
            if (rc != KZ_OK || !more)
                break;
        }
        rc = kz_jstream_decode(js, &v);
        if (rc != KZ_OK)
            break;
        kz_jstream_where(js, &line, &col);
        rc = ld_entry(r, v, line + skipped, col);
        json_decref(v);
        v = NULL;
        if (rc != KZ_OK)
            goto out; /* the message is set already */
        more = array;
    }
    if (rc == KZ_OK)
        rc = kz_jstream_end(js);
    if (rc != KZ_OK)
        rc = ld_shift_err(r, rc, skipped);
out:
    kz_jstream_free(js);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------
 */

/* What a column of drivers.csv becomes in the entry's tree. */
enum col_kind {
    C_IGNORE,  /* kept out of the records (Author, Detection, ...) */
    C_ENTRY,   /* a string member of the entry */
    C_LIST,    /* a list member of the entry, items joined by ", " */
    C_PYLIST,  /* a Python list repr: "['a', 'b']" */
    C_COMMAND, /* a member of Commands */
    C_HASHES,  /* a sample digest list, items joined by "," */
    C_AUTH,    /* an Authentihash digest list */
    C_TEXT,    /* sample text, items joined by ", " (values kept once) */
    C_NAMES    /* sample file names, items joined by ", " */
};

static const struct ld_col {
    const char *name;
    enum col_kind kind;
    const char *key; /* member name in the tree */
} ld_cols[] = {
    {"Id", C_ENTRY, "Id"},
    {"Author", C_IGNORE, NULL},
    {"Created", C_ENTRY, "Created"},
    {"Command", C_COMMAND, "Command"},
    {"Description", C_COMMAND, "Description"},
    {"Usecase", C_COMMAND, "Usecase"},
    {"Category", C_ENTRY, "Category"},
    {"Privileges", C_COMMAND, "Privileges"},
    {"MitreID", C_LIST, "MitreID"},
    {"OperatingSystem", C_IGNORE, NULL},
    {"Resources", C_PYLIST, "Resources"},
    {"Driver Description", C_ENTRY, "Description"},
    {"Person", C_IGNORE, NULL},
    {"Handle", C_IGNORE, NULL},
    {"Detection", C_IGNORE, NULL},
    {"CVE", C_PYLIST, "CVE"},
    {"KnownVulnerableSamples_MD5", C_HASHES, "MD5"},
    {"KnownVulnerableSamples_SHA1", C_HASHES, "SHA1"},
    {"KnownVulnerableSamples_SHA256", C_HASHES, "SHA256"},
    {"KnownVulnerableSamples_Publisher", C_TEXT, "Publisher"},
    {"KnownVulnerableSamples_Date", C_IGNORE, NULL},
    {"KnownVulnerableSamples_Company", C_TEXT, "Company"},
    {"KnownVulnerableSamples_Description", C_TEXT, "Description"},
    {"KnownVulnerableSamples_Product", C_TEXT, "Product"},
    {"KnownVulnerableSamples_Filename", C_NAMES, "Filename"},
    {"KnownVulnerableSamples_OriginalFilename", C_NAMES, "OriginalFilename"},
    {"KnownVulnerableSamples_Authentihash_MD5", C_AUTH, "MD5"},
    {"KnownVulnerableSamples_Authentihash_SHA1", C_AUTH, "SHA1"},
    {"KnownVulnerableSamples_Authentihash_SHA256", C_AUTH, "SHA256"},
    {"Verified", C_ENTRY, "Verified"},
    {"Tags", C_LIST, "Tags"},
};
#define NCOLS (sizeof ld_cols / sizeof *ld_cols)

/* Splits s at sep (white space around items trimmed, empty items dropped)
 * into a JSON array; a double-quoted item keeps its separators ("\"ATI
 * Technologies, Inc\"", as pandas writes a value holding one). */
static json_t *ld_split(const char *s, size_t n, char sep)
{
    json_t *a = json_array();
    size_t i = 0;
    while (a && i < n) {
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        size_t b = i, e;
        if (i < n && s[i] == '"') {
            const char *q = memchr(s + i + 1, '"', n - i - 1);
            if (q) {
                b = i + 1;
                e = (size_t)(q - s);
                i = e + 1;
                while (i < n && s[i] != sep)
                    i++;
                goto item;
            }
        }
        while (i < n && s[i] != sep)
            i++;
        e = i;
    item:
        while (e > b && is_space((unsigned char)s[e - 1]))
            e--;
        if (e > b &&
            json_array_append_new(a, json_stringn_nocheck(s + b, e - b)) != 0) {
            json_decref(a);
            return NULL;
        }
        i++; /* the separator */
    }
    return a;
}

/* The items of a Python list repr "['a', \"b's\", '']" (escapes kept as
 * written but for \' and \"), or the whole text as one item. */
static json_t *ld_pylist(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    if (i == n || s[i] != '[')
        return ld_split(s, n, '\x1f'); /* no separator: one item */
    json_t *a = json_array();
    char *tmp = kz_malloc(n + 1);
    if (!a || !tmp) {
        json_decref(a);
        kz_free(tmp);
        return NULL;
    }
    for (i++; i < n; i++) {
        char q = s[i];
        if (q != '\'' && q != '"')
            continue;
        size_t k = 0;
        for (i++; i < n && s[i] != q; i++) {
            if (s[i] == '\\' && i + 1 < n &&
                (s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\'))
                i++;
            tmp[k++] = s[i];
        }
        if (k && json_array_append_new(a, json_stringn_nocheck(tmp, k))) {
            json_decref(a);
            a = NULL;
            break;
        }
    }
    kz_free(tmp);
    return a;
}

/* The distinct items of a ", "-joined text column, joined again. */
static json_t *ld_distinct(const char *s, size_t n)
{
    json_t *items = ld_split(s, n, ',');
    if (!items)
        return NULL;
    size_t total = 0;
    for (size_t i = 0; i < json_array_size(items); i++)
        total += json_string_length(json_array_get(items, i)) + 2;
    char *out = kz_malloc(total + 1);
    json_t *res = NULL;
    if (out) {
        size_t k = 0;
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            int dup = 0;
            for (size_t j = 0; j < i && !dup; j++)
                dup = json_equal(it, json_array_get(items, j));
            if (dup)
                continue;
            if (k) {
                memcpy(out + k, ", ", 2);
                k += 2;
            }
            memcpy(out + k, json_string_value(it), json_string_length(it));
            k += json_string_length(it);
        }
        res = json_stringn_nocheck(out, k);
        kz_free(out);
    }
    json_decref(items);
    return res;
}

/* Builds the entry tree of one CSV row: the per-sample columns of
 * drivers.csv are lists over all samples that do not line up (empty
 * values are dropped in some columns, not in others), so a row makes one
 * sample holding every list. */
static json_t *ld_csv_row(const int *map, const char *const *f,
                          const size_t *len, size_t nf, size_t ncol)
{
    json_t *e = json_object(), *cmd = json_object(), *smp = json_object(),
           *auth = json_object(), *list = json_array();
    int ok = e && cmd && smp && auth && list;
    for (size_t i = 0; ok && i < nf && i < ncol; i++) {
        if (map[i] < 0 || len[i] == 0)
            continue;
        const struct ld_col *c = &ld_cols[map[i]];
        json_t *v = NULL, *into = e;
        switch (c->kind) {
        case C_IGNORE:
            continue;
        case C_ENTRY:
            v = json_stringn_nocheck(f[i], len[i]);
            break;
        case C_COMMAND:
            v = json_stringn_nocheck(f[i], len[i]);
            into = cmd;
            break;
        case C_LIST:
            v = ld_split(f[i], len[i], ',');
            break;
        case C_PYLIST:
            v = ld_pylist(f[i], len[i]);
            break;
        case C_HASHES:
        case C_NAMES:
            v = ld_split(f[i], len[i], ',');
            into = smp;
            break;
        case C_AUTH:
            v = ld_split(f[i], len[i], ',');
            into = auth;
            break;
        case C_TEXT:
            v = ld_distinct(f[i], len[i]);
            into = smp;
            break;
        }
        ok = v && json_object_set_new_nocheck(into, c->key, v) == 0;
    }
    if (ok && json_object_size(cmd))
        ok = json_object_set_nocheck(e, "Commands", cmd) == 0;
    if (ok && json_object_size(auth))
        ok = json_object_set_nocheck(smp, "Authentihash", auth) == 0;
    if (ok)
        ok = json_array_append(list, smp) == 0 &&
             json_object_set_nocheck(e, "KnownVulnerableSamples", list) == 0;
    json_decref(cmd);
    json_decref(smp);
    json_decref(auth);
    json_decref(list);
    if (!ok) {
        json_decref(e);
        return NULL;
    }
    return e;
}

/* The header (read ahead, `hl` bytes of head) tells what each column is;
 * then the rows are read from the file. */
static kz_status ld_read_csv(ld_reader *r, size_t hl)
{
    kz_csv *hc = NULL, *c = NULL;
    int *map = NULL;
    const char *const *f;
    const size_t *len;
    size_t nf = 0, ncol = 0;
    uint64_t line = 0, hdr_lines = 0;
    kz_status rc = kz_csv_open_mem(r->ctx, r->head, hl, r->name, 0, 0, &hc);
    if (rc != KZ_OK)
        goto out;
    int got = kz_csv_next(hc, &f, &len, &nf, &line);
    if (got < 0) {
        rc = (kz_status)got;
        goto out;
    }
    for (size_t i = 0; i < hl; i++)
        hdr_lines += r->head[i] == '\n';
    map = kz_calloc(nf ? nf : 1, sizeof *map);
    if (!map) {
        rc = kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
        goto out;
    }
    ncol = nf;
    for (size_t i = 0; i < nf; i++) {
        map[i] = -1;
        for (size_t k = 0; k < NCOLS; k++)
            if (strcmp(f[i], ld_cols[k].name) == 0)
                map[i] = (int)k;
        if (map[i] < 0)
            ld_unsupported(r, "unknown LOLDrivers CSV column", line);
    }
    rc = kz_csv_open(r->ctx, r->f, r->name, kz_csv_delim(hc), 0, &c);
    while (rc == KZ_OK) {
        got = kz_csv_next(c, &f, &len, &nf, &line);
        if (got < 0) {
            rc = ld_shift_err(r, (kz_status)got, hdr_lines);
            break;
        }
        if (got == 0)
            break;
        if (nf > ncol)
            ld_unsupported(r, "LOLDrivers CSV field beyond the header",
                           line + hdr_lines);
        json_t *e = ld_csv_row(map, f, len, nf, ncol);
        if (!e) {
            rc = kz_seterr(r->ctx, KZ_ERR_NOMEM, "%s: out of memory", r->name);
            break;
        }
        rc = ld_entry(r, e, line + hdr_lines, 1);
        json_decref(e);
    }
out:
    kz_free(map);
    kz_csv_free(hc);
    kz_csv_free(c);
    return rc;
}

/* ---- the reader -----------------------------------------------------------
 */

/* Reads ahead up to the first byte that is not white space (a UTF-8 BOM
 * skipped) and, unless it starts JSON, to the end of that line. Returns
 * the format: 'j', 'c' or 'y'. */
static int ld_detect(ld_reader *r, uint64_t *skipped, size_t *hl)
{
    int c = EOF;
    *skipped = 0;
    while (r->head_n < sizeof r->head && (c = getc(r->f)) != EOF) {
        r->head[r->head_n++] = (char)c;
        if (r->head_n <= 3 && memcmp(r->head, "\xEF\xBB\xBF", r->head_n) == 0)
            continue; /* (part of) a byte order mark */
        if (is_space((unsigned char)c)) {
            *skipped += c == '\n';
            continue;
        }
        if (c == '{' || c == '[') {
            /* JSON: its tokenizer reads from the file, so it gets this
             * byte back; the white space before it only shifts lines. */
            ungetc(c, r->f);
            r->head_n--;
            return 'j';
        }
        break;
    }
    size_t start = r->head_n ? r->head_n - 1 : 0;
    while (c != EOF && c != '\n' && r->head_n < sizeof r->head &&
           (c = getc(r->f)) != EOF)
        r->head[r->head_n++] = (char)c;
    if (ferror(r->f))
        return 'e';
    *hl = r->head_n;
    const char *l = r->head + start;
    size_t n = r->head_n - start;
    if (c == '\n' &&
        (kz_starts_ci(l, n, "\"id\",") || kz_starts_ci(l, n, "id,") ||
         ld_contains(l, n, "KnownVulnerableSamples_")))
        return 'c';
    return 'y';
}

kz_status kz_read_loldrivers(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                             const kz_intel_sink *sink)
{
    if (!f || !sink)
        return kz_seterr(ctx, KZ_ERR_INVALID, "loldrivers: no input or sink");
    kz_status rc = KZ_OK;
    ld_reader *r = kz_calloc(1, sizeof *r);
    if (!r)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory",
                         o && o->name ? o->name : "-");
    r->ctx = ctx;
    r->sink = sink;
    r->name = o && o->name ? o->name : "-";
    r->f = f;
    uint64_t skipped = 0;
    size_t hl = 0;
    switch (ld_detect(r, &skipped, &hl)) {
    case 'j':
        rc = ld_read_json(r, skipped);
        break;
    case 'c':
        rc = ld_read_csv(r, hl);
        break;
    case 'y':
        rc = ld_read_yaml(r);
        break;
    default:
        rc = kz_seterr(ctx, KZ_ERR_IO, "%s: read error", r->name);
        break;
    }
    kz_strmap_free(&r->seen);
    kz_free(r);
    return rc;
}
