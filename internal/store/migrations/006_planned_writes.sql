-- Issue "one round trip per written record".
--
-- A run's plan decides every record from set-based reads; the records that
-- write (created, updated, or an error to record) were then decided again,
-- one by one, in a transaction that read everything anew under row locks:
-- four round trips and eight statements a record. The plan now leaves each
-- such decision here, with the version of what it was decided from: the
-- matching employees' row versions (xmin) and, for attendance, the month's.
-- A record's write is then one statement that applies the planned decision
-- only while those versions still hold, and writes the item in the same
-- statement; when they do not (the web app changed the employee, another
-- run linked it) the write decides again from fresh reads, as before.
--
-- UNLOGGED: these rows are a cache of decisions the plan can make again.
-- After a PostgreSQL crash the table is empty, and every write of a run in
-- flight takes the decide-again path, which is always correct.
CREATE UNLOGGED TABLE sync_run_writes (
    sync_run_id      uuid NOT NULL,
    tenant_id        text NOT NULL,
    hrmos_user_id    bigint NOT NULL,
    outcome          text NOT NULL,
    -- The employee the decision updates, or whose month it writes.
    employee_id      bigint,
    -- "id:xmin,…" of every employee the record's keys found when it was
    -- planned (store.rosterVersion / attendanceVersion compute it, the same
    -- SQL for the plan's read and the write's check).
    candidates       text NOT NULL,
    -- The row version of the employee updated (roster) or of the month
    -- overwritten (attendance; '' when the month had no row).
    target_version   text NOT NULL DEFAULT '',
    -- Column → value of what the write sets, as the rules' column tables
    -- name them.
    fields           jsonb NOT NULL DEFAULT '{}',
    reason_code      text NOT NULL DEFAULT '',
    reason           text NOT NULL DEFAULT '',
    field            text NOT NULL DEFAULT '',
    changed_fields   text[] NOT NULL DEFAULT '{}',
    needs_attention  text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (sync_run_id, hrmos_user_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON sync_run_writes TO hrmos_sync_worker;

-- The planned writes keep one generic plan per connection (store.OpenStore),
-- made once, possibly while the tenant (or the whole table) is empty. Then
-- a lookup of the employee linked to an HRMOS user costs the same through
-- (tenant_id, hrmos_user_id) and through (tenant_id, employee_number) with
-- a filter, and PostgreSQL took the second: a walk of the tenant's employees
-- for every record once it is big. This smaller index serves exactly that
-- lookup and wins the tie; plans_test.go checks the plans made on an empty
-- tenant once it holds 20,000 employees.
CREATE INDEX employees_link_idx ON employees (hrmos_user_id, tenant_id) WHERE hrmos_user_id IS NOT NULL;

---- create above / drop below ----

DROP INDEX employees_link_idx;
REVOKE ALL ON sync_run_writes FROM hrmos_sync_worker;
DROP TABLE sync_run_writes;
