// bench/http_load: a small keep-alive HTTP/1.1 load generator (one thread, epoll) for the
// verification benchmark. Not shipped.
//
//   http_load mfad  PORT CONNS KEY APP USERS_FILE FIRST COUNT   (JSON on stdout)
//   http_load nginx PORT CONNS COUNT
//
// mfad: phase 1 opens one login per user (POST /v1/apps/APP/logins) and keeps the challenge
// id; phase 2 answers each challenge (POST .../challenges/ID/verify) with the user's TOTP code
// computed with liboath just before the request is written. A TOTP step is accepted once per
// factor (RFC 6238 5.2), so every verification is a different user. Only HTTP 200 counts as
// a success; anything else is counted in "errors". nginx: COUNT POSTs of the same shape to a
// server answering a fixed 200 (the ceiling).
#include <arpa/inet.h>
#include <liboath/oath.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
  int fd = -1;
  long req = -1;  // index of the request in flight, -1 when idle
  std::string out;
  std::size_t sent = 0;
  std::string in;
  Clock::time_point t0;
};

struct PhaseResult {
  long n = 0, ok = 0, errors = 0;
  double secs = 0;
  std::vector<double> lat_ms;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Returns the status and body once `in` holds a whole response (Content-Length framing).
bool parse_response(const std::string& in, int& status, std::string& body, std::size_t& used) {
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  status = std::atoi(in.c_str() + 9);
  std::size_t len = 0;
  std::string head = in.substr(0, end);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t cl = head.find("content-length:");
  if (cl != std::string::npos) len = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
  if (in.size() < end + 4 + len) return false;
  body = in.substr(end + 4, len);
  used = end + 4 + len;
  return true;
}

// Runs `count` requests over `conns` keep-alive connections; make(i) builds request i just
// before it is written; done(i, status, body) says whether it succeeded.
PhaseResult run_phase(int port, int conns, long count, const std::function<std::string(long)>& make,
                      const std::function<bool(long, int, const std::string&)>& done) {
  PhaseResult r;
  r.n = count;
  r.lat_ms.reserve(static_cast<std::size_t>(count));
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> cs(static_cast<std::size_t>(conns));
  long next = 0, finished = 0;
  auto start_req = [&](Conn& c) {
    if (next >= count) {
      c.req = -1;
      return;
    }
    c.req = next++;
    c.out = make(c.req);
    c.sent = 0;
    c.t0 = Clock::now();
  };
  auto arm = [&](std::size_t i) {
    epoll_event ev{};
    ev.events = EPOLLIN | (cs[i].req >= 0 && cs[i].sent < cs[i].out.size() ? EPOLLOUT : 0u);
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_MOD, cs[i].fd, &ev);
  };
  auto open_conn = [&](std::size_t i) {
    cs[i].fd = connect_to(port);
    cs[i].in.clear();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  };
  const auto t_start = Clock::now();
  for (std::size_t i = 0; i < cs.size(); ++i) {
    open_conn(i);
    start_req(cs[i]);
  }
  std::vector<epoll_event> evs(cs.size());
  char buf[65536];
  while (finished < count) {
    const int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 10000);
    if (n <= 0) {
      std::fprintf(stderr, "http_load: stalled (%ld/%ld done)\n", finished, count);
      r.errors += count - finished;
      break;
    }
    for (int k = 0; k < n; ++k) {
      const std::size_t i = evs[static_cast<std::size_t>(k)].data.u64;
      Conn& c = cs[i];
      if (c.req >= 0 && c.sent < c.out.size()) {
        const ssize_t w = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (w > 0) c.sent += static_cast<std::size_t>(w);
      }
      for (;;) {
        const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
        if (got > 0) {
          c.in.append(buf, static_cast<std::size_t>(got));
          continue;
        }
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
          // The server closed: the request in flight (if any) failed; reconnect and go on.
          ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          ::close(c.fd);
          if (c.req >= 0) {
            ++r.errors;
            ++finished;
            c.req = -1;
          }
          open_conn(i);
          start_req(c);
        }
        break;
      }
      int status = 0;
      std::string body;
      std::size_t used = 0;
      if (c.req >= 0 && parse_response(c.in, status, body, used)) {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c.t0).count();
        r.lat_ms.push_back(ms);
        if (done(c.req, status, body)) {
          ++r.ok;
        } else {
          ++r.errors;
        }
        ++finished;
        c.in.erase(0, used);
        start_req(c);
        if (c.req >= 0) {  // write eagerly; EPOLLOUT covers the rest
          const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
          if (w > 0) c.sent = static_cast<std::size_t>(w);
        }
      }
      arm(i);
    }
  }
  r.secs = std::chrono::duration<double>(Clock::now() - t_start).count();
  for (Conn& c : cs) {
    if (c.fd >= 0) ::close(c.fd);
  }
  ::close(ep);
  return r;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

