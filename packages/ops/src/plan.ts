/**
 * The port plan: every port and every name of every environment and colour, in one place.
 * The compose env files, the nginx config, the docs and the apps' settings are derived from it
 * or held against it by tests (see compose.test.ts).
 */

export const ENVIRONMENTS = ['devlocal', 'ci'] as const;
export type EnvName = (typeof ENVIRONMENTS)[number];

export const COLOURS = ['blue', 'green'] as const;
export type Colour = (typeof COLOURS)[number];

export const DURABLE_SERVICES = ['mariadb', 'aws', 'sqs', 'nginx', 'prometheus', 'jaeger'] as const;
export type DurableService = (typeof DURABLE_SERVICES)[number];

export interface DurablePorts {
  /** MariaDB. */
  mariadb: number;
  /** The AWS endpoint of Secrets Manager and KMS (moto, in both runtimes). */
  aws: number;
  /** The SQS endpoint (ElasticMQ, in both runtimes; docs/adr/0003). */
  sqs: number;
  /** nginx: production traffic, routed to the active colour. */
  lbProduction: number;
  /** nginx: straight to blue, for tests before promotion. */
  lbBlue: number;
  /** nginx: straight to green, for tests before promotion. */
  lbGreen: number;
  /** nginx: the admin listener (switch, in-flight counts), loopback only. */
  lbAdmin: number;
  /** Prometheus (observability). */
  prometheus: number;
  /** Jaeger's query API and UI (traces). */
  jaeger: number;
  /** Jaeger's OTLP receiver (HTTP): where the apps send their spans. */
  otlp: number;
  /** Jaeger's query gRPC and health ports: natively only (in docker they stay in the container). */
  jaegerGrpc: number;
  jaegerHealth: number;
}

export interface ColourPorts {
  api: number;
  processorHealth: number;
  frontend: number;
}

export interface EnvPlan {
  name: EnvName;
  durable: DurablePorts;
  colours: Record<Colour, ColourPorts>;
}

export const PORT_PLAN: Readonly<Record<EnvName, EnvPlan>> = {
  devlocal: {
    name: 'devlocal',
    durable: {
      mariadb: 3306,
      aws: 4566,
      sqs: 9324,
      lbProduction: 8080,
      lbBlue: 8081,
      lbGreen: 8082,
      lbAdmin: 8089,
      prometheus: 9090,
      jaeger: 16686,
      otlp: 4318,
      jaegerGrpc: 16685,
      jaegerHealth: 13133,
    },
    colours: {
      blue: { api: 3101, processorHealth: 3102, frontend: 3103 },
      green: { api: 3111, processorHealth: 3112, frontend: 3113 },
    },
  },
  ci: {
    name: 'ci',
    durable: {
      mariadb: 3307,
      aws: 4567,
      sqs: 9325,
      lbProduction: 8180,
      lbBlue: 8181,
      lbGreen: 8182,
      lbAdmin: 8189,
      prometheus: 9190,
      jaeger: 16786,
      otlp: 4418,
      jaegerGrpc: 16785,
      jaegerHealth: 13233,
    },
    colours: {
      blue: { api: 3201, processorHealth: 3202, frontend: 3203 },
      green: { api: 3211, processorHealth: 3212, frontend: 3213 },
    },
  },
};

/**
 * `npm run dev`: the API and processor in watch mode and Vite's dev server, against the
 * devlocal durable layer, with their own queue (not a colour's).
 */
export const DEV_PORTS = { api: 3001, processorHealth: 3002, frontend: 5173 } as const;
export const DEV_QUEUE = 'echobase-devlocal-dev-orders';

/** Every host address the stacks bind to natively; the admin listener never leaves loopback. */
export const LOOPBACK = '127.0.0.1';
/**
 * Natively, nginx connects to the colours from this loopback address (proxy_bind; Linux routes
 * all of 127/8 to lo) and the apps trust X-Forwarded-For from it alone (TRUSTED_PROXIES): a
 * client reaching an app's own port on 127.0.0.1 cannot forge its address.
 */
export const LB_UPSTREAM_ADDRESS = '127.0.0.2';

export const DATABASE_NAME = 'orders_db';
export const APP_DB_USER = 'app_user';
/** Owns the schema: runs migrations, nothing else. Apps never see its password. */
export const MIGRATOR_DB_USER = 'migrator';
export const AWS_REGION = 'us-east-1';

export function isEnvName(value: string): value is EnvName {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

export function isColour(value: string): value is Colour {
  return (COLOURS as readonly string[]).includes(value);
}

/** Names of the durable layer's pieces: containers, network, volumes, secrets, the KMS key. */
export function durableNames(env: EnvName) {
  const prefix = `echobase-${env}-durable`;
  return {
    composeProject: prefix,
    network: `${prefix}-network`,
    container: (service: string) => `${prefix}-${service}`,
    volume: (service: string) => `${prefix}-${service}-data`,
    kmsAlias: `alias/echobase-${env}`,
    /**
     * What the apps may read. The MariaDB root login is not here: the AWS endpoint cannot keep
     * one secret from the apps (moto has no IAM), so root stays in the operator's 0600
     * credentials file only (DB_ROOT_CREDENTIALS_FILE for operator tools).
     */
    secrets: {
      dbMigrator: `echobase/${env}/db/migrator`,
      dbApp: `echobase/${env}/db/app`,
      jwt: `echobase/${env}/jwt`,
      orderSigning: `echobase/${env}/orders/signing`,
      lbAdmin: `echobase/${env}/lb/admin`,
    },
    /** Stored by earlier versions; setup removes them from an endpoint that still has them. */
    retiredSecrets: [`echobase/${env}/db/root`],
  } as const;
}

/**
 * Names of one colour's stack in one environment. devlocal's compose project is the short
 * `echobase-<colour>` people type; other environments add their name so both can run at once.
 */
export function colourNames(env: EnvName, colour: Colour) {
  return {
    composeProject: env === 'devlocal' ? `echobase-${colour}` : `echobase-${env}-${colour}`,
    container: (service: string) => `echobase-${env}-${colour}-${service}`,
    queue: `echobase-${env}-${colour}-orders`,
    deadLetterQueue: `echobase-${env}-${colour}-orders-dlq`,
  } as const;
}

/** Every port an environment uses, labelled, for conflict checks and the docs. */
export function allPorts(env: EnvName): { label: string; port: number }[] {
  const plan = PORT_PLAN[env];
  const ports = Object.entries(plan.durable).map(([k, port]) => ({ label: `durable.${k}`, port }));
  if (env === 'devlocal') {
    for (const [k, port] of Object.entries(DEV_PORTS)) ports.push({ label: `dev.${k}`, port });
  }
  for (const colour of COLOURS) {
    for (const [k, port] of Object.entries(plan.colours[colour])) {
      ports.push({ label: `${colour}.${k}`, port });
    }
  }
  return ports;
}
