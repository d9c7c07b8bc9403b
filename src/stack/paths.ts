/**
 * Where the Docker-free stack keeps things. The jar cache belongs to the checkout (shared by every state dir), or
 * to the user's cache folder when tollstream is an installed package; everything a running stack writes —
 * configs, data, logs, PIDs, the reader secret — lives under the state dir.
 */
import path from 'node:path';
import { INSTALLED, PACKAGE_ROOT, userDir } from '../util/package-root.ts';

/** The repository (or installed package) root, found from this file rather than the working directory. */
export const REPO_ROOT = PACKAGE_ROOT;

export interface JarCache {
  pom: string;
  dir: string;
  /** Written after a successful fetch; its presence (and matching pom hash) means no network is needed. */
  marker: string;
  mavenLog: string;
}

export function jarCache(root = REPO_ROOT): JarCache {
  const dir =
    INSTALLED && root === REPO_ROOT
      ? path.join(userDir('cache'), 'jars')
      : path.join(root, '.tollstream', 'jars');
  return {
    pom: path.join(root, 'src', 'stack', 'pom.xml'),
    dir,
    marker: path.join(dir, 'jars.complete.json'),
    mavenLog: path.join(dir, 'maven.log'),
  };
}

export interface StackPaths {
  stateDir: string;
  record: string;
  readerSecret: string;
  configDir: string;
  logsDir: string;
  zookeeperData: string;
  zookeeperProperties: string;
  zookeeperLog4j: string;
  zookeeperLog: string;
  zookeeperOut: string;
  broker(id: number): {
    data: string;
    properties: string;
    log4j: string;
    log: string;
    out: string;
  };
}

export function stackPaths(stateDir: string): StackPaths {
  const configDir = path.join(stateDir, 'config');
  const logsDir = path.join(stateDir, 'logs');
  return {
    stateDir,
    record: path.join(stateDir, 'stack.json'),
    readerSecret: path.join(stateDir, 'reader.secret'),
    configDir,
    logsDir,
    zookeeperData: path.join(stateDir, 'zookeeper'),
    zookeeperProperties: path.join(configDir, 'zookeeper.properties'),
    zookeeperLog4j: path.join(configDir, 'log4j-zookeeper.properties'),
    zookeeperLog: path.join(logsDir, 'zookeeper.log'),
    zookeeperOut: path.join(logsDir, 'zookeeper.out'),
    broker: (id) => ({
      data: path.join(stateDir, `kafka-${id}`),
      properties: path.join(configDir, `server-${id}.properties`),
      log4j: path.join(configDir, `log4j-kafka-${id}.properties`),
      log: path.join(logsDir, `kafka-${id}.log`),
      out: path.join(logsDir, `kafka-${id}.out`),
    }),
  };
}

/**
 * The top-level entries of a state dir that `down --purge` may delete: only what the stack itself creates, so
 * a state dir pointed at a directory with other content (or holding the jar cache) loses nothing else.
 */
export const PURGEABLE = /^(stack\.json|reader\.secret|config|logs|zookeeper|kafka-\d+)$/;
