import type { Logger } from '@echobase/infra/logger';
import type { Product, ProductsRepository } from './products.repository.js';

/**
 * The catalogue in memory, refreshed in the background. Prices for orders come from here, never
 * from the client, and products can be listed and ordered while the database is away.
 */
export function createCatalogue(repo: ProductsRepository, logger: Logger, refreshMs = 30_000) {
  let products: Product[] = [];
  let byId = new Map<number, Product>();
  let loadedAt: Date | null = null;
  let timer: NodeJS.Timeout | undefined;

  async function refresh(): Promise<void> {
    try {
      products = await repo.activeProducts();
      byId = new Map(products.map((p) => [p.id, p]));
      loadedAt = new Date();
    } catch (error) {
      logger.warn({ err: error }, 'cannot refresh the catalogue; serving the last one');
      if (!loadedAt) throw error;
    }
  }

  return {
    /** Loads once (throws if it cannot), then refreshes every `refreshMs`. */
    async start(): Promise<void> {
      await refresh();
      timer = setInterval(() => void refresh().catch(() => undefined), refreshMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
    refresh,
    list(): readonly Product[] {
      return products;
    },
    get(id: number): Product | undefined {
      return byId.get(id);
    },
    loaded(): boolean {
      return loadedAt !== null;
    },
  };
}
export type Catalogue = ReturnType<typeof createCatalogue>;
