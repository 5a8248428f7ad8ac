// DeliveryPool: the daemon's core::Sender. Messages go to a bounded queue served by a few
// threads of their own, so a slow mail server or gateway never holds a listener thread's
// event loop; each attempt has a timeout and transient failures are retried a bounded number
// of times with a short backoff. send() waits for the outcome (the caller — an API request
// or a PAM step — needs to know whether the code went out), but never longer than
// `attempts x timeout + backoff`; a full queue is refused at once.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/base/secret.h"
#include "daemon/core/config/config.h"
#include "daemon/core/services/sender.h"

namespace mfa::daemon {

class DeliveryPool final : public core::Sender {
 public:
  // `smtp_password`: the content of delivery.smtp.password_file (read by main.cc).
  DeliveryPool(const DeliveryConfig& cfg, const SecretBuffer& smtp_password);
  ~DeliveryPool() override;
  DeliveryPool(const DeliveryPool&) = delete;
  DeliveryPool& operator=(const DeliveryPool&) = delete;

  Status send(const core::OutgoingCode& msg) override;

 private:
  struct Job {
    core::OutgoingCode msg;
    std::promise<Status> done;
  };
  void run();
  Status deliver(const core::OutgoingCode& msg);

  const DeliveryConfig& cfg_;
  // A std::string because CURLOPT_PASSWORD takes a C string; made once at its final size (no
  // reallocation leaves a copy behind) and wiped in the destructor.
  std::string smtp_password_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Reads delivery.smtp.password_file (trailing newline dropped) into a wiping buffer, at most
// limits::kMaxSmtpPasswordFileBytes; empty path = no password.
Result<SecretBuffer> read_smtp_password(const std::string& path);

}  // namespace mfa::daemon
