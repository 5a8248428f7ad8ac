"""Issue 11: the login's evaluation travels with its challenge. A `tty:` rule that chose the
factors at the start of a PAM conversation still holds when the answer is checked (the answer
carries no tty), over the daemon's real PAM conversation API."""

from engine_helpers import code_at, enroll_totp, start_with_policy

POLICY = """\
defaults:
  mode: required
  factors: [totp, backup_code]
  grace_period: 0s
  lockout: {attempts: 5, window: 10m}
rules:
  - name: serial console, authenticator app only
    match: {tty: 'ttyS*'}
    factors: [totp]
"""


def pam_start(inst, tty, backup_offered=True):
    r = inst.unix_request("POST", "/v1/pam/conversations",
                          {"user": "root", "service": "login", "rhost": "", "tty": tty})
    assert r.status == 200, r
    step = r.json()["step"]
    assert step["type"] == "prompt", r
    # The prompt offers a backup code only where the policy accepts one.
    assert ("backup code" in step["text"]) == backup_offered, step
    return r.json()["id"]


def answer(inst, cid, text):
    r = inst.unix_request("POST", f"/v1/pam/conversations/{cid}", {"answer": text})
    assert r.status == 200, r
    return r.json()["step"]


def test_tty_rule_refuses_backup_code_at_verify(mfad_factory):
    inst = start_with_policy(mfad_factory, POLICY)
    _, secret, backups = enroll_totp(inst, "root")
    # Another tty: the defaults allow backup codes.
    assert answer(inst, pam_start(inst, "pts/3"), backups[0]) == {"type": "done",
                                                                  "result": "success"}
    # The serial console: the rule allows the authenticator app only.
    cid = pam_start(inst, "ttyS0", backup_offered=False)
    # The challenge shows the tty its policy was chosen for.
    pending = inst.unix_request("GET", "/v1/apps/system/challenges?user=root&status=pending")
    assert [c["tty"] for c in pending.json()["challenges"]] == ["ttyS0"], pending
    step = answer(inst, cid, backups[1])
    assert step.get("result") != "success", step
    remaining = inst.unix_request("GET", "/v1/apps/system/users/root/mfa").json()
    assert remaining["backup_codes_remaining"] == 9, remaining
    if step["type"] == "prompt":  # a retry in the same conversation: the app's code works
        assert answer(inst, cid, code_at(secret, +1)) == {"type": "done", "result": "success"}
