/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The intel store: an SQLite database. Readers hand records to the sink of
 * kz_store_add, which refangs and normalizes each value, finds or creates
 * its indicator (one row per type and normalized value, found through a
 * 63-bit hash of both), and upserts its provenance: which input (a file or
 * feed, identified across versions), advisory and source gave it, in which
 * add first and last, with what context. An add is one transaction; after
 * the reader, provenances of the same input that this add did not see are
 * marked inactive (they vanished from the feed). The schema is in
 * docs/formats.md; the version is PRAGMA user_version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "core/core_int.h"
#include "kizashi/intel.h"
#include "kizashi/limits.h"
#include "intel/store_int.h"

/* How long an add waits for another writer before giving up: a large feed
 * can take minutes, and a waiting add costs nothing. */
#define KZ_STORE_BUSY_MS (10 * 60 * 1000)
/* Distinct kinds of unsupported records counted per add. */
#define KZ_STORE_MAX_KINDS 256
/* Sources and threats remembered by name during one add. */
#define KZ_STORE_NAME_CACHE 64
/* Threats linked to one provenance (the rest are counted as dropped). */
#define KZ_STORE_MAX_THREATS 32
/* Statements that write many rows say OR FAIL: a failure aborts the whole
 * add anyway (one transaction), so SQLite need not keep a statement
 * journal to undo one statement (copies of every page it touches: 8% of
 * the time of a large add). */

/* Records handed to SQLite together. A batch is sorted by hash: one
 * statement looks up KZ_STORE_FIND values, one inserts KZ_STORE_ROWS new
 * rows, and the hash index then takes its new keys in order (random
 * inserts into it were half of the cost of a new indicator). */
#define KZ_STORE_BATCH 16384
#define KZ_STORE_FIND 512
#define KZ_STORE_ROWS 64
/* Value bytes held by a batch before it is flushed early. */
#define KZ_STORE_BATCH_BYTES (4u << 20)
/* Hashes of one add remembered to tell repeats across batches (64 MiB at
 * most); past this the writer looks every value up again. */
#define KZ_STORE_SEEN (1u << 23)

static const char *const schema_sql =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE source(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " first_add INTEGER, last_add INTEGER);"
    "CREATE TABLE input(id INTEGER PRIMARY KEY, feed TEXT NOT NULL UNIQUE,"
    " format TEXT, location TEXT, sha256 BLOB, first_add INTEGER,"
    " last_add INTEGER, last_change INTEGER);"
    "CREATE TABLE ingest(id INTEGER PRIMARY KEY, input_id INTEGER NOT NULL"
    " REFERENCES input(id) ON DELETE CASCADE, time INTEGER NOT NULL,"
    " location TEXT, format TEXT, sha256 BLOB, records INTEGER,"
    " new_indicators INTEGER, inactive INTEGER, unchanged INTEGER);"
    "CREATE TABLE advisory(id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL"
    " REFERENCES source(id) ON DELETE CASCADE, input_id INTEGER"
    " REFERENCES input(id) ON DELETE SET NULL, key TEXT NOT NULL,"
    " title TEXT NOT NULL, published INTEGER, url TEXT, summary TEXT,"
    " impact TEXT, assessment TEXT, mitigation TEXT, tlp TEXT,"
    " first_add INTEGER NOT NULL, last_add INTEGER NOT NULL,"
    " UNIQUE(source_id, key));"
    "CREATE TABLE threat(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " kind TEXT, description TEXT);"
    "CREATE TABLE threat_alias(key TEXT PRIMARY KEY, alias TEXT NOT NULL,"
    " threat_id INTEGER NOT NULL REFERENCES threat(id) ON DELETE CASCADE)"
    " WITHOUT ROWID;"
    "CREATE TABLE advisory_threat(advisory_id INTEGER NOT NULL REFERENCES"
    " advisory(id) ON DELETE CASCADE, threat_id INTEGER NOT NULL REFERENCES"
    " threat(id) ON DELETE CASCADE, PRIMARY KEY(advisory_id, threat_id))"
    " WITHOUT ROWID;"
    "CREATE TABLE indicator(id INTEGER PRIMARY KEY, h INTEGER NOT NULL,"
    " type INTEGER NOT NULL, value TEXT NOT NULL);"
    "CREATE INDEX indicator_h ON indicator(h);"
    /* advisory_id 0: no advisory (a plain feed). threat_id: the first
     * threat; others in provenance_threat. extra: JSON of the rarer
     * context (comment, tags, category, ref, tlp, score, to_ids, port,
     * first_seen, last_seen, valid_from), NULL when there is none. */
    "CREATE TABLE provenance(indicator_id INTEGER NOT NULL,"
    " input_id INTEGER NOT NULL, advisory_id INTEGER NOT NULL,"
    " source_id INTEGER NOT NULL, threat_id INTEGER,"
    " first_add INTEGER NOT NULL, last_add INTEGER NOT NULL,"
    " active INTEGER NOT NULL, confidence INTEGER, valid_until INTEGER,"
    " extra TEXT, PRIMARY KEY(indicator_id, input_id, advisory_id))"
    " WITHOUT ROWID;"
    "-- CREATE INDEX provenance_input ON provenance(input_id);\n"
    "CREATE TABLE provenance_threat(indicator_id INTEGER NOT NULL,"
    " input_id INTEGER NOT NULL, advisory_id INTEGER NOT NULL,"
    " threat_id INTEGER NOT NULL, PRIMARY KEY(indicator_id, input_id,"
    " advisory_id, threat_id)) WITHOUT ROWID;"
    "CREATE TABLE warninglist(id INTEGER PRIMARY KEY, name TEXT NOT NULL"
    " UNIQUE, description TEXT, type TEXT NOT NULL, version INTEGER,"
    " attributes TEXT, input_id INTEGER REFERENCES input(id) ON DELETE"
    " SET NULL, last_add INTEGER);"
    "CREATE TABLE warninglist_entry(list_id INTEGER NOT NULL REFERENCES"
    " warninglist(id) ON DELETE CASCADE, value TEXT NOT NULL,"
    " PRIMARY KEY(list_id, value)) WITHOUT ROWID;"
    "INSERT INTO meta VALUES('generation', 0);";

/* Version 2: the judge's tables (lib/judge/): the allowlist, sweeps and
 * their sightings. Also the migration from version 1. */
static const char *const schema_v2_sql =
    "CREATE TABLE IF NOT EXISTS allow_entry(id INTEGER PRIMARY KEY "
    "AUTOINCREMENT,"
    " type INTEGER NOT NULL, value TEXT NOT NULL, reason TEXT NOT NULL,"
    " who TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER,"
    " UNIQUE(type, value));"
    "CREATE TABLE IF NOT EXISTS sweep(id INTEGER PRIMARY KEY,"
    " host TEXT NOT NULL, paths TEXT, started INTEGER NOT NULL,"
    " finished INTEGER, generation INTEGER, files INTEGER, bytes INTEGER,"
    " hits INTEGER, suppressed INTEGER);"
    /* One row per indicator, host, input, location (the member path inside
     * an archive, else "") and observed value. first_time/last_time: the
     * events' times (a file's mtime), NULL when unknown; count: the sweeps
     * that saw it; hits, first_line, last_line: in the last of them (lines
     * of a log; NULL lines for a file). */
    "CREATE TABLE IF NOT EXISTS sighting(id INTEGER PRIMARY KEY,"
    " indicator_id INTEGER NOT NULL, host TEXT NOT NULL, input TEXT NOT"
    " NULL, location TEXT NOT NULL, observed TEXT NOT NULL, field TEXT,"
    " how TEXT, first_sweep INTEGER NOT NULL, last_sweep INTEGER NOT NULL,"
    " first_time INTEGER, last_time INTEGER, count INTEGER NOT NULL,"
    " hits INTEGER NOT NULL, first_line INTEGER, last_line INTEGER,"
    " score INTEGER, level TEXT, suppressed TEXT, expired INTEGER,"
    " UNIQUE(indicator_id, host, input, location, observed));"
    "CREATE INDEX IF NOT EXISTS sighting_indicator ON"
    " sighting(indicator_id);";

/* Well-known names of the same threat, merged from the start (vendors'
 * names for one family; MISP galaxies and STIX aliases add more). */
static const char *const seed_aliases[][6] = {
    {"QakBot", "Qbot", "Quakbot", "Pinkslipbot", "Oakboat", NULL},
    {"REvil", "Sodinokibi", "Sodin", NULL},
    {"Emotet", "Geodo", "Heodo", NULL},
    {"TrickBot", "TrickLoader", "Totbrick", NULL},
    {"IcedID", "BokBot", NULL},
    {"Cobalt Strike", "CobaltStrike", "Cobalt-Strike", NULL},
    {"Netfilter", "Retliften", NULL},
    {"Lumma Stealer", "LummaC2", "Lumma", NULL},
    {"Agent Tesla", "AgentTesla", NULL},
    {"APT28", "Fancy Bear", "Sofacy", "Sednit", "STRONTIUM", NULL},
    {"APT29", "Cozy Bear", "The Dukes", "NOBELIUM", "Midnight Blizzard"},
    {"Lazarus Group", "Hidden Cobra", "ZINC", "Diamond Sleet", NULL},
    {"TA551", "Shathak", "GOLD CABIN", NULL},
    {"PoisonIvy", "Poison Ivy", "Darkmoon", NULL},
};

struct name_id {
    char *name;
    int64_t id;
};

