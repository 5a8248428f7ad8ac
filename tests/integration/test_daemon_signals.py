"""Signals: SIGHUP reloads (the daemon stays up and logs it), SIGTERM drains and exits 0, an
in-flight request still gets its answer during the drain."""

import signal
import socket
import time


def test_sighup_does_not_kill(mfad):
    mfad.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    assert mfad.proc.poll() is None
    assert mfad.unix_request("GET", "/v1/health").status == 200
    assert "SIGHUP" in mfad.log() and "reload" in mfad.log()


def test_sigterm_exits_zero_and_removes_socket(mfad):
    start = time.monotonic()
    assert mfad.stop(signal.SIGTERM) == 0
    assert time.monotonic() - start < 5
    import os
    assert not os.path.exists(mfad.socket)


def test_sigterm_finishes_in_flight_request(mfad):
    # Start a request (headers sent, body pending), signal, then finish it: it is answered.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(mfad.socket)
    s.settimeout(5)
    body = b'{"name":"k","scopes":["verify"]}'
    s.sendall(b"POST /v1/apps/a/apikeys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body))
    time.sleep(0.1)
    mfad.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    s.sendall(body)
    data = s.recv(65536)
    assert data.startswith(b"HTTP/1.1 201"), data
    assert b"Connection: close" in data
    s.close()
    assert mfad.proc.wait(timeout=5) == 0
