-- The whole schema for RULES.md, SQLite flavour. migrations/postgres/0001_init.sql holds the same
-- tables; keep them in step. Conventions (sqlx Any): flags are 0/1 integers, times are unix seconds,
-- credits are integer tenths, years are integers.

-- Organisation tree (Art. 4, 5): any depth, stable codes. `path` is '/<root id>/…/<id>/' so
-- "this unit and everything below it" is one prefix match.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES units(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('city', 'county', 'city_unit', 'body')),
    path        TEXT    NOT NULL DEFAULT '',
    sort_order  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);

-- Accounts (Art. 5, 8): one real-name account per person.
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    real_name       TEXT    NOT NULL,
    id_number       TEXT    UNIQUE,
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    post            TEXT    NOT NULL DEFAULT '',
    phone           TEXT    NOT NULL DEFAULT '',
    is_learner      INTEGER NOT NULL DEFAULT 1 CHECK (is_learner IN (0, 1)),
    batch           INTEGER CHECK (batch IN (1, 2, 3)),
    exempt          INTEGER NOT NULL DEFAULT 0 CHECK (exempt IN (0, 1)),
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    password_hash   TEXT    NOT NULL,
    password_scheme TEXT    NOT NULL DEFAULT 'argon2id'
                    CHECK (password_scheme IN ('argon2id', 'md5', 'md5_salted', 'bcrypt', 'none')),
    password_salt   TEXT,
    must_change     INTEGER NOT NULL DEFAULT 0 CHECK (must_change IN (0, 1)),
    locked_until    INTEGER,
    last_login_at   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX accounts_unit ON accounts(unit_id);

-- Last few hashes per account, for "not one of the last 3" (password policy).
CREATE TABLE password_history (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    hash        TEXT    NOT NULL,
    changed_at  INTEGER NOT NULL
);
CREATE INDEX password_history_account ON password_history(account_id, changed_at);

-- Staff roles with their unit scope: office and college are scoped to the city root.
CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    role        TEXT    NOT NULL CHECK (role IN ('office', 'college', 'unit')),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    granted_by  INTEGER REFERENCES accounts(id),
    granted_at  INTEGER NOT NULL,
    UNIQUE (account_id, role, unit_id)
);
CREATE INDEX roles_unit ON roles(unit_id);

-- Staff SSH public keys.
CREATE TABLE ssh_keys (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    algorithm   TEXT    NOT NULL,
    public_key  TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL UNIQUE,
    comment     TEXT    NOT NULL DEFAULT '',
    added_at    INTEGER NOT NULL
);
CREATE INDEX ssh_keys_account ON ssh_keys(account_id);

-- Sign-in failures, shared by every node: lockout per account and slowdown per address.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    username    TEXT    NOT NULL,
    account_id  INTEGER REFERENCES accounts(id),
    address     TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX login_failures_account ON login_failures(account_id, at);
CREATE INDEX login_failures_address ON login_failures(address, at);

