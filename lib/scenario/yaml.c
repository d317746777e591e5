/* lib/scenario/yaml.c: the YAML front end of scenarios: loading the text and
 * keeping the problems found. With yaml_walk.c (the walk of the tree against
 * the schema), yaml_read.c (the value readers) and yaml_tree.c (places on
 * the tree by path), the only files that include <yaml.h>, through
 * yaml_impl.h.
 * SPDX-License-Identifier: MIT
 *
 * Loading a scenario takes five steps:
 *  1. A pass over libyaml's event stream that enforces what the document
 *     loader cannot: one document, no aliases, no tags, nesting at most 32
 *     deep and at most 1,000,000 nodes (so no input makes the loader build a
 *     huge tree or the walk below explode).
 *  2. yaml_parser_load() builds the node tree; every node keeps its mark.
 *  3. Overrides (--set path=value) become scalar nodes placed at their path,
 *     as if the file said so; nodes made this way remember which override
 *     made them, so their errors read "<--set>:N:0".
 *  4. The tree is walked (yaml_walk.c) against the schema tables into an
 *     aia_scenario: unknown keys (with a hint), duplicate keys, wrong types,
 *     values that do not parse. Keys are read in table order, not file
 *     order, so a value can be checked against the ones it depends on.
 *  5. aia__scn_check() (scenario.c) checks ranges and cross-references on
 *     the result; its problems are placed back on the tree by their path.
 *     Each value of a "set" sweep is then tried by walking the tree again
 *     with the value put at the sweep's path.
 * Problems go to a sink that keeps the first ones in file order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "aiasim/host.h"
#include "scenario/scn_impl.h"
#include "scenario/yaml_impl.h"

#define MAX_DEPTH 32
#define MAX_NODES 1000000u
#define MAX_FILE_BYTES (64u << 20)
#define SWEEP_BUDGET (1u << 24)   /* values x nodes walked to try sweep values */
#define OV_FILE "<--set>"

/* ---------------------------------------------------------------- sink -- */

typedef struct skey {
  uint32_t group; /* 0: the file, 1: an override */
  uint32_t line, col;
  uint64_t seq;
} skey;

/* Keeps the first `cap` problems by position; counts them all. */
typedef struct sink {
  aia_diag *out;
  skey *keys;
  size_t cap, n, found;
  uint64_t seq;
} sink;

