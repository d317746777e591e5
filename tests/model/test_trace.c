/* Timeline writers (include/aiasim/trace.h): the Chrome JSON parsed back with
 * jansson and the VCD read back by a small checker, on the idle-guests
 * system (2 harts, 4 idle vCPUs of one VM, a Poisson device), built with
 * the public API only. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include <jansson.h>

#include "aia_test.h"

#define RUN_END 4000000u /* 4 ms at 1 GHz */

/* ------------------------------------------------------------ system --- */

typedef struct sys {
  aia_sim *sim;
  aia_platform *plat;
  aia_host *host;
  aia_kvm *kvm;
  aia_vm *vm;
} sys;

/* The idle-guests system, every vCPU started at cycle 0. Returns 0 or a
 * status (no cmocka asserts: also used from other threads). */
static int sys_build_clock_rc(sys *s, uint64_t seed, uint64_t clock_hz)
{
  aia_sim_config sc;
  aia_platform_config pc;
  aia_host_config hc;
  aia_kvm_config kc;
  aia_vm_config vc;
  aia_device_config dc;
  aia_device *dev;
  int rc;
  memset(s, 0, sizeof *s);
  aia_sim_config_init(&sc);
  sc.seed = seed;
  sc.clock_hz = clock_hz;
  if ((rc = aia_sim_create(&sc, &s->sim)) != AIA_OK)
    return rc;
  aia_platform_config_init(&pc);
  pc.harts = 2;
  pc.geilen = 7;
  pc.ids = 63;
  if ((rc = aia_platform_create(s->sim, &pc, &s->plat)) != AIA_OK)
    return rc;
  aia_host_config_init(&hc);
  hc.balance_interval = 0;
  if ((rc = aia_host_create(s->sim, s->plat, &hc, &s->host)) != AIA_OK)
    return rc;
  aia_kvm_config_init(&kc);
  if ((rc = aia_kvm_create(s->sim, s->plat, s->host, &kc, &s->kvm)) != AIA_OK)
    return rc;
  aia_vm_config_init(&vc);
  vc.vcpus = 4;
  if ((rc = aia_vm_create(s->kvm, &vc, &s->vm)) != AIA_OK)
    return rc;
  for (uint32_t i = 0; i < 4; i++) {
    aia_guest_config gc;
    aia_vcpu *v = aia_vm_vcpu(s->vm, i);
    aia_guest_config_init(&gc);
    gc.behaviour = AIA_BEHAVIOUR_IDLE;
    if ((rc = aia_guest_attach(s->sim, v, &gc)) != AIA_OK)
      return rc;
    if ((rc = aia_vcpu_guest_setup(v, 1, 0, 1, pc.ids)) != AIA_OK)
      return rc;
  }
  aia_device_config_init(&dc);
  dc.vm = s->vm;
  dc.period = 50000;
  return aia_device_create(s->kvm, &dc, &dev);
}

static int sys_build_rc(sys *s, uint64_t seed)
{
  return sys_build_clock_rc(s, seed, 1000000000u);
}

static int sys_start_rc(sys *s)
{
  int rc;
  for (uint32_t i = 0; i < 4; i++)
    if ((rc = aia_vcpu_start(aia_vm_vcpu(s->vm, i), 0)) != AIA_OK)
      return rc;
  return AIA_OK;
}

static void sys_build(sys *s, uint64_t seed)
{
  int rc = sys_build_rc(s, seed);
  if (rc != AIA_OK)
    fail_msg("building the system: %s (%s)", aia_status_name(rc),
             s->sim ? aia_sim_errmsg(s->sim) : "no sim");
}

static void sys_start(sys *s)
{
  assert_aia_ok(s->sim, sys_start_rc(s));
}

static void trace_cfg(const sys *s, aia_trace_config *c, const char *name, aia_cycle from,
                      aia_cycle to)
{
  aia_trace_config_init(c);
  c->platform = s->plat;
  c->kvm = s->kvm;
  c->scenario = name;
  c->from = from;
  c->to = to;
}

/* ---------------------------------------------------- memory streams --- */

typedef struct mbuf {
  char *p;
  size_t n;
  FILE *f;
} mbuf;

static void mb_open(mbuf *m)
{
  memset(m, 0, sizeof *m);
  m->f = open_memstream(&m->p, &m->n);
  assert_non_null(m->f);
}

static void mb_close(mbuf *m)
{
  assert_int_equal(fclose(m->f), 0);
  m->f = NULL;
}

/* One run with both writers (full window) into memory. */
typedef struct both {
  mbuf json, vcd;
} both;

static int run_both_rc(uint64_t seed, uint32_t chunks, aia_cycle from, aia_cycle to, both *out)
{
  sys s;
  aia_trace_config c;
  aia_trace_chrome *tc = NULL;
  aia_trace_vcd *tv = NULL;
  int rc = sys_build_rc(&s, seed);
  memset(out, 0, sizeof *out);
  out->json.f = open_memstream(&out->json.p, &out->json.n);
  out->vcd.f = open_memstream(&out->vcd.p, &out->vcd.n);
  if (out->json.f == NULL || out->vcd.f == NULL)
    rc = AIA_EIO;
  if (rc == AIA_OK) {
    aia_trace_config_init(&c);
    c.platform = s.plat;
    c.kvm = s.kvm;
    c.scenario = "idle-guests";
    c.from = from;
    c.to = to;
    rc = aia_trace_chrome_open(s.sim, out->json.f, &c, &tc);
  }
  if (rc == AIA_OK)
    rc = aia_trace_vcd_open(s.sim, out->vcd.f, &c, &tv);
  if (rc == AIA_OK)
    rc = sys_start_rc(&s);
  for (uint32_t k = 1; rc == AIA_OK && k <= chunks; k++)
    rc = aia_sim_run_until(s.sim, (aia_cycle)RUN_END * k / chunks);
  if (rc == AIA_OK)
    rc = aia_trace_chrome_close(tc);
  if (rc == AIA_OK)
    rc = aia_trace_vcd_close(tv);
  aia_sim_destroy(s.sim);
  if (out->json.f)
    fclose(out->json.f);
  if (out->vcd.f)
    fclose(out->vcd.f);
  return rc;
}

