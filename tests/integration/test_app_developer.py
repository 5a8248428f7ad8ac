"""Issue 20, item 10: what an app developer meets in the API. One time format (RFC 3339 UTC
strings) in every answer; a backup-code verify names no empty factor id; a timeline's detail
is an object, never JSON inside a string; each app may have its own otpauth issuer."""

import re
import urllib.parse

from engine_helpers import REQUIRED, code_at, enroll_totp, login, start_with_policy, verify

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_every_timestamp_is_rfc3339(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    key = inst.create_api_key("shop", ["verify"])
    assert RFC3339.match(key["created_at"]), key
    _, secret, _ = enroll_totp(inst, "erin", app="shop")
    ch = login(inst, "erin", app="shop", via="tcp", api_key=key["key"]).json()["challenge"]["id"]
    assert verify(inst, ch, code_at(secret, 1), app="shop", via="tcp",
                  api_key=key["key"]).status == 200
    [k] = inst.unix_request("GET", "/v1/apps/shop/apikeys").json()["api_keys"]
    assert RFC3339.match(k["created_at"]) and RFC3339.match(k["last_used_at"]), k
    r = inst.unix_request("DELETE", f"/v1/apps/shop/apikeys/{k['id']}")
    assert r.status in (200, 204), r
    [k] = inst.unix_request("GET", "/v1/apps/shop/apikeys").json()["api_keys"]
    assert RFC3339.match(k["revoked_at"]), k
    c = inst.unix_request("GET", f"/v1/apps/shop/challenges/{ch}").json()
    assert all(RFC3339.match(e["at"]) and "at_ms" not in e for e in c["timeline"]), c
    assert RFC3339.match(c["created_at"]) and RFC3339.match(c["expires_at"]), c
    events = inst.unix_request("GET", "/v1/audit?app=shop").json()["events"]
    assert events and all(RFC3339.match(e["at"]) and "at_ms" not in e for e in events), events


def test_backup_code_verify_and_timeline_detail(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    _, secret, backups = enroll_totp(inst, "frank")
    ch = login(inst, "frank").json()["challenge"]["id"]
    assert verify(inst, ch, "000000").status == 422
    r = verify(inst, ch, backups[0])
    assert r.status == 200, r
    assert r.json()["factor"] == {"type": "backup_code"}, r.json()
    c = inst.unix_request("GET", f"/v1/apps/system/challenges/{ch}").json()
    assert all(isinstance(e["detail"], dict) for e in c["timeline"]), c["timeline"]
    failed = [e for e in c["timeline"] if e["event"] == "attempt_failed"]
    assert failed and failed[0]["detail"] == {"reason": "bad_code"}, c["timeline"]
    ch = login(inst, "frank").json()["challenge"]["id"]
    assert inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/cancel", {}).status == 200
    c = inst.unix_request("GET", f"/v1/apps/system/challenges/{ch}").json()
    [cancelled] = [e for e in c["timeline"] if e["event"] == "cancelled"]
    assert cancelled["detail"] == {"actor": "uid:0"}, cancelled
    # A TOTP verify still names its factor.
    ch = login(inst, "frank").json()["challenge"]["id"]
    r = verify(inst, ch, code_at(secret, 1))
    assert r.status == 200 and r.json()["factor"]["type"] == "totp" and r.json()["factor"]["id"]


def test_per_app_issuer(mfad_factory):
    inst = mfad_factory(
        config_extra="totp:\n  issuer: ACME\n  apps:\n    shop: {issuer: Example Shop}\n")

    def issuer(app):
        r = inst.unix_request("POST", f"/v1/apps/{app}/users/gina/factors", {"type": "totp"})
        assert r.status == 201, r
        q = urllib.parse.parse_qs(urllib.parse.urlparse(r.json()["otpauth_uri"]).query)
        return q["issuer"][0]
    assert issuer("shop") == "Example Shop"
    assert issuer("billing") == "ACME"
    assert issuer("system") == "ACME"


def test_audit_since_takes_rfc3339(mfad):
    r = mfad.unix_request("POST", "/v1/policy/reload", {})
    assert r.status == 200, r
    [e] = mfad.unix_request("GET", "/v1/audit?event=policy.reloaded").json()["events"]
    got = mfad.unix_request("GET", f"/v1/audit?event=policy.reloaded&since={e['at']}").json()
    assert [x["id"] for x in got["events"]] == [e["id"]], got
    later = mfad.unix_request("GET", "/v1/audit?event=policy.reloaded&since=2999-01-01T00:00:00Z")
    assert later.json()["events"] == [], later
    for bad in ("yesterday", "2026-12-04T01:02:03%2B01:00", "2026-13-04T01:02:03Z"):
        r = mfad.unix_request("GET", f"/v1/audit?since={bad}")
        assert r.status == 400 and "RFC 3339" in r.json()["error"]["message"], (bad, r)
