// Who asks, as the engine needs it: the audit actor and address of a request, and the
// requester of a protected change (admin or not, step-up code, address).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/services/audit.h"
#include "daemon/core/services/step_up.h"
#include "daemon/src/api/api_types.h"

namespace mfa::daemon {

core::AuditContext audit_context(const ApiRequest& req);
// `step_up_code` must outlive the returned value (it is a view).
core::Requester requester(const ApiRequest& req, const std::string& app,
                          std::string_view step_up_code);
// For routes whose JSON body is optional and holds only an optional `step_up_code` (bounded
// by limits::kMaxCodeLen): the code ("" when absent), or nullopt with `err` set (400).
std::optional<std::string> optional_step_up_body(const ApiRequest& req, ApiResponse& err);

}  // namespace mfa::daemon