/* A batch item's place in hash order. */
struct hk {
    int64_t h;
    int idx;
    int created; /* a copy of the item's flag, read in hash order */
    int need;    /* the writer must look this hash up */
};

/* A record normalized and waiting in the batch. */
struct pending {
    kz_type t;
    int64_t h, id;
    size_t voff, vlen; /* the value in the batch's arena */
    int64_t src, adv;
    int confidence; /* -1: none */
    kz_time valid_until;
    char *extra;  /* JSON text or NULL (freed at the flush) */
    int created;  /* first record of an indicator new to the store */
    int next;     /* next item with the same hash slot, -1: none */
    size_t nt;    /* threats: the first here, the others in the batch's */
    int64_t tid0; /* side array from tid_off on */
    size_t tid_off;
};

struct add_state {
    kz_store *st;
    const kz_store_input *in;
    kz_store_add_result *res;
    int64_t add_id, input_id, default_source;
    int64_t advisory_id, advisory_source;
    int64_t adv_threats[KZ_STORE_MAX_THREATS];
    size_t nadv_threats;
    int64_t now;
    uint64_t advisories_seen;
    sqlite3_stmt *ins_ind, *prov_get, *prov_ins, *prov_upd;
    sqlite3_stmt *prov_threat, *wl_entry;
    sqlite3_stmt *find_many, *ins_ind_many, *prov_ins_many;
    /* The reader's own look at the store as it was before this add (a
     * second, read-only connection: its snapshot starts after this add
     * took the write lock, and no one else writes meanwhile). The reader
     * finds there which values are known, so the writer only looks up
     * values repeated from an earlier batch of this add (kept in seen). */
    sqlite3 *snapdb;
    sqlite3_stmt *snap_find;
    int64_t *seen; /* hashes of the earlier batches (open addressing, 0:
                      empty), NULL when there is no snapshot */
    size_t seen_n, seen_cap;
    int seen_full;   /* past KZ_STORE_SEEN: every value is looked up again */
    int64_t *need_h; /* the writer's list of hashes to look up */
    int64_t *snap_h; /* the reader's */
    /* Two batches: the reader fills one while the writer thread hands
     * the other to SQLite (the SQLite work and the parsing then overlap on
     * two cores). Everything that runs SQL on the reader's side first
     * waits for the writer (wait_writer): one connection, one user at a
     * time. */
    struct batch {
        struct pending *items;
        size_t n;
        int64_t *tids; /* threats of the records beyond their first */
        size_t ntids, tids_cap;
        char *arena;
        size_t arena_n, arena_cap;
        int *slot;        /* 2 * KZ_STORE_BATCH hash slots, -1: empty */
        struct hk *order; /* the items sorted by hash */
        int prepared;     /* slot and order are filled */
        int looked_up;    /* the reader looked up all but order[].need */
    } bufs[2], *fill;
    pthread_t writer;
    int writer_started, writer_busy, writer_quit;
    struct batch *job;
    kz_status writer_status;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct hk *sorted; /* scratch of the sort */
    unsigned *bucket;  /* counts of the sort (2^14 + 1) */
    int64_t next_id;
    int64_t wl_id;
    struct name_id sources[KZ_STORE_NAME_CACHE];
    char last_src_name[64]; /* the source asked for last, and its id */
    int64_t last_src;
    size_t nsources;
    struct name_id threats[KZ_STORE_NAME_CACHE];
    size_t nthreats;
    char *norm;     /* normalization buffer */
    char *refanged; /* refang buffer */
    char *tmp;      /* a URL given a scheme */
    size_t cap;
};

static kz_status wait_writer(struct add_state *a);

kz_status kz_store_err(kz_store *st, const char *what)
{
    int rc = sqlite3_errcode(st->db);
    kz_status code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? KZ_ERR_IO
                     : rc == SQLITE_NOMEM                     ? KZ_ERR_NOMEM
                     : rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB
                         ? KZ_ERR_CORRUPT
                         : KZ_ERR_IO;
    return kz_seterr(st->ctx, code, "%s: %s: %s",
                     sqlite3_db_filename(st->db, NULL), what,
                     sqlite3_errmsg(st->db));
}

kz_status kz_store_exec(kz_store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kz_status r = kz_seterr(st->ctx, KZ_ERR_IO, "%s: %s",
                                sqlite3_db_filename(st->db, NULL),
                                msg ? msg : "SQL error");
        sqlite3_free(msg);
        return r;
    }
    return KZ_OK;
}

static sqlite3_stmt *prep(kz_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                           NULL) != SQLITE_OK) {
        kz_store_err(st, "prepare");
        return NULL;
    }
    return s;
}

/* A statement of head, then rows copies of the row pattern (each %d a
 * %d a new parameter number, %r the previous one again; per parameters
 * per row), then tail. */
