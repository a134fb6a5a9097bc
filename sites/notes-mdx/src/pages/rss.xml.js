import rss from '@astrojs/rss';
import { getCollection } from 'astro:content';

export async function GET(context) {
  const notes = await getCollection('notes');
  return rss({
    title: 'Notes',
    description: 'Small notes',
    site: context.site,
    items: notes.map((n) => ({ title: n.data.title, pubDate: n.data.date, link: `/notes/${n.id}/` })),
  });
}
