import type { APIRoute } from 'astro';

export const POST: APIRoute = async ({ request, redirect }) => {
  const form = await request.formData();
  return form.get('id') ? redirect('/thanks', 303) : new Response('missing id', { status: 400 });
};
