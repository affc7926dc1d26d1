/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kz_walk (logsrc.h): the regular files under a path, in a stable order
 * (each directory's entries sorted by name, byte order). Directories are
 * opened relative to their parent's descriptor and never through a
 * symbolic link unless asked, so a link swapped in during the walk is not
 * followed either. Invariants: FIFOs, sockets and devices are reported,
 * never opened; the depth, the entries of one directory and the memory
 * are bounded; a loop through links is seen by the device and inode of the
 * directories on the current path.
 *
 * With threads (kz_walk_opts.threads > 1), directories are listed and
 * their entries stat'ed by a work queue of threads: each directory's
 * entries are recorded in a node of a tree (in name order, a
 * subdirectory as a link to its own node), and the tree is handed to the
 * callback depth first once the walk is over, so the order is the same
 * for any number of threads. A directory is queued with its descriptor
 * open (opened relative to its parent, as above); past KZ_WALK_MAX_FDS
 * queued descriptors, a thread walks a subdirectory itself instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_int.h"
#include "evidence/logsrc.h"

/* Descriptors of queued directories open at once, at most. */
#define KZ_WALK_MAX_FDS 256

struct dnode;

/* One entry of a directory, as the callback will get it; dir: a
 * subdirectory, whose own entries are in that node. */
struct rec {
    kz_walk_kind kind;
    char *path;
    uint64_t size;
    char *msg;
    struct dnode *dir;
};

struct dnode {
    struct dnode *parent;
    dev_t dev;
    ino_t ino;
    unsigned depth;
    struct rec *recs;
    size_t n, cap;
};

struct task {
    struct dnode *node;
    int fd;
    char *path;
};

typedef struct walker {
    kz_ctx *ctx;
    int follow;
    int one_fs;
    dev_t root_dev;
    const char *const *exclude;
    size_t nexclude;
    kz_walk_fn fn;
    void *ud;
    int stopped;
    /* the work queue */
    unsigned threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct task *q;
    size_t qn, qcap;
    size_t pending; /* queued or being walked */
} walker;

static const char *special_name(mode_t m)
{
    if (S_ISFIFO(m))
        return "FIFO: not opened";
    if (S_ISSOCK(m))
        return "socket: not opened";
    if (S_ISCHR(m))
        return "character device: not opened";
    if (S_ISBLK(m))
        return "block device: not opened";
    return "not a regular file: not opened";
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the directory open at fd (consumed), sorted, in one
 * allocation (the pointers, then the names). NULL with *err set on
 * failure; *err is E2BIG (and the list the first KZ_MAX_DIR_ENTRIES
 * names read) when the directory holds more. */
static char **list_dir(int fd, size_t *count, int *err)
{
    DIR *d = fdopendir(fd);
    size_t *offs = NULL, n = 0, cap = 0;
    char *pool = NULL, **out = NULL;
    size_t pool_n = 0, pool_cap = 0;

    *count = 0;
    *err = 0;
    if (!d) {
        *err = errno;
        close(fd);
        return NULL;
    }
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            *err = errno;
            break;
        }
        const char *nm = e->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
            continue;
        if (n == KZ_MAX_DIR_ENTRIES) {
            *err = E2BIG;
            break;
        }
        size_t len = strlen(nm) + 1;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            size_t *no = kz_realloc(offs, ncap * sizeof *no);
            if (!no) {
                *err = ENOMEM;
                break;
            }
            offs = no;
            cap = ncap;
        }
        if (pool_n + len > pool_cap) {
            size_t pcap = (pool_cap ? pool_cap * 2 : 4096) + len;
            char *np = kz_realloc(pool, pcap);
            if (!np) {
                *err = ENOMEM;
                break;
            }
            pool = np;
            pool_cap = pcap;
        }
        memcpy(pool + pool_n, nm, len);
        offs[n++] = pool_n;
        pool_n += len;
    }
    closedir(d);
    if (!*err || *err == E2BIG) {
        size_t head = (n ? n : 1) * sizeof *out;
        out = kz_malloc(head + pool_n + 1);
        if (out) {
            char *base = (char *)out + head;
            if (pool_n)
                memcpy(base, pool, pool_n);
            for (size_t i = 0; i < n; i++)
                out[i] = base + offs[i];
            qsort(out, n, sizeof *out, cmp_names);
            *count = n;
        } else {
            *err = ENOMEM;
        }
    }
    kz_free(offs);
    kz_free(pool);
    return out;
}

