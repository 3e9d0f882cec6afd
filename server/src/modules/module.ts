import type { Router } from 'express';
import type { Env } from '../config/env.js';
import type { AuthEdge } from '../http/auth-edge.js';
import type { MaintenanceTask } from '../maintenance/scheduler.js';
import type { Services } from '../services.js';

/** A type-graphql resolver class: made once, with the app's services. */
export type ResolverClass = new (services: Services) => object;

/**
 * What a feature module adds to the app. `app.ts` composes the modules in `modules/index.ts`;
 * adding a feature adds a module, not lines in five places. (Entities are listed in
 * `db/entities.ts`: the ORM, the migrations and the typed Kysely database read that one list,
 * without loading GraphQL.)
 */
export interface Module {
  name: string;
  resolvers?: readonly ResolverClass[];
  /** Plain HTTP routes under `path`; every request there gets its scope (viewer, EntityManager) first. */
  http?: { path: string; router(services: Services, edge: AuthEdge): Router };
  tasks?(services: Services, env: Env): MaintenanceTask[];
}
