/*
<pgmi-meta id="54c36bb2-61b7-4af3-82f1-45ee690cff58" idempotent="true">
  <description>common: small pure helpers for text (emails, slugs)</description>
  <sortKeys><key>001/000</key></sortKeys>
</pgmi-meta>
*/
-- Sort bands (sortKeys): 001 common, 003 core, 004 API layer, 005/000 membership,
-- 005/001 example routes, 005/002 admin routes. Inside a band the number orders the files.

CREATE OR REPLACE FUNCTION common.normalize_email(p_email text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(btrim(p_email))
$$;
COMMENT ON FUNCTION common.normalize_email(text) IS 'Trimmed, lower-case e-mail address.';

CREATE OR REPLACE FUNCTION common.is_email(p_email text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT p_email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' AND length(p_email) <= 254
$$;

CREATE OR REPLACE FUNCTION common.is_slug(p_slug text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT p_slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(p_slug) <= 63
$$;

-- Tokens and keys: random bytes from pgcrypto, as lower-case hex.
CREATE OR REPLACE FUNCTION common.random_hex(p_bytes integer) RETURNS text
LANGUAGE sql VOLATILE STRICT AS $$
    SELECT encode(extensions.gen_random_bytes(p_bytes), 'hex')
$$;

CREATE OR REPLACE FUNCTION common.sha256_hex(p_text text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT encode(extensions.digest(p_text, 'sha256'), 'hex')
$$;

-- application/x-www-form-urlencoded decoding ("a%20b+c" -> "a b c"); invalid UTF-8 raises.
CREATE OR REPLACE FUNCTION common.url_decode(p_text text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    v_in    text := replace(p_text, '+', ' ');
    v_bytes bytea := '';
    v_i     integer := 1;
BEGIN
    WHILE v_i <= length(v_in) LOOP
        IF substr(v_in, v_i, 1) = '%' AND substr(v_in, v_i + 1, 2) ~ '^[0-9A-Fa-f]{2}$' THEN
            v_bytes := v_bytes || decode(substr(v_in, v_i + 1, 2), 'hex');
            v_i := v_i + 3;
        ELSE
            v_bytes := v_bytes || convert_to(substr(v_in, v_i, 1), 'UTF8');
            v_i := v_i + 1;
        END IF;
    END LOOP;
    RETURN convert_from(v_bytes, 'UTF8');
END
$$;

-- "a=1&b=x%20y" -> {"a": "1", "b": "x y"}; a repeated key keeps its last value.
CREATE OR REPLACE FUNCTION common.parse_query_string(p_query text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(common.url_decode(split_part(pair, '=', 1)),
                                     common.url_decode(substr(pair, length(split_part(pair, '=', 1)) + 2))
                                     ORDER BY ordinality), '{}')
      FROM unnest(string_to_array(coalesce(p_query, ''), '&')) WITH ORDINALITY AS t(pair, ordinality)
     WHERE pair <> ''
$$;
