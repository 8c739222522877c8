import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Logger } from '@echobase/infra/logger';

/**
 * The load balancer(s) whose X-Forwarded-For names the client (TRUSTED_PROXIES). Express's
 * 'loopback' trusted every local client, so anyone on the machine could forge an address and
 * dodge the login throttle; in docker every client had nginx's address. Now only the listed
 * addresses count, and only for one hop: nginx replaces X-Forwarded-For with the address it
 * saw rather than appending to it.
 *
 * Entries are IP addresses, CIDR ranges or host names. Host names (a container's name on a
 * docker network) are resolved at start and every `refreshMs`, because a recreated container
 * may come back with another address; while a lookup fails the last answer is kept.
 */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

type Entry =
  | { kind: 'address'; address: string; family: 'ipv4' | 'ipv6' }
  | { kind: 'range'; address: string; prefix: number; family: 'ipv4' | 'ipv6' }
  | { kind: 'host'; name: string };

function parseEntry(entry: string): Entry | null {
  const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');
  if (isIP(entry)) return { kind: 'address', address: entry, family: family(entry) };
  const slash = entry.indexOf('/');
  if (slash > 0) {
    const address = entry.slice(0, slash);
    const bits = entry.slice(slash + 1);
    const max = isIP(address) === 4 ? 32 : isIP(address) === 6 ? 128 : -1;
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
    if (max < 0 || prefix < 0 || prefix > max) return null;
    return { kind: 'range', address, prefix, family: family(address) };
  }
  return HOST_NAME.test(entry) ? { kind: 'host', name: entry } : null;
}

export function isTrustedProxyEntry(entry: string): boolean {
  return parseEntry(entry) !== null;
}

export interface TrustedProxies {
  /** Express's `trust proxy` function: trusts the connecting hop (0) when it is listed. */
  trust(address: string, hop: number): boolean;
  /** Resolves the host names again. */
  refresh(): Promise<void>;
  /** Resolves the host names, then keeps them fresh in the background. */
  start(): Promise<void>;
  stop(): void;
}

export function createTrustedProxies(
  entries: readonly string[],
  deps: {
    logger: Logger;
    lookup?: (host: string) => Promise<string[]>;
    refreshMs?: number;
  },
): TrustedProxies {
  const { logger } = deps;
  const lookup =
    deps.lookup ??
    (async (host: string) => (await dnsLookup(host, { all: true })).map((a) => a.address));
  const parsed = entries.map((entry) => {
    const result = parseEntry(entry);
    if (!result) throw new Error(`not an IP address, CIDR range or host name: ${entry}`);
    return result;
  });
  const hosts = parsed.flatMap((e) => (e.kind === 'host' ? [e.name] : []));
  const resolved = new Map<string, string[]>(); // host name → its last known addresses
  const failing = new Set<string>();
  let list = build();
  let timer: NodeJS.Timeout | undefined;

  function build(): BlockList {
    const next = new BlockList();
    for (const e of parsed) {
      if (e.kind === 'address') next.addAddress(e.address, e.family);
      else if (e.kind === 'range') next.addSubnet(e.address, e.prefix, e.family);
    }
    for (const addresses of resolved.values())
      for (const address of addresses)
        next.addAddress(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
    return next;
  }

  async function refresh(): Promise<void> {
    await Promise.all(
      hosts.map(async (host) => {
        try {
          resolved.set(host, await lookup(host));
          if (failing.delete(host)) logger.info({ host }, 'trusted proxy resolves again');
        } catch (error) {
          if (!failing.has(host))
            logger.warn(
              { host, err: error, lastKnown: resolved.get(host) ?? [] },
              'cannot resolve a trusted proxy; keeping its last known addresses',
            );
          failing.add(host);
        }
      }),
    );
    list = build();
  }

  return {
    trust(address, hop) {
      const version = isIP(address);
      return hop === 0 && version !== 0 && list.check(address, version === 6 ? 'ipv6' : 'ipv4');
    },
    refresh,
    async start() {
      if (hosts.length === 0) return;
      await refresh();
      timer = setInterval(() => void refresh(), deps.refreshMs ?? 10_000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
