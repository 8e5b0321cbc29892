import { describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/src/handlers/UnknownRoute';
import { makeEvent } from '../helpers/events';

describe('the $default route entry point', () => {
  it('answers a rest-json 404 UnknownOperationException naming the method and path', async () => {
    const result = await handler(makeEvent({ method: 'PUT', rawPath: '/identitypools/us-east-1%3Aabc/nowhere' }));
    expect(result.statusCode).toBe(404);
    expect(result.headers['x-amzn-ErrorType']).toBe('UnknownOperationException');
    expect(result.headers['x-amzn-RequestId']).toEqual(expect.any(String));
    expect(JSON.parse(result.body)).toEqual({
      __type: 'UnknownOperationException',
      message: 'No operation matches PUT /identitypools/us-east-1%3Aabc/nowhere',
    });
  });
});
