// Every user-controllable size or count has a named limit here (DESIGN.md section 8).
// Change a limit here, not at its use.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mfa::limits {

// HTTP (both listeners)
inline constexpr std::size_t kMaxRequestBody = 64 * 1024;
inline constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
inline constexpr std::size_t kMaxHeaderCount = 64;
inline constexpr std::int64_t kIdleTimeoutMs = 60'000;     // keep-alive idle between requests
inline constexpr std::int64_t kRequestTimeoutMs = 10'000;  // whole request must arrive in this
// A new connection must start its first request this soon after accept (TLS handshake
// included): a silent connection holds a slot for this long, not for the keep-alive idle.
inline constexpr std::int64_t kFirstByteTimeoutMs = 10'000;
inline constexpr std::int64_t kTlsHandshakeTimeoutMs = 5'000;

// Connection budgets (issue 10): the Unix socket and TCP never share one, so that remote
// peers cannot starve PAM logins. On the socket, one non-root uid gets a share and all the
// non-root uids together leave a reserve that only uid 0 (sshd, sudo, su, login) can take.
inline constexpr std::size_t kMaxUnixConnections = 1024;
inline constexpr std::size_t kMaxUnixConnectionsPerUid = 64;
inline constexpr std::size_t kUnixRootReserve = 256;
inline constexpr std::size_t kMaxTcpConnections = 4096;
inline constexpr std::size_t kMaxTcpConnectionsPerAddress = 512;
inline constexpr std::size_t kMaxRequestsPerConnection = 100'000;

// Names and strings
inline constexpr std::size_t kMaxAppNameLen = 64;
inline constexpr std::size_t kMaxUserNameLen = 256;
inline constexpr std::size_t kMaxLabelLen = 64;
inline constexpr std::size_t kMaxServiceNameLen = 64;
// A phone number as typed, spaces and all ("+1 (201) 555-0123"); E.164 itself is 16 bytes.
inline constexpr std::size_t kMaxPhoneInputLen = 40;
inline constexpr std::size_t kMaxRhostLen = 256;
inline constexpr std::size_t kMaxCodeLen = 64;  // any typed code/answer
// One answer in a PAM conversation: a code, a picker choice, or a security key PIN
// (pam_module/pam_io.h kMaxAnswerLen is equal; tests/unit/test_limits_agree.cc).
inline constexpr std::size_t kMaxPamAnswerLen = 256;
inline constexpr std::size_t kMaxEmailLen = 254;
inline constexpr std::size_t kMaxApiKeyNameLen = 64;

// Files the daemon reads (daemon/core/base/bounded_file.h: at most the limit + 1 bytes are read,
// a larger file is refused at start or reload).
// mfad.yaml and policy.yaml: hand-written YAML; the commented examples are a few KiB, so a
// MiB is room for any real file while keeping yaml-cpp's node tree (a multiple of the text)
// bounded.
inline constexpr std::size_t kMaxConfigFileBytes = 1024 * 1024;
inline constexpr std::size_t kMaxPolicyFileBytes = 1024 * 1024;
// webauthn.attestation_roots: all root files together (a few vendor roots, ~1 KiB each in PEM;
// the FIDO MDS roots are well under this). Each file is read with what is left of it.
inline constexpr std::size_t kMaxAttestationRootsBytes = 1024 * 1024;
// listeners.tcp.tls_cert: a PEM chain (leaf + intermediates, ~2 KiB per certificate).
inline constexpr std::size_t kMaxTlsCertFileBytes = 1024 * 1024;
// listeners.tcp.tls_key: one PEM private key (an RSA-8192 key is ~6.5 KiB); read into a wiping
// buffer up front, so the cap stays small.
inline constexpr std::size_t kMaxTlsKeyFileBytes = 64 * 1024;
// CA files (listeners.tcp.client_ca, delivery.smtp.ca_file, delivery.sms.ca_file): may be a
// whole trust bundle (Debian's ca-certificates.crt is ~220 KiB).
inline constexpr std::size_t kMaxCaFileBytes = 4 * 1024 * 1024;
// delivery.smtp.password_file: one password line; read into a wiping buffer up front.
inline constexpr std::size_t kMaxSmtpPasswordFileBytes = 4 * 1024;
inline constexpr std::size_t kMaxPolicyRules = 1000;
// List entries across the whole policy (YAML aliases can repeat one list many times).
inline constexpr std::size_t kMaxPolicyEntries = 100'000;

// Engine
inline constexpr std::size_t kMaxFactorsPerUser = 20;
inline constexpr std::size_t kMaxPendingChallengesPerUser = 10;
inline constexpr std::size_t kMaxChallengeAttempts = 5;
inline constexpr std::size_t kMaxPamConversations = 1024;
// Open PAM conversations per caller uid that is not an admin (issue 10 finding 2): such a uid
// may only authenticate itself (a screen locker), one conversation per tty; a few cover a
// locker and a sudo prompt at once. Root (sshd, sudo, su) serves every user and is bounded
// per PAM user instead, so one uid cannot fill the table for everyone else.
inline constexpr std::size_t kMaxPamConversationsPerUid = 4;
// Open PAM conversations per (canonical) PAM user, whoever the caller: parallel logins of one
// account; below kMaxPendingChallengesPerUser so the cap, not the store, refuses first.
inline constexpr std::size_t kMaxPamConversationsPerUser = 8;
inline constexpr std::int64_t kPamConversationTtlS = 300;
// A pending TOTP factor younger than this is shown again to a new enrolment at login (the
// user scanned it already; sshd retries after a failed conversation); an older one is replaced.
inline constexpr std::int64_t kPendingTotpReuseS = 3600;
inline constexpr std::size_t kMaxAuditPage = 1000;
inline constexpr std::size_t kMaxListPage = 1000;
// Delivered codes (SMS, email): sends per user and per destination in a window. Bounds cost,
// abuse of the gateway as a spam relay, and guesses (each code has its own attempt limit).
inline constexpr std::int64_t kCodeSendWindowS = 900;
inline constexpr std::int64_t kMaxCodeSendsPerUser = 10;
inline constexpr std::int64_t kMaxCodeSendsPerDestination = 5;

// Store
inline constexpr int kSqliteBusyTimeoutMs = 5000;
// An API key's last_used_at is written at most this often (each write is an fsync).
inline constexpr std::int64_t kApiKeyTouchIntervalS = 60;
// Read-only SQLite connections per store (run_read leases one per read transaction).
inline constexpr std::size_t kSqliteReadConnections = 8;

}  // namespace mfa::limits
