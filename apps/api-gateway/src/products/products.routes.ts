import { Router } from 'express';
import { type PageQuery, pageOf, pageQuery } from '../http/pagination.js';
import { valid, validate } from '../http/validate.js';
import type { Catalogue } from './catalogue.js';

export function productRoutes(catalogue: Catalogue) {
  const router = Router();
  router.get('/', validate('query', pageQuery), (_req, res) => {
    const query = valid<PageQuery>(res, 'query');
    const all = catalogue.list();
    const start = (query.page - 1) * query.pageSize;
    res.json(pageOf(all.slice(start, start + query.pageSize), query, all.length));
  });
  return router;
}
