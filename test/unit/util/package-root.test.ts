import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStateDir, INSTALLED, PACKAGE_ROOT, userDir } from '../../../src/util/package-root.ts';

describe('package root and user folders', () => {
  it("finds tollstream's own folder from the module, whatever the working directory", () => {
    expect(existsSync(path.join(PACKAGE_ROOT, 'schema.sql'))).toBe(true);
    expect(existsSync(path.join(PACKAGE_ROOT, 'src', 'stack', 'pom.xml'))).toBe(true);
  });

  it('keeps a clone writing into .tollstream', () => {
    expect(INSTALLED).toBe(false);
    expect(defaultStateDir()).toBe('.tollstream');
  });

  it('puts an installed package state and cache in the XDG folders, or under ~ without them', () => {
    expect(userDir('state', { XDG_STATE_HOME: '/x/state' })).toBe('/x/state/tollstream');
    expect(userDir('cache', { XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/tollstream');
    expect(userDir('state', {})).toMatch(/\/\.local\/state\/tollstream$/);
    expect(userDir('cache', {})).toMatch(/\/\.cache\/tollstream$/);
  });
});
