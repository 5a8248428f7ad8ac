#include "daemon/src/http/connection_budget.h"

#include <tuple>
#include <utility>

namespace mfa::daemon {

bool UnixBudget::try_acquire(uid_t uid) {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_ >= limits_.max_connections) return false;
  if (uid != 0) {
    const std::size_t share = limits_.max_connections - limits_.root_reserve;
    auto it = by_uid_.find(uid);
    const std::size_t mine = it == by_uid_.end() ? 0 : it->second;
    if (non_root_open_ >= share || mine >= limits_.max_connections_per_uid) return false;
    ++by_uid_[uid];
    ++non_root_open_;
  }
  ++open_;
  return true;
}

void UnixBudget::release(uid_t uid) {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_ == 0) return;
  if (uid != 0) {
    auto it = by_uid_.find(uid);
    if (it == by_uid_.end()) return;
    if (--it->second == 0) by_uid_.erase(it);
    --non_root_open_;
  }
  --open_;
}

std::map<TcpBudget::Id, TcpBudget::Conn>::iterator TcpBudget::pick_victim(
    const std::string* address) {
  auto best = conns_.end();
  for (auto it = conns_.begin(); it != conns_.end(); ++it) {
    const Conn& c = it->second;
    if (!c.idle || (address != nullptr && c.address != *address)) continue;
    // Never-used before keep-alive idle; within each, idle the longest first.
    if (best == conns_.end() ||
        std::tie(c.served, c.since) < std::tie(best->second.served, best->second.since)) {
      best = it;
    }
  }
  return best;
}

void TcpBudget::forget(std::map<Id, Conn>::iterator it) {
  auto a = by_address_.find(it->second.address);
  if (a != by_address_.end() && --a->second == 0) by_address_.erase(a);
  conns_.erase(it);
}

TcpBudget::Admission TcpBudget::admit(const std::string& address, Shed shed) {
  std::lock_guard<std::mutex> lock(mu_);
  Admission out;
  auto a = by_address_.find(address);
  const bool address_full =
      a != by_address_.end() && a->second >= limits_.max_connections_per_address;
  if (address_full || conns_.size() >= limits_.max_connections) {
    // An address at its own cap can only displace one of its own connections.
    auto victim = pick_victim(address_full ? &address : nullptr);
    if (victim == conns_.end()) return out;
    out.victim = std::move(victim->second.shed);
    forget(victim);
  }
  out.id = next_id_++;
  Conn c;
  c.address = address;
  c.since = ++clock_;
  c.shed = std::move(shed);
  conns_.emplace(out.id, std::move(c));
  ++by_address_[address];
  return out;
}

bool TcpBudget::begin_request(Id id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return false;
  it->second.idle = false;
  return true;
}

void TcpBudget::end_request(Id id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  it->second.idle = true;
  it->second.served = true;
  it->second.since = ++clock_;
}

void TcpBudget::release(Id id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(id);
  if (it != conns_.end()) forget(it);
}

}  // namespace mfa::daemon
