/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kizashi evidence: sweeping logs for the indicators of an index.
 *
 * The hot path reads raw bytes (plain files are mapped, compressed ones
 * -- gzip, bzip2, xz, zstd -- are decompressed as streams), tokenizes them
 * once and looks each candidate up in the index: IPv4 and IPv6 addresses
 * in every textual form, host names (and every parent domain), URLs,
 * e-mail addresses, hex digests and colon-separated thumbprints, file
 * names. Only a line that produced a hit is parsed (as JSON, as Zeek TSV
 * with its #fields header, or as text) to name the field the value stood
 * in and the event's time, and to rebuild URLs that logs split across
 * fields (Zeek http.log host + uri, Suricata EVE http.hostname +
 * http.url). Indicators match where they stand as whole tokens, never as
 * substrings of longer ones.
 *
 * Work is spread over threads: large plain files are split at line
 * boundaries, many files are swept in parallel, and hits are delivered to
 * the callback on the caller's thread in a stable order (input order,
 * then byte order), whatever the number of threads.
 */
#ifndef KIZASHI_EVIDENCE_H
#define KIZASHI_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "kizashi/core.h"
#include "kizashi/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the lines of one log file are read. */
typedef enum kz_logfmt {
    KZ_LOG_TEXT = 0,    /* syslog, proxy logs, anything else */
    KZ_LOG_JSON = 1,    /* JSON lines: Zeek JSON, EVE, ECS, Sysmon JSON */
    KZ_LOG_ZEEK_TSV = 2 /* Zeek's tab-separated logs with #fields */
} kz_logfmt;
/* "text", "json", "zeek-tsv". */
const char *kz_logfmt_name(kz_logfmt f);

/* A certificate of a PE file's Authenticode signature. */
typedef struct kz_pe_cert {
    char subject[256]; /* RFC 2253 ("CN=...,O=...,C=US"), escaped by the
                          sinks for where it goes */
    char issuer[256];
    char serial[80];              /* hex */
    uint8_t sha1[20], sha256[32]; /* thumbprints (of the DER) */
    kz_time not_before, not_after;
} kz_pe_cert;

/* What a signature check says. */
typedef enum kz_sig_status {
    KZ_SIG_NONE = 0,     /* not signed */
    KZ_SIG_VALID = 1,    /* the signed authentihash is the file's and the
                            signer's signature over it verifies (the chain
                            is not checked against trusted roots) */
    KZ_SIG_TAMPERED = 2, /* the file changed after signing: the signed
                            authentihash is not the file's */
    KZ_SIG_BAD = 3       /* malformed, or the signature does not verify */
} kz_sig_status;
/* "unsigned", "valid", "tampered", "bad". */
const char *kz_sig_status_name(kz_sig_status s);

/* What the PE parser and the Authenticode check found (file.pe.*,
 * file.code_signature.*, file.x509.* in ECS). */
typedef struct kz_pe_facts {
    uint16_t machine;         /* IMAGE_FILE_MACHINE_* */
    uint16_t subsystem;       /* 1: native (drivers), 2: GUI, 3: console */
    uint16_t characteristics; /* IMAGE_FILE_* */
    int pe32plus;             /* 64-bit optional header */
    int is_dll, is_driver;    /* driver: native subsystem */
    kz_time compiled;         /* the header's TimeDateStamp */
    kz_sig_status sig;
    char sig_error[160]; /* why bad or tampered, when it is */
    int whcp;            /* signed by "Microsoft Windows Hardware Compatibility
                            Publisher" (or a certificate with the WHQL usage): the
                            Windows Hardware Compatibility Program, as Netfilter was */
    char digest_alg[8];  /* of the signed authentihash: "sha1", "sha256" */
    uint8_t signed_digest[64];
    size_t signed_digest_len;
    kz_typeset authentihash; /* computed: bits of KZ_T_MD5, SHA1, SHA256 */
    uint8_t ah_md5[16], ah_sha1[20], ah_sha256[32];
    kz_time signing_time; /* 0: unknown (from the signed or countersigned
                             attributes) */
    kz_pe_cert signer;
    kz_pe_cert chain[8]; /* every certificate of the signature */
    unsigned nchain;
    int chain_checked;     /* the chain was verified against --pe-roots */
    int chain_trusted;     /* ... and leads to one of them */
    char chain_error[128]; /* why not, when it does not */
} kz_pe_facts;

