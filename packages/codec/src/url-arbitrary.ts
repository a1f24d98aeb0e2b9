// The web URLs of the arbitraries (internal to `@ace-rx/codec/arbitraries`). The same shape
// as fast-check's `fc.webUrl` (RFC 3986 characters, percent-encoded code points), built on
// `arbCodePoint`: `fc.webUrl` percent-encodes characters drawn from fast-check's binary
// unit, whose first use builds a table of all 1.1 million code points (about a second of
// CPU in each process or test file that merely imports the arbitraries).
import fc from 'fast-check';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// RFC 3986: unreserved marks and sub-delims, then what pchar adds, then what a query or fragment adds.
const SEGMENT_EXTRA = "-._~!$&'()*+,;=:@";
const QUERY_EXTRA = `${SEGMENT_EXTRA}/?`;

/** `c` percent-encoded: its UTF-8 bytes as `%XX`, also when `encodeURIComponent` would leave it as it is. */
const percentEncoded = (c: string): string => {
  const encoded = encodeURIComponent(c);
  return encoded !== c ? encoded : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
};

const urlText = (codePoint: fc.Arbitrary<string>, extra: string, maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof({ arbitrary: fc.constantFrom(...ALPHANUMERIC, ...extra), weight: 10 }, { arbitrary: codePoint.map(percentEncoded), weight: 1 }), { maxLength })
    .map((cs) => cs.join(''));

/** What {@link webUrl} takes: the schemes it draws from, and whether a query and a fragment may follow the path. */
export interface WebUrlOptions {
  readonly schemes: readonly string[];
  readonly query: boolean;
  readonly fragment: boolean;
}

/** `scheme://domain/path[?query][#fragment]`, as `fc.webUrl` draws them with the same options. */
export function webUrl(codePoint: fc.Arbitrary<string>, options: WebUrlOptions): fc.Arbitrary<string> {
  const path = fc.array(urlText(codePoint, SEGMENT_EXTRA, 10), { maxLength: 5 }).map((segments) => segments.map((s) => `/${s}`).join(''));
  const tail = (on: boolean, mark: string) => (on ? fc.option(urlText(codePoint, QUERY_EXTRA, 20).map((t) => mark + t), { nil: '' }) : fc.constant(''));
  return fc
    .tuple(fc.constantFrom(...options.schemes), fc.domain(), path, tail(options.query, '?'), tail(options.fragment, '#'))
    .map(([scheme, domain, p, query, fragment]) => `${scheme}://${domain}${p}${query}${fragment}`);
}
