"""A real sshd on a loopback port with pam_mfa.so in its PAM stack, driven by paramiko.

sshd takes its PAM service name from its program name, so it runs through a symlink
$TMP/sshd-mfatest -> /usr/sbin/sshd and /etc/pam.d/sshd-mfatest is its stack (written here,
removed at teardown). Authentication is `publickey,keyboard-interactive:pam`: the key is the
first factor, pam_mfa.so the second (DESIGN.md section 9, "Practical notes").
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import paramiko
import pytest

from engine_helpers import code_at, start_with_policy
from pam_helpers import (HALF_BLOCKS, MODULE, fresh_totp, hand_key, reset_user, test_user,
                         wrong_code, write_file)  # noqa: F401

SERVICE = "sshd-mfatest"
PAM_FILE = Path("/etc/pam.d") / SERVICE
POLICY = ("defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s, "
          "lockout: {attempts: 20, window: 15m}}\n")
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sshd:
    def __init__(self, work, mfad_socket, user):
        self.work = work
        self.user = user
        self.port = free_port()
        self.log_path = work / "sshd.log"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        str(work / "host_key")], check=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        str(work / "client_key")], check=True)
        write_file(work / "authorized_keys", (work / "client_key.pub").read_text())
        self.client_key = paramiko.Ed25519Key.from_private_key_file(str(work / "client_key"))
        self.config = write_file(work / "sshd_config", f"""\
ListenAddress 127.0.0.1
Port {self.port}
HostKey {work}/host_key
PidFile {work}/sshd.pid
AuthorizedKeysFile {work}/authorized_keys
StrictModes no
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication yes
AuthenticationMethods publickey,keyboard-interactive:pam
PermitRootLogin no
AllowUsers {user}
UseDNS no
PrintMotd no
PrintLastLog no
Subsystem sftp none
LogLevel VERBOSE
""")
        self.binary = work / SERVICE
        os.symlink(SSHD, self.binary)
        self.proc = None

    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(self.binary), "-D", "-e", "-f", str(self.config), "-p",
                                      str(self.port)], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"sshd exited with {self.proc.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"sshd did not listen:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self._log.close()

    def login(self, respond, command="echo ok"):
        """publickey, then keyboard-interactive answered by respond(prompt_text) -> str, then
        COMMAND. Returns (ok, output, everything shown). ok is False on an auth failure."""
        shown = []

        def handler(title, instructions, prompts):
            answers = []
            for text, _echo in prompts:
                full = "\n".join(x for x in (title, instructions, text) if x)
                shown.append(full)
                answers.append(respond(full))
            return answers

        t = paramiko.Transport(("127.0.0.1", self.port))
        try:
            t.start_client(timeout=10)
            remaining = t.auth_publickey(self.user, self.client_key)
            assert remaining == ["keyboard-interactive"], remaining
            try:
                t.auth_interactive(self.user, handler)
            except paramiko.AuthenticationException:
                return False, "", shown
            chan = t.open_session(timeout=10)
            chan.exec_command(command)
            out = b""
            while True:
                data = chan.recv(4096)
                if not data:
                    break
                out += data
            chan.recv_exit_status()
            return True, out.decode(), shown
        finally:
            t.close()


@pytest.fixture
def sshd_env(mfad_factory, test_user):
    inst = start_with_policy(mfad_factory, POLICY)
    work = Path(tempfile.mkdtemp(prefix="mfa-sshd-"))
    os.chmod(work, 0o755)  # sshd reads authorized_keys as the user
    made_run = not os.path.isdir("/run/sshd")
    sshd = None
    try:
        if made_run:
            os.makedirs("/run/sshd", mode=0o755)
        write_file(PAM_FILE, f"""\
