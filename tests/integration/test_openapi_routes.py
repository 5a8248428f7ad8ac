"""docs/openapi.yaml documents exactly the routes the daemon registers.

Routes are read from the source, not from a running daemon: every
`router.add("METHOD", "PATTERN", ...)` or `router.add("METHOD", base + "/suffix", ...)` in
daemon/src/ (every folder), where `base` is a `const std::string NAME = "..."` in the same file
(routes_factors.cc). A route added without docs, or a documented path that no code serves,
fails this test. No daemon is started for those checks: they run in well under a second.
The last tests start one and validate its answers in the common flows against the spec
(openapi_schema.py), so a field or status the daemon sends without docs fails too.
"""

import re
from pathlib import Path

import pytest
import yaml

from openapi_schema import check_response, load_spec, validate

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "daemon" / "src"
SPEC = ROOT / "docs" / "openapi.yaml"

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# router.add( "METHOD" , <pattern expression> ,   — the expression is one string literal or
# IDENT + "literal" (string concatenation with a local base path).
ADD_RE = re.compile(
    r'router\.add\(\s*"([A-Z]+)"\s*,\s*'
    r'(?:"([^"]*)"|([A-Za-z_][A-Za-z0-9_]*)\s*\+\s*"([^"]*)")\s*,',
    re.S,
)
BASE_RE = re.compile(r'(?:const\s+)?std::string\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"\s*;')


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def extract_routes(src_dir=SRC):
    """Returns {(METHOD, pattern): file name}; raises on a registration it cannot read."""
    routes = {}
    for cc in sorted(src_dir.rglob("*.cc")):
        text = strip_comments(cc.read_text())
        calls = text.count("router.add(")
        if not calls:
            continue
        bases = dict(BASE_RE.findall(text))
        parsed = 0
        for m in ADD_RE.finditer(text):
            method, literal, ident, suffix = m.groups()
            if literal is not None:
                pattern = literal
            else:
                assert ident in bases, f"{cc.name}: router.add uses '{ident}', not a string constant"
                pattern = bases[ident] + suffix
            # {name:secret} marks a credential segment for log redaction; the URL is {name}.
            key = (method, re.sub(r"\{([A-Za-z_]+):secret\}", r"{\1}", pattern))
            assert key not in routes, f"{method} {pattern} registered twice ({cc.name})"
            routes[key] = cc.name
            parsed += 1
        # Every call must be understood, or a new registration style would slip past this test.
        assert parsed == calls, f"{cc.name}: {calls} router.add calls, only {parsed} parsed"
    return routes


def documented_routes(spec_path=SPEC):
    spec = yaml.safe_load(spec_path.read_text())
    out = set()
    for path, item in spec["paths"].items():
        for method in item:
            if method in HTTP_METHODS:
                out.add((method.upper(), path))
    return spec, out


@pytest.fixture(scope="module")
def code_routes():
    return extract_routes()


@pytest.fixture(scope="module")
def spec_and_docs():
    return documented_routes()


def test_extractor_finds_the_known_routes(code_routes):
    # Guards the extractor itself: these are registered in three different styles.
    for key in [("GET", "/v1/health"),
                ("POST", "/v1/apps/{app}/users/{user}/factors/{id}/activate"),
                ("POST", "/v1/apps/{app}/challenges/{id}/verify"),
                ("POST", "/v1/pam/conversations/{id}")]:
        assert key in code_routes, key
    assert len(code_routes) >= 25


def test_extractor_handles_base_concatenation(tmp_path):
    (tmp_path / "routes_x.cc").write_text(
        'void f(Router& router) {\n'
        '  const std::string base = "/v1/apps/{app}";\n'
        '  router.add("GET",\n      base + "/things", h);\n'
        '  // router.add("PUT", "/commented/out", h);\n'
        '  router.add("DELETE", "/v1/x/{id}", [&s](ApiRequest& r) { return g(s, r); });\n'
        '}\n')
    assert extract_routes(tmp_path) == {("GET", "/v1/apps/{app}/things"): "routes_x.cc",
                                        ("DELETE", "/v1/x/{id}"): "routes_x.cc"}
    (tmp_path / "routes_y.cc").write_text('void g(Router& router) { router.add(kGet, p, h); }\n')
    with pytest.raises(AssertionError):
        extract_routes(tmp_path)


