"""Usernameless passkey logins (discoverable credentials, WebAuthn 7.2 step 6) through the API:
options with an empty allowCredentials bound to the app only; the assertion's credential names
the account and its userHandle must match; the login policy then decides for that user. Refused:
a missing or foreign userHandle, an unknown credential, a wrong origin, a replayed or unknown
login id, a key of another app."""

import pytest

from test_webauthn_api import WEBAUTHN, audit_events, enroll, start_with_webauthn
from webauthn_soft import Authenticator


@pytest.fixture
def daemon(mfad_factory):
    return start_with_webauthn(mfad_factory, config_extra=WEBAUTHN)


def passkey_user(d, key, user):
    auth = Authenticator(-7)
    fid, _, cred = enroll(d, key, user, auth)
    r = d.tcp_request("POST", f"/v1/apps/shop/users/{user}/factors/{fid}/activate",
                      {"credential": cred}, api_key=key)
    assert r.status == 200, r
    assert auth.user_handle
    return auth


def begin(d, key, app="shop"):
    r = d.tcp_request("POST", f"/v1/apps/{app}/passkey-logins", {}, api_key=key)
    assert r.status == 201, r
    body = r.json()
    pk = body["publicKey"]
    assert pk["allowCredentials"] == [] and pk["rpId"] == "example.com"
    assert body["id"].startswith("pl_")
    return body["id"], pk


def finish(d, key, lid, assertion, app="shop", rhost="203.0.113.9"):
    return d.tcp_request("POST", f"/v1/apps/{app}/passkey-logins/{lid}/verify",
                         {"assertion": assertion, "remote_addr": rhost}, api_key=key)


def test_usernameless_login(daemon):
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    alice = passkey_user(daemon, key, "alice")
    bob = passkey_user(daemon, key, "bob")

    lid, pk = begin(daemon, key)
    a = alice.get(pk, user_handle=True)
    r = finish(daemon, key, lid, a)
    assert r.status == 200, r
    assert r.json()["user"] == "alice"
    assert r.json()["decision"] == "allow", r.json()  # webauthn_skips_mfa (default true)
    assert "user.mfa_succeeded" in audit_events(daemon, "alice")
    # Single use: the same login id (and assertion) again.
    assert finish(daemon, key, lid, a).status == 410

    lid, pk = begin(daemon, key)
    r = finish(daemon, key, lid, bob.get(pk, user_handle=True))
    assert r.status == 200 and r.json()["user"] == "bob", r


def test_usernameless_refusals(daemon):
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    alice = passkey_user(daemon, key, "alice")
    bob = passkey_user(daemon, key, "bob")
    stranger = Authenticator(-7)
    cases = {
        "no userHandle": lambda pk: alice.get(pk),
        "bob's userHandle": lambda pk: alice.get(pk, user_handle=bob.user_handle),
        "unknown credential": lambda pk: stranger.get(pk, user_handle=alice.user_handle),
        "wrong origin": lambda pk: alice.get(pk, user_handle=True, origin="https://evil.test"),
        "UP missing": lambda pk: alice.get(pk, user_handle=True, flags=0x00),
    }
    for what, make in cases.items():
        lid, pk = begin(daemon, key)
        r = finish(daemon, key, lid, make(pk))
        assert r.status in (400, 422), (what, r)
        if "userHandle" in what:
            assert "userHandle" in r.json()["error"]["message"], (what, r.json())
        # The login id is spent even by a failure.
        lid2, pk2 = begin(daemon, key)
        assert finish(daemon, key, lid, alice.get(pk2, user_handle=True)).status == 410, what
        assert finish(daemon, key, lid2, alice.get(pk2, user_handle=True)).status == 200, what
    assert "user.mfa_failed" in audit_events(daemon, "alice")
    assert finish(daemon, key, "pl_nope", alice.get(pk, user_handle=True)).status == 410


def test_unknown_credentials_lock_the_address(daemon):
    # No account owns a stranger's credential, so the failures count against the address:
    # the policy's lockout (10 per 15 min) locks it, for every account, and only it.
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    alice = passkey_user(daemon, key, "alice")
    statuses = []
    for _ in range(10):
        lid, pk = begin(daemon, key)
        statuses.append(finish(daemon, key, lid, Authenticator(-7).get(pk, user_handle=True)))
    assert [r.status for r in statuses[:9]] == [422] * 9, statuses
    assert statuses[9].status == 429, statuses[9]
    assert 0 < int(statuses[9].headers["retry-after"]) <= 900
    lid, pk = begin(daemon, key)
    r = finish(daemon, key, lid, alice.get(pk, user_handle=True))
    assert r.status == 429, r  # alice's own key, but from the locked address
    lid, pk = begin(daemon, key)
    r = finish(daemon, key, lid, alice.get(pk, user_handle=True), rhost="198.51.100.7")
    assert r.status == 200 and r.json()["user"] == "alice", r
    # Alice's account was never blamed: her status shows no failures.
    st = daemon.tcp_request("GET", "/v1/apps/shop/users/alice/mfa", api_key=key).json()
    assert st["lockout"]["failures"] == 0 and not st["lockout"]["locked"], st


def test_other_app_cannot_use_the_passkey(daemon):
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    alice = passkey_user(daemon, key, "alice")
    other = daemon.create_api_key("blog", ["verify"])["key"]
    lid, pk = begin(daemon, other, app="blog")
    r = finish(daemon, other, lid, alice.get(pk, user_handle=True), app="blog")
    assert r.status == 422, r
    # And a shop login cannot be finished with blog's key.
    lid, pk = begin(daemon, key)
    r = finish(daemon, other, lid, alice.get(pk, user_handle=True))
    assert r.status in (401, 403), r
