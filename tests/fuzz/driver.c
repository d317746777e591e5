/* tests/fuzz/driver.c: main() for a fuzz target built without libFuzzer.
 *
 * Runs LLVMFuzzerTestOneInput once on each file named on the command line,
 * and on every regular file of each directory named (in name order, so runs
 * are repeatable). This is how ctest replays the committed corpus under
 * every build configuration and sanitizer. A finding crashes the program;
 * otherwise it prints one summary line and exits 0. It exits 1 when it
 * cannot read an input or found none: an empty replay must not pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  size_t cap = 0, len = 0;
  if (f == NULL) {
    fprintf(stderr, "fuzz driver: %s: %s\n", path, strerror(errno));
    return -1;
  }
  for (;;) {
    if (len == cap) {
      size_t ncap = cap ? 2 * cap : 4096;
      uint8_t *nb = realloc(buf, ncap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        fprintf(stderr, "fuzz driver: %s: out of memory\n", path);
        return -1;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0)
      break;
  }
  if (ferror(f)) {
    fprintf(stderr, "fuzz driver: %s: read error\n", path);
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  /* libFuzzer never passes NULL; give a valid pointer for empty files too. */
  (void)LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of `dir`; adds their number to *count. */
static int run_dir(const char *dir, unsigned *count)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  if (d == NULL) {
    fprintf(stderr, "fuzz driver: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      size_t ncap = cap ? 2 * cap : 64;
      char **nn = realloc(names, ncap * sizeof *nn);
      if (nn == NULL) {
        rc = -1;
        break;
      }
      names = nn;
      cap = ncap;
    }
    size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
    names[n] = malloc(len);
    if (names[n] == NULL) {
      rc = -1;
      break;
    }
    snprintf(names[n], len, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n > 1)
    qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
      if (run_file(names[i]) != 0)
        rc = -1;
      else
        (*count)++;
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv)
{
  unsigned count = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "fuzz driver: %s: %s\n", argv[i], strerror(errno));
      return 1;
    }
    if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) != 0 : run_file(argv[i]) != 0)
      return 1;
    if (!S_ISDIR(st.st_mode))
      count++;
  }
  if (count == 0) {
    fprintf(stderr, "fuzz driver: no input found\n");
    return 1;
  }
  printf("%s: %u inputs replayed, no finding\n", argv[0], count);
  return 0;
}