def test_every_route_is_documented(code_routes, spec_and_docs):
    _, docs = spec_and_docs
    missing = sorted(f"{m} {p}  ({code_routes[(m, p)]})" for (m, p) in code_routes
                     if (m, p) not in docs)
    assert not missing, "routes without docs/openapi.yaml entries:\n" + "\n".join(missing)


def test_every_documented_route_exists(code_routes, spec_and_docs):
    _, docs = spec_and_docs
    extra = sorted(f"{m} {p}" for (m, p) in docs if (m, p) not in code_routes)
    assert not extra, "documented in docs/openapi.yaml but not registered:\n" + "\n".join(extra)


def test_path_parameters_are_declared(spec_and_docs):
    spec, _ = spec_and_docs
    comps = spec.get("components", {}).get("parameters", {})

    def names(params):
        out = set()
        for p in params or []:
            if "$ref" in p:
                p = comps[p["$ref"].rsplit("/", 1)[-1]]
            if p.get("in") == "path":
                out.add(p["name"])
        return out

    for path, item in spec["paths"].items():
        wanted = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            declared = names(item.get("parameters")) | names(op.get("parameters"))
            assert wanted == declared, f"{method.upper()} {path}: path params {declared} != {wanted}"


def test_operations_document_success_and_errors(spec_and_docs):
    spec, _ = spec_and_docs
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            codes = set(op.get("responses", {}))
            assert any(c.startswith("2") for c in codes), f"{method.upper()} {path}: no 2xx"
            if path != "/v1/health" and path != "/metrics":
                assert codes & {"400", "401", "403", "404"}, f"{method.upper()} {path}: no 4xx"
            # A 429 always tells the client how long to wait.
            if "429" in codes:
                ref = op["responses"]["429"].get("$ref", "")
                resp = spec["components"]["responses"][ref.rsplit("/", 1)[-1]] if ref else \
                    op["responses"]["429"]
                assert "Retry-After" in resp.get("headers", {}), f"{method.upper()} {path}: 429"


def test_no_null_values(spec_and_docs):
    # A comma inside an unquoted flow-mapping value (`{description: a, b}`) silently turns
    # into a key with a null value; OpenAPI has no field whose value is null.
    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                assert v is not None, f"null value at {where}/{k} (unquoted comma?)"
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(spec_and_docs[0], "")


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, op


def test_operation_ids_are_unique_camel_case(spec_and_docs):
    spec, _ = spec_and_docs
    seen = {}
    for method, path, op in operations(spec):
        oid = op.get("operationId")
        assert oid, f"{method} {path}: no operationId"
        assert re.fullmatch(r"[a-z][a-zA-Z0-9]*", oid), f"{method} {path}: {oid} is not camelCase"
        assert oid not in seen, f"operationId {oid} used by {seen.get(oid)} and {method} {path}"
        seen[oid] = f"{method} {path}"


def resolve_pointer(spec, ref):
    """Returns the node a local `#/a/b` reference names; raises KeyError when it names nothing."""
    assert ref.startswith("#/"), f"only local references are used: {ref}"
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def test_every_ref_resolves(spec_and_docs):
    spec, _ = spec_and_docs
    bad = []

    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolve_pointer(spec, ref)
                except (KeyError, TypeError):
                    bad.append(f"{where}: {ref}")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(spec, "")
    assert not bad, "unresolved $ref:\n" + "\n".join(bad)


def test_security_names_declared_schemes_and_sends_no_placeholder(spec_and_docs):
    # The Unix socket's peer credential is not an HTTP credential: a placeholder scheme (an
    # apiKey header nobody sends) makes validating clients and proxies demand that header.
    spec, _ = spec_and_docs
    schemes = spec["components"]["securitySchemes"]
    for name, scheme in schemes.items():
        assert scheme.get("type") in {"http", "apiKey", "oauth2", "openIdConnect"}, name
        assert scheme.get("type") != "apiKey", f"{name}: a header the daemon never reads"
    reqs = [("(global)", spec.get("security", []))]
    reqs += [(f"{m} {p}", op["security"]) for m, p, op in operations(spec) if "security" in op]
    for where, req in reqs:
        for alternative in req:
            for name in alternative:
                assert name in schemes, f"{where}: unknown security scheme {name}"
    assert "x-mfad-peer-credential" in spec


