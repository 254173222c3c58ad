/**
 * cbor-x for the CBOR bake-off only (docs/cose.md). It is not a dependency of the project: its
 * optional native part (cbor-extract) has no packages in the registries this project installs
 * from, so npm cannot write a lock file that `npm ci` accepts with it. Install it for the bake-off
 * with `npm install --no-save cbor-x`, then `npm run bench:cbor`.
 */
export interface CborTag {
  readonly tag: number;
  readonly value: unknown;
}
export interface CborX {
  Decoder: new (options: never) => { decode(bytes: Uint8Array): unknown };
  Encoder: new (options: never) => { encode(value: unknown): Uint8Array };
  Tag: new (value: unknown, tag: number) => CborTag;
  addExtension(extension: never): void;
}

const NAME = 'cbor-x'; // a variable: tsc must not look for the module, it is not installed by default

export const cborx: CborX = await import(NAME).catch((cause: unknown) => {
  throw new Error("couldn't load cbor-x: the bake-off needs it installed (npm install --no-save cbor-x)", { cause });
});
