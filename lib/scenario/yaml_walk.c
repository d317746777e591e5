/* lib/scenario/yaml_walk.c: the walk of a scenario's node tree against the
 * schema tables (schema.c) into an aia_scenario. Keys are read in table
 * order, not file order, so a value can be checked against the ones it
 * depends on; unknown keys get a hint, duplicates point at the first one,
 * lists of mappings become arrays of items, and each table's defaults and
 * cross-field rules are applied once its keys are read (post_map).
 * yaml.c loads the text and reports; yaml_read.c reads the values.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "aiasim/host.h"
#include "scenario/scn_impl.h"
#include "scenario/yaml_impl.h"

#define MAX_FIELDS 32

static void in_where(const char *where, char *buf, size_t len)
{
  if (where[0] != '\0')
    snprintf(buf, len, " in %s", where);
  else
    buf[0] = '\0';
}


/* A list of mappings read with table f->sub into an array of items. */
static void read_seq(walk *w, const aia__field *f, int id, void *obj, const char *where)
{
  const yaml_node_t *n = node(w, id);
  const aia__table *t = aia__scn_table(f->sub);
  void **dst = aia__y_at(obj, f->off);
  char q[64], sub[128];
  size_t cnt;
  uint32_t cnt32;
  char *items;

  if (n == NULL || is_null(n))
    return;
  if (n->type != YAML_SEQUENCE_NODE) {
    aia__y_err(w, id, "%s: expected a list, found %s", f->key, aia__y_what(n, q, sizeof q));
    return;
  }
  cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (cnt == 0)
    return;
  items = calloc(cnt, t->item_size);
  if (items == NULL) {
    w->oom = true;
    return;
  }
  /* defaults first, so the array is whole before any item is read */
  for (size_t i = 0; i < cnt; i++) {
    void *it = items + i * t->item_size;
    switch (f->sub) {
    case AIA__TB_VM:
      if (aia__scn_vm_defaults(w->scn, it, (uint32_t)i) != AIA_OK)
        w->oom = true;
      break;
    case AIA__TB_DEVICE: {
      aia_scn_device *d = it;
      aia__scn_device_defaults(w->scn, d, (uint32_t)i);
      d->iids = malloc(sizeof *d->iids);
      if (d->iids == NULL) {
        w->oom = true;
      } else {
        d->iids[0] = 32;
        d->niids = 1;
      }
      break;
    }
    case AIA__TB_NOISE:
      aia__scn_noise_defaults(w->scn, it);
      break;
    case AIA__TB_FORCE: {
      aia_scn_force *fc = it;
      fc->after_nth = 1;
      fc->msi_iid = 32;
      break;
    }
    case AIA__TB_AT: {
      const aia_scn_device *d = obj;
      aia_scn_list_item *li = it;
      li->vcpu = d->nvcpus > 0 && d->vcpus != NULL ? d->vcpus[0] : 0;
      li->iid = d->niids > 0 && d->iids != NULL ? d->iids[0] : 32;
      break;
    }
    default:
      break;
    }
  }
  *dst = items;
  cnt32 = (uint32_t)cnt;
  memcpy(aia__y_at(obj, f->off2), &cnt32, sizeof cnt32);
  for (size_t i = 0; i < cnt && !w->oom; i++) {
    int iid = node(w, id)->data.sequence.items.start[i];
    snprintf(sub, sizeof sub, "%s%s%s[%zu]", where, where[0] ? "." : "", f->key, i);
    aia__y_walk_map(w, iid, f->sub, items + i * t->item_size, f->key, sub);
  }
}

/* An expected count: N, or { min, max } (either may be left out). */
static void read_count(walk *w, const aia__field *f, int id, void *obj, const char *where)
{
  const yaml_node_t *n = node(w, id);
  uint64_t b[2] = { 0, UINT64_MAX }, v;
  bool has = true;
  if (n != NULL && n->type == YAML_MAPPING_NODE) {
    uint32_t before = w->errors;
    char sub[128];
    snprintf(sub, sizeof sub, "%s%s%s", where, where[0] ? "." : "", f->key);
    aia__y_walk_map(w, id, f->sub, b, f->key, sub);
    if (w->errors != before)
      return;
    v = b[0];
  } else {
    if (!aia__y_read_uint(w, f, id, UINT64_MAX, &v))
      return;
    b[0] = b[1] = v;
  }
  memcpy(aia__y_at(obj, f->off), &v, sizeof v);
  memcpy(aia__y_at(obj, f->off2), b, sizeof b);
  memcpy(aia__y_at(obj, (uint16_t)(f->off - f->aux)), &has, sizeof has);
}

