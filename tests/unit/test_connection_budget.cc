// Connection budgets (daemon/src/http/connection_budget.h, issue 10): the socket's per-uid share
// and root reserve; TCP's totals, and which idle connection a full TCP budget sheds.
#include <string>
#include <vector>

#include "daemon/src/http/connection_budget.h"

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using namespace mfa::daemon;

namespace {

mfa::UnixConnectionLimits unix_limits(std::size_t total, std::size_t per_uid, std::size_t reserve) {
  mfa::UnixConnectionLimits l;
  l.max_connections = total;
  l.max_connections_per_uid = per_uid;
  l.root_reserve = reserve;
  return l;
}

void test_unix_share_and_reserve(void**) {
  UnixBudget b(unix_limits(8, 3, 4));
  // One uid: its share.
  for (int i = 0; i < 3; ++i) assert_true(b.try_acquire(1000));
  assert_false(b.try_acquire(1000));
  // All non-root uids together: total - reserve.
  assert_true(b.try_acquire(1001));
  assert_false(b.try_acquire(1001));
  assert_false(b.try_acquire(1002));
  // Root: the reserve, up to the total.
  for (int i = 0; i < 4; ++i) assert_true(b.try_acquire(0));
  assert_false(b.try_acquire(0));
  // Releases give the slots back to whom they belong.
  b.release(0);
  assert_false(b.try_acquire(1002));  // still at the non-root share
  assert_true(b.try_acquire(0));
  b.release(1000);
  assert_true(b.try_acquire(1002));
  assert_false(b.try_acquire(1000));
  // A release with nothing held changes nothing.
  b.release(4242);
  assert_false(b.try_acquire(1003));
}

void test_unix_root_can_use_everything(void**) {
  UnixBudget b(unix_limits(4, 1, 1));
  for (int i = 0; i < 4; ++i) assert_true(b.try_acquire(0));
  assert_false(b.try_acquire(0));
  assert_false(b.try_acquire(1000));  // root took it all: the total is the total
  b.release(0);
  assert_true(b.try_acquire(1000));
}

struct Shed {
  std::vector<int>* log;
  int who;
  void operator()() const { log->push_back(who); }
};

mfa::TcpConnectionLimits tcp_limits(std::size_t total, std::size_t per_address) {
  mfa::TcpConnectionLimits l;
  l.max_connections = total;
  l.max_connections_per_address = per_address;
  return l;
}

void test_tcp_sheds_never_used_then_oldest_idle(void**) {
  TcpBudget b(tcp_limits(3, 3));
  std::vector<int> shed;
  const auto busy = b.admit("10.0.0.1", Shed{&shed, 1});
  const auto kept = b.admit("10.0.0.2", Shed{&shed, 2});
  const auto silent = b.admit("10.0.0.3", Shed{&shed, 3});
  assert_true(busy.id != 0 && kept.id != 0 && silent.id != 0);
  assert_false(busy.victim || kept.victim || silent.victim);
  assert_true(b.begin_request(busy.id));  // mid-request: never shed
  assert_true(b.begin_request(kept.id));
  b.end_request(kept.id);  // keep-alive idle after one request
  // Full: the never-used connection goes first although the keep-alive one is older.
  auto n1 = b.admit("10.0.0.4", Shed{&shed, 4});
  assert_true(n1.id != 0 && static_cast<bool>(n1.victim));
  n1.victim();
  assert_int_equal(shed.size(), 1);
  assert_int_equal(shed[0], 3);
  assert_false(b.begin_request(silent.id));  // it was shed: its session must stop
  b.release(silent.id);                      // and its late release is a no-op
  // n1 is never used and newer than kept's idle moment: still the first to go.
  auto n2 = b.admit("10.0.0.5", Shed{&shed, 5});
  assert_true(static_cast<bool>(n2.victim));
  n2.victim();
  assert_int_equal(shed.back(), 4);
  assert_true(b.begin_request(n2.id));
  // Now only the keep-alive one is idle.
  auto n3 = b.admit("10.0.0.6", Shed{&shed, 6});
  assert_true(static_cast<bool>(n3.victim));
  n3.victim();
  assert_int_equal(shed.back(), 2);
  assert_true(b.begin_request(n3.id));
  // Everything busy: refused, nobody shed.
  auto n4 = b.admit("10.0.0.7", Shed{&shed, 7});
  assert_int_equal(n4.id, 0);
  assert_false(static_cast<bool>(n4.victim));
  assert_int_equal(shed.size(), 3);
  // A finished connection frees its slot for the next one without shedding.
  b.release(busy.id);
  auto n5 = b.admit("10.0.0.7", Shed{&shed, 7});
  assert_true(n5.id != 0);
  assert_false(static_cast<bool>(n5.victim));
}

void test_tcp_oldest_idle_first_among_equals(void**) {
  TcpBudget b(tcp_limits(2, 2));
  std::vector<int> shed;
  const auto a = b.admit("10.0.0.1", Shed{&shed, 1});
  const auto c = b.admit("10.0.0.2", Shed{&shed, 2});
  assert_true(b.begin_request(c.id));
  assert_true(b.begin_request(a.id));
  b.end_request(c.id);  // c became idle first
  b.end_request(a.id);
  auto n = b.admit("10.0.0.3", Shed{&shed, 3});
  assert_true(static_cast<bool>(n.victim));
  n.victim();
  assert_int_equal(shed[0], 2);
}

void test_tcp_per_address_cap_sheds_only_its_own(void**) {
  TcpBudget b(tcp_limits(10, 2));
  std::vector<int> shed;
  const auto other = b.admit("10.0.0.9", Shed{&shed, 9});  // idle, older
  const auto m1 = b.admit("10.0.0.1", Shed{&shed, 1});
  const auto m2 = b.admit("10.0.0.1", Shed{&shed, 2});
  assert_true(other.id != 0 && m1.id != 0 && m2.id != 0);
  // The address is at its cap: it may displace its own idle connection, not another's.
  auto m3 = b.admit("10.0.0.1", Shed{&shed, 3});
  assert_true(m3.id != 0 && static_cast<bool>(m3.victim));
  m3.victim();
  assert_int_equal(shed[0], 1);
  assert_true(b.begin_request(m2.id));
  assert_true(b.begin_request(m3.id));
  auto m4 = b.admit("10.0.0.1", Shed{&shed, 4});
  assert_int_equal(m4.id, 0);  // its own are busy: refused, the other address untouched
  assert_int_equal(shed.size(), 1);
  assert_true(b.begin_request(other.id));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unix_share_and_reserve),
      cmocka_unit_test(test_unix_root_can_use_everything),
      cmocka_unit_test(test_tcp_sheds_never_used_then_oldest_idle),
      cmocka_unit_test(test_tcp_oldest_idle_first_among_equals),
      cmocka_unit_test(test_tcp_per_address_cap_sheds_only_its_own),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
