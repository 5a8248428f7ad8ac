// SQLite backend: challenges and their event timelines.
#include <algorithm>
#include <cstdint>

#include "daemon/core/base/limits.h"
#include "daemon/core/store/sqlite_store_impl.h"

namespace mfa::sqlite {
namespace {

#define MFA_CHALLENGE_COLS                                                                   \
  "id, app, user, purpose, method, status, factor_id, attempts, max_attempts, created_at_s," \
  " expires_at_s, remote_addr, service, code_hash, data, tty"

// A purpose, method or status outside store_enums.cc's tables is a damaged row, not a default.
Result<ChallengeRecord> read_challenge(const Stmt& st) {
  ChallengeRecord c;
  c.id = st.col_text(0);
  c.app = st.col_text(1);
  c.user = st.col_text(2);
  auto purpose = core::parse_challenge_purpose(st.col_text(3));
  auto method = core::parse_challenge_method(st.col_text(4));
  auto status = core::parse_challenge_status(st.col_text(5));
  if (!purpose) return fail(Errc::kInternal, "stored challenge purpose unknown");
  if (!method) return fail(Errc::kInternal, "stored challenge method unknown");
  if (!status) return fail(Errc::kInternal, "stored challenge status unknown");
  c.purpose = *purpose;
  c.method = *method;
  c.status = *status;
  c.factor_id = st.col_text(6);
  c.attempts = st.col_i64(7);
  c.max_attempts = st.col_i64(8);
  c.created_at_s = st.col_i64(9);
  c.expires_at_s = st.col_i64(10);
  c.origin.remote_addr = st.col_text(11);
  c.origin.service = st.col_text(12);
  c.code_hash = st.col_blob(13);
  c.data = st.col_text(14);
  c.origin.tty = st.col_text(15);
  return c;
}

}  // namespace

Status SqliteStore::add_challenge_event(Db& db, const std::string& id, const ChallengeEvent& ev) {
  auto st = db.prepare(
      "INSERT INTO challenge_events(challenge_id, at_ms, event, detail) VALUES(?, ?, ?, ?)");
  if (!st) return fail(st.error());
  return st->text(id).i64(ev.at_ms).text(ev.event).text(ev.detail).exec();
}

Status SqliteStore::insert_challenge(const ChallengeRecord& c) {
  return run_write([&](Db& db) -> Status {
    MFA_TRY(ensure_user_row(db, c.app, c.user, c.created_at_s));
    auto st = db.prepare("INSERT INTO challenges(" MFA_CHALLENGE_COLS
                         ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(c.id)
                .text(c.app)
                .text(c.user)
                .text(core::to_string(c.purpose))
                .text(core::to_string(c.method))
                .text(core::to_string(c.status))
                .text(c.factor_id)
                .i64(c.attempts)
                .i64(c.max_attempts)
                .i64(c.created_at_s)
                .i64(c.expires_at_s)
                .text(c.origin.remote_addr)
                .text(c.origin.service)
                .blob(c.code_hash)
                .text(c.data)
                .text(c.origin.tty)
                .exec());
    // Events passed in with the record (typically "created") are stored with it.
    for (const ChallengeEvent& ev : c.events) MFA_TRY(add_challenge_event(db, c.id, ev));
    return {};
  });
}

Result<std::optional<ChallengeRecord>> SqliteStore::get_challenge(const std::string& id) {
  std::optional<ChallengeRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    {
      auto st = db.prepare("SELECT " MFA_CHALLENGE_COLS " FROM challenges WHERE id = ?");
      if (!st) return fail(st.error());
      auto row = st->text(id).step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      auto c = read_challenge(*st);
      if (!c) return fail(c.error());
      out = std::move(*c);
    }
    auto st = db.prepare(
        "SELECT at_ms, event, detail FROM challenge_events WHERE challenge_id = ?"
        " ORDER BY at_ms, id");
    if (!st) return fail(st.error());
    st->text(id);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      out->events.push_back(ChallengeEvent{st->col_i64(0), st->col_text(1), st->col_text(2)});
    }
  });
  if (!done) return fail(done.error());
  return out;
}

Result<std::vector<ChallengeRecord>> SqliteStore::list_challenges(const ChallengeFilter& f) {
  std::vector<ChallengeRecord> out;
  Status done = run_read([&](Db& db) -> Status {
    // Empty filter fields mean "any"; newest first.
    auto st = db.prepare("SELECT " MFA_CHALLENGE_COLS
                         " FROM challenges WHERE app = ?1 AND (?2 = '' OR user = ?2)"
                         " AND (?3 = '' OR purpose = ?3) AND (?4 = '' OR method = ?4)"
                         " AND (?5 = '' OR status = ?5)"
                         " ORDER BY created_at_s DESC, id LIMIT ?6 OFFSET ?7");
    if (!st) return fail(st.error());
    const auto limit = static_cast<std::int64_t>(std::min(f.limit, limits::kMaxListPage));
    const auto offset = static_cast<std::int64_t>(
        std::min<std::size_t>(f.offset, static_cast<std::size_t>(INT64_MAX)));
    // "" (not a null view, which would bind NULL) stands for any.
    auto name = [](const auto& v) { return v ? core::to_string(*v) : std::string_view(""); };
    st->text(f.app)
        .text(f.user)
        .text(name(f.purpose))
        .text(name(f.method))
        .text(name(f.status))
        .i64(limit)
        .i64(offset);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) return {};
      auto c = read_challenge(*st);
      if (!c) return fail(c.error());
      out.push_back(std::move(*c));
    }
  });
  if (!done) return fail(done.error());
  return out;
}

