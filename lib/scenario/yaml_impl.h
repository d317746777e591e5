/* lib/scenario/yaml_impl.h: what the YAML front end's files share (private):
 * the walk over libyaml's node tree and its helpers. yaml.c loads the text
 * and reports problems, yaml_walk.c walks the tree into a scenario,
 * yaml_read.c reads its values, and yaml_tree.c finds and edits places on
 * it by path.
 * SPDX-License-Identifier: MIT */
#ifndef AIA__YAML_IMPL_H
#define AIA__YAML_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "scenario/scn_impl.h"

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF_LIKE(a, b)
#endif

typedef struct sink sink; /* yaml.c: the problems found */

typedef struct origin {
  uint32_t ov; /* 1-based override that made the node, or 0 */
  int ref;     /* else: the node whose place it takes (a sweep value) */
} origin;

typedef struct walk {
  yaml_document_t *doc;
  int nfile;       /* nodes 1..nfile came from the text */
  origin *orig;    /* origins of nodes nfile+1 .. */
  size_t norig, corig;
  const char *file;
  sink *sk;
  uint8_t *reported; /* bit per node: a problem was reported there */
  size_t nreported;  /* bits */
  aia_scenario *scn;
  uint64_t clock;    /* clock used for conversions (a valid one) */
  uint64_t raw_clock;
  bool have_clock;
  unsigned flags;
  bool oom;
  uint32_t errors;
  uint32_t soft;   /* of which unknown or duplicate keys: the values read are sound */
  int tnode[AIA_T_COUNT_]; /* value node that set each timing field */
} walk;

/* Undo log of tree edits made to try one sweep value. */
typedef struct undo {
  struct {
    int map;
    size_t pair; /* (size_t)-1: an appended pair */
    int old;
  } op[40];
  int n;
} undo;

static inline yaml_node_t *node(const walk *w, int id)
{
  return id > 0 ? yaml_document_get_node(w->doc, id) : NULL;
}

static inline int root_id(const walk *w)
{
  return yaml_document_get_root_node(w->doc) != NULL ? 1 : 0;
}

static inline bool is_null(const yaml_node_t *n)
{
  const char *v;
  if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return false;
  v = (const char *)n->data.scalar.value;
  return n->data.scalar.length == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
         strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static inline bool was_reported(const walk *w, int id)
{
  return id > 0 && (size_t)id < w->nreported && (w->reported[id / 8] >> (id % 8)) & 1u;
}

/* yaml.c: a problem at node id (its place: file:line:col, or <--set>:N:0). */
void PRINTF_LIKE(3, 4) aia__y_err(walk *w, int id, const char *fmt, ...);
/* A printable, quoted and shortened copy of s[0..n) for messages, in buf. */
const char *aia__y_quote(const char *s, size_t n, char *buf, size_t len);
/* What a node is, for messages ("a list", "'abc'"). */
const char *aia__y_what(const yaml_node_t *n, char *buf, size_t len);
/* The scalar of node id for field f (its length in *len), or NULL after
 * reporting that it is not one. */
const char *aia__y_scalar(walk *w, const aia__field *f, int id, size_t *len);
/* Of nodes a and b, the one that comes later in the file. */
int aia__y_later(const walk *w, int a, int b);
/* Line and column of node id in the file, true; or false when an override
 * made the node (then *line is the override's number and *col 0). */
bool aia__y_file_place(const walk *w, int id, uint32_t *line, uint32_t *col);

/* yaml_walk.c: walks mapping node id against schema table tb into obj;
 * key names the mapping and where its place, for messages. */
void aia__y_walk_map(walk *w, int id, unsigned tb, void *obj, const char *key, const char *where);

/* yaml_read.c: the value readers, each for one kind of schema field (f)
 * at node id, writing into obj at f's offset. */
void *aia__y_at(void *obj, uint16_t off);
void aia__y_put_cycles(void *obj, uint16_t off, uint64_t v);
bool aia__y_read_uint(walk *w, const aia__field *f, int id, uint64_t max, uint64_t *v);
bool aia__y_read_dur(walk *w, const aia__field *f, int id, bool sign, int64_t *sv, uint64_t *v);
void aia__y_read_version(walk *w, const aia__field *f, int id);
void aia__y_read_text(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_name(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_clock(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_time(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_rate(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_enum(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_words(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_ranges(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_list(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_features(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_llc(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_nice(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_vmref(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_path(walk *w, const aia__field *f, int id, void *obj);
void aia__y_read_values(walk *w, const aia__field *f, int id, void *obj);

/* yaml_tree.c */
/* The node a check's path ("vms.vm0.vcpus", alternatives split by '|')
 * names, or the nearest one that exists (the root at worst). */
int aia__y_locate(const walk *w, const char *path);
/* aia__scn_check's report: the problem placed on the node of its path. */
void aia__y_check_report(void *user, const char *path, const char *msg);
/* A new scalar, or an empty block mapping, made by origin o; 0 when out of memory. */
int aia__y_add_scalar(walk *w, const char *s, size_t len, origin o);
int aia__y_add_map(walk *w, origin o);
/* Puts node val at path (creating the maps on the way); the edits go to u
 * when u is not NULL. -1 with why when the path cannot be set. */
int aia__y_tree_set(walk *w, const char *path, int val, origin o, undo *u, char *why,
                       size_t whylen);
/* Takes back the edits logged in u. */
void aia__y_undo_all(walk *w, undo *u);

#endif /* AIA__YAML_IMPL_H */
