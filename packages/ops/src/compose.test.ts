import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  COLOURS,
  type Colour,
  colourNames,
  DATABASE_NAME,
  type DurablePorts,
  durableNames,
  ENVIRONMENTS,
  type EnvName,
  PORT_PLAN,
} from './plan.js';

/**
 * The docker runtime's files, held against the port plan: the durable env files, the durable
 * compose file, the colour stacks and the nginx image. No Docker engine is needed: Debian's
 * docker-compose renders the files with `config`.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

interface ComposeService {
  image?: string;
  container_name?: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  restart?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string; external?: boolean }>;
  volumes?: Record<string, { name?: string }>;
}

/** What the CLI puts in compose's process environment (never in a file). */
const SECRETS = {
  MARIADB_ROOT_PASSWORD: 'not-a-real-password',
  LB_ADMIN_TOKEN: 'not-a-real-token',
};

const COMPOSE_FILES = [
  'durable/docker-compose.yml',
  'docker-compose.yml',
  ...COLOURS.map((c) => `docker-compose.${c}.yml`),
];

/** `${NAME}` as compose writes it (built, so the linter does not take it for a slip). */
const ref = (name: string) => `\${${name}}`;

/** KEY=VALUE lines; blank lines and # comments ignored. */
function readEnvFile(env: EnvName): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of read(`durable/.env.${env}`).split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`durable/.env.${env}: not KEY=VALUE: ${line}`);
    const key = line.slice(0, eq);
    if (key in values) throw new Error(`durable/.env.${env}: ${key} is set twice`);
    values[key] = line.slice(eq + 1);
  }
  return values;
}

/** What the env file must say: the plan, nothing more. */
function planEnvFile(env: EnvName): Record<string, string> {
  const d = PORT_PLAN[env].durable;
  return {
    ECHOBASE_ENV: env,
    COMPOSE_PROJECT_NAME: durableNames(env).composeProject,
    MARIADB_PORT: String(d.mariadb),
    AWS_PORT: String(d.aws),
    SQS_PORT: String(d.sqs),
    LB_PRODUCTION_PORT: String(d.lbProduction),
    LB_BLUE_PORT: String(d.lbBlue),
    LB_GREEN_PORT: String(d.lbGreen),
    LB_ADMIN_PORT: String(d.lbAdmin),
    PROMETHEUS_PORT: String(d.prometheus),
    JAEGER_PORT: String(d.jaeger),
    OTLP_PORT: String(d.otlp),
    ...Object.fromEntries(
      COLOURS.flatMap((colour) => {
        const c = PORT_PLAN[env].colours[colour];
        const name = colour.toUpperCase();
        return [
          [`${name}_API_PORT`, String(c.api)],
          [`${name}_PROCESSOR_PORT`, String(c.processorHealth)],
          [`${name}_FRONTEND_PORT`, String(c.frontend)],
        ];
      }),
    ),
  };
}

/**
 * `docker-compose <args> config`, parsed. A clean environment, so a stray ECHOBASE_ENV or
 * BUILD_ID in the caller's shell cannot change what the files render to.
 */
const rendered = new Map<string, ComposeFile>();
function composeConfig(args: string[], extraEnv: Record<string, string> = {}): ComposeFile {
  // Each render costs docker-compose's start-up; the files do not change during a run.
  const key = JSON.stringify([args, extraEnv]);
  const cached = rendered.get(key);
  if (cached) return cached;
  const config = renderConfig(args, extraEnv);
  rendered.set(key, config);
  return config;
}

function renderConfig(args: string[], extraEnv: Record<string, string>): ComposeFile {
  const result = spawnSync('docker-compose', [...args, 'config'], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...extraEnv },
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      'docker-compose is not installed; run ./scripts/install-deps.sh (it installs Debian docker-compose, which validates the compose files)',
    );
  }
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`docker-compose ${args.join(' ')} config failed:\n${result.stderr}`);
  }
  return parse(result.stdout) as ComposeFile;
}