# written by tests/integration/test_pam_sshd.py; removed at teardown
auth     required pam_mfa.so socket={inst.socket} timeout=5000 reminder=session
auth     optional pam_permit.so
account  required pam_unix.so
session  required pam_permit.so
session  optional pam_mfa.so reminder=session
password required pam_deny.so
""".replace("pam_mfa.so", str(MODULE)))
        sshd = Sshd(work, inst.socket, test_user)
        sshd.start()
        yield inst, sshd
    finally:
        if sshd is not None:
            sshd.stop()
        PAM_FILE.unlink(missing_ok=True)
        if made_run:
            shutil.rmtree("/run/sshd", ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def test_sshd_key_and_totp(sshd_env, test_user):
    inst, sshd = sshd_env
    secret, _ = fresh_totp(inst, test_user)
    ok, out, shown = sshd.login(lambda text: code_at(secret, +1))
    assert ok, (shown, sshd.log()[-3000:])
    assert out == "ok\n"
    assert len(shown) == 1 and shown[0].endswith("Verification code (or a backup code): "), shown
    assert f"Accepted keyboard-interactive/pam for {test_user}" in sshd.log()


def test_sshd_wrong_code(sshd_env, test_user):
    inst, sshd = sshd_env
    secret, codes = fresh_totp(inst, test_user)
    bad = wrong_code(secret)
    ok, out, shown = sshd.login(lambda text: bad)
    assert not ok and out == "", (shown, out)
    assert len(shown) >= 3, shown  # three tries in the one conversation
    assert any("Wrong code, try again." in s for s in shown), shown
    assert f"Accepted keyboard-interactive/pam for {test_user}" not in sshd.log()
    # A replayed code fails too; the next login with a backup code works.
    ok, _, _ = sshd.login(lambda text: codes[0])
    assert ok
    ok, _, shown = sshd.login(lambda text: codes[0])
    assert not ok, shown


def test_sshd_enrol_at_first_login(sshd_env, test_user):
    inst, sshd = sshd_env
    reset_user(inst, test_user)
    seen = {}

    def respond(text):
        if "Or enter this key by hand: " in text:
            seen["qr"] = text
            seen["secret"] = hand_key(text)
            return code_at(seen["secret"], 0)
        seen["codes"] = text
        assert text.endswith("Press Enter to continue: "), text
        return ""

    ok, out, shown = sshd.login(respond)
    assert ok and out == "ok\n", (shown, sshd.log()[-3000:])
    assert any(b in seen["qr"] for b in HALF_BLOCKS), seen["qr"]
    assert "\x1b" not in seen["qr"]
    assert "Then type the 6-digit code the app shows: " in seen["qr"]
    assert "backup codes" in seen["codes"]
    # The enrolled factor is what the next login asks for.
    ok, out, shown = sshd.login(lambda text: code_at(seen["secret"], +1))
    assert ok and out == "ok\n", shown
    assert shown[0].endswith("Verification code (or a backup code): "), shown


GRACE_POLICY = ("defaults: {mode: required, factors: [totp, backup_code], grace_period: 7d, "
                "lockout: {attempts: 20, window: 15m}}\n")
GRACE_TEXT = "MFA will be required for this account in 7 days"


def empty_answers(seen):
    """A keyboard-interactive handler that answers every prompt with "" and records, per
    request, its title, instructions and prompts in `seen`."""
    def handler(title, instructions, prompts):
        seen.append("\n".join([title, instructions] + [p for p, _ in prompts]))
        return ["" for _ in prompts]
    return handler


def grace_login(sshd, user, pty, command="exit"):
    """publickey + an empty keyboard-interactive round for a user in the grace period, then a
    session: an interactive shell on a pty fed COMMAND, or `ssh host COMMAND` without a pty.
    Returns (banner, keyboard-interactive texts, session output incl. stderr)."""
    seen = []
    t = paramiko.Transport(("127.0.0.1", sshd.port))
    try:
        t.start_client(timeout=10)
        t.auth_publickey(user, sshd.client_key)
        t.auth_interactive(user, empty_answers(seen))
        chan = t.open_session(timeout=10)
        chan.set_combine_stderr(True)
        if pty:
            chan.get_pty()
            chan.invoke_shell()
            chan.sendall(command.encode() + b"\n")
        else:
            chan.exec_command(command)
        out = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            data = chan.recv(4096)
            if not data:
                break
            out += data
        banner = t.get_banner()
    finally:
        t.close()
    return (banner or b"").decode(errors="replace"), seen, out.decode(errors="replace")


def test_sshd_grace_reminder_once(sshd_env, test_user):
    """Issue 20 item 5: the grace reminder of a user without a factor, seen once over SSH in
    an interactive session: `reminder=session` keeps it out of the keyboard-interactive
    conversation (whose text sshd sends as a userauth banner and again in a pty session's
    login messages) and pam_sm_open_session shows it, once, in the login messages."""
    inst, sshd = sshd_env
    (inst.dir / "policy.yaml").write_text(GRACE_POLICY)
    inst.restart()
    reset_user(inst, test_user)
    banner, seen, out = grace_login(sshd, test_user, pty=True,
                                    command='echo "vars=$(env | grep -c PAM_MFA_REMINDER)"; exit')
    everything = "\n".join([banner] + seen + [out])
    assert everything.count(GRACE_TEXT) == 1, (banner, seen, out)
    assert GRACE_TEXT in out and GRACE_TEXT not in banner, (banner, out)
    # pam_sm_open_session removed the variable: it is not in the user's environment.
    assert "PAM_MFA_REMINDER=" not in out, out
    assert "vars=0" in out, out  # the shell really ran (the echoed command line has no "=0")


def test_sshd_grace_reminder_no_pty(sshd_env, test_user):
    """`ssh host command` (no pty): sshd prints the session's login messages only on a pty
    (session.c do_login, called from do_exec_pty), so with reminder=session such a login shows
    no reminder at all; documented in docs/pam-protocol.md. The login still works, and the
    variable does not reach the command's environment."""
    inst, sshd = sshd_env
    (inst.dir / "policy.yaml").write_text(GRACE_POLICY)
    inst.restart()
    reset_user(inst, test_user)
    banner, seen, out = grace_login(sshd, test_user, pty=False, command="env; echo ok")
    assert out.endswith("ok\n"), out
    assert GRACE_TEXT not in "\n".join([banner] + seen + [out]), (banner, seen, out)
    assert "PAM_MFA_REMINDER" not in out, out


def test_sshd_daemon_down(sshd_env, test_user):
    """Issue 20 item 7: with mfad stopped the login fails closed, with one line saying why."""
    inst, sshd = sshd_env
    inst.stop()
    seen = []
    handler = empty_answers(seen)

    t = paramiko.Transport(("127.0.0.1", sshd.port))
    try:
        t.start_client(timeout=10)
        t.auth_publickey(test_user, sshd.client_key)
        with pytest.raises(paramiko.AuthenticationException):
            t.auth_interactive(test_user, handler)
    finally:
        t.close()
        inst.start()
    assert "The MFA service is unavailable" in "\n".join(seen), seen
