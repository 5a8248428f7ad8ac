// The Store interface: everything mfad persists. Callers (engine, daemon) see only this; the
// SQLite backend (sqlite_store.cc) is the embedded default and a PostgreSQL backend can follow
// without touching callers. Every method is one atomic unit of work: implementations may
// group-commit many of them under one fsync, but a method returns only after its write is
// durable (reserve_attempt: durable against a process crash, see there). Secrets arrive here
// already encrypted (aead.h); codes arrive already hashed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/base/login_origin.h"
#include "daemon/core/base/result.h"
#include "daemon/core/store/store_enums.h"

namespace mfa {

struct UserRecord {
  std::string app;
  std::string user;
  std::string email;  // empty when unset
  std::string phone;  // E.164 or empty
  std::string display_name;
  std::string status = "active";                 // active | disabled
  std::optional<std::int64_t> grace_deadline_s;  // set when `required` first applies
  std::int64_t created_at_s = 0;
};

struct FactorRecord {
  std::string id;  // "f_..."
  std::string app;
  std::string user;
  core::FactorType type = core::FactorType::kTotp;
  std::string label;
  core::FactorStatus status = core::FactorStatus::kPending;
  std::vector<std::uint8_t> secret_ct;  // AEAD ciphertext (aead.h), bound to app/user/id
  std::string params;           // JSON: digits, period, algorithm, destination, credential...
  std::int64_t last_step = -1;  // TOTP: last accepted time step (replay guard, RFC 6238 5.2)
  std::int64_t sign_count = 0;  // WebAuthn
  std::int64_t created_at_s = 0;
  std::int64_t last_used_at_s = 0;
};

struct BackupCodeRecord {
  std::int64_t id = 0;
  std::string app;
  std::string user;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
  std::optional<std::int64_t> used_at_s;
};

struct ChallengeEvent {
  std::int64_t at_ms = 0;
  std::string
      event;  // created | attempt_failed | approved | denied | expired | cancelled | resent ...
  std::string detail;  // never a code
};

struct ChallengeRecord {
  std::string id;  // "ch_..."
  std::string app;
  std::string user;
  core::ChallengePurpose purpose = core::ChallengePurpose::kLogin;
  core::ChallengeMethod method = core::ChallengeMethod::kAny;
  core::ChallengeStatus status = core::ChallengeStatus::kPending;
  std::string factor_id;  // optional: the factor this challenge is bound to
  std::int64_t attempts = 0;
  std::int64_t max_attempts = 0;
  std::int64_t created_at_s = 0;
  std::int64_t expires_at_s = 0;
  core::LoginOrigin origin;  // of the login that made it: rules match it at verification too
  std::vector<std::uint8_t> code_hash;  // SMS/email code hash, empty otherwise
  std::string data;                     // JSON (e.g. WebAuthn options)
  std::vector<ChallengeEvent> events;   // filled by get_challenge only
};

struct ChallengeFilter {
  std::string app;
  std::string user;                               // empty = any
  std::optional<core::ChallengePurpose> purpose;  // nullopt = any
  std::optional<core::ChallengeMethod> method;
  std::optional<core::ChallengeStatus> status;
  std::size_t limit = 100;
  std::size_t offset = 0;
};

struct AuditEvent {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t at_ms = 0;
  std::string app;
  std::string user;
  std::string event;        // mfa.factor_enrolled, user.mfa_succeeded, ...
  std::string actor;        // "uid:0", "apikey:k_...", "system"
  std::string remote_addr;  // the end user's address (AuditContext)
  std::string client_addr;  // the TCP peer that made the call; empty on the socket
  std::string detail;       // JSON object; never secrets
};

struct AuditFilter {
  std::string app;  // empty = any
  std::string user;
  std::string event;
  std::int64_t after_id = 0;   // only ids above it (for --follow)
  std::int64_t before_id = 0;  // > 0: only ids below it (the next page, newest first)
  std::int64_t since_ms = 0;
  std::size_t limit = 100;
  bool newest_first = false;  // else ascending ids (what --follow needs)
};

struct LockoutState {
  std::string key;  // "user:<app>/<user>" or "rhost:<app>/<addr>"
  std::int64_t failures = 0;
  std::int64_t window_start_s = 0;
  std::int64_t locked_until_s = 0;
};

struct ApiKeyRecord {
  std::string id;  // "k_..." (public part, shown in lists)
  std::string app;
  std::string name;
  std::vector<std::uint8_t> hash;   // SHA-256 of the secret part; the secret is never stored
  std::vector<std::string> scopes;  // verify | enroll | admin
  std::int64_t created_at_s = 0;
  std::optional<std::int64_t> revoked_at_s;
  std::int64_t last_used_at_s = 0;
};

// One guess's claim on the failure budgets it draws on, taken BEFORE its secret is compared:
// a check-then-record lockout let 50 parallel guesses through a limit of 5 (issue 10 #6).
// Every increment is conditional, all-or-nothing in one transaction, so at most the limit of
// guesses is ever compared, whatever the concurrency and across hosts sharing the store. A
// failed compare keeps the reservation as its failure record; an accepted one gives it back
// (VerificationCommit::release) in the transaction that commits the success.
struct AttemptReservation {
  std::vector<std::string> lockout_keys;  // the user's and/or the address's counter
  std::int64_t max_failures = 0;          // per key and window (policy lockout.attempts, >= 1)
  std::int64_t window_s = 0;
  std::int64_t lock_s = 0;
  std::string challenge_id;  // also take one of this pending challenge's attempts when set
  std::int64_t now_s = 0;
};

enum class ReservationOutcome {
  kReserved,
  kLocked,           // a counter is at its limit (or locked) in the window: nothing was taken
  kChallengeClosed,  // the challenge has no attempts left or is no longer pending
};

struct ReservedAttempt {
  ReservationOutcome outcome = ReservationOutcome::kReserved;
  // kReserved: each key's state counting this attempt (locked_until_s > now_s when it took the
  // last one: as a failure it locks). kLocked: the refused keys' states as stored.
  std::vector<LockoutState> lockouts;
  std::int64_t retry_after_s = 0;  // kLocked: seconds until a counter lets an attempt through
};

// A reserved attempt given back. Each counter is decremented only while the window the
// reservation counted in lasts (key + window_start_s from ReservedAttempt), and its lock is
// lifted when it falls back under max_failures (the lock was this attempt's own).
struct AttemptRelease {
  std::vector<LockoutState> lockouts;
  std::int64_t max_failures = 0;
  std::string challenge_id;  // give the challenge's attempt back as well
};

// The writes of one accepted code, committed as ONE transaction so that a verification costs
// one fsync (bench/RESULTS.md): the replay guard (or a WebAuthn sign count), the challenge's
// approval, the lockout reset and the attempt's reservation given back, the remember window
// and seen address, and the audit record. Empty fields are skipped. The
// compare-and-sets decide: when one loses, nothing of the unit is written.
struct VerificationCommit {
  std::string totp_factor_id;  // advance this factor's last_step to totp_step (RFC 6238 5.2)
  std::int64_t totp_step = 0;
  std::int64_t backup_code_id = 0;  // mark this unused backup code used (when non-zero)
  std::string challenge_id;         // move pending -> approved and record challenge_event
  ChallengeEvent challenge_event;
  std::string clear_lockout_key;     // reset this lockout counter
  AttemptRelease release;            // the accepted attempt's reservation, given back
  std::string sign_count_factor_id;  // WebAuthn: store sign_count and the use time (when set)
  std::int64_t sign_count = 0;
  std::string app;
  std::string user;
  std::string remote_addr;  // mark seen (step_up.new_rhost) when non-empty
  std::string remember_service;
  std::int64_t remember_until_s = 0;  // remember window for remote_addr+service when > 0
  std::int64_t now_s = 0;
  AuditEvent audit;  // appended when `event` is set
};

enum class VerificationOutcome {
  kCommitted,
  kReplayed,             // the TOTP step or the backup code was already used
  kChallengeNotPending,  // the challenge was completed (or expired) concurrently
};

// Conventions every backend keeps (sqlite_store.cc is the reference):
// - Insert helpers create missing parents with upsert semantics instead of failing: ensure the
//   app row for upsert_user/insert_api_key, and the app + a bare user row (status active, no
//   contact data) for insert_factor, insert_challenge, replace_backup_codes, remember_login,
//   mark_rhost_seen and set_grace_deadline_once. Inserting a duplicate id is kAlreadyExists.
// - upsert_user replaces email, phone, display_name and status; it keeps created_at_s from the
//   first insert and never clears a stored grace deadline (a nullopt leaves it as is).
// - Methods that address one existing row by id (activate_factor, update_factor_params,
//   update_sign_count, touch_factor, delete_factor, delete_user, record_challenge_failure,
//   update_challenge_code, touch_api_key, and commit_verification for a missing factor) return
//   kNotFound when no such row exists. The compare-and-set methods return false otherwise.
// - list_* and query_audit clamp `limit` to limits::kMaxListPage / kMaxAuditPage.
// - Rows are read through store_enums.h: a type, status, purpose or method column holding a
//   value outside its table is kInternal ("stored ... unknown"), never a default.
// - Errors: kBusy when the database stays locked past limits::kSqliteBusyTimeoutMs,
//   kAlreadyExists on a unique-key violation, kStorage otherwise (context never holds values).
// - Thread-safe: any method may be called from any thread.
class Store {
 public:
  virtual ~Store() = default;

