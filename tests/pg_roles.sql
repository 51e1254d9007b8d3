-- The two PostgreSQL roles of a least-privilege lrip (README, "Proof"), created idempotently by
-- `make pg-roles` (part of `make test`) on the local server, as its superuser:
--   lrip_owner  owns the tables and runs the migrations (`lrip init --owner-url`);
--   lrip_app    what the application connects as (LRIP_DATABASE_URL): it owns nothing and is no
--               superuser; after every upgrade the owner grants it what it needs (lrip.migrate.grant).
-- The local server trusts 127.0.0.1; a real installation gives each role a password.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lrip_owner') THEN
        CREATE ROLE lrip_owner LOGIN NOSUPERUSER NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lrip_app') THEN
        CREATE ROLE lrip_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;
