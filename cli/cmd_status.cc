// mfactl status: the daemon's /v1/health.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"

namespace mfa::cli {

int cmd_status(CliContext& ctx, std::vector<std::string> args) {
  if (!args.empty()) return usage_error("status takes no arguments");
  auto r = ctx.call("GET", "/v1/health");
  if (!r) return unreachable(r.error());
  if (r->status != 200) return daemon_error(*r, ctx.json);
  if (ctx.json) {
    print_json(r->body);
    return kExitOk;
  }
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object()) return usage_error("unexpected answer from the daemon");
  std::printf("mfad %s: %s\n", shown(j, "version", "?").c_str(), shown(j, "status", "?").c_str());
  std::printf("  socket:         %s\n", shown(ctx.socket).c_str());
  if (j.contains("schema_version")) {
    std::printf("  schema version: %s\n", shown(j["schema_version"].dump()).c_str());
  }
  std::printf("  uptime:         %s s\n",
              shown(j.value("uptime_s", nlohmann::json(0)).dump()).c_str());
  return kExitOk;
}

}  // namespace mfa::cli
