/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log sweep (evidence.h): plans jobs, runs them on worker threads,
 * delivers hits in order.
 *
 * Planning (caller's thread): every input is opened and its first bytes
 * read, to tell compressed from plain, binary from text, and the log
 * format. A plain file larger than KZH_CHUNK becomes several jobs, each a
 * byte range whose ends are moved to line boundaries the same way by the
 * two jobs that share an end; a compressed file or standard input is one
 * job, read as a stream.
 *
 * Running: workers take jobs in order from a counter, read their bytes in
 * blocks of whole lines (pread for plain files, the decompressor for the
 * others), scan them (scan.c) and resolve the hits: line number within the
 * job, the line's text, its context (logctx.c; JSON parsed here, only for
 * these lines), URLs rebuilt from split fields. The caller's thread waits
 * for job k, delivers its hits with line numbers made absolute (the sum of
 * the lines of the input's earlier jobs), then job k + 1: the output is
 * the same for any number of threads.
 */
#define _GNU_SOURCE /* O_NOATIME */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core_int.h"
#include "core/simd_int.h"
#include "evidence/archive.h"
#include "evidence/files.h"
#include "evidence/logctx.h"
#include "evidence/logsrc.h"
#include "evidence/pe.h"
#include "evidence/yararules.h"
#include "evidence/scan.h"
#include "kizashi/evidence.h"
#include "kizashi/limits.h"

/* Bytes per job of a plain file: small enough to spread a single large
 * file over the cores, large enough that planning and ordering cost
 * nothing. */
#define KZH_CHUNK (16u << 20)
/* A worker's read buffer: whole lines are scanned from it. */
#define KZH_BUF (2u << 20)
/* A line longer than the buffer is scanned in pieces cut at a byte that
 * cannot be inside a token, looking back at most this far. */
#define KZH_CUT_BACK 16384u

/* Opens a file to read as evidence without changing its access time where
 * the system lets us (O_NOATIME: the file's owner, or root): a sweep must
 * not rewrite the times an investigation reads. */
static int open_evidence(const char *path, int flags)
{
#ifdef O_NOATIME
    int fd = open(path, flags | O_NOATIME);
    if (fd >= 0 || errno != EPERM)
        return fd;
#endif
    return open(path, flags);
}

const char *kz_skip_reason_name(kz_skip_reason r)
{
    switch (r) {
    case KZ_SKIP_BINARY:
        return "binary";
    case KZ_SKIP_UNREADABLE:
        return "unreadable";
    case KZ_SKIP_CORRUPT:
        return "damaged";
    case KZ_SKIP_SPECIAL:
        return "not a regular file";
    case KZ_SKIP_TOO_LARGE:
        return "too large";
    case KZ_SKIP_ENCRYPTED:
        return "encrypted";
    case KZ_SKIP_LIMIT:
        return "archive limit";
    case KZ_SKIP_COUNT_:
        break;
    }
    return "skipped";
}

/* An input as walked. */
struct input {
    char *path;
    uint64_t size; /* as walked */
    int special;   /* KZ_WALK_SPECIAL / SYMLINK / ERROR: skipped */
    char *msg;     /* why, for skipped ones */
};

/* A resolved hit, owned by its job until delivered. */
struct rhit {
    uint64_t line_rel; /* 0-based line within the job */
    uint64_t line_off; /* absolute byte offset of the line */
    uint32_t col;
    char *line;
    size_t line_len;
    kz_type obs_type;
    char *observed;
    size_t observed_len;
    char field[128];
    const char *ecs;
    char dataset[48];
    kz_time time;
    kz_match_kind how;
    uint32_t entry;
    uint32_t seq; /* order of resolution: keeps the index's order (an
                     address's networks innermost first) among hits of
                     one place */
};

/* Something of an archive that was not read whole. */
struct jnote {
    kz_skip_reason why;
    char *where; /* the member chain, or NULL: the archive itself */
    char *msg;
};

/* A file's hit, owned by its job until delivered. */
struct fhit {
    kz_file_info *mi; /* an archive member's facts (owned; its chain after
                         it), or NULL: the job's file */
    uint32_t entry;
    kz_match_kind how;
    kz_type obs_type;
    const char *field; /* static */
    char *observed;
    size_t observed_len;
    kz_index_entry *rule; /* a YARA rule's match: the entry made for it
                             (owned, its strings after it), else NULL */
};

struct job {
    size_t input; /* index into h->in */
    int file;     /* 1: check the file (name, path, digests), not its lines */
    kz_file_info finfo;
    struct fhit *fh;
    size_t nfh, fhcap;
    size_t fh_member_from; /* fh[] of the current member start here */
    struct jnote *notes;   /* archive notes: encrypted, limits, damage */
    size_t nnotes;
    uint64_t members;  /* archive members read */
    int archive;       /* the file was opened as an archive */
    kz_pe_facts *pe;   /* a PE file's facts (owned), or NULL */
    kz_pe_facts **mpe; /* PE members' facts (owned) */
    size_t nmpe;
    uint64_t file_bytes; /* read for digests */
    int nohash;          /* a large text file: name and path only */
    int file_checked;    /* the file was there to check */
    int fd;              /* shared by the jobs of one input (owner: the
                            last job closes it) */
    int stream;          /* 1: read with kz_logsrc (compressed, stdin) */
    int last_of_input;
    uint64_t off, end; /* nominal range (plain files) */
    uint64_t size;     /* file size (plain) */
    kz_logfmt fmt;
    int year;
    /* results */
    struct rhit *hits;
    size_t nhits, cap;
    uint64_t newlines, bytes;
    int ends_without_nl; /* the input's last byte is not a newline */
    uint64_t long_lines, bad_json, dropped;
    int error; /* a kz_skip_reason + 1, 0: none */
    char *errmsg;
    const char *compression;
    int done;
};

struct kz_hunt {
    kz_ctx *ctx;
    const kz_index *ix;
    kz_hunt_opts o;
    struct input *in;
    size_t nin, incap;
    struct job *jobs;
    size_t njobs, jobcap;
    /* run state */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_job;
    size_t wait_job; /* the job the delivering thread waits for */
    uint64_t bytes_done, bytes_total;
    uint64_t files_done, files_total;
    int stop;
    kz_filecheck *fc; /* what files can match; NULL in KZ_SWEEP_LOGS */
    kz_yara *yara;    /* --yara rules, or NULL */
    struct x509_store_st *roots; /* --pe-roots, or NULL */
    uint64_t excluded;
    uint64_t binary_files;
    uint64_t texts_not_hashed;
};

kz_status kz_hunt_new(kz_ctx *ctx, const kz_index *ix, const kz_hunt_opts *o,
                      kz_hunt **out)
{
    *out = NULL;
    if (!o || !o->on_hit)
        return kz_seterr(ctx, KZ_ERR_INVALID, "hunt: no hit callback");
    kz_hunt *h = kz_calloc(1, sizeof *h);
    if (!h)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "out of memory");
    h->ctx = ctx;
    h->ix = ix;
    if (o->version >= 2) {
        h->o = *o;
    } else {
        memcpy(&h->o, o, offsetof(kz_hunt_opts, mode));
        h->o.mode = KZ_SWEEP_LOGS; /* what version 1 did */
    }
    if (h->o.mode != KZ_SWEEP_LOGS) {
        kz_status st = kz_filecheck_new(ctx, ix, &h->fc);
        if (st != KZ_OK) {
            kz_free(h);
            return st;
        }
        if (h->o.nyara) {
            st = kz_yara_load(ctx, h->o.yara_paths, h->o.nyara, &h->yara);
            if (st != KZ_OK) {
                kz_filecheck_free(h->fc);
                kz_free(h);
                return st;
            }
        }
        if (h->o.pe_roots) {
            char err[300];
            h->roots = kz_pe_roots_load(h->o.pe_roots, err, sizeof err);
            if (!h->roots) {
                kz_filecheck_free(h->fc);
                kz_yara_free(h->yara);
                kz_free(h);
                return kz_seterr(ctx, KZ_ERR_IO, "--pe-roots: %s", err);
            }
        }
        if (!kz_filecheck_active(h->fc) && !h->yara) {
            kz_filecheck_free(h->fc);
            h->fc = NULL;
        }
    }
    *out = h;
    return KZ_OK;
}

