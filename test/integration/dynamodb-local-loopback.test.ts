/**
 * DynamoDB Local checks no signature: anyone who can reach it can read and write every table. It
 * must listen on loopback only, which it cannot do by itself (java/LoopbackDynamoDbLocal does it).
 * The run's shared DynamoDB Local (test/global-setup.ts) is started by the same startDynamoDBLocal.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import { isLoopback, listeningAddresses } from '../helpers/listening-sockets';

const port = () => Number(new URL(dynamoEndpoint()).port);

/** Resolves with how a TCP connection attempt ended. */
function tryConnect(host: string, port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    // Refused, unreachable or timed out: in no case did anyone get in.
    socket.once('error', () => resolve('refused'));
    socket.once('timeout', () => {
      socket.destroy();
      resolve('refused');
    });
  });
}

describe('DynamoDB Local', () => {
  it('listens on loopback addresses only', () => {
    const addresses = listeningAddresses(port());
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((address) => !isLoopback(address))).toEqual([]);
  });

  it('cannot be reached on the machine’s other addresses, and can on 127.0.0.1', async () => {
    expect(await tryConnect('127.0.0.1', port())).toBe('connected');
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((info) => info && !info.internal && !info.address.startsWith('fe80:'))
      .map((info) => info!.address);
    for (const address of others) {
      expect({ address, outcome: await tryConnect(address, port()) }).toEqual({ address, outcome: 'refused' });
    }
  });
});