static void both_free(both *b)
{
  free(b->json.p);
  free(b->vcd.p);
}

/* ---------------------------------------------------- Chrome checker --- */

static int64_t ns_of(const json_t *v)
{
  if (json_is_integer(v))
    return (int64_t)json_integer_value(v) * 1000;
  assert_true(json_is_real(v));
  return (int64_t)llround(json_real_value(v) * 1000.0);
}

static const char *str_of(const json_t *o, const char *key)
{
  const json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

typedef struct xs {
  int64_t tid, b, e;
} xs;

static int xs_cmp(const void *pa, const void *pb)
{
  const xs *a = pa, *b = pb;
  if (a->tid != b->tid)
    return a->tid < b->tid ? -1 : 1;
  if (a->b != b->b)
    return a->b < b->b ? -1 : 1;
  if (a->e != b->e)
    return a->e > b->e ? -1 : 1; /* the longer (the parent) first */
  return 0;
}

typedef struct chrome_stats {
  size_t events, slices, instants, flows, guest_slices, claims, sources;
  int64_t min_ns, max_ns;
} chrome_stats;

/* Parses and checks a Chrome trace; window [from_ns, to_ns) (to_ns < 0: none). */
static json_t *check_chrome(const char *text, size_t len, const char *scenario, uint64_t seed,
                            int64_t from_ns, int64_t to_ns, chrome_stats *st)
{
  json_error_t err;
  json_t *root = json_loadb(text, len, 0, &err);
  if (root == NULL)
    fail_msg("invalid JSON at line %d col %d: %s", err.line, err.column, err.text);
  memset(st, 0, sizeof *st);
  st->min_ns = INT64_MAX;
  st->max_ns = INT64_MIN;

  assert_string_equal(str_of(root, "displayTimeUnit"), "ns");
  json_t *other = json_object_get(root, "otherData");
  assert_true(json_is_object(other));
  assert_string_equal(str_of(other, "scenario"), scenario);
  char seedbuf[32];
  snprintf(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)seed);
  assert_string_equal(str_of(other, "seed"), seedbuf);
  assert_non_null(strstr(str_of(other, "generator"), "aiasim"));

  json_t *evs = json_object_get(root, "traceEvents");
  assert_true(json_is_array(evs));
  size_t n = json_array_size(evs);
  xs *x = calloc(n ? n : 1, sizeof *x);
  assert_non_null(x);
  size_t nx = 0;
  int64_t last = INT64_MIN;
  /* Named tracks, and flows by id (ids are small MSI numbers here). */
  bool named[64] = { false };
  json_t *flows_s = json_object(), *flows_f = json_object();

  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(evs, i);
    const char *ph = str_of(e, "ph");
    assert_non_null(ph);
    assert_true(json_is_integer(json_object_get(e, "pid")));
    json_int_t tid = json_integer_value(json_object_get(e, "tid"));
    if (strcmp(ph, "M") == 0) {
      const char *name = str_of(e, "name");
      if (strcmp(name, "thread_name") == 0) {
        assert_true(tid >= 0 && tid < 64);
        named[tid] = true;
        assert_non_null(str_of(json_object_get(e, "args"), "name"));
      }
      assert_null(json_object_get(e, "ts"));
      continue;
    }
    st->events++;
    assert_true(tid >= 0 && tid < 64);
    if (!named[tid])
      fail_msg("event %zu on tid %lld before (or without) its thread_name", i, (long long)tid);
    int64_t ts = ns_of(json_object_get(e, "ts"));
    if (ts < last)
      fail_msg("event %zu: ts %lld ns before the previous %lld ns", i, (long long)ts,
               (long long)last);
    last = ts;
    if (ts < st->min_ns)
      st->min_ns = ts;
    if (ts < from_ns)
      fail_msg("event %zu at %lld ns before the window (%lld)", i, (long long)ts,
               (long long)from_ns);
    if (strcmp(ph, "X") == 0) {
      int64_t dur = ns_of(json_object_get(e, "dur"));
      assert_true(dur > 0);
      assert_non_null(str_of(e, "name"));
      assert_non_null(str_of(e, "cat"));
      x[nx].tid = tid;
      x[nx].b = ts;
      x[nx].e = ts + dur;
      if (to_ns >= 0 && ts + dur > to_ns)
        fail_msg("slice %zu ends at %lld ns, after the window (%lld)", i, (long long)(ts + dur),
                 (long long)to_ns);
      if (ts + dur > st->max_ns)
        st->max_ns = ts + dur;
      nx++;
      st->slices++;
      if (strcmp(str_of(e, "cat"), "guest") == 0)
        st->guest_slices++;
    } else {
      if (to_ns >= 0 && ts >= to_ns)
        fail_msg("event %zu at %lld ns, at or after the window end (%lld)", i, (long long)ts,
                 (long long)to_ns);
      if (ts > st->max_ns)
        st->max_ns = ts;
      if (strcmp(ph, "i") == 0) {
        st->instants++;
        assert_string_equal(str_of(e, "s"), "t");
        if (strcmp(str_of(e, "name"), "claim") == 0)
          st->claims++;
        if (strcmp(str_of(e, "name"), "msi_source") == 0)
          st->sources++;
      } else if (strcmp(ph, "s") == 0 || strcmp(ph, "f") == 0) {
        char key[32];
        json_t *id = json_object_get(e, "id");
        assert_true(json_is_integer(id));
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(id));
        json_t *map = ph[0] == 's' ? flows_s : flows_f;
        if (json_object_get(map, key) != NULL)
          fail_msg("flow %s has two '%s' events", key, ph);
        json_object_set_new(map, key, json_integer(ts));
        if (ph[0] == 'f')
          assert_string_equal(str_of(e, "bp"), "e");
      } else {
        fail_msg("unexpected phase '%s'", ph);
      }
    }
  }

  /* Every flow start has its finish, not before it, and the other way round. */
  const char *key;
  json_t *v;
  json_object_foreach(flows_s, key, v) {
    json_t *f = json_object_get(flows_f, key);
    if (f == NULL)
      fail_msg("flow %s has no finish", key);
    assert_true(json_integer_value(f) >= json_integer_value(v));
    st->flows++;
  }
  assert_int_equal(json_object_size(flows_s), json_object_size(flows_f));
  json_decref(flows_s);
  json_decref(flows_f);

  /* Slices within a track nest: sorted by start (parents first), each one
   * lies inside the innermost still-open slice or after all of them. */
  qsort(x, nx, sizeof *x, xs_cmp);
  xs *stack = calloc(nx ? nx : 1, sizeof *stack);
  assert_non_null(stack);
  size_t depth = 0;
  for (size_t i = 0; i < nx; i++) {
    if (i > 0 && x[i].tid != x[i - 1].tid)
      depth = 0;
    while (depth > 0 && stack[depth - 1].e <= x[i].b)
      depth--;
    if (depth > 0 && x[i].e > stack[depth - 1].e)
      fail_msg("tid %lld: slice [%lld, %lld) overlaps [%lld, %lld)", (long long)x[i].tid,
               (long long)x[i].b, (long long)x[i].e, (long long)stack[depth - 1].b,
               (long long)stack[depth - 1].e);
    stack[depth++] = x[i];
  }
  free(stack);
  free(x);
  /* Track names: harts 1..2, vCPUs 3..6, the events track 7. */
  for (int t = 1; t <= 7; t++)
    assert_true(named[t]);
  return root;
}

