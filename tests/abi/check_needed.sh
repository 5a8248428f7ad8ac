#!/usr/bin/env bash
# pam_mfa.so is loaded into sshd/sudo/login: its NEEDED set must be libc (+ libpam) and it must
# not reference the C++ runtime (style.md section 6.5). Usage: check_needed.sh BUILD
set -u
BUILD=${1:-${BUILD:-build}}
SO="$BUILD/pam_mfa.so"
fail() { echo "FAIL check_needed: $*"; exit 1; }
[ -f "$SO" ] || fail "$SO not built"

bad_needed=$(readelf -d "$SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
  grep -vx -e 'libc.so.6' -e 'libpam.so.0' || true)
[ -z "$bad_needed" ] || fail "unexpected NEEDED: $(echo $bad_needed)"

# Undefined C++ runtime symbols: mangled names, __cxa_* (except glibc's __cxa_finalize that
# crtbeginS.o references weakly in every shared object), __gxx_*.
bad_syms=$(nm -D --undefined-only "$SO" | awk '{print $NF}' |
  grep -E '^(_Z|__cxa|__gxx)' | grep -v '^__cxa_finalize@GLIBC' || true)
[ -z "$bad_syms" ] || fail "C++ runtime symbols referenced: $(echo $bad_syms)"

# Module-wide constraints that are cheap to check here too: no threads, no env, no exit.
bad_calls=$(nm -D --undefined-only "$SO" | awk '{print $NF}' | sed 's/@.*//' |
  grep -xE 'getenv|secure_getenv|exit|_exit|abort|openlog|pthread_create|setenv|putenv|signal|sigaction' || true)
[ -z "$bad_calls" ] || fail "forbidden libc calls: $(echo $bad_calls)"

echo "PASS check_needed: $SO needs only $(readelf -d "$SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
