"""Issue 3 proofs against the real daemon, with codes made by pyotp and oathtool:
enrol -> activate -> login challenge approved; replay refused; a code from two steps ago
refused; a backup code works once; a removed factor stops working; TCP apps with API keys."""

import json
import subprocess

from engine_helpers import (REQUIRED, code_at, enroll_totp, login, start_with_policy, verify)


def test_enrol_activate_login_and_replay(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    r = login(inst, "root")
    assert r.status == 200 and r.json()["decision"] == "enroll_required", r
    assert r.json()["can_defer"] is False  # grace_period 0s
    factor_id, secret, backups = enroll_totp(inst, "root")
    assert len(backups) == 10 and all(len(c) == 8 and c.isdigit() for c in backups)

    r = login(inst, "root", remote_addr="127.0.0.9")
    body = r.json()
    assert body["decision"] == "mfa_required", body
    assert body["challenge"]["factors"][0]["id"] == factor_id
    # The activation used the current step; the next step is inside the ±1 window.
    code = code_at(secret, +1)
    r = verify(inst, body["challenge"]["id"], code)
    assert r.status == 200, r
    assert r.json()["status"] == "approved" and r.json()["factor"]["type"] == "totp"

    # The same code again, on a fresh challenge: refused as replayed (RFC 6238 5.2).
    r2 = verify(inst, login(inst, "root").json()["challenge"]["id"], code)
    assert r2.status == 422 and r2.json()["error"]["code"] == "replayed", r2
    # A code from two steps ago is outside the window.
    r3 = verify(inst, login(inst, "root").json()["challenge"]["id"], code_at(secret, -2))
    assert r3.status == 422 and r3.json()["error"]["code"] == "bad_code", r3

    # The challenge keeps its timeline.
    r = inst.unix_request("GET", f"/v1/apps/system/challenges/{body['challenge']['id']}")
    events = [e["event"] for e in r.json()["timeline"]]
    assert events[0] == "created" and "approved" in events


def test_backup_code_works_once(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    _, _, backups = enroll_totp(inst, "root")
    ch = login(inst, "root").json()["challenge"]["id"]
    r = verify(inst, ch, backups[0][:4] + "-" + backups[0][4:])  # typed with a dash
    assert r.status == 200 and r.json()["factor"]["type"] == "backup_code", r
    r = verify(inst, login(inst, "root").json()["challenge"]["id"], backups[0])
    assert r.status == 422, r
    r = inst.unix_request("GET", "/v1/apps/system/users/root/backup-codes")
    assert r.json()["remaining"] == 9


def test_removed_factor_stops_working(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    factor_id, secret, _ = enroll_totp(inst, "root")
    r = inst.unix_request("DELETE", f"/v1/apps/system/users/root/factors/{factor_id}")
    assert r.status == 200, r  # root is admin: no step-up needed
    # A step-up challenge created afterwards cannot be answered with the old factor's code.
    r = inst.unix_request("POST", "/v1/apps/system/challenges", {"user": "root"})
    assert r.status == 201, r
    r = verify(inst, r.json()["id"], code_at(secret, +1))
    assert r.status == 422 and r.json()["error"]["code"] == "bad_code", r
    assert login(inst, "root").json()["decision"] == "enroll_required"
    audit = inst.unix_request("GET", "/v1/audit?event=mfa.factor_removed").json()["events"]
    assert len(audit) == 1 and audit[0]["detail"]["factor_id"] == factor_id


def test_tcp_app_flow_with_api_key(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED + "apps:\n  billing-web:\n    mode: required\n")
    key = inst.create_api_key("billing-web", ["verify", "enroll"])["key"]
    other = inst.create_api_key("other-app", ["admin"])["key"]
    base = "/v1/apps/billing-web/users/carol@example.com"
    r = inst.tcp_request("POST", base + "/factors", {"type": "totp"}, api_key=key)
    assert r.status == 201, r
    enrol = r.json()
    assert enrol["otpauth_uri"].startswith("otpauth://totp/mfad:carol%40example.com%40billing-web?")
    assert enrol["qr_svg"].startswith("<svg")
    r = inst.tcp_request("POST", base + f"/factors/{enrol['factor_id']}/activate",
                         {"code": code_at(enrol["secret"])}, api_key=key)
    assert r.status == 200 and len(r.json()["backup_codes"]) == 10, r
    r = login(inst, "carol@example.com", app="billing-web", via="tcp", api_key=key)
    assert r.json()["decision"] == "mfa_required", r
    ch = r.json()["challenge"]["id"]
    # Another app's key cannot see or answer this app's challenges.
    r = inst.tcp_request("GET", f"/v1/apps/billing-web/challenges/{ch}", api_key=other)
    assert r.status in (403, 404), r
    r = verify(inst, ch, code_at(enrol["secret"], +1), app="billing-web", via="tcp", api_key=key)
    assert r.status == 200, r
    r = inst.tcp_request("GET", base + "/mfa", api_key=key)
    status = r.json()
    assert status["effective_mode"] == "required" and status["enrolled"] is True
    assert status["backup_codes_remaining"] == 10


def test_mfactl_enroll_and_status(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    # mfactl enroll prints the QR code and the secret, then reads the first code from stdin.
    proc = subprocess.Popen([str(inst_mfactl()), "--socket", inst.socket, "enroll", "totp",
                             "--label", "laptop"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    secret = None
    lines = []
    while True:
        line = proc.stdout.readline()
        assert line, "mfactl ended before printing the key:\n" + "".join(lines) + proc.stderr.read()
        lines.append(line)
        if line.startswith("Or enter this key by hand:"):
            secret = line.split(":", 1)[1].strip().replace(" ", "")
            break
    out, err = proc.communicate(code_at(secret) + "\n", timeout=30)
    assert proc.returncode == 0, err
    text = "".join(lines) + out
    assert "\u2580" in text or "\u2584" in text or "\u2588" in text  # QR half blocks
    assert "Backup codes" in out and out.count("-") >= 10
    r = inst.mfactl("--json", "user", "show", "root")
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["enrolled"] and shown["factors"][0]["label"] == "laptop"
    r = inst.mfactl("factors")
    assert "laptop" in r.stdout and "active" in r.stdout


def inst_mfactl():
    from conftest import MFACTL
    return MFACTL
