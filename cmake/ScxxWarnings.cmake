# Warnings as errors for our own targets only; generated and third-party
# headers come in as SYSTEM includes so they cannot break the build.
function(scxx_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Werror)
endfunction()