static sqlite3_stmt *prep_many(kz_store *st, const char *head, const char *row,
                               int per, int rows, const char *tail)
{
    size_t cap = strlen(head) + strlen(tail) +
                 (size_t)rows * (strlen(row) + 8 * (size_t)per + 2) + 1;
    char *sql = kz_malloc(cap);
    if (!sql)
        return NULL;
    size_t n = (size_t)snprintf(sql, cap, "%s", head);
    int param = 1;
    for (int r = 0; r < rows; r++) {
        if (r)
            sql[n++] = ',';
        for (const char *c = row; *c; c++) {
            if (c[0] == '%' && (c[1] == 'd' || c[1] == 'r')) {
                /* %d: the next parameter; %r: the previous one again. */
                n += (size_t)snprintf(sql + n, cap - n, "%d",
                                      c[1] == 'd' ? param++ : param - 1);
                c++;
            } else {
                sql[n++] = *c;
            }
        }
    }
    snprintf(sql + n, cap - n, "%s", tail);
    sqlite3_stmt *s = prep(st, sql);
    kz_free(sql);
    return s;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static void bind_time(sqlite3_stmt *s, int i, kz_time t)
{
    if (t)
        sqlite3_bind_int64(s, i, t);
    else
        sqlite3_bind_null(s, i);
}

/* One-shot statement with up to two text arguments; returns the first
 * column of the first row (0 when none) in *out. */
static kz_status one_i64(kz_store *st, const char *sql, const char *a,
                         const char *b, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(st, "prepare");
    if (a)
        sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
    if (b)
        sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return kz_store_err(st, "query");
    return KZ_OK;
}

/* ---- opening --------------------------------------------------------------
 */

kz_status kz_store_default_path(char *out, size_t cap)
{
    const char *home = getenv("KIZASHI_HOME");
    int n;
    if (home && *home)
        n = snprintf(out, cap, "%s/intel.db", home);
    else if ((home = getenv("XDG_DATA_HOME")) && *home)
        n = snprintf(out, cap, "%s/kizashi/intel.db", home);
    else if ((home = getenv("HOME")) && *home)
        n = snprintf(out, cap, "%s/.local/share/kizashi/intel.db", home);
    else
        return KZ_ERR_NOTFOUND;
    return n < 0 || (size_t)n >= cap ? KZ_ERR_LIMIT : KZ_OK;
}

/* mkdir -p of the directory part of path. */
static int make_parent(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* The alias key of a threat name: lower-case letters and digits only, so
 * "Qak Bot", "qakbot" and "QAK-BOT" are one; a generic word at the end
 * ("REvil ransomware", "Lumma Stealer") is left out, so the family's own
 * name is the key. */
static size_t alias_key(const char *name, char *key, size_t cap)
{
    static const char *const generic[] = {"ransomware", "malware",  "trojan",
                                          "botnet",     "backdoor", "loader",
                                          "stealer",    "rootkit",  "family"};
    size_t m = 0;
    for (const char *p = name; *p && m + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
            key[m++] = (char)c;
        else if (c >= 'A' && c <= 'Z')
            key[m++] = (char)(c + 32);
    }
    key[m] = '\0';
    for (size_t g = 0; g < sizeof generic / sizeof generic[0]; g++) {
        size_t gl = strlen(generic[g]);
        if (m >= gl + 3 && memcmp(key + m - gl, generic[g], gl) == 0) {
            m -= gl;
            key[m] = '\0';
            break;
        }
    }
    return m;
}

static kz_status seed(kz_store *st)
{
    for (size_t i = 0; i < sizeof seed_aliases / sizeof seed_aliases[0]; i++) {
        kz_intel_threat t = {seed_aliases[i][0], NULL, seed_aliases[i] + 1, 0,
                             NULL};
        while (t.naliases < 5 && seed_aliases[i][1 + t.naliases])
            t.naliases++;
        int64_t id;
        kz_status r;
        if ((r = one_i64(st, "INSERT INTO threat(name) VALUES(?1) RETURNING id",
                         t.name, NULL, &id)) != KZ_OK)
            return r;
        for (size_t k = 0; k <= t.naliases; k++) {
            const char *a = k == 0 ? t.name : t.aliases[k - 1];
            char key[128];
            alias_key(a, key, sizeof key);
            sqlite3_stmt *s = NULL;
            if (sqlite3_prepare_v2(st->db,
                                   "INSERT OR IGNORE INTO threat_alias"
                                   " VALUES(?1, ?2, ?3)",
                                   -1, &s, NULL) != SQLITE_OK)
                return kz_store_err(st, "prepare");
            sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 2, a, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s, 3, id);
            int rc = sqlite3_step(s);
            sqlite3_finalize(s);
            if (rc != SQLITE_DONE)
                return kz_store_err(st, "seed aliases");
        }
    }
    return KZ_OK;
}

kz_status kz_store_open(kz_ctx *ctx, const char *path, int create,
                        kz_store **out)
{
    if (!path || !out)
        return KZ_ERR_INVALID;
    *out = NULL;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (!exists && !create)
        return kz_seterr(ctx, KZ_ERR_NOTFOUND,
                         "%s: no intel store here yet (add intel with "
                         "'kizashi intel add')",
                         path);
    if (!exists && make_parent(path) != 0)
        return kz_seterr(ctx, KZ_ERR_IO, "%s: cannot create its directory: %s",
                         path, strerror(errno));
    kz_store *st = kz_calloc(1, sizeof *st);
    if (!st)
        return KZ_ERR_NOMEM;
    st->ctx = ctx;
    /* One connection per thread: SQLite's own mutexes are not needed. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        kz_status r =
            kz_seterr(ctx, KZ_ERR_IO, "%s: cannot open: %s", path,
                      st->db ? sqlite3_errmsg(st->db) : "out of memory");
        sqlite3_close(st->db);
        kz_free(st);
        return r;
    }
    sqlite3_busy_timeout(st->db, KZ_STORE_BUSY_MS);
    sqlite3_extended_result_codes(st->db, 0);
    kz_status r = kz_store_exec(st, "PRAGMA foreign_keys=ON;"
                                    "PRAGMA cache_size=-65536;"
                                    "PRAGMA temp_store=MEMORY;");
    int64_t ver = 0;
    if (r == KZ_OK)
        r = one_i64(st, "PRAGMA user_version", NULL, NULL, &ver);
    if (r == KZ_OK && ver > KZ_STORE_SCHEMA)
        r = kz_seterr(ctx, KZ_ERR_VERSION,
                      "%s: written by a newer kizashi (schema version %lld; "
                      "this one knows up to %d): refused, nothing changed",
                      path, (long long)ver, KZ_STORE_SCHEMA);
    if (r == KZ_OK && ver == 0) {
        int64_t tables = 0;
        r = one_i64(st, "SELECT count(*) FROM sqlite_master", NULL, NULL,
                    &tables);
        if (r == KZ_OK && tables > 0)
            r = kz_seterr(ctx, KZ_ERR_CORRUPT,
                          "%s: an SQLite database, but not a kizashi store "
                          "(no schema version): refused",
                          path);
        if (r == KZ_OK)
            r = kz_store_exec(
                st, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;");
        if (r == KZ_OK)
            r = kz_store_exec(st, "BEGIN IMMEDIATE");
        if (r == KZ_OK) {
            /* Another process may have created it meanwhile. */
            r = one_i64(st, "PRAGMA user_version", NULL, NULL, &ver);
            if (r == KZ_OK && ver == 0) {
                r = kz_store_exec(st, schema_sql);
                if (r == KZ_OK)
                    r = seed(st);
                if (r == KZ_OK)
                    r = kz_store_exec(st, schema_v2_sql);
                if (r == KZ_OK)
                    r = kz_store_exec(st, "PRAGMA user_version=2");
            }
            if (r == KZ_OK)
                r = kz_store_exec(st, "COMMIT");
            else
                sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    /* Migrations from older schema versions, one transaction each. */
    if (r == KZ_OK && ver == 1) {
        r = kz_store_exec(st, "BEGIN IMMEDIATE");
        if (r == KZ_OK) {
            r = one_i64(st, "PRAGMA user_version", NULL, NULL, &ver);
            if (r == KZ_OK && ver == 1)
                r = kz_store_exec(st, schema_v2_sql);
            if (r == KZ_OK && ver == 1)
                r = kz_store_exec(st, "PRAGMA user_version=2");
            if (r == KZ_OK)
                r = kz_store_exec(st, "COMMIT");
            else
                sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    if (r == KZ_OK)
        r = kz_store_exec(st, "PRAGMA synchronous=NORMAL;");
    if (r != KZ_OK) {
        if (r == KZ_ERR_IO && sqlite3_errcode(st->db) == SQLITE_NOTADB)
            r = kz_seterr(ctx, KZ_ERR_CORRUPT,
                          "%s: not a kizashi store (not an SQLite database)",
                          path);
        sqlite3_close(st->db);
        kz_free(st);
        return r;
    }
    *out = st;
    return KZ_OK;
}

void kz_store_close(kz_store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    kz_free(st);
}

/* ---- the add sink ---------------------------------------------------------
 */

static void count_kind(struct add_state *a, const char *what)
{
    kz_store_add_result *r = a->res;
    for (size_t i = 0; i < r->nunsupported; i++)
        if (strcmp(r->unsupported[i].what, what) == 0) {
            r->unsupported[i].count++;
            return;
        }
    if (r->nunsupported >= KZ_STORE_MAX_KINDS) {
        what = "other kinds (too many to list)";
        for (size_t i = 0; i < r->nunsupported; i++)
            if (strcmp(r->unsupported[i].what, what) == 0) {
                r->unsupported[i].count++;
                return;
            }
    }
    struct kz_store_count *nu = kz_realloc(
        r->unsupported, (r->nunsupported + 1) * sizeof *r->unsupported);
    if (!nu)
        return;
    r->unsupported = nu;
    size_t n = strlen(what);
    char *w = kz_malloc(n + 1);
    if (!w)
        return;
    memcpy(w, what, n + 1);
    r->unsupported[r->nunsupported].what = w;
    r->unsupported[r->nunsupported].count = 1;
    r->nunsupported++;
}

static void sink_unsupported(void *ud, const char *what, uint64_t line)
{
    (void)line;
    count_kind(ud, what ? what : "unsupported record");
}

static int64_t cached(struct name_id *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0)
            return c[i].id;
    return 0;
}

static void remember(struct name_id *c, size_t *n, const char *name, int64_t id)
{
    if (*n >= KZ_STORE_NAME_CACHE)
        return;
    size_t len = strlen(name);
    char *copy = kz_malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, name, len + 1);
    c[*n].name = copy;
    c[*n].id = id;
    (*n)++;
}

static kz_status source_id(struct add_state *a, const char *name, int64_t *out)
{
    if (!name || !*name)
        return *out = a->default_source, KZ_OK;
    if (a->last_src && strcmp(a->last_src_name, name) == 0) {
        *out = a->last_src;
        return KZ_OK;
    }
    int64_t id = cached(a->sources, a->nsources, name);
    if (id) {
        *out = id;
        if (strlen(name) < sizeof a->last_src_name) {
            strcpy(a->last_src_name, name);
            a->last_src = id;
        }
        return KZ_OK;
    }
    kz_status r = wait_writer(a);
    if (r != KZ_OK)
        return r;
    r = one_i64(a->st,
                "INSERT INTO source(name, first_add) VALUES(?1, ?2)"
                " ON CONFLICT(name) DO UPDATE SET name=name"
                " RETURNING id",
                name, NULL, &id);
    if (r != KZ_OK)
        return r;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(a->st->db,
                           "UPDATE source SET last_add=?1, first_add="
                           "coalesce(first_add, ?1) WHERE id=?2",
                           -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(a->st, "prepare");
    sqlite3_bind_int64(s, 1, a->add_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return kz_store_err(a->st, "source");
    remember(a->sources, &a->nsources, name, id);
    *out = id;
    return KZ_OK;
}

static kz_status add_alias(struct add_state *a, const char *alias, int64_t id)
{
    char key[256];
    if (alias_key(alias, key, sizeof key) == 0)
        return KZ_OK;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            a->st->db, "INSERT OR IGNORE INTO threat_alias VALUES(?1, ?2, ?3)",
            -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(a->st, "prepare");
    sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, alias, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? KZ_OK : kz_store_err(a->st, "threat alias");
}

/* The threat of a name or alias, created when unknown (kind may be NULL). */
static kz_status threat_id(struct add_state *a, const char *name,
                           const char *kind, int64_t *out)
{
    char key[256];
    *out = 0;
    if (!name || alias_key(name, key, sizeof key) == 0)
        return KZ_OK;
    int64_t id = cached(a->threats, a->nthreats, key);
    if (id) {
        *out = id;
        return KZ_OK;
    }
    kz_status r = wait_writer(a);
    if (r != KZ_OK)
        return r;
    r = one_i64(a->st, "SELECT threat_id FROM threat_alias WHERE key=?1", key,
                NULL, &id);
    if (r != KZ_OK)
        return r;
    if (!id) {
        r = one_i64(
            a->st, "INSERT INTO threat(name, kind) VALUES(?1, ?2) RETURNING id",
            name, kind, &id);
        if (r == KZ_OK)
            r = add_alias(a, name, id);
        if (r != KZ_OK)
            return r;
        a->res->threats++;
    }
    remember(a->threats, &a->nthreats, key, id);
    *out = id;
    return KZ_OK;
}

static kz_status sink_threat(void *ud, const kz_intel_threat *t)
{
    struct add_state *a = ud;
    kz_status wr = wait_writer(a);
    if (wr != KZ_OK)
        return wr;
    if (!t || !t->name || !*t->name)
        return KZ_OK;
    /* An alias already known names the threat this one is. */
    int64_t id = 0;
    char key[256];
    for (size_t i = 0; i <= t->naliases && !id; i++) {
        const char *n = i == 0 ? t->name : t->aliases[i - 1];
        if (!n || alias_key(n, key, sizeof key) == 0)
            continue;
        kz_status r =
            one_i64(a->st, "SELECT threat_id FROM threat_alias WHERE key=?1",
                    key, NULL, &id);
        if (r != KZ_OK)
            return r;
    }
    kz_status r;
    if (!id) {
        r = threat_id(a, t->name, t->kind, &id);
        if (r != KZ_OK)
            return r;
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(a->st->db,
                           "UPDATE threat SET kind=coalesce(kind, ?1),"
                           " description=coalesce(description, ?2) WHERE id=?3",
                           -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(a->st, "prepare");
    bind_text(s, 1, t->kind);
    bind_text(s, 2, t->description);
    sqlite3_bind_int64(s, 3, id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return kz_store_err(a->st, "threat");
    if ((r = add_alias(a, t->name, id)) != KZ_OK)
        return r;
    for (size_t i = 0; i < t->naliases; i++)
        if (t->aliases[i] && (r = add_alias(a, t->aliases[i], id)) != KZ_OK)
            return r;
    return KZ_OK;
}

/* Known threats named in an advisory's title, word by word and by pairs
 * of words ("Qbot infections lead to REvil" -> QakBot, REvil; "Cobalt
 * Strike"): only names already in the store (seeded aliases, galaxies,
 * earlier feeds), of four characters or more. */
static kz_status title_threats(struct add_state *a, const char *title,
                               int64_t *found, size_t *nfound)
{
    char words[32][64];
    size_t nw = 0;
    for (const char *p = title; *p && nw < 32;) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                       (*p >= '0' && *p <= '9')))
            p++;
        size_t m = 0;
        while (((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9')) &&
               m + 1 < sizeof words[0])
            words[nw][m++] = *p++;
        words[nw][m] = '\0';
        if (m)
            nw++;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               (*p >= '0' && *p <= '9'))
            p++;
    }
    for (size_t i = 0; i < nw; i++) {
        for (int pair = 0; pair < 2; pair++) {
            char cand[160], key[160];
            if (pair && i + 1 >= nw)
                break;
            snprintf(cand, sizeof cand, "%s%s%s", words[i], pair ? " " : "",
                     pair ? words[i + 1] : "");
            if (alias_key(cand, key, sizeof key) < 4)
                continue;
            int64_t id = 0;
            kz_status r = one_i64(
                a->st, "SELECT threat_id FROM threat_alias WHERE key=?1", key,
                NULL, &id);
            if (r != KZ_OK)
                return r;
            int dup = 0;
            for (size_t k = 0; k < *nfound; k++)
                dup |= found[k] == id;
            if (id && !dup && *nfound < KZ_STORE_MAX_THREATS)
                found[(*nfound)++] = id;
        }
    }
    return KZ_OK;
}

static kz_status sink_advisory(void *ud, const kz_intel_advisory *adv)
{
    struct add_state *a = ud;
    kz_status wr = wait_writer(a);
    if (wr != KZ_OK)
        return wr;
    int64_t src;
    kz_status r = source_id(a, adv->source, &src);
    if (r != KZ_OK)
        return r;
    char key[512];
    a->advisories_seen++;
    if (adv->key && *adv->key)
        snprintf(key, sizeof key, "%s", adv->key);
    else
        snprintf(key, sizeof key, "%s#%llu",
                 a->in->feed ? a->in->feed : "input",
                 (unsigned long long)a->advisories_seen);
    const char *title = adv->title && *adv->title ? adv->title : a->in->name;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            a->st->db,
            "INSERT INTO advisory(source_id, input_id, key, title, published,"
            " url, summary, impact, assessment, mitigation, tlp, first_add,"
            " last_add) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?12)"
            " ON CONFLICT(source_id, key) DO UPDATE SET input_id=excluded."
            "input_id, title=excluded.title, published=coalesce(excluded."
            "published, published), url=coalesce(excluded.url, url),"
            " summary=coalesce(excluded.summary, summary), impact=coalesce("
            "excluded.impact, impact), assessment=coalesce(excluded."
            "assessment, assessment), mitigation=coalesce(excluded."
            "mitigation, mitigation), tlp=coalesce(excluded.tlp, tlp),"
            " last_add=excluded.last_add RETURNING id, first_add",
            -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(a->st, "prepare");
    sqlite3_bind_int64(s, 1, src);
    sqlite3_bind_int64(s, 2, a->input_id);
    sqlite3_bind_text(s, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, title, -1, SQLITE_TRANSIENT);
    bind_time(s, 5, adv->published);
    bind_text(s, 6, adv->url);
    bind_text(s, 7, adv->summary);
    bind_text(s, 8, adv->impact);
    bind_text(s, 9, adv->assessment);
    bind_text(s, 10, adv->mitigation);
    bind_text(s, 11, adv->tlp);
    sqlite3_bind_int64(s, 12, a->add_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        a->advisory_id = sqlite3_column_int64(s, 0);
        if (sqlite3_column_int64(s, 1) == a->add_id)
            a->res->advisories++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return kz_store_err(a->st, "advisory");
    a->advisory_source = src;
    a->nadv_threats = 0;
    int64_t found[KZ_STORE_MAX_THREATS];
    size_t nfound = 0;
    for (size_t i = 0; i < adv->nthreats && nfound < KZ_STORE_MAX_THREATS;
         i++) {
        int64_t tid;
        if ((r = threat_id(a, adv->threats[i], NULL, &tid)) != KZ_OK)
            return r;
        if (tid)
            found[nfound++] = tid;
    }
    if (a->in->threat && nfound < KZ_STORE_MAX_THREATS) {
        int64_t tid;
        if ((r = threat_id(a, a->in->threat, NULL, &tid)) != KZ_OK)
            return r;
        if (tid)
            found[nfound++] = tid;
    }
    if (adv->nthreats == 0 &&
        (r = title_threats(a, title, found, &nfound)) != KZ_OK)
        return r;
    for (size_t i = 0; i < nfound; i++) {
        int64_t tid = found[i];
        int dup = 0;
        for (size_t k = 0; k < a->nadv_threats; k++)
            dup |= a->adv_threats[k] == tid;
        if (dup || a->nadv_threats >= KZ_STORE_MAX_THREATS)
            continue;
        a->adv_threats[a->nadv_threats++] = tid;
        if (sqlite3_prepare_v2(a->st->db,
                               "INSERT OR IGNORE INTO advisory_threat"
                               " VALUES(?1, ?2)",
                               -1, &s, NULL) != SQLITE_OK)
            return kz_store_err(a->st, "prepare");
        sqlite3_bind_int64(s, 1, a->advisory_id);
        sqlite3_bind_int64(s, 2, tid);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return kz_store_err(a->st, "advisory threat");
    }
    return KZ_OK;
}

static int is_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Refangs network values and normalizes v of type *t into a->norm; may
 * take a port off ("evil.example:8080") and retype a domain that is an
 * address, or a URL without a scheme. KZ_OK or KZ_ERR_PARSE. */
static kz_status canon(struct add_state *a, kz_type *t, const char *v, size_t n,
                       size_t *len, uint16_t *port)
{
    while (n > 0 && (v[0] == ' ' || v[0] == '\t'))
        v++, n--;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
        n--;
    if (n == 0 || n >= a->cap)
        return KZ_ERR_PARSE;
    switch (*t) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
    case KZ_T_CIDR:
    case KZ_T_DOMAIN:
    case KZ_T_URL:
    case KZ_T_EMAIL:
        if (kz_refang_needed(v, n)) {
            n = kz_refang(v, n, a->refanged, a->cap);
            v = a->refanged;
        }
        break;
    default:
        break;
    }
    uint8_t ip[16];
    int fam;
    uint16_t p = 0;
    switch (*t) {
    case KZ_T_IPV4:
    case KZ_T_IPV6:
        if (kz_norm_ip(v, n, ip, &fam, &p) != KZ_OK) {
            unsigned prefix;
            if (memchr(v, '/', n) &&
                kz_norm_cidr(v, n, ip, &fam, &prefix, NULL) == KZ_OK) {
                *t = KZ_T_CIDR;
                break;
            }
            return KZ_ERR_PARSE;
        }
        *t = fam == 6 ? KZ_T_IPV6 : KZ_T_IPV4;
        if (p)
            *port = p;
        return kz_ip_format(ip, fam, a->norm, a->cap, len);
    case KZ_T_DOMAIN: {
        if (kz_norm_ip(v, n, ip, &fam, &p) == KZ_OK) {
            *t = fam == 6 ? KZ_T_IPV6 : KZ_T_IPV4;
            if (p)
                *port = p;
            return kz_ip_format(ip, fam, a->norm, a->cap, len);
        }
        const char *c = memchr(v, ':', n);
        if (c && is_digits(c + 1, (size_t)(v + n - c - 1)) &&
            v + n - c - 1 <= 5) {
            unsigned long pn = strtoul(c + 1, NULL, 10);
            if (pn == 0 || pn > 65535)
                return KZ_ERR_PARSE;
            *port = (uint16_t)pn;
            n = (size_t)(c - v);
        }
        break;
    }
    case KZ_T_URL: {
        if (kz_normalize(KZ_T_URL, v, n, a->norm, a->cap, len) == KZ_OK)
            return KZ_OK;
        /* "evil.example/gate.php": a URL written without its scheme. */
        if (memmem(v, n, "://", 3) || n + 8 >= a->cap)
            return KZ_ERR_PARSE;
        memmove(a->tmp + 7, v, n);
        memcpy(a->tmp, "http://", 7);
        return kz_normalize(KZ_T_URL, a->tmp, n + 7, a->norm, a->cap, len) ==
                       KZ_OK
                   ? KZ_OK
                   : KZ_ERR_PARSE;
    }
    case KZ_T_AUTHENTIHASH: {
        /* Authenticode digests are MD5, SHA-1 or SHA-256 of the image. */
        uint8_t d[64];
        size_t dl;
        if (kz_norm_hash(v, n, d, sizeof d, &dl) != KZ_OK || dl == 64 ||
            2 * dl + 1 > a->cap)
            return KZ_ERR_PARSE;
        kz_hex_format(d, dl, a->norm);
        *len = 2 * dl;
        return KZ_OK;
    }
    default:
        break;
    }
    return kz_normalize(*t, v, n, a->norm, a->cap, len) == KZ_OK ? KZ_OK
                                                                 : KZ_ERR_PARSE;
}

static void jset_str(json_t *o, const char *k, const char *v)
{
    if (v && *v)
        json_object_set_new(o, k, json_string(v));
}

static void jset_time(json_t *o, const char *k, kz_time t)
{
    if (t) {
        char buf[32];
        kz_time_format(t, buf);
        json_object_set_new(o, k, json_string(buf));
    }
}

/* The JSON text of a record's rarer context, or NULL when it has none. */
static char *extra_json(const kz_intel_ioc *i, uint16_t port, const char *raw,
                        size_t raw_n, const char *norm, size_t norm_n)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    jset_str(o, "comment", i->comment);
    jset_str(o, "category", i->category);
    jset_str(o, "ref", i->ref);
    jset_str(o, "tlp", i->tlp);
    if (i->ntags) {
        json_t *arr = json_array();
        for (size_t k = 0; k < i->ntags; k++)
            if (i->tags[k] && *i->tags[k])
                json_array_append_new(arr, json_string(i->tags[k]));
        json_object_set_new(o, "tags", arr);
    }
    if (i->score >= 0)
        json_object_set_new(o, "score", json_integer(i->score));
    if (i->to_ids >= 0)
        json_object_set_new(o, "to_ids", json_boolean(i->to_ids));
    if (port)
        json_object_set_new(o, "port", json_integer(port));
    jset_time(o, "first_seen", i->first_seen);
    jset_time(o, "last_seen", i->last_seen);
    jset_time(o, "valid_from", i->valid_from);
    /* As published, when that differs from the normalized value by more
     * than case (a defanged form, a port, an IDN). */
    if (raw_n != norm_n || strncasecmp(raw, norm, raw_n) != 0) {
        json_t *rv = json_stringn(raw, raw_n);
        if (rv)
            json_object_set_new(o, "published", rv);
    }
    char *txt = json_object_size(o) ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return txt;
}

/* Threat k of a pending record. */
static int64_t ptid(const struct batch *b, const struct pending *p, size_t k)
{
    return k == 0 ? p->tid0 : b->tids[p->tid_off + k - 1];
}

static void bind_pending(sqlite3_stmt *s, int base, const struct add_state *a,
                         const struct pending *p)
{
    sqlite3_bind_int64(s, base + 1, p->id);
    sqlite3_bind_int64(s, base + 2, a->input_id);
    sqlite3_bind_int64(s, base + 3, p->adv);
    sqlite3_bind_int64(s, base + 4, p->src);
    if (p->nt)
        sqlite3_bind_int64(s, base + 5, p->tid0);
    else
        sqlite3_bind_null(s, base + 5);
    sqlite3_bind_int64(s, base + 6, a->add_id);
    if (p->confidence >= 0)
        sqlite3_bind_int(s, base + 7, p->confidence);
    else
        sqlite3_bind_null(s, base + 7);
    bind_time(s, base + 8, p->valid_until);
    if (p->extra)
        sqlite3_bind_text(s, base + 9, p->extra, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, base + 9);
}

/* Threats of a provenance beyond the one in its row. */
static kz_status more_threats(struct add_state *a, const struct batch *b,
                              const struct pending *p, int64_t in_row)
{
    for (size_t k = 0; k < p->nt; k++) {
        int64_t tid = ptid(b, p, k);
        if (tid == in_row)
            continue;
        sqlite3_stmt *s = a->prov_threat;
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, p->id);
        sqlite3_bind_int64(s, 2, a->input_id);
        sqlite3_bind_int64(s, 3, p->adv);
        sqlite3_bind_int64(s, 4, tid);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return kz_store_err(a->st, "provenance threat");
    }
    return KZ_OK;
}

/* The provenance of a record whose indicator was in the store (or earlier
 * in the batch): looked up, then updated or inserted. */
static kz_status prov_one(struct add_state *a, const struct batch *b,
                          const struct pending *p)
{
    sqlite3_stmt *s = a->prov_get;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, p->id);
    sqlite3_bind_int64(s, 2, a->input_id);
    sqlite3_bind_int64(s, 3, p->adv);
    int rc = sqlite3_step(s);
    int exists = rc == SQLITE_ROW;
    int64_t first_add = exists ? sqlite3_column_int64(s, 0) : a->add_id;
    int64_t in_row = exists ? sqlite3_column_int64(s, 1) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return kz_store_err(a->st, "provenance lookup");
    s = exists ? a->prov_upd : a->prov_ins;
    sqlite3_reset(s);
    bind_pending(s, 0, a, p);
    if (in_row)
        sqlite3_bind_int64(s, 5, in_row);
    else if (p->nt)
        in_row = p->tid0;
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return kz_store_err(a->st, "provenance");
    if (first_add == a->add_id)
        a->res->new_provenances++;
    return more_threats(a, b, p, in_row);
}

static int slot_of(int64_t h)
{
    return (int)((uint64_t)h & (2 * KZ_STORE_BATCH - 1));
}

/* Hands the batch to SQLite: one statement finds which values are
 * indicators already; the new ones, and their first provenance, are
 * inserted KZ_STORE_ROWS rows per statement; the others go one by one. */
static int cmp_hk(const void *x, const void *y)
{
    const struct hk *a = x, *b = y;
    return a->h < b->h ? -1 : a->h > b->h ? 1 : a->idx - b->idx;
}

/* Sorts order[0, n) by hash. The hashes are uniform: a counting sort
 * on their top bits, then insertion sort within the (tiny) buckets. */
static void sort_by_hash(struct add_state *a, struct hk *order, size_t n)
{
    enum { BITS = 14, BUCKETS = 1 << BITS };
    if (n < 64) {
        qsort(order, n, sizeof *order, cmp_hk);
        return;
    }
    unsigned *count = a->bucket;
    memset(count, 0, (BUCKETS + 1) * sizeof *count);
    for (size_t k = 0; k < n; k++)
        count[((uint64_t)order[k].h >> (63 - BITS)) + 1]++;
    for (size_t b = 0; b < BUCKETS; b++)
        count[b + 1] += count[b];
    for (size_t k = 0; k < n; k++) {
        size_t b = (uint64_t)order[k].h >> (63 - BITS);
        a->sorted[count[b]++] = order[k];
    }
    /* Within a bucket: insertion sort (the order of equal hashes is the
     * batch order, as placement kept it). */
    for (size_t k = 1; k < n; k++) {
        struct hk x = a->sorted[k];
        size_t j = k;
        while (j > 0 && cmp_hk(&a->sorted[j - 1], &x) > 0) {
            a->sorted[j] = a->sorted[j - 1];
            j--;
        }
        a->sorted[j] = x;
    }
    memcpy(order, a->sorted, n * sizeof *order);
}

/* Hash slots and hash order of a batch: done by the reader before the
 * hand-off, so the writer only talks to SQLite. */
/* Looks the nh hashes at hs up with s (a statement "... WHERE h IN" of
 * KZ_STORE_FIND parameters), KZ_STORE_FIND at a time, and gives each item
 * of b whose value is found its id. SQLITE_DONE or an error code. */
static int lookup(sqlite3_stmt *s, struct batch *b, const int64_t *hs,
                  size_t nh)
{
    int rc = SQLITE_DONE;
    for (size_t base = 0; base < nh && rc == SQLITE_DONE;
         base += KZ_STORE_FIND) {
        sqlite3_reset(s);
        for (size_t k = 0; k < KZ_STORE_FIND; k++)
            sqlite3_bind_int64(s, (int)k + 1,
                               hs[base + k < nh ? base + k : nh - 1]);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(s, 0);
            int64_t h = sqlite3_column_int64(s, 1);
            int t = sqlite3_column_int(s, 2);
            const char *v = (const char *)sqlite3_column_text(s, 3);
            size_t vl = (size_t)sqlite3_column_bytes(s, 3);
            for (int k = b->slot[slot_of(h)]; k >= 0; k = b->items[k].next) {
                struct pending *p = &b->items[k];
                if (p->h == h && (int)p->t == t && p->vlen == vl &&
                    memcmp(b->arena + p->voff, v, vl) == 0)
                    p->id = id;
            }
        }
        sqlite3_reset(s);
    }
    return rc;
}

