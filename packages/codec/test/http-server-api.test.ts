// The /server/api methods open clients call beside get_status, and /search. Fixtures are
// the engine docs' own samples, verbatim (docs.acestream.net "API Reference", cited by
// the spec as docs:api-reference.md; "Search", docs:search.md), and the index → name map
// older clients read from get_media_files without api_version (org.acestream.livechannels
// ChannelsAPI reads `Map<String, MediaFile>`; open Windows clients strip `{"result":
// {"0": "…"}}` down to its names). Expected values are written by hand.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  ApiAccessTokenEnvelopeCodec,
  ContentIdEnvelopeCodec,
  decodeApiAccessTokenResponse,
  decodeContentIdResponse,
  decodeMediaFilesResponse,
  decodeSearchResponse,
  encodeApiAccessTokenResponse,
  encodeContentIdResponse,
  encodeMediaFilesResponse,
  encodeSearchResponse,
  MediaFilesEnvelopeCodec,
  SearchEnvelopeCodec,
  type MediaFiles,
  type SearchResult,
} from '@ace-rx/codec/http';

const TOKEN_BODY = `{
    "result": {
        "token": "3c3a67a7048cfa2e2097b2a5491c57121e39ab496f4b7b72d947088a87752a99"
    }
}`;

const CONTENT_ID_BODY = `{
    "result": {
        "content_id": "d8c669b572574be7ebcb921e35b4caab695ee36b"
    }
}`;

const MEDIA_FILES_BODY = `{
    "result": {
        "files": [
            {
                "index": 0,
                "filename": "Promo Channel"
            }
        ],
        "name": "Promo Channel",
        "infohash": "0a4848271c91ce2d8965ce416267c25047dc8141",
        "transport_type": "bt",
        "type": "live",
        "transport_file_cache_key": null
    }
}`;

const MEDIA_FILES_MAP_BODY = '{"result": {"0": "\\u0421\\u0435\\u0440\\u0438\\u0430\\u043b S01E01.mkv", "1": "Serial S01E02.mkv"}, "error": null}';

const SEARCH_BODY = `{
    "result": {
        "total": 2,
        "results": [
            {
                "items": [
                    {
                        "status": 2,
                        "languages": [
                            "kor"
                        ],
                        "name": "YTN SCIENCE",
                        "countries": [
                            "kr"
                        ],
                        "infohash": "396fc8ac05119f961b4da6f198ebd586f9fc9e2b",
                        "channel_id": 21614,
                        "availability_updated_at": 1639614482,
                        "availability": 1,
                        "categories": [
                            "tv"
                        ]
                    }
                ],
                "name": "YTN SCIENCE",
                "icons": [
                    {
                        "url": "http://c1.torrentstream.info/epg/icons/19335.png",
                        "type": 0
                    }
                ]
            },
            {
                "items": [
                    {
                        "status": 2,
                        "languages": [
                            "kor"
                        ],
                        "name": "YTN Science",
                        "countries": [
                            "kr"
                        ],
                        "infohash": "99283484424516bb92c58c46df11c4457ada96be",
                        "channel_id": 21614,
                        "availability_updated_at": 1639612142,
                        "availability": 1,
                        "categories": [
                            "tv"
                        ]
                    }
                ],
                "name": "YTN Science",
                "icons": [
                    {
                        "url": "http://c1.torrentstream.info/epg/icons/19335.png",
                        "type": 0
                    }
                ]
            }
        ],
        "time": 0.2466
    }
}`;

