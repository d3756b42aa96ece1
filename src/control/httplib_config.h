// Includes cpp-httplib as Debian's libcpp-httplib.so was built: with
// OpenSSL, zlib and brotli. The macros change the classes' layout, so every
// file of scxx that includes httplib.h must see the same ones (include this
// header, never httplib.h itself).
#pragma once

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif

#include <httplib.h>
