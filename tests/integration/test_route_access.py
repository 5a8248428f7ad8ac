"""Each route declares its access where it is registered (daemon/src/api/access.h) and the router
decides before any handler runs (issue 11). Against the running daemon:
- a TCP request without a key reaches the open routes only (health, the enrolment link and
  its API, whose token is the credential): every other route, and an unknown path, is 401
  with WWW-Authenticate;
- a key that is presented is checked on every route, the open ones included (401 when bad);
- a socket-only route answers an API key, even an admin one, that it is socket-only;
- a Unix peer without an account name has no own account to list.
Routes come from the code (test_openapi_routes.extract_routes)."""

import os
import re
import subprocess

from test_openapi_routes import extract_routes
from test_webauthn_api import WEBAUTHN, start_with_webauthn

OPEN = {("GET", "/v1/health"), ("GET", "/enroll/{token}"), ("GET", "/v1/enroll/{token}"),
        ("POST", "/v1/enroll/{token}/webauthn"), ("POST", "/v1/enroll/{token}/webauthn/{id}")}
SOCKET_ONLY = {("GET", "/v1/audit"), ("POST", "/v1/pam/conversations"),
               ("POST", "/v1/pam/conversations/{id}"),
               ("POST", "/v1/apps/{app}/users/{user}/local-keys")}
FILL = {"app": "a", "user": "alice", "id": "x", "token": "tok.x"}


def fill(pattern):
    return re.sub(r"\{([a-z]+)\}", lambda m: FILL[m.group(1)], pattern)


def body_for(method):
    return {"user": "alice", "name": "x", "scopes": ["admin"]} if method == "POST" else None


def assert_401(r, what):
    assert r.status == 401, (what, r)
    assert r.headers["www-authenticate"] == "Bearer", what
    assert r.json()["error"]["code"] == "unauthenticated", what


def test_anonymous_tcp_reaches_only_open_routes(mfad):
    routes = extract_routes()
    assert OPEN <= set(routes) and SOCKET_ONLY <= set(routes)
    closed = 0
    for method, pattern in sorted(routes):
        r = mfad.tcp_request(method, fill(pattern), body_for(method))
        if (method, pattern) in OPEN:
            # Open: the handler answers (the made-up link token is unknown: 404).
            assert r.status in (200, 404), (method, pattern, r)
            continue
        assert_401(r, (method, pattern))
        closed += 1
    assert closed >= 30
    # No hint which paths exist, nor which methods a closed route has.
    assert_401(mfad.tcp_request("GET", "/v1/nothing"), "unknown path")
    assert_401(mfad.tcp_request("PUT", "/v1/apps/a/apikeys"), "wrong method")
    r = mfad.tcp_request("GET", "/v1/health")
    assert r.status == 200 and r.json() == {"status": "ok"}, r


def test_enrolment_link_works_anonymously_and_checks_a_presented_key(mfad_factory):
    d = start_with_webauthn(mfad_factory, config_extra=WEBAUTHN)
    r = d.unix_request("POST", "/v1/apps/shop/users/gina/enroll-links", {})
    assert r.status == 201, r
    link = r.json()
    page = d.tcp_request("GET", link["path"])
    assert page.status == 200 and b"navigator.credentials.create" in page.body
    st = d.tcp_request("GET", f"/v1/enroll/{link['token']}")
    assert st.status == 200 and st.json()["user"] == "gina", st
    # A key that is presented is checked here too; a valid one changes nothing.
    assert_401(d.tcp_request("GET", f"/v1/enroll/{link['token']}", api_key="mfa_bogus_x"),
               "bad key on the link")
    key = d.create_api_key("other", ["verify"])["key"]
    st = d.tcp_request("GET", f"/v1/enroll/{link['token']}", api_key=key)
    assert st.status == 200 and st.json()["user"] == "gina", st


def test_socket_only_routes_say_so_to_api_keys(mfad):
    # Issue 20 item 13: an admin key on /v1/audit is told the route is socket-only.
    key = mfad.create_api_key("a", ["admin"])["key"]
    for method, pattern in sorted(SOCKET_ONLY):
        r = mfad.tcp_request(method, fill(pattern), body_for(method), api_key=key)
        assert r.status == 403, (method, pattern, r)
        err = r.json()["error"]
        assert err["code"] == "permission_denied", (method, pattern, err)
        assert "Unix socket only" in err["message"], (method, pattern, err)
    # and answer on the socket
    assert mfad.unix_request("GET", "/v1/audit?limit=1").status == 200


def test_a_uid_without_an_account_lists_nothing(mfad):
    # A non-admin peer sees only its own account's challenges and audit events; a uid with no
    # passwd entry has none, and used to get the unfiltered listing of app system.
    os.chmod(mfad.dir, 0o711)  # the uid reaches the 0666 socket
    mfad.unix_request("POST", "/v1/apps/system/logins", {"user": "root", "service": "sshd"})
    for path in ("/v1/apps/system/challenges", "/v1/apps/system/audit", "/v1/audit"):
        out = subprocess.run(
            ["setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", "curl", "-s", "-w",
             "\n%{http_code}", "--unix-socket", mfad.socket, f"http://localhost{path}"],
            capture_output=True, text=True, timeout=10, check=True).stdout
        text, _, code = out.rpartition("\n")
        assert code == "403" and "permission_denied" in text, (path, code, text)
