#include "api/errors.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include "kms/seal_manager.h"

namespace caas::api {
namespace {

thread_local std::string tl_request_id;

struct Mapping {
  unsigned http_status;
  std::string_view code;
};

Mapping mapping_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return {200, "ok"};
    case ErrorCode::kInvalidArgument:
      return {400, "invalid_request"};
    case ErrorCode::kDecryptionFailed:
      return {400, "decryption_failed"};
    case ErrorCode::kNotFound:
      return {404, "not_found"};
    case ErrorCode::kAlreadyExists:
      return {409, "already_exists"};
    case ErrorCode::kUnauthenticated:
      return {401, "unauthorized"};
    case ErrorCode::kPermissionDenied:
      return {403, "forbidden"};
    case ErrorCode::kFailedPrecondition:
      return {400, "failed_precondition"};
    case ErrorCode::kResourceExhausted:
      return {507, "insufficient_storage"};
    case ErrorCode::kOutOfRange:
      return {416, "range_not_satisfiable"};
    case ErrorCode::kUnavailable:
      return {503, "unavailable"};
    case ErrorCode::kDataLoss:
      return {500, "data_loss"};
    case ErrorCode::kUnimplemented:
      return {501, "not_implemented"};
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return {500, "internal"};
  }
  return {500, "internal"};
}

}  // namespace

Response error_response(unsigned http_status, std::string_view code, std::string_view message) {
  boost::json::value body = {
      {"error", {{"code", code}, {"message", message}}},
  };
  Response response;
  response.status = http_status;
  response.body = boost::json::serialize(body);
  return response;
}

ApiError api_error_for(const Status& status) {
  if (status.code() == ErrorCode::kUnavailable && status.message() == kms::kSealedMessage) {
    return {503, "sealed", "the server is sealed; unseal it first"};
  }
  Mapping mapping = mapping_for(status.code());
  if (mapping.http_status >= 500) {
    // The client gets no internals; the operator gets the cause (messages never hold secrets).
    spdlog::error("request_id={} request failed: {}", tl_request_id, status.to_string());
    return {mapping.http_status, std::string(mapping.code),
            "the server could not complete the request; see its log"};
  }
  return {mapping.http_status, std::string(mapping.code), status.message()};
}

Response error_response(const Status& status) {
  ApiError error = api_error_for(status);
  return error_response(error.http_status, error.code, error.message);
}

void set_current_request_id(std::string_view request_id) { tl_request_id = request_id; }
std::string_view current_request_id() { return tl_request_id; }

unsigned http_status_for(ErrorCode code) { return mapping_for(code).http_status; }

}  // namespace caas::api
