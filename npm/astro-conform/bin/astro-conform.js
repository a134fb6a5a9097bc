#!/usr/bin/env node
// The `astro-conform` command of the npm package: runs the binary of this platform's
// package with the same arguments, streams and exit status. Node cannot exec, so the
// binary asks the kernel to end it when this launcher dies (ASTRO_CONFORM_LAUNCHER_PID),
// and the signals this launcher gets are passed on.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

import { BinaryNotFound, binaryPath } from '../lib/binary.js';

let binary;
try {
  binary = binaryPath();
} catch (error) {
  if (!(error instanceof BinaryNotFound)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(3);
}

const child = spawn(binary, process.argv.slice(2), {
  stdio: 'inherit',
  env: { ...process.env, ASTRO_CONFORM_LAUNCHER_PID: String(process.pid) },
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`error: cannot start ${binary}: ${error.message}`);
  process.exit(3);
});
child.on('exit', (code, signal) => {
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
});
