"""TLS on the TCP listener with a certificate made by `openssl req -x509`: a verifying client
succeeds, plain HTTP to the TLS port fails, and old protocol versions are refused. A second
config shows that plain TCP off loopback is refused at startup."""

import http.client
import json
import socket
import ssl
import subprocess

import pytest

from conftest import MFAD


@pytest.fixture
def cert(tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return crt, key


def tls_config(crt, key):
    return f"  tcp: {{address: 127.0.0.1, port: 0, tls: {{cert: {crt}, key: {key}}}}}"


def test_tls_listener(mfad_factory, cert):
    crt, key = cert
    inst = mfad_factory(tcp=tls_config(crt, key))
    admin = inst.create_api_key("a", ["admin"])["key"]

    ctx = ssl.create_default_context(cafile=str(crt))
    conn = http.client.HTTPSConnection("127.0.0.1", inst.tcp_port, context=ctx, timeout=10)
    conn.request("GET", "/v1/apps/a/apikeys", headers={"Authorization": f"Bearer {admin}"})
    r = conn.getresponse()
    assert r.status == 200
    assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")
    r.read()
    conn.close()

    # a client that verifies against another CA refuses the server
    other = ssl.create_default_context()
    with pytest.raises(ssl.SSLError):
        c = http.client.HTTPSConnection("127.0.0.1", inst.tcp_port, context=other, timeout=10)
        c.request("GET", "/v1/health")

    # plain HTTP to the TLS port gets a clear-text 400 that says why, never a served request
    with socket.create_connection(("127.0.0.1", inst.tcp_port), timeout=5) as s:
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        assert data.startswith(b"HTTP/1.1 400 "), data
        head, _, body = data.partition(b"\r\n\r\n")
        assert json.loads(body)["error"]["code"] == "tls_required"
    assert "plain HTTP on the TLS listener from 127.0.0.1" in inst.log()
    # and the listener still speaks TLS afterwards
    c = http.client.HTTPSConnection("127.0.0.1", inst.tcp_port, context=ctx, timeout=10)
    c.request("GET", "/v1/health")
    assert c.getresponse().status == 200

    # TLS 1.1 is refused (RFC 8996)
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(crt))
    try:
        old.minimum_version = ssl.TLSVersion.TLSv1_1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        pytest.skip("this Python cannot offer TLS 1.1")
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        with socket.create_connection(("127.0.0.1", inst.tcp_port), timeout=5) as s:
            with old.wrap_socket(s, server_hostname="localhost"):
                pass

    # curl with --cacert agrees
    out = subprocess.run(["curl", "-sS", "--cacert", str(crt), "-H", f"Authorization: Bearer {admin}",
                          f"https://127.0.0.1:{inst.tcp_port}/v1/apps/a/apikeys"],
                         capture_output=True, text=True, timeout=10)
    assert '"api_keys"' in out.stdout, out.stderr


def test_plain_tcp_off_loopback_is_refused(mfad_factory):
    inst = mfad_factory(tcp="  tcp: {address: 0.0.0.0, port: 0, plain_http: true}", start=False)
    r = subprocess.run([str(MFAD), "--dev", str(inst.dir)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0
    assert "loopback" in r.stderr
    # production mode (no dev_mode): TLS is required even on loopback
    cfg = inst.dir / "prod.yaml"
    cfg.write_text(f"listeners:\n  unix: {{path: {inst.dir}/p.sock}}\n"
                   "  tcp: {address: 127.0.0.1, port: 0}\n")
    r = subprocess.run([str(MFAD), "--config", str(cfg)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0 and "TLS is required" in r.stderr


def make_client_ca(tmp_path, name):
    """A CA (self-signed) and a client certificate it signed, with openssl(1)."""
    ca_key, ca_crt = tmp_path / f"{name}-ca.key", tmp_path / f"{name}-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", f"/CN={name} client CA", "-keyout", str(ca_key), "-out", str(ca_crt)],
                   check=True, capture_output=True)
    key, csr, crt = (tmp_path / f"{name}-client.{ext}" for ext in ("key", "csr", "pem"))
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={name} app",
                    "-keyout", str(key), "-out", str(csr)], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey",
                    str(ca_key), "-CAcreateserial", "-days", "1", "-out", str(crt)],
                   check=True, capture_output=True)
    return ca_crt, crt, key


def test_client_certificates(mfad_factory, cert, tmp_path):
    """listeners.tcp.tls.client_ca: only clients with a certificate from that CA get in; the
    API key is still required on top."""
    crt, key = cert
    ca, client_crt, client_key = make_client_ca(tmp_path, "good")
    _, rogue_crt, rogue_key = make_client_ca(tmp_path, "rogue")
    tcp = f"  tcp: {{address: 127.0.0.1, port: 0, tls: {{cert: {crt}, key: {key}, client_ca: {ca}}}}}"
    inst = mfad_factory(tcp=tcp)
    admin = inst.create_api_key("a", ["admin"])["key"]

    def request(cert_pair, bearer=admin):
        ctx = ssl.create_default_context(cafile=str(crt))
        if cert_pair:
            ctx.load_cert_chain(str(cert_pair[0]), str(cert_pair[1]))
        conn = http.client.HTTPSConnection("127.0.0.1", inst.tcp_port, context=ctx, timeout=10)
        try:
            conn.request("GET", "/v1/apps/a/apikeys",
                         headers={"Authorization": f"Bearer {bearer}"} if bearer else {})
            r = conn.getresponse()
            r.read()
            return r.status
        finally:
            conn.close()

    assert request((client_crt, client_key)) == 200
    assert request((client_crt, client_key), bearer=None) == 401  # a certificate is not a key
    for pair in (None, (rogue_crt, rogue_key)):
        # TLS 1.3 reports the refusal at the first read, TLS 1.2 in the handshake.
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError,
                            http.client.RemoteDisconnected)):
            request(pair)
    # the daemon keeps serving after the refusals
    assert request((client_crt, client_key)) == 200