  // Schema version after migrations (for /v1/health and tests).
  virtual Result<int> schema_version() = 0;

  // Apps
  virtual Status ensure_app(const std::string& app, std::int64_t now_s) = 0;
  virtual Result<std::vector<std::string>> list_apps() = 0;

  // Users
  virtual Status upsert_user(const UserRecord& u) = 0;
  virtual Result<std::optional<UserRecord>> get_user(const std::string& app,
                                                     const std::string& user) = 0;
  virtual Result<std::vector<UserRecord>> list_users(const std::string& app, std::size_t limit,
                                                     std::size_t offset) = 0;
  // Deletes the user and everything hanging off it (factors, codes, challenges).
  virtual Status delete_user(const std::string& app, const std::string& user) = 0;
  // Sets the grace deadline only if none is stored yet; returns the stored one.
  virtual Result<std::int64_t> set_grace_deadline_once(const std::string& app,
                                                       const std::string& user,
                                                       std::int64_t deadline_s,
                                                       std::int64_t now_s) = 0;

  // Factors
  virtual Status insert_factor(const FactorRecord& f) = 0;
  virtual Result<std::optional<FactorRecord>> get_factor(const std::string& id) = 0;
  virtual Result<std::vector<FactorRecord>> list_factors(const std::string& app,
                                                         const std::string& user) = 0;
  virtual Status activate_factor(const std::string& id, std::int64_t step, std::int64_t now_s) = 0;
  virtual Status update_factor_params(const std::string& id, const std::string& params) = 0;
  // WebAuthn: stores the new sign count and the use time.
  virtual Status update_sign_count(const std::string& id, std::int64_t sign_count,
                                   std::int64_t now_s) = 0;
  virtual Status touch_factor(const std::string& id, std::int64_t now_s) = 0;
  // WebAuthn: the factor (any app, user or status) whose params hold this credential id
  // (base64url), for the "not registered for any user" check (WebAuthn 7.1 step 26).
  virtual Result<std::optional<FactorRecord>> find_webauthn_credential(
      const std::string& credential_id_b64url) = 0;
  virtual Status delete_factor(const std::string& id) = 0;
  virtual Result<std::size_t> delete_all_factors(const std::string& app,
                                                 const std::string& user) = 0;

