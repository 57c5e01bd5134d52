-- Issue 17, "a message where ops are": a run that finds its tenant's HRMOS
-- API key close to expiry tells ops on the webhook (NOTIFY_WEBHOOK_URL), at
-- most once per tenant and Japan day, however many runs find it (a tenant's
-- roster and attendance runs start together on the schedule's day; a busy
-- tenant runs by hand many times a day). The activity that posts claims the
-- day here first, and marks it sent once the webhook took the message.
--
-- One row per tenant and topic, overwritten by the next day's claim: the
-- table never grows beyond its tenants.
CREATE TABLE ops_notices (
    tenant_id   text NOT NULL,
    -- What the notice is about: 'api_key_expiry'.
    topic       text NOT NULL,
    -- The Japan day it was claimed for.
    day         date NOT NULL,
    -- The run whose activity claimed it: a retry of that activity (a crash
    -- between the claim and the post) takes its claim again.
    sync_run_id uuid NOT NULL,
    claimed_at  timestamptz NOT NULL,
    -- Null while claimed and not yet posted: a claim left unsent for ten
    -- minutes (the run's attempts gave up) is another run's to take.
    sent_at     timestamptz,
    PRIMARY KEY (tenant_id, topic)
);

GRANT SELECT, INSERT, UPDATE ON ops_notices TO hrmos_sync_worker;

---- create above / drop below ----

REVOKE ALL ON ops_notices FROM hrmos_sync_worker;
DROP TABLE ops_notices;