static int key_cmp(const skey *a, const skey *b)
{
  if (a->group != b->group)
    return a->group < b->group ? -1 : 1;
  if (a->line != b->line)
    return a->line < b->line ? -1 : 1;
  if (a->col != b->col)
    return a->col < b->col ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void sink_add(sink *s, skey k, const aia_diag *d)
{
  size_t j;
  k.seq = s->seq++;
  s->found++;
  if (s->cap == 0)
    return;
  if (s->n == s->cap && key_cmp(&k, &s->keys[s->n - 1]) >= 0)
    return;
  j = s->n < s->cap ? s->n : s->cap - 1;
  while (j > 0 && key_cmp(&s->keys[j - 1], &k) > 0) {
    s->keys[j] = s->keys[j - 1];
    s->out[j] = s->out[j - 1];
    j--;
  }
  s->keys[j] = k;
  s->out[j] = *d;
  if (s->n < s->cap)
    s->n++;
}

static int sink_init(sink *s, aia_diag *out, size_t cap)
{
  memset(s, 0, sizeof *s);
  if (out == NULL || cap == 0)
    return AIA_OK;
  s->keys = malloc(cap * sizeof *s->keys);
  if (s->keys == NULL)
    return AIA_ENOMEM;
  s->out = out;
  s->cap = cap;
  return AIA_OK;
}

static void set_file(aia_diag *d, const char *file)
{
  snprintf(d->file, sizeof d->file, "%s", file);
}

static void PRINTF_LIKE(6, 7) sink_at(sink *s, const char *file, uint32_t group, uint32_t line,
                                      uint32_t col, const char *fmt, ...)
{
  aia_diag d;
  skey k = { group, line, col, 0 };
  va_list ap;
  memset(&d, 0, sizeof d);
  set_file(&d, file);
  d.line = line;
  d.column = col;
  va_start(ap, fmt);
  vsnprintf(d.message, sizeof d.message, fmt, ap);
  va_end(ap);
  sink_add(s, k, &d);
}

/* ---------------------------------------------------------- the walk -- */


static int node_count(const walk *w)
{
  return (int)(w->doc->nodes.top - w->doc->nodes.start);
}

/* The place of a node: file:line:col, or <--set>:N:0 for an override. */
static void node_place(const walk *w, int id, skey *k, const char **file)
{
  int guard = 0;
  while (id > w->nfile && (size_t)(id - w->nfile - 1) < w->norig && guard++ < 8) {
    const origin *o = &w->orig[id - w->nfile - 1];
    if (o->ov != 0) {
      k->group = 1;
      k->line = o->ov;
      k->col = 0;
      *file = OV_FILE;
      return;
    }
    id = o->ref;
  }
  const yaml_node_t *n = node(w, id);
  k->group = 0;
  k->line = n != NULL ? (uint32_t)n->start_mark.line + 1 : 0;
  k->col = n != NULL ? (uint32_t)n->start_mark.column + 1 : 0;
  *file = w->file;
}

static void vreport(walk *w, int id, const char *fmt, va_list ap)
{
  aia_diag d;
  skey k = { 0, 0, 0, 0 };
  const char *file;
  memset(&d, 0, sizeof d);
  node_place(w, id, &k, &file);
  set_file(&d, file);
  d.line = k.line;
  d.column = k.col;
  vsnprintf(d.message, sizeof d.message, fmt, ap);
  sink_add(w->sk, k, &d);
  w->errors++;
  if (id > 0 && (size_t)id < w->nreported)
    w->reported[id / 8] |= (uint8_t)(1u << (id % 8));
}

void aia__y_err(walk *w, int id, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vreport(w, id, fmt, ap);
  va_end(ap);
}

/* A printable, quoted and shortened copy of a scalar for messages. */
const char *aia__y_quote(const char *s, size_t n, char *buf, size_t len)
{
  size_t o = 0, max = 40;
  bool cut = n > max;
  if (cut) {
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) /* keep whole characters */
      n--;
  }
  buf[o++] = '"';
  for (size_t i = 0; i < n && o + 6 < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f) {
      buf[o++] = '?';
    } else if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else {
      buf[o++] = (char)c;
    }
  }
  if (cut) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

static const char *qnode(const yaml_node_t *n, char *buf, size_t len)
{
  return aia__y_quote((const char *)n->data.scalar.value, n->data.scalar.length, buf, len);
}

/* "a mapping", "a list", "nothing" or the quoted scalar. */
const char *aia__y_what(const yaml_node_t *n, char *buf, size_t len)
{
  if (n == NULL || is_null(n))
    return "nothing";
  if (n->type == YAML_MAPPING_NODE)
    return "a mapping";
  if (n->type == YAML_SEQUENCE_NODE)
    return "a list";
  return qnode(n, buf, len);
}

/* The scalar text of a value, or NULL with the problem reported. */
const char *aia__y_scalar(walk *w, const aia__field *f, int id, size_t *len)
{
  const yaml_node_t *n = node(w, id);
  char q[64];
  if (n == NULL || is_null(n)) {
    aia__y_err(w, id, "%s: missing value", f->key);
    return NULL;
  }
  if (n->type != YAML_SCALAR_NODE) {
    aia__y_err(w, id, "%s: expected a single value, found %s", f->key, aia__y_what(n, q, sizeof q));
    return NULL;
  }
  *len = n->data.scalar.length;
  return (const char *)n->data.scalar.value;
}

/* The later of two nodes in file order (yaml_impl.h). */
int aia__y_later(const walk *w, int a, int b)
{
  skey ka = { 0, 0, 0, 0 }, kb = { 0, 0, 0, 0 };
  const char *f;
  node_place(w, a, &ka, &f);
  node_place(w, b, &kb, &f);
  return key_cmp(&ka, &kb) > 0 ? a : b;
}

/* Line and column of node id in the file, or false if an override made it
 * (yaml_impl.h). */
bool aia__y_file_place(const walk *w, int id, uint32_t *line, uint32_t *col)
{
  skey k = { 0, 0, 0, 0 };
  const char *f;
  node_place(w, id, &k, &f);
  *line = k.line;
  *col = k.col;
  return k.group == 0;
}

/* ----------------------------------------------------------- loading -- */

