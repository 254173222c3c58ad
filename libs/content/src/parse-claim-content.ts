/**
 * The entry point: a claim's content type and payload → {@link ParsedContent}. Known types are
 * parsed strictly and bounded (a malformed one throws, naming the field); any other type is
 * `opaque`. Pure and synchronous: no I/O, no clock.
 */
import { ContentLimits, DEFAULT_CONTENT_LIMITS, OpaqueContent, ParsedContent } from './content.model.js';
import { parseCycloneDx } from './cyclonedx.parser.js';
import { parseInToto } from './intoto.parser.js';
import { mediaTypeEssence } from './normalise.js';
import { parseOpenVex } from './openvex.parser.js';
import { parseSpdx } from './spdx.parser.js';

type Parser = (payload: Uint8Array, contentType: string, limits: ContentLimits) => ParsedContent;

/** The content types parsed, by media type essence (docs/content.md#known-types). */
export const CONTENT_PARSERS: Readonly<Record<string, Parser>> = Object.freeze({
  'application/vnd.cyclonedx+json': parseCycloneDx,
  'application/spdx+json': parseSpdx,
  'application/vnd.in-toto+json': parseInToto,
  'application/openvex+json': parseOpenVex,
  'application/vnd.openvex+json': parseOpenVex,
});

/** Whether a content type is one the ledger parses (parameters and case ignored). */
export function isKnownContentType(contentType: string): boolean {
  return Object.hasOwn(CONTENT_PARSERS, mediaTypeEssence(contentType));
}

/** The parsed form of content the ledger does not understand. */
export function opaqueContent(contentType: string): OpaqueContent {
  return { kind: 'opaque', contentType: mediaTypeEssence(contentType), components: [], vex: [], subjects: [], predicateType: null, builder: null, buildType: null, document: null };
}

/**
 * Parse a claim's payload by its content type.
 * @throws ContentFormatError (`ERR_CONTENT_MALFORMED`, with `field`) | ContentLimitError (`ERR_CONTENT_LIMIT`)
 * @example
 * const c = parseClaimContent('application/vnd.cyclonedx+json', bytes);
 * if (c.kind === 'cyclonedx') c.components.map((x) => x.purl);
 */
export function parseClaimContent(contentType: string, payload: Uint8Array, limits: Partial<ContentLimits> = {}): ParsedContent {
  const essence = mediaTypeEssence(contentType);
  const parser = Object.hasOwn(CONTENT_PARSERS, essence) ? CONTENT_PARSERS[essence] : undefined;
  if (!parser) return opaqueContent(contentType);
  return parser(payload, essence, { ...DEFAULT_CONTENT_LIMITS, ...limits });
}
