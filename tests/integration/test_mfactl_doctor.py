"""`mfactl doctor` (issue 12): each check in its passing and its failing state, against a real
`mfad --dev` instance, PAM stacks and sshd configs written to temp dirs.

The kernel's clock status cannot be changed by a test (and this machine's may be either), so
the clock check is driven through a small LD_PRELOAD library that answers ntp_adjtime() as a
synchronised or an unsynchronised kernel would; one more test compares doctor's verdict with
the real kernel's answer, read here through ctypes."""
import ctypes
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import BUILD, MFACTL

PAM_MFA = BUILD / "pam_mfa.so"
GOOD_SSHD = ("UsePAM yes\nKbdInteractiveAuthentication yes\n"
             "AuthenticationMethods publickey,keyboard-interactive:pam\n")

FAKE_CLOCK_C = r"""
#include <stdlib.h>
#include <sys/timex.h>
int ntp_adjtime(struct timex *t) {
  const char *s = getenv("FAKE_CLOCK");
  if (s != NULL && s[0] == 'u') {
    t->status = STA_UNSYNC; t->maxerror = 16000000; t->esterror = 16000000;
    return TIME_ERROR;
  }
  t->status = STA_PLL | STA_NANO; t->maxerror = 20000; t->esterror = 1500;
  return TIME_OK;
}
int adjtimex(struct timex *t) { return ntp_adjtime(t); }
"""


@pytest.fixture(scope="module")
def fake_clock():
    d = Path(tempfile.mkdtemp(prefix="mfad-doctor-clock-"))
    os.chmod(d, 0o755)  # readable by the non-root test's user
    src, lib = d / "fake_clock.c", d / "fake_clock.so"
    src.write_text(FAKE_CLOCK_C)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True, timeout=60)
    os.chmod(lib, 0o755)
    yield lib
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def work():
    d = Path(tempfile.mkdtemp(prefix="mfad-doctor-"))
    os.chmod(d, 0o755)
    (d / "pam.d").mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def good_stack(inst):
    return (f"auth required pam_permit.so\n"
            f"auth required {PAM_MFA} socket={inst.socket} timeout=5000\n"
            f"account required pam_permit.so\n")


def write_files(work, inst, stack=None, sshd=GOOD_SSHD):
    """A PAM dir with one stack (`mfatest`) and an sshd config, both good unless given."""
    (work / "pam.d" / "mfatest").write_text(good_stack(inst) if stack is None else stack)
    (work / "sshd_config").write_text(sshd)


def doctor(inst, work, *extra, clock="sync", fake_clock=None, user=None, config=None, env=None,
           json_out=True):
    args = ["doctor", "--config", str(config or inst.config_path), "--pam-dir",
            str(work / "pam.d"), "--sshd-config", str(work / "sshd_config"), *extra]
    if json_out:
        args.append("--json")
    e = dict(os.environ, **(env or {}))
    if fake_clock is not None:
        e.update(LD_PRELOAD=str(fake_clock), FAKE_CLOCK=clock)
    r = inst.mfactl(*args, env=e, user=user)
    assert r.returncode in (0, 1), r.stderr
    if not json_out:
        return r.returncode, r.stdout
    checks = json.loads(r.stdout)
    return r.returncode, {c["check"]: c for c in checks}


def verdict(checks, name):
    return checks[name]["status"]


# --- everything holds --------------------------------------------------------------------


def test_every_check_holds_and_the_exit_is_0(mfad, work, fake_clock):
    write_files(work, mfad)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert {c: v["status"] for c, v in checks.items()} == {
        "config": "ok", "socket": "ok", "daemon": "ok", "key_file": "ok", "schema": "ok",
        "clock": "ok", "pam:mfatest": "ok", "sshd:UsePAM": "ok",
        "sshd:KbdInteractiveAuthentication": "ok", "sshd:AuthenticationMethods": "ok"}, checks
    assert rc == 0
    for c in checks.values():
        assert set(c) == {"check", "status", "detail", "fix"} and c["fix"] is None, c
    rc, text = doctor(mfad, work, fake_clock=fake_clock, json_out=False)
    assert rc == 0 and "10 ok, 0 warnings, 0 failures, 0 skipped" in text, text
    assert "fix:" not in text


