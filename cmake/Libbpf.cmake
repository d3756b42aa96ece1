# libbpf >= 1.5: the system one when new enough, else the static build that
# scripts/setup.sh leaves in ${SCXX_CACHE}/libbpf.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SYS_LIBBPF QUIET libbpf>=1.5)
pkg_check_modules(LIBELF REQUIRED libelf)
pkg_check_modules(ZLIB REQUIRED zlib)

add_library(scxx_libbpf INTERFACE)
if(SYS_LIBBPF_FOUND)
  message(STATUS "libbpf: system ${SYS_LIBBPF_VERSION}")
  target_include_directories(scxx_libbpf SYSTEM INTERFACE ${SYS_LIBBPF_INCLUDE_DIRS})
  target_link_libraries(scxx_libbpf INTERFACE ${SYS_LIBBPF_LINK_LIBRARIES})
  set(LIBBPF_INCLUDE_DIR ${SYS_LIBBPF_INCLUDEDIR})
else()
  find_path(LIBBPF_INCLUDE_DIR bpf/libbpf.h NO_DEFAULT_PATH
    PATHS ${SCXX_CACHE}/libbpf/usr/include)
  find_library(LIBBPF_STATIC libbpf.a NO_DEFAULT_PATH
    PATHS ${SCXX_CACHE}/libbpf/usr/lib64 ${SCXX_CACHE}/libbpf/usr/lib)
  if(NOT LIBBPF_INCLUDE_DIR OR NOT LIBBPF_STATIC)
    message(FATAL_ERROR "libbpf >= 1.5 not found: run scripts/setup.sh (it builds one into ${SCXX_CACHE}/libbpf)")
  endif()
  message(STATUS "libbpf: static ${LIBBPF_STATIC}")
  target_include_directories(scxx_libbpf SYSTEM INTERFACE ${LIBBPF_INCLUDE_DIR})
  target_link_libraries(scxx_libbpf INTERFACE ${LIBBPF_STATIC})
endif()
target_link_libraries(scxx_libbpf INTERFACE ${LIBELF_LINK_LIBRARIES} ${ZLIB_LINK_LIBRARIES})
