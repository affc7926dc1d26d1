/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness for archive member handling (lib/evidence/archive.c): the
 * input is read as an archive (any format libarchive knows, nested up to
 * 3 levels) from memory, every member hashed and its name checked
 * against a small index (file names, paths, digests), as `kizashi hunt`
 * does. Invariants (a trap when broken): members are reported at depths 1
 * to 3 with a chain and a path of the same length, no '!' in the path,
 * expanded bytes within the limit (1 MiB here: a bomb stops), every
 * digest reported is one the index holds, and a second sweep of the same
 * bytes reports the same members with the same digests.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/archive.h"
#include "evidence/files.h"
#include "kizashi/kizashi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static kz_index *ix;
static kz_filecheck *fc;
static kz_archiver *ar;

static void build(void)
{
    static const struct {
        kz_type t;
        const char *v;
    } iocs[] = {
        {KZ_T_MD5, "2897721785645ad5b2a8fb524ed650c0"},
        {KZ_T_SHA256,
         "45d1302e52d03eba433adfb3d0056e0bc0e321f2c23c9750541a7ec0d5815b5e"},
        {KZ_T_FILENAME, "netfilter.sys"},
        {KZ_T_FILENAME, "inv*.scr"},
        {KZ_T_FILEPATH, "%APPDATA%\\upd.exe"},
        {KZ_T_FILEPATH, "C:\\ProgramData\\evil\\"},
    };
    kz_index_builder *b = NULL;
    CHECK(kz_index_builder_new(NULL, &b) == KZ_OK);
    for (size_t i = 0; i < sizeof iocs / sizeof iocs[0]; i++)
        CHECK(kz_index_builder_add(b, iocs[i].t, iocs[i].v, strlen(iocs[i].v),
                                   NULL) == KZ_OK);
    char path[] = "/tmp/kz-fuzz-archive-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(kz_index_write(b, NULL, path) == KZ_OK);
    kz_index_builder_free(b);
    CHECK(kz_index_open(NULL, path, &ix) == KZ_OK);
    unlink(path);
    CHECK(kz_filecheck_new(NULL, ix, &fc) == KZ_OK);
    kz_archive_opts o;
    kz_archive_opts_default(&o);
    o.max_bytes = 1u << 20;
    o.max_members = 200;
    static const char *const pw[] = {"infected"};
    o.passwords = pw;
    o.npasswords = 1;
    CHECK(kz_archiver_new(fc, &o, &ar) == 0);
}

struct run {
    uint64_t members;
    uint64_t bytes;
    uint64_t sum; /* of the digests' first bytes and sizes */
};

static void on_hit(void *ud, uint32_t entry, kz_match_kind how,
                   kz_type obs_type, const char *observed, size_t n,
                   const char *field)
{
    (void)ud;
    (void)how;
    (void)field;
    kz_index_entry e;
    CHECK(kz_index_entry_get(ix, entry, &e) == KZ_OK);
    CHECK(observed && n > 0);
    if (obs_type == KZ_T_MD5 || obs_type == KZ_T_SHA256)
        CHECK(e.type == obs_type);
}

static void on_member(void *ud, const kz_member *m)
{
    struct run *r = ud;
    CHECK(m->depth >= 1 && m->depth <= 3);
    CHECK(strlen(m->chain) == strlen(m->path));
    CHECK(!strchr(m->path, '!'));
    r->members++;
    r->bytes += m->info.size;
    r->sum +=
        m->info.size + m->info.md5[0] + m->info.sha256[0] + m->info.digests;
    char p[2 * 4096 + 8];
    snprintf(p, sizeof p, "in/%s", m->path);
    kz_filecheck_names(fc, p, on_hit, r);
    if (m->info.digests)
        kz_filecheck_lookup_digests(fc, &m->info, on_hit, r);
}

static void on_note(void *ud, kz_archive_note k, const char *chain,
                    const char *msg)
{
    (void)ud;
    CHECK(k == KZ_ARCHIVE_ENCRYPTED || k == KZ_ARCHIVE_LIMIT ||
          k == KZ_ARCHIVE_DAMAGED);
    CHECK(msg && *msg);
    (void)chain;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ix)
        build();
    struct run a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    kz_archive_cb cb = {on_member, on_note, &a};
    uint64_t n = kz_archive_sweep_mem(ar, data, size, "in.zip", &cb);
    /* every member counted is reported, but the one past the limit */
    CHECK(n == a.members || n == a.members + 1);
    /* the byte limit holds: past it the sweep stops (a block may cross
     * it, and a nested archive's bytes count again in its members) */
    CHECK(a.bytes <= (8u << 20));
    cb.ud = &b;
    kz_archive_sweep_mem(ar, data, size, "in.zip", &cb);
    CHECK(a.members == b.members && a.sum == b.sum);
    return 0;
}
