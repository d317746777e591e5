/* cli/merge.c: `aiasim merge OUT.json IN.json...`: the JSON reports of the
 * shards of one sweep joined into the report one unsharded run gives.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

#define EXIT_INPUT AIA_CLI_EXIT_INPUT
#define EXIT_INTERNAL AIA_CLI_EXIT_INTERNAL

/* ---------------------------------------------------------- merge ------ */

typedef struct mline {
  size_t run;
  char *text;
} mline;

static int cmp_mline(const void *a, const void *b)
{
  const mline *x = a, *y = b;
  return x->run < y->run ? -1 : x->run > y->run;
}

/* Reads a whole file; NULL on error (message printed). */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "%s: error: cannot read: %s\n", path, strerror(errno));
    return NULL;
  }
  char *buf = aia__cli_read_all(f, SIZE_MAX / 4, len);
  if (buf == NULL)
    fprintf(stderr, "%s: error: cannot read: %s\n", path, strerror(errno ? errno : ENOMEM));
  fclose(f);
  return buf;
}

/* Joins shard reports: same header, runs sorted by their "run" number. The
 * reports are line-structured (header, one run per line, footer), checked
 * with a JSON parser before their lines are used. */
int aia__cli_merge(int argc, char **argv)
{
  if (argc < 2)
    aia__cli_die_input("merge: usage: aiasim merge OUT.json IN.json...");
  const char *outp = argv[0];
  mline *lines = NULL;
  size_t nlines = 0, cap = 0;
  char *header = NULL;
  unsigned nshards = 0;
  size_t total = 0;
  char *seen = NULL; /* shards given */
  int status = 0;
  for (int a = 1; a < argc && status == 0; a++) {
    size_t len;
    char *text = slurp(argv[a], &len);
    json_error_t jerr;
    if (text == NULL)
      return EXIT_INPUT;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    if (doc == NULL || !json_is_array(json_object_get(doc, "runs")) ||
        json_integer_value(json_object_get(doc, "aiasim")) != 1) {
      fprintf(stderr, "%s:%d:%d: error: not an aiasim JSON report%s%s\n", argv[a],
              doc ? 1 : jerr.line, doc ? 1 : jerr.column, doc ? "" : ": ", doc ? "" : jerr.text);
      json_decref(doc);
      free(text);
      return EXIT_INPUT;
    }
    char *nl = strchr(text, '\n');
    if (nl == NULL) {
      fprintf(stderr, "%s: error: not a report written by aiasim run --json\n", argv[a]);
      json_decref(doc);
      free(text);
      return EXIT_INPUT;
    }
    *nl = '\0';
    /* The header without its shard is the sweep's identity: the same for
     * every part, and the header of the merged report. */
    json_t *sh = json_object_get(doc, "shard");
    json_t *tot = json_object_get(doc, "total_runs");
    char shard_txt[96];
    unsigned k = 0, n = 0;
    if (!json_is_object(sh) || !json_is_integer(tot) ||
        !json_is_integer(json_object_get(sh, "k")) || !json_is_integer(json_object_get(sh, "n"))) {
      fprintf(stderr, "%s:1:1: error: not a shard (no \"shard\" in its header): run it with "
                      "--shard K/N\n",
              argv[a]);
      status = EXIT_INPUT;
    } else {
      k = (unsigned)json_integer_value(json_object_get(sh, "k"));
      n = (unsigned)json_integer_value(json_object_get(sh, "n"));
      snprintf(shard_txt, sizeof shard_txt, AIA_CLI_SHARD_FMT, k, n);
      char *at = strstr(text, shard_txt);
      if (at == NULL || n == 0 || k >= n) {
        fprintf(stderr, "%s:1:1: error: its shard is not written as aiasim writes it\n", argv[a]);
        status = EXIT_INPUT;
      } else {
        size_t hl = strlen(text) - strlen(shard_txt) + strlen(AIA_CLI_NO_SHARD) + 1;
        char *canon = malloc(hl);
        if (canon == NULL)
          exit(EXIT_INTERNAL);
        snprintf(canon, hl, "%.*s%s%s", (int)(at - text), text, AIA_CLI_NO_SHARD,
                 at + strlen(shard_txt));
        if (header == NULL) {
          header = canon;
          nshards = n;
          total = (size_t)json_integer_value(tot);
          seen = calloc(n, sizeof *seen);
          if (seen == NULL)
            exit(EXIT_INTERNAL);
        } else {
          if (strcmp(header, canon) != 0) {
            fprintf(stderr,
                    "%s:1:1: error: another sweep than %s (its scenario, overrides, seed, kernel,"
                    " policies or shard count differ)\n",
                    argv[a], argv[1]);
            status = EXIT_INPUT;
          }
          free(canon);
        }
        if (status == 0 && n != nshards) {
          fprintf(stderr, "%s:1:1: error: shard %u/%u, but %s is of %u shards\n", argv[a], k, n,
                  argv[1], nshards);
          status = EXIT_INPUT;
        } else if (status == 0 && seen[k]) {
          fprintf(stderr, "%s:1:1: error: shard %u/%u given twice\n", argv[a], k, n);
          status = EXIT_INPUT;
        } else if (status == 0) {
          seen[k] = 1;
        }
      }
    }
    size_t nruns = json_array_size(json_object_get(doc, "runs")), got = 0;
    for (char *line = nl + 1; status == 0 && *line;) {
      char *end = strchr(line, '\n');
      if (end)
        *end = '\0';
      size_t l = strlen(line);
      if (l >= 5 && strncmp(line, "    {", 5) == 0) {
        if (line[l - 1] == ',')
          line[--l] = '\0';
        json_t *run = json_loads(line, 0, &jerr);
        json_t *idx = run ? json_object_get(run, "run") : NULL;
        if (!json_is_integer(idx)) {
          fprintf(stderr, "%s: error: a run without its \"run\" number\n", argv[a]);
          status = EXIT_INPUT;
        } else {
          if (nlines == cap) {
            cap = cap ? cap * 2 : 64;
            mline *p = realloc(lines, cap * sizeof *p);
            if (p == NULL)
              exit(EXIT_INTERNAL);
            lines = p;
          }
          lines[nlines].run = (size_t)json_integer_value(idx);
          lines[nlines].text = strdup(line);
          nlines++;
          got++;
        }
        json_decref(run);
      }
      line = end ? end + 1 : line + l;
    }
    if (status == 0 && got != nruns) {
      fprintf(stderr, "%s: error: %zu runs in the JSON but %zu run lines\n", argv[a], nruns, got);
      status = EXIT_INPUT;
    }
    json_decref(doc);
    free(text);
  }
  for (unsigned k = 0; status == 0 && k < nshards; k++)
    if (!seen[k]) {
      fprintf(stderr, "aiasim: merge: error: shard %u/%u is missing\n", k, nshards);
      status = EXIT_INPUT;
    }
  if (status == 0) {
    qsort(lines, nlines, sizeof *lines, cmp_mline);
    for (size_t i = 1; i < nlines; i++)
      if (lines[i].run == lines[i - 1].run) {
        fprintf(stderr, "aiasim: merge: error: run %zu appears twice\n", lines[i].run);
        status = EXIT_INPUT;
        break;
      }
  }
  if (status == 0 && nlines != total) {
    fprintf(stderr, "aiasim: merge: error: %zu runs, but the sweep has %zu\n", nlines, total);
    status = EXIT_INPUT;
  }
  for (size_t i = 0; status == 0 && i < nlines; i++)
    if (lines[i].run != i) {
      fprintf(stderr, "aiasim: merge: error: run %zu is missing\n", i);
      status = EXIT_INPUT;
    }
  if (status == 0) {
    out_file of;
    char err[1200];
    if (aia__cli_out_open(&of, outp, err, sizeof err) == 0) {
      fprintf(of.f, "%s\n", header ? header : "");
      for (size_t i = 0; i < nlines; i++)
        fprintf(of.f, "%s%s\n", lines[i].text, i + 1 < nlines ? "," : "");
      fputs("  ] }\n", of.f);
      if (aia__cli_out_commit(&of, err, sizeof err) == 0)
        err[0] = '\0';
    }
    if (err[0]) {
      fprintf(stderr, "aiasim: merge: error: %s\n", err);
      status = EXIT_INPUT;
    }
  }
  for (size_t i = 0; i < nlines; i++)
    free(lines[i].text);
  free(lines);
  free(header);
  free(seen);
  return status;
}

