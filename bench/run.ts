// `pnpm bench`: every benchmark of the repo, each reported as a ratio against a
// baseline measured in the same run.
import { reportClient } from './client.bench.js';
import { reportDecode } from './decode.bench.js';
import { reportGateway } from './gateway.bench.js';
import { reportHttpStat } from './http.bench.js';
import { reportMpegts } from './mpegts.bench.js';
import { reportServeRss } from './serve.bench.js';

reportDecode();
reportHttpStat();
reportMpegts();
await reportClient();
await reportGateway();
await reportServeRss();
process.exit(0);
