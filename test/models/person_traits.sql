-- Matching model 'people': test/models/person.sql reading the golden
-- record's traits instead of columns (sql/match_link.sql,
-- sql/worker_jobs.sql).
\i test/models/person.sql
-- Each column becomes traits->>'column', in comparisons and rules.
SELECT cdp.create_match_model('people', jsonb_build_object(
    'comparisons', (SELECT jsonb_agg(c - 'column' || jsonb_build_object('expr', format('traits->>%L', c->>'column'))
                                     ORDER BY n)
                      FROM jsonb_array_elements(m->'comparisons') WITH ORDINALITY AS x(c, n)),
    'blocking', (SELECT jsonb_agg(regexp_replace(b, '\m([lr])\.([a-z_]+)', '(\1.traits->>''\2'')', 'g') ORDER BY n)
                   FROM jsonb_array_elements_text(m->'blocking') WITH ORDINALITY AS y(b, n))))
       > 0 AS created
  FROM (SELECT :'person_model'::jsonb AS m) AS model;
