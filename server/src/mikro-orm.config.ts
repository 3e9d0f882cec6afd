import { loadEnv } from './config/env.js';
import { buildOrmConfig } from './db/orm-config.js';

// Only for the MikroORM CLI (it looks for this file); the app builds its config in db/orm.ts.
export default buildOrmConfig(loadEnv());
