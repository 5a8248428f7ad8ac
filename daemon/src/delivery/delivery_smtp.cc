// Email delivery over SMTP with libcurl (delivery_channels.h).
#include <openssl/evp.h>

#include <cstring>
#include <ctime>
#include <vector>

#include "daemon/core/base/secret.h"
#include "daemon/src/delivery/curl_handles.h"
#include "daemon/src/delivery/delivery_channels.h"
#include "daemon/src/delivery/delivery_tls.h"
#include "daemon/src/delivery/message_template.h"

namespace mfa::daemon {
namespace {

struct Payload {
  std::string data;
  std::size_t off = 0;
};

std::size_t read_cb(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* p = static_cast<Payload*>(user);
  const std::size_t room = size * n;
  const std::size_t left = p->data.size() - p->off;
  const std::size_t k = left < room ? left : room;
  std::memcpy(buf, p->data.data() + p->off, k);
  p->off += k;
  return k;
}

// The bare address of "Name <addr>" (for MAIL FROM).
std::string bare_address(const std::string& from) {
  const std::size_t lt = from.find('<');
  const std::size_t gt = from.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return from.substr(lt + 1, gt - lt - 1);
  return from;
}

// RFC 2047 encoded-word for a non-ASCII subject.
std::string encode_header(const std::string& s) {
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return s;
  std::vector<unsigned char> b64(4 * ((s.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(b64.data(), reinterpret_cast<const unsigned char*>(s.data()),
                                static_cast<int>(s.size()));
  return "=?UTF-8?B?" +
         std::string(reinterpret_cast<char*>(b64.data()), static_cast<std::size_t>(n)) + "?=";
}

std::string crlf(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

std::string host_of(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  return rest.substr(0, rest.find('/'));
}

const MessageTemplate& template_for(const SmtpConfig& cfg, const std::string& app) {
  for (const auto& [name, t] : cfg.apps) {
    if (name == app) return t;
  }
  return cfg.message;
}

}  // namespace

std::string build_email(const SmtpConfig& cfg, const core::OutgoingCode& msg, std::int64_t now_s) {
  const std::string minutes = std::to_string(msg.minutes);
  const TemplateVars vars = {{"code", msg.code}, {"app", msg.app}, {"minutes", minutes}};
  const MessageTemplate& t = template_for(cfg, msg.app);
  char date[64] = {};
  const std::time_t tt = static_cast<std::time_t>(now_s);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string subject = render_template(t.subject, {{"app", msg.app}, {"minutes", minutes}});
  std::string out;
  out += "Date: " + std::string(date) + "\r\n";
  out += "From: " + cfg.from + "\r\n";
  out += "To: <" + msg.destination + ">\r\n";
  out += "Subject: " + encode_header(subject) + "\r\n";
  out += "Message-ID: <" + msg.challenge_id + "." + std::to_string(now_s) + "@mfad>\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n";
  out += "Auto-Submitted: auto-generated\r\n\r\n";  // RFC 3834: no auto-replies
  std::string body = render_template(t.body, vars);
  out += crlf(body);
  secure_wipe(body);
  return out;
}

SendOutcome send_email(const SmtpConfig& cfg, const std::string& password, std::int64_t timeout_ms,
                       const core::OutgoingCode& msg) {
  SendOutcome out;
  const std::string server = "the mail server " + host_of(cfg.url);
  CurlEasyPtr h(curl_easy_init());
  CurlSlistPtr rcpt;
  if (!h || !slist_append(rcpt, "<" + msg.destination + ">")) {
    out.reason = "out of memory";
    return out;
  }
  Payload payload{build_email(cfg, msg, static_cast<std::int64_t>(std::time(nullptr))), 0};
  const std::string mail_from = "<" + bare_address(cfg.from) + ">";
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, cfg.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &payload);
  if (cfg.url.rfind("smtp://", 0) == 0) {
    const long ssl = cfg.starttls == "required"   ? static_cast<long>(CURLUSESSL_ALL)
                     : cfg.starttls == "optional" ? static_cast<long>(CURLUSESSL_TRY)
                                                  : static_cast<long>(CURLUSESSL_NONE);
    curl_easy_setopt(c, CURLOPT_USE_SSL, ssl);
  }
  // TLS (smtps://, or after STARTTLS) always verifies the server's certificate and name.
  set_tls_verification(c, cfg.ca_file);
  if (!cfg.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, cfg.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  secure_wipe(payload.data);
  long smtp_code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &smtp_code);
  if (rc == CURLE_OK) {
    out.ok = true;
    return out;
  }
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
      out.transient = true;
      out.reason = server + " is unreachable (" + curl_easy_strerror(rc) + ")";
      break;
    case CURLE_USE_SSL_FAILED: out.reason = server + " does not offer STARTTLS"; break;
    case CURLE_LOGIN_DENIED: out.reason = server + " refused the login"; break;
    case CURLE_PEER_FAILED_VERIFICATION:
      out.reason =
          server + " presented a certificate that is not trusted (" + curl_easy_strerror(rc) + ")";
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
      out.reason = server + ": TLS failed (" + std::string(curl_easy_strerror(rc)) + ")";
      break;
    default:
      // RFC 5321 4.2.1: 4yz is transient, 5yz permanent.
      out.transient = smtp_code == 0 || (smtp_code >= 400 && smtp_code < 500);
      out.reason = server + " failed: " + curl_easy_strerror(rc) +
                   (smtp_code > 0 ? " (SMTP " + std::to_string(smtp_code) + ")" : "");
  }
  return out;
}

}  // namespace mfa::daemon
