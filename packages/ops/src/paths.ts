import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvName } from './plan.js';

/** The checkout this CLI belongs to: the nearest folder up with `durable/` and a workspace root. */
export function repoRoot(): string {
  const override = process.env.ECHOBASE_ROOT;
  if (override) return resolve(override);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(join(dir, 'durable')) && existsSync(pkg)) {
      const { workspaces } = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
      if (workspaces) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the echobase checkout above this CLI');
    dir = parent;
  }
}

/** Where one environment's native state lives (git-ignored): data, pids, logs, credentials. */
export function envPaths(env: EnvName, root = repoRoot()) {
  const state = join(root, '.echobase', env);
  return {
    root,
    state,
    credentials: join(state, 'credentials.json'),
    /** Outside the state folder, so that deleting the data never deletes a held lock. */
    lock: join(root, '.echobase', `${env}.durable.lock`),
    mariadb: {
      dir: join(state, 'mariadb'),
      data: join(state, 'mariadb', 'data'),
      pid: join(state, 'mariadb', 'mariadbd.pid'),
      socket: join(state, 'mariadb', 'mariadbd.sock'),
      log: join(state, 'mariadb', 'mariadbd.log'),
      bootstrapped: join(state, 'mariadb', 'bootstrapped'),
    },
    aws: {
      dir: join(state, 'aws'),
      pid: join(state, 'aws', 'moto.pid'),
      log: join(state, 'aws', 'moto.log'),
    },
    sqs: {
      dir: join(state, 'sqs'),
      log: join(state, 'sqs', 'elasticmq.log'),
    },
    prometheus: {
      dir: join(state, 'prometheus'),
      /** Generated from the port plan for the environment's runtime (src/prometheus.ts). */
      config: join(state, 'prometheus', 'prometheus.yml'),
      data: join(state, 'prometheus', 'data'),
      log: join(state, 'prometheus', 'prometheus.log'),
    },
    jaeger: {
      dir: join(state, 'jaeger'),
      log: join(state, 'jaeger', 'jaeger.log'),
    },
    nginx: {
      prefix: join(state, 'nginx'),
      conf: join(state, 'nginx', 'conf', 'nginx.conf'),
      pid: join(state, 'nginx', 'logs', 'nginx.pid'),
      logs: join(state, 'nginx', 'logs'),
      temp: join(state, 'nginx', 'temp'),
    },
  };
}
export type EnvPaths = ReturnType<typeof envPaths>;

/** Tools the project installs for itself (the moto venv), shared by every environment. */
export function toolPaths(root = repoRoot()) {
  const venv = join(root, '.echobase', 'tools', 'venv');
  return {
    venv,
    motoServer: join(venv, 'bin', 'moto_server'),
    /** ElasticMQ's jars (resolved by Maven) and the class-data archive of one start. */
    elasticmq: {
      lib: join(root, '.echobase', 'tools', 'elasticmq', 'lib'),
      archive: join(root, '.echobase', 'tools', 'elasticmq', 'elasticmq.jsa'),
      /** The config both runtimes run it with (ports and host from its environment). */
      conf: join(root, 'durable', 'elasticmq.conf'),
    },
    /** Jaeger v2, built with Go by the install script, and the config both runtimes run. */
    jaeger: {
      binary: join(root, '.echobase', 'tools', 'jaeger', 'jaeger'),
      config: join(root, 'observability', 'jaeger.yaml'),
    },
    requirements: join(root, 'packages', 'ops', 'native', 'requirements.txt'),
    installDeps: join(root, 'scripts', 'install-deps.sh'),
    nginxTemplate: join(root, 'nginx', 'echobase.conf.template'),
  };
}
