/* lib/scenario/scn_impl.h: what the scenario files share: the schema tables,
 * the unit parsers, the checker and the loader's internal entry point.
 * SPDX-License-Identifier: MIT
 *
 * Only yaml.c includes <yaml.h>. The schema is data (index-based tables of
 * char arrays, no pointers), so it lives in read-only memory.
 */
#ifndef AIA_SCN_IMPL_H
#define AIA_SCN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aiasim/scenario.h"

/* ------------------------------------------------------------- schema -- */

/* How the value of a key is read. */
enum aia__ft {
  AIA__FT_VERSION, /* aiasim: must be 1; stores nothing */
  AIA__FT_TEXT,    /* char[AIA_SCN_NAME_MAX], any non-empty text */
  AIA__FT_NAME,    /* char[AIA_SCN_NAME_MAX], an identifier */
  AIA__FT_U32,     /* uint32_t */
  AIA__FT_U64,     /* uint64_t; off2 != 0: bool "has" flag at off2 */
  AIA__FT_CLOCK,   /* uint64_t Hz */
  AIA__FT_DUR,     /* aia_cycle, duration >= 0 */
  AIA__FT_SDUR,    /* int64_t, signed duration */
  AIA__FT_TIME,    /* aia_cycle timing[sub]: a duration that two keys may set */
  AIA__FT_JIT,     /* aia_jitter at off: kind = sub, amount = a duration */
  AIA__FT_RATE,    /* aia_cycle mean period, from events per second */
  AIA__FT_ENUM,    /* int-sized enum, words of set `sub` */
  AIA__FT_TARGET,  /* bool: round_robin (false) | random (true) */
  AIA__FT_POLICY,  /* aia_policy[3] at off, count at off2 */
  AIA__FT_FAULTS,  /* uint32_t bit set of AIA_FAULT_* */
  AIA__FT_LIST,    /* uint32_t *at off, count at off2; flag ALL: "all" = NULL/0 */
  AIA__FT_RANGES,  /* aia_scn_range *at off, count at off2 */
  AIA__FT_VMREF,   /* uint32_t index of the VM named by the value */
  AIA__FT_PATH,    /* char[128]: a dotted path (sweep.set) */
  AIA__FT_VALUES,  /* char **at off, count at off2: a list of scalars */
  AIA__FT_MAP,     /* a mapping read with table `sub`, object at off */
  AIA__FT_SEQ,     /* a list of mappings read with table `sub`: array at off, count at off2 */
  AIA__FT_FEATURES, /* uint64_t scheduler features: names, NO_NAME turns one off */
  AIA__FT_LLC,     /* uint32_t *at off (group per hart), count at off2: a list of lists */
  AIA__FT_NICE,    /* int32_t -20..19 */
  AIA__FT_COUNT    /* expected count: N or { min, max }; exact value at off, bounds
                      (two uint64_t) at off2, bool "has" flag at off - aux */
};

#define AIA__F_REQ 0x1u /* required */
#define AIA__F_ALL 0x2u /* lists: "all" allowed (stored as NULL/0) */
#define AIA__F_NOSTORE 0x4u /* checked, not stored (sweep.offset.relative_to) */

typedef struct aia__field {
  char key[20];
  uint8_t type;  /* enum aia__ft */
  uint8_t sub;   /* table (MAP, SEQ), word set (ENUM), timing field (TIME), jitter kind (JIT) */
  uint8_t flags; /* AIA__F_* */
  uint8_t aux;   /* COUNT: distance back from off to its "has" flag */
  uint16_t off;  /* offset of the value in the object the table describes */
  uint16_t off2; /* offset of a count or a "has" flag; 0 = none */
} aia__field;