/* Line and column (1-based, in characters) of a byte offset. */
static void offset_place(const char *text, size_t len, size_t off, uint32_t *line,
                         uint32_t *col)
{
  uint32_t l = 1, c = 1;
  if (off > len)
    off = len;
  for (size_t i = 0; i < off; i++) {
    if (text[i] == '\n') {
      l++;
      c = 1;
    } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

static int parser_problem(sink *sk, const char *file, const yaml_parser_t *p, const char *text,
                          size_t len)
{
  const char *problem = p->problem != NULL ? p->problem : "unknown problem";
  switch (p->error) {
  case YAML_MEMORY_ERROR:
    return AIA_ENOMEM;
  case YAML_READER_ERROR: {
    uint32_t line, col;
    offset_place(text, len, p->problem_offset, &line, &col);
    if (p->problem_value != -1)
      sink_at(sk, file, 0, line, col, "not UTF-8 text: %s (0x%02X at byte %zu)", problem,
              (unsigned)p->problem_value, p->problem_offset);
    else
      sink_at(sk, file, 0, line, col, "not UTF-8 text: %s (at byte %zu)", problem,
              p->problem_offset);
    return AIA_EPARSE;
  }
  default:
    if (p->context != NULL)
      sink_at(sk, file, 0, (uint32_t)p->problem_mark.line + 1,
              (uint32_t)p->problem_mark.column + 1, "%s (%s, started at %zu:%zu)", problem,
              p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    else
      sink_at(sk, file, 0, (uint32_t)p->problem_mark.line + 1,
              (uint32_t)p->problem_mark.column + 1, "%s", problem);
    return AIA_EPARSE;
  }
}

static void mark_at(sink *sk, const char *file, yaml_mark_t m, const char *msg)
{
  sink_at(sk, file, 0, (uint32_t)m.line + 1, (uint32_t)m.column + 1, "%s", msg);
}

/* Step 1: what the document loader cannot refuse by itself. Returns AIA_OK,
 * AIA_EPARSE (fatal: do not load) or AIA_ENOMEM; *soft counts problems after
 * which the tree may still be walked. */
static int prepass(sink *sk, const char *file, const char *text, size_t len, uint32_t *soft)
{
  yaml_parser_t p;
  yaml_event_t ev;
  int depth = 0, docs = 0, rc = AIA_OK;
  uint32_t nodes = 0;
  bool done = false, aliases = false;
  char msg[160];

  *soft = 0;
  if (!yaml_parser_initialize(&p))
    return AIA_ENOMEM;
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  while (!done) {
    const char *tag = NULL;
    if (!yaml_parser_parse(&p, &ev)) {
      rc = parser_problem(sk, file, &p, text, len);
      break;
    }
    switch (ev.type) {
    case YAML_STREAM_END_EVENT:
      done = true;
      break;
    case YAML_DOCUMENT_START_EVENT:
      if (++docs == 2) {
        mark_at(sk, file, ev.start_mark,
                "a scenario file holds one YAML document; this is a second one");
        rc = AIA_EPARSE;
        done = true;
      }
      break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
      nodes++;
      if (++depth > MAX_DEPTH) {
        mark_at(sk, file, ev.start_mark, "nesting deeper than 32 levels");
        rc = AIA_EPARSE;
        done = true;
      }
      tag = (const char *)(ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.tag
                                                              : ev.data.sequence_start.tag);
      break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      depth--;
      break;
    case YAML_SCALAR_EVENT:
      nodes++;
      tag = (const char *)ev.data.scalar.tag;
      break;
    case YAML_ALIAS_EVENT: {
      const char *a = (const char *)ev.data.alias.anchor;
      char q[64];
      aia__y_quote(a, strlen(a), q, sizeof q);
      q[strlen(q) - 1] = '\0'; /* no quotes around an anchor's name */
      snprintf(msg, sizeof msg, "aliases are not allowed (*%s): write the value out", q + 1);
      mark_at(sk, file, ev.start_mark, msg);
      aliases = true;
      break;
    }
    default:
      break;
    }
    if (tag != NULL && !done) {
      char q[64];
      const char *core = "tag:yaml.org,2002:";
      bool std = strncmp(tag, core, strlen(core)) == 0;
      const char *t = std ? tag + strlen(core) : tag;
      aia__y_quote(t, strlen(t), q, sizeof q);
      q[strlen(q) - 1] = '\0';
      snprintf(msg, sizeof msg, "tags are not allowed (%s%s): write the plain value",
               std ? "!!" : "", q + 1);
      mark_at(sk, file, ev.start_mark, msg);
      (*soft)++;
    }
    if (nodes > MAX_NODES && !done) {
      sink_at(sk, file, 0, (uint32_t)ev.start_mark.line + 1, (uint32_t)ev.start_mark.column + 1,
              "more than %u YAML nodes: too large for a scenario", MAX_NODES);
      rc = AIA_EPARSE;
      done = true;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  if (rc == AIA_OK && aliases)
    rc = AIA_EPARSE;
  return rc;
}

/* The bitmap of reported nodes, sized for the tree as it is now. */
static int walk_bitmap(walk *w)
{
  size_t bits = (size_t)node_count(w) + 1;
  free(w->reported);
  w->reported = calloc(bits / 8 + 1, 1);
  if (w->reported == NULL) {
    w->nreported = 0;
    return AIA_ENOMEM;
  }
  w->nreported = bits;
  return AIA_OK;
}

/* Steps 4 and 5 on the tree as it is now. NULL on out of memory; else a
 * scenario, valid if w->errors is still 0. */
static aia_scenario *convert(walk *w)
{
  aia_scenario *scn = malloc(sizeof *scn);
  if (scn == NULL) {
    w->oom = true;
    return NULL;
  }
  aia__scn_defaults(scn);
  w->scn = scn;
  w->clock = scn->clock_hz;
  w->have_clock = false;
  memset(w->tnode, 0, sizeof w->tnode);
  aia__y_walk_map(w, root_id(w), AIA__TB_ROOT, scn, "", "");
  if (w->have_clock)
    scn->clock_hz = w->raw_clock;
  /* Cross-checks read values; after a value that did not convert (its
   * default stands in) they would report problems that are not there. */
  if (!w->oom && w->errors == w->soft)
    aia__scn_check(scn, aia__y_check_report, w);
  w->scn = NULL;
  if (w->oom) {
    aia_scenario_destroy(scn);
    return NULL;
  }
  return scn;
}

/* Walks the tree once more with one sweep value in place; the first problem
 * found (if any) goes to *first / *where. false on out of memory. */
static bool try_one(walk *w, aia_diag *first, skey *where, size_t *found)
{
  sink one;
  walk sub;
  aia_scenario *s2;
  memset(&one, 0, sizeof one);
  one.out = first;
  one.keys = where;
  one.cap = 1;
  memset(&sub, 0, sizeof sub);
  sub.doc = w->doc;
  sub.nfile = w->nfile;
  sub.orig = w->orig; /* read only: sub adds no node */
  sub.norig = w->norig;
  sub.corig = w->corig;
  sub.file = w->file;
  sub.sk = &one;
  sub.flags = w->flags | AIA__LOAD_NO_SWEEP_CHECK;
  if (walk_bitmap(&sub) != AIA_OK)
    return false;
  s2 = convert(&sub);
  free(sub.reported);
  if (s2 == NULL)
    return false;
  aia_scenario_destroy(s2);
  *found = one.found;
  return true;
}

/* Tries each value of a set sweep: the tree with the value at the sweep's
 * path must make a valid scenario. A problem is reported at the value. */
static void try_sweep_values(walk *w, const char *path)
{
  int vid = aia__y_locate(w, "sweep.values");
  const yaml_node_t *vn = node(w, vid);
  size_t cnt;
  if (vn == NULL || vn->type != YAML_SEQUENCE_NODE)
    return;
  cnt = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
  if ((uint64_t)cnt * (uint64_t)node_count(w) > SWEEP_BUDGET)
    return; /* too big to try here: each point is checked when it is loaded */
  for (size_t i = 0; i < cnt && !w->oom; i++) {
    int item = node(w, vid)->data.sequence.items.start[i];
    origin o = { 0, item };
    undo u;
    aia_diag first;
    skey fk = { 0, 0, 0, 0 }, here = { 0, 0, 0, 0 };
    size_t found = 0;
    const char *file;
    char why[200], q[64];

    u.n = 0;
    if (aia__y_tree_set(w, path, item, o, &u, why, sizeof why) != 0) {
      aia__y_undo_all(w, &u);
      if (!w->oom)
        aia__y_err(w, item, "values: cannot put this value at %s: %s", path, why);
      continue;
    }
    memset(&first, 0, sizeof first);
    if (!try_one(w, &first, &fk, &found))
      w->oom = true;
    aia__y_undo_all(w, &u);
    if (w->oom || found == 0)
      continue;
    node_place(w, item, &here, &file);
    qnode(node(w, item), q, sizeof q);
    if (fk.group == here.group && fk.line == here.line && fk.col == here.col)
      aia__y_err(w, item, "%s", first.message);
    else if (fk.group == 0)
      aia__y_err(w, item, "value %s for %s: %s (at %" PRIu32 ":%" PRIu32 ")", q, path,
                 first.message, fk.line, fk.col);
    else
      aia__y_err(w, item, "value %s for %s: %s", q, path, first.message);
  }
}

static char *dup_str(const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

/* What a loaded scenario keeps so its sweep points can be loaded again. */
static int keep_source(aia_scenario *scn, const char *name, const char *text, size_t len,
                       const aia_override *ov, size_t nov)
{
  snprintf(scn->source, sizeof scn->source, "%s", name != NULL ? name : "");
  scn->text = malloc(len + 1);
  if (scn->text == NULL)
    return AIA_ENOMEM;
  if (len > 0)
    memcpy(scn->text, text, len);
  scn->text[len] = '\0';
  scn->text_len = len;
  if (nov == 0)
    return AIA_OK;
  scn->ov_paths = calloc(nov, sizeof *scn->ov_paths);
  scn->ov_values = calloc(nov, sizeof *scn->ov_values);
  if (scn->ov_paths == NULL || scn->ov_values == NULL)
    return AIA_ENOMEM;
  scn->nov = (uint32_t)nov;
  for (size_t i = 0; i < nov; i++) {
    scn->ov_paths[i] = dup_str(ov[i].path);
    scn->ov_values[i] = dup_str(ov[i].value);
    if (scn->ov_paths[i] == NULL || scn->ov_values[i] == NULL)
      return AIA_ENOMEM;
  }
  return AIA_OK;
}

int aia__scn_load(const char *name, const char *text, size_t len, const aia_override *ov,
                  size_t nov, unsigned flags, aia_scenario **out, aia_diag *diags, size_t ndiag,
                  size_t *nfound)
{
  const char *file = name != NULL ? name : "<memory>";
  yaml_parser_t parser;
  yaml_document_t doc;
  aia_scenario *scn = NULL;
  sink sk;
  walk w;
  uint32_t soft = 0;
  int rc;

  if (out != NULL)
    *out = NULL;
  if (nfound != NULL)
    *nfound = 0;
  if (out == NULL || (text == NULL && len > 0) || (ov == NULL && nov > 0) || nov >= UINT32_MAX)
    return AIA_EINVAL;
  for (size_t i = 0; i < nov; i++)
    if (ov[i].path == NULL || ov[i].value == NULL)
      return AIA_EINVAL;
  if (text == NULL)
    text = "";
  rc = sink_init(&sk, diags, ndiag);
  if (rc != AIA_OK)
    return rc;

  /* 1: limits the loader does not enforce */
  rc = prepass(&sk, file, text, len, &soft);
  if (rc != AIA_OK)
    goto done;

  /* 2: the tree */
  if (!yaml_parser_initialize(&parser)) {
    rc = AIA_ENOMEM;
    goto done;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    rc = parser_problem(&sk, file, &parser, text, len);
    yaml_parser_delete(&parser);
    goto done;
  }
  yaml_parser_delete(&parser);
  if (doc.nodes.start == NULL) {
    /* nothing in the stream: the loader leaves the document unallocated;
     * give overrides a document they can add to */
    yaml_document_delete(&doc);
    if (!yaml_document_initialize(&doc, NULL, NULL, NULL, 1, 1)) {
      rc = AIA_ENOMEM;
      goto done;
    }
  }

  memset(&w, 0, sizeof w);
  w.doc = &doc;
  w.file = file;
  w.sk = &sk;
  w.flags = flags;
  w.nfile = node_count(&w);
  if (root_id(&w) != 0 && is_null(node(&w, root_id(&w)))) {
    /* a document with nothing in it ("---"): as empty as an empty file */
    yaml_document_delete(&doc);
    w.nfile = 0;
    if (!yaml_document_initialize(&doc, NULL, NULL, NULL, 1, 1)) {
      rc = AIA_ENOMEM;
      goto done;
    }
  }

  /* 3: overrides, as if the file said so (on an empty file, into a new
   * top-level mapping) */
  if (nov > 0 && root_id(&w) == 0) {
    origin o = { 1, 0 };
    if (aia__y_add_map(&w, o) == 0)
      w.oom = true;
  }
  for (size_t i = 0; i < nov && !w.oom; i++) {
    char why[200];
    origin o = { (uint32_t)(i + 1), 0 };
    int v = aia__y_add_scalar(&w, ov[i].value, strlen(ov[i].value), o);
    if (v == 0) {
      if (!w.oom) {
        sink_at(&sk, OV_FILE, 1, (uint32_t)(i + 1), 0, "%s: the value is not valid UTF-8",
                ov[i].path);
        w.errors++;
      }
      continue;
    }
    if (aia__y_tree_set(&w, ov[i].path, v, o, NULL, why, sizeof why) != 0 && !w.oom) {
      sink_at(&sk, OV_FILE, 1, (uint32_t)(i + 1), 0, "%s", why);
      w.errors++; /* not applied: the file's own values are still sound */
      w.soft++;
    }
  }

  /* 4 and 5: the walk and the checks */
  if (!w.oom && walk_bitmap(&w) != AIA_OK)
    w.oom = true;
  if (w.oom) {
    /* nothing more */
  } else if (root_id(&w) == 0) {
    sink_at(&sk, file, 0, 1, 1,
            "the file is empty: a scenario needs at least aiasim: 1, a name and a duration");
    w.errors++;
  } else {
    scn = convert(&w);
    if (scn != NULL && w.errors == 0 && soft == 0 && scn->sweep.kind == AIA_SWEEP_SET &&
        !(flags & AIA__LOAD_NO_SWEEP_CHECK))
      try_sweep_values(&w, scn->sweep.path);
  }
  if (w.oom)
    rc = AIA_ENOMEM;
  else if (w.errors > 0 || soft > 0 || scn == NULL)
    rc = AIA_ESCHEMA;
  else
    rc = keep_source(scn, name, text, len, ov, nov);
  free(w.reported);
  free(w.orig);
  yaml_document_delete(&doc);

done:
  if (rc != AIA_OK) {
    aia_scenario_destroy(scn);
    scn = NULL;
  }
  if (nfound != NULL)
    *nfound = sk.found;
  free(sk.keys);
  *out = scn;
  return rc;
}

int aia_scenario_load_mem(const char *name, const char *text, size_t len,
                          const aia_override *ov, size_t nov, aia_scenario **out,
                          aia_diag *diags, size_t ndiag, size_t *nfound)
{
  return aia__scn_load(name, text, len, ov, nov, 0, out, diags, ndiag, nfound);
}

int aia_scenario_load_file(const char *path, const aia_override *ov, size_t nov,
                           aia_scenario **out, aia_diag *diags, size_t ndiag, size_t *nfound)
{
  FILE *fp;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int rc, e = 0;

  if (out != NULL)
    *out = NULL;
  if (nfound != NULL)
    *nfound = 0;
  if (path == NULL || out == NULL)
    return AIA_EINVAL;
  fp = fopen(path, "rb");
  if (fp == NULL) {
    e = errno;
  } else {
    for (;;) {
      if (len == cap) {
        size_t nc = cap ? cap * 2 : 4096;
        char *nb;
        if (cap >= MAX_FILE_BYTES) {
          e = EFBIG;
          break;
        }
        nb = realloc(buf, nc);
        if (nb == NULL) {
          free(buf);
          fclose(fp);
          return AIA_ENOMEM;
        }
        buf = nb;
        cap = nc;
      }
      size_t got = fread(buf + len, 1, cap - len, fp);
      len += got;
      if (got == 0) {
        if (ferror(fp))
          e = errno != 0 ? errno : EIO;
        break;
      }
    }
    fclose(fp);
  }
  if (e != 0) {
    char msg[128];
    free(buf);
    if (e == EFBIG)
      snprintf(msg, sizeof msg, "the file is larger than %u MiB", MAX_FILE_BYTES >> 20);
    else if (strerror_r(e, msg, sizeof msg) != 0)
      snprintf(msg, sizeof msg, "error %d", e);
    if (nfound != NULL)
      *nfound = 1;
    if (diags != NULL && ndiag > 0) {
      memset(&diags[0], 0, sizeof diags[0]);
      set_file(&diags[0], path);
      snprintf(diags[0].message, sizeof diags[0].message, "cannot read the file: %s", msg);
    }
    return AIA_EIO;
  }
  rc = aia__scn_load(path, buf != NULL ? buf : "", len, ov, nov, 0, out, diags, ndiag, nfound);
  free(buf);
  return rc;
}
