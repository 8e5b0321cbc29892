import { operationHandler } from '../protocol/operation-handler';
import { cognitoEvents } from '../capabilities';

export const handler = operationHandler('GetCognitoEvents', (events, input) => events.get(input), cognitoEvents);
