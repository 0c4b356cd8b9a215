# workq_warnings: the warning set every workq target compiles with.
add_library(workq_warnings INTERFACE)
target_compile_options(workq_warnings INTERFACE
  $<$<C_COMPILER_ID:GNU,Clang>:
    -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wundef -Wwrite-strings
    -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wvla
    $<$<BOOL:${WORKQ_WERROR}>:-Werror>>)
