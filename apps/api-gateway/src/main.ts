// Placeholder: the API gateway (Express: auth, products, orders → SQS) is built in the order-flow
// issue. It exists now so the workspace graph, build and lint already cover it.
import { createLogger } from '@echobase/infra/logger';

createLogger({ name: 'api-gateway' }).info('api-gateway placeholder: nothing to serve yet');
