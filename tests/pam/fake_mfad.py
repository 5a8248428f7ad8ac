#!/usr/bin/python3
"""A scripted stand-in for mfad's PAM conversation API (docs/pam-protocol.md), for the
pam_wrapper tests of pam_mfa.so.

It listens on a Unix socket and serves one connection per exchange, in order. Each exchange:
  {"expect": {"method": "POST", "path": "/v1/pam/conversations", "json": {subset...}},
   "respond": {...}}
`respond` is one of:
  {"status": 200, "json": {...}}          a well-formed HTTP/1.1 answer
  {"status": 200, "body": "text"}         a body sent verbatim (garbage JSON)
  {"raw": "bytes"}                        raw bytes instead of an HTTP answer
  {"oversize": N}                         200 with an N-byte body
  {"chunked": true}                       200 with Transfer-Encoding: chunked
  {"truncate": true, "json": {...}}       announces the body, sends half, closes
  {"close": true}                         closes without answering
and may add "delay": seconds before answering. Mismatched expectations are recorded in the
report (and answered with a 400 JSON error so the module fails closed).

Options: --socket PATH --scenario FILE --report FILE [--chown UID] [--listen-as UID].
--chown changes the socket node's owner after bind; --listen-as drops to UID before listen()
so that SO_PEERCRED names that uid. Prints READY on stdout once listening.
"""
import argparse
import json
import os
import socket
import sys
import time


def read_request(conn, timeout=5.0):
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("client closed before headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, version = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("client closed before body")
        body += chunk
    return method, path, version, headers, body[:length]


def http_answer(status, body, extra=""):
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
              500: "Internal Server Error"}.get(status, "Status")
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n")
    return head.encode() + body


def subset_mismatch(want, got, where="json"):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {got!r}"]
        errs = []
        for k, v in want.items():
            if k not in got:
                errs.append(f"{where}.{k}: missing")
            else:
                errs.extend(subset_mismatch(v, got[k], f"{where}.{k}"))
        return errs
    return [] if want == got else [f"{where}: expected {want!r}, got {got!r}"]


def serve_one(conn, exchange, report, consumed):
    method, path, version, headers, body = read_request(conn)
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = {"_unparseable": body.decode("latin-1")}
    report["requests"].append({"method": method, "path": path, "json": parsed,
                               "content_type": headers.get("content-type", "")})
    expect = exchange.get("expect", {})
    errs = []
    if method != expect.get("method", "POST"):
        errs.append(f"method: expected {expect.get('method', 'POST')}, got {method}")
    if "path" in expect and path != expect["path"]:
        errs.append(f"path: expected {expect['path']}, got {path}")
    if version != "HTTP/1.1":
        errs.append(f"version: {version}")
    if headers.get("content-type") != "application/json":
        errs.append(f"content-type: {headers.get('content-type')!r}")
    if "json" in expect:
        errs.extend(subset_mismatch(expect["json"], parsed))
    report["errors"].extend(errs)
    # The exchange is recorded before anything is answered: once the module has its answer
    # the driver may exit and the runner kill us, so nothing may be left to write by then.
    consumed()
    if errs:
        conn.sendall(http_answer(400, b'{"error":{"code":"fake_mismatch","message":"x"}}'))
        return
    r = exchange.get("respond", {})
    time.sleep(r.get("delay", 0))
    if r.get("close"):
        return
    if "raw" in r:
        conn.sendall(r["raw"].encode("utf-8", "surrogateescape"))
        return
    if "oversize" in r:
        conn.sendall(http_answer(200, b"{" + b" " * (r["oversize"] - 2) + b"}"))
        return
    if r.get("chunked"):
        body = b'{"step":{"type":"done","result":"success"}}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                     f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
        return
    payload = r["body"].encode() if "body" in r else json.dumps(r.get("json", {})).encode()
    answer = http_answer(r.get("status", 200), payload)
    if r.get("truncate"):
        answer = answer[: len(answer) - len(payload) // 2]
    conn.sendall(answer)


def write_report(path, report):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--chown", type=int)
    ap.add_argument("--listen-as", type=int)
    args = ap.parse_args()
    with open(args.scenario) as f:
        exchanges = json.load(f)["exchanges"]
    report = {"requests": [], "errors": [], "remaining": len(exchanges)}
    write_report(args.report, report)

    if os.path.lexists(args.socket):
        os.unlink(args.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket)
    os.chmod(args.socket, 0o666)
    if args.chown is not None:
        os.chown(args.socket, args.chown, -1)
    if args.listen_as is not None:
        os.setgid(args.listen_as)
        os.setuid(args.listen_as)
    srv.listen(16)
    print("READY", flush=True)

    for exchange in exchanges:
        conn, _ = srv.accept()
        done = []

        def consumed():
            done.append(True)
            report["remaining"] -= 1
            write_report(args.report, report)

        try:
            serve_one(conn, exchange, report, consumed)
        except (OSError, ValueError) as e:
            report["errors"].append(f"connection error: {e}")
            if not done:
                consumed()
            write_report(args.report, report)
        finally:
            conn.close()
    # Anything after the script is unexpected: record it and fail closed.
    while True:
        conn, _ = srv.accept()
        try:
            method, path, _, _, _ = read_request(conn)
            report["errors"].append(f"unexpected extra request {method} {path}")
            write_report(args.report, report)
            conn.sendall(http_answer(400, b'{"error":{"code":"fake_extra","message":"x"}}'))
        except (OSError, ValueError):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
