#!/usr/bin/env bash
# The exported dynamic symbols of pam_mfa.so must be exactly the global list of
# pam_module/export.map (style.md section 6.10). Also dlopen()s the module and dlsym()s each
# entry point (tests/abi/dlopen_check.c). Usage: check_exports.sh BUILD
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-${BUILD:-build}}
SO="$BUILD/pam_mfa.so"
MAP=pam_module/export.map
fail() { echo "FAIL check_exports: $*"; exit 1; }
[ -f "$SO" ] || fail "$SO not built"

want=$(sed -e 's#/\*.*\*/##' "$MAP" | tr -d ' \t' | sed -n '/^global:/,/^local:/p' |
  grep -E '^[A-Za-z_][A-Za-z0-9_]*;$' | tr -d ';' | sort)
have=$(nm -D --defined-only "$SO" | awk '{print $NF}' | sed 's/@.*//' | sort)
[ -n "$want" ] || fail "no global symbols found in $MAP"
echo "$want" | grep -qvE '^pam_sm_' && fail "export.map lists a non pam_sm_* symbol"
if [ "$want" != "$have" ]; then
  fail "exports differ from $MAP: $(diff <(echo "$want") <(echo "$have") | grep '^[<>]' | tr '\n' ' ')"
fi

mkdir -p "$BUILD/tests/abi"
gcc -std=c11 -Wall -Wextra -Werror -o "$BUILD/tests/abi/dlopen_check" tests/abi/dlopen_check.c -ldl ||
  fail "cannot build dlopen_check"
# shellcheck disable=SC2086
"$BUILD/tests/abi/dlopen_check" "$(realpath "$SO")" $want || fail "dlopen/dlsym check failed"

echo "PASS check_exports: $SO exports exactly $(echo $want)"