-- Web sign-in sessions, so staff can end a login.
CREATE TABLE web_sessions (
    id           TEXT    PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    address      TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_account ON web_sessions(account_id);

-- Per-user interface preferences (theme, ASCII borders).
CREATE TABLE user_prefs (
    account_id    INTEGER PRIMARY KEY REFERENCES accounts(id),
    theme         TEXT    NOT NULL DEFAULT 'default',
    ascii_borders INTEGER NOT NULL DEFAULT 0 CHECK (ascii_borders IN (0, 1))
);

-- Courses (Art. 6, 7, 9, 10).
CREATE TABLE courses (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    title             TEXT    NOT NULL,
    category          TEXT    NOT NULL CHECK (category IN ('theory', 'policy', 'economy', 'politics',
                          'culture', 'society', 'party', 'local', 'growth', 'topics')),
    kind              TEXT    NOT NULL CHECK (kind IN ('required', 'elective')),
    duration_s        INTEGER NOT NULL CHECK (duration_s > 0),
    designated_tenths INTEGER CHECK (designated_tenths >= 0),
    source            TEXT    NOT NULL CHECK (source IN ('provincial', 'local')),
    media_path        TEXT,
    description       TEXT    NOT NULL DEFAULT '',
    published         INTEGER NOT NULL DEFAULT 1 CHECK (published IN (0, 1)),
    created_at        INTEGER NOT NULL
);
CREATE INDEX courses_category ON courses(category, kind);

-- One exam per course at most; passing earns bonus credits once (Art. 10).
CREATE TABLE exams (
    id             INTEGER PRIMARY KEY,
    course_id      INTEGER NOT NULL UNIQUE REFERENCES courses(id),
    title          TEXT    NOT NULL,
    question_count INTEGER NOT NULL CHECK (question_count > 0),
    pass_percent   INTEGER NOT NULL CHECK (pass_percent BETWEEN 0 AND 100),
    max_attempts   INTEGER NOT NULL CHECK (max_attempts > 0),
    bonus_tenths   INTEGER NOT NULL CHECK (bonus_tenths >= 0),
    time_limit_s   INTEGER NOT NULL DEFAULT 1800,
    created_at     INTEGER NOT NULL
);

CREATE TABLE exam_questions (
    id        INTEGER PRIMARY KEY,
    exam_id   INTEGER NOT NULL REFERENCES exams(id),
    kind      TEXT    NOT NULL CHECK (kind IN ('single', 'multiple', 'truefalse')),
    stem      TEXT    NOT NULL,
    options   TEXT    NOT NULL, -- one option per line
    answer    TEXT    NOT NULL, -- letters of the right options, e.g. 'AC'; 'T'/'F' for true/false
    sort      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX exam_questions_exam ON exam_questions(exam_id);

CREATE TABLE exam_attempts (
    id           INTEGER PRIMARY KEY,
    exam_id      INTEGER NOT NULL REFERENCES exams(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    question_ids TEXT    NOT NULL, -- comma-separated, in the order shown
    answers      TEXT,
    score        INTEGER,
    passed       INTEGER CHECK (passed IN (0, 1)),
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX exam_attempts_learner ON exam_attempts(account_id, exam_id);

-- Playback state per learner and course: the union of watched intervals the server accepted.
CREATE TABLE playback (
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    course_id    INTEGER NOT NULL REFERENCES courses(id),
    watched      TEXT    NOT NULL DEFAULT '', -- 'start-end,start-end' in seconds, sorted, disjoint
    watched_s    INTEGER NOT NULL DEFAULT 0,
    position_s   INTEGER NOT NULL DEFAULT 0,
    completed_at INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, course_id)
);

-- The one active playback per learner, across every device and node.
CREATE TABLE playback_leases (
    account_id     INTEGER PRIMARY KEY REFERENCES accounts(id),
    lease_id       TEXT    NOT NULL UNIQUE,
    course_id      INTEGER NOT NULL REFERENCES courses(id),
    node           TEXT    NOT NULL DEFAULT '',
    address        TEXT    NOT NULL DEFAULT '',
    started_at     INTEGER NOT NULL,
    last_beat_at   INTEGER NOT NULL,
    last_position  INTEGER NOT NULL DEFAULT 0,
    check_code     TEXT,
    check_issued_at INTEGER,
    last_check_ok_at INTEGER
);

-- The credit ledger (电子档案, Art. 11): append-only; a revocation is a new entry. `award_key` makes
-- an award idempotent ('course:<id>', 'exam:<id>', 'legacy:<old id>', 'revoke:<entry id>').
CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('course', 'exam', 'legacy', 'adjustment', 'revocation')),
    bucket      TEXT    NOT NULL CHECK (bucket IN ('required', 'elective', 'exam')),
    course_id   INTEGER REFERENCES courses(id),
    exam_id     INTEGER REFERENCES exams(id),
    ref         TEXT    NOT NULL,
    tenths      INTEGER NOT NULL,
    earned_at   INTEGER NOT NULL,
    credit_year INTEGER NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    actor_id    INTEGER REFERENCES accounts(id),
    rule        TEXT    NOT NULL,
    award_key   TEXT,
    revokes_id  INTEGER REFERENCES ledger(id),
    created_at  INTEGER NOT NULL,
    UNIQUE (account_id, award_key)
);
CREATE INDEX ledger_account_year ON ledger(account_id, credit_year);
CREATE INDEX ledger_year_earned ON ledger(credit_year, earned_at);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;

-- Per-(learner, year) standing, written in the same transaction as every ledger entry.
CREATE TABLE standings (
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    year        INTEGER NOT NULL,
    required    INTEGER NOT NULL DEFAULT 0,
    elective    INTEGER NOT NULL DEFAULT 0,
    exam        INTEGER NOT NULL DEFAULT 0,
    entries     INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, year)
);
CREATE INDEX standings_year ON standings(year);

-- Per-year settings (Art. 5, 10): targets and which batches are assessed.
CREATE TABLE year_settings (
    year                   INTEGER PRIMARY KEY,
    target_total_tenths    INTEGER NOT NULL DEFAULT 400,
    target_required_tenths INTEGER NOT NULL DEFAULT 240,
    batches                TEXT    NOT NULL DEFAULT '1,2,3'
);

