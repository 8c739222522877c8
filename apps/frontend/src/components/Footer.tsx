import { useSyncExternalStore } from 'react';
import type { ApiClient, ServedBy } from '../api/client';

export function servedByText({ colour, build }: ServedBy): string {
  if (colour && build) return `Served by ${colour} · build ${build}`;
  if (colour) return `Served by ${colour}`;
  if (build) return `Served by: unknown colour · build ${build}`;
  return 'Served by: unknown';
}

/** Which colour and build answered the latest API call; changes after a blue→green switch. */
export function Footer({ api }: { api: ApiClient }) {
  const servedBy = useSyncExternalStore(api.subscribeServedBy, api.servedBy, api.servedBy);
  return (
    <footer className="site-footer">
      <p data-testid="served-by" data-colour={servedBy.colour ?? 'unknown'}>
        {servedByText(servedBy)}
      </p>
    </footer>
  );
}
