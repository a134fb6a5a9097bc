export const items = [
  { id: 1, name: 'Kettle', price: 30 },
  { id: 2, name: 'Teapot', price: 25 },
];

export function item(id: string | undefined) {
  return items.find((i) => String(i.id) === id);
}
