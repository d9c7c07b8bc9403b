// The loaders the TypeScript sources run under: tsx, then the fix for Ink's unbounded text-measure cache
// (src/monitor/ink/hooks.mjs; after tsx, which loads the TypeScript replacement). bin/tollstream.js imports this;
// tests start children with `node --import ./bin/register.js`.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../src/monitor/ink/hooks.mjs', import.meta.url);
