"""Issue 6, email over TLS and with AUTH: a real SMTP server on loopback (aiosmtpd) with a
certificate from a CA the test makes. STARTTLS required (RFC 3207) and implicit TLS (smtps://,
RFC 8314) deliver the code over TLS; AUTH LOGIN and PLAIN with the right credentials deliver,
wrong ones are a clear delivery failure (challenge marked, audited, one attempt, the daemon
keeps serving); a certificate the daemon does not trust, a certificate for another name and a
server that does not offer STARTTLS are refused: nothing is sent in cleartext instead."""

import subprocess

import pytest

from conftest import MFAD
from delivery_helpers import (POLICY, SmtpSink, assert_send_fails, audit_events, delivery_config,
                              make_pki, start_daemon)

ROOT_BASE = "/v1/apps/system/users/root"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path)


@pytest.fixture
def sinks():
    started = []

    def make(**kw):
        s = SmtpSink(**kw).start()
        started.append(s)
        return s
    yield make
    for s in started:
        s.stop()


def enrol_root(inst, sink, address="root@example.com", count=1):
    r = inst.unix_request("POST", f"{ROOT_BASE}/factors", {"type": "email", "address": address})
    assert r.status == 201, r
    fid = r.json()["factor_id"]
    r = inst.unix_request("POST", f"{ROOT_BASE}/factors/{fid}/activate",
                          {"code": sink.last_code(count)})
    assert r.status == 200, r
    return fid


def login_with_email(inst, sink, fid, count):
    ch = inst.unix_request("POST", "/v1/apps/system/logins", {"user": "root"}).json()
    ch = ch["challenge"]["id"]
    r = inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/send", {"factor_id": fid})
    assert r.status == 200 and r.json()["delivery"] == "sent", r
    r = inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/verify",
                          {"code": sink.last_code(count)})
    assert r.status == 200 and r.json()["status"] == "approved", r


def assert_enrol_refused(inst, sink, why):
    """Enrolment fails with 502 delivery_failed naming `why`; nothing reached the sink, no
    factor is left pending, the failure is audited, and the daemon keeps serving."""
    r = inst.unix_request("POST", f"{ROOT_BASE}/factors",
                          {"type": "email", "address": "root@example.com"})
    assert r.status == 502, r
    err = r.json()["error"]
    assert err["code"] == "delivery_failed", err
    assert err["message"].startswith("Could not send the code: the mail server 127.0.0.1:"), err
    assert why in err["message"], err
    assert sink.messages == []
    assert inst.unix_request("GET", f"{ROOT_BASE}/factors").json()["factors"] == []
    failed = audit_events(inst, "mfa.delivery_failed", "root")
    assert len(failed) == 1 and why in failed[0]["detail"]["reason"], failed
    assert inst.unix_request("GET", "/v1/health").status == 200
    return err["message"]


def test_starttls_required_delivers_over_tls(mfad_factory, sinks, pki):
    sink = sinks(tls="starttls", pki=pki)
    inst = start_daemon(mfad_factory, smtp_port=sink.port, starttls="required",
                        ca_file=pki["ca"])
    fid = enrol_root(inst, sink)
    assert sink.messages[0]["tls"] is True
    login_with_email(inst, sink, fid, 2)
    assert [m["tls"] for m in sink.messages] == [True, True]


def test_smtps_implicit_tls(mfad_factory, sinks, pki):
    sink = sinks(tls="smtps", pki=pki)
    # starttls does not apply to smtps:// (TLS from the first byte); "off" must not weaken it.
    inst = start_daemon(mfad_factory, smtp_port=sink.port, smtp_scheme="smtps", starttls="off",
                        ca_file=pki["ca"])
    fid = enrol_root(inst, sink)
    login_with_email(inst, sink, fid, 2)
    assert [m["tls"] for m in sink.messages] == [True, True]