/* Thread name of a tid in a parsed trace (NULL if none). */
static const char *track_name(json_t *root, json_int_t tid)
{
  json_t *evs = json_object_get(root, "traceEvents");
  for (size_t i = 0; i < json_array_size(evs); i++) {
    json_t *e = json_array_get(evs, i);
    if (strcmp(str_of(e, "ph"), "M") == 0 && strcmp(str_of(e, "name"), "thread_name") == 0 &&
        json_integer_value(json_object_get(e, "tid")) == tid)
      return str_of(json_object_get(e, "args"), "name");
  }
  return NULL;
}

/* ------------------------------------------------------- VCD checker --- */

#define VMAX 256

typedef struct vvar {
  char id[8];
  char path[64]; /* scope.name, e.g. aia.hart0.hgeip */
  unsigned width;
  uint64_t init;
  bool has_init;
} vvar;

typedef struct vchange {
  uint64_t time;
  int var;
  uint64_t value;
} vchange;

typedef struct vcd {
  vvar var[VMAX];
  int nvar;
  char timescale[16];
  char comment[256];
  bool version, enddefs;
  uint64_t first_time, last_time;
  bool any_time;
  vchange *ch;
  size_t nch, cch;
} vcd;

static int vcd_var(const vcd *d, const char *id)
{
  for (int i = 0; i < d->nvar; i++)
    if (strcmp(d->var[i].id, id) == 0)
      return i;
  return -1;
}

static int vcd_path(const vcd *d, const char *path)
{
  for (int i = 0; i < d->nvar; i++)
    if (strcmp(d->var[i].path, path) == 0)
      return i;
  return -1;
}

/* Reads a VCD back and checks its structure. The returned changes do not
 * include $dumpvars (those are the initial values). */
