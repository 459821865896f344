-- The ledger: every SQL script of the plan is recorded with its checksum and content; the
-- apply-once script has exactly one 'executed' entry however often the project is deployed.
DO $$
DECLARE
    v_once uuid := '21b2a6f5-2729-4523-8796-a525fa5793ac';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_temp.pgmi_plan_view p
                WHERE pg_temp.pgmi_is_sql_file(p.path)
                  AND NOT EXISTS (SELECT 1 FROM internal.deployment_script s
                                   WHERE s.id = coalesce(p.id, p.generic_id))) THEN
        RAISE EXCEPTION 'every planned SQL script must be in internal.deployment_script';
    END IF;
    IF (SELECT count(*) FROM internal.deployment_script_execution_log
         WHERE script_id = v_once AND outcome = 'executed') <> 1 THEN
        RAISE EXCEPTION 'the apply-once script must have been executed exactly once';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM internal.vw_deployment_script v
                     JOIN internal.deployment_script_content c ON c.checksum = v.last_checksum
                    WHERE v.path = './api/examples.sql' AND c.content LIKE '%register_handler%') THEN
        RAISE EXCEPTION 'the content of each executed script is kept by checksum';
    END IF;
    IF (SELECT count(*) FROM membership.organization WHERE slug = 'default') <> 1 THEN
        RAISE EXCEPTION 'the apply-once script created the default organization';
    END IF;
END
$$;