/* Tables: one per kind of mapping. */
enum aia__tb {
  AIA__TB_ROOT, AIA__TB_PLATFORM, AIA__TB_TIMING, AIA__TB_JITTERS, AIA__TB_JSPEC,
  AIA__TB_HOST, AIA__TB_NOISE, AIA__TB_VM, AIA__TB_GUEST, AIA__TB_DUTY, AIA__TB_PERIOD,
  AIA__TB_DEVICE, AIA__TB_BURST, AIA__TB_AT, AIA__TB_SWEEP, AIA__TB_OFFSET, AIA__TB_EXPECT,
  AIA__TB_BOUND, AIA__TB_CBOUND, AIA__TB_FORCE, AIA__TB_AFTER, AIA__TB_FPREEMPT,
  AIA__TB_FMIGRATE, AIA__TB_FMSI, AIA__TB_WIRED, AIA__TB_COUNT_
};

typedef struct aia__table {
  char name[16];      /* for messages: "platform", "guest", ... */
  uint16_t first;     /* index of its first field */
  uint16_t count;     /* number of fields */
  uint16_t item_size; /* SEQ tables: size of one item */
} aia__table;

/* Word sets of the enumerated keys. A word's index is its C value. */
enum aia__ws {
  AIA__WS_KERNEL, AIA__WS_MODE, AIA__WS_BEHAVIOUR, AIA__WS_PATH, AIA__WS_PATTERN,
  AIA__WS_TARGET, AIA__WS_RELATIVE, AIA__WS_POLICY, AIA__WS_FAULT, AIA__WS_SCHED,
  AIA__WS_FEATURE, AIA__WS_FEVENT, AIA__WS_TRIGGER, AIA__WS_COUNT_
};

const aia__table *aia__scn_table(unsigned tb);
const aia__field *aia__scn_field(unsigned tb, unsigned i);
/* Index of `key` (len bytes) in table tb, or -1. */
int aia__scn_find_key(unsigned tb, const char *key, size_t len);
/* The closest key of table tb to `key` (a typo), or NULL when none is close. */
const char *aia__scn_suggest_key(unsigned tb, const char *key, size_t len);
/* Where an exact key lives if not in tb ("platform", "host", ...), or NULL. */
const char *aia__scn_key_home(unsigned tb, const char *key, size_t len);

int aia__scn_word(unsigned set, const char *s, size_t len); /* index or -1 */
const char *aia__scn_word_name(unsigned set, unsigned i);  /* NULL if out of range */
unsigned aia__scn_word_count(unsigned set);
/* "A, B, C" into buf. */
void aia__scn_word_list(unsigned set, char *buf, size_t len);
/* The closest word of the set, or NULL. */
const char *aia__scn_suggest_word(unsigned set, const char *s, size_t len);

/* Edit distance (optimal string alignment), capped at cap + 1. */
unsigned aia__scn_distance(const char *a, size_t alen, const char *b, size_t blen, unsigned cap);
/* True when `got` is close enough to `want` to suggest it. */
bool aia__scn_is_close(const char *got, size_t glen, const char *want);

/* -------------------------------------------------------------- units -- */

/* Results of the parsers. */
enum aia__pr {
  AIA__PR_OK = 0,
  AIA__PR_SYNTAX,   /* not of the expected form */
  AIA__PR_NEGATIVE, /* negative where it may not be */
  AIA__PR_BIG,      /* does not fit (or longer than AIA__MAX_CYCLES) */
  AIA__PR_SUBCYCLE, /* a non-zero duration that is less than half a cycle */
  AIA__PR_NOUNIT,   /* a rate written as a bare number */
  AIA__PR_ZERO,     /* a rate of 0 */
  AIA__PR_FAST,     /* a rate above one per cycle */
  AIA__PR_SLOW      /* a rate whose period does not fit */
};

/* The longest duration accepted, in cycles (2^62: no sum of two overflows). */
#define AIA__MAX_CYCLES (UINT64_C(1) << 62)
/* The highest clock accepted (1 THz). */
#define AIA__MAX_CLOCK_HZ UINT64_C(1000000000000)