/* What a file sweep knows of a file (kz_log_hit.file). */
typedef struct kz_file_info {
    uint64_t size;
    kz_time mtime, ctime, atime; /* seconds since the epoch (ctime: the
                                    inode's change time) */
    uint64_t inode;
    uint32_t mode; /* st_mode */
    uint32_t uid, gid;
    kz_typeset digests; /* which of KZ_T_MD5, SHA1, SHA256, SHA512 were
                           computed (only those the index holds) */
    uint8_t md5[16], sha1[20], sha256[32], sha512[64];
    const kz_pe_facts *pe; /* a PE file's facts, when it was parsed (it
                              had a hit, or the index holds authentihashes
                              or certificate thumbprints); else NULL */
    const char *member;    /* an archive member: its names from the outer file
                              (kz_log_hit.input) down, joined by '!'
                              ("inner.zip!docs/a.exe"); NULL for a file */
} kz_file_info;

/* One hit: an observable of a log line, or a file (its digest, name or
 * path), that matched an indicator. Every pointer is borrowed for the
 * duration of the callback. */
typedef struct kz_log_hit {
    const char *input;       /* the path as walked ("-" for standard input) */
    const char *compression; /* "gzip", "bzip2", "xz", "zstd" or NULL */
    kz_logfmt format;
    uint64_t line;         /* 1-based line number in the (decompressed) input */
    uint64_t offset;       /* byte offset of the line's start */
    uint32_t column;       /* byte offset of the observable in the line */
    const char *line_text; /* the whole line, not NUL-terminated */
    size_t line_len;       /* (at most KZ_MAX_HIT_LINE bytes of it) */
    kz_type obs_type;      /* what the observable is: ipv4, ipv6, domain, url,
                              email, md5/sha1/sha256/sha512, filename */
    const char *observed;  /* as written in the log (a URL rebuilt from
                              fields: the rebuilt URL) */
    size_t observed_len;
    const char *field;     /* JSON path or Zeek column ("dns.rrname",
                              "id.resp_h", "http.hostname+http.url"), or NULL
                              for text */
    const char *ecs_field; /* its Elastic Common Schema name
                              ("dns.question.name", "destination.ip"), or
                              NULL when none fits */
    const char *dataset;   /* "zeek.dns", "suricata.eve", "syslog", NULL */
    kz_time time;          /* the event's time; 0 unknown */
    kz_match_kind how;
    kz_index_entry ind;       /* the indicator */
    const kz_file_info *file; /* a file's hit: its facts (then line is 0,
                                 line_text NULL, field the ECS field of the
                                 observable: "file.hash.sha256",
                                 "file.name", "file.path"; time its mtime);
                                 NULL for a log line's hit */
    const struct kz_verdict *verdict; /* the judge's verdict (kizashi/judge.h),
                                         set by the caller before writing the
                                         hit; NULL: not judged */
} kz_log_hit;

/* Receives each hit, on the thread that called kz_hunt_run, in stable
 * order; return nonzero to stop the sweep (kz_hunt_run returns
 * KZ_ERR_ABORTED). */
typedef int (*kz_hunt_hit_fn)(void *ud, const kz_log_hit *h);

/* Why an input was not swept, or not to its end. */
typedef enum kz_skip_reason {
    KZ_SKIP_BINARY = 0,     /* looks binary (NUL bytes, a binary magic) */
    KZ_SKIP_UNREADABLE = 1, /* could not be opened or read */
    KZ_SKIP_CORRUPT = 2,    /* a compressed stream broke off (hits before
                               the damage are kept) */
    KZ_SKIP_SPECIAL = 3,    /* FIFO, socket, device: never opened */
    KZ_SKIP_TOO_LARGE = 4,  /* larger than --max-size: not read */
    KZ_SKIP_ENCRYPTED = 5,  /* an archive member no password opens */
    KZ_SKIP_LIMIT = 6,      /* an archive past a limit (bytes, ratio,
                               members): a decompression bomb, or too big */
    KZ_SKIP_COUNT_ = 7
} kz_skip_reason;
const char *kz_skip_reason_name(kz_skip_reason r);

/* Receives each skipped input (on the caller's thread, in order). msg
 * names the input and, for damage, the position. */
typedef void (*kz_hunt_skip_fn)(void *ud, const char *input, kz_skip_reason why,
                                const char *msg);

/* Progress, called on the caller's thread about every 100 ms while a
 * sweep runs and once at the end (done = 1): bytes read of the bytes to
 * read, and files checked of the files to check (0 of 0 with logs only).
 */
typedef void (*kz_hunt_progress_fn)(void *ud, uint64_t bytes_done,
                                    uint64_t bytes_total, uint64_t files_done,
                                    uint64_t files_total, int done);

