import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeResponseStoreContract } from '../testing/response-store-contract.js';
import { dropSchema } from '../testing/service-cleanup.js';
import { describeWithService } from '../testing/service-env.js';
import { PostgresResponseStore } from './postgres-response-store.js';
import { SqliteResponseStore } from './sqlite-response-store.js';

const directory = mkdtempSync(join(tmpdir(), 'llamagate-responses-'));
let files = 0;
describeResponseStoreContract(
  'sqlite',
  async () => new SqliteResponseStore({ file: join(directory, `r${++files}.db`) }),
);

describeWithService('DATABASE_URL', 'postgres response store', (url) => {
  const schema = `lg_resp_${randomBytes(6).toString('hex')}`;
  let prefixes = 0;
  afterAll(async () => {
    await dropSchema(url, schema);
  });
  describeResponseStoreContract('postgres', () =>
    PostgresResponseStore.open({ connectionString: url, schema, tablePrefix: `t${++prefixes}_` }),
  );
});
