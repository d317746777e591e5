/* aiasim/status.h: status codes returned by every fallible aiasim function.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_STATUS_H
#define AIA_STATUS_H

#include "aiasim/export.h"

AIA_BEGIN_DECLS

/* The values are part of the ABI: never renumber, only append. */
#define AIA_STATUS_MAP(X)                                                  \
  X(EINVAL, -1, "invalid argument")                                        \
  X(ENOMEM, -2, "out of memory")                                           \
  X(ERANGE, -3, "value out of range")                                      \
  X(ESTATE, -4, "call not allowed in the current state")                   \
  X(ENOENT, -5, "no such object or no pending event")                      \
  X(EIO, -6, "input/output error")                                         \
  X(EPARSE, -7, "scenario is not valid YAML")                              \
  X(ESCHEMA, -8, "scenario does not match the schema")                     \
  X(EILLEGAL, -9, "illegal instruction")                                   \
  X(EVIRTUAL, -10, "virtual instruction")                                  \
  X(EACCESS, -11, "access fault")                                          \
  X(ENODEV, -12, "no device at that address")                             \
  X(EBUSY, -13, "resource busy")                                           \
  X(ELIMIT, -14, "a resource budget was exceeded")

/* 0 is success; every failure is negative. Functions that can fail return
 * int holding one of these values. */
typedef enum aia_status {
  AIA_OK = 0,
#define AIA__X(name, value, text) AIA_##name = (value),
  AIA_STATUS_MAP(AIA__X)
#undef AIA__X
  AIA__STATUS_END_ = -0x7fff /* keeps the enum signed; not a status */
} aia_status;

/* Human text for a status ("invalid argument"); static, never NULL, and
 * "unknown status" for a value that is not in the map. Callable anywhere. */
AIA_API const char *aia_strerror(int status);

/* Symbolic name of a status ("AIA_EINVAL"), for logs and tests; static, never
 * NULL ("AIA_UNKNOWN" for unmapped values). Callable anywhere. */
AIA_API const char *aia_status_name(int status);

AIA_END_DECLS

#endif /* AIA_STATUS_H */
