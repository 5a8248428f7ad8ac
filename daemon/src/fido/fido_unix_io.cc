#include "daemon/src/fido/fido_unix_io.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "daemon/core/base/c_handles.h"

namespace mfa::daemon {
namespace {

constexpr std::size_t kReportLen = 64;  // CTAPHID full-speed report (CTAP 2.1 11.2.4)

struct Handle {
  UniqueFd fd;
};

void* io_open(const char* path) {
  std::string_view p(path != nullptr ? path : "");
  if (p.substr(0, kUnixDevicePrefix.size()) != kUnixDevicePrefix) return nullptr;
  p.remove_prefix(kUnixDevicePrefix.size());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (p.empty() || p.size() >= sizeof addr.sun_path || p.front() != '/') return nullptr;
  std::memcpy(addr.sun_path, p.data(), p.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) return nullptr;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return nullptr;  // no authenticator there: "removed"
  }
  auto* h = new (std::nothrow) Handle{std::move(fd)};
  return h;
}

void io_close(void* handle) {
  delete static_cast<Handle*>(handle);
}

// libfido2 asks for exactly one report; ms < 0 waits forever. -1 on timeout or a closed peer.
int io_read(void* handle, unsigned char* buf, size_t len, int ms) {
  auto* h = static_cast<Handle*>(handle);
  if (h == nullptr || len < kReportLen) return -1;
  pollfd pfd{h->fd.get(), POLLIN, 0};
  int r = 0;
  do {
    r = ::poll(&pfd, 1, ms);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) return -1;
  const ssize_t n = ::recv(h->fd.get(), buf, kReportLen, 0);
  if (n != static_cast<ssize_t>(kReportLen)) return -1;
  return static_cast<int>(n);
}

// libfido2 writes report id (0) + 64 bytes; the socket carries the 64 bytes.
int io_write(void* handle, const unsigned char* buf, size_t len) {
  auto* h = static_cast<Handle*>(handle);
  if (h == nullptr || len != kReportLen + 1) return -1;
  ssize_t n = 0;
  do {
    n = ::send(h->fd.get(), buf + 1, kReportLen, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(kReportLen)) return -1;
  return static_cast<int>(len);
}

const fido_dev_io_t kUnixIo = {io_open, io_close, io_read, io_write};

}  // namespace

const fido_dev_io_t& unix_fido_io() {
  return kUnixIo;
}

}  // namespace mfa::daemon
