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
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_int.h"
#include "evidence/logsrc.h"

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
    /* The directories from the root to the current one. */
    struct {
        dev_t dev;
        ino_t ino;
    } stack[KZ_MAX_WALK_DEPTH + 1];
    unsigned depth;
} walker;

/* Hands an entry to the callback; remembers a request to stop. */
static void emit(walker *w, kz_walk_kind kind, const char *path, uint64_t size,
                 const char *msg)
{
    if (!w->stopped && w->fn(w->ud, kind, path, size, msg) != 0)
        w->stopped = 1;
}

static void emit_errno(walker *w, const char *path, const char *what, int err)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
    emit(w, KZ_WALK_ERROR, path, 0, msg);
}

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

static void walk_dir(walker *w, int fd, const char *path,
                     const struct stat *st);

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

/* One entry of the directory open at dirfd. */
static void walk_entry(walker *w, int dirfd, const char *name, const char *path)
{
    struct stat st;

    if (w->nexclude && excluded(w, name, path)) {
        emit(w, KZ_WALK_EXCLUDED, path, 0, "excluded");
        return;
    }
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        emit_errno(w, path, "cannot stat", errno);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!w->follow) {
            emit(w, KZ_WALK_SYMLINK, path, 0, "symbolic link: not followed");
            return;
        }
        if (fstatat(dirfd, name, &st, 0) != 0) {
            emit_errno(w, path, "broken symbolic link", errno);
            return;
        }
    }
    if (S_ISREG(st.st_mode)) {
        emit(w, KZ_WALK_FILE, path, (uint64_t)st.st_size, NULL);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        emit(w, KZ_WALK_SPECIAL, path, 0, special_name(st.st_mode));
        return;
    }
    if (w->one_fs && st.st_dev != w->root_dev) {
        emit(w, KZ_WALK_EXCLUDED, path, 0,
             "another file system: not entered (--one-file-system)");
        return;
    }
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY;
    if (!w->follow)
        flags |= O_NOFOLLOW;
    int fd = openat(dirfd, name, flags);
    if (fd < 0) {
        emit_errno(w, path, "cannot open directory", errno);
        return;
    }
    /* What was stat'ed may have been replaced since: trust the open one. */
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
        (w->one_fs && st.st_dev != w->root_dev)) {
        close(fd);
        emit(w, KZ_WALK_ERROR, path, 0, "changed during the walk");
        return;
    }
    walk_dir(w, fd, path, &st);
}

/* The directory open at fd (consumed), whose stat is st. */
static void walk_dir(walker *w, int fd, const char *path, const struct stat *st)
{
    for (unsigned i = 0; i < w->depth; i++) {
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) {
            close(fd);
            /* Its files are (being) read through the path above. */
            emit(w, KZ_WALK_SYMLINK, path, 0,
                 "directory loop (already on the path): not followed");
            return;
        }
    }
    if (w->depth > KZ_MAX_WALK_DEPTH) {
        close(fd);
        emit(w, KZ_WALK_ERROR, path, 0,
             "directories nested too deep: not entered");
        return;
    }
    int lfd = dup(fd);
    if (lfd < 0) {
        emit_errno(w, path, "cannot open directory", errno);
        close(fd);
        return;
    }
    size_t n = 0;
    int err = 0;
    char **names = list_dir(lfd, &n, &err);
    if (!names) {
        emit_errno(w, path, "cannot list directory", err);
        close(fd);
        return;
    }
    if (err == E2BIG) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "more than %u entries: only the first %u listed are read",
                 (unsigned)KZ_MAX_DIR_ENTRIES, (unsigned)KZ_MAX_DIR_ENTRIES);
        emit(w, KZ_WALK_ERROR, path, 0, msg);
    }
    w->stack[w->depth].dev = st->st_dev;
    w->stack[w->depth].ino = st->st_ino;
    w->depth++;
    for (size_t i = 0; i < n && !w->stopped; i++) {
        char *child = join(path, names[i]);
        if (!child) {
            emit(w, KZ_WALK_ERROR, path, 0, "out of memory");
            break;
        }
        walk_entry(w, fd, names[i], child);
        kz_free(child);
    }
    w->depth--;
    kz_free(names);
    close(fd);
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
    int follow = o->follow;

    if (!path || !fn)
        return kz_seterr(ctx, KZ_ERR_INVALID, "walk: no path or callback");
    walker *w = kz_calloc(1, sizeof *w); /* the stack is a few KiB */
    if (!w)
        return kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", path);
    w->ctx = ctx;
    w->follow = follow;
    w->one_fs = o->one_file_system;
    w->exclude = o->exclude;
    w->nexclude = o->nexclude;
    w->fn = fn;
    w->ud = ud;

    kz_status rc = KZ_OK;
    /* A path named on the command line is followed even when it is a
     * link, as grep -r does. */
    if (stat(path, &st) != 0) {
        rc = kz_seterr(ctx, KZ_ERR_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    w->root_dev = st.st_dev;
    if (S_ISREG(st.st_mode)) {
        emit(w, KZ_WALK_FILE, path, (uint64_t)st.st_size, NULL);
    } else if (!S_ISDIR(st.st_mode)) {
        emit(w, KZ_WALK_SPECIAL, path, 0, special_name(st.st_mode));
    } else {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            emit_errno(w, path, "cannot open directory", errno);
        else if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
            close(fd);
            emit(w, KZ_WALK_ERROR, path, 0, "changed during the walk");
        } else
            walk_dir(w, fd, path, &st);
    }
    if (w->stopped)
        rc = kz_seterr(ctx, KZ_ERR_ABORTED, "%s: walk stopped", path);
out:
    kz_free(w);
    return rc;
}
