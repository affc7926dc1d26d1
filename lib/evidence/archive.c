/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Archives as evidence (archive.h), read with libarchive.
 *
 * Every regular member is read once, as a stream, into the buffer of its
 * nesting level, and each block goes through the digests the index holds
 * before the next is read: nothing is written to disk. A member whose
 * first bytes are themselves an archive (and the depth allows) is opened
 * as one while it streams: the inner reader pulls its bytes from the outer
 * member, and every block it pulls is hashed on the way, so the member
 * still gets its own digests in the same single read. Limits hold for the
 * whole outer file, all levels together: expanded bytes, the ratio of
 * expanded bytes to the outer file's size (checked once past 64 MiB, so a
 * small zip bomb is stopped after 64 MiB, not after gigabytes), members;
 * past a limit the sweep of that file stops and says so. Encrypted
 * members are read with the --archive-password passwords when given
 * (libarchive tries each in turn); else they are reported, and their
 * names still checked. A member's name is never used as a path on this
 * machine: `../` and absolute names are only text to match and print.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/core_int.h"
#include "evidence/archive.h"
#include "kizashi/limits.h"

/* A level's read buffer. */
#define KZA_BUF (256u << 10)
/* The ratio limit applies past this many expanded bytes. */
#define KZA_RATIO_FLOOR (64ull << 20)
/* A nested archive up to this size is read into memory first, so that
 * formats that seek (7z, zip's central directory, ISO 9660) can be read;
 * a larger one is read as a stream (tar, gzip, zip local headers). */
#define KZA_NEST_MEM (32u << 20)
/* libarchive asks again after ARCHIVE_RETRY; not forever. */
#define KZA_MAX_RETRY 8

struct level {
    kz_filehasher fh;
    unsigned char *buf;
    unsigned char *mem; /* a nested archive read whole (KZA_NEST_MEM) */
    size_t memcap;
    unsigned char *keep; /* the member's bytes (keep_max) */
    size_t keepn, keepcap;
    int keep_off; /* the member outgrew keep_max */
};

struct kz_archiver {
    const kz_filecheck *fc;
    kz_archive_opts o;
    struct level lv[KZ_ARCHIVE_MAX_DEPTH + 1];
    /* one sweep */
    const kz_archive_cb *cb;
    uint64_t outer_size, bytes, members;
    int stop; /* a limit was hit: every level unwinds */
    char chain[KZ_MAX_PATH + 1];
    size_t chain_n;
    char path[KZ_MAX_PATH + 1];
};

void kz_archive_opts_default(kz_archive_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_depth = 3;
    o->max_bytes = 4ull << 30;
    o->max_members = 100000;
    o->max_ratio = 200;
}

const char *kz_archive_kind(const unsigned char *p, size_t n)
{
    if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
        ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6) ||
         (p[2] == 7 && p[3] == 8)))
        return "zip";
    if (n >= 6 && memcmp(p, "7z\xBC\xAF\x27\x1C", 6) == 0)
        return "7z";
    if (n >= 7 && memcmp(p, "Rar!\x1A\x07", 6) == 0)
        return "rar";
    if (n >= 8 && memcmp(p, "MSCF\0\0\0\0", 8) == 0)
        return "cab";
    if (n >= 3 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 8)
        return "gzip";
    if (n >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' &&
        p[3] <= '9' && memcmp(p + 4, "1AY&SY", 6) == 0)
        return "bzip2";
    if (n >= 6 && memcmp(p,
                         "\xFD"
                         "7zXZ\0",
                         6) == 0)
        return "xz";
    if (n >= 4 && memcmp(p, "\x28\xB5\x2F\xFD", 4) == 0)
        return "zstd";
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
        return "tar";
    if (n >= 32774 && memcmp(p + 32769, "CD001", 5) == 0)
        return "iso9660";
    return NULL;
}

