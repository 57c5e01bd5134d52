-- Set-based planning of a run (issue "scale for real") and what ops review
-- before a run writes (issue "what ops and support see").
--
-- Staging rows carry their normalized matching keys, computed by the same
-- functions as employees' match_* columns, so that every lookup a run makes
-- in staging is an index equality on (run, key): a run stays linear however
-- stale the table statistics are (a new tenant, or staging last analyzed
-- while empty, which is its normal state between runs).

-- Chunks are now ranges of HRMOS user IDs taken from the primary key, and
-- duplicates are counted per record by index lookups: the numbering column
-- and the stored duplicate flag (both written by an UPDATE that joined
-- staging to itself, quadratic under empty statistics) go.
DROP INDEX roster_staging_seq_idx;
ALTER TABLE roster_staging
    DROP COLUMN seq,
    DROP COLUMN duplicate_key,
    ADD COLUMN norm_number text GENERATED ALWAYS AS (sync_norm_number(number)) STORED,
    ADD COLUMN norm_name   text GENERATED ALWAYS AS (sync_norm_name(last_name, first_name)) STORED,
    ADD COLUMN norm_email  text GENERATED ALWAYS AS (sync_norm_email(email)) STORED;
CREATE INDEX roster_staging_number_idx ON roster_staging (sync_run_id, norm_number) WHERE norm_number IS NOT NULL;
CREATE INDEX roster_staging_name_email_idx ON roster_staging (sync_run_id, norm_name, norm_email)
    WHERE norm_name IS NOT NULL AND norm_email IS NOT NULL;

DROP INDEX attendance_staging_seq_idx;
ALTER TABLE attendance_staging
    DROP COLUMN seq,
    ADD COLUMN norm_number text GENERATED ALWAYS AS (sync_norm_number(number)) STORED;
CREATE INDEX attendance_staging_number_idx ON attendance_staging (sync_run_id, norm_number) WHERE norm_number IS NOT NULL;

-- The HRMOS field an admin must correct for an error item (e.g. "end_date"),
-- so reports can list bad records by field without parsing the reason.
ALTER TABLE sync_run_items ADD COLUMN field text;

-- What a run changed (or, for a dry run or a run awaiting approval, would
-- change), employee by employee: one row per record, its changes a JSON
-- array of {"column", "old", "new"} in the table's column order. It holds
-- personal values, so it lives here, beside the employees it describes, and
-- never in Temporal; mediment's web app and `starter runs show` read it
-- (jsonb_array_elements(changes)). One row per record, not per column: a
-- first sync writes about a dozen columns of every employee, and a row per
-- column made this insert the largest cost of the whole sync. Deleted with
-- its run. employee_id is NULL for an employee the run creates when the
-- plan's diff was kept as written: its sync_run_items row names it.
CREATE TABLE sync_run_changes (
    sync_run_id   uuid NOT NULL,
    tenant_id     text NOT NULL,
    hrmos_user_id bigint NOT NULL,
    employee_id   bigint,
    changes       jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array'),
    PRIMARY KEY (sync_run_id, hrmos_user_id),
    FOREIGN KEY (tenant_id, sync_run_id) REFERENCES sync_runs (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE SET NULL (employee_id)
);

-- The mass-change guard: a run that would change more than a set share of a
-- tenant pauses before writing until ops approve it (or it times out).
ALTER TABLE sync_runs
    ADD COLUMN awaiting_approval_since timestamptz,
    ADD COLUMN approval_reason         text,
    ADD COLUMN approved_at             timestamptz,
    ADD COLUMN approved_by             text;

-- A run refused for bad input is recorded too (SPEC §4: every run appears),
-- even when the month it was given is not a month.
DO $$
DECLARE c text;
BEGIN
    SELECT conname INTO c FROM pg_constraint
    WHERE conrelid = 'sync_runs'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%(kind = ''attendance''::text) = (month IS NOT NULL)%';
    EXECUTE format('ALTER TABLE sync_runs DROP CONSTRAINT %I', c);
END
$$;
ALTER TABLE sync_runs
    ADD CONSTRAINT sync_runs_month_kind_check CHECK (kind = 'attendance' OR month IS NULL),
    ADD CONSTRAINT sync_runs_attendance_month_check CHECK (kind <> 'attendance' OR month IS NOT NULL OR status = 'failed');

GRANT SELECT, INSERT, UPDATE, DELETE ON sync_run_changes TO hrmos_sync_worker;

---- create above / drop below ----

REVOKE ALL ON sync_run_changes FROM hrmos_sync_worker;
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_attendance_month_check, DROP CONSTRAINT sync_runs_month_kind_check;
ALTER TABLE sync_runs ADD CHECK ((kind = 'attendance') = (month IS NOT NULL));
ALTER TABLE sync_runs DROP COLUMN awaiting_approval_since, DROP COLUMN approval_reason, DROP COLUMN approved_at, DROP COLUMN approved_by;
DROP TABLE sync_run_changes;
ALTER TABLE sync_run_items DROP COLUMN field;
DROP INDEX attendance_staging_number_idx;
ALTER TABLE attendance_staging DROP COLUMN norm_number, ADD COLUMN seq integer;
CREATE INDEX attendance_staging_seq_idx ON attendance_staging (sync_run_id, seq);
DROP INDEX roster_staging_name_email_idx;
DROP INDEX roster_staging_number_idx;
ALTER TABLE roster_staging DROP COLUMN norm_email, DROP COLUMN norm_name, DROP COLUMN norm_number,
    ADD COLUMN seq integer, ADD COLUMN duplicate_key text;
CREATE INDEX roster_staging_seq_idx ON roster_staging (sync_run_id, seq);