def test_socket_only_operations_say_so(spec_and_docs):
    # Routes refusing TCP callers (they test for a Unix peer and answer 403 otherwise) are
    # marked, need no API key and list only the socket server.
    spec, _ = spec_and_docs
    marked = {(m, p) for m, p, op in operations(spec) if op.get("x-mfad-unix-socket-only")}
    expected = {("GET", "/v1/audit"), ("POST", "/v1/pam/conversations"),
                ("POST", "/v1/pam/conversations/{id}"),
                ("POST", "/v1/apps/{app}/users/{user}/local-keys")}
    assert marked == expected
    for m, p, op in operations(spec):
        if (m, p) in marked:
            assert op.get("security") == [], f"{m} {p}"
            assert [s["url"] for s in op.get("servers", [])] == ["http://localhost"], f"{m} {p}"


def test_spec_is_valid_openapi(spec_and_docs):
    # Full meta-schema validation where the package exists (it is not packaged in Debian 12);
    # the structural checks above run everywhere.
    validator = pytest.importorskip("openapi_spec_validator")
    spec, _ = spec_and_docs
    validator.validate(spec)


# ---- Responses against the spec ----------------------------------------------------------
# The validator (openapi_schema.py) is checked on its own first, then applied to what the
# daemon answers in the common flows; strict mode makes an undocumented field an error.

def test_schema_validator_catches_drift(spec_and_docs):
    spec, _ = spec_and_docs
    factor = {"$ref": "#/components/schemas/Factor"}
    good = {"id": "f1", "type": "sms", "label": "", "status": "active",
            "created_at": "2026-01-02T03:04:05Z", "last_used_at": None, "destination": "+1"}
    assert validate(spec, factor, good) == []
    assert validate(spec, factor, {**good, "type": "carrier_pigeon"})
    assert validate(spec, factor, {**good, "created_at": 1767322800})
    assert validate(spec, factor, {k: v for k, v in good.items() if k != "status"})
    assert validate(spec, factor, {**good, "undocumented": 1})          # strict: closed
    assert validate(spec, factor, {**good, "undocumented": 1}, strict=False) == []
    assert validate(spec, factor, {**good, "created_at": "yesterday"})
    # allOf: the union of the parts' properties closes the object.
    new_key = {"$ref": "#/components/schemas/NewApiKey"}
    key = {"id": "k", "app": "a", "name": "n", "scopes": ["verify"],
           "created_at": "2026-01-02T03:04:05Z", "revoked": False, "key": "mfa_k_s"}
    assert validate(spec, new_key, key) == []
    assert validate(spec, new_key, {**key, "secret": "x"})
    assert validate(spec, new_key, {k: v for k, v in key.items() if k != "key"})
    assert validate(spec, new_key, {**key, "scopes": ["root"]})
    # anyOf: one alternative must match whole (health's 503 is Health or the listener's Error).
    degraded = spec["paths"]["/v1/health"]["get"]["responses"]["503"]["content"][
        "application/json"]["schema"]
    assert validate(spec, degraded, {"status": "degraded", "store": "unavailable"}) == []
    assert validate(spec, degraded, {"error": {"code": "unavailable", "message": "full"}}) == []
    assert validate(spec, degraded, {"status": "degraded", "extra": 1})


@pytest.fixture
def checked(mfad_factory):
    """A daemon whose every answer in the test is checked against the spec."""
    from engine_helpers import REQUIRED, start_with_policy
    spec = load_spec()
    inst = start_with_policy(mfad_factory, REQUIRED)

    def call(method, path, body=None, via="unix", api_key=None):
        if via == "tcp":
            r = inst.tcp_request(method, path, body, api_key=api_key)
        else:
            r = inst.unix_request(method, path, body)
        check_response(spec, method, path, r)
        return r

    call.inst = inst
    return call


