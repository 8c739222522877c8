import { createContext, useContext } from 'react';
import type { ApiClient, User } from './api/client';

export type Session =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: User };

/** A one-off message shown at the top of one page (e.g. "Your session has expired"). */
export interface Flash {
  tone: 'error' | 'info' | 'success';
  text: string;
  /** The page it belongs to; it goes away when the person moves on. */
  path: string;
}

export interface AppContextValue {
  api: ApiClient;
  session: Session;
  /** After login or register: remember the user and go to `next`. */
  signIn(user: User, next: string): void;
  /** After logout: forget the user, go to /login and say so. */
  signOut(flash?: Omit<Flash, 'path'>): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppContext>');
  return value;
}

export const MESSAGES = {
  sessionExpired: 'Your session has expired — please log in again',
  notFound: 'That page does not exist',
  loginFirst: 'Please log in to continue.',
  loggedOut: 'You have logged out.',
} as const;
