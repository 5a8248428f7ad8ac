// Daemon text is shown on the user's terminal: strip what a terminal would interpret
// (duo_unix EscapeInjection lesson, security.md section 4.3).
#pragma once

#include <stddef.h>

namespace mfa::pam {

// Copies `in` to out[0..cap) NUL-terminated, keeping '\n' and printable UTF-8. Dropped: C0
// controls (ESC, CR, BEL, ...), DEL, C1 controls (U+0080..U+009F, e.g. the 8-bit CSI),
// bidirectional controls (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069), U+2028/9. Invalid
// UTF-8 bytes become '?'. Output is truncated at a character boundary when it does not fit.
void sanitize_text(const char* in, char* out, size_t cap);

}  // namespace mfa::pam
