"""Issue 6, email: a real SMTP server on loopback (aiosmtpd) receives the codes mfad sends.
Enrolment by a code sent to the address, a login completed with a code read from the mailbox,
per-app templates, obfuscated addresses for non-admin callers, resend cancelling the previous
code, and the SMTP server down: a clear 502, the challenge marked, audited, nothing valid,
and the daemon keeps serving."""

import json

from delivery_helpers import smtp  # noqa: F401 (fixture)
from delivery_helpers import assert_send_fails, audit_events, free_port, start_daemon


def test_email_enrol_and_login_over_api(mfad_factory, smtp):
    inst = start_daemon(mfad_factory, smtp_port=smtp.port)
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    base = "/v1/apps/shop/users/alice"
    r = inst.tcp_request("POST", f"{base}/factors", {"type": "email", "address": "alice@Example.com"},
                         api_key=key)
    assert r.status == 201, r
    body = r.json()
    assert body["status"] == "pending" and body["delivery"] == "sent", body
    assert body["destination"] == "a\u2022\u2022\u2022@example.com", body  # not an admin
    sent = smtp.wait(1)
    assert sent["to"] == ["alice@example.com"] and sent["from"] == "mfa@example.com"
    assert sent["message"]["Subject"] == "Shop sign-in"  # the per-app template
    code = smtp.last_code(1)
    assert "Shop code: " + code + " (10 min)" in sent["message"].get_content()

    r = inst.tcp_request("POST", f"{base}/factors/{body['factor_id']}/activate",
                         {"code": "000000" if code != "000000" else "111111"}, api_key=key)
    assert r.status == 422, r
    r = inst.tcp_request("POST", f"{base}/factors/{body['factor_id']}/activate", {"code": code},
                         api_key=key)
    assert r.status == 200, r
    assert r.json()["factor"]["status"] == "active"
    assert r.json()["factor"]["destination"] == "a\u2022\u2022\u2022@example.com"
    assert len(r.json()["backup_codes"]) == 10

    r = inst.tcp_request("POST", "/v1/apps/shop/logins", {"user": "alice"}, api_key=key)
    login = r.json()
    assert login["decision"] == "mfa_required", login
    factor = login["challenge"]["factors"][0]
    assert factor["type"] == "email" and factor["destination"] == "a\u2022\u2022\u2022@example.com"
    ch = login["challenge"]["id"]
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/send",
                         {"factor_id": factor["id"]}, api_key=key)
    assert r.status == 200 and r.json()["delivery"] == "sent", r
    first = smtp.last_code(2)
    # Resend: a new message, and the first code no longer works.
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/resend", api_key=key)
    assert r.status == 200, r
    second = smtp.last_code(3)
    if first != second:
        r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/verify", {"code": first},
                             api_key=key)
        assert r.status == 422, r
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/verify", {"code": second},
                         api_key=key)
    assert r.status == 200, r
    assert r.json()["status"] == "approved" and r.json()["factor"]["type"] == "email"
    # Single use.
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/verify", {"code": second},
                         api_key=key)
    assert r.status == 409, r
    r = inst.tcp_request("GET", f"/v1/apps/shop/challenges/{ch}", api_key=key)
    events = [e["event"] for e in r.json()["timeline"]]
    assert events.count("code_sent") == 2 and "approved" in events, events
    assert all(second not in json.dumps(e["detail"]) for e in r.json()["timeline"])
    # The code never reaches the log.
    assert second not in inst.log() and first not in inst.log()