/* 1 when h was in an earlier batch of this add; adds it. */
static int seen_put(struct add_state *a, int64_t h)
{
    if (a->seen_n * 2 >= a->seen_cap) {
        size_t cap = a->seen_cap ? 2 * a->seen_cap : 1u << 16;
        int64_t *ns = cap <= 2 * (size_t)KZ_STORE_SEEN
                          ? kz_calloc(cap, sizeof *ns)
                          : NULL;
        if (!ns) {
            a->seen_full = 1;
            return 1;
        }
        for (size_t k = 0; k < a->seen_cap; k++) {
            if (!a->seen[k])
                continue;
            size_t j = (size_t)a->seen[k] & (cap - 1);
            while (ns[j])
                j = (j + 1) & (cap - 1);
            ns[j] = a->seen[k];
        }
        kz_free(a->seen);
        a->seen = ns;
        a->seen_cap = cap;
    }
    size_t j = (size_t)h & (a->seen_cap - 1);
    while (a->seen[j]) {
        if (a->seen[j] == h)
            return 1;
        j = (j + 1) & (a->seen_cap - 1);
    }
    a->seen[j] = h;
    a->seen_n++;
    return 0;
}

/* Hash slots and hash order of a batch, and, with a snapshot, which of
 * its values the store held before this add: done by the reader before
 * the hand-off, so the writer only writes (and looks up the values of
 * earlier batches of this add again). */
