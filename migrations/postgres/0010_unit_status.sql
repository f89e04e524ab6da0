-- Units can be retired (issue 13): a retired unit keeps its code, name and history but takes no
-- new accounts, rosters or child units, and a retired code is never given to another unit.
-- `retired_at` is when it was retired (NULL while active). Names are looked up for `--unit 名称`.
ALTER TABLE units ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired'));
ALTER TABLE units ADD COLUMN retired_at BIGINT;
CREATE INDEX units_name ON units(name);
