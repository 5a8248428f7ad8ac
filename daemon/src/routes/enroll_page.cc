// The self-service enrolment page (issue 7): a one-time link /enroll/{token} (issued by
// `mfactl enroll passkey` or POST .../enroll-links) shows the user's factors and remaining
// backup codes and registers a passkey with navigator.credentials.create. Plain HTML, a
// little JavaScript, no framework. The token is the only credential: these routes are served
// without an API key, and every one resolves the token first.
#include <nlohmann/json.hpp>

#include "daemon/core/base/limits.h"
#include "daemon/core/crypto/random.h"
#include "daemon/core/engine.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/auth/requester.h"
#include "daemon/src/routes/engine_json.h"
#include "daemon/src/routes/routes_webauthn.h"

namespace mfa::daemon {
namespace {

using nlohmann::json;

constexpr const char* kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Register a passkey</title>
<style nonce="@NONCE@">
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#111}
button{font:inherit;padding:.5rem 1rem}
#status{margin-top:1rem;padding:.5rem;border-left:4px solid #888}
.error{border-color:#b00020!important}
code{font-size:1.1em}
</style>
</head>
<body>
<main>
<h1>Register a passkey</h1>
<p id="who">Loading…</p>
<h2>Your factors</h2>
<ul id="factors"></ul>
<p id="backup"></p>
<form id="form">
<label for="label">Name for this passkey</label><br>
<input id="label" name="label" maxlength="64" value="Passkey" autocomplete="off">
<button id="register" type="submit">Register a passkey</button>
</form>
<div id="status" role="status" aria-live="polite"></div>
<section id="codes" hidden>
<h2>Your backup codes</h2>
<p>Each code works once. Keep them somewhere safe; they are shown only now.</p>
<ul id="codelist"></ul>
</section>
</main>
<script nonce="@NONCE@">
"use strict";
const token = location.pathname.split("/").pop();
const api = "/v1/enroll/" + encodeURIComponent(token);
const $ = (id) => document.getElementById(id);
const b64u = {
  dec: (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
  enc: (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
};
function say(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}
async function call(method, path, body) {
  const r = await fetch(api + path, {method, headers: {"Content-Type": "application/json"},
                                     body: body ? JSON.stringify(body) : undefined});
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((j.error && j.error.message) || ("HTTP " + r.status));
  return j;
}
async function load() {
  try {
    const s = await call("GET", "");
    $("who").textContent = "Account: " + s.user + (s.app === "system" ? "" : " (" + s.app + ")") +
                           ". This link expires at " + s.expires_at + " and works once.";
    $("factors").replaceChildren(...s.factors.map((f) => {
      const li = document.createElement("li");
      li.textContent = f.label + " (" + f.type + ", " + f.status + ")";
      return li;
    }));
    if (!s.factors.length) $("factors").innerHTML = "<li>None yet.</li>";
    $("backup").textContent = "Backup codes remaining: " + s.backup_codes_remaining;
  } catch (e) {
    $("who").textContent = e.message;
    $("form").hidden = true;
  }
}
$("form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("register").disabled = true;
  try {
    if (!window.PublicKeyCredential) throw new Error("This browser does not support passkeys.");
    say("Follow your browser's prompt…");
    const begin = await call("POST", "/webauthn", {label: $("label").value});
    const pk = begin.publicKey;
    pk.challenge = b64u.dec(pk.challenge);
    pk.user.id = b64u.dec(pk.user.id);
    pk.excludeCredentials = pk.excludeCredentials.map((c) => ({...c, id: b64u.dec(c.id)}));
    const cred = await navigator.credentials.create({publicKey: pk});
    const body = {credential: {
      id: cred.id, rawId: b64u.enc(cred.rawId), type: cred.type,
      response: {clientDataJSON: b64u.enc(cred.response.clientDataJSON),
                 attestationObject: b64u.enc(cred.response.attestationObject),
                 transports: cred.response.getTransports ? cred.response.getTransports() : []}}};
    const done = await call("POST", "/webauthn/" + encodeURIComponent(begin.factor_id), body);
    say("Passkey registered: " + done.factor.label + ".");
    $("form").hidden = true;
    if (done.backup_codes) {
      $("codelist").replaceChildren(...done.backup_codes.map((c) => {
        const li = document.createElement("li");
        li.innerHTML = "<code></code>";
        li.firstChild.textContent = c;
        return li;
      }));
      $("codes").hidden = false;
    }
    document.body.dataset.registered = done.factor.id;
  } catch (e) {
    say("Could not register the passkey: " + e.message, true);
    $("register").disabled = false;
  }
});
load();
</script>
</body>
</html>
)HTML";

std::optional<ApiResponse> resolve(Services& s, ApiRequest& req, core::EnrollLinkTarget& out) {
  auto link = s.engine->webauthn.resolve_link(req.path_params["token"]);
  if (!link) return from_error(link.error());
  out = std::move(*link);
  return std::nullopt;
}

core::AuditContext link_audit(const ApiRequest& req, const core::EnrollLinkTarget& link) {
  core::AuditContext ctx = audit_context(req);
  ctx.actor = "enroll_link:" + link.link_id;
  // The page is opened by the end user's own browser: the peer is the user's address.
  ctx.remote_addr = ctx.client_addr;
  return ctx;
}

ApiResponse page(Services& s, ApiRequest& req) {
  core::EnrollLinkTarget link;
  if (auto r = resolve(s, req, link)) return *r;
  auto nonce = s.random->id("n");
  if (!nonce) return from_error(nonce.error());
  std::string html = kPage;
  for (auto pos = html.find("@NONCE@"); pos != std::string::npos; pos = html.find("@NONCE@")) {
    html.replace(pos, 7, *nonce);
  }
  ApiResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  r.headers = {{"Content-Security-Policy", "default-src 'none'; script-src 'nonce-" + *nonce +
                                               "'; style-src 'nonce-" + *nonce +
                                               "'; connect-src 'self'; frame-ancestors 'none'"},
               {"Referrer-Policy", "no-referrer"},  // the token is in the URL
               {"Cache-Control", "no-store"},
               {"X-Content-Type-Options", "nosniff"}};
  return r;
}

ApiResponse status(Services& s, ApiRequest& req) {
  core::EnrollLinkTarget link;
  if (auto r = resolve(s, req, link)) return *r;
  auto factors = s.engine->factors.list(link.app, link.user);
  if (!factors) return from_error(factors.error());
  auto remaining = s.engine->factors.backup_codes_remaining(link.app, link.user);
  if (!remaining) return from_error(remaining.error());
  json arr = json::array();
  for (const auto& f : *factors) {
    arr.push_back({{"id", f.id}, {"type", f.type}, {"label", f.label}, {"status", f.status}});
  }
  return json_response(200, {{"app", link.app},
                             {"user", link.user},
                             {"expires_at", iso8601(link.expires_at_s)},
                             {"factors", arr},
                             {"backup_codes_remaining", *remaining}});
}

ApiResponse begin(Services& s, ApiRequest& req) {
  core::EnrollLinkTarget link;
  if (auto r = resolve(s, req, link)) return *r;
  json body = json::object();
  ApiResponse err;
  if (!req.body.empty() && !parse_json_body(req, body, err)) return err;
  auto label = string_field(body, "label", limits::kMaxLabelLen, false, err);
  if (!label) return err;
  core::Requester who;
  who.admin = true;  // the link was issued by someone allowed to add a factor for this user
  who.audit = link_audit(req, link);
  auto r = s.engine->webauthn.begin_registration(link.app, link.user, *label, who);
  if (!r) return from_error(r.error());
  return json_response(201, {{"factor_id", r->factor_id}, {"publicKey", r->options}});
}

ApiResponse finish(Services& s, ApiRequest& req) {
  core::EnrollLinkTarget link;
  if (auto r = resolve(s, req, link)) return *r;
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  if (!body.is_object() || !body.contains("credential")) {
    return error_response(400, "invalid_argument", "credential is required");
  }
  const std::string& factor_id = req.path_params["id"];
  auto a = s.engine->webauthn.finish_registration(link.app, link.user, factor_id,
                                                  body["credential"], link_audit(req, link));
  if (!a) return from_error(a.error());
  if (auto used = s.engine->webauthn.consume_link(link, factor_id); !used) {
    // Used concurrently by another registration: this one does not count.
    core::Requester who;
    who.admin = true;
    who.audit = link_audit(req, link);
    (void)s.engine->factors.remove(link.app, link.user, factor_id, who);
    return from_error(used.error());
  }
  json out = {{"factor", factor_json(a->factor)}};
  if (!a->backup_codes.empty()) out["backup_codes"] = a->backup_codes;
  return json_response(200, out);
}

}  // namespace

void register_enroll_page_routes(Router& router, Services& s) {
  // Open: the one-time link token in the path is the credential (resolve() checks it).
  const Access link = Access::open();
  router.add("GET", "/enroll/{token:secret}", link, [&s](ApiRequest& r) { return page(s, r); });
  router.add("GET", "/v1/enroll/{token:secret}", link,
             [&s](ApiRequest& r) { return status(s, r); });
  router.add("POST", "/v1/enroll/{token:secret}/webauthn", link,
             [&s](ApiRequest& r) { return begin(s, r); });
  router.add("POST", "/v1/enroll/{token:secret}/webauthn/{id}", link,
             [&s](ApiRequest& r) { return finish(s, r); });
}

}  // namespace mfa::daemon
