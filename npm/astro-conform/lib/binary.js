// Where the astro-conform binary is: in the per-platform package npm installed beside this
// one as an optional dependency (the way esbuild and Biome ship theirs), or at
// $ASTRO_CONFORM_BINARY.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `process.platform-process.arch` → the package that holds the binary for it. */
export const PLATFORM_PACKAGES = {
  'linux-x64': 'astro-conform-linux-x64',
};

/** An error a person can act on: what is missing and how to get it. */
export class BinaryNotFound extends Error {}

/** The path of the binary for this machine; throws BinaryNotFound with what to do. */
export function binaryPath() {
  if (process.env.ASTRO_CONFORM_BINARY) return process.env.ASTRO_CONFORM_BINARY;
  const platform = `${process.platform}-${process.arch}`;
  const pkg = PLATFORM_PACKAGES[platform];
  if (!pkg) {
    throw new BinaryNotFound(
      `no astro-conform binary is built for ${platform}; there is one for ` +
        `${Object.keys(PLATFORM_PACKAGES).join(', ')}. Run it in a Linux x64 container or ` +
        'CI runner, or build it from source (cargo install --locked) and set ASTRO_CONFORM_BINARY.',
    );
  }
  try {
    return require.resolve(`${pkg}/bin/astro-conform`);
  } catch {
    const { version } = require('../package.json');
    throw new BinaryNotFound(
      `the package ${pkg}, which holds the astro-conform binary for ${platform}, is not ` +
        'installed. npm installs it with astro-conform as an optional dependency: reinstall ' +
        `without --omit=optional (or --no-optional), or add it: npm install -D ${pkg}@${version}`,
    );
  }
}
