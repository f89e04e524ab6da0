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
ALTER TABLE classes DROP CONSTRAINT classes_status_check;
ALTER TABLE classes ADD CONSTRAINT classes_status_check
    CHECK (status IN ('draft', 'open', 'closed'));
ALTER TABLE classes ALTER COLUMN status SET DEFAULT 'draft';
ALTER TABLE classes ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE classes ADD COLUMN min_elective_category TEXT;
ALTER TABLE classes ADD COLUMN min_elective_tenths BIGINT
    CHECK (min_elective_tenths IS NULL OR min_elective_tenths > 0);
ALTER TABLE classes ADD COLUMN earlier_counts BIGINT NOT NULL DEFAULT 0
    CHECK (earlier_counts IN (0, 1));
ALTER TABLE classes ADD COLUMN opened_at BIGINT;
ALTER TABLE classes ADD COLUMN closed_at BIGINT;
ALTER TABLE classes ADD CONSTRAINT classes_min_elective_check
    CHECK ((min_elective_category IS NULL) = (min_elective_tenths IS NULL));
UPDATE classes SET opened_at = created_at,
    closed_at = CASE WHEN status = 'closed' THEN created_at END;

ALTER TABLE class_courses ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
UPDATE class_courses SET position = course_id;

ALTER TABLE class_members ADD COLUMN added_by BIGINT REFERENCES accounts(id);
ALTER TABLE class_members ADD COLUMN done_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE class_members ADD COLUMN removed_at BIGINT;
ALTER TABLE class_members ADD COLUMN removed_by BIGINT REFERENCES accounts(id);
ALTER TABLE class_members ADD COLUMN removed_reason TEXT;
ALTER TABLE class_members ADD COLUMN cert_serial TEXT;
ALTER TABLE class_members ADD COLUMN cert_code TEXT;
CREATE UNIQUE INDEX class_members_code ON class_members(cert_code);
CREATE UNIQUE INDEX class_members_serial ON class_members(cert_serial);