static void prepare(struct add_state *a, struct batch *b)
{
    size_t n = b->n;
    for (size_t k = 0; k < 2 * KZ_STORE_BATCH; k++)
        b->slot[k] = -1;
    for (size_t k = n; k-- > 0;) {
        int sl = slot_of(b->items[k].h);
        b->items[k].next = b->slot[sl];
        b->slot[sl] = (int)k;
        b->order[k].h = b->items[k].h;
        b->order[k].idx = (int)k;
        b->order[k].created = 0;
        b->order[k].need = 1;
    }
    sort_by_hash(a, b->order, n);
    b->looked_up = 0;
    if (a->snap_find && !a->seen_full) {
        size_t nh = 0;
        for (size_t j = 0; j < n; j++) {
            int64_t h = b->order[j].h;
            if (j > 0 && b->order[j - 1].h == h) {
                b->order[j].need = b->order[j - 1].need;
                continue;
            }
            b->order[j].need = seen_put(a, h);
            if (!b->order[j].need)
                a->snap_h[nh++] = h;
        }
        if (!a->seen_full &&
            lookup(a->snap_find, b, a->snap_h, nh) == SQLITE_DONE)
            b->looked_up = 1;
        if (!b->looked_up)
            for (size_t j = 0; j < n; j++)
                b->order[j].need = 1;
    }
    b->prepared = 1;
}