def test_admin_sees_the_address_and_new_address_is_audited(mfad_factory, smtp):
    inst = start_daemon(mfad_factory, smtp_port=smtp.port)
    base = "/v1/apps/system/users/root"
    r = inst.unix_request("POST", f"{base}/factors", {"type": "email", "address": "root@example.com"})
    assert r.status == 201 and r.json()["destination"] == "root@example.com", r
    r = inst.unix_request("POST", f"{base}/factors/{r.json()['factor_id']}/activate",
                          {"code": smtp.last_code(1)})
    assert r.status == 200, r
    # A new address is a new binding (root is admin: no step-up), audited at activation.
    r = inst.unix_request("POST", f"{base}/factors", {"type": "email", "address": "ops@example.org"})
    assert r.status == 201, r
    r = inst.unix_request("POST", f"{base}/factors/{r.json()['factor_id']}/activate",
                          {"code": smtp.last_code(2)})
    assert r.status == 200, r
    changed = audit_events(inst, "mfa.destination_changed", "root")
    assert len(changed) == 1, changed
    assert changed[0]["detail"]["from"] == "r\u2022\u2022\u2022@example.com"
    assert changed[0]["detail"]["to"] == "o\u2022\u2022\u2022@example.org"
    r = inst.unix_request("GET", f"{base}/factors")
    assert sorted(f["destination"] for f in r.json()["factors"]) == ["ops@example.org",
                                                                       "root@example.com"]
    # Invalid addresses never reach the server.
    r = inst.unix_request("POST", f"{base}/factors",
                          {"type": "email", "address": "x@y.com>\r\nRCPT TO:<z@w.com"})
    assert r.status == 400, r
    assert len(smtp.messages) == 2


def test_smtp_down_is_a_clear_error(mfad_factory, smtp):
    inst = start_daemon(mfad_factory, smtp_port=smtp.port)
    base = "/v1/apps/system/users/root"
    r = inst.unix_request("POST", f"{base}/factors", {"type": "email", "address": "root@example.com"})
    fid = r.json()["factor_id"]
    assert inst.unix_request("POST", f"{base}/factors/{fid}/activate",
                             {"code": smtp.last_code(1)}).status == 200
    smtp.stop()
    ch = inst.unix_request("POST", "/v1/apps/system/logins", {"user": "root"}).json()
    ch = ch["challenge"]["id"]
    assert_send_fails(inst, ch, fid, "is unreachable")
    failed = audit_events(inst, "mfa.delivery_failed", "root")
    assert len(failed) == 1 and "mail server" in failed[0]["detail"]["reason"], failed
    # Enrolling while the server is down leaves nothing pending.
    r = inst.unix_request("POST", f"{base}/factors", {"type": "email", "address": "b@example.com"})
    assert r.status == 502 and r.json()["error"]["code"] == "delivery_failed", r
    r = inst.unix_request("GET", f"{base}/factors")
    assert [f["status"] for f in r.json()["factors"]] == ["active"], r
    # The daemon keeps serving.
    assert inst.unix_request("GET", "/v1/health").status == 200


def test_unconfigured_delivery_and_policy_opt_in(mfad_factory):
    # No delivery section: email enrolment is refused with a clear error.
    inst = mfad_factory(start=False)
    (inst.dir / "policy.yaml").write_text(
        "defaults:\n  mode: optional\n  factors: [totp, sms, backup_code]\n")
    inst.start()
    r = inst.unix_request("POST", "/v1/apps/system/users/root/factors",
                          {"type": "email", "address": "root@example.com"})
    assert r.status == 403, r  # email is opt-in in the policy's factors
    r = inst.unix_request("POST", "/v1/apps/system/users/root/factors",
                          {"type": "sms", "phone": "+12015550145"})
    assert r.status == 502 and "not configured" in r.json()["error"]["message"], r


def test_config_errors_name_the_key(mfad_factory):
    inst = mfad_factory(start=False, config_extra=(
        "delivery:\n  sms:\n    url: http://sms.example.com/send\n    body: {to: '{phone}'}\n"))
    import subprocess
    from conftest import MFAD
    p = subprocess.run([str(MFAD), "--dev", str(inst.dir)], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode != 0
    assert "delivery.sms.url: http:// is allowed only to a loopback host" in p.stderr, p.stderr
    free = free_port()
    inst.config_path.write_text(inst.config_path.read_text().replace(
        "url: http://sms.example.com/send", f"url: http://127.0.0.1:{free}/x\n    format: xml"))
    p = subprocess.run([str(MFAD), "--dev", str(inst.dir)], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode != 0 and "delivery.sms.format: expected form or json" in p.stderr, p.stderr
