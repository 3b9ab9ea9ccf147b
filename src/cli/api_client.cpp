#include "cli/api_client.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace caas::cli {

Status api_error(const HttpResponse& response) {
  ErrorCode code = ErrorCode::kInternal;
  switch (response.status) {
    case 400:
    case 416:
      code = ErrorCode::kInvalidArgument;
      break;
    case 401:
      code = ErrorCode::kUnauthenticated;
      break;
    case 403:
      code = ErrorCode::kPermissionDenied;
      break;
    case 404:
      code = ErrorCode::kNotFound;
      break;
    case 409:
      code = ErrorCode::kAlreadyExists;
      break;
    case 429:  // try again later, like a sealed or overloaded server
    case 503:
      code = ErrorCode::kUnavailable;
      break;
    case 413:
    case 507:
      code = ErrorCode::kResourceExhausted;
      break;
    default:
      break;
  }
  std::string message = "the server answered HTTP " + std::to_string(response.status);
  Result<boost::json::value> body = parse_json(response.body);
  if (body.ok() && body->is_object()) {
    const boost::json::object& object = body->get_object();
    auto error_it = object.find("error");
    if (error_it != object.end() && error_it->value().is_object()) {
      std::string text = json_string(error_it->value(), "message");
      std::string name = json_string(error_it->value(), "code");
      if (!text.empty()) {
        message = text + (name.empty() ? "" : " (" + name + ")");
      }
      // Whatever the HTTP status, these say that data does not verify (exit 7).
      if (name == "decryption_failed") {
        code = ErrorCode::kDecryptionFailed;
      } else if (name == "integrity_error") {
        code = ErrorCode::kDataLoss;
      }
    }
  }
  if (response.status == 429) {
    std::string retry = response.header("retry-after");
    if (!retry.empty()) {
      message += "; retry after " + retry + " s";
    }
  }
  return error(code, message);
}

Result<boost::json::value> parse_json(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) {
    return error(ErrorCode::kInternal, "the server's answer is not JSON");
  }
  return value;
}

std::string json_string(const boost::json::value& object, std::string_view key) {
  if (!object.is_object()) {
    return {};
  }
  const boost::json::value* field = object.get_object().if_contains(key);
  if (field == nullptr || !field->is_string()) {
    return {};
  }
  return std::string(field->get_string());
}

const boost::json::value* json_field(const boost::json::value& object, std::string_view key) {
  return object.is_object() ? object.get_object().if_contains(key) : nullptr;
}

bool json_flag(const boost::json::value& object, std::string_view key) {
  const boost::json::value* field = json_field(object, key);
  return field != nullptr && field->is_bool() && field->get_bool();
}

Result<const boost::json::array*> json_array(const boost::json::value& object,
                                             std::string_view key) {
  const boost::json::value* field = json_field(object, key);
  if (field == nullptr || !field->is_array()) {
    return error(ErrorCode::kInternal,
                 "the server's answer has no \"" + std::string(key) + "\" list");
  }
  return &field->get_array();
}

Result<boost::json::value> ApiClient::call(std::string_view method, std::string target,
                                           const boost::json::value& body) {
  HttpRequest request;
  request.method = std::string(method);
  request.target = std::move(target);
  if (!body.is_null()) {
    request.body = boost::json::serialize(body);
    request.headers.emplace_back("Content-Type: application/json");
  }
  CAAS_ASSIGN_OR_RETURN(HttpResponse response, http_.send(request));
  if (!response.success()) {
    return api_error(response);
  }
  if (response.body.empty()) {
    return boost::json::value(nullptr);
  }
  return parse_json(response.body);
}

Result<boost::json::value> ApiClient::call_optional(std::string_view method, std::string target,
                                                    bool& found) {
  HttpRequest request;
  request.method = std::string(method);
  request.target = std::move(target);
  CAAS_ASSIGN_OR_RETURN(HttpResponse response, http_.send(request));
  found = response.status != 404;
  if (!found) {
    return boost::json::value(nullptr);
  }
  if (!response.success()) {
    return api_error(response);
  }
  return response.body.empty() ? Result<boost::json::value>(boost::json::value(nullptr))
                               : parse_json(response.body);
}

std::string file_target(std::string_view path) { return "/v1/files/" + url_encode(path, true); }

}  // namespace caas::cli
