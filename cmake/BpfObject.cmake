# BPF pipeline: vmlinux.h from the sched_ext kernel's BTF, clang -target bpf,
# bpftool gen skeleton. Nothing generated is committed; it all lands in the
# build tree.
find_program(BPF_CLANG NAMES clang-19 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

if(EXISTS /sys/kernel/sched_ext AND EXISTS /sys/kernel/btf/vmlinux)
  set(_btf_default /sys/kernel/btf/vmlinux)
else()
  set(_btf_default ${SCXX_CACHE}/kernel/vmlinux.btf)
endif()
set(SCXX_VMLINUX_BTF ${_btf_default} CACHE FILEPATH
  "BTF of a sched_ext kernel, source of vmlinux.h")
if(NOT EXISTS ${SCXX_VMLINUX_BTF})
  message(FATAL_ERROR "no sched_ext BTF at ${SCXX_VMLINUX_BTF}: run scripts/setup.sh")
endif()

set(BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf-gen)
file(MAKE_DIRECTORY ${BPF_GEN_DIR})
add_custom_command(OUTPUT ${BPF_GEN_DIR}/vmlinux.h
  COMMAND ${BPFTOOL} btf dump file ${SCXX_VMLINUX_BTF} format c > ${BPF_GEN_DIR}/vmlinux.h.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${BPF_GEN_DIR}/vmlinux.h.tmp ${BPF_GEN_DIR}/vmlinux.h
  DEPENDS ${SCXX_VMLINUX_BTF}
  COMMENT "vmlinux.h from ${SCXX_VMLINUX_BTF}")
add_custom_target(scxx_vmlinux_h DEPENDS ${BPF_GEN_DIR}/vmlinux.h)

# scxx_bpf_skeleton(<name> <source.bpf.c>): builds <name>.bpf.o and
# <name>.skel.h and an INTERFACE target scxx_bpf_<name> that carries them.
function(scxx_bpf_skeleton name src)
  set(obj ${BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${BPF_GEN_DIR}/${name}.skel.h)
  # CONFIGURE_DEPENDS: a header added to bpf/ (scxx.bpf.c includes its topic
  # headers) becomes a dependency without re-running cmake by hand.
  file(GLOB _bpf_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/*.h)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86
            -Wall -Werror -Wno-unused-function
            -fms-extensions -Wno-microsoft-anon-tag
            -I${BPF_GEN_DIR} -I${CMAKE_SOURCE_DIR}/bpf -isystem ${LIBBPF_INCLUDE_DIR}
            -c ${src} -o ${obj}
    DEPENDS ${src} ${_bpf_headers} scxx_vmlinux_h ${BPF_GEN_DIR}/vmlinux.h
    COMMENT "BPF ${name}.bpf.o")
  add_custom_command(OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h")
  add_custom_target(${name}_skel DEPENDS ${skel})
  add_library(scxx_bpf_${name} INTERFACE)
  add_dependencies(scxx_bpf_${name} ${name}_skel)
  target_include_directories(scxx_bpf_${name} SYSTEM INTERFACE ${BPF_GEN_DIR})
  target_link_libraries(scxx_bpf_${name} INTERFACE scxx_libbpf)
endfunction()
