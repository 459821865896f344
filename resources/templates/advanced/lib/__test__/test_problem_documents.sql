-- RFC 9457: problems raised by handlers keep their status; known SQLSTATEs map to 4xx; the rest
-- are 500s that do not leak the error text.
DO $$
DECLARE
    p jsonb;
BEGIN
    p := api.problem(404, 'Not Found', 'no such thing', '/x');
    PERFORM pg_temp.expect(p = '{"type": "about:blank", "title": "Not Found", "status": 404,
                                 "detail": "no such thing", "instance": "/x"}', p::text);
    p := api.problem_from_error('PT409', 'Conflict', 'taken', '/y');
    PERFORM pg_temp.expect(p ->> 'status' = '409' AND p ->> 'detail' = 'taken', p::text);
    p := api.problem_from_error('23505', 'duplicate key value violates unique constraint "secret_idx"', '', '/y');
    PERFORM pg_temp.expect(p ->> 'status' = '409' AND p::text NOT LIKE '%secret_idx%', p::text);
    p := api.problem_from_error('XX000', 'internal detail that must not leak', '', '/z');
    PERFORM pg_temp.expect(p ->> 'status' = '500' AND p::text NOT LIKE '%leak%', p::text);
END
$$;
