import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiClient, ApiError, User } from './api/client';
import { asApiError, friendlyMessage } from './api/messages';
import {
  AppContext,
  type AppContextValue,
  type Flash,
  MESSAGES,
  type Session,
} from './app-context';
import { ErrorNotice } from './components/ErrorNotice';
import { Footer } from './components/Footer';
import { LoginPage } from './pages/LoginPage';
import { OrderPage } from './pages/OrderPage';
import { OrdersPage } from './pages/OrdersPage';
import { PageTitle } from './pages/PageTitle';
import { RegisterPage } from './pages/RegisterPage';
import { Link, navigate, useLocation } from './router';

type Route = 'login' | 'register' | 'order' | 'orders' | 'home' | 'unknown';

const ROUTES: Record<string, Route> = {
  '/': 'home',
  '/login': 'login',
  '/register': 'register',
  '/order': 'order',
  '/orders': 'orders',
};
const PROTECTED = new Set<Route>(['order', 'orders']);

export function routeOf(pathname: string): Route {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return ROUTES[trimmed] ?? 'unknown';
}

function loginWithNext(): string {
  const here = window.location.pathname + window.location.search;
  return PROTECTED.has(routeOf(window.location.pathname))
    ? `/login?next=${encodeURIComponent(here)}`
    : '/login';
}

export function App({ api }: { api: ApiClient }) {
  const location = useLocation();
  const route = routeOf(location.pathname);
  const [session, setSession] = useState<Session>({ status: 'loading' });
  const [bootError, setBootError] = useState<ApiError | null>(null);
  const [bootTick, setBootTick] = useState(0);
  const [flash, setFlash] = useState<Flash | null>(null);
  const [loggingOut, setLoggingOut] = useState(false);

  // Start: a CSRF token (the answer also says which colour serves us) and who is signed in.
  // biome-ignore lint/correctness/useExhaustiveDependencies: bootTick is the retry button's way to start again.
  useEffect(() => {
    let cancelled = false;
    setBootError(null);
    (async () => {
      try {
        await api.start();
        const user = await api.me();
        if (!cancelled) setSession(user ? { status: 'signed-in', user } : { status: 'signed-out' });
      } catch (caught) {
        if (!cancelled) setBootError(asApiError(caught));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, bootTick]);

  // Any 401 from the API outside login: back to the login page, saying why.
  useEffect(() => {
    api.setSessionExpiredHandler(() => {
      setSession({ status: 'signed-out' });
      setFlash({ tone: 'error', text: MESSAGES.sessionExpired, path: '/login' });
      navigate(loginWithNext());
    });
    return () => api.setSessionExpiredHandler(null);
  }, [api]);

  // A flash belongs to one page: moving on clears it. (Before the redirects below,
  // which may set one for the page they go to.)
  useEffect(() => {
    setFlash((f) => (f && f.path !== location.pathname ? null : f));
  }, [location.pathname]);

  // Redirects: unknown paths, "/", and signed-in-only pages while signed out.
  useEffect(() => {
    if (route === 'unknown') {
      setFlash({ tone: 'error', text: MESSAGES.notFound, path: '/login' });
      navigate('/login', { replace: true });
      return;
    }
    if (session.status === 'loading') return;
    if (route === 'home') {
      navigate(session.status === 'signed-in' ? '/orders' : '/login', { replace: true });
    } else if (PROTECTED.has(route) && session.status === 'signed-out') {
      setFlash((f) => f ?? { tone: 'info', text: MESSAGES.loginFirst, path: '/login' });
      navigate(loginWithNext(), { replace: true });
    } else if (route === 'register' && session.status === 'signed-in') {
      navigate('/orders', { replace: true });
    }
  }, [route, session.status]);

  // After an in-app navigation, focus the message or the page's heading (not on first load).
  const firstPath = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each new path by design.
  useEffect(() => {
    if (firstPath.current) {
      firstPath.current = false;
      return;
    }
    (document.getElementById('flash') ?? document.getElementById('page-title'))?.focus();
  }, [location.pathname]);

  const signIn = useCallback((user: User, next: string) => {
    setSession({ status: 'signed-in', user });
    setFlash(null);
    navigate(next);
  }, []);

  const signOut = useCallback((message?: Omit<Flash, 'path'>) => {
    setSession({ status: 'signed-out' });
    setFlash(message ? { ...message, path: '/login' } : null);
    navigate('/login');
  }, []);

  const context = useMemo<AppContextValue>(
    () => ({ api, session, signIn, signOut }),
    [api, session, signIn, signOut],
  );

  async function logout() {
    if (loggingOut) return;
    setLoggingOut(true);
    try {
      await api.logout();
      signOut({ tone: 'success', text: MESSAGES.loggedOut });
    } catch (caught) {
      setFlash({ tone: 'error', text: friendlyMessage(caught), path: window.location.pathname });
    } finally {
      setLoggingOut(false);
    }
  }

  let content: ReactNode;
  if (bootError) {
    content = (
      <section className="card narrow" aria-labelledby="page-title">
        <PageTitle>Echobase is not answering</PageTitle>
        <ErrorNotice error={bootError} onRetry={() => setBootTick((n) => n + 1)} />
      </section>
    );
  } else if (route === 'login') {
    content = <LoginPage />;
  } else if (route === 'register' && session.status !== 'signed-in') {
    content = <RegisterPage />;
  } else if (route === 'order' && session.status === 'signed-in') {
    content = <OrderPage />;
  } else if (route === 'orders' && session.status === 'signed-in') {
    content = <OrdersPage />;
  } else {
    content = (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }

  const shownFlash = flash && flash.path === location.pathname ? flash : null;
  const signedIn = session.status === 'signed-in' ? session.user : null;
  return (
    <AppContext.Provider value={context}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <Link to={signedIn ? '/orders' : '/login'} className="brand">
            Echobase
          </Link>
          <nav aria-label="Main">
            <ul className="nav-list">
              {signedIn ? (
                <>
                  <li>
                    <NavLink to="/order" current={route === 'order'}>
                      Place order
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/orders" current={route === 'orders'}>
                      My orders
                    </NavLink>
                  </li>
                  <li className="user">
                    <span className="visually-hidden">Logged in as </span>
                    {signedIn.email}
                  </li>
                  <li>
                    <button
                      type="button"
                      className="button button-small button-secondary"
                      onClick={logout}
                      disabled={loggingOut}
                    >
                      {loggingOut ? 'Logging out…' : 'Log out'}
                    </button>
                  </li>
                </>
              ) : session.status === 'signed-out' ? (
                <>
                  <li>
                    <NavLink to="/login" current={route === 'login'}>
                      Log in
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/register" current={route === 'register'}>
                      Register
                    </NavLink>
                  </li>
                </>
              ) : null}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {shownFlash ? (
          <div
            id="flash"
            tabIndex={-1}
            className={`notice notice-${shownFlash.tone}`}
            role={shownFlash.tone === 'error' ? 'alert' : 'status'}
          >
            <p>{shownFlash.text}</p>
          </div>
        ) : null}
        {content}
      </main>
      <Footer api={api} />
    </AppContext.Provider>
  );
}

function NavLink({ to, current, children }: { to: string; current: boolean; children: ReactNode }) {
  return (
    <Link to={to} className="nav-link" aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}