function service(file: ComposeFile, name: string): ComposeService {
  const found = file.services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

/** docker-compose 1.29 renders short port syntax with the protocol: `127.0.0.1:1:2/tcp`. */
const ports = (s: ComposeService) => (s.ports ?? []).map((p) => p.replace(/\/tcp$/, ''));

/** The durable layer's published ports, by service: [host, container] pairs. */
function durablePorts(env: EnvName): Record<string, [number, number][]> {
  const d = PORT_PLAN[env].durable;
  const lb = [d.lbProduction, d.lbBlue, d.lbGreen, d.lbAdmin];
  return {
    mariadb: [[d.mariadb, 3306]],
    aws: [[d.aws, 5000]],
    sqs: [[d.sqs, 9324]],
    nginx: lb.map((p) => [p, p]),
    prometheus: [[d.prometheus, 9090]],
  };
}

describe('durable env files', () => {
  it.each(ENVIRONMENTS)('.env.%s holds exactly the port plan, no more keys', (env) => {
    expect(readEnvFile(env)).toEqual(planEnvFile(env));
  });
});

describe('durable/docker-compose.yml', { timeout: 30_000 }, () => {
  const file = parse(read('durable/docker-compose.yml')) as ComposeFile;
  const services = ['mariadb', 'aws', 'sqs', 'nginx', 'prometheus', 'jaeger'];

  it('has the durable services and nothing else', () => {
    expect(Object.keys(file.services).sort()).toEqual([...services].sort());
  });

  it('restarts every durable service after a crash or an engine restart, unless it was stopped', () => {
    for (const name of services) expect(service(file, name).restart, name).toBe('unless-stopped');
  });

  it('names containers, the network and the volumes from ECHOBASE_ENV', () => {
    const prefix = `echobase-${ref('ECHOBASE_ENV')}-durable`;
    for (const name of services) {
      expect(service(file, name).container_name).toBe(`${prefix}-${name}`);
    }
    expect(file.networks?.durable?.name).toBe(`${prefix}-network`);
    expect(file.volumes).toEqual({
      'mariadb-data': { name: `${prefix}-mariadb-data` },
      'nginx-data': { name: `${prefix}-nginx-data` },
      'prometheus-data': { name: `${prefix}-prometheus-data` },
    });
  });

  it('publishes every port on 127.0.0.1 from the env file variables', () => {
    expect(ports(service(file, 'mariadb'))).toEqual([`127.0.0.1:${ref('MARIADB_PORT')}:3306`]);
    expect(ports(service(file, 'aws'))).toEqual([`127.0.0.1:${ref('AWS_PORT')}:5000`]);
    expect(ports(service(file, 'sqs'))).toEqual([`127.0.0.1:${ref('SQS_PORT')}:9324`]);
    expect(ports(service(file, 'prometheus'))).toEqual([
      `127.0.0.1:${ref('PROMETHEUS_PORT')}:9090`,
    ]);
    expect(ports(service(file, 'jaeger'))).toEqual([
      `127.0.0.1:${ref('JAEGER_PORT')}:16686`,
      `127.0.0.1:${ref('OTLP_PORT')}:4318`,
    ]);
    expect(ports(service(file, 'nginx'))).toEqual(
      ['LB_PRODUCTION_PORT', 'LB_BLUE_PORT', 'LB_GREEN_PORT', 'LB_ADMIN_PORT'].map(
        (v) => `127.0.0.1:${ref(v)}:${ref(v)}`,
      ),
    );
  });

  it('takes the MariaDB root password and the LB admin token from the process environment, and requires them', () => {
    expect(service(file, 'mariadb').environment?.MARIADB_ROOT_PASSWORD).toMatch(
      /^\$\{MARIADB_ROOT_PASSWORD:\?.+\}$/,
    );
    expect(service(file, 'nginx').environment?.LB_ADMIN_TOKEN).toMatch(
      /^\$\{LB_ADMIN_TOKEN:\?.+\}$/,
    );
  });

  it('runs the AWS endpoint on the moto version the native runtime pins', () => {
    const pinned = read('packages/ops/native/requirements.txt').match(/^moto==(\S+)$/m)?.[1];
    expect(pinned).toBeDefined();
    expect(service(file, 'aws').image).toBe(`motoserver/moto:${pinned}`);
  });

  it('runs the SQS endpoint on the ElasticMQ release the native runtime pins, with its config', () => {
    const pom = read('packages/ops/native/elasticmq/pom.xml');
    const pinned = pom.match(
      /<artifactId>elasticmq-server_2\.13<\/artifactId>\s*<version>([^<]+)</,
    )?.[1];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const sqs = service(file, 'sqs');
    expect(sqs.image).toBe(`softwaremill/elasticmq-native:${pinned}`);
    expect(sqs.volumes).toEqual(['./elasticmq.conf:/opt/elasticmq.conf:ro']);
    expect(sqs.environment).toEqual({
      SQS_HOST: `echobase-${ref('ECHOBASE_ENV')}-durable-sqs`,
      SQS_BIND: '0.0.0.0',
      SQS_PORT: '9324',
    });
  });

  it.each(ENVIRONMENTS)('renders for %s with the plan ports and names', (env) => {
    const config = composeConfig(
      ['--env-file', `durable/.env.${env}`, '-f', 'durable/docker-compose.yml'],
      SECRETS,
    );
    const names = durableNames(env);
    for (const name of services) {
      expect(service(config, name).container_name).toBe(names.container(name));
    }
    expect(config.networks?.durable?.name).toBe(names.network);
    expect(config.volumes?.['mariadb-data']?.name).toBe(names.volume('mariadb'));
    expect(config.volumes?.['nginx-data']?.name).toBe(names.volume('nginx'));
    expect(config.volumes?.['prometheus-data']?.name).toBe(names.volume('prometheus'));
    for (const [name, expected] of Object.entries(durablePorts(env))) {
      expect(ports(service(config, name)), name).toEqual(
        expected.map(([host, inside]) => `127.0.0.1:${host}:${inside}`),
      );
    }
    expect(service(config, 'nginx').environment?.LB_ADMIN_PORT).toBe(
      String(PORT_PLAN[env].durable.lbAdmin),
    );
  });
});

describe('the load balancer in docker', { timeout: 30_000 }, () => {
  const file = parse(read('durable/docker-compose.yml')) as ComposeFile;
  const nginx = service(file, 'nginx');

  it.each(ENVIRONMENTS.flatMap((env) => COLOURS.map((colour) => [env, colour] as const)))(
    'on %s reaches %s at the container names and ports of its colour stack',
    (env, colour) => {
      const durable = composeConfig(
        ['--env-file', `durable/.env.${env}`, '-f', 'durable/docker-compose.yml'],
        SECRETS,
      );
      const stack = renderColour(env, colour);
      const lb = service(durable, 'nginx').environment ?? {};
      const name = colour.toUpperCase();
      for (const [svc, key] of [
        ['api-gateway', 'API'],
        ['frontend', 'FRONTEND'],
      ] as const) {
        const s = service(stack, svc);
        const inside = ports(s)[0]?.split(':').at(-1);
        expect(lb[`${name}_${key}_HOST`], svc).toBe(s.container_name);
        expect(lb[`${name}_${key}_PORT`], svc).toBe(inside);
      }
    },
  );

  it('keeps the active colour on a volume, where the image keeps its state folder', () => {
    const stateDir = read('nginx/Dockerfile').match(/NGINX_STATE_DIR=(\S+)/)?.[1];
    expect(stateDir).toBeDefined();
    expect(nginx.volumes).toEqual([`nginx-data:${stateDir}`]);
  });
});

describe('durable/README.md', () => {
  it('lists every durable port exactly as the plan has them', () => {
    const rows = read('durable/README.md')
      .split('\n')
      .filter((line) => /^\| [^|]+\| \d+ +\| \d+ +\|$/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const table = Object.fromEntries(rows.map(([, label, ...ports]) => [label, ports.slice(0, 2)]));
    const labels: Record<keyof DurablePorts, string> = {
      mariadb: 'MariaDB',
      aws: 'AWS endpoint (Secrets Manager, KMS)',
      sqs: 'SQS endpoint (ElasticMQ)',
      lbProduction: 'load balancer: production',
      lbBlue: 'load balancer: straight to blue',
      lbGreen: 'load balancer: straight to green',
      lbAdmin: 'load balancer: admin (loopback only)',
      prometheus: 'Prometheus',
      jaeger: 'Jaeger: query API and UI',
      otlp: 'Jaeger: OTLP over HTTP (spans in)',
      jaegerGrpc: 'Jaeger: query gRPC (native only)',
      jaegerHealth: 'Jaeger: health (native only)',
    };
    expect(table).toEqual(
      Object.fromEntries(
        Object.entries(labels).map(([key, label]) => [
          label,
          ENVIRONMENTS.map((env) => String(PORT_PLAN[env].durable[key as keyof DurablePorts])),
        ]),
      ),
    );
  });
});

/**
 * `docker-compose -f docker-compose.yml -f docker-compose.<colour>.yml -p <project> config`,
 * with the environment's durable env file for ci (devlocal is the files' default).
 */
function renderColour(env: EnvName, colour: Colour): ComposeFile {
  return composeConfig([
    ...(env === 'devlocal' ? [] : ['--env-file', `durable/.env.${env}`]),
    '-f',
    'docker-compose.yml',
    '-f',
    `docker-compose.${colour}.yml`,
    '-p',
    colourNames(env, colour).composeProject,
  ]);
}

describe('colour stacks', { timeout: 30_000 }, () => {
  const cases = ENVIRONMENTS.flatMap((env) => COLOURS.map((colour) => [env, colour] as const));
  const colourPorts = (env: EnvName, colour: Colour) => {
    const p = PORT_PLAN[env].colours[colour];
    return { 'api-gateway': p.api, 'order-processor': p.processorHealth, frontend: p.frontend };
  };

  it.each(cases)(
    '%s %s renders with its plan ports on 127.0.0.1, on the durable network',
    (env, colour) => {
      const config = renderColour(env, colour);
      expect(Object.keys(config.services).sort()).toEqual([
        'api-gateway',
        'frontend',
        'order-processor',
        'queues',
      ]);
      for (const [name, port] of Object.entries(colourPorts(env, colour))) {
        const s = service(config, name);
        expect(s.container_name).toBe(colourNames(env, colour).container(name));
        expect(s.environment?.COLOUR).toBe(colour);
        expect(ports(s), name).toEqual([`127.0.0.1:${port}:${port}`]);
      }
      expect(service(config, 'api-gateway').environment?.PORT).toBe(
        String(PORT_PLAN[env].colours[colour].api),
      );
      expect(service(config, 'order-processor').environment?.HEALTH_PORT).toBe(
        String(PORT_PLAN[env].colours[colour].processorHealth),
      );
      expect(service(config, 'frontend').environment?.PORT).toBe(
        String(PORT_PLAN[env].colours[colour].frontend),
      );
      expect(config.networks?.durable).toEqual({ external: true, name: durableNames(env).network });
    },
  );

  it.each(cases)(
    '%s %s uses its own queue, the durable layer and secrets of its environment',
    (env, colour) => {
      const config = renderColour(env, colour);
      const names = durableNames(env);
      for (const name of ['queues', 'api-gateway', 'order-processor']) {
        const e = service(config, name).environment ?? {};
        expect(e.ECHOBASE_ENV, name).toBe(env);
        expect(e.DB_HOST, name).toBe(names.container('mariadb'));
        expect(e.DB_NAME, name).toBe(DATABASE_NAME);
        expect(e.DB_SECRET_NAME, name).toBe(names.secrets.dbApp);
        expect(e.JWT_SECRET_NAME, name).toBe(names.secrets.jwt);
        expect(e.ORDER_SIGNING_SECRET_NAME, name).toBe(names.secrets.orderSigning);
        // The apps trust X-Forwarded-For only from the durable load balancer.
        expect(e.TRUSTED_PROXIES, name).toBe(names.container('nginx'));
        expect(e.AWS_ENDPOINT_URL, name).toBe(`http://${names.container('aws')}:5000`);
        expect(e.AWS_ENDPOINT_URL_SQS, name).toBe(`http://${names.container('sqs')}:9324`);
        expect(e.ORDERS_QUEUE_URL, name).toBe(
          `http://${names.container('sqs')}:9324/123456789012/${colourNames(env, colour).queue}`,
        );
        // The emulator loses its queues on a restart; the processor makes its own again.
        expect(e.ORDERS_QUEUE_RECREATE, name).toBe('true');
      }
      // The static server needs no database and no secrets.
      expect(Object.keys(service(config, 'frontend').environment ?? {}).sort()).toEqual([
        'BUILD_ID',
        'COLOUR',
        'ECHOBASE_ENV',
        'PORT',
      ]);
    },
  );

  it.each(cases)(
    '%s %s restarts its apps unless stopped, and never reruns the one-shot queues job',
    (env, colour) => {
      const config = renderColour(env, colour);
      for (const name of ['api-gateway', 'order-processor', 'frontend'])
        expect(service(config, name).restart, name).toBe('unless-stopped');
      // It exits 0 once the queues exist; the apps wait for that (service_completed_successfully).
      expect(service(config, 'queues').restart).toBe('no');
    },
  );

  it('renders blue for a plain `docker compose -p echobase-blue` (COMPOSE_FILE in .env)', () => {
    const config = composeConfig(['-p', 'echobase-blue']);
    expect(config).toEqual(renderColour('devlocal', 'blue'));
  });

  it('tags every image by build id, built from the root Dockerfile target of its app', () => {
    const config = composeConfig(
      ['-f', 'docker-compose.yml', '-f', 'docker-compose.blue.yml', '-p', 'echobase-blue'],
      { BUILD_ID: 'abc123def456' },
    );
    const dockerfile = read('Dockerfile');
    for (const [name, s] of Object.entries(config.services)) {
      const target = (s as ComposeService & { build?: { target?: string } }).build?.target;
      expect(target, name).toBeDefined();
      expect(dockerfile, name).toMatch(new RegExp(`^FROM \\S+ AS ${target}$`, 'm'));
      expect(s.image, name).toBe(`echobase/${target}:abc123def456`);
    }
  });
});

describe('the apps Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const targets = ['api-gateway', 'order-processor', 'frontend'];
  /** The lines of one FROM … AS target stage. */
  const stage = (target: string) => {
    const start = dockerfile.search(new RegExp(`^FROM \\S+ AS ${target}$`, 'm'));
    const rest = dockerfile.slice(start + 1);
    const next = rest.search(/^FROM /m);
    return next === -1 ? rest : rest.slice(0, next);
  };

  it.each(targets)(
    '%s runs as a non-root user with a healthcheck and production deps only',
    (target) => {
      const lines = stage(target);
      expect(lines).toMatch(/^USER node$/m);
      expect(lines).toMatch(/^HEALTHCHECK /m);
      expect(lines).toMatch(new RegExp(`--from=deps-${target} /src/node_modules`));
      expect(stage(`deps-${target}`)).toMatch(
        new RegExp(`npm ci --omit=dev --workspace=@echobase/${target}`),
      );
    },
  );

  it('starts from the Node release of .node-version, the one the native runtime runs', () => {
    const base = dockerfile.match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1] ?? '';
    expect(base).toBe(`node:${read('.node-version').trim()}-bookworm-slim`);
  });

  it('keeps the Node compile cache in the container, for a faster restart', () => {
    expect(stage('runtime')).toMatch(/NODE_COMPILE_CACHE=\/tmp\/\S+/);
  });
});

