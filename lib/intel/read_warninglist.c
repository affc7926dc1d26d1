/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MISP warninglist reader: one list of known-benign values (name,
 * description, type, version, matching_attributes, list[]) becomes one
 * warninglist record followed by one wl_entry per value, in list order,
 * as published. The document is loaded whole (bounded by
 * KZ_MISP_MAX_JSON_BYTES); it is checked completely before the first
 * record is handed over.
 */
#include <string.h>

#include "intel/misp_int.h"
#include "kizashi/intel.h"

/* The matching types MISP defines. */
static const char *const wl_types[] = {"string", "hostname", "cidr",
                                       "substring", "regex"};

/* Structural errors: jansson gives no position for values, so the
 * message names the member. */
static kz_status bad(kz_ctx *ctx, const char *name, const char *what)
{
    return kz_seterr(ctx, KZ_ERR_PARSE, "%s: not a MISP warninglist: %s", name,
                     what);
}

static kz_status check_and_read(kz_ctx *ctx, const json_t *root,
                                const char *name, const kz_intel_sink *sink)
{
    kz_status st = KZ_OK;
    const char **attrs = NULL;
    if (!json_is_object(root))
        return bad(ctx, name, "the top level is not an object");

    kz_warninglist wl;
    memset(&wl, 0, sizeof wl);
    const json_t *v = json_object_get(root, "name");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return bad(ctx, name, "\"name\" is missing or not a string");
    wl.name = json_string_value(v);

    v = json_object_get(root, "description");
    if (v && !json_is_null(v) && !json_is_string(v))
        return bad(ctx, name, "\"description\" is not a string");
    wl.description = json_is_string(v) ? json_string_value(v) : NULL;

    /* MISP itself reads a list without a type as "string". */
    v = json_object_get(root, "type");
    if (v && !json_is_string(v))
        return bad(ctx, name, "\"type\" is not a string");
    wl.type = v ? json_string_value(v) : "string";
    const char *type = NULL;
    for (size_t i = 0; i < sizeof wl_types / sizeof wl_types[0]; i++)
        if (strcmp(wl.type, wl_types[i]) == 0)
            type = wl_types[i];
    if (!type)
        return kz_seterr(ctx, KZ_ERR_PARSE,
                         "%s: unknown warninglist type \"%.64s\" (string, "
                         "hostname, cidr, substring or regex)",
                         name, wl.type);
    wl.type = type;

    /* Releases write the version as a number; a few hand-made lists as a
     * string of digits. */
    v = json_object_get(root, "version");
    if (json_is_integer(v)) {
        wl.version = (int64_t)json_integer_value(v);
    } else if (json_is_string(v) && json_string_length(v) > 0 &&
               json_string_length(v) <= 18) {
        const char *s = json_string_value(v);
        for (; *s; s++) {
            if (!kz_is_digit((unsigned char)*s))
                return bad(ctx, name, "\"version\" is not a number");
            wl.version = wl.version * 10 + (*s - '0');
        }
    } else if (v && !json_is_null(v)) {
        return bad(ctx, name, "\"version\" is not a number");
    }

    v = json_object_get(root, "matching_attributes");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v))
            return bad(ctx, name, "\"matching_attributes\" is not an array");
        size_t n = json_array_size(v);
        attrs = kz_malloc((n ? n : 1) * sizeof *attrs);
        if (!attrs)
            return kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", name);
        for (size_t i = 0; i < n; i++) {
            const json_t *a = json_array_get(v, i);
            if (!json_is_string(a)) {
                st = bad(ctx, name,
                         "\"matching_attributes\" holds a "
                         "value that is not a string");
                goto out;
            }
            attrs[i] = json_string_value(a);
        }
        wl.attributes = attrs;
        wl.nattributes = n;
    }

    const json_t *list = json_object_get(root, "list");
    if (!json_is_array(list)) {
        st = bad(ctx, name, "\"list\" is missing or not an array");
        goto out;
    }
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        if (!json_is_string(e)) {
            st = kz_seterr(ctx, KZ_ERR_PARSE,
                           "%s: not a MISP warninglist: list[%zu] is not a "
                           "string",
                           name, i);
            goto out;
        }
    }

    if (sink->warninglist && (st = sink->warninglist(sink->ud, &wl)) != KZ_OK)
        goto out;
    json_array_foreach(list, i, e)
    {
        size_t n = json_string_length(e);
        /* An empty entry would match everything as a substring. */
        if (n == 0) {
            if (sink->unsupported)
                sink->unsupported(sink->ud, "warninglist empty entry", 0);
            continue;
        }
        if (sink->wl_entry &&
            (st = sink->wl_entry(sink->ud, json_string_value(e), n)) != KZ_OK)
            goto out;
    }
out:
    kz_free(attrs);
    return st;
}

kz_status kz_read_warninglist(kz_ctx *ctx, FILE *f, const kz_read_opts *o,
                              const kz_intel_sink *sink)
{
    const char *name = o && o->name ? o->name : "-";
    if (!f || !sink)
        return kz_seterr(ctx, KZ_ERR_INVALID, "%s: no input or no sink", name);
    json_t *root = NULL;
    kz_status st = kz_misp_json_load(ctx, f, name, &root);
    if (st == KZ_OK)
        st = check_and_read(ctx, root, name, sink);
    json_decref(root);
    return st;
}
