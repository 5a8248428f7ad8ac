#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

std::string Caller::actor() const {
  switch (kind) {
    case Kind::kUnixPeer: return "uid:" + std::to_string(uid);
    case Kind::kApiKey: return "apikey:" + key_id;
    case Kind::kAnonymous: break;
  }
  return "anonymous";
}

}  // namespace mfa::daemon
