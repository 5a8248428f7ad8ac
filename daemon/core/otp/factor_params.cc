#include "daemon/core/otp/factor_params.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace mfa::core {
namespace {

using nlohmann::json;

// Bounds on what a row may hold: the longest value written is an RSA-4096 COSE key in
// base64url (~700 characters); WebAuthn defines 5 transports.
constexpr std::size_t kMaxValueLen = 2048;
constexpr std::size_t kMaxTransports = 8;

Status bad(const char* key, const char* what) {
  return fail(Errc::kInvalidArgument, std::string(key) + ": " + what);
}

// Each reader leaves `out` as it is when the key is absent.
Status read_string(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_string()) return bad(key, "not a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > kMaxValueLen) return bad(key, "too long");
  out = s;
  return {};
}

Status read_bool(const json& j, const char* key, bool& out) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_boolean()) return bad(key, "not a boolean");
  out = it->get<bool>();
  return {};
}

Status read_int(const json& j, const char* key, std::int64_t min, std::int64_t max,
                std::int64_t& out) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (!it->is_number_integer()) return bad(key, "not an integer");
  // A number above INT64_MAX is stored unsigned: refused like any other out-of-range value.
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return bad(key, "out of range");
  }
  const auto v = it->get<std::int64_t>();
  if (v < min || v > max) return bad(key, "out of range");
  out = v;
  return {};
}

Status read_totp(const json& j, TotpParams& p) {
  std::string alg;
  MFA_TRY(read_string(j, "algorithm", alg));
  if (j.contains("algorithm")) {
    auto a = parse_otp_algorithm(alg);
    if (!a) return fail(a.error());
    p.algorithm = *a;
  }
  for (auto [key, field] : {std::pair{"digits", &p.digits}, std::pair{"period", &p.period}}) {
    std::int64_t v = *field;
    MFA_TRY(read_int(j, key, 0, 1000, v));
    *field = static_cast<int>(v);
  }
  return validate_totp_params(p);
}

Status read_credential(const json& j, FactorType type, CredentialParams& c) {
  MFA_TRY(read_string(j, "user_handle", c.user_handle));
  MFA_TRY(read_string(j, "credential_id", c.credential_id));
  MFA_TRY(read_string(j, "public_key", c.public_key));
  MFA_TRY(read_int(j, "alg", std::numeric_limits<std::int32_t>::min(),
                   std::numeric_limits<std::int32_t>::max(), c.alg));
  MFA_TRY(read_string(j, "attestation", c.attestation));
  MFA_TRY(read_string(j, "fmt", c.fmt));
  MFA_TRY(read_string(j, "aaguid", c.aaguid));
  MFA_TRY(read_bool(j, "uv_initialized", c.uv_initialized));
  if (type == FactorType::kFido2) return read_string(j, "rp_id", c.rp_id);
  MFA_TRY(read_bool(j, "attestation_trusted", c.attestation_trusted));
  MFA_TRY(read_bool(j, "backup_eligible", c.backup_eligible));
  MFA_TRY(read_bool(j, "backup_state", c.backup_state));
  if (auto it = j.find("transports"); it != j.end()) {
    if (!it->is_array()) return bad("transports", "not an array");
    if (it->size() > kMaxTransports) return bad("transports", "too many");
    for (const json& t : *it) {
      if (!t.is_string() || t.get_ref<const std::string&>().size() > kMaxValueLen) {
        return bad("transports", "not a list of strings");
      }
      c.transports.push_back(t.get<std::string>());
    }
  }
  return {};
}

}  // namespace

Result<FactorParams> parse_factor_params(FactorType type, std::string_view text) {
  // parse(..., allow_exceptions = false): core code does not throw.
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Errc::kInvalidArgument, "factor params: not a JSON object");
  }
  FactorParams p;
  Status read;
  switch (type) {
    case FactorType::kTotp: read = read_totp(j, p.totp); break;
    case FactorType::kSms:
    case FactorType::kEmail: read = read_string(j, "destination", p.destination); break;
    case FactorType::kWebauthn:
    case FactorType::kFido2: read = read_credential(j, type, p.credential); break;
  }
  if (!read) return fail(Errc::kInvalidArgument, "factor params: " + read.error().context);
  return p;
}

Result<FactorParams> read_factor_params(const FactorRecord& f) {
  auto p = parse_factor_params(f.type, f.params);
  if (!p) return fail(Errc::kInternal, "stored " + p.error().context);
  return p;
}

std::string factor_params_json(FactorType type, const FactorParams& p) {
  json j = json::object();
  const CredentialParams& c = p.credential;
  switch (type) {
    case FactorType::kTotp:
      j = {{"algorithm", to_string(p.totp.algorithm)},
           {"digits", p.totp.digits},
           {"period", p.totp.period}};
      break;
    case FactorType::kSms:
    case FactorType::kEmail: j["destination"] = p.destination; break;
    case FactorType::kWebauthn:
      j["user_handle"] = c.user_handle;
      if (c.credential_id.empty()) break;  // a registration still pending
      j.update({{"credential_id", c.credential_id},
                {"public_key", c.public_key},
                {"alg", c.alg},
                {"transports", c.transports},
                {"attestation", c.attestation},
                {"attestation_trusted", c.attestation_trusted},
                {"fmt", c.fmt},
                {"aaguid", c.aaguid},
                {"uv_initialized", c.uv_initialized},
                {"backup_eligible", c.backup_eligible},
                {"backup_state", c.backup_state}});
      break;
    case FactorType::kFido2:
      j = {{"credential_id", c.credential_id},
           {"public_key", c.public_key},
           {"alg", c.alg},
           {"rp_id", c.rp_id},
           {"user_handle", c.user_handle},
           {"attestation", c.attestation},
           {"fmt", c.fmt},
           {"aaguid", c.aaguid},
           {"uv_initialized", c.uv_initialized}};
      break;
  }
  return j.dump();
}

}  // namespace mfa::core