def test_global_json_option_is_the_same_as_the_commands(mfad, work, fake_clock):
    write_files(work, mfad)
    args = ["--config", str(mfad.config_path), "--pam-dir", str(work / "pam.d"),
            "--sshd-config", str(work / "sshd_config")]
    env = dict(os.environ, LD_PRELOAD=str(fake_clock), FAKE_CLOCK="sync")
    r = subprocess.run([str(MFACTL), "--socket", mfad.socket, "--json", "doctor", *args],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [c["status"] for c in json.loads(r.stdout)] == ["ok"] * 10


# --- config ------------------------------------------------------------------------------


def test_config_with_an_unknown_key_fails(mfad, work, fake_clock):
    write_files(work, mfad)
    bad = work / "bad.yaml"
    bad.write_text(mfad.config_path.read_text().replace(
        "worker_threads: 2", "worker_threads: 2\nno_such_key: 1"))
    rc, checks = doctor(mfad, work, fake_clock=fake_clock, config=bad)
    assert rc == 1
    assert verdict(checks, "config") == "fail"
    assert "no_such_key" in checks["config"]["detail"]
    assert "mfad --check-config" in checks["config"]["fix"]
    # Without the config its paths are unknown: those checks say so instead of guessing.
    assert verdict(checks, "key_file") == "skip"


def test_broken_policy_fails_the_config_check(mfad, work, fake_clock):
    write_files(work, mfad)
    (mfad.dir / "policy.yaml").write_text("defaults:\n  mode: sometimes\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "config") == "fail"
    assert "policy" in checks["config"]["detail"] and "mfactl policy check" in checks["config"]["fix"]


def test_missing_config_fails(mfad, work, fake_clock):
    write_files(work, mfad)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock, config=work / "nothing.yaml")
    assert rc == 1 and verdict(checks, "config") == "fail"
    assert "No such file" in checks["config"]["detail"]


# --- key file ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_key_file_readable_by_others_fails(mfad, work, fake_clock, mode):
    write_files(work, mfad)
    key = mfad.dir / "secret.key"
    os.chmod(key, mode)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "key_file") == "fail"
    assert f"{mode:04o}" in checks["key_file"]["detail"]
    assert checks["key_file"]["fix"].startswith(f"chmod 0400 {key}")
    os.chmod(key, 0o400)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert verdict(checks, "key_file") == "ok" and rc == 0


def test_key_file_of_another_owner_than_the_daemon_fails(mfad, work, fake_clock):
    write_files(work, mfad)
    key = mfad.dir / "secret.key"
    os.chown(key, 65534, 65534)  # nobody; the daemon runs as root here
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "key_file") == "fail"
    assert "uid 65534" in checks["key_file"]["detail"]
    assert "mfad runs as uid 0" in checks["key_file"]["detail"]
    assert checks["key_file"]["fix"] == f"chown 0 {key}"


def test_key_file_of_the_wrong_length_or_missing_fails_and_is_never_printed(mfad, work,
                                                                           fake_clock):
    write_files(work, mfad)
    key = mfad.dir / "secret.key"
    secret = key.read_bytes()
    os.chmod(key, 0o600)
    key.write_bytes(secret[:16])
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "key_file") == "fail"
    assert "16 bytes" in checks["key_file"]["detail"]
    key.unlink()
    rc, out = doctor(mfad, work, fake_clock=fake_clock, json_out=False)
    assert rc == 1 and "fail  key_file" in out and "restore it from its backup" in out
    for form in (secret.hex(), secret[:16].hex(), secret.hex().upper()):
        assert form not in out


def test_key_file_as_a_symlink_fails(mfad, work, fake_clock):
    write_files(work, mfad)
    key = mfad.dir / "secret.key"
    real = mfad.dir / "real.key"
    key.rename(real)
    key.symlink_to(real)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and "symbolic link" in checks["key_file"]["detail"]


# --- socket and daemon -------------------------------------------------------------------


def test_stopped_daemon_fails_socket_and_daemon(mfad, work, fake_clock):
    write_files(work, mfad)
    assert mfad.stop() == 0
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1
    assert verdict(checks, "socket") == "fail" and verdict(checks, "daemon") == "fail"
    assert "systemctl start mfad" in checks["socket"]["fix"]
    # Read from the database file instead of the daemon's answer.
    assert verdict(checks, "schema") == "ok" and "mfad.db: schema version" in checks["schema"]["detail"]
    assert "was not seen" in checks["clock"]["detail"]


def config_with_socket(inst, work, sock):
    cfg = work / "other.yaml"
    text = inst.config_path.read_text()
    for name in ("mfad.db", "secret.key", "policy.yaml"):
        text = text.replace(f": {name}", f": {inst.dir / name}")
    cfg.write_text(text.replace("path: mfad.sock", f"path: {sock}"))
    return cfg


