// SMS delivery through a generic HTTP(S) gateway with libcurl (delivery_channels.h). The
// request is described in mfad.yaml (URL, method, headers, form or JSON body with {phone},
// {code}, {app}, {minutes}), so the common providers' REST APIs need no code.
#include <strings.h>

#include <nlohmann/json.hpp>

#include "daemon/core/base/secret.h"
#include "daemon/src/delivery/curl_handles.h"
#include "daemon/src/delivery/delivery_channels.h"
#include "daemon/src/delivery/delivery_tls.h"
#include "daemon/src/delivery/message_template.h"

namespace mfa::daemon {
namespace {

// The gateway's answer is not needed beyond its status; read at most this much of it.
constexpr std::size_t kMaxGatewayAnswer = 64 * 1024;

std::size_t discard_cb(char* /*buf*/, std::size_t size, std::size_t n, void* user) {
  auto* seen = static_cast<std::size_t*>(user);
  *seen += size * n;
  return *seen > kMaxGatewayAnswer ? 0 : size * n;
}

std::string form_escape(const std::string& s) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string build_sms_body(const SmsGatewayConfig& cfg, const core::OutgoingCode& msg) {
  const std::string minutes = std::to_string(msg.minutes);
  const TemplateVars vars = {
      {"phone", msg.destination}, {"code", msg.code}, {"app", msg.app}, {"minutes", minutes}};
  if (cfg.format == "json") {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : cfg.body) j[k] = render_template(v, vars);
    std::string out = j.dump();
    for (auto& [k, v] : j.items()) {
      if (v.is_string()) secure_wipe(v.get_ref<std::string&>());
    }
    return out;
  }
  std::string out;
  for (const auto& [k, v] : cfg.body) {
    if (!out.empty()) out += '&';
    std::string value = render_template(v, vars);
    out += form_escape(k) + "=" + form_escape(value);
    secure_wipe(value);
  }
  return out;
}

SendOutcome send_sms(const SmsGatewayConfig& cfg, std::int64_t timeout_ms,
                     const core::OutgoingCode& msg) {
  SendOutcome out;
  CurlEasyPtr h(curl_easy_init());
  CurlSlistPtr headers;
  if (!h) {
    out.reason = "out of memory";
    return out;
  }
  const std::string minutes = std::to_string(msg.minutes);
  const TemplateVars vars = {{"phone", msg.destination}, {"app", msg.app}, {"minutes", minutes}};
  bool has_type = false;
  for (const auto& [k, v] : cfg.headers) {
    has_type = has_type || strcasecmp(k.c_str(), "Content-Type") == 0;
    if (!slist_append(headers, k + ": " + render_template(v, vars))) {
      out.reason = "out of memory";
      return out;
    }
  }
  if (!has_type &&
      !slist_append(headers, cfg.format == "json"
                                 ? "Content-Type: application/json"
                                 : "Content-Type: application/x-www-form-urlencoded")) {
    out.reason = "out of memory";
    return out;
  }
  std::string body = build_sms_body(cfg, msg);
  std::size_t seen = 0;
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, cfg.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect must not carry the code away
  set_tls_verification(c, cfg.ca_file);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  if (cfg.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, cfg.method.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
  const CURLcode rc = curl_easy_perform(c);
  secure_wipe(body);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
      rc == CURLE_SSL_CACERT_BADFILE) {
    // Not transient: retrying cannot make an untrusted certificate trusted.
    out.reason = std::string("the SMS gateway's TLS failed (") + curl_easy_strerror(rc) + ")";
    return out;
  }
  if (rc != CURLE_OK && status == 0) {
    out.transient = true;
    out.reason = std::string("the SMS gateway is unreachable (") + curl_easy_strerror(rc) + ")";
    return out;
  }
  if (status >= 200 && status < 300) {
    out.ok = true;
    return out;
  }
  out.transient = status >= 500 || status == 429;
  out.reason = "the SMS gateway answered HTTP " + std::to_string(status);
  return out;
}

}  // namespace mfa::daemon
