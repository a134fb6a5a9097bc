import type { APIRoute } from 'astro';
import { item } from '../../../items';

export const GET: APIRoute = ({ params }) => {
  const found = item(params.id);
  return found ? Response.json(found) : new Response(null, { status: 404 });
};