static void check_vcd(const char *text, size_t len, vcd *d)
{
  char *buf = malloc(len + 1);
  char *save = NULL, *tok;
  char scope[8][32];
  int depth = 0;
  bool in_dump = false, dumped = false;
  assert_non_null(buf);
  memcpy(buf, text, len);
  buf[len] = '\0';
  memset(d, 0, sizeof *d);

  tok = strtok_r(buf, " \n", &save);
  while (tok && !d->enddefs) {
    if (strcmp(tok, "$date") == 0) {
      fail_msg("$date must not be written");
    } else if (strcmp(tok, "$version") == 0 || strcmp(tok, "$comment") == 0 ||
               strcmp(tok, "$timescale") == 0) {
      char *dst = tok[1] == 'c' ? d->comment : tok[1] == 't' ? d->timescale : NULL;
      size_t cap = tok[1] == 'c' ? sizeof d->comment : sizeof d->timescale;
      if (tok[1] == 'v')
        d->version = true;
      while ((tok = strtok_r(NULL, " \n", &save)) && strcmp(tok, "$end") != 0) {
        assert_true(tok[0] != '$');
        if (dst) {
          size_t used = strlen(dst);
          snprintf(dst + used, cap - used, "%s%s", used ? " " : "", tok);
        }
      }
      assert_non_null(tok);
    } else if (strcmp(tok, "$scope") == 0) {
      assert_string_equal(strtok_r(NULL, " \n", &save), "module");
      assert_true(depth < 8);
      snprintf(scope[depth++], sizeof scope[0], "%s", strtok_r(NULL, " \n", &save));
      assert_string_equal(strtok_r(NULL, " \n", &save), "$end");
    } else if (strcmp(tok, "$upscope") == 0) {
      assert_true(depth > 0);
      depth--;
      assert_string_equal(strtok_r(NULL, " \n", &save), "$end");
    } else if (strcmp(tok, "$var") == 0) {
      vvar *v = &d->var[d->nvar];
      assert_true(d->nvar < VMAX);
      assert_string_equal(strtok_r(NULL, " \n", &save), "wire");
      v->width = (unsigned)strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      assert_true(v->width >= 1 && v->width <= 64);
      tok = strtok_r(NULL, " \n", &save);
      assert_true(strlen(tok) < sizeof v->id);
      for (const char *c = tok; *c; c++)
        assert_true(*c >= 33 && *c <= 126);
      if (vcd_var(d, tok) >= 0)
        fail_msg("identifier %s declared twice", tok);
      snprintf(v->id, sizeof v->id, "%s", tok);
      const char *name = strtok_r(NULL, " \n", &save);
      size_t pl = 0;
      v->path[0] = '\0';
      for (int k = 0; k < depth; k++)
        pl += (size_t)snprintf(v->path + pl, sizeof v->path - pl, "%s.", scope[k]);
      assert_true(pl < sizeof v->path);
      snprintf(v->path + pl, sizeof v->path - pl, "%s", name);
      tok = strtok_r(NULL, " \n", &save);
      if (tok[0] == '[') { /* optional bit range [w-1:0] */
        char want[16];
        snprintf(want, sizeof want, "[%u:0]", v->width - 1);
        assert_string_equal(tok, want);
        tok = strtok_r(NULL, " \n", &save);
      }
      assert_string_equal(tok, "$end");
      d->nvar++;
    } else if (strcmp(tok, "$enddefinitions") == 0) {
      assert_string_equal(strtok_r(NULL, " \n", &save), "$end");
      assert_int_equal(depth, 0);
      d->enddefs = true;
    } else {
      fail_msg("unexpected header token '%s'", tok);
    }
    if (!d->enddefs)
      tok = strtok_r(NULL, " \n", &save);
  }
  assert_true(d->version);
  assert_true(d->enddefs);
  assert_true(d->nvar > 0);

  while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
    if (tok[0] == '#') {
      char *end;
      uint64_t t = strtoull(tok + 1, &end, 10);
      assert_true(*end == '\0' && end != tok + 1);
      if (d->any_time && t <= d->last_time)
        fail_msg("time #%llu does not follow #%llu", (unsigned long long)t,
                 (unsigned long long)d->last_time);
      if (!d->any_time)
        d->first_time = t;
      d->any_time = true;
      d->last_time = t;
      continue;
    }
    if (strcmp(tok, "$dumpvars") == 0) {
      assert_false(dumped);
      assert_true(d->any_time);
      in_dump = true;
      continue;
    }
    if (strcmp(tok, "$end") == 0) {
      assert_true(in_dump);
      in_dump = false;
      dumped = true;
      for (int i = 0; i < d->nvar; i++)
        if (!d->var[i].has_init)
          fail_msg("%s has no initial value", d->var[i].path);
      continue;
    }
    assert_true(d->any_time); /* a value needs a time */
    uint64_t value = 0;
    const char *id;
    int vi;
    if (tok[0] == 'b') {
      size_t nb = strlen(tok + 1);
      assert_true(nb >= 1);
      for (size_t k = 1; tok[k]; k++) {
        assert_true(tok[k] == '0' || tok[k] == '1');
        value = (value << 1) | (uint64_t)(tok[k] - '0');
      }
      id = strtok_r(NULL, " \n", &save);
      assert_non_null(id);
      vi = vcd_var(d, id);
      if (vi < 0)
        fail_msg("value for undeclared identifier %s", id);
      if (nb > d->var[vi].width)
        fail_msg("%s: %zu bits for a %u-bit signal", d->var[vi].path, nb, d->var[vi].width);
    } else {
      assert_true(tok[0] == '0' || tok[0] == '1');
      value = (uint64_t)(tok[0] - '0');
      id = tok + 1;
      vi = vcd_var(d, id);
      if (vi < 0)
        fail_msg("value for undeclared identifier %s", id);
      assert_int_equal(d->var[vi].width, 1);
    }
    if (in_dump) {
      d->var[vi].init = value;
      d->var[vi].has_init = true;
      continue;
    }
    assert_true(dumped);
    if (d->nch == d->cch) {
      d->cch = d->cch ? d->cch * 2 : 1024;
      d->ch = realloc(d->ch, d->cch * sizeof *d->ch);
      assert_non_null(d->ch);
    }
    d->ch[d->nch].time = d->last_time;
    d->ch[d->nch].var = vi;
    d->ch[d->nch].value = value;
    d->nch++;
  }
  assert_false(in_dump);
  assert_true(dumped);
  free(buf);
}

/* ------------------------------------------------------ record hook --- */

typedef struct rec_log {
  aia_event *ev;
  size_t n, cap;
} rec_log;

static void rec_hook(void *user, const aia_event *ev)
{
  rec_log *l = user;
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 4096;
    l->ev = realloc(l->ev, l->cap * sizeof *l->ev);
    assert_non_null(l->ev);
  }
  l->ev[l->n++] = *ev;
}

/* The changes a VCD must show for one signal fed by records of `kind` on
 * `hart` (or for one vCPU): the value at the end of each cycle after
 * `dump_at`, where it differs from the one before. */
typedef struct want {
  uint64_t cycle, value;
} want;