static void job_clear(struct job *j)
{
    for (size_t i = 0; i < j->nhits; i++) {
        kz_free(j->hits[i].line);
        kz_free(j->hits[i].observed);
    }
    kz_free(j->hits);
    j->hits = NULL;
    j->nhits = j->cap = 0;
    for (size_t i = 0; i < j->nfh; i++) {
        kz_free(j->fh[i].observed);
        kz_free(j->fh[i].mi);
        kz_free(j->fh[i].rule);
    }
    kz_free(j->fh);
    j->fh = NULL;
    j->nfh = j->fhcap = 0;
    for (size_t i = 0; i < j->nnotes; i++) {
        kz_free(j->notes[i].where);
        kz_free(j->notes[i].msg);
    }
    kz_free(j->notes);
    j->notes = NULL;
    j->nnotes = 0;
    kz_free(j->pe);
    j->pe = NULL;
    for (size_t i = 0; i < j->nmpe; i++)
        kz_free(j->mpe[i]);
    kz_free(j->mpe);
    j->mpe = NULL;
    j->nmpe = 0;
    kz_free(j->errmsg);
    j->errmsg = NULL;
}

void kz_hunt_free(kz_hunt *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nin; i++) {
        kz_free(h->in[i].path);
        kz_free(h->in[i].msg);
    }
    kz_free(h->in);
    for (size_t i = 0; i < h->njobs; i++) {
        job_clear(&h->jobs[i]);
        if (h->jobs[i].fd > 0)
            close(h->jobs[i].fd);
    }
    kz_free(h->jobs);
    kz_filecheck_free(h->fc);
    kz_yara_free(h->yara);
    kz_pe_roots_free(h->roots);
    kz_free(h);
}

