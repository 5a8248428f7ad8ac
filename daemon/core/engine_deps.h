// What the engine services need from the outside world, injected once (DESIGN.md section 8:
// test seams are interfaces). The daemon provides the real ones; tests provide fakes for the
// directory and audit sink and a real SQLite store.
#pragma once

#include <string>
#include <vector>

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

// The account directory of app `system` (Unix accounts through NSS). Only used for PAM and
// for app `system`; other apps' users live in the store.
class Directory {
 public:
  virtual ~Directory() = default;
  virtual bool user_exists(const std::string& user) = 0;
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
  const WebAuthnConfig* webauthn = nullptr;  // null = WebAuthn not configured
  const Fido2Config* fido2 = nullptr;        // null or !enabled = no local security keys
  fido::FidoDevices* fido = nullptr;         // this host's FIDO2 keys (fido_device.h)
  std::string issuer = "mfad";               // TOTP issuer shown in authenticator apps
};

}  // namespace mfa::core