static size_t expected_changes(const rec_log *l, uint32_t kind, uint32_t hart, uint32_t vm,
                               uint32_t vcpu, uint64_t init, uint64_t dump_at, want *out,
                               size_t cap)
{
  uint64_t cur = init, shown = init, cyc = 0;
  bool open = false;
  size_t n = 0;
  for (size_t i = 0; i <= l->n; i++) {
    const aia_event *e = i < l->n ? &l->ev[i] : NULL;
    if (e != NULL) {
      if (e->kind != kind)
        continue;
      if (kind == AIA_EV_VCPU_STATE ? (e->vm != vm || e->vcpu != vcpu) : e->hart != hart)
        continue;
    }
    /* A cycle's records are complete: its final value is what shows. */
    if (open && (e == NULL || e->cycle != cyc)) {
      if (cyc > dump_at && cur != shown) {
        assert_true(n < cap);
        out[n].cycle = cyc;
        out[n].value = cur;
        n++;
      }
      shown = cur;
      open = false;
    }
    if (e == NULL)
      break;
    cur = e->arg;
    cyc = e->cycle;
    open = true;
  }
  return n;
}

/* ------------------------------------------------------------- tests --- */

static void test_chrome_parses_and_nests(void **state)
{
  sys s;
  mbuf m;
  aia_trace_config c;
  aia_trace_chrome *w;
  chrome_stats st;
  (void)state;
  sys_build(&s, 7);
  mb_open(&m);
  trace_cfg(&s, &c, "idle-guests", 0, 0);
  assert_aia_ok(s.sim, aia_trace_chrome_open(s.sim, m.f, &c, &w));
  sys_start(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, RUN_END));
  assert_aia_ok(s.sim, aia_trace_chrome_close(w));
  assert_aia_status(aia_trace_chrome_close(w), AIA_ESTATE);
  aia_sim_destroy(s.sim);
  mb_close(&m);

  json_t *root = check_chrome(m.p, m.n, "idle-guests", 7, 0, -1, &st);
  /* A busy enough picture: slices on every kind of track, guests nested in
   * their threads, MSIs from source to claim. */
  assert_true(st.slices > 100);
  assert_true(st.guest_slices > 10);
  assert_true(st.sources > 40);
  assert_true(st.claims > 40);
  assert_true(st.flows > 40);
  assert_true(st.flows <= st.sources);
  assert_true(st.max_ns <= (int64_t)RUN_END);
  assert_string_equal(track_name(root, 1), "hart0");
  assert_string_equal(track_name(root, 2), "hart1");
  assert_string_equal(track_name(root, 3), "vm0 vcpu0");
  assert_string_equal(track_name(root, 6), "vm0 vcpu3");
  assert_string_equal(track_name(root, 7), "events");
  /* The file ends with the closing brackets. */
  assert_true(m.n > 4 && strcmp(m.p + m.n - 4, "\n]}\n") == 0);
  json_decref(root);
  free(m.p);
}

/* Two writers on one run: the full trace and a window. The window holds
 * nothing outside it, and exactly the full trace's instants inside it. */
static void test_chrome_window(void **state)
{
  const aia_cycle from = 1000000, to = 3000000;
  sys s;
  mbuf full, win;
  aia_trace_config c;
  aia_trace_chrome *wf, *ww;
  chrome_stats sf, sw;
  (void)state;
  sys_build(&s, 11);
  mb_open(&full);
  mb_open(&win);
  trace_cfg(&s, &c, "idle-guests", 0, 0);
  assert_aia_ok(s.sim, aia_trace_chrome_open(s.sim, full.f, &c, &wf));
  trace_cfg(&s, &c, "idle-guests", from, to);
  assert_aia_ok(s.sim, aia_trace_chrome_open(s.sim, win.f, &c, &ww));
  sys_start(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, RUN_END));
  assert_aia_ok(s.sim, aia_trace_chrome_close(ww));
  assert_aia_ok(s.sim, aia_trace_chrome_close(wf));
  aia_sim_destroy(s.sim);
  mb_close(&full);
  mb_close(&win);

  json_t *rf = check_chrome(full.p, full.n, "idle-guests", 11, 0, -1, &sf);
  json_t *rw = check_chrome(win.p, win.n, "idle-guests", 11, (int64_t)from, (int64_t)to, &sw);
  assert_true(sw.events > 0 && sw.events < sf.events);
  assert_true(sw.flows > 0 && sw.flows <= sf.flows);
  /* Slices crossing the window edges are cut at them. */
  assert_int_equal(sw.min_ns, (int64_t)from);
  assert_int_equal(sw.max_ns, (int64_t)to);

  json_t *ef = json_object_get(rf, "traceEvents"), *ew = json_object_get(rw, "traceEvents");
  size_t k = 0, matched = 0;
  for (size_t i = 0; i < json_array_size(ef); i++) {
    json_t *e = json_array_get(ef, i);
    if (strcmp(str_of(e, "ph"), "i") != 0)
      continue;
    int64_t ts = ns_of(json_object_get(e, "ts"));
    if (ts < (int64_t)from || ts >= (int64_t)to)
      continue;
    while (k < json_array_size(ew) && strcmp(str_of(json_array_get(ew, k), "ph"), "i") != 0)
      k++;
    assert_true(k < json_array_size(ew));
    assert_true(json_equal(e, json_array_get(ew, k)));
    k++;
    matched++;
  }
  while (k < json_array_size(ew))
    assert_string_not_equal(str_of(json_array_get(ew, k++), "ph"), "i");
  assert_int_equal(matched, sw.instants);
  json_decref(rf);
  json_decref(rw);
  free(full.p);
  free(win.p);
}

