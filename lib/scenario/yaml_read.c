/* lib/scenario/yaml_read.c: the readers of scalar values and lists of a
 * scenario's YAML tree (numbers, durations, rates, clocks, names, enums,
 * policy and fault words, number ranges, the scheduler's features and LLC
 * groups, VM references, sweep paths and values), each writing the field
 * of the schema table (schema.c) it is called for.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiasim/host.h"
#include "scenario/yaml_impl.h"

#define MAX_LIST 1000000u         /* entries of one list after expanding ranges */
#define MAX_RANGE 65536u          /* numbers in one "a-b" range of a list */

void *aia__y_at(void *obj, uint16_t off)
{
  return (char *)obj + off;
}

void aia__y_put_cycles(void *obj, uint16_t off, uint64_t v)
{
  memcpy(aia__y_at(obj, off), &v, sizeof v);
}

static void dur_error(walk *w, const aia__field *f, int id, int rc, const char *s, size_t n)
{
  char q[64];
  aia__y_quote(s, n, q, sizeof q);
  switch (rc) {
  case AIA__PR_NEGATIVE:
    aia__y_err(w, id, "%s: %s must not be negative", f->key, q);
    break;
  case AIA__PR_BIG:
    aia__y_err(w, id, "%s: %s is too long (more than 2^62 cycles)", f->key, q);
    break;
  case AIA__PR_SUBCYCLE:
    aia__y_err(w, id, "%s: %s is shorter than one cycle at clock_hz %" PRIu64, f->key, q, w->clock);
    break;
  default:
    aia__y_err(w, id, "%s: %s is not a duration (use cycles or a number with ns, us, ms or s)",
               f->key, q);
    break;
  }
}

bool aia__y_read_uint(walk *w, const aia__field *f, int id, uint64_t max, uint64_t *v)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  char q[64];
  int rc;
  if (s == NULL)
    return false;
  rc = aia__scn_parse_uint(s, n, v);
  aia__y_quote(s, n, q, sizeof q);
  if (rc == AIA__PR_NEGATIVE) {
    aia__y_err(w, id, "%s: %s must not be negative", f->key, q);
    return false;
  }
  if (rc == AIA__PR_BIG || (rc == AIA__PR_OK && *v > max)) {
    aia__y_err(w, id, "%s: %s is too large", f->key, q);
    return false;
  }
  if (rc != AIA__PR_OK) {
    aia__y_err(w, id, "%s: %s is not an integer", f->key, q);
    return false;
  }
  return true;
}

bool aia__y_read_dur(walk *w, const aia__field *f, int id, bool sign, int64_t *sv, uint64_t *v)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  int rc;
  if (s == NULL)
    return false;
  rc = aia__scn_parse_duration(s, n, w->clock, sign, sv, v);
  if (rc != AIA__PR_OK) {
    dur_error(w, f, id, rc, s, n);
    return false;
  }
  return true;
}

void aia__y_read_version(walk *w, const aia__field *f, int id)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  uint64_t v;
  char q[64];
  if (s == NULL)
    return;
  if (aia__scn_parse_uint(s, n, &v) != AIA__PR_OK)
    aia__y_err(w, id, "aiasim: %s is not a schema version (this aiasim reads version 1)",
        aia__y_quote(s, n, q, sizeof q));
  else if (v != 1)
    aia__y_err(w, id, "aiasim: version %" PRIu64 " is not supported (this aiasim reads version 1)",
               v);
}

void aia__y_read_text(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  if (s == NULL)
    return;
  if (n == 0) {
    aia__y_err(w, id, "%s: must not be empty", f->key);
    return;
  }
  if (n >= AIA_SCN_NAME_MAX) {
    aia__y_err(w, id, "%s: is %zu bytes long (at most %d)", f->key, n, AIA_SCN_NAME_MAX - 1);
    return;
  }
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
      aia__y_err(w, id, "%s: must be a single line of printable text", f->key);
      return;
    }
  memcpy(aia__y_at(obj, f->off), s, n);
  ((char *)aia__y_at(obj, f->off))[n] = '\0';
}

