-- Sign-in attempts reserved BEFORE a password is checked (issue 11): one counter row per account
-- ('account:<id>') and per address ('address:<ip>'), taken by one conditional upsert, so that at
-- most the limit of guesses per window is ever verified, however many arrive at once and on
-- however many nodes. `n` counts the window's failures plus the attempts still being checked
-- (`pending`); `locked_until` and `locked_why` are set when the failures reach the limit.
CREATE TABLE login_attempts (
    subject      TEXT    PRIMARY KEY,
    window_start INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    pending      INTEGER NOT NULL,
    locked_until INTEGER,
    locked_why   TEXT    NOT NULL DEFAULT ''
);

-- Locks taken by the previous mechanism (accounts.locked_until, no longer written) carry over.
INSERT INTO login_attempts (subject, window_start, n, pending, locked_until, locked_why)
SELECT 'account:' || id, locked_until - 900, 5, 0, locked_until, '连续登录失败'
FROM accounts WHERE locked_until IS NOT NULL;
