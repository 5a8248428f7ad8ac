"""Local FIDO2 security keys end to end (issue 7 "local keys"): the real mfad talks through
real libfido2 to the software authenticator tests/tools/soft_ctap2.py, attached as
fido2.device "unix:<socket>" (raw CTAPHID reports over a Unix socket). `mfactl enroll fido2`
registers the key; logins go through the real pam_mfa.so (libpamtest driver under pam_wrapper,
tests/integration/pam_helpers.py): success with the key, failure when the key is "removed"
(authenticator stopped, socket gone), when it is not touched (OPERATION_DENIED, or silence
until the timeout), and with user verification required, the PIN prompt, a wrong PIN refused.

The soft key appends a JSON line per CTAP command to its log before answering; the tests read
it to check what the daemon asked for (rp id, allowList, pinAuth).
"""

import json
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT
from engine_helpers import code_at
from pam_helpers import (PamHarness, fresh_totp, mfa_successes, reset_user, test_user,  # noqa: F401
                         write_file)

SOFT_KEY = ROOT / "tests/tools/soft_ctap2.py"
POLICY = ("defaults: {mode: required, factors: [webauthn, totp, backup_code], grace_period: 0s, "
          "lockout: {attempts: 100, window: 15m}}\n")
TOUCH = "info: Touch your security key."
PIN_PROMPT = "prompt-off: Security key PIN: "
RETRY_PROMPT = "Press Enter to try the security key again, or type a backup code: "
TOUCH_TIMEOUT_MS = 3000


class SoftKey:
    """tests/tools/soft_ctap2.py as a process; its state file survives restarts."""

    def __init__(self, directory):
        self.dir = directory
        self.socket = str(directory / "key.sock")
        self.state = str(directory / "key.json")
        self.log = directory / "key.log"
        self.proc = None

    def start(self, touch="ok", pin="", algs="eddsa,es256"):
        self.stop()
        cmd = ["/usr/bin/python3", str(SOFT_KEY), "--socket", self.socket, "--state", self.state,
               "--log", str(self.log), "--touch", touch, "--algs", algs]
        if pin:
            cmd += ["--pin", pin]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        assert line.strip() == "ready", (line, self.proc.stderr.read())
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def events(self, command=None):
        if not self.log.exists():
            return []
        out = [json.loads(x) for x in self.log.read_text().splitlines() if x.strip()]
        return [e for e in out if command is None or e["command"] == command]

    def saved(self):
        with open(self.state) as f:
            return json.load(f)


@pytest.fixture
def key(tmp_path):
    k = SoftKey(tmp_path)
    yield k
    k.stop()


def start_daemon(mfad_factory, key, uv="discouraged"):
    extra = (f"fido2: {{device: 'unix:{key.socket}', user_verification: {uv}, "
             f"timeout_ms: {TOUCH_TIMEOUT_MS}}}\n")
    inst = mfad_factory(start=False, config_extra=extra)
    (inst.dir / "policy.yaml").write_text(POLICY)
    return inst.start()


def enroll(inst, user, label="desk key", pin_input=None, extra=()):
    r = inst.mfactl("enroll", "fido2", "--user", user, "--label", label, *extra, input=pin_input)
    assert r.returncode == 0, (r.stdout, r.stderr, inst.log())
    assert f"Security key '{label}' is registered" in r.stdout, r.stdout
    return r


def factors_of(inst, user):
    r = inst.unix_request("GET", f"/v1/apps/system/users/{user}/factors")
    assert r.status == 200, r
    return r.json()["factors"]


def stored_params(inst, factor_id):
    with sqlite3.connect(inst.dir / "mfad.db", timeout=10) as db:
        row = db.execute("SELECT params, sign_count FROM factors WHERE id = ?",
                         (factor_id,)).fetchone()
    return json.loads(row[0]), row[1]


def failures(inst, user):
    r = inst.unix_request("GET", f"/v1/audit?user={user}&event=user.mfa_failed&limit=1000")
    assert r.status == 200, r
    return [e for e in r.json()["events"] if '"fido2"' in json.dumps(e)]