void aia__y_read_name(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  char q[64];
  if (s == NULL)
    return;
  if (!aia__scn_is_name(s, n)) {
    aia__y_err(w, id, "%s: %s is not a valid name (letters, digits, '_' and '-', starting with a "
        "letter or '_')", f->key, aia__y_quote(s, n, q, sizeof q));
    return;
  }
  memcpy(aia__y_at(obj, f->off), s, n);
  ((char *)aia__y_at(obj, f->off))[n] = '\0';
}

void aia__y_read_clock(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  uint64_t hz;
  char q[64];
  int rc;
  if (s == NULL)
    return;
  rc = aia__scn_parse_clock(s, n, &hz);
  aia__y_quote(s, n, q, sizeof q);
  if (rc == AIA__PR_NEGATIVE) {
    aia__y_err(w, id, "clock_hz: %s must not be negative", q);
  } else if (rc == AIA__PR_BIG) {
    aia__y_err(w, id, "clock_hz: %s is too large", q);
  } else if (rc != AIA__PR_OK) {
    aia__y_err(w, id,
               "clock_hz: %s is not a frequency (use Hz, or a number with Hz, kHz, MHz or GHz)", q);
  } else {
    memcpy(aia__y_at(obj, f->off), &hz, sizeof hz);
    w->raw_clock = hz;
    w->have_clock = true;
    if (hz >= 1 && hz <= AIA__MAX_CLOCK_HZ) /* else checked later; convert at 1 GHz */
      w->clock = hz;
    w->scn->drain = aia__scn_ns(w->clock, 1000000u);
    aia__scn_host_defaults(w->scn);
  }
}

void aia__y_read_time(walk *w, const aia__field *f, int id, void *obj)
{
  uint64_t v;
  if (w->tnode[f->sub] != 0) {
    const char *name = aia_timing_field_name((aia_timing_field)f->sub);
    aia__y_err(w, aia__y_later(w, w->tnode[f->sub], id),
               "%s: given both as host.%s and timing.%s; keep one", name, name, name);
    return;
  }
  w->tnode[f->sub] = id;
  if (aia__y_read_dur(w, f, id, false, NULL, &v))
    aia__y_put_cycles(obj, f->off, v);
}

void aia__y_read_rate(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  uint64_t period;
  char q[64];
  int rc;
  if (s == NULL)
    return;
  rc = aia__scn_parse_rate(s, n, w->clock, &period);
  aia__y_quote(s, n, q, sizeof q);
  switch (rc) {
  case AIA__PR_OK:
    aia__y_put_cycles(obj, f->off, period);
    break;
  case AIA__PR_NOUNIT:
    aia__y_err(w, id, "%s: %s has no unit (write %.*s/s for events per second)", f->key, q,
        (int)(n < 30 ? n : 30), s);
    break;
  case AIA__PR_NEGATIVE:
    aia__y_err(w, id, "%s: %s must not be negative", f->key, q);
    break;
  case AIA__PR_ZERO:
    aia__y_err(w, id, "%s: must be more than 0", f->key);
    break;
  case AIA__PR_FAST:
    aia__y_err(w, id, "%s: %s is more than one per cycle at clock_hz %" PRIu64, f->key, q,
               w->clock);
    break;
  case AIA__PR_SLOW:
    aia__y_err(w, id, "%s: %s is too low (the mean period is more than 2^62 cycles)", f->key, q);
    break;
  case AIA__PR_BIG:
    aia__y_err(w, id, "%s: %s has too many digits", f->key, q);
    break;
  default:
    aia__y_err(w, id, "%s: %s is not a rate (use events per second, e.g. 20000/s, 20k/s or 1M/s)",
        f->key, q);
    break;
  }
}

