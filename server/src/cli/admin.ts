import 'reflect-metadata';
import { pino } from 'pino';
import { loadEnv } from '../config/env.js';
import { openDatabase } from '../db/orm.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { AdminRepository, type AdminAccountRecord } from '../modules/admin/admin.repository.js';
import { AdminService } from '../modules/admin/admin.service.js';
import { AuditService } from '../modules/audit/audit.service.js';
import { SessionService } from '../modules/session/session.service.js';
import { ApiTokenService } from '../modules/token/api-token.service.js';
import { UserRepository } from '../modules/user/user.repository.js';
import { UserService } from '../modules/user/user.service.js';
import { AdminPolicy } from '../policies/admin.policy.js';
import { systemScope } from '../scope.js';

/**
 * Account administration for the operator, with the server's own configuration (.env,
 * DATA_DIR, DATABASE_URL), also while the server runs:
 *   create <username> <email>   a new administrator; the password is read from standard input
 *   promote <username>          make an account an administrator
 *   demote <username>           make an administrator an ordinary account (never the last one)
 *   list                        every account with its role and state
 * The password never comes from argv: other users of the machine can read a process's arguments.
 */
const USAGE = 'usage: admin create <username> <email>  (password on standard input) | promote <username> | demote <username> | list';

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (input is shown; pipe it in to hide it): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    // A terminal sends a line at a time: one line is the password.
    if (process.stdin.isTTY && Buffer.concat(chunks).includes(10)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.split(/\r?\n/)[0] ?? '';
}

function line(a: AdminAccountRecord): string {
  const state = a.disabled ? 'disabled' : 'active';
  return [a.username, a.email, a.role, state, a.createdAt.toISOString()].join('\t');
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const known = { create: 2, promote: 1, demote: 1, list: 0 } as Record<string, number>;
  if (!command || known[command] === undefined || args.length !== known[command]) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const env = loadEnv();
  const log = createLogger({ logLevel: env.logLevel === 'silent' ? 'silent' : 'warn' }, pino.destination(2));
  const password = command === 'create' ? await readPassword() : '';
  const orm = await openDatabase(env);
  try {
    const admin = new AdminService({
      accounts: new AdminRepository(),
      policy: new AdminPolicy(),
      users: new UserService(env.passwordPolicy, new UserRepository({ defaultQuotaBytes: env.defaultQuotaBytes })),
      sessions: new SessionService({ idleMs: env.sessionIdleMs, maxMs: env.sessionMaxMs }),
      apiTokens: new ApiTokenService(),
      audit: new AuditService(env.auditRetentionDays),
    });
    const scope = systemScope(orm.em.fork(), log, `cli:admin:${command}`);
    if (command === 'create') {
      const created = await admin.createAdmin(scope, { username: args[0]!, email: args[1]!, password });
      console.log(`Created administrator ${created.username} <${created.email}>.`);
    } else if (command === 'promote') {
      console.log(`${(await admin.promote(scope, args[0]!)).username} is an administrator.`);
    } else if (command === 'demote') {
      console.log(`${(await admin.demote(scope, args[0]!)).username} is no longer an administrator.`);
    } else {
      for (const account of await admin.listAll(scope)) console.log(line(account));
    }
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  // Our own errors are written for people; anything else is shown by its message only.
  const message = error instanceof AppError || error instanceof Error ? error.message : String(error);
  console.error(`admin: ${message}`);
  process.exit(1);
});
