"""WebAuthn through the HTTP API against the real daemon, with an independent Python software
authenticator (tests/integration/webauthn_soft.py): passkey enrolment and activation, a login
challenge completed with an assertion, the refusals (wrong origin, wrong rp id, tampered
authenticator data, UP missing, replayed assertion, sign-count regression, unknown or foreign
credential, duplicate credential id), and the one-time self-service enrolment link."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from webauthn_soft import Authenticator, b64u, unb64u

WEBAUTHN = ('webauthn: {rp_id: example.com, rp_name: "Example", '
            'origins: ["https://app.example.com"]}')


POLICY = """\
defaults:
  mode: optional
  factors: [webauthn, totp, backup_code]
  lockout: {attempts: 10, window: 15m}
"""


def start_with_webauthn(mfad_factory, has_fixed_port=None, **kw):
    d = mfad_factory(start=False, **kw)
    (d.dir / "policy.yaml").write_text(POLICY)
    if has_fixed_port:
        # mfad writes tcp.port only for an ephemeral port (0): wait on the socket alone.
        d.has_tcp = False
        d.start()
        d.tcp_port = has_fixed_port
        return d
    return d.start()


@pytest.fixture
def daemon(mfad_factory):
    return start_with_webauthn(mfad_factory, config_extra=WEBAUTHN)


def enroll(d, key, user, auth, packed=False):
    r = d.tcp_request("POST", f"/v1/apps/shop/users/{user}/factors",
                      {"type": "webauthn", "label": "My key"}, api_key=key)
    assert r.status == 201, r
    body = r.json()
    pk = body["publicKey"]
    assert len(unb64u(pk["challenge"])) >= 16
    assert pk["rp"]["id"] == "example.com"
    assert {p["alg"] for p in pk["pubKeyCredParams"]} == {-7, -8, -257}
    assert pk["timeout"] == 300000
    cred = auth.create(pk, packed=packed)
    return body["factor_id"], pk, cred


def login(d, key, user):
    r = d.tcp_request("POST", "/v1/apps/shop/logins", {"user": user}, api_key=key)
    assert r.status == 200, r
    assert r.json()["decision"] == "mfa_required", r
    cid = r.json()["challenge"]["id"]
    o = d.tcp_request("GET", f"/v1/apps/shop/challenges/{cid}/webauthn-options", api_key=key)
    assert o.status == 200, o
    return cid, o.json()["publicKey"]


def verify(d, key, cid, assertion):
    return d.tcp_request("POST", f"/v1/apps/shop/challenges/{cid}/verify",
                         {"assertion": assertion}, api_key=key)


def audit_events(d, user):
    r = d.unix_request("GET", f"/v1/audit?app=shop&user={user}&limit=1000")
    assert r.status == 200, r
    return [e["event"] for e in r.json()["events"]]


@pytest.mark.parametrize("alg,packed", [(-7, False), (-8, True)])
def test_enrol_and_login(daemon, alg, packed):
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    auth = Authenticator(alg)
    fid, _, cred = enroll(daemon, key, "bob", auth, packed)
    r = daemon.tcp_request("POST", f"/v1/apps/shop/users/bob/factors/{fid}/activate",
                           {"credential": cred}, api_key=key)
    assert r.status == 200, r
    assert r.json()["factor"]["status"] == "active"
    assert len(r.json()["backup_codes"]) == 10
    # The enrolment challenge is single use.
    again = daemon.tcp_request("POST", f"/v1/apps/shop/users/bob/factors/{fid}/activate",
                               {"credential": cred}, api_key=key)
    assert again.status == 409, again

    cid, opts = login(daemon, key, "bob")
    assert [c["id"] for c in opts["allowCredentials"]] == [b64u(auth.cred_id)]
    assert opts["rpId"] == "example.com"
    # Options are fixed for a challenge: asking twice gives the same challenge.
    o2 = daemon.tcp_request("GET", f"/v1/apps/shop/challenges/{cid}/webauthn-options", api_key=key)
    assert o2.json()["publicKey"]["challenge"] == opts["challenge"]
    good = auth.get(opts)
    r = verify(daemon, key, cid, good)
    assert r.status == 200, r
    assert r.json()["status"] == "approved"
    assert r.json()["factor"] == {"type": "webauthn", "id": fid}
    # Replaying the same assertion: on the approved challenge, and on a fresh one.
    assert verify(daemon, key, cid, good).status == 409
    cid2, _ = login(daemon, key, "bob")
    assert verify(daemon, key, cid2, good).status == 422
    assert "user.mfa_succeeded" in audit_events(daemon, "bob")


def test_refusals(daemon):
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    auth = Authenticator(-7)
    fid, _, cred = enroll(daemon, key, "carol", auth)
    assert daemon.tcp_request("POST", f"/v1/apps/shop/users/carol/factors/{fid}/activate",
                              {"credential": cred}, api_key=key).status == 200
    cases = {
        "wrong origin": dict(origin="https://evil.example.net"),
        "wrong rp id": dict(rp_id="evil.example.net"),
        "UP missing": dict(flags=0x04),
        "tampered authenticator data": dict(tamper=True),
    }
    for what, kw in cases.items():
        cid, opts = login(daemon, key, "carol")
        r = verify(daemon, key, cid, auth.get(opts, **kw))
        assert r.status in (400, 422), (what, r)
    # Unknown credential: another authenticator never registered.
    cid, opts = login(daemon, key, "carol")
    assert verify(daemon, key, cid, Authenticator(-7).get(opts)).status == 422
    # A correct assertion still works afterwards (failures were below the lockout limit).
    cid, opts = login(daemon, key, "carol")
    assert verify(daemon, key, cid, auth.get(opts)).status == 200


def test_sign_count_regression_is_audited_and_refused(daemon):
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    auth = Authenticator(-7)
    fid, _, cred = enroll(daemon, key, "dave", auth)
    assert daemon.tcp_request("POST", f"/v1/apps/shop/users/dave/factors/{fid}/activate",
                              {"credential": cred}, api_key=key).status == 200
    cid, opts = login(daemon, key, "dave")
    assert verify(daemon, key, cid, auth.get(opts)).status == 200
    cid, opts = login(daemon, key, "dave")
    r = verify(daemon, key, cid, auth.get(opts, step=False))  # the same counter again: a clone?
    assert r.status == 422, r
    assert "mfa.sign_count_regression" in audit_events(daemon, "dave")


def test_credential_id_unique_across_users(daemon):
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    auth = Authenticator(-7)
    fid, _, cred = enroll(daemon, key, "erin", auth)
    assert daemon.tcp_request("POST", f"/v1/apps/shop/users/erin/factors/{fid}/activate",
                              {"credential": cred}, api_key=key).status == 200
    fid2, pk2, _ = enroll(daemon, key, "frank", auth)
    r = daemon.tcp_request("POST", f"/v1/apps/shop/users/frank/factors/{fid2}/activate",
                           {"credential": auth.create(pk2)}, api_key=key)
    assert r.status == 409, r
    factors = daemon.tcp_request("GET", "/v1/apps/shop/users/frank/factors", api_key=key).json()
    assert [f["status"] for f in factors["factors"]] == ["pending"]


def test_credential_id_race_one_wins(daemon):
    """Activations of one credential for several users at once: the database's UNIQUE index
    (schema v2), not the check-then-insert, decides; exactly one succeeds, the rest get 409."""
    key = daemon.create_api_key("shop", ["enroll", "verify"])["key"]
    auth = Authenticator(-7)
    users = [f"racer{i}" for i in range(6)]
    pending = []
    for u in users:
        fid, pk, _ = enroll(daemon, key, u, auth)
        pending.append((u, fid, auth.create(pk)))
    barrier = threading.Barrier(len(pending))

    def activate(item):
        u, fid, cred = item
        barrier.wait()
        return daemon.tcp_request("POST", f"/v1/apps/shop/users/{u}/factors/{fid}/activate",
                                  {"credential": cred}, api_key=key)

    with ThreadPoolExecutor(len(pending)) as pool:
        results = list(pool.map(activate, pending))
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [409] * (len(users) - 1), results
    for r in results:
        if r.status == 409:
            assert "already registered" in r.json()["error"]["message"], r
    active = []
    for u in users:
        fs = daemon.tcp_request("GET", f"/v1/apps/shop/users/{u}/factors", api_key=key).json()
        active += [u for f in fs["factors"] if f["status"] == "active"]
    assert len(active) == 1
    # The winner logs in with it.
    cid, opts = login(daemon, key, active[0])
    assert verify(daemon, key, cid, auth.get(opts)).status == 200


def test_enrolment_link(daemon):
    r = daemon.unix_request("POST", "/v1/apps/shop/users/gina/enroll-links", {})
    assert r.status == 201, r
    link = r.json()
    assert link["url"] == "https://app.example.com" + link["path"]
    token = link["token"]
    # Served without an API key on TCP; the token is the credential.
    page = daemon.tcp_request("GET", link["path"])
    assert page.status == 200 and b"navigator.credentials.create" in page.body
    assert page.headers["referrer-policy"] == "no-referrer"
    st = daemon.tcp_request("GET", f"/v1/enroll/{token}")
    assert st.status == 200 and st.json()["user"] == "gina" and st.json()["factors"] == []
    bad = daemon.tcp_request("GET", f"/v1/enroll/{token[:-2]}AA")
    assert bad.status == 404
    auth = Authenticator(-8)
    b = daemon.tcp_request("POST", f"/v1/enroll/{token}/webauthn", {"label": "Laptop"})
    assert b.status == 201, b
    fin = daemon.tcp_request("POST", f"/v1/enroll/{token}/webauthn/{b.json()['factor_id']}",
                             {"credential": auth.create(b.json()["publicKey"])})
    assert fin.status == 200, fin
    assert len(fin.json()["backup_codes"]) == 10
    # One time only.
    assert daemon.tcp_request("GET", f"/v1/enroll/{token}").status == 404
    assert daemon.tcp_request("POST", f"/v1/enroll/{token}/webauthn", {}).status == 404
    # Other API paths still need a key.
    assert daemon.tcp_request("GET", "/v1/apps/shop/users/gina/factors").status == 401


def test_not_configured(mfad_factory):
    mfad = start_with_webauthn(mfad_factory)  # policy allows webauthn, mfad.yaml has no RP
    r = mfad.unix_request("POST", "/v1/apps/shop/users/hal/factors", {"type": "webauthn"})
    assert r.status == 409, r


def test_mfactl_enroll_passkey_prints_a_working_link(daemon):
    r = daemon.mfactl("enroll", "passkey", "--user", "ivan")
    assert r.returncode == 0, r.stderr
    url = [w for w in r.stdout.split() if w.startswith("https://app.example.com/enroll/")]
    assert len(url) == 1, r.stdout
    path = url[0][len("https://app.example.com"):]
    st = daemon.tcp_request("GET", "/v1" + path)
    assert st.status == 200 and st.json()["user"] == "ivan" and st.json()["app"] == "system"