/* A word of set `set` in s, or -1 with the problem reported at id. */
static int read_word(walk *w, const aia__field *f, int id, unsigned set, const char *s, size_t n)
{
  int k = aia__scn_word(set, s, n);
  char q[64], list[400];
  const char *hint;
  if (k >= 0)
    return k;
  aia__scn_word_list(set, list, sizeof list);
  hint = aia__scn_suggest_word(set, s, n);
  if (hint != NULL) {
    /* The hint goes first when the list would push it past the end of a
     * diagnostic (aia_diag.message). */
    char msg[600];
    int len = snprintf(msg, sizeof msg, "%s: %s is not one of %s (did you mean '%s'?)", f->key,
                       aia__y_quote(s, n, q, sizeof q), list, hint);
    if (len >= (int)sizeof(((aia_diag *)0)->message))
      snprintf(msg, sizeof msg, "%s: %s: did you mean '%s'? (one of %s)", f->key, q, hint, list);
    aia__y_err(w, id, "%s", msg);
  } else
    aia__y_err(w, id, "%s: %s is not one of %s", f->key, aia__y_quote(s, n, q, sizeof q), list);
  return -1;
}

void aia__y_read_enum(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  int k;
  if (s == NULL)
    return;
  k = read_word(w, f, id, f->sub, s, n);
  if (k < 0)
    return;
  if (f->type == AIA__FT_TARGET) {
    bool b = k == 1;
    memcpy(aia__y_at(obj, f->off), &b, sizeof b);
  } else if (!(f->flags & AIA__F_NOSTORE)) {
    memcpy(aia__y_at(obj, f->off), &k, sizeof k);
  }
}

/* Calls fn for each comma-separated entry of a scalar or of each item of a
 * list. Returns false if a problem was reported. `empty` is set for a list
 * with no item. */
typedef bool (*entry_fn)(walk *w, const aia__field *f, int id, const char *s, size_t n,
                         void *acc);

static bool each_entry(walk *w, const aia__field *f, int id, entry_fn fn, void *acc, bool *empty)
{
  const yaml_node_t *n = node(w, id);
  char q[64];
  bool ok = true;
  *empty = false;
  if (n == NULL || is_null(n)) {
    aia__y_err(w, id, "%s: missing value", f->key);
    return false;
  }
  if (n->type == YAML_MAPPING_NODE) {
    aia__y_err(w, id, "%s: expected a value or a list, found a mapping", f->key);
    return false;
  }
  if (n->type == YAML_SEQUENCE_NODE) {
    yaml_node_item_t *it = n->data.sequence.items.start;
    size_t cnt = (size_t)(n->data.sequence.items.top - it);
    *empty = cnt == 0;
    for (size_t i = 0; i < cnt && !w->oom; i++) {
      int iid = n->data.sequence.items.start[i];
      const yaml_node_t *in = node(w, iid);
      if (in == NULL || in->type != YAML_SCALAR_NODE || is_null(in)) {
        aia__y_err(w, iid, "%s: each entry must be a single value, found %s", f->key,
            aia__y_what(in, q, sizeof q));
        ok = false;
        continue;
      }
      const char *s = (const char *)in->data.scalar.value;
      size_t len = in->data.scalar.length, p = 0;
      while (p <= len) {
        size_t e = p;
        while (e < len && s[e] != ',')
          e++;
        if (!fn(w, f, iid, s + p, e - p, acc))
          ok = false;
        p = e + 1;
      }
    }
    return ok;
  }
  const char *s = (const char *)n->data.scalar.value;
  size_t len = n->data.scalar.length, p = 0;
  while (p <= len && !w->oom) {
    size_t e = p;
    while (e < len && s[e] != ',')
      e++;
    if (!fn(w, f, id, s + p, e - p, acc))
      ok = false;
    p = e + 1;
  }
  return ok;
}

/* ---- policy and faults */

typedef struct words_acc {
  unsigned set;
  uint32_t seen;   /* bit per word */
  uint32_t order[8];
  uint32_t n;
} words_acc;

