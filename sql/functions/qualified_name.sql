-- schema.table, quoted where needed, whatever the search_path: how settings record tables.
create or replace function session_sweeper.qualified_name(relation regclass)
returns text
language sql
stable
as $$
  select format('%I.%I', n.nspname, c.relname)
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.oid = relation
$$;