void print_phase(const char* name, const PhaseResult& r, bool comma) {
  std::printf(
      "\"%s\":{\"n\":%ld,\"ok\":%ld,\"errors\":%ld,\"secs\":%.4f,\"rps\":%.1f,\"p50_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"max_ms\":%.3f}%s",
      name, r.n, r.ok, r.errors, r.secs, r.secs > 0 ? static_cast<double>(r.ok) / r.secs : 0.0,
      pct(r.lat_ms, 0.50), pct(r.lat_ms, 0.99), pct(r.lat_ms, 1.0), comma ? "," : "");
}

std::string post(const std::string& path, const std::string& key, const std::string& body) {
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!key.empty()) req += "Authorization: Bearer " + key + "\r\n";
  req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
  return req;
}

std::string totp_now(const std::string& secret) {
  char code[16] = {};
  if (oath_totp_generate(secret.data(), secret.size(), std::time(nullptr), 30, 0, 6, code) !=
      OATH_OK) {
    return "000000";
  }
  return code;
}

int run_mfad(char** argv) {
  const int port = std::atoi(argv[2]), conns = std::atoi(argv[3]);
  const std::string key = argv[4], app = argv[5];
  const long first = std::atol(argv[7]), count = std::atol(argv[8]);
  std::ifstream in(argv[6]);
  std::vector<std::string> users, secrets;
  std::string u, s;
  for (long i = 0; in >> u >> s; ++i) {
    if (i < first) continue;
    if (i >= first + count) break;
    char* raw = nullptr;
    std::size_t len = 0;
    if (oath_base32_decode(s.c_str(), s.size(), &raw, &len) != OATH_OK) return 2;
    users.push_back(u);
    secrets.emplace_back(raw, len);
    std::free(raw);
  }
  const long n = static_cast<long>(users.size());
  std::vector<std::string> challenge(users.size());
  const std::string base = "/v1/apps/" + app;
  auto logins = run_phase(
      port, conns, n,
      [&](long i) {
        return post(base + "/logins", key,
                    "{\"user\":\"" + users[static_cast<std::size_t>(i)] +
                        "\",\"service\":\"api\",\"remote_addr\":\"127.0.0.1\"}");
      },
      [&](long i, int status, const std::string& body) {
        // The challenge's own id ("ch_..."), not its factors' ids ("f_...").
        const std::size_t id = body.find("\"id\":\"ch_");
        if (status != 200 || id == std::string::npos) return false;
        const std::size_t end = body.find('"', id + 6);
        challenge[static_cast<std::size_t>(i)] = body.substr(id + 6, end - id - 6);
        return true;
      });
  auto verifies = run_phase(
      port, conns, n,
      [&](long i) {
        const auto k = static_cast<std::size_t>(i);
        return post(base + "/challenges/" + challenge[k] + "/verify", key,
                    "{\"code\":\"" + totp_now(secrets[k]) + "\"}");
      },
      [&](long, int status, const std::string& body) {
        return status == 200 && body.find("approved") != std::string::npos;
      });
  std::printf("{");
  print_phase("login", logins, true);
  print_phase("verify", verifies, false);
  std::printf("}\n");
  return 0;
}

int run_nginx(char** argv) {
  const int port = std::atoi(argv[2]), conns = std::atoi(argv[3]);
  const long count = std::atol(argv[4]);
  auto r = run_phase(
      port, conns, count,
      [&](long) {
        return post("/v1/apps/bench/challenges/c_0123456789abcdefghijklmnop/verify", "",
                    "{\"code\":\"123456\"}");
      },
      [](long, int status, const std::string&) { return status == 200; });
  std::printf("{");
  print_phase("verify", r, false);
  std::printf("}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  oath_init();
  if (argc == 9 && std::strcmp(argv[1], "mfad") == 0) return run_mfad(argv);
  if (argc == 5 && std::strcmp(argv[1], "nginx") == 0) return run_nginx(argv);
  std::fprintf(stderr,
               "usage: http_load mfad PORT CONNS KEY APP USERS_FILE FIRST COUNT\n"
               "       http_load nginx PORT CONNS COUNT\n");
  return 2;
}
