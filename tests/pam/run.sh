#!/usr/bin/env bash
# PAM tests of pam_mfa.so (pam_wrapper + libpamtest against tests/pam/fake_mfad.py).
# Called by tests/run_all.sh; prints "N passed, M failed" and exits non-zero on failure.
# Extra arguments go to run_pam_tests.py (--filter TEXT, -v, or --socket PATH to aim one case
# at a real daemon; see its --help).
set -u
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/pam/run_pam_tests.py --build "${BUILD:-build}" "$@"
