#include "daemon/src/os/qr_render.h"

#include <qrencode.h>

#include <memory>
#include <vector>

namespace mfa::daemon {
namespace {

// The one libqrencode handle, in the one file the tier rule lets include libqrencode
// (tests/tiers/check_tiers.py); every other C handle alias is in daemon/core/c_handles.h.
struct QrCodeFree {
  void operator()(QRcode* p) const noexcept { QRcode_free(p); }
};
using QrCodePtr = std::unique_ptr<QRcode, QrCodeFree>;

// The module matrix: true = dark. libqrencode's data bytes carry the colour in bit 0.
struct Matrix {
  int width = 0;
  std::vector<bool> dark;
  bool at(int x, int y) const {
    if (x < 0 || y < 0 || x >= width || y >= width) return false;  // quiet zone
    return dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                static_cast<std::size_t>(x)];
  }
};

mfa::Result<Matrix> encode(std::string_view text) {
  if (text.empty()) return mfa::fail(mfa::Errc::kInvalidArgument, "QR: empty input");
  if (text.size() > kMaxQrInputBytes) {
    return mfa::fail(mfa::Errc::kLimitExceeded, "QR: input too long");
  }
  if (text.find('\0') != std::string_view::npos) {
    return mfa::fail(mfa::Errc::kInvalidArgument, "QR: NUL in input");
  }
  const std::string s(text);
  // version 0 = smallest that fits; QR_MODE_8 lets libqrencode pick optimal segments;
  // case-sensitive, the base32 secret is case-insensitive but labels are not.
  QrCodePtr qr(QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!qr) return mfa::fail(mfa::Errc::kInternal, "QR: encoding failed");
  Matrix m;
  m.width = qr->width;
  const auto n = static_cast<std::size_t>(qr->width) * static_cast<std::size_t>(qr->width);
  m.dark.resize(n);
  for (std::size_t i = 0; i < n; ++i) m.dark[i] = (qr->data[i] & 1U) != 0;
  return m;
}

}  // namespace

mfa::Result<std::string> qr_utf8(std::string_view text, bool ansi) {
  auto m = encode(text);
  if (!m) return mfa::fail(m.error());
  static constexpr const char* kFull = "\xE2\x96\x88";   // U+2588
  static constexpr const char* kUpper = "\xE2\x96\x80";  // U+2580
  static constexpr const char* kLower = "\xE2\x96\x84";  // U+2584
  static constexpr const char* kOn = "\x1B[30;47m";      // black on white(grey), like g-a -Q UTF8
  static constexpr const char* kOff = "\x1B[0m";
  const int lo = -kQrTextQuietZone;
  const int hi = m->width + kQrTextQuietZone;  // exclusive
  std::string out;
  for (int y = lo; y < hi; y += 2) {
    if (ansi) out += kOn;
    for (int x = lo; x < hi; ++x) {
      // With ANSI the glyph (foreground) paints the dark modules; without it the glyph paints
      // the light ones (a dark terminal background provides the dark modules).
      bool top = m->at(x, y);
      bool bottom = y + 1 < hi && m->at(x, y + 1);
      if (!ansi) {
        top = !top;
        bottom = y + 1 < hi ? !bottom : false;
      }
      out += top && bottom ? kFull : top ? kUpper : bottom ? kLower : " ";
    }
    if (ansi) out += kOff;
    out += '\n';
  }
  return out;
}

mfa::Result<std::string> qr_svg(std::string_view text) {
  auto m = encode(text);
  if (!m) return mfa::fail(m.error());
  const int size = m->width + 2 * kQrSvgQuietZone;
  const std::string sz = std::to_string(size);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + sz + " " + sz +
                    "\" width=\"" + std::to_string(size * 4) + "\" height=\"" +
                    std::to_string(size * 4) + "\" shape-rendering=\"crispEdges\"><rect width=\"" +
                    sz + "\" height=\"" + sz + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < m->width; ++y) {
    for (int x = 0; x < m->width;) {
      if (!m->at(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (m->at(x + run, y)) ++run;  // one rectangle per horizontal run of dark modules
      out += "M" + std::to_string(x + kQrSvgQuietZone) + " " + std::to_string(y + kQrSvgQuietZone) +
             "h" + std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  out += "\"/></svg>\n";
  return out;
}

}  // namespace mfa::daemon