  // Backup codes
  // Replaces all of the user's codes with these (regeneration is all-or-nothing).
  virtual Status replace_backup_codes(const std::string& app, const std::string& user,
                                      const std::vector<BackupCodeRecord>& codes) = 0;
  virtual Result<std::vector<BackupCodeRecord>> unused_backup_codes(const std::string& app,
                                                                    const std::string& user) = 0;

  // One accepted code's writes in one transaction (VerificationCommit above). On kCommitted
  // `audit_id` (when not null) receives the audit record's id. kNotFound for a missing factor.
  virtual Result<VerificationOutcome> commit_verification(const VerificationCommit& c,
                                                          std::int64_t* audit_id) = 0;

  // Challenges
  virtual Status insert_challenge(const ChallengeRecord& c) = 0;
  virtual Result<std::optional<ChallengeRecord>> get_challenge(const std::string& id) = 0;
  virtual Result<std::vector<ChallengeRecord>> list_challenges(const ChallengeFilter& f) = 0;
  // Moves a challenge from `expected_status` to `new_status` (compare-and-set) and records
  // an event; returns false when the challenge was not in `expected_status`.
  virtual Result<bool> transition_challenge(const std::string& id,
                                            core::ChallengeStatus expected_status,
                                            core::ChallengeStatus new_status,
                                            const ChallengeEvent& ev) = 0;
  // A failed attempt at a challenge (its attempt was taken by reserve_attempt): records `ev`
  // and moves the challenge from pending to failed, with a "failed" event, when `close` or
  // when its attempts are used up. kNotFound for a missing challenge.
  virtual Status record_challenge_failure(const std::string& id, const ChallengeEvent& ev,
                                          bool close) = 0;
  virtual Status update_challenge_code(const std::string& id,
                                       const std::vector<std::uint8_t>& code_hash,
                                       std::int64_t expires_at_s, const ChallengeEvent& ev) = 0;
  // Delivered codes (SMS, email): binds the challenge to `factor_id`, replaces its code hash
  // (empty = no valid code, e.g. the delivery failed), sets the expiry and the delivery state
  // JSON in `data`, and records `ev`, in one transaction. kNotFound for a missing challenge.
  virtual Status set_challenge_delivery(const std::string& id, const std::string& factor_id,
                                        const std::vector<std::uint8_t>& code_hash,
                                        std::int64_t expires_at_s, const std::string& data,
                                        const ChallengeEvent& ev) = 0;
  // WebAuthn: records `challenge_b64url` as the challenge's WebAuthn challenge (data JSON key
  // "webauthn_challenge") only if the challenge is pending and has none yet; false otherwise.
  virtual Result<bool> attach_webauthn_challenge(const std::string& id,
                                                 const std::string& challenge_b64url) = 0;
  // WebAuthn discoverable (usernameless) logins, WebAuthn 7.2 with an empty allowCredentials:
  // the challenge belongs to an app, not to a user, so it is kept apart from `challenges`.
  // insert: kAlreadyExists on a duplicate id. take: consumes a pending, unexpired one once
  // (compare-and-set; a second take, or one after expires_at_s, returns nullopt) and returns
  // its WebAuthn challenge (base64url).
  virtual Status insert_passkey_login(const std::string& app, const std::string& id,
                                      const std::string& challenge_b64url,
                                      std::int64_t created_at_s, std::int64_t expires_at_s) = 0;
  virtual Result<std::optional<std::string>> take_passkey_login(const std::string& app,
                                                                const std::string& id,
                                                                std::int64_t now_s) = 0;
  virtual Result<std::size_t> count_pending_challenges(const std::string& app,
                                                       const std::string& user,
                                                       std::int64_t now_s) = 0;

