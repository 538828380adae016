-- The columns of `source` that `target` has too (by name, in source's order, quoted), for copying rows across:
-- what an archive copy takes. Generated columns of the target are left to it.
create or replace function session_sweeper.shared_columns(source text, target text)
returns text
language sql
stable
as $$
  select string_agg(quote_ident(s.attname), ', ' order by s.attnum)
  from pg_attribute s
  join pg_attribute t on t.attrelid = to_regclass(target) and t.attname = s.attname
    and t.attnum > 0 and not t.attisdropped and t.attgenerated = ''
  where s.attrelid = to_regclass(source) and s.attnum > 0 and not s.attisdropped
$$;
