import { operationHandler } from '../protocol/operation-handler';
import { cognitoEvents } from '../capabilities';

export const handler = operationHandler('SetCognitoEvents', (events, input) => events.set(input), cognitoEvents);
