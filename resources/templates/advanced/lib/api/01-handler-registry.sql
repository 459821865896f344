/*
<pgmi-meta id="71099fb9-8c88-40fa-864e-b94299e67f1c" idempotent="true">
  <description>api: the handler registry, one row per operation, reachable over REST, JSON-RPC and MCP</description>
  <sortKeys><key>004/001</key></sortKeys>
</pgmi-meta>
*/

-- One row per operation. The same row is a REST route (http_method + route), a JSON-RPC method
-- (rpc_method) and an MCP tool (mcp_tool); the gateways (05..07) find it, check access, the input
-- schema and the transaction policy, then call function_name(input jsonb) RETURNS jsonb.
CREATE TABLE IF NOT EXISTS api.handler (
    name          text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
    summary       text NOT NULL CHECK (summary <> ''),
    description   text NOT NULL DEFAULT '',
    function_name text NOT NULL,
    http_method   text NOT NULL CHECK (http_method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    route         text NOT NULL CHECK (route ~ '^(/[A-Za-z0-9._-]+|/\{[a-z_][a-z0-9_]*\})+$|^/$'),
    route_regex   text NOT NULL,
    route_params  text[] NOT NULL DEFAULT '{}',
    rpc_method    text NOT NULL UNIQUE,
    mcp_tool      text NOT NULL UNIQUE CHECK (mcp_tool ~ '^[A-Za-z0-9_-]{1,64}$'),
    input_schema  jsonb NOT NULL DEFAULT '{"type": "object"}'
                  CHECK (input_schema ->> 'type' = 'object'),
    access        text NOT NULL DEFAULT 'user' CHECK (access IN ('public', 'user', 'admin')),
    read_only     boolean NOT NULL DEFAULT false,
    isolation     text NOT NULL DEFAULT 'read committed'
                  CHECK (isolation IN ('read committed', 'repeatable read', 'serializable')),
    log_bodies    boolean NOT NULL DEFAULT true,
    tags          text[] NOT NULL DEFAULT '{}',
    UNIQUE (http_method, route)
);
COMMENT ON TABLE api.handler IS
    'Handler registry: one operation, three protocols (REST route, JSON-RPC method, MCP tool).';
COMMENT ON COLUMN api.handler.read_only IS
    'The handler runs with transaction_read_only on: any write fails with SQLSTATE 25006.';
COMMENT ON COLUMN api.handler.isolation IS
    'Minimum isolation; a transaction opened weaker gets 428 naming the level to retry with.';
COMMENT ON COLUMN api.handler.log_bodies IS
    'false keeps request and response bodies out of the exchange log (handlers that return secrets).';

-- What a client may learn about the handlers (no function names).
CREATE OR REPLACE VIEW api.vw_handler_catalog AS
SELECT name, summary, description, http_method, route, rpc_method, mcp_tool, input_schema, access,
       read_only, isolation, tags
  FROM api.handler;

-- "/organizations/{id}/members" -> ("^/organizations/([^/]+)/members$", {id}).
CREATE OR REPLACE FUNCTION api.compile_route(p_route text, OUT regex text, OUT params text[])
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    v_part text;
BEGIN
    regex := '^';
    params := '{}';
    IF p_route = '/' THEN
        regex := '^/$';
        RETURN;
    END IF;
    FOREACH v_part IN ARRAY string_to_array(substr(p_route, 2), '/') LOOP
        IF v_part ~ '^\{[a-z_][a-z0-9_]*\}$' THEN
            params := params || substr(v_part, 2, length(v_part) - 2);
            regex := regex || '/([^/]+)';
        ELSE
            regex := regex || '/' || regexp_replace(v_part, '([.\-])', '\\\1', 'g');
        END IF;
    END LOOP;
    regex := regex || '$';
END
$$;

-- Registers (or converges) one handler. Path parameters join the input schema as required
-- strings, so every protocol validates the same object. Writing the same row again changes
-- nothing (the upsert only fires when a column differs).
CREATE OR REPLACE FUNCTION api.register_handler(
    p_name text,
    p_summary text,
    p_function text,
    p_http_method text,
    p_route text,
    p_input_schema jsonb DEFAULT '{"type": "object"}',
    p_access text DEFAULT 'user',
    p_read_only boolean DEFAULT false,
    p_isolation text DEFAULT 'read committed',
    p_description text DEFAULT '',
    p_tags text[] DEFAULT '{}',
    p_log_bodies boolean DEFAULT true
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_route  record;
    v_schema jsonb := coalesce(p_input_schema, '{"type": "object"}');
    v_param  text;
    v_iso    text := lower(regexp_replace(btrim(p_isolation), '[-_ ]+', ' ', 'g'));
BEGIN
    IF to_regprocedure(p_function || '(jsonb)') IS NULL THEN
        RAISE EXCEPTION 'handler %: function %(jsonb) does not exist', p_name, p_function;
    END IF;
    IF v_iso = 'read uncommitted' THEN
        v_iso := 'read committed';  -- PostgreSQL has no weaker level
    END IF;
    v_route := api.compile_route(p_route);
    FOREACH v_param IN ARRAY v_route.params LOOP
        v_schema := jsonb_set(v_schema, '{properties}',
                              coalesce(v_schema -> 'properties', '{}')
                                  || jsonb_build_object(v_param,
                                         coalesce(v_schema #> ARRAY['properties', v_param],
                                                  '{"type": "string"}')));
        IF NOT coalesce(v_schema -> 'required', '[]') ? v_param THEN
            v_schema := jsonb_set(v_schema, '{required}',
                                  coalesce(v_schema -> 'required', '[]') || to_jsonb(v_param));
        END IF;
    END LOOP;

    INSERT INTO api.handler AS h (name, summary, description, function_name, http_method, route,
                                  route_regex, route_params, rpc_method, mcp_tool, input_schema,
                                  access, read_only, isolation, log_bodies, tags)
    VALUES (p_name, p_summary, p_description, p_function, upper(p_http_method), p_route,
            v_route.regex, v_route.params, p_name, replace(p_name, '.', '_'), v_schema,
            p_access, p_read_only, v_iso, p_log_bodies, p_tags)
    ON CONFLICT (name) DO UPDATE
       SET summary = excluded.summary, description = excluded.description,
           function_name = excluded.function_name, http_method = excluded.http_method,
           route = excluded.route, route_regex = excluded.route_regex,
           route_params = excluded.route_params, rpc_method = excluded.rpc_method,
           mcp_tool = excluded.mcp_tool, input_schema = excluded.input_schema,
           access = excluded.access, read_only = excluded.read_only,
           isolation = excluded.isolation, log_bodies = excluded.log_bodies, tags = excluded.tags
     WHERE (h.summary, h.description, h.function_name, h.http_method, h.route, h.input_schema,
            h.access, h.read_only, h.isolation, h.log_bodies, h.tags)
           IS DISTINCT FROM
           (excluded.summary, excluded.description, excluded.function_name, excluded.http_method,
            excluded.route, excluded.input_schema, excluded.access, excluded.read_only,
            excluded.isolation, excluded.log_bodies, excluded.tags);
END
$$;