static kz_status flush(struct add_state *a, struct batch *b)
{
    size_t n = b->n;
    kz_status r = KZ_OK;
    if (n == 0)
        return KZ_OK;
    if (!b->prepared)
        prepare(a, b);
    b->prepared = 0;
    struct hk *order = b->order;
    sqlite3_stmt *s;
    int rc;
    size_t nh = 0;
    for (size_t j = 0; j < n; j++)
        if (order[j].need && (nh == 0 || a->need_h[nh - 1] != order[j].h))
            a->need_h[nh++] = order[j].h;
    if (nh && lookup(a->find_many, b, a->need_h, nh) != SQLITE_DONE)
        r = kz_store_err(a->st, "indicator lookup");
    /* New values get the next ids in hash order (so the table and the
     * hash index both grow in order); a value twice in the batch once. */
    size_t nnew = 0;
    for (size_t j = 0; r == KZ_OK && j < n; j++) {
        struct pending *p = &b->items[order[j].idx];
        a->res->indicators++;
        if (p->id)
            continue;
        p->id = ++a->next_id;
        p->created = 1;
        order[j].created = 1;
        nnew++;
        for (int k = b->slot[slot_of(p->h)]; k >= 0; k = b->items[k].next) {
            struct pending *q = &b->items[k];
            if (!q->id && q->h == p->h && q->t == p->t && q->vlen == p->vlen &&
                memcmp(b->arena + q->voff, b->arena + p->voff, p->vlen) == 0)
                q->id = p->id;
        }
    }
    a->res->new_indicators += nnew;
    /* Insert the new indicators, then their first provenances. */
    for (int pass = 0; pass < 2 && r == KZ_OK; pass++) {
        size_t j = 0, done = 0;
        while (r == KZ_OK && done < nnew) {
            size_t take = nnew - done >= KZ_STORE_ROWS ? KZ_STORE_ROWS : 1;
            s = take > 1 ? (pass ? a->prov_ins_many : a->ins_ind_many)
                         : (pass ? a->prov_ins : a->ins_ind);
            sqlite3_reset(s);
            for (size_t got = 0; got < take; j++) {
                if (!order[j].created)
                    continue;
                const struct pending *p = &b->items[order[j].idx];
                if (pass) {
                    bind_pending(s, (int)got * 9, a, p);
                } else {
                    int c = (int)got * 4;
                    sqlite3_bind_int64(s, c + 1, p->id);
                    sqlite3_bind_int64(s, c + 2, p->h);
                    sqlite3_bind_int(s, c + 3, (int)p->t);
                    sqlite3_bind_text(s, c + 4, b->arena + p->voff,
                                      (int)p->vlen, SQLITE_STATIC);
                }
                got++;
            }
            rc = sqlite3_step(s);
            sqlite3_reset(s);
            if (rc != SQLITE_DONE)
                r = kz_store_err(a->st, pass ? "provenance insert"
                                             : "indicator insert");
            done += take;
        }
    }
    if (r == KZ_OK)
        a->res->new_provenances += nnew;
    for (size_t k = 0; r == KZ_OK && k < n; k++) {
        const struct pending *p = &b->items[k];
        r = p->created ? more_threats(a, b, p, p->nt ? p->tid0 : 0)
                       : prov_one(a, b, p);
    }
    for (size_t k = 0; k < n; k++)
        free(b->items[k].extra);
    b->n = 0;
    b->arena_n = 0;
    b->ntids = 0;
    return r;
}

/* ---- the writer thread ---------------------------------------------------
 */

static void *writer_main(void *arg)
{
    struct add_state *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->job && !a->writer_quit)
            pthread_cond_wait(&a->cv, &a->mu);
        if (!a->job)
            break;
        struct batch *b = a->job;
        pthread_mutex_unlock(&a->mu);
        kz_status r = flush(a, b);
        pthread_mutex_lock(&a->mu);
        if (r != KZ_OK && a->writer_status == KZ_OK)
            a->writer_status = r;
        a->job = NULL;
        a->writer_busy = 0;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Waits until the writer is idle; its first failure, or KZ_OK. */
static kz_status wait_writer(struct add_state *a)
{
    if (!a->writer_started)
        return KZ_OK;
    pthread_mutex_lock(&a->mu);
    while (a->writer_busy)
        pthread_cond_wait(&a->cv, &a->mu);
    kz_status r = a->writer_status;
    pthread_mutex_unlock(&a->mu);
    return r;
}

/* The full batch goes to the writer; the reader fills the other one. When
 * no thread can be started, the batch is written here. */
static kz_status hand_off(struct add_state *a)
{
    prepare(a, a->fill);
    kz_status r = wait_writer(a);
    if (r != KZ_OK)
        return r;
    if (!a->writer_started) {
        if (pthread_create(&a->writer, NULL, writer_main, a) != 0)
            return flush(a, a->fill);
        a->writer_started = 1;
    }
    pthread_mutex_lock(&a->mu);
    a->job = a->fill;
    a->writer_busy = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    a->fill = a->fill == &a->bufs[0] ? &a->bufs[1] : &a->bufs[0];
    return KZ_OK;
}

static void stop_writer(struct add_state *a)
{
    if (!a->writer_started)
        return;
    wait_writer(a);
    pthread_mutex_lock(&a->mu);
    a->writer_quit = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->writer, NULL);
    a->writer_started = 0;
}

