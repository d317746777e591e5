/* lib/scenario/yaml_tree.c: places on a scenario's YAML tree by path: the
 * node a check's problem belongs to, and the edits that put an override or
 * a sweep value at its path (undone after a sweep value is tried).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/yaml_impl.h"

/* ------------------------------------------------- paths on the tree -- */

static bool scalar_is(const yaml_node_t *n, const char *s, size_t len)
{
  return n != NULL && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
         memcmp(n->data.scalar.value, s, len) == 0;
}

/* Value of key s in mapping m (0 if none); *pair gets its index. */
static int map_get(const walk *w, const yaml_node_t *m, const char *s, size_t len, size_t *pair)
{
  size_t np = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
  for (size_t p = 0; p < np; p++)
    if (scalar_is(node(w, m->data.mapping.pairs.start[p].key), s, len)) {
      if (pair != NULL)
        *pair = p;
      return m->data.mapping.pairs.start[p].value;
    }
  return 0;
}

/* The item of list `seq` picked by comp: an index, or the item whose name
 * is comp (for vms and devices, "vmN" / "devN" also picks an unnamed item
 * N, as its default name). 0 if none. */
static int seq_pick(const walk *w, const yaml_node_t *seq, const char *comp, size_t len,
                    const char *dflt)
{
  size_t cnt = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
  uint32_t idx;
  if (aia__scn_digits(comp, len, &idx))
    return idx < cnt ? seq->data.sequence.items.start[idx] : 0;
  for (size_t i = 0; i < cnt; i++) {
    int it = seq->data.sequence.items.start[i];
    const yaml_node_t *m = node(w, it);
    int nm;
    if (m == NULL || m->type != YAML_MAPPING_NODE)
      continue;
    nm = map_get(w, m, "name", 4, NULL);
    if (nm != 0 ? scalar_is(node(w, nm), comp, len) : false)
      return it;
    if (nm == 0 && dflt != NULL) {
      char def[32];
      snprintf(def, sizeof def, "%s%zu", dflt, i);
      if (strlen(def) == len && memcmp(def, comp, len) == 0)
        return it;
    }
  }
  return 0;
}

/* Why seq_pick found nothing, with a hint. */
static void seq_miss(const walk *w, const yaml_node_t *seq, const char *comp, size_t len,
                     const char *dflt, const char *parent, size_t plen, char *why, size_t wlen)
{
  size_t cnt = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
  uint32_t idx;
  int cl = (int)(len < 40 ? len : 40);
  if (aia__scn_digits(comp, len, &idx) || dflt == NULL) {
    snprintf(why, wlen, "%.*s has no item %.*s (it has %zu, numbered from 0)", (int)plen, parent,
             cl, comp, cnt);
    return;
  }
  for (size_t i = 0; i < cnt; i++) {
    const yaml_node_t *m = node(w, seq->data.sequence.items.start[i]);
    char def[32];
    const char *nm;
    size_t nl;
    int nid;
    if (m == NULL || m->type != YAML_MAPPING_NODE)
      continue;
    nid = map_get(w, m, "name", 4, NULL);
    if (nid != 0 && node(w, nid)->type == YAML_SCALAR_NODE) {
      nm = (const char *)node(w, nid)->data.scalar.value;
      nl = node(w, nid)->data.scalar.length;
    } else {
      snprintf(def, sizeof def, "%s%zu", dflt, i);
      nm = def;
      nl = strlen(def);
    }
    if (nl < 64 && aia__scn_is_close(comp, len, nm)) {
      snprintf(why, wlen, "%.*s has no item named '%.*s' (did you mean '%.*s'?)", (int)plen,
               parent, cl, comp, (int)nl, nm);
      return;
    }
  }
  snprintf(why, wlen, "%.*s has no item named '%.*s'", (int)plen, parent, cl, comp);
}

/* Does scalar text s (a list "1-3,9") hold the number v? */
static bool text_holds(const char *s, size_t n, uint64_t v)
{
  size_t p = 0;
  while (p <= n) {
    size_t e = p, dash = 0;
    uint64_t lo, hi;
    while (e < n && s[e] != ',')
      e++;
    const char *t = s + p;
    size_t tl = e - p;
    aia__scn_trim(&t, &tl);
    for (size_t i = 1; i < tl; i++)
      if (t[i] == '-') {
        dash = i;
        break;
      }
    if (dash != 0) {
      if (aia__scn_parse_uint(t, dash, &lo) == AIA__PR_OK &&
          aia__scn_parse_uint(t + dash + 1, tl - dash - 1, &hi) == AIA__PR_OK && lo <= v &&
          v <= hi)
        return true;
    } else if (aia__scn_parse_uint(t, tl, &lo) == AIA__PR_OK && lo == v) {
      return true;
    }
    p = e + 1;
  }
  return false;
}