static void test_vcd_reads_back(void **state)
{
  sys s;
  mbuf m;
  aia_trace_config c;
  aia_trace_vcd *w;
  rec_log log = { 0 };
  vcd d;
  static want wanted[200000];
  (void)state;
  sys_build(&s, 7);
  assert_aia_ok(s.sim, aia_sim_hook_add(s.sim, AIA_EV_ALL, rec_hook, &log, NULL));
  mb_open(&m);
  trace_cfg(&s, &c, "idle-guests", 0, 0);
  assert_aia_ok(s.sim, aia_trace_vcd_open(s.sim, m.f, &c, &w));
  sys_start(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, RUN_END));
  assert_aia_ok(s.sim, aia_trace_vcd_close(w));
  assert_aia_status(aia_trace_vcd_close(w), AIA_ESTATE);
  aia_sim_destroy(s.sim);
  mb_close(&m);

  check_vcd(m.p, m.n, &d);
  assert_string_equal(d.timescale, "1ns");
  assert_non_null(strstr(d.comment, "seed=7"));
  assert_non_null(strstr(d.comment, "scenario=idle-guests"));
  assert_int_equal(d.first_time, 0);
  assert_int_equal(d.last_time, RUN_END); /* the end marker */
  /* 2 harts x (7 fixed + 7 guest lines) + 4 vCPU states. */
  assert_int_equal(d.nvar, 2 * 14 + 4);
  assert_int_equal(d.var[vcd_path(&d, "aia.hart0.hgeip")].width, 8);
  assert_int_equal(d.var[vcd_path(&d, "aia.hart1.vgein")].width, 3);
  assert_int_equal(d.var[vcd_path(&d, "aia.vm0.vcpu2.state")].width, 3);
  assert_true(vcd_path(&d, "aia.hart1.g7_line") >= 0);
  /* Started at cycle 0: what happened on cycle 0 is in the initial values. */
  assert_int_equal(d.var[vcd_path(&d, "aia.vm0.vcpu0.state")].init, AIA_VCPU_RUNNABLE);
  assert_int_equal(d.var[vcd_path(&d, "aia.hart0.idle")].init, 1);

  /* hgeip of each hart changes exactly where the HGEIP records put it (at
   * 1 GHz one time unit is one cycle), and the vCPU states likewise. */
  size_t total = 0;
  for (uint32_t h = 0; h < 2; h++) {
    char path[32];
    snprintf(path, sizeof path, "aia.hart%u.hgeip", h);
    int vi = vcd_path(&d, path);
    assert_true(vi >= 0);
    size_t nw = expected_changes(&log, AIA_EV_HGEIP, h, 0, 0, d.var[vi].init, 0, wanted,
                                 sizeof wanted / sizeof wanted[0]);
    size_t k = 0;
    for (size_t i = 0; i < d.nch; i++) {
      if (d.ch[i].var != vi)
        continue;
      if (k >= nw)
        fail_msg("%s: unexpected change at #%llu", path, (unsigned long long)d.ch[i].time);
      if (d.ch[i].time != wanted[k].cycle || d.ch[i].value != wanted[k].value)
        fail_msg("%s: change %zu at #%llu = %llu, records say cycle %llu = %llu", path, k,
                 (unsigned long long)d.ch[i].time, (unsigned long long)d.ch[i].value,
                 (unsigned long long)wanted[k].cycle, (unsigned long long)wanted[k].value);
      k++;
    }
    assert_int_equal(k, nw);
    total += nw;
  }
  assert_true(total > 20);
  for (uint32_t v = 0; v < 4; v++) {
    char path[32];
    snprintf(path, sizeof path, "aia.vm0.vcpu%u.state", v);
    int vi = vcd_path(&d, path);
    size_t nw = expected_changes(&log, AIA_EV_VCPU_STATE, 0, 0, v, d.var[vi].init, 0, wanted,
                                 sizeof wanted / sizeof wanted[0]);
    size_t k = 0;
    for (size_t i = 0; i < d.nch; i++) {
      if (d.ch[i].var != vi)
        continue;
      assert_true(k < nw);
      assert_int_equal(d.ch[i].time, wanted[k].cycle);
      assert_int_equal(d.ch[i].value, wanted[k].value);
      k++;
    }
    assert_int_equal(k, nw);
    assert_true(nw > 10);
  }
  free(d.ch);
  free(log.ev);
  free(m.p);
}

static void test_vcd_window(void **state)
{
  const aia_cycle from = 1500000, to = 2500000;
  both b;
  vcd d;
  (void)state;
  assert_aia_ok(NULL, run_both_rc(3, 1, from, to, &b));
  check_vcd(b.vcd.p, b.vcd.n, &d);
  assert_int_equal(d.first_time, from);
  assert_int_equal(d.last_time, to);
  assert_true(d.nch > 0);
  for (size_t i = 0; i < d.nch; i++)
    assert_true(d.ch[i].time > from && d.ch[i].time < to);
  free(d.ch);
  both_free(&b);
}

/* The same run twice gives the same bytes; so does running it in chunks. */
static void test_deterministic(void **state)
{
  both a, b, c;
  (void)state;
  assert_aia_ok(NULL, run_both_rc(5, 1, 0, 0, &a));
  assert_aia_ok(NULL, run_both_rc(5, 1, 0, 0, &b));
  assert_aia_ok(NULL, run_both_rc(5, 37, 0, 0, &c));
  assert_true(a.json.n > 10000 && a.vcd.n > 1000);
  assert_int_equal(a.json.n, b.json.n);
  assert_memory_equal(a.json.p, b.json.p, a.json.n);
  assert_int_equal(a.vcd.n, b.vcd.n);
  assert_memory_equal(a.vcd.p, b.vcd.p, a.vcd.n);
  assert_int_equal(a.json.n, c.json.n);
  assert_memory_equal(a.json.p, c.json.p, a.json.n);
  assert_int_equal(a.vcd.n, c.vcd.n);
  assert_memory_equal(a.vcd.p, c.vcd.p, a.vcd.n);
  /* Another seed is another picture. */
  both_free(&b);
  assert_aia_ok(NULL, run_both_rc(6, 1, 0, 0, &b));
  assert_true(a.json.n != b.json.n || memcmp(a.json.p, b.json.p, a.json.n) != 0);
  both_free(&a);
  both_free(&b);
  both_free(&c);
}

