/**
 * The toy CLIP model's whole world: eleven colours. The generator builds the model from this table
 * and the tests paint their photos from it, so the two cannot drift apart.
 */
export const TOY_COLOURS = {
  red: [220, 30, 30],
  orange: [245, 140, 20],
  yellow: [245, 225, 40],
  green: [40, 170, 60],
  blue: [30, 80, 220],
  purple: [130, 50, 170],
  pink: [245, 150, 190],
  brown: [120, 70, 30],
  black: [15, 15, 15],
  white: [245, 245, 245],
  gray: [128, 128, 128],
} as const satisfies Record<string, readonly [number, number, number]>;

export type ToyColour = keyof typeof TOY_COLOURS;

export const TOY_COLOUR_NAMES = Object.keys(TOY_COLOURS) as ToyColour[];

/** Words the text tower understands, each naming one colour. */
export const TOY_WORDS: Record<string, ToyColour> = {
  ...Object.fromEntries(TOY_COLOUR_NAMES.map((name) => [name, name])),
  grey: 'gray',
};
