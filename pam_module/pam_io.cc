#include "pam_module/pam_io.h"

#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

namespace mfa::pam {
namespace {

void free_responses(struct pam_response* resp) {
  if (resp == nullptr) return;
  free_answer(resp->resp);
  free(resp);
}

// One message through the application's conversation function.
int converse(pam_handle_t* pamh, int style, const char* text, struct pam_response** ret) {
  const void* item = nullptr;
  int rc = pam_get_item(pamh, PAM_CONV, &item);
  if (rc != PAM_SUCCESS) return rc;
  const struct pam_conv* conv = static_cast<const struct pam_conv*>(item);
  if (conv == nullptr || conv->conv == nullptr) return PAM_CONV_ERR;
  struct pam_message msg = {style, text};
  const struct pam_message* msgs[1] = {&msg};
  struct pam_response* resp = nullptr;  // MWG: reset before the call
  rc = conv->conv(1, msgs, &resp, conv->appdata_ptr);
  if (rc != PAM_SUCCESS) {
    free_responses(resp);
    return rc == PAM_CONV_AGAIN ? PAM_CONV_ERR : rc;  // no PAM_INCOMPLETE resumption support
  }
  *ret = resp;
  return PAM_SUCCESS;
}

}  // namespace

void free_answer(char* answer) {
  if (answer == nullptr) return;
  explicit_bzero(answer, strlen(answer));
  free(answer);
}

int show_message(pam_handle_t* pamh, int style, const char* text) {
  struct pam_response* resp = nullptr;
  const int rc = converse(pamh, style, text, &resp);
  free_responses(resp);  // some applications allocate a response even for messages
  return rc;
}

int ask(pam_handle_t* pamh, bool echo, const char* text, char** ret_answer) {
  struct pam_response* resp = nullptr;
  const int rc = converse(pamh, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, text, &resp);
  if (rc != PAM_SUCCESS) return rc;
  if (resp == nullptr || resp->resp == nullptr ||
      strnlen(resp->resp, kMaxAnswerLen + 1) > kMaxAnswerLen) {
    free_responses(resp);
    return PAM_CONV_ERR;
  }
  *ret_answer = resp->resp;
  free(resp);
  return PAM_SUCCESS;
}

}  // namespace mfa::pam
