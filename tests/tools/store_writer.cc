// Durability probe for the SQLite store (tests/integration/test_store_durability.py).
//
//   store_writer DBPATH N            N iterations of append_audit + commit_verification (the
//                                    TOTP replay guard alone); after
//                                    BOTH methods returned, prints "<audit_id> <step>" and
//                                    flushes. A printed line is therefore a write the store
//                                    claimed durable; kill -9 at any point must not lose it.
//   store_writer DBPATH --verify ID... reopens the store through open_sqlite_store (which must
//                                    recover the WAL and pass migrations) and checks that each
//                                    audit ID exists and the factor's last_step >= the largest
//                                    ID. Exit 0 when all present, 1 otherwise.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "daemon/core/store/sqlite_store.h"

namespace {

constexpr const char* kFactor = "f_durability";

int die(const char* what, const mfa::Error& e) {
  std::fprintf(stderr, "store_writer: %s: %s\n", what, e.context.c_str());
  return 2;
}

int write_loop(mfa::Store& store, long n) {
  mfa::FactorRecord f;
  f.id = kFactor;
  f.app = "system";
  f.user = "durability";
  f.type = mfa::core::FactorType::kTotp;
  f.status = mfa::core::FactorStatus::kActive;
  f.secret_ct = {1, 2, 3};
  auto ins = store.insert_factor(f);
  if (!ins && ins.error().code != mfa::Errc::kAlreadyExists)
    return die("insert_factor", ins.error());

  for (long i = 0; i < n; ++i) {
    mfa::AuditEvent e;
    e.at_ms = i;
    e.app = "system";
    e.user = "durability";
    e.event = "test.durable_write";
    e.actor = "system";
    e.detail = "{\"i\":" + std::to_string(i) + "}";
    auto id = store.append_audit(e);
    if (!id) return die("append_audit", id.error());
    // Audit ids only grow (AUTOINCREMENT), so they double as strictly increasing TOTP steps.
    mfa::VerificationCommit step;
    step.totp_factor_id = kFactor;
    step.totp_step = *id;
    step.now_s = i;
    auto adv = store.commit_verification(step, nullptr);
    if (!adv) return die("commit_verification", adv.error());
    if (*adv != mfa::VerificationOutcome::kCommitted) {
      std::fprintf(stderr, "store_writer: step %lld was refused\n", static_cast<long long>(*id));
      return 3;
    }
    std::printf("%lld %lld\n", static_cast<long long>(*id), static_cast<long long>(*id));
    std::fflush(stdout);
  }
  return 0;
}

int verify(mfa::Store& store, int argc, char** argv) {
  long long max_id = 0;
  int missing = 0;
  for (int i = 3; i < argc; ++i) {
    const long long id = std::strtoll(argv[i], nullptr, 10);
    if (id > max_id) max_id = id;
    mfa::AuditFilter f;
    f.after_id = id - 1;
    f.limit = 1;
    auto r = store.query_audit(f);
    if (!r) return die("query_audit", r.error());
    if (r->empty() || (*r)[0].id != id) {
      std::fprintf(stderr, "store_writer: audit id %lld missing\n", id);
      ++missing;
    }
  }
  auto fac = store.get_factor(kFactor);
  if (!fac) return die("get_factor", fac.error());
  if (max_id > 0 && (!fac->has_value() || (*fac)->last_step < max_id)) {
    std::fprintf(stderr, "store_writer: last_step %lld < %lld\n",
                 fac->has_value() ? static_cast<long long>((*fac)->last_step) : -1LL, max_id);
    ++missing;
  }
  return missing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: store_writer DBPATH N | store_writer DBPATH --verify ID...\n");
    return 64;
  }
  auto store = mfa::open_sqlite_store(argv[1]);
  if (!store) return die("open", store.error());
  if (std::string(argv[2]) == "--verify") return verify(**store, argc, argv);
  return write_loop(**store, std::strtol(argv[2], nullptr, 10));
}
