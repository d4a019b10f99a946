#!/usr/bin/env node
// The saturi command line. Runs the TypeScript sources directly through tsx,
// so `npx saturi …` works in a checkout without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/node/cli/main.ts');
await main(process.argv);
