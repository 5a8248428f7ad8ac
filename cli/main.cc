// mfactl entry point: global options, then dispatch through the command table (glue only).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"

namespace {

void print_help() {
  std::printf("usage: mfactl [--socket PATH] [--json] COMMAND [ARGS]\n\n");
  std::printf("  --socket PATH  daemon socket (default $MFAD_SOCKET, else /run/mfad/mfad.sock)\n");
  std::printf("  --json         machine-readable output\n\ncommands:\n");
  for (const auto& c : mfa::cli::command_table()) std::printf("  %-8s %s\n", c.name, c.summary);
  std::printf(
      "\nThe per-user commands (enroll, factors, remove, backup-codes, user, reset) take --app "
      "APP\nfor the users of an API app; the default is app system, the Unix accounts.\n");
  std::printf("\nexit codes: 0 ok, 1 error from the daemon, 2 usage, 3 daemon unreachable\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mfa::cli;
  CliContext ctx;
  if (const char* env = std::getenv("MFAD_SOCKET"); env != nullptr && *env != '\0') {
    ctx.socket = env;
  } else {
    ctx.socket = "/run/mfad/mfad.sock";
  }
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") {
      ctx.json = true;
    } else if (a == "--socket" && i + 1 < argc) {
      ctx.socket = argv[++i];
    } else if (a.rfind("--socket=", 0) == 0) {
      ctx.socket = a.substr(9);
    } else if (a == "--help" || a == "-h" || a == "help") {
      print_help();
      return kExitOk;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option '" + a + "' (try --help)");
    } else {
      break;
    }
  }
  if (i >= argc) {
    print_help();
    return kExitUsage;
  }
  const std::string name = argv[i];
  std::vector<std::string> args(argv + i + 1, argv + argc);
  for (const auto& c : command_table()) {
    if (name != c.name) continue;
    // `mfactl enroll --help`: that command's usage, never an argument ("--help" is no user).
    for (const auto& a : args) {
      if (a == "--help" || a == "-h") {
        std::printf("usage: mfactl [--socket PATH] [--json] %s\n", c.summary);
        return kExitOk;
      }
    }
    return c.fn(ctx, std::move(args));
  }
  return usage_error("unknown command '" + name + "' (try --help)");
}
