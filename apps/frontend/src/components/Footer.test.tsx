import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client';
import { fakeServer, noSleep, ok } from '../test/fake-server';
import { Footer, servedByText } from './Footer';

describe('Footer', () => {
  it('shows which colour and build answered, and follows a switch', async () => {
    const server = fakeServer(
      {
        'GET /api/v1/auth/csrf': [
          ok({ csrfToken: 'a' }, { 'x-echobase-colour': 'blue', 'x-echobase-build': 'abc123' }),
          ok({ csrfToken: 'b' }, { 'x-echobase-colour': 'green', 'x-echobase-build': 'def456' }),
        ],
      },
      {},
    );
    const api = createApiClient({ fetch: server.fetch, sleep: noSleep });
    render(<Footer api={api} />);
    expect(screen.getByTestId('served-by').textContent).toBe('Served by: unknown');

    await act(() => api.start());
    expect(screen.getByTestId('served-by').textContent).toBe('Served by blue · build abc123');

    await act(() => api.start());
    expect(screen.getByTestId('served-by').textContent).toBe('Served by green · build def456');
    expect(screen.getByRole('contentinfo')).toBeTruthy();
  });

  it('says what it knows when a header is missing', () => {
    expect(servedByText({ colour: null, build: null })).toBe('Served by: unknown');
    expect(servedByText({ colour: null, build: 'dev' })).toBe(
      'Served by: unknown colour · build dev',
    );
    expect(servedByText({ colour: 'green', build: null })).toBe('Served by green');
  });
});
