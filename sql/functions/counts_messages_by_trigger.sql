-- Whether our count trigger (on the tables the migration created) keeps message_count of these tables.
create or replace function session_sweeper.counts_messages_by_trigger(tables session_sweeper.settings)
returns boolean
language sql
stable
as $$
  select exists (
    select from pg_trigger t
    where t.tgrelid = to_regclass(tables.messages_table)
      and t.tgfoid = 'session_sweeper.count_session_messages()'::regprocedure
  )
$$;
