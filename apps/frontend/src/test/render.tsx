import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { vi } from 'vitest';
import type { ApiClient, User } from '../api/client';
import { AppContext, type AppContextValue, type Session } from '../app-context';

export const USER: User = { id: 7, email: 'ada@example.com' };

/** Renders one page inside the app's context, signed in unless told otherwise. */
export function renderPage(
  ui: ReactElement,
  api: ApiClient,
  session: Session = { status: 'signed-in', user: USER },
) {
  const context: AppContextValue = {
    api,
    session,
    signIn: vi.fn(),
    signOut: vi.fn(),
  };
  const result = render(<AppContext.Provider value={context}>{ui}</AppContext.Provider>);
  return { ...result, context };
}