static kz_status sink_ioc(void *ud, const kz_intel_ioc *i)
{
    struct add_state *a = ud;
    a->res->records++;
    if (!i->value || i->value_len == 0) {
        count_kind(a, "empty value");
        return KZ_OK;
    }
    kz_type t = i->type;
    if (t <= KZ_T_NONE || t >= KZ_T_COUNT_) {
        count_kind(a, "value of unknown type");
        return KZ_OK;
    }
    size_t len = 0;
    uint16_t port = i->port;
    if (canon(a, &t, i->value, i->value_len, &len, &port) != KZ_OK) {
        char what[64];
        snprintf(what, sizeof what, "invalid %s value", kz_type_name(i->type));
        count_kind(a, what);
        a->res->rejected++;
        kz_diag(a->st->ctx, KZ_SEV_WARNING, a->in->name, i->line, 0,
                "not a valid %s, not stored: %.*s", kz_type_name(i->type),
                (int)(i->value_len > 200 ? 200 : i->value_len), i->value);
        return KZ_OK;
    }
    int64_t src = a->advisory_id ? a->advisory_source : a->default_source;
    kz_status r;
    if (i->source && *i->source && (r = source_id(a, i->source, &src)) != KZ_OK)
        return r;
    int64_t tids[KZ_STORE_MAX_THREATS];
    size_t nt = 0;
    for (size_t k = 0; k < i->nthreats && nt < KZ_STORE_MAX_THREATS; k++) {
        int64_t tid;
        if ((r = threat_id(a, i->threats[k], NULL, &tid)) != KZ_OK)
            return r;
        if (tid)
            tids[nt++] = tid;
    }
    for (size_t k = 0; k < a->nadv_threats && nt < KZ_STORE_MAX_THREATS; k++)
        tids[nt++] = a->adv_threats[k];
    if (!a->advisory_id && a->in->threat && nt < KZ_STORE_MAX_THREATS) {
        int64_t tid;
        if ((r = threat_id(a, a->in->threat, NULL, &tid)) != KZ_OK)
            return r;
        if (tid)
            tids[nt++] = tid;
    }
    struct batch *b = a->fill;
    if (b->arena_n + len + 1 > b->arena_cap) {
        size_t cap = b->arena_cap ? b->arena_cap : 1u << 16;
        while (cap < b->arena_n + len + 1)
            cap *= 2;
        char *na = kz_realloc(b->arena, cap);
        if (!na)
            return KZ_ERR_NOMEM;
        b->arena = na;
        b->arena_cap = cap;
    }
    struct pending *p = &b->items[b->n];
    memset(p, 0, sizeof *p);
    p->t = t;
    p->h = kz_value_hash(t, a->norm, len);
    p->voff = b->arena_n;
    p->vlen = len;
    memcpy(b->arena + b->arena_n, a->norm, len);
    b->arena[b->arena_n + len] = '\0';
    b->arena_n += len + 1;
    p->src = src;
    p->adv = a->advisory_id;
    p->confidence = i->confidence < 0     ? -1
                    : i->confidence > 100 ? 100
                                          : i->confidence;
    p->valid_until = i->valid_until;
    p->extra = extra_json(i, port, i->value, i->value_len, a->norm, len);
    p->nt = nt;
    p->tid0 = nt ? tids[0] : 0;
    p->tid_off = b->ntids;
    if (nt > 1) {
        if (b->ntids + nt - 1 > b->tids_cap) {
            size_t cap = b->tids_cap ? 2 * b->tids_cap : 1024;
            while (cap < b->ntids + nt - 1)
                cap *= 2;
            int64_t *nt2 = kz_realloc(b->tids, cap * sizeof *nt2);
            if (!nt2) {
                free(p->extra);
                return KZ_ERR_NOMEM;
            }
            b->tids = nt2;
            b->tids_cap = cap;
        }
        memcpy(b->tids + b->ntids, tids + 1, (nt - 1) * sizeof tids[0]);
        b->ntids += nt - 1;
    }
    b->n++;
    if (b->n == KZ_STORE_BATCH || b->arena_n >= KZ_STORE_BATCH_BYTES)
        return hand_off(a);
    return KZ_OK;
}

static kz_status sink_warninglist(void *ud, const kz_warninglist *w)
{
    struct add_state *a = ud;
    kz_status wr = wait_writer(a);
    if (wr != KZ_OK)
        return wr;
    if (!w->name || !*w->name || !w->type)
        return kz_seterr(a->st->ctx, KZ_ERR_PARSE,
                         "%s: a warninglist without a name or type",
                         a->in->name);
    json_t *attrs = json_array();
    for (size_t i = 0; i < w->nattributes; i++)
        json_array_append_new(attrs, json_string(w->attributes[i]));
    char *at = json_dumps(attrs, JSON_COMPACT);
    json_decref(attrs);
    int64_t id = 0;
    sqlite3_stmt *s = NULL;
    /* A newer version replaces the list's entries. */
    if (sqlite3_prepare_v2(
            a->st->db,
            "INSERT INTO warninglist(name, description, type, version,"
            " attributes, input_id, last_add) VALUES(?1,?2,?3,?4,?5,?6,?7)"
            " ON CONFLICT(name) DO UPDATE SET description=excluded."
            "description, type=excluded.type, version=excluded.version,"
            " attributes=excluded.attributes, input_id=excluded.input_id,"
            " last_add=excluded.last_add RETURNING id",
            -1, &s, NULL) != SQLITE_OK) {
        free(at);
        return kz_store_err(a->st, "prepare");
    }
    sqlite3_bind_text(s, 1, w->name, -1, SQLITE_TRANSIENT);
    bind_text(s, 2, w->description);
    sqlite3_bind_text(s, 3, w->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, w->version);
    sqlite3_bind_text(s, 5, at ? at : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, a->input_id);
    sqlite3_bind_int64(s, 7, a->add_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    free(at);
    if (rc != SQLITE_ROW)
        return kz_store_err(a->st, "warninglist");
    char sql[96];
    snprintf(sql, sizeof sql,
             "DELETE FROM warninglist_entry WHERE list_id=%lld", (long long)id);
    kz_status r = kz_store_exec(a->st, sql);
    a->wl_id = id;
    return r;
}

static kz_status sink_wl_entry(void *ud, const char *v, size_t n)
{
    struct add_state *a = ud;
    kz_status wr = wait_writer(a);
    if (wr != KZ_OK)
        return wr;
    if (!a->wl_id)
        return kz_seterr(a->st->ctx, KZ_ERR_INVALID,
                         "%s: warninglist entry before its list", a->in->name);
    while (n > 0 && (v[0] == ' ' || v[0] == '\t'))
        v++, n--;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n == 0)
        return KZ_OK;
    sqlite3_stmt *s = a->wl_entry;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, a->wl_id);
    sqlite3_bind_text(s, 2, v, (int)n, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return kz_store_err(a->st, "warninglist entry");
    a->res->warninglist_entries++;
    return KZ_OK;
}

void kz_store_add_result_free(kz_store_add_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nunsupported; i++)
        kz_free(r->unsupported[i].what);
    kz_free(r->unsupported);
    r->unsupported = NULL;
    r->nunsupported = 0;
}

/* The last component of a path into buf ("feeds/misp-feed/" ->
 * "misp-feed"). */
static const char *base_name(const char *p, char *buf, size_t cap)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && p[b - 1] != '/')
        b--;
    snprintf(buf, cap, "%.*s", (int)(n - b), p + b);
    return buf;
}

static kz_status run_stmt_ii(kz_store *st, const char *sql, int64_t x,
                             int64_t y, uint64_t *changes)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(st, "prepare");
    sqlite3_bind_int64(s, 1, x);
    sqlite3_bind_int64(s, 2, y);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return kz_store_err(st, "update");
    if (changes)
        *changes = (uint64_t)sqlite3_changes(st->db);
    return KZ_OK;
}

kz_status kz_store_bump_generation(kz_store *st)
{
    return kz_store_exec(
        st, "UPDATE meta SET value=value+1 WHERE key='generation'");
}

/* Opens the reader's read-only look at the store (see add_state). Without
 * it (an in-memory database, no file), the writer looks everything up. */
