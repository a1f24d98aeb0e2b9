/** What an HLS media playlist lists. */
export interface PlaylistSpec {
  /** `http://host:port`, written before every segment path (real engines write absolute URLs). */
  readonly origin: string;
  /** The content's infohash (segments are `/ace/c/<ih>/<n>.ts`). */
  readonly infohash: string;
  /** First segment listed (`#EXT-X-MEDIA-SEQUENCE`). */
  readonly first: number;
  /** Segments listed. */
  readonly count: number;
  /** Seconds per segment. */
  readonly segmentSeconds: number;
  /** A complete VOD list (`#EXT-X-ENDLIST`), else a live sliding window. */
  readonly ended: boolean;
}

/**
 * An HLS media playlist (RFC 8216, `#EXT-X-VERSION:3`) of absolute segment URLs, as the
 * engine's `/ace/m/<ih>/<tok>.m3u8` answers.
 */
export function mediaPlaylist(spec: PlaylistSpec): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(spec.segmentSeconds)}`,
    `#EXT-X-MEDIA-SEQUENCE:${spec.first}`,
  ];
  if (spec.ended) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  for (let n = spec.first; n < spec.first + spec.count; n++) {
    lines.push(`#EXTINF:${spec.segmentSeconds.toFixed(3)},`, `${spec.origin}/ace/c/${spec.infohash}/${n}.ts`);
  }
  if (spec.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