-- Roster submissions (Art. 8): unit submits → college reviews → office approves → accounts issued.
CREATE TABLE roster_submissions (
    id                     INTEGER PRIMARY KEY,
    unit_id                INTEGER NOT NULL REFERENCES units(id),
    status                 TEXT    NOT NULL DEFAULT 'submitted'
                           CHECK (status IN ('submitted', 'reviewed', 'approved', 'returned', 'issued')),
    file_name              TEXT    NOT NULL DEFAULT '',
    row_count              INTEGER NOT NULL DEFAULT 0,
    submitted_by           INTEGER NOT NULL REFERENCES accounts(id),
    submitted_at           INTEGER NOT NULL,
    reviewed_by            INTEGER REFERENCES accounts(id),
    reviewed_at            INTEGER,
    approved_by            INTEGER REFERENCES accounts(id),
    approved_at            INTEGER,
    returned_by            INTEGER REFERENCES accounts(id),
    returned_at            INTEGER,
    note                   TEXT    NOT NULL DEFAULT '',
    issued_at              INTEGER,
    credentials_fetched_at INTEGER
);
CREATE INDEX roster_submissions_unit ON roster_submissions(unit_id, status);

CREATE TABLE roster_rows (
    id               INTEGER PRIMARY KEY,
    submission_id    INTEGER NOT NULL REFERENCES roster_submissions(id),
    row_no           INTEGER NOT NULL,
    real_name        TEXT    NOT NULL,
    id_number        TEXT    NOT NULL,
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    post             TEXT    NOT NULL DEFAULT '',
    phone            TEXT    NOT NULL DEFAULT '',
    batch            INTEGER NOT NULL CHECK (batch IN (1, 2, 3)),
    status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    reject_reason    TEXT    NOT NULL DEFAULT '',
    account_id       INTEGER REFERENCES accounts(id),
    username         TEXT,
    initial_password TEXT, -- plain only until the unit fetches the list once, then wiped
    UNIQUE (submission_id, row_no)
);
CREATE INDEX roster_rows_id_number ON roster_rows(id_number);

-- Special training classes (Art. 9).
CREATE TABLE classes (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    created_by  INTEGER REFERENCES accounts(id),
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX classes_unit ON classes(unit_id);

CREATE TABLE class_courses (
    class_id  INTEGER NOT NULL REFERENCES classes(id),
    course_id INTEGER NOT NULL REFERENCES courses(id),
    PRIMARY KEY (class_id, course_id)
);

CREATE TABLE class_members (
    class_id     INTEGER NOT NULL REFERENCES classes(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    joined_at    INTEGER NOT NULL,
    graduated_at INTEGER,
    PRIMARY KEY (class_id, account_id)
);
CREATE INDEX class_members_account ON class_members(account_id);

-- Notices (Art. 16): quarterly to learners, year-end to units, general ones.
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('general', 'quarterly', 'year_end', 'circular')),
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    account_id  INTEGER REFERENCES accounts(id),
    unit_id     INTEGER REFERENCES units(id),
    year        INTEGER,
    quarter     INTEGER CHECK (quarter BETWEEN 1 AND 4),
    created_by  INTEGER REFERENCES accounts(id),
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX notices_account ON notices(account_id, created_at);
CREATE INDEX notices_unit ON notices(unit_id, created_at);

-- Suspected proxy learning or fraud (Art. 16); the office rules on each flag.
CREATE TABLE fraud_flags (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('shared_device', 'impossible_playback', 'failed_checks', 'other')),
    detail      TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
    ruled_by    INTEGER REFERENCES accounts(id),
    ruled_at    INTEGER,
    ruling      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX fraud_flags_account ON fraud_flags(account_id, year);

-- Awards (Art. 15): candidates computed, the office confirms.
CREATE TABLE awards (
    id           INTEGER PRIMARY KEY,
    year         INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('learner', 'unit')),
    account_id   INTEGER REFERENCES accounts(id),
    unit_id      INTEGER REFERENCES units(id),
    rank         INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate', 'confirmed')),
    confirmed_by INTEGER REFERENCES accounts(id),
    confirmed_at INTEGER
);
CREATE INDEX awards_year ON awards(year, kind);

-- Every admin action and sign-in, with who, from where, and before/after.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES accounts(id),
    actor       TEXT    NOT NULL,
    address     TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    before      TEXT,
    after       TEXT,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