/* The node a checker path names, or the closest node above it. */
static int locate_one(const walk *w, const char *path, size_t plen, bool *full)
{
  int cur = root_id(w), depth = 0;
  size_t p = 0;
  const char *parent = NULL;
  size_t parent_len = 0;
  *full = false;
  while (p < plen && cur != 0) {
    size_t e = p;
    const yaml_node_t *n = node(w, cur);
    int next = 0;
    while (e < plen && path[e] != '.')
      e++;
    const char *c = path + p;
    size_t cl = e - p;
    if (cl > 0 && c[0] == '@') {
      uint32_t v;
      if (!aia__scn_digits(c + 1, cl - 1, &v))
        return cur;
      if (n->type == YAML_SEQUENCE_NODE) {
        size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        for (size_t i = 0; i < cnt; i++) {
          const yaml_node_t *it = node(w, n->data.sequence.items.start[i]);
          if (it != NULL && it->type == YAML_SCALAR_NODE &&
              text_holds((const char *)it->data.scalar.value, it->data.scalar.length, v)) {
            next = n->data.sequence.items.start[i];
            break;
          }
        }
      }
      if (next == 0)
        next = cur;
    } else if (n->type == YAML_MAPPING_NODE) {
      next = map_get(w, n, c, cl, NULL);
    } else if (n->type == YAML_SEQUENCE_NODE) {
      const char *dflt = NULL;
      if (depth == 1 && parent_len == 3 && memcmp(parent, "vms", 3) == 0)
        dflt = "vm";
      else if (depth == 1 && parent_len == 7 && memcmp(parent, "devices", 7) == 0)
        dflt = "dev";
      next = seq_pick(w, n, c, cl, dflt);
    }
    if (next == 0)
      return cur;
    parent = c;
    parent_len = cl;
    depth++;
    cur = next;
    p = e + 1;
  }
  *full = true;
  return cur;
}

/* Alternatives are separated by '|': the first found in full wins. */
int aia__y_locate(const walk *w, const char *path)
{
  int fallback = 0;
  bool first = true;
  while (*path != '\0') {
    const char *bar = strchr(path, '|');
    size_t len = bar != NULL ? (size_t)(bar - path) : strlen(path);
    bool full;
    int id = locate_one(w, path, len, &full);
    if (full)
      return id;
    if (first)
      fallback = id;
    first = false;
    path += len;
    if (*path == '|')
      path++;
  }
  return fallback != 0 ? fallback : root_id(w);
}

void aia__y_check_report(void *user, const char *path, const char *msg)
{
  walk *w = user;
  int id = aia__y_locate(w, path);
  if (was_reported(w, id))
    return; /* the walk already said what is wrong there */
  aia__y_err(w, id, "%s", msg);
}

/* ------------------------------------------------ editing the tree -- */

static bool note_origin(walk *w, int id, origin o)
{
  if (id != w->nfile + (int)w->norig + 1)
    return false; /* nodes are appended in order */
  if (w->norig == w->corig) {
    size_t nc = w->corig ? w->corig * 2 : 16;
    origin *no = realloc(w->orig, nc * sizeof *no);
    if (no == NULL) {
      w->oom = true;
      return false;
    }
    w->orig = no;
    w->corig = nc;
  }
  w->orig[w->norig++] = o;
  return true;
}

int aia__y_add_scalar(walk *w, const char *s, size_t len, origin o)
{
  int id;
  if (len > (size_t)INT32_MAX)
    return 0;
  id = yaml_document_add_scalar(w->doc, NULL, (yaml_char_t *)(uintptr_t)s, (int)len,
                                YAML_PLAIN_SCALAR_STYLE);
  if (id == 0 || !note_origin(w, id, o))
    return 0;
  return id;
}