def test_factor_challenge_and_explain_flows_match_the_spec(checked):
    from engine_helpers import code_at, oathtool_code
    call = checked
    base = "/v1/apps/system/users/root"
    assert call("GET", "/v1/health").status == 200
    r = call("POST", "/v1/apps/system/logins", {"user": "root", "service": "sshd"})
    assert r.json()["decision"] == "enroll_required", r
    r = call("POST", base + "/factors", {"type": "totp", "label": "phone"})
    assert r.status == 201, r
    factor_id, secret = r.json()["factor_id"], r.json()["secret"]
    r = call("POST", base + f"/factors/{factor_id}/activate", {"code": oathtool_code(secret)})
    assert r.status == 200 and r.json()["backup_codes"], r
    r = call("GET", base + "/factors")
    assert [f["id"] for f in r.json()["factors"]] == [factor_id], r
    assert call("GET", base + "/backup-codes").status == 200
    assert call("GET", base + "/mfa").status == 200

    r = call("POST", "/v1/apps/system/logins",
             {"user": "root", "service": "sshd", "remote_addr": "127.0.0.9"})
    assert r.json()["decision"] == "mfa_required", r
    login_ch = r.json()["challenge"]["id"]
    r = call("POST", "/v1/apps/system/challenges", {"user": "root", "purpose": "step_up"})
    assert r.status == 201 and r.json()["timeline"], r
    ch = r.json()["id"]
    assert call("GET", f"/v1/apps/system/challenges/{ch}").status == 200
    assert call("GET", "/v1/apps/system/challenges?user=root").status == 200
    r = call("POST", f"/v1/apps/system/challenges/{ch}/verify", {"code": "000000x"})
    assert r.status in (400, 422), r
    r = call("POST", f"/v1/apps/system/challenges/{login_ch}/verify", {"code": code_at(secret, 1)})
    assert r.status == 200 and r.json()["status"] == "approved", r
    assert call("POST", f"/v1/apps/system/challenges/{ch}/cancel").status == 200
    assert call("GET", "/v1/apps/system/challenges/ch_nope").status == 404

    # A PAM conversation: the first step, then a wrong answer.
    r = call("POST", "/v1/pam/conversations", {"user": "root", "service": "sshd"})
    assert r.status == 200 and r.json()["step"]["type"] in ("prompt", "done"), r
    if r.json()["step"]["type"] == "prompt":
        r = call("POST", f"/v1/pam/conversations/{r.json()['id']}", {"answer": "12345"})
        assert r.status == 200, r
    assert call("POST", "/v1/pam/conversations/pc_nope", {"answer": ""}).status == 404

    r = call("GET", "/v1/policy/explain?user=root&service=sshd")
    assert r.status == 200 and r.json()["settings"]["mode"] == "required", r
    assert call("GET", "/v1/policy").status == 200
    assert call("GET", "/v1/apps/system/audit?limit=5").status == 200
    assert call("GET", "/v1/audit?limit=5").status == 200


def test_tcp_answers_match_the_spec(checked):
    call = checked
    key = call.inst.create_api_key("shop", ["admin"])["key"]
    assert call("GET", "/v1/health", via="tcp").status == 200
    assert call("GET", "/v1/health", via="tcp", api_key=key).status == 200
    assert call("GET", "/v1/health", via="tcp", api_key="mfa_bad_key").status == 401
    assert call("GET", "/metrics", via="tcp", api_key="mfa_bad_key").status == 401
    assert call("GET", "/metrics", via="tcp", api_key=key).status == 200
    assert call("GET", "/v1/apps/shop/users/bob/factors", via="tcp", api_key=key).status == 200
    assert call("GET", "/v1/apps/shop/apikeys", via="tcp", api_key=key).status == 200
    assert call("GET", "/v1/audit", via="tcp", api_key=key).status == 403
    # Without a webauthn: section in mfad.yaml a passkey enrolment is 409.
    r = call("POST", "/v1/apps/shop/users/bob/factors", {"type": "webauthn", "label": "k"},
             via="tcp", api_key=key)
    assert r.status == 409, r