const ICONS = [{ url: 'http://c1.torrentstream.info/epg/icons/19335.png', type: 0 }];
const SEARCH: SearchResult = {
  total: 2,
  results: [
    {
      name: 'YTN SCIENCE',
      items: [
        {
          infohash: '396fc8ac05119f961b4da6f198ebd586f9fc9e2b',
          name: 'YTN SCIENCE',
          status: 2,
          availability: 1,
          availabilityUpdatedAt: 1639614482,
          categories: ['tv'],
          extra: { languages: ['kor'], countries: ['kr'], channel_id: 21614 },
        },
      ],
      extra: { icons: ICONS },
    },
    {
      name: 'YTN Science',
      items: [
        {
          infohash: '99283484424516bb92c58c46df11c4457ada96be',
          name: 'YTN Science',
          status: 2,
          availability: 1,
          availabilityUpdatedAt: 1639612142,
          categories: ['tv'],
          extra: { languages: ['kor'], countries: ['kr'], channel_id: 21614 },
        },
      ],
      extra: { icons: ICONS },
    },
  ],
  time: 0.2466,
};

const MEDIA_FILES: MediaFiles = {
  form: 'list',
  files: [{ index: 0, filename: 'Promo Channel' }],
  name: 'Promo Channel',
  infohash: '0a4848271c91ce2d8965ce416267c25047dc8141',
  transportType: 'bt',
  type: 'live',
  extra: { transport_file_cache_key: null },
};

describe('docs samples: decode, encode, mirror', () => {
  it('get_api_access_token', () => {
    const value = { token: '3c3a67a7048cfa2e2097b2a5491c57121e39ab496f4b7b72d947088a87752a99' };
    expect(decodeApiAccessTokenResponse(TOKEN_BODY)).toEqual(E.right(value));
    expect(encodeApiAccessTokenResponse(value)).toEqual(JSON.parse(TOKEN_BODY));
    expect(ApiAccessTokenEnvelopeCodec.decode(JSON.parse(TOKEN_BODY))).toEqual(E.right(E.right(value)));
  });

  it('get_content_id', () => {
    const value = { contentId: 'd8c669b572574be7ebcb921e35b4caab695ee36b' };
    expect(decodeContentIdResponse(CONTENT_ID_BODY)).toEqual(E.right(value));
    expect(encodeContentIdResponse(value)).toEqual(JSON.parse(CONTENT_ID_BODY));
    expect(ContentIdEnvelopeCodec.decode(JSON.parse(CONTENT_ID_BODY))).toEqual(E.right(E.right(value)));
  });

  it('get_media_files, api_version=3: the list form', () => {
    expect(decodeMediaFilesResponse(MEDIA_FILES_BODY)).toEqual(E.right(MEDIA_FILES));
    expect(encodeMediaFilesResponse(MEDIA_FILES)).toEqual(JSON.parse(MEDIA_FILES_BODY));
    expect(MediaFilesEnvelopeCodec.decode(JSON.parse(MEDIA_FILES_BODY))).toEqual(E.right(E.right(MEDIA_FILES)));
  });

  it('get_media_files without api_version: the index → file name map', () => {
    const value: MediaFiles = {
      form: 'map',
      files: [
        { index: 0, filename: 'Сериал S01E01.mkv' },
        { index: 1, filename: 'Serial S01E02.mkv' },
      ],
    };
    expect(decodeMediaFilesResponse(MEDIA_FILES_MAP_BODY)).toEqual(E.right(value));
    expect(encodeMediaFilesResponse(value)).toEqual({ result: { '0': 'Сериал S01E01.mkv', '1': 'Serial S01E02.mkv' } });
    // mode=full sends an object per index.
    expect(decodeMediaFilesResponse('{"result": {"0": {"filename": "a.mp4", "mime": "video/mp4", "size": 10}}}')).toEqual(
      E.right({ form: 'map', files: [{ index: 0, filename: 'a.mp4', mime: 'video/mp4', size: 10 }] }),
    );
  });

  it('/search', () => {
    expect(decodeSearchResponse(SEARCH_BODY)).toEqual(E.right(SEARCH));
    expect(encodeSearchResponse(SEARCH)).toEqual(JSON.parse(SEARCH_BODY));
    expect(SearchEnvelopeCodec.decode(JSON.parse(SEARCH_BODY))).toEqual(E.right(E.right(SEARCH)));
  });
});