typedef struct kz_hunt_stats {
    uint64_t inputs; /* files (and stdin) swept */
    uint64_t bytes;  /* bytes swept (decompressed) */
    uint64_t lines;
    uint64_t hits;      /* hits delivered */
    uint64_t hit_lines; /* lines with at least one hit */
    uint64_t skipped[KZ_SKIP_COUNT_];
    uint64_t long_lines;       /* lines longer than KZ_MAX_HIT_LINE: swept, but
                                  their context is not parsed */
    uint64_t bad_json;         /* hit lines of a JSON log that were not JSON */
    uint64_t dropped_hits;     /* hits past KZ_MAX_HITS_PER_CHUNK in one block
                                  of lines (or when memory ran out): counted,
                                  not delivered */
    uint64_t files;            /* files checked by name, path and digest */
    int file_checks;           /* the index holds indicators a file can match
                                  (digests, names, paths, authentihashes,
                                  certificates): files were checked */
    uint64_t archives;         /* files opened as archives */
    uint64_t members;          /* archive members read (all levels) */
    uint64_t file_bytes;       /* bytes read to compute their digests */
    uint64_t file_hits;        /* hits on files (also counted in hits) */
    uint64_t excluded;         /* files and directories left out by --exclude
                                  or --one-file-system */
    uint64_t path_indicators;  /* path and glob indicators matched on files */
    uint64_t paths_unplaced;   /* path indicators with no place on a volume
                                  (an unknown %VARIABLE%, a UNC share, "..")
                                  and so never matched */
    uint64_t texts_not_hashed; /* KZ_SWEEP_AUTO: text or compressed files
                                  over 8 MiB, taken for logs: read as logs,
                                  names and paths checked, not hashed */
    uint64_t binary_files;     /* binary files checked as files only, not read
                                  as logs (KZ_SWEEP_AUTO; in KZ_SWEEP_LOGS they
                                  are skipped as KZ_SKIP_BINARY) */
} kz_hunt_stats;

/* What is swept: KZ_SWEEP_AUTO checks every regular file as a file (its
 * name and path, and its digests when the index holds digests) and also
 * reads the ones that look like text (or are compressed) as logs (those
 * over 8 MiB are taken for logs and not hashed);
 * KZ_SWEEP_FILES only checks files, KZ_SWEEP_LOGS only reads logs
 * (binary files are skipped). */
typedef enum kz_sweep_mode {
    KZ_SWEEP_AUTO = 0,
    KZ_SWEEP_FILES = 1,
    KZ_SWEEP_LOGS = 2
} kz_sweep_mode;

#define KZ_HUNT_OPTS_VERSION 2
typedef struct kz_hunt_opts {
    unsigned version; /* KZ_HUNT_OPTS_VERSION */
    unsigned threads; /* 0: one per online CPU */
    int follow_symlinks;
    kz_hunt_hit_fn on_hit;
    kz_hunt_skip_fn on_skip;         /* nullable */
    kz_hunt_progress_fn on_progress; /* nullable */
    void *ud;
    int verify_index; /* check the index's checksums (kz_index_verify) on
                         a thread of its own while the sweep starts; no
                         hit is delivered before it passed, and a damaged
                         index fails the run with KZ_ERR_CORRUPT */
    /* version 2 */
    kz_sweep_mode mode;
    int one_file_system;        /* do not descend into other file systems */
    const char *const *exclude; /* glob patterns (fnmatch); a pattern with
                                   a '/' is matched against the whole path,
                                   one without against each name */
    size_t nexclude;
    uint64_t max_size;      /* files larger than this are not read (0: no limit)
                             */
    unsigned archive_depth; /* archive levels opened (zip, 7z, rar, tar,
                               iso, cab, gzip, ...); 0: none; at most 8 */
    uint64_t archive_max_bytes; /* bytes expanded per file (0: 4 GiB) */
    const char *const *archive_passwords; /* tried on encrypted members */
    size_t narchive_passwords;
    const char *const *yara_paths; /* YARA rule files or folders (their .yar
                                      and .yara files), run on every file
                                      and archive member; a rule that does
                                      not compile fails kz_hunt_new */
    size_t nyara;
    const char *pe_roots; /* a PEM file of trusted root certificates: PE
                             signers' chains are verified against them
                             (at the signing time when known); NULL: chains
                             are reported, not verified */
} kz_hunt_opts;

typedef struct kz_hunt kz_hunt;

kz_status kz_hunt_new(kz_ctx *ctx, const kz_index *ix, const kz_hunt_opts *o,
                      kz_hunt **out);
/* Adds a file, a directory (walked recursively in name order), or "-"
 * (standard input). A path that does not exist is KZ_ERR_IO with a message;
 * the caller decides whether the sweep goes on. */
kz_status kz_hunt_add(kz_hunt *h, const char *path);
/* Sweeps everything added, delivering hits and skips through the
 * callbacks. */
kz_status kz_hunt_run(kz_hunt *h, kz_hunt_stats *stats);
void kz_hunt_free(kz_hunt *h);

#ifdef __cplusplus
}
#endif
#endif /* KIZASHI_EVIDENCE_H */
