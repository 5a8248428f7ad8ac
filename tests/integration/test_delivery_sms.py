"""Issue 6, SMS: an HTTP server on loopback stands in for the SMS provider and records what
mfad sends (URL, method, headers, JSON body with the phone and the code). Enrolment with an
E.164 number shown obfuscated, a login completed with the texted code, the gateway answering
500 (one bounded retry, then a clear 502, the challenge marked, nothing valid), and the
per-destination rate limit."""

import json

from delivery_helpers import gateway  # noqa: F401 (fixture)
from delivery_helpers import audit_events, start_daemon


def enrol_sms(inst, gateway, key, user="bob", phone="+1 (201) 555-0145"):
    base = f"/v1/apps/shop/users/{user}"
    r = inst.tcp_request("POST", f"{base}/factors", {"type": "sms", "phone": phone}, api_key=key)
    assert r.status == 201, r
    fid = r.json()["factor_id"]
    r2 = inst.tcp_request("POST", f"{base}/factors/{fid}/activate", {"code": gateway.last_code()},
                          api_key=key)
    assert r2.status == 200, r2
    return r.json(), fid


def test_sms_gateway_request_and_login(mfad_factory, gateway):
    inst = start_daemon(mfad_factory, sms_port=gateway.port)
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    enrolled, fid = enrol_sms(inst, gateway, key)
    assert enrolled["destination"] == "+1 \u2022\u2022\u2022 \u2022\u2022\u2022 0145", enrolled
    req = gateway.requests[0]
    assert req["method"] == "POST" and req["path"] == "/2010-04-01/Messages.json", req
    assert req["headers"]["authorization"] == "Bearer test-token"
    assert req["headers"]["x-mfa-app"] == "shop"
    assert req["headers"]["content-type"] == "application/json"
    body = json.loads(req["body"])
    assert body["to"] == "+12015550145" and body["from"] == "mfad", body
    assert body["text"].startswith("Your shop code is ") and len(body["text"]) == 24, body

    login = inst.tcp_request("POST", "/v1/apps/shop/logins", {"user": "bob"}, api_key=key).json()
    assert login["challenge"]["factors"][0]["destination"] == "+1 \u2022\u2022\u2022 \u2022\u2022\u2022 0145"
    ch = login["challenge"]["id"]
    # A TOTP-only method refuses the sms factor.
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/send", {"factor_id": "f_nope"},
                         api_key=key)
    assert r.status == 404, r
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/send", {"factor_id": fid},
                         api_key=key)
    assert r.status == 200, r
    assert r.json()["channel"] == "sms" and r.json()["destination"].endswith(" 0145"), r
    code = gateway.last_code()
    assert len(gateway.requests) == 2
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/verify", {"code": code},
                         api_key=key)
    assert r.status == 200 and r.json()["factor"] == {"type": "sms", "id": fid}, r
    # The unix socket admin sees the full number.
    r = inst.unix_request("GET", "/v1/apps/shop/users/bob/factors")
    assert r.json()["factors"][0]["destination"] == "+12015550145", r
    assert code not in inst.log()


def test_gateway_500_is_a_clear_error(mfad_factory, gateway):
    inst = start_daemon(mfad_factory, sms_port=gateway.port)
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    _, fid = enrol_sms(inst, gateway, key)
    gateway.status = 500
    ch = inst.tcp_request("POST", "/v1/apps/shop/logins", {"user": "bob"},
                          api_key=key).json()["challenge"]["id"]
    before = len(gateway.requests)
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/send", {"factor_id": fid},
                         api_key=key)
    assert r.status == 502, r
    assert r.json()["error"]["message"] == \
        "Could not send the code: the SMS gateway answered HTTP 500", r
    assert len(gateway.requests) == before + 2  # one bounded retry (delivery.retries: 1)
    c = inst.tcp_request("GET", f"/v1/apps/shop/challenges/{ch}", api_key=key).json()
    assert c["delivery"] == "failed" and "HTTP 500" in c["delivery_error"], c
    assert "code_sent" not in [e["event"] for e in c["timeline"]]
    # The code the gateway was given does not work: nothing was delivered.
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/verify",
                         {"code": gateway.last_code()}, api_key=key)
    assert r.status == 422, r
    assert audit_events(inst, "mfa.delivery_failed", "bob")
    # Gateway back: resend to the same factor works.
    gateway.status = 200
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/resend", api_key=key)
    assert r.status == 200, r
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/verify",
                         {"code": gateway.last_code()}, api_key=key)
    assert r.status == 200, r
    assert inst.unix_request("GET", "/v1/health").status == 200


def test_rate_limit_per_destination(mfad_factory, gateway):
    inst = start_daemon(mfad_factory, sms_port=gateway.port)
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    _, fid = enrol_sms(inst, gateway, key)  # send 1
    ch = inst.tcp_request("POST", "/v1/apps/shop/logins", {"user": "bob"},
                          api_key=key).json()["challenge"]["id"]
    assert inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/send", {"factor_id": fid},
                            api_key=key).status == 200
    for _ in range(3):
        assert inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/resend",
                                api_key=key).status == 200
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/resend", api_key=key)
    assert r.status == 429, r
    assert int(r.headers.get("retry-after", "0")) > 0, r.headers
    assert len(gateway.requests) == 5
    # Bad numbers are refused before anything is sent.
    r = inst.tcp_request("POST", "/v1/apps/shop/users/carl/factors",
                         {"type": "sms", "phone": "555-1234"}, api_key=key)
    assert r.status == 400, r
    assert len(gateway.requests) == 5


def test_phone_numbers_follow_their_countrys_plan(mfad_factory, gateway):
    """libphonenumber decides: a national number with its country is stored in E.164; a number
    outside its country's plan, a landline or a freephone is 400 and nothing is sent."""
    inst = start_daemon(mfad_factory, sms_port=gateway.port)
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    base = "/v1/apps/shop/users/zoe/factors"
    for body, why in ((({"type": "sms", "phone": "06 12 34 56 78"}), "needs its country"),
                      ({"type": "sms", "phone": "06 12 34 56 78", "country": "US"},
                       "not a valid phone number in US"),
                      ({"type": "sms", "phone": "0612345678", "country": "XX"}, "ISO 3166"),
                      ({"type": "sms", "phone": "+1 555 123 4567"}, "not a valid phone number"),
                      ({"type": "sms", "phone": "+44 20 7946 0958"}, "landline"),
                      ({"type": "sms", "phone": "+44 800 123 4567"}, "toll-free"),
                      ({"type": "email", "address": "z@example.com", "country": "FR"},
                       "country is for phone numbers")):
        r = inst.tcp_request("POST", base, body, api_key=key)
        assert r.status == 400 and why in r.json()["error"]["message"], (body, r)
    assert gateway.requests == [] and inst.unix_request("GET", base).json()["factors"] == []
    r = inst.tcp_request("POST", base, {"type": "sms", "phone": "06 12 34 56 78", "country": "fr"},
                         api_key=key)
    assert r.status == 201, r
    assert r.json()["destination"] == "+33 \u2022\u2022\u2022 \u2022\u2022\u2022 5678", r
    assert json.loads(gateway.requests[0]["body"])["to"] == "+33612345678"
    assert inst.unix_request("GET", base).json()["factors"][0]["destination"] == "+33612345678"
