// `pnpm bench`: every benchmark of the repo, each reported as a ratio against a
// baseline measured in the same run.
import { reportDecode } from './decode.bench.js';

reportDecode();
