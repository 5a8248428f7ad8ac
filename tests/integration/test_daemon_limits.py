"""Hostile and heavy clients: oversized body (413), malformed request line (400), invalid JSON
(400 invalid_json), too many headers (431), a slow client trickling headers (408 and closed by
the deadline), 1,000 concurrent connections. The daemon keeps answering after each."""

import resource
import socket
import time

from conftest import read_until_close


def raw(mfad, payload, timeout=5, read_timeout=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(mfad.socket)
    s.sendall(payload)
    s.settimeout(read_timeout or timeout)
    data = read_until_close(s)
    s.close()
    return data


def status_of(data):
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None


def healthy(mfad):
    return mfad.unix_request("GET", "/v1/health").status == 200


def test_oversized_body_413(mfad):
    body = b"{" + b" " * (64 * 1024 + 10) + b"}"
    r = mfad.unix_request("POST", "/v1/apps/a/apikeys", body,
                          headers={"Content-Type": "application/json"})
    assert r.status == 413
    assert r.json()["error"]["code"] == "body_too_large"
    # the same over TCP
    r = mfad.tcp_request("POST", "/v1/apps/a/apikeys", body)
    assert r.status == 413
    assert healthy(mfad)


def test_malformed_request_line_400(mfad):
    for payload in [b"GARBAGE\r\n\r\n", b"GET /v1/health HTTP/9.9\r\n\r\n",
                    b"GET  /v1/health HTTP/1.1\r\n\r\n", b"GET /v1/health HTTP/1.1\r\nBad Header\r\n\r\n",
                    b"\x00\x01\x02\x03\r\n\r\n"]:
        data = raw(mfad, payload)
        assert status_of(data) == 400, (payload, data[:200])
        assert b'"bad_request"' in data
        assert b"Connection: close" in data
    # a target that is not origin-form
    data = raw(mfad, b"GET v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(data) == 400
    assert healthy(mfad)


def test_invalid_json_400(mfad):
    for body in ["{not json", "[1,2]", ""]:
        r = mfad.unix_request("POST", "/v1/apps/a/apikeys", body,
                              headers={"Content-Type": "application/json"})
        assert r.status == 400, body
        assert r.json()["error"]["code"] == "invalid_json"


def test_too_many_headers_431(mfad):
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(100))
    data = raw(mfad, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert status_of(data) == 431
    big = b"X-Big: " + b"a" * 9000 + b"\r\n"
    data = raw(mfad, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
    assert status_of(data) == 431
    assert healthy(mfad)


def test_slow_client_is_cut_by_deadline(mfad):
    # request_timeout_ms is 2000 in the test config: trickle a header byte every 200 ms.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(mfad.socket)
    s.settimeout(0.05)
    start = time.monotonic()
    closed_at = None
    data = b""
    payload = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    for b in payload:
        try:
            s.send(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            closed_at = time.monotonic()
            break
        try:
            chunk = s.recv(4096)
            if chunk:
                data += chunk
            else:
                closed_at = time.monotonic()
                break
        except socket.timeout:
            pass
        # the deadline must cut us long before the payload is done
        assert time.monotonic() - start < 8
        time.sleep(0.15)
        # meanwhile the daemon serves others
    s.close()
    assert closed_at is not None
    assert 1.5 < closed_at - start < 5
    assert status_of(data) == 408, data
    assert healthy(mfad)


def test_idle_connection_closed_and_keepalive_works(mfad):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(mfad.socket)
    s.settimeout(5)
    # two requests on one connection (keep-alive)
    for _ in range(2):
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(65536)
        assert status_of(data) == 200
    s.close()


def test_1000_concurrent_connections(mfad):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    n = 1000
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(15)
        s.connect(mfad.socket)
        socks.append(s)
    for s in socks:
        try:
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed already: a clear refusal
    ok = refused = 0
    for s in socks:
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        s.close()
        st = status_of(data)
        if st == 200:
            ok += 1
        else:
            # over the per-peer limit: a 503 JSON refusal, or closed without an answer
            assert st in (503, None), data[:200]
            refused += 1
    assert ok + refused == n
    assert ok >= 500, (ok, refused)  # per-peer limit is 512 by default
    assert healthy(mfad)
    metrics = mfad.unix_request("GET", "/metrics").body.decode()
    assert "mfad_refused_connections_total" in metrics