int kz_archiver_new(const kz_filecheck *fc, const kz_archive_opts *o,
                    kz_archiver **out)
{
    *out = NULL;
    kz_archiver *ar = kz_calloc(1, sizeof *ar);
    if (!ar)
        return -1;
    ar->fc = fc;
    ar->o = *o;
    if (ar->o.max_depth > KZ_ARCHIVE_MAX_DEPTH)
        ar->o.max_depth = KZ_ARCHIVE_MAX_DEPTH;
    for (unsigned d = 1; d <= ar->o.max_depth; d++) {
        if (kz_filehasher_init(&ar->lv[d].fh, fc) != 0 ||
            !(ar->lv[d].buf = kz_malloc(KZA_BUF))) {
            kz_archiver_free(ar);
            return -1;
        }
    }
    *out = ar;
    return 0;
}

void kz_archiver_free(kz_archiver *ar)
{
    if (!ar)
        return;
    for (unsigned d = 0; d <= KZ_ARCHIVE_MAX_DEPTH; d++) {
        kz_filehasher_free(&ar->lv[d].fh);
        kz_free(ar->lv[d].buf);
        kz_free(ar->lv[d].mem);
        kz_free(ar->lv[d].keep);
    }
    kz_free(ar);
}

static void note(kz_archiver *ar, kz_archive_note k, const char *msg)
{
    if (ar->cb->note)
        ar->cb->note(ar->cb->ud, k, ar->chain_n ? ar->chain : NULL, msg);
}

/* Counts n expanded bytes against the limits; 0 while within them. */
static int count(kz_archiver *ar, uint64_t n)
{
    ar->bytes += n;
    if (ar->stop)
        return -1;
    char m[200];
    if (ar->bytes > ar->o.max_bytes) {
        snprintf(m, sizeof m,
                 "over %llu bytes expanded (--archive-max-bytes): the rest "
                 "of the archive is not read",
                 (unsigned long long)ar->o.max_bytes);
    } else if (ar->bytes > KZA_RATIO_FLOOR && ar->o.max_ratio &&
               ar->bytes / (ar->outer_size ? ar->outer_size : 1) >
                   ar->o.max_ratio) {
        snprintf(m, sizeof m,
                 "%llu bytes expanded from %llu (ratio over %llu): a "
                 "decompression bomb? the rest is not read",
                 (unsigned long long)ar->bytes,
                 (unsigned long long)ar->outer_size,
                 (unsigned long long)ar->o.max_ratio);
    } else {
        return 0;
    }
    ar->stop = 1;
    note(ar, KZ_ARCHIVE_LIMIT, m);
    return -1;
}

static struct archive *new_reader(kz_archiver *ar)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    archive_read_support_format_raw(a); /* a bare gzip, xz, ... stream */
    for (size_t i = 0; i < ar->o.npasswords; i++)
        archive_read_add_passphrase(a, ar->o.passwords[i]);
    return a;
}

/* The name of the one member of a bare compressed stream: the outer
 * name without its directory and compression extension. */
static void bare_name(const char *name, char *out, size_t cap)
{
    const char *slash = strrchr(name, '/');
    const char *b = slash ? slash + 1 : name;
    size_t n = strlen(b);
    static const char *const ext[] = {".gz",  ".tgz", ".bz2", ".xz",
                                      ".zst", ".z",   ".lzma"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcasecmp(b + n - e, ext[i]) == 0) {
            n -= e;
            break;
        }
    }
    if (!n || n >= cap) {
        snprintf(out, cap, "%s", "data");
        return;
    }
    memcpy(out, b, n);
    out[n] = 0;
}

static void chain_push(kz_archiver *ar, const char *nm)
{
    size_t n = strlen(nm);
    size_t room = sizeof ar->chain - 1 - ar->chain_n;
    if (ar->chain_n && room) {
        ar->chain[ar->chain_n++] = '!';
        room--;
    }
    if (n > room)
        n = room; /* a path past KZ_MAX_PATH: cut (it is only printed) */
    memcpy(ar->chain + ar->chain_n, nm, n);
    ar->chain_n += n;
    ar->chain[ar->chain_n] = 0;
}