/* Writers hold no global state: runs in parallel threads write what the
 * same runs write one after the other. */
typedef struct job {
  uint64_t seed;
  both out;
  int rc;
} job;

static void *job_run(void *arg)
{
  job *j = arg;
  j->rc = run_both_rc(j->seed, 3, 0, 0, &j->out);
  return NULL;
}

static void test_parallel_sims(void **state)
{
  job jobs[3];
  pthread_t th[3];
  (void)state;
  for (int i = 0; i < 3; i++) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].seed = 20 + (uint64_t)i;
    assert_int_equal(pthread_create(&th[i], NULL, job_run, &jobs[i]), 0);
  }
  for (int i = 0; i < 3; i++)
    assert_int_equal(pthread_join(th[i], NULL), 0);
  for (int i = 0; i < 3; i++) {
    both ref;
    assert_aia_ok(NULL, jobs[i].rc);
    assert_aia_ok(NULL, run_both_rc(jobs[i].seed, 1, 0, 0, &ref));
    assert_int_equal(ref.json.n, jobs[i].out.json.n);
    assert_memory_equal(ref.json.p, jobs[i].out.json.p, ref.json.n);
    assert_int_equal(ref.vcd.n, jobs[i].out.vcd.n);
    assert_memory_equal(ref.vcd.p, jobs[i].out.vcd.p, ref.vcd.n);
    both_free(&ref);
    both_free(&jobs[i].out);
  }
}

/* Names from the user are escaped in the JSON and tamed in the VCD. */
static void test_names_escaped(void **state)
{
  static const char name[] = "a\"b\\c\nd\x01 \xc3\xa9 \xff$end";
  sys s;
  mbuf mj, mv;
  aia_trace_config c;
  aia_trace_chrome *wj;
  aia_trace_vcd *wv;
  chrome_stats st;
  vcd d;
  (void)state;
  sys_build(&s, 2);
  mb_open(&mj);
  mb_open(&mv);
  trace_cfg(&s, &c, name, 0, 0);
  assert_aia_ok(s.sim, aia_trace_chrome_open(s.sim, mj.f, &c, &wj));
  assert_aia_ok(s.sim, aia_trace_vcd_open(s.sim, mv.f, &c, &wv));
  sys_start(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 300000));
  assert_aia_ok(s.sim, aia_trace_chrome_close(wj));
  assert_aia_ok(s.sim, aia_trace_vcd_close(wv));
  aia_sim_destroy(s.sim);
  mb_close(&mj);
  mb_close(&mv);
  /* Valid UTF-8 survives; the stray byte becomes U+FFFD. */
  json_t *root = check_chrome(mj.p, mj.n, "a\"b\\c\nd\x01 \xc3\xa9 \xef\xbf\xbd$end", 2, 0, -1, &st);
  json_decref(root);
  check_vcd(mv.p, mv.n, &d);
  assert_null(strchr(d.comment, '$'));
  assert_non_null(strstr(d.comment, "scenario=a\"b\\c_d_"));
  free(d.ch);
  free(mj.p);
  free(mv.p);
}

static void test_bad_arguments(void **state)
{
  sys s, other;
  mbuf m;
  aia_trace_config c;
  aia_trace_chrome *wc = (aia_trace_chrome *)&c;
  aia_trace_vcd *wv = (aia_trace_vcd *)&c;
  (void)state;
  sys_build(&s, 1);
  sys_build(&other, 1);
  mb_open(&m);
  trace_cfg(&s, &c, "x", 0, 0);
  assert_aia_status(aia_trace_chrome_open(s.sim, m.f, &c, NULL), AIA_EINVAL);
  assert_aia_status(aia_trace_chrome_open(NULL, m.f, &c, &wc), AIA_EINVAL);
  assert_null(wc);
  assert_aia_status(aia_trace_vcd_open(s.sim, NULL, &c, &wv), AIA_EINVAL);
  assert_null(wv);
  assert_aia_status(aia_trace_vcd_open(s.sim, m.f, NULL, &wv), AIA_EINVAL);
  c.platform = NULL;
  assert_aia_status(aia_trace_chrome_open(s.sim, m.f, &c, &wc), AIA_EINVAL);
  c.platform = other.plat;
  assert_aia_status(aia_trace_vcd_open(s.sim, m.f, &c, &wv), AIA_EINVAL);
  trace_cfg(&s, &c, "x", 0, 0);
  c.kvm = other.kvm;
  assert_aia_status(aia_trace_chrome_open(s.sim, m.f, &c, &wc), AIA_EINVAL);
  trace_cfg(&s, &c, "x", 500, 500);
  assert_aia_status(aia_trace_vcd_open(s.sim, m.f, &c, &wv), AIA_EINVAL);
  assert_non_null(strstr(aia_sim_errmsg(s.sim), "window"));
  trace_cfg(&s, &c, "x", 0, 0);
  c.struct_size = 8;
  assert_aia_status(aia_trace_chrome_open(s.sim, m.f, &c, &wc), AIA_EINVAL);
  assert_aia_status(aia_trace_chrome_close(NULL), AIA_EINVAL);
  assert_aia_status(aia_trace_vcd_close(NULL), AIA_EINVAL);
  mb_close(&m);
  assert_int_equal(m.n, 0); /* nothing was written by the failed calls */
  free(m.p);

  /* Without a kvm: hart tracks and signals only. A sim destroyed with its
   * writers still open frees them without touching the stream. */
  mb_open(&m);
  trace_cfg(&s, &c, "hw only", 0, 0);
  c.kvm = NULL;
  assert_aia_ok(s.sim, aia_trace_vcd_open(s.sim, m.f, &c, &wv));
  assert_aia_ok(s.sim, aia_trace_chrome_open(s.sim, m.f, &c, &wc));
  sys_start(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 100000));
  fflush(m.f);
  size_t before = m.n;
  aia_sim_destroy(s.sim);
  fflush(m.f);
  assert_int_equal(m.n, before);
  mb_close(&m);
  free(m.p);
  aia_sim_destroy(other.sim);
}

