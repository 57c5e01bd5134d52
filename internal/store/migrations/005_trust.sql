-- Issue "one bad record never costs a company its month; one person's data
-- never lands on another's record".

-- A value PostgreSQL cannot hold (a NUL character, a string too long for an
-- index entry) never reaches staging: the fetch stages the field empty and
-- names it here as "field:reason_code", and the plan makes it that record's
-- error. Every other record of the page is staged as usual.
ALTER TABLE roster_staging ADD COLUMN unstorable_fields text[] NOT NULL DEFAULT '{}';
ALTER TABLE attendance_staging ADD COLUMN unstorable_fields text[] NOT NULL DEFAULT '{}';

-- A list read again because it may have shifted while it was paged (someone
-- added and someone removed, so X-Total-Count stayed the same) is compared
-- with the read before it: fetch_pass is the last pass that listed a record,
-- first_pass the pass that first staged it. Two passes agree when no record
-- is left with the older pass and none was first staged by the newer one.
ALTER TABLE roster_staging
    ADD COLUMN fetch_pass smallint NOT NULL DEFAULT 1,
    ADD COLUMN first_pass smallint NOT NULL DEFAULT 1;
ALTER TABLE attendance_staging
    ADD COLUMN fetch_pass smallint NOT NULL DEFAULT 1,
    ADD COLUMN first_pass smallint NOT NULL DEFAULT 1;

-- An HRMOS user ID means something only within the company that issued it
-- (HRMOS numbers users per company). A link names that company, and a sync
-- matches only through links of the company its run reads. Links made
-- before this migration came from the tenant's connected company.
ALTER TABLE employees ADD COLUMN hrmos_company_id text;
UPDATE employees e SET hrmos_company_id = c.company_id
FROM hrmos_connections c
WHERE c.tenant_id = e.tenant_id AND e.hrmos_user_id IS NOT NULL;

-- The company a run read, fixed when it starts: its plan and its writes
-- match through that company's links only, and a fetch refuses to read
-- another company should the tenant be switched while the run goes.
-- Runs in flight during the upgrade get the tenant's company now.
ALTER TABLE sync_runs ADD COLUMN hrmos_company_id text;
UPDATE sync_runs r SET hrmos_company_id = c.company_id
FROM hrmos_connections c
WHERE c.tenant_id = r.tenant_id AND r.status = 'running';

-- Links that stopped counting (a company switch, or a stale link of another
-- company taken over by this company's user), kept for audit: who was
-- linked to which HRMOS user of which company until when.
CREATE TABLE hrmos_link_archive (
    tenant_id        text NOT NULL,
    employee_id      bigint NOT NULL,
    hrmos_company_id text,
    hrmos_user_id    bigint NOT NULL,
    unlinked_at      timestamptz NOT NULL DEFAULT now(),
    -- Why the link stopped counting: 'company_switch' or 'taken_over'.
    reason           text NOT NULL CHECK (reason IN ('company_switch', 'taken_over')),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX hrmos_link_archive_employee_idx ON hrmos_link_archive (tenant_id, employee_id);

GRANT SELECT, INSERT ON hrmos_link_archive TO hrmos_sync_worker;

---- create above / drop below ----

REVOKE ALL ON hrmos_link_archive FROM hrmos_sync_worker;
DROP TABLE hrmos_link_archive;
ALTER TABLE sync_runs DROP COLUMN hrmos_company_id;
ALTER TABLE employees DROP COLUMN hrmos_company_id;
ALTER TABLE attendance_staging DROP COLUMN unstorable_fields, DROP COLUMN fetch_pass, DROP COLUMN first_pass;
ALTER TABLE roster_staging DROP COLUMN unstorable_fields, DROP COLUMN fetch_pass, DROP COLUMN first_pass;
