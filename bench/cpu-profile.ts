// Preloaded into the service by bench/http-profile.ts --cpu-prof (`--cpu-prof` itself is not allowed in NODE_OPTIONS):
// profiles the whole process and writes a .cpuprofile to CPU_PROFILE_DIR when it exits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
// In-process inspector calls answer synchronously, so this works in an exit handler.
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) throw error;
    const dir = process.env.CPU_PROFILE_DIR!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `service-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
