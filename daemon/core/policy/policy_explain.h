// Human and JSON views of a policy and of one evaluation: what `mfactl policy explain` and
// GET /v1/apps/{app}/policy[/explain] show. Policy only: the engine adds the user's state
// (enrolled factors, grace deadline, lockout) on top.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/core/policy/policy.h"

namespace mfa::core {

// {"mode":"optional","factors":[...],"grace_period":"7d","grace_period_s":604800,
//  "remember":"0s","remember_s":0,"webauthn_skips_mfa":true,"enroll_at_login":true,
//  "lockout":{"attempts":5,"window":"15m","window_s":900}}
nlohmann::json settings_to_json(const PolicySettings& settings);
// The whole policy: {"source", "defaults", "rules":[{"index","name","line","match",...}],
// "step_up":{"new_rhost"}, "apps":{name:{...}}}. Only the overrides present are written.
nlohmann::json policy_to_json(const Policy& policy);
// {"matched", "settings", "trace":[...], "step_up_new_rhost", "flow":[...]}.
nlohmann::json evaluation_to_json(const Evaluation& ev, const LoginContext& ctx);

// The login flow these settings produce, one sentence per step, for a user of whom nothing
// else is known (each branch on enrolment state is spelled out).
std::vector<std::string> explain_flow(const Evaluation& ev, const LoginContext& ctx);

// Multi-line text: the context, the trace, the effective settings, then the flow.
std::string explain_text(const Policy& policy, const LoginContext& ctx);

}  // namespace mfa::core
