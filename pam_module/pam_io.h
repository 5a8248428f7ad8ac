// The PAM conversation, used the way the Linux-PAM MWG asks: response pointer reset before
// the call, anything but PAM_SUCCESS with a non-NULL answer is a failure, answers wiped with
// explicit_bzero before free().
#pragma once

#include <security/pam_modules.h>
#include <stddef.h>

namespace mfa::pam {

inline constexpr size_t kMaxAnswerLen = 256;  // = the daemon's limits::kMaxPamAnswerLen

// Shows one PAM_TEXT_INFO or PAM_ERROR_MSG. Returns the conversation's PAM code.
int show_message(pam_handle_t* pamh, int style, const char* text);

// Asks one question (PAM_PROMPT_ECHO_ON/OFF). On PAM_SUCCESS *ret_answer is malloc'd by the
// application; the caller must release it with free_answer(). A NULL response, an answer
// longer than kMaxAnswerLen or a failed conversation gives PAM_CONV_ERR.
int ask(pam_handle_t* pamh, bool echo, const char* text, char** ret_answer);

// explicit_bzero + free (MWG: "overwrite authentication tokens ... before free()'ing them").
void free_answer(char* answer);

}  // namespace mfa::pam
