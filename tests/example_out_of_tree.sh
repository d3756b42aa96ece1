#!/usr/bin/env bash
# Builds examples/ as a policy author outside the tree would: install scxx's
# package into a prefix, configure the example against it, build the policy
# library and its tests, run the tests, and check that scxx loads the
# library (its policy and option appear in `scxx config --explain`).
set -euo pipefail
BUILD=$(realpath "${1:?usage: $0 build-dir source-dir}")
SRC=$(realpath "${2:?usage: $0 build-dir source-dir}")
PREFIX=$BUILD/example-prefix
OUT=$BUILD/example-build
rm -rf "$PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
for f in include/scxx/policy/policy_registry.h include/scxx/agent/policy_driver.h \
         lib/cmake/scxx/scxxConfig.cmake lib/libscxx_policy_registry.a bin/scxx; do
    [ -e "$PREFIX/$f" ] || { echo "FAIL: the install lacks $f"; exit 1; }
done
cmake -S "$SRC/examples" -B "$OUT" -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$OUT"
ctest --test-dir "$OUT" --output-on-failure
lib=$OUT/shortest_first.so
[ -f "$lib" ] || { echo "FAIL: $lib was not built"; exit 1; }
explain=$("$BUILD/src/daemon/scxx" config --policy-lib "$lib" --explain)
grep -q 'one of: fifo | gthulhu | shortest-first | vtime' <<<"$explain" ||
    { echo "FAIL: the loaded policy is not offered"; exit 1; }
grep -q '^  policies.shortest-first.runtime_cap_ms$' <<<"$explain" ||
    { echo "FAIL: the loaded policy's option is not explained"; exit 1; }
# The example's driver test can fail: with every key 0 (arrival order) the
# policy runs as FIFO on the kernel's queues, and the test must say so.
mut=$(mktemp -d)
cp "$SRC"/examples/*.cpp "$SRC"/examples/*.h "$SRC"/examples/CMakeLists.txt "$mut/"
sed -i 's/^\( *\)\.vtime = runtime,$/\1.vtime = 0,/' "$mut/shortest_first_policy.cpp"
grep -q '\.vtime = 0,' "$mut/shortest_first_policy.cpp" || { echo "FAIL: could not break the example's key"; exit 1; }
cmake -S "$mut" -B "$mut/build" -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$mut/build" >/dev/null
if "$mut/build/shortest_first_test" --gtest_filter='*InteractiveTasksWaitLittle*' >/dev/null; then
    echo "FAIL: the example's mix test passes with every key 0: it cannot tell the orders apart"
    exit 1
fi
rm -rf "$mut"
echo "ok: with every key 0 the example's mix test fails, as it must"

# A library built against another version of the Policy interface is refused
# by name, before any of its code runs.
old=$(mktemp -d)
cp -r "$PREFIX/include" "$old/"
sed -i 's/^#define SCXX_POLICY_INTERFACE_VERSION .*/#define SCXX_POLICY_INTERFACE_VERSION 999/' \
    "$old/include/scxx/policy/policy_registry.h"
c++ -std=c++20 -O0 -shared -fPIC -I"$old/include/scxx" "$SRC/examples/shortest_first_policy.cpp" \
    -o "$old/old.so"
set +e
msg=$("$BUILD/src/daemon/scxx" config --policy-lib "$old/old.so" --explain 2>&1)
rc=$?
set -e
rm -rf "$old"
[ "$rc" = 2 ] || { echo "FAIL: a library for another interface gave status $rc: $msg"; exit 1; }
version=$(sed -n 's/^#define SCXX_POLICY_INTERFACE_VERSION //p' "$SRC/src/policy/policy_registry.h")
grep -q "built for version 999 of the scxx Policy interface; this scxx implements version $version" <<<"$msg" ||
    { echo "FAIL: unclear refusal: $msg"; exit 1; }
echo "PASS: examples/ built out of tree, tested, loaded by scxx; a library for interface 999 refused"
