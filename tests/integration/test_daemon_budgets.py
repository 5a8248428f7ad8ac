"""Connection budgets (issue 10, finding 1): TCP peers cannot starve the PAM socket.

- The Unix socket has its own budget that TCP never touches: with the TCP budget full of idle
  connections and stalled TLS handshakes from eight loopback addresses (127.0.0.2-9), PAM logins
  over the socket still work, and a wrong code under failmode=open is still refused.
- Within the socket's budget one non-root uid has a share, the non-root uids together leave a
  reserve that only uid 0 (sshd, sudo, su, login) can use.
- A full TCP budget sheds idle connections (never-used ones first, oldest first) to admit a
  newcomer; connections in the middle of a request are never shed.
- New connections must start their first request quickly (first_byte_timeout_ms) and a TLS
  handshake has its own short deadline (tls_handshake_timeout_ms), not request_timeout_ms.
Budgets are tiny in these configs so that everything runs in seconds.
"""

import http.client
import pwd
import socket
import ssl
import subprocess
import sys
import time

import pytest

from conftest import PLAIN_TCP
from engine_helpers import code_at
from pam_helpers import (PamHarness, fresh_totp, metrics_gauge, squat_tcp, still_open,
                         test_user, wrong_code)  # noqa: F401
REQUIRED = ("defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s, "
            "lockout: {attempts: 100, window: 15m}}\n")
HEALTH = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture
def tls_cert(tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                    str(crt)], check=True, capture_output=True)
    return crt, key


def tls_listener(cert):
    crt, key = cert
    return f"  tcp: {{address: 127.0.0.1, port: 0, tls: {{cert: {crt}, key: {key}}}}}"


