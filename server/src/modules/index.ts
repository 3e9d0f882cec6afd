import { maintenanceTasks } from '../maintenance/tasks.js';
import { AlbumResolver } from './album/album.resolver.js';
import { AdminResolver } from './admin/admin.resolver.js';
import { ConfigResolver } from './config/config.resolver.js';
import { ImageResolver } from './image/image.resolver.js';
import { imageRoutes } from './image/image.routes.js';
import { MfaResolver } from './mfa/mfa.resolver.js';
import type { Module } from './module.js';
import { PasskeyResolver } from './passkey/passkey.resolver.js';
import { StorageResolver } from './quota/quota.resolver.js';
import { DeletionResolver } from './lifecycle/deletion.resolver.js';
import { EmailChangeResolver } from './lifecycle/email-change.resolver.js';
import { exportRoutes } from './lifecycle/export.routes.js';
import { AccountResolver } from './user/account.resolver.js';
import { UserResolver } from './user/user.resolver.js';

export const modules: readonly Module[] = [
  { name: 'accounts', resolvers: [UserResolver, AccountResolver] },
  { name: 'mfa', resolvers: [MfaResolver, PasskeyResolver] },
  { name: 'admin', resolvers: [AdminResolver] },
  { name: 'quota', resolvers: [StorageResolver] },
  {
    name: 'lifecycle',
    resolvers: [DeletionResolver, EmailChangeResolver],
    http: { path: '/export', router: (services, edge) => exportRoutes(services.exports, edge) },
    // Deletions a crash cut short finish before the first request, then hourly.
    tasks: (services) => [{ name: 'account-deletions', everyMs: 3_600_000, run: (scope) => services.deletions.resume(scope) }],
  },
  { name: 'config', resolvers: [ConfigResolver] },
  {
    name: 'images',
    resolvers: [ImageResolver, AlbumResolver],
    http: { path: '/media', router: (services, edge) => imageRoutes(services.images, edge) },
  },
  { name: 'maintenance', tasks: (services, env) => maintenanceTasks(services, services.store.blobs, env) },
];
