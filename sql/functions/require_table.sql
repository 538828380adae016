-- The table `name` names (NULL for NULL), or an error naming the setting when it is missing or lacks a column.
create or replace function session_sweeper.require_table(name text, setting text, columns text[])
returns regclass
language plpgsql
stable
as $$
declare
  relation regclass := to_regclass(name);
  missing text;
begin
  if name is null then
    return null;
  end if;
  if relation is null or not exists (select from pg_class where oid = relation and relkind in ('r', 'p')) then
    raise exception '% names table "%", which does not exist', setting, name
      using errcode = 'undefined_table',
            hint = format('Create it, or set %s to the schema-qualified name of the existing table (Aria today: '
                          'aria_engine.chat_sessions and aria_engine.chat_messages).', setting);
  end if;
  select string_agg(c, ', ') into missing
  from unnest(columns) c
  where not exists (select from pg_attribute a where a.attrelid = relation and a.attname = c and a.attnum > 0 and not a.attisdropped);
  if missing is not null then
    raise exception '% table % lacks column(s) %, which session-sweeper needs (%)', setting, relation, missing, array_to_string(columns, ', ')
      using errcode = 'undefined_column';
  end if;
  return relation;
end
$$;