def wait_until(cond, what, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def open_connections(inst):
    return metrics_gauge(inst, "mfad_open_connections")


def start_request(inst, s, partial):
    """Sends the start of a request and waits until the daemon has read it (it is in flight),
    so that the connection is busy, not idle, from then on."""
    before = metrics_gauge(inst, "mfad_in_flight_requests")
    s.sendall(partial)
    wait_until(lambda: metrics_gauge(inst, "mfad_in_flight_requests") > before, "the request to start")


def connect(inst, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", inst.tcp_port))
    return s


def connect_accepted(inst, src, before):
    """Connects from `src` and waits until the daemon has accepted it (the open-connection
    gauge grew), so that accept order is the order of these calls."""
    s = connect(inst, src)
    wait_until(lambda: (open_connections(inst) or 0) >= before + 2, f"accept from {src}")
    return s


def read_response(s):
    """One HTTP response (Content-Length framed); returns (status, headers bytes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(head.split(b" ", 2)[1]), head


def closed_by_peer(s, timeout):
    """Waits up to `timeout` s for the daemon to close `s`; returns the seconds it took, or
    None if it is still open."""
    t0 = time.monotonic()
    s.settimeout(0.05)
    while time.monotonic() - t0 < timeout:
        try:
            if s.recv(65536) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - t0
    return None


def health_from(inst, src):
    s = connect(inst, src)
    try:
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return read_response(s)[0]
    finally:
        s.close()


# --- the socket's budget is not TCP's ----------------------------------------------------------

STARVE_HTTP = ("{request_timeout_ms: 10000, idle_timeout_ms: 60000, first_byte_timeout_ms: 60000, "
               "tls_handshake_timeout_ms: 60000, "
               "tcp: {max_connections: 16, max_connections_per_address: 2}}")


@pytest.mark.parametrize("listener", ["plain", "tls"])
def test_tcp_squatters_cannot_starve_pam_logins(mfad_factory, tls_cert, test_user, listener):
    """Eight loopback addresses fill the TCP budget (idle connections on the plain listener,
    stalled handshakes on the TLS one); PAM over the socket is untouched."""
    tcp = PLAIN_TCP if listener == "plain" else tls_listener(tls_cert)
    inst = mfad_factory(start=False, tcp=tcp, http=STARVE_HTTP)
    (inst.dir / "policy.yaml").write_text(REQUIRED)
    inst.start()
    secret, _ = fresh_totp(inst, "root")
    squatters = squat_tcp(inst, per_address=2)  # 8 addresses x 2: the TCP budget is full
    try:
        pam = PamHarness(inst.socket)
        right = pam.run("root", [code_at(secret, +1)], options="failmode=closed")
        wrong = pam.run("root", [wrong_code(secret)] * 3, options="failmode=open")
        assert (right.rc, wrong.rc) == ("PAM_SUCCESS", "PAM_MAXTRIES"), (right, wrong.log[-800:])
        # Nothing was shed or dropped to let PAM in: the squatters still hold the TCP budget.
        assert open_connections(inst) >= len(squatters) + 1
        assert all(still_open(s) for s in squatters)
    finally:
        for s in squatters:
            s.close()


UNIX_HTTP = ("{request_timeout_ms: 2000, idle_timeout_ms: 60000, "
             "unix: {max_connections: 8, max_connections_per_uid: 3, root_reserve: 4}}")

# Runs as another uid: opens N connections, each with one keep-alive request (its status tells
# admitted (200) from refused (503)), prints the statuses and holds the connections until stdin
# closes.
HOLDER = r"""
import socket, sys
path, n = sys.argv[1], int(sys.argv[2])
held, statuses = [], []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    try:
        try:
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            pass  # refused and closed already: its 503 is still to be read
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        statuses.append(int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0)
    except OSError:
        statuses.append(0)
    held.append(s)
print(" ".join(map(str, statuses)), flush=True)
sys.stdin.readline()
"""


def hold_as(inst, uid, n):
    p = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                          sys.executable, "-c", HOLDER, inst.socket, str(n)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    return p, [int(x) for x in line.split()]


def test_one_uid_cannot_exhaust_the_socket_and_root_keeps_a_reserve(mfad_factory, test_user):
    """unix: 8 in total, 3 per non-root uid, 4 reserved for uid 0."""
    inst = mfad_factory(start=False, http=UNIX_HTTP)
    (inst.dir / "policy.yaml").write_text(REQUIRED)
    inst.dir.chmod(0o755)  # the other uids reach the socket through it
    inst.start()
    secret, _ = fresh_totp(inst, "root")
    holders = []
    try:
        p, nobody = hold_as(inst, 65534, 5)
        holders.append(p)
        p, other = hold_as(inst, pwd.getpwnam(test_user).pw_uid, 5)
        holders.append(p)
        # One uid gets its share; the non-root uids together stop at total - reserve.
        assert (nobody, other) == ([200] * 3 + [503] * 2, [200] + [503] * 4), (nobody, other)
        # Root still logs in, and may use the reserve to the end of the total.
        res = PamHarness(inst.socket).run("root", [code_at(secret, +1)])
        assert res.rc == "PAM_SUCCESS", res
        p, root = hold_as(inst, 0, 5)
        holders.append(p)
        assert root == [200] * 4 + [503], root
    finally:
        for p in holders:
            p.stdin.close()
            p.wait(timeout=10)
    assert inst.unix_request("GET", "/v1/health").status == 200


# --- shedding idle TCP connections under pressure ------------------------------------------------

SHED_HTTP = ("{request_timeout_ms: 10000, idle_timeout_ms: 60000, first_byte_timeout_ms: 60000, "
             "tcp: {max_connections: 3, max_connections_per_address: 3}}")


def test_full_tcp_budget_sheds_idle_connections_never_used_first(mfad_factory):
    inst = mfad_factory(http=SHED_HTTP)
    # The start-up health check's connection may still be closing: wait until the gauge shows
    # only the /metrics request itself, so that base counts no connection about to go away.
    wait_until(lambda: open_connections(inst) == 1, "start-up connections to close")
    base = 0

    def settle(tcp_held):  # wait until exactly these TCP connections are open
        wait_until(lambda: open_connections(inst) == base + tcp_held + 1, f"{tcp_held} open")

    # In accept order: one in the middle of a request, one keep-alive idle after a request,
    # one that never sent a byte.
    busy = connect_accepted(inst, "127.0.0.2", base)
    start_request(inst, busy, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # headers unfinished
    kept = connect_accepted(inst, "127.0.0.3", base + 1)
    kept.sendall(HEALTH)
    assert read_response(kept)[0] == 200
    silent = connect_accepted(inst, "127.0.0.4", base + 2)
    # Budget full (3): a newcomer is admitted by shedding the never-used connection, although
    # the keep-alive one is older ...
    assert health_from(inst, "127.0.0.5") == 200
    assert closed_by_peer(silent, 5) is not None, "the never-used idle connection was not shed"
    assert still_open(busy) and still_open(kept)
    settle(2)
    # ... then the keep-alive idle one; a connection mid-request is never shed.
    busy2 = connect_accepted(inst, "127.0.0.6", base + 2)
    start_request(inst, busy2, b"GET /v1/health HTTP/1.1\r\n")
    assert health_from(inst, "127.0.0.7") == 200
    assert closed_by_peer(kept, 5) is not None, "the keep-alive idle connection was not shed"
    settle(2)
    # Only requests in progress left: the newcomer is refused (503), nothing is shed.
    busy3 = connect_accepted(inst, "127.0.0.8", base + 2)
    start_request(inst, busy3, b"GET /v1/health HTTP/1.1\r\n")
    assert health_from(inst, "127.0.0.9") == 503
    for s in (busy, busy2, busy3):
        s.sendall(b"Host: x\r\n\r\n" if s is not busy else b"\r\n")
        assert read_response(s)[0] == 200
        s.close()
    metrics = inst.unix_request("GET", "/metrics").body.decode()
    assert "mfad_shed_connections_total 2" in metrics, metrics


# --- deadlines for connections that say nothing ----------------------------------------------------

def test_first_byte_deadline_is_shorter_than_keepalive_idle(mfad_factory):
    inst = mfad_factory(http="{request_timeout_ms: 10000, idle_timeout_ms: 60000, "
                             "first_byte_timeout_ms: 1000}")
    silent = connect(inst, "127.0.0.2")
    took = closed_by_peer(silent, 8)
    assert took is not None and took < 5, f"a silent new connection was held {took}"
    # After a first request the connection is a keep-alive one: idle_timeout_ms (60 s) applies.
    kept = connect(inst, "127.0.0.2")
    kept.sendall(HEALTH)
    assert read_response(kept)[0] == 200
    assert closed_by_peer(kept, 2.5) is None, "keep-alive idle was cut by the first-byte deadline"
    kept.sendall(HEALTH)
    assert read_response(kept)[0] == 200
    kept.close()


def test_stalled_tls_handshake_is_dropped_within_its_deadline(mfad_factory, tls_cert):
    inst = mfad_factory(tcp=tls_listener(tls_cert),
                        http="{request_timeout_ms: 10000, idle_timeout_ms: 60000, "
                             "first_byte_timeout_ms: 60000, tls_handshake_timeout_ms: 1000}")
    # A TLS record header announcing a ClientHello that never comes.
    stalled = connect(inst, "127.0.0.2")
    stalled.sendall(b"\x16\x03\x01\x01\x00")
    silent = connect(inst, "127.0.0.3")
    for s in (stalled, silent):
        took = closed_by_peer(s, 8)
        assert took is not None and took < 5, f"a stalled handshake was held {took}"
    # A real client still gets through.
    ctx = ssl.create_default_context(cafile=str(tls_cert[0]))
    conn = http.client.HTTPSConnection("127.0.0.1", inst.tcp_port, context=ctx, timeout=10)
    conn.request("GET", "/v1/health")
    assert conn.getresponse().status == 200
    conn.close()