static void read_value(walk *w, const aia__field *f, int id, void *obj, const char *where)
{
  uint64_t v;
  int64_t sv;
  char sub[128];
  switch (f->type) {
  case AIA__FT_VERSION:
    aia__y_read_version(w, f, id);
    break;
  case AIA__FT_TEXT:
    aia__y_read_text(w, f, id, obj);
    break;
  case AIA__FT_NAME:
    aia__y_read_name(w, f, id, obj);
    break;
  case AIA__FT_U32:
    if (aia__y_read_uint(w, f, id, UINT32_MAX, &v)) {
      uint32_t v32 = (uint32_t)v;
      memcpy(aia__y_at(obj, f->off), &v32, sizeof v32);
    }
    break;
  case AIA__FT_U64:
    if (aia__y_read_uint(w, f, id, UINT64_MAX, &v)) {
      memcpy(aia__y_at(obj, f->off), &v, sizeof v);
      if (f->off2 != 0) {
        bool has = true;
        memcpy(aia__y_at(obj, f->off2), &has, sizeof has);
      }
    }
    break;
  case AIA__FT_CLOCK:
    aia__y_read_clock(w, f, id, obj);
    break;
  case AIA__FT_DUR:
    if (aia__y_read_dur(w, f, id, false, NULL, &v)) {
      aia__y_put_cycles(obj, f->off, v);
      if (f->off2 != 0) {
        bool has = true;
        memcpy(aia__y_at(obj, f->off2), &has, sizeof has);
      }
    }
    break;
  case AIA__FT_SDUR:
    if (aia__y_read_dur(w, f, id, true, &sv, &v))
      memcpy(aia__y_at(obj, f->off), &sv, sizeof sv);
    break;
  case AIA__FT_TIME:
    aia__y_read_time(w, f, id, obj);
    break;
  case AIA__FT_JIT:
    if (aia__y_read_dur(w, f, id, false, NULL, &v)) {
      aia_jitter *j = aia__y_at(obj, f->off);
      j->kind = (aia_jitter_kind)f->sub;
      j->amount = v;
    }
    break;
  case AIA__FT_RATE:
    aia__y_read_rate(w, f, id, obj);
    break;
  case AIA__FT_ENUM:
  case AIA__FT_TARGET:
    aia__y_read_enum(w, f, id, obj);
    break;
  case AIA__FT_POLICY:
  case AIA__FT_FAULTS:
    aia__y_read_words(w, f, id, obj);
    break;
  case AIA__FT_LIST:
    aia__y_read_list(w, f, id, obj);
    break;
  case AIA__FT_RANGES:
    aia__y_read_ranges(w, f, id, obj);
    break;
  case AIA__FT_FEATURES:
    aia__y_read_features(w, f, id, obj);
    break;
  case AIA__FT_LLC:
    aia__y_read_llc(w, f, id, obj);
    break;
  case AIA__FT_NICE:
    aia__y_read_nice(w, f, id, obj);
    break;
  case AIA__FT_VMREF:
    aia__y_read_vmref(w, f, id, obj);
    break;
  case AIA__FT_PATH:
    aia__y_read_path(w, f, id, obj);
    break;
  case AIA__FT_VALUES:
    aia__y_read_values(w, f, id, obj);
    break;
  case AIA__FT_MAP:
    snprintf(sub, sizeof sub, "%s%s%s", where, where[0] ? "." : "", f->key);
    aia__y_walk_map(w, id, f->sub, aia__y_at(obj, f->off), f->key, sub);
    break;
  case AIA__FT_SEQ:
    read_seq(w, f, id, obj, where);
    break;
  case AIA__FT_COUNT:
    read_count(w, f, id, obj, where);
    break;
  default:
    break;
  }
}

