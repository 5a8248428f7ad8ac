"""Helpers for the PAM tests against a real mfad: the libpamtest driver under pam_wrapper
(tests/pam/pam_driver), a throw-away Unix test user, and enrolment states set up through the
daemon's API.

The driver runs as root, so the module talks to the daemon as an admin caller. Its service
file uses the probe stack of tests/pam/run_pam_tests.py: any code but PAM_IGNORE ends the stack
with the module's own code; PAM_IGNORE falls through to pam_debug (PAM_CRED_UNAVAIL, a code
pam_mfa.so never returns), which `run()` reports as "PAM_IGNORE".
"""

import os
import pwd
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import weakref
from pathlib import Path

import pytest

from conftest import BUILD
from engine_helpers import code_at, enroll_totp

DRIVER = BUILD / "tests/pam/pam_driver"
MODULE = BUILD / "pam_mfa.so"
TEST_USER = "mfatest1"
PROBE_STACK = ["auth [success=done ignore=ignore default=die] {mod}",
               "auth requisite pam_debug.so auth=cred_unavail"]
HALF_BLOCKS = ("\u2580", "\u2584", "\u2588")  # upper half, lower half, full block
HAND_KEY = re.compile(r"Or enter this key by hand: ([A-Z2-7 ]+)")


class PamResult:
    def __init__(self, rc, transcript, log, seconds):
        self.rc = rc
        self.transcript = transcript
        self.log = log
        self.seconds = seconds

    def __repr__(self):
        return f"PamResult({self.rc}, {self.transcript!r})"


PAM_DEBUG_LINE = "info: auth=cred_unavail\n"  # shown by the probe stack's pam_debug


def _rc(out):
    m = re.search(r"^rc=(PAM_\w+)", out, re.M)
    rc = m.group(1) if m else "NO_RC"
    return "PAM_IGNORE" if rc == "PAM_CRED_UNAVAIL" else rc


class PamHarness:
    """Runs pam_mfa.so (BUILD/pam_mfa.so) through the driver with socket=SOCKET + options."""

    def __init__(self, socket_path, service="mfa-matrix"):
        if not DRIVER.exists() or not MODULE.exists():
            pytest.fail(f"build {DRIVER} and {MODULE} first")
        self.socket = socket_path
        self.service = service
        self.dir = tempfile.mkdtemp(prefix="mfa-pam-svc-")
        weakref.finalize(self, shutil.rmtree, self.dir, True)

    def _env(self, options):
        mod = f"{MODULE} socket={self.socket} {options}".strip()
        name = f"{self.service}-{abs(hash(options)) % 10**8}"
        with open(os.path.join(self.dir, name), "w") as f:
            f.write("\n".join(s.replace("{mod}", mod) for s in PROBE_STACK) + "\n")
        env = dict(os.environ, LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1",
                   PAM_WRAPPER_SERVICE_DIR=self.dir, PAM_WRAPPER_DEBUGLEVEL="3")
        return name, env

    def run(self, user, answers=(), options="", timeout=30):
        """One pam_authenticate with scripted answers."""
        name, env = self._env(options)
        cmd = [str(DRIVER), "--service", name, "--user", user, "--expect", "PAM_SUCCESS"]
        for a in answers:
            cmd += ["--answer", a]
        t0 = time.monotonic()
        p = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout)
        secs = time.monotonic() - t0
        out = p.stdout.decode("utf-8", "replace")
        out = out.replace(PAM_DEBUG_LINE, "")
        return PamResult(_rc(out), out, p.stderr.decode("utf-8", "replace"), secs)

    def run_interactive(self, user, respond, options="", max_prompts=10, timeout=30):
        """One pam_authenticate whose answers are computed: respond(prompt_transcript) -> str
        is called with everything the module showed since the previous answer."""
        name, env = self._env(options)
        cmd = [str(DRIVER), "--service", name, "--user", user, "--expect", "PAM_SUCCESS"]
        cmd += ["--answer", "@STDIN"] * max_prompts
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        shown = []
        chunk = []
        try:
            for raw in p.stdout:
                line = raw.decode("utf-8", "replace")
                if line == "@@ANSWER?\n":
                    text = "".join(chunk)
                    shown.append(text)
                    chunk = []
                    p.stdin.write((respond(text) + "\n").encode())
                    p.stdin.flush()
                else:
                    chunk.append(line)
            p.wait(timeout=timeout)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        rest = "".join(chunk).replace(PAM_DEBUG_LINE, "")
        err = p.stderr.read().decode("utf-8", "replace")
        return PamResult(_rc(rest), "".join(shown) + rest, err, time.monotonic() - t0)


# --- the Unix test user -------------------------------------------------------------------

def _userdel(name):
    subprocess.run(["userdel", "-r", "-f", name], capture_output=True)


def make_test_user(name=TEST_USER):
    """Creates NAME with a home and a shell (removing a leftover of a crashed run first)."""
    try:
        pwd.getpwnam(name)
        _userdel(name)
    except KeyError:
        pass
    subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True, capture_output=True)
    return name


@pytest.fixture(scope="module")
def test_user():
    if os.geteuid() != 0:
        pytest.skip("needs root (creates a Unix user, writes /etc/pam.d files)")
    name = make_test_user()
    try:
        yield name
    finally:
        _userdel(name)


