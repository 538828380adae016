import type { MigrationBuilder } from 'node-pg-migrate';
import { readSqlFile } from '../src/sql-files.ts';

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    create table engine_chat_sessions (
      id uuid primary key default gen_random_uuid(),
      agent_id text not null,
      title text,
      message_count int not null default 0 check (message_count >= 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table engine_chat_messages (
      id bigint generated always as identity primary key,
      session_id uuid not null references engine_chat_sessions on delete cascade,
      role text not null,
      content text not null,
      created_at timestamptz default now()
    );
    create index engine_chat_messages_session_id_idx on engine_chat_messages (session_id);
  `);
  pgm.sql(await readSqlFile('functions/count_session_messages.sql'));
  pgm.sql(`
    create trigger engine_chat_messages_count
    after insert or delete on engine_chat_messages
    for each row execute function count_session_messages();
  `);
}

export function down(pgm: MigrationBuilder): void {
  pgm.sql(`
    drop table engine_chat_messages;
    drop table engine_chat_sessions;
    drop function count_session_messages();
  `);
}