def test_enrol_then_login_with_the_key(mfad_factory, key, test_user):  # noqa: F811
    key.start()
    inst = start_daemon(mfad_factory, key)
    reset_user(inst, test_user)
    out = enroll(inst, test_user)
    assert "Backup codes" in out.stdout  # the first factor brings them
    [f] = [f for f in factors_of(inst, test_user) if f["type"] == "fido2"]
    assert f["status"] == "active" and f["label"] == "desk key"
    params, _ = stored_params(inst, f["id"])
    # EdDSA when the key offers it; rp id pam://<hostname> like pam_u2f.
    assert params["alg"] == -8 and params["attestation"] == "self", params
    assert params["rp_id"] == "pam://" + socket.gethostname()
    [mc] = [e for e in key.events("make_credential") if e["status"] == 0]
    assert mc["rp"] == params["rp_id"] and mc["uv"] is False

    pam = PamHarness(inst.socket)
    before = mfa_successes(inst, test_user)
    res = pam.run(test_user)  # the only factor: straight to the touch, no prompt
    assert res.rc == "PAM_SUCCESS", (res, res.log, inst.log())
    assert TOUCH in res.transcript and "prompt-" not in res.transcript, res.transcript
    [ga] = key.events("get_assertion")
    assert ga == {"command": "get_assertion", "status": 0, "touch": "ok",
                  "rp": params["rp_id"], "allow": 1, "uv": False, "up": True}
    assert mfa_successes(inst, test_user) == before + 1
    _, count1 = stored_params(inst, f["id"])
    assert count1 == key.saved()["counter"] >= 1

    res = pam.run(test_user)
    assert res.rc == "PAM_SUCCESS", res
    _, count2 = stored_params(inst, f["id"])
    assert count2 > count1  # the sign count is stored and grows


def test_removed_key_fails_then_a_backup_code_works(mfad_factory, key, test_user):  # noqa: F811
    key.start(algs="es256")
    inst = start_daemon(mfad_factory, key)
    reset_user(inst, test_user)
    out = enroll(inst, test_user)
    codes = [w.replace("-", "") for w in out.stdout.split() if len(w) == 9 and w[4] == "-"]
    assert len(codes) == 10, out.stdout
    [f] = factors_of(inst, test_user)
    assert stored_params(inst, f["id"])[0]["alg"] == -7  # ES256 when that is all it offers
    key.stop()  # "removed": no authenticator behind the socket path any more

    pam = PamHarness(inst.socket)
    res = pam.run(test_user, answers=["", ""])
    assert res.rc == "PAM_MAXTRIES", (res, inst.log())
    assert res.transcript.count(TOUCH) == 3, res.transcript
    assert "No security key found (is it plugged in?)." in res.transcript
    assert RETRY_PROMPT in res.transcript
    assert len(failures(inst, test_user)) == 3

    before = mfa_successes(inst, test_user)
    res = pam.run(test_user, answers=[codes[0]])
    assert res.rc == "PAM_SUCCESS", res
    assert mfa_successes(inst, test_user) == before + 1

    # Pulled out while it waits for the touch: libfido2 loses the device mid-request.
    key.start(touch="remove", algs="es256")
    res = pam.run(test_user, answers=[codes[1]])
    assert res.rc == "PAM_SUCCESS", (res, inst.log())
    assert "The security key stopped answering (removed?)." in res.transcript, res.transcript
    assert key.events()[-1] == {"command": "removed"}
    assert mfa_successes(inst, test_user) == before + 2


def test_missing_touch_fails(mfad_factory, key, test_user):  # noqa: F811
    key.start()
    inst = start_daemon(mfad_factory, key)
    reset_user(inst, test_user)
    out = enroll(inst, test_user)
    codes = [w.replace("-", "") for w in out.stdout.split() if len(w) == 9 and w[4] == "-"]
    pam = PamHarness(inst.socket)

    key.start(touch="deny")  # the key says CTAP2_ERR_OPERATION_DENIED
    res = pam.run(test_user, answers=["", ""])
    assert res.rc == "PAM_MAXTRIES", (res, inst.log())
    assert "The security key refused (no touch)." in res.transcript, res.transcript
    assert [e["status"] for e in key.events("get_assertion")] == [0x27] * 3
    assert mfa_successes(inst, test_user) == 0

    key.start(touch="timeout")  # KEEPALIVE(UPNEEDED) until libfido2 gives up
    t0 = time.monotonic()
    res = pam.run(test_user, answers=[codes[0]])  # then the user falls back to a backup code
    took = time.monotonic() - t0
    assert res.rc == "PAM_SUCCESS", (res, inst.log())
    assert "The security key was not touched in time." in res.transcript, res.transcript
    assert took >= TOUCH_TIMEOUT_MS / 1000 - 0.5, took
    assert len(failures(inst, test_user)) == 4


