/** The signature packs shipped with pprof-diag. */
import dbDrivers from './packs/db-drivers.json' with { type: 'json' };
import databaseSql from './packs/database-sql.json' with { type: 'json' };
import netHttp from './packs/net-http.json' with { type: 'json' };
import rpcCache from './packs/rpc-cache.json' with { type: 'json' };
import runtime from './packs/runtime.json' with { type: 'json' };
import sync from './packs/sync.json' with { type: 'json' };
import type { SignaturePack } from './types.js';

export const builtinPacks: SignaturePack[] = [databaseSql, dbDrivers, netHttp, sync, rpcCache, runtime] as SignaturePack[];
