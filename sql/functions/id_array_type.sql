-- The array type of a table's id column, as SQL text ('uuid[]' on Aria's tables): the batch purges carry the ids of
-- the rows they locked as text[] and cast them back with it, so that the primary key serves the lookup.
create or replace function session_sweeper.id_array_type(table_name text)
returns text
language sql
stable
as $$
  select format_type(atttypid, null) || '[]'
  from pg_attribute
  where attrelid = to_regclass(table_name) and attname = 'id' and not attisdropped
$$;
