/** Reads a setting from an environment variable that takes one of a few words (empty or unset: the default). */
export function envChoice<T extends string>(env: NodeJS.ProcessEnv, variable: string, choices: readonly T[], fallback: T): T {
  const value = env[variable];
  if (value === undefined || value === '') return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new Error(`${variable}: expected one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}
