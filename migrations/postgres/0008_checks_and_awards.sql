-- Issue 11, points 8, 9 and 12 (playback credit rules).

-- A lease's credit can never run ahead of the wall clock: the moment up to which its credit is
-- used up (rules::playback::Lease::credit_until). Open leases start from their last beat.
ALTER TABLE playback_leases ADD COLUMN credit_until BIGINT NOT NULL DEFAULT 0;
UPDATE playback_leases SET credit_until = last_beat_at;

-- Anti-idle checks belong to the account, not to a lease: a check waiting for an answer survives
-- re-opening the course, a new lease, another device or session, and signing out. The code is
-- shown only as a server-drawn image. The lease columns check_code, check_issued_at,
-- last_check_ok_at, next_check_at and pending are no longer used.
CREATE TABLE playback_checks (
    account_id    BIGINT PRIMARY KEY REFERENCES accounts(id),
    code          TEXT,
    issued_at     BIGINT,
    wrong         BIGINT NOT NULL DEFAULT 0,
    next_check_at BIGINT NOT NULL,
    last_ok_at    BIGINT
);
CREATE INDEX playback_checks_waiting ON playback_checks(issued_at);
INSERT INTO playback_checks (account_id, code, issued_at, wrong, next_check_at, last_ok_at)
    SELECT account_id, check_code, check_issued_at, 0, next_check_at, last_check_ok_at
    FROM playback_leases;

-- Seconds added to the course's watched union since the account's last answered check
-- ('a-b,c-d'); a missed check takes them back out of every course.
ALTER TABLE playback ADD COLUMN unverified TEXT NOT NULL DEFAULT '';
UPDATE playback SET unverified = (SELECT l.pending FROM playback_leases l
    WHERE l.account_id = playback.account_id AND l.course_id = playback.course_id)
    WHERE EXISTS (SELECT 1 FROM playback_leases l
    WHERE l.account_id = playback.account_id AND l.course_id = playback.course_id);

-- Whether a course is completed is decided from the ledger (an unrevoked course or legacy
-- entry); revocations are looked up by the entry they revoke.
CREATE INDEX ledger_revokes ON ledger(revokes_id);
CREATE INDEX ledger_account_course ON ledger(account_id, course_id);
