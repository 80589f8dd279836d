import { describeCounterStoreContract } from '../testing/counter-store-contract.js';
import { describeKeyStoreContract } from '../testing/key-store-contract.js';
import { describeRequestLogContract } from '../testing/request-log-contract.js';
import { describeToolCallLedgerContract } from '../testing/tool-call-ledger-contract.js';
import { describeUsageLedgerContract } from '../testing/usage-ledger-contract.js';
import { MemoryCounterStore } from './memory-counter-store.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { MemoryRequestLog } from './memory-request-log.js';
import { MemoryToolCallLedger } from './memory-tool-call-ledger.js';
import { MemoryUsageLedger } from './memory-usage-ledger.js';

describeKeyStoreContract('memory', async (options) => {
  const store = new MemoryKeyStore(options);
  return { store, cleanup: () => store.close() };
});

describeUsageLedgerContract('memory', async () => {
  const ledger = new MemoryUsageLedger();
  return { ledger, cleanup: () => ledger.close() };
});

describeToolCallLedgerContract('memory', async () => {
  const ledger = new MemoryToolCallLedger();
  return { ledger, cleanup: () => ledger.close() };
});

describeCounterStoreContract('memory', async (options) => {
  const counters = new MemoryCounterStore(options);
  return { counters, cleanup: () => counters.close() };
});

describeRequestLogContract('memory', async () => {
  const log = new MemoryRequestLog();
  return { log, cleanup: () => log.close() };
});
