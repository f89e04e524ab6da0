-- Effective-dated account facts (RULES.md "Who counts in a year", issue 11). Each row holds the
-- whole set of facts that decide assessment (unit, batch, status, exemption) in force from
-- `effective_at` until `ends_at` (NULL: still in force); a change closes the open row and opens a
-- new one, so a past year is read at its own assessment moment and today's changes leave it alone.
-- `accounts` keeps the current values for sign-in and scope; `wangyuan check` proves they agree.
CREATE TABLE account_facts (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts(id),
    effective_at      INTEGER NOT NULL,
    ends_at           INTEGER,
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    batch             INTEGER,
    status            TEXT    NOT NULL CHECK (status IN ('active', 'disabled')),
    exempt            INTEGER NOT NULL CHECK (exempt IN (0, 1)),
    kind              TEXT    NOT NULL
                      CHECK (kind IN ('issue', 'move', 'batch', 'disable', 'enable', 'exempt', 'unexempt')),
    -- The office's exception: a disable or exemption taking effect on or after the year's cut-off
    -- removes the learner from that year all the same.
    removes_from_year INTEGER NOT NULL DEFAULT 0 CHECK (removes_from_year IN (0, 1)),
    reason            TEXT    NOT NULL DEFAULT '',
    actor             TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL
);
-- Covering index for "the row in force at T" per account, which the population query reads twice.
CREATE INDEX account_facts_in_force ON account_facts(account_id, effective_at, ends_at, status, exempt, batch, unit_id);
CREATE INDEX account_facts_effective ON account_facts(effective_at);

-- What was known when the history began: the current facts, in force since the account was made.
INSERT INTO account_facts (account_id, effective_at, unit_id, batch, status, exempt, kind, reason, created_at)
SELECT id, created_at, unit_id, batch, status, exempt, 'issue', exempt_reason, created_at FROM accounts;

-- The year's cut-off day ('MM-DD', CST), with the other per-year settings.
ALTER TABLE year_settings ADD COLUMN cutoff TEXT NOT NULL DEFAULT '10-01';

-- A unit liaison's request to exempt a cadre (Art. 12); only the office approves or refuses.
CREATE TABLE exemption_requests (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    reason        TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    requested_by  TEXT    NOT NULL,
    requested_at  INTEGER NOT NULL,
    decided_by    TEXT,
    decided_at    INTEGER,
    decision      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX exemption_requests_status ON exemption_requests(status, requested_at);
CREATE INDEX exemption_requests_account ON exemption_requests(account_id);
