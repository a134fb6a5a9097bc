import node from '@astrojs/node';
import { defineConfig } from 'astro/config';
import conform from 'astro-conform/integration';

export default defineConfig({
  adapter: node({ mode: 'standalone' }),
  integrations: [conform()],
});
