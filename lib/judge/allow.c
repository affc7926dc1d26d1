/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The allowlist: values an analyst has judged benign, with who, when and
 * why, kept in the store (table allow_entry). Each change is one
 * transaction and bumps the store's generation, so the next sweep compiles
 * its index again and the suppression flags follow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/core_int.h"
#include "intel/store_int.h"
#include "kizashi/judge.h"

#define NORM_CAP 4096

/* value as written -> type (guessed when t is KZ_T_NONE) and canonical
 * form. */
static kz_status norm_value(kz_store *st, kz_type *t, const char *value,
                            size_t n, char *out, size_t *outlen)
{
    char *ref = kz_malloc(n + 1);
    if (!ref)
        return kz_seterr(st->ctx, KZ_ERR_NOMEM, "out of memory");
    size_t rn = kz_refang(value, n, ref, n + 1);
    if (*t == KZ_T_NONE)
        *t = kz_guess_type(ref, rn);
    kz_status r = KZ_ERR_PARSE;
    if (*t != KZ_T_NONE)
        r = kz_normalize(*t, ref, rn, out, NORM_CAP, outlen);
    kz_free(ref);
    if (r != KZ_OK) {
        if (*t == KZ_T_NONE)
            return kz_seterr(st->ctx, KZ_ERR_INVALID,
                             "allow: cannot tell the type of '%.*s': give "
                             "--type",
                             (int)(n > 200 ? 200 : n), value);
        return kz_seterr(st->ctx, KZ_ERR_INVALID,
                         "allow: '%.*s' is not a valid %s",
                         (int)(n > 200 ? 200 : n), value, kz_type_name(*t));
    }
    return KZ_OK;
}

kz_status kz_allow_add(kz_store *st, kz_type t, const char *value, size_t n,
                       const char *reason, const char *who, kz_time expires,
                       int64_t *id)
{
    if (!reason || !*reason)
        return kz_seterr(st->ctx, KZ_ERR_INVALID,
                         "allow: a reason is required (--reason TEXT): "
                         "whoever reads the suppressed hit needs it");
    if (!value || !n)
        return kz_seterr(st->ctx, KZ_ERR_INVALID, "allow: an empty value");
    char norm[NORM_CAP];
    size_t nl = 0;
    kz_status r = norm_value(st, &t, value, n, norm, &nl);
    if (r != KZ_OK)
        return r;
    if (!who || !*who)
        who = getenv("USER");
    if (!who || !*who)
        who = "unknown";
    if ((r = kz_store_exec(st, "BEGIN IMMEDIATE")) != KZ_OK)
        return r;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            st->db,
            "INSERT INTO allow_entry(type, value, reason, who, created,"
            " expires) VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(type, value) DO"
            " UPDATE SET reason=excluded.reason, who=excluded.who,"
            " created=excluded.created, expires=excluded.expires"
            " RETURNING id",
            -1, &s, NULL) != SQLITE_OK) {
        r = kz_store_err(st, "allow add");
        goto fail;
    }
    sqlite3_bind_int(s, 1, (int)t);
    sqlite3_bind_text(s, 2, norm, (int)nl, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
    if (expires)
        sqlite3_bind_int64(s, 6, expires);
    else
        sqlite3_bind_null(s, 6);
    if (sqlite3_step(s) != SQLITE_ROW) {
        r = kz_store_err(st, "allow add");
        goto fail;
    }
    if (id)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    if ((r = kz_store_bump_generation(st)) != KZ_OK)
        goto fail;
    return kz_store_exec(st, "COMMIT");
fail:
    sqlite3_finalize(s);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

kz_status kz_allow_rm(kz_store *st, const char *id_or_value, unsigned *removed)
{
    unsigned dummy;
    if (!removed)
        removed = &dummy;
    *removed = 0;
    if (!id_or_value || !*id_or_value)
        return kz_seterr(st->ctx, KZ_ERR_INVALID, "allow rm: nothing given");
    char *end = NULL;
    errno = 0;
    long long id = strtoll(id_or_value, &end, 10);
    int by_id = end && !*end && errno == 0 && id > 0;
    char norm[NORM_CAP];
    size_t nl = 0;
    kz_type t = KZ_T_NONE;
    if (!by_id) {
        kz_status r =
            norm_value(st, &t, id_or_value, strlen(id_or_value), norm, &nl);
        if (r != KZ_OK) {
            /* not a value of a type we can tell: as written */
            nl = strlen(id_or_value);
            if (nl >= sizeof norm)
                return r;
            memcpy(norm, id_or_value, nl + 1);
        }
    }
    kz_status r = kz_store_exec(st, "BEGIN IMMEDIATE");
    if (r != KZ_OK)
        return r;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           by_id ? "DELETE FROM allow_entry WHERE id=?1"
                                 : "DELETE FROM allow_entry WHERE value=?2",
                           -1, &s, NULL) != SQLITE_OK) {
        r = kz_store_err(st, "allow rm");
        goto fail;
    }
    if (by_id)
        sqlite3_bind_int64(s, 1, id);
    else
        sqlite3_bind_text(s, 2, norm, (int)nl, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) {
        r = kz_store_err(st, "allow rm");
        goto fail;
    }
    *removed = (unsigned)sqlite3_changes(st->db);
    sqlite3_finalize(s);
    s = NULL;
    if (*removed && (r = kz_store_bump_generation(st)) != KZ_OK)
        goto fail;
    return kz_store_exec(st, "COMMIT");
fail:
    sqlite3_finalize(s);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

kz_status kz_allow_each(kz_store *st,
                        int (*fn)(void *ud, const kz_allow_entry *e), void *ud)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, type, value, reason, who, created,"
                           " expires FROM allow_entry ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return kz_store_err(st, "allow list");
    int rc;
    kz_status r = KZ_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        kz_allow_entry e = {
            sqlite3_column_int64(s, 0),
            (kz_type)sqlite3_column_int(s, 1),
            (const char *)sqlite3_column_text(s, 2),
            (const char *)sqlite3_column_text(s, 3),
            (const char *)sqlite3_column_text(s, 4),
            sqlite3_column_int64(s, 5),
            sqlite3_column_int64(s, 6),
        };
        if (fn(ud, &e)) {
            r = KZ_ERR_ABORTED;
            break;
        }
    }
    if (r == KZ_OK && rc != SQLITE_DONE)
        r = kz_store_err(st, "allow list");
    sqlite3_finalize(s);
    return r;
}
