-- A least-privilege role for the worker (and the starter's everyday
-- commands): it reads and writes the rows of the sync tables and can neither
-- drop nor alter them, nor delete employees or history. Only `starter
-- migrate`, run as the schema's owner, changes the schema.
--
-- Use: CREATE ROLE hrmos_sync LOGIN PASSWORD '…' IN ROLE hrmos_sync_worker;
-- then give the worker DATABASE_URL=postgres://hrmos_sync:…@host/db.
-- Roles belong to the whole PostgreSQL cluster, so creating it tolerates an
-- earlier database of the cluster having created it first.
DO $$
BEGIN
    CREATE ROLE hrmos_sync_worker NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO hrmos_sync_worker', current_schema());
END
$$;

GRANT SELECT, INSERT ON tenants TO hrmos_sync_worker;
GRANT SELECT, INSERT, UPDATE ON hrmos_connections TO hrmos_sync_worker;
GRANT SELECT, INSERT, UPDATE ON employees TO hrmos_sync_worker;
GRANT USAGE ON SEQUENCE employees_id_seq TO hrmos_sync_worker;
GRANT SELECT, INSERT, UPDATE ON monthly_attendance TO hrmos_sync_worker;
GRANT SELECT, INSERT, UPDATE ON sync_runs TO hrmos_sync_worker;
GRANT SELECT, INSERT ON sync_run_items TO hrmos_sync_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON roster_staging, attendance_staging TO hrmos_sync_worker;
GRANT EXECUTE ON FUNCTION sync_norm_number(text), sync_norm_name(text, text), sync_norm_email(text) TO hrmos_sync_worker;

---- create above / drop below ----

REVOKE ALL ON tenants, hrmos_connections, employees, monthly_attendance, sync_runs, sync_run_items,
    roster_staging, attendance_staging FROM hrmos_sync_worker;
REVOKE ALL ON SEQUENCE employees_id_seq FROM hrmos_sync_worker;
