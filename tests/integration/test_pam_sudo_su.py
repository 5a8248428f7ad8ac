"""sudo and su with pam_mfa.so in their stacks, against a real mfad.

The stacks are the shipped examples conf/pam.d/mfa-sudo and mfa-su, with pam_mfa.so replaced
by the build's module (socket= the test daemon) and these test-only changes: pam_unix gets
`nodelay` (no 2 s failure delay), su's first factor pam_unix becomes pam_permit (nobody knows
root's password here), and sessions are pam_permit (no host session modules).

- pamtester drives both stacks (services mfatest-sudo and mfatest-su in /etc/pam.d/, removed
  at teardown), as root and as the test user.
- Real sudo: its PAM service is selected with the sudoers option `pam_service` in a drop-in
  /etc/sudoers.d/mfatest (removed at teardown); /etc/pam.d/sudo is never touched.
- Real su: its service name is fixed ("su"), so it runs in a private mount namespace where the
  test stack is bind-mounted over /etc/pam.d/su; the real file is never modified. (If mount
  namespaces are unavailable the file is backed up and restored in a finally block.)
"""

import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT
from engine_helpers import code_at, start_with_policy
from pam_helpers import MODULE, fresh_totp, test_user, wrong_code, write_file  # noqa: F401

PASSWORD = "Mfa-test-pw-1"
POLICY = ("defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s, "
          "lockout: {attempts: 50, window: 15m}}\n")
PAM_DIR = Path("/etc/pam.d")
SUDOERS = Path("/etc/sudoers.d/mfatest")


def stack_from(conf, socket_path, first_factor=None, module=MODULE):
    """conf/pam.d/CONF made runnable here (see the module docstring)."""
    out = [f"# written by tests/integration/test_pam_sudo_su.py from conf/pam.d/{conf}"]
    for raw in (ROOT / "conf/pam.d" / conf).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        if f[0] == "@include" and "session" in f[1]:
            out.append("session required pam_permit.so")
            continue
        if f[0] == "session":
            continue
        if len(f) >= 3 and f[2] == "pam_unix.so" and f[0] == "auth":
            f[2:] = [first_factor] if first_factor else ["pam_unix.so", *f[3:], "nodelay"]
        elif len(f) >= 3 and f[2] == "pam_mfa.so":
            f[2:3] = [str(module), f"socket={socket_path}"]
        out.append(" ".join(f))
    return "\n".join(out) + "\n"


def as_user(user, cmd):
    pw = pwd.getpwnam(user)
    return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups",
            "--reset-env", *cmd]


def run(cmd, stdin):
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)


@pytest.fixture
def env(mfad_factory, test_user):
    inst = start_with_policy(mfad_factory, POLICY)
    os.chmod(inst.dir, 0o755)  # the test user's own processes reach the socket (mode 0666)
    subprocess.run(["chpasswd"], input=f"{test_user}:{PASSWORD}\n", text=True, check=True)
    written = []
    # pamtester also runs as the test user, who may not be able to read the build tree (e.g.
    # a checkout under /root): load a world-readable copy of the module.
    moddir = Path(tempfile.mkdtemp(prefix="mfa-pam-mod-"))
    os.chmod(moddir, 0o755)
    module = moddir / "pam_mfa.so"
    shutil.copy2(MODULE, module)
    os.chmod(module, 0o644)
    inst.module = module
    try:
        for name, conf, first in (("mfatest-sudo", "mfa-sudo", None),
                                  ("mfatest-su", "mfa-su", None),
                                  ("mfatest-su-permit", "mfa-su", "pam_permit.so")):
            written.append(write_file(PAM_DIR / name, stack_from(conf, inst.socket, first, module)))
        yield inst
    finally:
        for p in written:
            p.unlink(missing_ok=True)
        SUDOERS.unlink(missing_ok=True)
        shutil.rmtree(moddir, ignore_errors=True)


def pamtester(service, user, stdin, runner=None):
    cmd = ["pamtester", service, user, "authenticate"]
    return run(as_user(runner, cmd) if runner else cmd, stdin)


def test_pamtester_sudo_stack(env, test_user):
    secret, codes = fresh_totp(env, test_user)
    bad = wrong_code(secret)
    r = pamtester("mfatest-sudo", test_user, f"{PASSWORD}\n{code_at(secret, +1)}\n")
    assert r.returncode == 0 and "successfully authenticated" in r.stderr + r.stdout, r
    assert "[MFA] Verification code (or a backup code): " in r.stdout + r.stderr, r
    # Right password, wrong codes: refused after three tries.
    r = pamtester("mfatest-sudo", test_user, f"{PASSWORD}\n{bad}\n{bad}\n{bad}\n")
    assert r.returncode != 0 and "Wrong code, try again." in r.stdout + r.stderr, r
    # Wrong password, good backup code: still refused (both factors required).
    r = pamtester("mfatest-sudo", test_user, f"wrong-pw\n{codes[0]}\n")
    assert r.returncode != 0, r
    # The stack goes on after a bad password (required, not requisite) so the failure does not
    # reveal which factor was wrong; the daemon spent codes[0]. Another backup code works.
    r = pamtester("mfatest-sudo", test_user, f"{PASSWORD}\n{codes[1]}\n")
    assert r.returncode == 0, r


