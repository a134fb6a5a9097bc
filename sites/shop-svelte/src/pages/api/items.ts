import { items } from '../../items';

export const GET = () => Response.json(items);