def make_alias(alias, of):
    """A second passwd line with OF's uid and gid under another name (useradd --non-unique,
    no home, no group of its own): what an alias entry, or a name service that answers a
    second name for one account, looks like to getpwnam. --badname allows upper case."""
    try:
        pwd.getpwnam(alias)
        subprocess.run(["userdel", "-f", alias], capture_output=True)
    except KeyError:
        pass
    pw = pwd.getpwnam(of)
    subprocess.run(["useradd", "--badname", "-o", "-u", str(pw.pw_uid), "-g", str(pw.pw_gid),
                    "-M", "-N", "-d", pw.pw_dir, "-s", pw.pw_shell, "-c", f"alias of {of}",
                    alias], check=True, capture_output=True)
    assert pwd.getpwnam(alias).pw_uid == pw.pw_uid
    return alias


def remove_alias(alias):
    """userdel of the alias line only (-f, no -r: the home belongs to the real account)."""
    subprocess.run(["userdel", "-f", alias], capture_output=True)


ALIASES = {"mfaalias1": TEST_USER, TEST_USER.upper(): TEST_USER, "mfaroot0": "root"}


@pytest.fixture(scope="module")
def aliases(test_user):
    """ALIASES as passwd lines (alias -> canonical account), removed at teardown."""
    made = []
    try:
        for alias, of in ALIASES.items():
            made.append(make_alias(alias, of))
        yield dict(ALIASES)
    finally:
        for alias in made:
            remove_alias(alias)
        for alias in ALIASES:
            try:
                pwd.getpwnam(alias)
                raise AssertionError(f"alias {alias} left in the passwd database")
            except KeyError:
                pass


def store_users(inst):
    """Names the daemon keeps any state for in app system (grace, status, factors)."""
    with sqlite3.connect(inst.dir / "mfad.db", timeout=10) as db:
        rows = db.execute("SELECT user FROM users WHERE app = 'system' UNION "
                          "SELECT user FROM factors WHERE app = 'system'").fetchall()
    return {r[0] for r in rows}


# --- enrolment states through the API ------------------------------------------------------

def reset_user(inst, user):
    r = inst.unix_request("POST", f"/v1/apps/system/users/{user}/reset", {})
    assert r.status == 200, r


def fresh_totp(inst, user, backup_codes=True, label="phone"):
    """Removes every factor of USER and enrols one TOTP factor (activated with the current
    step, so code_at(secret, +1) is the next code the daemon accepts). Without backup_codes the
    codes issued at activation are marked used in the store (the state of a user who spent
    them all). Returns (secret, backup_codes)."""
    reset_user(inst, user)
    _, secret, codes = enroll_totp(inst, user, label=label)
    assert len(codes) == 10, codes
    if not backup_codes:
        with sqlite3.connect(inst.dir / "mfad.db", timeout=10) as db:
            db.execute("UPDATE backup_codes SET used_at_s = 1 WHERE user = ? AND "
                       "used_at_s IS NULL", (user,))
        r = inst.unix_request("GET", f"/v1/apps/system/users/{user}/backup-codes")
        assert r.status == 200 and r.json()["remaining"] == 0, r
        codes = []
    return secret, codes


def wrong_code(secret):
    """A 6-digit code that is none of the codes of the steps -2..+2."""
    near = {code_at(secret, k) for k in range(-2, 3)}
    for n in range(100000, 999999, 7919):
        if f"{n:06d}" not in near:
            return f"{n:06d}"
    raise AssertionError("unreachable")


def hand_key(prompt_text):
    """The base32 secret from the enrolment prompt's "Or enter this key by hand:" line."""
    m = HAND_KEY.search(prompt_text)
    assert m, prompt_text
    return m.group(1).replace(" ", "")


def mfa_successes(inst, user):
    r = inst.unix_request("GET", f"/v1/audit?user={user}&event=user.mfa_succeeded&limit=1000")
    assert r.status == 200, r
    return len(r.json()["events"])


def write_file(path, text, mode=0o644):
    p = Path(path)
    p.write_text(text)
    os.chmod(p, mode)
    return p


# --- TCP squatters (issue 10: they must not starve the socket) ---------------------------

SQUAT_SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]  # all of 127.0.0.0/8 is loopback


def metrics_gauge(inst, name):
    """A gauge from /metrics over the socket (this request included), or None when the socket
    refused the request (503: no budget left for it)."""
    r = inst.unix_request("GET", "/metrics")
    if r.status != 200:
        return None
    for line in r.body.decode().splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise AssertionError(f"{name} missing from /metrics")


def squat_tcp(inst, per_address, timeout=10):
    """Opens `per_address` idle connections (no byte sent; on a TLS listener, a handshake that
    never starts) from each of 127.0.0.2-9 to the daemon's TCP port, and waits until the daemon
    holds them all (or, on a shared budget, refuses the socket itself). Returns the sockets."""
    deadline = time.monotonic() + timeout
    while metrics_gauge(inst, "mfad_open_connections") != 1:  # set-up connections closed
        assert time.monotonic() < deadline, "set-up connections did not close"
        time.sleep(0.02)
    squatters = []
    for src in SQUAT_SOURCES:
        for _ in range(per_address):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((src, 0))
            s.settimeout(10)
            s.connect(("127.0.0.1", inst.tcp_port))
            squatters.append(s)
    while True:
        v = metrics_gauge(inst, "mfad_open_connections")
        if v is None or v >= len(squatters) + 1:
            return squatters
        assert time.monotonic() < deadline, f"the daemon holds {v - 1} of {len(squatters)}"
        time.sleep(0.02)


def still_open(s):
    """True while the peer has not closed `s` (nothing is read from a live socket)."""
    s.setblocking(False)
    try:
        return s.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)

