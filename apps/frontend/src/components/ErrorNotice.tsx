import type { ReactNode } from 'react';
import type { ErrorDetail } from '../api/client';
import { asApiError, detailText, friendlyMessage, type MessageOverrides } from '../api/messages';

interface ErrorNoticeProps {
  error: unknown;
  overrides?: MessageOverrides;
  /** Validation details not already shown beside a field. */
  details?: readonly ErrorDetail[];
  onRetry?: () => void;
  retryLabel?: string;
  id?: string;
  children?: ReactNode;
}

/** A friendly error: what went wrong, what the server said about each field, and a reference for support. */
export function ErrorNotice({
  error,
  overrides,
  details,
  onRetry,
  retryLabel = 'Try again',
  id,
  children,
}: ErrorNoticeProps) {
  const apiError = asApiError(error);
  const shownDetails = details ?? apiError.details;
  return (
    <div className="notice notice-error" role="alert" id={id}>
      <p className="notice-title">{friendlyMessage(apiError, overrides)}</p>
      {shownDetails.length > 0 ? (
        <ul className="notice-details">
          {shownDetails.map((detail) => (
            <li key={`${detail.field}:${detail.message}`}>{detailText(detail)}</li>
          ))}
        </ul>
      ) : null}
      {children}
      {onRetry ? (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          {retryLabel}
        </button>
      ) : null}
      {apiError.requestId ? (
        <p className="request-id">
          Reference for support: <code>{apiError.requestId}</code>
        </p>
      ) : null}
    </div>
  );
}