/* The chain as a relative path: '!' and '\\' as '/'. */
static void chain_path(kz_archiver *ar)
{
    for (size_t i = 0; i <= ar->chain_n; i++) {
        char c = ar->chain[i];
        ar->path[i] = (c == '!' || c == '\\') ? '/' : c;
    }
}

static void walk(kz_archiver *ar, struct archive *a, unsigned depth,
                 const char *outer_name);

/* An inner archive reads its bytes from the outer member being read. */
struct nest {
    kz_archiver *ar;
    struct archive *parent;
    unsigned depth; /* the parent member's level */
    size_t first;   /* bytes already in the level's buffer (hashed) */
    int error;      /* the parent member's data failed */
    uint64_t got;   /* the parent member's bytes */
};

/* Keeps a member's bytes for the callback, up to keep_max. */
static void keep(kz_archiver *ar, struct level *L, const void *p, size_t n)
{
    if (!ar->o.keep_max || L->keep_off || !n)
        return;
    if (L->keepn + n > ar->o.keep_max) {
        L->keep_off = 1;
        return;
    }
    if (L->keepn + n > L->keepcap) {
        size_t cap = L->keepcap ? L->keepcap : 1u << 20;
        while (cap < L->keepn + n)
            cap *= 2;
        if (cap > ar->o.keep_max)
            cap = ar->o.keep_max;
        unsigned char *k = kz_realloc(L->keep, cap);
        if (!k) {
            L->keep_off = 1;
            return;
        }
        L->keep = k;
        L->keepcap = cap;
    }
    memcpy(L->keep + L->keepn, p, n);
    L->keepn += n;
}

static la_ssize_t nest_read(struct archive *a, void *ud, const void **buf)
{
    struct nest *ns = ud;
    kz_archiver *ar = ns->ar;
    struct level *L = &ar->lv[ns->depth];
    (void)a;
    *buf = L->buf;
    if (ns->first) {
        size_t n = ns->first;
        ns->first = 0;
        return (la_ssize_t)n;
    }
    if (ar->stop || ns->error)
        return -1;
    la_ssize_t n = archive_read_data(ns->parent, L->buf, KZA_BUF);
    if (n < 0) {
        ns->error = 1;
        return -1;
    }
    if (n > 0) {
        ns->got += (uint64_t)n;
        if (count(ar, (uint64_t)n) != 0)
            return -1;
        if (kz_filecheck_digests(ar->fc) &&
            kz_filecheck_hash_update(ar->fc, &L->fh, L->buf, (size_t)n) != 0)
            ns->error = 1;
        keep(ar, L, L->buf, (size_t)n);
    }
    return n;
}

/* Does the last name of the chain end like an archive's? (When no digest
 * is wanted, only such members are read, to be opened.) */
