/**
 * A repeatable comma-separated flag value (commander's collector shape):
 * "a, b,,c" adds ["a", "b", "c"] to what earlier occurrences gave.
 */
export function commaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s),
  ];
}
