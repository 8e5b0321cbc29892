/**
 * Where drop-in mode's own function lives: the Cognito Identity relay. Not in
 * lambdas/src/handlers/, which holds the operations' entry points and the unknown route only
 * (test/unit/handler-entries.test.ts); the operations' functions serve the drop-in routes too.
 */
import * as path from 'node:path';
import { PROJECT_ROOT } from './bundling';

export const RELAY_ENTRY = path.join(PROJECT_ROOT, 'lambdas', 'src', 'drop-in', 'relay-handler.ts');
