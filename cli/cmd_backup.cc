// mfactl backup: a consistent copy of the store file, taken without the daemon (it reads the
// SQLite file named by the config, or --db), so package scripts can run it before a migration
// whether mfad runs or not. Restore is `mfad --config FILE --restore BACKUP` (mfad stopped).
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "daemon/core/config/config.h"
#include "daemon/core/store/sqlite_backup.h"

namespace mfa::cli {

int cmd_backup(CliContext& ctx, std::vector<std::string> args) {
  std::string config_path, db_path;
  bool force = false;
  if (!take_option(args, "--config", config_path) || !take_option(args, "--db", db_path)) {
    return usage_error("--config and --db need a value");
  }
  for (auto it = args.begin(); it != args.end();) {
    if (*it == "--force") {
      force = true;
      it = args.erase(it);
    } else {
      ++it;
    }
  }
  if (args.size() != 1 || args[0].empty() || args[0][0] == '-') {
    return usage_error("usage: mfactl backup [--config FILE | --db PATH] [--force] FILE");
  }
  if (!config_path.empty() && !db_path.empty()) return usage_error("--config or --db, not both");
  std::string key_file;
  if (db_path.empty()) {
    if (config_path.empty()) config_path = "/etc/mfad/mfad.yaml";
    auto config = load_daemon_config(config_path);
    if (!config) {
      std::fprintf(stderr, "mfactl: %s\n", config.error().context.c_str());
      return kExitDaemonError;
    }
    db_path = config->db_path;
    key_file = config->key_file;
  }
  auto version = backup_sqlite_file(db_path, args[0], force);
  if (!version) {
    std::fprintf(stderr, "mfactl: backup failed: %s\n", version.error().context.c_str());
    return kExitDaemonError;
  }
  if (ctx.json) {
    print_json_line(nlohmann::json{{"file", args[0]},
                                   {"database", db_path},
                                   {"schema_version", *version},
                                   {"key_included", false}});
    return kExitOk;
  }
  std::printf("backed up %s to %s (mode 0600, schema version %d)\n", db_path.c_str(),
              args[0].c_str(), *version);
  std::printf(
      "The factor secrets in it are sealed with the key file%s%s, which is NOT in the backup: "
      "without that key the backup cannot log anyone in. Keep a copy of the key apart from the "
      "backup. Restore with: mfad --config FILE --restore %s (mfad stopped).\n",
      key_file.empty() ? "" : " ", key_file.c_str(), args[0].c_str());
  return kExitOk;
}

}  // namespace mfa::cli
