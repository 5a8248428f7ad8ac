#!/usr/bin/env bash
# Runs every test suite against the build tree and prints each runner's summary.
# Exit status: non-zero if any suite failed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
failed=()

section() { printf '\n==== %s ====\n' "$1"; }

section "unit (cmocka)"
for t in "$BUILD"/tests/unit/test_*; do
  [ -x "$t" ] || continue
  case "$t" in *.o|*.d) continue ;; esac
  "$t" || failed+=("$(basename "$t")")
done

section "abi"
for t in tests/abi/*.sh; do
  [ -f "$t" ] || continue
  bash "$t" "$BUILD" || failed+=("$(basename "$t")")
done

if [ -x tests/pam/run.sh ]; then
  section "pam (pam_wrapper + libpamtest)"
  tests/pam/run.sh || failed+=("pam")
fi

section "fuzz replay (seed corpora, tests/fuzz/)"
fz_pass=0 fz_fail=0
for bin in "$BUILD"/tests/fuzz/replay_*; do
  [ -x "$bin" ] || continue
  case "$bin" in *.o|*.d) continue ;; esac
  name=${bin##*/replay_}
  for f in tests/fuzz/corpus/"$name"/*; do
    [ -f "$f" ] || continue
    if "$bin" "$f" >/dev/null 2>"$BUILD/tests/fuzz/replay.err"; then
      fz_pass=$((fz_pass + 1))
    else
      fz_fail=$((fz_fail + 1))
      echo "FAIL $name: $f"; sed 's/^/  /' "$BUILD/tests/fuzz/replay.err" | head -20
    fi
  done
done
echo "fuzz replay: $fz_pass passed, $fz_fail failed"
[ "$fz_fail" -eq 0 ] || failed+=("fuzz-replay")

section "integration (pytest)"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration || failed+=("integration")

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED suites: ${failed[*]}"
  exit 1
fi
echo "all suites passed"
