/* Oniguruma configuration for the kobako guest: wasm32-wasi (ILP32), built with zig's clang. */
#define HAVE_STDINT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define HAVE_ALLOCA 1
#define SIZEOF_INT 4
#define SIZEOF_LONG 4
#define SIZEOF_LONG_LONG 8
#define SIZEOF_VOIDP 4
#define SIZEOF_SIZE_T 4
#define PACKAGE "onig"
#define PACKAGE_VERSION "6.9.9"
#define STDC_HEADERS 1
