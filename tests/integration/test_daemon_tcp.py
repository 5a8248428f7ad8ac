"""API keys on the TCP listener: missing/wrong/revoked keys are 401 with WWW-Authenticate,
scopes are enforced (verify cannot create keys; admin can), and a key of app A cannot touch
app B."""


def test_no_key_and_bad_keys_are_401(mfad):
    # health stays open for probes, but tells an anonymous caller nothing but the status
    r = mfad.tcp_request("GET", "/v1/health")
    assert r.status == 200 and r.json() == {"status": "ok"}, r
    assert mfad.tcp_request("GET", "/v1/health", api_key="mfa_bogus_x").status == 401
    r = mfad.tcp_request("GET", "/v1/apps/a/apikeys")
    assert r.status == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"]["code"] == "unauthenticated"
    real = mfad.create_api_key("a", ["admin"])
    kid = real["id"]
    for bad in ["nonsense", "mfa_", f"mfa_{kid}_", f"mfa_{kid}_wrongsecret",
                real["key"][:-1] + ("a" if real["key"][-1] != "a" else "b"),
                "mfa_k_unknownid_" + real["key"].rsplit("_", 1)[1]]:
        r = mfad.tcp_request("GET", "/v1/apps/a/apikeys", api_key=bad)
        assert r.status == 401, bad
        assert r.headers["www-authenticate"] == "Bearer"
    r = mfad.tcp_request("GET", "/v1/apps/a/apikeys", headers={"Authorization": "Basic eDp5"})
    assert r.status == 401
    assert mfad.tcp_request("GET", "/v1/apps/a/apikeys", api_key=real["key"]).status == 200


def test_revoked_key_is_401(mfad):
    k = mfad.create_api_key("a", ["admin"])
    assert mfad.tcp_request("GET", "/v1/apps/a/apikeys", api_key=k["key"]).status == 200
    r = mfad.unix_request("DELETE", f"/v1/apps/a/apikeys/{k['id']}")
    assert r.status == 200 and r.json()["revoked"] is True
    assert mfad.tcp_request("GET", "/v1/apps/a/apikeys", api_key=k["key"]).status == 401


def test_scopes(mfad):
    verify = mfad.create_api_key("a", ["verify"])["key"]
    admin = mfad.create_api_key("a", ["admin"])["key"]
    body = {"name": "new", "scopes": ["verify"]}
    r = mfad.tcp_request("POST", "/v1/apps/a/apikeys", body, api_key=verify)
    assert r.status == 403 and r.json()["error"]["code"] == "permission_denied"
    r = mfad.tcp_request("POST", "/v1/apps/a/apikeys", body, api_key=admin)
    assert r.status == 201
    new = r.json()
    assert new["key"].startswith(f"mfa_{new['id']}_")
    # the new key authenticates on TCP (403 = known key without admin scope, not 401)
    assert mfad.tcp_request("GET", "/v1/apps/a/apikeys", api_key=new["key"]).status == 403
    # admin key can revoke, verify key cannot
    r = mfad.tcp_request("DELETE", f"/v1/apps/a/apikeys/{new['id']}", api_key=verify)
    assert r.status == 403
    r = mfad.tcp_request("DELETE", f"/v1/apps/a/apikeys/{new['id']}", api_key=admin)
    assert r.status == 200


def test_key_of_app_a_cannot_touch_app_b(mfad):
    a_admin = mfad.create_api_key("a", ["admin"])["key"]
    b_key = mfad.create_api_key("b", ["verify"])
    for method, path, body in [("GET", "/v1/apps/b/apikeys", None),
                               ("POST", "/v1/apps/b/apikeys", {"name": "x", "scopes": ["admin"]}),
                               ("DELETE", f"/v1/apps/b/apikeys/{b_key['id']}", None)]:
        r = mfad.tcp_request(method, path, body, api_key=a_admin)
        assert r.status == 403, (method, path, r)
    # and a key id of app b is "not found" under app a (even for a's admin)
    r = mfad.tcp_request("DELETE", f"/v1/apps/a/apikeys/{b_key['id']}", api_key=a_admin)
    assert r.status == 404
    r = mfad.tcp_request("GET", "/v1/health", api_key=b_key["key"])
    assert r.status == 200 and r.json()["version"] and r.json()["schema_version"] >= 1, r


def test_metrics_counts_requests(mfad):
    mfad.unix_request("GET", "/v1/health")
    mfad.tcp_request("GET", "/v1/apps/a/apikeys")
    r = mfad.unix_request("GET", "/metrics")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = r.body.decode()
    assert 'mfad_http_requests_total{route="/v1/health",method="GET",status="200"}' in text
    assert 'status="401"' in text
    assert "mfad_http_request_duration_seconds_bucket{le=\"+Inf\"}" in text
    assert "mfad_open_connections " in text
    assert "mfad_build_info{version=" in text
