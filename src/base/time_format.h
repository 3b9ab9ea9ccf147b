// RFC 3339 timestamps in UTC with millisecond precision ("2026-12-02T03:04:05.678Z"), the one
// textual time format of the API, the audit log and the logs.
#pragma once

#include <string>

#include "base/clock.h"

namespace caas {

std::string format_rfc3339(Clock::TimePoint time);

}  // namespace caas