/* Unsigned integer: decimal (digits, '_' between digits) or 0x hex. A leading
 * '-' followed by a number gives AIA__PR_NEGATIVE. */
int aia__scn_parse_uint(const char *s, size_t n, uint64_t *out);
/* Duration: an integer (cycles) or a decimal number with ns, us, µs, ms or
 * s, converted at clock_hz and rounded to the nearest cycle. With `sign`, a
 * leading '-' is allowed. */
int aia__scn_parse_duration(const char *s, size_t n, uint64_t clock_hz, bool sign, int64_t *neg,
                            uint64_t *out);
/* Rate: "20000/s", "20k/s", "1.5M/s", "50/ms", "2/us", "10kHz" -> mean
 * period in cycles at clock_hz (rounded to the nearest cycle). */
int aia__scn_parse_rate(const char *s, size_t n, uint64_t clock_hz, uint64_t *period);
/* Frequency: an integer (Hz) or a number with Hz, kHz, MHz or GHz. */
int aia__scn_parse_clock(const char *s, size_t n, uint64_t *hz);

/* Cycles in `ns` nanoseconds at clock_hz, rounded to the nearest cycle. */
uint64_t aia__scn_ns(uint64_t clock_hz, uint64_t ns);

/* A name usable in a dotted path: [A-Za-z_][A-Za-z0-9_-]*, 1..63 bytes. */
bool aia__scn_is_name(const char *s, size_t n);
/* Drops spaces and tabs at both ends of s[0..n). */
void aia__scn_trim(const char **s, size_t *n);
/* A list index: 1 to 9 decimal digits and nothing else; false otherwise. */
bool aia__scn_digits(const char *s, size_t n, uint32_t *v);

/* ----------------------------------------------------------- checking -- */

/* Receives one problem: `path` is dotted with numeric list indices
 * ("vms.0.affinity"), optionally ending in ".@N": the list item holding the
 * value N. */
typedef void (*aia__scn_report_fn)(void *user, const char *path, const char *msg);

/* Every semantic check of a scenario (ranges and cross-references). Returns
 * the number of problems reported. */
uint32_t aia__scn_check(const aia_scenario *scn, aia__scn_report_fn fn, void *user);

/* Resolves a sweep path against the schema and the scenario's VMs and
 * devices. 0 if it names a key that takes a single value, else -1 with the
 * reason in why. */
int aia__scn_resolve(const aia_scenario *scn, const char *path, char *why, size_t len);

/* Default values of a new VM / device / noise thread of scn (index i). The
 * VM's enable list is allocated (1..ids). AIA_OK or AIA_ENOMEM. */
int aia__scn_vm_defaults(const aia_scenario *scn, aia_scn_vm *vm, uint32_t i);
void aia__scn_device_defaults(const aia_scenario *scn, aia_scn_device *d, uint32_t i);
void aia__scn_noise_defaults(const aia_scenario *scn, aia_scn_noise *nz);
/* The scheduler durations of scn at its clock_hz. */
void aia__scn_host_defaults(aia_scenario *scn);
/* Scenario defaults (timing from the model). */
void aia__scn_defaults(aia_scenario *scn);
/* Frees what a VM / device / noise entry owns (not the entry). */
void aia__scn_vm_free(aia_scn_vm *vm);
void aia__scn_device_free(aia_scn_device *d);
void aia__scn_sweep_free(aia_scn_sweep *s);

/* Default name of the i-th VM ("vm0") or device ("dev0"). */
void aia__scn_default_name(char *buf, size_t len, bool device, uint32_t i);

/* ------------------------------------------------------------- loader -- */

#define AIA__LOAD_NO_SWEEP_CHECK 0x1u /* do not check each sweep value (points) */

int aia__scn_load(const char *name, const char *text, size_t len, const aia_override *ov,
                  size_t nov, unsigned flags, aia_scenario **out, aia_diag *diags, size_t ndiag,
                  size_t *nfound);

#endif /* AIA_SCN_IMPL_H */
