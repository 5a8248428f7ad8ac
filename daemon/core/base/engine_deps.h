// What the engine services need from the outside world, injected once (DESIGN.md section 8:
// test seams are interfaces). The daemon provides the real ones; tests provide fakes for the
// directory and audit sink and a real SQLite store.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/base/result.h"

namespace mfa {
class Store;
class Clock;
class Random;
class Aead;
struct AuditEvent;
struct WebAuthnConfig;
struct Fido2Config;
namespace fido {
class FidoDevices;
}  // namespace fido
}  // namespace mfa

namespace mfa::core {

class PolicyHolder;
class Sender;

// A Unix account: its own (canonical) name and its uid.
struct Account {
  std::string name;
  uid_t uid = 0;
};

// The account directory of app `system` (Unix accounts through NSS). Only used for PAM and
// for app `system`; other apps' users live in the store.
class Directory {
 public:
  virtual ~Directory() = default;
  // The account a login name stands for: the uid it resolves to, and the name the directory
  // gives that uid — not the name asked for, which may be an alias line with the same uid or
  // another spelling that a case-insensitive name service accepts (issue 10 finding 3).
  // nullopt: no such user. kUnavailable: the directory could not answer.
  virtual Result<std::optional<Account>> resolve(const std::string& user) = 0;
  // `user` is a canonical name (resolve()).
  virtual std::vector<std::string> groups_of(const std::string& user) = 0;
};

// Where audit events go besides the store (syslog/journal in the daemon).
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void emit(const AuditEvent& event) = 0;
};

struct EngineDeps {
  Store* store = nullptr;
  Clock* clock = nullptr;
  Random* random = nullptr;
  Aead* aead = nullptr;
  PolicyHolder* policy = nullptr;
  Directory* directory = nullptr;
  AuditSink* audit_sink = nullptr;  // may be null
  Sender* sender = nullptr;         // SMS/email codes (sender.h); null = delivery not configured
  const WebAuthnConfig* webauthn = nullptr;        // null = WebAuthn not configured
  const Fido2Config* fido2 = nullptr;              // null or !enabled = no local security keys
  fido::FidoDevices* fido = nullptr;               // this host's FIDO2 keys (fido_device.h)
  std::string issuer = "mfad";                     // TOTP issuer shown in authenticator apps
  std::map<std::string, std::string> app_issuers;  // per app, overriding `issuer`
};

}  // namespace mfa::core