/* Records an entry in node (the callback gets it later, in order). */
static void rec_add(struct dnode *node, kz_walk_kind kind, const char *path,
                    uint64_t size, const char *msg, struct dnode *dir)
{
    if (node->n == node->cap) {
        size_t cap = node->cap ? node->cap * 2 : 16;
        struct rec *r = kz_realloc(node->recs, cap * sizeof *r);
        if (!r)
            return; /* out of memory: the entry is lost, not the walk */
        node->recs = r;
        node->cap = cap;
    }
    struct rec *r = &node->recs[node->n];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->size = size;
    r->dir = dir;
    size_t pn = strlen(path);
    r->path = kz_malloc(pn + 1);
    if (!r->path)
        return;
    memcpy(r->path, path, pn + 1);
    if (msg) {
        size_t mn = strlen(msg);
        r->msg = kz_malloc(mn + 1);
        if (r->msg)
            memcpy(r->msg, msg, mn + 1);
    }
    node->n++;
}

static void rec_errno(struct dnode *node, const char *path, const char *what,
                      int err)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
    rec_add(node, KZ_WALK_ERROR, path, 0, msg, NULL);
}

/* path + "/" + name in a new allocation. */
static char *join(const char *path, const char *name)
{
    size_t a = strlen(path), b = strlen(name);
    int slash = a > 0 && path[a - 1] != '/';
    char *p = kz_malloc(a + (size_t)slash + b + 1);
    if (p) {
        memcpy(p, path, a);
        if (slash)
            p[a] = '/';
        memcpy(p + a + (size_t)slash, name, b + 1);
    }
    return p;
}

static void walk_dir(walker *w, struct dnode *node, int fd, const char *path);

/* Does an --exclude pattern leave this entry out? A pattern with a '/' is
 * matched against the whole path, one without against the name. */
static int excluded(const walker *w, const char *name, const char *path)
{
    for (size_t i = 0; i < w->nexclude; i++) {
        const char *p = w->exclude[i];
        if (fnmatch(p, strchr(p, '/') ? path : name, 0) == 0)
            return 1;
    }
    return 0;
}

/* A subdirectory, open at fd, to walk: queued for another thread, or
 * walked here (one thread, or too many descriptors queued already). */
static void schedule(walker *w, struct dnode *child, int fd, const char *path)
{
    if (w->threads > 1) {
        pthread_mutex_lock(&w->mu);
        if (w->qn < KZ_WALK_MAX_FDS) {
            if (w->qn == w->qcap) {
                size_t cap = w->qcap ? w->qcap * 2 : 64;
                struct task *q = kz_realloc(w->q, cap * sizeof *q);
                if (q) {
                    w->q = q;
                    w->qcap = cap;
                }
            }
            size_t pn = strlen(path);
            char *p = w->qn < w->qcap ? kz_malloc(pn + 1) : NULL;
            if (p) {
                memcpy(p, path, pn + 1);
                w->q[w->qn].node = child;
                w->q[w->qn].fd = fd;
                w->q[w->qn].path = p;
                w->qn++;
                w->pending++;
                pthread_cond_signal(&w->cv);
                pthread_mutex_unlock(&w->mu);
                return;
            }
        }
        pthread_mutex_unlock(&w->mu);
    }
    walk_dir(w, child, fd, path);
}