  // Audit
  virtual Result<std::int64_t> append_audit(const AuditEvent& e) = 0;
  virtual Result<std::vector<AuditEvent>> query_audit(const AuditFilter& f) = 0;

  // Lockout counters (per user and per remote address; survive restarts)
  virtual Result<LockoutState> get_lockout(const std::string& key) = 0;
  // Records one failure: resets the window if it is older than window_s, then increments;
  // when failures reach max_failures sets locked_until = now + lock_s. Returns the new state.
  virtual Result<LockoutState> record_failure(const std::string& key, std::int64_t now_s,
                                              std::int64_t window_s, std::int64_t max_failures,
                                              std::int64_t lock_s) = 0;
  virtual Status clear_lockout(const std::string& key) = 0;
  // AttemptReservation above. Per key the conditional increment is one upsert a PostgreSQL
  // backend can mirror as is:
  //   INSERT INTO lockouts VALUES (key, 1, now, lock_if_last) ON CONFLICT (key) DO UPDATE
  //   SET failures = <1 if the window expired, else failures + 1>, window_start_s = ...,
  //       locked_until_s = <now + lock_s when the new count reaches max_failures>
  //   WHERE locked_until_s <= now AND (window expired OR failures < max_failures)
  //   RETURNING failures, window_start_s, locked_until_s
  // and per challenge `UPDATE challenges SET attempts = attempts + 1 WHERE id = ? AND status =
  // 'pending' AND attempts < max_attempts RETURNING attempts`; a statement that changes no row
  // refuses the whole reservation (rolled back). Durable against a process crash but not
  // waiting for an fsync of its own (SQLite: synchronous=NORMAL for this transaction; the next
  // durable commit, e.g. the verification's, syncs it too): a reservation lost to a power cut
  // is an attempt nobody compared, and costs an attacker nothing they could force.
  virtual Result<ReservedAttempt> reserve_attempt(const AttemptReservation& r) = 0;
  // Gives back a reservation that turned out not to be a failure (e.g. the device was busy).
  virtual Status release_attempt(const AttemptRelease& r) = 0;

  // Remember window and seen addresses (policy `remember`, `step_up.new_rhost`)
  virtual Status remember_login(const std::string& app, const std::string& user,
                                const std::string& rhost, const std::string& service,
                                std::int64_t until_s) = 0;
  virtual Result<std::int64_t> remembered_until(const std::string& app, const std::string& user,
                                                const std::string& rhost,
                                                const std::string& service) = 0;
  virtual Result<bool> rhost_seen(const std::string& app, const std::string& user,
                                  const std::string& rhost) = 0;
  virtual Status mark_rhost_seen(const std::string& app, const std::string& user,
                                 const std::string& rhost, std::int64_t now_s) = 0;

  // API keys
  virtual Status insert_api_key(const ApiKeyRecord& k) = 0;
  virtual Result<std::optional<ApiKeyRecord>> get_api_key(const std::string& id) = 0;
  virtual Result<std::vector<ApiKeyRecord>> list_api_keys(const std::string& app) = 0;
  virtual Result<bool> revoke_api_key(const std::string& id, std::int64_t now_s) = 0;
  virtual Status touch_api_key(const std::string& id, std::int64_t now_s) = 0;
};

}  // namespace mfa
