/* lib/core/status.c: status names, texts and the library version.
 * SPDX-License-Identifier: MIT */
#include "aiasim/status.h"
#include "aiasim/version.h"

const char *aia_strerror(int status)
{
  switch (status) {
  case AIA_OK:
    return "success";
#define AIA__X(name, value, text) \
  case AIA_##name:                \
    return text;
    AIA_STATUS_MAP(AIA__X)
#undef AIA__X
  default:
    return "unknown status";
  }
}

const char *aia_status_name(int status)
{
  switch (status) {
  case AIA_OK:
    return "AIA_OK";
#define AIA__X(name, value, text) \
  case AIA_##name:                \
    return "AIA_" #name;
    AIA_STATUS_MAP(AIA__X)
#undef AIA__X
  default:
    return "AIA_UNKNOWN";
  }
}

unsigned aia_version(void)
{
  return AIA_VERSION_HEX;
}

const char *aia_version_string(void)
{
  return AIA_VERSION_STRING;
}
