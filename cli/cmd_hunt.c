/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kizashi hunt PATH...|-`: sweeps logs for the indicators of the index
 * (the store's, compiled on demand; or --index FILE; or --iocs FILE...).
 * Hits go to stdout (table, ECS JSON lines, or PATH:LINE); skipped inputs,
 * progress and the closing summary go to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum {
    O_HELP = 1,
    O_DB,
    O_INDEX,
    O_IOCS,
    O_IOCS_FORMAT,
    O_FORMAT,
    O_JSON,
    O_SUMMARY,
    O_THREADS,
    O_PROGRESS,
    O_NO_PROGRESS,
    O_FOLLOW,
    O_COLOR,
    O_QUIET,
    O_FILES,
    O_LOGS,
    O_EXCLUDE,
    O_MAX_SIZE,
    O_ONE_FS,
    O_ARCH_DEPTH,
    O_ARCH_PASSWORD,
    O_ARCH_MAX_BYTES,
    O_YARA,
    O_PE_ROOTS,
    O_SHOW_SUPPRESSED,
    O_NEW,
    O_HOST,
    O_NO_RECORD
};

static const struct cli_opt opts[] = {
    {O_DB, 0, "db", "PATH", "the store (default $KIZASHI_HOME/intel.db)"},
    {O_INDEX, 0, "index", "FILE", "use this index instead of the store's"},
    {O_IOCS, 0, "iocs", "FILE",
     "hunt for the indicators of these intel files, without a store "
     "(repeatable)"},
    {O_IOCS_FORMAT, 0, "iocs-format", "FMT",
     "the format of the --iocs files (default: detected)"},
    {O_FORMAT, 0, "format", "F", "table (default), json or lines"},
    {O_JSON, 0, "json", NULL, "same as --format json (ECS JSON lines)"},
    {O_SUMMARY, 0, "summary", NULL,
     "print counts per advisory and indicator instead of every hit"},
    {O_THREADS, 'j', "threads", "N", "worker threads (default: one per CPU)"},
    {O_PROGRESS, 0, "progress", NULL,
     "show progress on stderr even when it is not a terminal"},
    {O_NO_PROGRESS, 0, "no-progress", NULL, "never show progress"},
    {O_FILES, 0, "files", NULL,
     "check files only (names, paths, digests); read no file as a log"},
    {O_LOGS, 0, "logs", NULL,
     "read logs only; do not check files by name, path or digest"},
    {O_EXCLUDE, 0, "exclude", "GLOB",
     "leave out files and directories matching GLOB (a name, or a whole "
     "path when GLOB has a '/'; repeatable)"},
    {O_MAX_SIZE, 0, "max-size", "SIZE",
     "do not read files larger than SIZE (bytes, or with K, M, G, T); "
     "their names are still checked"},
    {O_ARCH_DEPTH, 0, "archive-depth", "N",
     "archive levels to open (zip, 7z, rar, tar, iso, cab, gzip, ...; "
     "default 3, at most 8; 0: none)"},
    {O_ARCH_PASSWORD, 0, "archive-password", "PW",
     "try PW on encrypted archive members (repeatable; \"infected\" is the "
     "malware-sharing convention)"},
    {O_ARCH_MAX_BYTES, 0, "archive-max-bytes", "SIZE",
     "stop reading an archive past SIZE expanded bytes (default 4G; a "
     "ratio over 200 stops it past 64M)"},
    {O_YARA, 0, "yara", "PATH",
     "run the YARA rules of PATH (a file, or a folder of .yar and .yara "
     "files) on every file and archive member (repeatable)"},
    {O_PE_ROOTS, 0, "pe-roots", "FILE",
     "verify PE signers' chains against the root certificates of FILE "
     "(PEM; e.g. Microsoft's code-signing roots exported from Windows)"},
    {O_SHOW_SUPPRESSED, 0, "show-suppressed", NULL,
     "also print hits that a warninglist or the allowlist suppresses "
     "(marked; they do not count as found)"},
    {O_NEW, 0, "new", NULL,
     "print only hits no earlier sweep of the store saw (new intel, new "
     "evidence)"},
    {O_HOST, 0, "host", "NAME",
     "the host the evidence is from, kept with the sightings (default: "
     "this machine's name)"},
    {O_NO_RECORD, 0, "no-record", NULL,
     "do not keep this sweep's hits in the store as sightings"},
    {O_ONE_FS, 'x', "one-file-system", NULL,
     "do not descend into directories on other file systems"},
    {O_FOLLOW, 'L', "follow", NULL, "follow symbolic links in directories"},
    {O_COLOR, 0, "color", "WHEN", "auto (default), always or never"},
    {O_QUIET, 'q', "quiet", NULL,
     "no summary line and no skipped-input lines on stderr"},
    {O_HELP, 'h', "help", NULL, "show this help and exit"},
    {0, 0, NULL, NULL, NULL},
};

static void more_help(FILE *f)
{
    fputs("\nInputs: files, directories (recursively, in name order) and - "
          "(standard\ninput). Every file is checked by name and path against "
          "file name and\npath indicators, and by digest (MD5, SHA-1, "
          "SHA-256, SHA-512: only the\nkinds the index holds, in one read) "
          "against hash indicators. Files that\nlook like text, plain or "
          "compressed with gzip, bzip2, xz or zstd (told by\ncontent), are "
          "also read as logs: JSON lines (Zeek, Suricata EVE, ECS,\n"
          "Sysmon), Zeek TSV and any text. Archives are opened and their "
          "members\nchecked the same way; PE files are checked by "
          "authentihash and\nAuthenticode signer (the chain is checked "
          "against trusted roots only\nwith --pe-roots). FIFOs, sockets and "
          "devices are "
          "never opened.\n\nExit status: 0 nothing found, 1 hits "
          "found, 2 usage or fatal error,\n3 nothing found but some inputs "
          "could not be read.\n",
          f);
}

static const struct cli_spec spec = {
    "hunt", "PATH...|-",
    "sweep files and logs for the indicators of the intel store", opts,
    more_help};

struct hunt_state {
    kz_hit_writer *w;
    kz_judge *judge; /* the store's lists (NULL: --index) */
    kz_sweep *sweep; /* sightings kept (NULL: --no-record, no store) */
    int show_suppressed, only_new;
    int record_err; /* a sighting could not be written */
    uint64_t found; /* hits printed that count (not suppressed) */
    uint64_t suppressed, seen_before;
    int quiet;
    int write_err; /* errno of a failed write, or 0 */
    int progress;  /* 0 never, 1 on a terminal, 2 always */
    double start;
    int shown; /* a progress line is on the screen */
    uint64_t unreadable;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_progress(struct hunt_state *s)
{
    if (s->shown) {
        fputs("\r\033[K", stderr);
        s->shown = 0;
    }
}

static int on_hit(void *ud, const kz_log_hit *h)
{
    struct hunt_state *s = ud;
    kz_verdict v;
    kz_judge_hit(s->judge, h, 0, &v);
    if (s->sweep && !s->record_err && kz_sweep_record(s->sweep, h, &v) != KZ_OK)
        s->record_err = 1;
    if (v.suppressed) {
        s->suppressed++;
        if (!s->show_suppressed)
            return 0;
    }
    if (s->only_new && v.is_new == 0) {
        s->seen_before++;
        return 0;
    }
    if (!v.suppressed)
        s->found++;
    kz_log_hit jh = *h;
    jh.verdict = &v;
    clear_progress(s);
    if (kz_hit_writer_put(s->w, &jh) != KZ_OK) {
        s->write_err = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

static void on_skip(void *ud, const char *input, kz_skip_reason why,
                    const char *msg)
{
    struct hunt_state *s = ud;
    if (why == KZ_SKIP_UNREADABLE || why == KZ_SKIP_CORRUPT ||
        why == KZ_SKIP_ENCRYPTED || why == KZ_SKIP_LIMIT)
        s->unreadable++; /* coverage is incomplete */
    if (s->quiet)
        return;
    clear_progress(s);
    cli_error("%s: skipped (%s): %s", input, kz_skip_reason_name(why), msg);
}

static void human_bytes(double b, char *out, size_t cap)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (b >= 1024 && i < 4) {
        b /= 1024;
        i++;
    }
    snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void on_progress(void *ud, uint64_t done, uint64_t total, uint64_t files,
                        uint64_t files_total, int fin)
{
    struct hunt_state *s = ud;
    double el = now_s() - s->start;
    if (fin) {
        clear_progress(s);
        return;
    }
    if (!s->progress || el < 1.0)
        return;
    char a[32], b[32];
    human_bytes((double)done, a, sizeof a);
    human_bytes((double)total, b, sizeof b);
    double rate = el > 0 ? (double)done / el : 0;
    char eta[32] = "";
    if (rate > 0 && total > done)
        snprintf(eta, sizeof eta, ", ETA %.0f s",
                 (double)(total - done) / rate);
    char fl[64] = "";
    if (files_total)
        snprintf(fl, sizeof fl, "%llu of %llu files, ",
                 (unsigned long long)files, (unsigned long long)files_total);
    fprintf(stderr, "\r\033[Kkizashi: %s%s of %s, %.0f MB/s%s", fl, a, b,
            rate / 1e6, eta);
    fflush(stderr);
    s->shown = 1;
}

int cmd_hunt(int argc, char **argv)
{
    struct cli_parser p;
    cli_parser_init(&p, &spec, argc, argv);
    const char *db = NULL, *index = NULL, *iocs_format = NULL;
    const char *color = "auto";
    char **iocs = calloc((size_t)argc + 1, sizeof *iocs);
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    size_t niocs = 0, npaths = 0, nexcl = 0;
    char **excl = calloc((size_t)argc + 1, sizeof *excl);
    kz_sweep_mode mode = KZ_SWEEP_AUTO;
    int one_fs = 0;
    uint64_t max_size = 0, arch_max = 0;
    unsigned arch_depth = 3;
    size_t npw = 0, nyara = 0;
    const char *pe_roots = NULL;
    char **pws = calloc((size_t)argc + 1, sizeof *pws);
    char **yaras = calloc((size_t)argc + 1, sizeof *yaras);
    int fmt = KZ_HIT_TABLE, summary = 0, progress = 1, follow = 0, quiet = 0;
    int show_supp = 0, only_new = 0, no_record = 0;
    const char *host = NULL;
    unsigned threads = 0;
    int id, rc = 0;
    if (!iocs || !paths || !excl || !pws || !yaras) {
        free(iocs);
        free(paths);
        free(excl);
        free(pws);
        free(yaras);
        return CLI_EXIT_ERROR;
    }
    while ((id = cli_next(&p)) != CLI_DONE && !rc) {
        switch (id) {
        case CLI_ERROR:
            rc = CLI_EXIT_ERROR;
            break;
        case CLI_OPERAND:
            paths[npaths++] = (char *)p.arg;
            break;
        case O_HELP:
            cli_help(&spec, stdout);
            free(iocs);
            free(paths);
            return cli_flush_stdout();
        case O_DB:
            db = p.arg;
            break;
        case O_INDEX:
            index = p.arg;
            break;
        case O_IOCS:
            iocs[niocs++] = (char *)p.arg;
            break;
        case O_IOCS_FORMAT:
            if (kz_intel_format_from_name(p.arg) == KZ_FMT_AUTO &&
                strcmp(p.arg, "auto") != 0)
                rc =
                    cli_usage_error("hunt", "unknown intel format '%s'", p.arg);
            iocs_format = p.arg;
            break;
        case O_FORMAT:
            fmt = kz_hit_format_from_name(p.arg);
            if (fmt < 0)
                rc = cli_usage_error("hunt",
                                     "unknown format '%s' (table, json, "
                                     "lines)",
                                     p.arg);
            break;
        case O_JSON:
            fmt = KZ_HIT_JSON;
            break;
        case O_SUMMARY:
            summary = 1;
            break;
        case O_THREADS: {
            char *end;
            errno = 0;
            unsigned long v = strtoul(p.arg, &end, 10);
            if (*end || errno || v < 1 || v > 256)
                rc = cli_usage_error("hunt",
                                     "--threads wants 1 to 256, not "
                                     "'%s'",
                                     p.arg);
            threads = (unsigned)v;
            break;
        }
        case O_PROGRESS:
            progress = 2;
            break;
        case O_NO_PROGRESS:
            progress = 0;
            break;
        case O_FOLLOW:
            follow = 1;
            break;
        case O_COLOR:
            if (strcmp(p.arg, "auto") && strcmp(p.arg, "always") &&
                strcmp(p.arg, "never"))
                rc = cli_usage_error("hunt", "--color wants auto, always or "
                                             "never");
            color = p.arg;
            break;
        case O_QUIET:
            quiet = 1;
            break;
        case O_FILES:
        case O_LOGS: {
            kz_sweep_mode m = id == O_FILES ? KZ_SWEEP_FILES : KZ_SWEEP_LOGS;
            if (mode != KZ_SWEEP_AUTO && mode != m)
                rc = cli_usage_error("hunt", "--files and --logs exclude each "
                                             "other");
            mode = m;
            break;
        }
        case O_EXCLUDE:
            if (!*p.arg)
                rc = cli_usage_error("hunt", "--exclude wants a pattern");
            excl[nexcl++] = (char *)p.arg;
            break;
        case O_MAX_SIZE:
            if (cli_parse_size(p.arg, &max_size) != 0 || !max_size)
                rc = cli_usage_error("hunt",
                                     "--max-size wants a size such as "
                                     "1048576, 512K, 100M or 2G, not '%s'",
                                     p.arg);
            break;
        case O_ONE_FS:
            one_fs = 1;
            break;
        case O_ARCH_DEPTH: {
            char *end;
            errno = 0;
            unsigned long v = strtoul(p.arg, &end, 10);
            if (*end || errno || !*p.arg || v > 8)
                rc = cli_usage_error(
                    "hunt", "--archive-depth wants 0 to 8, not '%s'", p.arg);
            arch_depth = (unsigned)v;
            break;
        }
        case O_ARCH_PASSWORD:
            pws[npw++] = (char *)p.arg;
            break;
        case O_YARA:
            yaras[nyara++] = (char *)p.arg;
            break;
        case O_SHOW_SUPPRESSED:
            show_supp = 1;
            break;
        case O_NEW:
            only_new = 1;
            break;
        case O_HOST:
            host = p.arg;
            break;
        case O_NO_RECORD:
            no_record = 1;
            break;
        case O_PE_ROOTS:
            pe_roots = p.arg;
            break;
        case O_ARCH_MAX_BYTES:
            if (cli_parse_size(p.arg, &arch_max) != 0 || !arch_max)
                rc = cli_usage_error("hunt",
                                     "--archive-max-bytes wants a size such "
                                     "as 100M or 8G, not '%s'",
                                     p.arg);
            break;
        }
    }
    if (!rc && !npaths)
        rc = cli_usage_error("hunt", "nothing to sweep (PATH... or -)");
    if (!rc && (!!index + !!niocs + !!db) > 1)
        rc = cli_usage_error("hunt", "--db, --index and --iocs exclude each "
                                     "other");
    if (!rc && only_new && (index || niocs || no_record))
        rc = cli_usage_error("hunt", "--new compares with the sightings of "
                                     "the store: not with --index, --iocs "
                                     "or --no-record");
    if (!rc && nyara && mode == KZ_SWEEP_LOGS)
        rc = cli_usage_error("hunt", "--yara runs on files: not with --logs");
    if (rc) {
        free(iocs);
        free(paths);
        free(excl);
        free(pws);
        free(yaras);
        return rc;
    }
    if (progress == 1 && !isatty(2))
        progress = 0;

    kz_ctx *ctx = NULL;
    kz_index *ix = NULL;
    kz_store *store = NULL;
    kz_hunt *h = NULL;
    struct hunt_state s;
    memset(&s, 0, sizeof s);
    s.quiet = quiet;
    s.progress = progress;
    if (kz_ctx_new(&ctx) != KZ_OK) {
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    double t0 = now_s();
    int verified = 0;
    rc = cli_open_index(ctx, db, index, iocs, niocs, iocs_format, quiet,
                        &verified, &ix);
    if (rc)
        goto out;
    s.show_suppressed = show_supp;
    s.only_new = only_new;
    if (!index && !niocs) {
        /* the store's judge (allowlist and warninglists on observed
         * values) and its sightings */
        char dbp[4096];
        if (!db && kz_store_default_path(dbp, sizeof dbp) == KZ_OK)
            db = dbp;
        if (kz_store_open(ctx, db, 0, &store) != KZ_OK ||
            kz_judge_load(store, 0, &s.judge) != KZ_OK) {
            cli_error("%s", kz_ctx_errmsg(ctx));
            rc = CLI_EXIT_ERROR;
            goto out;
        }
        if (!no_record) {
            char desc[4096];
            size_t dn = 0;
            desc[0] = 0;
            for (size_t i = 0; i < npaths && dn + 2 < sizeof desc; i++)
                dn += (size_t)snprintf(desc + dn, sizeof desc - dn, "%s%s",
                                       i ? " " : "", paths[i]);
            if (kz_sweep_begin(store, host, desc, &s.sweep) != KZ_OK) {
                cli_error("cannot keep this sweep's sightings in the store: "
                          "%s (--no-record sweeps without keeping them)",
                          kz_ctx_errmsg(ctx));
                rc = CLI_EXIT_ERROR;
                goto out;
            }
        }
    }
    kz_hit_writer_opts wo = KZ_HIT_WRITER_OPTS_INIT;
    wo.format = (kz_hit_format)fmt;
    wo.summary = summary;
    wo.color = strcmp(color, "always") == 0 ||
               (strcmp(color, "auto") == 0 && isatty(1) &&
                fmt == KZ_HIT_TABLE && !getenv("NO_COLOR"));
    if (kz_hit_writer_new(ctx, &wo, stdout, &s.w) != KZ_OK) {
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    kz_hunt_opts ho;
    memset(&ho, 0, sizeof ho);
    ho.version = KZ_HUNT_OPTS_VERSION;
    ho.threads = threads;
    ho.follow_symlinks = follow;
    ho.on_hit = on_hit;
    ho.on_skip = on_skip;
    ho.on_progress = on_progress;
    ho.ud = &s;
    ho.verify_index = !verified;
    ho.mode = mode;
    ho.one_file_system = one_fs;
    ho.exclude = (const char *const *)excl;
    ho.nexclude = nexcl;
    ho.max_size = max_size;
    ho.archive_depth = arch_depth;
    ho.archive_max_bytes = arch_max;
    ho.archive_passwords = (const char *const *)pws;
    ho.narchive_passwords = npw;
    ho.yara_paths = (const char *const *)yaras;
    ho.nyara = nyara;
    ho.pe_roots = pe_roots;
    kz_status st = kz_hunt_new(ctx, ix, &ho, &h);
    if (st != KZ_OK) {
        cli_error("%s", kz_ctx_errmsg(ctx));
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    size_t missing = 0;
    for (size_t i = 0; i < npaths; i++) {
        st = kz_hunt_add(h, paths[i]);
        if (st != KZ_OK) {
            const char *m = kz_ctx_errmsg(ctx);
            cli_error("%s", m && *m ? m : kz_status_str(st));
            s.unreadable++;
            missing++;
        }
    }
    if (missing == npaths) {
        /* nothing to sweep at all: not a partial sweep, an error */
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    s.start = now_s();
    kz_hunt_stats hs;
    st = kz_hunt_run(h, &hs);
    double el = now_s() - s.start;
    if (st != KZ_OK && st != KZ_ERR_ABORTED) {
        clear_progress(&s);
        cli_error("%s", kz_ctx_errmsg(ctx));
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    if (s.write_err) {
        rc = cli_write_error(s.write_err);
        goto out;
    }
    if (kz_hit_writer_finish(s.w) != KZ_OK) {
        rc = cli_write_error(errno ? errno : EIO);
        goto out;
    }
    if (s.sweep) {
        kz_status es = kz_sweep_end(s.sweep, hs.files, hs.bytes + hs.file_bytes,
                                    hs.hits - s.suppressed, s.suppressed);
        s.sweep = NULL;
        if (es != KZ_OK || s.record_err) {
            cli_error("the sightings of this sweep could not all be kept: %s",
                      kz_ctx_errmsg(ctx));
            rc = CLI_EXIT_ERROR;
            goto out;
        }
    }
    if (!quiet) {
        char b[32];
        human_bytes((double)hs.bytes, b, sizeof b);
        uint64_t read = hs.bytes + hs.file_bytes;
        fprintf(stderr, "kizashi: swept %llu input%s",
                (unsigned long long)hs.inputs, hs.inputs == 1 ? "" : "s");
        if (mode != KZ_SWEEP_LOGS) {
            char fb[32];
            human_bytes((double)hs.file_bytes, fb, sizeof fb);
            fprintf(stderr, " (%llu file%s checked, %s hashed",
                    (unsigned long long)hs.files, hs.files == 1 ? "" : "s", fb);
            if (hs.archives)
                fprintf(stderr, ", %llu archive%s opened, %llu member%s",
                        (unsigned long long)hs.archives,
                        hs.archives == 1 ? "" : "s",
                        (unsigned long long)hs.members,
                        hs.members == 1 ? "" : "s");
            fputc(')', stderr);
        }
        if (mode != KZ_SWEEP_FILES)
            fprintf(stderr, ", %s of logs, %llu line%s", b,
                    (unsigned long long)hs.lines, hs.lines == 1 ? "" : "s");
        fprintf(stderr, " in %.2f s (%.0f MB/s", el,
                el > 0 ? (double)read / el / 1e6 : 0.0);
        fprintf(stderr, "; index ready in %.2f s): %llu hit%s", s.start - t0,
                (unsigned long long)hs.hits, hs.hits == 1 ? "" : "s");
        uint64_t lh = hs.hits - hs.file_hits;
        if (lh && hs.file_hits)
            fprintf(stderr, " (%llu on %llu line%s, %llu on files)",
                    (unsigned long long)lh, (unsigned long long)hs.hit_lines,
                    hs.hit_lines == 1 ? "" : "s",
                    (unsigned long long)hs.file_hits);
        else if (hs.file_hits)
            fputs(" on files", stderr);
        else if (mode != KZ_SWEEP_FILES)
            fprintf(stderr, " on %llu line%s", (unsigned long long)hs.hit_lines,
                    hs.hit_lines == 1 ? "" : "s");
        if (s.suppressed == hs.hits && hs.hits)
            fprintf(stderr, ", %ssuppressed (warninglist or allowlist%s)",
                    hs.hits == 1 ? "" : "all ",
                    show_supp ? "" : "; --show-suppressed shows them");
        else if (s.suppressed)
            fprintf(stderr,
                    ", %llu of them suppressed (warninglist or allowlist%s)",
                    (unsigned long long)s.suppressed,
                    show_supp ? "" : "; --show-suppressed shows them");
        if (only_new)
            fprintf(stderr, "; %llu seen by earlier sweeps, not shown",
                    (unsigned long long)s.seen_before);
        if (mode == KZ_SWEEP_FILES && !hs.file_checks)
            fputs("; the index holds no indicator a file can match (hashes, "
                  "file names, paths, authentihashes, certificates)",
                  stderr);
        if (hs.paths_unplaced)
            fprintf(stderr,
                    "; %llu path indicator%s with no place on a volume "
                    "(unknown %%VARIABLE%%, UNC share): not matched",
                    (unsigned long long)hs.paths_unplaced,
                    hs.paths_unplaced == 1 ? "" : "s");
        if (hs.texts_not_hashed)
            fprintf(stderr,
                    "; %llu text file%s over 8 MiB read as log%s, not hashed "
                    "(--files hashes them)",
                    (unsigned long long)hs.texts_not_hashed,
                    hs.texts_not_hashed == 1 ? "" : "s",
                    hs.texts_not_hashed == 1 ? "" : "s");
        if (hs.binary_files)
            fprintf(stderr, "; %llu binary, checked as files only",
                    (unsigned long long)hs.binary_files);
        if (hs.excluded)
            fprintf(stderr, "; %llu excluded", (unsigned long long)hs.excluded);
        int first = 1;
        for (int r = 0; r < KZ_SKIP_COUNT_; r++) {
            if (!hs.skipped[r])
                continue;
            fprintf(stderr, "%s %llu %s", first ? "; skipped" : ",",
                    (unsigned long long)hs.skipped[r],
                    kz_skip_reason_name((kz_skip_reason)r));
            first = 0;
        }
        if (hs.long_lines)
            fprintf(stderr, "; %llu hit lines over 1 MiB (context not read)",
                    (unsigned long long)hs.long_lines);
        if (hs.dropped_hits)
            fprintf(stderr,
                    "; %llu hits not reported (over %u in one block "
                    "of lines)",
                    (unsigned long long)hs.dropped_hits,
                    (unsigned)KZ_MAX_HITS_PER_CHUNK);
        if (hs.bad_json)
            fprintf(stderr, "; %llu hit lines of JSON logs not JSON",
                    (unsigned long long)hs.bad_json);
        fputc('\n', stderr);
    }
    if (s.found)
        rc = CLI_EXIT_FOUND;
    else if (s.unreadable)
        rc = CLI_EXIT_PARTIAL;
    else
        rc = CLI_EXIT_NOTHING;
out:
    kz_sweep_abort(s.sweep);
    kz_judge_free(s.judge);
    kz_store_close(store);
    kz_hunt_free(h);
    kz_hit_writer_free(s.w);
    kz_index_close(ix);
    kz_ctx_free(ctx);
    free(iocs);
    free(paths);
    free(excl);
    free(pws);
    free(yaras);
    return rc;
}