def test_pamtester_su_stack(env, test_user):
    secret, _ = fresh_totp(env, test_user)
    # As root, `sufficient pam_rootok` ends the stack before any prompt: su's semantics.
    r = pamtester("mfatest-su", test_user, "")
    assert r.returncode == 0 and "Verification code" not in r.stdout + r.stderr, r
    # As the user itself (not root): password, then the code; pam_mfa.so connects as the user,
    # which the daemon allows for the user's own account (docs/pam-protocol.md).
    r = pamtester("mfatest-su", test_user, f"{PASSWORD}\n{code_at(secret, +1)}\n",
                  runner=test_user)
    assert r.returncode == 0 and "successfully authenticated" in r.stdout + r.stderr, r
    r = pamtester("mfatest-su", test_user, f"{PASSWORD}\n{wrong_code(secret)}\n\n\n",
                  runner=test_user)
    assert r.returncode != 0, r
    # A user may not run the conversation for another account: refused, never a success.
    secret_root, _ = fresh_totp(env, "root")
    r = pamtester("mfatest-su-permit", "root", f"{code_at(secret_root, +1)}\n", runner=test_user)
    assert r.returncode != 0, r


def test_real_sudo(env, test_user):
    write_file(SUDOERS, f"""\
# written by tests/integration/test_pam_sudo_su.py; removed at teardown
Defaults:{test_user} pam_service=mfatest-sudo, timestamp_timeout=0, passwd_tries=1, !mail_badpass
{test_user} ALL=(root) ALL
""", mode=0o440)
    chk = run(["visudo", "-c", "-f", str(SUDOERS)], "")
    assert chk.returncode == 0, chk
    secret, _ = fresh_totp(env, test_user)
    sudo = as_user(test_user, ["sudo", "-S", "-u", "root", "id", "-u"])
    r = run(sudo, f"{PASSWORD}\n{code_at(secret, +1)}\n")
    assert r.returncode == 0 and r.stdout.strip() == "0", r
    assert f"password for {test_user}:" in r.stderr, r
    assert "[MFA] Verification code (or a backup code): " in r.stderr, r
    # timestamp_timeout=0: the next sudo asks again; a replayed code is refused.
    r = run(sudo, f"{PASSWORD}\n{code_at(secret, +1)}\n\n\n")
    assert r.returncode != 0 and r.stdout.strip() == "", r
    assert "already used" in r.stderr, r
    r = run(sudo, f"{PASSWORD}\n{wrong_code(secret)}\n\n\n")
    assert r.returncode != 0 and r.stdout.strip() == "", r


def _su_cmd(test_user, stack_file):
    su = as_user(test_user, ["su", "-c", "id -u", "root"])
    inner = f"mount --bind {stack_file} /etc/pam.d/su && exec " + shlex.join(su)
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", inner]


def test_real_su(env, test_user, tmp_path):
    stack = write_file(tmp_path / "su-stack", stack_from("mfa-su", env.socket, "pam_permit.so",
                                                         env.module))
    os.chmod(tmp_path, 0o755)
    secret_root, _ = fresh_totp(env, "root")
    probe = run(["unshare", "--mount", "--propagation", "private", "--", "true"], "")
    if probe.returncode == 0:
        def su(stdin):
            return run(_su_cmd(test_user, stack), stdin)
    else:
        # No mount namespaces here: swap /etc/pam.d/su and always put it back.
        def su(stdin):
            backup = Path(tempfile.mkdtemp()) / "su"
            shutil.copy2("/etc/pam.d/su", backup)
            try:
                shutil.copyfile(stack, "/etc/pam.d/su")
                return run(as_user(test_user, ["su", "-c", "id -u", "root"]), stdin)
            finally:
                shutil.copy2(backup, "/etc/pam.d/su")
                shutil.rmtree(backup.parent, ignore_errors=True)
    before = Path("/etc/pam.d/su").read_bytes()
    r = su(f"{code_at(secret_root, +1)}\n")
    assert r.returncode == 0 and r.stdout.strip() == "0", r
    assert "Verification code (or a backup code): " in r.stdout + r.stderr, r
    r = su(f"{wrong_code(secret_root)}\n\n\n")
    assert r.returncode != 0 and r.stdout.strip() == "", r
    assert Path("/etc/pam.d/su").read_bytes() == before
