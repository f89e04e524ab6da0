-- Account care (issue 5): why an account is exempt from assessment (Art. 12, e.g. 省管干部).
ALTER TABLE accounts ADD COLUMN exempt_reason TEXT NOT NULL DEFAULT '';
