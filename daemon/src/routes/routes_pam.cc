// POST /v1/pam/conversations and POST /v1/pam/conversations/{id} (docs/pam-protocol.md).
// Only Unix-socket callers: a PAM stack runs on this host. HTTP glue only: the state machine
// is core's (daemon/core/pam/pam_conversation.h); this file reads JSON, decides the caller from the
// peer credentials, and writes the step back.
#include <nlohmann/json.hpp>

#include <memory>

#include "daemon/core/base/limits.h"
#include "daemon/core/engine.h"
#include "daemon/core/pam/pam_conversation.h"
#include "daemon/src/api/http_errors.h"
#include "daemon/src/api/json_fields.h"
#include "daemon/src/os/qr_render.h"
#include "daemon/src/routes/routes_engine.h"

namespace mfa::daemon {
namespace {

using core::PamCaller;
using core::PamConversations;
using core::PamStart;
using core::PamStep;
using nlohmann::json;

ApiResponse step_response(const std::string& id, const PamStep& step) {
  json messages = json::array();
  for (const auto& [style, text] : step.messages) {
    messages.push_back({{"style", style}, {"text", text}});
  }
  json s;
  if (step.done) {
    s = {{"type", "done"}, {"result", step.result}};
    if (!step.message.empty()) s["message"] = step.message;
  } else if (step.wait) {
    s = {{"type", "wait"}, {"text", step.text}, {"timeout_ms", step.wait_timeout_ms}};
  } else {
    s = {{"type", "prompt"}, {"echo", step.echo}, {"text", step.text}};
  }
  return json_response(200, {{"id", id}, {"messages", messages}, {"step", s}});
}

// What the state machine needs of the caller: its peer uid, and whether its peer credentials
// make it an admin (api_types.h).
PamCaller pam_caller(const ApiRequest& req) {
  return PamCaller{req.caller.uid, req.caller.admin};
}

ApiResponse start(PamConversations& convs, ApiRequest& req) {
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  PamStart p;
  auto user = string_field(body, "user", limits::kMaxUserNameLen, true, err);
  auto service =
      user ? string_field(body, "service", limits::kMaxServiceNameLen, false, err) : std::nullopt;
  auto rhost =
      service ? string_field(body, "rhost", limits::kMaxRhostLen, false, err) : std::nullopt;
  auto tty = rhost ? string_field(body, "tty", limits::kMaxRhostLen, false, err) : std::nullopt;
  auto ruser =
      tty ? string_field(body, "ruser", limits::kMaxUserNameLen, false, err) : std::nullopt;
  if (!ruser) return err;
  p.user = *user;
  p.origin.service = *service;
  p.origin.remote_addr = *rhost;
  p.origin.tty = *tty;
  p.ruser = *ruser;
  auto r = convs.start(p, pam_caller(req));
  if (!r) return from_error(r.error());
  return step_response(r->first, r->second);
}

ApiResponse answer(PamConversations& convs, ApiRequest& req) {
  json body;
  ApiResponse err;
  if (!parse_json_body(req, body, err)) return err;
  auto a = string_field(body, "answer", limits::kMaxPamAnswerLen, false, err);
  if (!a) return err;
  const std::string id = req.path_params["id"];
  auto r = convs.answer(id, std::move(*a), pam_caller(req));
  if (!r) return from_error(r.error());
  return step_response(id, *r);
}

}  // namespace

void register_pam_routes(Router& router, Services& s) {
  // Shared by both handlers; lives as long as the router's handlers.
  // No ANSI in the QR code: the module strips control characters (terminal injection).
  auto convs = std::make_shared<PamConversations>(
      *s.engine, [](std::string_view uri) { return qr_utf8(uri, false); });
  const Access local = Access::identified().socket_only();  // a PAM stack runs on this host
  router.add("POST", "/v1/pam/conversations", local,
             [convs](ApiRequest& r) { return start(*convs, r); });
  router.add("POST", "/v1/pam/conversations/{id}", local,
             [convs](ApiRequest& r) { return answer(*convs, r); });
}

}  // namespace mfa::daemon