def test_stale_socket_nobody_answers(mfad, work, fake_clock):
    write_files(work, mfad)
    sock = work / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(sock))
    s.close()  # the node stays, nobody listens
    rc, checks = doctor(mfad, work, fake_clock=fake_clock, config=config_with_socket(mfad, work, sock))
    assert rc == 1 and verdict(checks, "socket") == "ok"  # root's node
    assert verdict(checks, "daemon") == "fail" and "nobody answers" in checks["daemon"]["detail"]


def test_socket_owned_by_an_untrusted_user_fails(mfad, work, fake_clock):
    """A socket node owned by nobody in a directory under /tmp (world-writable above it):
    pam_mfa.so would refuse it, and doctor says so."""
    write_files(work, mfad)
    sock = work / "evil.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(sock))
    s.listen(1)
    try:
        os.chown(sock, 65534, 65534)
        rc, checks = doctor(mfad, work, fake_clock=fake_clock,
                            config=config_with_socket(mfad, work, sock))
    finally:
        s.close()
    assert rc == 1 and verdict(checks, "socket") == "fail"
    assert "uid 65534" in checks["socket"]["detail"] and "refuses" in checks["socket"]["detail"]
    # It listens but never answers: doctor reports a hung daemon within its deadline.
    assert verdict(checks, "daemon") == "fail"
    assert "no answer to GET /v1/health within 5 s" in checks["daemon"]["detail"]


def test_a_file_in_place_of_the_socket_fails(mfad, work, fake_clock):
    write_files(work, mfad)
    plain = work / "plain"
    plain.write_text("")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock,
                        config=config_with_socket(mfad, work, plain))
    assert rc == 1 and "is not a socket" in checks["socket"]["detail"]


# --- schema ------------------------------------------------------------------------------


def test_database_newer_than_this_build_fails(mfad, work, fake_clock):
    write_files(work, mfad)
    assert mfad.stop() == 0
    db = sqlite3.connect(mfad.dir / "mfad.db")
    current = db.execute("PRAGMA user_version").fetchone()[0]
    db.execute(f"PRAGMA user_version = {current + 1}")
    db.commit()
    db.close()
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "schema") == "fail"
    assert f"schema version {current + 1} is newer than this build's {current}" in \
        checks["schema"]["detail"]
    db = sqlite3.connect(mfad.dir / "mfad.db")
    db.execute(f"PRAGMA user_version = {current - 1}")
    db.commit()
    db.close()
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "schema") == "warn"
    assert "migrates it at its next start" in checks["schema"]["detail"]


def test_schema_from_the_running_daemon(mfad, work, fake_clock):
    write_files(work, mfad)
    version = mfad.unix_request("GET", "/v1/health").json()["schema_version"]
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert checks["schema"]["detail"] == \
        f"mfad's store is at schema version {version}, as this build expects"


# --- clock -------------------------------------------------------------------------------


def test_unsynchronised_clock_warns(mfad, work, fake_clock):
    write_files(work, mfad)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock, clock="unsync")
    assert rc == 1 and verdict(checks, "clock") == "warn"
    assert "not synchronised" in checks["clock"]["detail"]
    assert "timedatectl set-ntp true" in checks["clock"]["fix"]
    rc, checks = doctor(mfad, work, fake_clock=fake_clock, clock="sync")
    assert verdict(checks, "clock") == "ok" and "estimated error 1 ms" in checks["clock"]["detail"]
    assert "reads this same clock" in checks["clock"]["detail"]


def test_clock_verdict_matches_the_real_kernel(mfad, work):
    """No fake: doctor's verdict is what the kernel says right now (STA_UNSYNC = 0x40)."""
    class Timex(ctypes.Structure):
        _fields_ = [("modes", ctypes.c_uint), ("pad", ctypes.c_long * 2),
                    ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long),
                    ("status", ctypes.c_int), ("rest", ctypes.c_long * 40)]
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    tx = Timex()
    state = libc.ntp_adjtime(ctypes.byref(tx))
    write_files(work, mfad)
    _, checks = doctor(mfad, work)
    if state == -1:
        assert verdict(checks, "clock") == "skip"
    elif state == 5 or tx.status & 0x40:
        assert verdict(checks, "clock") == "warn"
    else:
        assert verdict(checks, "clock") in ("ok", "warn")  # warn: maxerror above 5 s
        assert (verdict(checks, "clock") == "ok") == (tx.maxerror <= 5_000_000)