static void unknown_key(walk *w, unsigned tb, int kid, const yaml_node_t *k, const char *where)
{
  const char *s = (const char *)k->data.scalar.value;
  size_t n = k->data.scalar.length;
  const char *hint = aia__scn_suggest_key(tb, s, n);
  const char *home = hint == NULL ? aia__scn_key_home(tb, s, n) : NULL;
  char in[160], q[64];
  in_where(where, in, sizeof in);
  aia__y_quote(s, n, q, sizeof q);
  /* keys are shown between single quotes: drop the double ones */
  q[strlen(q) - 1] = '\0';
  if (hint != NULL)
    aia__y_err(w, kid, "unknown key '%s'%s (did you mean '%s'?)", q + 1, in, hint);
  else if (home != NULL && strcmp(home, "the top level") == 0)
    aia__y_err(w, kid, "unknown key '%s'%s (it belongs at the top level)", q + 1, in);
  else if (home != NULL)
    aia__y_err(w, kid, "unknown key '%s'%s (it belongs under %s)", q + 1, in, home);
  else
    aia__y_err(w, kid, "unknown key '%s'%s", q + 1, in);
}

/* The value node of `key` in a mapping read with table tb (0: absent). */
static int given(const int *val, unsigned tb, const char *key)
{
  int i = aia__scn_find_key(tb, key, strlen(key));
  return i >= 0 ? val[i] : 0;
}

static void post_map(walk *w, unsigned tb, int id, const int *val, void *obj, const char *key)
{
  aia_scenario *scn = w->scn;
  switch (tb) {
  case AIA__TB_PLATFORM:
    if (given(val, tb, "hart_stride") == 0 && scn->geilen <= 63) { /* hart_stride: room for the guest files */
      uint64_t need = (uint64_t)(scn->geilen + 1) * 4096u, st = 0x8000u;
      while (st < need)
        st <<= 1;
      scn->hart_stride = st;
    }
    break;
  case AIA__TB_JSPEC: {
    int u = given(val, tb, "uniform"), e = given(val, tb, "exponential");
    if (u != 0 && e != 0)
      aia__y_err(w, aia__y_later(w, u, e), "%s: give uniform or exponential, not both", key);
    else if (u == 0 && e == 0)
      aia__y_err(w, id, "%s: give { uniform: D } or { exponential: D }", key);
    break;
  }
  case AIA__TB_DEVICE: {
    int r = given(val, tb, "rate"), p = given(val, tb, "period");
    if (r != 0 && p != 0)
      aia__y_err(w, aia__y_later(w, r, p), "rate and period say the same thing: give only one");
    if (given(val, tb, "vm") == 0 && scn->nvms > 1)
      aia__y_err(w, id, "missing required key 'vm' (the scenario has %" PRIu32 " VMs)", scn->nvms);
    break;
  }
  case AIA__TB_FORCE: {
    aia_scn_force *fc = obj;
    int a = given(val, tb, "at"), af = given(val, tb, "after");
    int pr = given(val, tb, "preempt"), mg = given(val, tb, "migrate"), ms = given(val, tb, "msi");
    int acts = (pr != 0) + (mg != 0) + (ms != 0);
    if (a != 0 && af != 0)
      aia__y_err(w, aia__y_later(w, a, af), "force: give at or after, not both");
    else if (a == 0 && af == 0)
      aia__y_err(w, id, "force: give at (a time) or after (a vCPU's event)");
    fc->has_at = a != 0;
    fc->has_after = af != 0;
    if (acts == 0)
      aia__y_err(w, id, "force: give one action: preempt, migrate or msi");
    else if (acts > 1)
      aia__y_err(w, aia__y_later(w, pr ? pr : mg, ms ? ms : mg),
          "force: one action per item (preempt, migrate or msi)");
    fc->action = pr ? AIA_FORCE_PREEMPT : mg ? AIA_FORCE_MIGRATE : ms ? AIA_FORCE_MSI : 0;
    break;
  }
  case AIA__TB_AFTER:
  case AIA__TB_FMIGRATE:
  case AIA__TB_FMSI:
    if (given(val, tb, "vm") == 0 && scn->nvms > 1)
      aia__y_err(w, id, "%s: missing required key 'vm' (the scenario has %" PRIu32 " VMs)", key,
          scn->nvms);
    break;
  case AIA__TB_OFFSET: {
    aia_scn_sweep *sw = obj;
    if (given(val, tb, "vm") == 0 && scn->nvms > 1)
      aia__y_err(w, id, "missing required key 'vm' (the scenario has %" PRIu32 " VMs)", scn->nvms);
    if (given(val, tb, "step") == 0)
      sw->step = 1;
    break;
  }
  case AIA__TB_SWEEP: {
    aia_scn_sweep *sw = obj;
    int set = given(val, tb, "set"), values = given(val, tb, "values");
    int off = given(val, tb, "offset");
    if (set != 0 && off != 0) {
      aia__y_err(w, aia__y_later(w, set, off), "sweep: give set (with values) or offset, not both");
    } else if (set != 0) {
      sw->kind = AIA_SWEEP_SET;
      if (values == 0)
        aia__y_err(w, id, "missing required key 'values' (the values to put at %s)", sw->path);
    } else if (off != 0) {
      sw->kind = AIA_SWEEP_OFFSET;
      if (values != 0)
        aia__y_err(w, values, "values: belongs with set, not with offset");
    } else if (values != 0) {
      aia__y_err(w, values, "values: needs set (the path the values go to)");
    } else if (!is_null(node(w, id))) {
      aia__y_err(w, id, "sweep: give set and values, or offset");
    }
    break;
  }
  default:
    break;
  }
}

