import { type ReactNode, useEffect } from 'react';

/**
 * The page's one h1. It takes focus after an in-app navigation (see App), so a screen reader
 * starts at the new page, and it names the document.
 */
export function PageTitle({ children, title }: { children: ReactNode; title?: string }) {
  const text = title ?? (typeof children === 'string' ? children : '');
  useEffect(() => {
    document.title = text ? `${text} · Echobase` : 'Echobase';
  }, [text]);
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}
