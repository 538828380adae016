-- Whether some valid index of `relation` has `column_name` as its first key column (usable for a range scan on it).
create or replace function session_sweeper.has_index_starting_with(relation regclass, column_name text)
returns boolean
language sql
stable
as $$
  select exists (
    select from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
    where i.indrelid = relation and i.indisvalid and i.indpred is null and a.attname = column_name
  )
$$;
