import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { resolveNamespace } from './namespace.js';

const dir = mkdtempSync(join(tmpdir(), 'leasehold-ns-'));
const file = (content: string) => {
  const path = join(dir, `ns-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, content);
  return path;
};
const missing = join(dir, 'does-not-exist');

function kubeConfigWithNamespace(namespace: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u', ...(namespace ? { namespace } : {}) }],
    currentContext: 'ctx',
  });
  return kubeConfig;
}

describe('resolveNamespace', () => {
  it('prefers $POD_NAMESPACE', () => {
    const options = { env: { POD_NAMESPACE: 'from-env' }, namespaceFile: file('from-file') };
    expect(resolveNamespace(options)).toBe('from-env');
  });

  it('then the current context of a given kube-config', () => {
    const kubeConfig = kubeConfigWithNamespace('from-context');
    expect(resolveNamespace({ env: {}, kubeConfig, namespaceFile: file('from-file') })).toBe(
      'from-context',
    );
  });

  it('then the service account namespace file, trimmed', () => {
    const kubeConfig = kubeConfigWithNamespace(undefined);
    const options = { env: { POD_NAMESPACE: '  ' }, kubeConfig, namespaceFile: file('team-a\n') };
    expect(resolveNamespace(options)).toBe('team-a');
  });

  it('and finally "default"', () => {
    expect(resolveNamespace({ env: {}, namespaceFile: missing })).toBe('default');
    expect(resolveNamespace({ env: {}, namespaceFile: file('\n') })).toBe('default');
  });
});