def test_ca_file_relative_to_the_config_dir(mfad_factory, sinks, pki):
    sink = sinks(tls="starttls", pki=pki)
    inst = mfad_factory(start=False, config_extra=delivery_config(
        sink.port, starttls="required", ca_file="smtp-ca.pem"))
    (inst.dir / "smtp-ca.pem").write_bytes(open(pki["ca"], "rb").read())
    (inst.dir / "policy.yaml").write_text(POLICY)
    inst.start()
    enrol_root(inst, sink)


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_auth_with_the_right_credentials(mfad_factory, sinks, pki, tmp_path, mechanism):
    sink = sinks(tls="starttls", pki=pki, auth={"mfad": PASSWORD}, auth_mechanisms=(mechanism,))
    pw = tmp_path / "smtp.pw"
    pw.write_text(PASSWORD + "\n")  # the trailing newline is not part of the password
    inst = start_daemon(mfad_factory, smtp_port=sink.port, starttls="required",
                        ca_file=pki["ca"], username="mfad", password_file=str(pw))
    enrol_root(inst, sink)
    assert sink.auth_attempts == [{"mechanism": mechanism, "login": "mfad", "accepted": True}]
    assert sink.messages[0]["authenticated"] and sink.messages[0]["tls"]
    assert PASSWORD not in inst.log()


def test_auth_with_wrong_credentials_is_a_clear_failure(mfad_factory, sinks, pki, tmp_path):
    accepted = {"mfad": PASSWORD}
    sink = sinks(tls="starttls", pki=pki, auth=accepted)
    pw = tmp_path / "smtp.pw"
    pw.write_text(PASSWORD)
    inst = start_daemon(mfad_factory, smtp_port=sink.port, starttls="required",
                        ca_file=pki["ca"], username="mfad", password_file=str(pw))
    fid = enrol_root(inst, sink)
    # The mail server's password is changed behind mfad's back.
    accepted["mfad"] = "rotated"
    ch = inst.unix_request("POST", "/v1/apps/system/logins", {"user": "root"}).json()
    ch = ch["challenge"]["id"]
    assert_send_fails(inst, ch, fid, "refused the login")
    # A refused login is permanent: one attempt, no retry against the server's own lockout.
    assert [a["accepted"] for a in sink.auth_attempts] == [True, False]
    assert len(sink.messages) == 1
    failed = audit_events(inst, "mfa.delivery_failed", "root")
    assert len(failed) == 1 and failed[0]["detail"]["reason"].endswith("refused the login")
    assert PASSWORD not in inst.log() and "rotated" not in inst.log()
    # The daemon keeps serving; with the password back, the same challenge gets its code.
    assert inst.unix_request("GET", "/v1/health").status == 200
    accepted["mfad"] = PASSWORD
    r = inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/send", {"factor_id": fid})
    assert r.status == 200, r
    r = inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/verify",
                          {"code": sink.last_code(2)})
    assert r.status == 200 and r.json()["status"] == "approved", r


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("trust", ["another CA", "system store"])
def test_untrusted_certificate_is_refused(mfad_factory, sinks, pki, tmp_path, tls, trust):
    # The server's certificate comes from `pki`; mfad trusts a different CA (or, without
    # ca_file, the system's store, which does not know the test CA either).
    other = make_pki(tmp_path, prefix="other-")
    sink = sinks(tls=tls, pki=pki)
    inst = start_daemon(mfad_factory, smtp_port=sink.port,
                        smtp_scheme="smtps" if tls == "smtps" else "smtp", starttls="required",
                        ca_file=other["ca"] if trust == "another CA" else None)
    assert_enrol_refused(inst, sink, "presented a certificate that is not trusted")


def test_certificate_for_another_name_is_refused(mfad_factory, sinks, tmp_path):
    pki = make_pki(tmp_path, server_names=("mail.example.com",))
    sink = sinks(tls="starttls", pki=pki)
    inst = start_daemon(mfad_factory, smtp_port=sink.port, starttls="required",
                        ca_file=pki["ca"])
    assert_enrol_refused(inst, sink, "presented a certificate that is not trusted")


def test_no_starttls_offered_is_refused(mfad_factory, sinks, pki):
    sink = sinks()  # plain SMTP: no STARTTLS in its EHLO answer
    inst = start_daemon(mfad_factory, smtp_port=sink.port, starttls="required",
                        ca_file=pki["ca"])
    assert_enrol_refused(inst, sink, "does not offer STARTTLS")


def test_unreadable_ca_file_stops_the_start(mfad_factory, tmp_path):
    inst = mfad_factory(start=False, config_extra=delivery_config(
        25, starttls="required", ca_file=str(tmp_path / "missing.pem")))
    p = subprocess.run([str(MFAD), "--dev", str(inst.dir)], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode != 0
    assert "missing.pem: cannot open delivery.smtp.ca_file" in p.stderr, p.stderr
