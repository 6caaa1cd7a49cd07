import type { ValueSummary } from '../../contract/service';
/** What a value summary needs to know about a remote reference it meets. */
export interface RefResolver {
  /** Keeps the proxy alive and returns its object id, type and callability. */
  hold(proxy: unknown):
    | {
        id: number;
        type: string;
        callable: boolean;
      }
    | undefined;
  /** A known repr for an object id, if one was fetched. */
  reprOf(id: number): string | undefined;
}
/**
 * Renders a decoded remote value as JSON-safe text in the remote language's own notation (Python's
 * `None`, `True`, `'str'`, `(1,)` for a Python gateway), since that is what the user typed and expects.
 */
export declare function summarize(value: unknown, language: string, refs: RefResolver): ValueSummary;
export declare function typeName(value: unknown, language: string): string;
/** A bounded repr in the remote language's notation; deeper levels are cut short. */
export declare function formatValue(value: unknown, language: string, depth: number): string;
