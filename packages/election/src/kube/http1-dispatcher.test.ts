/**
 * `http1Only` against the dispatcher client-node really builds for a TLS cluster: the copy must
 * be a new undici Agent with HTTP/2 off and the TLS material kept. If an undici upgrade moves
 * the options this relies on, this fails instead of HTTP/2 silently coming back.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { http1Only } from './http1-dispatcher.js';

const optionsOf = (dispatcher: object): Record<string, unknown> => {
  const symbol = Object.getOwnPropertySymbols(dispatcher).find((s) => s.description === 'options');
  return symbol ? ((dispatcher as Record<symbol, unknown>)[symbol] as Record<string, unknown>) : {};
};

it('copies a TLS Agent with allowH2 false and the same connect options', () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const create = (
    kubeConfig as unknown as {
      createDispatcher(cluster: unknown, options: Record<string, unknown>): object;
    }
  ).createDispatcher.bind(kubeConfig);
  const built = create(kubeConfig.getCurrentCluster(), { ca: 'PEM', rejectUnauthorized: true });
  expect(built.constructor.name).toBe('Agent');
  expect(optionsOf(built).allowH2).not.toBe(false);
  const copy = http1Only(built);
  expect(copy).not.toBe(built);
  expect(copy.constructor).toBe(built.constructor);
  expect(optionsOf(copy).allowH2).toBe(false);
  expect(optionsOf(copy).connect).toMatchObject({ ca: 'PEM', rejectUnauthorized: true });
});

it('leaves anything that is not an undici Agent as it is', () => {
  const other = { dispatch() {} };
  expect(http1Only(other)).toBe(other);
});
