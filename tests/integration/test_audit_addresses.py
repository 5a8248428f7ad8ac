"""Issue 20, item 11: an app server calls the API for its end users, so an audit event keeps
both addresses: `client_addr` (the TCP peer that made the call, the app server; empty on the
Unix socket) and `remote_addr` (the end user's, as the app gave it to /logins)."""

from engine_helpers import REQUIRED, code_at, enroll_totp, login, start_with_policy, verify


def events(inst, event, user):
    r = inst.unix_request("GET", f"/v1/audit?app=shop&user={user}&event={event}")
    assert r.status == 200, r
    return r.json()["events"]


def test_api_events_keep_the_end_users_and_the_callers_address(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    _, secret, _ = enroll_totp(inst, "carol", app="shop")
    r = login(inst, "carol", app="shop", remote_addr="203.0.113.9", via="tcp", api_key=key)
    assert r.status == 200, r
    ch = r.json()["challenge"]["id"]
    r = verify(inst, ch, code_at(secret, 1), app="shop", via="tcp", api_key=key)
    assert r.status == 200, r
    [ok] = events(inst, "user.mfa_succeeded", "carol")
    assert ok["remote_addr"] == "203.0.113.9", ok
    assert ok["client_addr"] == "127.0.0.1", ok

    # Cancelling a challenge is audited with the challenge's end-user address as well.
    ch = login(inst, "carol", app="shop", remote_addr="2001:db8::5", via="tcp",
               api_key=key).json()["challenge"]["id"]
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/cancel", {}, api_key=key)
    assert r.status == 200, r
    [cancelled] = events(inst, "mfa.challenge_cancelled", "carol")
    assert (cancelled["remote_addr"], cancelled["client_addr"]) == ("2001:db8::5", "127.0.0.1")


def test_socket_events_have_no_client_addr(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    _, secret, _ = enroll_totp(inst, "dave", app="shop")
    ch = login(inst, "dave", app="shop", remote_addr="198.51.100.4").json()["challenge"]["id"]
    assert verify(inst, ch, code_at(secret, 1), app="shop").status == 200
    [ok] = events(inst, "user.mfa_succeeded", "dave")
    assert (ok["remote_addr"], ok["client_addr"]) == ("198.51.100.4", ""), ok
    [enrolled] = events(inst, "mfa.factor_enrolled", "dave")
    assert enrolled["client_addr"] == "" and enrolled["remote_addr"] == "", enrolled
