// A refused request: the HTTP status, a message and the JSON path of the
// field to blame ("strategies[0].priority"; empty when the whole request is
// at fault). Thrown by the request codecs, turned into
// {"error": ..., "field": ...} by the handlers.
#pragma once

#include <stdexcept>
#include <string>

namespace scxx {

class ApiError : public std::runtime_error {
public:
  ApiError(int status, std::string field, const std::string &message)
      : std::runtime_error(message), status_(status), field_(std::move(field)) {}

  [[nodiscard]] int status() const { return status_; }
  [[nodiscard]] const std::string &field() const { return field_; }

private:
  int status_;
  std::string field_;
};

inline constexpr int kHttpBadRequest = 400;
inline constexpr int kHttpUnauthorized = 401;
inline constexpr int kHttpNotFound = 404;
inline constexpr int kHttpMethodNotAllowed = 405;
inline constexpr int kHttpConflict = 409;
inline constexpr int kHttpPayloadTooLarge = 413;
inline constexpr int kHttpUnprocessable = 422;
inline constexpr int kHttpInternal = 500;

} // namespace scxx
