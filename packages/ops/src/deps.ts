import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { OpsError } from './errors.js';

export interface Dependency {
  /** What a user reads in the error. */
  what: string;
  /** An absolute file, or a command looked up on the PATH (and the sbin folders). */
  file: string;
  from: string;
}

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

export async function findCommand(command: string): Promise<string | null> {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ];
  for (const dir of dirs.filter(Boolean)) {
    if (await executable(join(dir, command))) return join(dir, command);
  }
  return null;
}

/** Fails with one line naming everything missing and the script that installs it. */
export async function requireDependencies(
  deps: readonly Dependency[],
  installer: string,
): Promise<void> {
  const missing: string[] = [];
  for (const dep of deps) {
    const found = dep.file.startsWith('/')
      ? await access(dep.file).then(
          () => true,
          () => false,
        )
      : (await findCommand(dep.file)) !== null;
    if (!found) missing.push(`${dep.what} (${dep.from})`);
  }
  if (missing.length > 0) {
    throw new OpsError(
      `missing dependencies: ${missing.join(', ')}; install them with ${installer}`,
    );
  }
}

export function nativeDependencies(tools: {
  motoServer: string;
  elasticmq: { lib: string };
  jaeger: { binary: string };
}): Dependency[] {
  return [
    { what: 'mariadbd', file: 'mariadbd', from: 'Debian package mariadb-server' },
    {
      what: 'mariadb-install-db',
      file: 'mariadb-install-db',
      from: 'Debian package mariadb-server',
    },
    { what: 'nginx', file: 'nginx', from: 'Debian package nginx' },
    {
      what: 'nginx Lua module',
      file: '/usr/lib/nginx/modules/ngx_http_lua_module.so',
      from: 'Debian package libnginx-mod-http-lua',
    },
    { what: 'moto_server', file: tools.motoServer, from: 'PyPI moto[server] in the project venv' },
    { what: 'java', file: 'java', from: 'Debian package openjdk-17-jre-headless' },
    {
      what: 'ElasticMQ',
      file: tools.elasticmq.lib,
      from: 'Maven Central, pinned in packages/ops/native/elasticmq/pom.xml',
    },
    { what: 'prometheus', file: 'prometheus', from: 'Debian package prometheus' },
    {
      what: 'Jaeger',
      file: tools.jaeger.binary,
      from: 'the Go module proxy, pinned in packages/ops/native/jaeger/go.mod',
    },
    { what: 'supervisord', file: 'supervisord', from: 'Debian package supervisor' },
  ];
}
