/* aiasim/export.h: symbol visibility and C++ linkage macros.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_EXPORT_H
#define AIA_EXPORT_H

#if defined(_WIN32) && defined(AIA_SHARED)
#  if defined(AIA_BUILDING)
#    define AIA_API __declspec(dllexport)
#  else
#    define AIA_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define AIA_API __attribute__((visibility("default")))
#else
#  define AIA_API
#endif

#ifdef __cplusplus
#  define AIA_BEGIN_DECLS extern "C" {
#  define AIA_END_DECLS }
#else
#  define AIA_BEGIN_DECLS
#  define AIA_END_DECLS
#endif

#endif /* AIA_EXPORT_H */