describe('images', () => {
  /** A tag (or digest) other than latest: `name:tag`, `registry:port/name:tag`, `name@sha256:…`. */
  const isPinned = (image: string) => {
    const last = image.split('/').at(-1) ?? '';
    const tag = last.includes('@') ? 'digest' : last.split(':')[1];
    return tag !== undefined && tag !== '' && tag !== 'latest';
  };

  it('pins every image of every compose file, never latest', () => {
    for (const path of COMPOSE_FILES) {
      const file = parse(read(path)) as ComposeFile;
      const overridesOnly = /\.(blue|green)\.yml$/.test(path);
      for (const [name, s] of Object.entries(file.services)) {
        if (s.image === undefined && overridesOnly) continue;
        expect(s.image, `${path} ${name} has no image`).toBeDefined();
        expect(isPinned(s.image ?? ''), `${path} ${name}: ${s.image}`).toBe(true);
      }
    }
  });

  it('has a stand-in recipe for every public image the files pin (docker/offline, ADR 0010)', () => {
    const durable = parse(read('durable/docker-compose.yml')) as ComposeFile;
    const pinned = [
      ...Object.values(durable.services).map((s) => s.image ?? ''),
      read('Dockerfile').match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1] ?? '',
      read('nginx/Dockerfile').match(/^FROM\s+(\S+)/m)?.[1] ?? '',
    ].filter((image) => !image.startsWith('echobase/'));
    expect(pinned).toHaveLength(7);
    // build.sh: the recipe is the folder named by the repository's last part; debian is the base.
    const missing = pinned
      .map((image) => image.split(':')[0]?.split('/').at(-1) ?? '')
      .filter((name) => name !== 'debian')
      .filter((name) => !existsSync(`${root}docker/offline/${name}/Dockerfile`));
    expect(missing).toEqual([]);
    expect(read('Dockerfile')).not.toMatch(/^# syntax=/m);
  });

  it('builds the nginx image from a pinned base', () => {
    const from = read('nginx/Dockerfile').match(/^FROM\s+(\S+)/m)?.[1] ?? '';
    expect(isPinned(from), from).toBe(true);
  });

  it('hands nginx the admin token in a file only its user reads, not in its environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'echobase-entrypoint-'));
    try {
      // A stand-in nginx that reports what it was given.
      mkdirSync(join(dir, 'bin'));
      writeFileSync(
        join(dir, 'bin', 'nginx'),
        '#!/bin/sh\necho "token-env=$(printenv LB_ADMIN_TOKEN || echo unset)"\nstat -c "mode=%a" "$NGINX_ADMIN_TOKEN_FILE"\n',
        { mode: 0o755 },
      );
      const values = Object.fromEntries(
        [...read('nginx/echobase.conf.template').matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map(
          ([, name]) => [name as string, 'x'],
        ),
      );
      const token = 'a'.repeat(43);
      const result = spawnSync('sh', [`${root}nginx/docker-entrypoint.sh`], {
        encoding: 'utf8',
        env: {
          ...values,
          PATH: `${dir}/bin:${process.env.PATH}`,
          NGINX_TEMPLATE: `${root}nginx/echobase.conf.template`,
          NGINX_CONF: join(dir, 'nginx.conf'),
          NGINX_STATE_DIR: join(dir, 'state'),
          NGINX_USER: 'root',
          NGINX_ADMIN_TOKEN_FILE: join(dir, 'run', 'admin-token'),
          LB_ADMIN_TOKEN: token,
        },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('token-env=unset\nmode=600\n');
      expect(readFileSync(join(dir, 'run', 'admin-token'), 'utf8').trim()).toBe(token);
      expect(readFileSync(join(dir, 'nginx.conf'), 'utf8')).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fills every placeholder of the nginx template in the image entrypoint', () => {
    const placeholders = (text: string) =>
      [...new Set(text.match(/\$\{[A-Z][A-Z0-9_]*\}/g))].sort();
    const envsubstList =
      read('nginx/docker-entrypoint.sh').match(/^placeholders='([^']*)'/m)?.[1] ?? '';
    expect(placeholders(envsubstList)).toEqual(placeholders(read('nginx/echobase.conf.template')));
  });
});
