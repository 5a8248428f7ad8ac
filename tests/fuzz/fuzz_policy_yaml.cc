// parse_policy (daemon/core/policy/policy_yaml.cc, yaml-cpp) on arbitrary text, then every pure
// view of an accepted policy: evaluation for a few contexts, the JSON views and the explain text.
// Properties: errors are kPolicyInvalid and name the source; error text and summary can be
// put into a JSON audit record with a strict dump() (what daemon/src/routes/policy_reload.cc does
// on SIGHUP); evaluation always names a matched layer.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string_view>

#include "daemon/core/policy/policy.h"
#include "daemon/core/policy/policy_explain.h"
#include "daemon/core/policy/policy_holder.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// nlohmann::json::dump() throws type_error 316 on invalid UTF-8 unless told to replace it.
bool strict_dump_ok(const std::string& text) {
  try {
    (void)nlohmann::json{{"error", text}}.dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = mfa::core::parse_policy(text, "fuzz.yaml");
  if (!p) {
    FUZZ_CHECK(p.error().code == mfa::Errc::kPolicyInvalid);
    FUZZ_CHECK(p.error().context.find("fuzz.yaml") != std::string::npos);
    FUZZ_CHECK(strict_dump_ok(p.error().context));
    return 0;
  }
  mfa::core::LoginContext contexts[3];
  contexts[0].user = "alice";
  contexts[0].origin.service = "sshd";
  contexts[0].origin.remote_addr = "10.1.2.3";
  contexts[0].groups = {"wheel", "staff"};
  contexts[1].app = "billing-web";
  contexts[1].user = "bob";
  contexts[1].origin.remote_addr = "2001:db8::1";
  contexts[2].user = "root";
  contexts[2].origin.service = "sudo";
  contexts[2].origin.tty = "pts/0";
  for (const auto& ctx : contexts) {
    const auto ev = mfa::core::evaluate(*p, ctx);
    FUZZ_CHECK(!ev.matched.empty());
    (void)dump(mfa::core::evaluation_to_json(ev, ctx));
    (void)mfa::core::explain_flow(ev, ctx);
    (void)mfa::core::explain_text(*p, ctx);
  }
  (void)dump(mfa::core::policy_to_json(*p));
  FUZZ_CHECK(strict_dump_ok(mfa::core::summarize(*p)));
  return 0;
}