int aia__y_add_map(walk *w, origin o)
{
  int id = yaml_document_add_mapping(w->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
  if (id == 0 || !note_origin(w, id, o))
    return 0;
  return id;
}

void aia__y_undo_all(walk *w, undo *u)
{
  while (u->n > 0) {
    u->n--;
    yaml_node_t *m = node(w, u->op[u->n].map);
    if (u->op[u->n].pair == (size_t)-1)
      m->data.mapping.pairs.top--;
    else
      m->data.mapping.pairs.start[u->op[u->n].pair].value = u->op[u->n].old;
  }
}

static bool log_op(undo *u, int map, size_t pair, int old)
{
  if (u == NULL)
    return true;
  if (u->n >= (int)(sizeof u->op / sizeof u->op[0]))
    return false;
  u->op[u->n].map = map;
  u->op[u->n].pair = pair;
  u->op[u->n].old = old;
  u->n++;
  return true;
}

/* Places node `val` at dotted `path`, making mappings on the way. 0, or -1
 * with the reason in why (or w->oom). */
int aia__y_tree_set(walk *w, const char *path, int val, origin o, undo *u, char *why,
                       size_t wlen)
{
  int cur = root_id(w), depth = 0;
  size_t p = 0, plen = strlen(path);
  const char *parent = "";
  size_t parent_len = 0;

  if (plen == 0 || path[0] == '.' || path[plen - 1] == '.' || strstr(path, "..") != NULL) {
    snprintf(why, wlen, "'%s' is not a dotted path (like devices.nic.rate)", path);
    return -1;
  }
  if (cur == 0) {
    cur = aia__y_add_map(w, o);
    if (cur == 0) {
      w->oom = true;
      return -1;
    }
  }
  while (p < plen) {
    size_t e = p;
    while (e < plen && path[e] != '.')
      e++;
    const char *c = path + p;
    size_t cl = e - p;
    bool last = e == plen;
    yaml_node_t *n = node(w, cur);
    if (n->type == YAML_SEQUENCE_NODE) {
      const char *dflt = NULL;
      int it;
      if (depth == 1 && parent_len == 3 && memcmp(parent, "vms", 3) == 0)
        dflt = "vm";
      else if (depth == 1 && parent_len == 7 && memcmp(parent, "devices", 7) == 0)
        dflt = "dev";
      it = seq_pick(w, n, c, cl, dflt);
      if (it == 0) {
        seq_miss(w, n, c, cl, dflt, parent, parent_len, why, wlen);
        return -1;
      }
      if (last) {
        snprintf(why, wlen, "'%s' is a whole item: name one of its keys", path);
        return -1;
      }
      cur = it;
    } else if (n->type == YAML_MAPPING_NODE) {
      size_t pair = 0;
      int v = map_get(w, n, c, cl, &pair);
      if (v != 0 && last) {
        if (!log_op(u, cur, pair, v))
          return -1;
        node(w, cur)->data.mapping.pairs.start[pair].value = val;
        return 0;
      }
      if (v != 0 && is_null(node(w, v))) { /* "timing:" with nothing: make it a mapping */
        int m = aia__y_add_map(w, o);
        if (m == 0) {
          w->oom = true;
          return -1;
        }
        if (!log_op(u, cur, pair, v))
          return -1;
        node(w, cur)->data.mapping.pairs.start[pair].value = m;
        v = m;
      }
      if (v == 0 && !last) {
        /* A list item (a number next) cannot be made from nothing: the
         * list must be in the file for an override to name its items. */
        size_t q = e + 1;
        while (q < plen && path[q] >= '0' && path[q] <= '9')
          q++;
        if (q > e + 1 && (q == plen || path[q] == '.')) {
          snprintf(why, wlen,
                   "'%.*s' is not in the file, so it has no item %.*s to set: write the list in "
                   "the file first",
                   (int)e, path, (int)(q - e - 1), path + e + 1);
          return -1;
        }
      }
      if (v == 0) {
        int k = aia__y_add_scalar(w, c, cl, o), nv;
        if (k == 0) {
          if (!w->oom)
            snprintf(why, wlen, "'%s' is not valid UTF-8", path);
          return -1;
        }
        nv = last ? val : aia__y_add_map(w, o);
        if (nv == 0) {
          w->oom = true;
          return -1;
        }
        if (!yaml_document_append_mapping_pair(w->doc, cur, k, nv)) {
          w->oom = true;
          return -1;
        }
        if (!log_op(u, cur, (size_t)-1, 0))
          return -1;
        if (last)
          return 0;
        v = nv;
      }
      cur = v;
    } else if (depth == 0) {
      snprintf(why, wlen, "the scenario is not a mapping of keys");
      return -1;
    } else {
      snprintf(why, wlen, "'%.*s' holds a single value: there are no keys under it",
               (int)(p - 1), path);
      return -1;
    }
    parent = c;
    parent_len = cl;
    depth++;
    p = e + 1;
  }
  return 0;
}
