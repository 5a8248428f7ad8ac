#include "daemon/src/delivery/delivery_pool.h"

#include <chrono>

#include "daemon/core/base/bounded_file.h"
#include "daemon/core/base/limits.h"
#include "daemon/core/base/secret.h"
#include "daemon/src/delivery/delivery_channels.h"
#include "daemon/src/os/log.h"

namespace mfa::daemon {
namespace {

constexpr std::int64_t kRetryBackoffMs = 250;

}  // namespace

Result<SecretBuffer> read_smtp_password(const std::string& path) {
  if (path.empty()) return SecretBuffer();
  auto file = read_bounded_secret_file(path, {.max_bytes = limits::kMaxSmtpPasswordFileBytes,
                                              .what = "delivery.smtp.password_file"});
  if (!file) return file;
  std::size_t n = file->size();
  while (n > 0 && (file->data()[n - 1] == '\n' || file->data()[n - 1] == '\r')) --n;
  if (n == file->size()) return file;
  return SecretBuffer(file->data(), n);  // `file` wipes itself
}

DeliveryPool::DeliveryPool(const DeliveryConfig& cfg, const SecretBuffer& smtp_password)
    : cfg_(cfg), smtp_password_(smtp_password.view()) {
  for (unsigned i = 0; i < cfg_.workers; ++i) threads_.emplace_back([this] { run(); });
}

DeliveryPool::~DeliveryPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  secure_wipe(smtp_password_);
}

void DeliveryPool::run() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job->done.set_value(deliver(job->msg));
    secure_wipe(job->msg.code);
  }
}

Status DeliveryPool::deliver(const core::OutgoingCode& msg) {
  const bool email = msg.channel == core::FactorType::kEmail;
  const std::string channel(core::to_string(msg.channel));
  if (email ? !cfg_.smtp.enabled : !cfg_.sms.enabled) {
    return fail(Errc::kUnavailable, std::string(email ? "email" : "SMS") +
                                        " delivery is not configured on this server");
  }
  SendOutcome o;
  for (int attempt = 0; attempt <= cfg_.retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kRetryBackoffMs * attempt));
    }
    o = email ? send_email(cfg_.smtp, smtp_password_, cfg_.timeout_ms, msg)
              : send_sms(cfg_.sms, cfg_.timeout_ms, msg);
    if (o.ok) {
      log_info("delivery: " + channel + " code for challenge " + msg.challenge_id + " sent");
      return {};
    }
    log_warning("delivery: " + channel + " for challenge " + msg.challenge_id +
                " failed (attempt " + std::to_string(attempt + 1) + "): " + o.reason);
    if (!o.transient) break;
  }
  return fail(Errc::kUnavailable, o.reason);
}

Status DeliveryPool::send(const core::OutgoingCode& msg) {
  auto job = std::make_shared<Job>();
  job->msg = msg;
  std::future<Status> result = job->done.get_future();
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= cfg_.queue) {
      secure_wipe(job->msg.code);
      return fail(Errc::kUnavailable, "too many messages waiting to be sent; try again shortly");
    }
    queue_.push_back(job);
  }
  cv_.notify_one();
  // Worst case for one message: every attempt times out, plus the backoffs, plus slack.
  const std::int64_t attempts = cfg_.retries + 1;
  const auto budget = std::chrono::milliseconds(attempts * cfg_.timeout_ms +
                                                kRetryBackoffMs * attempts * attempts + 2000);
  if (result.wait_for(budget) != std::future_status::ready) {
    return fail(Errc::kUnavailable, "sending took too long");
  }
  return result.get();
}

}  // namespace mfa::daemon
