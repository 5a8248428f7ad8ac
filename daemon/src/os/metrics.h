// Prometheus metrics for mfad (text exposition format 0.0.4): requests by route pattern,
// method and status; a request duration histogram; open connections; requests in flight;
// build info.
// Thread-safe: counters are updated from every worker thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace mfa::daemon {

class Metrics {
 public:
  void record_request(const std::string& pattern, const std::string& method, int status,
                      double seconds);
  void connection_opened() { open_connections_.fetch_add(1); }
  void connection_closed() { open_connections_.fetch_sub(1); }
  void connection_refused() { refused_connections_.fetch_add(1); }
  // An idle TCP connection closed to admit a newcomer into a full budget.
  void connection_shed() { shed_connections_.fetch_add(1); }
  std::int64_t open_connections() const { return open_connections_.load(); }
  // A request is in flight from its first byte until its response is written; the drain on
  // SIGTERM waits for these.
  void request_started() { in_flight_.fetch_add(1); }
  void request_finished() { in_flight_.fetch_sub(1); }
  std::int64_t in_flight() const { return in_flight_.load(); }

  std::string render() const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.25,  0.5,  1.0};
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::array<std::uint64_t, kBuckets.size()> bucket_counts_{};
  std::uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::uint64_t> refused_connections_{0};
  std::atomic<std::uint64_t> shed_connections_{0};
};

}  // namespace mfa::daemon
