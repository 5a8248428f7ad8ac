"""Issue 10 finding 3 with `pam.user_aliases: canonical`: a second name for an account (a
passwd line with the same uid under another name, pam_helpers.ALIASES) logs in as the account
itself — its factors, single-use codes, lockout, grace period and enrolment — and the daemon
keeps nothing under the alias. The default, `refuse`, is in test_pam_matrix.py (alias_cases).

The driver runs as root (an admin caller); test_alias_self_service runs pamtester as the test
user, whom the daemon lets authenticate itself by uid, not by the name it typed.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from engine_helpers import code_at, start_with_policy
from pam_helpers import (MODULE, PamHarness, TEST_USER, aliases, fresh_totp, hand_key,
                         mfa_successes, reset_user, store_users, test_user, wrong_code,
                         write_file)  # noqa: F401
from test_pam_sudo_su import as_user

CANONICAL = "pam: {user_aliases: canonical}\n"
ALIASES_OF_USER = ("mfaalias1", TEST_USER.upper())


def policy(mode, grace="0s", attempts=100):
    return (f"defaults: {{mode: {mode}, factors: [totp, backup_code], grace_period: {grace}, "
            f"lockout: {{attempts: {attempts}, window: 15m}}}}\n" + CANONICAL)


def assert_nothing_under(inst, names):
    kept = store_users(inst) & set(names)
    assert not kept, f"the daemon keeps state under alias names: {kept}"


@pytest.mark.parametrize("mode", ["optional", "required"])
def test_alias_gets_the_accounts_factors(mfad_factory, aliases, mode):  # noqa: F811
    inst = start_with_policy(mfad_factory, policy(mode))
    pam = PamHarness(inst.socket)
    secret, codes = fresh_totp(inst, TEST_USER)
    before = mfa_successes(inst, TEST_USER)
    first, second = ALIASES_OF_USER
    # Optional used to let an alias in without MFA (it had no factor); now it is asked for
    # the account's code, and that code is spent for the account and its other names.
    code = code_at(secret, +1)
    res = pam.run(first, [code])
    assert res.rc == "PAM_SUCCESS", res
    for name in (second, TEST_USER):
        res = pam.run(name, [code] * 3)
        assert res.rc == "PAM_MAXTRIES" and "already used" in res.transcript, (name, res)
    res = pam.run(second, [codes[0]])
    assert res.rc == "PAM_SUCCESS", res
    assert pam.run(TEST_USER, [codes[0]] * 3).rc == "PAM_MAXTRIES"
    # The successes are audited for the account, none for an alias.
    assert mfa_successes(inst, TEST_USER) == before + 2
    assert all(mfa_successes(inst, a) == 0 for a in ALIASES_OF_USER)
    # An alias of root (uid 0, the classic backdoor line) is root, with root's factor.
    root_secret, _ = fresh_totp(inst, "root")
    assert pam.run("mfaroot0", [wrong_code(root_secret)] * 3).rc == "PAM_MAXTRIES"
    assert pam.run("mfaroot0", [code_at(root_secret, +1)]).rc == "PAM_SUCCESS"
    assert_nothing_under(inst, aliases)


def test_alias_shares_the_accounts_lockout(mfad_factory, aliases):  # noqa: F811
    inst = start_with_policy(mfad_factory, policy("required", attempts=3))
    pam = PamHarness(inst.socket)
    secret, _ = fresh_totp(inst, TEST_USER)
    bad = wrong_code(secret)
    res = pam.run(ALIASES_OF_USER[0], [bad] * 3)
    assert "Too many failed attempts" in res.transcript, res
    # Locked for the account, whichever name asks next.
    for name in (TEST_USER, ALIASES_OF_USER[1]):
        res = pam.run(name, [code_at(secret, +1)])
        assert res.rc == "PAM_AUTH_ERR" and "Too many failed attempts" in res.transcript, res
    assert_nothing_under(inst, aliases)


def test_alias_shares_grace_and_enrolment(mfad_factory, aliases):  # noqa: F811
    inst = start_with_policy(mfad_factory, policy("required", grace="7d"))
    reset_user(inst, TEST_USER)
    pam = PamHarness(inst.socket)
    res = pam.run(TEST_USER, ["@CONV_ERR"])
    assert res.rc == "PAM_IGNORE" and "in 7 days" in res.transcript, res
    with sqlite3.connect(inst.dir / "mfad.db") as db:
        (deadline,) = db.execute("SELECT grace_deadline_s FROM users WHERE app = 'system' AND "
                                 "user = ?", (TEST_USER,)).fetchone()
    assert deadline, deadline
    # The alias is in the account's grace period (not a new one of its own) ...
    res = pam.run(ALIASES_OF_USER[0], ["@CONV_ERR"])
    assert res.rc == "PAM_IGNORE" and "in 7 days" in res.transcript, res
    assert_nothing_under(inst, aliases)
    # ... and once the grace is over, what it enrols at login is the account's factor.
    inst.stop()
    with sqlite3.connect(inst.dir / "mfad.db") as db:
        db.execute("UPDATE users SET grace_deadline_s = 1 WHERE app = 'system' AND user = ?",
                   (TEST_USER,))
    inst.start()
    seen = {}

    def respond(text):
        if "Or enter this key by hand: " in text:
            seen["secret"] = hand_key(text)
            return code_at(seen["secret"], 0)
        return ""

    res = pam.run_interactive(ALIASES_OF_USER[1], respond)
    assert res.rc == "PAM_SUCCESS", res
    r = inst.unix_request("GET", f"/v1/apps/system/users/{TEST_USER}/factors")
    assert [f["status"] for f in r.json()["factors"]] == ["active"], r
    assert pam.run(TEST_USER, [code_at(seen["secret"], +1)]).rc == "PAM_SUCCESS"
    assert_nothing_under(inst, aliases)


def test_alias_self_service(mfad_factory, aliases):  # noqa: F811
    """pamtester as the test user (a non-admin caller, as a screen locker is): its alias is
    the same uid, so it may authenticate it, as the account; root's alias is not its uid."""
    inst = start_with_policy(mfad_factory, policy("required"))
    os.chmod(inst.dir, 0o755)  # the test user reaches the socket (mode 0666)
    moddir = Path(tempfile.mkdtemp(prefix="mfa-pam-mod-"))
    os.chmod(moddir, 0o755)
    module = moddir / "pam_mfa.so"
    shutil.copy2(MODULE, module)
    os.chmod(module, 0o644)
    stack = write_file("/etc/pam.d/mfatest-alias",
                       f"# written by tests/integration/test_pam_alias.py\n"
                       f"auth required {module} socket={inst.socket}\n"
                       f"account required pam_permit.so\n")
    try:
        secret, _ = fresh_totp(inst, TEST_USER)
        fresh_totp(inst, "root")

        def pamtester(user, stdin):
            return subprocess.run(as_user(TEST_USER, ["pamtester", "mfatest-alias", user,
                                                      "authenticate"]),
                                  input=stdin, capture_output=True, text=True, timeout=60)

        r = pamtester(ALIASES_OF_USER[0], f"{code_at(secret, +1)}\n")
        assert r.returncode == 0 and "successfully authenticated" in r.stdout + r.stderr, r
        assert "Verification code" in r.stdout + r.stderr, r
        r = pamtester("mfaroot0", "123456\n")
        assert r.returncode != 0 and "Verification code" not in r.stdout + r.stderr, r
        assert_nothing_under(inst, aliases)
    finally:
        stack.unlink(missing_ok=True)
        shutil.rmtree(moddir, ignore_errors=True)
