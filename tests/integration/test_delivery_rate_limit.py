"""Issue 6, sending is rate-limited per user and per destination (limits.h: 10 codes per user and
5 per destination in 15 minutes). Quick resends end in HTTP 429 with Retry-After and a clear
message; the real SMTP server on loopback (aiosmtpd) shows that nothing was sent past the
limit, and the last code that was sent keeps working."""

from delivery_helpers import smtp  # noqa: F401 (fixture)
from delivery_helpers import audit_events, start_daemon

BASE = "/v1/apps/system/users/root"
WINDOW_S = 900  # limits::kCodeSendWindowS


def enrol(inst, smtp, address):
    r = inst.unix_request("POST", f"{BASE}/factors", {"type": "email", "address": address})
    assert r.status == 201, r
    fid = r.json()["factor_id"]
    r = inst.unix_request("POST", f"{BASE}/factors/{fid}/activate",
                          {"code": smtp.last_code(len(smtp.messages))})
    assert r.status == 200, r
    return fid


def challenge(inst):
    r = inst.unix_request("POST", "/v1/apps/system/logins", {"user": "root"})
    assert r.json()["decision"] == "mfa_required", r
    return r.json()["challenge"]["id"]


def send(inst, ch, fid=None):
    if fid is None:
        return inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/resend")
    return inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/send", {"factor_id": fid})


def assert_limited(r):
    assert r.status == 429, r
    err = r.json()["error"]
    retry = int(r.headers["retry-after"])
    assert 0 < retry <= WINDOW_S, r.headers
    assert err["retry_after"] == retry, err
    assert err["message"] == f"too many codes sent; try again in {retry} s", err
    return err


def test_quick_resends_hit_the_limits(mfad_factory, smtp):
    inst = start_daemon(mfad_factory, smtp_port=smtp.port)
    # Three addresses, one code each to enrol them: 3 sends for root.
    a = enrol(inst, smtp, "a@example.com")
    b = enrol(inst, smtp, "b@example.com")
    c = enrol(inst, smtp, "c@example.com")

    # Per destination: a@ gets its 2nd..5th code, the 6th is refused.
    ch = challenge(inst)
    assert send(inst, ch, a).status == 200
    for _ in range(3):
        assert send(inst, ch).status == 200
    assert len(smtp.messages) == 7
    last_a = smtp.last_code(7)
    assert_limited(send(inst, ch))
    assert len(smtp.messages) == 7  # nothing went out
    # The refused resend cancelled nothing: the last code that was sent still works.
    r = inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/verify", {"code": last_a})
    assert r.status == 200 and r.json()["status"] == "approved", r

    # Per user: three more to b@ (10 for root), then neither b@ (4 codes, under its own
    # limit) nor c@ (1 code) gets another one.
    ch = challenge(inst)
    assert send(inst, ch, b).status == 200
    for _ in range(2):
        assert send(inst, ch).status == 200
    assert len(smtp.messages) == 10
    assert [m["to"] for m in smtp.messages].count(["b@example.com"]) == 4
    assert_limited(send(inst, ch))
    ch2 = challenge(inst)
    assert_limited(send(inst, ch2, c))
    assert len(smtp.messages) == 10
    # The refused sends are not deliveries: no delivery_failed, no code_sent.
    r = inst.unix_request("GET", f"/v1/apps/system/challenges/{ch2}")
    events = [e["event"] for e in r.json()["timeline"]]
    assert "code_sent" not in events and "delivery_failed" not in events, events
    assert audit_events(inst, "mfa.delivery_failed", "root") == []
    assert len(audit_events(inst, "mfa.code_sent", "root")) == 10
    # Another user is not affected, and the daemon keeps serving.
    r = inst.unix_request("POST", "/v1/apps/system/users/nobody/factors",
                          {"type": "email", "address": "nobody@example.com"})
    assert r.status == 201, r
    assert len(smtp.messages) == 11