static char *dupn(const char *s, size_t n)
{
    char *d = kz_malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static int add_input(kz_hunt *h, const char *path, int special, const char *msg,
                     uint64_t size)
{
    if (h->nin == h->incap) {
        size_t ncap = h->incap ? h->incap * 2 : 64;
        struct input *ni = kz_realloc(h->in, ncap * sizeof *ni);
        if (!ni)
            return -1;
        h->in = ni;
        h->incap = ncap;
    }
    struct input *x = &h->in[h->nin];
    memset(x, 0, sizeof *x);
    x->path = dupn(path, strlen(path));
    x->size = size;
    x->special = special;
    x->msg = msg ? dupn(msg, strlen(msg)) : NULL;
    if (!x->path)
        return -1;
    h->nin++;
    return 0;
}

static int walk_cb(void *ud, kz_walk_kind kind, const char *path, uint64_t size,
                   const char *msg)
{
    kz_hunt *h = ud;
    if (kind == KZ_WALK_EXCLUDED) {
        h->excluded++;
        return 0;
    }
    int special = kind == KZ_WALK_FILE ? 0 : (int)kind;
    return add_input(h, path, special, msg, size) != 0;
}

kz_status kz_hunt_add(kz_hunt *h, const char *path)
{
    if (strcmp(path, "-") == 0)
        return add_input(h, "-", 0, NULL, 0) == 0
                   ? KZ_OK
                   : kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
    kz_walk_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.follow = h->o.follow_symlinks;
    wo.one_file_system = h->o.one_file_system;
    wo.exclude = h->o.exclude;
    wo.nexclude = h->o.nexclude;
    /* the walk, too, on every core (a cold disk image: more requests in
     * flight) */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    wo.threads = h->o.threads ? h->o.threads : ncpu > 0 ? (unsigned)ncpu : 1;
    kz_status st = kz_walk_ex(h->ctx, path, &wo, walk_cb, h);
    if (st == KZ_ERR_ABORTED)
        return kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
    return st;
}

/* ---- planning -------------------------------------------------------------
 */

static struct job *new_job(kz_hunt *h)
{
    if (h->njobs == h->jobcap) {
        size_t ncap = h->jobcap ? h->jobcap * 2 : 64;
        struct job *nj = kz_realloc(h->jobs, ncap * sizeof *nj);
        if (!nj)
            return NULL;
        h->jobs = nj;
        h->jobcap = ncap;
    }
    struct job *j = &h->jobs[h->njobs++];
    memset(j, 0, sizeof *j);
    j->fd = -1;
    return j;
}

/* A job that only reports a skipped input (in order with the hits). */
static int skip_job(kz_hunt *h, size_t input, kz_skip_reason why,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int skip_job(kz_hunt *h, size_t input, kz_skip_reason why,
                    const char *fmt, ...)
{
    struct job *j = new_job(h);
    if (!j)
        return -1;
    j->input = input;
    j->error = (int)why + 1;
    j->done = 1;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    j->errmsg = dupn(buf, strlen(buf));
    return 0;
}

static int year_of(time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return 1970;
    return tm.tm_year + 1900;
}

/* In the default mode a text (or compressed) file larger than this is
 * taken for a log: read as one, its name and path checked, but not hashed
 * (a log is not what hash indicators name, and hashing every log would
 * cost more than sweeping it). --files hashes every file. */
#define KZ_HASH_TEXT_MAX (8u << 20)

static void text_not_hashed(kz_hunt *h, size_t fjob)
{
    struct job *j = &h->jobs[fjob];
    if (j->nohash)
        return;
    j->nohash = 1;
    h->texts_not_hashed++;
    if (kz_filecheck_digests(h->fc) &&
        (!h->o.max_size || j->size <= h->o.max_size))
        h->bytes_total -= j->size;
}

static kz_status plan(kz_hunt *h)
{
    char *head = kz_malloc(65536);
    if (!head)
        return kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < h->nin; i++) {
        struct input *x = &h->in[i];
        if (x->special) {
            kz_skip_reason why = x->special == KZ_WALK_ERROR
                                     ? KZ_SKIP_UNREADABLE
                                     : KZ_SKIP_SPECIAL;
            if (x->special == KZ_WALK_SYMLINK)
                why = KZ_SKIP_SPECIAL;
            if (skip_job(h, i, why, "%s", x->msg ? x->msg : "skipped") != 0)
                goto oom;
            continue;
        }
        int is_stdin = strcmp(x->path, "-") == 0;
        size_t fjob = (size_t)-1; /* the input's file job */
        if (!is_stdin && h->fc) {
            /* The file itself: its name and path, its digests. Read by a
             * worker; nothing is opened here. */
            struct job *j = new_job(h);
            if (!j)
                goto oom;
            j->input = i;
            j->file = 1;
            h->files_total++;
            j->size = x->size;
            j->last_of_input = h->o.mode == KZ_SWEEP_FILES;
            j->done = 0;
            fjob = h->njobs - 1;
            if (kz_filecheck_digests(h->fc) &&
                (!h->o.max_size || x->size <= h->o.max_size))
                h->bytes_total += x->size;
            if (h->o.mode == KZ_SWEEP_FILES)
                continue;
        } else if (h->o.mode == KZ_SWEEP_FILES) {
            continue; /* standard input is no file to check */
        }
        if (!is_stdin && h->o.max_size && x->size > h->o.max_size) {
            if (skip_job(h, i, KZ_SKIP_TOO_LARGE,
                         "%llu bytes, over --max-size: not read",
                         (unsigned long long)x->size) != 0)
                goto oom;
            continue;
        }
        int fd = is_stdin ? 0
                          : open_evidence(x->path, O_RDONLY | O_CLOEXEC |
                                                       O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            if (skip_job(h, i, KZ_SKIP_UNREADABLE, "cannot open: %s",
                         strerror(errno)) != 0)
                goto oom;
            continue;
        }
        struct stat sb;
        if (fstat(fd, &sb) != 0) {
            int e = errno;
            if (!is_stdin)
                close(fd);
            if (skip_job(h, i, KZ_SKIP_UNREADABLE, "cannot stat: %s",
                         strerror(e)) != 0)
                goto oom;
            continue;
        }
        if (!is_stdin && !S_ISREG(sb.st_mode)) {
            close(fd);
            if (skip_job(h, i, KZ_SKIP_SPECIAL, "not a regular file") != 0)
                goto oom;
            continue;
        }
        if (!is_stdin) {
            /* Opened non-blocking so that a FIFO swapped in after the walk
             * cannot hang us; regular files do not care. */
            int fl = fcntl(fd, F_GETFL);
            if (fl >= 0)
                (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        }
        int year = year_of(is_stdin ? time(NULL) : sb.st_mtime);
        if (is_stdin || !S_ISREG(sb.st_mode)) {
            struct job *j = new_job(h);
            if (!j)
                goto oom;
            j->input = i;
            j->fd = fd;
            j->stream = 1;
            j->last_of_input = 1;
            j->year = year;
            j->fmt = KZ_LOG_TEXT; /* told from the first block */
            continue;
        }
        ssize_t got = pread(fd, head, 65536, 0);
        if (got < 0) {
            int e = errno;
            close(fd);
            if (skip_job(h, i, KZ_SKIP_UNREADABLE, "cannot read: %s",
                         strerror(e)) != 0)
                goto oom;
            continue;
        }
        kz_compression comp = kz_compression_detect(head, (size_t)got);
        if (comp != KZ_COMP_NONE) {
            close(fd);
            if (fjob != (size_t)-1 && (uint64_t)sb.st_size > KZ_HASH_TEXT_MAX)
                text_not_hashed(h, fjob);
            struct job *j = new_job(h);
            if (!j)
                goto oom;
            j->input = i;
            j->stream = 1;
            j->last_of_input = 1;
            j->year = year;
            j->size = (uint64_t)sb.st_size;
            h->bytes_total += (uint64_t)sb.st_size;
            continue;
        }
        const char *what = NULL;
        if (kz_looks_binary(head, (size_t)got, &what)) {
            close(fd);
            if (h->fc) {
                h->binary_files++; /* checked as a file: not a log */
                continue;
            }
            if (skip_job(h, i, KZ_SKIP_BINARY, "%s", what ? what : "binary") !=
                0)
                goto oom;
            continue;
        }
        close(fd);
        if (fjob != (size_t)-1 && (uint64_t)sb.st_size > KZ_HASH_TEXT_MAX)
            text_not_hashed(h, fjob);
        kz_logfmt fmt = kz_logfmt_detect(head, (size_t)got);
        uint64_t size = (uint64_t)sb.st_size;
        h->bytes_total += size;
        uint64_t off = 0;
        do {
            struct job *j = new_job(h);
            if (!j)
                goto oom;
            j->input = i;
            j->off = off;
            j->end = size - off > KZH_CHUNK ? off + KZH_CHUNK : size;
            j->size = size;
            j->fmt = fmt;
            j->year = year;
            off = j->end;
            j->last_of_input = off >= size;
        } while (off < size);
    }
    kz_free(head);
    return KZ_OK;
oom:
    kz_free(head);
    return kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
}

/* ---- running a job ------------------------------------------------------- */

struct worker {
    kz_hunt *h;
    struct kz_scanner sc;
    struct kz_scanner sc_split; /* JSON and Zeek logs: URL hosts marked */
    char *buf;
    size_t cap;
    kz_zeek_hdr zh;
    size_t hdr_done; /* Zeek headers of the block applied up to here */
    kz_filehasher fhash;
    kz_archiver *arch;   /* NULL: archives are not opened */
    unsigned char *ybuf; /* a whole file for YARA (KZ_YARA_MEM_MAX) */
    size_t ybufcap;
    unsigned char head[KZ_ARCHIVE_HEAD];
};

static int add_rhit(struct job *j, struct rhit *r)
{
    r->seq = (uint32_t)j->nhits;
    if (j->nhits == j->cap) {
        size_t ncap = j->cap ? j->cap * 2 : 16;
        struct rhit *nh = kz_realloc(j->hits, ncap * sizeof *nh);
        if (!nh)
            return -1;
        j->hits = nh;
        j->cap = ncap;
    }
    j->hits[j->nhits++] = *r;
    return 0;
}

struct url_ud {
    struct job *j;
    const kz_index *ix;
    struct rhit proto;
    const char *line;
    size_t line_len;
    int oom;
    const kz_zeek_hdr *hdr;
    int have_ctx; /* proto has the line's time and dataset */
};

struct url_hit_ud {
    struct url_ud *u;
    const char *url;
    size_t n;
    const char *fields;
};

static void url_hit(void *ud, uint32_t entry, kz_match_kind how)
{
    struct url_hit_ud *x = ud;
    if (!x->u->have_ctx) {
        kz_linectx lc;
        memset(&lc, 0, sizeof lc);
        kz_line_context(x->u->j->fmt, x->u->hdr, x->u->line, x->u->line_len, 0,
                        0, x->u->j->year, &lc);
        x->u->proto.time = lc.time;
        memcpy(x->u->proto.dataset, lc.dataset, sizeof lc.dataset);
        x->u->have_ctx = 1;
    }
    struct rhit r = x->u->proto;
    r.entry = entry;
    r.how = how;
    r.obs_type = KZ_T_URL;
    r.observed = dupn(x->url, x->n);
    r.observed_len = x->n;
    r.line = dupn(x->u->line, x->u->line_len);
    r.line_len = x->u->line_len;
    snprintf(r.field, sizeof r.field, "%s", x->fields ? x->fields : "");
    r.ecs = "url.full";
    if (!r.observed || !r.line || add_rhit(x->u->j, &r) != 0) {
        kz_free(r.observed);
        kz_free(r.line);
        x->u->oom = 1;
    }
}

static void split_url(void *ud, const char *url, size_t n, const char *fields)
{
    struct url_ud *u = ud;
    char canon[KZ_MAX_URL + 1];
    size_t cn;
    if (kz_norm_url(url, n, canon, sizeof canon, &cn) != KZ_OK)
        return;
    struct url_hit_ud x = {u, url, n, fields};
    kz_index_lookup_url(u->ix, canon, cn, url_hit, &x);
}

/* Zeek TSV: applies the '#' lines that start in buf[from..to) (whole
 * lines of a block of n bytes) to the header, in order, so a file holding
 * several logs one after the other reads each with its own header. */
static void zeek_headers(struct worker *w, const char *buf, size_t n,
                         size_t from, size_t to)
{
    size_t i = from;
    while (i < to) {
        if (buf[i] == '#' && (i == 0 || buf[i - 1] == '\n')) {
            const char *e = memchr(buf + i, '\n', n - i);
            size_t len = e ? (size_t)(e - buf) - i : n - i;
            kz_zeek_hdr_line(&w->zh, buf + i, len);
            i += len + 1;
            continue;
        }
        /* the next '#' at a line start */
        const char *p = memchr(buf + i + 1, '#', to - i - 1);
        if (!p)
            break;
        i = (size_t)(p - buf);
    }
}

/* Resolves the scanner's hits over buf[0..n) (whole lines) whose first
 * line is line `line0` of the job and starts at absolute offset off0. */
static int resolve(struct worker *w, struct job *j, struct kz_scanner *sc,
                   const char *buf, size_t n, uint64_t line0, uint64_t off0)
{
    size_t last_ls = (size_t)-1;
    for (size_t k = 0; k < sc->nhits; k++) {
        const struct kz_scan_hit *sh = &sc->hits[k];
        size_t pos = (size_t)sh->pos;
        if (pos > n)
            continue;
        /* line number: the scanner counted the newlines before pos */
        uint64_t line = line0 + sh->line;
        /* the line around pos */
        size_t ls = pos;
        while (ls > 0 && buf[ls - 1] != '\n')
            ls--;
        const char *le = memchr(buf + pos, '\n', n - pos);
        size_t lend = le ? (size_t)(le - buf) : n;
        size_t llen = lend - ls;
        int too_long = llen > KZ_MAX_HIT_LINE;
        if (too_long && ls != last_ls)
            j->long_lines++;
        last_ls = ls;
        size_t tstart = ls, tlen = llen;
        if (too_long) {
            tstart =
                pos > ls + KZ_MAX_HIT_LINE / 2 ? pos - KZ_MAX_HIT_LINE / 2 : ls;
            tlen = KZ_MAX_HIT_LINE;
            if (tstart + tlen > lend)
                tlen = lend - tstart;
        }
        if (j->fmt == KZ_LOG_ZEEK_TSV && ls > w->hdr_done) {
            zeek_headers(w, buf, n, w->hdr_done, ls);
            w->hdr_done = ls;
        }
        kz_linectx lc;
        memset(&lc, 0, sizeof lc);
        /* (the context of a URL rebuilt from fields is its own) */
        if (!too_long && sh->entry != KZ_SCAN_URLHOST)
            kz_line_context(j->fmt, j->fmt == KZ_LOG_ZEEK_TSV ? &w->zh : NULL,
                            buf + ls, llen, pos - ls, sh->len, j->year, &lc);
        if (lc.not_json && (k == 0 || sc->hits[k - 1].pos < ls))
            j->bad_json++;
        struct rhit r;
        memset(&r, 0, sizeof r);
        r.line_rel = line;
        r.line_off = off0 + ls;
        r.col = (uint32_t)(pos - ls);
        memcpy(r.field, lc.field, sizeof r.field);
        /* An ECS field is named only when it holds the observable as its
         * whole value: "process.command_line": "x.dll" would misstate
         * what the command line was. */
        r.ecs = lc.whole ? lc.ecs : NULL;
        memcpy(r.dataset, lc.dataset, sizeof r.dataset);
        r.time = lc.time;
        if (sh->entry == KZ_SCAN_URLHOST) {
            /* Rebuild the URLs this line splits over fields, once per
             * line. */
            int seen = 0;
            for (size_t q = k; q > 0; q--) {
                const struct kz_scan_hit *p = &sc->hits[q - 1];
                if (p->pos < ls)
                    break;
                if (p->entry == KZ_SCAN_URLHOST)
                    seen = 1;
            }
            if (seen || too_long)
                continue;
            struct url_ud u = {j,
                               w->h->ix,
                               r,
                               buf + ls,
                               llen,
                               0,
                               j->fmt == KZ_LOG_ZEEK_TSV ? &w->zh : NULL,
                               0};
            kz_line_split_urls(j->fmt,
                               j->fmt == KZ_LOG_ZEEK_TSV ? &w->zh : NULL,
                               buf + ls, llen, split_url, &u);
            if (u.oom)
                return -1;
            continue;
        }
        r.entry = sh->entry;
        r.how = (kz_match_kind)sh->how;
        r.obs_type = (kz_type)sh->type;
        r.observed = dupn(buf + pos, sh->len);
        r.observed_len = sh->len;
        /* A literal found JSON-escaped in a JSON line is reported as the
         * string it stands for ("HKLM\\Run" is the key HKLM\Run). */
        if (r.observed && r.how == KZ_MATCH_LITERAL && j->fmt == KZ_LOG_JSON) {
            r.observed_len =
                kz_json_unescape(buf + pos, sh->len, r.observed, sh->len);
            r.observed[r.observed_len] = 0;
        }
        r.line = dupn(buf + tstart, tlen);
        r.line_len = tlen;
        if (!r.observed || !r.line || add_rhit(j, &r) != 0) {
            kz_free(r.observed);
            kz_free(r.line);
            return -1;
        }
    }
    j->dropped += sc->dropped;
    return 0;
}

/* Scans one block of whole lines. */
static int scan_block(struct worker *w, struct job *j, const char *buf,
                      size_t n, uint64_t *line, uint64_t off0)
{
    struct kz_scanner *sc = j->fmt == KZ_LOG_TEXT ? &w->sc : &w->sc_split;
    kz_scanner_reset(sc);
    kz_scan(sc, buf, n, 0);
    w->hdr_done = 0;
    if (sc->nhits && resolve(w, j, sc, buf, n, *line, off0) != 0)
        return -1;
    if (j->fmt == KZ_LOG_ZEEK_TSV)
        zeek_headers(w, buf, n, w->hdr_done, n);
    *line += sc->newlines;
    j->newlines += sc->newlines;
    j->bytes += n;
    return 0;
}

/* Where to cut a buffer of n bytes without a newline: after the last byte
 * that cannot be part of a token, within KZH_CUT_BACK of the end. */
static size_t safe_cut(const char *buf, size_t n)
{
    size_t lim = n > KZH_CUT_BACK ? n - KZH_CUT_BACK : 0;
    for (size_t i = n; i > lim; i--) {
        unsigned char c = (unsigned char)buf[i - 1];
        if (c <= ' ' || c == '"' || c == ',' || c == '\'' || c == '<' ||
            c == '>' || c == '|' || c == ';')
            return i;
    }
    return n;
}

static void progress_add(kz_hunt *h, uint64_t n)
{
    __atomic_add_fetch(&h->bytes_done, n, __ATOMIC_RELAXED);
}

/* An archive's note (several per file): delivered after the file's hits. */
static void job_note(struct job *j, kz_skip_reason why, const char *where,
                     const char *msg)
{
    if (j->nnotes >= 1000) { /* a hostile archive: enough said */
        j->dropped++;
        return;
    }
    struct jnote *nn = kz_realloc(j->notes, (j->nnotes + 1) * sizeof *nn);
    if (!nn)
        return;
    j->notes = nn;
    struct jnote *x = &nn[j->nnotes];
    x->why = why;
    x->where = where ? dupn(where, strlen(where)) : NULL;
    x->msg = dupn(msg, strlen(msg));
    if (!x->msg) {
        kz_free(x->where);
        return;
    }
    j->nnotes++;
}

static void job_error(struct job *j, kz_skip_reason why, const char *msg)
{
    if (j->error)
        return;
    j->error = (int)why + 1;
    j->errmsg = dupn(msg, strlen(msg));
}

/* A file that shrinks while it is mapped raises SIGBUS on the pages that
 * are gone; the thread that touched them jumps back to its job, which
 * reports the file as unreadable from there on. Any other SIGBUS goes to
 * the handler that was there before. */
static __thread sigjmp_buf *kzh_jmp;
static struct sigaction kzh_old_bus;
static pthread_once_t kzh_bus_once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    if (kzh_jmp)
        siglongjmp(*kzh_jmp, 1);
    if (kzh_old_bus.sa_flags & SA_SIGINFO) {
        if (kzh_old_bus.sa_sigaction) {
            kzh_old_bus.sa_sigaction(sig, si, uc);
            return;
        }
    } else if (kzh_old_bus.sa_handler != SIG_IGN &&
               kzh_old_bus.sa_handler != SIG_DFL) {
        kzh_old_bus.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
}

static void install_sigbus(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &kzh_old_bus);
}

/* The first line start at or after off in the n mapped bytes at m. */
static uint64_t line_start(const char *m, uint64_t n, uint64_t off)
{
    if (off == 0)
        return 0;
    if (off >= n)
        return n;
    const char *q = memchr(m + off - 1, '\n', (size_t)(n - off + 1));
    return q ? (uint64_t)(q - m) + 1 : n;
}

/* A plain file's byte range, scanned in place from a read-only mapping
 * (no copy; the kernel maps the page cache). */
static void run_mapped(struct worker *w, struct job *j)
{
    kz_hunt *h = w->h;
    pthread_once(&kzh_bus_once, install_sigbus);
    int fd =
        open_evidence(h->in[j->input].path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        char m[256];
        snprintf(m, sizeof m, "cannot open: %s", strerror(errno));
        job_error(j, KZ_SKIP_UNREADABLE, m);
        return;
    }
    uint64_t size = j->size;
    if (!size) {
        close(fd);
        return;
    }
    const char *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        char m[256];
        snprintf(m, sizeof m, "cannot map: %s", strerror(errno));
        job_error(j, KZ_SKIP_UNREADABLE, m);
        return;
    }
    sigjmp_buf jb;
    volatile uint64_t done_to = 0;
    if (sigsetjmp(jb, 0)) {
        kzh_jmp = NULL;
        char m[256];
        snprintf(m, sizeof m,
                 "the file shrank while it was read (at byte %llu): lines "
                 "after that were not swept",
                 (unsigned long long)done_to);
        job_error(j, KZ_SKIP_UNREADABLE, m);
        munmap((void *)map, (size_t)size);
        return;
    }
    kzh_jmp = &jb;
    uint64_t start = line_start(map, size, j->off);
    uint64_t end = j->last_of_input ? size : line_start(map, size, j->end);
    if (j->fmt == KZ_LOG_ZEEK_TSV && start > 0)
        zeek_headers(w, map, (size_t)start, 0, (size_t)start);
    (void)madvise((void *)(map + (start & ~(uint64_t)4095)),
                  (size_t)(end - (start & ~(uint64_t)4095)), MADV_SEQUENTIAL);
    uint64_t line = 0, pos = start;
    while (pos < end) {
        /* blocks of about KZH_BUF bytes, ending at a line end */
        uint64_t be = end - pos > KZH_BUF ? pos + KZH_BUF : end;
        if (be < end) {
            const char *q = memchr(map + be - 1, '\n', (size_t)(end - be + 1));
            be = q ? (uint64_t)(q - map) + 1 : end;
        }
#ifdef MADV_POPULATE_READ
        /* The block's pages mapped in one call, not one fault per 16
         * pages (kernels before 5.14 refuse it: they fault as before). */
        {
            uint64_t pa = pos & ~(uint64_t)4095;
            (void)madvise((void *)(map + pa), (size_t)(be - pa),
                          MADV_POPULATE_READ);
        }
#endif
        if (scan_block(w, j, map + pos, (size_t)(be - pos), &line, pos) != 0) {
            job_error(j, KZ_SKIP_UNREADABLE, "out of memory");
            break;
        }
        progress_add(h, be - pos);
        pos = be;
        done_to = pos;
    }
    if (j->last_of_input && end > start && map[end - 1] != '\n')
        j->ends_without_nl = 1;
    kzh_jmp = NULL;
    munmap((void *)map, (size_t)size);
}

