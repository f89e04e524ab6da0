-- The assessed population (active, non-exempt learners of the enrolled batches, by unit) read from
-- the index alone: counting a city of 100,000 for the roster screen no longer visits every row.
CREATE INDEX accounts_population ON accounts(unit_id, is_learner, exempt, status, batch);
