#!/usr/bin/env node
// The only place that exits the process: everything else returns an exit code. Exit explicitly,
// with that code, whatever handles are still open.
import { limitHeapGrowth } from '../dist/cli/heap.js';

limitHeapGrowth();
const { main } = await import('../dist/cli/main.js');
process.exit(await main(process.argv));
