\set SHOW_CONTEXT never
-- The extension installs into schema cdp, at the control file's version.
SELECT e.extname, e.extversion, n.nspname, e.extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'cdp';

-- Every SECURITY DEFINER function pins its search_path (expect none listed).
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p
 WHERE p.pronamespace = 'cdp'::regnamespace
   AND p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                    WHERE c LIKE 'search_path=pg_catalog, cdp, pg_temp');

-- Functions that PUBLIC may execute: none of the ones that write or
-- administer.
SELECT p.oid::regprocedure AS public_executable
  FROM pg_proc p
 WHERE p.pronamespace = 'cdp'::regnamespace
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text;

-- PUBLIC has no rights on any cdp table or sequence.
SELECT c.oid::regclass AS public_readable
  FROM pg_class c
 WHERE c.relnamespace = 'cdp'::regnamespace
   AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND (has_table_privilege('public', c.oid, 'SELECT')
        OR has_table_privilege('public', c.oid, 'INSERT'));
-- PUBLIC may use the schema (the type and the pure functions).
SELECT has_schema_privilege('public', 'cdp', 'USAGE') AS public_schema_usage;

-- Tables holding user data are dumped by pg_dump.
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS t(oid)
  JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'cdp'
 ORDER BY 1;

-- Every cdp table, view and function has a comment or is listed here.
SELECT c.relname AS undocumented_table
  FROM pg_class c
 WHERE c.relnamespace = 'cdp'::regnamespace AND c.relkind IN ('r', 'p', 'v')
   AND obj_description(c.oid, 'pg_class') IS NULL
   AND NOT c.relispartition
 ORDER BY 1;
