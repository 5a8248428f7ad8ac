// QR rendering: decode the UTF-8 half blocks back into a module matrix and compare it with
// libqrencode's own matrix (ECC M); finder patterns; quiet zone; ANSI wrapping; SVG shape.
#include <qrencode.h>

#include <cstring>
#include <string>
#include <vector>

#include "daemon/src/os/qr_render.h"

// cmocka last: it defines a fail() macro that clashes with mfa::fail.
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}
// clang-format on

using mfa::daemon::qr_svg;
using mfa::daemon::qr_utf8;

namespace {

constexpr const char* kUri =
    "otpauth://totp/mfad:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=mfad"
    "&algorithm=SHA1&digits=6&period=30";

std::vector<std::vector<bool>> reference(const char* text) {
  QRcode* q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  assert_non_null(q);
  std::vector<std::vector<bool>> m(static_cast<std::size_t>(q->width),
                                   std::vector<bool>(static_cast<std::size_t>(q->width)));
  for (int y = 0; y < q->width; ++y) {
    for (int x = 0; x < q->width; ++x) {
      m[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] =
          (q->data[y * q->width + x] & 1) != 0;
    }
  }
  QRcode_free(q);
  return m;
}

// Splits the rendering into rows of glyphs (ANSI escapes removed) and expands each glyph to
// two modules (top, bottom): true = glyph painted there.
std::vector<std::vector<bool>> decode(const std::string& text, bool strip_ansi) {
  std::vector<std::vector<bool>> rows;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    assert_true(nl != std::string::npos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (strip_ansi) {
      assert_int_equal(line.rfind("\x1B[30;47m", 0), 0);
      assert_true(line.size() >= 4 && line.compare(line.size() - 4, 4, "\x1B[0m") == 0);
      line = line.substr(8, line.size() - 12);
    } else {
      assert_null(strchr(line.c_str(), '\x1B'));
    }
    std::vector<bool> top, bottom;
    for (std::size_t i = 0; i < line.size();) {
      if (line[i] == ' ') {
        top.push_back(false);
        bottom.push_back(false);
        ++i;
        continue;
      }
      const std::string g = line.substr(i, 3);
      assert_true(g == "\xE2\x96\x88" || g == "\xE2\x96\x80" || g == "\xE2\x96\x84");
      top.push_back(g != "\xE2\x96\x84");
      bottom.push_back(g != "\xE2\x96\x80");
      i += 3;
    }
    rows.push_back(top);
    rows.push_back(bottom);
  }
  return rows;
}

void check_matrix(const std::string& text, bool ansi) {
  const auto ref = reference(kUri);
  const int w = static_cast<int>(ref.size());
  const int q = mfa::daemon::kQrTextQuietZone;
  const auto rows = decode(text, ansi);
  assert_true(static_cast<int>(rows.size()) >= w + 2 * q);
  for (int y = -q; y < w + q; ++y) {
    const auto& row = rows[static_cast<std::size_t>(y + q)];
    assert_int_equal(row.size(), static_cast<std::size_t>(w + 2 * q));
    for (int x = -q; x < w + q; ++x) {
      const bool inside = x >= 0 && y >= 0 && x < w && y < w;
      const bool dark = inside && ref[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)];
      // ANSI: the glyph paints dark modules; plain: the glyph paints light ones.
      assert_true(row[static_cast<std::size_t>(x + q)] == (ansi ? dark : !dark));
    }
  }
}

void test_utf8_matches_libqrencode(void**) {
  auto text = qr_utf8(kUri);
  assert_true(text.has_value());
  check_matrix(*text, true);
  auto plain = qr_utf8(kUri, false);
  assert_true(plain.has_value());
  check_matrix(*plain, false);
}

void test_finder_patterns(void**) {
  const auto ref = reference(kUri);
  const std::size_t w = ref.size();
  assert_true(w >= 21 && (w - 17) % 4 == 0);  // a valid QR version size
  // The 7x7 finder pattern: dark ring, light ring, dark 3x3 centre (ISO/IEC 18004 6.3.3).
  for (auto [ox, oy] : {std::pair<std::size_t, std::size_t>{0, 0}, {w - 7, 0}, {0, w - 7}}) {
    for (std::size_t y = 0; y < 7; ++y) {
      for (std::size_t x = 0; x < 7; ++x) {
        const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
        const bool centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
        assert_true(ref[oy + y][ox + x] == (ring || centre));
      }
    }
  }
  auto text = qr_utf8(kUri);
  const auto rows = decode(*text, true);
  const std::size_t q = mfa::daemon::kQrTextQuietZone;
  assert_true(rows[q][q]);           // top-left corner of the finder is dark
  assert_false(rows[q - 1][q - 1]);  // quiet zone is light
}

void test_svg(void**) {
  auto svg = qr_svg(kUri);
  assert_true(svg.has_value());
  assert_int_equal(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0);
  assert_non_null(strstr(svg->c_str(), "</svg>"));
  const std::size_t w = reference(kUri).size();
  const std::string vb = "viewBox=\"0 0 " + std::to_string(w + 8) + " " + std::to_string(w + 8);
  assert_non_null(strstr(svg->c_str(), vb.c_str()));
  assert_non_null(strstr(svg->c_str(), "M4 4h7v1h-7z"));  // first finder row, after the quiet zone
  assert_null(strstr(svg->c_str(), "GEZDGNBV"));          // the secret is not in the markup
}

void test_errors(void**) {
  assert_false(qr_utf8("").has_value());
  assert_false(qr_svg(std::string(5000, 'a')).has_value());
  assert_false(qr_utf8(std::string_view("a\0b", 3)).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf8_matches_libqrencode),
      cmocka_unit_test(test_finder_patterns),
      cmocka_unit_test(test_svg),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests_name("qr_render", tests, nullptr, nullptr);
}