describe('errors and malformed bodies, as values', () => {
  it('the engine error reply is a Left EngineServiceError; a wrong shape a Left HttpDecodeError', () => {
    const unknown = '{"result": null, "error": "unknown method"}';
    for (const decode of [decodeApiAccessTokenResponse, decodeContentIdResponse, decodeMediaFilesResponse, decodeSearchResponse]) {
      expect(decode(unknown)).toEqual(E.left({ _tag: 'EngineServiceError', message: 'unknown method' }));
      expect(decode('not json')).toMatchObject(E.left({ _tag: 'HttpDecodeError' }));
      expect(decode('{"result": 5}')).toMatchObject(E.left({ _tag: 'HttpDecodeError' }));
    }
    expect(decodeApiAccessTokenResponse('{"result": {"token": 5}}')).toMatchObject(E.left({ _tag: 'HttpDecodeError', path: 'result.token' }));
    expect(decodeMediaFilesResponse('{"result": {"x": "a.mkv"}}')).toMatchObject(E.left({ _tag: 'HttpDecodeError', path: 'result.x' }));
    expect(decodeMediaFilesResponse('{"result": {"files": [{"index": -1, "filename": "a"}]}}')).toMatchObject(E.left({ _tag: 'HttpDecodeError' }));
    expect(decodeSearchResponse('{"result": {"total": 1, "results": [{"name": "x", "items": [{"name": "y"}]}], "time": 0}}')).toMatchObject(
      E.left({ _tag: 'HttpDecodeError', path: 'result.results[0].items[0].infohash' }),
    );
  });
});

describe('laws: decode(encode(a)) = a', () => {
  const arbName = fc.string({ maxLength: 12 });
  const arbFile = fc.record({ index: fc.nat(1000), filename: arbName }, { requiredKeys: ['index', 'filename'] });
  const uniqueFiles = fc.uniqueArray(arbFile, { selector: (f) => f.index, maxLength: 5 }).map((files) => [...files].sort((a, b) => a.index - b.index));
  const arbMediaFiles: fc.Arbitrary<MediaFiles> = fc.oneof(
    uniqueFiles.map((files): MediaFiles => ({ form: 'map', files })),
    fc.tuple(fc.array(arbFile, { maxLength: 4 }), arbName, fc.stringMatching(/^[0-9a-f]{40}$/)).map(([files, name, infohash]): MediaFiles => ({ form: 'list', files, name, infohash, type: 'vod', transportType: 'bt' })),
  );
  const arbSearch: fc.Arbitrary<SearchResult> = fc.record({
    total: fc.nat(),
    results: fc.array(
      fc.record({
        name: arbName,
        items: fc.array(fc.record({ infohash: fc.stringMatching(/^[0-9a-f]{40}$/), name: arbName, status: fc.constantFrom(1, 2), availability: fc.double({ min: 0, max: 1, noNaN: true }), availabilityUpdatedAt: fc.integer({ min: 1_000_000_000, max: 4_102_444_800 }), categories: fc.array(arbName, { maxLength: 3 }) }), { maxLength: 3 }),
      }),
      { maxLength: 3 },
    ),
    time: fc.double({ min: 0, max: 100, noNaN: true }),
  });

  it('get_media_files, both forms', () => {
    fc.assert(fc.property(arbMediaFiles, (value) => expect(decodeMediaFilesResponse(JSON.stringify(encodeMediaFilesResponse(value)))).toEqual(E.right(value))));
  });
  it('/search', () => {
    fc.assert(fc.property(arbSearch, (value) => expect(decodeSearchResponse(JSON.stringify(encodeSearchResponse(value)))).toEqual(E.right(value))));
  });
  it('get_api_access_token and get_content_id', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(decodeApiAccessTokenResponse(JSON.stringify(encodeApiAccessTokenResponse({ token: s })))).toEqual(E.right({ token: s }));
        expect(decodeContentIdResponse(JSON.stringify(encodeContentIdResponse({ contentId: s })))).toEqual(E.right({ contentId: s }));
      }),
    );
  });
});
