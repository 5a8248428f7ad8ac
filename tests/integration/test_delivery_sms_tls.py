"""Issue 6, SMS over HTTPS: the loopback stand-in for the SMS provider serves TLS with a
certificate from a CA the test makes. With that CA as `delivery.sms.ca_file` the code is
delivered and a login completes; with the system store (the test CA is unknown to it) or
another CA the gateway is refused: a clear, non-retried 502, the challenge marked failed,
nothing reaches the gateway, and the daemon keeps serving. A missing ca_file stops the start."""

import subprocess

import pytest

from conftest import MFAD
from delivery_helpers import SmsGateway, audit_events, delivery_config, make_pki, start_daemon


@pytest.fixture
def https_gateway(tmp_path):
    pki = make_pki(tmp_path)
    g = SmsGateway(pki=pki).start()
    yield g, pki
    g.stop()


def enrol_bob(inst, key, gateway):
    base = "/v1/apps/shop/users/bob"
    r = inst.tcp_request("POST", f"{base}/factors", {"type": "sms", "phone": "+12015550145"},
                         api_key=key)
    assert r.status == 201, r
    fid = r.json()["factor_id"]
    r = inst.tcp_request("POST", f"{base}/factors/{fid}/activate", {"code": gateway.last_code()},
                         api_key=key)
    assert r.status == 200, r
    return fid


def test_https_gateway_with_its_ca(mfad_factory, https_gateway):
    gateway, pki = https_gateway
    inst = start_daemon(mfad_factory, sms_port=gateway.port, sms_scheme="https",
                        sms_ca_file=pki["ca"])
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    fid = enrol_bob(inst, key, gateway)
    ch = inst.tcp_request("POST", "/v1/apps/shop/logins", {"user": "bob"},
                          api_key=key).json()["challenge"]["id"]
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/send", {"factor_id": fid},
                         api_key=key)
    assert r.status == 200, r
    r = inst.tcp_request("POST", f"/v1/apps/shop/challenges/{ch}/verify",
                         {"code": gateway.last_code()}, api_key=key)
    assert r.status == 200 and r.json()["status"] == "approved", r
    assert len(gateway.requests) == 2


@pytest.mark.parametrize("trust", ["system store", "another CA"])
def test_untrusted_gateway_is_refused(mfad_factory, https_gateway, tmp_path, trust):
    gateway, _ = https_gateway
    other = make_pki(tmp_path, prefix="other-")["ca"] if trust == "another CA" else None
    inst = start_daemon(mfad_factory, sms_port=gateway.port, sms_scheme="https",
                        sms_ca_file=other)
    key = inst.create_api_key("shop", ["verify", "enroll"])["key"]
    r = inst.tcp_request("POST", "/v1/apps/shop/users/bob/factors",
                         {"type": "sms", "phone": "+12015550145"}, api_key=key)
    assert r.status == 502, r
    err = r.json()["error"]
    assert err["code"] == "delivery_failed", err
    assert "the SMS gateway's TLS failed" in err["message"], err
    assert gateway.requests == []  # nothing, not even a retry, reached the gateway
    assert audit_events(inst, "mfa.delivery_failed"), inst.log()[-2000:]
    factors = inst.tcp_request("GET", "/v1/apps/shop/users/bob/factors", api_key=key).json()
    assert all(f["status"] != "active" for f in factors["factors"]), factors
    assert inst.unix_request("GET", "/v1/health").status == 200


def test_missing_ca_file_stops_the_start(mfad_factory, tmp_path):
    inst = mfad_factory(config_extra=delivery_config(sms_port=1, sms_scheme="https",
                                                     sms_ca_file=tmp_path / "nope.pem"),
                        start=False)
    r = subprocess.run([str(MFAD), "--dev", str(inst.dir)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0
    assert "cannot open delivery.sms.ca_file" in r.stderr, r.stderr
