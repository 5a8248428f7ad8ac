// RAII for libcurl handles (style.md: every C handle has an owner). libcurl lives only in
// daemon/src (docs/architecture.md): the delivery of SMS and email codes.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace mfa::daemon {

struct CurlEasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

struct CurlStrDeleter {
  void operator()(char* s) const noexcept { curl_free(s); }
};
using CurlStrPtr = std::unique_ptr<char, CurlStrDeleter>;

// Appends to a list; false when curl is out of memory (the list is unchanged then).
inline bool slist_append(CurlSlistPtr& list, const std::string& item) {
  curl_slist* next = curl_slist_append(list.get(), item.c_str());
  if (next == nullptr) return false;
  (void)list.release();
  list.reset(next);
  return true;
}

}  // namespace mfa::daemon
