/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ceilings of the STIX 2.x reader (read_stix.c). The first pass keeps a
 * small table of what relationships and reports need (ids, names, links);
 * these limits bound it whatever the bundle's size.
 */
#ifndef KIZASHI_STIX_INT_H
#define KIZASHI_STIX_INT_H

#include "intel/stix_pattern.h"

/* Distinct STIX ids remembered (threats, identities, markings, reports,
 * observed-data and every id a relationship or report points to). The
 * largest public bundles (MITRE ATT&CK, big OpenCTI exports) hold a few
 * hundred thousand objects; ~100 bytes each, so at most ~200 MB. */
#define KZ_STIX_MAX_IDS (1u << 21)
/* Links remembered: one per "indicates"/"related-to" relationship, per
 * report object_ref and per observed-data object_ref (16 bytes each). */
#define KZ_STIX_MAX_LINKS (1u << 22)
/* Bytes of ids and names kept by the first pass. */
#define KZ_STIX_MAX_POOL (256u * 1024u * 1024u)
/* Tags, threat names or aliases on one record: real objects carry a few
 * dozen; more are reported as unsupported, never silently dropped. */
#define KZ_STIX_MAX_LIST 1024u

#endif /* KIZASHI_STIX_INT_H */
