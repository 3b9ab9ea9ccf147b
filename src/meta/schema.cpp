#include "meta/schema.h"

#include <array>

namespace caas::meta {
namespace {

// Never edit a migration that has shipped: add a new one.
constexpr std::array kMigrations = {
    Migration{1, "settings and audit log",
              R"sql(
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE audit_log (
  seq       BIGINT PRIMARY KEY,
  time      TEXT NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  target    TEXT NOT NULL,
  result    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
)sql"},
    Migration{2, "accounts",
              R"sql(
CREATE TABLE users (
  id             TEXT PRIMARY KEY,
  email          TEXT NOT NULL UNIQUE,
  password_hash  TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  totp_secret    TEXT NOT NULL DEFAULT '',
  totp_enabled   BIGINT NOT NULL DEFAULT 0,
  totp_last_step BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE pending_registrations (
  email         TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  otp_tag       TEXT NOT NULL,
  expires_at    BIGINT NOT NULL,
  attempts      BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE login_tickets (
  ticket_hash TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  method      TEXT NOT NULL,
  otp_tag     TEXT NOT NULL,
  expires_at  BIGINT NOT NULL,
  attempts    BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_seen  BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE,
  scopes     TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);
)sql"},
    Migration{3, "transit keys",
              R"sql(
CREATE TABLE transit_keys (
  owner_id               TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name                   TEXT NOT NULL,
  type                   TEXT NOT NULL,
  derived                BIGINT NOT NULL,
  latest_version         BIGINT NOT NULL,
  min_decryption_version BIGINT NOT NULL,
  created_at             TEXT NOT NULL,
  PRIMARY KEY (owner_id, name)
);
CREATE TABLE transit_key_versions (
  owner_id             TEXT NOT NULL,
  name                 TEXT NOT NULL,
  version              BIGINT NOT NULL,
  sealed_material      TEXT NOT NULL,
  public_key           TEXT NOT NULL,
  created_at           TEXT NOT NULL,
  encryptions_reserved BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (owner_id, name, version),
  FOREIGN KEY (owner_id, name) REFERENCES transit_keys (owner_id, name) ON DELETE CASCADE
);
)sql"},
    Migration{4, "files and grants",
              R"sql(
CREATE TABLE files (
  id           TEXT PRIMARY KEY,
  owner_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  path         TEXT NOT NULL,
  size         BIGINT NOT NULL,
  sha256       TEXT NOT NULL,
  content_type TEXT NOT NULL,
  blob_id      TEXT NOT NULL,
  wrapped_dek  TEXT NOT NULL,
  mode         TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  UNIQUE (owner_id, path)
);
CREATE INDEX files_by_blob ON files (blob_id);
CREATE TABLE file_grants (
  file_id     TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
  grantee_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  permission  TEXT NOT NULL,
  wrapped_dek TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (file_id, grantee_id)
);
CREATE INDEX file_grants_by_grantee ON file_grants (grantee_id);
)sql"},
    // Zero-knowledge mode: each user's age key pair, the private half encrypted by the client
    // under a key the server never sees; client-mode files keep the length of their age header
    // (so a grantee's header can replace it); a client-mode grant holds the grantee's age header
    // (ASCII text, as age headers are), NULL for server-mode grants.
    Migration{5, "zero-knowledge mode",
              R"sql(
CREATE TABLE user_keys (
  user_id            TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  public_key         TEXT NOT NULL,
  encrypted_identity TEXT NOT NULL,
  kdf                TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
ALTER TABLE files ADD COLUMN age_header_len BIGINT NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE file_grants ADD COLUMN age_header TEXT;
)sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace caas::meta
