// Text that callers choose and people read in a terminal or a log (labels, names, user agents,
// service and tty names): UTF-8 without the code points a terminal or the Unicode bidirectional
// algorithm acts on. A C0 or C1 control (ESC, CSI U+009B, OSC, BEL) lets whoever wrote the text
// retitle, clear or fill the admin's terminal, or set its clipboard (OSC 52); a bidirectional
// override or isolate makes it show something else than what is stored (CVE-2021-42574, "Trojan
// Source"). The daemon refuses such text where it enters; what prints text from the daemon
// escapes it anyway (records written before the check, a bug elsewhere).
#pragma once

#include <string>
#include <string_view>

#include "daemon/core/base/result.h"

namespace mfa::core {

// C0 (U+0000-U+001F), DEL, C1 (U+0080-U+009F), the bidirectional marks, embeddings, overrides
// and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the line and
// paragraph separators (U+2028, U+2029: a new line inside a one-line field).
bool is_terminal_control(char32_t cp);

// kInvalidArgument naming `what` when `text` is not well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF) or holds a terminal control.
Status check_display_text(std::string_view text, std::string_view what);

enum class EscapeStyle {
  kText,  // \xNN for ASCII controls and bytes that are not UTF-8, \uNNNN above, '\' doubled
  kJson,  // the input is a serialised JSON document: controls become JSON \uNNNN escapes
};
// `text` with every terminal control, and every byte that is not UTF-8, written as an escape;
// everything else (any script, emoji) unchanged. kText output cannot be confused with its
// input's own backslashes; kJson output is the same JSON value, only spelled with escapes.
std::string escape_terminal_controls(std::string_view text, EscapeStyle style = EscapeStyle::kText);

}  // namespace mfa::core
