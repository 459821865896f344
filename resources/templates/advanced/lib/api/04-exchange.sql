/*
<pgmi-meta id="d90bd799-fa54-49ac-a28e-41455f8adb61" idempotent="true">
  <description>api: the exchange log (one row per request and its response) and its purge</description>
  <sortKeys><key>004/004</key></sortKeys>
</pgmi-meta>
*/

-- Every request a gateway answers, with its response, in the same transaction as the work: an
-- exchange exists exactly when its effects do. Authorization headers are never stored; handlers
-- registered with log_bodies = false keep their bodies out.
CREATE TABLE IF NOT EXISTS api.exchange (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    protocol    text NOT NULL CHECK (protocol IN ('rest', 'rpc', 'mcp')),
    handler     text,
    status      integer NOT NULL,
    request     jsonb NOT NULL,
    response    jsonb,
    user_id     uuid,
    duration_ms numeric NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS exchange_created_at_idx ON api.exchange (created_at);
COMMENT ON TABLE api.exchange IS 'Request/response log of the gateways; purge with api.purge_exchanges.';

-- Records one exchange. In a read-only transaction there is nothing to record into, so it is
-- skipped (a gateway may open read-only transactions for read-only routes).
CREATE OR REPLACE FUNCTION api.record_exchange(p_protocol text, p_handler text, p_status integer,
                                               p_request jsonb, p_response jsonb,
                                               p_duration_ms integer)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF current_setting('transaction_read_only') = 'on' THEN
        RETURN;
    END IF;
    INSERT INTO api.exchange (protocol, handler, status, request, response, user_id, duration_ms)
    VALUES (p_protocol, p_handler, p_status, p_request, p_response,
            (nullif(current_setting('membership.claims', true), '')::jsonb ->> 'sub')::uuid, p_duration_ms);
END
$$;

-- Deletes exchanges older than p_older_than; returns how many.
CREATE OR REPLACE FUNCTION api.purge_exchanges(p_older_than interval) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
    WITH gone AS (DELETE FROM api.exchange WHERE created_at < clock_timestamp() - p_older_than
                  RETURNING 1)
    SELECT count(*) FROM gone
$$;
