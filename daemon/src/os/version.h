// The release version, reported by --version, /v1/health and the mfad_build_info metric.
#pragma once

namespace mfa::daemon {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace mfa::daemon
