// QR codes for TOTP enrolment (the otpauth:// URI) with libqrencode, ECC level M: as text for
// terminals (PAM in-band enrolment, mfactl) and as a small SVG for web apps. The input holds
// the TOTP secret: never log it or the output.
#pragma once

#include <string>
#include <string_view>

#include "daemon/core/base/result.h"

namespace mfa::daemon {

inline constexpr int kQrTextQuietZone = 2;  // modules; terminals cut space, scanners cope with 2
inline constexpr int kQrSvgQuietZone = 4;   // ISO/IEC 18004 quiet zone
inline constexpr std::size_t kMaxQrInputBytes = 1024;

// UTF-8 half blocks, two module rows per text row, with a quiet zone. With `ansi` (default)
// every row is wrapped in ANSI "black on white" escapes (as google-authenticator's -Q UTF8
// does), so the code reads the same on dark and light terminals. Without ANSI the light
// modules are drawn as blocks and the dark ones as spaces: correct on a dark terminal
// (the common case), inverted on a light one. Rows end with '\n'.
mfa::Result<std::string> qr_utf8(std::string_view text, bool ansi = true);

// A standalone SVG (one <path>, viewBox in modules, 4-module quiet zone, crispEdges).
mfa::Result<std::string> qr_svg(std::string_view text);

}  // namespace mfa::daemon