/* The keys of one mapping, in table order (yaml_impl.h). */
void aia__y_walk_map(walk *w, int id, unsigned tb, void *obj, const char *key, const char *where)
{
  const yaml_node_t *n = node(w, id);
  const aia__table *t = aia__scn_table(tb);
  int val[MAX_FIELDS], kn[MAX_FIELDS];
  char q[64], in[160];

  memset(val, 0, sizeof val);
  memset(kn, 0, sizeof kn);
  in_where(where, in, sizeof in);
  if (n == NULL) {
    return;
  } else if (is_null(n)) {
    /* "platform:" with nothing: every default */
  } else if (n->type != YAML_MAPPING_NODE) {
    if (tb == AIA__TB_ROOT)
      aia__y_err(w, id, "a scenario is a mapping of keys (aiasim, name, duration, ...), found %s",
          aia__y_what(n, q, sizeof q));
    else if (t->item_size != 0)
      aia__y_err(w, id, "%s: each item must be a mapping of keys, found %s", key,
          aia__y_what(n, q, sizeof q));
    else
      aia__y_err(w, id, "%s: expected a mapping of keys, found %s", key,
                 aia__y_what(n, q, sizeof q));
    return;
  } else {
    size_t np = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    for (size_t p = 0; p < np; p++) {
      const yaml_node_pair_t *pair = &n->data.mapping.pairs.start[p];
      const yaml_node_t *k = node(w, pair->key);
      int idx;
      if (k == NULL || k->type != YAML_SCALAR_NODE) {
        aia__y_err(w, pair->key, "a key must be a single word, found %s%s",
                   aia__y_what(k, q, sizeof q), in);
        continue;
      }
      idx = aia__scn_find_key(tb, (const char *)k->data.scalar.value, k->data.scalar.length);
      if (idx < 0) {
        unknown_key(w, tb, pair->key, k, where);
        w->soft++;
        continue;
      }
      if (val[idx] != 0) {
        uint32_t fl, fc;
        if (aia__y_file_place(w, kn[idx], &fl, &fc))
          aia__y_err(w, pair->key, "duplicate key '%s'%s (first at %" PRIu32 ":%" PRIu32 ")",
              aia__scn_field(tb, (unsigned)idx)->key, in, fl, fc);
        else
          aia__y_err(w, pair->key, "duplicate key '%s'%s", aia__scn_field(tb, (unsigned)idx)->key,
                     in);
        w->soft++;
        continue;
      }
      val[idx] = pair->value;
      kn[idx] = pair->key;
    }
  }
  for (unsigned i = 0; i < t->count && !w->oom; i++) {
    const aia__field *f = aia__scn_field(tb, i);
    if (val[i] != 0)
      read_value(w, f, val[i], obj, where);
    else if (f->flags & AIA__F_REQ)
      aia__y_err(w, id, "missing required key '%s'%s", f->key, in);
  }
  if (!w->oom)
    post_map(w, tb, id, val, obj, key);
}