static int archive_name(const char *chain)
{
    static const char *const ext[] = {
        "zip", "jar",  "war",  "ear",  "apk",  "whl",  "nupkg", "xpi",
        "crx", "docx", "docm", "xlsx", "xlsm", "pptx", "pptm",  "odt",
        "ods", "7z",   "rar",  "tar",  "tgz",  "tbz",  "tbz2",  "txz",
        "gz",  "bz2",  "xz",   "zst",  "iso",  "cab",  "img",   "vhd"};
    const char *last = strrchr(chain, '!');
    last = last ? last + 1 : chain;
    const char *dot = strrchr(last, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (strcasecmp(dot + 1, ext[i]) == 0)
            return 1;
    return 0;
}

static int looks_encrypted(struct archive *a)
{
    const char *m = archive_error_string(a);
    return m && (strstr(m, "assphrase") || strstr(m, "ncrypt") ||
                 strstr(m, "assword"));
}

/* Reads one regular member: hashes it, opens it when it is an archive,
 * hands it to the callback. */
static void member(kz_archiver *ar, struct archive *a, struct archive_entry *e,
                   unsigned depth)
{
    struct level *L = &ar->lv[depth];
    kz_member m;
    memset(&m, 0, sizeof m);
    m.depth = depth;
    if (archive_entry_mtime_is_set(e))
        m.info.mtime = (kz_time)archive_entry_mtime(e);
    m.info.mode = (uint32_t)archive_entry_mode(e);
    int digests = kz_filecheck_digests(ar->fc) != 0;
    int failed = 0; /* the data could not be read whole */
    L->keepn = 0;
    L->keep_off = 0;
    int whole_in_mem = 0; /* the member is in L->mem */
    if (archive_entry_is_encrypted(e) && !ar->o.npasswords) {
        note(ar, KZ_ARCHIVE_ENCRYPTED,
             "encrypted: not read (no --archive-password); its name is "
             "checked");
        if (archive_entry_size_is_set(e))
            m.info.size = (uint64_t)archive_entry_size(e);
        failed = 1;
    } else if (!digests && !ar->o.keep_max &&
               archive_format(a) == ARCHIVE_FORMAT_RAW) {
        /* names only, and the one member of a bare compressed stream:
         * its name is the outer one's, nothing to decompress */
        if (archive_entry_size_is_set(e))
            m.info.size = (uint64_t)archive_entry_size(e);
        failed = 4;
    } else if (!digests && !ar->o.keep_max &&
               (depth >= ar->o.max_depth || !archive_name(ar->chain))) {
        /* names only: a member is read only to open it when its name says
         * it is an archive; the others are skipped, not decompressed */
        if (archive_entry_size_is_set(e))
            m.info.size = (uint64_t)archive_entry_size(e);
        if (archive_read_data_skip(a) != ARCHIVE_OK) {
            char msg[300];
            snprintf(msg, sizeof msg, "member data damaged: %s",
                     archive_error_string(a) ? archive_error_string(a)
                                             : "read error");
            note(ar, KZ_ARCHIVE_DAMAGED, msg);
        }
        failed = 4;
    } else {
        if (digests && kz_filecheck_hash_begin(ar->fc, &L->fh) != 0)
            failed = 1;
        size_t have = 0;
        la_ssize_t n = 0;
        while (have < KZ_ARCHIVE_HEAD && !failed) {
            n = archive_read_data(a, L->buf + have, KZA_BUF - have);
            if (n <= 0)
                break;
            have += (size_t)n;
        }
        uint64_t got = have;
        if (n < 0)
            failed = 2;
        if (count(ar, have) != 0)
            failed = 3;
        if (!failed && digests &&
            kz_filecheck_hash_update(ar->fc, &L->fh, L->buf, have) != 0)
            failed = 1;
        keep(ar, L, L->buf, have);
        const char *kind = !failed && depth < ar->o.max_depth
                               ? kz_archive_kind(L->buf, have)
                               : NULL;
        int64_t esz = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
        if (kind && esz >= 0 && (uint64_t)esz <= KZA_NEST_MEM) {
            /* read it whole (hashing it), then open it from memory */
            size_t len = have;
            if (L->memcap < (size_t)esz + 1 || L->memcap < have) {
                size_t cap = (size_t)esz + 1 > have ? (size_t)esz + 1 : have;
                unsigned char *nm = kz_realloc(L->mem, cap);
                if (!nm)
                    failed = 1;
                else {
                    L->mem = nm;
                    L->memcap = cap;
                }
            }
            if (!failed)
                memcpy(L->mem, L->buf, have);
            while (!failed && !ar->stop) {
                if (len == L->memcap) {
                    /* more than its header said: read on as a stream */
                    failed = 2;
                    break;
                }
                n = archive_read_data(a, L->mem + len, L->memcap - len);
                if (n <= 0)
                    break;
                if (count(ar, (uint64_t)n) != 0) {
                    failed = 3;
                    break;
                }
                if (digests &&
                    kz_filecheck_hash_update(ar->fc, &L->fh, L->mem + len,
                                             (size_t)n) != 0)
                    failed = 1;
                len += (size_t)n;
            }
            if (n < 0)
                failed = 2;
            got = len;
            whole_in_mem = !failed;
            if (!failed) {
                struct archive *c = new_reader(ar);
                if (!c) {
                    failed = 1;
                } else {
                    if (archive_read_open_memory(c, L->mem, len) ==
                        ARCHIVE_OK) {
                        char inner[256];
                        const char *last = strrchr(ar->chain, '!');
                        bare_name(last ? last + 1 : ar->chain, inner,
                                  sizeof inner);
                        walk(ar, c, depth + 1, inner);
                    } else if (!ar->stop) {
                        char msg[300];
                        snprintf(
                            msg, sizeof msg, "%s member not opened: %s", kind,
                            archive_error_string(c) ? archive_error_string(c)
                                                    : "unknown error");
                        note(ar, KZ_ARCHIVE_DAMAGED, msg);
                    }
                    archive_read_free(c);
                }
            }
        } else if (kind) {
            struct nest ns = {ar, a, depth, have, 0, 0};
            struct archive *c = new_reader(ar);
            if (!c) {
                failed = 1;
            } else {
                if (archive_read_open(c, &ns, NULL, nest_read, NULL) ==
                    ARCHIVE_OK) {
                    char inner[256];
                    const char *last = strrchr(ar->chain, '!');
                    bare_name(last ? last + 1 : ar->chain, inner, sizeof inner);
                    walk(ar, c, depth + 1, inner);
                } else if (!ar->stop) {
                    char msg[300];
                    snprintf(msg, sizeof msg, "%s member not opened: %s", kind,
                             archive_error_string(c) ? archive_error_string(c)
                                                     : "unknown error");
                    note(ar, KZ_ARCHIVE_DAMAGED, msg);
                }
                archive_read_free(c);
                got += ns.got;
                if (ns.error)
                    failed = 2;
            }
        }
        /* the rest of the member, whatever the inner reader left (names
         * only: skipped, not decompressed where the format allows) */
        if (!failed && !digests && !ar->o.keep_max && !ar->stop) {
            if (archive_read_data_skip(a) != ARCHIVE_OK)
                failed = 2;
            else
                failed = 4; /* size unknown: not read */
        }
        while (!failed && !ar->stop &&
               (n = archive_read_data(a, L->buf, KZA_BUF)) > 0) {
            got += (uint64_t)n;
            if (count(ar, (uint64_t)n) != 0) {
                failed = 3;
                break;
            }
            if (digests && kz_filecheck_hash_update(ar->fc, &L->fh, L->buf,
                                                    (size_t)n) != 0)
                failed = 1;
            keep(ar, L, L->buf, (size_t)n);
        }
        if (n < 0)
            failed = 2;
        if (ar->stop)
            failed = 3;
        m.info.size = got;
        if (failed == 4 && archive_entry_size_is_set(e))
            m.info.size = (uint64_t)archive_entry_size(e);
        if (failed == 2) {
            char msg[300];
            if (archive_entry_is_encrypted(e) || looks_encrypted(a))
                snprintf(msg, sizeof msg, "%s",
                         "encrypted: no --archive-password opens it; its name "
                         "is checked");
            else
                snprintf(msg, sizeof msg, "member data damaged: %s",
                         archive_error_string(a) ? archive_error_string(a)
                                                 : "read error");
            note(ar,
                 archive_entry_is_encrypted(e) || looks_encrypted(a)
                     ? KZ_ARCHIVE_ENCRYPTED
                     : KZ_ARCHIVE_DAMAGED,
                 msg);
        }
        if (!failed && digests &&
            kz_filecheck_hash_end(ar->fc, &L->fh, &m.info) != 0)
            m.info.digests = 0;
    }
    if (failed)
        m.info.digests = 0;
    chain_path(ar);
    m.chain = ar->chain;
    m.path = ar->path;
    if (!failed && ar->o.keep_max) {
        if (whole_in_mem && m.info.size <= ar->o.keep_max) {
            m.data = L->mem; /* read whole for nesting */
            m.data_n = (size_t)m.info.size;
        } else if (!L->keep_off) {
            m.data = L->keep ? L->keep : (const unsigned char *)"";
            m.data_n = L->keepn;
        }
    }
    if (ar->cb->member)
        ar->cb->member(ar->cb->ud, &m);
}

static void walk(kz_archiver *ar, struct archive *a, unsigned depth,
                 const char *outer_name)
{
    size_t saved = ar->chain_n;
    unsigned retries = 0;
    while (!ar->stop) {
        struct archive_entry *e = NULL;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_RETRY && ++retries <= KZA_MAX_RETRY)
            continue;
        if (r < ARCHIVE_WARN || !e) {
            if (!ar->stop) {
                char msg[300];
                snprintf(msg, sizeof msg, "archive damaged: %s",
                         archive_error_string(a) ? archive_error_string(a)
                                                 : "cannot be read");
                note(ar,
                     looks_encrypted(a) ? KZ_ARCHIVE_ENCRYPTED
                                        : KZ_ARCHIVE_DAMAGED,
                     msg);
            }
            break;
        }
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        if (++ar->members > ar->o.max_members) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "over %llu members (--archive-max-members): the rest is "
                     "not read",
                     (unsigned long long)ar->o.max_members);
            note(ar, KZ_ARCHIVE_LIMIT, msg);
            ar->stop = 1;
            break;
        }
        const char *nm = archive_format(a) == ARCHIVE_FORMAT_RAW
                             ? outer_name
                             : archive_entry_pathname_utf8(e);
        if (!nm)
            nm = archive_entry_pathname(e);
        if (!nm || !*nm)
            nm = "(no name)";
        chain_push(ar, nm);
        member(ar, a, e, depth);
        ar->chain_n = saved;
        ar->chain[saved] = 0;
    }
}