# --- PAM stacks --------------------------------------------------------------------------


@pytest.mark.parametrize("control", ["sufficient", "optional", "[success=ok default=ignore]",
                                     "[success=done auth_err=ignore default=bad]",
                                     "[success=ok authinfo_unavail=ignore default=die]"])
def test_skippable_control_warns(mfad, work, fake_clock, control):
    write_files(work, mfad, stack=f"auth {control} {PAM_MFA} socket={mfad.socket}\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "pam:mfatest") == "warn", checks["pam:mfatest"]
    assert "line 1" in checks["pam:mfatest"]["detail"]
    assert "MFA can be skipped" in checks["pam:mfatest"]["detail"]


@pytest.mark.parametrize("control", ["required", "requisite", "[success=ok default=die]",
                                     "[success=done new_authtok_reqd=done default=bad]"])
def test_mandatory_control_passes(mfad, work, fake_clock, control):
    write_files(work, mfad, stack=f"# a comment\nauth {control} \\\n  {PAM_MFA} socket={mfad.socket}\n"
                            f"session optional {PAM_MFA} socket={mfad.socket} reminder=session\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert verdict(checks, "pam:mfatest") == "ok", checks["pam:mfatest"]
    assert rc == 0
    assert "line 2 (auth" in checks["pam:mfatest"]["detail"]


def test_dash_auth_warns(mfad, work, fake_clock):
    write_files(work, mfad, stack=f"-auth required {PAM_MFA} socket={mfad.socket}\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "pam:mfatest") == "warn"
    assert "drop the leading" in checks["pam:mfatest"]["fix"]


def test_module_path_that_does_not_exist_fails(mfad, work, fake_clock):
    write_files(work, mfad, stack=f"auth required /nonexistent/security/pam_mfa.so socket={mfad.socket}\n"
                            "auth sufficient pam_mfa.so\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    c = checks["pam:mfatest"]
    assert rc == 1 and c["status"] == "fail"
    assert "/nonexistent/security/pam_mfa.so does not exist" in c["detail"]
    assert "line 2: control `sufficient`" in c["detail"]  # the warnings are still listed


def test_socket_option_that_differs_from_the_config_warns(mfad, work, fake_clock):
    write_files(work, mfad, stack=f"auth required {PAM_MFA} socket=/run/elsewhere.sock\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "pam:mfatest") == "warn"
    assert f"socket=/run/elsewhere.sock, but mfad listens on {mfad.socket}" in \
        checks["pam:mfatest"]["detail"]
    # No socket= at all: the module's default, which is not this instance's socket.
    write_files(work, mfad, stack=f"auth required {PAM_MFA}\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and "no socket=: the module asks /run/mfad/mfad.sock" in \
        checks["pam:mfatest"]["detail"]
    assert checks["pam:mfatest"]["fix"] == f"add socket={mfad.socket}"


def test_no_stack_names_pam_mfa_warns(mfad, work, fake_clock):
    write_files(work, mfad, stack="auth required pam_unix.so\n# pam_mfa.so is not used here\n")
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "pam") == "warn"
    assert "MFA protects no login" in checks["pam"]["detail"]
    assert not any(name.startswith("pam:") for name in checks)


# --- sshd --------------------------------------------------------------------------------


@pytest.mark.parametrize("config, check, word", [
    ("UsePAM no\nKbdInteractiveAuthentication yes\n"
     "AuthenticationMethods publickey,keyboard-interactive\n", "sshd:UsePAM", "runs no PAM stack"),
    ("KbdInteractiveAuthentication yes\nAuthenticationMethods publickey,keyboard-interactive\n",
     "sshd:UsePAM", "runs no PAM stack"),  # UsePAM's default is no
    ("UsePAM yes\nKbdInteractiveAuthentication no\n"
     "AuthenticationMethods publickey,keyboard-interactive\n",
     "sshd:KbdInteractiveAuthentication", "cannot ask for it"),
    ("UsePAM yes\nChallengeResponseAuthentication no\n"
     "AuthenticationMethods publickey,keyboard-interactive\n",
     "sshd:KbdInteractiveAuthentication", "cannot ask for it"),  # the old name
])
def test_sshd_settings_that_keep_pam_out_fail(mfad, work, fake_clock, config, check, word):
    write_files(work, mfad, sshd=config)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, check) == "fail", checks[check]
    assert word in checks[check]["detail"]


@pytest.mark.parametrize("methods", ["", "AuthenticationMethods any\n",
                                     "AuthenticationMethods publickey,keyboard-interactive publickey\n",
                                     "AuthenticationMethods password\n"])
def test_sshd_methods_that_skip_the_code_warn(mfad, work, fake_clock, methods):
    write_files(work, mfad, sshd="UsePAM yes\nKbdInteractiveAuthentication yes\n" + methods)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    c = checks["sshd:AuthenticationMethods"]
    assert rc == 1 and c["status"] == "warn", c
    assert "publickey,keyboard-interactive" in c["fix"]


def test_sshd_include_files_and_first_value_wins(mfad, work, fake_clock):
    """Debian's sshd_config starts with `Include /etc/ssh/sshd_config.d/*.conf`: a setting there
    comes first and wins over the main file's; a Match block is reported, not taken."""
    (work / "conf.d").mkdir()
    (work / "conf.d" / "10-mfa.conf").write_text(
        "KbdInteractiveAuthentication yes\nAuthenticationMethods publickey,keyboard-interactive\n")
    sshd = (f"Include {work}/conf.d/*.conf\nUsePAM=yes\nKbdInteractiveAuthentication no\n"
            "Match User backup\n  AuthenticationMethods publickey\n")
    write_files(work, mfad, sshd=sshd)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert verdict(checks, "sshd:KbdInteractiveAuthentication") == "ok"
    assert verdict(checks, "sshd:UsePAM") == "ok"
    c = checks["sshd:AuthenticationMethods"]
    assert c["status"] == "ok" and "a Match block changes it" in c["detail"]
    assert rc == 0


def test_unreadable_sshd_config_fails_for_root(mfad, work, fake_clock):
    write_files(work, mfad)
    (work / "sshd_config").unlink()
    rc, checks = doctor(mfad, work, fake_clock=fake_clock)
    assert rc == 1 and verdict(checks, "sshd") == "fail"


# --- a caller who is not root ------------------------------------------------------------


def test_non_root_caller_skips_what_needs_root_and_fails_nothing_falsely(mfad, work, fake_clock):
    """The dev dir is 0711 and its files 0600: nobody cannot read the config or stat the key.
    Those checks say "skipped (needs root)"; what nobody can check still is (the socket via
    --socket, the daemon's health and schema, the clock, PAM and sshd files)."""
    write_files(work, mfad)
    os.chmod(mfad.config_path, 0o600)
    for f in ("pam.d/mfatest", "sshd_config"):
        os.chmod(work / f, 0o644)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock, user="nobody")
    assert verdict(checks, "config") == "skip"
    assert checks["config"]["detail"].startswith("skipped (needs root)")
    assert verdict(checks, "key_file") == "skip"
    for name in ("socket", "daemon", "schema", "clock", "pam:mfatest", "sshd:UsePAM"):
        assert verdict(checks, name) == "ok", checks[name]
    assert rc == 0
    rc, text = doctor(mfad, work, fake_clock=fake_clock, user="nobody", json_out=False)
    assert "(run as root to check everything)" in text
    os.chmod(work / "sshd_config", 0o600)
    rc, checks = doctor(mfad, work, fake_clock=fake_clock, user="nobody")
    assert verdict(checks, "sshd") == "skip" and "needs root" in checks["sshd"]["detail"]


def test_usage_errors():
    for args in (["doctor", "--config"], ["doctor", "extra"], ["doctor", "--pam-dir"]):
        r = subprocess.run([str(MFACTL), *args], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, (args, r.stdout, r.stderr)


def test_non_root_caller_behind_a_closed_directory_skips_config_socket_and_daemon(work):
    closed = work / "closed"
    closed.mkdir(mode=0o700)
    (work / "sshd_config").write_text(GOOD_SSHD)
    os.chmod(work / "sshd_config", 0o644)
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        str(MFACTL), "--socket", str(closed / "mfad.sock"), "doctor", "--config",
                        str(closed / "mfad.yaml"), "--pam-dir", str(work / "pam.d"),
                        "--sshd-config", str(work / "sshd_config"), "--json"],
                       capture_output=True, text=True, timeout=30)
    checks = {c["check"]: c for c in json.loads(r.stdout)}
    for name in ("config", "socket", "daemon", "key_file", "schema"):
        assert verdict(checks, name) == "skip", checks[name]
    assert "needs root" in checks["socket"]["detail"]
    assert r.returncode == 1  # the empty PAM dir: no stack names the module
    assert verdict(checks, "pam") == "warn"
