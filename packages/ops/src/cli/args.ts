import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { COLOURS, type Colour, ENVIRONMENTS, type EnvName, isColour, isEnvName } from '../plan.js';

/** The arguments and options every command shares, parsed and refused the same way. */

/** A colour given as a positional argument. */
export function colourArgument(value: string): Colour {
  if (!isColour(value))
    throw new UsageError(`unknown colour '${value}' (expected ${COLOURS.join(' or ')})`);
  return value;
}

/** `--env <env>`, devlocal when omitted. */
export function envOption(): Option {
  return new Option('--env <env>', `environment (${ENVIRONMENTS.join(', ')})`)
    .default('devlocal')
    .argParser((value: string): EnvName => {
      if (!isEnvName(value))
        throw new UsageError(
          `unknown environment '${value}' (expected ${ENVIRONMENTS.join(' or ')})`,
        );
      return value;
    });
}

/** An environment given as a positional argument (`durable setup <env>`). */
export function envArgument(value: string): EnvName {
  if (!isEnvName(value)) {
    // A UsageError passes through commander untouched, so the user reads this line as it is.
    throw new UsageError(`unknown environment '${value}' (expected ${ENVIRONMENTS.join(' or ')})`);
  }
  return value;
}