def test_key_in_the_picker_next_to_totp(mfad_factory, key, test_user):  # noqa: F811
    key.start()
    inst = start_daemon(mfad_factory, key)
    secret, _ = fresh_totp(inst, test_user)
    enroll(inst, test_user, label="yubi")  # as root: an admin needs no step-up code
    pam = PamHarness(inst.socket)
    picked = []

    def respond(shown):
        if "Choose a factor" in shown:
            line = [x for x in shown.splitlines() if "Security key 'yubi'" in x][0]
            picked.append(line)
            return line.split(")")[0].split()[-1]
        return code_at(secret, 0)

    res = pam.run_interactive(test_user, respond)
    assert res.rc == "PAM_SUCCESS", (res, inst.log())
    assert picked and TOUCH in res.transcript, res.transcript
    assert [e["status"] for e in key.events("get_assertion")] == [0]


def test_uv_required_asks_for_the_pin(mfad_factory, key, test_user):  # noqa: F811
    key.start(pin="4321")
    inst = start_daemon(mfad_factory, key, uv="required")
    reset_user(inst, test_user)
    # Without --pin, the daemon says the PIN is needed and mfactl asks for it (stdin here).
    enroll(inst, test_user, pin_input="4321\n")
    [mc] = [e for e in key.events("make_credential") if e["status"] == 0]
    assert mc["uv"] is True  # pinAuth sent
    [f] = factors_of(inst, test_user)
    assert stored_params(inst, f["id"])[0]["uv_initialized"] is True

    pam = PamHarness(inst.socket)
    res = pam.run(test_user, answers=["4321"])
    assert res.rc == "PAM_SUCCESS", (res, inst.log())
    assert res.transcript.index(PIN_PROMPT) < res.transcript.index(TOUCH), res.transcript
    assert key.events("get_assertion")[-1]["uv"] is True

    res = pam.run(test_user, answers=["0000", "1111", "2222"])
    assert res.rc == "PAM_MAXTRIES", (res, inst.log())
    assert res.transcript.count(PIN_PROMPT) == 3
    assert "Wrong PIN. Try again." in res.transcript, res.transcript
    assert key.saved()["pin_retries"] == 8 - 3  # the key counted them too
    # No assertion was made with a wrong PIN: getPINToken failed first.
    assert len([e for e in key.events("get_assertion")]) == 1


def test_real_sudo_with_the_key(mfad_factory, key, test_user):  # noqa: F811
    """Real sudo (the shipped conf/pam.d/mfa-sudo stack: password, then pam_mfa.so) with the
    key as second factor; then the key removed: sudo is refused."""
    from test_pam_sudo_su import PAM_DIR, PASSWORD, as_user, run, stack_from
    key.start()
    inst = start_daemon(mfad_factory, key)
    subprocess.run(["chpasswd"], input=f"{test_user}:{PASSWORD}\n", text=True, check=True)
    reset_user(inst, test_user)
    enroll(inst, test_user)
    service = PAM_DIR / "mfatest-fido2-sudo"
    sudoers = Path("/etc/sudoers.d/mfatest-fido2")
    try:
        write_file(service, stack_from("mfa-sudo", inst.socket))
        write_file(sudoers, f"""\
# written by tests/integration/test_fido2_local.py; removed at teardown
Defaults:{test_user} pam_service=mfatest-fido2-sudo, timestamp_timeout=0, passwd_tries=1
{test_user} ALL=(root) ALL
""", mode=0o440)
        assert run(["visudo", "-c", "-f", str(sudoers)], "").returncode == 0
        sudo = as_user(test_user, ["sudo", "-S", "-u", "root", "id", "-u"])
        r = run(sudo, f"{PASSWORD}\n")
        # sudo shows PAM info text on stdout, next to the command's own output.
        lines = r.stdout.splitlines()
        assert r.returncode == 0 and "0" in lines, (r, inst.log())
        assert "Touch your security key." in lines, r
        assert key.events("get_assertion")[-1]["status"] == 0

        key.stop()
        r = run(sudo, f"{PASSWORD}\n\n\n")
        assert r.returncode != 0 and "0" not in r.stdout.splitlines(), r
        assert "No security key found (is it plugged in?)." in r.stdout + r.stderr, r
    finally:
        service.unlink(missing_ok=True)
        sudoers.unlink(missing_ok=True)
