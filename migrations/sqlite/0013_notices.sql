-- Notices with an audience (issue 15): one row per notice, one row per recipient resolved at send
-- time (a later move or new account does not change who got it), so read receipts stay exact.
CREATE TABLE notice_messages (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('general', 'quarterly', 'year_end', 'circular', 'class', 'reminder')),
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    audience    TEXT    NOT NULL,
    sender_id   INTEGER REFERENCES accounts(id),
    sender      TEXT    NOT NULL,
    year        INTEGER,
    quarter     INTEGER CHECK (quarter BETWEEN 1 AND 4),
    once_key    TEXT    UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX notice_messages_sender ON notice_messages(sender_id, created_at);

CREATE TABLE notice_recipients (
    notice_id   INTEGER NOT NULL REFERENCES notice_messages(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    read_at     INTEGER,
    PRIMARY KEY (notice_id, account_id)
);
CREATE INDEX notice_recipients_account ON notice_recipients(account_id, notice_id);

-- The old rows: one per recipient (an account), or to a unit (its staff), or to everyone.
INSERT INTO notice_messages (id, kind, title, body, audience, sender_id, sender, year, quarter, created_at)
SELECT n.id, n.kind, n.title, n.body,
       CASE WHEN n.account_id IS NOT NULL THEN 'users' WHEN n.unit_id IS NOT NULL THEN 'staff' ELSE 'all' END,
       n.created_by, COALESCE(s.username, ''), n.year, n.quarter, n.created_at
FROM notices n LEFT JOIN accounts s ON s.id = n.created_by;
INSERT INTO notice_recipients (notice_id, account_id, unit_id, read_at)
SELECT n.id, a.id, a.unit_id, n.read_at FROM notices n JOIN accounts a ON a.id = n.account_id;
INSERT INTO notice_recipients (notice_id, account_id, unit_id, read_at)
SELECT DISTINCT n.id, r.account_id, n.unit_id, n.read_at
FROM notices n JOIN roles r ON r.unit_id = n.unit_id AND r.role = 'unit'
WHERE n.account_id IS NULL;
INSERT INTO notice_recipients (notice_id, account_id, unit_id, read_at)
SELECT n.id, a.id, a.unit_id, NULL FROM notices n CROSS JOIN accounts a
WHERE n.account_id IS NULL AND n.unit_id IS NULL AND a.status = 'active';
DROP TABLE notices;
