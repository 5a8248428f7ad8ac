"""Issue 3 proofs: lockout engages after the configured failures and survives a restart; a
non-admin caller cannot touch another user's factors; a broken policy is refused by
`mfactl policy check` and by reload, with the old policy still in force; audit queries."""

import json
import os
import subprocess

from engine_helpers import REQUIRED, code_at, enroll_totp, login, start_with_policy, verify


def test_lockout_engages_and_survives_restart(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    _, secret, backups = enroll_totp(inst, "root")
    statuses = []
    for _ in range(3):
        ch = login(inst, "root", remote_addr="192.0.2.10").json()["challenge"]["id"]
        statuses.append(verify(inst, ch, "00000000x").status)
    assert statuses == [422, 422, 429], statuses
    r = login(inst, "root", remote_addr="192.0.2.10")
    assert r.status == 429 and int(r.headers["retry-after"]) > 0, r
    assert "try again in" in r.json()["error"]["message"]

    inst.restart()
    r = login(inst, "root")
    assert r.status == 429, "lockout must survive a restart: %r" % (r,)
    # Even a valid backup code is refused while locked.
    r = inst.unix_request("GET", "/v1/apps/system/users/root/mfa")
    assert r.json()["lockout"]["locked"] is True
    # An admin reset clears the lock (and the factors).
    assert inst.mfactl("reset", "root", "--yes").returncode == 0
    assert login(inst, "root").json()["decision"] == "enroll_required"
    events = [e["event"] for e in inst.unix_request("GET", "/v1/audit").json()["events"]]
    for name in ("mfa.factor_enrolled", "user.mfa_failed", "user.locked_out",
                 "mfa.factor_admin_reset"):
        assert name in events, events


def test_non_admin_cannot_touch_other_users(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    factor_id, _, _ = enroll_totp(inst, "root")
    os.chmod(inst.dir, 0o711)  # let `nobody` reach the socket (mode 0666) in the temp dir
    # As `nobody`: another user's factors are off limits, whatever the route.
    r = inst.mfactl("factors", "root", user="nobody")
    assert r.returncode == 1 and "403" in r.stderr, (r.stdout, r.stderr)
    r = inst.mfactl("remove", factor_id, "--user", "root", user="nobody")
    assert r.returncode == 1 and "403" in r.stderr
    r = inst.mfactl("reset", "root", "--yes", user="nobody")
    assert r.returncode == 1 and "403" in r.stderr
    r = inst.mfactl("audit", user="nobody")  # self-service: only nobody's own events
    assert r.returncode == 0 and "root" not in r.stdout
    # ...but their own account is theirs to manage.
    r = inst.mfactl("--json", "factors", user="nobody")
    assert r.returncode == 0 and json.loads(r.stdout)["factors"] == []
    r = inst.unix_request("GET", "/v1/apps/system/users/root/factors")
    assert len(r.json()["factors"]) == 1  # untouched


def test_broken_policy_is_refused_and_old_one_stays(mfad_factory, tmp_path):
    inst = start_with_policy(mfad_factory, REQUIRED)
    broken = "defaults:\n  mode: requird\n  lockout: {attempts: 3}\n"
    bad_file = tmp_path / "policy.yaml"
    bad_file.write_text(broken)
    r = inst.mfactl("policy", "check", str(bad_file))
    assert r.returncode == 1 and "policy.yaml:2" in r.stderr and "mode" in r.stderr, r.stderr
    good = inst.mfactl("policy", "check", str(inst.dir / "policy.yaml"))
    assert good.returncode == 0 and "OK" in good.stdout

    (inst.dir / "policy.yaml").write_text(broken)
    r = inst.mfactl("policy", "reload")
    assert r.returncode == 1 and "previous policy stays" in r.stderr, r.stderr
    # SIGHUP: same refusal, daemon alive, still `required`.
    inst.proc.send_signal(1)
    r = inst.mfactl("--json", "policy", "explain", "--user", "root", "--service", "sshd")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["mode"] == "required"
    assert login(inst, "root").json()["decision"] == "enroll_required"
    events = inst.unix_request("GET", "/v1/audit?event=policy.reload_failed").json()["events"]
    assert len(events) >= 1

    (inst.dir / "policy.yaml").write_text(REQUIRED.replace("required", "optional"))
    r = inst.mfactl("policy", "reload")
    assert r.returncode == 0, r.stderr
    assert login(inst, "root").json()["decision"] == "allow"


def test_policy_explain_two_policies(mfad_factory):
    policy = """\
defaults:
  mode: optional
  factors: [totp, backup_code]
  grace_period: 7d
rules:
  - name: sudo always needs MFA
    match: {service: sudo}
    mode: required
  - name: trusted LAN, not for root
    match: {service: sshd, user: "!root", rhost: 10.0.0.0/8}
    mode: "off"
"""
    inst = start_with_policy(mfad_factory, policy)
    r = inst.mfactl("policy", "explain", "--user", "root", "--service", "sudo")
    assert r.returncode == 0, r.stderr
    assert "sudo always needs MFA" in r.stdout and "mode: required" in r.stdout
    assert "grace period" in r.stdout
    r = inst.mfactl("policy", "explain", "--user", "nobody", "--service", "sshd", "--rhost",
                    "10.1.2.3")
    assert "mode: off" in r.stdout and "PAM_IGNORE" in r.stdout, r.stdout
    r = inst.mfactl("policy", "explain", "--user", "root", "--service", "sshd", "--rhost",
                    "10.1.2.3")
    assert "mode: optional" in r.stdout, r.stdout


def test_enrolling_a_factor_the_policy_does_not_allow_is_403(mfad_factory):
    # Passkeys only: a TOTP enrolment is refused before anything is created; the same request
    # works once the policy allows TOTP.
    inst = start_with_policy(mfad_factory, "defaults:\n  mode: optional\n  factors: [webauthn]\n")
    r = inst.unix_request("POST", "/v1/apps/system/users/root/factors",
                          {"type": "totp", "label": "p"})
    assert r.status == 403 and r.json()["error"]["code"] == "factor_not_allowed", r
    # One code for every factor type (issue 20, item 9: sms/email were permission_denied).
    for body in ({"type": "sms", "phone": "+12015550145"},
                 {"type": "email", "address": "root@example.com"}):
        r = inst.unix_request("POST", "/v1/apps/system/users/root/factors", body)
        assert r.status == 403 and r.json()["error"]["code"] == "factor_not_allowed", (body, r)
    assert inst.unix_request("GET", "/v1/apps/system/users/root/factors").json()["factors"] == []
    (inst.dir / "policy.yaml").write_text("defaults:\n  mode: optional\n  factors: [totp]\n")
    assert inst.mfactl("policy", "reload").returncode == 0
    enroll_totp(inst, "root")


def test_policy_check_warns_about_groups_this_host_lacks(mfad, tmp_path):
    # Debian admins are in `sudo`, RHEL ones in `wheel`: a rule naming a group the host does
    # not have never matches (and its negation always does), so check says so.
    policy = tmp_path / "policy.yaml"
    policy.write_text("defaults: {mode: optional}\nrules:\n"
                      "  - name: admins\n    match: {group: mfa-no-such-group}\n    mode: required\n"
                      "  - match: {group: ['!mfa-no-such-group-2', root]}\n    mode: required\n")
    r = mfad.mfactl("policy", "check", str(policy))
    assert r.returncode == 0, r.stderr
    assert ("warning: rule 'admins' names group 'mfa-no-such-group', which does not exist on "
            "this host") in r.stderr, r.stderr
    assert "rule line 6 names group 'mfa-no-such-group-2'" in r.stderr, r.stderr
    assert "'root'" not in r.stderr, r.stderr  # root exists everywhere
    r = mfad.mfactl("--json", "policy", "check", str(policy))
    assert len(json.loads(r.stdout)["warnings"]) == 2, r.stdout
    # The shipped policy names groups this Debian host has.
    r = mfad.mfactl("--json", "policy", "check", "conf/policy.yaml")
    assert r.returncode == 0 and json.loads(r.stdout)["warnings"] == [], r.stdout


def test_policy_check_reports_every_error_and_checks_the_sockets_instance(mfad, tmp_path):
    """Issue 20, item 13: every broken rule/app/section at once; no FILE = the policy of the
    daemon behind --socket; the OK line names the file once."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("defaults: {mode: optional}\nrules:\n"
                   "  - match: {user: alice}\n    mode: requird\n"
                   "  - match: {user: bob}\n    mode: required\n"
                   "  - match: {user: carol}\n    factors: [totp, carrier_pigeon]\n"
                   "bogus: 1\n")
    r = mfad.mfactl("policy", "check", str(bad))
    assert r.returncode == 1, r
    lines = r.stderr.splitlines()
    assert any("bad.yaml:4" in l and "mode" in l for l in lines), r.stderr
    assert any("bad.yaml:8" in l and "carrier_pigeon" in l for l in lines), r.stderr
    assert any("bad.yaml:9" in l and "bogus" in l for l in lines), r.stderr
    r = mfad.mfactl("--json", "policy", "check", str(bad))
    assert len(json.loads(r.stdout)["errors"]) == 3, r.stdout

    # No FILE: the instance's own policy file, not /etc/mfad/policy.yaml.
    r = mfad.mfactl("policy", "check")
    own = str(mfad.dir / "policy.yaml")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(own + ": OK (") and r.stdout.count(own) == 1, r.stdout
    (mfad.dir / "policy.yaml").write_text("defaults: {mode: sometimes}\n")
    r = mfad.mfactl("policy", "check")
    assert r.returncode == 1 and own + ":1" in r.stderr, r.stderr