/* A writer opened in the middle of a run starts from what it finds. */
static void test_open_mid_run(void **state)
{
  sys s;
  mbuf mj, mv;
  aia_trace_config c;
  aia_trace_chrome *wj;
  aia_trace_vcd *wv;
  chrome_stats st;
  vcd d;
  (void)state;
  sys_build(&s, 9);
  sys_start(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 1234567));
  mb_open(&mj);
  mb_open(&mv);
  trace_cfg(&s, &c, "late", 0, 0);
  assert_aia_ok(s.sim, aia_trace_chrome_open(s.sim, mj.f, &c, &wj));
  assert_aia_ok(s.sim, aia_trace_vcd_open(s.sim, mv.f, &c, &wv));
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 2500000));
  assert_aia_ok(s.sim, aia_trace_chrome_close(wj));
  assert_aia_ok(s.sim, aia_trace_vcd_close(wv));
  aia_sim_destroy(s.sim);
  mb_close(&mj);
  mb_close(&mv);
  json_t *root = check_chrome(mj.p, mj.n, "late", 9, 1234567, 2500000, &st);
  assert_true(st.slices > 0);
  json_decref(root);
  check_vcd(mv.p, mv.n, &d);
  assert_int_equal(d.first_time, 1234567);
  assert_int_equal(d.last_time, 2500000);
  free(d.ch);
  free(mj.p);
  free(mv.p);
}

/* At 3 GHz a cycle is 333.3 ps: the VCD counts in 100 ps (cycle * 10 / 3,
 * rounded down, still strictly increasing) and the JSON in whole ns, where
 * slices shorter than 1 ns disappear rather than break the nesting. */
static void test_other_clock(void **state)
{
  sys s;
  mbuf mj, mv;
  aia_trace_config c;
  aia_trace_chrome *wj;
  aia_trace_vcd *wv;
  rec_log log = { 0 };
  chrome_stats st;
  vcd d;
  static want wanted[100000];
  (void)state;
  int rc = sys_build_clock_rc(&s, 4, 3000000000u);
  assert_aia_ok(s.sim, rc);
  assert_aia_ok(s.sim, aia_sim_hook_add(s.sim, AIA_EV_BIT(AIA_EV_HGEIP), rec_hook, &log, NULL));
  mb_open(&mj);
  mb_open(&mv);
  trace_cfg(&s, &c, "3ghz", 0, 0);
  assert_aia_ok(s.sim, aia_trace_chrome_open(s.sim, mj.f, &c, &wj));
  assert_aia_ok(s.sim, aia_trace_vcd_open(s.sim, mv.f, &c, &wv));
  sys_start(&s);
  assert_aia_ok(s.sim, aia_sim_run_until(s.sim, 3 * (aia_cycle)RUN_END + 1));
  assert_aia_ok(s.sim, aia_trace_chrome_close(wj));
  assert_aia_ok(s.sim, aia_trace_vcd_close(wv));
  aia_sim_destroy(s.sim);
  mb_close(&mj);
  mb_close(&mv);

  json_t *root = check_chrome(mj.p, mj.n, "3ghz", 4, 0, -1, &st);
  assert_true(st.flows > 40);
  assert_int_equal(st.max_ns, (int64_t)RUN_END); /* (3 * RUN_END + 1) cycles, rounded down */
  json_decref(root);

  check_vcd(mv.p, mv.n, &d);
  assert_string_equal(d.timescale, "100ps");
  assert_int_equal(d.last_time, ((3 * (uint64_t)RUN_END + 1) * 10) / 3);
  int vi = vcd_path(&d, "aia.hart1.hgeip");
  size_t nw = expected_changes(&log, AIA_EV_HGEIP, 1, 0, 0, d.var[vi].init, 0, wanted,
                               sizeof wanted / sizeof wanted[0]);
  size_t k = 0;
  for (size_t i = 0; i < d.nch; i++) {
    if (d.ch[i].var != vi)
      continue;
    assert_true(k < nw);
    assert_int_equal(d.ch[i].time, wanted[k].cycle * 10 / 3);
    assert_int_equal(d.ch[i].value, wanted[k].value);
    k++;
  }
  assert_int_equal(k, nw);
  assert_true(nw > 10);
  free(d.ch);
  free(log.ev);
  free(mj.p);
  free(mv.p);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chrome_parses_and_nests),
    cmocka_unit_test(test_chrome_window),
    cmocka_unit_test(test_vcd_reads_back),
    cmocka_unit_test(test_vcd_window),
    cmocka_unit_test(test_deterministic),
    cmocka_unit_test(test_parallel_sims),
    cmocka_unit_test(test_names_escaped),
    cmocka_unit_test(test_bad_arguments),
    cmocka_unit_test(test_open_mid_run),
    cmocka_unit_test(test_other_clock),
  };
  for (int i = 1; i + 1 < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] == 'f' && argv[i][2] == '\0')
      cmocka_set_test_filter(argv[i + 1]);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