/* One entry of the directory open at dirfd, recorded in node. */
static void walk_entry(walker *w, struct dnode *node, int dirfd,
                       const char *name, const char *path)
{
    struct stat st;

    if (w->nexclude && excluded(w, name, path)) {
        rec_add(node, KZ_WALK_EXCLUDED, path, 0, "excluded", NULL);
        return;
    }
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        rec_errno(node, path, "cannot stat", errno);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!w->follow) {
            rec_add(node, KZ_WALK_SYMLINK, path, 0,
                    "symbolic link: not followed", NULL);
            return;
        }
        if (fstatat(dirfd, name, &st, 0) != 0) {
            rec_errno(node, path, "broken symbolic link", errno);
            return;
        }
    }
    if (S_ISREG(st.st_mode)) {
        rec_add(node, KZ_WALK_FILE, path, (uint64_t)st.st_size, NULL, NULL);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        rec_add(node, KZ_WALK_SPECIAL, path, 0, special_name(st.st_mode), NULL);
        return;
    }
    if (w->one_fs && st.st_dev != w->root_dev) {
        rec_add(node, KZ_WALK_EXCLUDED, path, 0,
                "another file system: not entered (--one-file-system)", NULL);
        return;
    }
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY;
    if (!w->follow)
        flags |= O_NOFOLLOW;
    int fd = openat(dirfd, name, flags);
    if (fd < 0) {
        rec_errno(node, path, "cannot open directory", errno);
        return;
    }
    /* What was stat'ed may have been replaced since: trust the open one. */
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
        (w->one_fs && st.st_dev != w->root_dev)) {
        close(fd);
        rec_add(node, KZ_WALK_ERROR, path, 0, "changed during the walk", NULL);
        return;
    }
    for (const struct dnode *a = node; a; a = a->parent) {
        if (a->dev == st.st_dev && a->ino == st.st_ino) {
            close(fd);
            /* Its files are (being) read through the path above. */
            rec_add(node, KZ_WALK_SYMLINK, path, 0,
                    "directory loop (already on the path): not followed", NULL);
            return;
        }
    }
    if (node->depth + 1 > KZ_MAX_WALK_DEPTH) {
        close(fd);
        rec_add(node, KZ_WALK_ERROR, path, 0,
                "directories nested too deep: not entered", NULL);
        return;
    }
    struct dnode *child = kz_calloc(1, sizeof *child);
    if (!child) {
        close(fd);
        rec_add(node, KZ_WALK_ERROR, path, 0, "out of memory", NULL);
        return;
    }
    child->parent = node;
    child->dev = st.st_dev;
    child->ino = st.st_ino;
    child->depth = node->depth + 1;
    size_t before = node->n;
    rec_add(node, KZ_WALK_FILE, path, 0, NULL, child);
    if (node->n == before) {
        kz_free(child);
        close(fd);
        return;
    }
    schedule(w, child, fd, path);
}

/* The directory open at fd (consumed): its entries into node. */
static void walk_dir(walker *w, struct dnode *node, int fd, const char *path)
{
    int lfd = dup(fd);
    if (lfd < 0) {
        rec_errno(node, path, "cannot open directory", errno);
        close(fd);
        return;
    }
    size_t n = 0;
    int err = 0;
    char **names = list_dir(lfd, &n, &err);
    if (!names) {
        rec_errno(node, path, "cannot list directory", err);
        close(fd);
        return;
    }
    if (err == E2BIG) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "more than %u entries: only the first %u listed are read",
                 (unsigned)KZ_MAX_DIR_ENTRIES, (unsigned)KZ_MAX_DIR_ENTRIES);
        rec_add(node, KZ_WALK_ERROR, path, 0, msg, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        char *child = join(path, names[i]);
        if (!child) {
            rec_add(node, KZ_WALK_ERROR, path, 0, "out of memory", NULL);
            break;
        }
        walk_entry(w, node, fd, names[i], child);
        kz_free(child);
    }
    kz_free(names);
    close(fd);
}