static uint64_t sweep(kz_archiver *ar, struct archive *a, int opened,
                      uint64_t size, const char *name, const kz_archive_cb *cb)
{
    ar->cb = cb;
    ar->outer_size = size;
    ar->bytes = ar->members = 0;
    ar->stop = 0;
    ar->chain_n = 0;
    ar->chain[0] = 0;
    if (opened != ARCHIVE_OK) {
        char msg[300];
        snprintf(msg, sizeof msg, "archive not opened: %s",
                 archive_error_string(a) ? archive_error_string(a)
                                         : "unknown error");
        note(ar, KZ_ARCHIVE_DAMAGED, msg);
        return 0;
    }
    char bare[256];
    bare_name(name ? name : "", bare, sizeof bare);
    walk(ar, a, 1, bare);
    return ar->members;
}

uint64_t kz_archive_sweep_fd(kz_archiver *ar, int fd, uint64_t size,
                             const char *name, const kz_archive_cb *cb)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        return 0;
    struct archive *a = new_reader(ar);
    if (!a)
        return 0;
    uint64_t n =
        sweep(ar, a, archive_read_open_fd(a, fd, 64 << 10), size, name, cb);
    archive_read_free(a);
    return n;
}

uint64_t kz_archive_sweep_mem(kz_archiver *ar, const void *p, size_t n,
                              const char *name, const kz_archive_cb *cb)
{
    struct archive *a = new_reader(ar);
    if (!a)
        return 0;
    uint64_t m = sweep(ar, a, archive_read_open_memory(a, p, n), n, name, cb);
    archive_read_free(a);
    return m;
}
