import { checkPassword, PASSWORD_RULES } from '../lib/password';

/** The register page's live checklist of the password rules. */
export function PasswordRules({ id, password }: { id: string; password: string }) {
  const met = checkPassword(password);
  const count = PASSWORD_RULES.filter((rule) => met[rule.id]).length;
  return (
    <div className="password-rules">
      <p className="password-rules-title" id={`${id}-title`}>
        Your password needs:
      </p>
      <ul id={id} className="rules-list" aria-labelledby={`${id}-title`}>
        {PASSWORD_RULES.map((rule) => (
          <li
            key={rule.id}
            data-rule={rule.id}
            data-met={met[rule.id]}
            className={met[rule.id] ? 'met' : 'unmet'}
          >
            <span className="rule-icon" aria-hidden="true">
              {met[rule.id] ? '✓' : '○'}
            </span>
            <span className="visually-hidden">{met[rule.id] ? 'Done: ' : 'Not yet: '}</span>
            {rule.label}
          </li>
        ))}
      </ul>
      <p className="visually-hidden" aria-live="polite">
        {password ? `Password meets ${count} of ${PASSWORD_RULES.length} rules.` : ''}
      </p>
    </div>
  );
}
