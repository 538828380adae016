-- The purges' locking rules need a new snapshot per statement (see delete_ghost_sessions_batch): refuse a
-- REPEATABLE READ or SERIALIZABLE transaction, where the whole transaction shares one.
create or replace function session_sweeper.require_read_committed(purge text)
returns void
language plpgsql
stable
as $$
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception '% must run under READ COMMITTED, not %', purge, upper(current_setting('transaction_isolation'))
      using errcode = 'invalid_transaction_state',
            hint = 'Call it outside an explicit REPEATABLE READ or SERIALIZABLE transaction.';
  end if;
end
$$;
