-- Anti-idle checks on a playback lease: when the next one is due, and the seconds added to the
-- watched union since the last answered check ('a-b,c-d'), taken back out if a check is missed.
ALTER TABLE playback_leases ADD COLUMN next_check_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE playback_leases ADD COLUMN pending TEXT NOT NULL DEFAULT '';

-- A re-imported exam bank retires the old questions instead of deleting them, so attempts that
-- drew them can still be graded.
ALTER TABLE exam_questions ADD COLUMN retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1));
