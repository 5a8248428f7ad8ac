// doctor: the clock TOTP codes are checked against (RFC 6238 section 6: 30 s steps, one step of
// drift allowed). The kernel knows whether a time service keeps it synchronised (ntp_adjtime
// with no change: STA_UNSYNC, maxerror), so that is asked, never guessed from the network.
// mfad runs on this host and reads the same kernel clock (CLOCK_REALTIME is not namespaced),
// so between it and mfactl there is no skew to measure; its answer on the socket proves it is
// this host's process.
#include <sys/timex.h>

#include <cerrno>
#include <cstring>

#include "cli/doctor.h"

namespace mfa::cli::doctor {
namespace {

// Beyond this the kernel's own error bound eats most of a 30 s TOTP step's tolerance.
constexpr long kMaxErrorUs = 5'000'000;

std::string ms(long us) {
  return std::to_string(us / 1000) + " ms";
}

}  // namespace

Check check_clock(const Findings& f) {
  timex tx{};  // modes = 0: read only, needs no privilege
  const int state = ::ntp_adjtime(&tx);
  const std::string daemon = f.daemon_answers
                                 ? "; mfad answers on this host's socket and reads this same clock"
                                 : "; mfad did not answer, so its clock was not seen";
  if (state == -1) {
    return {"clock", Verdict::kSkip,
            std::string("cannot tell whether the clock is synchronised: ntp_adjtime: ") +
                std::strerror(errno),
            ""};
  }
  const std::string sync_fix =
      "enable a time service: timedatectl set-ntp true (systemd-timesyncd) or chrony; in a "
      "container, on its host";
  if (state == TIME_ERROR || (tx.status & STA_UNSYNC) != 0) {
    return {"clock", Verdict::kWarn,
            "the kernel says the clock is not synchronised to a time source: TOTP codes fail "
            "once it drifts 30 s" +
                daemon,
            sync_fix};
  }
  const std::string bounds = "estimated error " + ms(tx.esterror) + ", maximum " + ms(tx.maxerror);
  if (tx.maxerror > kMaxErrorUs) {
    return {"clock", Verdict::kWarn,
            "synchronised once, but the kernel's error bound has grown (" + bounds +
                "): is the time service still reaching its servers?" + daemon,
            sync_fix};
  }
  return {"clock", Verdict::kOk, "synchronised (" + bounds + ")" + daemon, ""};
}

}  // namespace mfa::cli::doctor