static bool word_entry(walk *w, const aia__field *f, int id, const char *s, size_t n, void *p)
{
  words_acc *a = p;
  int k;
  aia__scn_trim(&s, &n);
  if (n == 0) {
    aia__y_err(w, id, "%s: an entry is empty", f->key);
    return false;
  }
  k = read_word(w, f, id, a->set, s, n);
  if (k < 0)
    return false;
  if (a->seen & (1u << k)) {
    aia__y_err(w, id, "%s: '%s' is listed twice", f->key, aia__scn_word_name(a->set, (unsigned)k));
    return false;
  }
  a->seen |= 1u << k;
  a->order[a->n++] = (uint32_t)k;
  return true;
}

void aia__y_read_words(walk *w, const aia__field *f, int id, void *obj)
{
  words_acc a;
  bool empty;
  memset(&a, 0, sizeof a);
  a.set = f->type == AIA__FT_POLICY ? AIA__WS_POLICY : AIA__WS_FAULT;
  if (!each_entry(w, f, id, word_entry, &a, &empty))
    return;
  if (f->type == AIA__FT_POLICY) {
    aia_policy *pol = aia__y_at(obj, f->off);
    for (uint32_t i = 0; i < a.n; i++)
      pol[i] = (aia_policy)a.order[i];
    memcpy(aia__y_at(obj, f->off2), &a.n, sizeof a.n);
  } else {
    memcpy(aia__y_at(obj, f->off), &a.seen, sizeof a.seen);
  }
}

/* ---- lists of numbers and ranges */

typedef struct ranges_acc {
  aia_scn_range *r;
  size_t n, cap;
  uint64_t total; /* numbers covered */
  bool full;      /* MAX_LIST reached and reported */
} ranges_acc;

static bool range_entry(walk *w, const aia__field *f, int id, const char *s, size_t n, void *p)
{
  ranges_acc *a = p;
  uint64_t lo, hi;
  size_t dash = 0;
  char q[64];
  int rc1, rc2;
  aia__scn_trim(&s, &n);
  if (n == 0) {
    aia__y_err(w, id, "%s: an entry is empty", f->key);
    return false;
  }
  for (size_t i = 1; i < n; i++)
    if (s[i] == '-') {
      dash = i;
      break;
    }
  if (dash != 0) {
    rc1 = aia__scn_parse_uint(s, dash, &lo);
    rc2 = aia__scn_parse_uint(s + dash + 1, n - dash - 1, &hi);
  } else {
    rc1 = rc2 = aia__scn_parse_uint(s, n, &lo);
    hi = lo;
  }
  aia__y_quote(s, n, q, sizeof q);
  if (rc1 == AIA__PR_NEGATIVE || (dash == 0 && rc2 == AIA__PR_NEGATIVE)) {
    aia__y_err(w, id, "%s: %s must not be negative", f->key, q);
    return false;
  }
  if (rc1 != AIA__PR_OK || rc2 != AIA__PR_OK) {
    if (rc1 == AIA__PR_BIG || rc2 == AIA__PR_BIG)
      aia__y_err(w, id, "%s: %s is too large", f->key, q);
    else
      aia__y_err(w, id, "%s: %s is not a number or a range of numbers (like 1-31)", f->key, q);
    return false;
  }
  if (lo > UINT32_MAX || hi > UINT32_MAX) {
    aia__y_err(w, id, "%s: %s is too large", f->key, q);
    return false;
  }
  if (lo > hi) {
    aia__y_err(w, id, "%s: range %s runs backwards", f->key, q);
    return false;
  }
  if (a->n == a->cap) {
    size_t nc = a->cap ? a->cap * 2 : 8;
    aia_scn_range *r;
    if (a->n >= MAX_LIST) {
      if (!a->full)
        aia__y_err(w, id, "%s: more than %u entries", f->key, MAX_LIST);
      a->full = true;
      return false;
    }
    r = realloc(a->r, nc * sizeof *r);
    if (r == NULL) {
      w->oom = true;
      return false;
    }
    a->r = r;
    a->cap = nc;
  }
  a->r[a->n].lo = (uint32_t)lo;
  a->r[a->n].hi = (uint32_t)hi;
  a->n++;
  a->total += hi - lo + 1;
  return true;
}

