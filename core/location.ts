/** Where something was written: a matrix file, 1-based line and column when known. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** `file:line:column`, or the file alone when the line is unknown (TypeScript matrices). */
export function formatLocation(location: SourceLocation): string {
  if (location.line === undefined) return location.file;
  return `${location.file}:${location.line}:${location.column ?? 1}`;
}
