// mfactl apikey create|list|revoke: API keys for apps calling mfad over TCP (admin only).
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"

namespace mfa::cli {
namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string join(const nlohmann::json& arr) {
  std::string out;
  for (const auto& s : arr) {
    if (!out.empty()) out += ",";
    out += s.is_string() ? shown(s.get_ref<const std::string&>()) : shown(s.dump());
  }
  return out;
}

int finish(CliContext& ctx, const Result<HttpResult>& r, int ok_status) {
  if (!r) return unreachable(r.error());
  if (r->status != ok_status) return daemon_error(*r, ctx.json);
  return -1;  // caller prints
}

int create(CliContext& ctx, std::vector<std::string> args, const std::string& app) {
  std::string name, scopes = "verify";
  if (!take_option(args, "--name", name) || !take_option(args, "--scope", scopes) ||
      !args.empty() || name.empty()) {
    return usage_error("usage: apikey create --app APP --name NAME [--scope verify,enroll,admin]");
  }
  const nlohmann::json body = {{"name", name}, {"scopes", split_commas(scopes)}};
  auto r = ctx.call("POST", "/v1/apps/" + url_segment(app) + "/apikeys", body.dump());
  if (int rc = finish(ctx, r, 201); rc >= 0) return rc;
  if (ctx.json) {
    print_json(r->body);
    return kExitOk;
  }
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  std::printf("%s\n", shown(j, "key").c_str());
  std::fprintf(stderr, "API key %s for app %s (scopes %s). It is shown only once: store it now.\n",
               shown(j, "id").c_str(), app.c_str(),
               join(j.value("scopes", nlohmann::json::array())).c_str());
  return kExitOk;
}

int list(CliContext& ctx, std::vector<std::string> args, const std::string& app) {
  if (!args.empty()) return usage_error("usage: apikey list --app APP");
  auto r = ctx.call("GET", "/v1/apps/" + url_segment(app) + "/apikeys");
  if (int rc = finish(ctx, r, 200); rc >= 0) return rc;
  if (ctx.json) {
    print_json(r->body);
    return kExitOk;
  }
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  std::printf("%-32s %-20s %-22s %s\n", "ID", "NAME", "SCOPES", "STATUS");
  for (const auto& k : j.value("api_keys", nlohmann::json::array())) {
    std::printf("%-32s %-20s %-22s %s\n", shown(k, "id").c_str(), shown(k, "name").c_str(),
                join(k.value("scopes", nlohmann::json::array())).c_str(),
                k.value("revoked", false) ? "revoked" : "active");
  }
  return kExitOk;
}

int revoke(CliContext& ctx, std::vector<std::string> args, const std::string& app) {
  if (args.size() != 1) return usage_error("usage: apikey revoke --app APP ID");
  auto r = ctx.call("DELETE", "/v1/apps/" + url_segment(app) + "/apikeys/" + url_segment(args[0]));
  if (int rc = finish(ctx, r, 200); rc >= 0) return rc;
  if (ctx.json) {
    print_json(r->body);
  } else {
    std::printf("revoked %s\n", args[0].c_str());
  }
  return kExitOk;
}

}  // namespace

int cmd_apikey(CliContext& ctx, std::vector<std::string> args) {
  if (args.empty()) return usage_error("usage: apikey create|list|revoke --app APP ...");
  const std::string sub = args.front();
  args.erase(args.begin());
  std::string app;
  if (!take_option(args, "--app", app) || app.empty()) {
    return usage_error("apikey: --app APP is required");
  }
  if (sub == "create") return create(ctx, std::move(args), app);
  if (sub == "list") return list(ctx, std::move(args), app);
  if (sub == "revoke") return revoke(ctx, std::move(args), app);
  return usage_error("apikey: unknown subcommand '" + sub + "'");
}

}  // namespace mfa::cli
