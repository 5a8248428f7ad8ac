#include "cli/commands.h"

#include <cstdio>

namespace mfa::cli {

const std::vector<CommandEntry>& command_table() {
  static const std::vector<CommandEntry> table = {
      {"status", cmd_status, "daemon health: version, schema, uptime"},
      {"apikey", cmd_apikey,
       "apikey create --app APP --name NAME [--scope verify,enroll,admin] | list --app APP | "
       "revoke --app APP ID"},
      {"enroll", cmd_enroll,
       "enroll totp [--label LABEL] [--user USER] [--app APP]: QR code, first code, backup "
       "codes; enroll sms --phone PHONE [--country CC] | email --email ADDRESS [--label LABEL] "
       "[--user USER] [--app APP]: a code sent there, typed back; enroll passkey [--user USER] "
       "[--app APP]: a one-time link to register a passkey in a browser; enroll fido2 [--label "
       "LABEL] [--pin] [--user USER]: register the security key plugged into this machine "
       "(touch it)"},
      {"factors", cmd_factors, "factors [USER] [--app APP]: list factors"},
      {"remove", cmd_remove,
       "remove FACTOR_ID [--user USER] [--app APP]: remove a factor (asks for a code)"},
      {"backup-codes", cmd_backup_codes, "backup-codes [regenerate] [--user USER] [--app APP]"},
      {"user", cmd_user,
       "user show USER [--app APP]: MFA status (mode, factors, backup codes, grace, lockout)"},
      {"reset", cmd_reset, "reset USER [--yes] [--app APP]: admin removal of every factor of USER"},
      {"policy", cmd_policy,
       "policy check [FILE] | reload | explain --user U [--service S] [--rhost ADDR] [--tty TTY] "
       "[--first-factor F] [--app APP]"},
      {"audit", cmd_audit,
       "audit [--user U] [--event E] [--app APP] [--limit N] [--reverse | --follow]: newest first"},
      {"backup", cmd_backup,
       "backup [--config FILE | --db PATH] [--force] FILE: consistent copy of the database "
       "(0600; the key file is not in it); mfad(8) restores it"},
      {"doctor", cmd_doctor,
       "doctor [--config FILE] [--pam-dir DIR] [--sshd-config FILE] [--json]: check the "
       "installation (config, key file, socket, schema, clock, PAM stacks, sshd) and say what to "
       "fix; exit 0 only when every check holds"},
  };
  return table;
}

bool take_option(std::vector<std::string>& args, const std::string& opt, std::string& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == opt) {
      if (i + 1 >= args.size()) return false;
      out = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                 args.begin() + static_cast<std::ptrdiff_t>(i + 2));
      return true;
    }
    if (args[i].rfind(opt + "=", 0) == 0) {
      out = args[i].substr(opt.size() + 1);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return true;
}

std::string url_segment(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace mfa::cli