static bool is_word(const yaml_node_t *n, const char *wd)
{
  return n != NULL && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(wd) &&
         memcmp(n->data.scalar.value, wd, strlen(wd)) == 0;
}

void aia__y_read_ranges(walk *w, const aia__field *f, int id, void *obj)
{
  const yaml_node_t *n = node(w, id);
  ranges_acc a;
  bool empty;
  aia_scn_range **dst = aia__y_at(obj, f->off);
  uint32_t cnt;

  memset(&a, 0, sizeof a);
  if (is_word(n, "all")) {
    a.r = malloc(sizeof *a.r);
    if (a.r == NULL) {
      w->oom = true;
      return;
    }
    a.r[0].lo = 1;
    a.r[0].hi = w->scn->ids;
    a.n = 1;
  } else if (!each_entry(w, f, id, range_entry, &a, &empty)) {
    free(a.r);
    return;
  }
  if (a.n == 0) {
    /* 0 ranges means "1..ids" to the runner, so "none" cannot be said this
     * way; eidelivery: 0 is how a guest turns delivery off */
    aia__y_err(w, id, "%s: the list is empty (to turn delivery off, write eidelivery: 0)", f->key);
    free(a.r);
    return;
  }
  free(*dst);
  *dst = a.r;
  cnt = (uint32_t)a.n;
  memcpy(aia__y_at(obj, f->off2), &cnt, sizeof cnt);
}

void aia__y_read_list(walk *w, const aia__field *f, int id, void *obj)
{
  const yaml_node_t *n = node(w, id);
  uint32_t **dst = aia__y_at(obj, f->off), *list = NULL, cnt = 0;
  ranges_acc a;
  bool empty;

  if ((f->flags & AIA__F_ALL) && is_word(n, "all")) {
    free(*dst);
    *dst = NULL;
    memcpy(aia__y_at(obj, f->off2), &cnt, sizeof cnt);
    return;
  }
  memset(&a, 0, sizeof a);
  if (!each_entry(w, f, id, range_entry, &a, &empty)) {
    free(a.r);
    return;
  }
  if (empty || a.n == 0) {
    free(a.r);
    aia__y_err(w, id, "%s: the list is empty%s", f->key,
        (f->flags & AIA__F_ALL) ? " (write all, or leave the key out)" : "");
    return;
  }
  for (size_t i = 0; i < a.n; i++)
    if ((uint64_t)a.r[i].hi - a.r[i].lo + 1 > MAX_RANGE) {
      aia__y_err(w, id, "%s: range %" PRIu32 "-%" PRIu32 " is too large", f->key, a.r[i].lo,
          a.r[i].hi);
      free(a.r);
      return;
    }
  if (a.total > MAX_LIST) {
    aia__y_err(w, id, "%s: more than %u entries", f->key, MAX_LIST);
    free(a.r);
    return;
  }
  list = malloc((size_t)a.total * sizeof *list);
  if (list == NULL) {
    free(a.r);
    w->oom = true;
    return;
  }
  for (size_t i = 0; i < a.n; i++)
    for (uint64_t v = a.r[i].lo; v <= a.r[i].hi; v++)
      list[cnt++] = (uint32_t)v;
  free(a.r);
  free(*dst);
  *dst = list;
  memcpy(aia__y_at(obj, f->off2), &cnt, sizeof cnt);
}

/* ---- host scheduler: features, LLC groups, nice */

typedef struct feat_acc {
  uint64_t on, off;
} feat_acc;

