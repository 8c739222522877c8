import type { InputHTMLAttributes, ReactNode } from 'react';

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'aria-describedby'> & {
  id: string;
  label: string;
  /** Shown under the field and read with it; empty when the field is fine. */
  error?: string | undefined;
  /** A hint shown under the label and read with the field. */
  hint?: ReactNode;
  /** Ids of other elements that describe the field (a rules checklist, say). */
  describedBy?: string[];
  children?: ReactNode;
};

/** A labelled input whose hint and error are tied to it with aria-describedby. */
export function Field({
  id,
  label,
  error,
  hint,
  describedBy = [],
  children,
  ...input
}: FieldProps) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const describedByIds = [hintId, ...describedBy, errorId].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="field-hint" id={hintId ?? undefined}>
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedByIds}
        {...input}
      />
      {children}
      <p className="field-error" id={errorId}>
        {error}
      </p>
    </div>
  );
}
