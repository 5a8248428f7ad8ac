// fido::FidoDevices over libfido2 (fido_device.h): HID keys through libfido2's own transport
// (/dev/hidrawN, fido_dev_info_manifest enumeration), and "unix:/path" devices through
// fido_unix_io.h. Attestation statements are checked here with fido_cred_verify (x5c) or
// fido_cred_verify_self (packed self attestation).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/core/fido/fido_device.h"

namespace mfa::daemon {

class Libfido2Devices final : public fido::FidoDevices {
 public:
  Libfido2Devices();  // fido_init (FIDO_DEBUG=1 in the environment logs libfido2's traffic)
  Result<std::vector<fido::FidoDeviceInfo>> list() override;
  Result<std::unique_ptr<fido::FidoDevice>> open(const std::string& path) override;
};

// libfido2 / CTAP2 status -> the codes documented in fido_device.h. `timed_out`: the RX error
// came at the end of the caller's timeout (no touch) rather than from a vanished key.
Error fido_error(int r, bool timed_out);

}  // namespace mfa::daemon
