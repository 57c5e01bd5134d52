-- The monthly report rows of an attendance run in flight (SPEC §3): the same
-- life as roster_staging, deleted when the run ends.
CREATE TABLE attendance_staging (
    sync_run_id                        uuid NOT NULL,
    tenant_id                          text NOT NULL,
    hrmos_user_id                      bigint NOT NULL,
    seq                                integer,
    page                               integer NOT NULL,
    number                             text,
    month                              text,
    working_days                       text,
    absence_days                       text,
    tardy_days                         text,
    leave_early_days                   text,
    paid_holidays                      text,
    actual_working_hours               text,
    total_late_hours                   text,
    total_leave_early_hours            text,
    hours_in_prescribed_working_hours  text,
    excess_of_statutory_working_hours  text,
    late_night_overtime_working_hours  text,
    invalid_fields                     text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (sync_run_id, hrmos_user_id),
    FOREIGN KEY (tenant_id, sync_run_id) REFERENCES sync_runs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX attendance_staging_seq_idx ON attendance_staging (sync_run_id, seq);

---- create above / drop below ----

DROP TABLE attendance_staging;