static void open_snapshot(struct add_state *a)
{
    const char *path = sqlite3_db_filename(a->st->db, "main");
    if (!path || !*path ||
        sqlite3_open_v2(path, &a->snapdb,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(a->snapdb);
        a->snapdb = NULL;
        return;
    }
    sqlite3_busy_timeout(a->snapdb, KZ_STORE_BUSY_MS);
    kz_store snap = {a->st->ctx, a->snapdb};
    a->snap_find = prep_many(&snap,
                             "SELECT id, h, type, value FROM indicator"
                             " WHERE h IN (",
                             "?%d", 1, KZ_STORE_FIND, ")");
    if (!a->snap_find ||
        sqlite3_exec(a->snapdb, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_finalize(a->snap_find);
        a->snap_find = NULL;
        sqlite3_close(a->snapdb);
        a->snapdb = NULL;
    }
}

kz_status kz_store_add(kz_store *st, const kz_store_input *in,
                       kz_store_reader_fn read, void *ud,
                       kz_store_add_result *res)
{
    if (!st || !in || !read || !res)
        return KZ_ERR_INVALID;
    memset(res, 0, sizeof *res);
    struct add_state a;
    memset(&a, 0, sizeof a);
    pthread_mutex_init(&a.mu, NULL);
    pthread_cond_init(&a.cv, NULL);
    a.st = st;
    a.res = res;
    a.now = (int64_t)time(NULL);
    kz_store_input input = *in;
    char feedbuf[512];
    if (!input.name)
        input.name = "-";
    if (!input.feed) {
        if (strcmp(input.name, "-") == 0)
            snprintf(feedbuf, sizeof feedbuf, "stdin");
        else
            base_name(input.name, feedbuf, sizeof feedbuf);
        input.feed = feedbuf[0] ? feedbuf : "input";
    }
    a.in = &input;
    a.cap = KZ_MAX_YARA_RULE + 16;
    a.norm = kz_malloc(a.cap);
    a.refanged = kz_malloc(a.cap);
    a.tmp = kz_malloc(a.cap);
    kz_status r = a.norm && a.refanged && a.tmp ? KZ_OK : KZ_ERR_NOMEM;
    if (r == KZ_OK)
        r = kz_store_exec(st, "BEGIN IMMEDIATE");
    if (r != KZ_OK) {
        kz_free(a.norm);
        kz_free(a.refanged);
        kz_free(a.tmp);
        return r;
    }
    const char *fmt = kz_intel_format_name(input.format);
    r = one_i64(st,
                "INSERT INTO input(feed, first_add) VALUES(?1, 0)"
                " ON CONFLICT(feed) DO UPDATE SET feed=feed RETURNING id",
                input.feed, NULL, &a.input_id);
    int unchanged = 0;
    if (r == KZ_OK && input.sha256) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "SELECT sha256 = ?1 FROM input WHERE id=?2", -1,
                               &s, NULL) != SQLITE_OK) {
            r = kz_store_err(st, "prepare");
        } else {
            sqlite3_bind_blob(s, 1, input.sha256, 32, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s, 2, a.input_id);
            if (sqlite3_step(s) == SQLITE_ROW)
                unchanged = sqlite3_column_int(s, 0) == 1;
            sqlite3_finalize(s);
        }
    }
    if (r == KZ_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO ingest(input_id, time, location,"
                               " format, sha256, unchanged) VALUES(?1,?2,?3,"
                               "?4,?5,?6) RETURNING id",
                               -1, &s, NULL) != SQLITE_OK) {
            r = kz_store_err(st, "prepare");
        } else {
            sqlite3_bind_int64(s, 1, a.input_id);
            sqlite3_bind_int64(s, 2, a.now);
            sqlite3_bind_text(s, 3, input.name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 4, fmt, -1, SQLITE_STATIC);
            if (input.sha256)
                sqlite3_bind_blob(s, 5, input.sha256, 32, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(s, 5);
            sqlite3_bind_int(s, 6, unchanged);
            if (sqlite3_step(s) == SQLITE_ROW)
                a.add_id = sqlite3_column_int64(s, 0);
            else
                r = kz_store_err(st, "ingest");
            sqlite3_finalize(s);
        }
    }
    res->add_id = a.add_id;
    if (r == KZ_OK && unchanged) {
        /* The same content again: only last-seen moves. */
        res->unchanged = 1;
        r = run_stmt_ii(
            st,
            "UPDATE OR FAIL provenance SET last_add=?1 WHERE input_id=?2"
            " AND active=1",
            a.add_id, a.input_id, &res->indicators);
        if (r == KZ_OK)
            r = run_stmt_ii(st, "UPDATE input SET last_add=?1 WHERE id=?2",
                            a.add_id, a.input_id, NULL);
        goto finish;
    }
    if (r == KZ_OK)
        r = source_id(&a, input.source ? input.source : input.feed,
                      &a.default_source);
    if (r == KZ_OK) {
        a.ins_ind = prep(st, "INSERT INTO indicator(id, h, type, value)"
                             " VALUES(?1,?2,?3,?4)");
        a.find_many = prep_many(st,
                                "SELECT id, h, type, value FROM indicator"
                                " WHERE h IN (",
                                "?%d", 1, KZ_STORE_FIND, ")");
        a.ins_ind_many = prep_many(st,
                                   "INSERT OR FAIL INTO indicator(id, h, type,"
                                   " value) VALUES",
                                   "(?%d,?%d,?%d,?%d)", 4, KZ_STORE_ROWS, "");
        a.prov_ins_many =
            prep_many(st,
                      "INSERT OR FAIL INTO provenance(indicator_id, input_id,"
                      " advisory_id, source_id, threat_id, first_add,"
                      " last_add, active, confidence, valid_until, extra)"
                      " VALUES",
                      "(?%d,?%d,?%d,?%d,?%d,?%d,?%r,1,?%d,?%d,?%d)", 9,
                      KZ_STORE_ROWS, "");
        a.bufs[0].items = kz_malloc(KZ_STORE_BATCH * sizeof(struct pending));
        a.bufs[1].items = kz_malloc(KZ_STORE_BATCH * sizeof(struct pending));
        a.fill = &a.bufs[0];
        for (int k = 0; k < 2; k++) {
            a.bufs[k].slot = kz_malloc(2 * KZ_STORE_BATCH * sizeof(int));
            a.bufs[k].order = kz_malloc(KZ_STORE_BATCH * sizeof(struct hk));
        }
        a.sorted = kz_malloc(KZ_STORE_BATCH * sizeof *a.sorted);
        a.need_h = kz_malloc(KZ_STORE_BATCH * sizeof *a.need_h);
        a.snap_h = kz_malloc(KZ_STORE_BATCH * sizeof *a.snap_h);
        open_snapshot(&a);
        a.bucket = kz_malloc(((1u << 14) + 1) * sizeof *a.bucket);
        if (one_i64(st, "SELECT coalesce(max(id), 0) FROM indicator", NULL,
                    NULL, &a.next_id) != KZ_OK)
            r = KZ_ERR_IO;
        a.prov_get = prep(st, "SELECT first_add, threat_id FROM provenance"
                              " WHERE indicator_id=?1 AND input_id=?2 AND"
                              " advisory_id=?3");
        a.prov_ins = prep(
            st, "INSERT INTO provenance(indicator_id, input_id, advisory_id,"
                " source_id, threat_id, first_add, last_add, active,"
                " confidence, valid_until, extra) VALUES(?1,?2,?3,?4,?5,?6,"
                "?6,1,?7,?8,?9)");
        a.prov_upd = prep(
            st, "UPDATE provenance SET last_add=?6, active=1, source_id=?4,"
                " threat_id=?5, confidence=coalesce(?7, confidence),"
                " valid_until=coalesce(?8, valid_until),"
                " extra=coalesce(?9, extra) WHERE indicator_id=?1 AND"
                " input_id=?2 AND advisory_id=?3");
        a.prov_threat = prep(st, "INSERT OR IGNORE INTO provenance_threat"
                                 " VALUES(?1,?2,?3,?4)");
        a.wl_entry =
            prep(st, "INSERT OR IGNORE INTO warninglist_entry VALUES(?1,?2)");
        if (!a.ins_ind || !a.prov_get || !a.prov_ins || !a.prov_upd ||
            !a.prov_threat || !a.wl_entry || !a.find_many || !a.ins_ind_many ||
            !a.prov_ins_many)
            r = r != KZ_OK ? r : KZ_ERR_IO;
        else if (!a.bufs[0].items || !a.bufs[1].items || !a.bufs[0].slot ||
                 !a.bufs[1].slot || !a.bufs[0].order || !a.bufs[1].order ||
                 !a.sorted || !a.bucket || !a.need_h || !a.snap_h)
            r = KZ_ERR_NOMEM;
    }
    if (r == KZ_OK) {
        kz_intel_sink sink = {&a,
                              sink_advisory,
                              sink_threat,
                              sink_ioc,
                              sink_warninglist,
                              sink_wl_entry,
                              sink_unsupported};
        r = read(ud, &sink);
        if (r == KZ_OK)
            r = wait_writer(&a);
        stop_writer(&a);
        if (r == KZ_OK)
            r = flush(&a, a.fill);
    }
    if (r == KZ_OK)
        r = run_stmt_ii(
            st,
            "UPDATE OR FAIL provenance SET active=0 WHERE input_id=?2"
            " AND last_add<?1 AND active=1",
            a.add_id, a.input_id, &res->inactive);
    if (r == KZ_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE input SET format=?1, location=?2,"
                               " sha256=?3, first_add=CASE first_add WHEN 0"
                               " THEN ?4 ELSE first_add END, last_add=?4,"
                               " last_change=?4 WHERE id=?5",
                               -1, &s, NULL) != SQLITE_OK) {
            r = kz_store_err(st, "prepare");
        } else {
            sqlite3_bind_text(s, 1, fmt, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, input.name, -1, SQLITE_TRANSIENT);
            if (input.sha256)
                sqlite3_bind_blob(s, 3, input.sha256, 32, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(s, 3);
            sqlite3_bind_int64(s, 4, a.add_id);
            sqlite3_bind_int64(s, 5, a.input_id);
            if (sqlite3_step(s) != SQLITE_DONE)
                r = kz_store_err(st, "input");
            sqlite3_finalize(s);
        }
    }
    if (r == KZ_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE ingest SET records=?1,"
                               " new_indicators=?2, inactive=?3 WHERE id=?4",
                               -1, &s, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, (int64_t)res->records);
            sqlite3_bind_int64(s, 2, (int64_t)res->new_indicators);
            sqlite3_bind_int64(s, 3, (int64_t)res->inactive);
            sqlite3_bind_int64(s, 4, a.add_id);
            if (sqlite3_step(s) != SQLITE_DONE)
                r = kz_store_err(st, "ingest");
            sqlite3_finalize(s);
        } else {
            r = kz_store_err(st, "prepare");
        }
    }
finish:
    stop_writer(&a);
    sqlite3_finalize(a.ins_ind);
    sqlite3_finalize(a.find_many);
    sqlite3_finalize(a.ins_ind_many);
    sqlite3_finalize(a.prov_ins_many);
    kz_free(a.sorted);
    kz_free(a.bucket);
    kz_free(a.need_h);
    kz_free(a.snap_h);
    kz_free(a.seen);
    sqlite3_finalize(a.snap_find);
    sqlite3_close(a.snapdb);
    for (int b = 0; b < 2; b++) {
        for (size_t k = 0; a.bufs[b].items && k < a.bufs[b].n; k++)
            free(a.bufs[b].items[k].extra);
        kz_free(a.bufs[b].items);
        kz_free(a.bufs[b].tids);
        kz_free(a.bufs[b].arena);
        kz_free(a.bufs[b].slot);
        kz_free(a.bufs[b].order);
    }
    sqlite3_finalize(a.prov_get);
    sqlite3_finalize(a.prov_ins);
    sqlite3_finalize(a.prov_upd);
    sqlite3_finalize(a.prov_threat);
    sqlite3_finalize(a.wl_entry);
    if (r == KZ_OK)
        r = kz_store_bump_generation(st);
    if (r == KZ_OK && !input.dry_run)
        r = kz_store_exec(st, "COMMIT");
    else
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t k = 0; k < a.nsources; k++)
        kz_free(a.sources[k].name);
    for (size_t k = 0; k < a.nthreats; k++)
        kz_free(a.threats[k].name);
    kz_free(a.norm);
    kz_free(a.refanged);
    kz_free(a.tmp);
    pthread_cond_destroy(&a.cv);
    pthread_mutex_destroy(&a.mu);
    return r;
}
