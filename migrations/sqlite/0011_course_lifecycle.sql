-- Course lifecycle (issue 13 point 4): a course is a draft, published or retired; only published
-- courses appear to learners, and retiring never touches credits already earned. Replaces the
-- 0/1 `published` flag (1 → published, 0 → draft). Designated credits carry their reason.
ALTER TABLE courses ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'published', 'retired'));
UPDATE courses SET status = CASE WHEN published = 1 THEN 'published' ELSE 'draft' END;
ALTER TABLE courses DROP COLUMN published;
ALTER TABLE courses ADD COLUMN designated_reason TEXT NOT NULL DEFAULT '';
-- Whether anybody completed a course (an import may not change its credits then, unless told).
CREATE INDEX ledger_course ON ledger(course_id);

-- A closed year's settings are frozen (issue 13 point 8). NULL: open. Closing a year (a later
-- issue) writes the settings in force into the year's row and sets this.
ALTER TABLE year_settings ADD COLUMN closed_at INTEGER;
