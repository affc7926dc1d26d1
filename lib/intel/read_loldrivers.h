/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private limits of the LOLDrivers reader (read_loldrivers.c), shared with
 * its tests. One entry (a YAML document, a JSON array element, a CSV row) is
 * held in memory at a time; these ceilings bound that entry, so memory stays
 * bounded whatever the size of drivers.json.
 */
#ifndef KIZASHI_INTEL_READ_LOLDRIVERS_H
#define KIZASHI_INTEL_READ_LOLDRIVERS_H

/* Input bytes of one entry. The largest entries of drivers.json (a driver
 * with a hundred samples, each with its import list and certificate chain)
 * are around 1 MiB; sixteen times that is still a small allocation. */
#define KZ_LD_MAX_ENTRY_BYTES (16u * 1024u * 1024u)
/* Nodes (mappings, sequences, scalars) of one YAML entry: a sample has a
 * few hundred (imported functions, sections, certificates); 256 Ki nodes
 * allow a thousand samples, and cap jansson's memory near 30 MB. */
#define KZ_LD_MAX_NODES (256u * 1024u)
/* Nesting of one YAML entry: real entries nest six levels deep
 * (entry > samples > signatures > certificates > TBS > digest). */
#define KZ_LD_MAX_DEPTH 32
/* Tags handed with each indicator (category, Tags, MitreID, CVE,
 * verified); the rest are dropped with a warning. */
#define KZ_LD_MAX_TAGS 64
/* Bytes of an indicator's comment (use case, company, product, signers)
 * and of an advisory's summary; longer text is cut with "...". */
#define KZ_LD_MAX_COMMENT 4096
#define KZ_LD_MAX_SUMMARY (64u * 1024u)
/* The first line is read ahead to tell YAML, JSON and CSV apart. */
#define KZ_LD_MAX_HEAD (64u * 1024u)

#endif /* KIZASHI_INTEL_READ_LOLDRIVERS_H */
