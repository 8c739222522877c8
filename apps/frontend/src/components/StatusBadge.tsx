import type { OrderStatus } from '../api/client';
import { STATUS_LABEL } from '../lib/format';

export function StatusBadge({ status }: { status: OrderStatus }) {
  return (
    <span className={`status status-${status}`} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  );
}
