"""Issue 6, mfactl enroll sms / email: mfactl starts the enrolment, says where the code went
(obfuscated for a non-admin), reads the code the real SMTP server on loopback (aiosmtpd) or the
SMS gateway stand-in received, and activates the factor. "r" at the prompt sends a new code
(the old one stops working); a second factor needs a step-up code; admins enrol for others
with --user."""

import json
import os
import subprocess

from conftest import MFACTL
from delivery_helpers import gateway, smtp  # noqa: F401 (fixtures)
from delivery_helpers import start_daemon


def start(mfad_factory, smtp, gateway):
    inst = start_daemon(mfad_factory, smtp_port=smtp.port, sms_port=gateway.port)
    os.chmod(inst.dir, 0o711)  # let `nobody` reach the socket (mode 0666) in the temp dir
    return inst


def spawn(inst, *args, user=None):
    cmd = [str(MFACTL), "--socket", inst.socket, *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *cmd]
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def first_line(proc):
    line = proc.stdout.readline()
    assert line, "mfactl printed nothing:\n" + proc.stderr.read()
    return line


def backup_codes(out):
    return [w.replace("-", "") for line in out.splitlines() if line.startswith("  ")
            for w in line.split()]


def test_enroll_email_as_a_user_with_resend(mfad_factory, smtp, gateway):
    inst = start(mfad_factory, smtp, gateway)
    proc = spawn(inst, "enroll", "email", "--email", "Nobody@Example.com", user="nobody")
    line = first_line(proc)
    # Not an admin: the address comes back obfuscated.
    assert line.startswith("A code was sent by email to N\u2022\u2022\u2022@example.com. "
                           "It expires at "), line
    assert smtp.wait(1)["to"] == ["Nobody@example.com"]
    first = smtp.last_code(1)
    proc.stdin.write("r\n")  # a new code; the first one stops working
    proc.stdin.flush()
    second = smtp.last_code(2)
    stale = first if first != second else ("000000" if second != "000000" else "111111")
    out, err = proc.communicate(f"{stale}\n{second}\n", timeout=30)
    assert proc.returncode == 0, err
    assert "A new code was sent to N\u2022\u2022\u2022@example.com" in err, err
    assert "Wrong code; try again." in err, err
    assert "(r: send a new one)" in err, err
    assert "is active." in out and len(backup_codes(out)) == 10, out
    r = inst.mfactl("--json", "factors", user="nobody")
    assert r.returncode == 0, r.stderr
    factors = json.loads(r.stdout)["factors"]
    assert [(f["type"], f["status"], f["destination"]) for f in factors] == [
        ("email", "active", "N\u2022\u2022\u2022@example.com")], factors
    assert second not in inst.log() and len(smtp.messages) == 2

    # A second factor is a protected change: mfactl asks for a current code (a backup code
    # here), then the SMS code the gateway stand-in received.
    proc = spawn(inst, "enroll", "sms", "--phone", "+1 (201) 555-0145", "--label", "phone",
                 user="nobody")
    proc.stdin.write(backup_codes(out)[0] + "\n")
    proc.stdin.flush()
    line = first_line(proc)
    assert line.startswith("A code was sent by text message to +1 \u2022\u2022\u2022 "
                           "\u2022\u2022\u2022 0145."), line
    assert len(gateway.requests) == 1
    assert json.loads(gateway.requests[0]["body"])["to"] == "+12015550145"
    out2, err = proc.communicate(gateway.last_code() + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "already has a factor" in err, err
    assert "is active." in out2 and "Backup codes" not in out2, out2  # only the first time


def test_admin_enrols_sms_for_another_user(mfad_factory, smtp, gateway):
    inst = start(mfad_factory, smtp, gateway)
    proc = spawn(inst, "enroll", "sms", "--phone", "+12015550145", "--user", "nobody")
    line = first_line(proc)
    # An admin sees the number as it was stored.
    assert line.startswith("A code was sent by text message to +12015550145."), line
    out, err = proc.communicate(gateway.last_code() + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "is active." in out, out
    r = inst.unix_request("GET", "/v1/apps/system/users/nobody/factors")
    assert [(f["type"], f["status"]) for f in r.json()["factors"]] == [("sms", "active")], r
    assert inst.unix_request("GET", "/v1/apps/system/users/root/factors").json()["factors"] == []
    # --json: the enrolment and the activation as JSON lines.
    proc = spawn(inst, "--json", "enroll", "email", "--email", "ops@example.org", "--user",
                 "root")
    enrolment = json.loads(first_line(proc))
    assert enrolment["status"] == "pending" and enrolment["destination"] == "ops@example.org"
    out, err = proc.communicate(smtp.last_code(1) + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(out)["factor"]["status"] == "active", out


def test_mistakes_are_clear(mfad_factory, smtp, gateway):
    inst = start(mfad_factory, smtp, gateway)
    # Not an admin: another user's account is refused before anything is sent.
    r = inst.mfactl("enroll", "email", "--email", "x@example.com", "--user", "root",
                    user="nobody")
    assert r.returncode == 1 and "403" in r.stderr, r.stderr
    # Usage: the option that goes with the type.
    for args in (["enroll", "sms"], ["enroll", "sms", "--email", "x@example.com"],
                 ["enroll", "email", "--phone", "+12015550145"],
                 ["enroll", "totp", "--phone", "+12015550145"]):
        r = inst.mfactl(*args)
        assert r.returncode == 2 and "usage: enroll totp" in r.stderr, (args, r.stderr)
    # A number that is not E.164 is the daemon's clear 400.
    r = inst.mfactl("enroll", "sms", "--phone", "555-1234")
    assert r.returncode == 1 and "400" in r.stderr, r.stderr
    assert gateway.requests == [] and smtp.messages == []
    # Three wrong codes: the factor stays pending and mfactl says so.
    proc = spawn(inst, "enroll", "email", "--email", "root@example.com")
    first_line(proc)
    code = smtp.last_code(1)
    wrong = "000000" if code != "000000" else "111111"
    out, err = proc.communicate(f"{wrong}\n{wrong}\n{wrong}\n", timeout=30)
    assert proc.returncode == 1 and "too many wrong codes" in err, err
    # End of input at the prompt: the factor stays pending.
    proc = spawn(inst, "enroll", "email", "--email", "root@example.com")
    first_line(proc)
    out, err = proc.communicate("", timeout=30)
    assert proc.returncode == 2 and "the factor stays pending" in err, err
    r = inst.unix_request("GET", "/v1/apps/system/users/root/factors")
    assert [f["status"] for f in r.json()["factors"]] == ["pending"], r
