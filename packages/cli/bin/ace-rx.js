#!/usr/bin/env node
// The `ace-rx` command as installed: runs the built command (dist/bin.js). In a clone
// whose packages are not built, a shell in a package folder finds this through the
// workspace's node_modules/.bin: it then says how to run ace-rx there in one line,
// instead of Node's stack trace for a missing dist/bin.js.
try {
  await import('../dist/bin.js');
} catch (error) {
  const notBuilt = error?.code === 'ERR_MODULE_NOT_FOUND' && /[\\/]dist[\\/]/.test(String(error.message));
  if (!notBuilt) throw error;
  process.stderr.write(
    "ace-rx: this clone's packages are not built (no dist/): run it from the clone's root or any folder that is not a package with `npx -y pnpm@12.21.0 ace-rx ...`, from anywhere in it with `npx -y pnpm@12.21.0 -w ace-rx ...`, or build once with `npx -y pnpm@12.21.0 build`\n",
  );
  process.exit(1);
}
