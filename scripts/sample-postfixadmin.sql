-- A small PostfixAdmin database (SQLite) for `npm run demo`: PostfixAdmin's four tables with the
-- cases an MX must get right. Load with: sqlite3 postfixadmin.db < sample-postfixadmin.sql
CREATE TABLE domain (
  domain TEXT NOT NULL PRIMARY KEY, description TEXT NOT NULL DEFAULT '', aliases INTEGER NOT NULL DEFAULT 0,
  mailboxes INTEGER NOT NULL DEFAULT 0, maxquota INTEGER NOT NULL DEFAULT 0, quota INTEGER NOT NULL DEFAULT 0,
  transport TEXT DEFAULT NULL, backupmx INTEGER NOT NULL DEFAULT 0,
  created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, modified TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE mailbox (
  username TEXT NOT NULL PRIMARY KEY, password TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',
  maildir TEXT NOT NULL DEFAULT '', quota INTEGER NOT NULL DEFAULT 0, local_part TEXT NOT NULL DEFAULT '',
  domain TEXT NOT NULL DEFAULT '', created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  modified TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE alias (
  address TEXT NOT NULL PRIMARY KEY, goto TEXT NOT NULL, domain TEXT NOT NULL DEFAULT '',
  created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, modified TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE alias_domain (
  alias_domain TEXT NOT NULL PRIMARY KEY, target_domain TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, modified TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  active INTEGER NOT NULL DEFAULT 1);

INSERT INTO domain (domain, description, active) VALUES
  ('ALL', 'PostfixAdmin pseudo-domain: never published', 1),
  ('example.com', 'main domain', 1),
  ('example.net', 'catch-all domain', 1),
  ('example.org', 'alias domain of example.com', 1),
  ('bücher.example', 'IDN, stored as a U-label', 1),
  ('inactive.example', 'switched off', 0);

-- Every mailbox has its self alias, as PostfixAdmin creates it.
INSERT INTO mailbox (username, name, local_part, domain, active) VALUES
  ('alice@example.com', 'Alice', 'alice', 'example.com', 1),
  ('bob@example.com', 'Bob', 'bob', 'example.com', 1),
  ('Sales@Example.COM', 'Sales (mixed case)', 'Sales', 'example.com', 1),
  ('off@example.com', 'Inactive mailbox', 'off', 'example.com', 0),
  ('info@bücher.example', 'IDN mailbox', 'info', 'bücher.example', 1),
  ('carol@inactive.example', 'Mailbox of an inactive domain', 'carol', 'inactive.example', 1);
INSERT INTO alias (address, goto, domain, active) VALUES
  ('alice@example.com', 'alice@example.com', 'example.com', 1),
  ('bob@example.com', 'bob@example.com', 'example.com', 1),
  ('Sales@Example.COM', 'Sales@Example.COM', 'example.com', 1),
  ('off@example.com', 'off@example.com', 'example.com', 0),
  ('info@bücher.example', 'info@bücher.example', 'bücher.example', 1),
  ('carol@inactive.example', 'carol@inactive.example', 'inactive.example', 1),
  ('postmaster@example.com', 'alice@example.com', 'example.com', 1),
  ('news+list@example.com', 'bob@example.com', 'example.com', 1),
  ('external@example.com', 'someone@elsewhere.example', 'example.com', 1),
  ('old-alias@example.com', 'bob@example.com', 'example.com', 0),
  ('@example.net', 'alice@example.com', 'example.net', 1),
  ('ghost@missing.example', 'alice@example.com', 'missing.example', 1),
  ('no-at-sign', 'alice@example.com', 'example.com', 1),
  ('two@@example.com', 'alice@example.com', 'example.com', 1),
  ('with space@example.com', 'alice@example.com', 'example.com', 1);
INSERT INTO alias_domain (alias_domain, target_domain, active) VALUES
  ('example.org', 'example.com', 1),
  ('inactive.example', 'example.com', 0);
