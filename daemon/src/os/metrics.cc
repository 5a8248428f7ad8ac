#include "daemon/src/os/metrics.h"

#include <cstdio>

#include "daemon/src/os/version.h"

namespace mfa::daemon {
namespace {

// Label values: escape backslash, quote and newline (exposition format 0.0.4).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void Metrics::record_request(const std::string& pattern, const std::string& method, int status,
                             double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{pattern, method, status}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++duration_count_;
  duration_sum_ += seconds;
}

std::string Metrics::render() const {
  std::string o;
  o += "# HELP mfad_build_info Build information.\n# TYPE mfad_build_info gauge\n";
  o += "mfad_build_info{version=\"" + label(kVersion) + "\"} 1\n";
  o += "# HELP mfad_open_connections Open client connections.\n";
  o += "# TYPE mfad_open_connections gauge\n";
  o += "mfad_open_connections " + std::to_string(open_connections_.load()) + "\n";
  o += "# HELP mfad_in_flight_requests Requests read in part or whole and not yet answered.\n";
  o += "# TYPE mfad_in_flight_requests gauge\n";
  o += "mfad_in_flight_requests " + std::to_string(in_flight_.load()) + "\n";
  o += "# HELP mfad_refused_connections_total Connections refused by a connection limit.\n";
  o += "# TYPE mfad_refused_connections_total counter\n";
  o += "mfad_refused_connections_total " + std::to_string(refused_connections_.load()) + "\n";
  o += "# HELP mfad_shed_connections_total Idle TCP connections closed to admit new ones.\n";
  o += "# TYPE mfad_shed_connections_total counter\n";
  o += "mfad_shed_connections_total " + std::to_string(shed_connections_.load()) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  o += "# HELP mfad_http_requests_total HTTP requests by route pattern, method and status.\n";
  o += "# TYPE mfad_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [pattern, method, status] = key;
    o += "mfad_http_requests_total{route=\"" + label(pattern) + "\",method=\"" + label(method) +
         "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
  }
  o += "# HELP mfad_http_request_duration_seconds Time to handle a request.\n";
  o += "# TYPE mfad_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    o += "mfad_http_request_duration_seconds_bucket{le=\"" + num(kBuckets[i]) + "\"} " +
         std::to_string(bucket_counts_[i]) + "\n";
  }
  o += "mfad_http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(duration_count_) +
       "\n";
  o += "mfad_http_request_duration_seconds_sum " + num(duration_sum_) + "\n";
  o += "mfad_http_request_duration_seconds_count " + std::to_string(duration_count_) + "\n";
  return o;
}

}  // namespace mfa::daemon
