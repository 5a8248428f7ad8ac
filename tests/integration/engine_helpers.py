"""Helpers for the engine integration tests: policies, enrolment through the API with codes
made by pyotp (an independent TOTP implementation), and oathtool cross-checks."""

import subprocess
import time

import pyotp


def start_with_policy(mfad_factory, policy_text):
    inst = mfad_factory(start=False)
    (inst.dir / "policy.yaml").write_text(policy_text)
    return inst.start()


def code_at(secret, offset_steps=0):
    """The TOTP code `offset_steps` steps from now (pyotp)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def oathtool_code(secret):
    out = subprocess.run(["oathtool", "--totp", "-b", secret], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def enroll_totp(inst, user, label="phone", app="system"):
    """Enrols and activates a TOTP factor over the Unix socket as root. Returns
    (factor_id, secret, backup_codes). The activation uses the current step."""
    r = inst.unix_request("POST", f"/v1/apps/{app}/users/{user}/factors",
                          {"type": "totp", "label": label})
    assert r.status == 201, r
    body = r.json()
    secret = body["secret"]
    # Independent generators agree with each other before the daemon sees the code.
    code = oathtool_code(secret)
    r = inst.unix_request("POST", f"/v1/apps/{app}/users/{user}/factors/{body['factor_id']}/activate",
                          {"code": code})
    assert r.status == 200, r
    return body["factor_id"], secret, r.json().get("backup_codes", [])


def login(inst, user, app="system", service="sshd", remote_addr="", via=None, api_key=None):
    body = {"user": user, "service": service, "remote_addr": remote_addr}
    if via == "tcp":
        return inst.tcp_request("POST", f"/v1/apps/{app}/logins", body, api_key=api_key)
    return inst.unix_request("POST", f"/v1/apps/{app}/logins", body)


def verify(inst, challenge_id, code, app="system", via=None, api_key=None):
    path = f"/v1/apps/{app}/challenges/{challenge_id}/verify"
    if via == "tcp":
        return inst.tcp_request("POST", path, {"code": code}, api_key=api_key)
    return inst.unix_request("POST", path, {"code": code})


REQUIRED = """\
defaults:
  mode: required
  factors: [totp, backup_code]
  grace_period: 0s
  lockout: {attempts: 3, window: 10m}
"""