/* ---- a file ---------------------------------------------------------------
 */

static void file_hit(void *ud, uint32_t entry, kz_match_kind how,
                     kz_type obs_type, const char *observed, size_t n,
                     const char *field)
{
    struct job *j = ud;
    for (size_t i = j->fh_member_from; i < j->nfh; i++)
        if (j->fh[i].entry == entry && j->fh[i].obs_type == obs_type)
            return; /* a name matched as itself and as a glob: once */
    if (j->nfh == j->fhcap) {
        size_t ncap = j->fhcap ? j->fhcap * 2 : 4;
        struct fhit *nf = kz_realloc(j->fh, ncap * sizeof *nf);
        if (!nf) {
            j->dropped++;
            return;
        }
        j->fh = nf;
        j->fhcap = ncap;
    }
    struct fhit *f = &j->fh[j->nfh];
    f->observed = dupn(observed, n);
    if (!f->observed) {
        j->dropped++;
        return;
    }
    f->observed_len = n;
    f->mi = NULL;
    f->rule = NULL;
    f->entry = entry;
    f->how = how;
    f->obs_type = obs_type;
    f->field = field;
    j->nfh++;
}

static void stat_facts(kz_file_info *fi, const struct stat *sb)
{
    fi->size = (uint64_t)sb->st_size;
    fi->mtime = (kz_time)sb->st_mtime;
    fi->ctime = (kz_time)sb->st_ctime;
    fi->atime = (kz_time)sb->st_atime;
    fi->inode = (uint64_t)sb->st_ino;
    fi->mode = (uint32_t)sb->st_mode;
    fi->uid = (uint32_t)sb->st_uid;
    fi->gid = (uint32_t)sb->st_gid;
}