static bool feature_entry(walk *w, const aia__field *f, int id, const char *s, size_t n, void *p)
{
  feat_acc *a = p;
  bool no = false;
  uint64_t bit;
  int k;
  aia__scn_trim(&s, &n);
  if (n == 0) {
    aia__y_err(w, id, "%s: an entry is empty", f->key);
    return false;
  }
  if (n > 3 && memcmp(s, "NO_", 3) == 0) {
    no = true;
    s += 3;
    n -= 3;
  }
  k = read_word(w, f, id, AIA__WS_FEATURE, s, n);
  if (k < 0)
    return false;
  bit = UINT64_C(1) << k;
  if ((a->on | a->off) & bit) {
    aia__y_err(w, id, "%s: '%s' is listed twice", f->key,
               aia__scn_word_name(AIA__WS_FEATURE, (unsigned)k));
    return false;
  }
  if (no)
    a->off |= bit;
  else
    a->on |= bit;
  return true;
}

/* features: [NO_RUN_TO_PARITY, ...]: changes to the kernel's defaults, as
 * written to /sys/kernel/debug/sched/features. */
void aia__y_read_features(walk *w, const aia__field *f, int id, void *obj)
{
  feat_acc a = { 0, 0 };
  bool empty;
  uint64_t v;
  if (!each_entry(w, f, id, feature_entry, &a, &empty))
    return;
  v = (AIA_SCHED_F_DEFAULT | a.on) & ~a.off;
  memcpy(aia__y_at(obj, f->off), &v, sizeof v);
}

/* llc: [[0, 1], [2, 3]] (or ["0-3", "4-7"]): every hart in exactly one group. */
void aia__y_read_llc(walk *w, const aia__field *f, int id, void *obj)
{
  const yaml_node_t *n = node(w, id);
  uint32_t harts = w->scn->harts, *grp, ngrp = 0, cnt;
  uint32_t **dst = aia__y_at(obj, f->off);
  bool ok = true;
  char q[64];
  if (n == NULL || n->type != YAML_SEQUENCE_NODE) {
    aia__y_err(w, id, "%s: expected a list of groups of harts, like [[0, 1], [2, 3]], found %s",
               f->key, aia__y_what(n, q, sizeof q));
    return;
  }
  if (harts == 0 || harts > 4096) {
    aia__y_err(w, id, "%s: needs a valid platform.harts", f->key);
    return;
  }
  grp = malloc(harts * sizeof *grp);
  if (grp == NULL) {
    w->oom = true;
    return;
  }
  for (uint32_t i = 0; i < harts; i++)
    grp[i] = AIA_NONE;
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    ranges_acc a;
    bool empty;
    memset(&a, 0, sizeof a);
    if (!each_entry(w, f, *it, range_entry, &a, &empty)) {
      free(a.r);
      ok = false;
      continue;
    }
    if (empty || a.n == 0) {
      aia__y_err(w, *it, "%s: group %" PRIu32 " is empty", f->key, ngrp);
      ok = false;
    }
    for (size_t r = 0; r < a.n && ok; r++)
      for (uint64_t h = a.r[r].lo; h <= a.r[r].hi && ok; h++) {
        if (h >= harts) {
          aia__y_err(w, *it,
                     "%s: hart %" PRIu64 " does not exist (the platform has %" PRIu32 " harts)",
                     f->key, h, harts);
          ok = false;
        } else if (grp[h] != AIA_NONE) {
          aia__y_err(w, *it, "%s: hart %" PRIu64 " is in two groups", f->key, h);
          ok = false;
        } else {
          grp[h] = ngrp;
        }
      }
    free(a.r);
    ngrp++;
  }
  for (uint32_t h = 0; h < harts && ok; h++)
    if (grp[h] == AIA_NONE) {
      aia__y_err(w, id, "%s: hart %" PRIu32 " is in no group", f->key, h);
      ok = false;
    }
  if (!ok) {
    free(grp);
    return;
  }
  free(*dst);
  *dst = grp;
  cnt = harts;
  memcpy(aia__y_at(obj, f->off2), &cnt, sizeof cnt);
}

