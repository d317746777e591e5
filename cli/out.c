/* cli/out.c: every file the command writes goes through here. A regular
 * file is written to a temporary file beside it (PATH.tmpPID, created
 * exclusively) and renamed over PATH only once every byte was written,
 * flushed and closed: a failure never leaves half a report where a good
 * one was. "-" is standard output; an existing device or pipe is written
 * in place. Every error names the path and the reason.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int aia__cli_out_open(out_file *o, const char *path, char *err, size_t len)
{
  struct stat sb;
  memset(o, 0, sizeof *o);
  o->path = path;
  if (strcmp(path, "-") == 0) {
    o->f = stdout;
    return 0;
  }
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
    if (S_ISDIR(sb.st_mode)) {
      snprintf(err, len, "cannot write %s: it is a directory", path);
      return -1;
    }
    o->f = fopen(path, "w"); /* a device or a pipe: in place */
  } else {
    if (snprintf(o->tmp, sizeof o->tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof o->tmp) {
      snprintf(err, len, "cannot write %s: the path is too long", path);
      return -1;
    }
    o->f = fopen(o->tmp, "wx");
  }
  if (o->f == NULL) {
    snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
    o->tmp[0] = '\0';
    return -1;
  }
  if ((o->buf = malloc(AIA_CLI_OUT_BUFFER)) != NULL)
    setvbuf(o->f, o->buf, _IOFBF, AIA_CLI_OUT_BUFFER);
  return 0;
}

int aia__cli_out_commit(out_file *o, char *err, size_t len)
{
  int e = 0;
  if (o->f == NULL)
    return 0;
  if (o->f == stdout) {
    if (fflush(stdout) != 0 || ferror(stdout))
      e = errno ? errno : EIO;
    o->f = NULL;
    if (e) {
      snprintf(err, len, "cannot write to standard output: %s", strerror(e));
      return -1;
    }
    return 0;
  }
  if (ferror(o->f))
    e = errno ? errno : EIO;
  if (fclose(o->f) != 0 && e == 0)
    e = errno ? errno : EIO;
  o->f = NULL;
  free(o->buf);
  o->buf = NULL;
  if (e == 0 && o->tmp[0] && rename(o->tmp, o->path) != 0)
    e = errno;
  if (e) {
    if (o->tmp[0])
      remove(o->tmp);
    o->tmp[0] = '\0';
    snprintf(err, len, "cannot write %s: %s", o->path, strerror(e));
    return -1;
  }
  o->tmp[0] = '\0';
  return 0;
}

void aia__cli_out_abort(out_file *o)
{
  if (o->f && o->f != stdout)
    fclose(o->f);
  o->f = NULL;
  free(o->buf);
  o->buf = NULL;
  if (o->tmp[0])
    remove(o->tmp);
  o->tmp[0] = '\0';
}

int aia__cli_out_probe(const char *path, char *err, size_t len)
{
  out_file o;
  if (aia__cli_out_open(&o, path, err, len) != 0)
    return -1;
  if (o.f != stdout && o.tmp[0] == '\0') { /* a device: opened, that is all */
    fclose(o.f);
    o.f = NULL;
    free(o.buf);
    return 0;
  }
  aia__cli_out_abort(&o);
  return 0;
}

bool aia__cli_is_special(const char *path)
{
  struct stat sb;
  return strcmp(path, "-") == 0 || (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode));
}

char *aia__cli_read_all(FILE *f, size_t max, size_t *len)
{
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n > max)
      break; /* enough to tell the reader it is too large */
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 65536;
      char *p = realloc(buf, cap);
      if (p == NULL) {
        free(buf);
        return NULL;
      }
      buf = p;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
  }
  if (ferror(f)) {
    free(buf);
    return NULL;
  }
  if (buf == NULL && (buf = malloc(1)) == NULL)
    return NULL;
  buf[n] = '\0';
  *len = n;
  return buf;
}

int aia__cli_stdout_check(char *err, size_t len)
{
  if (fflush(stdout) != 0 || ferror(stdout)) {
    snprintf(err, len, "cannot write to standard output: %s", strerror(errno ? errno : EIO));
    return -1;
  }
  return 0;
}