static void *walk_thread(void *arg)
{
    walker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->qn && w->pending)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->qn && !w->pending)
            break;
        struct task t = w->q[--w->qn];
        pthread_mutex_unlock(&w->mu);
        walk_dir(w, t.node, t.fd, t.path);
        kz_free(t.path);
        pthread_mutex_lock(&w->mu);
        if (--w->pending == 0)
            pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Hands node's entries to the callback, depth first, and frees them. */
static void replay(walker *w, struct dnode *node)
{
    for (size_t i = 0; i < node->n; i++) {
        struct rec *r = &node->recs[i];
        if (r->dir)
            replay(w, r->dir);
        else if (!w->stopped &&
                 w->fn(w->ud, r->kind, r->path, r->size, r->msg) != 0)
            w->stopped = 1;
        kz_free(r->path);
        kz_free(r->msg);
    }
    kz_free(node->recs);
    if (node->parent)
        kz_free(node);
}

kz_status kz_walk(kz_ctx *ctx, const char *path, int follow, kz_walk_fn fn,
                  void *ud)
{
    kz_walk_opts o;
    memset(&o, 0, sizeof o);
    o.follow = follow;
    return kz_walk_ex(ctx, path, &o, fn, ud);
}

kz_status kz_walk_ex(kz_ctx *ctx, const char *path, const kz_walk_opts *o,
                     kz_walk_fn fn, void *ud)
{
    struct stat st;

    if (!path || !fn)
        return kz_seterr(ctx, KZ_ERR_INVALID, "walk: no path or callback");
    walker *w = kz_calloc(1, sizeof *w);
    if (!w)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", path);
    w->ctx = ctx;
    w->follow = o->follow;
    w->one_fs = o->one_file_system;
    w->exclude = o->exclude;
    w->nexclude = o->nexclude;
    w->fn = fn;
    w->ud = ud;
    w->threads = o->threads > 64 ? 64 : o->threads;

    kz_status rc = KZ_OK;
    /* A path named on the command line is followed even when it is a
     * link, as grep -r does. */
    if (stat(path, &st) != 0) {
        rc = kz_seterr(ctx, KZ_ERR_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    w->root_dev = st.st_dev;
    struct dnode root;
    memset(&root, 0, sizeof root);
    if (S_ISREG(st.st_mode)) {
        rec_add(&root, KZ_WALK_FILE, path, (uint64_t)st.st_size, NULL, NULL);
    } else if (!S_ISDIR(st.st_mode)) {
        rec_add(&root, KZ_WALK_SPECIAL, path, 0, special_name(st.st_mode),
                NULL);
    } else {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            rec_errno(&root, path, "cannot open directory", errno);
        } else if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
            close(fd);
            rec_add(&root, KZ_WALK_ERROR, path, 0, "changed during the walk",
                    NULL);
        } else {
            root.dev = st.st_dev;
            root.ino = st.st_ino;
            pthread_t tid[64];
            unsigned started = 0;
            if (w->threads > 1) {
                pthread_mutex_init(&w->mu, NULL);
                pthread_cond_init(&w->cv, NULL);
                w->pending = 1; /* the root, walked by this thread */
                for (; started + 1 < w->threads; started++)
                    if (pthread_create(&tid[started], NULL, walk_thread, w))
                        break;
            }
            walk_dir(w, &root, fd, path);
            if (w->threads > 1) {
                pthread_mutex_lock(&w->mu);
                if (--w->pending == 0)
                    pthread_cond_broadcast(&w->cv);
                pthread_mutex_unlock(&w->mu);
                walk_thread(w); /* help, then wait for the rest */
                for (unsigned i = 0; i < started; i++)
                    pthread_join(tid[i], NULL);
                pthread_cond_destroy(&w->cv);
                pthread_mutex_destroy(&w->mu);
                kz_free(w->q);
            }
        }
    }
    replay(w, &root);
    if (w->stopped)
        rc = kz_seterr(ctx, KZ_ERR_ABORTED, "%s: walk stopped", path);
out:
    kz_free(w);
    return rc;
}
