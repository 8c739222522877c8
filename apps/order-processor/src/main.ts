// Placeholder: the order processor (SQS consumer → MariaDB, exactly once) is built in the
// order-flow issue. It exists now so the workspace graph, build and lint already cover it.
import { createLogger } from '@echobase/infra/logger';

createLogger({ name: 'order-processor' }).info(
  'order-processor placeholder: nothing to consume yet',
);
