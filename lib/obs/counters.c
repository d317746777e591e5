/* lib/obs/counters.c: named counters.
 * SPDX-License-Identifier: MIT
 * Linear lookup by name: sets hold tens of counters and hot paths keep the
 * index returned at registration. */
#include <stdlib.h>
#include <string.h>

#include "aiasim/stats.h"
#include "aiasim/status.h"

struct aia_counters {
  char **names;
  uint64_t *values;
  uint32_t n, cap;
};

int aia_counters_create(aia_counters **out)
{
  if (out == NULL)
    return AIA_EINVAL;
  *out = calloc(1, sizeof **out);
  return *out ? AIA_OK : AIA_ENOMEM;
}

void aia_counters_destroy(aia_counters *c)
{
  if (c == NULL)
    return;
  for (uint32_t i = 0; i < c->n; i++)
    free(c->names[i]);
  free(c->names);
  free(c->values);
  free(c);
}

static int find(const aia_counters *c, const char *name)
{
  for (uint32_t i = 0; i < c->n; i++)
    if (strcmp(c->names[i], name) == 0)
      return (int)i;
  return -1;
}

int aia_counters_register(aia_counters *c, const char *name, uint32_t *idx)
{
  int i;
  size_t len;
  char *copy;
  if (c == NULL || name == NULL || name[0] == '\0')
    return AIA_EINVAL;
  i = find(c, name);
  if (i >= 0) {
    if (idx)
      *idx = (uint32_t)i;
    return AIA_OK;
  }
  if (c->n == c->cap) {
    uint32_t cap = c->cap ? c->cap * 2 : 16;
    char **names = realloc(c->names, cap * sizeof *names);
    if (names == NULL)
      return AIA_ENOMEM;
    c->names = names;
    uint64_t *values = realloc(c->values, cap * sizeof *values);
    if (values == NULL)
      return AIA_ENOMEM;
    c->values = values;
    c->cap = cap;
  }
  len = strlen(name);
  copy = malloc(len + 1);
  if (copy == NULL)
    return AIA_ENOMEM;
  memcpy(copy, name, len + 1);
  c->names[c->n] = copy;
  c->values[c->n] = 0;
  if (idx)
    *idx = c->n;
  c->n++;
  return AIA_OK;
}

void aia_counters_add(aia_counters *c, uint32_t idx, uint64_t n)
{
  if (c != NULL && idx < c->n)
    c->values[idx] += n;
}

uint64_t aia_counters_get(const aia_counters *c, const char *name)
{
  int i;
  if (c == NULL || name == NULL)
    return 0;
  i = find(c, name);
  return i < 0 ? 0 : c->values[i];
}

uint32_t aia_counters_size(const aia_counters *c)
{
  return c ? c->n : 0;
}

const char *aia_counters_name(const aia_counters *c, uint32_t i)
{
  return (c && i < c->n) ? c->names[i] : NULL;
}

uint64_t aia_counters_value(const aia_counters *c, uint32_t i)
{
  return (c && i < c->n) ? c->values[i] : 0;
}

int aia_counters_merge(aia_counters *dst, const aia_counters *src)
{
  if (dst == NULL || src == NULL)
    return AIA_EINVAL;
  for (uint32_t i = 0; i < src->n; i++) {
    uint32_t k;
    int rc = aia_counters_register(dst, src->names[i], &k);
    if (rc != AIA_OK)
      return rc;
    dst->values[k] += src->values[i];
  }
  return AIA_OK;
}