void aia__y_read_nice(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  uint64_t v;
  int32_t nice;
  bool neg;
  char q[64];
  if (s == NULL)
    return;
  aia__scn_trim(&s, &n);
  neg = n > 1 && s[0] == '-';
  if (aia__scn_parse_uint(neg ? s + 1 : s, neg ? n - 1 : n, &v) != AIA__PR_OK ||
      v > (neg ? 20u : 19u)) {
    aia__y_err(w, id, "%s: %s is not a nice value (an integer from -20 to 19)", f->key,
        aia__y_quote(s, n, q, sizeof q));
    return;
  }
  nice = neg ? -(int32_t)v : (int32_t)v;
  memcpy(aia__y_at(obj, f->off), &nice, sizeof nice);
}

void aia__y_read_vmref(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  const aia_scenario *scn = w->scn;
  const char *hint = NULL;
  uint32_t idx = UINT32_MAX;
  char q[64];
  if (s == NULL)
    return;
  for (uint32_t i = 0; i < scn->nvms; i++) {
    if (strlen(scn->vms[i].name) == n && memcmp(scn->vms[i].name, s, n) == 0) {
      idx = i;
      break;
    }
    if (hint == NULL && aia__scn_is_close(s, n, scn->vms[i].name))
      hint = scn->vms[i].name;
  }
  memcpy(aia__y_at(obj, f->off), &idx, sizeof idx);
  if (idx != UINT32_MAX)
    return;
  aia__y_quote(s, n, q, sizeof q);
  if (scn->nvms == 0)
    aia__y_err(w, id, "%s: no VM named %s (the scenario has no VMs)", f->key, q);
  else if (hint != NULL)
    aia__y_err(w, id, "%s: no VM named %s (did you mean '%s'?)", f->key, q, hint);
  else
    aia__y_err(w, id, "%s: no VM named %s", f->key, q);
}

void aia__y_read_path(walk *w, const aia__field *f, int id, void *obj)
{
  size_t n;
  const char *s = aia__y_scalar(w, f, id, &n);
  aia_scn_sweep *sw = obj;
  if (s == NULL)
    return;
  if (n >= sizeof sw->path) {
    aia__y_err(w, id, "%s: the path is longer than %zu bytes", f->key, sizeof sw->path - 1);
    return;
  }
  memcpy(sw->path, s, n);
  sw->path[n] = '\0';
}

void aia__y_read_values(walk *w, const aia__field *f, int id, void *obj)
{
  const yaml_node_t *n = node(w, id);
  aia_scn_sweep *sw = obj;
  char q[64];
  size_t cnt;
  if (n == NULL || is_null(n) || n->type != YAML_SEQUENCE_NODE) {
    aia__y_err(w, id, "%s: expected a list of values, found %s", f->key,
               aia__y_what(n, q, sizeof q));
    return;
  }
  cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (cnt == 0) {
    aia__y_err(w, id, "%s: the list is empty", f->key);
    return;
  }
  sw->values = calloc(cnt, sizeof *sw->values);
  if (sw->values == NULL) {
    w->oom = true;
    return;
  }
  sw->nvalues = (uint32_t)cnt;
  for (size_t i = 0; i < cnt; i++) {
    int iid = n->data.sequence.items.start[i];
    const yaml_node_t *in = node(w, iid);
    if (in == NULL || in->type != YAML_SCALAR_NODE || is_null(in)) {
      aia__y_err(w, iid, "%s: each value must be a single value, found %s", f->key,
          aia__y_what(in, q, sizeof q));
      continue;
    }
    sw->values[i] = malloc(in->data.scalar.length + 1);
    if (sw->values[i] == NULL) {
      w->oom = true;
      return;
    }
    memcpy(sw->values[i], in->data.scalar.value, in->data.scalar.length);
    sw->values[i][in->data.scalar.length] = '\0';
  }
}