Result<bool> SqliteStore::transition_challenge(const std::string& id,
                                               core::ChallengeStatus expected_status,
                                               core::ChallengeStatus new_status,
                                               const ChallengeEvent& ev) {
  bool moved = false;
  Status done = run_write([&](Db& db) -> Status {
    auto r = cas_challenge_status(db, id, expected_status, new_status, ev);
    if (!r) return fail(r.error());
    moved = *r;
    return {};
  });
  if (!done) return fail(done.error());
  return moved;
}

Result<bool> SqliteStore::cas_challenge_status(Db& db, const std::string& id,
                                               core::ChallengeStatus expected_status,
                                               core::ChallengeStatus new_status,
                                               const ChallengeEvent& ev) {
  // Compare-and-set: a challenge is approved (or expired, cancelled...) exactly once even
  // when two requests race on it. The event is recorded only for the winner.
  {
    auto st = db.prepare("UPDATE challenges SET status = ? WHERE id = ? AND status = ?");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(core::to_string(new_status))
                .text(id)
                .text(core::to_string(expected_status))
                .exec());
    if (st->changes() != 1) return false;
  }
  MFA_TRY(add_challenge_event(db, id, ev));
  return true;
}

Status SqliteStore::record_challenge_failure(const std::string& id, const ChallengeEvent& ev,
                                             bool close) {
  return run_write([&](Db& db) -> Status {
    {
      auto st = db.prepare("SELECT 1 FROM challenges WHERE id = ?");
      if (!st) return fail(st.error());
      auto row = st->text(id).step();
      if (!row) return fail(row.error());
      if (!*row) return fail(Errc::kNotFound, "challenge not found");
    }
    MFA_TRY(add_challenge_event(db, id, ev));
    // The attempt itself was counted by reserve_attempt, before the compare. Closing is a
    // compare-and-set: the "failed" event is recorded once.
    auto st = db.prepare(
        "UPDATE challenges SET status = 'failed' WHERE id = ? AND status = 'pending'"
        " AND (? OR attempts >= max_attempts)");
    if (!st) return fail(st.error());
    MFA_TRY(st->text(id).i64(close ? 1 : 0).exec());
    if (st->changes() != 1) return {};
    return add_challenge_event(db, id, ChallengeEvent{ev.at_ms, "failed", ""});
  });
}

Status SqliteStore::update_challenge_code(const std::string& id,
                                          const std::vector<std::uint8_t>& code_hash,
                                          std::int64_t expires_at_s, const ChallengeEvent& ev) {
  return run_write([&](Db& db) -> Status {
    // Resend: the new hash replaces the old one in the same statement, so the old code stops
    // working the moment the new one exists (DESIGN.md section 5: resend cancels the old code).
    {
      auto st = db.prepare("UPDATE challenges SET code_hash = ?, expires_at_s = ? WHERE id = ?");
      if (!st) return fail(st.error());
      MFA_TRY(st->blob(code_hash).i64(expires_at_s).text(id).exec());
      MFA_TRY(require_changed(*st, "challenge"));
    }
    return add_challenge_event(db, id, ev);
  });
}

Status SqliteStore::set_challenge_delivery(const std::string& id, const std::string& factor_id,
                                           const std::vector<std::uint8_t>& code_hash,
                                           std::int64_t expires_at_s, const std::string& data,
                                           const ChallengeEvent& ev) {
  return run_write([&](Db& db) -> Status {
    // One statement: a resend's new hash replaces the old one atomically (the old code stops
    // working the moment the new one exists).
    {
      auto st = db.prepare(
          "UPDATE challenges SET factor_id = ?, code_hash = ?, expires_at_s = ?, data = ?"
          " WHERE id = ?");
      if (!st) return fail(st.error());
      MFA_TRY(st->text(factor_id).blob(code_hash).i64(expires_at_s).text(data).text(id).exec());
      MFA_TRY(require_changed(*st, "challenge"));
    }
    return add_challenge_event(db, id, ev);
  });
}

Result<std::size_t> SqliteStore::count_pending_challenges(const std::string& app,
                                                          const std::string& user,
                                                          std::int64_t now_s) {
  std::size_t n = 0;
  Status done = run_read([&](Db& db) -> Status {
    auto st = db.prepare(
        "SELECT COUNT(*) FROM challenges WHERE app = ? AND user = ? AND status = 'pending'"
        " AND expires_at_s > ?");
    if (!st) return fail(st.error());
    auto row = st->text(app).text(user).i64(now_s).step();
    if (!row) return fail(row.error());
    if (*row) n = static_cast<std::size_t>(st->col_i64(0));
    return {};
  });
  if (!done) return fail(done.error());
  return n;
}

#undef MFA_CHALLENGE_COLS

}  // namespace mfa::sqlite