/* Reads the whole file (at most KZ_YARA_MEM_MAX bytes) into w->ybuf,
 * computing its digests on the way. 0 or an errno value. */
static int read_whole(struct worker *w, int fd, uint64_t size, struct job *j,
                      uint64_t *got)
{
    kz_hunt *h = w->h;
    *got = 0;
    size_t want = (size_t)size + 1; /* one more: a file that grew shows */
    if (want > w->ybufcap) {
        unsigned char *b = kz_realloc(w->ybuf, want);
        if (!b)
            return ENOMEM;
        w->ybuf = b;
        w->ybufcap = want;
    }
    if (kz_filecheck_hash_begin(h->fc, &w->fhash) != 0)
        return EIO;
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    while (*got < want) {
        size_t n =
            want - *got > (256u << 10) ? (256u << 10) : (size_t)(want - *got);
        ssize_t r = read(fd, w->ybuf + *got, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (r == 0)
            break;
        if (kz_filecheck_hash_update(h->fc, &w->fhash, w->ybuf + *got,
                                     (size_t)r) != 0)
            return EIO;
        *got += (uint64_t)r;
    }
    if (kz_filecheck_hash_end(h->fc, &w->fhash, &j->finfo) != 0)
        return EIO;
    if (!kz_filecheck_digests(h->fc))
        j->finfo.digests = 0;
    return 0;
}

/* Checks one file: its name and path (no I/O), then its digests in one
 * read when the index holds digests. A file that changed while it was
 * read (size or time) has no reliable digest: reported, not compared. */
/* A member's hit carries the member's facts: a copy, with its chain
 * after it. Out of memory, the hit is dropped (counted). */
static int give_member_info(struct job *j, struct fhit *f, const kz_member *m,
                            const kz_pe_facts *pe)
{
    size_t cn = strlen(m->chain);
    f->mi = kz_malloc(sizeof *f->mi + cn + 1);
    if (!f->mi) {
        kz_free(f->observed);
        kz_free(f->rule);
        j->nfh--;
        j->dropped++;
        return -1;
    }
    *f->mi = m->info;
    f->mi->pe = pe;
    char *chain = (char *)(f->mi + 1);
    memcpy(chain, m->chain, cn + 1);
    f->mi->member = chain;
    return 0;
}

/* A YARA rule's match: a hit whose indicator is the rule (no index entry:
 * the rule files are not intel). */
struct yara_ctx {
    struct job *j;
    const kz_member *m; /* an archive member, or NULL */
};

static void yara_hit(void *ud, const kz_yara_match *m)
{
    struct yara_ctx *c = ud;
    struct job *j = c->j;
    size_t before = j->nfh;
    file_hit(j, 0xF0000000u | (m->ordinal & 0x0FFFFFFFu), KZ_MATCH_YARA,
             KZ_T_YARA, m->rule, strlen(m->rule), "rule.name");
    if (j->nfh != before + 1)
        return;
    struct fhit *f = &j->fh[before];
    /* the entry and its strings in one block */
    const char *desc = m->description ? m->description : "";
    const char *thr = m->threat ? m->threat : "";
    size_t rn = strlen(m->rule), sn = strlen(m->ruleset), tn = strlen(m->tags),
           dn = strlen(desc), hn = strlen(thr);
    size_t need = sizeof(kz_index_entry) + rn + sn + tn + dn + hn + 5;
    kz_index_entry *e = kz_malloc(need);
    if (!e) {
        kz_free(f->observed);
        j->nfh--;
        j->dropped++;
        return;
    }
    memset(e, 0, sizeof *e);
    char *p = (char *)(e + 1);
#define KZ_PUT(field, src, n)                                                  \
    do {                                                                       \
        memcpy(p, src, n + 1);                                                 \
        e->field = p;                                                          \
        e->field##_len = n;                                                    \
        p += n + 1;                                                            \
    } while (0)
    KZ_PUT(value, m->rule, rn);
    KZ_PUT(sources, m->ruleset, sn);
    KZ_PUT(tags, m->tags, tn);
    KZ_PUT(advisories, desc, dn);
    KZ_PUT(threats, thr, hn);
#undef KZ_PUT
    e->raw = e->value;
    e->raw_len = e->value_len;
    e->feeds = e->sources;
    e->feeds_len = e->sources_len;
    e->index = f->entry;
    e->type = KZ_T_YARA;
    e->confidence = -1;
    e->advisory_ids = "";
    f->rule = e;
    if (c->m) /* a member's match carries the member's facts */
        (void)give_member_info(j, f, c->m, NULL);
}

/* An archive member's hits and notes go to the job of its outer file. */
struct member_ctx {
    struct worker *w;
    struct job *j;
    const char *path; /* the outer file */
    const kz_member *m;
    const kz_pe_facts *pe; /* the member's, once parsed */
};

static void member_hit(void *ud, uint32_t entry, kz_match_kind how,
                       kz_type obs_type, const char *observed, size_t n,
                       const char *field)
{
    struct member_ctx *c = ud;
    struct job *j = c->j;
    size_t before = j->nfh;
    /* a path hit shows the member's place: outer!chain */
    char shown[2 * KZ_MAX_PATH + 2];
    if (obs_type == KZ_T_FILEPATH) {
        int k = snprintf(shown, sizeof shown, "%s!%s", c->path, c->m->chain);
        observed = shown;
        n = k < 0 ? 0 : (size_t)k < sizeof shown ? (size_t)k : sizeof shown - 1;
    }
    file_hit(j, entry, how, obs_type, observed, n, field);
    if (j->nfh == before + 1)
        (void)give_member_info(j, &j->fh[before], c->m, c->pe);
}

static void on_member(void *ud, const kz_member *m)
{
    struct member_ctx *c = ud;
    kz_hunt *h = c->w->h;
    c->m = m;
    c->pe = NULL;
    c->j->members++;
    c->j->fh_member_from = c->j->nfh;
    /* names and paths as if the archive were a folder: outer/chain */
    char p[2 * KZ_MAX_PATH + 2];
    int k = snprintf(p, sizeof p, "%s/%s", c->path, m->path);
    if (k > 0 && (size_t)k < sizeof p)
        kz_filecheck_names(h->fc, p, member_hit, c);
    if (m->info.digests)
        kz_filecheck_lookup_digests(h->fc, &m->info, member_hit, c);
    if (h->yara && m->data) {
        struct yara_ctx yc = {c->j, m};
        char err[128];
        if (kz_yara_scan_mem(h->yara, m->data, m->data_n, yara_hit, &yc, err,
                             sizeof err) != 0)
            job_note(c->j, KZ_SKIP_LIMIT, m->chain, err);
    }
    /* A PE member (its bytes kept: the index asks for PE facts, or
     * --yara): parsed like a file, from memory. */
    kz_typeset pw = kz_filecheck_pe_wants(h->fc);
    struct job *j = c->j;
    if (m->data && kz_pe_is_mz(m->data, m->data_n) &&
        (pw || j->nfh > j->fh_member_from)) {
        kz_pe_facts *pe = kz_malloc(sizeof *pe);
        kz_pe_facts **np =
            pe ? kz_realloc(j->mpe, (j->nmpe + 1) * sizeof *np) : NULL;
        if (np)
            j->mpe = np;
        if (!np ||
            kz_pe_analyze_mem(m->data, m->data_n, pw, h->roots, pe) != 0) {
            kz_free(pe);
            return;
        }
        j->mpe[j->nmpe++] = pe;
        c->pe = pe;
        size_t from = j->fh_member_from;
        for (size_t i = from; i < j->nfh; i++) /* the hits before it */
            if (j->fh[i].mi)
                j->fh[i].mi->pe = pe;
        if (pw)
            kz_filecheck_lookup_pe(h->fc, pe, member_hit, c);
    }
}

static void on_archive_note(void *ud, kz_archive_note k, const char *chain,
                            const char *msg)
{
    struct member_ctx *c = ud;
    kz_skip_reason why = k == KZ_ARCHIVE_ENCRYPTED ? KZ_SKIP_ENCRYPTED
                         : k == KZ_ARCHIVE_LIMIT   ? KZ_SKIP_LIMIT
                                                   : KZ_SKIP_CORRUPT;
    job_note(c->j, why, chain, msg);
}

/* Checks one file: its name and path (no I/O), then its digests in one
 * read when the index holds digests, then, when it is an archive, its
 * members. A file that changed while it was read (size or time) has no
 * reliable digest: reported, not compared. */
static void run_file(struct worker *w, struct job *j)
{
    kz_hunt *h = w->h;
    const char *path = h->in[j->input].path;
    kz_filecheck_names(h->fc, path, file_hit, j);
    int digests = kz_filecheck_digests(h->fc) != 0 && !j->nohash;
    int archives = w->arch && !j->nohash;
    int yara = h->yara && !j->nohash;
    if (h->o.max_size && j->size > h->o.max_size) {
        if (digests || archives || yara) {
            char m[128];
            snprintf(m, sizeof m,
                     "%llu bytes, over --max-size: not read (its name and "
                     "path were checked)",
                     (unsigned long long)j->size);
            job_error(j, KZ_SKIP_TOO_LARGE, m);
        }
        digests = archives = yara = 0;
    }
    kz_typeset pe_wants = kz_filecheck_pe_wants(h->fc);
    int named = j->nfh > 0; /* a hit by name or path: show its PE facts */
    if (h->o.max_size && j->size > h->o.max_size)
        pe_wants = named = 0;
    struct stat sb;
    if (!digests && !archives && !pe_wants && !named && !yara) {
        j->finfo.size = j->size; /* no hit: nothing more to know */
        j->file_checked = 1;
        return;
    }
    /* Non-blocking: a FIFO swapped in after the walk must not hang us. */
    int fd = open_evidence(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    char m[256];
    if (fd < 0) {
        snprintf(m, sizeof m, "cannot open: %s", strerror(errno));
        job_error(j, KZ_SKIP_UNREADABLE, m);
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        job_error(j, KZ_SKIP_SPECIAL,
                  "no longer a regular file: not read (changed during the "
                  "sweep)");
        return;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    stat_facts(&j->finfo, &sb);
    j->file_checked = 1;
    uint64_t got = 0;
    size_t headn = 0;
    int err = 0;
    int in_mem = 0; /* the whole file is in w->ybuf (YARA) */
    if (yara && (uint64_t)sb.st_size <= KZ_YARA_MEM_MAX) {
        /* one read for the digests and the rules */
        err = read_whole(w, fd, (uint64_t)sb.st_size, j, &got);
        headn = got < KZ_ARCHIVE_HEAD ? (size_t)got : KZ_ARCHIVE_HEAD;
        if (headn)
            memcpy(w->head, w->ybuf, headn);
        in_mem = !err;
    } else if (digests) {
        /* read(2) into a buffer that stays in L2, not a mapping: measured
         * 9% faster on the files workload (the page faults of a mapping
         * cost more than the copy) */
        err = kz_filecheck_hash(h->fc, &w->fhash, fd, &j->finfo, &got, w->head,
                                KZ_ARCHIVE_HEAD, &headn);
    } else {
        ssize_t r = pread(fd, w->head, KZ_ARCHIVE_HEAD, 0);
        headn = r > 0 ? (size_t)r : 0;
        got = 0;
    }
    struct stat sa;
    int changed = (digests || in_mem) &&
                  (fstat(fd, &sa) != 0 || sa.st_size != sb.st_size ||
                   sa.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
                   sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec ||
                   got != (uint64_t)sb.st_size);
    j->file_bytes = got;
    progress_add(h, j->size);
    if (err) {
        snprintf(m, sizeof m, "read error after %llu bytes: %s",
                 (unsigned long long)got, strerror(err));
        job_error(j, KZ_SKIP_UNREADABLE, m);
        j->finfo.digests = 0;
    } else if (changed) {
        snprintf(m, sizeof m,
                 "changed while it was read (%llu bytes read of %llu): "
                 "digests not compared",
                 (unsigned long long)got, (unsigned long long)sb.st_size);
        job_error(j, KZ_SKIP_UNREADABLE, m);
        j->finfo.digests = 0;
    } else if (digests) {
        kz_filecheck_lookup_digests(h->fc, &j->finfo, file_hit, j);
    }
    if (yara && !err && !changed) {
        struct yara_ctx yc = {j, NULL};
        char ye[128];
        if ((in_mem ? kz_yara_scan_mem(h->yara, w->ybuf, (size_t)got, yara_hit,
                                       &yc, ye, sizeof ye)
                    : kz_yara_scan_fd(h->yara, fd, yara_hit, &yc, ye,
                                      sizeof ye)) != 0)
            job_note(j, KZ_SKIP_LIMIT, NULL, ye);
    }
    /* A PE file: its signature and authentihash, when the index can
     * match them, or when the file had a hit (the analyst wants to see
     * who signed it and whether the signature still holds). */
    if (!err && !changed && kz_pe_is_mz(w->head, headn) &&
        (pe_wants || j->nfh > 0)) {
        j->pe = kz_malloc(sizeof *j->pe);
        if (j->pe && kz_pe_analyze_fd(fd, (uint64_t)sb.st_size, pe_wants,
                                      h->roots, j->pe) == 0) {
            j->finfo.pe = j->pe;
            if (pe_wants)
                kz_filecheck_lookup_pe(h->fc, j->pe, file_hit, j);
        } else {
            kz_free(j->pe);
            j->pe = NULL;
        }
    }
    if (archives && !err && !changed && kz_archive_kind(w->head, headn)) {
        struct member_ctx c = {w, j, path, NULL, NULL};
        kz_archive_cb cb = {on_member, on_archive_note, &c};
        j->archive = 1;
        kz_archive_sweep_fd(w->arch, fd, (uint64_t)sb.st_size, path, &cb);
    }
    close(fd);
}

static void run_job(struct worker *w, struct job *j)
{
    kz_hunt *h = w->h;
    uint64_t line = 0;
    size_t have = 0; /* bytes carried in w->buf */
    int oom = 0;
    if (j->file) {
        run_file(w, j);
        __atomic_add_fetch(&h->files_done, 1, __ATOMIC_RELAXED);
        return;
    }
    kz_zeek_hdr_free(&w->zh);
    kz_zeek_hdr_init(&w->zh);
    if (j->stream) {
        kz_logsrc *src = NULL;
        kz_ctx *ctx = NULL;
        if (kz_ctx_new(&ctx) != KZ_OK) {
            job_error(j, KZ_SKIP_UNREADABLE, "out of memory");
            return;
        }
        const char *name = h->in[j->input].path;
        if (j->fd < 0)
            j->fd = open_evidence(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (j->fd < 0) {
            char m[256];
            snprintf(m, sizeof m, "cannot open: %s", strerror(errno));
            job_error(j, KZ_SKIP_UNREADABLE, m);
            kz_ctx_free(ctx);
            return;
        }
        kz_status st = kz_logsrc_open_fd(ctx, j->fd, name, &src);
        j->fd = -1; /* the source owns it now */
        if (st != KZ_OK) {
            job_error(j, KZ_SKIP_UNREADABLE, kz_ctx_errmsg(ctx));
            kz_ctx_free(ctx);
            return;
        }
        j->compression = kz_compression_name(kz_logsrc_compression(src));
        int first = 1;
        uint64_t consumed = 0; /* absolute offset of buf[0] */
        for (;;) {
            size_t got = 0;
            st = kz_logsrc_read(src, w->buf + have, w->cap - have, &got);
            if (st != KZ_OK) {
                job_error(j,
                          st == KZ_ERR_CORRUPT ? KZ_SKIP_CORRUPT
                                               : KZ_SKIP_UNREADABLE,
                          kz_ctx_errmsg(ctx));
            }
            if (first && got) {
                first = 0;
                const char *what = NULL;
                if (kz_looks_binary(w->buf, got, &what)) {
                    char m[256];
                    snprintf(m, sizeof m, "%s%s%s", what ? what : "binary",
                             j->compression ? " inside " : "",
                             j->compression ? j->compression : "");
                    job_error(j, KZ_SKIP_BINARY, m);
                    break;
                }
                j->fmt = kz_logfmt_detect(w->buf, got);
            }
            have += got;
            int eof = got == 0 || st != KZ_OK;
            size_t cut = have;
            if (!eof) {
                const char *q = NULL;
                for (size_t i = have; i > 0 && !q; i--)
                    if (w->buf[i - 1] == '\n')
                        q = w->buf + i - 1;
                if (q)
                    cut = (size_t)(q - w->buf) + 1;
                else if (have == w->cap)
                    cut = safe_cut(w->buf, have);
                else
                    cut = 0; /* read more first */
            }
            if (cut) {
                if (scan_block(w, j, w->buf, cut, &line, consumed) != 0) {
                    oom = 1;
                    break;
                }
                if (eof && w->buf[cut - 1] != '\n')
                    j->ends_without_nl = 1;
                memmove(w->buf, w->buf + cut, have - cut);
                have -= cut;
                consumed += cut;
            }
            if (eof)
                break;
        }
        if (j->size)
            progress_add(h, j->size);
        kz_logsrc_close(src);
        kz_ctx_free(ctx);
    } else {
        run_mapped(w, j);
    }
    if (!j->stream && j->fd >= 0) {
        close(j->fd);
        j->fd = -1;
    }
    if (oom)
        job_error(j, KZ_SKIP_UNREADABLE, "out of memory");
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    kz_hunt *h = w->h;
    for (;;) {
        pthread_mutex_lock(&h->mu);
        if (h->stop || h->next_job >= h->njobs) {
            pthread_mutex_unlock(&h->mu);
            break;
        }
        struct job *j = &h->jobs[h->next_job++];
        pthread_mutex_unlock(&h->mu);
        if (!j->done)
            run_job(w, j);
        pthread_mutex_lock(&h->mu);
        j->done = 1;
        /* only a wake-up that is waited for: thousands of small files
         * would otherwise cost a context switch each */
        if (h->wait_job == (size_t)(j - h->jobs))
            pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    return NULL;
}

/* ---- delivering ------------------------------------------------------------
 */

static int deliver(kz_hunt *h, struct job *j, uint64_t line_base,
                   kz_hunt_stats *st)
{
    const char *name = h->in[j->input].path;
    uint64_t last_line = UINT64_MAX;
    size_t line_first = 0; /* first hit of the current line */
    for (size_t k = 0; k < j->nhits; k++) {
        const struct rhit *r = &j->hits[k];
        /* The same indicator again in the same field of the same line
         * ("csrss.exe" three times in a Sysmon Message) is one hit. */
        if (k && r->line_rel == j->hits[k - 1].line_rel) {
            int dup = 0;
            for (size_t q = line_first; q < k && !dup; q++)
                dup = j->hits[q].entry == r->entry &&
                      strcmp(j->hits[q].field, r->field) == 0 &&
                      j->hits[q].obs_type == r->obs_type;
            if (dup)
                continue;
        } else {
            line_first = k;
        }
        kz_log_hit x;
        memset(&x, 0, sizeof x);
        if (kz_index_entry_get(h->ix, r->entry, &x.ind) != KZ_OK)
            continue;
        x.input = name;
        x.compression = j->compression;
        x.format = j->fmt;
        x.line = line_base + r->line_rel + 1;
        x.offset = r->line_off;
        x.column = r->col;
        x.line_text = r->line;
        x.line_len = r->line_len;
        x.obs_type = r->obs_type;
        x.observed = r->observed;
        x.observed_len = r->observed_len;
        x.field = r->field[0] ? r->field : NULL;
        x.ecs_field = r->ecs;
        x.dataset = r->dataset[0] ? r->dataset : NULL;
        x.time = r->time;
        x.how = r->how;
        st->hits++;
        if (x.line != last_line)
            st->hit_lines++;
        last_line = x.line;
        if (h->o.on_hit(h->o.ud, &x) != 0)
            return -1;
    }
    return 0;
}

static int deliver_file(kz_hunt *h, struct job *j, kz_hunt_stats *st)
{
    const char *name = h->in[j->input].path;
    for (size_t k = 0; k < j->nfh; k++) {
        const struct fhit *f = &j->fh[k];
        kz_log_hit x;
        memset(&x, 0, sizeof x);
        if (f->rule)
            x.ind = *f->rule;
        else if (kz_index_entry_get(h->ix, f->entry, &x.ind) != KZ_OK)
            continue;
        x.input = name;
        x.format = KZ_LOG_TEXT;
        x.obs_type = f->obs_type;
        x.observed = f->observed;
        x.observed_len = f->observed_len;
        x.field = f->field;
        x.ecs_field = f->field;
        x.dataset = "file";
        x.file = f->mi ? f->mi : &j->finfo;
        x.time = x.file->mtime;
        x.how = f->how;
        st->hits++;
        st->file_hits++;
        if (h->o.on_hit(h->o.ud, &x) != 0)
            return -1;
    }
    for (size_t k = 0; k < j->nnotes; k++) {
        const struct jnote *n = &j->notes[k];
        st->skipped[n->why]++;
        if (!h->o.on_skip)
            continue;
        if (n->where) {
            size_t len = strlen(name) + strlen(n->where) + 2;
            char *p = kz_malloc(len);
            if (!p)
                continue;
            snprintf(p, len, "%s!%s", name, n->where);
            h->o.on_skip(h->o.ud, p, n->why, n->msg);
            kz_free(p);
        } else {
            h->o.on_skip(h->o.ud, name, n->why, n->msg);
        }
    }
    return 0;
}

static int cmp_hit(const void *pa, const void *pb)
{
    const struct rhit *a = pa, *b = pb;
    if (a->line_rel != b->line_rel)
        return a->line_rel < b->line_rel ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

struct verify_job {
    const kz_index *ix;
    kz_status st;
    kz_ctx *ctx;
    int pad;
};

static void *verify_main(void *arg)
{
    struct verify_job *v = arg;
    v->st = kz_index_verify(v->ctx, v->ix);
    return NULL;
}

kz_status kz_hunt_run(kz_hunt *h, kz_hunt_stats *stats)
{
    kz_hunt_stats st;
    memset(&st, 0, sizeof st);
    kz_status r = plan(h);
    if (r != KZ_OK)
        return r;
    unsigned nt = h->o.threads;
    if (!nt) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        nt = c > 0 ? (unsigned)c : 1;
    }
    if (nt > 256)
        nt = 256;
    if (h->yara && nt > KZ_YARA_MAX_THREADS)
        nt = KZ_YARA_MAX_THREADS; /* libyara's own limit */
    if (nt > h->njobs)
        nt = h->njobs ? (unsigned)h->njobs : 1;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->wait_job = (size_t)-1;
    /* The index's checksums are read on a thread of their own, while the
     * workers start; hits wait for the answer. */
    struct verify_job vj = {h->ix, KZ_OK, NULL, 0};
    pthread_t vtid;
    int vstarted = 0;
    if (h->o.verify_index) {
        if (kz_ctx_new(&vj.ctx) != KZ_OK) {
            r = kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
            pthread_cond_destroy(&h->cv);
            pthread_mutex_destroy(&h->mu);
            return r;
        }
        if (pthread_create(&vtid, NULL, verify_main, &vj) == 0)
            vstarted = 1;
        else
            vj.st = kz_index_verify(vj.ctx, h->ix);
    }
    struct worker *ws = kz_calloc(nt, sizeof *ws);
    pthread_t *tid = kz_calloc(nt, sizeof *tid);
    unsigned started = 0;
    if (!ws || !tid) {
        r = kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < nt; i++) {
        ws[i].h = h;
        ws[i].cap = KZH_BUF;
        ws[i].buf = kz_malloc(KZH_BUF);
        if (h->fc && kz_filehasher_init(&ws[i].fhash, h->fc) != 0) {
            r = kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
            goto out;
        }
        if (h->fc && h->o.archive_depth > 0) {
            kz_archive_opts ao;
            kz_archive_opts_default(&ao);
            ao.max_depth = h->o.archive_depth;
            if (h->o.archive_max_bytes)
                ao.max_bytes = h->o.archive_max_bytes;
            ao.passwords = h->o.archive_passwords;
            ao.npasswords = h->o.narchive_passwords;
            /* members' bytes kept for YARA and for PE members */
            ao.keep_max =
                h->yara || kz_filecheck_pe_wants(h->fc) ? KZ_YARA_MEM_MAX : 0;
            if (kz_archiver_new(h->fc, &ao, &ws[i].arch) != 0) {
                r = kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
                goto out;
            }
        }
        kz_scanner_init(&ws[i].sc, h->ix, 0);
        kz_scanner_init(&ws[i].sc_split, h->ix, 1);
        kz_zeek_hdr_init(&ws[i].zh);
        if (!ws[i].buf) {
            r = kz_seterr(h->ctx, KZ_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    for (; started < nt; started++)
        if (pthread_create(&tid[started], NULL, worker_main, &ws[started]) != 0)
            break;
    if (!started) {
        r = kz_seterr(h->ctx, KZ_ERR_NOMEM, "cannot start a thread");
        goto out;
    }
    {
        uint64_t line_base = 0;
        size_t cur_input = (size_t)-1;
        int abort_ = 0;
        int err_reported = 0; /* the input's open failure was said */
        if (vstarted) {
            pthread_join(vtid, NULL);
            vstarted = 0;
        }
        if (vj.st != KZ_OK) {
            r = kz_seterr(h->ctx, vj.st, "%s", kz_ctx_errmsg(vj.ctx));
            goto out;
        }
        for (size_t k = 0; k < h->njobs; k++) {
            struct job *j = &h->jobs[k];
            pthread_mutex_lock(&h->mu);
            h->wait_job = k;
            while (!j->done) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 100 * 1000 * 1000;
                if (ts.tv_nsec >= 1000000000) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000;
                }
                pthread_cond_timedwait(&h->cv, &h->mu, &ts);
                if (!j->done && h->o.on_progress) {
                    pthread_mutex_unlock(&h->mu);
                    h->o.on_progress(
                        h->o.ud,
                        __atomic_load_n(&h->bytes_done, __ATOMIC_RELAXED),
                        h->bytes_total,
                        __atomic_load_n(&h->files_done, __ATOMIC_RELAXED),
                        h->files_total, 0);
                    pthread_mutex_lock(&h->mu);
                }
            }
            pthread_mutex_unlock(&h->mu);
            if (j->input != cur_input) {
                cur_input = j->input;
                line_base = 0;
                if (!j->error || j->nhits || j->bytes || j->file_checked)
                    st.inputs++;
                err_reported = 0;
            }
            if (j->file) {
                st.files += (uint64_t)j->file_checked;
                st.file_bytes += j->file_bytes;
                st.archives += (uint64_t)j->archive;
                st.members += j->members;
            }
            if (!abort_) {
                if (j->nhits)
                    qsort(j->hits, j->nhits, sizeof *j->hits, cmp_hit);
                if ((j->file ? deliver_file(h, j, &st)
                             : deliver(h, j, line_base, &st)) != 0) {
                    abort_ = 1;
                    pthread_mutex_lock(&h->mu);
                    h->stop = 1;
                    pthread_mutex_unlock(&h->mu);
                }
            }
            line_base += j->newlines;
            st.bytes += j->bytes;
            st.lines += j->newlines + (j->ends_without_nl ? 1 : 0);
            st.long_lines += j->long_lines;
            st.dropped_hits += j->dropped;
            st.bad_json += j->bad_json;
            if (j->error &&
                !(err_reported && j->error - 1 == KZ_SKIP_UNREADABLE)) {
                /* (a file that cannot be opened is said once, not again by
                 * the log job of the same input) */
                kz_skip_reason why = (kz_skip_reason)(j->error - 1);
                st.skipped[why]++;
                if (why == KZ_SKIP_UNREADABLE)
                    err_reported = 1;
                if (h->o.on_skip && !abort_)
                    h->o.on_skip(h->o.ud, h->in[j->input].path, why,
                                 j->errmsg ? j->errmsg : "");
            }
            job_clear(j);
        }
        if (h->o.on_progress)
            h->o.on_progress(h->o.ud, h->bytes_total, h->bytes_total,
                             h->files_total, h->files_total, 1);
        if (abort_)
            r = KZ_ERR_ABORTED;
    }
out:
    pthread_mutex_lock(&h->mu);
    if (r != KZ_OK)
        h->stop = 1;
    pthread_mutex_unlock(&h->mu);
    if (vstarted)
        pthread_join(vtid, NULL);
    kz_ctx_free(vj.ctx);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (ws)
        for (unsigned i = 0; i < nt; i++) {
            kz_free(ws[i].buf);
            kz_scanner_free(&ws[i].sc);
            kz_scanner_free(&ws[i].sc_split);
            kz_filehasher_free(&ws[i].fhash);
            kz_archiver_free(ws[i].arch);
            kz_free(ws[i].ybuf);
            kz_zeek_hdr_free(&ws[i].zh);
        }
    kz_free(ws);
    kz_free(tid);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    st.excluded = h->excluded;
    st.file_checks = h->fc != NULL;
    if (h->fc) {
        size_t np, nu;
        kz_filecheck_counts(h->fc, &np, &nu);
        st.path_indicators = np;
        st.paths_unplaced = nu;
    }
    st.binary_files = h->binary_files;
    st.texts_not_hashed = h->texts_not_hashed;
    if (stats)
        *stats = st;
    return r;
}
