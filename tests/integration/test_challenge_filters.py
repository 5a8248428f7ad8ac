"""Issue 11: challenge purpose/method/status and factor types are parsed once at the HTTP edge
with the store's tables (daemon/core/store/store_enums.cc): known values filter and round-trip as
the same strings, unknown ones are a 400 instead of a silent empty answer."""

from engine_helpers import REQUIRED, enroll_totp, start_with_policy

BASE = "/v1/apps/system/challenges"


def ids(r):
    assert r.status == 200, r
    return {c["id"] for c in r.json()["challenges"]}


def test_list_filters_and_unknown_values(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    enroll_totp(inst, "root")
    r = inst.unix_request("POST", BASE, {"user": "root", "purpose": "login", "method": "totp"})
    assert r.status == 201, r
    login = r.json()
    assert (login["purpose"], login["method"], login["status"]) == ("login", "totp", "pending")
    r = inst.unix_request("POST", BASE, {"user": "root"})  # step_up / any by default
    assert r.status == 201, r
    step_up = r.json()
    assert (step_up["purpose"], step_up["method"]) == ("step_up", "any")
    r = inst.unix_request("POST", f"{BASE}/{step_up['id']}/cancel")
    assert r.status == 200 and r.json()["status"] == "cancelled", r

    assert ids(inst.unix_request("GET", f"{BASE}?user=root&purpose=login")) == {login["id"]}
    assert ids(inst.unix_request("GET", f"{BASE}?user=root&method=any")) == {step_up["id"]}
    assert ids(inst.unix_request("GET", f"{BASE}?user=root&status=cancelled")) == {step_up["id"]}
    assert ids(inst.unix_request("GET", f"{BASE}?user=root&status=pending&method=totp")) == {
        login["id"]}
    assert ids(inst.unix_request("GET", f"{BASE}?user=root&status=")) >= {login["id"],
                                                                         step_up["id"]}
    for query in ("purpose=LOGIN", "method=password", "status=done", "status=pending%20"):
        r = inst.unix_request("GET", f"{BASE}?user=root&{query}")
        assert r.status == 400 and r.json()["error"]["code"] == "invalid_argument", (query, r)

    # Creation accepts the API's subset only: same 400 as before for anything else.
    for body in ({"purpose": "enroll"}, {"purpose": "nope"}, {"method": "webauthn_link"},
                 {"method": "fido2"}):
        r = inst.unix_request("POST", BASE, {"user": "root", **body})
        assert r.status == 400 and r.json()["error"]["code"] == "invalid_argument", (body, r)

    # An unknown or unsupported factor type on enrolment keeps its error.
    for kind in ("password", "fido2", "TOTP"):
        r = inst.unix_request("POST", "/v1/apps/system/users/root/factors", {"type": kind})
        assert r.status == 400 and r.json()["error"]["code"] == "unsupported_factor", (kind, r)