def test_passkey_flow_matches_the_spec(mfad_factory):
    from test_webauthn_api import POLICY, WEBAUTHN
    from webauthn_soft import Authenticator
    spec = load_spec()
    inst = mfad_factory(start=False, config_extra=WEBAUTHN)
    (inst.dir / "policy.yaml").write_text(POLICY)
    inst.start()
    key = inst.create_api_key("shop", ["enroll", "verify"])["key"]

    def call(method, path, body=None):
        r = inst.tcp_request(method, path, body, api_key=key)
        check_response(spec, method, path, r)
        return r

    auth = Authenticator(-7)
    r = call("POST", "/v1/apps/shop/users/bob/factors", {"type": "webauthn", "label": "key"})
    assert r.status == 201, r
    fid = r.json()["factor_id"]
    cred = auth.create(r.json()["publicKey"])
    r = call("POST", f"/v1/apps/shop/users/bob/factors/{fid}/activate", {"credential": cred})
    assert r.status == 200, r
    assert call("GET", "/v1/apps/shop/users/bob/factors").json()["factors"][0]["type"] == \
        "webauthn"
    r = call("POST", "/v1/apps/shop/logins", {"user": "bob"})
    assert r.json()["decision"] == "mfa_required", r
    cid = r.json()["challenge"]["id"]
    opts = call("GET", f"/v1/apps/shop/challenges/{cid}/webauthn-options").json()["publicKey"]
    r = call("POST", f"/v1/apps/shop/challenges/{cid}/verify", {"assertion": auth.get(opts)})
    assert r.status == 200 and r.json()["status"] == "approved", r

    # Usernameless passkey login.
    r = call("POST", "/v1/apps/shop/passkey-logins", {})
    assert r.status == 201, r
    lid, pk = r.json()["id"], r.json()["publicKey"]
    r = call("POST", f"/v1/apps/shop/passkey-logins/{lid}/verify",
             {"assertion": auth.get(pk, user_handle=True), "remote_addr": "203.0.113.9"})
    assert r.status == 200 and r.json()["user"] == "bob", r

    # The one-time enrolment link and its page (no key: the token is the credential).
    r = call("POST", "/v1/apps/shop/users/gina/enroll-links", {})
    assert r.status == 201, r
    token, path = r.json()["token"], r.json()["path"]
    for method, p, body in [("GET", path, None), ("GET", f"/v1/enroll/{token}", None)]:
        r = inst.tcp_request(method, p, body)
        assert r.status == 200, r
        check_response(spec, method, p, r)
    r = inst.tcp_request("POST", f"/v1/enroll/{token}/webauthn", {"label": "Laptop"})
    check_response(spec, "POST", f"/v1/enroll/{token}/webauthn", r)
    assert r.status == 201, r
    fin_path = f"/v1/enroll/{token}/webauthn/{r.json()['factor_id']}"
    r = inst.tcp_request("POST", fin_path,
                         {"credential": Authenticator(-8).create(r.json()["publicKey"])})
    check_response(spec, "POST", fin_path, r)
    assert r.status == 200 and r.json()["backup_codes"], r
    r = inst.tcp_request("GET", f"/v1/enroll/{token}")
    check_response(spec, "GET", f"/v1/enroll/{token}", r)
    assert r.status == 404, r


def test_email_flow_matches_the_spec(mfad_factory):
    from delivery_helpers import SmtpSink, start_daemon
    spec = load_spec()
    smtp = SmtpSink().start()
    try:
        inst = start_daemon(mfad_factory, smtp_port=smtp.port)
        key = inst.create_api_key("shop", ["verify", "enroll"])["key"]

        def call(method, path, body=None):
            r = inst.tcp_request(method, path, body, api_key=key)
            check_response(spec, method, path, r)
            return r

        base = "/v1/apps/shop/users/alice"
        r = call("POST", base + "/factors", {"type": "email", "address": "alice@example.com"})
        assert r.status == 201 and r.json()["destination"], r
        fid = r.json()["factor_id"]
        r = call("POST", base + f"/factors/{fid}/activate", {"code": smtp.last_code(1)})
        assert r.status == 200 and r.json()["factor"]["destination"], r
        assert call("GET", base + "/factors").json()["factors"][0]["destination"]
        r = call("POST", "/v1/apps/shop/logins", {"user": "alice"})
        assert r.json()["challenge"]["factors"][0]["destination"], r
        ch = r.json()["challenge"]["id"]
        assert call("POST", f"/v1/apps/shop/challenges/{ch}/send", {"factor_id": fid}).status == 200
        r = call("GET", f"/v1/apps/shop/challenges/{ch}")
        assert r.json()["delivery"] == "sent" and r.json()["factor_id"] == fid, r
        assert call("POST", f"/v1/apps/shop/challenges/{ch}/resend").status == 200
        r = call("POST", f"/v1/apps/shop/challenges/{ch}/verify", {"code": smtp.last_code(3)})
        assert r.status == 200 and r.json()["factor"]["type"] == "email", r
    finally:
        smtp.stop()
    # The mail server is gone: enrolling another address is 502 delivery_failed.
    r = call("POST", "/v1/apps/shop/users/bob/factors",
             {"type": "email", "address": "b@example.com"})
    assert r.status == 502 and r.json()["error"]["code"] == "delivery_failed", r
