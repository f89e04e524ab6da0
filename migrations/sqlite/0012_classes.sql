-- Special training classes (issue 14, Art. 9). Extends the three tables of 0001:
--
-- classes: a status that starts as a draft (draft → open → closed), a description, an optional
-- minimum of elective credits from one category (`min_elective_category` is a category code,
-- `min_elective_tenths` the credits in tenths; both NULL or both set), whether completions made
-- before the class started count (`earlier_counts`), and when it was opened and closed.
-- `starts_at` is 00:00 CST of the first day, `ends_at` 00:00 CST of the day after the last day
-- (exclusive), so a completion at 23:59:59 on the last day counts and one at 00:00 the next day
-- does not.
--
-- class_courses: the courses in the organiser's order (`position`).
--
-- class_members: who added the member, removal (the row is kept: `removed_at`, `removed_by`,
-- `removed_reason`), `done_count` (class courses completed within the dates) and `graduated_at`
-- (when the last condition was met), both a cache that every ledger write recomputes in its own
-- transaction while the class is not closed; on a closed class they are the frozen result. Each
-- member has a certificate serial and a random verification code, unique across all classes.
--
-- SQLite cannot change a CHECK constraint, so the three tables are rebuilt (children first);
-- renaming a table rewrites the foreign keys that name it. `defer_foreign_keys` lets the old
-- tables be dropped inside the migration's transaction.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE classes_new (
    id                    INTEGER PRIMARY KEY,
    title                 TEXT    NOT NULL,
    description           TEXT    NOT NULL DEFAULT '',
    unit_id               INTEGER NOT NULL REFERENCES units(id),
    created_by            INTEGER REFERENCES accounts(id),
    starts_at             INTEGER NOT NULL,
    ends_at               INTEGER NOT NULL,
    status                TEXT    NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    created_at            INTEGER NOT NULL,
    min_elective_category TEXT,
    min_elective_tenths   INTEGER CHECK (min_elective_tenths IS NULL OR min_elective_tenths > 0),
    earlier_counts        INTEGER NOT NULL DEFAULT 0 CHECK (earlier_counts IN (0, 1)),
    opened_at             INTEGER,
    closed_at             INTEGER,
    CHECK (ends_at > starts_at),
    CHECK ((min_elective_category IS NULL) = (min_elective_tenths IS NULL))
);
INSERT INTO classes_new (id, title, unit_id, created_by, starts_at, ends_at, status, created_at,
                         opened_at, closed_at)
    SELECT id, title, unit_id, created_by, starts_at, ends_at, status, created_at, created_at,
           CASE WHEN status = 'closed' THEN created_at END
    FROM classes;

CREATE TABLE class_courses_new (
    class_id  INTEGER NOT NULL REFERENCES classes_new(id),
    course_id INTEGER NOT NULL REFERENCES courses(id),
    position  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (class_id, course_id)
);
INSERT INTO class_courses_new (class_id, course_id, position)
    SELECT class_id, course_id, course_id FROM class_courses;

CREATE TABLE class_members_new (
    class_id       INTEGER NOT NULL REFERENCES classes_new(id),
    account_id     INTEGER NOT NULL REFERENCES accounts(id),
    joined_at      INTEGER NOT NULL,
    added_by       INTEGER REFERENCES accounts(id),
    done_count     INTEGER NOT NULL DEFAULT 0,
    graduated_at   INTEGER,
    removed_at     INTEGER,
    removed_by     INTEGER REFERENCES accounts(id),
    removed_reason TEXT,
    cert_serial    TEXT,
    cert_code      TEXT,
    PRIMARY KEY (class_id, account_id)
);
INSERT INTO class_members_new (class_id, account_id, joined_at, graduated_at)
    SELECT class_id, account_id, joined_at, graduated_at FROM class_members;

DROP TABLE class_members;
DROP TABLE class_courses;
DROP TABLE classes;
ALTER TABLE classes_new RENAME TO classes;
ALTER TABLE class_courses_new RENAME TO class_courses;
ALTER TABLE class_members_new RENAME TO class_members;

CREATE INDEX classes_unit ON classes(unit_id);
CREATE INDEX class_members_account ON class_members(account_id);
CREATE UNIQUE INDEX class_members_code ON class_members(cert_code);
CREATE UNIQUE INDEX class_members_serial ON class_members(cert_serial);
