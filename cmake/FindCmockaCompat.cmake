# Gives one target, cmocka::cmocka, whichever way cmocka is packaged:
# its CMake package (Debian 12 ships 1.1.5, which sets variables but defines
# no target) or, failing that, pkg-config. Missing cmocka is a hard error.
if(TARGET cmocka::cmocka)
  return()
endif()
find_package(cmocka 1.1 CONFIG QUIET)
if(NOT TARGET cmocka::cmocka)
  if(cmocka_FOUND AND CMOCKA_LIBRARY)
    add_library(cmocka::cmocka UNKNOWN IMPORTED)
    set_target_properties(cmocka::cmocka PROPERTIES
      IMPORTED_LOCATION "${CMOCKA_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${CMOCKA_INCLUDE_DIR}")
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(cmocka_pc IMPORTED_TARGET cmocka>=1.1)
    if(NOT cmocka_pc_FOUND)
      message(FATAL_ERROR "cmocka not found: apt-get install libcmocka-dev (or configure with -DBUILD_TESTING=OFF)")
    endif()
    add_library(cmocka::cmocka INTERFACE IMPORTED)
    target_link_libraries(cmocka::cmocka INTERFACE PkgConfig::cmocka_pc)
  endif()
endif()
