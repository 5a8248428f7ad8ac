"""Issue 10, findings 5 and 7, against the real daemon:
- the access log never shows a one-time enrolment-link token (routes mark secret segments);
- a request whose Transfer-Encoding does not end in `chunked` is answered 400 and the
  connection closed, so its body is never read as a second request (RFC 9112 section 6.3);
- the `Bearer` scheme is matched case-insensitively (RFC 9110 section 11.1);
- TLS 1.2 offers AEAD suites only (no CBC-SHA1), TLS 1.3 still works."""

import socket
import ssl
import subprocess

import pytest

from conftest import read_until_close
from test_webauthn_api import WEBAUTHN, start_with_webauthn


def exchange(port, payload, timeout=5):
    """Sends raw bytes over TCP, returns everything the daemon sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        return read_until_close(s)


def status_lines(data):
    return [line for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


# ---- finding 5: secrets in the access log ----

def test_enrolment_token_never_reaches_the_log(mfad_factory):
    d = start_with_webauthn(mfad_factory, config_extra=WEBAUTHN)
    link = d.unix_request("POST", "/v1/apps/shop/users/gina/enroll-links", {})
    assert link.status == 201, link
    token = link.json()["token"]
    assert d.tcp_request("GET", f"/enroll/{token}").status == 200
    assert d.tcp_request("GET", f"/v1/enroll/{token}").status == 200
    assert d.tcp_request("POST", f"/v1/enroll/{token}/webauthn", {"label": "k"}).status == 201
    # Paths that match no route (a typo after the token, a wrong method) are redacted too.
    # Without a key, a path that is no open route is 401 (access.h), a typo included.
    assert d.tcp_request("GET", f"/v1/enroll/{token}/nope").status == 401
    assert d.tcp_request("DELETE", f"/v1/enroll/{token}").status == 405
    log = d.log()
    assert token not in log, [line for line in log.splitlines() if token in line]
    # The lines are still there, with the segment replaced.
    assert "path='/enroll/{token}'" in log
    assert "path='/v1/enroll/{token}/webauthn'" in log
    assert "path='/v1/enroll/{token}/nope'" in log
    # Ordinary segments stay readable.
    assert "path='/v1/apps/shop/users/gina/enroll-links'" in log


# ---- finding 7: request framing, the Bearer scheme, TLS suites ----

def hidden_request(admin_key):
    return (b"GET /v1/apps/a/apikeys HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + admin_key.encode() + b"\r\n\r\n")


@pytest.mark.parametrize("coding", [b"gzip", b"identity", b"chunked, gzip", b"x-custom"])
def test_transfer_encoding_not_ending_in_chunked_is_400_and_closes(mfad, coding):
    admin = mfad.create_api_key("a", ["admin"])["key"]
    inner = hidden_request(admin)
    outer = (b"POST /v1/apps/a/logins HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
             b"\r\n\r\n" + inner)
    data = exchange(mfad.tcp_port, outer)
    lines = status_lines(data)
    assert lines and lines[0].startswith(b"HTTP/1.1 400"), data[:300]
    assert len(lines) == 1, f"the body was read as a second request: {lines}"
    assert b"api_keys" not in data
    assert b"Connection: close" in data or b"connection: close" in data.lower()
    # The daemon is fine and still serves the same request sent openly.
    assert b"api_keys" in exchange(mfad.tcp_port, inner.replace(b"\r\n\r\n",
                                                                 b"\r\nConnection: close\r\n\r\n"))


def test_codings_before_chunked_are_501_and_close(mfad):
    admin = mfad.create_api_key("a", ["admin"])["key"]
    body = b"0\r\n\r\n" + hidden_request(admin)
    outer = (b"POST /v1/apps/a/logins HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked"
             b"\r\n\r\n" + body)
    data = exchange(mfad.tcp_port, outer)
    lines = status_lines(data)
    assert lines == [b"HTTP/1.1 501 Not Implemented"], data[:300]


def test_transfer_encoding_in_http10_is_400(mfad):
    outer = (b"POST /v1/apps/a/logins HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked"
             b"\r\n\r\n0\r\n\r\n")
    lines = status_lines(exchange(mfad.tcp_port, outer).replace(b"HTTP/1.0", b"HTTP/1.1"))
    assert lines and lines[0].startswith(b"HTTP/1.1 400"), lines


def test_transfer_encoding_with_content_length_is_400(mfad):
    admin = mfad.create_api_key("a", ["admin"])["key"]
    inner = hidden_request(admin)
    body = b"0\r\n\r\n" + inner
    outer = (b"POST /v1/apps/a/logins HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    data = exchange(mfad.tcp_port, outer)
    lines = status_lines(data)
    assert lines and lines[0].startswith(b"HTTP/1.1 400"), data[:300]
    assert len(lines) == 1 and b"api_keys" not in data


def test_chunked_body_still_works(mfad):
    admin = mfad.create_api_key("a", ["admin"])["key"]
    body = b'{"name": "k2", "scopes": ["verify"]}'
    req = (b"POST /v1/apps/a/apikeys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
           admin.encode() + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
           b"\r\nConnection: close\r\n\r\n" + f"{len(body):x}".encode() + b"\r\n" + body +
           b"\r\n0\r\n\r\n")
    data = exchange(mfad.tcp_port, req)
    assert status_lines(data)[0].startswith(b"HTTP/1.1 201"), data[:300]


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(mfad, scheme):
    admin = mfad.create_api_key("a", ["admin"])["key"]
    r = mfad.tcp_request("GET", "/v1/apps/a/apikeys", headers={"Authorization": f"{scheme} {admin}"})
    assert r.status == 200, r
    # Other schemes and a missing key are still refused.
    for value in (f"Basic {admin}", f"Bearer{admin}", scheme, f"{scheme} "):
        r = mfad.tcp_request("GET", "/v1/apps/a/apikeys", headers={"Authorization": value})
        assert r.status == 401, (value, r)


@pytest.fixture
def tls_daemon(mfad_factory, tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    # An RSA certificate: both the ECDHE-RSA AEAD suites and the CBC ones could be offered.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    inst = mfad_factory(tcp=f"  tcp: {{address: 127.0.0.1, port: 0, tls: {{cert: {crt}, key: {key}}}}}")
    return inst, crt


def tls12_handshake(port, crt, ciphers):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(crt))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(ciphers)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            return t.cipher()[0]


@pytest.mark.parametrize("suite", ["ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA", "AES128-SHA",
                                   "AES256-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256"])
def test_tls12_refuses_cbc_and_static_rsa_suites(tls_daemon, suite):
    inst, crt = tls_daemon
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        tls12_handshake(inst.tcp_port, crt, suite)


@pytest.mark.parametrize("suite", ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                                   "ECDHE-RSA-CHACHA20-POLY1305"])
def test_tls12_offers_aead_suites(tls_daemon, suite):
    inst, crt = tls_daemon
    assert tls12_handshake(inst.tcp_port, crt, suite) == suite


def test_tls13_still_negotiated(tls_daemon):
    inst, crt = tls_daemon
    ctx = ssl.create_default_context(cafile=str(crt))
    with socket.create_connection(("127.0.0.1", inst.tcp_port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            assert t.version() == "TLSv1.3"
